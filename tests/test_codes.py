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
        (
            "2026-S1",
            PeriodKind.SEMESTER,
            dt.date(2026, 3, 1),
            dt.date(2026, 8, 31),
            "2026年春季学期",
        ),
        (
            "2027-s2",
            PeriodKind.SEMESTER,
            dt.date(2027, 9, 1),
            dt.date(2028, 2, 29),  # into a leap February of the next year
            "2027年秋季学期",
        ),
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


def test_semesters_follow_the_school_year_without_gap_or_overlap() -> None:
    spring, autumn, next_spring = Period("2026-S1"), Period("2026-S2"), Period("2027-S1")
    assert not spring.overlaps(autumn)
    assert not autumn.overlaps(next_spring)
    assert autumn.end + dt.timedelta(days=1) == next_spring.start
    assert spring.end + dt.timedelta(days=1) == autumn.start
    assert autumn.overlaps(Period("2027-01"))
    assert autumn.overlaps(Period("2026-12"))
    assert not autumn.overlaps(Period("2027-03"))
    assert Period("2026-S2").year == 2026


@pytest.mark.parametrize(
    "bad", ["26", "2026-Q5", "2026-13", "2026-00", "2026-H3", "1999", "", "2026-S3", "2026-S0"]
)
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
