"""Base class of the domain models: immutable pydantic models whose validation
errors are the library's own :class:`~ningxia_yikatong.errors.ModelError`."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, ClassVar, Self

import pydantic
from pydantic import BaseModel, ConfigDict, model_validator

from .errors import ErrorDetail, Location, ModelError, YikatongError

__all__ = ["DomainModel", "gc_paused", "model_error"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects.

    Validation creates millions of small objects that all survive (the value
    types are ``str`` and ``Decimal`` subclasses, which CPython tracks), and
    nothing in it creates reference cycles; collections triggered on the way
    only traverse the growing result again and again, which doubles the time
    of a large batch. The collector is left disabled if the caller had
    disabled it.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _path(loc: tuple[str | int, ...]) -> str | None:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or None


def _join(prefix: str | None, inner: str | None) -> str | None:
    if not prefix:
        return inner
    if not inner:
        return prefix
    return prefix + (inner if inner.startswith("[") else "." + inner)


# Chinese messages for pydantic's own error types; ``{...}`` take the error's context.
_MESSAGES: dict[str, str] = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段",
    "frozen_instance": "对象不可修改",
    "string_type": "应为文本",
    "string_too_short": "文本长度不能少于 {min_length} 个字符",
    "string_too_long": "文本长度不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为是或否",
    "bool_parsing": "应为是或否",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "decimal_type": "应为数值",
    "decimal_parsing": "应为数值",
    "decimal_max_places": "小数位数不能超过 {decimal_places} 位",
    "decimal_max_digits": "数字位数不能超过 {max_digits} 位",
    "decimal_whole_digits": "整数部分位数过多",
    "finite_number": "应为有限数值",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "应为日期，不能带时间",
    "datetime_type": "应为日期时间",
    "datetime_parsing": "应为日期时间",
    "literal_error": "取值应为 {expected}",
    "enum": "取值应为 {expected}",
    "union_tag_invalid": "类型标记 {tag} 无效，应为 {expected_tags}",
    "union_tag_not_found": "缺少类型标记字段 {discriminator}",
    "tuple_type": "应为列表",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "json_invalid": "JSON 格式错误",
    "json_type": "应为 JSON 文本",
}


def _message(err: Any) -> str:
    template = _MESSAGES.get(err["type"])
    if template is None:
        return str(err["msg"])
    try:
        return template.format(**(err.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return template.split("{")[0].strip() or str(err["msg"])


def model_error(
    exc: pydantic.ValidationError, model: str, error_class: type[ModelError] = ModelError
) -> ModelError:
    """Translate pydantic's error into ``error_class`` with one detail per problem.

    Each detail keeps the code of the library error that caused it and its full
    path (``items[3].beneficiary.id_number``), problems a nested model's own
    validator listed included; pydantic's own error types get Chinese messages.
    """
    errors = exc.errors(include_url=False, include_input=False)
    details: list[ErrorDetail] = []
    for err in errors:
        cause = (err.get("ctx") or {}).get("error")
        outer = _path(err["loc"])
        if isinstance(cause, YikatongError):
            for d in cause.details or (cause.detail,):
                path = _join(outer, d.location.path)
                details.append(ErrorDetail(d.code, d.message, replace(d.location, path=path)))
        else:
            details.append(ErrorDetail(f"model.{err['type']}", _message(err), Location(path=outer)))
    if len(errors) == 1:
        cause = (errors[0].get("ctx") or {}).get("error")
        if isinstance(cause, YikatongError) and cause.details:
            return error_class(
                f"{model}：{cause.message}",
                code=cause.code,
                location=Location(path=_path(errors[0]["loc"])),
                details=details,
            )
    if len(details) == 1:
        only = details[0]
        return error_class(f"{model}：{only.message}", code=only.code, location=only.location)
    return error_class(f"{model}：{len(details)}处数据校验未通过", details=details)


# One shared set per combination of given field names (see DomainModel).
_FIELDS_SETS: dict[frozenset[str], set[str]] = {}


class DomainModel(BaseModel):
    """Immutable, extra fields forbidden, errors translated to :class:`ModelError`."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=False)

    #: The error a validation failure becomes (a subclass of :class:`ModelError`).
    _error_class: ClassVar[type[ModelError]] = ModelError

    def __init__(self, /, **data: Any) -> None:
        try:
            with gc_paused():
                super().__init__(**data)
        except pydantic.ValidationError as exc:
            raise model_error(exc, type(self).__name__, self._error_class) from None

    # Tell pydantic this __init__ only wraps the base one: nested models are then
    # built by pydantic-core directly, not through a Python call per object.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @model_validator(mode="after")
    def _share_fields_set(self) -> Self:
        """Share ``__pydantic_fields_set__`` with every instance given the same fields.

        Pydantic gives each instance its own set of the field names it was given:
        200 to 700 bytes, as much as the rest of a payout item together. The
        models are frozen, so the set is never changed in place (``model_copy``
        copies it before it adds to it), and instances can share one. Doing it
        here, as each instance is built, keeps the copies from piling up while a
        million items are validated.
        """
        names = self.__pydantic_fields_set__
        shared = _FIELDS_SETS.setdefault(frozenset(names), names)
        if shared is not names:
            object.__setattr__(self, "__pydantic_fields_set__", shared)
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            super().__setattr__(name, value)
        except pydantic.ValidationError as exc:
            raise model_error(exc, type(self).__name__, self._error_class) from None

    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: Any = None,
        from_attributes: bool | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        try:
            with gc_paused():
                return super().model_validate(
                    obj,
                    strict=strict,
                    extra=extra,
                    from_attributes=from_attributes,
                    context=context,
                    by_alias=by_alias,
                    by_name=by_name,
                )
        except pydantic.ValidationError as exc:
            raise model_error(exc, cls.__name__, cls._error_class) from None

    @classmethod
    def model_validate_json(
        cls,
        json_data: str | bytes | bytearray,
        *,
        strict: bool | None = None,
        extra: Any = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        try:
            with gc_paused():
                return super().model_validate_json(
                    json_data,
                    strict=strict,
                    extra=extra,
                    context=context,
                    by_alias=by_alias,
                    by_name=by_name,
                )
        except pydantic.ValidationError as exc:
            raise model_error(exc, cls.__name__, cls._error_class) from None
