"""Payment files sent (代发文件) and bank returns received (回盘文件).

A payment file is recorded by its digest and the fingerprint of the key that
signed it, once its batch is approved; a return by its digest, the digest of
the payment file it answers and the fingerprint of the key it was verified
with. A return for a batch never sent is ``ledger.not_sent``; one that answers
no payment file of the batch is ``ledger.return_mismatch``; one verified with
another key than the bank key recorded with the payment file is
``ledger.return_key_mismatch``.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..errors import LedgerError
from ._audit import AuditTrail
from ._schema import bank_returns, batches, payment_files
from ._stored import batch_row

__all__ = [
    "BankReturnRecord",
    "PaymentFileRecord",
    "payment_files_of",
    "record_payment_file",
    "record_return",
    "returns_of",
]

_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class PaymentFileRecord:
    """A payment file as the ledger knows it."""

    batch_id: str
    digest: str
    signing_key_fingerprint: str
    bank_key_fingerprint: str | None


@dataclass(frozen=True, slots=True)
class BankReturnRecord:
    """A bank return as the ledger knows it."""

    batch_id: str
    digest: str
    payment_digest: str
    verifying_key_fingerprint: str


def _digest(value: str, what: str) -> str:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise LedgerError(f"{what}应为64位小写十六进制摘要", code="ledger.digest")
    return value


def _fingerprint(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 128:
        raise LedgerError(f"{what}不能为空，且不超过128个字符", code="ledger.fingerprint")
    return value


def _status(conn: sa.Connection, batch_id: str) -> str:
    status = conn.scalar(sa.select(batches.c.status).where(batches.c.batch_id == batch_id))
    if status is None:
        raise LedgerError(f"台账中没有批次 {batch_id}", code="ledger.batch_unknown")
    return str(status)


def record_payment_file(
    conn: sa.Connection,
    trail: AuditTrail,
    *,
    batch_id: str,
    digest: str,
    signing_key_fingerprint: str,
    bank_key_fingerprint: str | None,
    actor: str,
    now: _dt.datetime,
) -> PaymentFileRecord:
    """Record a payment file of an approved batch (again: idempotent)."""
    record = PaymentFileRecord(
        batch_id,
        _digest(digest, "代发文件摘要"),
        _fingerprint(signing_key_fingerprint, "签名密钥指纹"),
        None
        if bank_key_fingerprint is None
        else _fingerprint(bank_key_fingerprint, "银行密钥指纹"),
    )
    if _status(conn, batch_id) != "approved":
        raise LedgerError(
            f"批次 {batch_id} 尚未批准发放（或已撤销），不能登记代发文件",
            code="ledger.not_approved",
        )
    known = conn.execute(
        sa.select(payment_files).where(
            payment_files.c.batch_id == batch_id, payment_files.c.digest == record.digest
        )
    ).first()
    if known is not None:
        same = (
            known.signing_key_fingerprint == record.signing_key_fingerprint
            and known.bank_key_fingerprint == record.bank_key_fingerprint
        )
        if not same:
            raise LedgerError(
                f"批次 {batch_id} 的代发文件（摘要 {record.digest[:16]}…）已登记为其他密钥",
                code="ledger.payment_conflict",
            )
        return record
    conn.execute(
        payment_files.insert().values(
            batch_id=batch_id,
            digest=record.digest,
            signing_key_fingerprint=record.signing_key_fingerprint,
            bank_key_fingerprint=record.bank_key_fingerprint,
            recorded_by=actor,
            recorded_at=now,
        )
    )
    trail.append(
        conn,
        actor=actor,
        action="payment.send",
        object_kind="payment_file",
        object_id=batch_id,
        object_digest=record.digest,
    )
    return record


def record_return(
    conn: sa.Connection,
    trail: AuditTrail,
    *,
    batch_id: str,
    digest: str,
    payment_digest: str,
    verifying_key_fingerprint: str,
    actor: str,
    now: _dt.datetime,
) -> BankReturnRecord:
    """Record a bank return answering a payment file sent for the batch."""
    record = BankReturnRecord(
        batch_id,
        _digest(digest, "回盘文件摘要"),
        _digest(payment_digest, "所回复的代发文件摘要"),
        _fingerprint(verifying_key_fingerprint, "验签密钥指纹"),
    )
    _status(conn, batch_id)
    sent: dict[str, Any] = {
        row.digest: row
        for row in conn.execute(
            sa.select(payment_files).where(payment_files.c.batch_id == batch_id)
        )
    }
    if not sent:
        raise LedgerError(
            f"批次 {batch_id} 没有登记过代发文件，不能登记或对账其回盘", code="ledger.not_sent"
        )
    answered = sent.get(record.payment_digest)
    if answered is None:
        raise LedgerError(
            f"回盘所回复的代发文件（摘要 {record.payment_digest[:16]}…）不是批次 {batch_id} "
            "已发送的代发文件",
            code="ledger.return_mismatch",
        )
    expected = answered.bank_key_fingerprint
    if expected is not None and expected != record.verifying_key_fingerprint:
        raise LedgerError(
            f"回盘由另一密钥验签（指纹 {record.verifying_key_fingerprint[:16]}…），"
            f"发送时登记的银行密钥指纹为 {expected[:16]}…",
            code="ledger.return_key_mismatch",
        )
    known = conn.execute(
        sa.select(bank_returns).where(
            bank_returns.c.batch_id == batch_id, bank_returns.c.digest == record.digest
        )
    ).first()
    if known is not None:
        if (known.payment_digest, known.verifying_key_fingerprint) != (
            record.payment_digest,
            record.verifying_key_fingerprint,
        ):
            raise LedgerError(
                f"批次 {batch_id} 的回盘（摘要 {record.digest[:16]}…）已登记为其他内容",
                code="ledger.return_conflict",
            )
        return record
    conn.execute(
        bank_returns.insert().values(
            batch_id=batch_id,
            digest=record.digest,
            payment_digest=record.payment_digest,
            verifying_key_fingerprint=record.verifying_key_fingerprint,
            recorded_by=actor,
            recorded_at=now,
        )
    )
    trail.append(
        conn,
        actor=actor,
        action="return.receive",
        object_kind="bank_return",
        object_id=batch_id,
        object_digest=record.digest,
    )
    return record


def payment_files_of(conn: sa.Connection, batch_id: str) -> list[PaymentFileRecord]:
    """The payment files recorded for a batch, in the order recorded."""
    batch_row(conn, batch_id)
    rows = conn.execute(
        sa.select(payment_files)
        .where(payment_files.c.batch_id == batch_id)
        .order_by(payment_files.c.recorded_at, payment_files.c.digest)
    )
    return [
        PaymentFileRecord(r.batch_id, r.digest, r.signing_key_fingerprint, r.bank_key_fingerprint)
        for r in rows
    ]


def returns_of(conn: sa.Connection, batch_id: str) -> list[BankReturnRecord]:
    """The bank returns recorded for a batch, in the order recorded."""
    batch_row(conn, batch_id)
    rows = conn.execute(
        sa.select(bank_returns)
        .where(bank_returns.c.batch_id == batch_id)
        .order_by(bank_returns.c.recorded_at, bank_returns.c.digest)
    )
    return [
        BankReturnRecord(r.batch_id, r.digest, r.payment_digest, r.verifying_key_fingerprint)
        for r in rows
    ]
