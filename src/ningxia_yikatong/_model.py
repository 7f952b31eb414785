"""Base class of the domain models: immutable pydantic models whose validation
errors are the library's own :class:`~ningxia_yikatong.errors.ModelError`."""

from __future__ import annotations

from typing import Any, Self

import pydantic
from pydantic import BaseModel, ConfigDict

from .errors import ErrorDetail, Location, ModelError, YikatongError

__all__ = ["DomainModel", "model_error"]


def _path(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def model_error(exc: pydantic.ValidationError, model: str) -> ModelError:
    """Translate pydantic's error into a :class:`ModelError` with one detail per field."""
    details = []
    for err in exc.errors(include_url=False, include_input=False):
        cause = (err.get("ctx") or {}).get("error")
        path = _path(err["loc"])
        if isinstance(cause, YikatongError):
            details.append(
                ErrorDetail(cause.code, cause.message, cause.location.merged(Location(path=path)))
            )
        else:
            details.append(
                ErrorDetail(f"model.{err['type']}", err["msg"], Location(path=path or None))
            )
    if len(details) == 1:
        only = details[0]
        return ModelError(f"{model}：{only.message}", code=only.code, location=only.location)
    return ModelError(f"{model}：{len(details)}处数据校验未通过", details=details)


class DomainModel(BaseModel):
    """Immutable, extra fields forbidden, errors translated to :class:`ModelError`."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=False)

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except pydantic.ValidationError as exc:
            raise model_error(exc, type(self).__name__) from None

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
            raise model_error(exc, cls.__name__) from None

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
            return super().model_validate_json(
                json_data,
                strict=strict,
                extra=extra,
                context=context,
                by_alias=by_alias,
                by_name=by_name,
            )
        except pydantic.ValidationError as exc:
            raise model_error(exc, cls.__name__) from None
