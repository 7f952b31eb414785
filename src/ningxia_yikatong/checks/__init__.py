"""Cross-checks before payment (事前比对).

A batch is checked against its policy and against reference data (deaths,
public payroll, earlier payments, the household registry, exclusion
registries) before any money moves. Each problem is a :class:`Finding` that
says, in Chinese, what is wrong and what the clerk should do; the
:class:`CheckReport` says whether the batch may proceed.

>>> from ningxia_yikatong.testing import SyntheticData
>>> from ningxia_yikatong.testing.policies import sample_policies
>>> policy = next(p for p in sample_policies() if p.code == "NX-GLJT")
>>> batch = SyntheticData(seed=1, yikatong_share=1.0).batch(20, policy=policy, period="2026-03")
>>> dead = batch.items[4].beneficiary.id_number
>>> context = CheckContext.build(deaths={dead: "2026-01-10"})
>>> report = run_checks(batch, policy, context)
>>> [(f.seq, f.rule, f.severity.value) for f in report.findings]
[(5, 'deceased', 'block')]
>>> report.may_proceed
False

See docs/checks.md for every rule and how to add one.
"""

from __future__ import annotations

from ._context import (
    DEFAULT_BANK_ENCODINGS,
    DEFAULT_SHARED_ACCOUNT_THRESHOLD,
    CheckContext,
    Household,
    HouseholdMember,
    Households,
    PriorPayout,
    PriorPayouts,
    household_member,
    prior_payout,
)
from ._engine import (
    ENTRY_POINT_GROUP,
    FunctionRule,
    Rule,
    RuleRun,
    RuleSet,
    default_rules,
    item_rule,
    load_rules,
    run_checks,
)
from ._model import (
    Evidence,
    Finding,
    MissingDataOverride,
    Problem,
    RuleFailure,
    Severity,
    SeverityOverrides,
)
from ._refdata import (
    load_deaths,
    load_households,
    load_id_set,
    load_prior_payouts,
    load_public_payroll,
    read_reference_table,
)
from ._report import FINDING_HEADERS, CheckReport, RuleOutcome, RuleStatus
from ._rules import BUILTIN_RULES, reference_date

__all__ = [
    "BUILTIN_RULES",
    "DEFAULT_BANK_ENCODINGS",
    "DEFAULT_SHARED_ACCOUNT_THRESHOLD",
    "ENTRY_POINT_GROUP",
    "FINDING_HEADERS",
    "CheckContext",
    "CheckReport",
    "Evidence",
    "Finding",
    "FunctionRule",
    "Household",
    "HouseholdMember",
    "Households",
    "MissingDataOverride",
    "PriorPayout",
    "PriorPayouts",
    "Problem",
    "Rule",
    "RuleFailure",
    "RuleOutcome",
    "RuleRun",
    "RuleSet",
    "RuleStatus",
    "Severity",
    "SeverityOverrides",
    "default_rules",
    "household_member",
    "item_rule",
    "load_deaths",
    "load_households",
    "load_id_set",
    "load_prior_payouts",
    "load_public_payroll",
    "load_rules",
    "prior_payout",
    "read_reference_table",
    "reference_date",
    "run_checks",
]
