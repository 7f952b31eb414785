"""Pydantic v2 integration shared by the value types.

A value type is a ``str`` (or ``Decimal``) subclass whose constructor validates
and normalises; pydantic calls that constructor and serialises the value back as
a plain string, so JSON round trips are exact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema


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


class StrValue(str):
    """Base of string value types: validated once in ``__new__``."""

    __slots__ = ()

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return value_type_schema(cls)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str.__repr__(self)})"
