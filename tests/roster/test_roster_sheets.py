"""Spreadsheet rosters: XLSX, XLS and ODS, content against suffix, bounded work."""

from __future__ import annotations

import contextlib
import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ningxia_yikatong import read_roster
from ningxia_yikatong.errors import RosterError, YikatongError
from ningxia_yikatong.roster import RosterFormat, SummaryKind

DATA = Path(__file__).parent / "data"
HEADER: list[object] = ["姓名", "身份证号", "社保卡号", "开户银行", "金额", "区划代码"]
GOOD: list[object] = [
    "马小明",
    "11010519491231002X",
    "6228480123456789015",
    "农业银行",
    1200.5,
    "640122101001",
]

_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def _ods_cell(value: object) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, (int, float)):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value!r}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p>'
        "</table:table-cell>"
    )


def ods(rows: list[list[object]], *, body: str | None = None) -> bytes:
    """An OpenDocument spreadsheet, zipped by hand (what LibreOffice and WPS save)."""
    if body is None:
        body = "".join(
            "<table:table-row>" + "".join(_ods_cell(v) for v in r) + "</table:table-row>"
            for r in rows
        )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} '
        'office:version="1.2"><office:body><office:spreadsheet>'
        f'<table:table table:name="花名册">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("content.xml", content)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
            'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    return out.getvalue()


def xlsx(rows: list[list[object]], hidden: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "花名册"
    for row in rows:
        ws.append(row)
    if hidden is not None:
        ws.column_dimensions[hidden].hidden = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _replace_member(data: bytes, member: str, change: dict[bytes, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == member:
                for old, new in change.items():
                    content = content.replace(old, new)
            target.writestr(info, content)
    return out.getvalue()


# -- formats ---------------------------------------------------------------------------


def test_xls_is_read() -> None:
    result = read_roster(DATA / "roster.xls")
    assert result.format is RosterFormat.XLS
    assert result.sheet == "花名册"
    assert result.ok
    assert [str(i.amount) for i in result.items] == ["1200.50", "80.00"]
    assert result.items[0].beneficiary.id_number == "11010519491231002X"
    assert [(s.row, s.kind) for s in result.summary_rows] == [(5, SummaryKind.TOTAL)]
    assert result.data_rows == 4


def test_ods_is_read(tmp_path: Path) -> None:
    path = tmp_path / "花名册.ods"
    path.write_bytes(ods([HEADER, GOOD, [], GOOD]))
    result = read_roster(path)
    assert result.format is RosterFormat.ODS
    assert result.ok
    assert result.source_rows == (2, 4)
    assert result.blank_rows == 1


@pytest.mark.parametrize(
    ("suffix", "maker", "content"),
    [
        (".xls", lambda: xlsx([HEADER, GOOD]), "XLSX"),
        (".xlsx", lambda: ods([HEADER, GOOD]), "ODS"),
        (".csv", (DATA / "roster.xls").read_bytes, "XLS"),
        (".ods", (DATA / "roster.xls").read_bytes, "XLS"),
    ],
)
def test_suffix_and_content_that_disagree_are_named(
    tmp_path: Path, suffix: str, maker: object, content: str
) -> None:
    path = tmp_path / f"花名册{suffix}"
    path.write_bytes(maker())  # type: ignore[operator]
    with pytest.raises(RosterError) as caught:
        read_roster(path)
    assert caught.value.code == "roster.format_mismatch"
    assert suffix in caught.value.message
    assert content in caught.value.message


def test_the_content_decides_without_a_suffix() -> None:
    assert read_roster(ods([HEADER, GOOD])).format is RosterFormat.ODS
    assert read_roster((DATA / "roster.xls").read_bytes()).format is RosterFormat.XLS
    assert read_roster(xlsx([HEADER, GOOD])).format is RosterFormat.XLSX


def test_cells_away_from_a1_keep_their_row_and_column_numbers() -> None:
    result = read_roster(xlsx([[], [], HEADER, GOOD]), format="xlsx")
    assert result.source_rows == (4,)
    assert result.preamble_rows == 2
    with pytest.raises(RosterError) as caught:
        read_roster(xlsx([[], [None, *HEADER], [None, *GOOD]]), format="xlsx")
    assert caught.value.code == "roster.header_empty"
    assert "第1列" in caught.value.message
    assert caught.value.location.row == 2


# -- hidden columns --------------------------------------------------------------------


def test_a_problem_in_a_hidden_column_says_the_column_is_hidden() -> None:
    bad = [*GOOD]
    bad[4] = "十"
    result = read_roster(xlsx([HEADER, GOOD, bad], hidden="E"), format="xlsx")
    (detail,) = result.errors
    assert detail.location.column == "金额"
    assert "隐藏列" in detail.message
    plain = read_roster(xlsx([HEADER, GOOD, bad]), format="xlsx")
    assert "隐藏列" not in plain.errors[0].message


def test_an_unknown_hidden_column_is_named_hidden() -> None:
    with pytest.raises(RosterError) as caught:
        read_roster(xlsx([[*HEADER, "内部编号"], [*GOOD, "x"]], hidden="G"), format="xlsx")
    assert caught.value.code == "roster.header_unknown"
    assert "隐藏列" in caught.value.message


# -- bounded work ----------------------------------------------------------------------


@pytest.mark.parametrize("row", ["18446744073709551616", "4000000", "1048577"])
def test_a_row_beyond_the_sheet_limit_is_refused(row: str) -> None:
    data = _replace_member(
        xlsx([HEADER, GOOD]),
        "xl/worksheets/sheet1.xml",
        {b'<row r="2"': f'<row r="{row}"'.encode(), b'r="A2"': f'r="A{row}"'.encode()},
    )
    with pytest.raises(RosterError) as caught:
        read_roster(data, format="xlsx")
    assert caught.value.code == "roster.xlsx_range"


def test_a_far_cell_in_a_small_sheet_is_refused() -> None:
    """A cell at XFD1048576 would make a rectangle of 17 billion cells."""
    data = _replace_member(
        xlsx([HEADER, GOOD]),
        "xl/worksheets/sheet1.xml",
        {b'<row r="2"': b'<row r="1048576"', b'r="F2"': b'r="XFD1048576"'},
    )
    with pytest.raises(RosterError) as caught:
        read_roster(data, format="xlsx")
    assert caught.value.code == "roster.xlsx_range"


def test_an_ods_row_repeated_a_million_times_is_refused() -> None:
    cells = "".join(_ods_cell(v) for v in GOOD)
    body = (
        "<table:table-row>"
        + "".join(_ods_cell(v) for v in HEADER)
        + "</table:table-row>"
        + f'<table:table-row table:number-rows-repeated="1000000">{cells}</table:table-row>'
        + '<table:table-row table:number-rows-repeated="2000000"><table:table-cell/>'
        "</table:table-row>"
    )
    with pytest.raises(RosterError) as caught:
        read_roster(ods([], body=body), format="ods")
    assert caught.value.code == "roster.xlsx_range"


def test_empty_repeated_ods_rows_are_fine() -> None:
    """LibreOffice ends a sheet with a million repeated empty rows."""
    body = (
        "".join(
            "<table:table-row>" + "".join(_ods_cell(v) for v in r) + "</table:table-row>"
            for r in (HEADER, GOOD)
        )
        + '<table:table-row table:number-rows-repeated="1048574">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    result = read_roster(ods([], body=body), format="ods")
    assert result.valid_count == 1


# -- junk ------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["ods", "xls"]),
    st.binary(min_size=1, max_size=200),
    st.integers(min_value=0, max_value=6000),
)
def test_corrupted_ods_and_xls_give_only_library_errors(fmt: str, junk: bytes, where: int) -> None:
    good = ods([HEADER, GOOD]) if fmt == "ods" else (DATA / "roster.xls").read_bytes()
    data = bytearray(good)
    where %= len(data)
    data[where : where + len(junk)] = junk
    with contextlib.suppress(YikatongError):
        read_roster(bytes(data), format=fmt)


@pytest.mark.parametrize(
    "prologue",
    [
        b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaa">]>',
        b'<?xml version="1.0"?>\n<!-- a comment -->\n<!DOCTYPE worksheet SYSTEM "x.dtd">',
        b"<!-- " + b"x" * 9000 + b" --><!DOCTYPE worksheet>",
    ],
)
def test_a_document_type_declaration_in_any_part_is_refused(prologue: bytes) -> None:
    source = zipfile.ZipFile(io.BytesIO(xlsx([HEADER, GOOD])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = prologue + content.split(b"?>", 1)[-1]
            target.writestr(info, content)
    with pytest.raises(RosterError) as caught:
        read_roster(out.getvalue(), format="xlsx")
    assert caught.value.code == "roster.xlsx_unsafe"


def _ods_rows(*rows: list[object]) -> str:
    return "".join(
        "<table:table-row>" + "".join(_ods_cell(v) for v in r) + "</table:table-row>" for r in rows
    )


def test_a_hidden_ods_column_is_named_hidden() -> None:
    bad = [*GOOD]
    bad[4] = "十"
    columns = (
        '<table:table-column table:number-columns-repeated="4"/>'
        '<table:table-column table:visibility="collapse"/><table:table-column/>'
    )
    result = read_roster(ods([], body=columns + _ods_rows(HEADER, GOOD, bad)), format="ods")
    (detail,) = result.errors
    assert detail.location.column == "金额"
    assert "隐藏列" in detail.message


def test_ods_header_rows_count_towards_the_extent() -> None:
    """Rows inside <table:table-header-rows> are rows: the bound sees them."""
    from ningxia_yikatong.roster._sheets import _scan_ods

    body = (
        "<table:table-header-rows>"
        + _ods_rows(HEADER, HEADER)
        + "</table:table-header-rows>"
        + _ods_rows(GOOD, GOOD, GOOD)
    )
    with zipfile.ZipFile(io.BytesIO(ods([], body=body))) as archive:
        scan = _scan_ods(archive)
    assert (scan.rows, scan.columns) == (5, 6)
