"""One normalisation and validation of reference values, for files and memory.

The file loaders (:mod:`~ningxia_yikatong.checks._refdata`) and
:meth:`~ningxia_yikatong.checks.CheckContext.build` both pass every value
through these functions, so that a death date, an earlier payment or a
household member is accepted, refused and normalised the same way wherever it
comes from. A refused value raises :class:`BadValue` with a stable code, a
Chinese message and the column it belongs to; each caller adds where it was
(file and row, or the data set and entry number).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import MutableMapping
from decimal import Decimal
from typing import Final

from ..codes import Period
from ..errors import InvalidValue
from ..identity import PersonName, ResidentIdNumber
from ..money import Amount
from ..regions import RegionCode

__all__ = [
    "BadValue",
    "add_death",
    "amount",
    "batch_id",
    "date",
    "death_date",
    "household_id",
    "id_number",
    "period",
    "person_name",
    "policy_code",
    "region",
    "text",
]

#: A cell as the CSV reader or openpyxl gives it, or a value from memory.
Cell = object


class BadValue(Exception):
    """A refused value: its code, Chinese message and column (Chinese header)."""

    def __init__(self, code: str, message: str, column: str) -> None:
        super().__init__(message)
        self.code, self.message, self.column = code, message, column


def text(cell: Cell, column: str) -> str:
    """A cell as stripped text ("" for an empty cell); logical values are refused."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, bool):
        raise BadValue("refdata.value", "单元格不应为逻辑值", column)
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() and abs(cell) < 1e15 else repr(cell)
    if isinstance(cell, Decimal):
        return str(cell)
    if isinstance(cell, _dt.date | _dt.time):
        return cell.isoformat()
    raise BadValue("refdata.value", f"无法识别的单元格内容（{type(cell).__name__}）", column)


def id_number(cell: Cell) -> str:
    """A normalised ID number (18 characters, upper-case ``X``)."""
    column = "公民身份号码"
    if isinstance(cell, float):
        raise BadValue(
            "refdata.id_as_number",
            "身份证号被存为数字，已丢失精度；请将该列设置为文本后重新录入",
            column,
        )
    value = text(cell, column)
    if not value:
        raise BadValue("refdata.id_empty", "身份证号为空", column)
    try:
        return str(ResidentIdNumber(value))
    except InvalidValue as exc:
        raise BadValue(exc.code, exc.message, column) from None


_DATE_PATTERNS: Final = (
    re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})"),
    re.compile(r"(\d{4})()(\d{2})(\d{2})"),
    re.compile(r"(\d{4})(年)(\d{1,2})月(\d{1,2})日"),
)


def date(cell: Cell, column: str) -> _dt.date:
    """A date from a date (or a datetime at midnight) or text such as
    ``2026-01-05``, ``2026/1/5``, ``20260105`` or ``2026年1月5日``."""
    if isinstance(cell, _dt.datetime):
        if cell.time() != _dt.time():
            raise BadValue("refdata.date", "日期单元格带有时间，请只填日期", column)
        return cell.date()
    if isinstance(cell, _dt.date):
        return cell
    value = text(cell, column)
    if not value:
        raise BadValue("refdata.date_empty", f"{column}为空", column)
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(value)
        if match is not None:
            try:
                return _dt.date(int(match[1]), int(match[3]), int(match[4]))
            except ValueError:
                break
    raise BadValue(
        "refdata.date", f"{column}“{value[:20]}”无效，应为 2026-01-05 这样的日期", column
    )


def death_date(cell: Cell, today: _dt.date) -> _dt.date:
    """A date of death, not after ``today``."""
    died = date(cell, "死亡日期")
    if died > today:
        raise BadValue("refdata.date_future", "死亡日期在未来", "死亡日期")
    return died


def add_death(deaths: MutableMapping[str, _dt.date], rid: str, died: _dt.date) -> None:
    """Record a death; the same person with another date is ``refdata.duplicate``
    (which date is right cannot be guessed)."""
    known = deaths.setdefault(rid, died)
    if known != died:
        raise BadValue(
            "refdata.duplicate",
            f"同一人登记了两个不同的死亡日期（{known.isoformat()} 与 {died.isoformat()}）",
            "死亡日期",
        )


def policy_code(cell: Cell) -> str:
    """A policy code, upper-case (the catalog's codes are)."""
    code = text(cell, "政策编码").upper()
    if not code:
        raise BadValue("refdata.policy_empty", "政策编码为空", "政策编码")
    return code


def period(cell: Cell) -> Period:
    """A period (``2026``, ``2026-H1``, ``2026-Q1``, ``2026-03``) from a
    :class:`~ningxia_yikatong.codes.Period` or its text."""
    if isinstance(cell, Period):
        return cell
    try:
        return Period(text(cell, "发放期间"))
    except InvalidValue as exc:
        raise BadValue(exc.code, exc.message, "发放期间") from None


def amount(cell: Cell) -> Amount:
    """A positive amount exact to the fen; an XLSX number cell by its shortest
    decimal form (what was typed)."""
    try:
        if isinstance(cell, float):
            return Amount(repr(cell))
        if isinstance(cell, Decimal | int) and not isinstance(cell, bool):
            return Amount(cell)
        return Amount(text(cell, "金额"))
    except InvalidValue as exc:
        raise BadValue(exc.code, exc.message, "金额") from None


def batch_id(cell: Cell) -> str:
    """A batch id, not empty."""
    value = text(cell, "批次号")
    if not value:
        raise BadValue("refdata.batch_empty", "批次号为空", "批次号")
    return value


def household_id(cell: Cell) -> str:
    """A household number (户编号), not empty."""
    value = text(cell, "户编号")
    if not value:
        raise BadValue("refdata.household_empty", "户编号为空", "户编号")
    return value


def person_name(cell: Cell) -> str:
    """A person's name, validated as :class:`~ningxia_yikatong.identity.PersonName`."""
    try:
        return str(PersonName(text(cell, "姓名")))
    except InvalidValue as exc:
        raise BadValue(exc.code, exc.message, "姓名") from None


def region(cell: Cell) -> str | None:
    """A region code, or None for an empty cell."""
    value = text(cell, "区划代码")
    if not value:
        return None
    try:
        return str(RegionCode(value))
    except InvalidValue as exc:
        raise BadValue(exc.code, exc.message, "区划代码") from None
