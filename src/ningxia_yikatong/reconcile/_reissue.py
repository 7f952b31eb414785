"""Reissue (补发) of failed items, and reconciliation of a chain of batches.

A reissue is a new batch with only the items a reconciliation shows as failed,
account corrections applied, linked to its parent by ``parent_batch_id`` and
``round``; each failure status says whether the item may go again to the same
account or needs a correction (:data:`DEFAULT_RETRY_POLICY`), and items whose
corrected accounts are at other banks go in one reissue batch per bank.
:func:`reconcile_chain` follows every original item through the original batch
and its reissues and reports any item or person paid twice.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from ..bank import AccountNumber, BankAccount, BankCode
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
    "DEFAULT_RETRY_POLICY",
    "REASONS",
    "Acceptance",
    "AccountCorrection",
    "Attempt",
    "ChainItem",
    "ChainReconciliation",
    "HeldItem",
    "Reissue",
    "RetryPolicy",
    "reconcile_chain",
    "reissue",
    "reissue_by_bank",
]

_ZERO: Final = Decimal("0.00")


class RetryPolicy(StrEnum):
    """Whether a failed item may be sent again to the same account."""

    RETRY = "retry"  # 可按原账户补发: the account is right, something on it was in the way
    CORRECT = "correct"  # 须更正账户后补发: the account itself is wrong or gone

    @property
    def label(self) -> str:
        """Chinese label for staff-facing output."""
        return "可按原账户补发" if self is RetryPolicy.RETRY else "须更正账户后补发"


_S = ReturnStatus
#: What each failure status allows (see docs/reconciliation.md for the reasons).
DEFAULT_RETRY_POLICY: Final[Mapping[ReturnStatus, RetryPolicy]] = MappingProxyType(
    {
        _S.NAME_MISMATCH: RetryPolicy.CORRECT,
        _S.ACCOUNT_NOT_FOUND: RetryPolicy.CORRECT,
        _S.CLOSED: RetryPolicy.CORRECT,
        _S.LOST: RetryPolicy.CORRECT,
        _S.ID_MISMATCH: RetryPolicy.CORRECT,
        _S.FROZEN: RetryPolicy.RETRY,
        _S.STOPPED: RetryPolicy.RETRY,
        _S.CARD_NOT_ACTIVATED: RetryPolicy.RETRY,
        _S.OVER_LIMIT: RetryPolicy.RETRY,
        _S.OTHER: RetryPolicy.RETRY,
    }
)
#: Why a status needs a correction, and what the correction must change.
REASONS: Final[Mapping[ReturnStatus, str]] = MappingProxyType(
    {
        _S.NAME_MISMATCH: "户名与账户不符，须更正户名或账户",
        _S.ACCOUNT_NOT_FOUND: "账户不存在，须提供正确的账户",
        _S.CLOSED: "账户已销户，须提供新的账户",
        _S.LOST: "账户已挂失，补办的新卡账号不同，须提供新卡账户",
        _S.ID_MISMATCH: "账户的证件号码不是补贴对象的，须提供本人的账户",
        _S.FROZEN: "账户冻结，解除后可按原账户补发，也可更正账户",
        _S.STOPPED: "账户止付，解除后可按原账户补发，也可更正账户",
        _S.CARD_NOT_ACTIVATED: "卡未激活，本人激活后可按原账户补发",
        _S.OVER_LIMIT: "超过账户限额，限额恢复或调整后可按原账户补发",
        _S.OTHER: "银行未说明具体原因，核实后可按原账户补发，也可更正账户",
    }
)


@dataclass(frozen=True, slots=True)
class HeldItem:
    """A failed item not reissued because its status needs a correction it lacks."""

    seq: int
    status: ReturnStatus
    reason: str


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
    ``skipped`` lists the failed parent items that no reissue batch of the
    same call takes (already reissued, not selected, or held for a
    correction), so nothing is left out silently; ``held`` are those of them
    that need an account correction first, with the reason.
    """

    batch: PayoutBatch = field(repr=False)
    parent: PayoutBatch = field(repr=False)
    origin: tuple[int, ...] = field(repr=False)
    corrections: tuple[AccountCorrection, ...] = ()
    acceptance: Acceptance | None = None
    skipped: tuple[int, ...] = ()
    held: tuple[HeldItem, ...] = ()

    def parent_seq(self, seq: int) -> int:
        """The parent's ``seq`` of the reissue's item ``seq``."""
        self.batch.item(seq)
        return self.origin[seq - 1]

    def __repr__(self) -> str:
        return (
            f"Reissue(batch_id={self.batch.batch_id!r}, parent={self.parent.batch_id!r}, "
            f"round={self.batch.round}, items={len(self.origin)}, "
            f"corrections={len(self.corrections)}, skipped={len(self.skipped)}, "
            f"held={len(self.held)})"
        )


def _raise(problems: list[ErrorDetail], summary: str, code: str) -> None:
    if not problems:
        return
    if len(problems) == 1:
        only = problems[0]
        raise ReconcileError(only.message, code=only.code, location=only.location)
    raise ReconcileError(summary, code=code, details=problems)


def _corrections(corrections: object) -> list[AccountCorrection]:
    if isinstance(corrections, Mapping):
        return [AccountCorrection(seq, account) for seq, account in corrections.items()]
    if isinstance(corrections, (str, bytes)) or not isinstance(corrections, Iterable):
        raise ReconcileError(
            "账户更正应为 AccountCorrection 的列表或“序号→BankAccount”的映射",
            code="reconcile.correction_type",
        )
    return list(corrections)


def _policy(
    retry_policy: Mapping[ReturnStatus, RetryPolicy] | None,
) -> Mapping[ReturnStatus, RetryPolicy]:
    if retry_policy is None:
        return DEFAULT_RETRY_POLICY
    if not isinstance(retry_policy, Mapping) or not all(
        isinstance(k, ReturnStatus) and isinstance(v, RetryPolicy) for k, v in retry_policy.items()
    ):
        raise ReconcileError(
            "补发规则应为“ReturnStatus→RetryPolicy”的映射", code="reconcile.retry_policy_type"
        )
    return {**DEFAULT_RETRY_POLICY, **retry_policy}


def _unchanged(status: ReturnStatus, old: BankAccount, new: BankAccount) -> bool:
    """Whether ``new`` leaves unchanged what ``status`` says is wrong with ``old``."""
    same_account = new.number == old.number and new.bank == old.bank
    if status is ReturnStatus.NAME_MISMATCH:
        return same_account and new.holder_name == old.holder_name
    return same_account


def _batch_ids(batch_id: object, banks: Sequence[str], parent_bank: str) -> dict[str, BatchId]:
    """The new batch id of each bank the reissue goes to."""
    if isinstance(batch_id, Mapping):
        ids = {}
        for bank in banks:
            given = batch_id.get(bank)
            if given is None:
                raise ReconcileError(
                    f"补发有发往 {bank} 的明细，但没有给出它的补发批次号",
                    code="reconcile.batch_id_missing",
                )
            ids[bank] = BatchId(given)
        return ids
    if not isinstance(batch_id, str):
        raise ReconcileError(
            "补发批次号应为文本，或“银行代码→批次号”的映射", code="reconcile.batch_id_type"
        )
    base = BatchId(batch_id)
    if len(banks) == 1:
        return {banks[0]: base}
    return {b: base if b == parent_bank else BatchId(f"{base}-{b.upper()}") for b in banks}


def _plan(
    reconciliation: object,
    corrections: object,
    *,
    batch_id: object,
    accept_anomalies: object,
    seqs: object,
    previous: object,
    pay_date: object,
    retry_policy: Mapping[ReturnStatus, RetryPolicy] | None,
    payers: object,
) -> list[Reissue]:
    if not isinstance(reconciliation, Reconciliation):
        raise ReconcileError("补发需要对账结果（Reconciliation）", code="reconcile.not_reconciled")
    parent = reconciliation.batch
    if not isinstance(batch_id, (str, Mapping)):
        raise ReconcileError(
            "补发批次号应为文本，或“银行代码→批次号”的映射", code="reconcile.batch_id_type"
        )
    policy = _policy(retry_policy)
    if pay_date is not None and (
        not isinstance(pay_date, _dt.date) or isinstance(pay_date, _dt.datetime)
    ):
        raise ReconcileError("补发的付款日期应为日期（date）", code="reconcile.pay_date_type")
    if accept_anomalies is not None and not isinstance(accept_anomalies, str):
        raise ReconcileError("接受异常的理由应为文本", code="reconcile.acceptance_type")
    if isinstance(previous, (str, bytes)) or not isinstance(previous, Iterable):
        raise ReconcileError(
            "previous 应为之前的补发（Reissue）列表", code="reconcile.previous_type"
        )
    earlier = tuple(previous)
    taken: set[int] = set()
    for prev in earlier:
        if not isinstance(prev, Reissue):
            raise ReconcileError(
                "previous 应为之前的补发（Reissue）列表", code="reconcile.previous_type"
            )
        if prev.parent.batch_id != parent.batch_id:
            raise ReconcileError(
                f"补发批次 {prev.batch.batch_id} 不是批次 {parent.batch_id} 的补发",
                code="reconcile.previous_parent",
            )
        taken.update(prev.origin)
    payer_of: dict[str, tuple[AccountNumber, str]] = {}
    if payers is not None:
        if not isinstance(payers, Mapping):
            raise ReconcileError(
                "付款账户应为“银行代码→（账号, 户名）”的映射", code="reconcile.payer_type"
            )
        for bank, payer in payers.items():
            if not (isinstance(payer, tuple) and len(payer) == 2 and isinstance(payer[1], str)):
                raise ReconcileError(
                    "付款账户应为“银行代码→（账号, 户名）”的映射", code="reconcile.payer_type"
                )
            payer_of[BankCode(bank)] = (AccountNumber(payer[0]), payer[1])

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
    results = list(reconciliation)
    outcomes = [r.outcome for r in results]
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
        if isinstance(seqs, (str, bytes)) or not isinstance(seqs, Iterable):
            raise ReconcileError("seqs 应为序号（整数）的列表", code="reconcile.seqs_type")
        selected = set()
        for seq in seqs:
            if check_seq(seq, "reissue", "seq"):
                selected.add(seq)
    fixes: dict[int, AccountCorrection] = {}
    corrected: set[object] = set()  # seqs with a correction, refused or not
    for correction in _corrections(corrections):
        if not isinstance(correction, AccountCorrection) or not isinstance(
            correction.account, BankAccount
        ):
            raise ReconcileError(
                "账户更正应为 AccountCorrection（序号与新的 BankAccount）",
                code="reconcile.correction_type",
            )
        seq = correction.seq
        corrected.add(seq)
        if not check_seq(seq, "correction", "account"):
            continue
        status = results[seq - 1].status
        old = parent.items[seq - 1].beneficiary.account
        if seq in fixes:
            refuse(seq, "reconcile.correction_duplicate", f"第{seq}笔有多条账户更正", "account")
        elif selected is not None and seq not in selected:
            refuse(
                seq, "reconcile.correction_not_selected", f"第{seq}笔有更正但未选中补发", "account"
            )
        elif (
            status is not None
            and policy.get(status) is RetryPolicy.CORRECT
            and _unchanged(status, old, correction.account)
        ):
            refuse(
                seq,
                "reconcile.correction_unchanged",
                f"第{seq}笔因“{status.label}”失败，更正后的账户与原账户相同：{REASONS[status]}",
                "account",
            )
        else:
            fixes[seq] = correction

    failed = [i + 1 for i, o in enumerate(outcomes) if o is Outcome.FAILED]
    held: list[HeldItem] = []
    for seq in failed:
        status = results[seq - 1].status
        if seq in taken or seq in corrected or status is None:
            continue
        if policy.get(status) is not RetryPolicy.CORRECT:
            continue
        if selected is None:
            held.append(HeldItem(seq, status, REASONS[status]))
        elif seq in selected:
            refuse(
                seq,
                "reconcile.reissue_needs_correction",
                f"第{seq}笔因“{status.label}”失败，不能按原账户补发：{REASONS[status]}",
                "seq",
            )
    _raise(problems, "补发的明细选择或账户更正有误", "reconcile.reissue_invalid")

    on_hold = {h.seq for h in held}
    chosen = [
        s
        for s in failed
        if s not in taken and s not in on_hold and (selected is None or s in selected)
    ]
    skipped = tuple(s for s in failed if s not in chosen)
    if not chosen:
        listed = "、".join(f"第{h.seq}笔{h.status.label}" for h in held)
        why = f"；{len(held)} 笔须先更正账户（{listed}）" if held else ""
        raise ReconcileError(
            f"批次 {parent.batch_id} 没有可补发的失败明细{why}",
            code="reconcile.nothing_to_reissue",
            details=[
                ErrorDetail(
                    "reconcile.reissue_needs_correction",
                    f"第{h.seq}笔因“{h.status.label}”失败：{h.reason}",
                    Location(record=h.seq, field="account"),
                )
                for h in held
            ],
        )

    # An item stays with the parent's agent bank unless its correction moves the
    # account to another bank: then that bank pays it.
    groups: dict[str, list[int]] = {}
    for seq in chosen:
        fix = fixes.get(seq)
        old = parent.items[seq - 1].beneficiary.account
        moved = fix is not None and fix.account.bank != old.bank
        bank = fix.account.bank if fix is not None and moved else parent.agent_bank
        groups.setdefault(bank, []).append(seq)
    banks = sorted(groups, key=lambda b: (b != parent.agent_bank, b))
    ids = _batch_ids(batch_id, banks, parent.agent_bank)
    used = {parent.batch_id, *(p.batch.batch_id for p in earlier)}
    if len(set(ids.values())) != len(ids) or used & set(ids.values()):
        reused = sorted(used & set(ids.values())) or sorted(ids.values())
        raise ReconcileError(f"批次号 {reused[0]} 已被使用", code="reconcile.batch_id_reused")

    out = []
    for bank in banks:
        members = groups[bank]
        items = []
        for new_seq, seq in enumerate(members, 1):
            item = parent.items[seq - 1]
            update: dict[str, object] = {"seq": new_seq}
            fix = fixes.get(seq)
            if fix is not None:
                update["beneficiary"] = item.beneficiary.model_copy(update={"account": fix.account})
            items.append(item.model_copy(update=update))
        payer_account, payer_name = payer_of.get(bank, (parent.payer_account, parent.payer_name))
        batch = PayoutBatch(
            batch_id=ids[bank],
            policy_code=parent.policy_code,
            period=parent.period,
            region=parent.region,
            agent_bank=BankCode(bank),
            payer_account=payer_account,
            payer_name=payer_name,
            items=tuple(items),
            pay_date=pay_date,
            parent_batch_id=parent.batch_id,
            round=parent.round + 1,
        )
        out.append(
            Reissue(
                batch=batch,
                parent=parent,
                origin=tuple(members),
                corrections=tuple(fixes[s] for s in members if s in fixes),
                acceptance=acceptance,
                skipped=skipped,
                held=tuple(held),
            )
        )
    return out


def reissue(
    reconciliation: Reconciliation,
    corrections: Iterable[AccountCorrection] | Mapping[int, BankAccount] = (),
    *,
    batch_id: str,
    accept_anomalies: str | None = None,
    seqs: Iterable[int] | None = None,
    previous: Iterable[Reissue] = (),
    pay_date: _dt.date | None = None,
    retry_policy: Mapping[ReturnStatus, RetryPolicy] | None = None,
    payers: Mapping[str, tuple[str, str]] | None = None,
) -> Reissue:
    """A new batch paying again the items ``reconciliation`` shows as failed.

    Only failed items are taken (all of them, or those in ``seqs``), numbered
    1..n in the order of their original ``seq``; paid items never appear, and
    pending or missing ones wait until a later return resolves them. Items
    already in one of the ``previous`` reissues of the same batch are left out
    (and listed in ``skipped``). ``corrections`` replace the account of failed
    items; a correction for an unknown, paid, pending or missing item is
    refused with :class:`ReconcileError` naming its ``seq``.

    Each failure status says whether the item may be sent again to the same
    account (:data:`DEFAULT_RETRY_POLICY`; ``retry_policy`` overrides it per
    status): a frozen, stopped or not-activated account may, a closed, lost or
    non-existent one, or a name or ID that does not match, needs a correction
    that changes what was wrong. Without ``seqs``, such an item without a
    correction is left out and listed in :attr:`Reissue.held` with the reason;
    named in ``seqs``, it is refused (``reconcile.reissue_needs_correction``).

    While the reconciliation has anomalies the reissue is refused, unless
    ``accept_anomalies`` gives the reason they are accepted; the reason and
    the anomalies are recorded in :attr:`Reissue.acceptance`.

    The new batch keeps the parent's policy, period, region and payer (or the
    payer of ``payers`` for its bank) and agent bank, except that an item whose
    correction moves the account to another bank goes to that bank. Its
    ``parent_batch_id`` is the parent's id and its ``round`` one more than the
    parent's. When the items go to more than one bank, use
    :func:`reissue_by_bank`; this function refuses
    (``reconcile.reissue_several_banks``).
    """
    plan = _plan(
        reconciliation,
        corrections,
        batch_id=batch_id,
        accept_anomalies=accept_anomalies,
        seqs=seqs,
        previous=previous,
        pay_date=pay_date,
        retry_policy=retry_policy,
        payers=payers,
    )
    if len(plan) > 1:
        where = "、".join(f"{r.batch.agent_bank} {r.batch.count}笔" for r in plan)
        raise ReconcileError(
            f"补发明细的账户分属 {len(plan)} 家代发银行（{where}），须按银行分批补发",
            code="reconcile.reissue_several_banks",
        )
    return plan[0]


def reissue_by_bank(
    reconciliation: Reconciliation,
    corrections: Iterable[AccountCorrection] | Mapping[int, BankAccount] = (),
    *,
    batch_id: str | Mapping[str, str],
    accept_anomalies: str | None = None,
    seqs: Iterable[int] | None = None,
    previous: Iterable[Reissue] = (),
    pay_date: _dt.date | None = None,
    retry_policy: Mapping[ReturnStatus, RetryPolicy] | None = None,
    payers: Mapping[str, tuple[str, str]] | None = None,
) -> tuple[Reissue, ...]:
    """:func:`reissue`, split into one reissue batch per agent bank of the accounts.

    A corrected account may be at another bank than the parent's: its item goes
    to that bank's batch. Every batch is a child of the parent (same
    ``parent_batch_id`` and ``round``); the first is the parent's bank's, if
    any item stays there, then the others by bank code. ``batch_id`` names the
    batch of the parent's bank (or the only batch); another bank's batch is
    ``<batch_id>-<BANK CODE>``, or ``batch_id`` maps each bank code to its id.
    ``skipped`` and ``held`` are the same on every batch: the failed items that
    none of them takes.
    """
    return tuple(
        _plan(
            reconciliation,
            corrections,
            batch_id=batch_id,
            accept_anomalies=accept_anomalies,
            seqs=seqs,
            previous=previous,
            pay_date=pay_date,
            retry_policy=retry_policy,
            payers=payers,
        )
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
    given: object = rounds
    if isinstance(given, (str, bytes)) or not isinstance(given, Iterable):
        raise ReconcileError(
            "补发链的轮次应为（Reissue, Reconciliation）的列表", code="reconcile.chain_type"
        )
    rounds = tuple(given)
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
