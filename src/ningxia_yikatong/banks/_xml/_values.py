"""Values shared by the message formats: amounts in yuan, integers, seqs, times."""

from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal
from typing import Any, Final

from ...errors import BankFileError
from ._reader import Item

__all__ = ["parse_datetime", "parse_int", "parse_yuan", "unique_seq", "yuan"]

_YUAN = re.compile(r"(0|[1-9][0-9]{0,14})\.[0-9]{2}")


def yuan(value: Any) -> str:
    """An amount as yuan with 2 decimals (``"1234.50"``)."""
    return f"{value:.2f}"


def parse_yuan(text: str, file: str | None, *, positive: bool = True, **where: Any) -> Decimal:
    """Yuan with exactly 2 decimals, as the message formats write them."""
    if not isinstance(text, str) or _YUAN.fullmatch(text) is None:
        raise BankFileError(
            "金额应为以元为单位、两位小数的数字", code="bankfile.amount", file=file, **where
        )
    value = Decimal(text)
    if positive and value <= 0:
        raise BankFileError("金额应大于零", code="bankfile.amount", file=file, **where)
    return value


def parse_int(text: str, file: str | None, *, what: str, **where: Any) -> int:
    """A non-negative decimal integer (counts, seq)."""
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise BankFileError(f"{what}应为整数", code="bankfile.integer", file=file, **where)
    return int(text)


def unique_seq(item: Item, key: str, file: str, seen: set[int], *, in_return: bool) -> int:
    """The item's seq (序号) at ``key``, added to ``seen``.

    Refused when it repeats; in instructions also when it is below 1.
    """
    seq = parse_int(item.values[key], file, what="序号", **item.where(key))
    if seq in seen or (not in_return and seq < 1):
        message = f"回盘中序号{seq}重复" if in_return else f"序号{seq}重复或无效"
        raise BankFileError(message, code="bankfile.seq_duplicate", file=file, **item.where(key))
    seen.add(seq)
    return seq


_DASHED_TIME: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


def parse_datetime(text: str, fmt: str, file: str | None, **where: Any) -> _dt.datetime | None:
    """A timestamp in ``fmt`` (``"iso"`` for ISO 8601); empty is ``None``."""
    if text == "":
        return None
    try:
        if fmt == "%Y%m%d%H%M%S" and len(text) == 14 and text.isascii() and text.isdigit():
            # the common case, ten times faster than strptime
            return _dt.datetime(
                int(text[:4]),
                int(text[4:6]),
                int(text[6:8]),
                int(text[8:10]),
                int(text[10:12]),
                int(text[12:]),
            )
        if fmt == "%Y-%m-%d %H:%M:%S" and _DASHED_TIME.fullmatch(text):
            # the common case of the JSON banks, as above
            return _dt.datetime(
                int(text[:4]),
                int(text[5:7]),
                int(text[8:10]),
                int(text[11:13]),
                int(text[14:16]),
                int(text[17:]),
            )
        if fmt == "iso":
            return _dt.datetime.fromisoformat(text)
        return _dt.datetime.strptime(text, fmt)
    except ValueError:
        raise BankFileError(
            f"时间“{text[:32]}”格式错误", code="bankfile.datetime", file=file, **where
        ) from None
