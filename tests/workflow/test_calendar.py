"""Time limits, the working-day calendar and payout schedules."""

from __future__ import annotations

import datetime as _dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ningxia_yikatong.codes import Period
from ningxia_yikatong.errors import ModelError, WorkflowError
from ningxia_yikatong.policy import Frequency
from ningxia_yikatong.testing.planted import make_policy
from ningxia_yikatong.workflow import LifecycleRules, PayoutSchedule, TimeLimit, WorkCalendar

# A made-up holiday week: Thursday 1 to Wednesday 7 October 2026 off, Saturday
# 10 October worked instead.
HOLIDAYS = [_dt.date(2026, 10, d) for d in range(1, 8)]
CALENDAR = WorkCalendar(holidays=HOLIDAYS, workdays=[_dt.date(2026, 10, 10)])


def test_working_days_skip_holidays_and_count_make_up_days() -> None:
    assert CALENDAR.add_working_days(_dt.date(2026, 9, 30), 1) == _dt.date(2026, 10, 8)
    assert CALENDAR.add_working_days(_dt.date(2026, 9, 30), 3) == _dt.date(2026, 10, 10)
    assert CALENDAR.add_working_days(_dt.date(2026, 9, 30), 4) == _dt.date(2026, 10, 12)
    assert not CALENDAR.is_working_day(_dt.date(2026, 10, 5))
    assert CALENDAR.is_working_day(_dt.date(2026, 10, 10))
    assert not CALENDAR.is_working_day(_dt.date(2026, 10, 11))
    assert CALENDAR.working_days_between(_dt.date(2026, 9, 30), _dt.date(2026, 10, 9)) == 2


@given(
    start=st.dates(min_value=_dt.date(2025, 1, 1), max_value=_dt.date(2027, 12, 31)),
    count=st.integers(min_value=1, max_value=60),
)
def test_the_nth_working_day_is_a_working_day_n_days_on(start: _dt.date, count: int) -> None:
    day = CALENDAR.add_working_days(start, count)
    assert CALENDAR.is_working_day(day)
    assert CALENDAR.working_days_between(start, day) == count
    assert CALENDAR.working_days_between(start, day - _dt.timedelta(1)) == count - 1


def test_a_calendar_is_consistent() -> None:
    with pytest.raises(ModelError, match="既是节假日又是调休工作日"):
        WorkCalendar(holidays=[_dt.date(2026, 10, 10)], workdays=[_dt.date(2026, 10, 10)])
    with pytest.raises(ModelError, match="不是周末"):
        WorkCalendar(workdays=[_dt.date(2026, 10, 9)])


def test_a_calendar_from_json() -> None:
    cal = WorkCalendar.from_json('{"holidays": ["2026-10-01"], "workdays": ["2026-10-10"]}')
    assert cal.holidays == {_dt.date(2026, 10, 1)}
    for text in ("[1]", "{", '{"holiday": []}', b"\xff\xfe"):
        with pytest.raises(WorkflowError) as excinfo:
            WorkCalendar.from_json(text)
        assert excinfo.value.code == "workflow.calendar"
    with pytest.raises(ModelError):
        WorkCalendar.from_json('{"holidays": ["2026-13-01"]}')


def test_time_limits_in_calendar_and_working_days() -> None:
    assert TimeLimit(days=10).due(_dt.date(2026, 9, 28)) == _dt.date(2026, 10, 8)
    working = TimeLimit(days=5, working_days=True)
    assert working.label == "5个工作日"
    assert working.due(_dt.date(2026, 9, 28), CALENDAR) == _dt.date(2026, 10, 10)
    with pytest.raises(WorkflowError) as excinfo:
        working.due(_dt.date(2026, 9, 28))
    assert excinfo.value.code == "workflow.calendar_missing"
    due = _dt.date(2026, 9, 30)
    assert TimeLimit(days=1).days_late(due, _dt.date(2026, 10, 8)) == 8
    assert working.days_late(due, _dt.date(2026, 10, 8), CALENDAR) == 1
    assert working.days_late(due, due, CALENDAR) == 0
    with pytest.raises(ModelError):
        TimeLimit(days=0)


def test_a_monthly_schedule_clamps_the_day_to_the_month_s_end() -> None:
    schedule = PayoutSchedule(frequency=Frequency.MONTHLY, day=31)
    due = list(schedule.expected(_dt.date(2026, 1, 1), _dt.date(2026, 4, 30)))
    assert [(str(p), d.isoformat()) for p, d in due] == [
        ("2026-01", "2026-01-31"),
        ("2026-02", "2026-02-28"),
        ("2026-03", "2026-03-31"),
        ("2026-04", "2026-04-30"),
    ]


def test_schedules_of_each_frequency() -> None:
    year = (_dt.date(2026, 1, 1), _dt.date(2026, 12, 31))
    expect = {
        Frequency.QUARTERLY: ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"],
        Frequency.HALF_YEARLY: ["2026-H1", "2026-H2"],
        Frequency.YEARLY: ["2026"],
        Frequency.SEMESTER: ["2026-S1", "2026-S2"],
    }
    for frequency, periods in expect.items():
        schedule = PayoutSchedule(frequency=frequency, day=15)
        got = list(schedule.expected(*year))
        assert [str(p) for p, _ in got] == periods
        for period, due in got:
            assert Period(str(period)).start <= due <= Period(str(period)).end
    # the autumn semester of the year before is due in September of that year
    autumn = list(PayoutSchedule(frequency="semester").expected(*year))
    assert autumn[1][1] == _dt.date(2026, 9, 10)


def test_a_schedule_needs_a_periodic_frequency_and_a_month_inside_the_period() -> None:
    with pytest.raises(ModelError, match="没有固定周期"):
        PayoutSchedule(frequency=Frequency.ONCE)
    with pytest.raises(ModelError, match="只有3个月"):
        PayoutSchedule(frequency=Frequency.QUARTERLY, month=4)


def test_rules_for_a_policy_take_its_time_limit_and_frequency() -> None:
    rules = LifecycleRules.for_policy(make_policy(time_limit_days=20), town_review=False)
    assert rules.time_limit == TimeLimit(days=20)
    assert rules.schedule == PayoutSchedule(frequency=Frequency.MONTHLY)
    assert "review" not in rules.steps()
    assert LifecycleRules.for_policy(make_policy(frequency=Frequency.AD_HOC)).schedule is None
    with pytest.raises(ModelError, match="只有初审、审核、审批可要求多人签核"):
        LifecycleRules(time_limit=TimeLimit(days=1), signatures={"send": 2})
