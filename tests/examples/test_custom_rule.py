"""The custom-rule example: its script, and its entry point found by ``load_rules``."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from ningxia_yikatong.checks import (
    ENTRY_POINT_GROUP,
    CheckContext,
    Severity,
    load_rules,
    run_checks,
)
from ningxia_yikatong.identity import Phone
from ningxia_yikatong.payout import PayoutItem
from ningxia_yikatong.testing.planted import make_batch, make_item, make_policy

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "custom_rule"


def test_script_output() -> None:
    out = subprocess.run(
        [sys.executable, str(EXAMPLE / "custom_rule_demo.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stderr == ""
    lines = out.stdout.splitlines()
    assert lines[0] == "rules: 20, last: sms_notice, failed to load: 0"
    assert lines[1:-1] == [
        "  7 sms_notice info 未登记联系电话，无法短信告知2026年3月困难残疾人生活补贴的发放情况；"
        "请补充本人手机号码",
        " 10 sms_notice info 未登记联系电话，无法短信告知2026年3月困难残疾人生活补贴的发放情况；"
        "请补充本人手机号码",
    ]
    assert lines[-1].endswith("提示 2，1条规则缺少参考数据；可以继续")


@pytest.fixture
def installed_example(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend the example is installed: its entry point joins the real ones."""
    declared = tomllib.loads((EXAMPLE / "pyproject.toml").read_text("utf-8"))
    ours = declared["project"]["entry-points"][ENTRY_POINT_GROUP]
    real = metadata.entry_points

    def fake(**selection: str) -> metadata.EntryPoints:
        found: list[metadata.EntryPoint] = [*real(**selection)]
        if selection.get("group") == ENTRY_POINT_GROUP:
            found += [metadata.EntryPoint(n, v, ENTRY_POINT_GROUP) for n, v in ours.items()]
        return metadata.EntryPoints(found)

    monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
    monkeypatch.setattr(metadata, "entry_points", fake)


def with_phone(item: PayoutItem, phone: str) -> PayoutItem:
    person = item.beneficiary.model_copy(update={"phone": Phone(phone)})
    return item.model_copy(update={"beneficiary": person})


@pytest.mark.usefixtures("installed_example")
def test_entry_point_makes_the_rule_run() -> None:
    rules = load_rules()
    assert rules.failures == ()
    assert rules.codes[-1] == "sms_notice"
    b = make_batch(
        [
            make_item(1),
            with_phone(make_item(2), "13912345678"),
            with_phone(make_item(3), "0951-1234567"),
        ]
    )
    context = CheckContext.build(deaths={}, prior_payouts=[])
    report = run_checks(b, make_policy(), context, rules=rules)
    sms = [(f.seq, f.severity, f.evidence) for f in report.findings if f.rule == "sms_notice"]
    assert sms == [(1, Severity.INFO, {"phone": "none"}), (3, Severity.INFO, {"phone": "landline"})]
    assert report.may_proceed
