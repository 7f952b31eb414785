"""CSV rosters: one record per physical line, every line accounted for."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ningxia_yikatong import RosterResult, read_roster
from ningxia_yikatong.errors import RosterError
from ningxia_yikatong.roster import SummaryKind

HEADER = "姓名,身份证号,社保卡号,开户银行,金额,区划代码"
GOOD = "马小明,11010519491231002X,6228480123456789015,农业银行,1200.50,640122101001"
BAD = GOOD.replace("1200.50", "0")
UNCLOSED = GOOD.replace("马小明", '"马小明')


def read_csv(*lines: str) -> RosterResult:
    return read_roster(("\r\n".join(lines) + "\r\n").encode(), format="csv")


def test_an_unclosed_quote_is_one_bad_line_and_the_next_lines_are_read() -> None:
    """Six data lines, the second with an open quote: five valid, one rejected."""
    result = read_csv(HEADER, GOOD, UNCLOSED, GOOD, GOOD, GOOD, GOOD)
    assert (result.rows_read, result.valid_count, result.rejected_count) == (6, 5, 1)
    (bad,) = result.rejected
    assert bad.row == 3
    assert bad.codes == ("roster.csv_quote",)
    assert result.source_rows == (2, 4, 5, 6, 7)
    assert result.data_rows == 6


def test_an_unclosed_quote_on_the_last_line() -> None:
    for ending in ("\r\n", ""):
        data = "\r\n".join([HEADER, GOOD, UNCLOSED]) + ending
        result = read_roster(data.encode(), format="csv")
        assert [r.codes for r in result.rejected] == [("roster.csv_quote",)]
        assert result.rejected[0].row == 3
        assert result.valid_count == 1


def test_an_open_quote_running_past_the_field_limit() -> None:
    """The quote swallows more than the csv module's field limit: still one bad line."""
    result = read_csv(HEADER, '"x', *[GOOD] * 2000)
    assert result.rejected[0].row == 2
    assert result.rejected[0].codes == ("roster.csv_quote",)
    assert (result.valid_count, result.rejected_count) == (2000, 1)


def test_closed_quotes_still_work() -> None:
    result = read_csv(HEADER, GOOD.replace("马小明", '"马小明"').replace("1200.50", '"1,200.50"'))
    assert result.ok
    assert result.total == 1200.5


# Data lines of each kind, with what they count as.
_LINES = {
    "valid": GOOD,
    "rejected": BAD,
    "unclosed": UNCLOSED,
    "blank": "",
    "commas": ",,,,,",
    "total": "合计,,,,,",
    "footer": "制表人：张三,,,审核人：李四,,",
}


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(sorted(_LINES)), max_size=30))
def test_every_csv_line_is_accounted_for(kinds: list[str]) -> None:
    result = read_csv(HEADER, *(_LINES[k] for k in kinds))
    assert result.data_rows == len(kinds)
    assert result.valid_count == kinds.count("valid")
    assert result.rejected_count == kinds.count("rejected") + kinds.count("unclosed")
    assert result.blank_rows == kinds.count("blank") + kinds.count("commas")
    assert [s.kind for s in result.summary_rows] == [
        SummaryKind.TOTAL if k == "total" else SummaryKind.FOOTER
        for k in kinds
        if k in ("total", "footer")
    ]
    rows = sorted(
        [*result.source_rows, *(r.row for r in result.rejected)]
        + [s.row for s in result.summary_rows]
    )
    assert len(set(rows)) == len(rows)
    unclosed = [i + 2 for i, k in enumerate(kinds) if k == "unclosed"]
    assert [r.row for r in result.rejected if r.codes == ("roster.csv_quote",)] == unclosed


_CELLS: dict[str, list[object]] = {
    "valid": [*GOOD.split(",")],
    "rejected": [*BAD.split(",")],
    "blank": [],
    "total": ["合计", None, None, None, None, None],
    "footer": ["填表人：张三"],
}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(sorted(_CELLS)), max_size=20))
def test_every_xlsx_row_is_accounted_for(kinds: list[str]) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER.split(","))
    for kind in kinds:
        ws.append(_CELLS[kind])
    out = io.BytesIO()
    wb.save(out)
    result = read_roster(out.getvalue(), format="xlsx")
    # Blank rows after the last filled one are not in the file at all.
    while kinds and kinds[-1] == "blank":
        kinds.pop()
    assert result.data_rows == len(kinds)
    assert result.valid_count == kinds.count("valid")
    assert result.rejected_count == kinds.count("rejected")
    assert result.blank_rows == kinds.count("blank")
    assert len(result.summary_rows) == kinds.count("total") + kinds.count("footer")


def test_an_unclosed_quote_above_the_data_is_a_file_error() -> None:
    with pytest.raises(RosterError) as caught:
        read_csv('"2026年高龄津贴花名册', HEADER, GOOD)
    assert caught.value.code == "roster.csv_quote"
    assert caught.value.location.line == 1
