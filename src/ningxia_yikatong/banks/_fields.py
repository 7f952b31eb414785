"""Typed fields of bank file records, sized in bytes of the file's encoding.

A field knows how to turn a Python value into its text (``encode``) and back
(``decode``). The record engines (:mod:`._fixed`, :mod:`._delimited`,
:mod:`._xlsx`) arrange fields into records; a bank module declares its layout
as lists of these fields, and both the writer and the reader are derived from
that one declaration (as python-fints declares its segments).

``width`` is a size in *bytes* of the bank's encoding: "张三" takes 4 bytes in
GBK. A fixed-width record pads every field to its width (text with spaces on
the right, numbers with zeros on the left); a delimited record uses the width
as a maximum.

>>> Text("name", 8).encode("张三", "gbk")
'张三'
>>> Fen("amount", 13).encode(Decimal("12.50"), "gbk")
'1250'
>>> Fen("amount", 13).decode("0000000001250")
Decimal('12.50')
"""

from __future__ import annotations

import datetime as _dt
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Final

__all__ = [
    "Code",
    "Const",
    "Date",
    "DateTime",
    "Fen",
    "Field",
    "FieldError",
    "Filler",
    "Integer",
    "Text",
    "Yuan",
    "byte_length",
]

_DIGITS: Final = re.compile(r"[0-9]+")
_YUAN: Final = re.compile(r"[0-9]{1,13}\.[0-9]{2}")
_CODE: Final = re.compile(r"[0-9A-Za-z_\-]*")


def byte_length(text: str, encoding: str) -> int:
    """Bytes ``text`` takes in ``encoding``; :class:`FieldError` if it cannot be encoded."""
    try:
        return len(text.encode(encoding))
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise FieldError("bankfile.unencodable", f"“{bad}”无法用 {encoding.upper()} 编码") from None


class FieldError(Exception):
    """A value did not fit its field; the engine adds the location and the
    adapter turns it into a :class:`~ningxia_yikatong.errors.BankFileError`.

    ``code`` is the stable dotted code, ``message`` the Chinese message.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Field(ABC):
    """Base of all fields: a name (the logical value it carries) and a width in bytes.

    ``label`` is the column title where a format has one (XLSX) and the name
    shown in error messages.
    """

    name: str
    width: int
    label: str = ""

    #: True for fields whose text is only ASCII (byte length = character length).
    ascii_only: ClassVar[bool] = True
    #: Pad on the left with zeros (numbers) rather than on the right with spaces.
    pad_left: ClassVar[bool] = False

    @property
    def title(self) -> str:
        """The label, or the name when there is no label."""
        return self.label or self.name

    @abstractmethod
    def encode(self, value: Any, encoding: str) -> str:
        """The field's text for ``value``; the engine checks its width and pads it."""

    @abstractmethod
    def decode(self, text: str) -> Any:
        """The value of the field's text (padding already removed)."""

    def size(self, text: str, encoding: str) -> int:
        """Bytes ``text`` takes in ``encoding``; refused if it exceeds the width."""
        size = len(text) if text.isascii() else byte_length(text, encoding)
        if size > self.width:
            raise FieldError(
                "bankfile.field_too_long",
                f"内容超过字段宽度：{size}字节，最多{self.width}字节",
            )
        return size


@dataclass(frozen=True, slots=True)
class Text(Field):
    """Free text (names, memo) in the file's encoding; ``C(n)``.

    Control characters and the characters in ``forbidden`` (the delimiter of a
    delimited format) are refused rather than dropped.
    """

    ascii_only: ClassVar[bool] = False
    forbidden: str = ""

    def encode(self, value: Any, encoding: str) -> str:
        text = "" if value is None else str(value)
        if not text.isprintable() or any(ch in text for ch in self.forbidden):
            raise FieldError("bankfile.field_character", "内容中有控制字符或分隔符")
        if text != text.rstrip(" "):
            raise FieldError("bankfile.field_space", "内容末尾有空格，无法在定长字段中保留")
        return text

    def decode(self, text: str) -> str:
        if not text.isprintable():
            raise FieldError("bankfile.field_character", "内容中有控制字符")
        return text


@dataclass(frozen=True, slots=True)
class Code(Field):
    """ASCII letters, digits, ``_`` and ``-``: accounts, ID numbers, batch ids."""

    def encode(self, value: Any, encoding: str) -> str:
        text = "" if value is None else str(value)
        if not text.isascii() or _CODE.fullmatch(text) is None:
            raise FieldError("bankfile.field_code", "内容只能由字母、数字、下划线或连字符组成")
        return text

    def decode(self, text: str) -> str:
        if not text.isascii() or _CODE.fullmatch(text) is None:
            raise FieldError("bankfile.field_code", "内容只能由字母、数字、下划线或连字符组成")
        return text


@dataclass(frozen=True, slots=True)
class Integer(Field):
    """A non-negative whole number, zero-padded on the left; ``N(n)``."""

    pad_left: ClassVar[bool] = True

    def encode(self, value: Any, encoding: str) -> str:
        if type(value) is not int or value < 0:
            raise FieldError("bankfile.field_number", "应为非负整数")
        return str(value)

    def decode(self, text: str) -> int:
        if _DIGITS.fullmatch(text) is None:
            raise FieldError("bankfile.field_number", f"应为数字，实际为“{text[:20]}”")
        return int(text)


@dataclass(frozen=True, slots=True)
class Fen(Field):
    """An amount in fen (分) as a whole number; the value is yuan as ``Decimal``."""

    pad_left: ClassVar[bool] = True

    def encode(self, value: Any, encoding: str) -> str:
        if not isinstance(value, Decimal) or value < 0:
            raise FieldError("bankfile.field_amount", "金额应为非负的 Decimal")
        fen = value.scaleb(2)
        if fen != fen.to_integral_value():
            raise FieldError("bankfile.field_amount", "金额精度超过分")
        return str(int(fen))

    def decode(self, text: str) -> Decimal:
        if _DIGITS.fullmatch(text) is None:
            raise FieldError("bankfile.field_amount", f"金额不是数字：“{text[:20]}”")
        return Decimal(int(text)).scaleb(-2)


@dataclass(frozen=True, slots=True)
class Yuan(Field):
    """An amount in yuan with exactly two decimals (``1200.50``); ``N(n,2)``."""

    def encode(self, value: Any, encoding: str) -> str:
        if not isinstance(value, Decimal) or value < 0:
            raise FieldError("bankfile.field_amount", "金额应为非负的 Decimal")
        text = f"{value:.2f}"
        if Decimal(text) != value:
            raise FieldError("bankfile.field_amount", "金额精度超过分")
        return text

    def decode(self, text: str) -> Decimal:
        if _YUAN.fullmatch(text) is None:
            raise FieldError(
                "bankfile.field_amount", f"金额应为带两位小数的元，实际为“{text[:20]}”"
            )
        return Decimal(text)


@dataclass(frozen=True, slots=True)
class Date(Field):
    """A date as ``YYYYMMDD``."""

    width: int = 8

    def encode(self, value: Any, encoding: str) -> str:
        if not isinstance(value, _dt.date) or isinstance(value, _dt.datetime):
            raise FieldError("bankfile.field_date", "应为日期")
        return f"{value.year:04d}{value.month:02d}{value.day:02d}"

    def decode(self, text: str) -> _dt.date:
        if len(text) != 8 or _DIGITS.fullmatch(text) is None:
            raise FieldError("bankfile.field_date", f"日期应为YYYYMMDD，实际为“{text[:20]}”")
        try:
            return _dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            raise FieldError("bankfile.field_date", f"日期不存在：{text}") from None


@dataclass(frozen=True, slots=True)
class DateTime(Field):
    """A date and time as ``YYYYMMDDHHMMSS`` (bank local time, no zone); empty
    for none (an item still pending has no settlement time)."""

    width: int = 14

    def encode(self, value: Any, encoding: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, _dt.datetime):
            raise FieldError("bankfile.field_datetime", "应为日期时间")
        return (
            f"{value.year:04d}{value.month:02d}{value.day:02d}"
            f"{value.hour:02d}{value.minute:02d}{value.second:02d}"
        )

    def decode(self, text: str) -> _dt.datetime | None:
        if not text:
            return None
        if len(text) != 14 or _DIGITS.fullmatch(text) is None:
            raise FieldError(
                "bankfile.field_datetime", f"时间应为YYYYMMDDHHMMSS，实际为“{text[:20]}”"
            )
        try:
            return _dt.datetime(
                int(text[:4]),
                int(text[4:6]),
                int(text[6:8]),
                int(text[8:10]),
                int(text[10:12]),
                int(text[12:]),
            )
        except ValueError:
            raise FieldError("bankfile.field_datetime", f"时间不存在：{text}") from None


@dataclass(frozen=True, slots=True)
class Const(Field):
    """A fixed value: the record type (``H``/``D``/``T``) or a format version."""

    value: str = ""

    def encode(self, value: Any, encoding: str) -> str:
        return self.value

    def decode(self, text: str) -> str:
        if text != self.value:
            raise FieldError("bankfile.field_const", f"应为“{self.value}”，实际为“{text[:20]}”")
        return text


@dataclass(frozen=True, slots=True)
class Filler(Field):
    """Reserved space: written as spaces, and must be spaces when read."""

    def encode(self, value: Any, encoding: str) -> str:
        return ""

    def decode(self, text: str) -> None:
        if text:
            raise FieldError("bankfile.field_filler", "保留字段应为空格")
