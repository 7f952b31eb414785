"""Exports: XLSX (read back with python-calamine), CSV and JSON."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from ningxia_yikatong.banks._model import ReturnStatus
from ningxia_yikatong.reconcile import (
    ANOMALY_HEADERS,
    CSV_HEADERS,
    FAILED_HEADERS,
    PAID_HEADERS,
    PENDING_HEADERS,
    SHEET_NAMES,
    Reconciliation,
    reconcile,
    to_csv,
    to_dict,
    to_json,
    to_xlsx,
)

S = ReturnStatus


def sample(kit: Any) -> Reconciliation:
    batch = kit.batch(5)
    records = [
        kit.record(batch.items[0]),
        kit.record(batch.items[1], S.FROZEN, raw_message='=HYPERLINK("x")\x07'),
        kit.record(batch.items[2], S.PENDING),
        kit.record(batch.items[4], amount=Decimal("1.00")),
    ]
    return reconcile(batch, kit.bank_return(batch, records))


def sheets(data: bytes) -> dict[str, list[list[Any]]]:
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def test_xlsx_sheets_and_rows(kit: Any) -> None:
    rec = sample(kit)
    book = sheets(to_xlsx(rec))
    assert list(book) == list(SHEET_NAMES)
    paid, failed, pending, anomalies = (book[n] for n in SHEET_NAMES[1:])
    assert tuple(paid[0]) == PAID_HEADERS
    assert tuple(failed[0]) == FAILED_HEADERS
    assert tuple(pending[0]) == PENDING_HEADERS
    assert tuple(anomalies[0]) == ANOMALY_HEADERS
    assert [row[0] for row in paid[1:]] == [1, 5]
    assert paid[2][4:6] == [105.5, 1.0]
    assert failed[1][5] == "账户冻结"
    # bank text is kept as text, never a formula; a control character is shown, not dropped
    assert failed[1][7] == '=HYPERLINK("x")\\x07'
    assert [(row[0], row[5]) for row in pending[1:]] == [(3, "银行处理中"), (4, "回盘未列明")]
    assert anomalies[1][1] == "reconcile.amount_mismatch"
    assert anomalies[1][2] == 5
    summary = {row[0]: row[1:] for row in book["汇总"] if row and row[0]}
    assert summary["批次合计"] == [5, float(rec.totals.batch.amount)]
    assert summary["已发放"][0] == 2
    assert summary["  其中：账户冻结"][0] == 1
    assert summary["异常"][0] == 1


def test_xlsx_masks_by_default(kit: Any) -> None:
    rec = sample(kit)
    item = rec.batch.items[0].beneficiary
    masked = sheets(to_xlsx(rec))["已发放"][1]
    assert str(item.id_number) not in masked
    assert masked[2] == "640122********" + item.id_number[-4:]
    assert masked[3].endswith(item.account.number[-4:])
    full = sheets(to_xlsx(rec, mask=False))["已发放"][1]
    assert full[2:4] == [str(item.id_number), str(item.account.number)]


def test_csv(kit: Any) -> None:
    rec = sample(kit)
    data = to_csv(rec)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_HEADERS
    assert [r[0] for r in rows[1:]] == ["已发放", "发放失败", "待处理", "待处理", "已发放", "异常"]
    assert rows[2][7] == "账户冻结"
    assert rows[2][9].startswith("'=HYPERLINK")  # formula guard
    assert rows[4][7] == "回盘未列明"
    assert rows[6][11] == "reconcile.amount_mismatch"
    assert "return.txt" in rows[6][12]
    assert str(rec.batch.items[0].beneficiary.id_number) not in data.decode("utf-8-sig")
    gbk = to_csv(rec, encoding="gb18030")
    assert gbk.decode("gb18030") == data.decode("utf-8-sig")


def test_json(kit: Any) -> None:
    rec = sample(kit)
    doc = json.loads(to_json(rec, indent=2))
    assert doc == to_dict(rec)
    assert doc["totals"]["paid"] == {"count": 2, "amount": "207.00"}
    assert doc["totals"]["paid_by_bank"] == "102.50"
    assert doc["totals"]["failed_by_status"] == {"frozen": {"count": 1, "amount": "102.50"}}
    assert [i["outcome"] for i in doc["items"]] == ["paid", "failed", "pending", "missing", "paid"]
    assert doc["items"][0]["settled_at"] == "2026-03-20T10:00:00"
    assert doc["anomalies"][0]["location"] == {"file": "return.txt", "line": 6, "field": "amount"}
    assert doc["returns"][0]["used"] is True
    text = to_json(rec)
    for item in rec.batch.items:
        assert str(item.beneficiary.id_number) not in text
        assert str(item.beneficiary.account.number) not in text


@settings(max_examples=25, deadline=None)
@given(data=st.data(), n=st.integers(min_value=1, max_value=8))
def test_exports_agree_with_totals(kit: Any, data: st.DataObject, n: int) -> None:
    batch = kit.batch(n)
    rec = reconcile(
        batch, [kit.noisy_return(data, batch) for _ in range(data.draw(st.integers(0, 2)))]
    )
    book = sheets(to_xlsx(rec))
    t = rec.totals
    assert len(book["已发放"]) - 1 == t.paid.count
    assert len(book["发放失败及原因"]) - 1 == t.failed.count
    assert len(book["待处理"]) - 1 == t.pending.count + t.missing.count
    assert len(book["异常"]) - 1 == len(rec.anomalies)
    rows = list(csv.reader(io.StringIO(to_csv(rec).decode("utf-8-sig"))))[1:]
    assert len(rows) == n + len(rec.anomalies)
    doc = to_dict(rec)
    assert sum(Decimal(i["amount"]) for i in doc["items"]) == batch.total
    assert dataclasses.is_dataclass(t)
