"""Hypothesis strategies for the value types and the domain model.

For property tests of code that uses the library (and of the library itself):
every strategy yields valid objects, so a failure is the code under test's.
Needs ``hypothesis`` (the ``test`` extra).

>>> from hypothesis import given
>>> @given(payout_batches(max_items=3))
... def test(batch):
...     assert batch.count == len(batch.items)
>>> test()
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import strategies as st

from ..bank import AccountNumber, AgentBank, BankAccount, BankCode
from ..beneficiary import Beneficiary, CareLevel, DisabilityGrade
from ..codes import BatchId, Period, PolicyCode
from ..identity import PersonName, Phone, ResidentIdNumber
from ..money import MAX_AMOUNT, Amount
from ..payout import PayoutBatch, PayoutItem
from ..policy import (
    CappedStandard,
    CapScope,
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
from ..regions import RegionCode, counties

__all__ = [
    "account_numbers",
    "amounts",
    "bank_accounts",
    "bank_codes",
    "beneficiaries",
    "county_funding",
    "id_numbers",
    "payout_batches",
    "payout_items",
    "periods",
    "person_names",
    "region_codes",
    "standards",
    "subsidy_policies",
    "tiered_standards",
]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_SURNAMES = "马李王张杨刘丁海白田金纳锁"
_GIVEN = "小明兰英华军芳伟秀娟志强玉梅建国海燕福贵"


def _check_digit(body: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]


@st.composite
def id_numbers(
    draw: st.DrawFn,
    min_birth: dt.date = dt.date(1920, 1, 1),
    max_birth: dt.date = dt.date(2020, 12, 31),
) -> ResidentIdNumber:
    """Valid ID numbers under Ningxia's county codes."""
    county = draw(st.sampled_from(counties()))
    born = draw(st.dates(min_value=min_birth, max_value=max_birth))
    seq = draw(st.integers(min_value=0, max_value=999))
    body = f"{county}{born:%Y%m%d}{seq:03d}"
    return ResidentIdNumber(body + _check_digit(body))


def person_names(*, rare: bool = True) -> st.SearchStrategy[PersonName]:
    """Names: Han and Hui style, middle-dot names, and (``rare``) characters outside GBK."""
    plain = st.builds(
        lambda s, g: PersonName(s + g),
        st.sampled_from(_SURNAMES),
        st.text(alphabet=_GIVEN, min_size=1, max_size=2),
    )
    dotted = st.builds(
        lambda a, b: PersonName(f"{a}·{b}"),
        st.sampled_from(["阿卜杜", "穆罕默德", "阿依", "优素福"]),
        st.sampled_from(["热合曼", "阿里", "古丽", "买买提"]),
    )
    options = [plain, dotted]
    if rare:
        options.append(
            st.builds(
                lambda s, r: PersonName(s + r),
                st.sampled_from(_SURNAMES),
                st.sampled_from(["𠮷", "䶮", "𫖯"]),
            )
        )
    return st.one_of(options)


def region_codes() -> st.SearchStrategy[RegionCode]:
    """County, township and village codes in Ningxia."""
    return st.builds(
        lambda county, township, village, depth: RegionCode(
            str(county) + ("", f"{township:03d}", f"{township:03d}{village:03d}")[depth]
        ),
        st.sampled_from(counties()),
        st.integers(min_value=1, max_value=999),
        st.integers(min_value=1, max_value=999),
        st.integers(min_value=0, max_value=2),
    )


def amounts(max_fen: int = int(MAX_AMOUNT.scaleb(2))) -> st.SearchStrategy[Amount]:
    """Positive amounts to the fen."""
    return st.integers(min_value=1, max_value=max_fen).map(Amount.from_fen)


def account_numbers() -> st.SearchStrategy[AccountNumber]:
    """16 to 19 digit account numbers."""
    return st.text(alphabet="0123456789", min_size=16, max_size=19).map(AccountNumber)


def bank_codes() -> st.SearchStrategy[BankCode]:
    """Built-in agent bank codes."""
    return st.sampled_from([BankCode(b.value) for b in AgentBank])


@st.composite
def bank_accounts(draw: st.DrawFn, holder: PersonName | None = None) -> BankAccount:
    """Accounts, held by ``holder`` when given."""
    return BankAccount(
        number=draw(account_numbers()),
        bank=draw(bank_codes()),
        holder_name=holder if holder is not None else draw(person_names()),
        is_yikatong=draw(st.booleans()),
    )


@st.composite
def beneficiaries(draw: st.DrawFn) -> Beneficiary:
    """Beneficiaries whose account is in their own name."""
    name = draw(person_names())
    phone = draw(
        st.none()
        | st.integers(min_value=0, max_value=10**8 - 1).map(lambda n: Phone(f"139{n:08d}"))
    )
    return Beneficiary(
        id_number=draw(id_numbers()),
        name=name,
        region=draw(region_codes()),
        household_id=draw(st.none() | st.from_regex(r"\AH[0-9]{6}\Z")),
        phone=phone,
        account=draw(bank_accounts(holder=name)),
        disability_grade=draw(st.none() | st.sampled_from(DisabilityGrade)),
        care_level=draw(st.none() | st.sampled_from(CareLevel)),
    )


_QUANTITY = st.decimals(
    min_value=Decimal("0.0001"), max_value=Decimal("100000"), places=4, allow_nan=False
)


@st.composite
def payout_items(draw: st.DrawFn, seq: int = 1) -> PayoutItem:
    """An item with the given ``seq``."""
    return PayoutItem(
        seq=seq,
        beneficiary=draw(beneficiaries()),
        amount=draw(amounts(max_fen=10_000_000)),
        quantity=draw(st.none() | _QUANTITY),
        memo=draw(st.none() | st.text(alphabet="补贴发放年季月度资金", max_size=20)),
    )


def periods() -> st.SearchStrategy[Period]:
    """Years, halves, quarters, months and semesters of 2020-2030."""
    return st.builds(
        lambda year, kind, n: Period(
            [
                f"{year}",
                f"{year}-H{n % 2 + 1}",
                f"{year}-Q{n % 4 + 1}",
                f"{year}-{n % 12 + 1:02d}",
                f"{year}-S{n % 2 + 1}",
            ][kind]
        ),
        st.integers(min_value=2020, max_value=2030),
        st.integers(min_value=0, max_value=4),
        st.integers(min_value=0, max_value=11),
    )


@st.composite
def payout_batches(draw: st.DrawFn, min_items: int = 1, max_items: int = 10) -> PayoutBatch:
    """Valid batches with contiguous ``seq``."""
    n = draw(st.integers(min_value=min_items, max_value=max_items))
    items = tuple(draw(payout_items(seq=i)) for i in range(1, n + 1))
    round_ = draw(st.integers(min_value=1, max_value=3))
    return PayoutBatch(
        batch_id=draw(st.from_regex(r"\AB[0-9A-Z]{1,20}\Z").map(BatchId)),
        policy_code=draw(st.from_regex(r"\ANX-[A-Z]{2}-[0-9]{3}\Z").map(PolicyCode)),
        period=draw(periods()),
        region=draw(region_codes()),
        agent_bank=draw(bank_codes()),
        payer_account=draw(account_numbers()),
        payer_name="宁夏回族自治区财政厅",
        items=items,
        pay_date=draw(st.none() | st.dates(min_value=dt.date(2020, 1, 1))),
        parent_batch_id=BatchId("B0") if round_ > 1 else None,
        round=round_,
    )


_AnyStandard = FixedStandard | PerUnitStandard | TieredStandard | DeclaredStandard | CappedStandard


def _split(draw: st.DrawFn, items: tuple[str, ...]) -> list[tuple[str, ...]]:
    """``items`` cut into one to three non-empty groups, in order."""
    cuts = sorted(
        set(draw(st.lists(st.integers(min_value=1, max_value=len(items) - 1), max_size=2)))
        if len(items) > 1
        else set()
    )
    bounds = [0, *cuts, len(items)]
    return [items[lo:hi] for lo, hi in itertools.pairwise(bounds)]


@st.composite
def tiered_standards(
    draw: st.DrawFn, regions: tuple[RegionCode, ...] | None = None
) -> TieredStandard:
    """Tiered standards selecting on age, region, disability grade or care level.

    Region tiers name cities or counties inside ``regions`` (any of Ningxia's
    when ``None``); every such tier set also has a region-less default.
    """
    money = amounts(max_fen=1_000_000)
    kind = draw(st.sampled_from(["age", "grade", "care", "region"]))
    if kind == "age":
        return TieredStandard(
            tiers=(
                Tier(min_age=80, max_age=89, amount=draw(money)),
                Tier(min_age=90, max_age=99, amount=draw(money)),
                Tier(min_age=100, amount=draw(money)),
            )
        )
    if kind == "grade":
        groups = _split(draw, tuple(DisabilityGrade))
        return TieredStandard(
            tiers=tuple(
                Tier(disability_grades=tuple(DisabilityGrade(g) for g in grp), amount=draw(money))
                for grp in groups
            )
        )
    if kind == "care":
        groups = _split(draw, tuple(CareLevel))
        return TieredStandard(
            tiers=tuple(
                Tier(care_levels=tuple(CareLevel(c) for c in grp), amount=draw(money))
                for grp in groups
            )
        )
    if regions is None:
        choices = list(counties()) + sorted({c.prefecture for c in counties()})
    else:
        choices = [
            c
            for c in [*counties(), *sorted({c.prefecture for c in counties()})]
            if any(r.contains(c) for r in regions)
        ]
    picked = draw(st.lists(st.sampled_from(choices), max_size=3, unique=True)) if choices else []
    return TieredStandard(
        tiers=(
            Tier(amount=draw(money)),
            *(Tier(region=code, amount=draw(money)) for code in picked),
        )
    )


@st.composite
def standards(draw: st.DrawFn, regions: tuple[RegionCode, ...] | None = None) -> _AnyStandard:
    """One of each kind of standard, capped ones included (region tiers inside ``regions``)."""
    money = amounts(max_fen=1_000_000)
    base: FixedStandard | PerUnitStandard | TieredStandard | DeclaredStandard = draw(
        st.one_of(
            st.builds(FixedStandard, amount=money),
            st.builds(
                PerUnitStandard,
                unit=st.sampled_from(["亩", "头", "只", "人"]),
                rate=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000"), places=2),
                max_quantity=st.none() | st.sampled_from([Decimal(10), Decimal("99.5")]),
            ),
            tiered_standards(regions),
            st.builds(
                DeclaredStandard,
                cap=money,
                tiers=st.just(()) | tiered_standards(regions).map(lambda t: t.tiers),
            ),
        )
    )
    if draw(st.integers(min_value=0, max_value=3)) != 0:
        return base
    most = base.per_payment_max or Decimal("0.01")
    extra = draw(st.integers(min_value=0, max_value=10_000_000))
    return CappedStandard(
        base=base,
        cap=Amount(min(most + Decimal(extra).scaleb(-2), MAX_AMOUNT)),
        scope=draw(st.sampled_from(CapScope)),
    )


@st.composite
def county_funding(draw: st.DrawFn, regions: tuple[RegionCode, ...]) -> tuple[CountyFunding, ...]:
    """Funding shares for some counties inside ``regions`` (summing to 1 each)."""
    inside = [c for c in counties() if any(r.contains(c) for r in regions)]
    if not inside:
        return ()
    picked = draw(st.lists(st.sampled_from(inside), max_size=3, unique=True))
    out = []
    for code in picked:
        central = draw(st.integers(min_value=0, max_value=100))
        region = draw(st.integers(min_value=0, max_value=100 - central))
        city = draw(st.integers(min_value=0, max_value=100 - central - region))
        out.append(
            CountyFunding(
                county=code,
                shares=FundingShares(
                    central=Decimal(central) / 100,
                    region=Decimal(region) / 100,
                    city=Decimal(city) / 100,
                    county=Decimal(100 - central - region - city) / 100,
                ),
            )
        )
    return tuple(out)


@st.composite
def subsidy_policies(draw: st.DrawFn, code: str | None = None) -> SubsidyPolicy:
    """Valid policies with any kind of standard."""
    central = draw(st.integers(min_value=0, max_value=10))
    region = draw(st.integers(min_value=0, max_value=10 - central))
    start = draw(st.dates(min_value=dt.date(2018, 1, 1), max_value=dt.date(2030, 12, 31)))
    min_age = draw(st.none() | st.integers(min_value=0, max_value=80))
    regions = tuple(
        draw(
            st.lists(
                region_codes() | st.sampled_from([RegionCode("640000"), RegionCode("640100")]),
                min_size=1,
                max_size=3,
                unique=True,
            )
        )
    )
    return SubsidyPolicy(
        code=PolicyCode(code)
        if code
        else draw(st.from_regex(r"\ANX-[A-Z]{2}-[0-9]{3}\Z").map(PolicyCode)),
        name=draw(st.sampled_from(["耕地地力保护补贴", "高龄津贴", "困难残疾人生活补贴"])),
        category=draw(st.sampled_from(PolicyCategory)),
        department=draw(st.sampled_from(["自治区农业农村厅", "自治区民政厅", "自治区财政厅"])),
        legal_basis="宁财规发〔2021〕5号",
        target=draw(st.sampled_from(Target)),
        standard=draw(standards(regions)),
        funding=FundingShares(
            central=Decimal(central) / 10,
            region=Decimal(region) / 10,
            county=Decimal(10 - central - region) / 10,
        ),
        county_funding=draw(county_funding(regions)),
        frequency=draw(st.sampled_from(Frequency)),
        time_limit_days=draw(st.integers(min_value=1, max_value=90)),
        regions=regions,
        min_age=min_age,
        max_age=draw(st.none() | st.integers(min_value=min_age or 0, max_value=120)),
        effective_from=start,
        effective_to=draw(st.none() | st.dates(min_value=start, max_value=dt.date(2035, 12, 31))),
        requires_yikatong=draw(st.booleans()),
        excludes_public_payroll=draw(st.booleans()),
    )
