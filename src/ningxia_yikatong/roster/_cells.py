"""Cell values: text and numbers from CSV and spreadsheet cells, checks of single values."""

from __future__ import annotations

import datetime as _dt
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import IO, Any, Final

import pydantic

from ..bank import BankAccount, BankCode, agent_banks
from ..beneficiary import Beneficiary
from ..errors import ErrorDetail, Location, RosterError, YikatongError
from ..payout import PayoutItem
from ._common import (
    _EXACT_INT,
    _GROUPED,
    _HOUSEHOLD_ID,
    _LABEL,
    _NO,
    _QUANTITY,
    _YES,
    M,
    _err,
)
from ._result import RejectedRow, SummaryKind

# -- cell conversion ---------------------------------------------------------------


def _text(value: object, field: str) -> str:
    """Cell to text; numbers only where a spreadsheet keeps them exactly (never IDs, cards)."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
        return text
    if isinstance(value, (bool, _dt.date, _dt.time, _dt.timedelta)):
        raise _err("roster.cell_type", f"{_LABEL[field]}应为文本，单元格中是日期或逻辑值")
    if isinstance(value, (int, float)) and field in ("id_number", "account"):
        # Never converted: a spreadsheet keeps 15 significant digits of a number.
        raise _err(
            "roster.numeric_text",
            f"{_LABEL[field]}被存为数字：电子表格软件只保留15位有效数字，"
            "超出的位已变成0，号码已被改动；请将该列设为文本格式，从原始资料重新填写",
        )
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if abs(value) >= _EXACT_INT:
            raise _err(
                "roster.numeric_text",
                f"{_LABEL[field]}被存为数字，电子表格软件已丢失末几位；"
                "请将该列设为文本格式后重新填写",
            )
        return str(value)
    raise _err("roster.cell_type", f"{_LABEL[field]}应为文本")


def _number(value: object, field: str) -> Decimal | str:
    """Cell to a ``Decimal`` or text for amounts and quantities; floats via ``repr``."""
    if isinstance(value, str):
        text = value.strip()
        if _GROUPED.fullmatch(text):
            text = text.replace(",", "")
        return text
    if isinstance(value, bool) or value is None:
        return "" if value is None else _bad_type(field)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # The shortest repr is what the cell shows; precision is judged on it.
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    return _bad_type(field)


def _bad_type(field: str) -> str:
    raise _err("roster.cell_type", f"{_LABEL[field]}应为数字")


def _bank_lookup() -> dict[str, BankCode]:
    """Bank code, full name, short name and CNAPS code to the bank's code.

    Codes are unique; a name or CNAPS code registered twice (a deployment's
    own entry for a built-in bank) keeps the first bank, built-in ones first.
    """
    table: dict[str, BankCode] = {}
    infos = agent_banks()
    for info in infos:
        table[info.code] = BankCode(info.code)
    for info in infos:
        for key in (info.name, info.short_name, info.cnaps):
            if key:
                table.setdefault(key.casefold(), BankCode(info.code))
    return table


_FAILED: Final = object()  # a cell whose conversion already failed


def _missing(field: str) -> RosterError:
    return _err("roster.empty", f"{_LABEL[field]}为空")


def _empty_or(value: str, field: str, exc: YikatongError) -> YikatongError:
    """An empty required cell is reported as such, not as a bad value."""
    return _missing(field) if not value.strip() else exc


def _unmark(value: str) -> str:
    """Drop the leading apostrophe typed in a spreadsheet to keep long numbers as text."""
    value = value.strip()
    return value[1:] if value[:1] == "'" else value


def _quantity(value: Any) -> Decimal | None:
    raw = _number(value, "quantity")
    if raw == "":
        return None
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise _err("quantity.format", "数量不是数字") from None
    try:
        return _QUANTITY.validate_python(number)
    except pydantic.ValidationError:
        raise _err("quantity.invalid", "数量应大于零，最多4位小数、14位数字") from None


def _constructor(cls: type[M]) -> Callable[[dict[str, Any]], M]:
    """A maker of ``cls`` instances from already validated values of *every* field.

    It does what ``model_construct`` does for a model without aliases,
    defaults to fill, private attributes or post-init hooks, at a fraction of
    the cost; for any other model it falls back to ``model_construct``.
    """
    fields = cls.model_fields
    plain = (
        not cls.__private_attributes__
        and not cls.__pydantic_post_init__
        and cls.model_config.get("extra") != "allow"
        and all(f.alias is None and f.validation_alias is None for f in fields.values())
    )
    if not plain:
        return lambda values: cls.model_construct(**values)
    # Every instance made here has every field set, so they share one
    # fields-set: a set of five names costs 700 bytes, a third of a small
    # model, and a million rows would pay it three million times. Frozen
    # models never add to it; pydantic copies it before changing a copy.
    names = set(fields)
    new = cls.__new__
    setattr_ = object.__setattr__

    def make(values: dict[str, Any]) -> M:
        obj = new(cls)
        setattr_(obj, "__dict__", values)
        setattr_(obj, "__pydantic_fields_set__", names)
        setattr_(obj, "__pydantic_extra__", None)
        setattr_(obj, "__pydantic_private__", None)
        return obj

    return make


_make_account = _constructor(BankAccount)
_make_beneficiary = _constructor(Beneficiary)
_make_item = _constructor(PayoutItem)


def _household(text: str) -> str:
    # The constraints of beneficiary.HouseholdId (a test checks they agree).
    if len(text) > 40 or _HOUSEHOLD_ID.fullmatch(text) is None:
        raise _err("household.format", "户编号应为1至40位字母、数字、下划线或连字符")
    return text


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_blank(row: Sequence[Any]) -> bool:
    first = row[0] if row else None
    if type(first) is str and first.strip():
        return False
    return all(_empty(v) for v in row)


def _size(stream: IO[bytes]) -> int | None:
    try:
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
    except (OSError, ValueError):
        return None
    return end


# -- explaining bad values ---------------------------------------------------------

# What a spreadsheet shows for a long number: 6.40502197611291E+17.
_SCIENTIFIC: Final = re.compile(r"'?[+-]?[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]{1,3}")
_CURRENCY: Final = ("¥", "￥", "元", "$", "RMB", "rmb", "人民币")
_FULL_WIDTH: Final = re.compile(r"[０-９．，]")


def _explain(value: str, field: str, exc: YikatongError) -> YikatongError:
    """An empty cell, or a number in scientific notation, said as such; else ``exc``."""
    text = value.strip()
    if not text:
        return _missing(field)
    if _SCIENTIFIC.fullmatch(text):
        return _err(
            "roster.scientific",
            f"{_LABEL[field]}是科学计数法（如6.4E+17）：电子表格软件把该列当作数字，"
            "只保留15位有效数字，号码已被改动；请将该列设为文本格式，从原始资料重新填写",
        )
    return exc


_DOUBLED: Final = str.maketrans("0123456789", "0246813579")


def luhn_valid(digits: str) -> bool:
    """The Luhn check of a string of ASCII digits (python-stdnum's ``luhn``, faster).

    Every second digit from the right is doubled (its digit sum: 7 → 14 → 5),
    and the sum of all must end in 0. A test checks it against
    ``stdnum.luhn.is_valid``; it costs a fifth of that on the roster's hot path.
    """
    doubled = digits[-2::-2].translate(_DOUBLED)
    return (sum((digits[-1::-2] + doubled).encode()) - 48 * len(digits)) % 10 == 0


def _luhn_failed() -> RosterError:
    return _err(
        "roster.account_luhn",
        "银行卡号校验位错误（Luhn）：卡号填错，或被电子表格软件改动了末几位",
    )


def _amount_problem(value: object, exc: YikatongError) -> YikatongError:
    """A currency sign or full-width digits in an amount, said as such; else ``exc``."""
    if not isinstance(value, str):
        return exc
    if any(sign in value for sign in _CURRENCY):
        return _err(
            "roster.amount_symbol",
            "金额中不要填写货币符号或单位（如“¥”“￥”“元”），只填数字，如 1200.50",
        )
    if _FULL_WIDTH.search(value):
        return _err(
            "roster.amount_fullwidth",
            "金额中有全角数字或符号（如“１２００．５０”），请改为半角数字，如 1200.50",
        )
    return exc


def _in_hidden(exc: YikatongError) -> RosterError:
    """The same problem, saying that its column is hidden in the spreadsheet."""
    return RosterError(
        f"{exc.message}（该列为隐藏列，请在电子表格软件中取消隐藏后查看）",
        code=exc.code,
        location=exc.location,
    )


#: What an empty or missing 是否一卡通 cell means. The one place that decides it.
YIKATONG_WHEN_UNSTATED: Final = None
"""A missing 是否一卡通 column or an empty cell is unknown, never 是: the
``not_yikatong`` cross-check then reports the missing data."""


def yikatong_flag(value: str) -> bool | None:
    """A 是否一卡通 cell: 是/否 (also Y/N, 1/0, true/false).

    Empty is :data:`YIKATONG_WHEN_UNSTATED` (unknown).
    """
    flag = value.strip().casefold()
    if not flag:
        return YIKATONG_WHEN_UNSTATED
    if flag in _NO:
        return False
    if flag in _YES:
        return True
    raise _err("roster.yikatong", "是否一卡通应填“是”或“否”")


# -- numbers rounded by a spreadsheet ---------------------------------------------

#: The first digits a spreadsheet keeps of a number; the rest become zeros.
KEPT_DIGITS: Final = 15


class RoundedTails:
    """Per column, the long numbers seen and those with only zeros after digit 15.

    A column of ID or card numbers that a spreadsheet once held as numbers has
    every value of 16 or more digits ending in zeros after the 15th digit. A
    genuine number ends so by chance (1 in 1,000 for an ID number, 1 in 10,000
    for a 19-digit card), so the rule looks at the whole column: it was rounded
    when at least one value and at least 90% of its values of 16 or more digits
    have only zeros after digit 15. The reader counts inline, on its hot path: a
    value counts when its digits from the 16th on are all digits, and as rounded
    when they are all ``0``.
    """

    __slots__ = ("account_long", "account_zeros", "id_long", "id_zeros")

    def __init__(self) -> None:
        self.id_long = self.id_zeros = self.account_long = self.account_zeros = 0

    def rounded(self) -> list[tuple[str, int, int]]:
        """``(field, zero-tailed, long values)`` of every column judged rounded."""
        counts = (
            ("id_number", self.id_long, self.id_zeros),
            ("account", self.account_long, self.account_zeros),
        )
        return [
            (field, zeros, long)
            for field, long, zeros in counts
            if zeros >= 1 and zeros * 10 >= long * 9
        ]

    def check(self, file: str | None, columns: Mapping[str, str]) -> None:
        """Refuse the file if a column was rounded (``roster.rounded_column``)."""
        found = self.rounded()
        if not found:
            return
        details = tuple(
            ErrorDetail(
                "roster.rounded_column",
                f"列“{columns.get(field, _LABEL[field])}”中{long}个16位以上的号码有{zeros}个"
                f"在第{KEPT_DIGITS}位之后全是0：该列曾被电子表格软件当作数字保存，"
                f"只保留了{KEPT_DIGITS}位有效数字，号码已被改动，钱会打到别人的卡上；"
                "请将该列设为文本格式，从原始资料重新填写",
                Location(file=file, column=columns.get(field, _LABEL[field])),
            )
            for field, zeros, long in found
        )
        if len(details) == 1:
            raise RosterError(
                details[0].message,
                code="roster.rounded_column",
                file=file,
                column=details[0].location.column,
            )
        raise RosterError(
            f"{len(details)}列号码已被电子表格软件改动（第{KEPT_DIGITS}位之后全是0），拒绝导入",
            code="roster.rounded_column",
            details=details,
            file=file,
        )


# -- rows that are not people ----------------------------------------------------------

_TOTAL_WORDS: Final = ("合计", "总计", "共计", "总额")
_SUBTOTAL_WORDS: Final = ("小计", "本页合计", "本页小计")
_FOOTER_WORDS: Final = (
    "制表人",
    "制表日期",
    "制表单位",
    "制表",
    "填表人",
    "填表日期",
    "填表单位",
    "填表",
    "填报人",
    "填报日期",
    "填报单位",
    "审核人",
    "审核",
    "复核人",
    "复核",
    "负责人",
    "单位负责人",
    "经办人",
    "主管领导",
    "盖章",
    "签字",
    "签名",
)
_PUNCTUATION: Final = str.maketrans("", "", " \t\u3000:：")


def _summary_kind(row: Sequence[Any]) -> SummaryKind | None:
    """What a row without ID and account number is, judged by its first filled cell."""
    first = next((v for v in row if not _empty(v)), None)
    if not isinstance(first, str):
        return None
    key = first.translate(_PUNCTUATION)
    if len(key) <= 8:
        if any(word in key for word in _SUBTOTAL_WORDS):
            return SummaryKind.SUBTOTAL
        if any(word in key for word in _TOTAL_WORDS):
            return SummaryKind.TOTAL
    if key.startswith(_FOOTER_WORDS):
        return SummaryKind.FOOTER
    return None


def _unclosed(file: str | None, row: int) -> RejectedRow:
    return RejectedRow(
        row,
        (
            ErrorDetail(
                "roster.csv_quote",
                '该行有未闭合的引号（"），字段不能跨行；请检查该行的引号',
                Location(file=file, row=row),
            ),
        ),
    )
