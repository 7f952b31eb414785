"""Cross-checks (比对): every built-in rule over one batch, beside a plain loop.

The batch pays a household policy that switches every rule on (age limits,
public-payroll and registry exclusions, an exclusive policy, 一卡通 required)
through PSBC (GBK names). Reference data: ``n`` deaths, ``n`` public-payroll
entries, ``n`` earlier payments and an ``n``-entry vehicle registry, each
hitting about 1% of the batch. The floor is one loop over the items doing the
same look-ups inline, the simplest code that could do the work.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Callable
from decimal import Decimal

from bench._harness import Stage
from ningxia_yikatong.bank import AccountNumber, BankAccount, BankCode
from ningxia_yikatong.beneficiary import Beneficiary
from ningxia_yikatong.checks import (
    BUILTIN_RULES,
    CheckContext,
    HouseholdMember,
    Households,
    PriorPayout,
    PriorPayouts,
    run_checks,
)
from ningxia_yikatong.codes import BatchId, Period, PolicyCode
from ningxia_yikatong.identity import PersonName, ResidentIdNumber
from ningxia_yikatong.money import Amount
from ningxia_yikatong.payout import PayoutBatch, PayoutItem
from ningxia_yikatong.policy import (
    FixedStandard,
    Frequency,
    FundingShares,
    PolicyCategory,
    SubsidyPolicy,
    Target,
)
from ningxia_yikatong.regions import NINGXIA, RegionCode
from ningxia_yikatong.testing import SyntheticData

PERIOD = Period("2026-03")
STANDARD = Amount("300.00")
POLICY = SubsidyPolicy(
    code=PolicyCode("NX-BENCH"),
    name="基准测试补贴",
    category=PolicyCategory.SOCIAL_ASSISTANCE,
    department="自治区民政厅",
    legal_basis="基准测试",
    target=Target.HOUSEHOLD,
    standard=FixedStandard(amount=STANDARD),
    funding=FundingShares(central=Decimal(1)),
    frequency=Frequency.MONTHLY,
    regions=(NINGXIA,),
    min_age=18,
    max_age=100,
    effective_from=_dt.date(2020, 1, 1),
    requires_yikatong=True,
    excludes_public_payroll=True,
    exclusive_with=(PolicyCode("NX-OTHER"),),
    exclusion_registries=("vehicles",),
)


def _build(n: int) -> tuple[PayoutBatch, CheckContext]:
    gen = SyntheticData(seed=2026, yikatong_share=1.0, rare_name_share=0.001)
    rng = random.Random(7)
    regions: dict[str, RegionCode] = {}
    psbc = BankCode("psbc")
    items = []
    for seq, p in enumerate(
        gen.people(n, bank="psbc", min_age=18, max_age=100, on=PERIOD.start, heads_only=True), 1
    ):
        region = regions.get(p.region)
        if region is None:
            region = regions[p.region] = RegionCode(p.region)
        name = PersonName(p.name)
        beneficiary = Beneficiary.model_construct(
            id_number=ResidentIdNumber(p.id_number),
            name=name,
            region=region,
            household_id=p.household_id,
            phone=None,
            account=BankAccount.model_construct(
                number=AccountNumber(p.account),
                bank=psbc,
                holder_name=name,
                is_yikatong=True,
                branch=None,
            ),
        )
        items.append(
            PayoutItem.model_construct(
                seq=seq, beneficiary=beneficiary, amount=STANDARD, quantity=None, memo=None
            )
        )
    batch = PayoutBatch.model_construct(
        batch_id=BatchId("BENCH-2026-03"),
        policy_code=POLICY.code,
        period=PERIOD,
        region=NINGXIA,
        agent_bank=psbc,
        payer_account=AccountNumber("6217000000000000"),
        payer_name="宁夏回族自治区财政厅惠民惠农补贴专户",
        items=tuple(items),
        pay_date=None,
        parent_batch_id=None,
        round=1,
    )
    ids = [str(i.beneficiary.id_number) for i in items]
    others = [gen.id_number("640104", min_age=18, max_age=90) for _ in range(n)]

    def mix(k: int) -> list[str]:
        hits = rng.sample(ids, max(1, len(ids) // 100))
        return hits + rng.sample(others, k - len(hits))

    died = _dt.date(2026, 1, 15)
    earlier = Period("2026-02")
    now = Period("2026-03")
    amount = Amount("300.00")
    prior = [PriorPayout("NX-BENCH", earlier, rid, amount, "B2026-02") for rid in mix(n // 2)]
    prior_hits = rng.sample(ids, max(1, len(ids) // 100))
    prior += [PriorPayout("NX-BENCH", now, rid, amount, "B2026-03X") for rid in prior_hits]
    other = [PriorPayout("NX-OTHER", now, rid, amount, "O2026-03") for rid in mix(n // 2)]
    members = [
        HouseholdMember(str(i.beneficiary.household_id), rid, str(i.beneficiary.name), True)
        for i, rid in zip(items, ids, strict=True)
    ]
    context = CheckContext(
        deaths=dict.fromkeys(mix(n), died),
        public_payroll=dict.fromkeys(mix(n), "某单位"),
        prior_payouts=PriorPayouts([*prior, *other]),
        households=Households.from_members(members),
        registries={"vehicles": frozenset(mix(n))},
    )
    return batch, context


def ours(n: int) -> Callable[[], int]:
    batch, context = _build(n)

    def run() -> int:
        report = run_checks(batch, POLICY, context)
        assert report.findings
        assert not report.failures
        return len(batch.items)

    return run


def floor(n: int) -> Callable[[], int]:
    batch, context = _build(n)

    def run() -> int:
        deaths, payroll = context.deaths, context.public_payroll
        prior, households = context.prior_payouts, context.households
        assert deaths is not None
        assert payroll is not None
        assert prior is not None
        assert households is not None
        vehicles = context.registries["vehicles"]
        paid = prior.for_policy("NX-BENCH")
        other = prior.for_policy("NX-OTHER")
        start, end = PERIOD.start, PERIOD.end
        latest, earliest = "20080301", "19250301"
        agent = batch.agent_bank
        seen: dict[str, int] = {}
        seen_households: dict[str, int] = {}
        accounts: dict[str, int] = {}
        found = []
        for item in batch.items:
            b = item.beneficiary
            rid = b.id_number
            acc = b.account
            seq = item.seq
            if seen.setdefault(rid, seq) != seq:
                found.append((seq, "dup"))
            home = households.of_member(rid)
            if home is not None and seen_households.setdefault(home.household_id, seq) != seq:
                found.append((seq, "household"))
            hits = paid.get(rid)
            if hits and any(p.period.start <= end and start <= p.period.end for p in hits):
                found.append((seq, "paid"))
            died = deaths.get(rid)
            if died is not None and died < start:
                found.append((seq, "dead"))
            if rid in payroll:
                found.append((seq, "payroll"))
            if rid in vehicles:
                found.append((seq, "vehicles"))
            if not earliest < rid[6:14] <= latest:
                found.append((seq, "age"))
            if not b.region.startswith("64"):
                found.append((seq, "region"))
            if item.amount != STANDARD:
                found.append((seq, "amount"))
            if not acc.is_yikatong:
                found.append((seq, "yikatong"))
            if acc.holder_name != b.name:
                found.append((seq, "holder"))
            if accounts.setdefault(acc.number + acc.bank, seq) != seq:
                found.append((seq, "shared"))
            hits = other.get(rid)
            if hits and any(p.period.start <= end and start <= p.period.end for p in hits):
                found.append((seq, "exclusive"))
            try:
                b.name.encode("gbk")
                acc.holder_name.encode("gbk")
            except UnicodeEncodeError:
                found.append((seq, "encoding"))
            if acc.bank != agent:
                found.append((seq, "bank"))
        assert found
        return len(batch.items)

    return run


STAGES = [
    Stage(
        f"checks: {len(BUILTIN_RULES)} built-in rules, 4 reference sets",
        ours,
        floor,
        sizes=(1_000_000,),
        floor_label="plain loop, same look-ups",
    )
]
