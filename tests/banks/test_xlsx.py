"""XLSX template engine: written with openpyxl, read back independently with
python-calamine, and damaged workbooks refused with row and column."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from ningxia_yikatong.banks.formats import XlsxFormat
from ningxia_yikatong.banks.icbc import IcbcAdapter
from ningxia_yikatong.errors import BankFileError
from ningxia_yikatong.payout import PayoutBatch

FMT: XlsxFormat = IcbcAdapter.instruction_format
Cells = list[list[Any]]


@pytest.fixture
def batch(make_batch: Callable[..., PayoutBatch]) -> PayoutBatch:
    return make_batch(12, "icbc", seed=4)


@pytest.fixture
def payment_bytes(batch: PayoutBatch, hmac_adapter: Callable[..., Any], keys: Any) -> bytes:
    payment = hmac_adapter("icbc").render(batch, keys.department)
    data: bytes = payment.content
    return data


def calamine_rows(data: bytes, sheet: str | None = None) -> tuple[list[str], Cells]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    name = sheet or book.sheet_names[0]
    return list(book.sheet_names), book.get_sheet_by_name(name).to_python(skip_empty_area=False)


def build(rows: Cells, sheets: tuple[str, ...] = ("批量支付",)) -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = sheets[0]
    for row in rows:
        first.append(row)
    for extra in sheets[1:]:
        book.create_sheet(extra)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_calamine_reads_the_same_values(batch: PayoutBatch, payment_bytes: bytes) -> None:
    names, rows = calamine_rows(payment_bytes)
    assert names == ["批量支付"]
    assert rows[0] == list(FMT.labels)
    for item, row in zip(batch, rows[1:-1], strict=True):
        account = item.beneficiary.account
        assert row[1] == batch.payer_account
        assert row[6] == account.number
        assert row[7] == account.holder_name
        assert Decimal(row[8]) == item.amount
        assert row[8] == f"{item.amount:.2f}"
        assert row[10] == batch.batch_id
        assert row[12] == item.beneficiary.id_number
        assert row[13] == str(item.seq)
    assert rows[-1][0] == "合计"
    assert Decimal(rows[-1][8]) == batch.total
    assert rows[-1][13] == str(batch.count)


def test_reads_what_it_wrote(batch: PayoutBatch, payment_bytes: bytes) -> None:
    decoded = FMT.read(payment_bytes, "p.xlsx")
    assert [r[0] for r in decoded.rows] == [i.seq for i in batch]
    assert decoded.header["batch_id"] == batch.batch_id
    assert decoded.header["total"] == batch.total
    assert decoded.lines[0] == 2


def test_numeric_cells_typed_by_hand_are_read_exactly(payment_bytes: bytes) -> None:
    _, rows = calamine_rows(payment_bytes)
    rows[1][8] = float(rows[1][8])  # an amount typed as a number
    rows[1][13] = int(rows[1][13])
    decoded = FMT.read(build(rows), "p.xlsx")
    assert decoded.rows[0][4] == Decimal(rows[1][8]).quantize(Decimal("0.01"))


def mutate(rows: Cells, change: Callable[[Cells], None]) -> Cells:
    copy = [list(r) for r in rows]
    change(copy)
    return copy


def _swap_columns(rows: Cells) -> None:
    for row in rows:
        row[6], row[7] = row[7], row[6]


def _set(row: int, col: int, value: Any) -> Callable[[Cells], None]:
    def change(rows: Cells) -> None:
        target = rows[row]
        target.extend([""] * (col + 1 - len(target)))
        target[col] = value

    return change


@pytest.mark.parametrize(
    ("change", "code", "row", "column"),
    [
        (_swap_columns, "bankfile.xlsx_columns", 1, "G"),
        (_set(0, 13, "编号"), "bankfile.xlsx_columns", 1, "N"),
        (_set(0, 14, "多余"), "bankfile.xlsx_columns", 1, None),
        (_set(2, 8, "12.345"), "bankfile.field_amount", 3, "金额"),
        (_set(2, 8, "abc"), "bankfile.field_amount", 3, "金额"),
        (_set(2, 1, "6222000000000000001"), "bankfile.field_inconsistent", 3, "付款账号"),
        (_set(2, 13, "x"), "bankfile.field_number", 3, "序号"),
        (_set(-1, 0, "小计"), "bankfile.truncated", 14, None),
        (_set(3, 15, "x"), "bankfile.xlsx_columns", 4, None),
    ],
)
def test_damaged_workbooks_are_refused(
    payment_bytes: bytes, change: Callable[[Cells], None], code: str, row: int, column: str | None
) -> None:
    _, rows = calamine_rows(payment_bytes)
    with pytest.raises(BankFileError) as info:
        FMT.read(build(mutate(rows, change)), "p.xlsx")
    err = info.value
    assert (err.code, err.location.file, err.location.row) == (code, "p.xlsx", row)
    assert err.location.column == column


def test_extra_sheet_is_refused(payment_bytes: bytes) -> None:
    _, rows = calamine_rows(payment_bytes)
    with pytest.raises(BankFileError) as info:
        FMT.read(build(rows, ("批量支付", "Sheet2")), "p.xlsx")
    assert info.value.code == "bankfile.xlsx_sheets"
    with pytest.raises(BankFileError) as info:
        FMT.read(build(rows, ("Sheet1",)), "p.xlsx")
    assert info.value.code == "bankfile.xlsx_sheets"


def test_truncated_missing_summary_and_empty(payment_bytes: bytes) -> None:
    _, rows = calamine_rows(payment_bytes)
    for data, code in [
        (build(rows[:-1]), "bankfile.truncated"),
        (build(rows[:1]), "bankfile.truncated"),
        (build([]), "bankfile.truncated"),
        (payment_bytes[: len(payment_bytes) // 2], "bankfile.xlsx"),
        (b"", "bankfile.empty"),
        (b"PK\x03\x04garbage", "bankfile.xlsx"),
    ]:
        with pytest.raises(BankFileError) as info:
            FMT.read(data, "p.xlsx")
        assert info.value.code == code


def test_zip_bomb_refused_before_parsing() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * 5_000_000)
    with pytest.raises(BankFileError) as info:
        FMT.read(out.getvalue(), "bomb.xlsx")
    assert info.value.code == "bankfile.xlsx_bomb"


def test_size_bound() -> None:
    small = XlsxFormat(
        encoding="gbk", sheet="s", detail=FMT.detail, summary=FMT.summary, columns=FMT.columns,
        max_bytes=100,
    )  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.xml", b"x" * 200)
    with pytest.raises(BankFileError) as info:
        small.read(out.getvalue(), "big.xlsx")
    assert info.value.code == "bankfile.xlsx_too_large"


def test_writer_refuses_cleanly(batch: PayoutBatch, hmac_adapter: Callable[..., Any]) -> None:
    from ningxia_yikatong.banks.formats import RowErrors

    adapter = hmac_adapter("icbc")
    values = adapter.instruction_values(batch, batch.period.start)
    rows = adapter.instruction_rows(batch)
    with pytest.raises(BankFileError) as info:
        FMT.write({**values, "payer_name": "财政" * 60}, rows)
    assert info.value.location.field == "payer_name"
    rows[3] = (*rows[3][:2], "阿卜杜·热合曼" * 5, *rows[3][3:])
    with pytest.raises(RowErrors) as row_info:
        FMT.write(values, rows)
    assert [(e.index, e.field) for e in row_info.value.errors] == [(3, "name")]


def test_a_member_zip_cannot_open_is_a_library_error() -> None:
    """A zip whose sheet member claims a zip version Python cannot extract: the
    member opens lazily, while rows are read, and must still give a library error."""
    from ningxia_yikatong.banks import get_adapter
    from ningxia_yikatong.signing import Sm2Signer, generate_sm2_key
    from ningxia_yikatong.testing import SyntheticData

    adapter = get_adapter("icbc")
    signer = Sm2Signer(generate_sm2_key())
    batch = SyntheticData(seed=5).batch(3, bank="icbc", period="2026-03")
    payment = adapter.render(batch, signer)
    data = bytearray(payment.content)
    # Raise "version needed to extract" of every central-directory entry to 15.4.
    at = data.find(b"PK\x01\x02")
    while at != -1:
        data[at + 6 : at + 8] = (154).to_bytes(2, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    files = dict(payment.files)
    files[payment.main] = bytes(data)
    files[payment.main + ".sig"] = __import__("base64").b64encode(signer.sign(bytes(data)))
    with pytest.raises(BankFileError):
        adapter.read_instructions(files, signer.verifier())
