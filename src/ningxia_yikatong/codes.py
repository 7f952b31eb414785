"""Codes and periods: policy code, batch id, payout period.

>>> p = Period("2026-Q1")
>>> p.kind, p.start, p.end
(<PeriodKind.QUARTER: 'quarter'>, datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
>>> Period("2026-03").label
'2026年3月'
>>> s = Period("2026-S2")
>>> s.label, s.start, s.end
('2026年秋季学期', datetime.date(2026, 9, 1), datetime.date(2027, 2, 28))
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from enum import StrEnum
from typing import Final

from ._arguments import checked_on_failure
from ._types import StrValue
from .errors import InvalidCode, InvalidPeriod, InvalidValue

__all__ = ["BatchId", "Period", "PeriodKind", "PolicyCode"]

_POLICY_CODE: Final = re.compile(r"[A-Z0-9][A-Z0-9_-]{1,31}")
_BATCH_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")


class PolicyCode(StrValue):
    """Code of a subsidy policy (补贴政策编码): 2-32 of ``A-Z 0-9 _ -``, uppercase.

    Lowercase input is upper-cased.
    """

    __slots__ = ()

    def __new__(cls, value: object) -> PolicyCode:
        if type(value) is cls:
            return value
        if not isinstance(value, str):
            raise InvalidCode("政策编码必须是文本", code="policy_code.type")
        code = value.strip().upper()
        if _POLICY_CODE.fullmatch(code) is None:
            raise InvalidCode(
                "政策编码应为2至32位大写字母、数字、下划线或连字符", code="policy_code.format"
            )
        return str.__new__(cls, code)


class BatchId(StrValue):
    """Id of a payout batch (批次号): 1-32 of ``A-Z a-z 0-9 _ -``, starting alphanumeric.

    Bank files carry it in fixed fields, so it stays short and ASCII.
    """

    __slots__ = ()

    def __new__(cls, value: object) -> BatchId:
        if type(value) is cls:
            return value
        if not isinstance(value, str):
            raise InvalidCode("批次号必须是文本", code="batch_id.type")
        code = value.strip()
        if _BATCH_ID.fullmatch(code) is None:
            raise InvalidCode("批次号应为1至32位字母、数字、下划线或连字符", code="batch_id.format")
        return str.__new__(cls, code)


class PeriodKind(StrEnum):
    """Length of a payout period."""

    YEAR = "year"
    HALF = "half"
    QUARTER = "quarter"
    MONTH = "month"
    SEMESTER = "semester"


_PERIOD: Final = re.compile(r"(\d{4})(?:-(?:(Q[1-4])|(H[12])|(S[12])|(0[1-9]|1[0-2])))?")


class Period(StrValue):
    """A payout period (发放期间): ``2026``, ``2026-H1``, ``2026-Q3``, ``2026-03`` or
    a school semester (学期) ``2026-S1`` / ``2026-S2``.

    Semesters follow the school year (学年) that starts in September:
    ``S1`` is the spring semester (春季学期), 1 March to 31 August of the year;
    ``S2`` the autumn semester (秋季学期), 1 September of the year to the end of
    February of the next. The two cover the year without gap or overlap, so a
    semester period is as exact as a quarter or a half.
    """

    __slots__ = ()

    def __new__(cls, value: object) -> Period:
        if type(value) is cls:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise InvalidPeriod("发放期间必须是文本", code="period.type")
        text = value.strip().upper()
        match = _PERIOD.fullmatch(text)
        if match is None or not 2000 <= int(match.group(1)) <= 2099:
            raise InvalidPeriod(
                "发放期间应为 2026、2026-H1、2026-Q1、2026-03 或 2026-S1（学期）的形式",
                code="period.format",
            )
        return str.__new__(cls, text)

    @property
    def year(self) -> int:
        """The calendar year (of the first month, for an autumn semester)."""
        return int(self[:4])

    @property
    def kind(self) -> PeriodKind:
        """Year, half, quarter, month or semester."""
        if len(self) == 4:
            return PeriodKind.YEAR
        return {"H": PeriodKind.HALF, "Q": PeriodKind.QUARTER, "S": PeriodKind.SEMESTER}.get(
            self[5], PeriodKind.MONTH
        )

    def _months(self) -> tuple[int, int]:
        kind = self.kind
        if kind is PeriodKind.YEAR:
            return 1, 12
        n = int(self[-1]) if kind is not PeriodKind.MONTH else int(self[5:])
        if kind is PeriodKind.HALF:
            return 6 * n - 5, 6 * n
        if kind is PeriodKind.QUARTER:
            return 3 * n - 2, 3 * n
        if kind is PeriodKind.SEMESTER:
            # Spring: March-August; autumn: September-February, the end month
            # counted past December (14 is February of the next year).
            return (3, 8) if n == 1 else (9, 14)
        return n, n

    @property
    def start(self) -> _dt.date:
        """First day of the period (the reference date for age and death checks)."""
        return _dt.date(self.year, self._months()[0], 1)

    @property
    def end(self) -> _dt.date:
        """Last day of the period."""
        year, last = divmod(self._months()[1] - 1, 12)
        year += self.year
        last += 1
        return _dt.date(year, last, calendar.monthrange(year, last)[1])

    @checked_on_failure(InvalidValue, "value")
    def overlaps(self, other: Period) -> bool:
        """Whether the two periods share a day."""
        return self.start <= other.end and other.start <= self.end

    @property
    def label(self) -> str:
        """Chinese label: 2026年、2026年上半年、2026年第1季度、2026年3月、2026年春季学期."""
        kind = self.kind
        if kind is PeriodKind.YEAR:
            return f"{self.year}年"
        if kind is PeriodKind.HALF:
            return f"{self.year}年{'上' if self[-1] == '1' else '下'}半年"
        if kind is PeriodKind.QUARTER:
            return f"{self.year}年第{self[-1]}季度"
        if kind is PeriodKind.SEMESTER:
            return f"{self.year}年{'春' if self[-1] == '1' else '秋'}季学期"
        return f"{self.year}年{int(self[5:])}月"
