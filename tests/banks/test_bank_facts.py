"""Facts about the built-in banks that must agree everywhere they are stated.

CNAPS codes, the statuses each bank reports, the one mapping of a raw reason
shared by several banks, and each bank's file encoding (adapter, checks,
documentation).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ningxia_yikatong.bank import AgentBank, agent_bank_info
from ningxia_yikatong.banks import ReturnStatus, get_adapter
from ningxia_yikatong.checks import DEFAULT_BANK_ENCODINGS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "banks"
BUILT_IN = [b.value for b in AgentBank]
#: CNAPS category codes shared by every rural (314) and city (313) commercial bank.
CATEGORY_CODES = {"313", "314"}


@pytest.mark.parametrize("code", BUILT_IN)
def test_no_bank_claims_a_cnaps_category_code(code: str) -> None:
    adapter = get_adapter(code)
    assert adapter.cnaps not in CATEGORY_CODES
    assert agent_bank_info(code).cnaps == adapter.cnaps
    page = (DOCS / f"{code}.md").read_text("utf-8")
    assert not re.search(r"CNAPS bank code 31[34]", page)


def test_banks_with_a_category_code_only_have_none() -> None:
    assert AgentBank.NXRCB.info.cnaps is None
    assert AgentBank.BONX.info.cnaps is None
    assert AgentBank.PSBC.info.cnaps == "100"


def test_lost_and_stopped_are_two_statuses() -> None:
    assert len({ReturnStatus.LOST, ReturnStatus.STOPPED}) == 2
    assert ReturnStatus.LOST.label == "账户已挂失"
    assert ReturnStatus.STOPPED.label == "账户已止付"
    assert "lost_or_stopped" not in {s.value for s in ReturnStatus}


@pytest.mark.parametrize("code", BUILT_IN)
def test_every_bank_reports_lost_and_stopped_with_their_own_codes(code: str) -> None:
    adapter = get_adapter(code)
    lost, _ = adapter.code_for(ReturnStatus.LOST)
    stopped, _ = adapter.code_for(ReturnStatus.STOPPED)
    assert lost != stopped
    assert adapter.status_of(lost) is ReturnStatus.LOST
    assert adapter.status_of(stopped) is ReturnStatus.STOPPED
    messages = {s: m for s, (_, m) in adapter.status_codes.items()}
    assert "止付" not in messages[ReturnStatus.LOST]
    assert "挂失" not in messages[ReturnStatus.STOPPED]


def test_suspended_account_has_one_mapping() -> None:
    # 中止账户不允许入账: the account exists and is the holder's, suspended by the bank.
    assert get_adapter("nxrcb").status_of("1011") is ReturnStatus.STOPPED
    assert get_adapter("ccb").status_of("YBLA09") is ReturnStatus.STOPPED


def _documented_encodings() -> dict[str, str]:
    table = (DOCS / "index.md").read_text("utf-8")
    found = {}
    for line in table.splitlines():
        row = line.strip().replace("\\|", "/").strip("|")
        cells = [c.strip() for c in row.split("|")]
        if len(cells) >= 4 and cells[0].startswith("`") and cells[0].endswith("`"):
            found[cells[0].strip("`")] = cells[3]
    return found


@pytest.mark.parametrize("code", BUILT_IN)
def test_one_encoding_per_bank(code: str) -> None:
    adapter = get_adapter(code)
    assert DEFAULT_BANK_ENCODINGS[code] == adapter.encoding
    documented = _documented_encodings()[code]
    assert documented.split()[0].lower().replace("-", "") == adapter.encoding.replace("-", "")
    for fmt in ("instruction_format", "return_format"):
        declared = getattr(adapter, fmt, None)
        if declared is not None:
            assert declared.encoding == adapter.encoding
