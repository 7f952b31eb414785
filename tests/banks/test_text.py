"""Fixed-width and delimited engines: one declaration, writer and reader, and
every malformed input refused with file, line, record and field."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong.banks.formats import (
    Code,
    Const,
    DelimitedFormat,
    Fen,
    FixedWidthFormat,
    Integer,
    RowErrors,
    Text,
    Yuan,
)
from ningxia_yikatong.errors import BankFileError

COLUMNS = ("seq", "name", "amount")
FIXED = FixedWidthFormat(
    encoding="gb18030",
    header=[Const("type", 1, value="H"), Code("batch_id", 8), Integer("count", 4)],
    detail=[Const("type", 1, value="D"), Integer("seq", 4), Text("name", 10), Fen("amount", 9)],
    trailer=[Const("type", 1, value="T"), Fen("total", 11)],
    columns=COLUMNS,
)
DELIMITED = DelimitedFormat(
    encoding="gbk",
    summary=[Code("batch_id", 8), Integer("count", 4), Yuan("total", 12)],
    detail=[Integer("seq", 4), Text("name", 10), Yuan("amount", 12)],
    columns=COLUMNS,
)
ROWS = [(1, "张三", Decimal("12.50")), (2, "马·阿里", Decimal("0.01"))]
VALUES = {"batch_id": "B1", "count": 2, "total": Decimal("12.51")}


def fixed_file() -> bytes:
    return FIXED.write(VALUES, ROWS)


def test_fixed_layout_is_exact() -> None:
    data = fixed_file()
    lines = data.split(b"\r\n")
    assert lines[0] == b"HB1      0002"
    assert lines[1] == b"D0001" + "张三".encode("gb18030") + b"      000001250"
    assert lines[3] == b"T00000001251"
    assert lines[4] == b""
    assert all(len(line) == 24 for line in lines[1:3])
    decoded = FIXED.read(data, "f.dat")
    assert decoded.rows == ROWS
    assert decoded.header == {"type": "T", "batch_id": "B1", "count": 2, "total": Decimal("12.51")}
    assert decoded.lines == [2, 3]
    assert decoded.detail_bytes == b"\r\n".join(lines[1:3]) + b"\r\n"


@pytest.mark.parametrize(
    ("data", "code", "line", "record", "field"),
    [
        (b"", "bankfile.empty", None, None, None),
        (b"HB1      0002\r\nD0001", "bankfile.truncated", 2, None, None),
        (b"HB1      0002\r\n", "bankfile.truncated", 1, None, None),
        (b"HB1      0002\r\nD0001\r\nT00000001251\r\n", "bankfile.record_length", 2, 1, None),
        (
            b"HB1      0002\r\nX" + b"0" * 23 + b"\r\nT00000001251\r\n",
            "bankfile.record_type",
            2,
            1,
            None,
        ),
        (b"HB1      0002\r\nT00000001251\r\nT00000001251\r\n", "bankfile.record_order", 2, 1, None),
        (
            b"HB1      0002\r\nD0001" + b"\xff\xff" + b" " * 8 + b"000001250\r\nT00000001251\r\n",
            "bankfile.encoding",
            2,
            1,
            "name",
        ),
        (
            b"HB1      0002\r\nD0001" + b" " * 10 + b"0000012.5\r\nT00000001251\r\n",
            "bankfile.field_amount",
            2,
            1,
            "amount",
        ),
        (b"HB1      00x2\r\nT00000001251\r\n", "bankfile.field_number", 1, 1, "count"),
    ],
)
def test_fixed_refuses(
    data: bytes, code: str, line: int | None, record: int | None, field: str | None
) -> None:
    with pytest.raises(BankFileError) as info:
        FIXED.read(data, "f.dat")
    err = info.value
    assert (err.code, err.location.file, err.location.line) == (code, "f.dat", line)
    assert err.location.record == record
    assert err.location.field == field


def test_writer_lists_every_bad_row_and_writes_nothing() -> None:
    rows = [(1, "王䶮", Decimal(1)), (2, "张三", Decimal(1)), (3, "阿卜杜·热合曼阿里", Decimal(1))]
    with pytest.raises(RowErrors) as info:
        DELIMITED.write(VALUES, rows)
    assert [(e.index, e.field, e.code) for e in info.value.errors] == [
        (0, "name", "bankfile.unencodable"),
        (2, "name", "bankfile.field_too_long"),
    ]


def test_header_value_that_does_not_fit() -> None:
    with pytest.raises(BankFileError) as info:
        FIXED.write({**VALUES, "count": 123456}, ROWS)
    assert info.value.location.field == "count"


def test_delimited_round_trip_and_errors() -> None:
    data = DELIMITED.write(VALUES, ROWS)
    assert data.decode("gbk").splitlines()[0] == "B1|2|12.51"
    assert DELIMITED.read(data, "a.txt").rows == ROWS
    cases: list[tuple[bytes, str, int | None, str | None]] = [
        (data.replace(b"12.50", b"12.5x"), "bankfile.field_amount", 2, "amount"),
        (data.replace(b"|12.50", b"|12.50|x"), "bankfile.field_count", 2, None),
        (data[:-2], "bankfile.truncated", 3, None),
        (data.replace("张".encode("gbk"), b"\x80\x20"), "bankfile.encoding", 2, None),
        (b"B1|2\r\n", "bankfile.field_count", 1, None),
    ]
    for bad, code, line, field in cases:
        with pytest.raises(BankFileError) as info:
            DELIMITED.read(bad, "a.txt")
        assert (info.value.code, info.value.location.line, info.value.location.field) == (
            code,
            line,
            field,
        ), bad
    with pytest.raises(RowErrors):
        DELIMITED.write(VALUES, [(1, "a|b", Decimal(1))])


NAMES = st.text(alphabet="张王李马阿依古丽·明", min_size=1, max_size=5).filter(
    lambda s: s[0] != "·" and s[-1] != "·"
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(NAMES, st.integers(min_value=1, max_value=10**8)), min_size=1, max_size=20),
    st.sampled_from([FIXED, DELIMITED]),
)
def test_round_trip(items: list[tuple[str, int]], fmt: Any) -> None:
    rows = [(i, name, Decimal(fen).scaleb(-2)) for i, (name, fen) in enumerate(items, 1)]
    total = sum((r[2] for r in rows), Decimal("0.00"))
    values = {"batch_id": "B1", "count": len(rows), "total": total}
    if len(rows) > 9999:
        return
    decoded = fmt.read(fmt.write(values, rows), "x")
    assert decoded.rows == rows
    assert decoded.header["total"] == total


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([FIXED, DELIMITED]))
def test_junk_gives_only_library_errors(data: bytes, fmt: Any) -> None:
    where = None
    try:
        fmt.read(data, "junk.dat")
    except BankFileError as exc:
        where = exc.location.file
    assert where in (None, "junk.dat")


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_files_give_only_library_errors(data: st.DataObject) -> None:
    fmt = data.draw(st.sampled_from([FIXED, DELIMITED]))
    raw = bytearray(fmt.write(VALUES, ROWS))
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        raw[data.draw(st.integers(min_value=0, max_value=len(raw) - 1))] = data.draw(
            st.integers(min_value=0, max_value=255)
        )
    with contextlib.suppress(BankFileError):
        fmt.read(bytes(raw), "m.dat")


def test_control_characters_in_a_read_name_are_refused() -> None:
    data = DELIMITED.write(VALUES, ROWS).replace("张三".encode("gbk"), "张\t三".encode("gbk"))
    with pytest.raises(BankFileError) as info:
        DELIMITED.read(data, "a.txt")
    assert (info.value.code, info.value.location.field) == ("bankfile.field_character", "name")
    fixed = fixed_file().replace(
        "张三".encode("gb18030") + b"  ", "张\x07三".encode("gb18030") + b" "
    )
    with pytest.raises(BankFileError) as info:
        FIXED.read(fixed, "f.dat")
    assert (info.value.code, info.value.location.line) == ("bankfile.field_character", 2)
