"""Amount: exact yuan to the fen, no float, no silent rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter

from ningxia_yikatong import Amount, YikatongError
from ningxia_yikatong.errors import InvalidAmount
from ningxia_yikatong.money import MAX_AMOUNT, total

fen = st.integers(min_value=1, max_value=MAX_AMOUNT.scaleb(2).__int__())


@pytest.mark.parametrize(
    ("given_value", "expected"),
    [
        ("1200.5", "1200.50"),  # one decimal is exact
        ("0.01", "0.01"),
        (" 80 ", "80.00"),  # surrounding spaces
        (80, "80.00"),
        (Decimal("12.300"), "12.30"),  # trailing zero: no information lost
        ("1E2", "100.00"),
        ("10000000.00", "10000000.00"),  # the upper bound itself
    ],
)
def test_accepts(given_value: object, expected: str) -> None:
    assert str(Amount(given_value)) == expected


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (0.1, "amount.float"),  # binary float: refused whatever its value
        (1.0, "amount.float"),
        (True, "amount.type"),
        (None, "amount.type"),
        ("", "amount.empty"),
        ("abc", "amount.format"),
        ("1,200.00", "amount.format"),
        ("NaN", "amount.format"),
        ("Infinity", "amount.format"),
        ("12.345", "amount.precision"),  # 3 decimals: would drift the batch total
        (Decimal("0.001"), "amount.precision"),
        ("0", "amount.not_positive"),
        ("-5", "amount.not_positive"),
        ("10000000.01", "amount.too_large"),
    ],
)
def test_refuses(bad: object, code: str) -> None:
    with pytest.raises(InvalidAmount) as info:
        Amount(bad)
    assert info.value.code == code
    assert isinstance(info.value, YikatongError)
    assert isinstance(info.value, ValueError)


@given(fen)
def test_fen_round_trip(n: int) -> None:
    amount = Amount.from_fen(n)
    assert amount.to_fen() == n
    assert Amount(str(amount)) == amount


def test_from_fen_refuses_non_int() -> None:
    with pytest.raises(InvalidAmount):
        Amount.from_fen(1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount):
        Amount.from_fen(True)


@given(st.lists(fen, max_size=50))
def test_total_is_exact(fens: list[int]) -> None:
    assert total(Amount.from_fen(f) for f in fens) == Decimal(sum(fens)).scaleb(-2)


def test_arithmetic_gives_decimal() -> None:
    diff = Amount("1.00") - Amount("1.00")
    assert type(diff) is Decimal
    assert diff == 0


class _Row(BaseModel):
    amount: Amount


def test_pydantic_field_and_type_adapter() -> None:
    assert TypeAdapter(Amount).validate_python("3.5") == Amount("3.50")
    row = _Row(amount=Amount("3.50"))
    assert row.model_dump_json() == '{"amount":"3.50"}'
    assert _Row.model_validate_json(row.model_dump_json()) == row
    # A JSON number with a fraction is a float: refused, as in Python.
    with pytest.raises(ValueError, match=r"amount\.float"):
        _Row.model_validate_json('{"amount": 3.5}')
    assert _Row.model_validate_json('{"amount": 3}').amount == Amount(3)


def test_repr_and_pickle() -> None:
    import pickle

    amount = Amount("9.90")
    assert repr(amount) == "Amount('9.90')"
    assert pickle.loads(pickle.dumps(amount)) == amount
    assert type(pickle.loads(pickle.dumps(amount))) is Amount
