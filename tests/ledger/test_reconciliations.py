"""Reconciliations in the ledger: recorded against a sent batch and its recorded
returns, read back equal; final failures released in one call; reissues linked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ningxia_yikatong.errors import LedgerError
from ningxia_yikatong.ledger import DataKey, Ledger, PiiCipher
from ningxia_yikatong.reconcile import AccountCorrection, Outcome, ReconciliationReport, reissue
from ningxia_yikatong.testing import SyntheticData


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    with Ledger.init(ledger_url, cipher=PiiCipher(DataKey.generate())) as opened:
        yield opened


def _code(call: Any) -> str:
    with pytest.raises(LedgerError) as err:
        call()
    return err.value.code


def test_recorded_reconciliation_reads_back_equal(ledger: Ledger, paid_run: Any) -> None:
    paid_run.record_sent(ledger)
    report = ReconciliationReport.of(paid_run.reconciliation)
    recorded = ledger.record_reconciliation(
        report, return_digests=[paid_run.return_digest], actor="对账员"
    )
    again = ledger.record_reconciliation(
        report, return_digests=[paid_run.return_digest], actor="对账员"
    )
    assert again == recorded  # idempotent
    assert recorded.number == 1
    (back,) = ledger.reconciliations("B-REC")
    assert back.report == report
    assert back.return_digests == (paid_run.return_digest,)
    assert back.report.totals.failed.count == 6
    events = [e for e in ledger.audit.events() if e.action == "reconciliation.record"]
    assert [(e.object_id, e.object_digest) for e in events] == [("B-REC#1", recorded.digest)]


def test_reconciliation_of_a_batch_never_sent(ledger: Ledger, paid_run: Any) -> None:
    from ningxia_yikatong.ledger import GovernmentLevel, PayMode

    report = ReconciliationReport.of(paid_run.reconciliation)
    digests = [paid_run.return_digest]
    assert _code(
        lambda: ledger.record_reconciliation(report, return_digests=digests, actor="x")
    ) == ("ledger.batch_unknown")
    ledger.record_batch(
        paid_run.batch,
        department="自治区民政厅",
        pay_mode=PayMode.FISCAL_DIRECT,
        level=GovernmentLevel.REGION,
        actor="录入员",
    )
    assert _code(
        lambda: ledger.record_reconciliation(report, return_digests=digests, actor="x")
    ) == ("ledger.not_sent")


def test_reconciliation_refusals(ledger: Ledger, paid_run: Any) -> None:
    paid_run.record_sent(ledger, returned=False)
    report = ReconciliationReport.of(paid_run.reconciliation)

    def rec(digests: list[str], r: ReconciliationReport = report) -> object:
        return ledger.record_reconciliation(r, return_digests=digests, actor="x")

    assert _code(lambda: rec([paid_run.return_digest])) == "ledger.return_unknown"
    assert _code(lambda: rec([])) == "ledger.reconciliation_returns"
    assert _code(lambda: rec(["NOT-HEX"])) == "ledger.digest"
    data = report.to_dict() | {"period": "2026-04"}
    changed = ReconciliationReport.from_dict(data)
    ledger.record_bank_return(
        "B-REC",
        digest=paid_run.return_digest,
        payment_digest=paid_run.payment_digest,
        verifying_key_fingerprint=paid_run.bank_fingerprint,
        actor="出纳",
    )
    assert _code(lambda: rec([paid_run.return_digest], changed)) == ("ledger.reconciliation_batch")
    assert _code(lambda: ledger.record_reconciliation("x", return_digests=[], actor="x")) == (  # type: ignore[arg-type]
        "ledger.reconciliation_type"
    )


def test_release_failed_releases_exactly_the_failures(ledger: Ledger, paid_run: Any) -> None:
    paid_run.record_sent(ledger)
    assert _code(lambda: ledger.release_failed("B-REC", actor="x")) == "ledger.not_reconciled"
    report = ReconciliationReport.of(paid_run.reconciliation)
    ledger.record_reconciliation(report, return_digests=[paid_run.return_digest], actor="x")
    failed = set(report.seqs(Outcome.FAILED))
    assert ledger.release_failed("B-REC", actor="对账员") == len(failed) == 6
    claims = ledger.claims_of("B-REC")
    assert {s for s, active in claims.items() if not active} == failed
    assert ledger.release_failed("B-REC", actor="对账员") == 0  # nothing left to release
    release = [e for e in ledger.audit.events() if e.action == "claims.release"]
    assert len(release) == 1
    assert ledger.audit.verify() is None


def test_reissue_is_linked_to_its_reconciliation(ledger: Ledger, paid_run: Any) -> None:
    paid_run.record_sent(ledger)
    rec = paid_run.reconciliation
    recorded = ledger.record_reconciliation(
        ReconciliationReport.of(rec), return_digests=[paid_run.return_digest], actor="x"
    )
    data = SyntheticData(seed=77, banks=["psbc"])
    corrections = [
        AccountCorrection(
            r.seq,
            r.item.beneficiary.account.model_copy(update={"number": data.account("psbc")}),
            note="新账户",
        )
        for r in rec.failed
    ]
    again = reissue(rec, corrections, batch_id="B-REC-R2")
    moved = ledger.record_reissue(again.batch, again.origin, actor="x")
    assert moved == len(again.origin)
    link = ledger.reissue_of("B-REC-R2")
    assert link.parent_batch_id == "B-REC"
    assert link.origin == tuple(again.origin)
    assert (link.reconciliation_number, link.reconciliation_digest) == (1, recorded.digest)
    assert _code(lambda: ledger.reissue_of("B-REC")) == "ledger.not_reissue"


def test_reissue_of_an_item_that_did_not_fail(ledger: Ledger, paid_run: Any) -> None:
    paid_run.record_sent(ledger)
    rec = paid_run.reconciliation
    ledger.record_reconciliation(
        ReconciliationReport.of(rec), return_digests=[paid_run.return_digest], actor="x"
    )
    paid = rec.paid[0].item
    child = paid_run.batch.model_copy(
        update={
            "batch_id": "B-REC-R9",
            "parent_batch_id": paid_run.batch.batch_id,
            "round": 2,
            "items": (paid.model_copy(update={"seq": 1}),),
        }
    )
    assert _code(lambda: ledger.record_reissue(child, [paid.seq], actor="x")) == (
        "ledger.reissue_not_failed"
    )
