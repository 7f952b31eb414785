"""Check reports (比对报告) and findings accepted by a person (人工核定).

A report is recorded against a recorded batch: the digest of the batch it
checked (``CheckReport.batch_digest``) must be the recorded batch's content
digest, else ``ledger.report_batch``. Its canonical JSON is kept, and reading
back gives a :class:`~ningxia_yikatong.checks.CheckReport` equal to it.

An override accepts one finding (a warning or a notice: a blocking finding
is fixed, not accepted, ``ledger.override_block``) of a recorded report with
a reason, and records who decided: ``(batch, seq, rule, reason, actor)``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..checks import CheckReport, Severity
from ..errors import LedgerError, YikatongError
from ._audit import AuditTrail, canonical_digest
from ._schema import check_reports, finding_overrides
from ._stored import batch_row, content_digest, content_text, utc

__all__ = [
    "FindingOverride",
    "RecordedCheckReport",
    "overrides_of",
    "record_override",
    "record_report",
    "reports_of",
]


@dataclass(frozen=True, slots=True)
class RecordedCheckReport:
    """A check report as the ledger knows it."""

    batch_id: str
    digest: str
    batch_digest: str
    may_proceed: bool
    report: CheckReport
    recorded_by: str
    recorded_at: _dt.datetime


@dataclass(frozen=True, slots=True)
class FindingOverride:
    """A finding accepted by a person (人工核定): which item and rule, why, who, when,
    and the digest of the recorded report the finding stands in."""

    batch_id: str
    seq: int
    rule: str
    reason: str
    actor: str
    at: _dt.datetime
    report_digest: str


def _report(row: Any) -> RecordedCheckReport:
    try:
        report = CheckReport.from_json(row["content"])
    except YikatongError as exc:
        raise LedgerError(
            f"台账中批次 {row['batch_id']} 的比对报告无法还原：{exc.message}",
            code="ledger.corrupt",
        ) from None
    return RecordedCheckReport(
        batch_id=row["batch_id"],
        digest=row["digest"],
        batch_digest=row["batch_digest"],
        may_proceed=bool(row["may_proceed"]),
        report=report,
        recorded_by=row["recorded_by"],
        recorded_at=utc(row["recorded_at"]),
    )


def record_report(
    conn: sa.Connection,
    trail: AuditTrail,
    report: CheckReport,
    *,
    batch_sha256: str,
    actor: str,
    now: _dt.datetime,
) -> RecordedCheckReport:
    """Record ``report`` of a recorded batch whose SHA-256 content digest is
    ``batch_sha256`` (again: idempotent)."""
    if not isinstance(report, CheckReport):
        raise LedgerError("只能登记比对报告（CheckReport）", code="ledger.report_type")
    batch_id = report.batch_id
    batch_row(conn, batch_id)
    if report.batch_digest is None:
        raise LedgerError(
            f"批次 {batch_id} 的比对报告未载明所比对批次的摘要，无法确认是同一批次",
            code="ledger.report_batch",
        )
    if report.batch_digest != batch_sha256:
        raise LedgerError(
            f"比对报告所比对的批次（摘要 {report.batch_digest[:16]}…）不是台账中登记的批次 "
            f"{batch_id}（摘要 {batch_sha256[:16]}…）",
            code="ledger.report_batch",
        )
    data = report.to_dict()
    digest = content_digest(data)
    known = conn.execute(
        sa.select(check_reports).where(
            check_reports.c.batch_id == batch_id, check_reports.c.digest == digest
        )
    ).first()
    if known is not None:
        return _report(known._mapping)
    values = {
        "batch_id": batch_id,
        "digest": digest,
        "batch_digest": report.batch_digest,
        "may_proceed": report.may_proceed,
        "content": content_text(data),
        "recorded_by": actor,
        "recorded_at": now,
    }
    conn.execute(check_reports.insert().values(**values))
    trail.append(
        conn,
        actor=actor,
        action="check.record",
        object_kind="check_report",
        object_id=batch_id,
        object_digest=digest,
    )
    return RecordedCheckReport(
        batch_id, digest, report.batch_digest, report.may_proceed, report, actor, now
    )


def reports_of(conn: sa.Connection, batch_id: str) -> list[RecordedCheckReport]:
    """The recorded reports of a batch, oldest first."""
    batch_row(conn, batch_id)
    rows = conn.execute(
        sa.select(check_reports)
        .where(check_reports.c.batch_id == batch_id)
        .order_by(check_reports.c.recorded_at, check_reports.c.digest)
    )
    return [_report(r._mapping) for r in rows]


def _override(row: Any) -> FindingOverride:
    return FindingOverride(
        batch_id=row["batch_id"],
        seq=row["seq"],
        rule=row["rule"],
        reason=row["reason"],
        actor=row["recorded_by"],
        at=utc(row["recorded_at"]),
        report_digest=row["report_digest"],
    )


def record_override(
    conn: sa.Connection,
    trail: AuditTrail,
    *,
    batch_id: str,
    seq: int,
    rule: str,
    reason: str,
    actor: str,
    now: _dt.datetime,
) -> FindingOverride:
    """Accept the finding ``rule`` of item ``seq`` in a recorded report of the
    batch (again with the same reason: idempotent)."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise LedgerError("人工核定须说明理由", code="ledger.reason_missing")
    reports = reports_of(conn, batch_id)
    found = next(
        (
            (r, f)
            for r in reversed(reports)
            for f in r.report.findings
            if f.seq == seq and f.rule == rule
        ),
        None,
    )
    if found is None:
        raise LedgerError(
            f"批次 {batch_id} 已登记的比对报告中没有第{seq}条的“{rule}”问题，无从核定",
            code="ledger.finding_unknown",
        )
    recorded, finding = found
    if finding.severity is Severity.BLOCK:
        raise LedgerError(
            f"批次 {batch_id} 第{seq}条的“{finding.title}”是阻断问题，"
            "须更正后重新比对，不能人工核定",
            code="ledger.override_block",
        )
    known = conn.execute(
        sa.select(finding_overrides).where(
            finding_overrides.c.batch_id == batch_id,
            finding_overrides.c.seq == seq,
            finding_overrides.c.rule == rule,
        )
    ).first()
    if known is not None:
        if known.reason != text:
            raise LedgerError(
                f"批次 {batch_id} 第{seq}条的“{rule}”已由{known.recorded_by}以其他理由核定",
                code="ledger.override_conflict",
            )
        return _override(known._mapping)
    values = {
        "batch_id": batch_id,
        "seq": seq,
        "rule": rule,
        "report_digest": recorded.digest,
        "reason": text,
        "recorded_by": actor,
        "recorded_at": now,
    }
    conn.execute(finding_overrides.insert().values(**values))
    trail.append(
        conn,
        actor=actor,
        action="check.override",
        object_kind="check_report",
        object_id=batch_id,
        object_digest=canonical_digest(
            {
                "batch_id": batch_id,
                "seq": seq,
                "rule": rule,
                "reason": text,
                "report_digest": recorded.digest,
            }
        ),
    )
    return _override(values)


def overrides_of(conn: sa.Connection, batch_id: str) -> list[FindingOverride]:
    """The findings of the batch accepted by a person, by item and rule."""
    batch_row(conn, batch_id)
    rows = conn.execute(
        sa.select(finding_overrides)
        .where(finding_overrides.c.batch_id == batch_id)
        .order_by(finding_overrides.c.seq, finding_overrides.c.rule)
    )
    return [_override(r._mapping) for r in rows]
