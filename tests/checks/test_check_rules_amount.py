"""The amount rule with the richer standards: tiers by the beneficiary's
attributes, and caps on what one person receives in a year or in all."""

from __future__ import annotations

from decimal import Decimal

from ningxia_yikatong.beneficiary import CareLevel, DisabilityGrade
from ningxia_yikatong.checks import (
    CheckContext,
    CheckReport,
    PriorPayout,
    default_rules,
    run_checks,
)
from ningxia_yikatong.codes import Period
from ningxia_yikatong.money import Amount
from ningxia_yikatong.payout import PayoutBatch, PayoutItem
from ningxia_yikatong.policy import (
    CappedStandard,
    CapScope,
    DeclaredStandard,
    FixedStandard,
    SubsidyPolicy,
    Tier,
    TieredStandard,
)
from ningxia_yikatong.testing.planted import make_batch, make_id, make_item, make_policy

PERSON = make_id("1960-01-01")
OTHER = make_id("1961-01-01")


def amount_check(
    batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext | None = None
) -> CheckReport:
    report = run_checks(batch, policy, context, rules=default_rules().only("amount"))
    assert not report.failures, report.failures
    return report


def with_attributes(
    item: PayoutItem,
    grade: DisabilityGrade | None = None,
    care: CareLevel | None = None,
) -> PayoutItem:
    person = item.beneficiary.model_copy(update={"disability_grade": grade, "care_level": care})
    return item.model_copy(update={"beneficiary": person})


def paid(period: str, amount: str, batch_id: str = "B-EARLIER", who: str = PERSON) -> PriorPayout:
    return PriorPayout("NX-TEST", Period(period), who, Decimal(amount), batch_id)


def capped(cap: str = "6000", scope: CapScope = CapScope.YEAR) -> SubsidyPolicy:
    return make_policy(
        standard=CappedStandard(
            base=DeclaredStandard(cap=Amount("3000")), cap=Amount(cap), scope=scope
        )
    )


# -- tiers by grade, care level and region --------------------------------------


def test_amount_by_disability_grade_and_care_level() -> None:
    policy = make_policy(
        standard=TieredStandard(
            tiers=(
                Tier(disability_grades=(DisabilityGrade.FIRST,), amount=Amount("100")),
                Tier(disability_grades=(DisabilityGrade.SECOND,), amount=Amount("80")),
            )
        )
    )
    b = make_batch(
        [
            with_attributes(make_item(1, amount="100.00"), DisabilityGrade.FIRST),
            with_attributes(make_item(2, amount="100.00"), DisabilityGrade.SECOND),
            make_item(3, amount="80.00"),  # no grade known
            with_attributes(make_item(4, amount="80.00"), DisabilityGrade.THIRD),
        ]
    )
    report = amount_check(b, policy)
    assert [f.seq for f in report.findings] == [2, 3, 4]
    assert report.findings[0].evidence["expected"] == "80.00"
    assert report.findings[1].evidence["reason"] == "standard.disability_grade_missing"
    assert report.findings[2].evidence["reason"] == "standard.no_tier"


def test_amount_by_region_most_specific_tier() -> None:
    policy = make_policy(
        standard=TieredStandard(
            tiers=(
                Tier(amount=Amount("700")),
                Tier(region="640100", amount=Amount("800")),
                Tier(region="640122", amount=Amount("850")),
            )
        )
    )
    b = make_batch(
        [
            make_item(1, region="640122101201", amount="850.00"),  # 贺兰县
            make_item(2, region="640104001001", amount="850.00"),  # 兴庆区: city standard
            make_item(3, region="640402001001", amount="700.00"),  # 原州区: default
        ]
    )
    report = amount_check(b, policy)
    assert [f.seq for f in report.findings] == [2]
    assert report.findings[0].evidence["expected"] == "800.00"


def test_declared_amount_within_the_cap_of_the_persons_region() -> None:
    policy = make_policy(
        standard=DeclaredStandard(
            cap=Amount("800"), tiers=(Tier(region="640100", amount=Amount("900")),)
        )
    )
    b = make_batch(
        [
            make_item(1, region="640122101201", amount="900.00"),  # 贺兰县, 银川市: 900
            make_item(2, region="640402001001", amount="900.00"),  # 原州区: 800
            make_item(3, region="640402001001", amount="800.00"),
        ]
    )
    report = amount_check(b, policy)
    assert [f.seq for f in report.findings] == [2]
    assert report.findings[0].evidence["cap"] == "800.00"
    graded = make_policy(
        standard=DeclaredStandard(
            cap=Amount("100"),
            tiers=(Tier(disability_grades=(DisabilityGrade.FIRST,), amount=Amount("200")),),
        )
    )
    b2 = make_batch([make_item(1, amount="150.00")])  # grade unknown
    (finding,) = amount_check(b2, graded).findings
    assert finding.evidence["reason"] == "standard.disability_grade_missing"


# -- caps -------------------------------------------------------------------------


def test_yearly_cap_adds_earlier_payments_of_the_year() -> None:
    context = CheckContext.build(
        prior_payouts=[
            paid("2026-01", "2500"),
            paid("2026-02", "2000"),
            paid("2025-12", "3000"),  # another year: not counted
            paid("2026-02", "3000", who=OTHER),
        ]
    )
    b = make_batch(
        [
            make_item(1, id_number=PERSON, amount="1500.00"),  # 4500 + 1500 = 6000: at the cap
            make_item(2, id_number=OTHER, amount="3000.00"),  # 3000 + 3000 = 6000
        ]
    )
    assert amount_check(b, capped(), context).findings == ()
    over = make_batch([make_item(1, id_number=PERSON, amount="1500.01")])
    report = amount_check(over, capped(), context)
    (finding,) = report.findings
    assert finding.rule == "amount"
    assert finding.evidence["code"] == "amount.cap_exceeded"
    assert finding.evidence["paid"] == "4500.00"
    assert finding.evidence["cap"] == "6000.00"
    assert finding.evidence["scope"] == "year"
    assert "2026年已领取本项补贴4500.00元" in finding.message
    assert "本次最多可发1500.00元" in finding.message


def test_total_cap_counts_every_year_but_not_this_batch_twice() -> None:
    context = CheckContext.build(
        prior_payouts=[
            paid("2024-05", "2000"),
            paid("2025-07", "2500"),
            paid("2026-03", "1000", batch_id="B-TEST"),  # this batch, already recorded
        ]
    )
    b = make_batch([make_item(1, id_number=PERSON, amount="1000.00")])
    assert amount_check(b, capped("5500", CapScope.TOTAL), context).findings == ()
    report = amount_check(b, capped("5000", CapScope.YEAR), context)
    assert report.findings == ()
    b2 = make_batch([make_item(1, id_number=PERSON, amount="1000.01")])
    (finding,) = amount_check(b2, capped("5500", CapScope.TOTAL), context).findings
    assert finding.evidence["scope"] == "total"
    assert finding.evidence["batch_id"] == "B-EARLIER"
    assert "累计已领取" in finding.message


def test_cap_counts_earlier_items_of_the_same_batch() -> None:
    b = make_batch(
        [
            make_item(1, id_number=PERSON, amount="3000.00"),
            make_item(2, id_number=PERSON, amount="3000.00"),
            make_item(3, id_number=PERSON, amount="0.01"),
        ]
    )
    report = amount_check(b, capped(), CheckContext.build())
    (finding,) = report.findings
    assert finding.seq == 3
    assert "含本批次前面各条6000.00元" in finding.message


def test_a_wrong_amount_is_reported_before_the_cap() -> None:
    policy = make_policy(
        standard=CappedStandard(base=FixedStandard(amount=Amount("500")), cap=Amount("1000"))
    )
    context = CheckContext.build(prior_payouts=[paid("2026-01", "800")])
    b = make_batch(
        [
            make_item(1, id_number=PERSON, amount="600.00"),  # not the standard
            make_item(2, id_number=OTHER, amount="500.00"),
        ]
    )
    report = amount_check(b, policy, context)
    assert [f.seq for f in report.findings] == [1]
    assert report.findings[0].evidence["expected"] == "500.00"
    b2 = make_batch([make_item(1, id_number=PERSON, amount="500.00")])
    (finding,) = amount_check(b2, policy, context).findings
    assert finding.evidence["code"] == "amount.cap_exceeded"


def test_cap_year_of_a_semester_is_the_year_it_starts() -> None:
    context = CheckContext.build(prior_payouts=[paid("2026-S1", "3000")])
    autumn = make_batch([make_item(1, id_number=PERSON, amount="3000.00")], period="2026-S2")
    assert amount_check(autumn, capped("5000"), context).findings != ()
    spring = make_batch([make_item(1, id_number=PERSON, amount="3000.00")], period="2027-S1")
    assert amount_check(spring, capped("5000"), context).findings == ()


def test_a_cap_without_earlier_payments_is_missing_data() -> None:
    b = make_batch([make_item(1, id_number=PERSON, amount="3000.00")])
    unknown = amount_check(b, capped(), CheckContext.build())
    assert unknown.missing_data == (("amount", "已发放记录（累计上限）"),)
    assert not unknown.may_proceed  # the amount rule blocks: the cap could not be judged
    known = amount_check(b, capped(), CheckContext.build(prior_payouts=[]))
    assert known.missing_data == ()
    assert known.may_proceed
    fixed = make_policy(standard=FixedStandard(amount=Amount("3000")))
    assert amount_check(b, fixed, CheckContext.build()).missing_data == ()
