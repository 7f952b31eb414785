"""One disclosure (公示清单) of a batch for one region: the rows as they will be
published, masked by the profile, with their count and total.

A disclosure before payment (发放前公示) lets neighbours object to the people
about to be paid; the batch must have passed review (已审核 or 已审批). One
after payment (发放后公示) lists what the bank paid: it needs the batch's
reconciliation, and lists only the paid items, with the day each was paid.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from .._arguments import checked, checked_on_failure
from ..errors import DisclosureError
from ..identity import mask_account, mask_id_number, mask_phone
from ..payout import PayoutBatch, PayoutItem
from ..policy import DeclaredStandard, PerUnitStandard, SubsidyPolicy, payment_standard
from ..reconcile import Outcome, Reconciliation
from ..regions import RegionCode
from ._profile import Column, DisclosureProfile, NameMask, NoticeWindow

if TYPE_CHECKING:
    from ..workflow import Lifecycle

__all__ = ["Disclosure", "DisclosureKind", "DisclosureRow", "build_disclosure", "village_name"]


class DisclosureKind(StrEnum):
    """Before payment (for objections) or after (what was paid)."""

    BEFORE_PAYMENT = "before_payment"
    AFTER_PAYMENT = "after_payment"

    @property
    def label(self) -> str:
        """Chinese name."""
        return "发放前公示" if self is DisclosureKind.BEFORE_PAYMENT else "发放结果公示"


_BEFORE_STATES: Final = frozenset({"verified", "approved"})
_AFTER_STATES: Final = frozenset({"reconciled", "disclosed", "closed"})


@dataclass(frozen=True, slots=True)
class DisclosureRow:
    """One published line: the item's seq (for objections) and its cells."""

    seq: int
    village: str
    amount: Decimal
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Disclosure:
    """A disclosure list ready to publish."""

    batch_id: str
    policy_code: str
    policy_name: str
    department: str
    period: str
    region: str
    region_name: str
    kind: DisclosureKind
    window: NoticeWindow
    columns: tuple[Column, ...]
    rows: tuple[DisclosureRow, ...]

    @property
    def count(self) -> int:
        """Number of people (rows)."""
        return len(self.rows)

    @property
    def total(self) -> Decimal:
        """Sum of the amounts, in yuan."""
        return sum((r.amount for r in self.rows), Decimal("0.00"))

    @property
    def title(self) -> str:
        """``贺兰县 高龄津贴 2026-03 发放结果公示``."""
        return f"{self.region_name} {self.policy_name} {self.period} {self.kind.label}"

    @property
    def headers(self) -> tuple[str, ...]:
        """The column headers."""
        return tuple(c.label for c in self.columns)

    @checked(DisclosureError, "disclosure")
    def totals_line(self) -> str:
        """``合计：12人，12,345.60元``."""
        return f"合计：{self.count}人，{self.total:,.2f}元"


@checked(DisclosureError, "disclosure")
def build_disclosure(
    batch: PayoutBatch,
    policy: SubsidyPolicy,
    profile: DisclosureProfile,
    *,
    kind: DisclosureKind | str,
    window: NoticeWindow,
    region: str | None = None,
    reconciliation: Reconciliation | None = None,
    lifecycle: Lifecycle | None = None,
    place_names: Mapping[str, str] | None = None,
) -> Disclosure:
    """The disclosure of ``batch`` for ``region`` (a village, township or county
    code; the batch's region when None).

    After payment ``reconciliation`` is required and only paid items are
    listed; before payment the ``lifecycle``, when given, must be 已审核 or
    已审批 (``disclosure.not_ready``), and after payment 已对账 or later.
    ``place_names`` maps village and township codes to their names (the
    deployment's table, 村组名称); a code without a name is shown as its county
    and its township and village numbers (``贺兰县101-201``), never as a bare
    12-digit code.
    """
    try:
        kind = DisclosureKind(kind)
    except ValueError:
        known = "、".join(k.value for k in DisclosureKind)
        raise DisclosureError(
            f"未知的公示种类 {kind!r}（可用：{known}）", code="disclosure.kind"
        ) from None
    if policy.code != batch.policy_code or profile.policy_code != batch.policy_code:
        raise DisclosureError(
            f"批次 {batch.batch_id} 属于政策 {batch.policy_code}，"
            f"政策或公示方案是 {policy.code} / {profile.policy_code}",
            code="disclosure.policy_mismatch",
        )
    if window.minimum_days < profile.minimum_days:
        raise DisclosureError(
            f"公示期最短 {window.minimum_days} 天，少于本政策要求的 {profile.minimum_days} 天",
            code="disclosure.window_short",
        )
    if lifecycle is not None:
        allowed = _BEFORE_STATES if kind is DisclosureKind.BEFORE_PAYMENT else _AFTER_STATES
        if str(lifecycle.batch_id) != str(batch.batch_id) or lifecycle.state.value not in allowed:
            needed = "须已审核或已审批" if kind is DisclosureKind.BEFORE_PAYMENT else "须已对账"
            raise DisclosureError(
                f"批次 {batch.batch_id} 当前为「{lifecycle.state.label}」，"
                f"不能{kind.label}（{needed}）",
                code="disclosure.not_ready",
            )
    place = RegionCode(region) if region is not None else batch.region
    columns = profile.columns
    if not isinstance(payment_standard(policy.standard), PerUnitStandard):
        # 数量 means something only for a per-unit standard (亩, 头): left out otherwise.
        columns = tuple(c for c in columns if c is not Column.QUANTITY)
    settled: dict[int, _dt.date | None] = {}
    if kind is DisclosureKind.AFTER_PAYMENT:
        if reconciliation is None or str(reconciliation.batch.batch_id) != str(batch.batch_id):
            raise DisclosureError(
                f"批次 {batch.batch_id} 的发放结果公示须依据本批次的对账结果",
                code="disclosure.not_reconciled",
            )
        for result in reconciliation.results(Outcome.PAID):
            at = result.record.settled_at if result.record is not None else None
            settled[result.seq] = at.date() if at is not None else batch.pay_date
    rows = []
    for item in batch.items:
        if not place.contains(str(item.beneficiary.region)):
            continue
        if kind is DisclosureKind.AFTER_PAYMENT and item.seq not in settled:
            continue
        paid_on = settled.get(item.seq, batch.pay_date)
        cells = tuple(
            _cell(c, item, batch, policy, profile=profile, paid_on=paid_on, places=place_names)
            for c in columns
        )
        rows.append(
            DisclosureRow(
                seq=item.seq,
                village=str(item.beneficiary.region),
                amount=Decimal(item.amount),
                cells=cells,
            )
        )
    return Disclosure(
        batch_id=str(batch.batch_id),
        policy_code=str(policy.code),
        policy_name=policy.name,
        department=policy.department,
        period=str(batch.period),
        region=str(place),
        region_name=village_name(place, place_names),
        kind=kind,
        window=window,
        columns=columns,
        rows=tuple(rows),
    )


@checked_on_failure(DisclosureError, "disclosure")
def village_name(code: RegionCode, places: Mapping[str, str] | None = None) -> str:
    """The name of a village or township for a disclosure list."""
    if places and str(code) in places:
        return places[str(code)]
    if len(code) == 12:
        return f"{code.name}{code[6:9]}-{code[9:]}"
    if len(code) == 9:
        return f"{code.name}{code[6:9]}"
    return code.name


def _cell(
    column: Column,
    item: PayoutItem,
    batch: PayoutBatch,
    policy: SubsidyPolicy,
    *,
    profile: DisclosureProfile,
    paid_on: _dt.date | None,
    places: Mapping[str, str] | None,
) -> str:
    person = item.beneficiary
    if column is Column.NAME:
        name = str(person.name)
        return name if profile.name_mask is NameMask.FULL else name[0] + "*" * (len(name) - 1)
    if column is Column.VILLAGE:
        return village_name(person.region, places)
    if column is Column.POLICY:
        return policy.name
    if column is Column.STANDARD:
        return _standard(item, batch, policy)
    if column is Column.QUANTITY:
        return "" if item.quantity is None else format(item.quantity.normalize(), "f")
    if column is Column.AMOUNT:
        return f"{item.amount:.2f}"
    if column is Column.PAY_DATE:
        return paid_on.isoformat() if paid_on is not None else ""
    if column is Column.ID_NUMBER:
        head, tail = profile.kept(column)
        return mask_id_number(str(person.id_number), keep_head=head, keep_tail=tail)
    if column is Column.ACCOUNT:
        head, tail = profile.kept(column)
        return mask_account(str(person.account.number), keep_head=head, keep_tail=tail)
    if person.phone is None:
        return ""
    head, tail = profile.kept(column)
    return mask_phone(str(person.phone), keep_head=head, keep_tail=tail)


def _standard(item: PayoutItem, batch: PayoutBatch, policy: SubsidyPolicy) -> str:
    standard = payment_standard(policy.standard)
    if isinstance(standard, PerUnitStandard):
        return f"{format(standard.rate.normalize(), 'f')}元/{standard.unit}"
    if isinstance(standard, DeclaredStandard):
        return "按核定金额"
    return f"{batch.expected_amount(item, policy):.2f}元"
