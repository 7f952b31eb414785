"""Feedback to finance of a batch the department paid itself (主管部门发放)."""

from __future__ import annotations

import datetime as _dt
import json
from decimal import Decimal
from functools import cache

import pytest

from ningxia_yikatong.banks import BankReturn, ReturnStatus
from ningxia_yikatong.checks import CheckContext, run_checks
from ningxia_yikatong.errors import WorkflowError
from ningxia_yikatong.payout import PayoutBatch, batch_digest
from ningxia_yikatong.policy import PayMode
from ningxia_yikatong.reconcile import reconcile
from ningxia_yikatong.testing.planted import make_batch, make_item, make_policy
from ningxia_yikatong.testing.returns import bank_answer
from ningxia_yikatong.workflow import (
    Actor,
    Lifecycle,
    LifecycleRules,
    Role,
    TimeLimit,
    finance_feedback,
)

FILE, RETURN_FILE = "2" * 64, "3" * 64
CLERK = Actor(actor_id="c", name="经办甲", role=Role.DEPT_CLERK, region="640000")
VERIFIER = Actor(actor_id="v", name="审核乙", role=Role.DEPT_REVIEWER, region="640000")
APPROVER = Actor(actor_id="a", name="审核丙", role=Role.DEPT_REVIEWER, region="640000")
T = _dt.datetime(2026, 3, 2, 9, tzinfo=_dt.UTC)


@cache
def _batch() -> PayoutBatch:
    return make_batch([make_item(1), make_item(2, region="640181100201"), make_item(3)])


def _bank_return(batch: PayoutBatch) -> BankReturn:
    """Every item paid but the last (account closed)."""
    return bank_answer(batch, {batch.count: ReturnStatus.CLOSED})


def _life(pay_mode: PayMode = PayMode.DEPARTMENT) -> Lifecycle:
    rules = LifecycleRules(town_review=False, pay_mode=pay_mode, time_limit=TimeLimit(days=10))
    batch = _batch()
    life = Lifecycle.of(batch, department="自治区民政厅", rules=rules)
    context = CheckContext.build(deaths={}, prior_payouts=[], public_payroll=[])
    report = run_checks(batch, make_policy(), context)
    for rule, _ in report.blocking_missing_data:
        report = report.override(rule, reason="已核实", by="审核乙")
    digest = batch_digest(batch)
    life = life.apply("declare", CLERK, at=T, batch_digest=digest)
    life = life.apply("verify", VERIFIER, at=T, batch_digest=digest)
    return life.apply("approve", APPROVER, at=T, batch_digest=digest, report=report)


def _reconciled() -> Lifecycle:
    life = _life()
    life = life.apply("send", CLERK, at=T, batch_digest=life.declared_digest, file_digest=FILE)
    life = life.apply("return", CLERK, at=T, file_digest=RETURN_FILE, answers=FILE)
    return life.apply("reconcile", CLERK, at=T)


def test_the_feedback_says_what_was_paid_where() -> None:
    batch = _batch()
    feedback = finance_feedback(_reconciled(), reconcile(batch, _bank_return(batch)))
    assert feedback.counts == {"paid": 2, "failed": 1, "pending": 0, "missing": 0}
    assert feedback.amounts["paid"] == Decimal("200.00")
    assert feedback.by_region == {"640122": Decimal("100.00"), "640181": Decimal("100.00")}
    assert feedback.approved_by == ("审核丙",)
    assert (feedback.payment_file_digest, feedback.return_file_digest) == (FILE, RETURN_FILE)
    assert "已发放 2 笔 200.00 元，失败 1 笔 100.00 元" in feedback.summary()
    text = feedback.to_csv()
    assert text.startswith("\ufeff序号,身份证号（脱敏）")
    assert "账户已销户" in text
    for item in batch.items:
        assert str(item.beneficiary.id_number) not in text
    data = json.loads(feedback.to_json())
    assert data["pay_mode"] == "主管部门发放"
    assert data["paid_by_region"] == {"640122": "100.00", "640181": "100.00"}


def test_feedback_only_for_a_reconciled_department_batch() -> None:
    batch = _batch()
    result = reconcile(batch, _bank_return(batch))
    with pytest.raises(WorkflowError) as excinfo:
        finance_feedback(_life(), result)
    assert excinfo.value.code == "workflow.transition"
    fiscal = Lifecycle.of(
        batch,
        department="自治区民政厅",
        rules=LifecycleRules(pay_mode=PayMode.FISCAL_DIRECT, time_limit=TimeLimit(days=1)),
    )
    with pytest.raises(WorkflowError) as excinfo:
        finance_feedback(fiscal, result)
    assert excinfo.value.code == "workflow.pay_mode"
    other = make_batch([make_item(1)], batch_id="B-OTHER")
    with pytest.raises(WorkflowError) as excinfo:
        finance_feedback(_reconciled(), reconcile(other, _bank_return(other)))
    assert excinfo.value.code == "workflow.report_mismatch"
