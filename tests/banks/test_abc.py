"""中国农业银行: '|'-delimited GBK with a summary line and RSA-SHA256."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ningxia_yikatong.banks import BankAdapter
from ningxia_yikatong.banks.abc import AbcAdapter
from ningxia_yikatong.errors import BankFileError
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.signing import RsaSigner, generate_rsa_key

MakeBatch = Callable[..., PayoutBatch]


def test_layout(make_batch: MakeBatch, hmac_adapter: Callable[..., BankAdapter], keys: Any) -> None:
    batch = make_batch(2, "abc")
    payment = hmac_adapter("abc").render(batch, keys.department)
    text = payment.content.decode("gbk")
    lines = text.split("\r\n")
    assert lines[0].split("|")[:3] == [batch.batch_id, "2", f"{batch.total:.2f}"]
    first = batch.items[0]
    assert lines[1].split("|") == [
        "1",
        first.beneficiary.account.number,
        first.beneficiary.account.holder_name,
        first.beneficiary.id_number,
        f"{first.amount:.2f}",
        first.memo or "",
    ]
    assert lines[-1] == ""


def test_delimiter_in_memo_is_refused(
    make_batch: MakeBatch, hmac_adapter: Callable[..., BankAdapter], keys: Any
) -> None:
    batch = make_batch(3, "abc")
    items = list(batch.items)
    items[1] = items[1].model_copy(update={"memo": "补贴|2026"})
    bad = batch.model_copy(update={"items": tuple(items)})
    with pytest.raises(BankFileError) as info:
        hmac_adapter("abc").render(bad, keys.department)
    assert [(d.location.record, d.location.field) for d in info.value.details] == [(2, "memo")]


def test_real_rsa_signature(make_batch: MakeBatch) -> None:
    signer = RsaSigner(generate_rsa_key())
    adapter = AbcAdapter()
    payment = adapter.render(make_batch(2, "abc"), signer)
    assert payment.signature_algorithm == "RSA-SHA256"
    assert adapter.read_instructions(payment, signer.verifier()).count == 2
