"""Feedback to finance for batches the competent department pays itself
(主管部门发放): the department reports what it paid, and finance gets an
export of it (发放信息反馈). The plan asks it of every department that pays
subsidies itself: "业务主管部门要及时向同级财政部门反馈发放信息".
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from .._arguments import checked
from ..errors import WorkflowError
from ..policy import PayMode
from ..reconcile import Outcome, Reconciliation
from ._lifecycle import Lifecycle
from ._states import BatchState

__all__ = ["FinanceFeedback", "finance_feedback"]

_HEADERS: Final = ("序号", "身份证号（脱敏）", "姓名", "所在区划", "金额", "发放结果", "银行说明")


@dataclass(frozen=True, slots=True)
class FinanceFeedback:
    """What a department paid in one batch, for the finance department."""

    batch_id: str
    policy_code: str
    period: str
    region: str
    department: str
    approved_by: tuple[str, ...]
    payment_file_digest: str
    return_file_digest: str
    counts: dict[str, int]
    amounts: dict[str, Decimal]
    by_region: dict[str, Decimal]
    rows: tuple[tuple[str, ...], ...]

    @checked(WorkflowError, "workflow")
    def summary(self) -> str:
        """One Chinese line."""
        return (
            f"{self.department} 批次 {self.batch_id}（{self.policy_code} {self.period}）："
            f"已发放 {self.counts['paid']} 笔 {self.amounts['paid']} 元，"
            f"失败 {self.counts['failed']} 笔 {self.amounts['failed']} 元，"
            f"未决 {self.counts['pending'] + self.counts['missing']} 笔"
        )

    @checked(WorkflowError, "workflow")
    def to_csv(self) -> str:
        """The items as CSV (UTF-8 with BOM), ID numbers masked."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(_HEADERS)
        writer.writerows(self.rows)
        return "\ufeff" + out.getvalue()

    @checked(WorkflowError, "workflow")
    def to_dict(self) -> dict[str, Any]:
        """Plain data (English keys; amounts as text) for JSON."""
        return {
            "batch_id": self.batch_id,
            "policy_code": self.policy_code,
            "period": self.period,
            "region": self.region,
            "department": self.department,
            "pay_mode": PayMode.DEPARTMENT.value,
            "approved_by": list(self.approved_by),
            "payment_file_digest": self.payment_file_digest,
            "return_file_digest": self.return_file_digest,
            "counts": dict(self.counts),
            "amounts": {k: str(v) for k, v in self.amounts.items()},
            "paid_by_region": {k: str(v) for k, v in self.by_region.items()},
        }

    @checked(WorkflowError, "workflow")
    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


@checked(WorkflowError, "workflow")
def finance_feedback(life: Lifecycle, reconciliation: Reconciliation) -> FinanceFeedback:
    """The feedback of a department-paid batch once it is reconciled (已对账 or later)."""
    if life.rules.pay_mode is not PayMode.DEPARTMENT:
        raise WorkflowError(
            f"批次 {life.batch_id} 由财政直接发放，无需主管部门反馈发放信息",
            code="workflow.pay_mode",
        )
    if not life.state.is_paid or life.state is BatchState.RETURNED:
        raise WorkflowError(
            f"批次 {life.batch_id} 当前为「{life.state.label}」，对账后才能反馈发放信息",
            code="workflow.transition",
        )
    if str(reconciliation.batch.batch_id) != str(life.batch_id):
        raise WorkflowError(
            f"对账结果属于批次 {reconciliation.batch.batch_id}，不是 {life.batch_id}",
            code="workflow.report_mismatch",
        )
    approval = life.approval
    returned = [t for t in life.transitions if t.step.value == "return"]
    assert approval is not None
    assert returned
    assert life.sent_file_digest is not None
    counts = {o.value: 0 for o in Outcome}
    amounts = {o.value: Decimal("0.00") for o in Outcome}
    by_region: dict[str, Decimal] = {}
    rows: list[tuple[str, ...]] = []
    for result in reconciliation:
        person = result.item.beneficiary
        counts[result.outcome.value] += 1
        amounts[result.outcome.value] += result.item.amount
        if result.outcome is Outcome.PAID:
            county = str(person.region)[:6]
            by_region[county] = by_region.get(county, Decimal("0.00")) + result.item.amount
        rows.append(
            (
                str(result.seq),
                person.id_number.masked(),
                str(person.name),
                str(person.region),
                str(result.item.amount),
                result.outcome.label,
                result.raw_message or "",
            )
        )
    return FinanceFeedback(
        batch_id=str(life.batch_id),
        policy_code=str(life.policy_code),
        period=str(life.period),
        region=str(life.region),
        department=life.department,
        approved_by=tuple(a.name for a in approval.signers),
        payment_file_digest=life.sent_file_digest,
        return_file_digest=str(returned[-1].file_digest),
        counts=counts,
        amounts=amounts,
        by_region=dict(sorted(by_region.items())),
        rows=tuple(rows),
    )
