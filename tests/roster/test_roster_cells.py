"""Cell values: digits rounded by a spreadsheet, card check digits, amounts, holders."""

from __future__ import annotations

import ast
import io
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from stdnum import luhn

import ningxia_yikatong.roster
from ningxia_yikatong import PayoutItem, RosterResult, read_roster
from ningxia_yikatong.checks import run_checks
from ningxia_yikatong.errors import RosterError
from ningxia_yikatong.testing import SyntheticData
from ningxia_yikatong.testing.policies import sample_policies
from ningxia_yikatong.testing.synthetic import valid_id_number

HEADER = "姓名,身份证号,社保卡号,开户银行,金额,区划代码"
CARD = "6228480123456789015"
GOOD = f"马小明,11010519491231002X,{CARD},农业银行,1200.50,640122101001"


def read_csv(*lines: str) -> RosterResult:
    return read_roster(("\r\n".join(lines) + "\r\n").encode(), format="csv")


def row(id_number: str = "11010519491231002X", account: str = CARD, amount: str = "80") -> str:
    return f"马小明,{id_number},{account},农业银行,{amount},640122101001"


def rounded(number: str) -> str:
    """What a spreadsheet keeps of a long number: 15 significant digits, then zeros."""
    return number[:15] + "0" * (len(number) - 15)


def ids(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        number = str(valid_id_number(rng, "640502", SyntheticData(seed=1).as_of))
        if number[15:].strip("0"):  # a genuine number ending in 000 is another test
            out.append(number)
    return out


def card(body: str) -> str:
    return body + luhn.calc_check_digit(body)


def cards(n: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    return [card("621799" + "".join(rng.choices("0123456789", k=12))) for _ in range(n)]


# -- a column rounded to 15 significant digits ---------------------------------------


def test_a_rounded_id_column_refuses_the_file() -> None:
    """The IDs of the report, 3 of 30 passing their check digit: the file is refused."""
    numbers = ["640502198103098000", *(rounded(n) for n in ids(29))]
    with pytest.raises(RosterError) as caught:
        read_csv(HEADER, *(row(id_number=n) for n in numbers))
    assert caught.value.code == "roster.rounded_column"
    assert "身份证号" in caught.value.message
    assert "15" in caught.value.message
    assert "Excel" not in caught.value.message


def test_a_rounded_card_column_refuses_the_file_even_when_every_id_is_fine() -> None:
    numbers = ["6217999447424140000", *(rounded(c) for c in cards(29))]
    lines = [row(id_number=n, account=c) for n, c in zip(ids(30), numbers, strict=True)]
    with pytest.raises(RosterError) as caught:
        read_csv(HEADER, *lines)
    assert caught.value.code == "roster.rounded_column"
    assert "社保卡号" in caught.value.message


def test_a_rounded_column_of_xlsx_text_cells_is_refused() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER.split(","))
    for number in (rounded(n) for n in ids(5)):
        ws.append(["马小明", number, CARD, "农业银行", 80, "640122101001"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(RosterError) as caught:
        read_roster(out.getvalue(), format="xlsx")
    assert caught.value.code == "roster.rounded_column"


def test_a_genuine_card_ending_in_zeros_among_others_is_accepted() -> None:
    zero_tailed = next(
        c for c in (card(f"62179944742414{i:01d}000"[:18]) for i in range(10)) if c.endswith("0")
    )
    assert zero_tailed[15:] == "0000"
    assert luhn.is_valid(zero_tailed)
    numbers = [*cards(20), zero_tailed]
    result = read_csv(
        HEADER, *(row(id_number=n, account=c) for n, c in zip(ids(21), numbers, strict=True))
    )
    assert result.ok
    assert result.valid_count == 21


@pytest.mark.parametrize(
    ("long", "zeros", "refused"), [(1, 1, True), (10, 9, True), (10, 8, False), (2, 1, False)]
)
def test_the_rounded_column_rule(long: int, zeros: int, refused: bool) -> None:
    """At least one, and at least 90%, of the column's 16+-digit values end in zeros."""
    numbers = [rounded(c) if i < zeros else c for i, c in enumerate(cards(long))]
    numbers.append("621799447424140")  # 15 digits: exact in a spreadsheet, not counted
    lines = [row(id_number=n, account=c) for n, c in zip(ids(len(numbers)), numbers, strict=True)]
    if refused:
        with pytest.raises(RosterError, match="社保卡号"):
            read_csv(HEADER, *lines)
    else:
        result = read_csv(HEADER, *lines)
        assert result.rejected_count <= zeros  # the rounded ones fail Luhn, mostly


def test_a_card_failing_luhn_is_refused() -> None:
    bad = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)
    short = card("622848012345678")
    short = short[:-1] + str((int(short[-1]) + 1) % 10)
    assert len(short) == 16
    assert not luhn.is_valid(short)
    result = read_csv(HEADER, GOOD, row(account=bad), row(account=short))
    assert [r.codes for r in result.rejected] == [("roster.account_luhn",)] * 2
    assert result.rejected[0].errors[0].location.column == "社保卡号"
    # Passbook and other accounts outside 16-19 digits are not cards.
    assert read_csv(HEADER, row(account="640012345678901")).ok


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id_number", "6.40502197611291E+017"),
        ("id_number", "6.40502E+17"),
        ("account", "6.217999447E+18"),
        ("account", "'6.217999447E+18"),
    ],
)
def test_scientific_notation_is_explained(field: str, value: str) -> None:
    result = read_csv(HEADER, row(**{field: value}))
    (detail,) = result.errors
    assert detail.code == "roster.scientific"
    assert "科学计数法" in detail.message
    assert "位，实际为" not in detail.message


def test_xlsx_numbers_in_id_and_card_columns_are_refused_never_converted() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER.split(","))
    ws.append(["马小明", 640502197611291000, CARD, "农业银行", 80, "640122101001"])
    ws.append(["马小明", "11010519491231002X", 6217999447424140000, "农业银行", 80, 640122101001])
    ws.append(["马小明", "11010519491231002X", 62284801234567, "农业银行", 80, "640122101001"])
    out = io.BytesIO()
    wb.save(out)
    result = read_roster(out.getvalue(), format="xlsx")
    assert [r.codes for r in result.rejected] == [("roster.numeric_text",)] * 3
    assert "15位有效数字" in result.rejected[0].errors[0].message


# -- amounts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("¥1200.50", "roster.amount_symbol"),
        ("￥80", "roster.amount_symbol"),
        ("80元", "roster.amount_symbol"),
        ("１２００．５０", "roster.amount_fullwidth"),
        ("80．00", "roster.amount_fullwidth"),
    ],
)
def test_currency_signs_and_full_width_digits_get_their_own_message(amount: str, code: str) -> None:
    result = read_csv(HEADER, row(amount=amount))
    (detail,) = result.errors
    assert detail.code == code
    assert detail.location.column == "金额"


def test_no_chinese_message_names_excel() -> None:
    """Staff use several spreadsheet programs: messages say 电子表格软件."""
    package = Path(ningxia_yikatong.roster.__file__).parent
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) in docstrings:
                    continue
                text = node.value
                if any("\u4e00" <= ch <= "\u9fff" for ch in text):
                    assert "Excel" not in text, (path.name, text)


# -- the account holder (户名) -----------------------------------------------------------


def test_a_holder_column_is_read_and_the_holder_rule_fires() -> None:
    result = read_csv(
        "姓名,身份证号,社保卡号,户名,开户银行,金额,区划代码",
        f"马小明,11010519491231002X,{CARD},马大明,农业银行,100,640122101001",
        f"李四,110105194912310011,{card('621799123456789012')},,农业银行,100,640122101001",
    )
    assert result.ok
    first, second = result.items
    assert first.beneficiary.account.holder_name == "马大明"
    assert second.beneficiary.account.holder_name == "李四"  # empty: the person's own
    assert PayoutItem.model_validate(first.model_dump()) == first
    policy = next(p for p in sample_policies() if p.code == "NX-GLJT")
    batch = result.to_batch(
        batch_id="GLJT-2026-03",
        policy_code="NX-GLJT",
        period="2026-03",
        region="640000",
        payer_account="64001234567890123",
        payer_name="宁夏回族自治区财政厅",
    )
    report = run_checks(batch, policy)
    holders = [f for f in report.findings if f.rule == "holder_name"]
    assert [f.seq for f in holders] == [1]


def test_card_holder_header_and_a_bad_holder_name() -> None:
    result = read_csv(
        "姓名,身份证号,社保卡号,持卡人,开户银行,金额,区划代码",
        f"马小明,11010519491231002X,{CARD},马2明,农业银行,100,640122101001",
    )
    (detail,) = result.errors
    assert detail.code == "name.digit"
    assert detail.location.column == "持卡人"


@given(st.text(alphabet="0123456789", min_size=1, max_size=32))
def test_the_fast_luhn_check_agrees_with_python_stdnum(digits: str) -> None:
    from ningxia_yikatong.roster._cells import luhn_valid

    assert luhn_valid(digits) is bool(luhn.is_valid(digits))
