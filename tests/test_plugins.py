"""Entry-point loading: fakes of importlib.metadata, never installed packages."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from importlib import metadata

import pytest

from ningxia_yikatong._plugins import load_entry_points

GROUP = "ningxia_yikatong.tests"


@pytest.fixture
def fake_module() -> Iterator[str]:
    module = types.ModuleType("yikatong_fake_plugin")
    module.GOOD = "good"  # type: ignore[attr-defined]
    module.OTHER = "other"  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    yield module.__name__
    del sys.modules[module.__name__]


def ep(name: str, value: str) -> metadata.EntryPoint:
    return metadata.EntryPoint(name=name, value=value, group=GROUP)


def test_loads_good_reports_broken_and_duplicates(fake_module: str) -> None:
    loaded, failed = load_entry_points(
        GROUP,
        entry_points=[
            ep("good", f"{fake_module}:GOOD"),
            ep("broken", "yikatong_no_such_module:X"),
            ep("missing_attr", f"{fake_module}:NOPE"),
            ep("good", f"{fake_module}:OTHER"),
        ],
    )
    assert [(p.name, p.obj) for p in loaded] == [("good", "good")]
    assert {f.name for f in failed} == {"broken", "missing_attr", "good"}
    broken = next(f for f in failed if f.name == "broken")
    assert "ModuleNotFoundError" in broken.error
    duplicate = next(f for f in failed if f.name == "good")
    assert "名称重复" in duplicate.error


def test_blocked_names_are_skipped(fake_module: str) -> None:
    loaded, failed = load_entry_points(
        GROUP, entry_points=[ep("good", f"{fake_module}:GOOD")], blocked=["good"]
    )
    assert loaded == []
    assert failed == []


def test_installed_group_that_does_not_exist_is_empty() -> None:
    assert load_entry_points("ningxia_yikatong.no_such_group") == ([], [])
