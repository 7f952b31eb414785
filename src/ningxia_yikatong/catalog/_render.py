"""The public list in Chinese text: standards, funding, regions, one row per policy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from .._arguments import checked
from ..beneficiary import CareLevel, DisabilityGrade
from ..errors import CatalogError
from ..policy import (
    CappedStandard,
    CountyFunding,
    FixedStandard,
    Frequency,
    FundingShares,
    PaymentStandard,
    PerUnitStandard,
    SubsidyPolicy,
    Target,
    Tier,
    TieredStandard,
)
from ..regions import RegionCode

if TYPE_CHECKING:
    from ._revisions import CatalogRevision

# --------------------------------------------------------------------------- rendering

#: Column headers of the public list (CSV and XLSX), in order.
PUBLIC_COLUMNS: Final = (
    "政策编码",
    "政策名称",
    "类别",
    "主管部门",
    "政策依据",
    "补贴对象",
    "补贴标准",
    "资金分担",
    "发放频次",
    "办理时限（天）",
    "适用区域",
    "年龄条件",
    "生效日期",
    "失效日期",
    "是否通过一卡通发放",
    "是否排除财政供养人员",
    "互斥政策",
    "政策目标",
    "清单版本",
)

_PER_PERIOD: Final[Mapping[Frequency, str]] = {
    Frequency.MONTHLY: "每月",
    Frequency.QUARTERLY: "每季度",
    Frequency.HALF_YEARLY: "每半年",
    Frequency.YEARLY: "每年",
    Frequency.SEMESTER: "每学期",
    Frequency.ONCE: "一次性",
    Frequency.AD_HOC: "每次",
}


def _yuan(value: Decimal) -> str:
    """Yuan for display: whole yuan without decimals, else at least two places."""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    text = f"{value:f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def _number(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _percent(share: Decimal) -> str:
    return f"{_number(share * 100)}%"


_GRADE_ORDER: Final = {g: n for n, g in enumerate(DisabilityGrade)}
_CARE_ORDER: Final = {c: n for n, c in enumerate(CareLevel)}


def _tier_key(tier: Tier) -> tuple[str, int, int, int]:
    return (
        tier.region or "",
        tier.min_age or 0,
        min((_GRADE_ORDER[g] for g in tier.disability_grades), default=-1),
        min((_CARE_ORDER[c] for c in tier.care_levels), default=-1),
    )


def _render_tiers(tiers: tuple[Tier, ...], frequency: Frequency) -> str:
    """One ``condition + amount`` part per tier, region-less tiers first.

    Where some tiers name a city or county, the others are shown as applying
    to 其他地区 (other regions), as the most specific tier wins.
    """
    per = _PER_PERIOD[frequency]
    regional = any(t.region is not None for t in tiers)
    parts = []
    for tier in sorted(tiers, key=_tier_key):
        band = tier.describe()
        if regional and tier.region is None:
            band = "其他地区" + ("" if band == "不限" else band)
        elif tier.conditions == ("age",) or not tier.conditions:
            band = _age_band(tier.min_age, tier.max_age)
        parts.append(f"{band}{per}{_yuan(tier.amount)}元")
    return "；".join(parts)


def _age_band(lo: int | None, hi: int | None) -> str:
    if lo is not None and hi is not None:
        return f"{lo}-{hi}岁" if lo != hi else f"{lo}岁"
    if lo is not None:
        return f"{lo}岁及以上"
    if hi is not None:
        return f"{hi}岁及以下"
    return "不限年龄"


def _render_payment(std: PaymentStandard, policy: SubsidyPolicy) -> str:
    per = _PER_PERIOD[policy.frequency]
    if isinstance(std, FixedStandard):
        return f"{per}{_yuan(std.amount)}元"
    if isinstance(std, PerUnitStandard):
        text = f"每{std.unit}{_yuan(std.rate)}元"
        if std.max_quantity is not None:
            who = "每户" if policy.target is Target.HOUSEHOLD else "每人"
            text += f"，{who}最多{_number(std.max_quantity)}{std.unit}"
        return text
    if isinstance(std, TieredStandard):
        return _render_tiers(std.tiers, policy.frequency)
    per = "" if policy.frequency is Frequency.ONCE else per
    text = f"据实申报，上限{per}{_yuan(std.cap)}元"
    if std.tiers:
        text += f"（{_render_declared_tiers(std.tiers, per)}）"
    return text


def _render_declared_tiers(tiers: tuple[Tier, ...], per: str) -> str:
    """The caps of a declared standard's tiers: ``银川市每月900元；兴庆区每月950元``."""
    return "；".join(
        f"{t.describe()}{per}{_yuan(t.amount)}元" for t in sorted(tiers, key=_tier_key)
    )


@checked(CatalogError, "catalog")
def render_cap(std: CappedStandard) -> str:
    """The per-person cap in Chinese: ``每人每年累计不超过6000元``."""
    return f"{std.scope.label}不超过{_yuan(std.cap)}元"


@checked(CatalogError, "catalog")
def render_standard(policy: SubsidyPolicy) -> str:
    """The policy's standard in Chinese, as the public list shows it.

    >>> from ningxia_yikatong.testing.policies import sample_policies, sample_standard_policies
    >>> [render_standard(p) for p in sample_policies()[2:4]]
    ['80-89岁每月100元；90-99岁每月200元；100岁及以上每月500元', '据实申报，上限每月800元']
    >>> for p in sample_standard_policies()[1:]:
    ...     print(render_standard(p))
    一级残疾每月100元；二级残疾每月80元
    一级、二级残疾每月80元；三级、四级残疾每月60元
    每学期1000元
    据实申报，上限每次3000元；每人每年累计不超过6000元
    据实申报，上限每月800元（银川市每月900元；兴庆区每月950元）
    """
    std = policy.standard
    if isinstance(std, CappedStandard):
        return f"{_render_payment(std.base, policy)}；{render_cap(std)}"
    return _render_payment(std, policy)


@checked(CatalogError, "catalog")
def render_funding(funding: FundingShares) -> str:
    """Funding shares in Chinese, levels with a zero share left out.

    >>> from decimal import Decimal
    >>> render_funding(FundingShares(central=Decimal("0.8"), region=Decimal("0.2")))
    '中央80%、自治区20%'
    """
    parts = [
        f"{label}{_percent(share)}"
        for label, share in (
            ("中央", funding.central),
            ("自治区", funding.region),
            ("市", funding.city),
            ("县", funding.county),
        )
        if share
    ]
    return "、".join(parts)


@checked(CatalogError, "catalog")
def render_county_funding(entries: Iterable[CountyFunding]) -> str:
    """County funding shares in Chinese, one ``county: shares`` per county (``无``: none).

    >>> from ningxia_yikatong.testing.policies import sample_standard_policies
    >>> render_county_funding(sample_standard_policies()[0].county_funding)
    '盐池县：中央80%、自治区20%；海原县：中央80%、自治区20%'
    """
    text = "；".join(f"{e.county.name}：{render_funding(e.shares)}" for e in entries)
    return text or "无"


@checked(CatalogError, "catalog")
def render_policy_funding(policy: SubsidyPolicy) -> str:
    """The policy's funding shares, then those of the counties that differ.

    >>> from ningxia_yikatong.testing.policies import sample_standard_policies
    >>> render_policy_funding(sample_standard_policies()[0])
    '中央80%、自治区10%、县10%（盐池县：中央80%、自治区20%；海原县：中央80%、自治区20%）'
    """
    text = render_funding(policy.funding)
    if policy.county_funding:
        text += f"（{render_county_funding(policy.county_funding)}）"
    return text


@checked(CatalogError, "catalog")
def render_regions(regions: Iterable[RegionCode]) -> str:
    """Region names; codes below county level are shown as county name and code.

    >>> render_regions([RegionCode("640000")]), render_regions([RegionCode("640122101")])
    ('宁夏回族自治区', '贺兰县640122101')
    """
    return "、".join(r.name if len(r) == 6 else f"{r.name}{r}" for r in regions)


@checked(CatalogError, "catalog")
def render_age_limits(min_age: int | None, max_age: int | None) -> str:
    """Age limits in Chinese: ``80岁及以上``, ``18-60岁``, ``不限``."""
    if min_age is not None and max_age is not None:
        return f"{min_age}-{max_age}岁"
    if min_age is not None:
        return f"{min_age}岁及以上"
    if max_age is not None:
        return f"{max_age}岁及以下"
    return "不限"


@checked(CatalogError, "catalog")
def public_rows(revision: CatalogRevision) -> list[tuple[str, ...]]:
    """One row of text per policy, in the order of :data:`PUBLIC_COLUMNS`."""
    by_code = revision.by_code
    rows: list[tuple[str, ...]] = []
    for p in revision.policies:
        exclusive = "、".join(
            f"{by_code[c].name}（{c}）" if c in by_code else str(c) for c in p.exclusive_with
        )
        rows.append(
            (
                str(p.code),
                p.name,
                p.category.label,
                p.department,
                p.legal_basis,
                p.target.label,
                render_standard(p),
                render_policy_funding(p),
                p.frequency.label,
                str(p.time_limit_days),
                render_regions(p.regions),
                render_age_limits(p.min_age, p.max_age),
                p.effective_from.isoformat(),
                p.effective_to.isoformat() if p.effective_to else "长期有效",
                "是" if p.requires_yikatong else "否",
                "是" if p.excludes_public_payroll else "否",
                exclusive or "无",
                p.goal,
                str(revision.version),
            )
        )
    return rows
