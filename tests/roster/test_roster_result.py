"""Total (合计) and footer (制表人) rows: reported as such, never as people."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ningxia_yikatong import RosterResult, read_roster
from ningxia_yikatong.errors import RosterError
from ningxia_yikatong.roster import SummaryKind, SummaryRow, iter_roster

HEADER = "序号,姓名,身份证号,社保卡号,开户银行,金额（元）,区划代码"


def person(seq: int, amount: str) -> str:
    return f"{seq},马小明,11010519491231002X,6228480123456789015,农业银行,{amount},640122101001"


def read_csv(*lines: str) -> RosterResult:
    return read_roster(("\r\n".join(lines) + "\r\n").encode(), format="csv")


BATCH: dict[str, Any] = {
    "batch_id": "GLJT-2026-03",
    "policy_code": "NX-GLJT",
    "period": "2026-03",
    "region": "640000",
    "payer_account": "64001234567890123",
    "payer_name": "宁夏回族自治区财政厅",
}


def test_a_total_row_and_a_footer_are_not_people() -> None:
    result = read_csv(
        HEADER,
        person(1, "1200.50"),
        person(2, "80"),
        ',合计,,,,"1,280.50",',
        "",
        "制表人：张三,,,审核人：李四,,,",
        "填表日期：2026年3月5日",
    )
    assert result.ok
    assert (result.valid_count, result.rejected_count, result.blank_rows) == (2, 0, 1)
    assert [(s.row, s.kind, s.label) for s in result.summary_rows] == [
        (4, SummaryKind.TOTAL, "合计"),
        (6, SummaryKind.FOOTER, "制表人：张三"),
        (7, SummaryKind.FOOTER, "填表日期：2026年3月5日"),
    ]
    assert result.summary_rows[0].amount == Decimal("1280.50")
    assert result.data_rows == 6
    assert result.to_batch(**BATCH).count == 2  # no allow_rejected needed


def test_a_total_that_does_not_match_is_an_error() -> None:
    result = read_csv(HEADER, person(1, "1200.50"), person(2, "80"), "合计,,,,,1200.50,")
    assert not result.ok
    (detail,) = result.errors
    assert detail.code == "roster.total_mismatch"
    assert detail.location.row == 4
    assert detail.location.column == "金额（元）"
    assert "1200.50" in detail.message
    assert "1280.50" in detail.message
    with pytest.raises(RosterError) as caught:
        result.to_batch(**BATCH)
    assert caught.value.code == "roster.rows_rejected"


def test_the_total_counts_rejected_rows_with_a_readable_amount() -> None:
    bad = person(2, "80").replace("马小明", "马2明")
    result = read_csv(HEADER, person(1, "1200.50"), bad, "合计,,,,,1280.50,")
    assert [r.row for r in result.rejected] == [3]
    assert not any(s.errors for s in result.summary_rows)


def test_subtotals_sum_their_own_rows() -> None:
    result = read_csv(
        HEADER,
        person(1, "10"),
        person(2, "20"),
        "小计,,,,,30,",
        person(3, "5"),
        "本页小计,,,,,5,",
        "总计,,,,,35.00,",
    )
    assert result.ok
    assert [s.kind for s in result.summary_rows] == [
        SummaryKind.SUBTOTAL,
        SummaryKind.SUBTOTAL,
        SummaryKind.TOTAL,
    ]


def test_a_row_with_an_id_is_a_person_whatever_its_name_says() -> None:
    result = read_csv(HEADER, person(1, "10").replace("马小明", "合计"))
    assert result.summary_rows == ()
    assert result.rows_read == 1


def test_streaming_yields_summary_rows_in_order() -> None:
    data = ("\r\n".join([HEADER, person(1, "10"), "合计,,,,,10,"]) + "\r\n").encode()
    with iter_roster(data, format="csv") as reader:
        outcomes = list(reader)
    assert [type(o).__name__ for o in outcomes] == ["ValidRow", "SummaryRow"]
    assert isinstance(outcomes[1], SummaryRow)
    assert reader.data_rows == 2
