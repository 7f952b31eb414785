"""The built-in cross-checks (比对规则).

Each rule is an instance of a small class with a stable ``code``; its
``begin`` works out, once per batch, everything that does not depend on the
item (the policy's age limits as birth-date bounds, the region prefixes, the
reference sets to look in), so that ``check`` is one or two look-ups.
docs/checks.md describes every rule and how to fix its findings.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import ClassVar, Final

from .._arguments import checked
from ..errors import CheckError, InvalidValue, ModelError
from ..identity import mask_account, mask_id_number
from ..payout import PayoutBatch, PayoutItem
from ..policy import (
    CappedStandard,
    CapScope,
    DeclaredStandard,
    FixedStandard,
    Frequency,
    SubsidyPolicy,
    Target,
    payment_standard,
)
from ..regions import RegionCode, RegionLevel
from ._context import CheckContext, Household, PriorPayout
from ._engine import Rule, RuleRun
from ._model import Problem, Severity

__all__ = [
    "BUILTIN_RULES",
    "DEDICATED_REGISTRIES",
    "REGISTRY_LABELS",
    "AccountBankRule",
    "AgeRangeRule",
    "AlreadyPaidRule",
    "AmountRule",
    "DeceasedRule",
    "DuplicateHouseholdRule",
    "DuplicatePersonRule",
    "ExcludedBusinessRule",
    "ExcludedPropertyRule",
    "ExcludedRegistryRule",
    "ExcludedVehiclesRule",
    "ExclusivePolicyRule",
    "HolderNameRule",
    "HouseholdRegionRule",
    "NameEncodingRule",
    "NotYikatongRule",
    "PublicPayrollRule",
    "RegionRule",
    "SharedAccountRule",
    "excludes_public_payroll",
    "reference_date",
]


@checked(CheckError, "check")
def reference_date(batch: PayoutBatch, policy: SubsidyPolicy) -> _dt.date:
    """The date ages and deaths are reckoned at: the period's first day, or the
    pay date of a one-off payment (``Frequency.ONCE``) when the batch has one."""
    if policy.frequency is Frequency.ONCE and batch.pay_date is not None:
        return batch.pay_date
    return batch.period.start


def _seqs(seqs: list[int]) -> str:
    shown = "、".join(map(str, seqs[:10]))
    return shown + (f"等{len(seqs)}条" if len(seqs) > 10 else "")


class _Base:
    code: ClassVar[str]
    title: ClassVar[str]
    default_severity: ClassVar[Severity] = Severity.BLOCK

    def __repr__(self) -> str:
        return f"<rule {self.code}>"


class DuplicatePersonRule(_Base):
    """The same ID number twice in one batch (重复人员)."""

    code = "duplicate_person"
    title = "批次内人员重复"

    def begin(self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext) -> RuleRun:
        first: dict[str, int] = {}

        def check(item: PayoutItem) -> Problem | None:
            seq = first.setdefault(item.beneficiary.id_number, item.seq)
            if seq == item.seq:
                return None
            return Problem(
                f"此人已在本批次第{seq}条出现，同一人同一期只能发放一次；请删除重复的一条",
                {"first_seq": seq},
            )

        return RuleRun(check=check)


class DuplicateHouseholdRule(_Base):
    """Two items for one household on a household policy (重复户).

    The household is the registered one (household registry) when the person is
    in it, otherwise the household id of the roster. A person listed twice is
    left to ``duplicate_person``.
    """

    code = "duplicate_household"
    title = "按户发放重复户"

    def begin(
        self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext
    ) -> RuleRun | None:
        if policy.target is not Target.HOUSEHOLD:
            return None
        households = context.households
        first: dict[str, PayoutItem] = {}

        def check(item: PayoutItem) -> Problem | None:
            person = item.beneficiary
            registered = None if households is None else households.of_member(person.id_number)
            key = registered.household_id if registered is not None else person.household_id
            if key is None:
                return None
            earlier = first.setdefault(key, item)
            if earlier is item or earlier.beneficiary.id_number == person.id_number:
                return None
            seq = earlier.seq
            return Problem(
                f"户编号 {key} 已在本批次第{seq}条领取，按户发放的补贴每户只发一份；"
                "请核实户籍，删除重复的一条",
                {"household_id": key, "first_seq": seq},
            )

        return RuleRun(check=check)


class AlreadyPaidRule(_Base):
    """Paid already under the same policy for an overlapping period (重复发放).

    On a household policy the household counts, not the person: an earlier
    payment to another member of the same household (the household the
    earlier payment carries, or the registered household of either person) is
    a repeat payment too.
    """

    code = "already_paid"
    title = "同期已发放"

    def begin(self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext) -> RuleRun:
        prior = context.prior_payouts
        if prior is None:
            return RuleRun(missing_data="已发放记录")
        paid = prior.for_policy(policy.code)
        start, end = batch.period.start, batch.period.end
        this_batch = batch.batch_id

        def overlapping(payouts: tuple[PriorPayout, ...]) -> list[PriorPayout]:
            return [
                p
                for p in payouts
                if p.batch_id != this_batch and p.period.start <= end and start <= p.period.end
            ]

        def repeat(hits: list[PriorPayout]) -> Problem:
            first = hits[0]
            return Problem(
                f"此人{first.period.label}已在批次 {first.batch_id} 领取本项补贴"
                f"{first.amount}元，与本期重叠；请核实，确属重复的从花名册中删除",
                _paid_evidence(hits),
            )

        def check(item: PayoutItem) -> Problem | None:
            earlier = paid.get(item.beneficiary.id_number)
            if earlier is None:
                return None
            hits = overlapping(earlier)
            return repeat(hits) if hits else None

        if policy.target is not Target.HOUSEHOLD:
            return RuleRun(check=check)
        by_household = prior.for_households(policy.code)
        households = context.households

        def check_household(item: PayoutItem) -> Problem | None:
            person = item.beneficiary
            rid = person.id_number
            earlier = paid.get(rid)
            if earlier is not None:
                hits = overlapping(earlier)
                if hits:
                    return repeat(hits)
            registered = None if households is None else households.of_member(rid)
            found: list[PriorPayout] = []
            own_home = person.household_id
            if own_home is not None and by_household:
                found.extend(by_household.get(own_home, ()))
            if registered is not None:
                if by_household and registered.household_id != own_home:
                    found.extend(by_household.get(registered.household_id, ()))
                members = registered.members
                if len(members) > 1:
                    for member in members:
                        if member != rid:
                            found.extend(paid.get(member, ()))
            if not found:
                return None
            # a payment found twice (by household and by member) is one payment
            others = tuple({id(p): p for p in found if p.id_number != rid}.values())
            hits = overlapping(others)
            if not hits:
                return None
            first = hits[0]
            home_id = first.household_id or (registered.household_id if registered else "")
            return Problem(
                f"此户（户编号 {home_id}）{first.period.label}已由另一家庭成员在批次 "
                f"{first.batch_id} 领取本项补贴{first.amount}元，与本期重叠，按户发放每户只发一份；"
                "请核实，确属重复的从花名册中删除",
                {
                    **_paid_evidence(hits),
                    "household_id": home_id,
                    "paid_to": ",".join(mask_id_number(p.id_number) for p in hits),
                },
            )

        return RuleRun(check=check_household)


def _paid_evidence(hits: list[PriorPayout]) -> dict[str, str | int]:
    return {
        "batch_id": ",".join(p.batch_id for p in hits),
        "period": ",".join(str(p.period) for p in hits),
        "amount": ",".join(str(p.amount) for p in hits),
    }


class DeceasedRule(_Base):
    """Dead before the reference date (死亡人员).

    Death on the reference date itself is not a finding: the person was alive
    on the period's first day (payment stops from the next period, 次月停发).
    """

    code = "deceased"
    title = "死亡人员"

    def begin(self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext) -> RuleRun:
        deaths = context.deaths
        if deaths is None:
            return RuleRun(missing_data="死亡人员信息")
        ref = reference_date(batch, policy)
        once = policy.frequency is Frequency.ONCE and batch.pay_date is not None
        what = "发放日期" if once else "发放期间首日"

        def check(item: PayoutItem) -> Problem | None:
            died = deaths.get(item.beneficiary.id_number)
            if died is None or died >= ref:
                return None
            return Problem(
                f"此人已于{died.isoformat()}死亡，早于{what}{ref.isoformat()}，不应发放；"
                "请核实死亡信息，属实的停发并从花名册中删除",
                {"death_date": died.isoformat(), "reference_date": ref.isoformat()},
            )

        return RuleRun(check=check)


class PublicPayrollRule(_Base):
    """On the public payroll (财政供养人员) for a policy that excludes it."""

    code = "public_payroll"
    title = "财政供养人员"

    def begin(
        self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext
    ) -> RuleRun | None:
        if not excludes_public_payroll(policy):
            return None
        payroll = context.public_payroll
        if payroll is None:
            return RuleRun(missing_data="财政供养人员信息")

        def check(item: PayoutItem) -> Problem | None:
            employer = payroll.get(item.beneficiary.id_number)
            if employer is None:
                return None
            where = f"（{employer}）" if employer else ""
            return Problem(
                f"此人为财政供养人员{where}，本政策不得享受；请核实身份，属实的从花名册中删除",
                {"employer": employer},
            )

        return RuleRun(check=check)


#: Registry labels that have their own data set and rule, not an ID set in
#: ``context.registries``: a policy naming them in ``exclusion_registries``
#: switches those rules on.
DEDICATED_REGISTRIES: Final = frozenset({"deaths", "public_payroll"})


def excludes_public_payroll(policy: SubsidyPolicy) -> bool:
    """Whether the policy excludes the public payroll, by its flag or by naming
    ``public_payroll`` among its exclusion registries."""
    return policy.excludes_public_payroll or "public_payroll" in policy.exclusion_registries


class ExcludedRegistryRule(_Base):
    """In a registry the policy names as an exclusion (排除名单).

    The usual registries have their own rules, so that each has its own code
    and severity: ``excluded_vehicles`` (车辆登记), ``excluded_property``
    (不动产登记) and ``excluded_business`` (市场主体登记). This rule,
    ``excluded_registry``, serves every other label a policy names. ``deaths``
    and ``public_payroll`` in ``exclusion_registries`` are left to their own
    rules (:data:`DEDICATED_REGISTRIES`). A registry the policy names and the
    context lacks is missing data.
    """

    code = "excluded_registry"
    title = "命中排除名单"
    #: The label this rule serves; None for every label without its own rule.
    label: ClassVar[str | None] = None

    def _labels(self, policy: SubsidyPolicy) -> list[str]:
        if self.label is not None:
            return [self.label] if self.label in policy.exclusion_registries else []
        return [
            r
            for r in policy.exclusion_registries
            if r not in DEDICATED_REGISTRIES and r not in REGISTRY_LABELS
        ]

    def begin(
        self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext
    ) -> RuleRun | None:
        labels = self._labels(policy)
        if not labels:
            return None
        missing = [label for label in labels if label not in context.registries]
        if missing:
            names = "、".join(REGISTRY_LABELS.get(label, label) for label in missing)
            return RuleRun(missing_data=f"排除名单：{names}")
        sets = tuple(
            (label, REGISTRY_LABELS.get(label, label), context.registries[label])
            for label in labels
        )

        def check(item: PayoutItem) -> Problem | None:
            id_number = item.beneficiary.id_number
            hits = [(label, name) for label, name, ids in sets if id_number in ids]
            if not hits:
                return None
            return Problem(
                f"此人在排除名单“{'、'.join(name for _, name in hits)}”中，按政策不得享受；"
                "请核实，属实的从花名册中删除",
                {"registries": ",".join(label for label, _ in hits)},
            )

        return RuleRun(check=check)


class ExcludedVehiclesRule(ExcludedRegistryRule):
    """In the vehicle registry (车辆登记) a policy excludes."""

    code = "excluded_vehicles"
    title = "命中车辆登记"
    label = "vehicles"


class ExcludedPropertyRule(ExcludedRegistryRule):
    """In the real-estate registry (不动产登记) a policy excludes."""

    code = "excluded_property"
    title = "命中不动产登记"
    label = "property"


class ExcludedBusinessRule(ExcludedRegistryRule):
    """In the market-entity registry (市场主体登记) a policy excludes."""

    code = "excluded_business"
    title = "命中市场主体登记"
    label = "business"


#: Chinese names of the usual exclusion registries, each checked by its own
#: rule (other labels are shown by their label and checked by ``excluded_registry``).
REGISTRY_LABELS: Final = {
    "vehicles": "车辆登记",
    "property": "不动产登记",
    "business": "市场主体登记",
}


def _birth_key(day: _dt.date, years: int) -> str:
    """``YYYYMMDD`` of ``day`` moved back ``years`` (29 Feb kept as text)."""
    return f"{day.year - years:04d}{day.month:02d}{day.day:02d}"


class AgeRangeRule(_Base):
    """Age at the reference date outside the policy's limits (年龄不符).

    The age comes from the ID number's birth date; a birthday on the reference
    date counts (someone born on 1 January 1946 is 80 on 1 January 2026).
    The test compares the birth date as text with two bounds worked out once.
    """

    code = "age_range"
    title = "年龄不符"

    def begin(
        self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext
    ) -> RuleRun | None:
        lo, hi = policy.min_age, policy.max_age
        if lo is None and hi is None:
            return None
        ref = reference_date(batch, policy)
        # age >= lo  <=>  born on or before ref moved back lo years;
        # age <= hi  <=>  born after ref moved back hi + 1 years.
        latest = _birth_key(ref, lo) if lo is not None else "99999999"
        earliest = _birth_key(ref, hi + 1) if hi is not None else "00000000"
        limits = (
            f"{lo}至{hi}岁" if lo is not None and hi is not None
            else f"不低于{lo}岁" if lo is not None
            else f"不高于{hi}岁"
        )  # fmt: skip

        def check(item: PayoutItem) -> Problem | None:
            born = item.beneficiary.id_number[6:14]
            if earliest < born <= latest:
                return None
            age = item.beneficiary.id_number.age_on(ref)
            return Problem(
                f"按身份证号计算，此人在{ref.isoformat()}为{age}岁，不符合本政策年龄条件"
                f"（{limits}）；请核实身份证号，不符合的从花名册中删除",
                {"age": age, "reference_date": ref.isoformat()},
            )

        return RuleRun(check=check)


class RegionRule(_Base):
    """Registered outside the policy's regions, or outside the batch's region (区域不符)."""

    code = "region"
    title = "区域不符"

    def begin(self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext) -> RuleRun:
        prefixes = tuple(_prefix(r) for r in policy.regions)
        names = "、".join(r.name for r in policy.regions)
        batch_region = batch.region
        batch_prefix = _prefix(batch_region)

        def check(item: PayoutItem) -> Problem | None:
            region = item.beneficiary.region
            if not region.startswith(prefixes):
                return Problem(
                    f"此人所在区划 {region}（{region.name}）不在本政策实施范围（{names}）内；"
                    "请核实户籍所在地，不符合的从花名册中删除",
                    {"region": str(region)},
                )
            if region.startswith(batch_prefix):
                return None
            return Problem(
                f"此人所在区划 {region}（{region.name}）不在本批次的区划 {batch_region}"
                f"（{batch_region.name}）内；请核实户籍所在地，移入所属县（区）的批次",
                {"region": str(region), "batch_region": str(batch_region)},
            )

        return RuleRun(check=check)


class HouseholdRegionRule(_Base):
    """Roster region other than the household registry's (户籍区划不符).

    The roster's region and the registered household's must be one inside the
    other (a village inside its county is no finding). People not in the
    registry, and households registered without a region, are not compared.
    A warning by default: a registry can lag behind a move.
    """

    code = "household_region"
    title = "户籍区划不符"
    default_severity = Severity.WARN

    def begin(self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext) -> RuleRun:
        households = context.households
        if households is None:
            return RuleRun(missing_data="户籍信息")
        if len(households) and not households.has_regions:
            return RuleRun(missing_data="户籍信息中的区划代码")
        prefixes: dict[str, str] = {}

        def registered(home: Household) -> tuple[str, str] | None:
            code = home.region
            if code is None:
                return None
            prefix = prefixes.get(code)
            if prefix is None:
                try:
                    prefix = prefixes[code] = _prefix(RegionCode(code))
                except InvalidValue:  # not a known code: shown as it is, never matched
                    prefix = prefixes[code] = code
            return code, prefix

        def check(item: PayoutItem) -> Problem | None:
            person = item.beneficiary
            home = households.of_member(person.id_number)
            if home is None:
                return None
            found = registered(home)
            if found is None:
                return None
            code, prefix = found
            region = person.region
            if region.startswith(prefix) or code.startswith(_prefix(region)):
                return None
            return Problem(
                f"花名册中此人所在区划 {region}（{region.name}）与户籍登记的区划 {code}"
                f"（户编号 {home.household_id}）不一致；请核实现户籍所在地，更正花名册或户籍信息",
                {"region": str(region), "registered_region": code},
            )

        return RuleRun(check=check)


def _prefix(region: RegionCode) -> str:
    """What every code inside ``region`` starts with."""
    level = region.level
    if level is RegionLevel.REGION:
        return region[:2]
    if level is RegionLevel.PREFECTURE:
        return region[:4]
    return str(region)


_FEN: Final = Decimal("0.01")


class AmountRule(_Base):
    """Amount other than the standard, or above the cap (金额不符).

    Fixed, per-unit and tiered standards must be met exactly
    (:meth:`~ningxia_yikatong.payout.PayoutBatch.expected_amount`); a declared
    amount may be anything up to the cap (the beneficiary's tier's, when the
    standard has tiers), the cap included. Under a capped
    standard each payment is judged by its base, and a payment that takes what
    the person received under the policy (earlier payments of
    ``context.prior_payouts`` in the calendar year of the batch's period, or
    ever, by the cap's scope; other batches only; plus earlier items of this
    batch) above the cap is reported with evidence ``code``
    ``amount.cap_exceeded``. Without earlier payments in the context the cap is
    judged on this batch alone and the rule reports the missing data.
    """

    code = "amount"
    title = "金额不符合标准"

    def begin(self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext) -> RuleRun:
        per_payment = self._per_payment(batch, policy)
        if not isinstance(policy.standard, CappedStandard):
            return RuleRun(check=per_payment)
        cumulative = self._cumulative(batch, policy, policy.standard, context)

        def check(item: PayoutItem) -> Problem | None:
            return per_payment(item) or cumulative(item)

        # Without earlier payments only this batch counts towards the cap: say so.
        missing = "已发放记录（累计上限）" if context.prior_payouts is None else None
        return RuleRun(check=check, missing_data=missing)

    @staticmethod
    def _cumulative(
        batch: PayoutBatch, policy: SubsidyPolicy, capped: CappedStandard, context: CheckContext
    ) -> Callable[[PayoutItem], Problem | None]:
        prior = context.prior_payouts
        paid = {} if prior is None else prior.for_policy(policy.code)
        cap, scope, year = capped.cap, capped.scope, batch.period.start.year
        this_batch = batch.batch_id
        in_batch: dict[str, Decimal] = {}
        span = f"{year}年" if scope is CapScope.YEAR else "累计"

        def check(item: PayoutItem) -> Problem | None:
            person = item.beneficiary.id_number
            earlier = [
                p
                for p in paid.get(person, ())
                if p.batch_id != this_batch
                and (scope is CapScope.TOTAL or p.period.start.year == year)
            ]
            listed = in_batch.get(person, Decimal(0))
            in_batch[person] = listed + item.amount
            before = sum((p.amount for p in earlier), listed).quantize(_FEN)
            after = before + item.amount
            if after <= cap:
                return None
            also = f"（含本批次前面各条{listed}元）" if listed else ""
            return Problem(
                f"此人{span}已领取本项补贴{before}元{also}，加上本次{item.amount}元共{after}元，"
                f"超过{capped.scope.label}上限{cap}元；本次最多可发{capped.remaining(before)}元，"
                "请核减金额",
                {
                    "code": "amount.cap_exceeded",
                    "amount": str(item.amount),
                    "paid": str(before),
                    "cap": str(cap),
                    "scope": scope.value,
                    "batch_id": ",".join(dict.fromkeys(p.batch_id for p in earlier)),
                },
            )

        return check

    @staticmethod
    def _per_payment(
        batch: PayoutBatch, policy: SubsidyPolicy
    ) -> Callable[[PayoutItem], Problem | None]:
        standard = payment_standard(policy.standard)
        if isinstance(standard, DeclaredStandard):
            flat = None if standard.tiers else standard.cap
            on = batch.period.start

            def over_cap(item: PayoutItem) -> Problem | None:
                if flat is not None:
                    cap = flat
                else:
                    try:
                        cap = policy.amount_for(item.beneficiary, on=on)
                    except ModelError as exc:
                        return Problem(
                            f"无法确定本人适用的补贴上限：{exc.message}；请补全或更正相关信息",
                            {"amount": str(item.amount), "reason": exc.code},
                        )
                if item.amount <= cap:
                    return None
                return Problem(
                    f"发放金额{item.amount}元超过本政策上限{cap}元；请按核定金额更正",
                    {"amount": str(item.amount), "cap": str(cap)},
                )

            return over_cap
        fixed = standard.amount if isinstance(standard, FixedStandard) else None

        def check(item: PayoutItem) -> Problem | None:
            if fixed is not None:
                if item.amount == fixed:
                    return None
                expected = fixed
            else:
                try:
                    expected = batch.expected_amount(item, policy)
                except ModelError as exc:
                    return Problem(
                        f"无法按补贴标准核算金额：{exc.message}；请补全或更正数量、身份证号",
                        {"amount": str(item.amount), "reason": exc.code},
                    )
                if item.amount == expected:
                    return None
            return Problem(
                f"发放金额{item.amount}元与补贴标准{expected}元不符；请按标准更正金额",
                {"amount": str(item.amount), "expected": str(expected)},
            )

        return check


class NotYikatongRule(_Base):
    """Account not the social-security-card account (非一卡通账户) where required.

    An item whose flag is unknown (``is_yikatong`` None: the roster has no
    是否一卡通 column, or the cell is empty) is neither passed nor found: the
    rule reports the flag as missing data, naming the items.
    """

    code = "not_yikatong"
    title = "非一卡通账户"

    def begin(
        self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext
    ) -> RuleRun | None:
        if not policy.requires_yikatong:
            return None
        unknown = [i.seq for i in batch.items if i.beneficiary.account.is_yikatong is None]
        if len(unknown) == len(batch.items):
            return RuleRun(missing_data="是否一卡通（花名册未标明）")

        def check(item: PayoutItem) -> Problem | None:
            account = item.beneficiary.account
            if account.is_yikatong is not False:
                return None
            return Problem(
                f"收款账户（尾号{account.number[-4:]}）不是社会保障卡金融账户，本政策须通过"
                "“一卡通”发放；请改为本人社会保障卡账户",
                {"account": mask_account(account.number)},
            )

        if unknown:
            return RuleRun(check=check, missing_data=f"是否一卡通（第{_seqs(unknown)}条未填）")
        return RuleRun(check=check)


class HolderNameRule(_Base):
    """Account holder other than the beneficiary (户名不符, 代领 risk).

    On household policies the household head's account is accepted, the head
    taken from the household registry.
    """

    code = "holder_name"
    title = "账户户名与对象不符"
    default_severity = Severity.WARN

    def begin(self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext) -> RuleRun:
        households = context.households if policy.target is Target.HOUSEHOLD else None

        def check(item: PayoutItem) -> Problem | None:
            person = item.beneficiary
            holder = person.account.holder_name
            if holder == person.name:
                return None
            if households is not None:
                home = households.of_member(person.id_number)
                if home is None and person.household_id is not None:
                    home = households.get(person.household_id)
                if home is not None and home.head_name == holder:
                    return None
            return Problem(
                f"收款账户户名“{holder}”与补贴对象“{person.name}”不一致，存在代领风险；"
                "请核实，改为本人账户（按户发放的可用户主账户）",
                {"holder_name": str(holder)},
            )

        return RuleRun(check=check)


class SharedAccountRule(_Base):
    """One account receiving for several different people (冒领 pattern).

    Fires for every item on an account used by at least
    ``context.shared_account_threshold`` distinct people in the batch.
    """

    code = "shared_account"
    title = "多人共用收款账户"
    default_severity = Severity.WARN

    def begin(self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext) -> RuleRun:
        threshold = context.shared_account_threshold
        # Keyed by number + bank code (digits, then a letter: unambiguous); a
        # string key keeps the pass free of garbage-collected allocations.
        first: dict[str, PayoutItem] = {}
        groups: dict[str, list[PayoutItem]] = {}

        def check(item: PayoutItem) -> None:
            account = item.beneficiary.account
            key = account.number + account.bank
            earlier = first.setdefault(key, item)
            if earlier is not item:
                group = groups.get(key)
                if group is None:
                    groups[key] = [earlier, item]
                else:
                    group.append(item)

        def finish() -> Iterator[tuple[PayoutItem, Problem]]:
            for items in groups.values():
                number = items[0].beneficiary.account.number
                people = {i.beneficiary.id_number for i in items}
                if len(people) < threshold:
                    continue
                seqs = [i.seq for i in items]
                for item in items:
                    yield (
                        item,
                        Problem(
                            f"收款账户（尾号{number[-4:]}）在本批次中为{len(people)}人收款"
                            f"（第{_seqs(seqs)}条），存在冒领风险；请逐一核实，改为各自本人的一卡通账户",
                            {
                                "account": mask_account(number),
                                "people": len(people),
                                "seqs": ",".join(map(str, seqs)),
                            },
                        ),
                    )

        return RuleRun(check=check, finish=finish)


class ExclusivePolicyRule(_Base):
    """Paid in the same period under a policy declared mutually exclusive (政策互斥)."""

    code = "exclusive_policy"
    title = "享受互斥政策"

    def begin(
        self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext
    ) -> RuleRun | None:
        if not policy.exclusive_with:
            return None
        prior = context.prior_payouts
        if prior is None:
            return RuleRun(missing_data="已发放记录")
        others = tuple((str(code), prior.for_policy(code)) for code in policy.exclusive_with)
        start, end = batch.period.start, batch.period.end

        def check(item: PayoutItem) -> Problem | None:
            id_number = item.beneficiary.id_number
            hits: list[PriorPayout] = []
            for _, paid in others:
                earlier = paid.get(id_number)
                if earlier is not None:
                    hits.extend(
                        p for p in earlier if p.period.start <= end and start <= p.period.end
                    )
            if not hits:
                return None
            codes = "、".join(dict.fromkeys(p.policy_code for p in hits))
            return Problem(
                f"此人同期已享受与本政策互斥的补贴（{codes}）；请核实，只能选择其中一项",
                {"policy_code": ",".join(p.policy_code for p in hits), **_paid_evidence(hits)},
            )

        return RuleRun(check=check)


class NameEncodingRule(_Base):
    """Name or account name the agent bank's encoding cannot write (生僻字).

    The encoding comes from ``context.bank_encodings`` (bank code to codec);
    a bank without one makes the rule fail rather than pass unchecked.
    """

    code = "name_encoding"
    title = "姓名含银行无法识别的字"

    def begin(self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext) -> RuleRun:
        encoding = context.encoding_of(batch.agent_bank)
        if encoding is None:
            raise CheckError(
                f"未配置代发银行 {batch.agent_bank} 的文件字符编码（bank_encodings）",
                code="check.encoding_missing",
            )
        bank = batch.agent_bank.info.short_name

        def check(item: PayoutItem) -> Problem | None:
            person = item.beneficiary
            try:
                person.name.encode(encoding)
                person.account.holder_name.encode(encoding)
            except UnicodeEncodeError:
                bad = "".join(
                    dict.fromkeys(
                        person.name.unencodable_characters(encoding)
                        + person.account.holder_name.unencodable_characters(encoding)
                    )
                )
                return Problem(
                    f"姓名中的“{bad}”无法用{bank}的文件编码（{encoding.upper()}）表示，"
                    "银行会退回；请与代发银行确认该字的处理办法（如按银行规定的替代写法），"
                    "在生成代发文件前更正",
                    {"characters": bad, "encoding": encoding},
                )
            return None

        return RuleRun(check=check)


class AccountBankRule(_Base):
    """Account at a bank other than the batch's agent bank (开户行不符)."""

    code = "agent_bank"
    title = "账户开户行与代发银行不符"

    def begin(self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext) -> RuleRun:
        agent = batch.agent_bank
        agent_name = agent.info.short_name

        def check(item: PayoutItem) -> Problem | None:
            bank = item.beneficiary.account.bank
            if bank == agent:
                return None
            return Problem(
                f"收款账户开户行为{bank.info.short_name}，本批次由{agent_name}代发；"
                "请改为该行的一卡通账户，或转入对应银行的批次",
                {"account_bank": str(bank), "agent_bank": str(agent)},
            )

        return RuleRun(check=check)


DUPLICATE_PERSON: Final = DuplicatePersonRule()
DUPLICATE_HOUSEHOLD: Final = DuplicateHouseholdRule()
ALREADY_PAID: Final = AlreadyPaidRule()
DECEASED: Final = DeceasedRule()
PUBLIC_PAYROLL: Final = PublicPayrollRule()
EXCLUDED_VEHICLES: Final = ExcludedVehiclesRule()
EXCLUDED_PROPERTY: Final = ExcludedPropertyRule()
EXCLUDED_BUSINESS: Final = ExcludedBusinessRule()
EXCLUDED_REGISTRY: Final = ExcludedRegistryRule()
AGE_RANGE: Final = AgeRangeRule()
REGION: Final = RegionRule()
HOUSEHOLD_REGION: Final = HouseholdRegionRule()
AMOUNT: Final = AmountRule()
NOT_YIKATONG: Final = NotYikatongRule()
HOLDER_NAME: Final = HolderNameRule()
SHARED_ACCOUNT: Final = SharedAccountRule()
EXCLUSIVE_POLICY: Final = ExclusivePolicyRule()
NAME_ENCODING: Final = NameEncodingRule()
AGENT_BANK: Final = AccountBankRule()

#: The built-in rules in the order they run (and appear in reports).
BUILTIN_RULES: Final[tuple[Rule, ...]] = (
    DUPLICATE_PERSON,
    DUPLICATE_HOUSEHOLD,
    ALREADY_PAID,
    DECEASED,
    PUBLIC_PAYROLL,
    EXCLUDED_VEHICLES,
    EXCLUDED_PROPERTY,
    EXCLUDED_BUSINESS,
    EXCLUDED_REGISTRY,
    AGE_RANGE,
    REGION,
    HOUSEHOLD_REGION,
    AMOUNT,
    NOT_YIKATONG,
    HOLDER_NAME,
    SHARED_ACCOUNT,
    EXCLUSIVE_POLICY,
    NAME_ENCODING,
    AGENT_BANK,
)
