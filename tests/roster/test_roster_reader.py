"""Tests of roster import (花名册): formats, headers, bad rows, bad files."""

from __future__ import annotations

import contextlib
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from ningxia_yikatong import PayoutBatch, PayoutItem, RosterResult, read_roster
from ningxia_yikatong.beneficiary import Beneficiary
from ningxia_yikatong.errors import ModelError, RosterError, YikatongError
from ningxia_yikatong.roster import (
    MAX_LINE_BYTES,
    RejectedRow,
    RosterFormat,
    ValidRow,
    XlsxLimits,
    iter_roster,
)
from ningxia_yikatong.testing import (
    ROSTER_HEADERS,
    RosterRow,
    SyntheticData,
    write_roster_csv,
    write_roster_xlsx,
)

HEADER = "姓名,身份证号,社保卡号,开户银行,金额,区划代码"
GOOD = "马小明,11010519491231002X,6228480123456789015,农业银行,1200.50,640122101001"


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def read_csv(*lines: str, **options: object) -> RosterResult:
    return read_roster(csv_bytes(*lines), format="csv", **options)  # type: ignore[arg-type]


def only_error(result: RosterResult) -> tuple[str, str | None, int | None]:
    (detail,) = result.errors
    return detail.code, detail.location.column, detail.location.row


@pytest.fixture(scope="module")
def items() -> list[PayoutItem]:
    return SyntheticData(seed=11, rare_name_share=0.2).items(120)


# -- good files ------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_round_trip_in_each_encoding(
    tmp_path: Path, items: list[PayoutItem], encoding: str
) -> None:
    path = tmp_path / f"roster-{encoding}.csv"
    write_roster_csv(path, items, encoding=encoding)
    result = read_roster(path)
    assert result.format is RosterFormat.CSV
    assert result.encoding == ("gb18030" if encoding == "gb18030" else "utf-8")
    assert result.ok
    assert result.items == tuple(items)
    assert result.source_rows == tuple(range(2, len(items) + 2))
    assert result.total == sum(i.amount for i in items)
    assert result.file == str(path)


def test_xlsx_round_trip(tmp_path: Path, items: list[PayoutItem]) -> None:
    path = tmp_path / "roster.xlsx"
    write_roster_xlsx(path, items)
    result = read_roster(path)
    assert result.format is RosterFormat.XLSX
    assert result.sheet == "花名册"
    assert result.items == tuple(items)


def test_xlsx_written_here_reads_back_with_calamine(
    tmp_path: Path, items: list[PayoutItem]
) -> None:
    """An independent reader (python-calamine) sees the same cells."""
    path = tmp_path / "roster.xlsx"
    write_roster_xlsx(path, items)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("花名册").to_python()
    assert tuple(rows[0]) == tuple(h for _, h in ROSTER_HEADERS)
    for row, item in zip(rows[1:], items, strict=True):
        b = item.beneficiary
        assert row[0] == b.name
        assert row[1] == b.id_number
        assert row[5] == b.account.number
        assert Decimal(repr(row[9])) == item.amount


def test_models_built_by_the_reader_equal_validated_models(items: list[PayoutItem]) -> None:
    """The reader skips a second validation; the result must be what validation gives."""
    out = io.StringIO()
    write_roster_csv(out, items)
    result = read_roster(out.getvalue().encode(), format="csv")
    for item in result.items:
        again = PayoutItem.model_validate(item.model_dump())
        assert again == item
        assert again.model_dump_json() == item.model_dump_json()
        assert again.model_fields_set == item.model_fields_set
        assert PayoutItem.model_validate_json(item.model_dump_json()) == item


def test_streaming_outcomes_keep_file_order() -> None:
    bad = GOOD.replace("1200.50", "0")
    with iter_roster(csv_bytes(HEADER, GOOD, bad, GOOD), format="csv") as reader:
        outcomes = list(reader)
    assert [type(o) for o in outcomes] == [ValidRow, RejectedRow, ValidRow]
    assert [o.row for o in outcomes] == [2, 3, 4]
    first, _, last = outcomes
    assert isinstance(first, ValidRow)
    assert isinstance(last, ValidRow)
    assert (first.item.seq, last.item.seq) == (1, 2)
    assert "11010519491231002X" not in repr(first)


def test_english_aliases_units_and_optional_columns() -> None:
    result = read_csv(
        "Name,ID_Number,account,BANK,amount（元）,*region,phone,memo,quantity(亩),household_id,"
        "是否一卡通,序号",
        "马小明,11010519491231002x,6228480123456789015,psbc,1318.75,640122101001,"
        "13912345678,2026年耕地地力保护补贴,12.5,H001,否,1",
    )
    assert result.ok, result.errors
    (item,) = result.items
    b = item.beneficiary
    assert b.id_number == "11010519491231002X"
    assert b.account.bank == "psbc"
    assert not b.account.is_yikatong
    assert b.phone == "13912345678"
    assert b.household_id == "H001"
    assert item.quantity == Decimal("12.5")
    assert item.memo == "2026年耕地地力保护补贴"
    assert result.columns is not None
    assert result.columns["amount"] == "amount（元）"


def test_bank_names_short_names_and_cnaps_codes() -> None:
    rows = [GOOD.replace("农业银行", bank) for bank in ("中国农业银行", "ABC", "103")]
    result = read_csv(HEADER, *rows)
    assert [i.beneficiary.account.bank for i in result.items] == ["abc"] * 3


def test_default_bank_makes_the_column_optional() -> None:
    result = read_csv(
        "姓名,公民身份号码,银行账号,金额,村组",
        "马小明,11010519491231002X,6228480123456789015,80,640122",
        default_bank="nxrcb",
    )
    assert result.items[0].beneficiary.account.bank == "nxrcb"


def test_title_rows_blank_rows_and_grouped_amounts() -> None:
    result = read_csv(
        "2026年高龄津贴发放花名册,,,,,",
        HEADER,
        GOOD.replace("1200.50", '"1,200.50"'),
        ",,,,,",
        "",
        GOOD,
    )
    assert (result.preamble_rows, result.blank_rows, result.rows_read) == (1, 2, 2)
    assert result.source_rows == (3, 6)
    assert result.total == Decimal("2401.00")


def test_tab_separated_text_export() -> None:
    result = read_roster(
        csv_bytes(HEADER.replace(",", "\t"), GOOD.replace(",", "\t")), format="csv"
    )
    assert result.valid_count == 1


def test_excel_apostrophe_text_marker() -> None:
    result = read_csv(HEADER, GOOD.replace("11010519491231002X", "'11010519491231002X"))
    assert result.items[0].beneficiary.id_number == "11010519491231002X"


# -- bad rows --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "code", "column"),
    [
        # amounts
        ("1200.50", "12.345", "amount.precision", "金额"),
        ("1200.50", "0", "amount.not_positive", "金额"),
        ("1200.50", "-5", "amount.not_positive", "金额"),
        ("1200.50", "", "roster.empty", "金额"),
        ("1200.50", "十", "amount.format", "金额"),
        ("1200.50", "1e9", "amount.too_large", "金额"),
        # ID numbers
        ("11010519491231002X", "110105194912310021", "id.checksum", "身份证号"),
        ("11010519491231002X", "110105194913310020", "id.date", "身份证号"),
        ("11010519491231002X", "11010519491231002", "id.length", "身份证号"),
        ("11010519491231002X", "", "roster.empty", "身份证号"),
        # names
        ("马小明", "", "roster.empty", "姓名"),
        ("马小明", "马小2", "name.digit", "姓名"),
        ("马小明", "马\x07明", "name.control", "姓名"),
        # regions
        ("640122101001", "640999101001", "region.unknown", "区划代码"),
        ("640122101001", "兰光村三组", "region.format", "区划代码"),
        # accounts and banks
        ("6228480123456789015", "6228-ABC", "account.format", "社保卡号"),
        ("农业银行", "火星银行", "bank_code.unknown", "开户银行"),
        ("农业银行", "", "roster.empty", "开户银行"),
    ],
)
def test_bad_cell_is_reported_with_row_and_column(
    old: str, new: str, code: str, column: str
) -> None:
    result = read_csv(HEADER, GOOD, GOOD.replace(old, new, 1))
    assert result.valid_count == 1
    assert only_error(result) == (code, column, 3)
    assert result.rejected[0].row == 3
    assert result.total == Decimal("1200.50")


def test_every_bad_cell_of_a_row_is_reported() -> None:
    result = read_csv(HEADER, "李4,110105194912310021,62,abc,0.001,64012")
    assert result.rejected[0].codes == (
        "name.digit",
        "id.checksum",
        "account.length",
        "amount.precision",
        "region.format",
    )
    assert result.rows_read == 1


def test_optional_columns_are_checked() -> None:
    result = read_csv(
        HEADER + ",联系电话,户编号,是否一卡通,数量,备注",
        GOOD + ",12345,户/1,也许,-1," + "长" * 61,
    )
    assert result.rejected[0].codes == (
        "phone.format",
        "household.format",
        "roster.yikatong",
        "quantity.invalid",
        "roster.memo_length",
    )


def test_cells_beyond_the_header_are_an_error() -> None:
    result = read_csv(HEADER, GOOD + ",多余")
    assert only_error(result) == ("roster.extra_cells", None, 2)


def test_duplicate_id_numbers_are_kept() -> None:
    """Duplicates are the cross-checks' business, not the roster's."""
    assert read_csv(HEADER, GOOD, GOOD).valid_count == 2


def test_messages_never_carry_full_numbers() -> None:
    result = read_csv(HEADER, GOOD.replace("1200.50", "x").replace("X,", "Y,"))
    text = " ".join(str(e) for e in result.errors)
    assert "11010519491231002" not in text
    assert "6228480123456789015" not in text


# -- bad files -------------------------------------------------------------------------


def test_unknown_header_is_refused_unless_ignored() -> None:
    with pytest.raises(RosterError) as caught:
        read_csv(HEADER + ",籍贯", GOOD + ",宁夏")
    assert caught.value.code == "roster.header_unknown"
    assert caught.value.location.column == "籍贯"
    assert caught.value.location.row == 1
    result = read_csv(HEADER + ",籍贯", GOOD + ",宁夏", ignore_unknown_columns=True)
    assert result.ignored_columns == ("籍贯",)
    assert result.valid_count == 1


def test_missing_required_columns_are_all_listed() -> None:
    with pytest.raises(RosterError) as caught:
        read_csv("姓名,金额,备注", "马小明,80,")
    assert caught.value.code == "roster.header"
    missing = {d.location.column for d in caught.value.details}
    assert missing == {"公民身份号码", "社保卡号", "开户银行", "区划代码"}


def test_two_headers_for_one_field() -> None:
    with pytest.raises(RosterError) as caught:
        read_csv(HEADER + ",公民身份号码", GOOD + ",11010519491231002X")
    assert caught.value.code == "roster.header_duplicate"


def test_empty_file_and_no_header() -> None:
    with pytest.raises(RosterError, match=r"roster\.empty"):
        read_roster(b"", format="csv")
    with pytest.raises(RosterError) as caught:
        read_roster(csv_bytes(*["说明"] * 12), format="csv")
    assert caught.value.code == "roster.header"
    assert caught.value.location.row == 1


def test_wrong_encoding_names_the_line() -> None:
    data = csv_bytes(HEADER, GOOD) + "马小明".encode("big5", errors="replace") + b"\xff\xfe\r\n"
    with pytest.raises(RosterError) as caught:
        read_roster(data, format="csv")
    assert caught.value.code == "roster.encoding"
    assert caught.value.location.line == 3


def test_mixed_encodings_are_refused() -> None:
    data = csv_bytes(HEADER, GOOD) + csv_bytes(GOOD.replace("马小明", "李华"), encoding="gb18030")
    with pytest.raises(RosterError) as caught:
        read_roster(data, format="csv")
    assert (caught.value.code, caught.value.location.line) == ("roster.encoding", 3)


def test_neither_utf8_nor_gb18030() -> None:
    with pytest.raises(RosterError) as caught:
        read_roster(b"a,b\r\n\x80\x80\x80\r\n", format="csv")
    assert (caught.value.code, caught.value.location.line) == ("roster.encoding", 2)


def test_utf16_is_refused_and_a_broken_xls_named() -> None:
    with pytest.raises(RosterError, match="UTF-16"):
        read_roster(HEADER.encode("utf-16"), format="csv")
    with pytest.raises(RosterError) as caught:
        read_roster(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    assert caught.value.code == "roster.xls"  # an XLS, but a broken one
    assert "XLS" in caught.value.message


def test_explicit_encoding_is_used() -> None:
    data = csv_bytes(HEADER, GOOD, encoding="gb18030")
    with pytest.raises(RosterError, match=r"roster\.encoding"):
        read_roster(data, format="csv", encoding="utf-8")
    assert read_roster(data, format="csv", encoding="gbk").valid_count == 1
    for wrong in ("utf-16-le", "no-such-codec"):
        with pytest.raises(RosterError, match=r"roster\.encoding"):
            read_roster(data, format="csv", encoding=wrong)


def test_overlong_line_is_refused() -> None:
    data = csv_bytes(HEADER) + b"a" * (MAX_LINE_BYTES + 10)
    with pytest.raises(RosterError) as caught:
        read_roster(data, format="csv")
    assert (caught.value.code, caught.value.location.line) == ("roster.line_length", 2)


def test_xlsx_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(csv_bytes(HEADER, GOOD))
    with pytest.raises(RosterError) as caught:
        read_roster(path)
    assert caught.value.code == "roster.xlsx_not_zip"
    assert caught.value.location.file == str(path)
    with pytest.raises(RosterError, match=r"roster\.xlsx_not_zip"):
        read_roster(b"PK\x03\x04" + bytes(200), format="xlsx")


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_zip_bomb_is_refused() -> None:
    bomb = _zip({"[Content_Types].xml": b"<x/>", "xl/worksheets/sheet1.xml": bytes(64 << 20)})
    assert len(bomb) < 200_000
    with pytest.raises(RosterError) as caught:
        read_roster(bomb, format="xlsx")
    assert caught.value.code == "roster.xlsx_bomb"


def test_zip_limits_on_size_and_members(tmp_path: Path, items: list[PayoutItem]) -> None:
    path = tmp_path / "roster.xlsx"
    write_roster_xlsx(path, items)
    with pytest.raises(RosterError, match=r"roster\.xlsx_bomb"):
        read_roster(path, xlsx_limits=XlsxLimits(max_uncompressed=10_000))
    with pytest.raises(RosterError, match=r"roster\.xlsx_bomb"):
        read_roster(path, xlsx_limits=XlsxLimits(max_members=3))


def test_xlsx_with_entity_declaration_is_refused() -> None:
    evil = _zip(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
            b"<Types>&a;</Types>",
        }
    )
    with pytest.raises(RosterError) as caught:
        read_roster(evil, format="xlsx")
    assert caught.value.code in ("roster.xlsx_unsafe", "roster.xlsx")


def _workbook(*sheets: tuple[str, list[list[object]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


XLSX_HEADER: list[object] = [*HEADER.split(",")]


def xlsx_row(**changes: object) -> list[object]:
    row: list[object] = [*GOOD.split(",")]
    for i, field in enumerate(("name", "id_number", "account", "bank", "amount", "region")):
        if field in changes:
            row[i] = changes[field]
    return row


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (1200.5, "1200.50"),
        (80, "80.00"),
        (1318.75, "1318.75"),
        (1 / 3, None),
        (12.345, None),
        (1e-3, None),
    ],
)
def test_xlsx_float_amounts_go_through_repr(amount: float, expected: str | None) -> None:
    data = _workbook(("花名册", [XLSX_HEADER, xlsx_row(amount=amount)]))
    result = read_roster(data, format="xlsx")
    if expected is None:
        assert only_error(result) == ("amount.precision", "金额", 2)
    else:
        assert result.items[0].amount == Decimal(expected)


def test_xlsx_numeric_id_and_long_account_are_refused() -> None:
    data = _workbook(
        (
            "花名册",
            [
                XLSX_HEADER,
                xlsx_row(id_number=110105194912310020),
                xlsx_row(account=6228480123456789015.0),
                xlsx_row(account=62284800000006),
                xlsx_row(region=640122101001),
                xlsx_row(name=True),
            ],
        )
    )
    result = read_roster(data, format="xlsx")
    assert [r.codes for r in result.rejected] == [
        ("roster.numeric_text",),
        ("roster.numeric_text",),
        ("roster.numeric_text",),
        ("roster.cell_type",),
    ]
    assert result.source_rows == (5,)
    assert result.items[0].beneficiary.region == "640122101001"


def test_xlsx_extra_sheets(tmp_path: Path) -> None:
    data = _workbook(
        ("说明", [["填表说明"]]),
        ("花名册", [XLSX_HEADER, xlsx_row()]),
        ("空表", []),
    )
    with pytest.raises(RosterError) as caught:
        read_roster(data, format="xlsx")
    assert caught.value.code == "roster.xlsx_sheets"
    assert read_roster(data, format="xlsx", sheet="花名册").valid_count == 1
    assert read_roster(data, format="xlsx", sheet=1).sheet == "花名册"
    with pytest.raises(RosterError, match=r"roster\.xlsx_sheets"):
        read_roster(data, format="xlsx", sheet="名单")
    # An empty extra sheet does not stop the first one being read.
    only = _workbook(("花名册", [XLSX_HEADER, xlsx_row()]), ("Sheet2", []))
    assert read_roster(only, format="xlsx").valid_count == 1


# -- properties ------------------------------------------------------------------------


_PIECES = [GOOD, "", ",,,", "马小明,1,2,3,4,5", "李四,,,,,", '"未闭合', "\x00", "é,ü", "𠮷"]


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=40), max_size=15))
def test_valid_plus_rejected_is_rows_read(lines: list[str]) -> None:
    result = read_csv(HEADER, *lines)
    assert result.valid_count + result.rejected_count == result.rows_read
    assert list(result.items) == sorted(result.items, key=lambda i: i.seq)
    assert [i.seq for i in result.items] == list(range(1, result.valid_count + 1))
    rows = sorted([*result.source_rows, *(r.row for r in result.rejected)])
    assert len(set(rows)) == len(rows)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["csv", "xlsx", None]))
def test_junk_bytes_give_only_library_errors(data: bytes, fmt: str | None) -> None:
    try:
        result = read_roster(data, format=fmt)
    except YikatongError:
        return
    assert result.valid_count + result.rejected_count == result.rows_read


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=1, max_size=200), st.integers(min_value=0, max_value=4000))
def test_corrupted_xlsx_gives_only_library_errors(junk: bytes, where: int) -> None:
    data = bytearray(_workbook(("花名册", [XLSX_HEADER, xlsx_row(), xlsx_row()])))
    where %= len(data)
    data[where : where + len(junk)] = junk
    with contextlib.suppress(YikatongError):
        read_roster(bytes(data), format="xlsx")


# -- to batch --------------------------------------------------------------------------


def test_to_batch(items: list[PayoutItem]) -> None:
    psbc = SyntheticData(seed=3).items(5, bank="psbc")
    out = io.StringIO()
    write_roster_csv(out, psbc)
    result = read_roster(out.getvalue().encode(), format="csv")
    batch = result.to_batch(
        batch_id="B2026001",
        policy_code="NX-GLJT",
        period="2026-03",
        region="640122",
        payer_account="1234567890123",
        payer_name="贺兰县财政局",
    )
    assert batch.agent_bank == "psbc"
    assert batch.count == 5
    assert batch.total == result.total
    assert result.source_row(5) == 6


def _batch(
    result: RosterResult,
    *,
    period: str = "2026",
    agent_bank: str | None = None,
    allow_rejected: bool = False,
) -> PayoutBatch:
    return result.to_batch(
        batch_id="B1",
        policy_code="NX-GLJT",
        period=period,
        region="640000",
        payer_account="1234567890123",
        payer_name="财政厅",
        agent_bank=agent_bank,
        allow_rejected=allow_rejected,
    )


def test_to_batch_refuses_rejected_rows_and_mixed_banks() -> None:
    result = read_csv(HEADER, GOOD, GOOD.replace("1200.50", "0"))
    with pytest.raises(RosterError) as caught:
        _batch(result)
    assert caught.value.code == "roster.rows_rejected"
    assert caught.value.details[0].location.row == 3
    assert _batch(result, allow_rejected=True).count == 1
    mixed = read_csv(HEADER, GOOD, GOOD.replace("农业银行", "psbc"))
    with pytest.raises(RosterError, match=r"roster\.mixed_banks"):
        _batch(mixed)
    with pytest.raises(RosterError) as caught:
        _batch(mixed, agent_bank="abc")
    assert caught.value.details[0].location.row == 3
    with pytest.raises(YikatongError, match=r"period\.format"):
        _batch(read_csv(HEADER, GOOD), period="2026-13")
    with pytest.raises(RosterError, match=r"roster\.no_items"):
        _batch(read_csv(HEADER))


def test_result_repr_hides_numbers() -> None:
    result = read_csv(HEADER, GOOD)
    assert repr(result) == (
        "RosterResult(format='csv', rows_read=1, valid=1, rejected=0, total=1200.50)"
    )


def test_roster_row_of_a_synthetic_item_is_readable() -> None:
    (item,) = SyntheticData(seed=5).items(1)
    row = RosterRow.from_item(item)
    out = io.StringIO()
    write_roster_csv(out, [row])
    assert read_roster(out.getvalue().encode(), format="csv").items == (item,)


def test_beneficiary_constraints_agree_with_the_reader() -> None:
    """The reader re-implements the household-id constraint; both must agree."""
    for value in ["H-1_a", "户1", "a" * 40, "a" * 41, "a b", "x.y", "-"]:
        try:
            Beneficiary.model_validate(
                {**SyntheticData(seed=1).beneficiaries(1)[0].model_dump(), "household_id": value}
            )
            model_ok = True
        except ModelError:
            model_ok = False
        result = read_csv(HEADER + ",户编号", f"{GOOD},{value}")
        assert result.ok == model_ok, value


def test_items_from_the_reader_copy_independently() -> None:
    """Items built by the reader share internals; copies must not leak changes."""
    result = read_csv(HEADER, GOOD, GOOD)
    first, second = result.items
    changed = first.model_copy(update={"memo": "补发"})
    assert changed.memo == "补发"
    assert (first.memo, second.memo) == (None, None)
    assert first.model_fields_set == second.model_fields_set == set(PayoutItem.model_fields)
    with pytest.raises(ModelError):
        first.memo = "x"  # type: ignore[misc]


class _Pipe(io.RawIOBase):
    """A stream that cannot seek, like a pipe."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_unseekable_stream_is_read() -> None:
    pipe = _Pipe(csv_bytes(HEADER, GOOD))
    assert not pipe.seekable()
    assert read_roster(pipe).valid_count == 1  # type: ignore[arg-type]


def test_bank_names_registered_twice_keep_the_first_bank(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ningxia_yikatong import bank

    info = bank.AgentBankInfo("abc_county", "中国农业银行", "农业银行", "103")
    # Registered for this test only (the registry is process-wide).
    monkeypatch.setitem(bank._REGISTRY, info.code, info)
    result = read_csv(HEADER, GOOD, GOOD.replace("农业银行", "abc_county"))
    assert [i.beneficiary.account.bank for i in result.items] == ["abc", "abc_county"]


def test_xlsx_with_a_zip_version_python_cannot_read_is_a_roster_error(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "公民身份号码"])
    path = tmp_path / "version.xlsx"
    book.save(path)
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at != -1:  # "version needed to extract" of every entry: 15.4
        data[at + 6 : at + 8] = (154).to_bytes(2, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    with pytest.raises(RosterError) as info:
        read_roster(path)
    assert info.value.code == "roster.xlsx_not_zip"
