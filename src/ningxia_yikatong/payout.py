"""Payout items (发放明细) and batches (发放批次).

A batch pays one policy for one period through one agent bank, from one payer
account. Its count and total are derived from its items, never stored beside
them, so they cannot disagree; item numbers (``seq``) are 1..n without gaps or
repeats, which is what bank files and returns refer to.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Annotated, Final, Literal, Self

from pydantic import BaseModel, Field, model_validator

from ._arguments import checked, checked_on_failure
from ._model import DomainModel
from ._types import ExactDecimal
from .bank import AccountNumber, BankAccount, BankCode
from .beneficiary import Beneficiary
from .codes import BatchId, Period, PolicyCode
from .errors import ErrorDetail, Location, ModelError
from .money import Amount, total
from .policy import DeclaredStandard, SubsidyPolicy, payment_standard
from .regions import RegionCode
from .signing._digest import _hex, _new
from .signing._digest import digest as _digest

__all__ = ["DigestName", "PayoutBatch", "PayoutItem", "Quantity", "batch_digest", "canonical_json"]

#: Digest algorithms a batch's content digest may use.
DigestName = Literal["sha256", "sm3"]

#: A quantity for per-unit standards: area in 亩, head of livestock ... (4 decimals at most).
Quantity = Annotated[
    ExactDecimal, Field(gt=0, max_digits=14, decimal_places=4, allow_inf_nan=False)
]


class PayoutItem(DomainModel):
    """One payment to one beneficiary in a batch.

    ``memo`` is what the recipient's statement (摘要) shows, when the bank
    format carries it.
    """

    seq: Annotated[int, Field(ge=1)]
    beneficiary: Beneficiary
    amount: Amount
    quantity: Quantity | None = None
    memo: Annotated[str, Field(max_length=60)] | None = None


def _seq(item: PayoutItem) -> int:
    return item.seq


class PayoutBatch(DomainModel):
    """A batch of payout items for one policy, period and agent bank.

    ``parent_batch_id`` and ``round`` link a reissue (补发) to the batch whose
    failed items it pays again. ``source_batch_id`` and ``source_seqs`` link a
    batch made by :meth:`without` to the batch it was taken from:
    ``source_seqs[j - 1]`` is the source's ``seq`` of item ``j``.

    A batch id names one content: a batch with other items gets another id.
    """

    batch_id: BatchId
    policy_code: PolicyCode
    period: Period
    region: RegionCode
    agent_bank: BankCode
    payer_account: AccountNumber
    payer_name: Annotated[str, Field(min_length=1, max_length=100)]
    items: tuple[PayoutItem, ...]
    pay_date: _dt.date | None = None
    parent_batch_id: BatchId | None = None
    round: Annotated[int, Field(ge=1)] = 1
    source_batch_id: BatchId | None = None
    source_seqs: tuple[Annotated[int, Field(ge=1)], ...] | None = None

    @model_validator(mode="after")
    def _source_link(self) -> Self:
        if (self.source_batch_id is None) != (self.source_seqs is None):
            raise ModelError(
                "来源批次号与来源序号须同时给出", code="batch.source", field="source_seqs"
            )
        if self.source_seqs is None:
            return self
        if self.source_batch_id == self.batch_id:
            raise ModelError(
                f"批次号 {self.batch_id} 已用于来源批次：明细不同的批次须使用新的批次号",
                code="batch.id_reused",
                field="batch_id",
            )
        if len(self.source_seqs) != len(self.items):
            raise ModelError(
                f"来源序号有{len(self.source_seqs)}个，明细有{len(self.items)}笔",
                code="batch.source",
                field="source_seqs",
            )
        if len(set(self.source_seqs)) != len(self.source_seqs):
            raise ModelError("来源序号有重复", code="batch.source", field="source_seqs")
        return self

    @model_validator(mode="after")
    def _seq_contiguous(self) -> Self:
        items = self.items
        if not items:
            raise ModelError("批次中没有发放明细", code="batch.empty", field="items")
        for expected, item in enumerate(items, 1):
            if item.seq != expected:
                break
        else:
            return self
        counts = Counter(item.seq for item in items)
        details = [
            ErrorDetail("batch.seq_duplicate", f"序号 {seq} 重复 {n} 次", Location(field="seq"))
            for seq, n in sorted(counts.items())
            if n > 1
        ]
        n = len(items)
        missing = [seq for seq in range(1, n + 1) if seq not in counts]
        if missing:
            shown = "、".join(map(str, missing[:10])) + ("……" if len(missing) > 10 else "")
            details.append(
                ErrorDetail(
                    "batch.seq_gap",
                    f"序号应为1至{n}连续编号，缺少 {shown}",
                    Location(field="seq"),
                )
            )
        if not details:  # contiguous, only not in order
            return self
        if len(details) == 1:
            only = details[0]
            raise ModelError(only.message, code=only.code, location=only.location)
        raise ModelError("批次序号不连续或有重复", code="batch.seq", details=details)

    @property
    def count(self) -> int:
        """Number of items."""
        return len(self.items)

    @property
    def total(self) -> Decimal:
        """Sum of the items' amounts.

        Summed on each call (about 0.1 s for a million items), never cached, so it
        cannot disagree with the items, even on a ``model_copy(update=...)``.
        """
        return total(item.amount for item in self.items)

    @checked_on_failure(ModelError, "payout")
    def item(self, seq: int) -> PayoutItem:
        """The item with this ``seq``."""
        if 1 <= seq <= len(self.items):
            return self.items[seq - 1]
        raise ModelError(f"批次 {self.batch_id} 中没有序号 {seq}", code="batch.seq_unknown")

    @checked_on_failure(ModelError, "payout")
    def source_seq(self, seq: int) -> int | None:
        """The ``seq`` in :attr:`source_batch_id` of this batch's item ``seq``
        (``None`` for a batch not taken from another)."""
        self.item(seq)
        return None if self.source_seqs is None else self.source_seqs[seq - 1]

    @checked(ModelError, "payout")
    def without(
        self,
        seqs: Iterable[int],
        *,
        batch_id: str,
        pay_date: _dt.date | None = None,
    ) -> PayoutBatch:
        """A new batch, ``batch_id``, of this batch's items except ``seqs``.

        The kept items are numbered 1..m again in their order here; the new
        batch records this batch as its ``source_batch_id`` and each item's
        ``seq`` here in ``source_seqs``. Everything else (policy, period, payer,
        reissue round) is kept; ``pay_date`` replaces the pay date when given.
        ``batch_id`` must differ from this batch's id, since the content differs;
        an unknown seq, or dropping every item, is refused.

        >>> from ningxia_yikatong.testing import SyntheticData
        >>> batch = SyntheticData(seed=1).batch(5, bank="psbc")
        >>> cleared = batch.without({2, 4}, batch_id=batch.batch_id + "-C")
        >>> cleared.count, cleared.source_batch_id == batch.batch_id, cleared.source_seqs
        (3, True, (1, 3, 5))
        >>> cleared.item(2).beneficiary == batch.item(3).beneficiary
        True
        """
        dropped = set(seqs)
        unknown = sorted(seq for seq in dropped if not 1 <= seq <= len(self.items))
        if unknown:
            shown = "、".join(map(str, unknown[:10])) + ("……" if len(unknown) > 10 else "")
            raise ModelError(
                f"批次 {self.batch_id} 中没有序号 {shown}", code="batch.seq_unknown", field="seq"
            )
        kept = sorted((item for item in self.items if item.seq not in dropped), key=_seq)
        if not kept:
            raise ModelError(
                f"批次 {self.batch_id} 的明细全部被剔除，不能生成新批次", code="batch.empty"
            )
        update: dict[str, object] = {
            "batch_id": BatchId(batch_id),
            "items": tuple(item.model_copy(update={"seq": n}) for n, item in enumerate(kept, 1)),
            "source_batch_id": self.batch_id,
            "source_seqs": tuple(item.seq for item in kept),
        }
        if pay_date is not None:
            update["pay_date"] = pay_date
        # Validated again as a whole: a new id, contiguous seqs, a consistent link.
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        return type(self).model_validate(fields | update)

    def __iter__(self) -> Iterator[PayoutItem]:  # type: ignore[override]
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @checked_on_failure(ModelError, "payout")
    def expected_amount(self, item: PayoutItem, policy: SubsidyPolicy) -> Amount:
        """What ``item`` should receive under ``policy``'s standard.

        The age for tiered standards is taken at the period's start; the
        beneficiary's region, disability grade and care level select the tier
        too. For a declared standard this is the declared amount when it is
        within the beneficiary's cap (the cap otherwise). A capped standard gives what its
        base gives for the one payment; the per-person cap over several payments
        is the cross-checks' business.
        """
        if policy.code != self.policy_code:
            raise ModelError(
                f"批次 {self.batch_id} 属于政策 {self.policy_code}，不是 {policy.code}",
                code="batch.policy_mismatch",
            )
        standard = payment_standard(policy.standard)
        try:
            if isinstance(standard, DeclaredStandard):
                cap = policy.amount_for(item.beneficiary, on=self.period.start)
                return item.amount if item.amount <= cap else cap
            return policy.amount_for(item.beneficiary, on=self.period.start, quantity=item.quantity)
        except ModelError as exc:
            raise exc.at(record=item.seq) from None

    @checked(ModelError, "payout")
    def expected_amounts(self, policy: SubsidyPolicy) -> Iterator[tuple[PayoutItem, Amount]]:
        """Each item with its expected amount (see :meth:`expected_amount`)."""
        for item in self.items:
            yield item, self.expected_amount(item, policy)


def _plain(value: object) -> str:
    if isinstance(value, Decimal):
        # One spelling per number: 1.50 and 1.5 are the same quantity.
        text = format(value.normalize(), "f")
        return text
    if isinstance(value, _dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _canonical_generic(batch: PayoutBatch) -> bytes:
    """:func:`canonical_json` through ``model_dump``: the definition, slow for
    large batches (the fast path below is held to it by the tests)."""
    data = batch.model_dump(mode="python")
    return json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain
    ).encode()


_esc = json.encoder.encode_basestring  # C, as json.dumps(ensure_ascii=False) uses


def _opt(value: str | None) -> str:
    return "null" if value is None else _esc(value)


def _num(value: Decimal) -> str:
    return '"' + format(value.normalize(), "f") + '"'


_TRUTH = {None: "null", True: "true", False: "false"}


def _item_json(item: PayoutItem) -> str:
    """One item as :func:`_canonical_generic` writes it (keys sorted)."""
    b = item.beneficiary
    a = b.account
    q = item.quantity
    return (
        f'{{"amount":{_num(item.amount)},"beneficiary":{{"account":{{"bank":{_esc(a.bank)},'
        f'"branch":{_opt(a.branch)},"holder_name":{_esc(a.holder_name)},'
        f'"is_yikatong":{_TRUTH[a.is_yikatong]},"number":{_esc(a.number)}}},'
        f'"care_level":{_opt(b.care_level)},"disability_grade":{_opt(b.disability_grade)},'
        f'"household_id":{_opt(b.household_id)},"id_number":{_esc(b.id_number)},'
        f'"name":{_esc(b.name)},"phone":{_opt(b.phone)},"region":{_esc(b.region)}}},'
        f'"memo":{_opt(item.memo)},"quantity":{"null" if q is None else _num(q)},'
        f'"seq":{int(item.seq)}}}'
    )


#: The fields :func:`_item_json` writes; a model with other fields takes the
#: generic path, so that a new field can never be left out of the digest.
_ITEM_FIELDS: Final[dict[type[BaseModel], tuple[str, ...]]] = {
    PayoutItem: ("amount", "beneficiary", "memo", "quantity", "seq"),
    Beneficiary: (
        "account",
        "care_level",
        "disability_grade",
        "household_id",
        "id_number",
        "name",
        "phone",
        "region",
    ),
    BankAccount: ("bank", "branch", "holder_name", "is_yikatong", "number"),
}
_FAST: Final = all(tuple(sorted(m.model_fields)) == f for m, f in _ITEM_FIELDS.items())


#: Items written to the digest at a time by :func:`batch_digest`.
_DIGEST_CHUNK: Final = 1000


def _canonical_pieces(batch: PayoutBatch) -> Iterator[str]:
    """The fast canonical JSON of the batch in pieces (a few items each) whose
    concatenation is :func:`canonical_json`: never the whole text at once."""
    head = batch.model_dump(mode="python", exclude={"items"})
    head["items"] = None
    comma = ""
    yield "{"
    for key in sorted(head):
        yield comma + _esc(key) + ":"
        comma = ","
        if key != "items":
            yield json.dumps(
                head[key], sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain
            )
            continue
        items = batch.items
        yield "["
        for at in range(0, len(items), _DIGEST_CHUNK):
            chunk = ",".join([_item_json(item) for item in items[at : at + _DIGEST_CHUNK]])
            yield ("," + chunk) if at else chunk
        yield "]"
    yield "}"


@checked(ModelError, "payout")
def canonical_json(batch: PayoutBatch) -> bytes:
    """The batch as canonical JSON: keys sorted, no spaces, UTF-8, numbers as
    text in their shortest exact spelling, dates ISO; equal batches give
    equal bytes.

    >>> from decimal import Decimal
    >>> from ningxia_yikatong.testing import SyntheticData
    >>> batch = SyntheticData(seed=1).batch(1, bank="psbc")
    >>> a = batch.model_copy(update={"items": (batch.items[0].model_copy(
    ...     update={"quantity": Decimal("2.50")}),)})
    >>> b = batch.model_copy(update={"items": (batch.items[0].model_copy(
    ...     update={"quantity": Decimal("2.5")}),)})
    >>> canonical_json(a) == canonical_json(b)
    True
    """
    if not _FAST:  # pragma: no cover - the model has fields the fast path lacks
        return _canonical_generic(batch)
    return "".join(_canonical_pieces(batch)).encode()


@checked(ModelError, "payout")
def batch_digest(batch: PayoutBatch, algorithm: DigestName = "sha256") -> str:
    """Hex digest (SHA-256 or SM3) of the batch's canonical JSON: what a batch id
    is bound to in the ledger. The JSON is fed to the hash a thousand items at
    a time (the same digest as of :func:`canonical_json`, without holding the
    whole text of a large batch).

    >>> from ningxia_yikatong.testing import SyntheticData
    >>> batch = SyntheticData(seed=1).batch(3, bank="psbc")
    >>> batch_digest(batch) == batch_digest(batch.model_copy())
    True
    >>> len(batch_digest(batch, "sm3"))
    64
    """
    if not _FAST:  # pragma: no cover - the model has fields the fast path lacks
        return _digest(_canonical_generic(batch), algorithm)
    h, state = _new(algorithm)
    for piece in _canonical_pieces(batch):
        h.update(piece.encode())
    return _hex(state)
