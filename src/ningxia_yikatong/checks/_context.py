"""Reference data for the cross-checks (比对参考数据), indexed by ID number.

A :class:`CheckContext` is built once (from files with
:mod:`~ningxia_yikatong.checks._refdata` loaders, or from memory with
:meth:`CheckContext.build`) and reused for every batch: each look-up a rule
makes is one dictionary or set access.

Keys are normalised ID numbers (18 characters, upper-case ``X``), as
:class:`~ningxia_yikatong.identity.ResidentIdNumber` gives them. The
constructor takes mappings as they are, for speed; :meth:`CheckContext.build`
validates every ID number first.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from .._arguments import checked, checked_on_failure
from ..codes import Period
from ..errors import CheckError, ErrorDetail, Location, ReferenceDataError
from ..identity import mask_id_number
from . import _normalise as norm
from ._model import SeverityOverrides

__all__ = [
    "DEFAULT_BANK_ENCODINGS",
    "DEFAULT_SHARED_ACCOUNT_THRESHOLD",
    "CheckContext",
    "Household",
    "HouseholdMember",
    "Households",
    "PriorPayout",
    "PriorPayouts",
    "household_member",
    "prior_payout",
]

#: Character encoding of each built-in agent bank's files (practice; confirm
#: with the bank). A deployment passes its own mapping for banks it adds.
DEFAULT_BANK_ENCODINGS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "psbc": "gbk",
        "abc": "gbk",
        "nxrcb": "gb18030",
        "ccb": "gb18030",
        "icbc": "gb18030",  # XLSX cells, sized and checked in GB18030 as the adapter does
        "boc": "utf-8",
        "bonx": "utf-8",
    }
)

#: Distinct people on one account at which the shared-account rule fires.
DEFAULT_SHARED_ACCOUNT_THRESHOLD: Final = 2


@dataclass(frozen=True, slots=True, repr=False)
class PriorPayout:
    """A payment made earlier (已发放记录): only payments that reached the person
    belong here, so that a reissue of a failed item is not taken for a double
    payment.

    ``household_id`` is the household (户编号) the payment was for, when known:
    on a household policy another member of a household paid already is a
    repeat payment too.
    """

    policy_code: str
    period: Period
    id_number: str
    amount: Decimal
    batch_id: str
    household_id: str | None = None

    def __repr__(self) -> str:
        return (
            f"PriorPayout({self.policy_code!r}, {str(self.period)!r}, "
            f"{mask_id_number(self.id_number)!r}, {str(self.amount)!r}, {self.batch_id!r}"
            + (f", {self.household_id!r})" if self.household_id is not None else ")")
        )


def _prior_payout(
    policy_code: object,
    period: object,
    id_number: object,
    amount: object,
    batch_id: object,
    *,
    household_id: object = None,
) -> PriorPayout:
    """An earlier payment with every field validated and normalised: the
    policy code upper-case, the period a :class:`~ningxia_yikatong.codes.Period`
    (text accepted), the ID number normalised, the amount exact to the fen.

    The file loader and :meth:`CheckContext.build` both make payments here; a
    bad field raises ``BadValue`` (the first one found).
    """
    code = norm.policy_code(policy_code)
    the_period = norm.period(period)
    batch = norm.batch_id(batch_id)
    rid = norm.id_number(id_number)
    money = norm.amount(amount)
    household = None if norm.text(household_id, "户编号") == "" else norm.household_id(household_id)
    return PriorPayout(code, the_period, rid, money, batch, household)


@checked(CheckError, "check")
def prior_payout(
    policy_code: object,
    period: object,
    id_number: object,
    amount: object,
    batch_id: object,
    *,
    household_id: object = None,
) -> PriorPayout:
    """An earlier payment with every field validated and normalised: the
    policy code upper-case, the period a :class:`~ningxia_yikatong.codes.Period`
    (text accepted), the ID number normalised, the amount exact to the fen.

    A bad field (of any type) is a ``ReferenceDataError`` naming the field
    (``column``), the first one found.
    """
    try:
        return _prior_payout(
            policy_code, period, id_number, amount, batch_id, household_id=household_id
        )
    except norm.BadValue as exc:
        raise _refused(exc) from None


def _refused(exc: norm.BadValue) -> ReferenceDataError:
    return ReferenceDataError(exc.message, code=exc.code, location=Location(column=exc.column))


class PriorPayouts:
    """Earlier payments indexed by policy, then ID number.

    A look-up is two dictionary accesses; the few payments of one person under
    one policy are then tested for overlap with the period.

    >>> p = PriorPayouts([PriorPayout("NX-GLJT", Period("2026-01"), "11010519491231002X",
    ...                               Decimal("100.00"), "B202601")])
    >>> [x.batch_id for x in p.overlapping("NX-GLJT", Period("2026-Q1"), "11010519491231002X")]
    ['B202601']
    >>> len(p)
    1
    """

    __slots__ = ("_by_household", "_count", "_index")

    @checked(CheckError, "check", where="PriorPayouts")
    def __init__(self, payouts: Iterable[PriorPayout] = ()) -> None:
        self._index: dict[str, dict[str, tuple[PriorPayout, ...]]] = {}
        self._by_household: dict[str, dict[str, tuple[PriorPayout, ...]]] = {}
        self._count = 0
        self.extend(payouts)

    @checked(CheckError, "check")
    def extend(self, payouts: Iterable[PriorPayout]) -> None:
        """Add payments (after a batch is paid, its successful items).

        They are taken as they are (already normalised, as
        :func:`prior_payout` makes them).
        """
        index = self._index
        households = self._by_household
        for payout in payouts:
            by_id = index.get(payout.policy_code)
            if by_id is None:
                by_id = index[payout.policy_code] = {}
            known = by_id.get(payout.id_number)
            by_id[payout.id_number] = (payout,) if known is None else (*known, payout)
            if payout.household_id is not None:
                by_home = households.get(payout.policy_code)
                if by_home is None:
                    by_home = households[payout.policy_code] = {}
                known = by_home.get(payout.household_id)
                by_home[payout.household_id] = (payout,) if known is None else (*known, payout)
            self._count += 1

    @checked_on_failure(CheckError, "check")
    def for_policy(self, policy_code: str) -> Mapping[str, tuple[PriorPayout, ...]]:
        """ID number to that person's earlier payments under the policy."""
        return self._index.get(policy_code, _EMPTY)

    @checked_on_failure(CheckError, "check")
    def for_households(self, policy_code: str) -> Mapping[str, tuple[PriorPayout, ...]]:
        """Household id to the earlier payments under the policy that carry it."""
        return self._by_household.get(policy_code, _EMPTY)

    @checked_on_failure(CheckError, "check")
    def overlapping(self, policy_code: str, period: Period, id_number: str) -> list[PriorPayout]:
        """Earlier payments of the policy to the person whose period overlaps ``period``."""
        found = self._index.get(policy_code, _EMPTY).get(id_number, ())
        return [p for p in found if p.period.overlaps(period)]

    def __iter__(self) -> Iterator[PriorPayout]:
        for by_id in self._index.values():
            for payouts in by_id.values():
                yield from payouts

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"PriorPayouts({self._count} payments, {len(self._index)} policies)"


_EMPTY: Final[Mapping[str, tuple[PriorPayout, ...]]] = MappingProxyType({})


@dataclass(frozen=True, slots=True, repr=False)
class HouseholdMember:
    """One row of the household registry (户籍/家庭成员信息)."""

    household_id: str
    id_number: str
    name: str
    is_head: bool
    region: str | None = None

    def __repr__(self) -> str:
        return (
            f"HouseholdMember({self.household_id!r}, {mask_id_number(self.id_number)!r}, "
            f"{self.name!r}, is_head={self.is_head})"
        )


def _household_member(
    household_id: object, id_number: object, name: object, is_head: bool, region: object = None
) -> HouseholdMember:
    """A registry row with every field validated and normalised (household id
    not empty, ID number, name, region code); used by the file loader and by
    :meth:`CheckContext.build`. A bad field raises ``BadValue``."""
    return HouseholdMember(
        norm.household_id(household_id),
        norm.id_number(id_number),
        norm.person_name(name),
        is_head,
        norm.region(region),
    )


@checked(CheckError, "check")
def household_member(
    household_id: object, id_number: object, name: object, is_head: bool, region: object = None
) -> HouseholdMember:
    """A registry row with every field validated and normalised (household id
    not empty, ID number, name, region code). A bad field (of any type) is a
    ``ReferenceDataError`` naming the field (``column``), the first one found."""
    try:
        return _household_member(household_id, id_number, name, is_head, region)
    except norm.BadValue as exc:
        raise _refused(exc) from None


@dataclass(frozen=True, slots=True, repr=False)
class Household:
    """A registered household: its head and members (ID numbers)."""

    household_id: str
    head_id: str | None
    head_name: str | None
    members: frozenset[str]
    region: str | None = None

    def __repr__(self) -> str:
        return (
            f"Household({self.household_id!r}, head={self.head_name!r}, "
            f"{len(self.members)} members)"
        )


class Households:
    """The household registry, by household id and by member ID number."""

    __slots__ = ("_by_id", "_by_member", "has_regions")

    @checked(CheckError, "check", where="Households")
    def __init__(self, households: Iterable[Household] = ()) -> None:
        self._by_id: dict[str, Household] = {}
        self._by_member: dict[str, Household] = {}
        #: Whether any household has a region code (the column is optional).
        self.has_regions = False
        for household in households:
            self._by_id[household.household_id] = household
            self.has_regions = self.has_regions or household.region is not None
            for member in household.members:
                self._by_member[member] = household

    @classmethod
    @checked(CheckError, "check")
    def from_members(cls, members: Iterable[HouseholdMember]) -> Households:
        """Group registry rows into households (one head at most per household).

        A person in two households, or a second head, is a
        ``refdata.household`` error.
        """
        grouped: dict[str, list[HouseholdMember]] = {}
        seen: dict[str, str] = {}
        for m in members:
            other = seen.setdefault(m.id_number, m.household_id)
            if other != m.household_id:
                raise ReferenceDataError(
                    f"同一人登记在两个户中（户编号 {other} 与 {m.household_id}）",
                    code="refdata.household",
                )
            grouped.setdefault(m.household_id, []).append(m)
        households = []
        for hid, rows in grouped.items():
            heads = [m for m in rows if m.is_head]
            if len(heads) > 1:
                raise ReferenceDataError(
                    f"户编号 {hid} 登记了{len(heads)}个户主", code="refdata.household"
                )
            head = heads[0] if heads else None
            region = next((m.region for m in rows if m.region), None)
            households.append(
                Household(
                    hid,
                    head.id_number if head else None,
                    head.name if head else None,
                    frozenset(m.id_number for m in rows),
                    region,
                )
            )
        return cls(households)

    @checked_on_failure(CheckError, "check")
    def get(self, household_id: str) -> Household | None:
        """The household with this id."""
        return self._by_id.get(household_id)

    @checked_on_failure(CheckError, "check")
    def of_member(self, id_number: str) -> Household | None:
        """The household the person belongs to."""
        return self._by_member.get(id_number)

    def __len__(self) -> int:
        return len(self._by_id)

    def __repr__(self) -> str:
        return f"Households({len(self._by_id)} households, {len(self._by_member)} members)"


@dataclass(frozen=True, slots=True)
class CheckContext:
    """Everything the rules compare a batch against, and their settings.

    * ``deaths``: ID number to date of death (死亡人员);
    * ``public_payroll``: ID number to employer (财政供养人员; the employer may be "");
    * ``prior_payouts``: earlier payments (:class:`PriorPayouts`);
    * ``households``: the household registry (:class:`Households`);
    * ``registries``: labelled ID sets (``"vehicles"``, ``"property"``,
      ``"business"`` ...) that a policy names in ``exclusion_registries``;
    * ``bank_encodings``: bank code to the encoding of its files, used by the
      name-encoding rule (:data:`DEFAULT_BANK_ENCODINGS` by default);
    * ``shared_account_threshold``: how many distinct people on one account
      make a finding;
    * ``overrides``: severities set by the deployment or per policy.

    A data set that is None was not loaded: the rules that need it report it as
    missing (缺少参考数据). An empty one was loaded and holds nothing (a county
    with no deaths on record). A registry label absent from ``registries`` was
    not loaded.

    >>> ctx = CheckContext.build(deaths={"11010519491231002x": "2026-01-05"})
    >>> ctx.deaths["11010519491231002X"]
    datetime.date(2026, 1, 5)
    >>> ctx.prior_payouts is None
    True
    """

    deaths: Mapping[str, _dt.date] | None = None
    public_payroll: Mapping[str, str] | None = None
    prior_payouts: PriorPayouts | None = None
    households: Households | None = None
    registries: Mapping[str, Set[str]] = field(default_factory=dict)
    bank_encodings: Mapping[str, str] = field(default_factory=lambda: DEFAULT_BANK_ENCODINGS)
    shared_account_threshold: int = DEFAULT_SHARED_ACCOUNT_THRESHOLD
    overrides: SeverityOverrides = field(default_factory=SeverityOverrides)

    def __post_init__(self) -> None:
        if isinstance(self.shared_account_threshold, bool) or self.shared_account_threshold < 2:
            raise ReferenceDataError(
                "同一账户人数阈值至少为2", code="refdata.setting", field="shared_account_threshold"
            )
        for bank, encoding in self.bank_encodings.items():
            try:
                "".encode(encoding)
            except LookupError:
                raise ReferenceDataError(
                    f"银行 {bank} 的字符编码 {encoding!r} 未知",
                    code="refdata.setting",
                    field="bank_encodings",
                ) from None

    @checked_on_failure(CheckError, "check")
    def encoding_of(self, bank: str) -> str | None:
        """The encoding of ``bank``'s files, or None when it is not configured."""
        return self.bank_encodings.get(bank)

    @classmethod
    @checked(CheckError, "check")
    def build(
        cls,
        *,
        deaths: Mapping[str, _dt.date | str] | None = None,
        public_payroll: Mapping[str, str] | Iterable[str] | None = None,
        prior_payouts: Iterable[PriorPayout] | None = None,
        household_members: Iterable[HouseholdMember] | None = None,
        registries: Mapping[str, Iterable[str]] | None = None,
        bank_encodings: Mapping[str, str] | None = None,
        shared_account_threshold: int = DEFAULT_SHARED_ACCOUNT_THRESHOLD,
        overrides: SeverityOverrides | None = None,
    ) -> CheckContext:
        """A context from data in memory, validated and normalised exactly as
        the file loaders do it.

        ID numbers are normalised; dates may be ``date`` or text in the formats
        the files accept; a death in the future, or one person with two
        different dates of death, is refused (``refdata.date_future``,
        ``refdata.duplicate``). Earlier payments and household members go
        through :func:`prior_payout` and :func:`household_member`: policy codes
        upper-case, periods as :class:`~ningxia_yikatong.codes.Period` (text
        accepted), amounts exact to the fen. A data set left None is not loaded
        (its rules report it missing); an empty one is loaded and empty.

        A bad entry is a ``ReferenceDataError`` whose location names the data
        set and the entry (``path``) and the field (``column``); every bad entry
        is listed in its ``details``.
        """
        errors: list[ErrorDetail] = []

        def bad(exc: norm.BadValue, where: str) -> None:
            errors.append(
                ErrorDetail(exc.code, exc.message, Location(path=where, column=exc.column))
            )

        death_map: dict[str, _dt.date] | None = None
        if deaths is not None:
            death_map = {}
            today = _dt.date.today()
            for n, (key, value) in enumerate(deaths.items(), 1):
                try:
                    rid = norm.id_number(key)
                    norm.add_death(death_map, rid, norm.death_date(value, today))
                except norm.BadValue as exc:
                    bad(exc, f"deaths[{n}]")
        payroll: dict[str, str] | None = None
        if public_payroll is not None:
            payroll = {}
            if isinstance(public_payroll, Mapping):
                entries: Iterable[tuple[str, str]] = public_payroll.items()
            else:
                entries = ((key, "") for key in public_payroll)
            for n, (key, employer) in enumerate(entries, 1):
                try:
                    payroll.setdefault(norm.id_number(key), norm.text(employer, "工作单位"))
                except norm.BadValue as exc:
                    bad(exc, f"public_payroll[{n}]")
        payouts: PriorPayouts | None = None
        if prior_payouts is not None:
            made = []
            for n, p in enumerate(prior_payouts, 1):
                try:
                    made.append(
                        _prior_payout(
                            p.policy_code,
                            p.period,
                            p.id_number,
                            p.amount,
                            p.batch_id,
                            household_id=p.household_id,
                        )
                    )
                except norm.BadValue as exc:
                    bad(exc, f"prior_payouts[{n}]")
            payouts = PriorPayouts(made)
        members: list[HouseholdMember] | None = None
        if household_members is not None:
            members = []
            for n, m in enumerate(household_members, 1):
                try:
                    members.append(
                        _household_member(m.household_id, m.id_number, m.name, m.is_head, m.region)
                    )
                except norm.BadValue as exc:
                    bad(exc, f"household_members[{n}]")
        sets: dict[str, frozenset[str]] = {}
        for label, ids in (registries or {}).items():
            found = set()
            for n, key in enumerate(ids, 1):
                try:
                    found.add(norm.id_number(key))
                except norm.BadValue as exc:
                    bad(exc, f"registries.{label}[{n}]")
            sets[label] = frozenset(found)
        if errors:
            first = errors[0]
            raise ReferenceDataError(
                f"比对参考数据中有{len(errors)}处错误：{first.message}",
                code=first.code if len(errors) == 1 else "refdata.invalid",
                location=first.location,
                details=errors if len(errors) > 1 else (),
            )
        return cls(
            deaths=death_map,
            public_payroll=payroll,
            prior_payouts=payouts,
            households=None if members is None else Households.from_members(members),
            registries=sets,
            bank_encodings=DEFAULT_BANK_ENCODINGS if bank_encodings is None else bank_encodings,
            shared_account_threshold=shared_account_threshold,
            overrides=overrides or SeverityOverrides(),
        )

    def __repr__(self) -> str:
        def size(data: Mapping[str, object] | PriorPayouts | Households | None) -> str:
            return "None" if data is None else str(len(data))

        sets = ", ".join(f"{k}={len(v)}" for k, v in self.registries.items())
        return (
            f"CheckContext(deaths={size(self.deaths)}, "
            f"public_payroll={size(self.public_payroll)}, "
            f"prior_payouts={size(self.prior_payouts)}, households={size(self.households)}, "
            f"registries={{{sets}}})"
        )
