"""What crosses the boundary with an agent bank: payment files and returns.

These are plain frozen dataclasses rather than pydantic models: a return for a
million items is built by a parser that has already checked every field, and
building them must cost no more than the parsing.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from .._arguments import argument_error
from ..errors import AdapterError

__all__ = [
    "BankReturn",
    "InstructionRecord",
    "Instructions",
    "PaymentFile",
    "ReturnRecord",
    "ReturnStatus",
    "status_table",
]


class ReturnStatus(StrEnum):
    """Outcome of one item as the bank reports it, normalised across banks.

    The bank's own code and message are always kept beside it
    (:attr:`ReturnRecord.raw_code`, :attr:`ReturnRecord.raw_message`).
    """

    SUCCESS = "success"
    PENDING = "pending"
    NAME_MISMATCH = "name_mismatch"
    ACCOUNT_NOT_FOUND = "account_not_found"
    FROZEN = "frozen"
    CLOSED = "closed"
    LOST = "lost"  # 挂失: the holder reported the card lost; a new card has a new number
    STOPPED = "stopped"  # 止付: payments stopped by a judicial or bank decision
    CARD_NOT_ACTIVATED = "card_not_activated"
    ID_MISMATCH = "id_mismatch"
    OVER_LIMIT = "over_limit"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Chinese label for staff-facing output."""
        return _LABELS[self]

    @property
    def is_failure(self) -> bool:
        """True for every final outcome other than success."""
        return self not in (ReturnStatus.SUCCESS, ReturnStatus.PENDING)


def status_table(
    table: str, *, also: str = ""
) -> tuple[dict[ReturnStatus, tuple[str, str]], dict[str, ReturnStatus]]:
    """A bank's codes, declared as a table: ``(status_codes, return_codes)``.

    Each line of ``table`` is a status (its value), the code the bank writes
    for it and the bank's message; each line of ``also`` is a status and
    another code the bank may send for it (with a note). A status or code
    twice, an unknown status or a line without its three columns is a
    mistake in the declaration (:class:`~ningxia_yikatong.errors.AdapterError`,
    ``adapter.status_table``).

    >>> written, read = status_table(
    ...     '''
    ...     success  0000  成功
    ...     frozen   3001  账户冻结
    ...     ''',
    ...     also="frozen  3002  司法冻结",
    ... )
    >>> written[ReturnStatus.FROZEN], read["3002"]
    (('3001', '账户冻结'), <ReturnStatus.FROZEN: 'frozen'>)
    """
    for name, value in (("table", table), ("also", also)):
        if not isinstance(value, str):
            raise argument_error(
                AdapterError, "adapter", "status_table", name, expected="str", value=value
            )
    written: dict[ReturnStatus, tuple[str, str]] = {}
    read: dict[str, ReturnStatus] = {}
    for rows, main in ((table, True), (also, False)):
        for line in rows.strip().splitlines():
            parts = line.split(None, 2)
            if len(parts) != 3 or parts[0] not in _STATUSES:
                raise AdapterError(
                    "结果代码表的一行应为“结果 代码 说明”，结果为 ReturnStatus 的值："
                    f"{line[:60]!r}",
                    code="adapter.status_table",
                )
            status, code, message = ReturnStatus(parts[0]), parts[1], parts[2].strip()
            if code in read or (main and status in written):
                raise AdapterError(
                    f"结果代码表中每个结果、每个代码只能出现一次：{line[:60]!r}",
                    code="adapter.status_table",
                )
            if main:
                written[status] = (code, message)
            read[code] = status
    return written, read


_STATUSES = frozenset(s.value for s in ReturnStatus)
_LABELS = {
    ReturnStatus.SUCCESS: "成功",
    ReturnStatus.PENDING: "处理中",
    ReturnStatus.NAME_MISMATCH: "户名不符",
    ReturnStatus.ACCOUNT_NOT_FOUND: "账户不存在",
    ReturnStatus.FROZEN: "账户冻结",
    ReturnStatus.CLOSED: "账户已销户",
    ReturnStatus.LOST: "账户已挂失",
    ReturnStatus.STOPPED: "账户已止付",
    ReturnStatus.CARD_NOT_ACTIVATED: "卡未激活",
    ReturnStatus.ID_MISMATCH: "证件号不符",
    ReturnStatus.OVER_LIMIT: "超限",
    ReturnStatus.OTHER: "其他原因",
}


@dataclass(frozen=True, slots=True)
class PaymentFile:
    """A rendered payment instruction, ready to hand to the bank's transport.

    ``files`` maps file names to their bytes: the instruction file (``main``)
    and, for detached signatures, the signature file. ``digest`` is the hex
    digest (``digest_algorithm``) of the instruction file's bytes.
    """

    bank: str
    batch_id: str
    main: str
    files: Mapping[str, bytes]
    count: int
    total: Decimal
    digest: str
    digest_algorithm: str
    signature_algorithm: str
    key_fingerprint: str

    @property
    def content(self) -> bytes:
        """Bytes of the instruction file."""
        return self.files[self.main]


@dataclass(frozen=True, slots=True)
class ReturnRecord:
    """One line of a bank's return file (回盘).

    ``seq`` refers to the item of the batch; ``line`` is where the record stood in
    the return file (for error messages and audit).
    """

    seq: int
    account: str
    name: str
    amount: Decimal
    status: ReturnStatus
    raw_code: str
    raw_message: str
    bank_txn_id: str | None = None
    settled_at: _dt.datetime | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class BankReturn:
    """A parsed and verified return file: the header's figures and every record.

    ``count`` and ``total`` are what the bank's header or trailer says; a parser
    checks them against the records before it returns, and reconciliation
    checks them again against the batch.
    """

    bank: str
    batch_id: str
    count: int
    total: Decimal
    records: tuple[ReturnRecord, ...]
    files: tuple[str, ...] = ()
    signature_algorithm: str | None = None
    key_fingerprint: str | None = None
    received_at: _dt.datetime | None = None
    extra: Mapping[str, str] = field(default_factory=dict)


class InstructionRecord(NamedTuple):
    """One payment instruction as the bank reads it from a payment file.

    ``line`` is where the record stood in the file. A named tuple rather than a
    dataclass: a bank reads a million of them, and a tuple is built in a third
    of the time.
    """

    seq: int
    account: str
    name: str
    id_number: str
    amount: Decimal
    memo: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Instructions:
    """A payment file as the bank reads it: verified, and its figures checked.

    ``count`` and ``total`` are the file's own header/trailer figures, already
    checked against the records.
    """

    bank: str
    batch_id: str
    count: int
    total: Decimal
    records: tuple[InstructionRecord, ...]
    payer_account: str
    payer_name: str
    pay_date: _dt.date | None = None
    files: tuple[str, ...] = ()
    signature_algorithm: str | None = None
    key_fingerprint: str | None = None
