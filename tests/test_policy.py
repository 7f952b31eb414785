"""Subsidy policies and their standards: amounts, validation, JSON round trip."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong import Amount, SubsidyPolicy
from ningxia_yikatong.beneficiary import Beneficiary, CareLevel, DisabilityGrade
from ningxia_yikatong.codes import PeriodKind
from ningxia_yikatong.errors import ModelError, YikatongError
from ningxia_yikatong.policy import (
    CappedStandard,
    CapScope,
    CountyFunding,
    DeclaredStandard,
    FixedStandard,
    Frequency,
    FundingShares,
    PerUnitStandard,
    PolicyCategory,
    Target,
    Tier,
    TieredStandard,
    payment_standard,
)
from ningxia_yikatong.testing.policies import (
    EXTREME_POVERTY,
    TEMPORARY_ASSISTANCE,
    sample_standard_policies,
)
from ningxia_yikatong.testing.strategies import standards, subsidy_policies


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
    assert [f.label for f in Frequency] == [
        "按月",
        "按季",
        "按半年",
        "按年",
        "按学期",
        "一次性",
        "临时",
    ]


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


# --------------------------------------------------------------------- tiers by region, grade, care


def regional_tiers() -> TieredStandard:
    """低保-style amounts: a default, one city (银川市) and one county in it (兴庆区)."""
    return TieredStandard(
        tiers=(
            Tier(amount=Amount("700")),
            Tier(region="640100", amount=Amount("800")),
            Tier(region="640104", amount=Amount("850")),
        )
    )


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("640104", "850"),  # the county's own tier
        ("640104001002", "850"),  # a village inside it
        ("640122101", "800"),  # another county of 银川市: the city's tier
        ("640402", "700"),  # 固原市: the default
    ],
)
def test_region_tiers_most_specific_wins(region: str, expected: str) -> None:
    assert regional_tiers().amount_for(region=region) == Amount(expected)
    assert regional_tiers().conditions == ("region",)


def test_region_tiers_name_an_unknown_region_in_the_message() -> None:
    with pytest.raises(ModelError) as info:
        TieredStandard(tiers=(Tier(region="640100", amount=Amount("1")),)).amount_for(
            region="110105"
        )
    assert info.value.code == "standard.no_tier"
    assert "区划110105" in info.value.message


def test_region_tiers_need_a_region() -> None:
    with pytest.raises(ModelError) as info:
        regional_tiers().amount_for(age=70)
    assert info.value.code == "standard.region_missing"
    assert "区划" in info.value.message


def test_disability_grade_tiers() -> None:
    std = TieredStandard(
        tiers=(
            Tier(disability_grades=("一级", "二级"), amount=Amount("100")),
            Tier(disability_grades=(DisabilityGrade.THIRD,), amount=Amount("60")),
        )
    )
    assert std.amount_for(disability_grade=DisabilityGrade.SECOND) == Amount("100")
    assert std.amount_for(disability_grade=DisabilityGrade.THIRD) == Amount("60")
    with pytest.raises(ModelError) as info:
        std.amount_for(disability_grade=DisabilityGrade.FOURTH)
    assert info.value.code == "standard.no_tier"
    assert "四级残疾" in info.value.message
    with pytest.raises(ModelError) as info:
        std.amount_for(age=50)
    assert info.value.code == "standard.disability_grade_missing"
    assert "残疾等级" in info.value.message


def test_care_level_and_region_tiers_of_the_sample() -> None:
    tekun = sample_standard_policies()[0]
    assert tekun.code == EXTREME_POVERTY
    std = tekun.standard
    assert isinstance(std, TieredStandard)
    assert std.conditions == ("region", "care_level")
    assert std.amount_for(region="640105", care_level=CareLevel.PARTIAL_CARE) == Amount("1450")
    assert std.amount_for(region="640521", care_level=CareLevel.SELF_CARE) == Amount("1040")
    with pytest.raises(ModelError) as info:
        std.amount_for(region="640105")
    assert info.value.code == "standard.care_level_missing"


def test_a_more_specific_tier_decides_without_the_missing_attribute() -> None:
    std = TieredStandard(
        tiers=(
            Tier(disability_grades=("一级",), amount=Amount("200")),
            Tier(disability_grades=("二级",), amount=Amount("100")),
            Tier(region="640104", amount=Amount("150")),
        )
    )
    # In 兴庆区 the county tier wins whatever the grade: the grade is not needed.
    assert std.amount_for(region="640104") == Amount("150")
    # Elsewhere the grade decides, so it is needed.
    with pytest.raises(ModelError) as info:
        std.amount_for(region="640402")
    assert info.value.code == "standard.disability_grade_missing"
    assert std.amount_for(region="640402", disability_grade=DisabilityGrade.FIRST) == Amount("200")


@pytest.mark.parametrize(
    "tiers",
    [
        # The same region (none) and grade sets that meet.
        [{"disability_grades": ["一级", "二级"]}, {"disability_grades": ["二级"]}],
        # A tier for every grade and one for a grade: both fit a 一级 person.
        [{}, {"disability_grades": ["一级"]}],
        # The same county twice.
        [{"region": "640104"}, {"region": "640104"}],
        # The same care level at overlapping ages.
        [
            {"care_levels": ["全护理"], "min_age": 60},
            {"care_levels": ["全护理", "半护理"], "max_age": 70},
        ],
    ],
)
def test_ambiguous_tiers_are_refused(tiers: list[dict[str, Any]]) -> None:
    data = {"kind": "tiered", "tiers": [{**t, "amount": "1"} for t in tiers]}
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(policy_data(standard=data))
    assert info.value.code == "standard.tier_overlap"
    assert info.value.location.path == "standard.tiered.tiers[1]"
    assert "第1档" in info.value.message
    assert "第2档" in info.value.message


@pytest.mark.parametrize(
    "tiers",
    [
        [{"disability_grades": ["一级"]}, {"disability_grades": ["二级"]}],
        [{"care_levels": ["全护理"], "min_age": 71}, {"care_levels": ["全护理"], "max_age": 70}],
        [{}, {"region": "640100"}, {"region": "640104"}, {"region": "640105"}],
    ],
)
def test_tiers_told_apart_are_accepted(tiers: list[dict[str, Any]]) -> None:
    TieredStandard.model_validate({"tiers": [{**t, "amount": "1"} for t in tiers]})


@pytest.mark.parametrize(
    ("tier", "code", "field"),
    [
        ({"region": "640000"}, "standard.tier_region_level", "region"),
        ({"region": "640104001"}, "standard.tier_region_level", "region"),
        ({"region": "649999"}, "region.unknown", "region"),
        ({"disability_grades": ["一级", "一级"]}, "standard.tier_repeated", "disability_grades"),
        ({"care_levels": ["全自理", "全自理"]}, "standard.tier_repeated", "care_levels"),
        ({"disability_grades": ["五级"]}, "model.enum", "disability_grades[0]"),
        ({"care_levels": ["自理"]}, "model.enum", "care_levels[0]"),
    ],
)
def test_bad_tier_selectors(tier: dict[str, Any], code: str, field: str) -> None:
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(
            policy_data(standard={"kind": "tiered", "tiers": [{**tier, "amount": "1"}]})
        )
    assert info.value.code == code
    assert info.value.location.path == f"standard.tiered.tiers[0].{field}"


def test_tier_region_must_lie_where_the_policy_applies() -> None:
    standard = {"kind": "tiered", "tiers": [{"amount": "1"}, {"region": "640402", "amount": "2"}]}
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(policy_data(regions=["640100"], standard=standard))
    assert info.value.code == "policy.tier_region"
    assert info.value.location.path == "standard.tiered.tiers[1].region"
    assert "原州区" in info.value.message
    capped = {"kind": "capped", "base": {**standard, "tiers": standard["tiers"][::-1]}, "cap": "9"}
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(policy_data(regions=["640100"], standard=capped))
    assert info.value.location.path == "standard.capped.base.tiered.tiers[0].region"
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(
            policy_data(standard={**capped, "base": {"kind": "tiered", "tiers": []}})
        )
    assert info.value.location.path == "standard.capped.base.tiered.tiers"


def test_tiers_written_with_the_old_age_condition_still_read() -> None:
    old = {"kind": "tiered", "condition": "age", "tiers": [{"min_age": 80, "amount": "100"}]}
    policy = SubsidyPolicy.model_validate(policy_data(standard=old))
    assert policy.standard.amount_for(age=85) == Amount("100")
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(policy_data(standard={**old, "condition": "grade"}))
    assert info.value.code == "model.extra_forbidden"


def test_policy_amount_for_a_beneficiary_uses_their_attributes() -> None:
    person = Beneficiary.model_validate(
        {
            "id_number": "640122194603150018",
            "name": "马兰",
            "region": "640122101001",
            "account": {"number": "6217000012345678901", "bank": "psbc", "holder_name": "马兰"},
            "care_level": "全护理",
        }
    )
    tekun = sample_standard_policies()[0]
    assert tekun.amount_for(person, on=dt.date(2026, 3, 1)) == Amount("1750")
    elsewhere = person.model_copy(update={"region": "640402"})
    assert tekun.amount_for(elsewhere, on=dt.date(2026, 3, 1)) == Amount("1640")


def test_declared_caps_by_region() -> None:
    dibao = sample_standard_policies()[5]
    std = dibao.standard
    assert isinstance(std, DeclaredStandard)
    assert std.cap_for(region="640104002") == Amount("950")
    assert std.cap_for(region="640181") == Amount("900")  # 灵武市, in 银川市
    assert std.cap_for(region="640402") == Amount("800")
    assert std.amount_for(region="640402") == Amount("800")
    assert std.per_payment_max == Amount("950")
    assert DeclaredStandard(cap=Amount("5")).cap_for() == Amount("5")
    with pytest.raises(ModelError) as info:
        std.cap_for()
    assert info.value.code == "standard.region_missing"
    graded = DeclaredStandard(
        cap=Amount("100"), tiers=(Tier(disability_grades=("一级",), amount=Amount("200")),)
    )
    assert graded.cap_for(disability_grade=DisabilityGrade.SECOND) == Amount("100")


def test_declared_tiers_are_checked_like_tiered_ones() -> None:
    tiers = [{"region": "640104", "amount": "1"}, {"region": "640104", "amount": "2"}]
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(
            policy_data(standard={"kind": "declared", "cap": "5", "tiers": tiers})
        )
    assert info.value.code == "standard.tier_overlap"
    assert info.value.location.path == "standard.declared.tiers[1]"
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(
            policy_data(
                regions=["640200"],
                standard={"kind": "declared", "cap": "5", "tiers": tiers[:1]},
            )
        )
    assert info.value.code == "policy.tier_region"
    assert info.value.location.path == "standard.declared.tiers[0].region"


# --------------------------------------------------------------------- capped standards


def test_capped_standard_per_payment_and_remaining() -> None:
    capped = CappedStandard(base=DeclaredStandard(cap=Amount("3000")), cap=Amount("6000"))
    assert capped.scope is CapScope.YEAR
    assert capped.amount_for() == Amount("3000")
    assert capped.remaining(Decimal("5000.50")) == Decimal("999.50")
    assert capped.remaining(Decimal("7000")) == Decimal("0.00")
    assert payment_standard(capped) == DeclaredStandard(cap=Amount("3000"))
    fixed = FixedStandard(amount=Amount("10"))
    assert payment_standard(fixed) is fixed
    total = CappedStandard(
        base=PerUnitStandard(unit="头", rate=Decimal("50")),
        cap=Amount("1000"),
        scope="total",
    )
    assert total.amount_for(quantity=Decimal(3)) == Amount("150")
    assert total.per_payment_max is None
    assert CapScope.TOTAL.label == "每人累计"


@pytest.mark.parametrize(
    ("base", "cap"),
    [
        ({"kind": "fixed", "amount": "500"}, "499.99"),
        (
            {
                "kind": "tiered",
                "tiers": [{"max_age": 59, "amount": "100"}, {"min_age": 60, "amount": "300"}],
            },
            "200",
        ),
        ({"kind": "declared", "cap": "3000"}, "2000"),
        ({"kind": "per_unit", "unit": "亩", "rate": "10", "max_quantity": "50"}, "400"),
    ],
)
def test_cap_below_the_standard_is_refused(base: dict[str, Any], cap: str) -> None:
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(
            policy_data(standard={"kind": "capped", "base": base, "cap": cap})
        )
    assert info.value.code == "standard.cap_below_standard"
    assert info.value.location.path == "standard.capped.cap"
    assert "上限" in info.value.message


def test_cap_equal_to_the_standard_and_no_nested_caps() -> None:
    CappedStandard(base=FixedStandard(amount=Amount("500")), cap=Amount("500"))
    inner = {"kind": "capped", "base": {"kind": "fixed", "amount": "1"}, "cap": "5"}
    with pytest.raises(ModelError) as info:
        CappedStandard.model_validate({"base": inner, "cap": "10"})
    assert info.value.location.path == "base"


def test_capped_sample_policy() -> None:
    temporary = sample_standard_policies()[4]
    assert temporary.code == TEMPORARY_ASSISTANCE
    assert isinstance(temporary.standard, CappedStandard)
    assert temporary.frequency is Frequency.AD_HOC


# --------------------------------------------------------------------- county funding


def test_funding_for_a_county_with_its_own_shares() -> None:
    tekun = sample_standard_policies()[0]
    assert tekun.funding_for("640323") == FundingShares(
        central=Decimal("0.8"), region=Decimal("0.2")
    )
    assert tekun.funding_for("640522101001").region == Decimal("0.2")
    assert tekun.funding_for("640104") == tekun.funding


@pytest.mark.parametrize(
    ("entries", "code", "path"),
    [
        (
            [{"county": "640104", "shares": {"region": "0.5", "county": "0.4"}}],
            "policy.funding_sum",
            "county_funding[0].shares",
        ),
        (
            [{"county": "649999", "shares": {"region": "1"}}],
            "region.unknown",
            "county_funding[0].county",
        ),
        (
            [{"county": "640100", "shares": {"region": "1"}}],
            "policy.county_funding_level",
            "county_funding[0].county",
        ),
        (
            [{"county": "640402", "shares": {"region": "1"}}],
            "policy.county_funding_region",
            "county_funding[0].county",
        ),
        (
            [
                {"county": "640104", "shares": {"region": "1"}},
                {"county": "640104", "shares": {"county": "1"}},
            ],
            "policy.county_funding_duplicate",
            "county_funding[1].county",
        ),
    ],
)
def test_bad_county_funding(entries: list[dict[str, Any]], code: str, path: str) -> None:
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(policy_data(regions=["640100"], county_funding=entries))
    assert info.value.code == code
    assert info.value.location.path == path


def test_county_funding_problems_are_all_listed() -> None:
    entries = [
        {"county": "640402", "shares": {"region": "1"}},
        {"county": "640200", "shares": {"region": "1"}},
    ]
    with pytest.raises(ModelError) as info:
        SubsidyPolicy.model_validate(policy_data(regions=["640100"], county_funding=entries))
    codes = [d.code for d in info.value.details]
    assert codes == ["policy.county_funding_region", "policy.county_funding_level"]
    assert "固原市" not in info.value.details[0].message  # the county is named
    assert "原州区" in info.value.details[0].message


def test_county_funding_default_and_model() -> None:
    policy = SubsidyPolicy.model_validate(policy_data())
    assert policy.county_funding == ()
    entry = CountyFunding(county="640104", shares=FundingShares(region=Decimal(1)))
    assert entry.county.name == "兴庆区"


# --------------------------------------------------------------------- frequencies


def test_new_frequencies_and_their_periods() -> None:
    assert Frequency.SEMESTER.label == "按学期"
    assert Frequency.AD_HOC.label == "临时"
    assert Frequency.SEMESTER.period_kind is PeriodKind.SEMESTER
    assert Frequency.MONTHLY.period_kind is PeriodKind.MONTH
    assert Frequency.AD_HOC.period_kind is None
    assert Frequency.ONCE.period_kind is None
    policy = SubsidyPolicy.model_validate(policy_data(frequency="semester"))
    assert policy.frequency is Frequency.SEMESTER


# --------------------------------------------------------------------- properties


@settings(max_examples=60)
@given(standards())
def test_every_kind_of_standard_round_trips(standard: Any) -> None:
    again = type(standard).model_validate_json(standard.model_dump_json())
    assert again == standard


def test_sample_standard_policies_round_trip() -> None:
    for policy in sample_standard_policies():
        assert SubsidyPolicy.model_validate_json(policy.model_dump_json()) == policy


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
