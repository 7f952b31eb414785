"""Policy codes, batch ids and payout periods."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ningxia_yikatong import BatchId, Period, PolicyCode
from ningxia_yikatong.codes import PeriodKind
from ningxia_yikatong.errors import InvalidCode, InvalidPeriod


def test_policy_code() -> None:
    assert PolicyCode(" nx-gd-001 ") == "NX-GD-001"
    for bad in ("", "A", "政策", "A B", "X" * 33, 12):
        with pytest.raises(InvalidCode):
            PolicyCode(bad)


def test_batch_id() -> None:
    assert BatchId("B2026Q1-640122-01") == "B2026Q1-640122-01"
    for bad in ("", "-B1", "批次1", "B" * 33, "B 1"):
        with pytest.raises(InvalidCode):
            BatchId(bad)


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "label"),
    [
        ("2026", PeriodKind.YEAR, dt.date(2026, 1, 1), dt.date(2026, 12, 31), "2026年"),
        ("2026-h2", PeriodKind.HALF, dt.date(2026, 7, 1), dt.date(2026, 12, 31), "2026年下半年"),
        ("2026-Q1", PeriodKind.QUARTER, dt.date(2026, 1, 1), dt.date(2026, 3, 31), "2026年第1季度"),
        ("2024-02", PeriodKind.MONTH, dt.date(2024, 2, 1), dt.date(2024, 2, 29), "2024年2月"),
        (2025, PeriodKind.YEAR, dt.date(2025, 1, 1), dt.date(2025, 12, 31), "2025年"),
    ],
)
def test_period(text: object, kind: PeriodKind, start: dt.date, end: dt.date, label: str) -> None:
    period = Period(text)
    assert (period.kind, period.start, period.end, period.label) == (kind, start, end, label)


def test_period_overlap() -> None:
    assert Period("2026").overlaps(Period("2026-03"))
    assert Period("2026-Q1").overlaps(Period("2026-03"))
    assert not Period("2026-Q1").overlaps(Period("2026-04"))
    assert not Period("2026-H1").overlaps(Period("2026-H2"))


@pytest.mark.parametrize("bad", ["26", "2026-Q5", "2026-13", "2026-00", "2026-H3", "1999", ""])
def test_period_refuses(bad: str) -> None:
    with pytest.raises(InvalidPeriod):
        Period(bad)


@given(st.text(max_size=12))
def test_period_junk(text: str) -> None:
    try:
        period = Period(text)
    except InvalidPeriod:
        return
    assert period.start <= period.end
