"""Cell values: text and numbers from CSV and spreadsheet cells, checks of single values."""

from __future__ import annotations

import datetime as _dt
import io
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from typing import IO, Any, Final

import pydantic

from ..bank import BankAccount, BankCode, agent_banks
from ..beneficiary import Beneficiary
from ..errors import RosterError, YikatongError
from ..payout import PayoutItem
from ._common import (
    _EXACT_INT,
    _GROUPED,
    _HOUSEHOLD_ID,
    _LABEL,
    _QUANTITY,
    M,
    _err,
)

# -- cell conversion ---------------------------------------------------------------


def _text(value: object, field: str) -> str:
    """Cell to text; numbers only where Excel keeps them exactly."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
        return text
    if isinstance(value, (bool, _dt.date, _dt.time, _dt.timedelta)):
        raise _err("roster.cell_type", f"{_LABEL[field]}应为文本，单元格中是日期或逻辑值")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if field == "id_number" or abs(value) >= _EXACT_INT:
            raise _err(
                "roster.numeric_text",
                f"{_LABEL[field]}被存为数字，Excel已丢失末几位；请将该列设为文本格式后重新填写",
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
    """Drop Excel's leading apostrophe, typed to keep long numbers as text."""
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
