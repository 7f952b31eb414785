"""Time limits (办理时限) and payout schedules (发放周期).

A time limit counts calendar days, or working days on the deployment's
holiday calendar (法定节假日 off, 调休 weekend days on). A payout schedule
says which batches a policy is expected to pay and by when: monthly on a given
day, quarterly, per half year, per semester, yearly. The date arithmetic is
python-dateutil's: ``rrule`` enumerates working days and period starts,
``relativedelta`` moves by months and clamps a day to the month's end.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterator
from typing import Annotated, Any, Final

from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, FR, MO, MONTHLY, TH, TU, WE, rrule, rruleset
from pydantic import Field, model_validator

from .._arguments import checked, checked_on_failure
from .._model import DomainModel
from ..codes import Period
from ..errors import WorkflowError
from ..policy import Frequency

__all__ = ["PayoutSchedule", "TimeLimit", "WorkCalendar"]

_WEEKDAYS: Final = (MO, TU, WE, TH, FR)
#: Months a schedule's period spans, and the months its periods start in.
_SPAN: Final = {
    Frequency.MONTHLY: (1, tuple(range(1, 13))),
    Frequency.QUARTERLY: (3, (1, 4, 7, 10)),
    Frequency.HALF_YEARLY: (6, (1, 7)),
    Frequency.YEARLY: (12, (1,)),
    Frequency.SEMESTER: (6, (3, 9)),
}


def _midnight(day: _dt.date) -> _dt.datetime:
    return _dt.datetime(day.year, day.month, day.day)


class WorkCalendar(DomainModel):
    """The deployment's working-day calendar: Monday to Friday, without the
    public holidays (``holidays``), with the weekend days worked instead
    (``workdays``, 调休上班).

    >>> cal = WorkCalendar(holidays=[_dt.date(2026, 10, 1), _dt.date(2026, 10, 2)],
    ...                    workdays=[_dt.date(2026, 10, 10)])
    >>> cal.add_working_days(_dt.date(2026, 9, 30), 1)
    datetime.date(2026, 10, 5)
    >>> cal.is_working_day(_dt.date(2026, 10, 10))
    True
    """

    holidays: frozenset[_dt.date] = frozenset()
    workdays: frozenset[_dt.date] = frozenset()

    @model_validator(mode="after")
    def _disjoint(self) -> WorkCalendar:
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(f"{both[0].isoformat()} 既是节假日又是调休工作日")
        weekday_workdays = sorted(d for d in self.workdays if d.weekday() < 5)
        if weekday_workdays:
            raise ValueError(f"调休工作日 {weekday_workdays[0].isoformat()} 不是周末")
        return self

    @classmethod
    @checked(WorkflowError, "workflow")
    def from_json(cls, text: str | bytes) -> WorkCalendar:
        """A calendar from ``{"holidays": ["2026-10-01", ...], "workdays": [...]}``."""
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise WorkflowError(
                f"节假日日历不是有效的 JSON：{exc}", code="workflow.calendar"
            ) from None
        if not isinstance(data, dict) or set(data) - {"holidays", "workdays"}:
            raise WorkflowError(
                "节假日日历应为含 holidays 与 workdays 两个日期列表的对象",
                code="workflow.calendar",
            )
        return cls.model_validate(data)

    @checked_on_failure(WorkflowError, "workflow")
    def is_working_day(self, day: _dt.date) -> bool:
        """Whether ``day`` is worked."""
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    @checked(WorkflowError, "workflow")
    def working_days(self, after: _dt.date) -> Iterator[_dt.date]:
        """The working days after ``after``, in order, without end."""
        days = rruleset()
        days.rrule(rrule(DAILY, byweekday=_WEEKDAYS, dtstart=_midnight(after + _dt.timedelta(1))))
        for extra in sorted(d for d in self.workdays if d > after):
            days.rdate(_midnight(extra))
        for off in self.holidays:
            days.exdate(_midnight(off))
        for moment in days:
            yield moment.date()

    @checked(WorkflowError, "workflow")
    def add_working_days(self, start: _dt.date, count: int) -> _dt.date:
        """The ``count``-th working day after ``start``."""
        if count < 1:
            raise WorkflowError("工作日数须为正整数", code="workflow.time_limit")
        for n, day in enumerate(self.working_days(start), 1):
            if n == count:
                return day
        raise AssertionError("unreachable: the working days never end")  # pragma: no cover

    @checked(WorkflowError, "workflow")
    def working_days_between(self, start: _dt.date, end: _dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if none)."""
        for count, day in enumerate(self.working_days(start)):
            if day > end:
                return count
        raise AssertionError("unreachable: the working days never end")  # pragma: no cover


class TimeLimit(DomainModel):
    """How long a batch may take from approval to payment (限时办理).

    >>> TimeLimit(days=10).due(_dt.date(2026, 3, 25))
    datetime.date(2026, 4, 4)
    >>> TimeLimit(days=3, working_days=True).due(_dt.date(2026, 3, 27), WorkCalendar())
    datetime.date(2026, 4, 1)
    """

    days: Annotated[int, Field(ge=1, le=366)]
    working_days: bool = False

    @property
    def label(self) -> str:
        """``10个自然日`` / ``5个工作日``."""
        return f"{self.days}个{'工作日' if self.working_days else '自然日'}"

    @checked(WorkflowError, "workflow")
    def due(self, start: _dt.date, calendar: WorkCalendar | None = None) -> _dt.date:
        """The last day to pay a batch approved on ``start``."""
        if not self.working_days:
            return start + relativedelta(days=self.days)
        if calendar is None:
            raise WorkflowError(
                f"时限按工作日计算（{self.label}），须提供节假日日历",
                code="workflow.calendar_missing",
            )
        return calendar.add_working_days(start, self.days)

    @checked(WorkflowError, "workflow")
    def days_late(self, due: _dt.date, on: _dt.date, calendar: WorkCalendar | None = None) -> int:
        """How many days (working days for a working-day limit) ``on`` is past ``due``."""
        if on <= due:
            return 0
        if not self.working_days:
            return (on - due).days
        if calendar is None:
            raise WorkflowError(
                f"时限按工作日计算（{self.label}），须提供节假日日历",
                code="workflow.calendar_missing",
            )
        return calendar.working_days_between(due, on)


class PayoutSchedule(DomainModel):
    """When a policy pays (发放周期): one batch per period of ``frequency``,
    due on ``day`` of the ``month``-th month of the period (a day past the
    month's end is its last day).

    >>> s = PayoutSchedule(frequency="quarterly", day=31, month=3)
    >>> due = s.expected(_dt.date(2026, 1, 1), _dt.date(2026, 6, 30))
    >>> [(str(p), d.isoformat()) for p, d in due]
    [('2026-Q1', '2026-03-31'), ('2026-Q2', '2026-06-30')]
    >>> [str(p) for p, _ in PayoutSchedule(frequency="semester", day=15).expected(
    ...     _dt.date(2026, 1, 1), _dt.date(2026, 12, 31))]
    ['2026-S1', '2026-S2']
    """

    frequency: Frequency
    day: Annotated[int, Field(ge=1, le=31)] = 10
    month: Annotated[int, Field(ge=1, le=12)] = 1

    @model_validator(mode="after")
    def _fits(self) -> PayoutSchedule:
        span = _SPAN.get(self.frequency)
        if span is None:
            raise ValueError(f"{self.frequency.label}发放没有固定周期，不能排期")
        if self.month > span[0]:
            raise ValueError(
                f"{self.frequency.label}的期间只有{span[0]}个月，不能在第{self.month}个月发放"
            )
        return self

    @checked(WorkflowError, "workflow")
    def period_starts(self, start: _dt.date, end: _dt.date) -> Iterator[_dt.date]:
        """First days of the periods that begin between ``start`` and ``end``."""
        starts = _SPAN[self.frequency][1]
        rule = rrule(
            MONTHLY, bymonth=starts, bymonthday=1, dtstart=_midnight(start), until=_midnight(end)
        )
        for moment in rule:
            yield moment.date()

    @checked(WorkflowError, "workflow")
    def expected(self, start: _dt.date, end: _dt.date) -> Iterator[tuple[Period, _dt.date]]:
        """The periods due between ``start`` and ``end`` (by due date), each with its due date."""
        first = start - relativedelta(months=12)
        for begin in self.period_starts(first, end):
            due = begin + relativedelta(months=self.month - 1, day=self.day)
            if start <= due <= end:
                yield _period_of(self.frequency, begin), due


def _period_of(frequency: Frequency, begin: _dt.date) -> Period:
    year, month = begin.year, begin.month
    spelling: dict[Frequency, Any] = {
        Frequency.MONTHLY: f"{year}-{month:02d}",
        Frequency.QUARTERLY: f"{year}-Q{(month - 1) // 3 + 1}",
        Frequency.HALF_YEARLY: f"{year}-H{(month - 1) // 6 + 1}",
        Frequency.YEARLY: f"{year}",
        Frequency.SEMESTER: f"{year}-S{1 if month == 3 else 2}",
    }
    return Period(spelling[frequency])
