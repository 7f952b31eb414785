"""Deterministic synthetic data: beneficiaries (补贴对象), batches and rosters (花名册).

Everything comes from one ``random.Random(seed)`` owned by the generator (never
the global random state), so the same seed and the same calls give the same
data on every machine. What it makes is valid by construction and checked by
the library's own value types in the tests:

* ID numbers (公民身份号码) under the 22 county codes of the bundled table, with
  birth dates spread over ages 0-100 and correct check digits, unique per
  generator;
* names with common Han and Hui surnames (马, 李, 王, 张, 杨, 刘, 丁, 海, 白 ...),
  a share of transliterated names with a middle dot (阿卜杜·热合曼), and a
  configurable share of rare characters outside GBK (生僻字 such as 𠮷, 䶮, 𫖯);
* village codes (12 digits) under the counties, households (户) of one to six
  members sharing a household id and a village;
* social-security-card accounts at the agent banks, with plausible BIN prefixes
  and a valid Luhn digit, unique per generator; mostly 一卡通 accounts;
* optional mobile phone numbers.

Dates are reckoned from ``as_of`` (1 January 2026 by default), not from today,
so the output does not change with the calendar.

>>> from ningxia_yikatong.testing import SyntheticData
>>> people = SyntheticData(seed=7).beneficiaries(3)
>>> people == SyntheticData(seed=7).beneficiaries(3)
True
>>> batch = SyntheticData(seed=7).batch(5, bank="psbc", period="2026-03")
>>> batch.count, batch.agent_bank, all(i.beneficiary.account.number.luhn_valid for i in batch)
(5, BankCode('psbc'), True)
>>> import io
>>> out = io.StringIO()
>>> write_roster_csv(out, batch.items)
5
>>> out.getvalue().splitlines()[0]
'姓名,公民身份号码,区划代码,户编号,联系电话,社保卡号,开户银行,是否一卡通,数量,金额,备注'
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Final, cast

from .._arguments import checked, checked_on_failure
from ..bank import AccountNumber, AgentBank, BankAccount, BankCode
from ..beneficiary import Beneficiary
from ..codes import BatchId, Period, PolicyCode
from ..errors import InvalidValue
from ..identity import PersonName, Phone, ResidentIdNumber
from ..money import Amount
from ..payout import PayoutBatch, PayoutItem
from ..policy import (
    FixedStandard,
    PerUnitStandard,
    SubsidyPolicy,
    Target,
    TieredStandard,
    payment_standard,
)
from ..regions import NINGXIA, RegionCode, counties

__all__ = [
    "BANK_BINS",
    "DEFAULT_AS_OF",
    "RARE_CHARACTERS",
    "ROSTER_HEADERS",
    "RosterRow",
    "SyntheticData",
    "SyntheticPerson",
    "card_number",
    "valid_id_number",
    "write_roster_csv",
    "write_roster_xlsx",
]

#: The reference date of ages and birth dates unless another is given.
DEFAULT_AS_OF: Final = _dt.date(2026, 1, 1)

_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

# Surnames with rough weights: 马 leads in Ningxia; Hui surnames (丁, 海, 白, 纳,
# 锁, 撒, 哈, 穆 ...) appear beside the common Han ones.
_SURNAMES: Final = (
    ("马", 14), ("李", 8), ("王", 8), ("张", 7), ("杨", 6), ("刘", 5), ("丁", 3),
    ("海", 2), ("白", 2), ("田", 2), ("金", 2), ("纳", 1), ("锁", 1), ("撒", 1),
    ("哈", 1), ("穆", 1), ("何", 2), ("冯", 1), ("周", 2), ("赵", 2), ("陈", 2),
    ("苏", 1), ("虎", 1), ("米", 1), ("冶", 1), ("拜", 1), ("罗", 1), ("吴", 1),
)  # fmt: skip
_GIVEN: Final = (
    "文军建国明华英兰芳秀梅玉花志强伟平红霞海燕福贵学成有德金山小龙凤琴"
    "桂香春生永忠俊杰晓东丽娟佳欣子涵宇轩浩然雨萱梓豪一诺静怡思远彦"
)
_DOTTED: Final = (
    "阿卜杜·热合曼", "穆罕默德·艾力", "阿依古丽·买买提", "努尔·阿不都", "古丽·热依拉",
    "哈桑·马木提", "伊卜拉欣·阿里", "法蒂玛·麦麦提", "尤素福·吐尔逊", "阿米娜·哈力克",
)  # fmt: skip
#: Rare characters (生僻字) outside GBK that GB18030 encodes (in 4 bytes).
RARE_CHARACTERS: Final = "𠮷䶮𫖯𬌗𬱖𪨶𬀩𬍛𫗧𬞟𬳵𬶏𫄸"

#: Plausible BIN prefixes (发卡行识别码) of debit cards per agent bank.
BANK_BINS: Final[dict[str, tuple[str, ...]]] = {
    AgentBank.NXRCB: ("623095", "621067", "622947"),
    AgentBank.PSBC: ("621799", "622188", "621098"),
    AgentBank.ABC: ("622848", "622845", "621282"),
    AgentBank.ICBC: ("622202", "621226", "621558"),
    AgentBank.CCB: ("621700", "622700", "621284"),
    AgentBank.BOC: ("621661", "621785", "622221"),
    AgentBank.BONX: ("622213", "621283", "623105"),
}
_OTHER_BANK_BINS: Final = ("621000", "622000", "623000")
_PHONE_PREFIXES: Final = ("13", "15", "17", "18", "19")

#: Columns of the roster files written here: field name and Chinese header.
ROSTER_HEADERS: Final[tuple[tuple[str, str], ...]] = (
    ("name", "姓名"),
    ("id_number", "公民身份号码"),
    ("region", "区划代码"),
    ("household_id", "户编号"),
    ("phone", "联系电话"),
    ("account", "社保卡号"),
    ("bank", "开户银行"),
    ("is_yikatong", "是否一卡通"),
    ("quantity", "数量"),
    ("amount", "金额"),
    ("memo", "备注"),
)


def _check_digit(body: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]


@checked_on_failure(InvalidValue, "testing")
def valid_id_number(
    rng: random.Random,
    county: str,
    birth_date: _dt.date,
    *,
    male: bool | None = None,
) -> ResidentIdNumber:
    """A valid ID number under ``county`` born on ``birth_date``.

    The 3-digit sequence is drawn from ``rng`` (odd for men, even for women;
    ``male=None`` draws the sex too).

    >>> str(valid_id_number(random.Random(1), "640122", _dt.date(1990, 1, 1), male=True))
    '640122199001011...'

    """
    while True:
        seq = rng.randrange(1000)
        if male is not None and (seq % 2 == 1) != male:
            seq = seq ^ 1
        body = f"{county}{birth_date:%Y%m%d}{seq:03d}"
        number = body + _check_digit(body)
        if not _looks_rounded(number):
            return ResidentIdNumber(number)


@checked_on_failure(InvalidValue, "testing")
def card_number(rng: random.Random, bank: str, *, length: int = 19) -> AccountNumber:
    """A card number of ``bank`` (a bank code) with a plausible BIN and a valid Luhn digit.

    >>> card_number(random.Random(1), "abc").luhn_valid
    True
    """
    bins = BANK_BINS.get(bank, _OTHER_BANK_BINS)
    while True:
        body = rng.choice(bins) + "".join(rng.choices("0123456789", k=length - 7))
        number = body + _luhn_digit(body)
        if not _looks_rounded(number):
            return AccountNumber(number)


def _looks_rounded(number: str) -> bool:
    """Only zeros after the 15th digit: what spreadsheet rounding leaves, and what the
    roster reader's rounded-column rule refuses; never generated, so that a small
    synthetic roster is never refused by chance."""
    return len(number) > 15 and not number[15:].strip("0")


def _luhn_digit(body: str) -> str:
    total = 0
    for i, char in enumerate(reversed(body)):
        d = int(char)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def _years_before(day: _dt.date, years: int) -> _dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True, slots=True)
class SyntheticPerson:
    """One generated person, as plain strings (valid by construction)."""

    id_number: str
    name: str
    region: str
    household_id: str | None
    phone: str | None
    account: str
    bank: str
    is_yikatong: bool

    def beneficiary(self) -> Beneficiary:
        """This person as a validated :class:`~ningxia_yikatong.beneficiary.Beneficiary`."""
        return Beneficiary(
            id_number=ResidentIdNumber(self.id_number),
            name=PersonName(self.name),
            region=RegionCode(self.region),
            household_id=self.household_id,
            phone=None if self.phone is None else Phone(self.phone),
            account=BankAccount(
                number=AccountNumber(self.account),
                bank=BankCode(self.bank),
                holder_name=PersonName(self.name),
                is_yikatong=self.is_yikatong,
            ),
        )


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One roster line as text: what :func:`write_roster_csv` writes per row."""

    name: str
    id_number: str
    region: str
    account: str
    bank: str
    amount: str
    household_id: str | None = None
    phone: str | None = None
    #: None writes an empty 是否一卡通 cell (not stated).
    is_yikatong: bool | None = True
    quantity: str | None = None
    memo: str | None = None

    @classmethod
    @checked(InvalidValue, "testing")
    def from_item(cls, item: PayoutItem) -> RosterRow:
        """The roster line of a payout item."""
        b = item.beneficiary
        return cls(
            name=b.name,
            id_number=b.id_number,
            region=b.region,
            account=b.account.number,
            bank=b.account.bank,
            amount=str(item.amount),
            household_id=b.household_id,
            phone=b.phone,
            is_yikatong=b.account.is_yikatong,
            quantity=None if item.quantity is None else str(item.quantity),
            memo=item.memo,
        )

    def cells(self, *, bank_names: bool = True) -> list[str]:
        """The cells in the order of :data:`ROSTER_HEADERS`."""
        bank = self.bank
        if bank_names:
            bank = BankCode(bank).info.name
        return [
            self.name,
            self.id_number,
            self.region,
            self.household_id or "",
            self.phone or "",
            self.account,
            bank,
            {True: "是", False: "否", None: ""}[self.is_yikatong],
            self.quantity or "",
            self.amount,
            self.memo or "",
        ]


class SyntheticData:
    """A seeded generator of beneficiaries, payout items, batches and roster rows.

    ``rare_name_share`` is the share of names with one character outside GBK,
    ``dotted_name_share`` the share of transliterated names with a middle dot,
    ``phone_share`` the share of people with a phone, ``yikatong_share`` the
    share of accounts that are social-security-card accounts. ``counties`` and
    ``banks`` restrict where people live and where they bank (default: all
    counties of the table, the seven built-in agent banks).
    """

    @checked(InvalidValue, "testing", where="SyntheticData")
    def __init__(
        self,
        seed: int = 0,
        *,
        rare_name_share: float = 0.0,
        dotted_name_share: float = 0.03,
        phone_share: float = 0.8,
        yikatong_share: float = 0.98,
        counties: Sequence[str] | None = None,
        banks: Sequence[str] | None = None,
        as_of: _dt.date = DEFAULT_AS_OF,
        max_household_size: int = 6,
    ) -> None:
        for label, share in (
            ("rare_name_share", rare_name_share),
            ("dotted_name_share", dotted_name_share),
            ("phone_share", phone_share),
            ("yikatong_share", yikatong_share),
        ):
            if not 0.0 <= share <= 1.0:
                raise InvalidValue(f"{label} 应在0到1之间", code="synthetic.share")
        if max_household_size < 1:
            raise InvalidValue("每户人数上限至少为1", code="synthetic.household_size")
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        self.rare_name_share = rare_name_share
        self.dotted_name_share = dotted_name_share
        self.phone_share = phone_share
        self.yikatong_share = yikatong_share
        self.as_of = as_of
        self.max_household_size = max_household_size
        self.counties: tuple[RegionCode, ...] = (
            tuple(RegionCode(c).county for c in counties) if counties else _all_counties()
        )
        self.banks: tuple[BankCode, ...] = tuple(
            BankCode(b) for b in (banks or [b.value for b in AgentBank])
        )
        if not self.counties or not self.banks:
            raise InvalidValue("至少需要一个县和一家代发银行", code="synthetic.empty")
        self._ids: set[int] = set()
        self._accounts: set[int] = set()
        self._households = 0
        self._batches = 0
        self._surnames = [s for s, _ in _SURNAMES]
        self._surname_weights = [w for _, w in _SURNAMES]

    # -- pieces -----------------------------------------------------------------

    @checked_on_failure(InvalidValue, "testing")
    def name(self, surname: str | None = None) -> str:
        """A plausible name; ``surname`` keeps a family's surname."""
        rng = self.rng
        if rng.random() < self.dotted_name_share:
            return rng.choice(_DOTTED)
        if surname is None:
            surname = rng.choices(self._surnames, self._surname_weights)[0]
        given = rng.choices(_GIVEN, k=1 if rng.random() < 0.35 else 2)
        if rng.random() < self.rare_name_share:
            given[-1] = rng.choice(RARE_CHARACTERS)
        return surname + "".join(given)

    @checked_on_failure(InvalidValue, "testing")
    def village(self, county: str) -> str:
        """A 12-digit village code (统计用区划代码) under ``county``."""
        rng = self.rng
        return f"{county}{100 + rng.randint(1, 8):03d}{200 + rng.randint(0, 11):03d}"

    def phone(self) -> str:
        """A mobile number."""
        rng = self.rng
        return rng.choice(_PHONE_PREFIXES) + "".join(rng.choices("0123456789", k=9))

    @checked_on_failure(InvalidValue, "testing")
    def id_number(
        self,
        county: str,
        *,
        min_age: int = 0,
        max_age: int = 100,
        on: _dt.date | None = None,
        until: _dt.date | None = None,
        band: Callable[[int], object] | None = None,
    ) -> str:
        """A new ID number, unique in this generator, aged ``min_age..max_age`` on ``on``.

        With ``until`` and ``band`` (age to the tier of a standard), the person
        stays in one band from ``on`` to ``until``: a birthday in between never
        moves them to another tier, so an amount set by age holds for the whole
        period, whichever day of it the age is reckoned at.
        """
        rng = self.rng
        ref = on or self.as_of
        while True:
            age = rng.randint(min_age, max_age)
            first = _years_before(ref, age + 1) + _dt.timedelta(days=1)
            last = _years_before(ref, age)
            born = first + _dt.timedelta(days=rng.randint(0, (last - first).days))
            born = min(born, self.as_of)
            if (
                until is not None
                and band is not None
                and band(_age_on(born, ref)) != band(_age_on(born, until))
            ):
                continue
            body = f"{county}{born:%Y%m%d}{rng.randrange(1000):03d}"
            key = int(body)
            number = body + _check_digit(body)
            if key not in self._ids and not _looks_rounded(number):
                self._ids.add(key)
                return number

    @checked_on_failure(InvalidValue, "testing")
    def account(self, bank: str) -> str:
        """A new card number of ``bank``, unique in this generator, Luhn-valid."""
        while True:
            number = card_number(self.rng, bank)
            key = int(number)
            if key not in self._accounts:
                self._accounts.add(key)
                return str(number)

    # -- people -------------------------------------------------------------------

    @checked(InvalidValue, "testing")
    def people(
        self,
        n: int,
        *,
        county: str | None = None,
        within: Sequence[str] | None = None,
        bank: str | None = None,
        min_age: int = 0,
        max_age: int = 100,
        on: _dt.date | None = None,
        until: _dt.date | None = None,
        band: Callable[[int], object] | None = None,
        heads_only: bool = False,
    ) -> Iterator[SyntheticPerson]:
        """``n`` people as plain strings, household by household (fast: no models).

        People live in ``county``, else in one of ``within``, else in any county
        of the generator. ``heads_only`` yields one adult (the 户主) per
        household, for household policies; ages are ``min_age..max_age`` on
        ``on`` (default ``as_of``), household heads at least 18 where possible;
        with ``until`` and ``band`` each stays in one band of ages up to ``until``
        (see :meth:`id_number`).
        """
        if n < 0:
            raise InvalidValue("人数不能为负", code="synthetic.count")
        rng = self.rng
        produced = 0
        while produced < n:
            home = county or rng.choice(within or self.counties)
            village = self.village(home)
            self._households += 1
            household = f"H{home}{self._households:07d}"
            size = 1 if heads_only else min(rng.randint(1, self.max_household_size), n - produced)
            family = None
            for member in range(size):
                head = member == 0
                lo = max(min_age, 18) if head and max_age >= 18 else min_age
                name = self.name(None if family is None or rng.random() < 0.3 else family)
                if family is None and "·" not in name:
                    family = name[0]
                the_bank = bank or rng.choice(self.banks)
                yield SyntheticPerson(
                    id_number=self.id_number(
                        home, min_age=lo, max_age=max_age, on=on, until=until, band=band
                    ),
                    name=name,
                    region=village,
                    household_id=household,
                    phone=self.phone() if rng.random() < self.phone_share else None,
                    account=self.account(the_bank),
                    bank=the_bank,
                    is_yikatong=rng.random() < self.yikatong_share,
                )
                produced += 1

    @checked(InvalidValue, "testing")
    def beneficiaries(
        self, n: int, *, county: str | None = None, bank: str | None = None
    ) -> list[Beneficiary]:
        """``n`` validated beneficiaries."""
        return [p.beneficiary() for p in self.people(n, county=county, bank=bank)]

    # -- payouts --------------------------------------------------------------------

    def _amount(
        self,
        policy: SubsidyPolicy | None,
        person: SyntheticPerson,
        on: _dt.date,
        amount: Decimal | str | None,
    ) -> tuple[Amount, Decimal | None]:
        rng = self.rng
        if amount is not None:
            return Amount(amount), None
        if policy is None:
            return Amount.from_fen(rng.randint(1_000, 500_000)), None
        standard = payment_standard(policy.standard)
        if isinstance(standard, FixedStandard):
            return standard.amount, None
        if isinstance(standard, PerUnitStandard):
            top = 500 if standard.max_quantity is None else int(standard.max_quantity * 10)
            quantity = Decimal(rng.randint(1, max(top, 1))).scaleb(-1)
            return standard.amount_for(quantity=quantity), quantity
        if isinstance(standard, TieredStandard):
            age = ResidentIdNumber(person.id_number).age_on(on)
            return standard.amount_for(age=age, region=person.region), None
        # The lowest cap of any tier: valid whichever tier the person is in.
        cap = min((standard.cap, *(t.amount for t in standard.tiers))).to_fen()
        return Amount.from_fen(rng.randint(max(cap // 5, 1), cap)), None

    @checked(InvalidValue, "testing")
    def roster_rows(
        self,
        n: int,
        *,
        policy: SubsidyPolicy | None = None,
        period: str | None = None,
        bank: str | None = None,
        county: str | None = None,
        amount: Decimal | str | None = None,
    ) -> Iterator[RosterRow]:
        """``n`` roster lines (fast: no models), amounts by ``policy``'s standard if given."""
        the_period = Period(period) if period is not None else Period(str(self.as_of.year))
        for person, money, quantity, memo in self._payouts(
            n, policy=policy, period=the_period, bank=bank, county=county, amount=amount
        ):
            yield RosterRow(
                name=person.name,
                id_number=person.id_number,
                region=person.region,
                account=person.account,
                bank=person.bank,
                amount=str(money),
                household_id=person.household_id,
                phone=person.phone,
                is_yikatong=person.is_yikatong,
                quantity=None if quantity is None else str(quantity),
                memo=memo,
            )

    def _payouts(
        self,
        n: int,
        *,
        policy: SubsidyPolicy | None,
        period: Period,
        bank: str | None,
        county: str | None,
        amount: Decimal | str | None,
    ) -> Iterator[tuple[SyntheticPerson, Amount, Decimal | None, str | None]]:
        on = period.start
        lo, hi = 0, 100
        heads_only = False
        memo = None
        counties_ = None
        band = None
        if policy is not None:
            lo, hi = _age_range(policy)
            band = _age_band(policy)
            heads_only = policy.target is Target.HOUSEHOLD
            memo = f"{period.label}{policy.name}"[:60]
            counties_ = [c for c in self.counties if policy.applies_in(c)]
            if not counties_:
                raise InvalidValue(
                    f"政策 {policy.code} 不适用于所选的任何县", code="synthetic.region"
                )
        people = self.people(
            n,
            county=county,
            within=counties_,
            bank=bank,
            min_age=lo,
            max_age=hi,
            on=on,
            until=period.end,
            band=band,
            heads_only=heads_only,
        )
        for person in people:
            money, quantity = self._amount(policy, person, on, amount)
            yield person, money, quantity, memo

    @checked(InvalidValue, "testing")
    def items(
        self,
        n: int,
        *,
        policy: SubsidyPolicy | None = None,
        period: str | None = None,
        bank: str | None = None,
        county: str | None = None,
        amount: Decimal | str | None = None,
        start_seq: int = 1,
    ) -> list[PayoutItem]:
        """``n`` validated payout items numbered from ``start_seq``."""
        the_period = Period(period) if period is not None else Period(str(self.as_of.year))
        out = []
        payouts = self._payouts(
            n, policy=policy, period=the_period, bank=bank, county=county, amount=amount
        )
        for seq, (person, money, quantity, memo) in enumerate(payouts, start_seq):
            out.append(
                PayoutItem(
                    seq=seq,
                    beneficiary=person.beneficiary(),
                    amount=money,
                    quantity=quantity,
                    memo=memo,
                )
            )
        return out

    @checked(InvalidValue, "testing")
    def batch(
        self,
        n: int,
        *,
        policy: SubsidyPolicy | None = None,
        bank: str | None = None,
        period: str | None = None,
        batch_id: str | None = None,
        county: str | None = None,
        amount: Decimal | str | None = None,
        policy_code: str = "NX-SYNTH",
    ) -> PayoutBatch:
        """A valid batch of ``n`` items paid through one agent bank.

        With ``policy`` the people live where it applies, fit its ages (one
        household head per item for household policies), and amounts follow
        its standard; otherwise amounts are drawn between 10 and 5,000 yuan
        (or are all ``amount``). The batch region is ``county`` if given, else
        the whole region (640000).
        """
        the_bank = BankCode(bank) if bank is not None else self.rng.choice(self.banks)
        the_period = Period(period) if period is not None else Period(str(self.as_of.year))
        self._batches += 1
        region = RegionCode(county).county if county is not None else NINGXIA
        items = self.items(
            n, policy=policy, period=the_period, bank=the_bank, county=county, amount=amount
        )
        payer_place = region.name if county is not None else "宁夏回族自治区"
        return PayoutBatch(
            batch_id=BatchId(batch_id or f"SYN{self.seed % 100_000_000:08d}-{self._batches:04d}"),
            policy_code=policy.code if policy is not None else PolicyCode(policy_code),
            period=the_period,
            region=region,
            agent_bank=the_bank,
            payer_account=AccountNumber(self.account(the_bank)[:-1]),
            payer_name=f"{payer_place}财政厅（局）惠民惠农补贴专户",
            items=tuple(items),
        )

    @checked(InvalidValue, "testing")
    def write_roster_csv(
        self,
        target: str | os.PathLike[str] | IO[str] | IO[bytes],
        rows: Iterable[RosterRow | PayoutItem],
        **kwargs: str,
    ) -> int:
        """Same as the module's :func:`write_roster_csv`."""
        return write_roster_csv(target, rows, **kwargs)

    @checked(InvalidValue, "testing")
    def write_roster_xlsx(
        self, target: str | os.PathLike[str] | IO[bytes], rows: Iterable[RosterRow | PayoutItem]
    ) -> int:
        """Same as the module's :func:`write_roster_xlsx`."""
        return write_roster_xlsx(target, rows)


def _all_counties() -> tuple[RegionCode, ...]:
    return counties()


def _age_on(born: _dt.date, day: _dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _age_band(policy: SubsidyPolicy) -> Callable[[int], object] | None:
    """Age to what the policy makes of it: eligible or not, and the tier's amount."""
    standard = policy.standard
    tiers = standard.tiers if isinstance(standard, TieredStandard) else ()
    if not tiers and policy.min_age is None and policy.max_age is None:
        return None

    def band(age: int) -> object:
        eligible = (policy.min_age is None or age >= policy.min_age) and (
            policy.max_age is None or age <= policy.max_age
        )
        return eligible, next((t.amount for t in tiers if t.matches(age)), None)

    return band


def _age_range(policy: SubsidyPolicy) -> tuple[int, int]:
    lo, hi = 0, 100
    standard = payment_standard(policy.standard)
    if isinstance(standard, TieredStandard):
        lo = min(t.min_age or 0 for t in standard.tiers)
        hi = max(100 if t.max_age is None else t.max_age for t in standard.tiers)
    if policy.min_age is not None:
        lo = max(lo, policy.min_age)
    if policy.max_age is not None:
        hi = min(hi, policy.max_age)
    if policy.target is Target.HOUSEHOLD:
        lo = max(lo, 18)
    if isinstance(standard, TieredStandard):
        # Stay inside a band: tiers may leave gaps between them.
        ages = [a for a in range(lo, hi + 1) if any(t.matches(a) for t in standard.tiers)]
        if ages:
            return ages[0], ages[-1]
    if lo > hi:
        raise InvalidValue(f"政策 {policy.code} 的年龄条件无人能满足", code="synthetic.age")
    return lo, hi


def _rows(rows: Iterable[RosterRow | PayoutItem]) -> Iterator[RosterRow]:
    for row in rows:
        yield row if isinstance(row, RosterRow) else RosterRow.from_item(row)


@checked(InvalidValue, "testing")
def write_roster_csv(
    target: str | os.PathLike[str] | IO[str] | IO[bytes],
    rows: Iterable[RosterRow | PayoutItem],
    *,
    encoding: str = "utf-8",
) -> int:
    """Write a roster CSV with Chinese headers; returns the number of data rows.

    ``target`` is a path, a text stream or a binary stream; ``encoding``
    (``"utf-8"``, ``"utf-8-sig"`` for a BOM, ``"gb18030"``) applies to paths and
    binary streams. Banks are written by their Chinese names.
    """
    if isinstance(target, (str, os.PathLike)):
        with open(target, "w", encoding=encoding, newline="") as fh:
            return _write_csv(fh, rows)
    if isinstance(target, io.TextIOBase):
        return _write_csv(target, rows)
    binary = cast("IO[bytes]", target)
    wrapper = io.TextIOWrapper(binary, encoding=encoding, newline="")
    try:
        return _write_csv(wrapper, rows)
    finally:
        wrapper.flush()
        wrapper.detach()


def _write_csv(fh: IO[str], rows: Iterable[RosterRow | PayoutItem]) -> int:
    writer = csv.writer(fh, lineterminator="\r\n")
    writer.writerow([header for _, header in ROSTER_HEADERS])
    count = 0
    names: dict[str, str] = {}
    for row in _rows(rows):
        cells = row.cells(bank_names=False)
        bank = names.get(row.bank)
        if bank is None:
            bank = names[row.bank] = BankCode(row.bank).info.name
        cells[6] = bank
        writer.writerow(cells)
        count += 1
    return count


@checked(InvalidValue, "testing")
def write_roster_xlsx(
    target: str | os.PathLike[str] | IO[bytes],
    rows: Iterable[RosterRow | PayoutItem],
    *,
    sheet_title: str = "花名册",
    amounts_as_numbers: bool = True,
) -> int:
    """Write a roster workbook (one sheet, Chinese headers); returns the number of rows.

    ID, account, region and phone cells are text, as a careful template has them
    (Excel loses digits of long numbers). Amounts and quantities are numbers by
    default, as staff type them, so readers meet Excel's binary floats; pass
    ``amounts_as_numbers=False`` to write them as text.
    """
    from openpyxl import Workbook  # noqa: PLC0415 - only needed for XLSX

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title)
    ws.append([header for _, header in ROSTER_HEADERS])
    count = 0
    for row in _rows(rows):
        cells: list[str | float | None] = list(row.cells())
        cells = [None if c == "" else c for c in cells]
        if amounts_as_numbers:
            # Excel keeps numbers as binary doubles; this is what a real file holds.
            cells[9] = float(row.amount)
            if row.quantity is not None:
                cells[8] = float(row.quantity)
        ws.append(cells)
        count += 1
    wb.save(target)
    return count
