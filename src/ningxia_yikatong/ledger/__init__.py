"""The payout ledger (发放台账): one record of every payout.

A library component an embedding system opens with a URL (``sqlite:///path``
or ``postgresql+psycopg://...``); it needs the ``ledger`` extra (SQLAlchemy,
alembic), and PostgreSQL the ``postgres`` extra (psycopg). The schema is
SQLAlchemy Core, the same on both backends, made and upgraded by the alembic
migrations shipped in this package.

What it guarantees: a batch id names one content (``ledger.batch_conflict``);
an approved item claims (policy, person or household, period range), and an
overlapping second claim is refused (``ledger.claim_overlap``), whatever the
period spelling. See ``docs/ledger.md``.
"""

from __future__ import annotations

from ._audit import AuditBreak, AuditEvent
from ._audit_view import LedgerAudit
from ._catalog import RecordedRevision
from ._checks import FindingOverride, RecordedCheckReport
from ._ledger import Ledger, LedgerStatus, Payment
from ._notices import NoticeSet
from ._payments import BankReturnRecord, PaymentFileRecord
from ._pii import DataKey, PiiCipher
from ._reconciliations import RecordedReconciliation, ReissueRecord
from ._records import (
    BatchStatus,
    GovernmentLevel,
    PayMode,
    PiiCodec,
    RecordedBatch,
    batch_digest,
    canonical_json,
)
from ._transaction import LedgerWrite

__all__ = [
    "AuditBreak",
    "AuditEvent",
    "BankReturnRecord",
    "BatchStatus",
    "DataKey",
    "FindingOverride",
    "GovernmentLevel",
    "Ledger",
    "LedgerAudit",
    "LedgerStatus",
    "LedgerWrite",
    "NoticeSet",
    "PayMode",
    "Payment",
    "PaymentFileRecord",
    "PiiCipher",
    "PiiCodec",
    "RecordedBatch",
    "RecordedCheckReport",
    "RecordedReconciliation",
    "RecordedRevision",
    "ReissueRecord",
    "batch_digest",
    "canonical_json",
]
