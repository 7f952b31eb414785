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

from ..codes import Period
from ..errors import ErrorDetail, InvalidValue, Location, ReferenceDataError
from ..identity import PersonName, ResidentIdNumber, mask_id_number
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
    payment."""

    policy_code: str
    period: Period
    id_number: str
    amount: Decimal
    batch_id: str

    def __repr__(self) -> str:
        return (
            f"PriorPayout({self.policy_code!r}, {str(self.period)!r}, "
            f"{mask_id_number(self.id_number)!r}, {str(self.amount)!r}, {self.batch_id!r})"
        )


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

    __slots__ = ("_count", "_index")

    def __init__(self, payouts: Iterable[PriorPayout] = ()) -> None:
        self._index: dict[str, dict[str, tuple[PriorPayout, ...]]] = {}
        self._count = 0
        self.extend(payouts)

    def extend(self, payouts: Iterable[PriorPayout]) -> None:
        """Add payments (after a batch is paid, its successful items)."""
        index = self._index
        for payout in payouts:
            by_id = index.get(payout.policy_code)
            if by_id is None:
                by_id = index[payout.policy_code] = {}
            known = by_id.get(payout.id_number)
            by_id[payout.id_number] = (payout,) if known is None else (*known, payout)
            self._count += 1

    def for_policy(self, policy_code: str) -> Mapping[str, tuple[PriorPayout, ...]]:
        """ID number to that person's earlier payments under the policy."""
        return self._index.get(policy_code, _EMPTY)

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

    __slots__ = ("_by_id", "_by_member")

    def __init__(self, households: Iterable[Household] = ()) -> None:
        self._by_id: dict[str, Household] = {}
        self._by_member: dict[str, str] = {}
        for household in households:
            self._by_id[household.household_id] = household
            for member in household.members:
                self._by_member[member] = household.household_id

    @classmethod
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

    def get(self, household_id: str) -> Household | None:
        """The household with this id."""
        return self._by_id.get(household_id)

    def of_member(self, id_number: str) -> Household | None:
        """The household the person belongs to."""
        hid = self._by_member.get(id_number)
        return None if hid is None else self._by_id[hid]

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

    >>> ctx = CheckContext.build(deaths={"11010519491231002x": "2026-01-05"})
    >>> ctx.deaths["11010519491231002X"]
    datetime.date(2026, 1, 5)
    """

    deaths: Mapping[str, _dt.date] = field(default_factory=dict)
    public_payroll: Mapping[str, str] = field(default_factory=dict)
    prior_payouts: PriorPayouts = field(default_factory=PriorPayouts)
    households: Households = field(default_factory=Households)
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

    def encoding_of(self, bank: str) -> str | None:
        """The encoding of ``bank``'s files, or None when it is not configured."""
        return self.bank_encodings.get(bank)

    @classmethod
    def build(
        cls,
        *,
        deaths: Mapping[str, _dt.date | str] | None = None,
        public_payroll: Mapping[str, str] | Iterable[str] | None = None,
        prior_payouts: Iterable[PriorPayout] = (),
        household_members: Iterable[HouseholdMember] = (),
        registries: Mapping[str, Iterable[str]] | None = None,
        bank_encodings: Mapping[str, str] | None = None,
        shared_account_threshold: int = DEFAULT_SHARED_ACCOUNT_THRESHOLD,
        overrides: SeverityOverrides | None = None,
    ) -> CheckContext:
        """A context from data in memory, every ID number validated and normalised.

        Dates may be ``date`` or ISO text. A bad entry is a
        ``ReferenceDataError`` whose location names the data set and the key;
        every bad entry is listed in its ``details``.
        """
        errors: list[ErrorDetail] = []

        def norm(value: str, where: str) -> str | None:
            try:
                return str(ResidentIdNumber(value))
            except InvalidValue as exc:
                errors.append(ErrorDetail(exc.code, exc.message, Location(path=where)))
                return None

        death_map: dict[str, _dt.date] = {}
        for n, (key, value) in enumerate((deaths or {}).items(), 1):
            rid = norm(key, f"deaths[{n}]")
            if isinstance(value, str):
                try:
                    day = _dt.date.fromisoformat(value.strip())
                except ValueError:
                    errors.append(
                        ErrorDetail(
                            "refdata.date",
                            f"死亡日期无效：{value!r}",
                            Location(path=f"deaths[{n}]"),
                        )
                    )
                    continue
            else:
                day = value
            if rid is not None:
                death_map[rid] = day
        payroll: dict[str, str] = {}
        if isinstance(public_payroll, Mapping):
            entries: Iterable[tuple[str, str]] = public_payroll.items()
        else:
            entries = ((key, "") for key in public_payroll or ())
        for n, (key, employer) in enumerate(entries, 1):
            rid = norm(key, f"public_payroll[{n}]")
            if rid is not None:
                payroll.setdefault(rid, employer)
        payouts = []
        for n, p in enumerate(prior_payouts, 1):
            rid = norm(p.id_number, f"prior_payouts[{n}]")
            if rid is not None:
                payouts.append(p if rid == p.id_number else _replace_id(p, rid))
        members = []
        for n, m in enumerate(household_members, 1):
            rid = norm(m.id_number, f"household_members[{n}]")
            if rid is not None:
                try:
                    name = str(PersonName(m.name))
                except InvalidValue as exc:
                    errors.append(
                        ErrorDetail(exc.code, exc.message, Location(path=f"household_members[{n}]"))
                    )
                    continue
                members.append(HouseholdMember(m.household_id, rid, name, m.is_head, m.region))
        sets: dict[str, frozenset[str]] = {}
        for label, ids in (registries or {}).items():
            normalised = (norm(key, f"registries.{label}[{n}]") for n, key in enumerate(ids, 1))
            sets[label] = frozenset(rid for rid in normalised if rid is not None)
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
            prior_payouts=PriorPayouts(payouts),
            households=Households.from_members(members),
            registries=sets,
            bank_encodings=DEFAULT_BANK_ENCODINGS if bank_encodings is None else bank_encodings,
            shared_account_threshold=shared_account_threshold,
            overrides=overrides or SeverityOverrides(),
        )

    def __repr__(self) -> str:
        sets = ", ".join(f"{k}={len(v)}" for k, v in self.registries.items())
        return (
            f"CheckContext(deaths={len(self.deaths)}, public_payroll={len(self.public_payroll)}, "
            f"prior_payouts={len(self.prior_payouts)}, households={len(self.households)}, "
            f"registries={{{sets}}})"
        )


def _replace_id(p: PriorPayout, rid: str) -> PriorPayout:
    return PriorPayout(p.policy_code, p.period, rid, p.amount, p.batch_id)
