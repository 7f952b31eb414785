"""中国邮政储蓄银行: fixed-width GBK; rare characters refuse the whole batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ningxia_yikatong.banks import BankAdapter, ReturnStatus
from ningxia_yikatong.banks.psbc import PsbcAdapter
from ningxia_yikatong.errors import BankFileError
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.testing.conformance import kit_batch

MakeBatch = Callable[..., PayoutBatch]


def test_layout(make_batch: MakeBatch, hmac_adapter: Callable[..., BankAdapter], keys: Any) -> None:
    batch = make_batch(2, "psbc")
    payment = hmac_adapter("psbc").render(batch, keys.department)
    lines = payment.content.split(b"\r\n")
    assert [len(line) for line in lines] == [160, 157, 157, 5, 0]
    assert lines[0][:2] == b"01"
    assert lines[1][:2] == b"02"
    assert lines[3] == b"03END"
    assert int(lines[0][134:144]) == 2
    assert int(lines[0][144:160]) == batch.total.scaleb(2)
    payment.content.decode("gbk")


def test_rare_names_refuse_the_batch_naming_every_item(
    hmac_adapter: Callable[..., BankAdapter], keys: Any
) -> None:
    adapter = hmac_adapter("psbc")
    batch = kit_batch(adapter, 6, names={2: "王䶮", 5: "𠮷祥", 6: "马𫖯明"})
    with pytest.raises(BankFileError) as info:
        adapter.render(batch, keys.department)
    err = info.value
    assert err.code == "bankfile.unrepresentable"
    assert [d.location.record for d in err.details] == [2, 5, 6]
    assert all(d.code == "bankfile.unencodable" for d in err.details)
    text = str(err)
    assert "3笔明细" in text
    assert "整批未生成" in text
    for item in batch:
        assert item.beneficiary.id_number not in text
        if item.seq in (2, 5, 6):
            assert item.beneficiary.id_number.masked() in text
    assert "?" not in text


def test_return_without_settlement_time_for_pending(
    hmac_adapter: Callable[..., BankAdapter], keys: Any
) -> None:
    from decimal import Decimal

    from ningxia_yikatong.banks import ReturnRecord

    adapter = hmac_adapter("psbc")
    code, message = adapter.code_for(ReturnStatus.PENDING)
    record = ReturnRecord(
        1, "6221880000000000", "张三", Decimal("5.00"), ReturnStatus.PENDING, code, message
    )
    back = adapter.parse_return(adapter.write_return("B9", [record], keys.bank), keys.bank_verifier)
    assert back.records[0].settled_at is None
    assert back.records[0].bank_txn_id is None
    assert back.records[0].status is ReturnStatus.PENDING


def test_codes() -> None:
    assert PsbcAdapter().status_of("E10006") is ReturnStatus.STOPPED
    assert PsbcAdapter().status_of("E10005") is ReturnStatus.LOST
