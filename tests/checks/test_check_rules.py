"""Each built-in rule: a hit, a miss and its edge cases."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn

from ningxia_yikatong.checks import (
    CheckContext,
    CheckReport,
    HouseholdMember,
    PriorPayout,
    RuleStatus,
    Severity,
    SeverityOverrides,
    default_rules,
    reference_date,
    run_checks,
)
from ningxia_yikatong.codes import Period, PolicyCode
from ningxia_yikatong.money import Amount
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.policy import (
    DeclaredStandard,
    Frequency,
    PerUnitStandard,
    SubsidyPolicy,
    Target,
    Tier,
    TieredStandard,
)
from ningxia_yikatong.regions import RegionCode
from ningxia_yikatong.roster import read_roster
from ningxia_yikatong.testing.planted import make_batch, make_id, make_item, make_policy


def check(
    code: str, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext | None = None
) -> CheckReport:
    return run_checks(batch, policy, context, rules=default_rules().only(code))


def hits(report: CheckReport) -> list[int]:
    assert not report.failures, report.failures
    return [f.seq for f in report.findings]


# -- duplicate_person ---------------------------------------------------------


def test_duplicate_person_hit_and_miss() -> None:
    same = make_id("1960-01-01")
    b = make_batch([make_item(1, id_number=same), make_item(2), make_item(3, id_number=same)])
    report = check("duplicate_person", b, make_policy())
    assert hits(report) == [3]
    assert report.findings[0].evidence == {"first_seq": 1}
    assert "第1条" in report.findings[0].message
    assert (
        hits(check("duplicate_person", make_batch([make_item(1), make_item(2)]), make_policy()))
        == []
    )


# -- duplicate_household ------------------------------------------------------


def test_duplicate_household_by_roster_id() -> None:
    household = make_policy(target=Target.HOUSEHOLD)
    b = make_batch(
        [make_item(1, household="H1"), make_item(2, household="H2"), make_item(3, household="H1")]
    )
    assert hits(check("duplicate_household", b, household)) == [3]


def test_duplicate_household_by_registry_and_not_for_person_policies() -> None:
    head, member = make_id("1960-01-01"), make_id("1990-01-01")
    context = CheckContext.build(
        household_members=[
            HouseholdMember("H9", head, "马明", True),
            HouseholdMember("H9", member, "马芳", False),
        ]
    )
    # The roster gives no household ids; the registry knows they live together.
    b = make_batch([make_item(1, id_number=head), make_item(2, id_number=member, name="马芳")])
    assert hits(check("duplicate_household", b, make_policy(target=Target.HOUSEHOLD), context)) == [
        2
    ]
    person = check("duplicate_household", b, make_policy(), context)
    assert person.rules[0].status is RuleStatus.NOT_APPLICABLE
    assert hits(person) == []


def test_duplicate_household_leaves_the_same_person_to_duplicate_person() -> None:
    same = make_id("1960-01-01")
    b = make_batch(
        [make_item(1, id_number=same, household="H1"), make_item(2, id_number=same, household="H1")]
    )
    assert hits(check("duplicate_household", b, make_policy(target=Target.HOUSEHOLD))) == []


# -- already_paid -------------------------------------------------------------


def _paid(
    id_number: str, period: str, batch_id: str = "B-OLD", code: str = "NX-TEST"
) -> PriorPayout:
    return PriorPayout(code, Period(period), id_number, Decimal("100.00"), batch_id)


def test_already_paid_overlapping_period() -> None:
    a, b_, c = make_id("1960-01-01"), make_id("1961-01-01"), make_id("1962-01-01")
    context = CheckContext.build(
        prior_payouts=[
            _paid(a, "2026-Q1"),  # overlaps March
            _paid(b_, "2026-02"),  # the month before: no overlap
            _paid(c, "2026-03", code="NX-OTHER"),  # another policy
        ]
    )
    b = make_batch(
        [make_item(1, id_number=a), make_item(2, id_number=b_), make_item(3, id_number=c)]
    )
    report = check("already_paid", b, make_policy(), context)
    assert hits(report) == [1]
    assert report.findings[0].evidence["batch_id"] == "B-OLD"
    assert report.findings[0].evidence["period"] == "2026-Q1"


def test_already_paid_ignores_this_batch_and_reports_missing_data() -> None:
    a = make_id("1960-01-01")
    b = make_batch([make_item(1, id_number=a)], batch_id="B-NOW")
    context = CheckContext.build(prior_payouts=[_paid(a, "2026-03", batch_id="B-NOW")])
    assert hits(check("already_paid", b, make_policy(), context)) == []
    empty = check("already_paid", b, make_policy())
    assert empty.rules[0].status is RuleStatus.NO_DATA
    assert empty.missing_data == (("already_paid", "已发放记录"),)
    assert not empty.may_proceed  # missing data of a blocking rule stops the batch
    assert check("already_paid", b, make_policy(), CheckContext.build(prior_payouts=[])).may_proceed


# -- deceased -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("died", "found"),
    [
        ("2026-02-28", True),  # the day before the period
        ("2026-03-01", False),  # on the first day of the period: alive at its start
        ("2026-03-15", False),  # during the period
    ],
)
def test_deceased_against_period_start(died: str, found: bool) -> None:
    a = make_id("1940-01-01")
    context = CheckContext.build(deaths={a: died, make_id("1950-01-01"): "2020-01-01"})
    report = check("deceased", make_batch([make_item(1, id_number=a)]), make_policy(), context)
    assert hits(report) == ([1] if found else [])
    if found:
        assert report.findings[0].evidence == {
            "death_date": died,
            "reference_date": "2026-03-01",
        }
        assert died in report.findings[0].message


def test_deceased_one_off_payment_uses_the_pay_date() -> None:
    a = make_id("1940-01-01")
    once = make_policy(frequency=Frequency.ONCE)
    context = CheckContext.build(deaths={a: "2026-03-10"})
    paid_later = make_batch([make_item(1, id_number=a)], pay_date=_dt.date(2026, 3, 20))
    assert hits(check("deceased", paid_later, once, context)) == [1]
    on_the_day = make_batch([make_item(1, id_number=a)], pay_date=_dt.date(2026, 3, 10))
    assert hits(check("deceased", on_the_day, once, context)) == []
    # A monthly policy ignores the pay date.
    assert hits(check("deceased", paid_later, make_policy(), context)) == []
    assert reference_date(paid_later, once) == _dt.date(2026, 3, 20)
    assert reference_date(make_batch([make_item(1)]), once) == _dt.date(2026, 3, 1)


# -- public_payroll and excluded_registry -------------------------------------


def test_public_payroll_only_where_excluded() -> None:
    a = make_id("1980-01-01")
    context = CheckContext.build(public_payroll={a: "某县财政局"})
    b = make_batch([make_item(1, id_number=a), make_item(2)])
    report = check("public_payroll", b, make_policy(excludes_public_payroll=True), context)
    assert hits(report) == [1]
    assert "某县财政局" in report.findings[0].message
    relaxed = check("public_payroll", b, make_policy(), context)
    assert relaxed.rules[0].status is RuleStatus.NOT_APPLICABLE


def test_excluded_registry_hit_miss_and_missing_registry() -> None:
    a, c = make_id("1980-01-01"), make_id("1981-01-01")
    context = CheckContext.build(registries={"vehicles": [a], "property": [a, c], "boats": [c]})
    b = make_batch([make_item(1, id_number=a), make_item(2, id_number=c), make_item(3)])
    policy = make_policy(exclusion_registries=("vehicles",))
    report = check("excluded_vehicles", b, policy, context)
    assert hits(report) == [1]
    assert report.findings[0].evidence == {"registries": "vehicles"}
    assert "车辆登记" in report.findings[0].message
    assert check("excluded_property", b, policy, context).rules[0].status is (
        RuleStatus.NOT_APPLICABLE
    )
    both = make_policy(exclusion_registries=("vehicles", "property"))
    assert hits(check("excluded_property", b, both, context)) == [1, 2]
    # a label without a rule of its own is served by excluded_registry
    boats = make_policy(exclusion_registries=("vehicles", "boats"))
    other = check("excluded_registry", b, boats, context)
    assert hits(other) == [2]
    assert other.findings[0].evidence == {"registries": "boats"}
    missing = check(
        "excluded_business", b, make_policy(exclusion_registries=("business",)), context
    )
    assert not missing.failures
    assert missing.rules[0].status is RuleStatus.NO_DATA
    assert missing.missing_data == (("excluded_business", "排除名单：市场主体登记"),)
    assert not missing.may_proceed


# -- age_range ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "found"),
    [
        ("1946-03-01", False),  # turns 80 on the reference date itself
        ("1946-03-02", True),  # turns 80 the day after
        ("1926-03-02", False),  # 99, the day before turning 100
        ("1926-03-01", True),  # turns 100 on the reference date: above max 99
    ],
)
def test_age_range_birthday_on_the_reference_date(born: str, found: bool) -> None:
    policy = make_policy(min_age=80, max_age=99)
    report = check("age_range", make_batch([make_item(1, id_number=make_id(born))]), policy)
    assert hits(report) == ([1] if found else [])


def test_age_range_not_applicable_without_limits() -> None:
    report = check("age_range", make_batch([make_item(1)]), make_policy())
    assert report.rules[0].status is RuleStatus.NOT_APPLICABLE


def test_age_range_leap_day_birth() -> None:
    # Born 29 February 2008: 18 only from 1 March 2026 (no 29 February in 2026).
    policy = make_policy(min_age=18)
    leap = make_id("2008-02-29")
    assert hits(
        check("age_range", make_batch([make_item(1, id_number=leap)], period="2026-02"), policy)
    ) == [1]
    assert (
        hits(
            check("age_range", make_batch([make_item(1, id_number=leap)], period="2026-03"), policy)
        )
        == []
    )


@settings(max_examples=60, deadline=None)
@given(
    born=st.dates(_dt.date(1920, 1, 1), _dt.date(2025, 12, 31)),
    lo=st.one_of(st.none(), st.integers(0, 100)),
    span=st.one_of(st.none(), st.integers(0, 40)),
    month=st.integers(1, 12),
)
def test_age_range_agrees_with_age_on(
    born: _dt.date, lo: int | None, span: int | None, month: int
) -> None:
    hi = None if span is None else (lo or 0) + span
    if lo is None and hi is None:
        lo = 0
    policy = make_policy(min_age=lo, max_age=hi)
    b = make_batch([make_item(1, id_number=make_id(born))], period=f"2026-{month:02d}")
    age = b.items[0].beneficiary.id_number.age_on(b.period.start)
    assert (hits(check("age_range", b, policy)) == []) == policy.age_eligible(age)


# -- region -------------------------------------------------------------------


def test_region_by_prefecture_and_county() -> None:
    policy = make_policy(regions=(RegionCode("640100"), RegionCode("640324")))
    b = make_batch(
        [
            make_item(1, region="640122101201"),  # 贺兰县, in 银川市
            make_item(2, region="640324"),  # 同心县 itself
            make_item(3, region="640302101201"),  # 利通区: outside
            make_item(4, region="640502"),  # 沙坡头区: outside
        ]
    )
    report = check("region", b, policy)
    assert hits(report) == [3, 4]
    assert "银川市、同心县" in report.findings[0].message
    whole = check("region", b, make_policy())
    assert hits(whole) == []


# -- amount -------------------------------------------------------------------


def test_amount_fixed_standard() -> None:
    b = make_batch([make_item(1), make_item(2, amount="100.01"), make_item(3, amount="99.99")])
    report = check("amount", b, make_policy())
    assert hits(report) == [2, 3]
    assert report.findings[0].evidence == {"amount": "100.01", "expected": "100.00"}


def test_amount_declared_exactly_at_cap() -> None:
    policy = make_policy(standard=DeclaredStandard(cap=Amount("500.00")))
    b = make_batch(
        [make_item(1, amount="500.00"), make_item(2, amount="500.01"), make_item(3, amount="1.00")]
    )
    report = check("amount", b, policy)
    assert hits(report) == [2]
    assert report.findings[0].evidence == {"amount": "500.01", "cap": "500.00"}


def test_amount_per_unit_and_quantity_cap() -> None:
    policy = make_policy(
        standard=PerUnitStandard(unit="亩", rate=Decimal("10.5"), max_quantity=Decimal(100))
    )
    b = make_batch(
        [
            make_item(1, quantity="10", amount="105.00"),
            make_item(2, quantity="100", amount="1050.00"),  # exactly at the quantity cap
            make_item(3, quantity="100.5", amount="1055.25"),  # above it
            make_item(4, amount="105.00"),  # no quantity
            make_item(5, quantity="10", amount="106.00"),
        ]
    )
    report = check("amount", b, policy)
    assert hits(report) == [3, 4, 5]
    reasons = [f.evidence.get("reason") for f in report.findings]
    assert reasons == ["standard.quantity_too_large", "standard.quantity_missing", None]


def test_amount_tiered_by_age_at_period_start() -> None:
    policy = make_policy(
        standard=TieredStandard(
            tiers=(
                Tier(min_age=80, max_age=89, amount=Amount("100.00")),
                Tier(min_age=90, amount=Amount("200.00")),
            )
        )
    )
    b = make_batch(
        [
            make_item(1, id_number=make_id("1936-03-01"), amount="200.00"),  # 90 on 1 March
            make_item(2, id_number=make_id("1936-03-02"), amount="200.00"),  # still 89
            make_item(3, id_number=make_id("1970-01-01"), amount="100.00"),  # in no tier
        ]
    )
    report = check("amount", b, policy)
    assert hits(report) == [2, 3]
    assert report.findings[0].evidence["expected"] == "100.00"
    assert report.findings[1].evidence["reason"] == "standard.no_tier"


# -- not_yikatong, holder_name, shared_account ---------------------------------


def test_not_yikatong_only_where_required() -> None:
    b = make_batch([make_item(1), make_item(2, yikatong=False, account="6222000011112222")])
    report = check("not_yikatong", b, make_policy())
    assert hits(report) == [2]
    assert "6222000011112222" not in report.findings[0].message
    assert "2222" in report.findings[0].message
    relaxed = check("not_yikatong", b, make_policy(requires_yikatong=False))
    assert relaxed.rules[0].status is RuleStatus.NOT_APPLICABLE


def test_holder_name_and_household_head() -> None:
    head, member = make_id("1960-01-01"), make_id("1990-01-01")
    context = CheckContext.build(
        household_members=[
            HouseholdMember("H1", head, "马福", True),
            HouseholdMember("H1", member, "马芳", False),
        ]
    )
    b = make_batch(
        [
            make_item(1, id_number=member, name="马芳", holder="马福"),  # the head's account
            make_item(2, name="李明", holder="王强"),
        ]
    )
    household = check("holder_name", b, make_policy(target=Target.HOUSEHOLD), context)
    assert hits(household) == [2]
    assert household.findings[0].severity is Severity.WARN
    person = check("holder_name", b, make_policy(), context)
    assert hits(person) == [1, 2]


def test_shared_account_threshold() -> None:
    shared = "6217991234567890"
    same = make_id("1960-01-01")
    b = make_batch(
        [
            make_item(1, account=shared),
            make_item(2),
            make_item(3, account=shared, name="李芳"),
            make_item(4, account="6217990000000001", id_number=same),
            make_item(5, account="6217990000000001", id_number=same),  # same person twice
        ]
    )
    report = check("shared_account", b, make_policy())
    assert hits(report) == [1, 3]
    assert report.findings[0].evidence == {
        "account": "************7890",
        "people": 2,
        "seqs": "1,3",
    }
    three = CheckContext(shared_account_threshold=3)
    assert hits(check("shared_account", b, make_policy(), three)) == []


def test_shared_account_same_number_at_two_banks_is_two_accounts() -> None:
    b = make_batch(
        [
            make_item(1, account="6217991234567890"),
            make_item(2, account="6217991234567890", bank="abc"),
        ]
    )
    assert hits(check("shared_account", b, make_policy())) == []


# -- exclusive_policy ---------------------------------------------------------


def test_exclusive_policy_same_period_only() -> None:
    a, c = make_id("1960-01-01"), make_id("1961-01-01")
    context = CheckContext.build(
        prior_payouts=[
            _paid(a, "2026-H1", code="NX-TEKUN", batch_id="T1"),
            _paid(c, "2025-12", code="NX-TEKUN", batch_id="T0"),
        ]
    )
    policy = make_policy(exclusive_with=(PolicyCode("NX-TEKUN"),))
    b = make_batch([make_item(1, id_number=a), make_item(2, id_number=c)])
    report = check("exclusive_policy", b, policy, context)
    assert hits(report) == [1]
    assert report.findings[0].evidence["policy_code"] == "NX-TEKUN"
    assert report.findings[0].evidence["batch_id"] == "T1"
    assert check("exclusive_policy", b, make_policy(), context).rules[0].status is (
        RuleStatus.NOT_APPLICABLE
    )


# -- name_encoding and agent_bank ---------------------------------------------


def test_name_encoding_by_bank() -> None:
    b = [
        make_item(1, name="马𠮷"),
        make_item(2, name="阿卜杜·热合曼"),
        make_item(3, name="李明", holder="李䶮"),
    ]
    gbk = check("name_encoding", make_batch(b), make_policy())
    assert hits(gbk) == [1, 3]
    assert gbk.findings[0].evidence == {"characters": "𠮷", "encoding": "gbk"}
    gb18030 = [make_item(n, name="马𠮷", bank="ccb") for n in (1,)]
    assert hits(check("name_encoding", make_batch(gb18030, bank="ccb"), make_policy())) == []
    custom = CheckContext(bank_encodings={"ccb": "gbk"})
    assert hits(check("name_encoding", make_batch(gb18030, bank="ccb"), make_policy(), custom)) == [
        1
    ]


def test_name_encoding_fails_without_an_encoding() -> None:
    context = CheckContext(bank_encodings={"psbc": "gbk"})
    report = check(
        "name_encoding", make_batch([make_item(1, bank="ccb")], bank="ccb"), make_policy(), context
    )
    assert report.rules[0].status is RuleStatus.FAILED
    assert "ccb" in report.failures[0].error


def test_agent_bank() -> None:
    b = make_batch([make_item(1), make_item(2, bank="icbc")])
    report = check("agent_bank", b, make_policy())
    assert hits(report) == [2]
    assert report.findings[0].evidence == {"account_bank": "icbc", "agent_bank": "psbc"}
    assert "工商银行" in report.findings[0].message


def test_every_finding_is_masked() -> None:
    a = make_id("1940-01-01")
    context = CheckContext.build(deaths={a: "2020-01-01"})
    report = run_checks(
        make_batch([make_item(1, id_number=a, bank="icbc")]), make_policy(), context
    )
    assert {f.rule for f in report.findings} == {"deceased", "agent_bank"}
    text = report.to_json() + report.to_csv() + repr(report)
    assert a not in text
    assert all(f.masked_id == a[:6] + "********" + a[-4:] for f in report.findings)


def test_dedicated_registries_named_by_a_policy() -> None:
    a = make_id("1980-01-01")
    context = CheckContext.build(public_payroll={a: ""}, registries={"vehicles": [a]})
    policy = make_policy(exclusion_registries=("deaths", "public_payroll", "vehicles"))
    b = make_batch([make_item(1, id_number=a)])
    report = run_checks(b, policy, context)
    assert [f.rule for f in report.findings] == ["public_payroll", "excluded_vehicles"]
    assert report.findings[1].evidence == {"registries": "vehicles"}
    only_deaths = check("excluded_registry", b, make_policy(exclusion_registries=("deaths",)))
    assert only_deaths.rules[0].status is RuleStatus.NOT_APPLICABLE


# -- unknown 一卡通 flag, prior households, regions, registries -----------------


def test_not_yikatong_unknown_flag_is_missing_data(tmp_path: Path) -> None:
    roster = tmp_path / "花名册.csv"
    a = make_id("1960-01-01")
    roster.write_text(
        "姓名,公民身份号码,区划代码,收款账号,开户银行,发放金额\n"
        f"马明,{a},640122101201,6221881234567890129,psbc,100.00\n",
        encoding="utf-8",
    )
    result = read_roster(roster)
    result.raise_for_errors()
    assert result.items[0].beneficiary.account.is_yikatong is None
    b = make_batch(list(result.items))
    report = check("not_yikatong", b, make_policy())
    assert report.rules[0].status is RuleStatus.NO_DATA
    assert [code for code, _ in report.missing_data] == ["not_yikatong"]
    assert "是否一卡通" in report.missing_data[0][1]
    assert not report.may_proceed
    assert "缺少参考数据" in report.summary()
    # With the column: an empty cell is not stated either.
    flagged = tmp_path / "有标识.csv"
    cards = [f"62218812345678901{n}" for n in range(3)]
    cards = [c + luhn.calc_check_digit(c) for c in cards]  # valid card numbers (Luhn)
    rows = [f"马明,{make_id(f'196{n}-01-01')},640122101201,{cards[n]},psbc,100.00,{v}"
            for n, v in enumerate(("是", "", "否"))]  # fmt: skip
    flagged.write_text(
        "姓名,公民身份号码,区划代码,收款账号,开户银行,发放金额,是否一卡通\n" + "\n".join(rows),
        encoding="utf-8",
    )
    read = read_roster(flagged)
    read.raise_for_errors()
    assert [i.beneficiary.account.is_yikatong for i in read.items] == [True, None, False]


def test_not_yikatong_some_flags_unknown() -> None:
    b = make_batch([make_item(1), make_item(2, yikatong=None), make_item(3, yikatong=False)])
    report = check("not_yikatong", b, make_policy())
    assert hits(report) == [3]
    assert report.rules[0].status is RuleStatus.PARTIAL
    assert report.missing_data == (("not_yikatong", "是否一卡通（第2条未填）"),)
    assert not report.may_proceed


def test_household_paid_before_through_another_member() -> None:
    head, spouse = make_id("1960-01-01"), make_id("1962-01-01")
    household = make_policy(target=Target.HOUSEHOLD)
    b = make_batch([make_item(1, id_number=spouse, household="H1")], batch_id="B-NOW")
    # The earlier payment carries the household ...
    carried = CheckContext.build(
        prior_payouts=[
            PriorPayout("NX-TEST", Period("2026-03"), head, Decimal("100.00"), "B-A", "H1")
        ]
    )
    report = check("already_paid", b, household, carried)
    assert hits(report) == [1]
    assert report.findings[0].evidence["household_id"] == "H1"
    assert "B-A" in report.findings[0].message
    # ... or the household registry says whose household the payee is in.
    registered = CheckContext.build(
        prior_payouts=[_paid(head, "2026-03", batch_id="B-A")],
        household_members=[
            HouseholdMember("H1", head, "马福", True),
            HouseholdMember("H1", spouse, "马明", False),
        ],
    )
    assert hits(check("already_paid", b, household, registered)) == [1]
    # On a person policy another member's payment is no repeat.
    assert hits(check("already_paid", b, make_policy(), carried)) == []


def test_region_outside_the_batch_region() -> None:
    b = make_batch([make_item(1), make_item(2, region="640104001001")])
    county = b.model_copy(update={"region": RegionCode("640122")})
    report = check("region", county, make_policy())
    assert hits(report) == [2]
    assert report.findings[0].evidence == {"region": "640104001001", "batch_region": "640122"}
    assert "本批次" in report.findings[0].message


def test_household_region_against_the_registry() -> None:
    a, c = make_id("1960-01-01"), make_id("1961-01-01")
    context = CheckContext.build(
        household_members=[
            HouseholdMember("H1", a, "马明", True, "640122101201"),
            HouseholdMember("H2", c, "马明", True, "640122"),
        ]
    )
    b = make_batch([make_item(1, id_number=a, region="640104001001"), make_item(2, id_number=c)])
    report = check("household_region", b, make_policy(), context)
    assert hits(report) == [1]
    assert report.findings[0].severity is Severity.WARN
    assert report.findings[0].evidence == {
        "region": "640104001001",
        "registered_region": "640122101201",
    }
    missing = check("household_region", b, make_policy())
    assert missing.rules[0].status is RuleStatus.NO_DATA


def test_each_exclusion_registry_has_its_own_code() -> None:
    a = make_id("1980-01-01")
    context = CheckContext.build(
        registries={"vehicles": [a], "property": [a]},
        overrides=SeverityOverrides(deployment={"excluded_vehicles": Severity.WARN}),
    )
    b = make_batch([make_item(1, id_number=a)])
    policy = make_policy(exclusion_registries=("vehicles", "property"))
    report = run_checks(b, policy, context)
    found = {(f.rule, f.severity) for f in report.findings}
    assert found == {
        ("excluded_vehicles", Severity.WARN),
        ("excluded_property", Severity.BLOCK),
    }
    assert {"excluded_vehicles", "excluded_property", "excluded_business"} <= set(
        default_rules().codes
    )
