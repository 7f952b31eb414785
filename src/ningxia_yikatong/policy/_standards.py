"""Standards (补贴标准): fixed, per unit, tiered, declared, capped."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Final, Literal, Self

from pydantic import Field, model_validator

from .._model import DomainModel
from .._types import ExactDecimal
from ..beneficiary import CareLevel, DisabilityGrade
from ..errors import Location, ModelError, YikatongError
from ..money import CENT, Amount
from ..regions import RegionCode, RegionLevel


class FixedStandard(DomainModel):
    """The same amount for every item, per period."""

    kind: Literal["fixed"] = "fixed"
    amount: Amount

    def amount_for(
        self,
        *,
        quantity: Decimal | None = None,
        age: int | None = None,
        region: str | None = None,
        disability_grade: DisabilityGrade | None = None,
        care_level: CareLevel | None = None,
    ) -> Amount:
        """The standard amount (the item's quantity and attributes play no part)."""
        return self.amount

    @property
    def per_payment_max(self) -> Amount:
        """The most one payment can be."""
        return self.amount


#: Rounding of a computed amount to the fen: half up (四舍五入), as in practice.
ROUNDING = ROUND_HALF_UP


class PerUnitStandard(DomainModel):
    """A rate in yuan per unit (亩, 头 ...) times the item's quantity, rounded half up."""

    kind: Literal["per_unit"] = "per_unit"
    unit: Annotated[str, Field(min_length=1, max_length=8)]
    rate: Annotated[ExactDecimal, Field(gt=0, max_digits=12, decimal_places=4, allow_inf_nan=False)]
    max_quantity: Annotated[ExactDecimal, Field(gt=0, allow_inf_nan=False)] | None = None

    def amount_for(
        self,
        *,
        quantity: Decimal | None = None,
        age: int | None = None,
        region: str | None = None,
        disability_grade: DisabilityGrade | None = None,
        care_level: CareLevel | None = None,
    ) -> Amount:
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

    @property
    def per_payment_max(self) -> Decimal | None:
        """The most one payment can be: ``rate × max_quantity`` (``None``: no bound)."""
        if self.max_quantity is None:
            return None
        return (self.rate * self.max_quantity).quantize(CENT, rounding=ROUNDING)


#: Tier selectors (分档条件), in the order they are named in messages.
TIER_CONDITIONS: Final = ("age", "region", "disability_grade", "care_level")

_CONDITION_LABELS: Final = {
    "age": "年龄",
    "region": "区划",
    "disability_grade": "残疾等级",
    "care_level": "护理等级",
}

#: How specific a tier's region is: none, a prefecture-level city, a county.
_REGION_RANK: Final = {RegionLevel.PREFECTURE: 1, RegionLevel.COUNTY: 2}


class Tier(DomainModel):
    """One band (档次) of a tiered standard and the beneficiaries it selects.

    A tier selects on any of: age (``min_age <= age <= max_age``, either end
    open), region (``region``: a prefecture-level city or a county; the
    beneficiary's region lies in it), disability grade (``disability_grades``:
    any of them) and care level (``care_levels``: any of them). A selector left
    out (``None`` or empty) accepts everyone.

    >>> t = Tier(region="640100", disability_grades=("一级", "二级"), amount=Amount("100"))
    >>> t.conditions
    ('region', 'disability_grade')
    >>> t.matches(region="640122101", disability_grade=DisabilityGrade.SECOND)
    True
    """

    min_age: Annotated[int, Field(ge=0, le=150)] | None = None
    max_age: Annotated[int, Field(ge=0, le=150)] | None = None
    region: RegionCode | None = None
    disability_grades: tuple[DisabilityGrade, ...] = ()
    care_levels: tuple[CareLevel, ...] = ()
    amount: Amount

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ModelError(
                f"年龄段 {self.min_age}-{self.max_age} 下限大于上限",
                code="standard.tier_range",
                location=Location(path="min_age"),
            )
        if self.region is not None and self.region.level not in _REGION_RANK:
            raise ModelError(
                f"分档区划 {self.region} 应为地级市或县（市、区）代码",
                code="standard.tier_region_level",
                location=Location(path="region"),
            )
        for name, values in (
            ("disability_grades", self.disability_grades),
            ("care_levels", self.care_levels),
        ):
            if len(set(values)) != len(values):
                raise ModelError(
                    f"{_CONDITION_LABELS[name.removesuffix('s')]}重复列出",
                    code="standard.tier_repeated",
                    location=Location(path=name),
                )
        return self

    @property
    def conditions(self) -> tuple[str, ...]:
        """The selectors this tier uses, of :data:`TIER_CONDITIONS`."""
        used = {
            "age": self.min_age is not None or self.max_age is not None,
            "region": self.region is not None,
            "disability_grade": bool(self.disability_grades),
            "care_level": bool(self.care_levels),
        }
        return tuple(c for c in TIER_CONDITIONS if used[c])

    @property
    def specificity(self) -> int:
        """0 without a region, 1 for a city, 2 for a county: the most specific tier wins."""
        return 0 if self.region is None else _REGION_RANK[self.region.level]

    def matches(
        self,
        age: int | None = None,
        *,
        region: str | None = None,
        disability_grade: DisabilityGrade | None = None,
        care_level: CareLevel | None = None,
    ) -> bool:
        """Whether a beneficiary with these attributes falls in this tier.

        An attribute the tier selects on and the caller does not give does not match.
        """
        unknown, mismatch = self._fit(age, region, disability_grade, care_level)
        return not unknown and not mismatch

    def _fit(
        self,
        age: int | None,
        region: str | None,
        grade: DisabilityGrade | None,
        care: CareLevel | None,
    ) -> tuple[list[str], bool]:
        """The selectors whose value is not given, and whether a given value misses."""
        unknown: list[str] = []
        mismatch = False
        if self.min_age is not None or self.max_age is not None:
            if age is None:
                unknown.append("age")
            elif (self.min_age is not None and age < self.min_age) or (
                self.max_age is not None and age > self.max_age
            ):
                mismatch = True
        if self.region is not None:
            if region is None:
                unknown.append("region")
            elif not self.region.contains(region):
                mismatch = True
        if self.disability_grades:
            if grade is None:
                unknown.append("disability_grade")
            elif grade not in self.disability_grades:
                mismatch = True
        if self.care_levels:
            if care is None:
                unknown.append("care_level")
            elif care not in self.care_levels:
                mismatch = True
        return unknown, mismatch

    def overlaps(self, other: Tier) -> bool:
        """Whether some beneficiary would fall in both tiers with equal specificity
        (same region or both without one): such tiers are ambiguous."""
        if self.region != other.region:
            return False
        lo, hi = self.min_age or 0, 150 if self.max_age is None else self.max_age
        other_lo, other_hi = other.min_age or 0, 150 if other.max_age is None else other.max_age
        if lo > other_hi or other_lo > hi:
            return False
        return _sets_meet(self.disability_grades, other.disability_grades) and _sets_meet(
            self.care_levels, other.care_levels
        )

    def describe(self) -> str:
        """The tier's conditions in Chinese (``不限`` when it has none)."""
        parts: list[str] = []
        if self.region is not None:
            parts.append(self.region.name)
        if self.min_age is not None or self.max_age is not None:
            parts.append(_age_band(self.min_age, self.max_age))
        if self.disability_grades:
            parts.append("、".join(self.disability_grades) + "残疾")
        if self.care_levels:
            parts.append("、".join(self.care_levels))
        return "".join(parts) if parts else "不限"


def _sets_meet(a: tuple[StrEnum, ...], b: tuple[StrEnum, ...]) -> bool:
    return not a or not b or not set(a).isdisjoint(b)


def _age_band(lo: int | None, hi: int | None) -> str:
    if lo is not None and hi is not None:
        return f"{lo}-{hi}岁" if lo != hi else f"{lo}岁"
    if lo is not None:
        return f"{lo}岁及以上"
    if hi is not None:
        return f"{hi}岁及以下"
    return "不限年龄"


class TieredStandard(DomainModel):
    """An amount chosen by the beneficiary's tier (分档补贴标准).

    Tiers select on age (高龄津贴: 80-89, 90-99, 100+), region (低保 standards
    that differ by city or county), disability grade (残疾人两项补贴) and care
    level (特困人员 全自理/半护理/全护理), alone or combined. Of the tiers a
    beneficiary falls in, the one with the most specific region wins (a county
    before its city before no region); two tiers of the same region that a
    beneficiary could both fall in are refused as ambiguous
    (``standard.tier_overlap``). A beneficiary in no tier has no standard.
    """

    kind: Literal["tiered"] = "tiered"
    tiers: tuple[Tier, ...]

    @model_validator(mode="before")
    @classmethod
    def _legacy_condition(cls, data: object) -> object:
        # Lists written before tiers could select on more than age carried
        # ``"condition": "age"``; the tiers themselves now say what they select on.
        if isinstance(data, dict) and data.get("condition") == "age":
            return {k: v for k, v in data.items() if k != "condition"}
        return data

    @model_validator(mode="after")
    def _no_overlap(self) -> Self:
        tiers = self.tiers
        if not tiers:
            # Checked here, not by the field: pydantic would add "too short"
            # to every problem of a tier.
            raise ModelError(
                "分档补贴至少需要一个档次", code="model.too_short", location=Location(path="tiers")
            )
        _refuse_overlaps(tiers)
        return self

    @property
    def conditions(self) -> tuple[str, ...]:
        """The selectors any tier uses, of :data:`TIER_CONDITIONS`."""
        used = {c for t in self.tiers for c in t.conditions}
        return tuple(c for c in TIER_CONDITIONS if c in used)

    def tier_for(
        self,
        *,
        age: int | None = None,
        region: str | None = None,
        disability_grade: DisabilityGrade | None = None,
        care_level: CareLevel | None = None,
    ) -> Tier:
        """The tier of a beneficiary with these attributes.

        ``standard.age_missing``, ``standard.region_missing``,
        ``standard.disability_grade_missing`` or ``standard.care_level_missing``
        when a tier the beneficiary may fall in needs an attribute not given;
        ``standard.no_tier`` when no tier fits.
        """
        best = _select(self.tiers, age, region, disability_grade, care_level)
        if best is None:
            raise ModelError(
                f"{_describe_subject(age, region, disability_grade, care_level)}不在任何补贴档次内",
                code="standard.no_tier",
            )
        return best

    def amount_for(
        self,
        *,
        quantity: Decimal | None = None,
        age: int | None = None,
        region: str | None = None,
        disability_grade: DisabilityGrade | None = None,
        care_level: CareLevel | None = None,
    ) -> Amount:
        """The amount of the beneficiary's tier (:meth:`tier_for`)."""
        return self.tier_for(
            age=age, region=region, disability_grade=disability_grade, care_level=care_level
        ).amount

    @property
    def per_payment_max(self) -> Amount:
        """The most one payment can be: the largest tier."""
        return max(t.amount for t in self.tiers)


def _refuse_overlaps(tiers: tuple[Tier, ...]) -> None:
    for j, later in enumerate(tiers):
        for i in range(j):
            if tiers[i].overlaps(later):
                raise ModelError(
                    f"第{i + 1}档（{tiers[i].describe()}）与第{j + 1}档（{later.describe()}）"
                    "的条件重叠，同一对象无法确定补贴档次",
                    code="standard.tier_overlap",
                    location=Location(path=f"tiers[{j}]"),
                )


def _select(
    tiers: tuple[Tier, ...],
    age: int | None,
    region: str | None,
    grade: DisabilityGrade | None,
    care: CareLevel | None,
) -> Tier | None:
    """The most specific tier that fits (``None``: none fits); a missing attribute
    that could decide is an error."""
    best: Tier | None = None
    undecided: list[tuple[Tier, str]] = []
    for tier in tiers:
        unknown, mismatch = tier._fit(age, region, grade, care)
        if mismatch:
            continue
        if unknown:
            undecided.append((tier, unknown[0]))
        elif best is None or tier.specificity > best.specificity:
            best = tier
    # A tier that might fit, were the missing attribute known, decides the
    # amount only if it is more specific than the best tier that does fit.
    for tier, what in undecided:
        if best is None or tier.specificity > best.specificity:
            raise ModelError(
                f"分档补贴需要{_CONDITION_LABELS[what]}",
                code=f"standard.{what}_missing",
                field=what,
            )
    return best


def _describe_subject(
    age: int | None,
    region: str | None,
    grade: DisabilityGrade | None,
    care: CareLevel | None,
) -> str:
    parts = []
    if region is not None:
        try:
            parts.append(f"{RegionCode(region).name}（{region}）")
        except YikatongError:
            parts.append(f"区划{region}")
    if age is not None:
        parts.append(f"{age}岁")
    if grade is not None:
        parts.append(f"{grade}残疾")
    if care is not None:
        parts.append(str(care))
    return "、".join(parts) + "的对象" if parts else "该对象"


class DeclaredStandard(DomainModel):
    """The amount declared in the roster, at most ``cap``.

    ``tiers`` give other caps to the beneficiaries they select (a 低保 standard
    that differs by city or county: 分地区保障标准), chosen as for a tiered
    standard (the most specific region wins, ambiguous tiers are refused);
    a beneficiary in no tier may be paid up to ``cap``.

    >>> std = DeclaredStandard(
    ...     cap=Amount("800"), tiers=(Tier(region="640100", amount=Amount("900")),)
    ... )
    >>> std.cap_for(region="640104"), std.cap_for(region="640402")
    (Amount('900.00'), Amount('800.00'))
    """

    kind: Literal["declared"] = "declared"
    cap: Amount
    tiers: tuple[Tier, ...] = ()

    @model_validator(mode="after")
    def _no_overlap(self) -> Self:
        _refuse_overlaps(self.tiers)
        return self

    def cap_for(
        self,
        *,
        age: int | None = None,
        region: str | None = None,
        disability_grade: DisabilityGrade | None = None,
        care_level: CareLevel | None = None,
    ) -> Amount:
        """The cap for a beneficiary with these attributes: their tier's, else ``cap``."""
        if not self.tiers:
            return self.cap
        tier = _select(self.tiers, age, region, disability_grade, care_level)
        return self.cap if tier is None else tier.amount

    def amount_for(
        self,
        *,
        quantity: Decimal | None = None,
        age: int | None = None,
        region: str | None = None,
        disability_grade: DisabilityGrade | None = None,
        care_level: CareLevel | None = None,
    ) -> Amount:
        """The cap (:meth:`cap_for`): a declared amount is correct when it does not exceed it."""
        return self.cap_for(
            age=age, region=region, disability_grade=disability_grade, care_level=care_level
        )

    @property
    def per_payment_max(self) -> Amount:
        """The most one payment can be: the highest cap."""
        return max((self.cap, *(t.amount for t in self.tiers)))


#: A standard that fixes or bounds one payment.
PaymentStandard = Annotated[
    FixedStandard | PerUnitStandard | TieredStandard | DeclaredStandard,
    Field(discriminator="kind"),
]


class CapScope(StrEnum):
    """What a per-person cap (封顶) adds up: one calendar year, or every payment."""

    YEAR = "year"
    TOTAL = "total"

    @property
    def label(self) -> str:
        """Chinese label."""
        return "每人每年累计" if self is CapScope.YEAR else "每人累计"


class CappedStandard(DomainModel):
    """A standard for each payment (``base``) plus a cap on what one person may
    receive under the policy in a calendar year (``scope`` ``year``) or in all
    (``total``), e.g. 临时救助: declared amounts, at most 5,000 yuan a person a year.

    Each payment is judged by ``base``; the cross-checks add what the person was
    already paid (in the year of the batch's period, or ever) and report a
    payment that takes the sum above ``cap``. A cap below what one payment
    under ``base`` can be is refused (``standard.cap_below_standard``).

    >>> capped = CappedStandard(base=DeclaredStandard(cap=Amount("2000")), cap=Amount("5000"))
    >>> capped.scope.label, capped.remaining(Decimal("4500"))
    ('每人每年累计', Decimal('500.00'))
    """

    kind: Literal["capped"] = "capped"
    base: PaymentStandard
    cap: Amount
    scope: CapScope = CapScope.YEAR

    @model_validator(mode="after")
    def _cap_not_below_standard(self) -> Self:
        most = self.base.per_payment_max
        if most is not None and self.cap < most:
            raise ModelError(
                f"{self.scope.label}上限{self.cap}元低于单次补贴标准{most}元，"
                "按标准发放一次即会超限",
                code="standard.cap_below_standard",
                location=Location(path="cap"),
            )
        return self

    def amount_for(
        self,
        *,
        quantity: Decimal | None = None,
        age: int | None = None,
        region: str | None = None,
        disability_grade: DisabilityGrade | None = None,
        care_level: CareLevel | None = None,
    ) -> Amount:
        """The amount of one payment under ``base``."""
        return self.base.amount_for(
            quantity=quantity,
            age=age,
            region=region,
            disability_grade=disability_grade,
            care_level=care_level,
        )

    @property
    def per_payment_max(self) -> Decimal | None:
        """The most one payment can be under ``base``."""
        return self.base.per_payment_max

    def remaining(self, paid: Decimal) -> Decimal:
        """What may still be paid after ``paid`` (never below zero), in yuan to the fen."""
        return max(self.cap - paid, Decimal(0)).quantize(CENT)


Standard = Annotated[
    FixedStandard | PerUnitStandard | TieredStandard | DeclaredStandard | CappedStandard,
    Field(discriminator="kind"),
]


def payment_standard(
    standard: FixedStandard | PerUnitStandard | TieredStandard | DeclaredStandard | CappedStandard,
) -> FixedStandard | PerUnitStandard | TieredStandard | DeclaredStandard:
    """The standard each payment is judged by: a capped standard's ``base``, else itself."""
    return standard.base if isinstance(standard, CappedStandard) else standard
