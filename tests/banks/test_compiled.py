"""The compiled fast paths give exactly what the fields' own methods give."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong.banks.formats import (
    Code,
    Const,
    DateTime,
    DelimitedFormat,
    Fen,
    Filler,
    FixedWidthFormat,
    Integer,
    Text,
    Yuan,
)
from ningxia_yikatong.money import Amount

COLUMNS = ("seq", "account", "name", "amount", "memo", "at", "yuan")
DETAIL = [
    Const("type", 2, value="D%"),
    Integer("seq", 6),
    Code("account", 12),
    Text("name", 12),
    Fen("amount", 10),
    Filler("spare", 3),
    Text("memo", 8),
    DateTime("at"),
    Yuan("yuan", 12),
]
FIXED = FixedWidthFormat(
    encoding="gb18030",
    header=[Const("t", 1, value="H")],
    detail=DETAIL,
    trailer=[],
    columns=COLUMNS,
)
DELIMITED = DelimitedFormat(
    encoding="gbk", summary=[Const("t", 1, value="H")], detail=DETAIL[1:], columns=COLUMNS
)

ROWS = st.tuples(
    st.integers(min_value=0, max_value=10**7),
    st.one_of(st.none(), st.text(alphabet="0123456789AZ_-", max_size=13)),
    st.one_of(st.none(), st.text(alphabet="张王马·𠮷䶮 |a", max_size=7)),
    st.one_of(
        st.integers(min_value=1, max_value=10**9).map(Amount.from_fen),
        st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False),
    ),
    st.one_of(st.none(), st.text(alphabet="补贴|%", max_size=5)),
    st.one_of(st.none(), st.datetimes(min_value=dt.datetime(2000, 1, 1))),
    st.integers(min_value=1, max_value=10**9).map(Amount.from_fen),
)


@settings(max_examples=300, deadline=None)
@given(ROWS, st.sampled_from([FIXED, DELIMITED]))
def test_fast_and_slow_paths_agree(row: tuple[Any, ...], fmt: Any) -> None:
    slow_errors: list[Any] = []
    slow = fmt._slow_row(0, row, slow_errors, pad=isinstance(fmt, FixedWidthFormat))
    try:
        fast = fmt._fast_encode(row)
    except Exception:
        fast = None
    if fast is not None:
        assert not slow_errors
        assert fast == slow
    if slow_errors:
        return
    data = fmt.encode_record("header", {}) + slow
    if isinstance(fmt, FixedWidthFormat):
        line = slow[: -len(fmt.newline)]
        try:
            fast_row = fmt._fast_decode(line)
        except Exception:
            fast_row = None
        decoded = fmt.read(data, "x").rows[0]
        if fast_row is not None:
            assert fast_row == decoded
    else:
        decoded = fmt.read(data, "x").rows[0]
    expected = tuple(
        (v or "") if name in ("account", "name", "memo") else v
        for name, v in zip(COLUMNS, row, strict=True)
    )
    assert decoded[:3] == expected[:3]
    assert decoded[3] == Decimal(row[3])
