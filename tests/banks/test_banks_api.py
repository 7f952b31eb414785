"""The public API of ningxia_yikatong.banks and its formats module."""

from __future__ import annotations

import inspect
import types

import pytest

import ningxia_yikatong.banks
import ningxia_yikatong.banks.formats


@pytest.mark.parametrize("module", [ningxia_yikatong.banks, ningxia_yikatong.banks.formats])
def test_all_is_complete(module: types.ModuleType) -> None:
    public = {
        name
        for name, obj in vars(module).items()
        if not name.startswith("_") and not inspect.ismodule(obj) and name != "annotations"
    }
    assert set(module.__all__) == public
    assert len(set(module.__all__)) == len(module.__all__)


def test_fixed_names_for_reconciliation() -> None:
    fixed = {"get_adapter", "available_adapters", "registry_failures", "PaymentFile"}
    fixed |= {"ReturnRecord", "ReturnStatus", "BankReturn", "BankSimulator", "BankConfig"}
    assert fixed <= set(ningxia_yikatong.banks.__all__)
