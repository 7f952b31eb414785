"""The one guard of argument types shared by every area (``_arguments``)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest

from ningxia_yikatong._arguments import argument_error, checked, checked_on_failure
from ningxia_yikatong.banks import BankConfig, get_adapter
from ningxia_yikatong.errors import AdapterError, CheckError, YikatongError


@checked(CheckError, "check")
def _load(path: str | Path, codes: Iterable[str], *, mode: Literal["a", "b"] = "a") -> str:
    return f"{path}:{','.join(codes)}:{mode}"


def test_argument_error_names_where_parameter_expected_and_given() -> None:
    exc = argument_error(AdapterError, "adapter", "f", "data", expected="bytes", value="x")
    assert isinstance(exc, AdapterError)
    assert exc.code == "adapter.argument_type"
    assert exc.message == "f 的参数 data 应为 bytes，实际为 str"


def test_checked_lets_right_arguments_through() -> None:
    assert _load(Path("p"), ["A", "B"], mode="b") == "p:A,B:b"
    assert _load("p", ("A",)) == "p:A:a"


@pytest.mark.parametrize(
    ("args", "kwargs", "name", "expected", "given"),
    [
        ((b"p", []), {}, "path", "str | Path", "bytes"),
        ((None, []), {}, "path", "str | Path", "NoneType"),
        (("p", 5), {}, "codes", "Iterable[str]", "int"),
        (("p", "AB"), {}, "codes", "Iterable[str]", "str"),  # a text is no list of codes
        (("p", []), {"mode": "c"}, "mode", "'a' | 'b'", "str"),
    ],
)
def test_checked_refuses_wrong_types_with_the_areas_error(
    args: tuple[Any, ...], kwargs: dict[str, Any], name: str, expected: str, given: str
) -> None:
    with pytest.raises(CheckError) as info:
        _load(*args, **kwargs)
    assert info.value.code == "check.argument_type"
    assert info.value.message == f"_load 的参数 {name} 应为 {expected}，实际为 {given}"


def test_checked_leaves_a_missing_argument_to_the_interpreter() -> None:
    with pytest.raises(TypeError, match="codes"):
        _load("p")  # type: ignore[call-arg]


class _Region:
    calls = 0

    @checked_on_failure(CheckError, "check")
    def contains(self, other: str) -> bool:
        _Region.calls += 1
        return other.startswith("64")

    @checked_on_failure(CheckError, "check")
    def broken(self, other: str) -> bool:
        raise KeyError(other)


def test_checked_on_failure_tests_only_a_failed_call() -> None:
    region = _Region()
    assert region.contains("640122") is True
    # A wrong type that happens to work is not looked at: no check on the way in.
    assert region.contains(_Text("640122")) is True  # type: ignore[arg-type]
    with pytest.raises(CheckError) as info:
        region.contains(640122)  # type: ignore[arg-type]
    assert info.value.code == "check.argument_type"
    assert info.value.message == "_Region.contains 的参数 other 应为 str，实际为 int"
    assert isinstance(info.value.__cause__ or info.value.__context__, AttributeError)


def test_checked_on_failure_keeps_the_failure_of_a_right_call() -> None:
    with pytest.raises(KeyError):
        _Region().broken("640122")


class _Text:
    def __init__(self, text: str) -> None:
        self.text = text

    def startswith(self, prefix: str) -> bool:
        return self.text.startswith(prefix)


def test_the_adapters_guard_and_the_registry_share_the_message() -> None:
    with pytest.raises(AdapterError) as info:
        get_adapter("psbc", config=5)  # type: ignore[arg-type]
    assert info.value.code == "adapter.argument_type"
    assert info.value.message == "get_adapter 的参数 config 应为 BankConfig | None，实际为 int"
    with pytest.raises(AdapterError) as info:
        get_adapter("psbc").parse_return(b"x", None)  # type: ignore[arg-type]
    assert info.value.message.startswith("psbc.parse_return 的参数 files 应为 ")
    assert isinstance(get_adapter("psbc", BankConfig()).config, BankConfig)


def test_every_area_error_is_a_library_error() -> None:
    assert issubclass(CheckError, YikatongError)


@checked(CheckError, "check")
def _share(value: float) -> float:
    return float(value)


def test_a_float_parameter_takes_any_real_number_but_no_text() -> None:
    quarter: Any = Decimal("0.25")
    assert _share(1) + _share(0.5) + _share(quarter) == 1.75
    with pytest.raises(CheckError, match="应为 float，实际为 str"):
        _share("0.5")  # type: ignore[arg-type]
