"""Typed fields: encoding, byte widths and decoding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from ningxia_yikatong.banks.formats import (
    Code,
    Const,
    Date,
    DateTime,
    Fen,
    Field,
    FieldError,
    Filler,
    Integer,
    Text,
    Yuan,
    byte_length,
)


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        (Text("name", 8), "张三", "张三"),
        (Text("name", 8), "马·阿里", "马·阿里"),  # middle dot is 2 bytes in GBK
        (Text("memo", 8), None, ""),
        (Code("account", 19), "6228480123456789012", "6228480123456789012"),
        (Integer("seq", 4), 12, "12"),
        (Fen("amount", 13), Decimal("1200.50"), "120050"),
        (Yuan("amount", 13), Decimal("1200.5"), "1200.50"),
        (Date("day"), dt.date(2026, 3, 1), "20260301"),
        (DateTime("at"), dt.datetime(2026, 3, 1, 9, 5, 7), "20260301090507"),
        (DateTime("at"), None, ""),
        (Const("type", 1, value="H"), None, "H"),
        (Filler("spare", 4), "anything", ""),
    ],
)
def test_encode(field: Field, value: Any, text: str) -> None:
    assert field.encode(value, "gbk") == text


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        (Text("name", 4), "马·阿里", "bankfile.field_too_long"),  # 7 bytes in GBK
        (Text("name", 8), "䶮", "bankfile.unencodable"),
        (Text("name", 8), "a\nb", "bankfile.field_character"),
        (Text("memo", 8), "ab ", "bankfile.field_space"),
        (Text("memo", 8, forbidden="|"), "a|b", "bankfile.field_character"),
        (Code("account", 19), "6228-48 01", "bankfile.field_code"),
        (Code("account", 19), "账号", "bankfile.field_code"),
        (Integer("seq", 4), -1, "bankfile.field_number"),
        (Integer("seq", 4), True, "bankfile.field_number"),
        (Integer("seq", 4), 12345, "bankfile.field_too_long"),
        (Fen("amount", 13), Decimal("0.001"), "bankfile.field_amount"),
        (Fen("amount", 13), 1.5, "bankfile.field_amount"),
        (Yuan("amount", 13), Decimal("-1"), "bankfile.field_amount"),
        (Date("day"), dt.datetime(2026, 1, 1), "bankfile.field_date"),
        (DateTime("at"), dt.date(2026, 1, 1), "bankfile.field_datetime"),
    ],
)
def test_encode_refuses(field: Field, value: Any, code: str) -> None:
    with pytest.raises(FieldError) as info:
        field.size(field.encode(value, "gbk"), "gbk")
    assert info.value.code == code


@pytest.mark.parametrize(
    ("field", "text", "value"),
    [
        (Fen("amount", 13), "0000000120050", Decimal("1200.50")),
        (Yuan("amount", 13), "1200.50", Decimal("1200.50")),
        (Integer("seq", 4), "0012", 12),
        (Date("day"), "20240229", dt.date(2024, 2, 29)),
        (DateTime("at"), "20260301090507", dt.datetime(2026, 3, 1, 9, 5, 7)),
        (DateTime("at"), "", None),
        (Filler("spare", 4), "", None),
    ],
)
def test_decode(field: Field, text: str, value: Any) -> None:
    assert field.decode(text) == value


@pytest.mark.parametrize(
    ("field", "text", "code"),
    [
        (Fen("amount", 13), "12.50", "bankfile.field_amount"),
        (Fen("amount", 13), "", "bankfile.field_amount"),
        (Fen("amount", 13), "１２", "bankfile.field_amount"),  # full-width digits
        (Yuan("amount", 13), "12.5", "bankfile.field_amount"),
        (Yuan("amount", 13), "12.505", "bankfile.field_amount"),
        (Integer("seq", 4), "1a", "bankfile.field_number"),
        (Date("day"), "20230229", "bankfile.field_date"),
        (Date("day"), "2023022", "bankfile.field_date"),
        (DateTime("at"), "20260301250000", "bankfile.field_datetime"),
        (Const("type", 1, value="H"), "D", "bankfile.field_const"),
        (Filler("spare", 4), "x", "bankfile.field_filler"),
        (Code("id", 18), "ID 1", "bankfile.field_code"),
    ],
)
def test_decode_refuses(field: Field, text: str, code: str) -> None:
    with pytest.raises(FieldError) as info:
        field.decode(text)
    assert info.value.code == code


def test_byte_length_counts_bytes_of_the_encoding() -> None:
    assert byte_length("张三", "gbk") == 4
    assert byte_length("𠮷", "gb18030") == 4
    with pytest.raises(FieldError, match="GBK"):
        byte_length("王𠮷", "gbk")
