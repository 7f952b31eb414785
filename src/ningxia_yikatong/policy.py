"""Subsidy policies (补贴政策) and their standards (补贴标准).

A policy says who may receive what, how much, how often, from which levels of
government's money, where, and through which account. Its standard is one of:

* :class:`FixedStandard`: the same amount per period (e.g. 80 yuan a month);
* :class:`PerUnitStandard`: a rate per unit (亩, 头, 人) times the item's quantity;
* :class:`TieredStandard`: an amount chosen by a condition, such as age bands;
* :class:`DeclaredStandard`: the amount the roster declares, up to a cap.

>>> from decimal import Decimal
>>> std = PerUnitStandard(unit="亩", rate=Decimal("105.5"))
>>> std.amount_for(quantity=Decimal("12.5"))
Amount('1318.75')
"""

from __future__ import annotations

import datetime as _dt
import itertools
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from ._model import DomainModel
from ._types import ExactDecimal
from .codes import PolicyCode
from .errors import ModelError
from .money import CENT, Amount
from .regions import RegionCode

__all__ = [
    "DeclaredStandard",
    "FixedStandard",
    "Frequency",
    "FundingShares",
    "PerUnitStandard",
    "PolicyCategory",
    "Standard",
    "SubsidyPolicy",
    "Target",
    "Tier",
    "TieredStandard",
]


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


class Frequency(StrEnum):
    """How often a policy pays."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"
    ONCE = "once"

    @property
    def label(self) -> str:
        """Chinese label."""
        return {
            "monthly": "按月",
            "quarterly": "按季",
            "half_yearly": "按半年",
            "yearly": "按年",
            "once": "一次性",
        }[self.value]


class FixedStandard(DomainModel):
    """The same amount for every item, per period."""

    kind: Literal["fixed"] = "fixed"
    amount: Amount

    def amount_for(self, *, quantity: Decimal | None = None, age: int | None = None) -> Amount:
        """The standard amount (quantity and age play no part)."""
        return self.amount


#: Rounding of a computed amount to the fen: half up (四舍五入), as in practice.
ROUNDING = ROUND_HALF_UP


class PerUnitStandard(DomainModel):
    """A rate in yuan per unit (亩, 头 ...) times the item's quantity, rounded half up."""

    kind: Literal["per_unit"] = "per_unit"
    unit: Annotated[str, Field(min_length=1, max_length=8)]
    rate: Annotated[ExactDecimal, Field(gt=0, max_digits=12, decimal_places=4, allow_inf_nan=False)]
    max_quantity: Annotated[ExactDecimal, Field(gt=0, allow_inf_nan=False)] | None = None

    def amount_for(self, *, quantity: Decimal | None = None, age: int | None = None) -> Amount:
        """``rate × quantity`` rounded half up to the fen."""
        if quantity is None or quantity <= 0:
            raise ModelError(
                f"按{self.unit}计发的补贴需要大于零的数量", code="standard.quantity_missing"
            )
        if self.max_quantity is not None and quantity > self.max_quantity:
            raise ModelError(
                f"数量 {quantity}{self.unit} 超过上限 {self.max_quantity}{self.unit}",
                code="standard.quantity_too_large",
            )
        return Amount((self.rate * quantity).quantize(CENT, rounding=ROUNDING))


class Tier(DomainModel):
    """One band of a tiered standard: ``min_age <= age <= max_age`` (either end open)."""

    min_age: Annotated[int, Field(ge=0, le=150)] | None = None
    max_age: Annotated[int, Field(ge=0, le=150)] | None = None
    amount: Amount

    def matches(self, age: int) -> bool:
        """Whether ``age`` falls in this band."""
        return (self.min_age is None or age >= self.min_age) and (
            self.max_age is None or age <= self.max_age
        )


class TieredStandard(DomainModel):
    """An amount chosen by age band (e.g. 高龄津贴: 80-89, 90-99, 100+).

    Bands must not overlap; an age in no band has no standard.
    """

    kind: Literal["tiered"] = "tiered"
    condition: Literal["age"] = "age"
    tiers: Annotated[tuple[Tier, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _no_overlap(self) -> Self:
        bands = sorted(
            (t.min_age or 0, 150 if t.max_age is None else t.max_age) for t in self.tiers
        )
        for (lo, hi), (next_lo, _) in itertools.pairwise(bands):
            if lo > hi:
                raise ModelError(f"年龄段 {lo}-{hi} 下限大于上限", code="standard.tier_range")
            if next_lo <= hi:
                raise ModelError(
                    f"年龄段重叠：{lo}-{hi} 与从 {next_lo} 起的年龄段", code="standard.tier_overlap"
                )
        if bands[-1][0] > bands[-1][1]:
            raise ModelError(
                f"年龄段 {bands[-1][0]}-{bands[-1][1]} 下限大于上限", code="standard.tier_range"
            )
        return self

    def amount_for(self, *, quantity: Decimal | None = None, age: int | None = None) -> Amount:
        """The amount of the band that contains ``age``."""
        if age is None:
            raise ModelError("分档补贴需要年龄", code="standard.age_missing")
        for tier in self.tiers:
            if tier.matches(age):
                return tier.amount
        raise ModelError(f"{age}岁不在任何补贴档次内", code="standard.no_tier")


class DeclaredStandard(DomainModel):
    """The amount declared in the roster, at most ``cap``."""

    kind: Literal["declared"] = "declared"
    cap: Amount

    def amount_for(self, *, quantity: Decimal | None = None, age: int | None = None) -> Amount:
        """The cap: a declared amount is correct when it does not exceed it."""
        return self.cap


Standard = Annotated[
    FixedStandard | PerUnitStandard | TieredStandard | DeclaredStandard,
    Field(discriminator="kind"),
]

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


class SubsidyPolicy(DomainModel):
    """A subsidy policy of the published list (补贴政策清单).

    ``regions`` lists where it applies (``640000`` for the whole region); ages
    are checked at the period's start; ``time_limit_days`` is how many days after
    approval the money must reach the recipients (限时办理).
    """

    code: PolicyCode
    name: Annotated[str, Field(min_length=1, max_length=100)]
    category: PolicyCategory
    department: Annotated[str, Field(min_length=1, max_length=100)]
    legal_basis: Annotated[str, Field(min_length=1, max_length=500)]
    target: Target = Target.PERSON
    standard: Standard
    funding: FundingShares
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
        return self

    def applies_in(self, region: str) -> bool:
        """Whether the policy applies in ``region`` (a code at any level)."""
        return any(r.contains(region) for r in self.regions)

    def in_force_on(self, day: _dt.date) -> bool:
        """Whether the policy is in force on ``day``."""
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def age_eligible(self, age: int) -> bool:
        """Whether ``age`` meets the policy's age limits."""
        return (self.min_age is None or age >= self.min_age) and (
            self.max_age is None or age <= self.max_age
        )
