"""One write transaction of the ledger for the layers above it.

The lifecycle (``ningxia_yikatong.workflow``) stores its steps in the ledger
and must make them atomic with what the ledger does at the same time: the
claims when a batch is approved, their release when it is cancelled, the
payment file when it is sent, the return, the reconciliation, and each
step's audit event. :meth:`Ledger.transaction` runs a function with a
:class:`LedgerWrite` inside one transaction, and runs it again on a
PostgreSQL deadlock or a claim that another writer committed meanwhile.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import sqlalchemy as sa

from ..checks import CheckReport
from ..errors import LedgerError
from ..reconcile import ReconciliationReport
from . import _checks, _payments, _reconciliations
from ._audit import AuditEvent
from ._checks import RecordedCheckReport
from ._claims import is_exclusion_violation
from ._payments import BankReturnRecord, PaymentFileRecord
from ._reconciliations import RecordedReconciliation
from ._records import RecordedBatch

if TYPE_CHECKING:
    from ._ledger import Ledger

__all__ = ["LedgerWrite", "Transient", "run_transaction"]

T = TypeVar("T")
_RETRIES = 5


@dataclass(frozen=True, slots=True)
class LedgerWrite:
    """The ledger's operations inside one write transaction (``conn``)."""

    conn: sa.Connection
    ledger: Ledger
    now: _dt.datetime

    def record(self, batch_id: str) -> RecordedBatch:
        """The batch's ledger record (``ledger.batch_unknown`` if none)."""
        return self.ledger._recorded_in(self.conn, batch_id)

    def event(
        self, *, actor: str, action: str, object_kind: str, object_id: str, object_digest: str
    ) -> AuditEvent:
        """Append an audit event in this transaction."""
        return self.ledger._trail.append(
            self.conn,
            actor=actor,
            action=action,
            object_kind=object_kind,
            object_id=object_id,
            object_digest=object_digest,
            at=self.now,
        )

    def approve(self, batch_id: str, *, actor: str) -> int:
        """Claim every item of the batch (see :meth:`Ledger.approve`)."""
        return self.ledger._approve(self.conn, batch_id, actor)

    def cancel(self, batch_id: str, reason: str, *, actor: str) -> int:
        """Cancel the batch and release its claims (see :meth:`Ledger.cancel`)."""
        return self.ledger._cancel(self.conn, batch_id, reason, actor)

    def record_check_report(
        self, report: CheckReport, *, batch_sha256: str, actor: str
    ) -> RecordedCheckReport:
        """Record a check report of the batch whose SHA-256 content digest is
        ``batch_sha256`` (see :meth:`Ledger.record_check_report`)."""
        return _checks.record_report(
            self.conn,
            self.ledger._trail,
            report,
            batch_sha256=batch_sha256,
            actor=actor,
            now=self.now,
        )

    def record_payment_file(
        self,
        batch_id: str,
        *,
        digest: str,
        signing_key_fingerprint: str,
        bank_key_fingerprint: str | None,
        actor: str,
    ) -> PaymentFileRecord:
        """Record the payment file sent (see :meth:`Ledger.record_payment_file`)."""
        return _payments.record_payment_file(
            self.conn,
            self.ledger._trail,
            batch_id=batch_id,
            digest=digest,
            signing_key_fingerprint=signing_key_fingerprint,
            bank_key_fingerprint=bank_key_fingerprint,
            actor=actor,
            now=self.now,
        )

    def record_bank_return(
        self,
        batch_id: str,
        *,
        digest: str,
        payment_digest: str,
        verifying_key_fingerprint: str,
        actor: str,
    ) -> BankReturnRecord:
        """Record a bank return (see :meth:`Ledger.record_bank_return`)."""
        return _payments.record_return(
            self.conn,
            self.ledger._trail,
            batch_id=batch_id,
            digest=digest,
            payment_digest=payment_digest,
            verifying_key_fingerprint=verifying_key_fingerprint,
            actor=actor,
            now=self.now,
        )

    def record_reconciliation(
        self, report: ReconciliationReport, *, return_digests: Sequence[str], actor: str
    ) -> RecordedReconciliation:
        """Record a reconciliation (see :meth:`Ledger.record_reconciliation`)."""
        return _reconciliations.record_reconciliation(
            self.conn,
            self.ledger._trail,
            report,
            return_digests=return_digests,
            actor=actor,
            now=self.now,
        )


class Transient(Exception):
    """A write transaction to run again (PostgreSQL deadlock or serialisation)."""


def run_transaction(ledger: Ledger, work: Callable[[LedgerWrite], T]) -> T:
    """Run ``work`` in one write transaction; again on a transient failure."""
    for _attempt in range(_RETRIES):
        try:
            with ledger._write() as conn:
                return work(LedgerWrite(conn, ledger, _dt.datetime.now(_dt.UTC)))
        except Transient:
            continue
        except sa.exc.IntegrityError as exc:
            if not is_exclusion_violation(exc):
                raise
            continue
    raise LedgerError("台账写入因并发冲突多次失败，请重试", code="ledger.claim_retry")
