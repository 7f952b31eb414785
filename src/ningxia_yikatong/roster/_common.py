"""Fields, formats and small shared pieces of the roster reader."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import IO, Any, Final, TypeAlias, TypeVar

import pydantic
from pydantic import TypeAdapter

from ..errors import ErrorDetail, Location, RosterError, YikatongError
from ..payout import Quantity


class RosterFormat(StrEnum):
    """File format of a roster."""

    CSV = "csv"
    XLSX = "xlsx"
    XLS = "xls"  # Excel 97-2003 (BIFF in an OLE2 compound file)
    ODS = "ods"  # OpenDocument spreadsheet (LibreOffice, WPS)


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    label: str
    aliases: tuple[str, ...]


#: The columns a roster may have: field name, Chinese label, accepted headers.
#: Headers are matched after removing spaces, a required-marker ``*`` and a
#: unit in brackets (``金额（元）`` is ``金额``); English aliases ignore case.
FIELDS: Final[tuple[_Field, ...]] = (
    _Field("name", "姓名", ("姓名", "户主姓名", "收款人姓名", "补贴对象姓名", "name")),
    _Field(
        "id_number",
        "公民身份号码",
        ("身份证号", "身份证号码", "公民身份号码", "证件号码", "id_number", "idnumber"),
    ),
    _Field(
        "account",
        "社保卡号",
        (
            "社保卡号",
            "社会保障卡号",
            "银行账号",
            "银行卡号",
            "一卡通账号",
            "收款账号",
            "account",
            "account_number",
        ),
    ),
    # The account holder (户名): when the column is absent or a cell empty,
    # the holder is the row's name; a different name is kept for the
    # holder-name cross-check (代领/冒领).
    _Field(
        "holder_name",
        "户名",
        (
            "户名",
            "持卡人",
            "持卡人姓名",
            "账户名",
            "账户名称",
            "账户户名",
            "开户名",
            "收款户名",
            "holder_name",
        ),
    ),
    _Field("bank", "开户银行", ("开户银行", "代发银行", "开户行", "bank")),
    _Field("amount", "金额", ("金额", "补贴金额", "发放金额", "amount")),
    _Field("quantity", "数量", ("数量", "面积", "补贴面积", "头数", "quantity")),
    _Field("region", "区划代码", ("村组", "区划代码", "行政区划代码", "村组代码", "region")),
    _Field("phone", "联系电话", ("联系电话", "手机号", "手机号码", "电话", "phone")),
    _Field("memo", "备注", ("备注", "摘要", "memo")),
    _Field("household_id", "户编号", ("户编号", "户号", "household_id")),
    _Field("is_yikatong", "是否一卡通", ("是否一卡通", "是否社保卡", "is_yikatong")),
    # A row number column is common in templates; its values are not used
    # (items are numbered 1..n, and each keeps its source row number).
    _Field("seq", "序号", ("序号", "seq")),
)
_REQUIRED: Final = ("name", "id_number", "account", "amount", "region")
_LABEL: Final = {f.name: f.label for f in FIELDS}
_OPENERS: Final = "（("
_CLOSERS: Final = "）)"


def _strip_unit(key: str) -> str:
    """Drop a unit in brackets at the end (``金额（元）`` → ``金额``), in linear time.

    The unit is the last bracket pair, opened after the last earlier closing
    bracket: what ``re.sub(r"[（(][^）)]*[）)]$", "", key)`` removes, without the
    regular expression's quadratic search on a cell of many ``(``.
    """
    if not key or key[-1] not in _CLOSERS:
        return key
    body = key[:-1]
    after = max(body.rfind("）"), body.rfind(")")) + 1
    opens = [i for i in (body.find("（", after), body.find("(", after)) if i >= 0]
    return key[: min(opens)] if opens else key


def _header_key(text: str) -> str:
    key = "".join(text.split()).replace("*", "").replace("＊", "")
    return _strip_unit(key).casefold()


_ALIASES: Final = {_header_key(alias): f.name for f in FIELDS for alias in f.aliases}

#: Longest CSV line accepted, in bytes.
MAX_LINE_BYTES: Final = 1 << 20
_CHUNK: Final = 1 << 20
_NON_ASCII: Final = re.compile(rb"[\x80-\xff]")

_YES: Final = frozenset({"是", "y", "yes", "true", "1", "√"})
_NO: Final = frozenset({"否", "n", "no", "false", "0", "×"})
_GROUPED: Final = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")
_QUANTITY: TypeAdapter[Decimal] = TypeAdapter(Quantity)
_HOUSEHOLD_ID: Final = re.compile(r"[A-Za-z0-9_-]+")
_MEMO_MAX: Final = 60
M = TypeVar("M", bound=pydantic.BaseModel)
# Numbers of 16 or more digits cannot be held exactly by a spreadsheet's doubles.
_EXACT_INT: Final = 10**15


@dataclass(frozen=True, slots=True)
class XlsxLimits:
    """Bounds checked on an XLSX zip before it is parsed (zip-bomb defence).

    ``max_ratio`` applies to members larger than ``ratio_floor`` bytes
    uncompressed: sheet XML compresses by 10-30 times, a bomb by about 1000.
    """

    max_members: int = 1000
    max_uncompressed: int = 1 << 30
    max_ratio: int = 200
    ratio_floor: int = 1 << 20


DEFAULT_LIMITS: Final = XlsxLimits()


Source: TypeAlias = str | os.PathLike[str] | bytes | IO[bytes]


def _detail(exc: YikatongError, where: Location) -> ErrorDetail:
    return ErrorDetail(exc.code, exc.message, exc.location.merged(where))


def _err(code: str, message: str, **where: Any) -> RosterError:
    return RosterError(message, code=code, **where)
