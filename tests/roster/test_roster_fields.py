"""Header matching (表头): aliases, units in brackets, bounded work."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ningxia_yikatong import read_roster
from ningxia_yikatong.errors import RosterError

HEADER = "姓名,身份证号,社保卡号,开户银行,金额,区划代码"
GOOD = "马小明,11010519491231002X,6228480123456789015,农业银行,1200.50,640122101001"


_CHILD = """
import sys
from ningxia_yikatong import read_roster
from ningxia_yikatong.errors import RosterError
header = "姓名,身份证号,社保卡号,开户银行,金额,区划代码," + sys.argv[1] * int(sys.argv[2])
try:
    read_roster((header + "\\r\\n").encode(), format="csv")
except RosterError as exc:
    print(exc.code)
"""


def test_a_header_cell_of_40000_brackets_is_judged_at_once() -> None:
    """Was quadratic: 40,000 "(" took 26 s and more. In a child process, so that a
    return of the quadratic search fails by its timeout instead of hanging."""
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, "(", "40000"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert child.stdout.strip() == "roster.header_unknown"


@pytest.mark.parametrize("cell", ["（" * 40_000, "(元" * 20_000, "(" * 40_000 + ")"])
def test_other_cells_of_many_brackets(cell: str) -> None:
    data = f"{HEADER},{cell}\r\n{GOOD},x\r\n".encode()
    with pytest.raises(RosterError) as caught:
        read_roster(data, format="csv")
    assert caught.value.code == "roster.header_unknown"


def test_a_bracketed_cell_ending_in_a_unit_is_stripped_at_once() -> None:
    cell = "金额" + "(元" * 20_000 + ")"  # the unit is everything from the first (
    data = f"{HEADER},{cell}\r\n{GOOD},x\r\n".encode()
    with pytest.raises(RosterError) as caught:
        read_roster(data, format="csv")
    assert caught.value.code == "roster.header_duplicate"


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
