"""DomainModel: pydantic errors become ModelError, in Chinese, with field paths."""

from __future__ import annotations

import gc
from decimal import Decimal

import pytest

from ningxia_yikatong import PayoutItem
from ningxia_yikatong._model import gc_paused
from ningxia_yikatong.errors import ModelError
from ningxia_yikatong.policy import FundingShares, PerUnitStandard


def test_pydantic_errors_are_translated() -> None:
    with pytest.raises(ModelError) as info:
        PayoutItem.model_validate({"seq": 0, "surplus": 1})
    by_path = {d.location.path: (d.code, d.message) for d in info.value.details}
    assert by_path == {
        "seq": ("model.greater_than_equal", "应不小于 1"),
        "beneficiary": ("model.missing", "缺少必填字段"),
        "amount": ("model.missing", "缺少必填字段"),
        "surplus": ("model.extra_forbidden", "不允许的字段"),
    }


def test_json_errors_are_translated() -> None:
    with pytest.raises(ModelError) as info:
        PayoutItem.model_validate_json(b"{not json")
    assert info.value.code == "model.json_invalid"


@pytest.mark.parametrize(
    "build",
    [
        lambda: FundingShares(central=0.5, region=Decimal("0.5")),
        lambda: PerUnitStandard(unit="亩", rate=105.5),
    ],
)
def test_floats_refused_in_exact_decimals(build: object) -> None:
    with pytest.raises(ModelError) as info:
        build()  # type: ignore[operator]
    assert info.value.code == "decimal.float"


def test_gc_paused_restores_state() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the caller's choice is kept
    finally:
        gc.enable()
