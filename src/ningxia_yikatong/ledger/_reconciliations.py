"""Reconciliations (对账) in the ledger, the release of final failures, and the
link of a reissue (补发) to the reconciliation it comes from.

A reconciliation is recorded against recorded bank returns of a batch that was
sent: a batch without a recorded payment file is ``ledger.not_sent``; a return
digest not recorded for the batch is ``ledger.return_unknown``; a result whose
batch figures are not the recorded batch's is ``ledger.reconciliation_batch``.
Each batch numbers its reconciliations 1, 2, … (a later one, with more returns,
supersedes the earlier); the same result again is idempotent. Reading back gives
the :class:`~ningxia_yikatong.reconcile.ReconciliationReport`, equal.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ..errors import LedgerError, YikatongError
from ..reconcile import Outcome, ReconciliationReport
from ._audit import AuditTrail, canonical_digest
from ._payments import _digest
from ._schema import bank_returns, claims, payment_files, reconciliations, reissues
from ._stored import batch_row, content_digest, content_text, utc

__all__ = [
    "RecordedReconciliation",
    "ReissueRecord",
    "check_reissue",
    "latest",
    "link_reissue",
    "reconciliations_of",
    "record_reconciliation",
    "reissue_of",
    "release_failed",
]

_FEN = Decimal(100)


@dataclass(frozen=True, slots=True)
class RecordedReconciliation:
    """A reconciliation as the ledger knows it: its number in the batch, its
    digest, the digests of the returns it used, and the result."""

    batch_id: str
    number: int
    digest: str
    return_digests: tuple[str, ...]
    report: ReconciliationReport
    recorded_by: str
    recorded_at: _dt.datetime


@dataclass(frozen=True, slots=True)
class ReissueRecord:
    """A reissue batch, its parent, the parent's seq of each item, and the
    reconciliation (number and digest) its failures come from, when recorded."""

    batch_id: str
    parent_batch_id: str
    origin: tuple[int, ...]
    reconciliation_number: int | None
    reconciliation_digest: str | None


def _recorded(row: Any) -> RecordedReconciliation:
    try:
        report = ReconciliationReport.from_json(row["content"])
    except YikatongError as exc:
        raise LedgerError(
            f"台账中批次 {row['batch_id']} 的第{row['number']}次对账无法还原：{exc.message}",
            code="ledger.corrupt",
        ) from None
    return RecordedReconciliation(
        batch_id=row["batch_id"],
        number=row["number"],
        digest=row["digest"],
        return_digests=tuple(json.loads(row["return_digests"])),
        report=report,
        recorded_by=row["recorded_by"],
        recorded_at=utc(row["recorded_at"]),
    )


def _same_batch(report: ReconciliationReport, row: Any) -> None:
    t = report.totals.batch
    expected = (row["policy_code"], row["period"], row["item_count"], int(row["total_fen"]))
    found = (report.policy_code, report.period, t.count, int(t.amount * _FEN))
    if found != expected or row["round"] != report.round:
        raise LedgerError(
            f"对账结果（政策 {found[0]}，期间 {found[1]}，{found[2]}笔，合计 {t.amount} 元）"
            f"与台账中的批次 {row['batch_id']}（政策 {expected[0]}，期间 {expected[1]}，"
            f"{expected[2]}笔，合计 {Decimal(expected[3]) / _FEN} 元）不符",
            code="ledger.reconciliation_batch",
        )


def record_reconciliation(
    conn: sa.Connection,
    trail: AuditTrail,
    report: ReconciliationReport,
    *,
    return_digests: Sequence[str],
    actor: str,
    now: _dt.datetime,
) -> RecordedReconciliation:
    """Record the reconciliation ``report`` of a sent batch against its recorded
    returns ``return_digests`` (one per return the result lists, in its order)."""
    if not isinstance(report, ReconciliationReport):
        raise LedgerError(
            "只能登记对账结果（ReconciliationReport）", code="ledger.reconciliation_type"
        )
    batch_id = report.batch_id
    row = batch_row(conn, batch_id)
    digests = tuple(_digest(d, "回盘文件摘要") for d in return_digests)
    sent = conn.scalar(
        sa.select(sa.func.count())
        .select_from(payment_files)
        .where(payment_files.c.batch_id == batch_id)
    )
    if not sent:
        raise LedgerError(
            f"批次 {batch_id} 没有登记过代发文件（未发送），不能登记其对账",
            code="ledger.not_sent",
        )
    if len(digests) != len(report.returns) or not digests:
        raise LedgerError(
            f"对账结果用了{len(report.returns)}个回盘，给出的回盘摘要有{len(digests)}个",
            code="ledger.reconciliation_returns",
        )
    received = set(
        conn.scalars(sa.select(bank_returns.c.digest).where(bank_returns.c.batch_id == batch_id))
    )
    unknown = [d for d in digests if d not in received]
    if unknown:
        raise LedgerError(
            f"回盘（摘要 {unknown[0][:16]}…）未在台账中登记为批次 {batch_id} 的回盘，"
            "请先登记回盘再登记对账",
            code="ledger.return_unknown",
        )
    _same_batch(report, row)
    data = report.to_dict()
    digest = content_digest({"result": data, "returns": list(digests)})
    known = conn.execute(
        sa.select(reconciliations).where(
            reconciliations.c.batch_id == batch_id, reconciliations.c.digest == digest
        )
    ).first()
    if known is not None:
        return _recorded(known._mapping)
    number = 1 + int(
        conn.scalar(
            sa.select(sa.func.count())
            .select_from(reconciliations)
            .where(reconciliations.c.batch_id == batch_id)
        )
        or 0
    )
    t = report.totals
    values = {
        "batch_id": batch_id,
        "number": number,
        "digest": digest,
        "return_digests": json.dumps(list(digests)),
        "paid_count": t.paid.count,
        "paid_fen": int(t.paid.amount * _FEN),
        "failed_count": t.failed.count,
        "failed_fen": int(t.failed.amount * _FEN),
        "pending_count": t.pending.count,
        "missing_count": t.missing.count,
        "content": content_text(data),
        "recorded_by": actor,
        "recorded_at": now,
    }
    conn.execute(reconciliations.insert().values(**values))
    trail.append(
        conn,
        actor=actor,
        action="reconciliation.record",
        object_kind="reconciliation",
        object_id=f"{batch_id}#{number}",
        object_digest=digest,
    )
    return RecordedReconciliation(batch_id, number, digest, digests, report, actor, now)


def reconciliations_of(conn: sa.Connection, batch_id: str) -> list[RecordedReconciliation]:
    """The recorded reconciliations of a batch, by number."""
    batch_row(conn, batch_id)
    rows = conn.execute(
        sa.select(reconciliations)
        .where(reconciliations.c.batch_id == batch_id)
        .order_by(reconciliations.c.number)
    )
    return [_recorded(r._mapping) for r in rows]


def latest(conn: sa.Connection, batch_id: str) -> RecordedReconciliation | None:
    """The batch's last recorded reconciliation, if any."""
    row = conn.execute(
        sa.select(reconciliations)
        .where(reconciliations.c.batch_id == batch_id)
        .order_by(reconciliations.c.number.desc())
        .limit(1)
    ).first()
    return None if row is None else _recorded(row._mapping)


def _latest_or_fail(conn: sa.Connection, batch_id: str) -> RecordedReconciliation:
    batch_row(conn, batch_id)
    found = latest(conn, batch_id)
    if found is None:
        raise LedgerError(f"批次 {batch_id} 尚未登记对账", code="ledger.not_reconciled")
    return found


def release_failed(
    conn: sa.Connection, trail: AuditTrail, batch_id: str, *, actor: str, now: _dt.datetime
) -> int:
    """Release the active claims of the items the batch's last recorded
    reconciliation reports failed (final failures), each with the bank's
    reason; items whose claim moved to a reissue hold none and are skipped.
    Returns the number released."""
    rec = _latest_or_fail(conn, batch_id)
    failed = [i for i in rec.report.items if i.outcome is Outcome.FAILED]
    active = set(
        conn.scalars(
            sa.select(claims.c.seq).where(
                claims.c.batch_id == batch_id,
                claims.c.active.is_(True),
                claims.c.seq.in_([i.seq for i in failed]),
            )
        )
    )
    released = []
    for item in failed:
        if item.seq not in active:
            continue
        reason = f"对账确认发放失败（第{rec.number}次对账）：{item.reason or '发放失败'}"
        conn.execute(
            claims.update()
            .where(
                claims.c.batch_id == batch_id,
                claims.c.seq == item.seq,
                claims.c.active.is_(True),
            )
            .values(active=False, released_at=now, release_reason=reason)
        )
        released.append(item.seq)
    if released:
        trail.append(
            conn,
            actor=actor,
            action="claims.release",
            object_kind="batch",
            object_id=batch_id,
            object_digest=canonical_digest(
                {"batch_id": batch_id, "seqs": released, "reconciliation": rec.digest}
            ),
        )
    return len(released)


def check_reissue(
    conn: sa.Connection, parent_id: str, origin: Sequence[int]
) -> RecordedReconciliation | None:
    """The parent's last recorded reconciliation, once every ``origin`` item is
    failed in it (``ledger.reissue_not_failed`` otherwise); None when the parent
    has no recorded reconciliation."""
    rec = latest(conn, parent_id)
    if rec is None:
        return None
    wrong = [
        s
        for s in origin
        if not 1 <= s <= len(rec.report.items) or rec.report.item(s).outcome is not Outcome.FAILED
    ]
    if wrong:
        shown = "、".join(map(str, wrong[:10])) + ("……" if len(wrong) > 10 else "")
        raise LedgerError(
            f"原批次 {parent_id} 第 {shown} 条在第{rec.number}次对账中不是发放失败，不能补发",
            code="ledger.reissue_not_failed",
        )
    return rec


def link_reissue(
    conn: sa.Connection,
    *,
    batch_id: str,
    parent_id: str,
    origin: Sequence[int],
    source: RecordedReconciliation | None,
    actor: str,
    now: _dt.datetime,
) -> None:
    """Record the reissue's origin and the reconciliation it comes from (once)."""
    if conn.scalar(sa.select(reissues.c.batch_id).where(reissues.c.batch_id == batch_id)):
        return
    conn.execute(
        reissues.insert().values(
            batch_id=batch_id,
            parent_batch_id=parent_id,
            origin=json.dumps(list(origin)),
            reconciliation_number=None if source is None else source.number,
            reconciliation_digest=None if source is None else source.digest,
            recorded_by=actor,
            recorded_at=now,
        )
    )


def reissue_of(conn: sa.Connection, batch_id: str) -> ReissueRecord:
    """The reissue record of a batch (``ledger.not_reissue`` if it is none)."""
    row = conn.execute(sa.select(reissues).where(reissues.c.batch_id == batch_id)).first()
    if row is None:
        batch_row(conn, batch_id)
        raise LedgerError(f"批次 {batch_id} 没有登记为补发批次", code="ledger.not_reissue")
    return ReissueRecord(
        batch_id=row.batch_id,
        parent_batch_id=row.parent_batch_id,
        origin=tuple(json.loads(row.origin)),
        reconciliation_number=row.reconciliation_number,
        reconciliation_digest=row.reconciliation_digest,
    )
