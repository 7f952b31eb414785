"""Identity of a person: resident ID number, name, phone.

Resident ID number (公民身份号码), GB 11643-1999: 6-digit address code
(GB/T 2260), 8-digit birth date, 3-digit sequence (odd for men, even for women)
and a check digit (ISO 7064 MOD 11-2). The address code is the one in force when
the number was issued; codes retired since (counties merged or renamed) stay
valid in the number, so it is not looked up.

More information:

* GB 11643-1999 公民身份号码
* https://en.wikipedia.org/wiki/Resident_Identity_Card

>>> rid = ResidentIdNumber(" 11010519491231002x ")
>>> str(rid)
'11010519491231002X'
>>> rid  # a repr is masked, so logs never hold a whole number
ResidentIdNumber('110105********002X')
>>> rid.birth_date, rid.sex, rid.address_code
(datetime.date(1949, 12, 31), <Sex.FEMALE: 'F'>, '110105')
>>> rid.masked()
'110105********002X'
>>> PersonName("马 · 阿依莎".replace(" ", ""))
PersonName('马·阿依莎')
>>> PersonName("张三").byte_length("gbk")
4
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from enum import StrEnum
from typing import Final

from stdnum.cn.ric import calc_check_digit

from ._arguments import checked_on_failure
from ._types import StrValue
from .errors import InvalidIdNumber, InvalidName, InvalidPhone, InvalidValue

__all__ = [
    "MIDDLE_DOT",
    "PersonName",
    "Phone",
    "ResidentIdNumber",
    "Sex",
    "mask_account",
    "mask_id_number",
    "mask_phone",
]

_ID_SHAPE: Final = re.compile(r"[0-9]{17}[0-9X]")
#: Birth years before this are taken as data-entry errors.
_EARLIEST_BIRTH_YEAR: Final = 1880


class Sex(StrEnum):
    """Sex as encoded in the ID number's sequence digit (odd male, even female)."""

    MALE = "M"
    FEMALE = "F"

    @property
    def label(self) -> str:
        """Chinese label: 男 or 女."""
        return "男" if self is Sex.MALE else "女"


class _Today:
    """Today as ``YYYYMMDD``, refreshed only when a date beyond it is seen.

    The cached value is never later than the real date, so a birth date not
    after it is not in the future; only a later one costs a clock read.
    """

    __slots__ = ("text",)

    def __init__(self) -> None:
        self.text = ""
        self.refresh()

    def refresh(self) -> _dt.date:
        today = _dt.date.today()
        self.text = f"{today:%Y%m%d}"
        return today


_today = _Today()


class ResidentIdNumber(StrValue):
    """An 18-character resident ID number, validated and normalised.

    Surrounding spaces are removed and a lowercase ``x`` becomes ``X``. Refused
    with distinct codes: wrong length (``id.length``), characters other than
    digits and a final X (``id.format``), an impossible birth date
    (``id.date``), a birth date in the future (``id.future``), a wrong check digit
    (``id.checksum``).
    """

    __slots__ = ()

    def __new__(cls, value: object) -> ResidentIdNumber:
        if type(value) is cls:
            return value
        if not isinstance(value, str):
            raise InvalidIdNumber("公民身份号码必须是文本", code="id.type")
        number = value.strip().upper()
        if len(number) != 18:
            if len(number) == 15 and number.isdecimal():
                raise InvalidIdNumber(
                    "15位旧身份证号码不再使用，请提供18位公民身份号码", code="id.length"
                )
            raise InvalidIdNumber(f"公民身份号码应为18位，实际为{len(number)}位", code="id.length")
        if _ID_SHAPE.fullmatch(number) is None:
            raise InvalidIdNumber("公民身份号码只能由数字和末位的X组成", code="id.format")
        year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
        try:
            born = _dt.date(year, month, day)
        except ValueError:
            raise InvalidIdNumber(
                f"公民身份号码中的出生日期不存在：{number[6:14]}", code="id.date"
            ) from None
        if year < _EARLIEST_BIRTH_YEAR:
            raise InvalidIdNumber(f"公民身份号码中的出生日期不合理：{number[6:14]}", code="id.date")
        if number[6:14] > _today.text and born > _today.refresh():
            raise InvalidIdNumber(
                f"公民身份号码中的出生日期在未来：{number[6:14]}", code="id.future"
            )
        if calc_check_digit(number) != number[17]:
            raise InvalidIdNumber("公民身份号码校验位错误", code="id.checksum")
        return str.__new__(cls, number)

    @property
    def address_code(self) -> str:
        """The 6-digit address code at issue (may be a retired code)."""
        return self[:6]

    @property
    def birth_date(self) -> _dt.date:
        """Date of birth."""
        return _dt.date(int(self[6:10]), int(self[10:12]), int(self[12:14]))

    @property
    def sex(self) -> Sex:
        """Sex from the sequence digit."""
        return Sex.MALE if int(self[16]) % 2 else Sex.FEMALE

    @checked_on_failure(InvalidValue, "value")
    def age_on(self, day: _dt.date) -> int:
        """Age in whole years on ``day`` (a birthday counts on the day itself).

        Someone born on 29 February turns a year older on 1 March in common years.
        """
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def masked(self) -> str:
        """Masked for display: first 6 and last 4 characters kept."""
        return mask_id_number(self)

    _display = masked


def mask_id_number(number: str, *, keep_head: int = 6, keep_tail: int = 4) -> str:
    """Mask an ID number, keeping ``keep_head`` and ``keep_tail`` characters.

    >>> mask_id_number("640122199001011234")
    '640122********1234'
    """
    return _mask(number, keep_head, keep_tail)


def mask_account(number: str, *, keep_head: int = 0, keep_tail: int = 4) -> str:
    """Mask a bank account or card number; by default only the last 4 stay.

    >>> mask_account("6228480123456789012")
    '***************9012'
    """
    return _mask(number, keep_head, keep_tail)


def mask_phone(number: str, *, keep_head: int = 3, keep_tail: int = 4) -> str:
    """Mask a mobile number; by default 3+4.

    >>> mask_phone("13912345678")
    '139****5678'
    """
    return _mask(number, keep_head, keep_tail)


def _mask(text: str, head: int, tail: int) -> str:
    if head + tail >= len(text):
        # Too short to keep both ends: keep at most the tail, never the whole.
        tail = min(tail, max(len(text) - 1, 0) // 2)
        head = 0
    return (
        text[:head] + "*" * (len(text) - head - tail) + (text[len(text) - tail :] if tail else "")
    )


#: The middle dot of transliterated names (U+00B7).
MIDDLE_DOT: Final = "\u00b7"
# Dots typed in its place: katakana middle dot, bullet, halfwidth katakana middle
# dot, hyphenation point, bullet operator, dot operator and Greek ano teleia.
_DOT_VARIANTS: Final = dict.fromkeys(
    map(ord, "\u30fb\u2022\uff65\u2027\u2219\u22c5\u0387"), "\u00b7"
)
_NOT_NAME: Final = re.compile(r"[^\w \u00b7]|[\d_]")
_MAX_NAME_LENGTH: Final = 64
_PLAIN_HAN_NAME: Final = re.compile(rf"[\u4e00-\u9fff]{{1,{_MAX_NAME_LENGTH}}}")


class PersonName(StrValue):
    """A person's name as registered: NFC, trimmed, one kind of middle dot.

    Refused: empty (``name.empty``), digits (``name.digit``), control or
    invisible characters (``name.control``), punctuation and symbols other
    than the middle dot and single spaces (``name.character``), a dot at either
    end or two in a row (``name.dot``), more than 64 characters
    (``name.length``). Characters outside the basic plane (生僻字 such as 𠮷)
    are accepted: whether a bank can take them is asked with :meth:`encodable`.
    """

    __slots__ = ()

    def __new__(cls, value: object) -> PersonName:
        if type(value) is cls:
            return value
        if not isinstance(value, str):
            raise InvalidName("姓名必须是文本", code="name.type")
        if _PLAIN_HAN_NAME.fullmatch(value) is not None:
            # The common case: CJK unified ideographs only, already NFC, no dots.
            return str.__new__(cls, value)
        name = value.strip()
        if not unicodedata.is_normalized("NFC", name):
            name = unicodedata.normalize("NFC", name)
        name = name.translate(_DOT_VARIANTS)
        if not name:
            raise InvalidName("姓名为空", code="name.empty")
        bad = _NOT_NAME.search(name)
        if bad is not None:
            char = bad.group()
            category = unicodedata.category(char)
            if category == "Nd" or char == "_":
                raise InvalidName("姓名中不能有数字", code="name.digit")
            if category[0] in "CZ" or char in "\t\n\r":
                raise InvalidName(
                    f"姓名中有控制字符或不可见字符 U+{ord(char):04X}", code="name.control"
                )
            raise InvalidName(f"姓名中有不允许的字符“{char}”", code="name.character")
        if name[0] == MIDDLE_DOT or name[-1] == MIDDLE_DOT or "··" in name or "  " in name:
            raise InvalidName("姓名中的间隔号或空格位置不对", code="name.dot")
        if len(name) > _MAX_NAME_LENGTH:
            raise InvalidName(f"姓名超过{_MAX_NAME_LENGTH}个字符", code="name.length")
        return str.__new__(cls, name)

    @checked_on_failure(InvalidValue, "value")
    def encodable(self, encoding: str) -> bool:
        """Whether the name can be written in ``encoding`` (``"gbk"``, ``"gb18030"``)."""
        try:
            self.encode(encoding)
        except UnicodeEncodeError:
            return False
        return True

    @checked_on_failure(InvalidValue, "value")
    def unencodable_characters(self, encoding: str) -> tuple[str, ...]:
        """The characters of the name that ``encoding`` cannot write, in order."""
        out = []
        for char in self:
            try:
                char.encode(encoding)
            except UnicodeEncodeError:
                out.append(char)
        return tuple(out)

    @checked_on_failure(InvalidValue, "value")
    def byte_length(self, encoding: str) -> int:
        """Length in bytes in ``encoding``; ``name.unencodable`` if it cannot be written."""
        try:
            return len(self.encode(encoding))
        except UnicodeEncodeError:
            chars = "".join(self.unencodable_characters(encoding))
            raise InvalidName(
                f"姓名中的“{chars}”无法用 {encoding.upper()} 编码", code="name.unencodable"
            ) from None

    def masked(self) -> str:
        """Masked for public display: the first character kept, the rest ``*``.

        >>> PersonName("马小明").masked()
        '马**'
        """
        return self[0] + "*" * (len(self) - 1) if len(self) > 1 else self[0]


_MOBILE: Final = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE: Final = re.compile(r"0[0-9]{2,3}-[0-9]{7,8}")


class Phone(StrValue):
    """A mainland mobile number (11 digits) or a landline ``0951-1234567``.

    Spaces are removed and a leading ``+86`` or ``86`` is dropped from a mobile
    number; nothing else is changed.

    >>> str(Phone("+86 139 1234 5678"))
    '13912345678'
    >>> Phone("13912345678")
    Phone('139****5678')
    """

    __slots__ = ()

    def __new__(cls, value: object) -> Phone:
        if type(value) is cls:
            return value
        if not isinstance(value, str):
            raise InvalidPhone("联系电话必须是文本", code="phone.type")
        if len(value) == 11 and value.isdigit() and _MOBILE.fullmatch(value) is not None:
            return str.__new__(cls, value)
        number = value.replace(" ", "").strip()
        if number.startswith("+86"):
            number = number[3:]
        elif number.startswith("86") and len(number) == 13:
            number = number[2:]
        if _MOBILE.fullmatch(number) is None and _LANDLINE.fullmatch(number) is None:
            raise InvalidPhone(
                "联系电话应为11位手机号码或带区号的固定电话（如0951-1234567）",
                code="phone.format",
            )
        return str.__new__(cls, number)

    @property
    def is_mobile(self) -> bool:
        """True for a mobile number (SMS notices can go to it)."""
        return len(self) == 11 and self[0] == "1"

    def masked(self) -> str:
        """Masked 3+4 for a mobile number; area code and last 4 for a landline."""
        if self.is_mobile:
            return mask_phone(self)
        area, _, local = self.partition("-")
        return f"{area}-{_mask(local, 0, 4)}"

    _display = masked
