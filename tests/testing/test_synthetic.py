"""Tests of the synthetic data generator (ningxia_yikatong.testing.synthetic)."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong import PersonName, ResidentIdNumber, read_roster
from ningxia_yikatong.bank import AgentBank
from ningxia_yikatong.errors import InvalidValue
from ningxia_yikatong.policy import DeclaredStandard, SubsidyPolicy, Target
from ningxia_yikatong.regions import RegionCode, RegionLevel, counties
from ningxia_yikatong.testing import (
    DEFAULT_AS_OF,
    RARE_CHARACTERS,
    SyntheticData,
    card_number,
    valid_id_number,
    write_roster_csv,
    write_roster_xlsx,
)
from ningxia_yikatong.testing.policies import sample_policies

BANKS = [b.value for b in AgentBank]


def test_same_seed_same_data_other_seed_other_data() -> None:
    assert SyntheticData(seed=42).beneficiaries(50) == SyntheticData(seed=42).beneficiaries(50)
    assert SyntheticData(seed=42).batch(20) == SyntheticData(seed=42).batch(20)
    assert SyntheticData(seed=42).beneficiaries(20) != SyntheticData(seed=43).beneficiaries(20)


def test_global_random_state_is_left_alone() -> None:
    random.seed(7)
    expected = random.random()
    random.seed(7)
    SyntheticData(seed=1).beneficiaries(20)
    assert random.random() == expected


def test_people_are_valid_and_unique() -> None:
    people = SyntheticData(seed=3).beneficiaries(3000)
    ids = [p.id_number for p in people]
    accounts = [p.account.number for p in people]
    assert len(set(ids)) == len(ids)
    assert len(set(accounts)) == len(accounts)
    county_codes = set(counties())
    for p in people:
        assert p.id_number.address_code in county_codes
        assert p.region.level is RegionLevel.VILLAGE
        assert p.region.county == p.id_number.address_code
        assert p.account.number.luhn_valid
        assert p.account.holder_name == p.name
    ages = [p.id_number.age_on(DEFAULT_AS_OF) for p in people]
    assert min(ages) <= 2
    assert max(ages) >= 98
    assert {p.account.bank for p in people} == {b.value for b in AgentBank}
    share = sum(p.account.is_yikatong is True for p in people) / len(people)
    assert all(p.account.is_yikatong is not None for p in people)  # set where known
    assert 0.95 < share < 1.0
    phones = sum(p.phone is not None for p in people) / len(people)
    assert 0.7 < phones < 0.9


def test_names_include_hui_surnames_and_middle_dots() -> None:
    people = SyntheticData(seed=5, dotted_name_share=0.05).beneficiaries(2000)
    surnames = Counter(p.name[0] for p in people if "·" not in p.name)
    assert surnames.most_common(1)[0][0] == "马"
    assert {"丁", "海", "白", "纳", "锁"} <= set(surnames)
    dotted = [p.name for p in people if "\u00b7" in p.name]
    assert 50 < len(dotted) < 160
    assert all(PersonName(n) == n for n in dotted)


def test_households_have_several_members_in_one_village() -> None:
    people = SyntheticData(seed=9).beneficiaries(1000)
    by_household: dict[str | None, list[RegionCode]] = {}
    for p in people:
        by_household.setdefault(p.household_id, []).append(p.region)
    sizes = Counter(len(v) for v in by_household.values())
    assert max(sizes) >= 4
    assert all(len(set(regions)) == 1 for regions in by_household.values())


@pytest.mark.parametrize("share", [0.0, 0.1, 0.5])
def test_rare_character_share(share: float) -> None:
    people = SyntheticData(seed=2, rare_name_share=share).beneficiaries(2000)
    rare = [p.name for p in people if not p.name.encodable("gbk")]
    assert abs(len(rare) / len(people) - share * 0.97) < 0.04
    for name in rare:
        assert name.encodable("gb18030")
        assert set(name.unencodable_characters("gbk")) <= set(RARE_CHARACTERS)


def test_rare_characters_are_outside_gbk_inside_gb18030() -> None:
    for char in RARE_CHARACTERS:
        with pytest.raises(UnicodeEncodeError):
            char.encode("gbk")
        assert char.encode("gb18030").decode("gb18030") == char
    assert "\u4dae" in RARE_CHARACTERS  # 䶮


@settings(max_examples=60)
@given(
    st.integers(min_value=0, max_value=2**32),
    st.sampled_from(counties()),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)),
    st.booleans(),
)
def test_valid_id_number(seed: int, county: str, born: dt.date, male: bool) -> None:
    number = valid_id_number(random.Random(seed), county, born, male=male)
    assert ResidentIdNumber(str(number)) == number
    assert number.birth_date == born
    assert number.address_code == county
    assert (number.sex.value == "M") == male


@settings(max_examples=60)
@given(st.integers(min_value=0, max_value=2**32), st.sampled_from([*BANKS, "other"]))
def test_card_numbers_pass_luhn(seed: int, bank: str) -> None:
    number = card_number(random.Random(seed), bank)
    assert number.luhn_valid
    assert len(number) == 19


@pytest.mark.parametrize("policy", sample_policies(), ids=lambda p: str(p.code))
def test_batches_follow_the_policy(policy: SubsidyPolicy) -> None:
    batch = SyntheticData(seed=4).batch(40, policy=policy, bank="abc", period="2026-Q2")
    assert batch.policy_code == policy.code
    assert batch.agent_bank == "abc"
    assert [i.seq for i in batch] == list(range(1, 41))
    households = [i.beneficiary.household_id for i in batch]
    if policy.target is Target.HOUSEHOLD:
        assert len(set(households)) == len(households)
    for item, expected in batch.expected_amounts(policy):
        age = item.beneficiary.id_number.age_on(batch.period.start)
        assert policy.age_eligible(age)
        assert policy.applies_in(item.beneficiary.region)
        if isinstance(policy.standard, DeclaredStandard):
            assert item.amount <= policy.standard.cap
        else:
            assert item.amount == expected


def test_batch_options() -> None:
    gen = SyntheticData(seed=8, counties=["640522"], banks=["psbc"])
    batch = gen.batch(10, amount="80", county="640522", batch_id="HY-1")
    assert batch.batch_id == "HY-1"
    assert batch.region == "640522"
    assert batch.total == 800
    assert all(i.beneficiary.region.county == "640522" for i in batch)
    assert gen.batch(3).batch_id != gen.batch(3).batch_id


def test_bad_settings_are_library_errors() -> None:
    with pytest.raises(InvalidValue, match=r"synthetic\.share"):
        SyntheticData(rare_name_share=1.5)
    with pytest.raises(InvalidValue):
        SyntheticData(counties=["110105"])
    with pytest.raises(InvalidValue, match=r"synthetic\.count"):
        list(SyntheticData().people(-1))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_roster_round_trip_csv(tmp_path: Path, encoding: str) -> None:
    gen = SyntheticData(seed=6, rare_name_share=0.1)
    items = gen.items(200, policy=sample_policies()[0])
    path = tmp_path / "roster.csv"
    assert write_roster_csv(path, items, encoding=encoding) == 200
    assert read_roster(path).items == tuple(items)


def test_roster_round_trip_xlsx_and_streams(tmp_path: Path) -> None:
    items = SyntheticData(seed=6).items(50)
    path = tmp_path / "roster.xlsx"
    assert write_roster_xlsx(path, items, amounts_as_numbers=False) == 50
    assert read_roster(path).items == tuple(items)
    binary = io.BytesIO()
    write_roster_csv(binary, items, encoding="gb18030")
    assert read_roster(binary.getvalue(), format="csv").items == tuple(items)


def test_roster_rows_match_items() -> None:
    """The fast row generator and the model generator draw the same data."""
    rows = list(SyntheticData(seed=12).roster_rows(30))
    items = SyntheticData(seed=12).items(30)
    assert [r.id_number for r in rows] == [i.beneficiary.id_number for i in items]
    assert [r.amount for r in rows] == [str(i.amount) for i in items]


@pytest.mark.parametrize(
    ("generated", "checked"),
    [("2026-03", ["2026-03"]), (None, ["2026-01", "2026-03", "2026-07", "2026-12"])],
)
def test_age_tiered_amounts_hold_for_every_day_of_the_period(
    generated: str | None, checked: list[str]
) -> None:
    """The checks reckon ages at the period's start: the generator's amounts agree."""
    from ningxia_yikatong import PayoutBatch
    from ningxia_yikatong.bank import AccountNumber, BankCode
    from ningxia_yikatong.checks import run_checks
    from ningxia_yikatong.codes import BatchId, Period

    policy = next(p for p in sample_policies() if p.code == "NX-GLJT")
    items = SyntheticData(seed=3).items(1500, policy=policy, period=generated, bank="psbc")
    for period in checked:
        batch = PayoutBatch(
            batch_id=BatchId("GLJT-2026"),
            policy_code=policy.code,
            period=Period(period),
            region=RegionCode("640000"),
            agent_bank=BankCode("psbc"),
            payer_account=AccountNumber("64001234567890123"),
            payer_name="宁夏回族自治区财政厅",
            items=tuple(items),
        )
        report = run_checks(batch, policy)
        assert not [f for f in report.findings if f.rule in ("amount", "age_range")], period


def test_no_generated_number_looks_rounded_by_a_spreadsheet() -> None:
    # Only zeros after digit 15 is what the roster's rounded-column rule refuses.
    rng = random.Random(0)
    ids = [valid_id_number(rng, "640122", dt.date(1990, 1, 1)) for _ in range(20_000)]
    cards = [card_number(rng, "psbc", length=16) for _ in range(20_000)]
    assert not [n for n in (*ids, *cards) if not n[15:].strip("0")]
