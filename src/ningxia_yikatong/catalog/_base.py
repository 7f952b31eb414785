"""What the catalog's modules share: its error collection and model base."""

from __future__ import annotations

from .._model import DomainModel
from ..errors import CatalogError, ErrorDetail


def _raise_problems(problems: list[ErrorDetail], summary: str, code: str) -> None:
    if not problems:
        return
    if len(problems) == 1:
        only = problems[0]
        raise CatalogError(only.message, code=only.code, location=only.location)
    raise CatalogError(f"{summary}：{len(problems)}处问题", code=code, details=problems)


class _CatalogModel(DomainModel):
    """A domain model whose errors are :class:`CatalogError` with every problem kept."""

    _error_class = CatalogError
