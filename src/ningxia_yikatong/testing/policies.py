"""Sample subsidy policies (补贴政策) in the style of Ningxia's published list.

For tests, examples, benchmarks and the demo. Names, departments, categories,
targets and the shape of each standard follow common practice; **the figures
are illustrative, not the current official standards**, and the legal bases
are given for orientation only.

Every policy has a stable code (the constants below), so tests can refer to
them by name:

>>> policies = sample_policies()
>>> [p.code for p in policies][:3]
[PolicyCode('NX-GDDLBH'), PolicyCode('NX-SJZLNM'), PolicyCode('NX-GLJT')]
>>> by_code = {p.code: p for p in policies}
>>> by_code[ELDERLY_ALLOWANCE].standard.amount_for(age=92)
Amount('200.00')
>>> by_code[MINIMUM_LIVING].exclusive_with
(PolicyCode('NX-TEKUN'),)

:func:`sample_catalog` is a two-revision list (2023 and 2024) built from them:

>>> catalog = sample_catalog()
>>> catalog.latest.policies == policies
True

:func:`sample_standard_policies` are further policies whose standards use the
richer kinds: tiers by city or county, care level and disability grade, county
funding shares, a per-semester and an ad hoc frequency, a yearly cap.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Final

from ..beneficiary import CareLevel, DisabilityGrade
from ..catalog import CatalogRevision, PolicyCatalog
from ..codes import PolicyCode
from ..money import Amount
from ..policy import (
    CappedStandard,
    CountyFunding,
    DeclaredStandard,
    FixedStandard,
    Frequency,
    FundingShares,
    PerUnitStandard,
    PolicyCategory,
    SubsidyPolicy,
    Target,
    Tier,
    TieredStandard,
)
from ..regions import NINGXIA, RegionCode

__all__ = [
    "CULTIVATED_LAND",
    "DISABILITY_LIVING",
    "ELDERLY_ALLOWANCE",
    "EXTREME_POVERTY",
    "GRAIN_FARMERS_ONCE",
    "GRASSLAND_ECOLOGY",
    "LIVESTOCK_BREED",
    "MACHINERY_PURCHASE",
    "MINIMUM_LIVING",
    "SEVERE_DISABILITY_CARE",
    "STUDENT_GRANT",
    "TEMPORARY_ASSISTANCE",
    "sample_catalog",
    "sample_policies",
    "sample_standard_policies",
]

#: 耕地地力保护补贴 (cultivated-land fertility protection subsidy).
CULTIVATED_LAND: Final = PolicyCode("NX-GDDLBH")
#: 实际种粮农民一次性补贴 (one-off subsidy to farmers who actually grow grain).
GRAIN_FARMERS_ONCE: Final = PolicyCode("NX-SJZLNM")
#: 高龄津贴 (allowance for the very old).
ELDERLY_ALLOWANCE: Final = PolicyCode("NX-GLJT")
#: 城乡居民最低生活保障金 (minimum living guarantee, 低保).
MINIMUM_LIVING: Final = PolicyCode("NX-DIBAO")
#: 特困人员救助供养金 (support for people in extreme poverty, 特困).
EXTREME_POVERTY: Final = PolicyCode("NX-TEKUN")
#: 困难残疾人生活补贴 (living subsidy for disabled people in hardship).
DISABILITY_LIVING: Final = PolicyCode("NX-KNCJSH")
#: 重度残疾人护理补贴 (care subsidy for people with severe disabilities).
SEVERE_DISABILITY_CARE: Final = PolicyCode("NX-ZDCJHL")
#: 农机购置补贴 (agricultural machinery purchase subsidy).
MACHINERY_PURCHASE: Final = PolicyCode("NX-NJGZ")
#: 草原生态保护补助奖励 (grassland ecological protection subsidy and reward).
GRASSLAND_ECOLOGY: Final = PolicyCode("NX-CYSTBH")
#: 中等职业教育国家助学金 (state grant for secondary vocational students), paid per semester.
STUDENT_GRANT: Final = PolicyCode("NX-ZZZXJ")
#: 临时救助金 (temporary assistance), paid ad hoc, capped per person and year.
TEMPORARY_ASSISTANCE: Final = PolicyCode("NX-LSJZ")
#: 畜牧良种补贴 (livestock breed subsidy): listed in revision 1 of
#: :func:`sample_catalog` only, removed (merged) in revision 2.
LIVESTOCK_BREED: Final = PolicyCode("NX-XMLZ")

# Counties with large grazing-ban grasslands (illustrative selection):
# 盐池县, 同心县, 原州区, 西吉县, 海原县.
_GRASSLAND_COUNTIES: Final = ("640323", "640324", "640402", "640422", "640522")


def sample_policies() -> tuple[SubsidyPolicy, ...]:
    """Nine sample policies covering every kind of standard, in a stable order.

    The set includes realistic relations that the catalog and the cross-checks
    look for: 低保 and 特困 exclude each other and public-payroll staff;
    耕地地力保护补贴 and 实际种粮农民一次性补贴 share category, target, regions and
    (in 2024) period, so they are a merge candidate (整合); 农机购置补贴 is paid
    to the buyer's account, which need not be a social-security card (buyers
    include cooperatives), so it does not require 一卡通.
    """
    whole_region = (NINGXIA,)
    return (
        SubsidyPolicy(
            code=CULTIVATED_LAND,
            name="耕地地力保护补贴",
            category=PolicyCategory.AGRICULTURE,
            department="自治区农业农村厅",
            legal_basis=(
                "《财政部 农业部关于全面推开农业“三项补贴”改革工作的通知》（财农〔2016〕26号）"
            ),
            target=Target.HOUSEHOLD,
            standard=PerUnitStandard(unit="亩", rate=Decimal("105.50")),
            funding=FundingShares(central=Decimal(1)),
            frequency=Frequency.YEARLY,
            time_limit_days=30,
            regions=whole_region,
            effective_from=_dt.date(2016, 1, 1),
            exclusion_registries=("deaths",),
            goal="保护耕地地力，支持农民种粮",
        ),
        SubsidyPolicy(
            code=GRAIN_FARMERS_ONCE,
            name="实际种粮农民一次性补贴",
            category=PolicyCategory.AGRICULTURE,
            department="自治区农业农村厅",
            legal_basis="财政部、农业农村部关于下达实际种粮农民一次性补贴资金的通知",
            target=Target.HOUSEHOLD,
            standard=PerUnitStandard(unit="亩", rate=Decimal("12.80")),
            funding=FundingShares(central=Decimal(1)),
            frequency=Frequency.ONCE,
            time_limit_days=20,
            regions=whole_region,
            effective_from=_dt.date(2024, 1, 1),
            effective_to=_dt.date(2024, 12, 31),
            goal="弥补农资价格上涨带来的种粮成本增加，支持农民种粮",
        ),
        SubsidyPolicy(
            code=ELDERLY_ALLOWANCE,
            name="高龄津贴",
            category=PolicyCategory.ELDERLY,
            department="自治区民政厅",
            legal_basis="《宁夏回族自治区老年人权益保障条例》",
            target=Target.PERSON,
            standard=TieredStandard(
                tiers=(
                    Tier(min_age=80, max_age=89, amount=Amount("100")),
                    Tier(min_age=90, max_age=99, amount=Amount("200")),
                    Tier(min_age=100, amount=Amount("500")),
                )
            ),
            funding=FundingShares(region=Decimal("0.5"), county=Decimal("0.5")),
            frequency=Frequency.MONTHLY,
            time_limit_days=15,
            regions=whole_region,
            min_age=80,
            effective_from=_dt.date(2019, 1, 1),
            exclusion_registries=("deaths",),
            goal="提高高龄老年人生活质量",
        ),
        SubsidyPolicy(
            code=MINIMUM_LIVING,
            name="城乡居民最低生活保障金",
            category=PolicyCategory.SOCIAL_ASSISTANCE,
            department="自治区民政厅",
            legal_basis="《社会救助暂行办法》（国务院令第649号）",
            target=Target.HOUSEHOLD,
            standard=DeclaredStandard(cap=Amount("800")),
            funding=FundingShares(
                central=Decimal("0.8"), region=Decimal("0.1"), county=Decimal("0.1")
            ),
            frequency=Frequency.MONTHLY,
            time_limit_days=10,
            regions=whole_region,
            effective_from=_dt.date(2014, 5, 1),
            excludes_public_payroll=True,
            exclusive_with=(EXTREME_POVERTY,),
            exclusion_registries=("deaths", "public_payroll", "vehicles"),
            goal="保障城乡困难家庭基本生活",
        ),
        SubsidyPolicy(
            code=EXTREME_POVERTY,
            name="特困人员救助供养金",
            category=PolicyCategory.SOCIAL_ASSISTANCE,
            department="自治区民政厅",
            legal_basis="《国务院关于进一步健全特困人员救助供养制度的意见》（国发〔2016〕14号）",
            target=Target.PERSON,
            standard=FixedStandard(amount=Amount("1040")),
            funding=FundingShares(
                central=Decimal("0.8"), region=Decimal("0.1"), county=Decimal("0.1")
            ),
            frequency=Frequency.MONTHLY,
            time_limit_days=10,
            regions=whole_region,
            effective_from=_dt.date(2016, 10, 1),
            excludes_public_payroll=True,
            exclusive_with=(MINIMUM_LIVING,),
            exclusion_registries=("deaths", "public_payroll"),
            goal="保障无劳动能力、无生活来源、无法定赡养抚养扶养义务人的特困人员基本生活",
        ),
        SubsidyPolicy(
            code=DISABILITY_LIVING,
            name="困难残疾人生活补贴",
            category=PolicyCategory.DISABILITY,
            department="自治区民政厅",
            legal_basis="《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）",
            target=Target.PERSON,
            standard=FixedStandard(amount=Amount("80")),
            funding=FundingShares(region=Decimal("0.6"), county=Decimal("0.4")),
            frequency=Frequency.MONTHLY,
            time_limit_days=15,
            regions=whole_region,
            effective_from=_dt.date(2016, 1, 1),
            exclusion_registries=("deaths",),
            goal="补助困难残疾人因残疾产生的额外生活支出",
        ),
        SubsidyPolicy(
            code=SEVERE_DISABILITY_CARE,
            name="重度残疾人护理补贴",
            category=PolicyCategory.DISABILITY,
            department="自治区民政厅",
            legal_basis="《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）",
            target=Target.PERSON,
            standard=FixedStandard(amount=Amount("100")),
            funding=FundingShares(region=Decimal("0.6"), county=Decimal("0.4")),
            frequency=Frequency.MONTHLY,
            time_limit_days=15,
            regions=whole_region,
            effective_from=_dt.date(2016, 1, 1),
            exclusion_registries=("deaths",),
            goal="补助重度残疾人长期照护支出",
        ),
        SubsidyPolicy(
            code=MACHINERY_PURCHASE,
            name="农机购置补贴",
            category=PolicyCategory.AGRICULTURE,
            department="自治区农业农村厅",
            legal_basis="《农业机械购置与应用补贴实施指导意见》",
            target=Target.PERSON,
            standard=DeclaredStandard(cap=Amount("150000")),
            funding=FundingShares(central=Decimal(1)),
            frequency=Frequency.ONCE,
            time_limit_days=60,
            regions=whole_region,
            min_age=18,
            effective_from=_dt.date(2021, 1, 1),
            requires_yikatong=False,
            goal="支持购置先进适用农业机械，提高农业机械化水平",
        ),
        SubsidyPolicy(
            code=GRASSLAND_ECOLOGY,
            name="草原生态保护补助奖励",
            category=PolicyCategory.ECOLOGY,
            department="自治区林业和草原局",
            legal_basis="《第三轮草原生态保护补助奖励政策实施指导意见》",
            target=Target.HOUSEHOLD,
            standard=PerUnitStandard(unit="亩", rate=Decimal("7.50")),
            funding=FundingShares(central=Decimal(1)),
            frequency=Frequency.YEARLY,
            time_limit_days=30,
            regions=tuple(RegionCode(c) for c in _GRASSLAND_COUNTIES),
            effective_from=_dt.date(2021, 1, 1),
            exclusion_registries=("deaths",),
            goal="禁牧封育，保护和恢复草原生态",
        ),
    )


def sample_catalog() -> PolicyCatalog:
    """A published list with two revisions, for diffs and exports.

    Revision 1 (effective 2023-01-01) has older figures for 耕地地力保护补贴
    (98 yuan per 亩), 高龄津贴 (80 yuan a month at 80-89) and 低保 (cap 700),
    lists 畜牧良种补贴, and lacks 实际种粮农民一次性补贴. Revision 2
    (effective 2024-01-01) is exactly :func:`sample_policies`. Figures are
    illustrative.
    """
    latest = sample_policies()
    by_code = {p.code: p for p in latest}
    elderly = by_code[ELDERLY_ALLOWANCE].standard
    assert isinstance(elderly, TieredStandard)
    older = {
        CULTIVATED_LAND: by_code[CULTIVATED_LAND].model_copy(
            update={"standard": PerUnitStandard(unit="亩", rate=Decimal("98.00"))}
        ),
        ELDERLY_ALLOWANCE: by_code[ELDERLY_ALLOWANCE].model_copy(
            update={
                "standard": TieredStandard(
                    tiers=(
                        Tier(min_age=80, max_age=89, amount=Amount("80")),
                        *elderly.tiers[1:],
                    )
                )
            }
        ),
        MINIMUM_LIVING: by_code[MINIMUM_LIVING].model_copy(
            update={"standard": DeclaredStandard(cap=Amount("700"))}
        ),
    }
    livestock = SubsidyPolicy(
        code=LIVESTOCK_BREED,
        name="畜牧良种补贴",
        category=PolicyCategory.AGRICULTURE,
        department="自治区农业农村厅",
        legal_basis="农业部、财政部畜牧良种补贴项目实施指导意见",
        target=Target.HOUSEHOLD,
        standard=PerUnitStandard(unit="头", rate=Decimal("10"), max_quantity=Decimal("50")),
        funding=FundingShares(central=Decimal(1)),
        frequency=Frequency.YEARLY,
        regions=(NINGXIA,),
        effective_from=_dt.date(2012, 1, 1),
        goal="推广优良畜种，提高畜牧业生产水平",
    )
    first = CatalogRevision(
        version=1,
        effective_from=_dt.date(2023, 1, 1),
        published_on=_dt.date(2022, 12, 20),
        note="2023年度补贴政策清单",
        policies=(
            *(older.get(p.code, p) for p in latest if p.code != GRAIN_FARMERS_ONCE),
            livestock,
        ),
    )
    second = CatalogRevision(
        version=2,
        effective_from=_dt.date(2024, 1, 1),
        published_on=_dt.date(2024, 1, 15),
        note="2024年度补贴政策清单：提高耕地地力保护补贴、高龄津贴和低保标准，"
        "新增实际种粮农民一次性补贴，畜牧良种补贴整合后不再单列",
        policies=latest,
    )
    return PolicyCatalog(title="宁夏回族自治区惠民惠农财政补贴政策清单", revisions=(first, second))


def sample_standard_policies() -> tuple[SubsidyPolicy, ...]:
    """Policies with the richer kinds of standard, in a stable order (figures illustrative).

    * 特困人员救助供养金 (same code as in :func:`sample_policies`): the monthly
      amount by care level (全自理、半护理、全护理), higher in 银川市, and
      shares of 中央80%、自治区20% in 盐池县 and 海原县 instead of 80/10/10;
    * 重度残疾人护理补贴 and 困难残疾人生活补贴 (残疾人两项补贴, same codes):
      amounts by disability grade;
    * 中等职业教育国家助学金: 1,000 yuan a semester (2,000 a school year);
    * 临时救助金: declared amounts paid ad hoc, at most 3,000 yuan a time and
      6,000 yuan a person a year;
    * 城乡居民最低生活保障金 (same code): declared amounts up to 800 yuan a
      month, 900 in 银川市 and 950 in 兴庆区.

    >>> tekun = sample_standard_policies()[0]
    >>> tekun.standard.amount_for(region="640104", care_level=CareLevel.FULL_CARE)
    Amount('1750.00')
    >>> tekun.standard.amount_for(region="640402", care_level=CareLevel.FULL_CARE)
    Amount('1640.00')
    """
    by_code = {p.code: p for p in sample_policies()}
    care = (
        (CareLevel.SELF_CARE, Amount("1040"), Amount("1150")),
        (CareLevel.PARTIAL_CARE, Amount("1340"), Amount("1450")),
        (CareLevel.FULL_CARE, Amount("1640"), Amount("1750")),
    )
    hardship_shares = FundingShares(central=Decimal("0.8"), region=Decimal("0.2"))
    tekun = _revised(
        by_code[EXTREME_POVERTY],
        {
            "standard": TieredStandard(
                tiers=(
                    *(Tier(care_levels=(level,), amount=base) for level, base, _ in care),
                    *(
                        Tier(region=RegionCode("640100"), care_levels=(level,), amount=city)
                        for level, _, city in care
                    ),
                )
            ),
            "county_funding": (
                CountyFunding(county=RegionCode("640323"), shares=hardship_shares),
                CountyFunding(county=RegionCode("640522"), shares=hardship_shares),
            ),
        },
    )
    care_subsidy = _revised(
        by_code[SEVERE_DISABILITY_CARE],
        {
            "standard": TieredStandard(
                tiers=(
                    Tier(disability_grades=(DisabilityGrade.FIRST,), amount=Amount("100")),
                    Tier(disability_grades=(DisabilityGrade.SECOND,), amount=Amount("80")),
                )
            )
        },
    )
    living_subsidy = _revised(
        by_code[DISABILITY_LIVING],
        {
            "standard": TieredStandard(
                tiers=(
                    Tier(
                        disability_grades=(DisabilityGrade.FIRST, DisabilityGrade.SECOND),
                        amount=Amount("80"),
                    ),
                    Tier(
                        disability_grades=(DisabilityGrade.THIRD, DisabilityGrade.FOURTH),
                        amount=Amount("60"),
                    ),
                )
            )
        },
    )
    grant = SubsidyPolicy(
        code=STUDENT_GRANT,
        name="中等职业教育国家助学金",
        category=PolicyCategory.EDUCATION,
        department="自治区教育厅",
        legal_basis="《学生资助资金管理办法》（财教〔2021〕310号）",
        target=Target.PERSON,
        standard=FixedStandard(amount=Amount("1000")),
        funding=FundingShares(central=Decimal("0.8"), region=Decimal("0.2")),
        frequency=Frequency.SEMESTER,
        time_limit_days=30,
        regions=(NINGXIA,),
        effective_from=_dt.date(2021, 9, 1),
        goal="资助中等职业学校家庭经济困难学生",
    )
    temporary = SubsidyPolicy(
        code=TEMPORARY_ASSISTANCE,
        name="临时救助金",
        category=PolicyCategory.SOCIAL_ASSISTANCE,
        department="自治区民政厅",
        legal_basis="《社会救助暂行办法》（国务院令第649号）",
        target=Target.PERSON,
        standard=CappedStandard(base=DeclaredStandard(cap=Amount("3000")), cap=Amount("6000")),
        funding=FundingShares(region=Decimal("0.5"), county=Decimal("0.5")),
        frequency=Frequency.AD_HOC,
        time_limit_days=10,
        regions=(NINGXIA,),
        effective_from=_dt.date(2015, 1, 1),
        exclusion_registries=("deaths",),
        goal="对遭遇突发性、紧迫性、临时性生活困难的家庭和个人给予应急性、过渡性救助",
    )
    dibao = _revised(
        by_code[MINIMUM_LIVING],
        {
            "standard": DeclaredStandard(
                cap=Amount("800"),
                tiers=(
                    Tier(region=RegionCode("640100"), amount=Amount("900")),
                    Tier(region=RegionCode("640104"), amount=Amount("950")),
                ),
            )
        },
    )
    return tekun, care_subsidy, living_subsidy, grant, temporary, dibao


def _revised(policy: SubsidyPolicy, update: dict[str, object]) -> SubsidyPolicy:
    """``policy`` with fields replaced, validated again (``model_copy`` would not)."""
    return SubsidyPolicy(**{**dict(policy), **update})
