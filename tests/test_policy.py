"""Subsidy policies and their standards: amounts, validation, JSON round trip."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong import Amount, SubsidyPolicy
from ningxia_yikatong.errors import ModelError, YikatongError
from ningxia_yikatong.policy import (
    DeclaredStandard,
    FixedStandard,
    Frequency,
    FundingShares,
    PerUnitStandard,
    PolicyCategory,
    Target,
    Tier,
    TieredStandard,
)
from ningxia_yikatong.testing.strategies import subsidy_policies


def policy_data(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "NX-TEST-01",
        "name": "困难残疾人生活补贴",
        "category": "disability",
        "department": "自治区民政厅",
        "legal_basis": "国发〔2015〕52号",
        "standard": {"kind": "fixed", "amount": "80"},
        "funding": {"region": "0.6", "county": "0.4"},
        "frequency": "monthly",
        "regions": ["640000"],
        "effective_from": "2016-01-01",
    }
    data.update(extra)
    return data


def elderly_tiers() -> TieredStandard:
    return TieredStandard(
        tiers=(
            Tier(min_age=80, max_age=89, amount=Amount("100")),
            Tier(min_age=90, max_age=99, amount=Amount("200")),
            Tier(min_age=100, amount=Amount("500")),
        )
    )


# --------------------------------------------------------------------- standards


def test_fixed_standard_ignores_quantity_and_age() -> None:
    std = FixedStandard(amount=Amount("80"))
    assert std.amount_for() == Amount("80.00")
    assert std.amount_for(quantity=Decimal(3), age=90) == Amount("80")


@pytest.mark.parametrize(
    ("rate", "quantity", "expected"),
    [
        # rate × quantity, rounded half up (四舍五入) to the fen
        ("105.5", "12.5", "1318.75"),
        ("0.125", "1", "0.13"),  # exactly half a fen: up
        ("0.1249", "1", "0.12"),  # just below half: down
        ("7.5", "0.0010", "0.01"),  # 0.0075 → 0.01
        ("7.5", "0.0006", "0.00"),  # rounds to nothing: refused below
        ("10", "50", "500.00"),
        ("3.3333", "3", "10.00"),  # 9.9999 → 10.00
    ],
)
def test_per_unit_standard_rounds_half_up(rate: str, quantity: str, expected: str) -> None:
    std = PerUnitStandard(unit="亩", rate=Decimal(rate))
    if expected == "0.00":
        with pytest.raises(YikatongError) as info:
            std.amount_for(quantity=Decimal(quantity))
        assert info.value.code == "amount.not_positive"
    else:
        result = std.amount_for(quantity=Decimal(quantity))
        assert isinstance(result, Amount)
        assert result == Decimal(expected)
        assert str(result) == expected


def test_per_unit_standard_quantity_limits() -> None:
    std = PerUnitStandard(unit="头", rate=Decimal("10"), max_quantity=Decimal("50"))
    assert std.amount_for(quantity=Decimal("50")) == Amount("500")  # exactly at the cap
    with pytest.raises(ModelError) as info:
        std.amount_for(quantity=Decimal("50.0001"))
    assert info.value.code == "standard.quantity_too_large"
    for missing in (None, Decimal(0), Decimal(-1)):
        with pytest.raises(ModelError) as info:
            std.amount_for(quantity=missing)
        assert info.value.code == "standard.quantity_missing"


@pytest.mark.parametrize(
    ("age", "expected"),
    [(80, "100"), (89, "100"), (90, "200"), (99, "200"), (100, "500"), (120, "500")],
)
def test_tiered_standard_band_edges(age: int, expected: str) -> None:
    assert elderly_tiers().amount_for(age=age) == Amount(expected)


def test_tiered_standard_outside_every_band_and_without_age() -> None:
    with pytest.raises(ModelError) as info:
        elderly_tiers().amount_for(age=79)
    assert info.value.code == "standard.no_tier"
    with pytest.raises(ModelError) as info:
        elderly_tiers().amount_for()
    assert info.value.code == "standard.age_missing"


@pytest.mark.parametrize(
    ("tiers", "code"),
    [
        ([(80, 90), (90, 99)], "standard.tier_overlap"),  # 90 in both
        ([(80, None), (100, None)], "standard.tier_overlap"),  # open end covers 100+
        ([(None, 10), (5, 20)], "standard.tier_overlap"),  # open start is 0
        ([(90, 80)], "standard.tier_range"),
        ([(60, 70), (90, 80)], "standard.tier_range"),
        ([(90, 80), (100, None)], "standard.tier_range"),
    ],
)
def test_tiered_standard_refuses_bad_bands(
    tiers: list[tuple[int | None, int | None]], code: str
) -> None:
    with pytest.raises(ModelError) as info:
        TieredStandard(
            tiers=tuple(Tier(min_age=lo, max_age=hi, amount=Amount("1")) for lo, hi in tiers)
        )
    assert info.value.code == code


def test_tiered_standard_needs_a_tier() -> None:
    with pytest.raises(ModelError) as info:
        TieredStandard(tiers=())
    assert info.value.code == "model.too_short"


def test_declared_standard_cap() -> None:
    std = DeclaredStandard(cap=Amount("800"))
    # The cap is the largest correct amount; an amount exactly at it is allowed.
    assert std.amount_for() == Amount("800.00")
    assert Amount("800.00") <= std.amount_for()
    assert not Amount("800.01") <= std.amount_for()


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("amount", 80.0, "amount.float"),
        ("amount", "80.001", "amount.precision"),
        ("amount", "0", "amount.not_positive"),
    ],
)
def test_standard_amounts_are_amounts(field: str, value: object, code: str) -> None:
    with pytest.raises(ModelError) as info:
        FixedStandard.model_validate({field: value})
    assert info.value.code == code
    assert info.value.location.path == "amount"


def test_per_unit_rate_precision_and_finiteness() -> None:
    with pytest.raises(ModelError) as info:
        PerUnitStandard.model_validate({"unit": "亩", "rate": "1.00001"})
    assert info.value.location.path == "rate"
    with pytest.raises(ModelError):
        PerUnitStandard.model_validate({"unit": "亩", "rate": "NaN"})
    with pytest.raises(ModelError):
        PerUnitStandard.model_validate({"unit": "亩", "rate": "1", "max_quantity": "Infinity"})
    with pytest.raises(ModelError):
        PerUnitStandard.model_validate({"unit": "", "rate": "1"})


# --------------------------------------------------------------------- funding


@pytest.mark.parametrize(
    "shares",
    [
        {"central": "1"},
        {"central": "0.8", "region": "0.1", "county": "0.1"},
        {"region": "0.3333", "city": "0.3333", "county": "0.3334"},
    ],
)
def test_funding_shares_sum_to_one(shares: dict[str, str]) -> None:
    funding = FundingShares.model_validate(shares)
    assert funding.central + funding.region + funding.city + funding.county == 1


@pytest.mark.parametrize(
    "shares",
    [
        {},
        {"central": "0.5"},
        {"central": "0.8", "region": "0.1", "county": "0.1001"},
        {"region": "0.3333", "city": "0.3333", "county": "0.3333"},
    ],
)
def test_funding_shares_not_summing_to_one(shares: dict[str, str]) -> None:
    with pytest.raises(ModelError) as info:
        FundingShares.model_validate(shares)
    assert info.value.code == "policy.funding_sum"
    assert "分担比例之和应为1" in info.value.message


def test_funding_share_out_of_range() -> None:
    with pytest.raises(ModelError) as info:
        FundingShares.model_validate({"central": "1.5", "county": "-0.5"})
    paths = {d.location.path for d in info.value.details}
    assert paths == {"central", "county"}


def test_policy_funding_error_names_the_field() -> None:
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(policy_data(funding={"central": "0.6"}))
    assert info.value.code == "policy.funding_sum"
    assert info.value.location.path == "funding"


# --------------------------------------------------------------------- policy


def test_policy_defaults_and_labels() -> None:
    policy = SubsidyPolicy.model_validate(policy_data())
    assert policy.target is Target.PERSON
    assert policy.requires_yikatong is True
    assert policy.excludes_public_payroll is False
    assert policy.time_limit_days == 30
    assert policy.category.label == "残疾人补贴"
    assert policy.frequency.label == "按月"
    assert Target.HOUSEHOLD.label == "户"
    assert {c.label for c in PolicyCategory} >= {"农业生产发展", "社会救助"}
    assert [f.label for f in Frequency] == ["按月", "按季", "按半年", "按年", "一次性"]


def test_policy_age_range() -> None:
    policy = SubsidyPolicy.model_validate(policy_data(min_age=16, max_age=59))
    assert policy.age_eligible(16)
    assert policy.age_eligible(59)
    assert not policy.age_eligible(15)
    assert not policy.age_eligible(60)
    assert SubsidyPolicy.model_validate(policy_data(min_age=60, max_age=60)).age_eligible(60)
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(policy_data(min_age=60, max_age=59))
    assert info.value.code == "policy.age_range"
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(policy_data(min_age=151))
    assert info.value.location.path == "min_age"


def test_policy_dates() -> None:
    policy = SubsidyPolicy.model_validate(policy_data(effective_to="2016-12-31"))
    assert policy.in_force_on(dt.date(2016, 1, 1))
    assert policy.in_force_on(dt.date(2016, 12, 31))
    assert not policy.in_force_on(dt.date(2015, 12, 31))
    assert not policy.in_force_on(dt.date(2017, 1, 1))
    open_ended = SubsidyPolicy.model_validate(policy_data())
    assert open_ended.in_force_on(dt.date(2099, 1, 1))
    same_day = SubsidyPolicy.model_validate(policy_data(effective_to="2016-01-01"))
    assert same_day.in_force_on(dt.date(2016, 1, 1))
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(policy_data(effective_to="2015-12-31"))
    assert info.value.code == "policy.dates"
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(policy_data(effective_from="2016-02-30"))
    assert info.value.location.path == "effective_from"


def test_policy_regions() -> None:
    policy = SubsidyPolicy.model_validate(policy_data(regions=["640100", "640323"]))
    assert policy.applies_in("640122101001")
    assert policy.applies_in("640323")
    assert not policy.applies_in("640402")
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(policy_data(regions=[]))
    assert info.value.location.path == "regions"
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(policy_data(regions=["640402", "110105"]))
    assert info.value.code == "region.unknown"
    assert info.value.location.path == "regions[1]"


def test_policy_cannot_exclude_itself() -> None:
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(policy_data(exclusive_with=["nx-test-01"]))
    assert info.value.code == "policy.exclusive_self"


def test_policy_collects_every_field_problem() -> None:
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(
            policy_data(code="x", name="", frequency="daily", time_limit_days=0, extra=1)
        )
    paths = {d.location.path for d in info.value.details}
    assert paths == {"code", "name", "frequency", "time_limit_days", "extra"}
    codes = {d.code for d in info.value.details}
    assert "policy_code.format" in codes


def test_policy_is_immutable() -> None:
    policy = SubsidyPolicy.model_validate(policy_data())
    with pytest.raises(YikatongError):
        policy.name = "改名"  # type: ignore[misc]


def test_standard_discriminator() -> None:
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(policy_data(standard={"kind": "lottery", "amount": "1"}))
    assert info.value.location.path == "standard"
    policy = SubsidyPolicy.model_validate(
        policy_data(standard={"kind": "per_unit", "unit": "亩", "rate": "105.5"})
    )
    assert isinstance(policy.standard, PerUnitStandard)


# --------------------------------------------------------------------- properties


@settings(max_examples=60)
@given(subsidy_policies())
def test_policy_json_round_trip(policy: SubsidyPolicy) -> None:
    text = policy.model_dump_json()
    again = SubsidyPolicy.model_validate_json(text)
    assert again == policy
    assert again.model_dump_json() == text
    assert SubsidyPolicy.model_validate(policy.model_dump()) == policy


@settings(max_examples=80)
@given(
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(1000), places=4),
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(500), places=4),
)
def test_per_unit_amount_is_rate_times_quantity_to_the_fen(
    rate: Decimal, quantity: Decimal
) -> None:
    std = PerUnitStandard(unit="亩", rate=rate)
    exact = rate * quantity
    if exact < Decimal("0.005"):  # rounds to 0.00: no amount
        with pytest.raises(YikatongError) as info:
            std.amount_for(quantity=quantity)
        assert info.value.code == "amount.not_positive"
        return
    result = std.amount_for(quantity=quantity)
    assert -Decimal("0.005") < result - exact <= Decimal("0.005")
    assert result.as_tuple().exponent == -2
