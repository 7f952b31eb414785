"""What a disclosure (公示) shows and how: the columns, the mask of each, and the
notice window (公示期).

Names stay readable by default: 公示 exists so that neighbours can recognise an
ineligible payee and object. ID numbers, account numbers and phones never
appear in full; the default masks are the strict practice (ID: first 6 and last
4; account: last 4; phone: 3+4), and a weaker mask is refused unless the
profile records its legal basis (法律依据). Even then an ID keeps at least 4
characters masked, an account at most its first 6 and last 4 digits and a phone
3+4, so that no full number and no run of 12 account digits is ever published.
"""

from __future__ import annotations

import datetime as _dt
from enum import StrEnum
from typing import Annotated, Final

from pydantic import Field, model_validator

from .._arguments import checked, checked_on_failure
from .._model import DomainModel
from ..codes import PolicyCode
from ..errors import DisclosureError

__all__ = ["DEFAULT_COLUMNS", "Column", "DisclosureProfile", "NameMask", "NoticeWindow"]


class Column(StrEnum):
    """A column of a disclosure list."""

    NAME = "name"
    VILLAGE = "village"
    POLICY = "policy"
    STANDARD = "standard"
    QUANTITY = "quantity"
    AMOUNT = "amount"
    PAY_DATE = "pay_date"
    ID_NUMBER = "id_number"
    ACCOUNT = "account"
    PHONE = "phone"

    @property
    def label(self) -> str:
        """The column header (Chinese)."""
        return _LABELS[self]


_LABELS: Final = {
    Column.NAME: "姓名",
    Column.VILLAGE: "村组",
    Column.POLICY: "补贴项目",
    Column.STANDARD: "补贴标准",
    Column.QUANTITY: "数量",
    Column.AMOUNT: "金额（元）",
    Column.PAY_DATE: "发放时间",
    Column.ID_NUMBER: "身份证号",
    Column.ACCOUNT: "账号",
    Column.PHONE: "联系电话",
}

#: The columns shown unless a profile says otherwise.
DEFAULT_COLUMNS: Final = (
    Column.NAME,
    Column.VILLAGE,
    Column.POLICY,
    Column.STANDARD,
    Column.QUANTITY,
    Column.AMOUNT,
    Column.PAY_DATE,
)


class NameMask(StrEnum):
    """How a name is shown."""

    FULL = "full"  # 马明华 (default: neighbours must recognise the payee)
    SURNAME = "surname"  # 马** (stricter)


class NoticeWindow(DomainModel):
    """The notice period: from ``start`` for ``days`` calendar days (at least
    ``minimum_days``), taken down on ``takedown`` (on or after the end).

    >>> w = NoticeWindow(start=_dt.date(2026, 4, 1), days=7)
    >>> w.end, w.takedown
    (datetime.date(2026, 4, 7), datetime.date(2026, 4, 7))
    """

    start: _dt.date
    days: Annotated[int, Field(ge=1, le=366)]
    minimum_days: Annotated[int, Field(ge=1, le=366)] = 7
    takedown_on: _dt.date | None = None

    @model_validator(mode="after")
    def _long_enough(self) -> NoticeWindow:
        if self.days < self.minimum_days:
            raise DisclosureError(
                f"公示期 {self.days} 天短于最短公示期 {self.minimum_days} 天",
                code="disclosure.window_short",
            )
        if self.takedown_on is not None and self.takedown_on < self.end:
            raise DisclosureError(
                f"撤下日期 {self.takedown_on.isoformat()} 早于公示期结束 {self.end.isoformat()}",
                code="disclosure.window_short",
            )
        return self

    @property
    def end(self) -> _dt.date:
        """The last day of the notice."""
        return self.start + _dt.timedelta(days=self.days - 1)

    @property
    def takedown(self) -> _dt.date:
        """The day the notice comes down (the end unless said otherwise)."""
        return self.takedown_on or self.end

    @checked_on_failure(DisclosureError, "disclosure")
    def label(self) -> str:
        """``公示期：2026-04-01 至 2026-04-07（7天）``."""
        return f"公示期：{self.start.isoformat()} 至 {self.end.isoformat()}（{self.days}天）"


# The strict masks of practice (the defaults), and the most a profile may keep even
# with a legal basis: an ID keeps at least 4 characters masked; an account at most
# its first 6 and last 4 digits (the card industry's maximum); a phone 3+4.
_DEFAULT_KEEP: Final = {Column.ID_NUMBER: (6, 4), Column.ACCOUNT: (0, 4), Column.PHONE: (3, 4)}


def _too_much(column: Column, head: int, tail: int) -> bool:
    if column is Column.ID_NUMBER:
        return head + tail > 14
    if column is Column.ACCOUNT:
        return head > 6 or tail > 4
    return head > 3 or tail > 4


class DisclosureProfile(DomainModel):
    """How one policy's payouts are disclosed.

    >>> p = DisclosureProfile(policy_code="NX-GLJT")
    >>> [c.label for c in p.columns][:3]
    ['姓名', '村组', '补贴项目']
    >>> from ningxia_yikatong.errors import ModelError
    >>> try:
    ...     DisclosureProfile(policy_code="NX-GLJT", columns=["name", "id_number"],
    ...                       keep={"id_number": (10, 4)})
    ... except ModelError as exc:
    ...     print(exc.code)
    disclosure.mask_weak
    """

    policy_code: PolicyCode
    columns: Annotated[tuple[Column, ...], Field(min_length=1)] = DEFAULT_COLUMNS
    name_mask: NameMask = NameMask.FULL
    keep: dict[Column, tuple[int, int]] = Field(default_factory=dict)
    legal_basis: Annotated[str, Field(max_length=500)] = ""
    minimum_days: Annotated[int, Field(ge=1, le=366)] = 7

    @model_validator(mode="after")
    def _masks(self) -> DisclosureProfile:
        if len(set(self.columns)) != len(self.columns):
            raise DisclosureError("公示栏目重复", code="disclosure.columns")
        for column, (head, tail) in self.keep.items():
            if column not in _DEFAULT_KEEP:
                raise DisclosureError(
                    f"{column.label}不是需要遮蔽的栏目", code="disclosure.columns"
                )
            if head < 0 or tail < 0:
                raise DisclosureError("保留位数不能为负", code="disclosure.mask")
            if _too_much(column, head, tail):
                raise DisclosureError(
                    f"{column.label}保留前{head}位后{tail}位，接近完整号码，不得公示",
                    code="disclosure.mask_full",
                )
            d_head, d_tail = _DEFAULT_KEEP[column]
            if (head > d_head or tail > d_tail) and not self.legal_basis.strip():
                raise DisclosureError(
                    f"{column.label}保留前{head}位后{tail}位，弱于默认的前{d_head}位后{d_tail}位，"
                    "须载明法律依据",
                    code="disclosure.mask_weak",
                )
        return self

    @checked(DisclosureError, "disclosure")
    def kept(self, column: Column) -> tuple[int, int]:
        """How many leading and trailing characters of ``column`` stay."""
        return self.keep.get(column, _DEFAULT_KEEP[column])

    @checked(DisclosureError, "disclosure")
    def window(self, start: _dt.date, days: int | None = None) -> NoticeWindow:
        """A notice window from ``start`` with this profile's minimum."""
        return NoticeWindow(
            start=start, days=days or self.minimum_days, minimum_days=self.minimum_days
        )
