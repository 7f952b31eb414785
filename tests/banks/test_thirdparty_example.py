"""The example third-party adapter package (examples/thirdparty_bank), registered
through a faked entry point exactly as its pyproject.toml declares it, passes the
conformance kit."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from ningxia_yikatong.banks import (
    ENTRY_POINT_GROUP,
    available_adapters,
    discover_adapters,
    get_adapter,
)
from ningxia_yikatong.testing.conformance import ConformanceCase, conformance_cases

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "thirdparty_bank"


@pytest.fixture(scope="module")
def example_registered() -> Iterator[str]:
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text("utf-8"))
    declared = project["project"]["entry-points"][ENTRY_POINT_GROUP]
    assert list(declared) == ["demo_vb", "demo_xb", "demo_jb"]
    sys.path.insert(0, str(EXAMPLE / "src"))
    fake = [
        metadata.EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)
        for name, value in declared.items()
    ]
    discover_adapters([*metadata.entry_points(group=ENTRY_POINT_GROUP), *fake])
    yield "demo_vb"
    sys.path.remove(str(EXAMPLE / "src"))
    sys.modules.pop("yikatong_bank_example", None)
    sys.modules.pop("yikatong_bank_example.xml_bank", None)
    sys.modules.pop("yikatong_bank_example.json_bank", None)
    discover_adapters()


def _cases() -> list[ConformanceCase]:
    return [
        ConformanceCase(code, check, size)
        for code, model in (("demo_vb", "abc"), ("demo_xb", "ccb"), ("demo_jb", "bonx"))
        for check, size in {(c.check, c.size) for c in conformance_cases([model])}
    ]


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.large else [])
        for c in sorted(_cases(), key=lambda c: c.id)
    ],
)
def test_example_adapter_passes_the_kit(example_registered: str, case: ConformanceCase) -> None:
    case.run()


def test_example_adapter_is_registered(example_registered: str) -> None:
    info = available_adapters()[example_registered]
    assert info.name == "宁夏示例村镇银行"
    assert info.entry_point == "yikatong_bank_example:ExampleVillageBankAdapter"
    adapter = get_adapter(example_registered)
    assert len(adapter.reportable_statuses) == 6


def test_example_xml_adapter_is_registered(example_registered: str) -> None:
    info = available_adapters()["demo_xb"]
    assert info.name == "宁夏示例合作银行"
    assert info.entry_point == "yikatong_bank_example.xml_bank:ExampleXmlBankAdapter"
    assert get_adapter("demo_xb").encoding == "utf-8"


def test_example_json_adapter_is_registered(example_registered: str) -> None:
    info = available_adapters()["demo_jb"]
    assert info.name == "宁夏示例开放银行"
    assert info.entry_point == "yikatong_bank_example.json_bank:ExampleJsonBankAdapter"
    assert get_adapter("demo_jb").signature_scheme == "SM2-SM3"
