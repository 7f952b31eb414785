"""Batches with planted problems (埋设问题) for testing the cross-checks.

:func:`plant_problems` builds a clean synthetic batch, plants a chosen number of
problems of each kind the built-in rules catch, and builds the reference data
that makes them problems. It also plants *near misses* that must not be found:
a death on the first day of the period, an earlier payment for the previous
period, a beneficiary exactly at the minimum age on the reference date, an
exclusive policy paid in another period, registry entries of people who are
not in the batch. ``expected`` lists the findings, as ``(rule code, seq)``, that
the checks must report: exactly those, no more, no fewer.

For unit tests of one rule (a department's own rule, too), :func:`make_policy`,
:func:`make_item` and :func:`make_batch` build small valid models in one call
each, every field defaulted:

>>> from ningxia_yikatong.checks import run_checks
>>> b = make_batch([make_item(1), make_item(2, name="李芳", amount="99.00")])
>>> report = run_checks(b, make_policy())
>>> [(f.seq, f.rule) for f in report.findings]
[(2, 'amount')]

>>> planted = plant_problems({"deceased": 2, "shared_account": 1}, seed=3, clean=10)
>>> sorted(rule for rule, _ in planted.expected)
['deceased', 'deceased', 'shared_account', 'shared_account']
>>> report = run_checks(planted.batch, planted.policy, planted.context)
>>> {(f.rule, f.seq) for f in report.findings} == planted.expected
True
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from ..bank import AccountNumber, BankAccount, BankCode
from ..beneficiary import Beneficiary
from ..checks import CheckContext, HouseholdMember, PriorPayout
from ..codes import BatchId, Period, PolicyCode
from ..errors import InvalidValue
from ..identity import PersonName, ResidentIdNumber
from ..money import Amount
from ..payout import PayoutBatch, PayoutItem
from ..policy import (
    FixedStandard,
    Frequency,
    FundingShares,
    PolicyCategory,
    SubsidyPolicy,
    Target,
)
from ..regions import RegionCode
from .synthetic import RARE_CHARACTERS, SyntheticData, card_number, valid_id_number

__all__ = [
    "PLANTABLE",
    "PlantedBatch",
    "make_batch",
    "make_id",
    "make_item",
    "make_policy",
    "plant_problems",
    "planting_policy",
]

#: The kinds of problem that can be planted: the codes of the built-in rules.
PLANTABLE: Final = (
    "duplicate_person",
    "duplicate_household",
    "already_paid",
    "deceased",
    "public_payroll",
    "excluded_vehicles",
    "age_range",
    "region",
    "household_region",
    "amount",
    "not_yikatong",
    "holder_name",
    "shared_account",
    "exclusive_policy",
    "name_encoding",
    "agent_bank",
)

_EXCLUSIVE: Final = PolicyCode("NX-PLANT-X")
_OUTSIDE_COUNTY: Final = "640502"  # 沙坡头区, outside the planting policy's regions


def planting_policy() -> SubsidyPolicy:
    """A household policy that switches every built-in rule on.

    Paid monthly in 银川市 and 吴忠市 at 200 yuan, to household heads aged 18
    to 80, excluding the public payroll and the ``vehicles`` registry, and
    exclusive with ``NX-PLANT-X``.
    """
    return SubsidyPolicy(
        code=PolicyCode("NX-PLANT"),
        name="比对测试补贴",
        category=PolicyCategory.SOCIAL_ASSISTANCE,
        department="自治区民政厅",
        legal_basis="测试用政策",
        target=Target.HOUSEHOLD,
        standard=FixedStandard(amount=Amount("200.00")),
        funding=FundingShares(central=Decimal("0.8"), region=Decimal("0.2")),
        frequency=Frequency.MONTHLY,
        regions=(RegionCode("640100"), RegionCode("640300")),
        min_age=18,
        max_age=80,
        effective_from=_dt.date(2020, 1, 1),
        requires_yikatong=True,
        excludes_public_payroll=True,
        exclusive_with=(_EXCLUSIVE,),
        exclusion_registries=("vehicles",),
    )


@dataclass(frozen=True)
class PlantedBatch:
    """A batch, its policy and context, and the findings the checks must report."""

    batch: PayoutBatch
    policy: SubsidyPolicy
    context: CheckContext
    expected: frozenset[tuple[str, int]]


def plant_problems(
    counts: Mapping[str, int],
    *,
    seed: int = 0,
    clean: int = 20,
    period: str = "2026-03",
    bank: str = "psbc",
) -> PlantedBatch:
    """A batch of ``clean`` good items plus ``counts[kind]`` problems of each kind.

    Kinds are the codes in :data:`PLANTABLE`. A ``shared_account`` problem is
    two people on one account (two findings); every other problem is one
    finding on one item. The bank must write its files in GBK (``psbc`` or
    ``abc``) for ``name_encoding`` problems to exist.
    """
    unknown = set(counts) - set(PLANTABLE)
    if unknown:
        raise InvalidValue(f"无法埋设的问题类型：{'、'.join(sorted(unknown))}", code="planted.kind")
    if any(n < 0 for n in counts.values()) or clean < 3:
        raise InvalidValue("问题数量不能为负，正常条目至少3条", code="planted.count")
    policy = planting_policy()
    the_period = Period(period)
    start = the_period.start
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    gen = SyntheticData(seed=seed, yikatong_share=1.0, rare_name_share=0.0, phone_share=0.0)
    # One person per planted problem that changes an item (duplicates add items).
    in_place = [k for k in PLANTABLE if k not in ("duplicate_person", "duplicate_household")]
    changed = sum(counts.get(k, 0) for k in in_place) + counts.get("shared_account", 0)
    base = gen.batch(clean + changed, policy=policy, bank=bank, period=period)
    items = list(base.items)
    order = list(range(len(items)))
    rng.shuffle(order)
    spare = order[changed:]  # untouched items, for near misses and duplicates
    targets = iter(order[:changed])
    expected: set[tuple[str, int]] = set()
    deaths: dict[str, _dt.date] = {}
    payroll: dict[str, str] = {}
    vehicles: set[str] = set()
    prior: list[PriorPayout] = []
    extra_members: list[HouseholdMember] = []
    moved: set[str] = set()  # registered in another county than the roster says

    def person(i: int) -> str:
        return str(items[i].beneficiary.id_number)

    def update(i: int, account: Mapping[str, object] | None = None, **fields: object) -> None:
        item = items[i]
        b = item.beneficiary
        changes = dict(fields)
        if account is not None:
            changes["account"] = b.account.model_copy(update=account)
        items[i] = item.model_copy(update={"beneficiary": b.model_copy(update=changes)})

    for kind in in_place:
        for _ in range(counts.get(kind, 0)):
            i = next(targets)
            seq = items[i].seq
            rid = person(i)
            if kind == "deceased":
                deaths[rid] = start - _dt.timedelta(days=1 + rng.randrange(300))
            elif kind == "public_payroll":
                payroll[rid] = "某县教育局"
            elif kind == "excluded_vehicles":
                vehicles.add(rid)
            elif kind == "household_region":
                moved.add(rid)
            elif kind == "already_paid":
                prior.append(
                    PriorPayout(policy.code, the_period, rid, Amount("200.00"), "EARLIER-1")
                )
            elif kind == "exclusive_policy":
                prior.append(PriorPayout(_EXCLUSIVE, the_period, rid, Amount("500.00"), "OTHER-1"))
            elif kind == "age_range":
                young = valid_id_number(rng, rid[:6], _years_back(start, 10 + rng.randrange(7)))
                update(i, id_number=young)
            elif kind == "region":
                update(i, region=RegionCode(f"{_OUTSIDE_COUNTY}101201"))
            elif kind == "amount":
                items[i] = items[i].model_copy(update={"amount": Amount("200.01")})
            elif kind == "not_yikatong":
                update(i, account={"is_yikatong": False})
            elif kind == "holder_name":
                update(i, account={"holder_name": _other_name(gen, items[i].beneficiary.name)})
            elif kind == "name_encoding":
                rare = PersonName(items[i].beneficiary.name[0] + rng.choice(RARE_CHARACTERS))
                update(i, name=rare, account={"holder_name": rare})
            elif kind == "agent_bank":
                other = "icbc" if bank != "icbc" else "abc"
                update(
                    i,
                    account={"bank": BankCode(other), "number": AccountNumber(gen.account(other))},
                )
            elif kind == "shared_account":
                j = next(targets)
                update(j, account={"number": items[i].beneficiary.account.number})
                expected.add((kind, items[j].seq))
            expected.add((kind, seq))

    # Near misses: none of these is a finding.
    near = spare[:3]
    deaths[person(near[0])] = start  # died on the period's first day
    prior.append(
        PriorPayout(policy.code, Period(_previous_month(the_period)), person(near[1]),
                    Amount("200.00"), "EARLIER-0")
    )  # fmt: skip
    prior.append(
        PriorPayout(_EXCLUSIVE, Period(_previous_month(the_period)), person(near[1]),
                    Amount("500.00"), "OTHER-0")
    )  # fmt: skip
    exact = valid_id_number(rng, person(near[2])[:6], _years_back(start, policy.min_age or 18))
    update(near[2], id_number=exact)  # turns 18 on the reference date itself
    for _ in range(5):
        stranger = gen.id_number("640104", min_age=20, max_age=70)
        deaths[stranger] = start - _dt.timedelta(days=30)
        payroll[stranger] = "某局"
        vehicles.add(stranger)

    # Duplicates are appended after the items they repeat.
    for _ in range(counts.get("duplicate_person", 0)):
        original = items[rng.choice(spare)]
        items.append(original.model_copy(update={"seq": len(items) + 1}))
        expected.add(("duplicate_person", len(items)))
    for _ in range(counts.get("duplicate_household", 0)):
        head = items[rng.choice(spare)].beneficiary
        newcomer = gen.batch(1, policy=policy, bank=bank, period=period).items[0]
        member = newcomer.beneficiary.model_copy(
            update={"household_id": head.household_id, "region": head.region}
        )
        items.append(newcomer.model_copy(update={"seq": len(items) + 1, "beneficiary": member}))
        extra_members.append(
            HouseholdMember(str(head.household_id), member.id_number, member.name, False)
        )
        expected.add(("duplicate_household", len(items)))

    members = [
        HouseholdMember(
            str(i.beneficiary.household_id),
            i.beneficiary.id_number,
            i.beneficiary.name,
            True,
            _OUTSIDE_COUNTY if i.beneficiary.id_number in moved else i.beneficiary.region,
        )
        for i in items
        if ("duplicate_person", i.seq) not in expected
        and ("duplicate_household", i.seq) not in expected
    ]
    batch = PayoutBatch(
        batch_id=BatchId(f"PLANT-{seed}"),
        policy_code=policy.code,
        period=the_period,
        region=base.region,
        agent_bank=base.agent_bank,
        payer_account=base.payer_account,
        payer_name=base.payer_name,
        items=tuple(items),
    )
    context = CheckContext.build(
        deaths=deaths,
        public_payroll=payroll,
        prior_payouts=prior,
        household_members=[*members, *extra_members],
        registries={"vehicles": vehicles},
    )
    return PlantedBatch(batch, policy, context, frozenset(expected))


def _years_back(day: _dt.date, years: int) -> _dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _previous_month(period: Period) -> str:
    first = period.start - _dt.timedelta(days=1)
    return f"{first.year}-{first.month:02d}"


def _other_name(gen: SyntheticData, name: str) -> PersonName:
    while True:
        other = gen.name()
        if other != name:
            return PersonName(other)


_BUILDER_RNG: Final = random.Random(11)  # noqa: S311 - reproducible test data


def make_id(born: _dt.date | str, county: str = "640122") -> ResidentIdNumber:
    """A valid ID number under ``county`` born on ``born`` (a date or ISO text)."""
    day = _dt.date.fromisoformat(born) if isinstance(born, str) else born
    return valid_id_number(_BUILDER_RNG, county, day)


def make_policy(**changes: Any) -> SubsidyPolicy:
    """A monthly person policy ``NX-TEST`` of 100 yuan in the whole region.

    Keyword arguments replace fields (``min_age=60``, ``target=Target.HOUSEHOLD``).
    """
    data: dict[str, Any] = {
        "code": PolicyCode("NX-TEST"),
        "name": "测试补贴",
        "category": PolicyCategory.SOCIAL_ASSISTANCE,
        "department": "自治区民政厅",
        "legal_basis": "测试用政策",
        "standard": FixedStandard(amount=Amount("100.00")),
        "funding": FundingShares(central=Decimal(1)),
        "frequency": Frequency.MONTHLY,
        "regions": (RegionCode("640000"),),
        "effective_from": _dt.date(2020, 1, 1),
    }
    data.update(changes)
    return SubsidyPolicy(**data)


def make_item(
    seq: int,
    *,
    id_number: str | None = None,
    name: str = "马明",
    holder: str | None = None,
    region: str = "640122101201",
    bank: str = "psbc",
    account: str | None = None,
    yikatong: bool | None = True,
    amount: str = "100.00",
    household: str | None = None,
    quantity: str | None = None,
) -> PayoutItem:
    """A payout item; the ID number (born 1970-05-06) and card number are drawn
    afresh unless given, the holder is the beneficiary unless ``holder`` says."""
    return PayoutItem(
        seq=seq,
        beneficiary=Beneficiary(
            id_number=ResidentIdNumber(id_number) if id_number else make_id("1970-05-06"),
            name=PersonName(name),
            region=RegionCode(region),
            household_id=household,
            account=BankAccount(
                number=AccountNumber(account) if account else card_number(_BUILDER_RNG, bank),
                bank=BankCode(bank),
                holder_name=PersonName(holder or name),
                is_yikatong=yikatong,
            ),
        ),
        amount=Amount(amount),
        quantity=None if quantity is None else Decimal(quantity),
    )


def make_batch(
    items: list[PayoutItem],
    *,
    code: str = "NX-TEST",
    period: str = "2026-03",
    bank: str = "psbc",
    pay_date: _dt.date | None = None,
    batch_id: str = "B-TEST",
) -> PayoutBatch:
    """A batch of ``items`` (numbered 1..n) for policy ``code``, paid through ``bank``."""
    return PayoutBatch(
        batch_id=BatchId(batch_id),
        policy_code=PolicyCode(code),
        period=Period(period),
        region=RegionCode("640000"),
        agent_bank=BankCode(bank),
        payer_account=AccountNumber("6217000000000000"),
        payer_name="自治区财政厅惠民惠农补贴专户",
        items=tuple(items),
        pay_date=pay_date,
    )
