"""Reissue (补发) of failed items, and reconciliation of a chain of batches.

A reissue is a new batch with only the items a reconciliation shows as failed,
account corrections applied, linked to its parent by ``parent_batch_id`` and
``round``. :func:`reconcile_chain` follows every original item through the
original batch and its reissues and reports any item or person paid twice.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from ..bank import BankAccount
from ..banks._model import ReturnStatus
from ..codes import BatchId
from ..errors import ErrorDetail, Location, ReconcileError
from ..identity import mask_account, mask_id_number
from ..payout import PayoutBatch, PayoutItem
from ._matching import (
    Anomaly,
    AnomalyKind,
    Outcome,
    ReconcileTotals,
    Reconciliation,
    Totals,
)

__all__ = [
    "Acceptance",
    "AccountCorrection",
    "Attempt",
    "ChainItem",
    "ChainReconciliation",
    "Reissue",
    "reconcile_chain",
    "reissue",
]

_ZERO: Final = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class AccountCorrection:
    """A corrected account for a failed item (``seq`` of the reconciled batch).

    The whole :class:`~ningxia_yikatong.bank.BankAccount` is replaced: number,
    bank, holder name (户名不符 is corrected here) and the 一卡通 flag.
    """

    seq: int
    account: BankAccount
    note: str = ""

    def __repr__(self) -> str:
        number = mask_account(self.account.number) if isinstance(self.account, BankAccount) else "?"
        return f"AccountCorrection(seq={self.seq}, account={number!r})"


@dataclass(frozen=True, slots=True)
class Acceptance:
    """Anomalies a person accepted, with the reason, to let a reissue go ahead."""

    reason: str
    anomalies: tuple[Anomaly, ...]


@dataclass(frozen=True, slots=True)
class Reissue:
    """A reissue batch and how it relates to its parent.

    ``origin[j - 1]`` is the parent's ``seq`` of the reissue's item ``j``;
    ``skipped`` lists failed parent items left out (already reissued, or not
    selected), so nothing is left out silently.
    """

    batch: PayoutBatch = field(repr=False)
    parent: PayoutBatch = field(repr=False)
    origin: tuple[int, ...] = field(repr=False)
    corrections: tuple[AccountCorrection, ...] = ()
    acceptance: Acceptance | None = None
    skipped: tuple[int, ...] = ()

    def parent_seq(self, seq: int) -> int:
        """The parent's ``seq`` of the reissue's item ``seq``."""
        self.batch.item(seq)
        return self.origin[seq - 1]

    def __repr__(self) -> str:
        return (
            f"Reissue(batch_id={self.batch.batch_id!r}, parent={self.parent.batch_id!r}, "
            f"round={self.batch.round}, items={len(self.origin)}, "
            f"corrections={len(self.corrections)}, skipped={len(self.skipped)})"
        )


def _raise(problems: list[ErrorDetail], summary: str, code: str) -> None:
    if not problems:
        return
    if len(problems) == 1:
        only = problems[0]
        raise ReconcileError(only.message, code=only.code, location=only.location)
    raise ReconcileError(summary, code=code, details=problems)


def _corrections(
    corrections: Iterable[AccountCorrection] | Mapping[int, BankAccount],
) -> list[AccountCorrection]:
    if isinstance(corrections, Mapping):
        return [AccountCorrection(seq, account) for seq, account in corrections.items()]
    return list(corrections)


def reissue(
    reconciliation: Reconciliation,
    corrections: Iterable[AccountCorrection] | Mapping[int, BankAccount] = (),
    *,
    batch_id: str,
    accept_anomalies: str | None = None,
    seqs: Iterable[int] | None = None,
    previous: Iterable[Reissue] = (),
    pay_date: _dt.date | None = None,
) -> Reissue:
    """A new batch paying again the items ``reconciliation`` shows as failed.

    Only failed items are taken (all of them, or those in ``seqs``), numbered
    1..n in the order of their original ``seq``; paid items never appear, and
    pending or missing ones wait until a later return resolves them. Items
    already in one of the ``previous`` reissues of the same batch are left out
    (and listed in ``skipped``). ``corrections`` replace the account of failed
    items; a correction for an unknown, paid, pending or missing item is
    refused with :class:`ReconcileError` naming its ``seq``.

    While the reconciliation has anomalies the reissue is refused, unless
    ``accept_anomalies`` gives the reason they are accepted; the reason and
    the anomalies are recorded in :attr:`Reissue.acceptance`.

    The new batch keeps the parent's policy, period, region, agent bank and
    payer; its ``parent_batch_id`` is the parent's id and its ``round`` one
    more than the parent's.
    """
    if not isinstance(reconciliation, Reconciliation):
        raise ReconcileError("补发需要对账结果（Reconciliation）", code="reconcile.not_reconciled")
    parent = reconciliation.batch
    new_id = BatchId(batch_id)
    earlier = tuple(previous)
    taken: set[int] = set()
    for prev in earlier:
        if prev.parent.batch_id != parent.batch_id:
            raise ReconcileError(
                f"补发批次 {prev.batch.batch_id} 不是批次 {parent.batch_id} 的补发",
                code="reconcile.previous_parent",
            )
        taken.update(prev.origin)
    if new_id == parent.batch_id or new_id in {p.batch.batch_id for p in earlier}:
        raise ReconcileError(f"批次号 {new_id} 已被使用", code="reconcile.batch_id_reused")

    acceptance = None
    if reconciliation.anomalies:
        reason = (accept_anomalies or "").strip()
        if not reason:
            raise ReconcileError(
                f"批次 {parent.batch_id} 的对账还有 {len(reconciliation.anomalies)} 处异常"
                "未处理，不能补发；如确需补发，请说明接受异常的理由",
                code="reconcile.anomalies_unresolved",
                details=[
                    ErrorDetail(a.code, a.message, a.location) for a in reconciliation.anomalies
                ],
            )
        acceptance = Acceptance(reason, reconciliation.anomalies)

    n = len(parent.items)
    outcomes = [r.outcome for r in reconciliation]
    problems: list[ErrorDetail] = []

    def refuse(seq: object, code: str, message: str, field: str) -> None:
        record = seq if type(seq) is int else None
        problems.append(ErrorDetail(code, message, Location(record=record, field=field)))

    def check_seq(seq: object, what: str, field: str) -> bool:
        if type(seq) is not int or not 0 < seq <= n:
            refuse(seq, f"reconcile.{what}_unknown", f"批次中没有序号 {seq!r}", field)
            return False
        outcome = outcomes[seq - 1]
        if outcome is Outcome.PAID:
            refuse(seq, f"reconcile.{what}_paid", f"第{seq}笔已发放，不能补发或更正", field)
            return False
        if outcome is not Outcome.FAILED:
            refuse(
                seq,
                f"reconcile.{what}_unresolved",
                f"第{seq}笔为“{outcome.label}”，须待银行回盘确定结果后才能补发或更正",
                field,
            )
            return False
        if seq in taken:
            refuse(seq, f"reconcile.{what}_reissued", f"第{seq}笔已在之前的补发批次中", field)
            return False
        return True

    selected: set[int] | None = None
    if seqs is not None:
        selected = set()
        for seq in seqs:
            if check_seq(seq, "reissue", "seq"):
                selected.add(seq)
    fixes: dict[int, AccountCorrection] = {}
    for correction in _corrections(corrections):
        if not isinstance(correction, AccountCorrection) or not isinstance(
            correction.account, BankAccount
        ):
            raise ReconcileError(
                "账户更正应为 AccountCorrection（序号与新的 BankAccount）",
                code="reconcile.correction_type",
            )
        seq = correction.seq
        if not check_seq(seq, "correction", "account"):
            continue
        if seq in fixes:
            refuse(seq, "reconcile.correction_duplicate", f"第{seq}笔有多条账户更正", "account")
        elif selected is not None and seq not in selected:
            refuse(
                seq, "reconcile.correction_not_selected", f"第{seq}笔有更正但未选中补发", "account"
            )
        else:
            fixes[seq] = correction
    _raise(problems, "补发的明细选择或账户更正有误", "reconcile.reissue_invalid")

    failed = [i + 1 for i, o in enumerate(outcomes) if o is Outcome.FAILED]
    chosen = [s for s in failed if s not in taken and (selected is None or s in selected)]
    skipped = tuple(s for s in failed if s not in chosen)
    if not chosen:
        raise ReconcileError(
            f"批次 {parent.batch_id} 没有可补发的失败明细", code="reconcile.nothing_to_reissue"
        )
    items = []
    for new_seq, seq in enumerate(chosen, 1):
        item = parent.items[seq - 1]
        update: dict[str, object] = {"seq": new_seq}
        fix = fixes.get(seq)
        if fix is not None:
            update["beneficiary"] = item.beneficiary.model_copy(update={"account": fix.account})
        items.append(item.model_copy(update=update))
    batch = PayoutBatch(
        batch_id=new_id,
        policy_code=parent.policy_code,
        period=parent.period,
        region=parent.region,
        agent_bank=parent.agent_bank,
        payer_account=parent.payer_account,
        payer_name=parent.payer_name,
        items=tuple(items),
        pay_date=pay_date,
        parent_batch_id=parent.batch_id,
        round=parent.round + 1,
    )
    return Reissue(
        batch=batch,
        parent=parent,
        origin=tuple(chosen),
        corrections=tuple(fixes[s] for s in chosen if s in fixes),
        acceptance=acceptance,
        skipped=skipped,
    )


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt to pay an original item: in which batch, as which ``seq``, with what result."""

    batch_id: str
    round: int
    seq: int
    outcome: Outcome
    status: ReturnStatus | None
    raw_code: str | None
    bank_amount: Decimal | None


@dataclass(frozen=True, slots=True)
class ChainItem:
    """An item of the original batch followed through every reissue.

    ``outcome`` is paid if any attempt was paid; otherwise pending or missing
    if any attempt still is (its money may yet arrive); otherwise failed.
    """

    original: PayoutItem = field(repr=False)
    attempts: tuple[Attempt, ...]
    outcome: Outcome

    @property
    def seq(self) -> int:
        """The item's ``seq`` in the original batch."""
        return self.original.seq

    @property
    def paid_count(self) -> int:
        """How many attempts were paid (more than one is a double payment)."""
        return sum(a.outcome is Outcome.PAID for a in self.attempts)


@dataclass(frozen=True, slots=True)
class ChainReconciliation:
    """The original batch and its reissues reconciled together, per original item.

    ``anomalies`` are the chain's own (double payments); ``all_anomalies``
    adds those of every reconciliation in the chain. ``totals`` are in the
    original batch's amounts and add up to it.
    """

    original: Reconciliation = field(repr=False)
    rounds: tuple[tuple[Reissue, Reconciliation], ...] = field(repr=False)
    items: tuple[ChainItem, ...] = field(repr=False)
    anomalies: tuple[Anomaly, ...]
    totals: ReconcileTotals

    @property
    def all_anomalies(self) -> tuple[Anomaly, ...]:
        """Anomalies of every reconciliation of the chain, then the chain's own."""
        out = list(self.original.anomalies)
        for _, rec in self.rounds:
            out.extend(rec.anomalies)
        out.extend(self.anomalies)
        return tuple(out)

    @property
    def double_payments(self) -> tuple[ChainItem, ...]:
        """Original items paid more than once."""
        return tuple(c for c in self.items if c.paid_count > 1)


_UNRESOLVED_ORDER: Final = (Outcome.PENDING, Outcome.MISSING)


def reconcile_chain(
    original: Reconciliation,
    rounds: Sequence[tuple[Reissue, Reconciliation]] = (),
) -> ChainReconciliation:
    """Follow each item of ``original`` through its reissues and their reconciliations.

    Each round pairs a :class:`Reissue` with the reconciliation of its batch;
    a reissue's parent must be the original batch or an earlier round's batch.
    An original item paid in more than one attempt, and a person (ID number)
    paid for more than one original item, are reported as
    :attr:`AnomalyKind.DOUBLE_PAYMENT`.
    """
    if not isinstance(original, Reconciliation):
        raise ReconcileError("补发链需要原批次的对账结果", code="reconcile.chain_type")
    base = original.batch
    # batch id -> (batch, original seq of each of its items)
    known: dict[str, tuple[PayoutBatch, list[int]]] = {
        base.batch_id: (base, list(range(1, len(base.items) + 1)))
    }
    attempts: list[list[Attempt]] = [[] for _ in base.items]
    chain: list[tuple[PayoutBatch, Reconciliation, list[int]]] = [
        (base, original, known[base.batch_id][1])
    ]
    for k, pair in enumerate(rounds):
        re_, rec = pair if isinstance(pair, tuple) and len(pair) == 2 else (None, None)
        if not isinstance(re_, Reissue) or not isinstance(rec, Reconciliation):
            raise ReconcileError(
                "补发链的每一轮应为（Reissue, Reconciliation）", code="reconcile.chain_type"
            )
        batch = re_.batch
        if rec.batch is not batch and rec.batch != batch:
            raise ReconcileError(
                f"第{k + 1}轮的对账结果不是补发批次 {batch.batch_id} 的",
                code="reconcile.chain_mismatch",
                path=f"rounds[{k}]",
            )
        if batch.batch_id in known:
            raise ReconcileError(
                f"批次 {batch.batch_id} 在补发链中出现两次",
                code="reconcile.chain_duplicate",
                path=f"rounds[{k}]",
            )
        parent = known.get(re_.parent.batch_id)
        if parent is None or (parent[0] is not re_.parent and parent[0] != re_.parent):
            raise ReconcileError(
                f"补发批次 {batch.batch_id} 的上级批次 {re_.parent.batch_id} 不在补发链中",
                code="reconcile.chain_parent",
                path=f"rounds[{k}]",
            )
        parent_origin = parent[1]
        origin = [parent_origin[s - 1] for s in re_.origin]
        known[batch.batch_id] = (batch, origin)
        chain.append((batch, rec, origin))
    for batch, rec, origin in chain:
        for result, orig in zip(rec, origin, strict=True):
            attempts[orig - 1].append(
                Attempt(
                    batch.batch_id,
                    batch.round,
                    result.seq,
                    result.outcome,
                    result.status,
                    result.raw_code,
                    result.bank_amount,
                )
            )
    items = []
    anomalies: list[Anomaly] = []
    paid_people: Counter[str] = Counter()
    for item, tries in zip(base.items, attempts, strict=True):
        outcomes = {a.outcome for a in tries}
        if Outcome.PAID in outcomes:
            outcome = Outcome.PAID
            paid_people[item.beneficiary.id_number] += 1
        else:
            outcome = next((o for o in _UNRESOLVED_ORDER if o in outcomes), Outcome.FAILED)
        chain_item = ChainItem(item, tuple(tries), outcome)
        items.append(chain_item)
        if chain_item.paid_count > 1:
            where = "、".join(
                f"{a.batch_id}第{a.seq}笔" for a in tries if a.outcome is Outcome.PAID
            )
            anomalies.append(
                Anomaly(
                    AnomalyKind.DOUBLE_PAYMENT,
                    f"原批次第{item.seq}笔发放了{chain_item.paid_count}次：{where}",
                    item.seq,
                )
            )
    for number, count in paid_people.items():
        if count > 1:
            seqs = [
                c.seq
                for c in items
                if c.outcome is Outcome.PAID and c.original.beneficiary.id_number == number
            ]
            anomalies.append(
                Anomaly(
                    AnomalyKind.DOUBLE_PAYMENT,
                    f"公民身份号码 {mask_id_number(number)} 在原批次第"
                    f"{'、'.join(map(str, seqs))}笔均已发放",
                    seqs[0],
                )
            )
    return ChainReconciliation(
        original=original,
        rounds=tuple(rounds),
        items=tuple(items),
        anomalies=tuple(anomalies),
        totals=_chain_totals(base, items),
    )


def _chain_totals(base: PayoutBatch, items: list[ChainItem]) -> ReconcileTotals:
    by_outcome = {o: Totals() for o in Outcome}
    by_status: dict[ReturnStatus, Totals] = {}
    paid_by_bank = _ZERO
    for c in items:
        one = Totals(1, c.original.amount)
        by_outcome[c.outcome] += one
        if c.outcome is Outcome.PAID:
            paid_by_bank += sum(
                (a.bank_amount or _ZERO for a in c.attempts if a.outcome is Outcome.PAID), _ZERO
            )
        elif c.outcome is Outcome.FAILED:
            status = c.attempts[-1].status
            if status is not None:  # a failed attempt always has its record
                by_status[status] = by_status.get(status, Totals()) + one
    return ReconcileTotals(
        batch=Totals(len(base.items), base.total + _ZERO),
        paid=by_outcome[Outcome.PAID],
        failed=by_outcome[Outcome.FAILED],
        pending=by_outcome[Outcome.PENDING],
        missing=by_outcome[Outcome.MISSING],
        failed_by_status={s: by_status[s] for s in ReturnStatus if s in by_status},
        paid_by_bank=paid_by_bank,
    )
