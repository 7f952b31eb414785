"""Agent banks, account numbers and bank accounts."""

from __future__ import annotations

import pytest

from ningxia_yikatong import AccountNumber, AgentBank, BankAccount, BankCode
from ningxia_yikatong.bank import (
    AgentBankInfo,
    CnapsCode,
    agent_bank_info,
    agent_banks,
    register_agent_bank,
)
from ningxia_yikatong.errors import InvalidAccount, ModelError


def test_seven_agent_banks_built_in() -> None:
    assert [b.code for b in agent_banks()][:7] == [b.value for b in AgentBank]
    assert AgentBank.ICBC.info.cnaps == "102"
    assert BankCode("PSBC") == "psbc"
    assert BankCode("psbc").info.name == "中国邮政储蓄银行"


def test_register_another_bank() -> None:
    info = AgentBankInfo("nxtest_bank", "宁夏测试村镇银行", "测试村镇银行")
    register_agent_bank(info)
    register_agent_bank(info)  # idempotent
    assert BankCode("nxtest_bank").info == info
    assert agent_bank_info("nxtest_bank") == info
    with pytest.raises(InvalidAccount) as taken:
        register_agent_bank(AgentBankInfo("nxtest_bank", "别的银行", "别的"))
    assert taken.value.code == "bank_code.taken"
    with pytest.raises(InvalidAccount) as bad:
        register_agent_bank(AgentBankInfo("X", "坏代码", "坏"))
    assert bad.value.code == "bank_code.format"


def test_unknown_bank_code() -> None:
    with pytest.raises(InvalidAccount) as info:
        BankCode("nosuchbank")
    assert info.value.code == "bank_code.unknown"


def test_account_number() -> None:
    assert AccountNumber(" 6217-0000 1234 5678 ") == "6217000012345678"
    assert AccountNumber("79927398713").luhn_valid
    assert not AccountNumber("79927398710").luhn_valid
    assert AccountNumber("6217000012345678901").masked().endswith("8901")
    for bad, code in [("1234567", "account.length"), ("62170000123x", "account.format")]:
        with pytest.raises(InvalidAccount) as info:
            AccountNumber(bad)
        assert info.value.code == code


def test_cnaps_code() -> None:
    assert CnapsCode("104871000011") == "104871000011"
    with pytest.raises(InvalidAccount):
        CnapsCode("10487100001")


def test_bank_account_errors_name_each_field() -> None:
    with pytest.raises(ModelError) as info:
        BankAccount(number="12", bank="xx", holder_name="张3")
    paths = {d.location.path: d.code for d in info.value.details}
    assert paths == {
        "number": "account.length",
        "bank": "bank_code.unknown",
        "holder_name": "name.digit",
    }


def test_bank_account_yikatong_flag_defaults_to_unknown() -> None:
    account = BankAccount(
        number=AccountNumber("6217000012345678901"),
        bank=BankCode("psbc"),
        holder_name="马兰",
    )
    assert account.is_yikatong is None
    assert BankAccount.model_validate_json(account.model_dump_json()) == account
