"""Recipient notices sent, in the ledger: phones encrypted, read back equal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from ningxia_yikatong.errors import LedgerError
from ningxia_yikatong.ledger import DataKey, Ledger, PiiCipher
from ningxia_yikatong.ledger._schema import notices
from ningxia_yikatong.reconcile import RecipientNotice, ReconciliationReport, recipient_notices
from ningxia_yikatong.testing.policies import sample_policies


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    with Ledger.init(ledger_url, cipher=PiiCipher(DataKey.generate())) as opened:
        yield opened


def _notices(paid_run: Any) -> list[RecipientNotice]:
    code = paid_run.batch.policy_code
    policy = sample_policies()[0].model_copy(update={"code": code})  # the batch's policy
    return recipient_notices(paid_run.reconciliation, policy)


def _code(call: Any) -> str:
    with pytest.raises(LedgerError) as err:
        call()
    return err.value.code


def test_notices_read_back_equal(ledger: Ledger, paid_run: Any) -> None:
    sent = _notices(paid_run)
    assert any(n.phone is not None for n in sent)
    paid_run.record_sent(ledger)
    assert _code(lambda: ledger.record_notices("B-REC", sent, actor="x")) == (
        "ledger.not_reconciled"
    )
    rec = ledger.record_reconciliation(
        ReconciliationReport.of(paid_run.reconciliation),
        return_digests=[paid_run.return_digest],
        actor="对账员",
    )
    recorded = ledger.record_notices("B-REC", sent, actor="短信平台")
    assert ledger.record_notices("B-REC", sent, actor="短信平台").digest == recorded.digest
    (back,) = ledger.notices("B-REC")
    assert back.notices == tuple(sent)
    assert back.reconciliation_digest == rec.digest
    with ledger.engine.connect() as conn:
        stored = list(conn.execute(sa.select(notices)))
    phones = {str(n.phone) for n in sent if n.phone is not None}
    assert phones
    for row in stored:
        assert not any(p.encode() in (row.phone_cipher or b"") or p in row.text for p in phones)
    assert [e.action for e in ledger.audit.of("B-REC")][-1] == "notices.send"
    assert ledger.audit.verify() is None


def test_notice_refusals(ledger: Ledger, paid_run: Any) -> None:
    sent = _notices(paid_run)
    paid_run.record_sent(ledger)
    ledger.record_reconciliation(
        ReconciliationReport.of(paid_run.reconciliation),
        return_digests=[paid_run.return_digest],
        actor="对账员",
    )
    failed = paid_run.reconciliation.failed[0].seq
    unpaid = RecipientNotice(failed, None, "您的补贴已发放")
    assert _code(lambda: ledger.record_notices("B-REC", [unpaid], actor="x")) == (
        "ledger.notice_not_paid"
    )
    assert _code(lambda: ledger.record_notices("B-REC", [sent[0], sent[0]], actor="x")) == (
        "ledger.notice_duplicate"
    )
    assert _code(lambda: ledger.record_notices("B-REC", [], actor="x")) == "ledger.notice_type"
    assert _code(lambda: ledger.record_notices("NOPE", sent, actor="x")) == ("ledger.batch_unknown")
