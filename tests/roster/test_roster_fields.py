"""Header matching (表头): aliases, units in brackets, bounded work."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ningxia_yikatong import read_roster
from ningxia_yikatong.errors import RosterError

HEADER = "姓名,身份证号,社保卡号,开户银行,金额,区划代码"
GOOD = "马小明,11010519491231002X,6228480123456789015,农业银行,1200.50,640122101001"


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("(" * 40_000, "roster.header_unknown"),
        ("（" * 40_000 + ")", "roster.header_unknown"),
        ("金额" + "(元" * 20_000 + ")", "roster.header_duplicate"),  # 金额, a second time
    ],
)
def test_a_header_cell_of_many_brackets_is_judged_at_once(cell: str, code: str) -> None:
    """Was quadratic: 40,000 "(" took 26 s. Now linear: the header's problem is reported."""
    data = f"{HEADER},{cell}\r\n{GOOD},x\r\n".encode()
    with pytest.raises(RosterError) as caught:
        read_roster(data, format="csv")
    assert caught.value.code == code


_UNIT = re.compile(r"[（(][^）)]*[）)]$")


@given(st.text(alphabet="金额元()（）亩 *", max_size=30))
def test_the_unit_is_what_the_old_pattern_removed(text: str) -> None:
    from ningxia_yikatong.roster._common import _strip_unit

    assert _strip_unit(text) == _UNIT.sub("", text)


@pytest.mark.parametrize("header", ["金额（元）", "金额(元)", "*金额（元）", "金额 （单位：元）"])
def test_units_in_brackets_are_dropped(header: str) -> None:
    data = f"{HEADER.replace('金额', header)}\r\n{GOOD}\r\n".encode()
    result = read_roster(data, format="csv")
    assert result.columns is not None
    assert result.columns["amount"] == header
