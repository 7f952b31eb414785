"""The exception tree: one root, stable codes, locations, pickling."""

from __future__ import annotations

import inspect
import pickle

import pytest

from ningxia_yikatong import errors
from ningxia_yikatong.errors import (
    ErrorDetail,
    InvalidAmount,
    Location,
    RosterError,
    YikatongError,
)

ERROR_CLASSES: list[type[Exception]] = [
    obj
    for name, obj in inspect.getmembers(errors, inspect.isclass)
    if issubclass(obj, Exception) and obj.__module__ == errors.__name__
]


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_every_error_is_a_yikatong_value_error_with_defaults(cls: type[Exception]) -> None:
    assert issubclass(cls, YikatongError)
    assert issubclass(cls, ValueError)
    err = cls()
    assert err.code
    assert err.message
    assert cls.__name__ in errors.__doc__  # drawn in the tree
    assert cls.__name__ in errors.__all__


def test_codes_are_unique() -> None:
    codes = [cls.code for cls in ERROR_CLASSES if issubclass(cls, YikatongError)]
    assert len(codes) == len(ERROR_CLASSES)
    assert len(codes) == len(set(codes))


def test_location_is_added_by_outer_layers() -> None:
    err = InvalidAmount("金额必须大于零", code="amount.not_positive")
    assert str(err) == "金额必须大于零 [amount.not_positive]"
    err.at(row=7, column="金额").at(file="花名册.csv", row=99)
    assert err.location == Location(file="花名册.csv", row=7, column="金额")
    assert str(err) == "文件 花名册.csv 第7行 列“金额”：金额必须大于零 [amount.not_positive]"
    assert err.args == (str(err),)


def test_details_are_listed_and_capped() -> None:
    details = [ErrorDetail("id.checksum", "校验位错误", Location(row=i)) for i in range(25)]
    err = RosterError("花名册有错误", details=details, file="a.csv")
    text = str(err)
    assert text.startswith("文件 a.csv：花名册有错误 [roster.invalid]")
    assert "第0行：校验位错误 [id.checksum]" in text
    assert "另有 5 处错误" in text


def test_pickle_keeps_everything() -> None:
    err = RosterError(
        "缺少必填列", code="roster.column_missing", file="a.csv", details=[ErrorDetail("x", "y")]
    )
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is RosterError
    assert (again.code, again.message, again.location, again.details) == (
        err.code,
        err.message,
        err.location,
        err.details,
    )
