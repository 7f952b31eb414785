"""Matching bank returns (回盘) to their payout batch (发放批次).

Every item of the batch ends in exactly one :class:`Outcome`; everything
unexpected in the returns is an :class:`Anomaly`, never dropped. Several
returns for one batch are applied in the order given, by the rules of
:func:`reconcile` (see docs/reconciliation.md).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Final

from ..banks._model import BankReturn, ReturnRecord, ReturnStatus
from ..errors import InvalidName, Location, ReconcileError, SignatureError
from ..identity import PersonName, mask_account
from ..payout import PayoutBatch, PayoutItem

__all__ = [
    "RETURN_KIND_KEY",
    "REVERSAL_KIND",
    "WRONG_FILE_KINDS",
    "Anomaly",
    "AnomalyKind",
    "ItemResult",
    "Outcome",
    "ReconcileTotals",
    "Reconciliation",
    "ReturnSummary",
    "Totals",
    "as_reversal",
    "reconcile",
]

#: Key of :attr:`BankReturn.extra` that says what kind of return a file is.
RETURN_KIND_KEY: Final = "return_kind"
#: Its value for a reversal (退汇/冲正) file: money reported paid came back.
REVERSAL_KIND: Final = "reversal"

_ZERO: Final = Decimal("0.00")


class Outcome(StrEnum):
    """The one state every item of a batch ends in."""

    PAID = "paid"  # 已发放
    FAILED = "failed"  # 发放失败
    PENDING = "pending"  # 银行处理中
    MISSING = "missing"  # 回盘未列明

    @property
    def label(self) -> str:
        """Chinese label for staff-facing output."""
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS: Final = {
    Outcome.PAID: "已发放",
    Outcome.FAILED: "发放失败",
    Outcome.PENDING: "银行处理中",
    Outcome.MISSING: "回盘未列明",
}


class AnomalyKind(StrEnum):
    """What is wrong; ``code`` is the stable dotted code ``reconcile.<value>``."""

    UNMATCHED_LINE = "unmatched_line"  # 回盘记录无对应明细
    AMOUNT_MISMATCH = "amount_mismatch"  # 金额与发放指令不符
    ACCOUNT_MISMATCH = "account_mismatch"  # 账号与发放指令不符
    NAME_MISMATCH = "name_mismatch"  # 户名与发放指令不符
    DUPLICATE_LINE = "duplicate_line"  # 同一回盘中一笔明细出现多次
    CONFLICTING_LINE = "conflicting_line"  # 回盘之间结果矛盾
    HEADER_TOTALS = "header_totals"  # 回盘汇总与明细不符
    OTHER_BATCH = "other_batch"  # 回盘属于其他批次
    OTHER_BANK = "other_bank"  # 回盘来自其他银行
    REVERSAL = "reversal"  # 已发放款项被退回
    DOUBLE_PAYMENT = "double_payment"  # 同一笔补贴发放两次以上

    @property
    def code(self) -> str:
        """Stable dotted code, e.g. ``reconcile.amount_mismatch``."""
        return f"reconcile.{self.value}"

    @property
    def label(self) -> str:
        """Chinese label for staff-facing output."""
        return _KIND_LABELS[self]


#: Anomalies that say a return is not this batch's file at all: nothing of it is used.
WRONG_FILE_KINDS: Final = frozenset({AnomalyKind.OTHER_BATCH, AnomalyKind.OTHER_BANK})

_KIND_LABELS: Final = {
    AnomalyKind.UNMATCHED_LINE: "回盘记录无对应明细",
    AnomalyKind.AMOUNT_MISMATCH: "金额不符",
    AnomalyKind.ACCOUNT_MISMATCH: "账号不符",
    AnomalyKind.NAME_MISMATCH: "户名不符",
    AnomalyKind.DUPLICATE_LINE: "重复记录",
    AnomalyKind.CONFLICTING_LINE: "结果矛盾",
    AnomalyKind.HEADER_TOTALS: "汇总与明细不符",
    AnomalyKind.OTHER_BATCH: "非本批次回盘",
    AnomalyKind.OTHER_BANK: "非本批次代发银行的回盘",
    AnomalyKind.REVERSAL: "退回（冲正）",
    AnomalyKind.DOUBLE_PAYMENT: "重复发放",
}


@dataclass(frozen=True, slots=True)
class Anomaly:
    """One thing in the returns that does not fit the batch.

    ``seq`` is the batch item concerned (``None`` for the header or a line that
    matches no item); ``return_index`` is the position of the return in the
    list given to :func:`reconcile`; ``location`` names the return file and
    line. The message is Chinese and names accounts masked.
    """

    kind: AnomalyKind
    message: str
    seq: int | None = None
    return_index: int | None = None
    location: Location = field(default_factory=Location)

    @property
    def code(self) -> str:
        """Stable dotted code."""
        return self.kind.code

    def __str__(self) -> str:
        where = f"{self.location}：" if self.location else ""
        return f"{where}{self.message} [{self.code}]"


@dataclass(frozen=True, slots=True)
class Totals:
    """A count and an amount (yuan, exact to the fen)."""

    count: int = 0
    amount: Decimal = _ZERO

    def __add__(self, other: Totals) -> Totals:
        return Totals(self.count + other.count, self.amount + other.amount)


@dataclass(frozen=True, slots=True)
class ReconcileTotals:
    """Counts and amounts by outcome, in the instructed amounts of the batch.

    ``paid + failed + pending + missing == batch`` always holds, in count and
    amount. ``paid_by_bank`` is the sum of the amounts the bank reported for
    the paid items (it differs from ``paid.amount`` only when there are amount
    anomalies).
    """

    batch: Totals
    paid: Totals
    failed: Totals
    pending: Totals
    missing: Totals
    failed_by_status: Mapping[ReturnStatus, Totals]
    paid_by_bank: Decimal

    @property
    def balanced(self) -> bool:
        """Whether the four outcomes add up to the batch (they always should)."""
        return self.paid + self.failed + self.pending + self.missing == self.batch

    def of(self, outcome: Outcome) -> Totals:
        """The totals of one outcome."""
        return {
            Outcome.PAID: self.paid,
            Outcome.FAILED: self.failed,
            Outcome.PENDING: self.pending,
            Outcome.MISSING: self.missing,
        }[outcome]


@dataclass(frozen=True, slots=True)
class ReturnSummary:
    """What one return said of itself, and whether its lines were used.

    A return for another batch is not used (``used`` is false).
    """

    index: int
    bank: str
    batch_id: str
    count: int
    total: Decimal
    lines: int
    lines_total: Decimal
    files: tuple[str, ...]
    signature_algorithm: str | None
    key_fingerprint: str | None
    reversal: bool
    used: bool


@dataclass(frozen=True, slots=True)
class ItemResult:
    """The outcome of one batch item, and the return line that decided it.

    ``record`` is ``None`` for a missing item; ``return_index`` says which
    return the deciding line came from.
    """

    item: PayoutItem = field(repr=False)
    outcome: Outcome
    record: ReturnRecord | None = field(default=None, repr=False)
    return_index: int | None = None

    @property
    def seq(self) -> int:
        """The item's number in the batch."""
        return self.item.seq

    @property
    def status(self) -> ReturnStatus | None:
        """The bank's normalised status (``None`` for a missing item)."""
        return None if self.record is None else self.record.status

    @property
    def raw_code(self) -> str | None:
        """The bank's own result code."""
        return None if self.record is None else self.record.raw_code

    @property
    def raw_message(self) -> str | None:
        """The bank's own result message."""
        return None if self.record is None else self.record.raw_message

    @property
    def bank_amount(self) -> Decimal | None:
        """The amount the bank reported on the deciding line."""
        return None if self.record is None else self.record.amount

    def __repr__(self) -> str:
        status = "" if self.record is None else f", status={self.record.status.value}"
        return f"ItemResult(seq={self.seq}, outcome={self.outcome.value}{status})"


def as_reversal(bank_return: BankReturn) -> BankReturn:
    """The same return marked as a reversal file (退汇/冲正).

    Its lines name items that an earlier return reported paid and whose money
    came back; each line's status is the failure reason. Adapters that parse
    reversal files mark them themselves (``extra["return_kind"] == "reversal"``).
    """
    if not isinstance(bank_return, BankReturn):
        raise ReconcileError(
            "只能把已解析并验签的回盘（BankReturn）标为退回文件", code="reconcile.not_parsed"
        )
    extra = dict(bank_return.extra)
    extra[RETURN_KIND_KEY] = REVERSAL_KIND
    return BankReturn(
        bank=bank_return.bank,
        batch_id=bank_return.batch_id,
        count=bank_return.count,
        total=bank_return.total,
        records=bank_return.records,
        files=bank_return.files,
        signature_algorithm=bank_return.signature_algorithm,
        key_fingerprint=bank_return.key_fingerprint,
        received_at=bank_return.received_at,
        extra=extra,
    )


def _outcome_of(status: ReturnStatus) -> Outcome:
    if status is ReturnStatus.SUCCESS:
        return Outcome.PAID
    if status is ReturnStatus.PENDING:
        return Outcome.PENDING
    return Outcome.FAILED


def _record_key(r: ReturnRecord) -> tuple[object, ...]:
    # Everything but the line number: the same record resent in a later file.
    return (
        r.seq,
        r.account,
        r.name,
        r.amount,
        r.status,
        r.raw_code,
        r.raw_message,
        r.bank_txn_id,
        r.settled_at,
    )


def _account_matches(reported: str, instructed: str) -> bool:
    number = reported.strip().replace(" ", "").replace("-", "")
    if number == instructed:
        return True
    if "*" in number and len(number) == len(instructed):
        # Banks often echo the card masked (6217********1234): compare what is shown.
        return all(a in ("*", b) for a, b in zip(number, instructed, strict=True))
    return False


def _name_matches(reported: str, instructed: str) -> bool:
    text = reported.strip()
    if text == instructed:
        return True
    try:
        if PersonName(text) == instructed:
            return True
    except InvalidName:
        pass
    # A bank writing GBK replaces characters it cannot encode (生僻字) with "?".
    text = unicodedata.normalize("NFC", text)
    if len(text) != len(instructed):
        return False
    for a, b in zip(text, instructed, strict=True):
        if a == b:
            continue
        if a in "?？" and not _gbk_encodable(b):
            continue
        return False
    return True


def _gbk_encodable(char: str) -> bool:
    try:
        char.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def _where(
    ret: BankReturn, record: ReturnRecord | None = None, *, field: str | None = None
) -> Location:
    file = ret.files[0] if ret.files else None
    line = None if record is None else record.line
    return Location(file=file, line=line, field=field)


class Reconciliation:
    """The result of :func:`reconcile`: one outcome per item, anomalies, totals.

    Iterating gives one :class:`ItemResult` per item in ``seq`` order. The
    object is immutable; :meth:`merge` makes a new one with more returns.
    """

    __slots__ = ("_decided", "_source", "anomalies", "batch", "returns", "summaries", "totals")

    batch: PayoutBatch
    returns: tuple[BankReturn, ...]
    anomalies: tuple[Anomaly, ...]
    summaries: tuple[ReturnSummary, ...]
    totals: ReconcileTotals

    def __init__(
        self,
        batch: PayoutBatch,
        *,
        returns: tuple[BankReturn, ...],
        decided: list[ReturnRecord | None],
        source: list[int],
        anomalies: tuple[Anomaly, ...],
        summaries: tuple[ReturnSummary, ...],
        totals: ReconcileTotals,
    ) -> None:
        self.batch = batch
        self.returns = returns
        self._decided = decided
        self._source = source
        self.anomalies = anomalies
        self.summaries = summaries
        self.totals = totals

    def __len__(self) -> int:
        return len(self._decided)

    def __iter__(self) -> Iterator[ItemResult]:
        for item, record, k in zip(self.batch.items, self._decided, self._source, strict=True):
            if record is None:
                yield ItemResult(item, Outcome.MISSING)
            else:
                yield ItemResult(item, _outcome_of(record.status), record, k)

    def item(self, seq: int) -> ItemResult:
        """The result of the item with this ``seq``."""
        item = self.batch.item(seq)
        record = self._decided[seq - 1]
        if record is None:
            return ItemResult(item, Outcome.MISSING)
        return ItemResult(item, _outcome_of(record.status), record, self._source[seq - 1])

    def outcome(self, seq: int) -> Outcome:
        """The outcome of the item with this ``seq``."""
        self.batch.item(seq)
        record = self._decided[seq - 1]
        return Outcome.MISSING if record is None else _outcome_of(record.status)

    def results(self, outcome: Outcome) -> tuple[ItemResult, ...]:
        """Every item with this outcome, in ``seq`` order."""
        return tuple(r for r in self if r.outcome is outcome)

    @property
    def paid(self) -> tuple[ItemResult, ...]:
        """Items the bank paid."""
        return self.results(Outcome.PAID)

    @property
    def failed(self) -> tuple[ItemResult, ...]:
        """Items the bank refused, with the reason."""
        return self.results(Outcome.FAILED)

    @property
    def wrong_files(self) -> tuple[Anomaly, ...]:
        """The anomalies saying a return is not this batch's file (another batch or bank).

        Nothing of such a return is used: every item it would have decided
        stays missing. A caller that takes a reconciliation as final should
        refuse one that has any (the command line exits with status 3).
        """
        return tuple(a for a in self.anomalies if a.kind in WRONG_FILE_KINDS)

    @property
    def pending(self) -> tuple[ItemResult, ...]:
        """Items the bank reports as still being processed."""
        return self.results(Outcome.PENDING)

    @property
    def missing(self) -> tuple[ItemResult, ...]:
        """Items no used return mentions."""
        return self.results(Outcome.MISSING)

    @property
    def unresolved(self) -> bool:
        """Whether some item is pending or missing."""
        return bool(self.totals.pending.count or self.totals.missing.count)

    def merge(self, *returns: BankReturn) -> Reconciliation:
        """A new reconciliation with ``returns`` applied after the ones already here."""
        return reconcile(self.batch, (*self.returns, *returns))

    def __repr__(self) -> str:
        t = self.totals
        return (
            f"Reconciliation(batch_id={self.batch.batch_id!r}, items={t.batch.count}, "
            f"paid={t.paid.count}, failed={t.failed.count}, pending={t.pending.count}, "
            f"missing={t.missing.count}, anomalies={len(self.anomalies)})"
        )


class _Bucket:
    """Running totals of the items currently decided with one status."""

    __slots__ = ("amount", "count", "excess")

    def __init__(self) -> None:
        self.count = 0
        self.amount = _ZERO  # instructed amounts
        self.excess = _ZERO  # what the bank reported beyond them (amount anomalies only)


class _Matcher:
    """The state of one reconciliation while returns are applied.

    Totals are kept up to date as lines are applied (a line that changes an
    item's outcome moves the item between buckets), so that a million-line
    return is read once and the items are not walked a second time.
    """

    def __init__(self, batch: PayoutBatch) -> None:
        self.batch = batch
        self.items = batch.items
        n = len(self.items)
        self.decided: list[ReturnRecord | None] = [None] * n
        self.source: list[int] = [-1] * n
        # Keys of every record applied to an item, kept only for items that got
        # more than one (so a resent record is recognised as already known).
        self.history: dict[int, list[tuple[object, ...]]] = {}
        self.anomalies: list[Anomaly] = []
        self.buckets: dict[object, _Bucket] = {}

    def bucket(self, status: object) -> _Bucket:
        found = self.buckets.get(status)
        if found is None:
            found = self.buckets[status] = _Bucket()
        return found

    def anomaly(
        self,
        kind: AnomalyKind,
        message: str,
        seq: int | None,
        k: int,
        location: Location,
    ) -> None:
        self.anomalies.append(Anomaly(kind, message, seq, k, location))

    def apply(self, k: int, ret: BankReturn) -> None:
        """Apply the lines of return ``k`` (of this batch)."""
        items = self.items
        n = len(items)
        decided = self.decided
        source = self.source
        reversal = ret.extra.get(RETURN_KIND_KEY) == REVERSAL_KIND
        seen = bytearray(n)
        last_status: object = None
        last = _Bucket()
        for r in ret.records:
            seq = r.seq
            if type(seq) is not int or not 0 < seq <= n:
                self.unmatched(k, ret, r)
                continue
            i = seq - 1
            item = items[i]
            if seen[i] or reversal or decided[i] is not None:
                self.apply_slow(k, ret, r, item, duplicate=bool(seen[i]), reversal=reversal)
                seen[i] = 1
                continue
            seen[i] = 1
            amount = item.amount
            account = item.beneficiary.account
            if r.amount != amount or r.account != account.number or r.name != account.holder_name:
                self.compare(k, ret, r, item)
                self.bucket(r.status).excess += r.amount - amount
            decided[i] = r
            source[i] = k
            status = r.status
            if status is not last_status:
                # Most lines share one status: avoid hashing the enum for each.
                last_status = status
                last = self.bucket(status)
            last.count += 1
            last.amount += amount

    def unmatched(self, k: int, ret: BankReturn, r: ReturnRecord) -> None:
        account = mask_account(r.account) if isinstance(r.account, str) else "?"
        self.anomaly(
            AnomalyKind.UNMATCHED_LINE,
            f"回盘记录的序号 {r.seq!r} 在批次 {self.batch.batch_id} 中不存在"
            f"（账号 {account}，金额 {r.amount}）",
            None,
            k,
            _where(ret, r, field="seq"),
        )

    def compare(self, k: int, ret: BankReturn, r: ReturnRecord, item: PayoutItem) -> None:
        """Report each field of ``r`` that differs from the instruction."""
        seq = item.seq
        account = item.beneficiary.account
        if r.amount != item.amount:
            self.anomaly(
                AnomalyKind.AMOUNT_MISMATCH,
                f"第{seq}笔回盘金额 {r.amount} 元与发放金额 {item.amount} 元不符",
                seq,
                k,
                _where(ret, r, field="amount"),
            )
        if r.account and not _account_matches(r.account, account.number):
            self.anomaly(
                AnomalyKind.ACCOUNT_MISMATCH,
                f"第{seq}笔回盘账号 {mask_account(r.account)} 与发放账号 "
                f"{mask_account(account.number)} 不符",
                seq,
                k,
                _where(ret, r, field="account"),
            )
        if r.name and not _name_matches(r.name, account.holder_name):
            self.anomaly(
                AnomalyKind.NAME_MISMATCH,
                f"第{seq}笔回盘户名与发放户名 {account.holder_name.masked()} 不符",
                seq,
                k,
                _where(ret, r, field="name"),
            )

    def apply_slow(
        self,
        k: int,
        ret: BankReturn,
        r: ReturnRecord,
        item: PayoutItem,
        *,
        duplicate: bool,
        reversal: bool,
    ) -> None:
        """A line for an item that already has one, or a reversal line."""
        i = item.seq - 1
        seq = item.seq
        cur = self.decided[i]
        history = self.history.get(i)
        if history is None:
            history = [] if cur is None else [_record_key(cur)]
            self.history[i] = history
        key = _record_key(r)
        where = _where(ret, r)
        new = _outcome_of(r.status)
        if reversal and new is not Outcome.FAILED:
            self.anomaly(
                AnomalyKind.CONFLICTING_LINE,
                f"第{seq}笔的退回记录状态为“{r.status.label}”，不是失败原因，未采用",
                seq,
                k,
                where,
            )
            return
        if key in history:
            if duplicate:
                self.anomaly(
                    AnomalyKind.DUPLICATE_LINE,
                    f"第{seq}笔在同一回盘中重复出现（内容相同，只计一次）",
                    seq,
                    k,
                    where,
                )
            return  # a record already applied, resent: idempotent
        history.append(key)
        self.compare(k, ret, r, item)
        if reversal:
            if cur is not None and cur.status is ReturnStatus.SUCCESS:
                self.set(i, r, k)
                self.anomaly(
                    AnomalyKind.REVERSAL,
                    f"第{seq}笔已发放的款项被银行退回（{r.status.label}，"
                    f"银行返回码 {r.raw_code}），改为发放失败",
                    seq,
                    k,
                    where,
                )
            else:
                state = "回盘未列明" if cur is None else _outcome_of(cur.status).label
                self.anomaly(
                    AnomalyKind.CONFLICTING_LINE,
                    f"第{seq}笔的退回记录无对应的已发放款项（明细当前为“{state}”），未采用",
                    seq,
                    k,
                    where,
                )
            return
        if cur is None:
            self.set(i, r, k)
            return
        old = _outcome_of(cur.status)
        message: str | None
        if old is Outcome.PENDING:
            self.set(i, r, k)
            message = None
        elif old is Outcome.PAID:
            message = (
                f"第{seq}笔已报“成功”，后续记录报“{r.status.label}”"
                + ("且交易信息不同，可能重复入账" if new is Outcome.PAID else "")
                + "；已发放不能改为其他状态（须有退回记录），仍按已发放处理"
            )
        elif new is Outcome.PAID:
            self.set(i, r, k)
            message = f"第{seq}笔先报“{cur.status.label}”，后报“成功”，按已发放处理"
        elif new is Outcome.FAILED:
            self.set(i, r, k)
            message = f"第{seq}笔先报“{cur.status.label}”，后报“{r.status.label}”，按后者记失败原因"
        else:
            message = f"第{seq}笔已报“{cur.status.label}”，后续记录报“处理中”，未采用"
        if duplicate:
            self.anomaly(
                AnomalyKind.DUPLICATE_LINE,
                f"第{seq}笔在同一回盘中重复出现且内容不同"
                + ("" if message is None else f"：{message}"),
                seq,
                k,
                where,
            )
        elif message is not None:
            self.anomaly(AnomalyKind.CONFLICTING_LINE, message, seq, k, where)

    def set(self, i: int, r: ReturnRecord, k: int) -> None:
        amount = self.items[i].amount
        old = self.decided[i]
        if old is not None:
            before = self.bucket(old.status)
            before.count -= 1
            before.amount -= amount
            before.excess -= old.amount - amount
        after = self.bucket(r.status)
        after.count += 1
        after.amount += amount
        after.excess += r.amount - amount
        self.decided[i] = r
        self.source[i] = k

    def totals(self) -> ReconcileTotals:
        for status in self.buckets:
            if not isinstance(status, ReturnStatus):
                raise ReconcileError(
                    f"回盘记录的状态不是 ReturnStatus：{type(status).__name__}",
                    code="reconcile.return_type",
                )
        items = self.items
        missing = Totals()
        if len(items) != sum(b.count for b in self.buckets.values()):
            # Only the items no line decided are looked at again.
            amounts = [items[i].amount for i, r in enumerate(self.decided) if r is None]
            missing = Totals(len(amounts), sum(amounts, _ZERO))

        def get(status: ReturnStatus) -> Totals:
            b = self.buckets.get(status)
            return Totals() if b is None or not b.count else Totals(b.count, b.amount + _ZERO)

        failed_by_status = {s: get(s) for s in ReturnStatus if s.is_failure and get(s).count}
        failed = Totals()
        for t in failed_by_status.values():
            failed += t
        paid = get(ReturnStatus.SUCCESS)
        pending = get(ReturnStatus.PENDING)
        success = self.buckets.get(ReturnStatus.SUCCESS)
        # Each item sits in exactly one bucket with its instructed amount, so
        # the parts add up to the batch; the count is checked by the caller.
        return ReconcileTotals(
            batch=paid + failed + pending + missing,
            paid=paid,
            failed=failed,
            pending=pending,
            missing=missing,
            failed_by_status=failed_by_status,
            paid_by_bank=paid.amount + (_ZERO if success is None else success.excess),
        )


def _check_header(m: _Matcher, k: int, ret: BankReturn, lines_total: Decimal) -> None:
    lines = len(ret.records)
    if ret.count != lines or ret.total != lines_total:
        m.anomaly(
            AnomalyKind.HEADER_TOTALS,
            f"回盘汇总为 {ret.count} 笔、{ret.total} 元，明细为 {lines} 笔、{lines_total} 元",
            None,
            k,
            _where(ret, field="total"),
        )


def _as_returns(returns: object) -> tuple[BankReturn, ...]:
    if isinstance(returns, BankReturn):
        return (returns,)
    if isinstance(returns, (str, bytes, bytearray)) or not isinstance(returns, Iterable):
        raise ReconcileError(
            "只能对已解析并验签的回盘（BankReturn）对账", code="reconcile.not_parsed"
        )
    out: tuple[object, ...] = tuple(returns)
    for k, ret in enumerate(out):
        if not isinstance(ret, BankReturn):
            raise ReconcileError(
                "只能对已解析并验签的回盘（BankReturn）对账",
                code="reconcile.not_parsed",
                path=f"returns[{k}]",
            )
    return out  # type: ignore[return-value]  # every element checked above


def reconcile(
    batch: PayoutBatch,
    returns: BankReturn | Sequence[BankReturn],
    *,
    trusted_keys: Iterable[str] | None = None,
) -> Reconciliation:
    """Match ``returns`` (one or several, in the order received) to ``batch``.

    ``returns`` are :class:`~ningxia_yikatong.banks.BankReturn` objects as
    an adapter's ``parse_return`` gives them: it verifies the signature before
    it returns anything, so a return that does not verify never gets here.
    With ``trusted_keys`` (key fingerprints), each return must also carry one
    of them as the key it was verified with, or :class:`SignatureError` is
    raised and nothing is used.

    Rules, in short (docs/reconciliation.md has them all): a return for another
    batch is reported and not used; a line matching no item, a field differing
    from the instruction, a repeated line and header totals that disagree with
    the lines are reported; for an item with several lines, pending gives way
    to anything, paid stays paid unless a reversal file says otherwise (which
    is reported), a failure followed by success counts as paid, identical
    records are idempotent, and any other conflict is reported.
    """
    if not isinstance(batch, PayoutBatch):
        raise ReconcileError("对账需要发放批次（PayoutBatch）", code="reconcile.not_batch")
    rets = _as_returns(returns)
    if trusted_keys is not None:
        if isinstance(trusted_keys, (str, bytes)) or not isinstance(trusted_keys, Iterable):
            raise ReconcileError(
                "trusted_keys 应为受信任的银行密钥指纹（文本）的集合",
                code="reconcile.trusted_keys_type",
            )
        keys = frozenset(trusted_keys)
        for k, ret in enumerate(rets):
            if ret.key_fingerprint not in keys:
                raise SignatureError(
                    "回盘未用受信任的银行密钥验签，不能用于对账",
                    code="signature.untrusted_return",
                    path=f"returns[{k}]",
                )
    m = _Matcher(batch)
    summaries = []
    for k, ret in enumerate(rets):
        try:
            lines_total = sum((r.amount for r in ret.records), _ZERO)
            used = ret.batch_id == batch.batch_id and ret.bank == batch.agent_bank
            reversal = ret.extra.get(RETURN_KIND_KEY) == REVERSAL_KIND
            _check_header(m, k, ret, lines_total)
            if used:
                m.apply(k, ret)
            elif ret.batch_id != batch.batch_id:
                m.anomaly(
                    AnomalyKind.OTHER_BATCH,
                    f"回盘属于批次 {ret.batch_id}，不是 {batch.batch_id}；其 "
                    f"{len(ret.records)} 条记录未用于对账",
                    None,
                    k,
                    _where(ret, field="batch_id"),
                )
            else:
                m.anomaly(
                    AnomalyKind.OTHER_BANK,
                    f"回盘来自代发银行 {ret.bank}，批次 {batch.batch_id} 的代发银行是 "
                    f"{batch.agent_bank}；其 {len(ret.records)} 条记录未用于对账",
                    None,
                    k,
                    _where(ret, field="bank"),
                )
        except (TypeError, AttributeError, ArithmeticError) as exc:
            raise ReconcileError(
                f"回盘数据类型错误，不是适配器解析出的回盘：{type(exc).__name__}",
                code="reconcile.return_type",
                path=f"returns[{k}]",
            ) from None
        summaries.append(
            ReturnSummary(
                index=k,
                bank=ret.bank,
                batch_id=ret.batch_id,
                count=ret.count,
                total=ret.total,
                lines=len(ret.records),
                lines_total=lines_total,
                files=tuple(ret.files),
                signature_algorithm=ret.signature_algorithm,
                key_fingerprint=ret.key_fingerprint,
                reversal=reversal,
                used=used,
            )
        )
    totals = m.totals()
    if totals.batch.count != len(batch.items):  # pragma: no cover - one outcome per item
        raise ReconcileError("对账合计与批次不平", code="reconcile.unbalanced")
    return Reconciliation(
        batch,
        returns=rets,
        decided=m.decided,
        source=m.source,
        anomalies=tuple(m.anomalies),
        summaries=tuple(summaries),
        totals=totals,
    )
