"""Run the built-in checks plus the example's ``sms_notice`` rule on a small batch.

Installed (``pip install examples/custom_rule``), the rule is found through its
entry point like the built-in ones. This script runs from a source checkout
without installing anything: it hands ``load_rules`` the entry point that the
example's pyproject.toml declares.

    python examples/custom_rule/custom_rule_demo.py
"""

from __future__ import annotations

import sys
import tomllib
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from ningxia_yikatong.checks import ENTRY_POINT_GROUP, CheckContext, load_rules, run_checks
from ningxia_yikatong.testing import SyntheticData
from ningxia_yikatong.testing.policies import sample_policies

HERE = Path(__file__).resolve().parent


def declared_entry_points() -> list[EntryPoint]:
    """The entry points of the group as installed, plus the example's own."""
    sys.path.insert(0, str(HERE / "src"))
    project = tomllib.loads((HERE / "pyproject.toml").read_text("utf-8"))["project"]
    ours = project["entry-points"][ENTRY_POINT_GROUP]
    return [
        *entry_points(group=ENTRY_POINT_GROUP),
        *(EntryPoint(name, value, ENTRY_POINT_GROUP) for name, value in ours.items()),
    ]


def main() -> None:
    rules = load_rules(entry_points=declared_entry_points())
    print(
        f"rules: {len(rules.codes)}, last: {rules.codes[-1]}, failed to load: {len(rules.failures)}"
    )
    policy = next(p for p in sample_policies() if p.code == "NX-KNCJSH")
    data = SyntheticData(seed=4, phone_share=0.7, yikatong_share=1.0)
    batch = data.batch(10, policy=policy, bank="nxrcb", period="2026-03")
    # The reference data a deployment loads from its registries (here: empty,
    # but loaded; data not loaded at all would stop the batch unless overridden).
    context = CheckContext.build(deaths={}, public_payroll={}, prior_payouts=[])
    report = run_checks(batch, policy, context, rules=rules)
    for finding in report.findings:
        print(f"{finding.seq:>3} {finding.rule} {finding.severity.value} {finding.message}")
    print(report.summary())


if __name__ == "__main__":
    main()
