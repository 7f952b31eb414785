"""Pydantic v2 integration shared by the value types.

A value type is a ``str`` (or ``Decimal``) subclass whose constructor validates
and normalises; pydantic calls that constructor and serialises the value back as
a plain string, so JSON round trips are exact.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, GetCoreSchemaHandler
from pydantic_core import core_schema

from .errors import InvalidValue


def value_type_schema(
    cls: type[Any],
    *,
    input_schema: core_schema.CoreSchema | None = None,
) -> core_schema.CoreSchema:
    """Core schema that validates with ``cls(value)`` and serialises with ``str``."""
    construct: Callable[[Any], Any] = cls
    return core_schema.no_info_plain_validator_function(
        construct,
        json_schema_input_schema=input_schema or core_schema.str_schema(),
        serialization=core_schema.to_string_ser_schema(),
    )


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise InvalidValue("数值不能用浮点数表示，请用字符串或 Decimal", code="decimal.float")
    return value


#: A ``Decimal`` field that refuses ``float`` input (rates, shares, quantities):
#: a binary float rarely is the number that was meant.
ExactDecimal = Annotated[Decimal, BeforeValidator(_no_float)]


class StrValue(str):
    """Base of string value types: validated once in ``__new__``."""

    __slots__ = ()

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return value_type_schema(cls)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str.__repr__(self._display())})"

    def _display(self) -> str:
        """The text a repr shows; personal identifiers override it to mask themselves,
        so that logging a model never writes out a whole ID or account number."""
        return str(self)
