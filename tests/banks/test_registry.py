"""The adapter registry: entry points, failures reported, lookups."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from ningxia_yikatong import BankCode
from ningxia_yikatong.banks import (
    ENTRY_POINT_GROUP,
    available_adapters,
    discover_adapters,
    get_adapter,
    registry_failures,
)
from ningxia_yikatong.banks.abc import AbcAdapter
from ningxia_yikatong.errors import AdapterError, InvalidAccount


def ep(name: str, value: str) -> metadata.EntryPoint:
    return metadata.EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


@pytest.fixture
def fake_plugins() -> Iterator[str]:
    module = types.ModuleType("yikatong_fake_banks")

    class Renamed(AbcAdapter):
        code = "renamed"

    module.Renamed = Renamed  # type: ignore[attr-defined]
    module.NotAnAdapter = object  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    yield module.__name__
    del sys.modules[module.__name__]
    discover_adapters()


def test_built_in_banks_come_through_entry_points() -> None:
    adapters = available_adapters()
    for code in ("abc", "icbc", "nxrcb", "psbc"):
        info = adapters[code]
        assert info.code == code
        assert info.adapter.code == code
        assert info.distribution is not None
        assert info.distribution.startswith("ningxia-yikatong")
        assert info.entry_point.startswith("ningxia_yikatong.banks.")
    assert "abc" in adapters
    assert len(adapters) >= 4
    assert not [f for f in registry_failures() if f.name in adapters]


def test_broken_plugins_are_reported_and_do_not_break_the_others(fake_plugins: str) -> None:
    installed = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
    adapters, failures = discover_adapters(
        [
            *installed,
            ep("broken", "yikatong_no_such_module:Adapter"),
            ep("notadapter", f"{fake_plugins}:NotAnAdapter"),
            ep("wrongname", f"{fake_plugins}:Renamed"),
            ep("renamed", f"{fake_plugins}:Renamed"),
            ep("abc", f"{fake_plugins}:Renamed"),
        ]
    )
    assert {"abc", "nxrcb", "psbc", "icbc", "renamed"} <= set(adapters)
    assert adapters["abc"].adapter is AbcAdapter
    reasons = {f.name: f.error for f in failures}
    assert "ModuleNotFoundError" in reasons["broken"]
    assert "BankAdapter" in reasons["notadapter"]
    assert "wrongname" in reasons["wrongname"]
    assert "重复" in reasons["abc"]
    assert registry_failures() == failures
    with pytest.raises(AdapterError) as info:
        get_adapter("broken")
    assert info.value.code == "adapter.broken"
    assert get_adapter("renamed").code == "renamed"


def test_unknown_code_lists_the_known_ones() -> None:
    with pytest.raises(AdapterError) as info:
        get_adapter("nope")
    assert info.value.code == "adapter.unknown"
    assert "psbc" in info.value.message
    assert get_adapter(" PSBC ").code == "psbc"
    with pytest.raises(AdapterError):
        get_adapter("psbc", config={"file_sequence": 2})  # type: ignore[arg-type]


_LAZY_ADAPTER = """
from ningxia_yikatong.banks.abc import AbcAdapter


class SzsbAdapter(AbcAdapter):
    code = "szsb"
    name = "石嘴山示例银行"
    cnaps = None
"""


def test_a_third_party_bank_code_is_valid_before_any_adapter_is_asked_for(
    tmp_path: Path,
) -> None:
    # A fresh interpreter with one more installed distribution, as pip leaves it.
    (tmp_path / "szsb_bank.py").write_text(_LAZY_ADAPTER, "utf-8")
    info = tmp_path / "szsb_bank-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: szsb-bank\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nszsb = szsb_bank:SzsbAdapter\n", "utf-8"
    )
    program = (
        "from ningxia_yikatong import BankCode\n"
        "code = BankCode('SZSB')\n"
        "print(code, code.info.name)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, env=env, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().split() == ["szsb", "石嘴山示例银行"]


def test_an_unknown_bank_code_is_still_refused_after_discovery() -> None:
    with pytest.raises(InvalidAccount) as info:
        BankCode("nosuchbank")
    assert info.value.code == "bank_code.unknown"
