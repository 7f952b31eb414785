"""Amounts of money (金额): yuan as :class:`~decimal.Decimal` with two places (fen).

A subsidy amount is always positive and exact to the fen. Floats are refused
outright, because ``0.1 + 0.2`` is not ``0.3`` in binary floating point; so is
any value that would need rounding (``12.345``): a batch total must equal the sum
of its lines exactly.

>>> Amount("1200.5")
Amount('1200.50')
>>> Amount("1200.50").to_fen()
120050
>>> Amount.from_fen(99)
Amount('0.99')
>>> Amount(0.1)
Traceback (most recent call last):
...
ningxia_yikatong.errors.InvalidAmount: 金额不能用浮点数表示，请用字符串或 Decimal [amount.float]
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from ._types import value_type_schema
from .errors import InvalidAmount

__all__ = ["CENT", "MAX_AMOUNT", "Amount", "total"]

CENT: Final = Decimal("0.01")
#: Upper bound of one payout item: 10,000,000.00 yuan. No subsidy to one person
#: comes near it; a larger figure is a data-entry error (an ID pasted as amount).
MAX_AMOUNT: Final = Decimal("10000000.00")
_ZERO: Final = Decimal(0)


class Amount(Decimal):
    """A positive amount in yuan, exact to the fen (2 decimal places).

    Accepts ``str`` (``"12.3"``, ``"12.30"``), ``int`` and ``Decimal``; refuses
    ``float`` and ``bool``, more than two significant decimals, zero, negative
    and non-finite values, and anything above :data:`MAX_AMOUNT`. Arithmetic
    gives plain ``Decimal`` (a difference may be zero or negative).
    """

    __slots__ = ()

    def __new__(cls, value: Any) -> Amount:
        if type(value) is cls:
            return value
        if isinstance(value, str):
            text = value.strip()
            if not text:
                raise InvalidAmount("金额为空", code="amount.empty")
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise InvalidAmount("金额不是数字", code="amount.format") from None
        elif isinstance(value, Decimal):
            number = value
        elif isinstance(value, bool):
            raise InvalidAmount("金额不能是布尔值", code="amount.type")
        elif isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            raise InvalidAmount("金额不能用浮点数表示，请用字符串或 Decimal", code="amount.float")
        else:
            raise InvalidAmount(f"金额类型不受支持：{type(value).__name__}", code="amount.type")
        if not number.is_finite():
            raise InvalidAmount("金额不是有限数值", code="amount.format")
        if number <= _ZERO:
            raise InvalidAmount("金额必须大于零", code="amount.not_positive")
        if number > MAX_AMOUNT:
            raise InvalidAmount(f"金额超过上限 {MAX_AMOUNT} 元", code="amount.too_large")
        try:
            exact = number.quantize(CENT)
        except InvalidOperation:  # pragma: no cover - bounded above, cannot overflow
            raise InvalidAmount("金额不是数字", code="amount.format") from None
        if exact != number:
            raise InvalidAmount("金额最多保留两位小数（分）", code="amount.precision")
        return Decimal.__new__(cls, exact)

    @classmethod
    def from_fen(cls, fen: int) -> Amount:
        """The amount of ``fen`` (分), an ``int``."""
        if type(fen) is not int:
            raise InvalidAmount("以分计的金额必须是整数", code="amount.type")
        return cls(Decimal(fen).scaleb(-2))

    def to_fen(self) -> int:
        """This amount in fen (分) as an ``int``."""
        return int(self.scaleb(2))

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return value_type_schema(
            cls,
            input_schema=core_schema.union_schema(
                [core_schema.str_schema(), core_schema.int_schema()]
            ),
        )

    def __repr__(self) -> str:
        return f"Amount('{self}')"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self),))


def total(amounts: Iterable[Decimal]) -> Decimal:
    """Exact sum of amounts, ``Decimal('0.00')`` for none.

    >>> total([Amount("0.10"), Amount("0.20")])
    Decimal('0.30')
    """
    result = Decimal("0.00")
    for amount in amounts:
        result += amount
    return result
