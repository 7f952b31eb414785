"""Catalog revisions (补贴政策目录修订) in the ledger.

A revision is recorded by its number with its canonical JSON and the SHA-256
of it; reading it back gives a :class:`~ningxia_yikatong.catalog.CatalogRevision`
equal to the one recorded. The same revision again is idempotent; other
content under a recorded number is ``ledger.revision_conflict``; a revision
that would put the recorded ones out of order (numbers and effective dates
both increase) is ``ledger.revision_order``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..catalog import CatalogRevision, PolicyCatalog
from ..errors import LedgerError, YikatongError
from ._audit import AuditTrail
from ._schema import catalog_revisions
from ._stored import content_digest, content_text, utc

__all__ = ["RecordedRevision", "catalog", "record_revision", "revision", "revisions"]


@dataclass(frozen=True, slots=True)
class RecordedRevision:
    """A catalog revision as the ledger knows it (without its policies)."""

    version: int
    effective_from: _dt.date
    published_on: _dt.date
    digest: str
    recorded_by: str
    recorded_at: _dt.datetime


def _data(rev: CatalogRevision) -> dict[str, Any]:
    return rev.model_dump(mode="json")


def _recorded(row: Any) -> RecordedRevision:
    return RecordedRevision(
        version=row["version"],
        effective_from=row["effective_from"],
        published_on=row["published_on"],
        digest=row["digest"],
        recorded_by=row["recorded_by"],
        recorded_at=utc(row["recorded_at"]),
    )


def _model(row: Any) -> CatalogRevision:
    try:
        return CatalogRevision.model_validate_json(row["content"])
    except YikatongError as exc:
        raise LedgerError(
            f"台账中的第{row['version']}版政策清单无法还原：{exc.message}", code="ledger.corrupt"
        ) from None


def record_revision(
    conn: sa.Connection,
    trail: AuditTrail,
    rev: CatalogRevision,
    *,
    actor: str,
    now: _dt.datetime,
) -> RecordedRevision:
    """Record ``rev`` (again: idempotent)."""
    if not isinstance(rev, CatalogRevision):
        raise LedgerError("只能登记政策清单版本（CatalogRevision）", code="ledger.revision_type")
    data = _data(rev)
    digest = content_digest(data)
    known = conn.execute(
        sa.select(catalog_revisions).where(catalog_revisions.c.version == rev.version)
    ).first()
    if known is not None:
        if known.digest != digest:
            raise LedgerError(
                f"第{rev.version}版政策清单已登记为其他内容（摘要 {known.digest[:16]}…），"
                "修订后的清单须使用新的版本号",
                code="ledger.revision_conflict",
            )
        return _recorded(known._mapping)
    others = [_model(r._mapping) for r in conn.execute(sa.select(catalog_revisions))]
    try:
        PolicyCatalog(revisions=tuple(sorted([*others, rev], key=lambda r: r.version)))
    except YikatongError as exc:
        raise LedgerError(
            f"第{rev.version}版政策清单与已登记的版本次序不符：{exc.message}",
            code="ledger.revision_order",
        ) from None
    values = {
        "version": rev.version,
        "effective_from": rev.effective_from,
        "published_on": rev.published_on,
        "digest": digest,
        "content": content_text(data),
        "recorded_by": actor,
        "recorded_at": now,
    }
    conn.execute(catalog_revisions.insert().values(**values))
    trail.append(
        conn,
        actor=actor,
        action="catalog.record",
        object_kind="catalog_revision",
        object_id=str(rev.version),
        object_digest=digest,
    )
    return _recorded(values)


def revisions(conn: sa.Connection) -> list[RecordedRevision]:
    """The recorded revisions, by number."""
    rows = conn.execute(sa.select(catalog_revisions).order_by(catalog_revisions.c.version))
    return [_recorded(r._mapping) for r in rows]


def revision(conn: sa.Connection, version: int) -> CatalogRevision:
    """The recorded revision ``version`` (``ledger.revision_unknown`` if none)."""
    row = conn.execute(
        sa.select(catalog_revisions).where(catalog_revisions.c.version == version)
    ).first()
    if row is None:
        raise LedgerError(f"台账中没有第{version}版政策清单", code="ledger.revision_unknown")
    return _model(row._mapping)


def catalog(conn: sa.Connection, title: str | None = None) -> PolicyCatalog:
    """Every recorded revision as a :class:`PolicyCatalog`."""
    rows = conn.execute(sa.select(catalog_revisions).order_by(catalog_revisions.c.version))
    revs = tuple(_model(r._mapping) for r in rows)
    return (
        PolicyCatalog(revisions=revs)
        if title is None
        else PolicyCatalog(title=title, revisions=revs)
    )
