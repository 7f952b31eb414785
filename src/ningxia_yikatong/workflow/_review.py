"""Post-payment review (事后专项核查): the checks run again over what was paid,
with newer reference data, and what should not have been paid becomes a
recovery list (应追回清单).

A blocking finding of an eligibility rule (a death before the period, a public
payroll match, a registry exclusion, a payment already made, a duplicate, an
exclusive policy, age or region outside the policy) makes the whole amount paid
recoverable; an amount above the standard or the cap makes the excess
recoverable. Account findings (holder name, card type, shared account) are not
recoveries: the money reached someone entitled to it, by another road.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from .._arguments import checked
from ..checks import CheckContext, CheckReport, Finding, Severity, run_checks
from ..errors import WorkflowError
from ..money import Amount
from ..payout import PayoutBatch
from ..policy import SubsidyPolicy

__all__ = ["ELIGIBILITY_RULES", "PostPaymentReview", "Recovery", "post_payment_review"]

#: Rules whose blocking finding means the person should not have been paid.
ELIGIBILITY_RULES: Final = frozenset(
    {
        "deceased",
        "public_payroll",
        "excluded_registry",
        "excluded_vehicles",
        "excluded_property",
        "excluded_business",
        "already_paid",
        "duplicate_person",
        "duplicate_household",
        "exclusive_policy",
        "age_range",
        "region",
        "household_region",
    }
)
_HEADERS: Final = (
    "批次号",
    "序号",
    "身份证号（脱敏）",
    "姓名",
    "已发金额",
    "应追回金额",
    "规则编码",
    "核查发现",
)


@dataclass(frozen=True, slots=True)
class Recovery:
    """One item to recover (应追回): what was paid, how much comes back, and why."""

    batch_id: str
    seq: int
    masked_id: str
    name: str
    paid: Amount
    amount: Amount
    rule: str
    reason: str

    def __post_init__(self) -> None:
        if self.amount > self.paid:
            raise WorkflowError(
                f"批次 {self.batch_id} 第 {self.seq} 条应追回 {self.amount} 元，"
                f"超过已发金额 {self.paid} 元",
                code="workflow.recovery_exceeds",
            )


@dataclass(frozen=True, slots=True)
class PostPaymentReview:
    """The result of reviewing one paid batch."""

    batch_id: str
    policy_code: str
    period: str
    reviewed: int
    recoveries: tuple[Recovery, ...]
    report: CheckReport

    @property
    def total(self) -> Decimal:
        """The amount to recover, in yuan."""
        return sum((r.amount for r in self.recoveries), Decimal("0.00"))

    @checked(WorkflowError, "workflow")
    def summary(self) -> str:
        """One Chinese line."""
        return (
            f"批次 {self.batch_id} 事后核查：复核已发放 {self.reviewed} 笔，"
            f"应追回 {len(self.recoveries)} 笔，合计 {self.total:,.2f} 元"
        )

    @checked(WorkflowError, "workflow")
    def to_csv(self) -> str:
        """The recovery list as CSV (UTF-8 with BOM, for spreadsheet software)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(_HEADERS)
        for r in self.recoveries:
            writer.writerow(
                [r.batch_id, r.seq, r.masked_id, r.name, r.paid, r.amount, r.rule, r.reason]
            )
        return "\ufeff" + out.getvalue()


@checked(WorkflowError, "workflow")
def post_payment_review(
    batch: PayoutBatch,
    policy: SubsidyPolicy,
    context: CheckContext,
    *,
    paid: Iterable[int] | None = None,
) -> PostPaymentReview:
    """Review the items of ``batch`` that were paid (``paid``: their seqs, as
    the reconciliation found them; all items when None) against ``context``'s
    newer reference data.

    >>> from ningxia_yikatong.testing.planted import make_batch, make_id, make_item, make_policy
    >>> dead = str(make_id("1950-01-01"))
    >>> batch = make_batch([make_item(1), make_item(2, id_number=dead)])
    >>> review = post_payment_review(
    ...     batch, make_policy(), CheckContext.build(deaths={dead: "2026-01-10"}))
    >>> review.summary()
    '批次 B-TEST 事后核查：复核已发放 2 笔，应追回 1 笔，合计 100.00 元'
    """
    seqs = {item.seq for item in batch.items} if paid is None else set(paid)
    unknown = sorted(seqs - {item.seq for item in batch.items})
    if unknown:
        raise WorkflowError(
            f"批次 {batch.batch_id} 没有第 {'、'.join(map(str, unknown[:10]))} 条",
            code="workflow.seq_unknown",
        )
    report = run_checks(batch, policy, context)
    by_seq = {item.seq: item for item in batch.items}
    chosen: dict[int, Recovery] = {}
    for finding in report.findings:
        if finding.seq not in seqs or finding.severity is not Severity.BLOCK:
            continue
        paid_amount = by_seq[finding.seq].amount
        amount = _recoverable(finding, paid_amount)
        if amount is None:
            continue
        known = chosen.get(finding.seq)
        if known is None or amount > known.amount:
            chosen[finding.seq] = Recovery(
                batch_id=str(batch.batch_id),
                seq=finding.seq,
                masked_id=finding.masked_id,
                name=finding.name,
                paid=paid_amount,
                amount=amount,
                rule=finding.rule,
                reason=finding.message,
            )
    return PostPaymentReview(
        batch_id=str(batch.batch_id),
        policy_code=str(batch.policy_code),
        period=str(batch.period),
        reviewed=len(seqs),
        recoveries=tuple(chosen[s] for s in sorted(chosen)),
        report=report,
    )


def _recoverable(finding: Finding, paid: Amount) -> Amount | None:
    if finding.rule in ELIGIBILITY_RULES:
        return paid
    if finding.rule == "amount":
        limit = finding.evidence.get("expected", finding.evidence.get("cap"))
        if limit is None:
            return None
        excess = paid - Decimal(str(limit))
        return Amount(excess) if excess > 0 else None
    return None
