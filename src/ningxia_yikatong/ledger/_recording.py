"""The ledger's records beyond batches and claims: catalog revisions, check
reports and overrides, reconciliations and the release of final failures,
reissue links, recipient notices. :class:`LedgerRecords` is a base of
:class:`~ningxia_yikatong.ledger.Ledger`; each method is one transaction with
its audit event, the logic in the module of its kind."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ..catalog import CatalogRevision, PolicyCatalog
from ..checks import CheckReport
from ..payout import PayoutBatch, batch_digest
from ..reconcile import RecipientNotice, ReconciliationReport
from . import _catalog, _checks, _notices, _payments, _reconciliations
from ._audit import AuditTrail
from ._catalog import RecordedRevision
from ._checks import FindingOverride, RecordedCheckReport
from ._notices import NoticeSet
from ._payments import BankReturnRecord, PaymentFileRecord
from ._reconciliations import RecordedReconciliation, ReissueRecord
from ._records import PiiCodec
from ._stored import batch_row

__all__ = ["LedgerRecords"]


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


class LedgerRecords:
    """Recording and reading back what a payout produces besides its batches."""

    _engine: sa.Engine
    _trail: AuditTrail

    if TYPE_CHECKING:  # what the Ledger class provides

        def _write(self) -> AbstractContextManager[sa.Connection]: ...

        def _need_cipher(self) -> PiiCodec: ...

        def batch(self, batch_id: str) -> PayoutBatch: ...

    def _read(self) -> AbstractContextManager[sa.Connection]:
        return self._engine.connect()

    # -- catalog revisions -----------------------------------------------------

    def record_catalog_revision(self, revision: CatalogRevision, *, actor: str) -> RecordedRevision:
        """Record a catalog revision (补贴政策目录修订) by its number, digest and
        canonical JSON; the same again is idempotent, other content under its
        number ``ledger.revision_conflict``, out of order ``ledger.revision_order``."""
        with self._write() as conn:
            return _catalog.record_revision(conn, self._trail, revision, actor=actor, now=_now())

    def catalog_revisions(self) -> list[RecordedRevision]:
        """The recorded catalog revisions, by number."""
        with self._read() as conn:
            return _catalog.revisions(conn)

    def catalog_revision(self, version: int) -> CatalogRevision:
        """A recorded revision, equal to the one recorded (``ledger.revision_unknown``)."""
        with self._read() as conn:
            return _catalog.revision(conn, version)

    def catalog(self) -> PolicyCatalog:
        """Every recorded revision as a :class:`~ningxia_yikatong.catalog.PolicyCatalog`."""
        with self._read() as conn:
            return _catalog.catalog(conn)

    # -- check reports and overrides ---------------------------------------------

    def record_check_report(self, report: CheckReport, *, actor: str) -> RecordedCheckReport:
        """Record a check report (比对报告) of a recorded batch; the batch it
        checked must be the recorded content (``ledger.report_batch``)."""
        with self._read() as conn:
            row = batch_row(conn, report.batch_id) if isinstance(report, CheckReport) else None
        sha256 = None
        if row is not None:
            sha256 = (
                row["digest"]
                if row["digest_algorithm"] == "sha256"
                else batch_digest(self.batch(report.batch_id))
            )
        with self._write() as conn:
            return _checks.record_report(
                conn, self._trail, report, batch_sha256=sha256 or "", actor=actor, now=_now()
            )

    def check_reports(self, batch_id: str) -> list[RecordedCheckReport]:
        """The recorded check reports of a batch, oldest first."""
        with self._read() as conn:
            return _checks.reports_of(conn, batch_id)

    def record_override(
        self, batch_id: str, seq: int, rule: str, reason: str, *, actor: str
    ) -> FindingOverride:
        """Accept a warning or notice of a recorded check report (人工核定) with a
        reason: ``ledger.finding_unknown``, ``ledger.override_block``,
        ``ledger.override_conflict``, ``ledger.reason_missing``."""
        with self._write() as conn:
            return _checks.record_override(
                conn,
                self._trail,
                batch_id=batch_id,
                seq=seq,
                rule=rule,
                reason=reason,
                actor=actor,
                now=_now(),
            )

    def overrides(self, batch_id: str) -> list[FindingOverride]:
        """The findings of a batch accepted by a person, by item and rule."""
        with self._read() as conn:
            return _checks.overrides_of(conn, batch_id)

    # -- payment files and returns (recorded by the Ledger class) ------------------

    def payment_files(self, batch_id: str) -> list[PaymentFileRecord]:
        """The payment files (代发文件) recorded for a batch, in the order recorded."""
        with self._read() as conn:
            return _payments.payment_files_of(conn, batch_id)

    def bank_returns(self, batch_id: str) -> list[BankReturnRecord]:
        """The bank returns (回盘文件) recorded for a batch, in the order recorded."""
        with self._read() as conn:
            return _payments.returns_of(conn, batch_id)

    # -- reconciliations ---------------------------------------------------------

    def record_reconciliation(
        self, report: ReconciliationReport, *, return_digests: Sequence[str], actor: str
    ) -> RecordedReconciliation:
        """Record a reconciliation (对账) of a sent batch against its recorded
        returns: ``ledger.not_sent``, ``ledger.return_unknown``,
        ``ledger.reconciliation_returns``, ``ledger.reconciliation_batch``."""
        with self._write() as conn:
            return _reconciliations.record_reconciliation(
                conn, self._trail, report, return_digests=return_digests, actor=actor, now=_now()
            )

    def reconciliations(self, batch_id: str) -> list[RecordedReconciliation]:
        """The recorded reconciliations of a batch, by number."""
        with self._read() as conn:
            return _reconciliations.reconciliations_of(conn, batch_id)

    def release_failed(self, batch_id: str, *, actor: str) -> int:
        """Release, in one call, the claims of the items the batch's last recorded
        reconciliation reports failed (最终失败), each with the bank's reason
        (``ledger.not_reconciled`` without one). Returns the number released."""
        with self._write() as conn:
            return _reconciliations.release_failed(
                conn, self._trail, batch_id, actor=actor, now=_now()
            )

    def reissue_of(self, batch_id: str) -> ReissueRecord:
        """A reissue's parent, origin and the reconciliation it comes from."""
        with self._read() as conn:
            return _reconciliations.reissue_of(conn, batch_id)

    def _reissue_source(
        self, parent_id: str, origin: Sequence[int]
    ) -> RecordedReconciliation | None:
        with self._read() as conn:
            return _reconciliations.check_reissue(conn, parent_id, origin)

    def _link_reissue(
        self,
        conn: sa.Connection,
        batch: PayoutBatch,
        origin: Sequence[int],
        source: RecordedReconciliation | None,
        actor: str,
    ) -> None:
        _reconciliations.link_reissue(
            conn,
            batch_id=str(batch.batch_id),
            parent_id=str(batch.parent_batch_id),
            origin=origin,
            source=source,
            actor=actor,
            now=_now(),
        )

    # -- recipient notices -------------------------------------------------------

    def record_notices(
        self, batch_id: str, notices: Sequence[RecipientNotice], *, actor: str
    ) -> NoticeSet:
        """Record the recipient notices (到账通知) sent for paid items of a
        reconciled batch; phones kept as ciphertexts."""
        cipher = self._need_cipher()
        with self._write() as conn:
            return _notices.record_notices(
                conn, self._trail, cipher, batch_id, notices, actor=actor, now=_now()
            )

    def notices(self, batch_id: str) -> list[NoticeSet]:
        """The notice sets recorded for a batch, oldest first."""
        cipher = self._need_cipher()
        with self._read() as conn:
            return _notices.notice_sets_of(conn, cipher, batch_id)
