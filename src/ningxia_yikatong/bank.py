"""Agent banks (代发金融机构) and bank accounts.

The seven agent banks active in Ningxia are built in (:class:`AgentBank`); a
deployment registers others with :func:`register_agent_bank`, and a bank
integrator's adapter package registers its bank when the adapters are
discovered, which the first unknown bank code triggers. An account is a
:class:`BankAccount`: number, agent bank, holder name, and whether it is the
social-security-card account (一卡通) that the plan asks every payment to use.

>>> AgentBank.PSBC.info.name, AgentBank.PSBC.info.cnaps
('中国邮政储蓄银行', '100')
>>> str(AccountNumber("6217 0000 0000 0001 234"))
'6217000000000001234'
>>> AccountNumber("6217000000000001234")
AccountNumber('***************1234')
>>> AccountNumber("79927398713").luhn_valid
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from stdnum import luhn

from ._model import DomainModel
from ._types import StrValue
from .errors import InvalidAccount
from .identity import PersonName, mask_account

__all__ = [
    "AccountNumber",
    "AgentBank",
    "AgentBankInfo",
    "BankAccount",
    "BankCode",
    "CnapsCode",
    "agent_bank_info",
    "agent_banks",
    "register_agent_bank",
]


class AgentBank(StrEnum):
    """The agent banks built in; each value is its bank code."""

    NXRCB = "nxrcb"  # 宁夏黄河农村商业银行
    PSBC = "psbc"  # 中国邮政储蓄银行
    ABC = "abc"  # 中国农业银行
    ICBC = "icbc"  # 中国工商银行
    CCB = "ccb"  # 中国建设银行
    BOC = "boc"  # 中国银行
    BONX = "bonx"  # 宁夏银行

    @property
    def info(self) -> AgentBankInfo:
        """Name, short name and CNAPS code."""
        return _REGISTRY[self.value]


@dataclass(frozen=True, slots=True)
class AgentBankInfo:
    """What the library knows of an agent bank."""

    code: str
    name: str
    short_name: str
    #: 3-digit CNAPS bank (institution) code, for a bank that has its own. Rural
    #: (314) and city (313) commercial banks share a category code, not a bank
    #: code: theirs is ``None``, and a branch is named by its 12-digit 行号.
    cnaps: str | None = None


_BANK_CODE: Final = re.compile(r"[a-z][a-z0-9_]{1,31}")
_REGISTRY: dict[str, AgentBankInfo] = {
    info.code: info
    for info in (
        AgentBankInfo("nxrcb", "宁夏黄河农村商业银行", "黄河农商银行"),
        AgentBankInfo("psbc", "中国邮政储蓄银行", "邮储银行", "100"),
        AgentBankInfo("abc", "中国农业银行", "农业银行", "103"),
        AgentBankInfo("icbc", "中国工商银行", "工商银行", "102"),
        AgentBankInfo("ccb", "中国建设银行", "建设银行", "105"),
        AgentBankInfo("boc", "中国银行", "中国银行", "104"),
        AgentBankInfo("bonx", "宁夏银行", "宁夏银行"),
    )
}


def register_agent_bank(info: AgentBankInfo) -> None:
    """Make another agent bank known (idempotent for the same info)."""
    if _BANK_CODE.fullmatch(info.code) is None:
        raise InvalidAccount(
            "银行代码应为2至32位小写字母、数字或下划线，以字母开头", code="bank_code.format"
        )
    known = _REGISTRY.get(info.code)
    if known is not None and known != info:
        raise InvalidAccount(f"银行代码 {info.code} 已登记为{known.name}", code="bank_code.taken")
    _REGISTRY[info.code] = info


def agent_banks() -> tuple[AgentBankInfo, ...]:
    """Every known agent bank, built-in ones first."""
    return tuple(_REGISTRY.values())


def agent_bank_info(code: str) -> AgentBankInfo:
    """The registered bank with this code (``bank_code.unknown`` otherwise).

    A code not registered yet makes the installed bank adapters load once
    (their banks register themselves), so a third-party bank's code is valid
    before anything has asked for its adapter.
    """
    info = _REGISTRY.get(code)
    if info is None and _discover_adapters():
        info = _REGISTRY.get(code)
    if info is None:
        raise InvalidAccount(f"未登记的代发银行代码：{code}", code="bank_code.unknown")
    return info


def _discover_adapters() -> bool:
    """Load the installed bank adapters unless done; whether they were loaded now."""
    from .banks._registry import ensure_discovered  # noqa: PLC0415 - the registry imports this

    return ensure_discovered()


_BANK_CODES: dict[str, BankCode] = {}


class BankCode(StrValue):
    """Code of a registered agent bank (``"psbc"``); case-insensitive on input."""

    __slots__ = ()

    def __new__(cls, value: object) -> BankCode:
        if type(value) is cls:
            return value
        if not isinstance(value, str):
            raise InvalidAccount("银行代码必须是文本", code="bank_code.type")
        known = _BANK_CODES.get(value) if cls is BankCode else None
        if known is not None:  # one object per bank, not one per account
            return known
        code = value.strip().lower()
        agent_bank_info(code)
        bank_code = str.__new__(cls, code)
        if cls is BankCode and len(_BANK_CODES) < 1_000:
            _BANK_CODES[value] = bank_code
        return bank_code

    @property
    def info(self) -> AgentBankInfo:
        """The registered bank."""
        return _REGISTRY[self]


class AccountNumber(StrValue):
    """A bank account or card number: 8 to 32 ASCII digits.

    Spaces and hyphens between digit groups are removed. The Luhn check digit
    of card numbers is *not* required here, because passbook accounts have none;
    a bank profile that wants it asks :attr:`luhn_valid`.
    """

    __slots__ = ()

    def __new__(cls, value: object) -> AccountNumber:
        if type(value) is cls:
            return value
        if not isinstance(value, str):
            raise InvalidAccount("银行账号必须是文本", code="account.type")
        number = value.strip().replace(" ", "").replace("-", "")
        if not (number.isascii() and number.isdigit()):
            raise InvalidAccount("银行账号只能由数字组成", code="account.format")
        if not 8 <= len(number) <= 32:
            raise InvalidAccount(
                f"银行账号应为8至32位数字，实际为{len(number)}位", code="account.length"
            )
        return str.__new__(cls, number)

    @property
    def luhn_valid(self) -> bool:
        """Whether the last digit is a valid Luhn check digit (bank cards)."""
        return bool(luhn.is_valid(self))

    def masked(self) -> str:
        """Only the last 4 digits shown."""
        return mask_account(self)

    _display = masked


class CnapsCode(StrValue):
    """A 12-digit CNAPS participant code (联行号) of a bank branch."""

    __slots__ = ()

    def __new__(cls, value: object) -> CnapsCode:
        if type(value) is cls:
            return value
        if not isinstance(value, str):
            raise InvalidAccount("联行号必须是文本", code="cnaps.type")
        code = value.strip()
        if len(code) != 12 or not (code.isascii() and code.isdigit()):
            raise InvalidAccount("联行号应为12位数字", code="cnaps.format")
        return str.__new__(cls, code)


class BankAccount(DomainModel):
    """A beneficiary's account at an agent bank (收款账户).

    ``is_yikatong`` says whether it is the financial account of the social
    security card (社会保障卡金融账户), the account the plan asks every subsidy
    to be paid into unless the policy says otherwise; None (the default) means
    nobody said (未标明), and the ``not_yikatong`` check reports it as missing
    data rather than taking it for either answer.
    """

    number: AccountNumber
    bank: BankCode
    holder_name: PersonName
    is_yikatong: bool | None = None
    branch: CnapsCode | None = None
