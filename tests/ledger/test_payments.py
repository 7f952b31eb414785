"""Payment files and bank returns: a return must answer what was sent, with the
bank key recorded when it was sent."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from ningxia_yikatong.errors import LedgerError
from ningxia_yikatong.ledger import DataKey, GovernmentLevel, Ledger, PayMode, PiiCipher
from ningxia_yikatong.testing import SyntheticData

SENT = hashlib.sha256(b"payment file").hexdigest()
BACK = hashlib.sha256(b"bank return").hexdigest()


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    with Ledger.init(ledger_url, cipher=PiiCipher(DataKey.generate())) as opened:
        batch = SyntheticData(seed=61).batch(2, bank="psbc", batch_id="B-PAY")
        opened.record_batch(
            batch,
            department="自治区民政厅",
            pay_mode=PayMode.FISCAL_DIRECT,
            level=GovernmentLevel.REGION,
            actor="录入员",
        )
        yield opened


def _code(call: object) -> str:
    assert callable(call)
    with pytest.raises(LedgerError) as err:
        call()
    return err.value.code


def test_payment_then_return(ledger: Ledger) -> None:
    def send() -> object:
        return ledger.record_payment_file(
            "B-PAY",
            digest=SENT,
            signing_key_fingerprint="dept-key",
            bank_key_fingerprint="bank-key",
            actor="出纳",
        )

    def back(payment: str = SENT, key: str = "bank-key") -> object:
        return ledger.record_bank_return(
            "B-PAY", digest=BACK, payment_digest=payment, verifying_key_fingerprint=key, actor="x"
        )

    assert _code(back) == "ledger.not_sent"  # nothing sent yet
    assert _code(send) == "ledger.not_approved"
    ledger.approve("B-PAY", actor="审核员")
    send()
    send()  # the same again: idempotent
    assert _code(lambda: back(payment=hashlib.sha256(b"other").hexdigest())) == (
        "ledger.return_mismatch"
    )
    assert _code(lambda: back(key="someone-else")) == "ledger.return_key_mismatch"
    back()
    back()
    assert _code(lambda: back(payment="XYZ")) == "ledger.digest"
    actions = [e.action for e in ledger.audit.of("B-PAY")]
    assert actions == ["batch.record", "batch.approve", "payment.send", "return.receive"]
    assert ledger.audit.verify() is None
    assert _code(
        lambda: ledger.record_payment_file(
            "B-PAY", digest=SENT, signing_key_fingerprint="other", actor="x"
        )
    ) == ("ledger.payment_conflict")
    assert _code(
        lambda: ledger.record_bank_return(
            "NOPE", digest=BACK, payment_digest=SENT, verifying_key_fingerprint="k", actor="x"
        )
    ) == ("ledger.batch_unknown")


def test_payment_files_and_returns_read_back(ledger: Ledger) -> None:
    from ningxia_yikatong.ledger import BankReturnRecord, PaymentFileRecord

    assert ledger.payment_files("B-PAY") == []
    assert ledger.bank_returns("B-PAY") == []
    ledger.approve("B-PAY", actor="审核员")
    sent = ledger.record_payment_file(
        "B-PAY", digest=SENT, signing_key_fingerprint="dept-key", actor="出纳"
    )
    back = ledger.record_bank_return(
        "B-PAY", digest=BACK, payment_digest=SENT, verifying_key_fingerprint="bank", actor="出纳"
    )
    assert (
        ledger.payment_files("B-PAY")
        == [sent]
        == [PaymentFileRecord("B-PAY", SENT, "dept-key", None)]
    )
    assert ledger.bank_returns("B-PAY") == [back] == [BankReturnRecord("B-PAY", BACK, SENT, "bank")]
    assert _code(lambda: ledger.payment_files("NOPE")) == "ledger.batch_unknown"
    assert _code(lambda: ledger.bank_returns("NOPE")) == "ledger.batch_unknown"
