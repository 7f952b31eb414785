"""The overdue list: approved batches not paid in time, expected batches never declared."""

from __future__ import annotations

import datetime as _dt

from ningxia_yikatong.checks import CheckContext, CheckReport, run_checks
from ningxia_yikatong.payout import PayoutBatch, batch_digest
from ningxia_yikatong.testing.planted import make_batch, make_item, make_policy
from ningxia_yikatong.workflow import (
    Actor,
    BatchState,
    Lifecycle,
    LifecycleRules,
    PayoutSchedule,
    Role,
    TimeLimit,
    WorkCalendar,
    overdue,
)

CLERK = Actor(actor_id="c", name="经办甲", role=Role.DEPT_CLERK, region="640100")
REVIEWER = Actor(actor_id="r", name="审核乙", role=Role.DEPT_REVIEWER, region="640100")
FINANCE = Actor(actor_id="f", name="审批丙", role=Role.FINANCE_APPROVER, region="640000")
BANK = Actor(actor_id="b", name="银行", role=Role.BANK, region="640000")


def _report(batch: PayoutBatch) -> CheckReport:
    context = CheckContext.build(deaths={}, prior_payouts=[], public_payroll=[])
    report = run_checks(batch, make_policy(), context)
    for rule, _ in report.blocking_missing_data:
        report = report.override(rule, reason="已核实", by="审核乙")
    return report


def _approved(
    batch_id: str, period: str, on: _dt.datetime, *, rules: LifecycleRules, region: str = "640122"
) -> Lifecycle:
    life = Lifecycle(
        batch_id=batch_id,
        policy_code="NX-TEST",
        period=period,
        region=region,
        department="贺兰县民政局",
        rules=rules,
    )
    batch = make_batch([make_item(1)], batch_id=batch_id)
    digest = batch_digest(batch)
    life = life.apply("declare", CLERK, at=on, batch_digest=digest)
    life = life.apply("verify", REVIEWER, at=on, batch_digest=digest)
    return life.apply("approve", FINANCE, at=on, batch_digest=digest, report=_report(batch))


def _paid(life: Lifecycle, sent: _dt.datetime, returned: _dt.datetime) -> Lifecycle:
    life = life.apply(
        "send", FINANCE, at=sent, batch_digest=life.declared_digest, file_digest="1" * 64
    )
    return life.apply("return", BANK, at=returned, file_digest="2" * 64, answers="1" * 64)


def _at(day: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(day + "T09:00:00+08:00")


RULES = LifecycleRules(
    town_review=False,
    time_limit=TimeLimit(days=10),
    schedule=PayoutSchedule(frequency="monthly", day=20),
)


def test_an_approved_batch_not_paid_by_its_due_date_is_late() -> None:
    late = _approved("B-01", "2026-01", _at("2026-01-05"), rules=RULES)
    paid = _approved("B-02", "2026-02", _at("2026-02-05"), rules=RULES)
    paid = _paid(paid, _at("2026-02-06"), _at("2026-02-20"))
    assert paid.state is BatchState.RETURNED
    found = overdue([late, paid], on=_dt.date(2026, 2, 25))
    assert [(o.batch_id, o.due.isoformat(), o.days_late) for o in found] == [
        ("B-01", "2026-01-15", 41)
    ]
    assert "批次 B-01" in found[0].what
    assert "已超期 41 天" in found[0].what


def test_a_working_day_limit_counts_working_days_late() -> None:
    rules = RULES.model_copy(update={"time_limit": TimeLimit(days=2, working_days=True)})
    life = _approved("B-01", "2026-01", _at("2026-01-02"), rules=rules)  # a Friday
    calendar = WorkCalendar()
    assert life.due(calendar) == _dt.date(2026, 1, 6)
    [entry] = overdue([life], on=_dt.date(2026, 1, 9), calendar=calendar)
    assert entry.days_late == 3


def test_a_period_of_the_schedule_with_no_batch_is_late_too() -> None:
    january = _approved("B-01", "2026-01", _at("2026-01-05"), rules=RULES)
    january = _paid(january, _at("2026-01-06"), _at("2026-01-08"))
    march = _approved("B-03", "2026-03", _at("2026-03-02"), rules=RULES)
    february = _approved("B-02", "2026-02", _at("2026-02-02"), rules=RULES).apply(
        "cancel", FINANCE, at=_at("2026-02-03"), reason="花名册有误"
    )
    found = overdue(
        [january, february, march], on=_dt.date(2026, 3, 25), expected_from=_dt.date(2026, 1, 1)
    )
    assert [(o.batch_id, o.period, o.due.isoformat(), o.days_late) for o in found] == [
        (None, "2026-02", "2026-02-20", 33),
        ("B-03", "2026-03", "2026-03-12", 13),
    ]
    assert "未申报批次" in found[0].what


def test_the_list_is_sorted_by_department_and_region() -> None:
    a = _approved("B-A", "2026-01", _at("2026-01-05"), rules=RULES, region="640122")
    b = _approved("B-B", "2026-01", _at("2026-01-04"), rules=RULES, region="640121")
    found = overdue([a, b], on=_dt.date(2026, 1, 30))
    assert [o.batch_id for o in found] == ["B-B", "B-A"]
