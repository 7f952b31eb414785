"""The policy (补贴政策): category, target, frequency, funding shares and the rest."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Final, Self

from pydantic import Field, model_validator

from .._arguments import checked_on_failure
from .._model import DomainModel
from .._types import ExactDecimal
from ..codes import PeriodKind, PolicyCode
from ..errors import ErrorDetail, Location, ModelError
from ..money import Amount
from ..regions import RegionCode, RegionLevel
from ._standards import DeclaredStandard, Standard, TieredStandard, payment_standard

if TYPE_CHECKING:
    from ..beneficiary import Beneficiary


class PolicyCategory(StrEnum):
    """Category of a policy; the value is stable, :attr:`label` is Chinese."""

    AGRICULTURE = "agriculture"
    ECOLOGY = "ecology"
    SOCIAL_ASSISTANCE = "social_assistance"
    ELDERLY = "elderly"
    DISABILITY = "disability"
    EDUCATION = "education"
    EMPLOYMENT = "employment"
    HOUSING = "housing"
    HEALTH = "health"
    VETERANS = "veterans"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Chinese label."""
        return _CATEGORY_LABELS[self]


_CATEGORY_LABELS = {
    PolicyCategory.AGRICULTURE: "农业生产发展",
    PolicyCategory.ECOLOGY: "生态保护补偿",
    PolicyCategory.SOCIAL_ASSISTANCE: "社会救助",
    PolicyCategory.ELDERLY: "养老服务",
    PolicyCategory.DISABILITY: "残疾人补贴",
    PolicyCategory.EDUCATION: "教育资助",
    PolicyCategory.EMPLOYMENT: "就业创业",
    PolicyCategory.HOUSING: "住房保障",
    PolicyCategory.HEALTH: "医疗卫生",
    PolicyCategory.VETERANS: "优抚安置",
    PolicyCategory.OTHER: "其他",
}


class Target(StrEnum):
    """Who a policy pays: a person (个人) or a household (户)."""

    PERSON = "person"
    HOUSEHOLD = "household"

    @property
    def label(self) -> str:
        """Chinese label."""
        return "个人" if self is Target.PERSON else "户"


class PayMode(StrEnum):
    """How the money reaches the people (发放方式): finance pays through the
    agent bank (财政直接发放), or the competent department pays and reports
    what it paid (主管部门发放)."""

    FISCAL_DIRECT = "财政直接发放"
    DEPARTMENT = "主管部门发放"


class GovernmentLevel(StrEnum):
    """The level of government whose funds a batch pays (资金层级)."""

    CENTRAL = "中央"
    REGION = "自治区"
    CITY = "市"
    COUNTY = "县"
    TOWNSHIP = "乡"


class Frequency(StrEnum):
    """How often a policy pays.

    ``semester`` (按学期) pays once a school semester, in periods ``2026-S1``
    (spring) and ``2026-S2`` (autumn); ``once`` (一次性) pays a single time;
    ``ad_hoc`` (临时) pays when a need arises, any number of times, each in the
    period it was approved for (usually a month). :attr:`period_kind` is the
    period a batch of the frequency normally covers (``None``: any).
    """

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"
    SEMESTER = "semester"
    ONCE = "once"
    AD_HOC = "ad_hoc"

    @property
    def label(self) -> str:
        """Chinese label."""
        return _FREQUENCY_LABELS[self]

    @property
    def period_kind(self) -> PeriodKind | None:
        """The period kind of a batch (``None`` for one-off and ad hoc payments)."""
        return _FREQUENCY_PERIODS.get(self)


_FREQUENCY_LABELS: Final = {
    Frequency.MONTHLY: "按月",
    Frequency.QUARTERLY: "按季",
    Frequency.HALF_YEARLY: "按半年",
    Frequency.YEARLY: "按年",
    Frequency.SEMESTER: "按学期",
    Frequency.ONCE: "一次性",
    Frequency.AD_HOC: "临时",
}

_FREQUENCY_PERIODS: Final = {
    Frequency.MONTHLY: PeriodKind.MONTH,
    Frequency.QUARTERLY: PeriodKind.QUARTER,
    Frequency.HALF_YEARLY: PeriodKind.HALF,
    Frequency.YEARLY: PeriodKind.YEAR,
    Frequency.SEMESTER: PeriodKind.SEMESTER,
}


_SHARE = Annotated[ExactDecimal, Field(ge=0, le=1, max_digits=6, decimal_places=4)]


class FundingShares(DomainModel):
    """Shares of the money by level of government (资金分担比例), summing to 1."""

    central: _SHARE = Decimal(0)
    region: _SHARE = Decimal(0)
    city: _SHARE = Decimal(0)
    county: _SHARE = Decimal(0)

    @model_validator(mode="after")
    def _sum_to_one(self) -> Self:
        total = self.central + self.region + self.city + self.county
        if total != 1:
            raise ModelError(
                f"中央、自治区、市、县分担比例之和应为1，实际为{total}", code="policy.funding_sum"
            )
        return self


class CountyFunding(DomainModel):
    """Funding shares that replace the policy's own in one county (县级分担比例),
    e.g. where the 自治区 carries more of the money for a county in hardship."""

    county: RegionCode
    shares: FundingShares


class SubsidyPolicy(DomainModel):
    """A subsidy policy of the published list (补贴政策清单).

    ``regions`` lists where it applies (``640000`` for the whole region); ages
    are checked at the period's start; ``time_limit_days`` is how many days after
    approval the money must reach the recipients (限时办理).

    ``county_funding`` replaces ``funding`` in the counties it names (each a
    county where the policy applies, named once). A tier (of a tiered or a
    declared standard) that names a region must lie where the policy applies.
    """

    code: PolicyCode
    name: Annotated[str, Field(min_length=1, max_length=100)]
    category: PolicyCategory
    department: Annotated[str, Field(min_length=1, max_length=100)]
    legal_basis: Annotated[str, Field(min_length=1, max_length=500)]
    target: Target = Target.PERSON
    standard: Standard
    funding: FundingShares
    county_funding: tuple[CountyFunding, ...] = ()
    frequency: Frequency
    time_limit_days: Annotated[int, Field(ge=1, le=366)] = 30
    regions: Annotated[tuple[RegionCode, ...], Field(min_length=1)]
    min_age: Annotated[int, Field(ge=0, le=150)] | None = None
    max_age: Annotated[int, Field(ge=0, le=150)] | None = None
    effective_from: _dt.date
    effective_to: _dt.date | None = None
    requires_yikatong: bool = True
    excludes_public_payroll: bool = False
    exclusive_with: tuple[PolicyCode, ...] = ()
    exclusion_registries: tuple[Annotated[str, Field(min_length=1, max_length=32)], ...] = ()
    goal: Annotated[str, Field(max_length=500)] = ""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ModelError(
                f"最低年龄 {self.min_age} 大于最高年龄 {self.max_age}", code="policy.age_range"
            )
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ModelError("政策失效日期早于生效日期", code="policy.dates")
        if self.code in self.exclusive_with:
            raise ModelError("政策不能与自身互斥", code="policy.exclusive_self")
        problems = self._region_problems()
        if len(problems) == 1:
            only = problems[0]
            raise ModelError(only.message, code=only.code, location=only.location)
        if problems:
            raise ModelError("政策的区划设置有误", code="policy.regions_invalid", details=problems)
        return self

    def _region_problems(self) -> list[ErrorDetail]:
        problems: list[ErrorDetail] = []
        seen: dict[str, int] = {}
        for n, entry in enumerate(self.county_funding):
            code, where = entry.county, Location(path=f"county_funding[{n}].county")
            if code.level is not RegionLevel.COUNTY:
                problems.append(
                    ErrorDetail(
                        "policy.county_funding_level",
                        f"分县资金分担比例的区划 {code}（{code.name}）应为县（市、区）代码",
                        where,
                    )
                )
            elif not self.applies_in(code):
                problems.append(
                    ErrorDetail(
                        "policy.county_funding_region",
                        f"分县资金分担比例的区划 {code}（{code.name}）不在本政策的适用区域内",
                        where,
                    )
                )
            if code in seen:
                problems.append(
                    ErrorDetail(
                        "policy.county_funding_duplicate",
                        f"{code}（{code.name}）的资金分担比例重复设置"
                        f"（第{seen[code] + 1}项与第{n + 1}项）",
                        where,
                    )
                )
            else:
                seen[code] = n
        base = payment_standard(self.standard)
        tiers = base.tiers if isinstance(base, TieredStandard | DeclaredStandard) else ()
        # The paths pydantic gives a tagged union member: the tag is a step.
        prefix = f"standard.{base.kind}"
        if base is not self.standard:
            prefix = f"standard.capped.base.{base.kind}"
        for n, tier in enumerate(tiers):
            if tier.region is not None and not self.applies_in(tier.region):
                problems.append(
                    ErrorDetail(
                        "policy.tier_region",
                        f"第{n + 1}档的区划 {tier.region}（{tier.region.name}）"
                        "不在本政策的适用区域内",
                        Location(path=f"{prefix}.tiers[{n}].region"),
                    )
                )
        return problems

    @checked_on_failure(ModelError, "policy")
    def funding_for(self, region: str) -> FundingShares:
        """The funding shares in ``region`` (a county or a code inside one): the
        county's own shares when ``county_funding`` names it, else ``funding``.

        >>> from ningxia_yikatong.testing.policies import sample_standard_policies
        >>> tekun = sample_standard_policies()[0]
        >>> tekun.funding_for("640323101").region, tekun.funding_for("640104").region
        (Decimal('0.2'), Decimal('0.1'))
        """
        for entry in self.county_funding:
            if entry.county.contains(region):
                return entry.shares
        return self.funding

    @checked_on_failure(ModelError, "policy")
    def amount_for(
        self, beneficiary: Beneficiary, *, on: _dt.date, quantity: Decimal | None = None
    ) -> Amount:
        """The standard amount of one payment to ``beneficiary``, age taken ``on``.

        The beneficiary's region, disability grade and care level select the
        tier of a tiered standard; see the standards' ``amount_for``.
        """
        return self.standard.amount_for(
            quantity=quantity,
            age=beneficiary.id_number.age_on(on),
            region=beneficiary.region,
            disability_grade=beneficiary.disability_grade,
            care_level=beneficiary.care_level,
        )

    @checked_on_failure(ModelError, "policy")
    def applies_in(self, region: str) -> bool:
        """Whether the policy applies in ``region`` (a code at any level)."""
        return any(r.contains(region) for r in self.regions)

    @checked_on_failure(ModelError, "policy")
    def in_force_on(self, day: _dt.date) -> bool:
        """Whether the policy is in force on ``day``."""
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    @checked_on_failure(ModelError, "policy")
    def age_eligible(self, age: int) -> bool:
        """Whether ``age`` meets the policy's age limits."""
        return (self.min_age is None or age >= self.min_age) and (
            self.max_age is None or age <= self.max_age
        )
