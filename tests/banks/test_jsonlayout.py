"""Declared JSON open-API messages: what a declaration may be, the signing
string, and the item and body texts the declaration writes."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong.banks._jsonlayout import (
    Body,
    JsonMessage,
    Sign,
    compile_json_items,
    signing_parts,
    signing_string,
)
from ningxia_yikatong.banks._model import ReturnRecord, ReturnStatus
from ningxia_yikatong.banks._xmllayout import INSTRUCTION_SOURCES, RETURN_SOURCES
from ningxia_yikatong.banks.formats import (
    Code,
    Const,
    Date,
    DateTime,
    El,
    Fen,
    Integer,
    Items,
    Leaf,
    Text,
    Yuan,
)
from ningxia_yikatong.errors import BankFileError
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.testing.strategies import payout_batches

_ITEMS = Items(El("items", Leaf("seq", Integer("seq", 0)), Leaf("amt", Yuan("amount", 0))))
_ENVELOPE = (Leaf("id", Code("msg_id", 0)), Body("body"), Sign())


@pytest.mark.parametrize(
    ("envelope", "body", "problem"),
    [
        ((Leaf("id", Code("msg_id", 0)), Sign()), (_ITEMS,), "one Body"),
        ((Body("body"),), (_ITEMS,), "one Sign"),
        ((Leaf("body", Code("x", 0)), Body("body"), Sign()), (_ITEMS,), "each parameter once"),
        (_ENVELOPE, (Leaf("batch_id", Code("batch_id", 0)),), "needs Items"),
        (_ENVELOPE, (_ITEMS, Items(El("more", Leaf("seq", Integer("seq", 0))))), "one Items"),
        (_ENVELOPE, (El("head", _ITEMS),), "one Items"),
        (_ENVELOPE, (Items(El("items", Leaf("amt", Yuan("amount", 0)))),), "seq leaf"),
        (_ENVELOPE, (Leaf("a/b", Code("batch_id", 0)), _ITEMS), "without '/'"),
        (_ENVELOPE, (Leaf("items", Code("batch_id", 0)), _ITEMS), "each member once"),
        (_ENVELOPE, (Items(El("items", El("x", Leaf("seq", Integer("seq", 0))))),), "leaves only"),
    ],
)
def test_a_declaration_is_checked(envelope: Any, body: Any, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        JsonMessage("/p", envelope=envelope, body=body)


def test_the_declaration_gives_keys_objects_and_pointers() -> None:
    message = JsonMessage(
        "/p",
        envelope=(*_ENVELOPE, Leaf("v", Const("version", 0, value="1"))),
        body=(
            Leaf("batch_id", Code("batch_id", 0)),
            El("sum", Leaf("n", Integer("count", 0)), Leaf("fen", Fen("total", 0))),
            _ITEMS,
        ),
    )
    assert message.envelope_keys == {"id", "body", "sign", "v"}
    assert (message.body_key, message.sign_key, message.sealed) == ("body", "sign", False)
    assert [p.path for p in message.head] == ["/batch_id", "/sum/n", "/sum/fen"]
    assert message.objects == (
        ("", frozenset({"batch_id", "sum", "items"})),
        ("/sum", frozenset({"n", "fen"})),
    )
    assert [p.path for p in message.item] == ["seq", "amt"]
    assert message.envelope_values({"msg_id": "B-1"}) == {"id": "B-1", "v": "1"}
    opening, closing = message.body_parts({"batch_id": "B", "count": 2, "total": Decimal("12.50")})
    assert json.loads(opening + closing) == {
        "batch_id": "B",
        "sum": {"n": 2, "fen": "1250"},
        "items": [],
    }
    assert opening.endswith('"items":[')
    assert closing == "]}"


def test_members_after_the_items_close_the_body() -> None:
    message = JsonMessage(
        "/p", envelope=_ENVELOPE, body=(_ITEMS, Leaf("batch_id", Code("batch_id", 0)))
    )
    assert message.body_parts({"batch_id": "B"}) == ('{"items":[', '],"batch_id":"B"}')


def test_signing_parts_of_pieces_are_the_signing_string() -> None:
    params = {"b": "2", "a": "马", "c": "", "sign": "x"}
    assert signing_string("/p", params) == "/p?a=马&b=2".encode()
    pieces = [b"QUJD", b"REVG"]
    joined = b"".join(signing_parts("/p", [*params.items(), ("body", pieces)], "sign"))
    assert joined == signing_string("/p", {**params, "body": "QUJDREVG"})
    # an empty piece list is an empty value: skipped
    assert b"".join(signing_parts("/p", [("body", [b""])], "sign")) == b"/p?"


def test_signing_parts_refuse_what_utf8_cannot_carry() -> None:
    with pytest.raises(BankFileError) as info:
        signing_parts("/p", [("k/1", "\udc00")], "sign")
    assert (info.value.code, info.value.location.path) == ("bankfile.encoding", "/k~11")


_INSTRUCTION = El(
    "items",
    Leaf("seq", Integer("seq", 0)),
    Leaf("acc", Code("account", 0)),
    Leaf("name", Text("name", 0)),
    Leaf("type", Const("id_type", 2, value="01")),
    Leaf("id", Code("id_number", 0)),
    Leaf("amt", Yuan("amount", 0)),
    Leaf("fen", Fen("amount", 0)),
    Leaf("memo", Text("memo", 0)),
)


@settings(max_examples=25, deadline=None)
@given(batch=payout_batches(max_items=6))
def test_an_instruction_item_is_what_json_dumps_writes(batch: PayoutBatch) -> None:
    write = compile_json_items(_INSTRUCTION, INSTRUCTION_SOURCES, {})
    for item in batch.items:
        b = item.beneficiary
        expected = {
            "seq": item.seq,
            "acc": b.account.number,
            "name": b.account.holder_name,
            "type": "01",
            "id": b.id_number,
            "amt": f"{item.amount:.2f}",
            "fen": str(int(item.amount * 100)),
            "memo": item.memo or "",
        }
        assert write(item) == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))


@given(
    name=st.text(max_size=12),
    message=st.text(max_size=12),
    txn=st.one_of(st.none(), st.text(alphabet="0123456789AB", max_size=8)),
    when=st.one_of(st.none(), st.datetimes(min_value=dt.datetime(2000, 1, 1))),
)
def test_a_return_item_is_what_json_dumps_writes(
    name: str, message: str, txn: str | None, when: dt.datetime | None
) -> None:
    element = El(
        "items",
        Leaf("seq", Integer("seq", 0)),
        Leaf("name", Text("name", 0)),
        Leaf("code", Code("code", 0)),
        Leaf("msg", Text("message", 0)),
        Leaf("txn", Code("txn_id", 0)),
        Leaf("at", DateTime("settled_at"), fmt="%Y-%m-%d %H:%M:%S"),
        Leaf("day", Date("day"), fmt="%Y-%m-%d"),
        Leaf("status", Code("status", 0)),
    )
    derived = {"day": lambda r: dt.date(2026, 3, 10), "status": lambda r: r.status.value}
    write = compile_json_items(element, RETURN_SOURCES, derived)
    record = ReturnRecord(
        7, "6222", name, Decimal("1.00"), ReturnStatus.SUCCESS, "0", message, txn, when
    )
    expected = {
        "seq": 7,
        "name": name,
        "code": "0",
        "msg": message,
        "txn": txn or "",
        "at": "" if when is None else when.strftime("%Y-%m-%d %H:%M:%S"),
        "day": "2026-03-10",
        "status": "success",
    }
    assert write(record) == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))


def test_an_item_value_without_a_source_is_refused() -> None:
    with pytest.raises(ValueError, match="no source"):
        compile_json_items(El("items", Leaf("x", Code("nowhere", 0))), RETURN_SOURCES, {})
