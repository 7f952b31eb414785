"""中国工商银行: XLSX batch-payment template with SM2 (the engine is tested in test_xlsx)."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from python_calamine import CalamineWorkbook

from ningxia_yikatong.banks import BankAdapter, BankSimulator, OutcomeRules, ReturnStatus
from ningxia_yikatong.payout import PayoutBatch

MakeBatch = Callable[..., PayoutBatch]


def test_return_workbook_reads_in_calamine(
    make_batch: MakeBatch, hmac_adapter: Callable[..., BankAdapter], keys: Any
) -> None:
    adapter = hmac_adapter("icbc")
    batch = make_batch(4, "icbc")
    payment = adapter.render(batch, keys.department)
    closed = str(batch.items[1].beneficiary.account.number)
    simulator = BankSimulator(
        adapter,
        keys.bank,
        keys.department_verifier,
        rules=OutcomeRules(accounts={closed: ReturnStatus.CLOSED}),
    )
    files = simulator.process(payment)
    main = next(name for name in files if name.endswith(".xlsx"))
    assert main.startswith("ICBC_PLZFJG_")
    book = CalamineWorkbook.from_filelike(io.BytesIO(files[main]))
    assert book.sheet_names == ["批量支付结果"]
    rows = book.get_sheet_by_name("批量支付结果").to_python()
    assert rows[0][:5] == ["序号", "收款账号", "收款账号名称", "金额", "处理结果代码"]
    assert rows[2][4:6] == ["B0104", "账户已销户"]
    assert rows[-1][0] == "合计"
    assert Decimal(str(rows[-1][3])) == batch.total
    back = adapter.parse_return(files, keys.bank_verifier, batch_id=batch.batch_id)
    assert [r.status for r in back.records] == [
        ReturnStatus.SUCCESS,
        ReturnStatus.CLOSED,
        ReturnStatus.SUCCESS,
        ReturnStatus.SUCCESS,
    ]


def test_total_mismatch_names_the_summary_row(
    make_batch: MakeBatch, hmac_adapter: Callable[..., BankAdapter], keys: Any
) -> None:
    import base64

    import pytest

    from ningxia_yikatong.banks.icbc import IcbcAdapter
    from ningxia_yikatong.errors import BankFileError

    adapter = hmac_adapter("icbc")
    assert isinstance(adapter, IcbcAdapter)
    batch = make_batch(3, "icbc")
    values = adapter.instruction_values(batch, batch.pay_date or batch.period.start)
    values["total"] = batch.total + Decimal("1.00")
    data = adapter.instruction_format.write(values, adapter.instruction_rows(batch))
    files = {"p.xlsx": data, "p.xlsx.sig": base64.b64encode(keys.department.sign(data))}
    with pytest.raises(BankFileError) as info:
        adapter.read_instructions(files, keys.department_verifier)
    assert (info.value.code, info.value.location.line, info.value.location.field) == (
        "bankfile.total_mismatch",
        5,
        "total",
    )
