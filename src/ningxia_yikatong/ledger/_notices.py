"""Recipient notices sent (到账通知) in the ledger.

A set of notices is recorded for a batch once it has a recorded
reconciliation, and only for items that reconciliation reports paid
(``ledger.not_reconciled``, ``ledger.notice_not_paid``). The phone number is
kept as a ciphertext through the PII codec, as the items keep it; the text
names the card by its last four digits only. The set's digest covers the
keyed digest of each phone, never the number. Reading back gives the
:class:`~ningxia_yikatong.reconcile.RecipientNotice` objects, equal.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..errors import LedgerError, YikatongError
from ..identity import Phone
from ..reconcile import Outcome, RecipientNotice
from ._audit import AuditTrail
from ._reconciliations import latest
from ._records import PiiCodec
from ._schema import notice_sets, notices
from ._stored import batch_row, content_digest, utc

__all__ = ["NoticeSet", "notice_sets_of", "record_notices"]


@dataclass(frozen=True, slots=True)
class NoticeSet:
    """Notices sent for a batch at one time, and the reconciliation they rest on."""

    batch_id: str
    digest: str
    reconciliation_digest: str
    notices: tuple[RecipientNotice, ...]
    recorded_by: str
    recorded_at: _dt.datetime


def _digest_of(batch_id: str, sent: Sequence[RecipientNotice], cipher: PiiCodec) -> str:
    return content_digest(
        {
            "batch_id": batch_id,
            "notices": [
                {
                    "seq": n.seq,
                    "phone": None if n.phone is None else cipher.digest("phone", str(n.phone)),
                    "text": n.text,
                }
                for n in sent
            ],
        }
    )


def record_notices(
    conn: sa.Connection,
    trail: AuditTrail,
    cipher: PiiCodec,
    batch_id: str,
    sent: Sequence[RecipientNotice],
    *,
    actor: str,
    now: _dt.datetime,
) -> NoticeSet:
    """Record the notices ``sent`` for the batch (the same set again: idempotent)."""
    items = tuple(sent)
    if not items or not all(isinstance(n, RecipientNotice) for n in items):
        raise LedgerError("须登记至少一条到账通知（RecipientNotice）", code="ledger.notice_type")
    batch_row(conn, batch_id)
    rec = latest(conn, batch_id)
    if rec is None:
        raise LedgerError(
            f"批次 {batch_id} 尚未登记对账，不能登记到账通知", code="ledger.not_reconciled"
        )
    seqs = [n.seq for n in items]
    if len(set(seqs)) != len(seqs):
        raise LedgerError(
            f"批次 {batch_id} 的到账通知中同一序号出现多次", code="ledger.notice_duplicate"
        )
    paid = set(rec.report.seqs(Outcome.PAID))
    unpaid = [s for s in seqs if s not in paid]
    if unpaid:
        shown = "、".join(map(str, unpaid[:10])) + ("……" if len(unpaid) > 10 else "")
        raise LedgerError(
            f"批次 {batch_id} 第 {shown} 条在第{rec.number}次对账中不是已发放，不能登记到账通知",
            code="ledger.notice_not_paid",
        )
    digest = _digest_of(batch_id, items, cipher)
    known = conn.execute(
        sa.select(notice_sets).where(
            notice_sets.c.batch_id == batch_id, notice_sets.c.digest == digest
        )
    ).first()
    if known is not None:
        return _set(conn, cipher, known._mapping)
    conn.execute(
        notice_sets.insert().values(
            batch_id=batch_id,
            digest=digest,
            reconciliation_digest=rec.digest,
            notice_count=len(items),
            recorded_by=actor,
            recorded_at=now,
        )
    )
    conn.execute(
        notices.insert(),
        [
            {
                "batch_id": batch_id,
                "digest": digest,
                "seq": n.seq,
                "phone_cipher": None if n.phone is None else cipher.encrypt("phone", str(n.phone)),
                "text": n.text,
            }
            for n in items
        ],
    )
    trail.append(
        conn,
        actor=actor,
        action="notices.send",
        object_kind="notice_set",
        object_id=batch_id,
        object_digest=digest,
    )
    return NoticeSet(batch_id, digest, rec.digest, items, actor, now)


def _set(conn: sa.Connection, cipher: PiiCodec, row: Any) -> NoticeSet:
    rows = conn.execute(
        sa.select(notices)
        .where(notices.c.batch_id == row["batch_id"], notices.c.digest == row["digest"])
        .order_by(notices.c.seq)
    )
    try:
        read = tuple(
            RecipientNotice(
                r.seq,
                None if r.phone_cipher is None else Phone(cipher.decrypt("phone", r.phone_cipher)),
                r.text,
            )
            for r in rows
        )
    except YikatongError as exc:
        if isinstance(exc, LedgerError):
            raise
        raise LedgerError(
            f"台账中批次 {row['batch_id']} 的到账通知无法还原：{exc.message}",
            code="ledger.corrupt",
        ) from None
    return NoticeSet(
        batch_id=row["batch_id"],
        digest=row["digest"],
        reconciliation_digest=row["reconciliation_digest"],
        notices=read,
        recorded_by=row["recorded_by"],
        recorded_at=utc(row["recorded_at"]),
    )


def notice_sets_of(conn: sa.Connection, cipher: PiiCodec, batch_id: str) -> list[NoticeSet]:
    """The notice sets recorded for a batch, oldest first."""
    batch_row(conn, batch_id)
    rows = conn.execute(
        sa.select(notice_sets)
        .where(notice_sets.c.batch_id == batch_id)
        .order_by(notice_sets.c.recorded_at, notice_sets.c.digest)
    )
    return [_set(conn, cipher, r._mapping) for r in rows]
