"""What the record kinds beyond batches share: content as canonical JSON text,
its SHA-256 digest, the batch row they hang on, times read back as UTC."""

from __future__ import annotations

import datetime as _dt
import hashlib
from typing import Any

import sqlalchemy as sa

from ..errors import LedgerError
from ._audit import canonical_json
from ._schema import batches

__all__ = ["batch_row", "content_digest", "content_text", "utc"]


def content_text(data: Any) -> str:
    """The canonical JSON of ``data`` (sorted keys, no spaces) as text."""
    return canonical_json(data).decode("utf-8")


def content_digest(data: Any) -> str:
    """SHA-256 hex of :func:`content_text`: what a record's digest is."""
    return hashlib.sha256(canonical_json(data)).hexdigest()


def batch_row(conn: sa.Connection, batch_id: str) -> Any:
    """The ``batches`` row (``ledger.batch_unknown`` if none)."""
    row = conn.execute(sa.select(batches).where(batches.c.batch_id == batch_id)).first()
    if row is None:
        raise LedgerError(f"台账中没有批次 {batch_id}", code="ledger.batch_unknown")
    return row._mapping


def utc(at: _dt.datetime) -> _dt.datetime:
    """A stored time as aware UTC (SQLite keeps no zone: the ledger writes UTC)."""
    return at.replace(tzinfo=_dt.UTC) if at.tzinfo is None else at
