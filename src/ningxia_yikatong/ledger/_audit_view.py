"""``ledger.audit``: the ledger's view of its audit trail."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from ..errors import LedgerError, Location
from ..signing import Signer
from ._audit import AuditBreak, AuditEvent, AuditTrail

__all__ = ["LedgerAudit"]


class LedgerAudit:
    """Verify the chain of events, list them, export the signed head."""

    __slots__ = ("_engine", "_trail")

    def __init__(self, engine: sa.Engine, trail: AuditTrail) -> None:
        self._engine = engine
        self._trail = trail

    def verify(self) -> AuditBreak | None:
        """The first broken event and what differs, or None when the chain holds."""
        with self._engine.connect() as conn:
            return self._trail.verify(conn)

    def verify_or_raise(self) -> int:
        """The number of events when the chain holds; ``ledger.audit_broken`` naming
        the first broken event otherwise."""
        with self._engine.connect() as conn:
            self._raise_if_broken(conn)
            return self._trail.count(conn)

    def _raise_if_broken(self, conn: sa.Connection) -> None:
        broken = self._trail.verify(conn)
        if broken is not None:
            raise LedgerError(
                f"审计链已断开：{broken}",
                code="ledger.audit_broken",
                location=Location(
                    file=self._trail.table.fullname, record=broken.seq, field=broken.field
                ),
            )

    def events(self, after_seq: int = 0) -> list[AuditEvent]:
        """The events after ``after_seq``, oldest first."""
        with self._engine.connect() as conn:
            return list(self._trail.events(conn, after_seq))

    def of(self, object_id: str) -> Iterator[AuditEvent]:
        """The events about one object (a batch id), oldest first."""
        return (e for e in self.events() if e.object_id == object_id)

    def export_head(self, signer: Signer) -> bytes:
        """The chain head signed (SM2 or another signer) for anchoring outside;
        a broken chain is refused (``ledger.audit_broken``)."""
        with self._engine.connect() as conn:
            self._raise_if_broken(conn)
            return self._trail.export_head(conn, signer, verify=False)
