"""JsonBankAdapter: a bank declared as JSON messages, written and read by the
engine: nested objects, amounts in fen, byte limits, constants, the order of
the checks, sealed bodies."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from ningxia_yikatong.banks import JsonBankAdapter, ReturnRecord, ReturnStatus
from ningxia_yikatong.banks.formats import (
    Body,
    Code,
    Const,
    Date,
    DateTime,
    El,
    Fen,
    Integer,
    Items,
    JsonMessage,
    Leaf,
    Sign,
    Text,
    signing_string,
)
from ningxia_yikatong.errors import AdapterError, BankFileError
from ningxia_yikatong.testing.conformance import KitKeys, kit_batch

DAY = dt.date(2026, 3, 10)
_ENVELOPE = (
    Leaf("rid", Code("msg_id", 40)),
    Leaf("ver", Const("version", 0, value="2")),
    Leaf("ts", DateTime("created")),
    Body("data"),
    Sign("signature"),
)


class _FenBank(JsonBankAdapter):
    """Amounts in fen, the figures in a nested object, names of at most 30 bytes."""

    code: ClassVar[str] = "bonx"  # a registered bank code, for its batches
    name: ClassVar[str] = "分行示例"
    signature_scheme: ClassVar[str] = "SM2-SM3"
    instruction_file_name: ClassVar[str] = "FB_{batch_id}.json"
    return_file_name: ClassVar[str] = "FB_R_{batch_id}.json"
    instruction_message: ClassVar[JsonMessage] = JsonMessage(
        "/pay",
        envelope=_ENVELOPE,
        body=(
            Leaf("batch", Code("batch_id", 32)),
            Leaf("kind", Const("kind", 0, value="DF")),
            El(
                "payer",
                Leaf("acct", Code("payer_account", 0)),
                Leaf("name", Text("payer_name", 0)),
            ),
            Leaf("day", Date("pay_date")),
            El("sum", Leaf("n", Integer("count", 0)), Leaf("fen", Fen("total", 0))),
            Items(
                El(
                    "list",
                    Leaf("no", Integer("seq", 0)),
                    Leaf("acct", Code("account", 0)),
                    Leaf("name", Text("name", 30)),
                    Leaf("id", Code("id_number", 0)),
                    Leaf("fen", Fen("amount", 0)),
                    Leaf("memo", Text("memo", 0)),
                )
            ),
        ),
        kind="付款报文",
    )
    return_message: ClassVar[JsonMessage] = JsonMessage(
        "/pay/result",
        envelope=_ENVELOPE,
        body=(
            Leaf("batch", Code("batch_id", 32)),
            El("sum", Leaf("n", Integer("count", 0)), Leaf("fen", Fen("total", 0))),
            Items(
                El(
                    "list",
                    Leaf("no", Integer("seq", 0)),
                    Leaf("acct", Code("account", 0)),
                    Leaf("name", Text("name", 30)),
                    Leaf("fen", Fen("amount", 0)),
                    Leaf("code", Code("code", 4)),
                    Leaf("msg", Text("message", 0)),
                    Leaf("txn", Code("txn_id", 0)),
                    Leaf("at", DateTime("settled_at")),
                )
            ),
        ),
        kind="回盘报文",
    )
    return_extra: ClassVar[dict[str, str]] = {"rid": "msg_id", "ts": "created"}
    status_codes: ClassVar[dict[ReturnStatus, tuple[str, str]]] = {
        ReturnStatus.SUCCESS: ("0000", "成功"),
        ReturnStatus.FROZEN: ("3001", "冻结"),
        ReturnStatus.OTHER: ("9999", "其他"),
    }
    return_codes: ClassVar[dict[str, ReturnStatus]] = {
        code: status for status, (code, _) in status_codes.items()
    }


class _SealedBank(_FenBank):
    instruction_message: ClassVar[JsonMessage] = JsonMessage(
        "/pay",
        envelope=(*_ENVELOPE[:3], Body("data", sealed=True), Sign("signature")),
        body=_FenBank.instruction_message.body,
    )


@pytest.fixture(scope="module")
def keys() -> KitKeys:
    return KitKeys.for_scheme("SM2-SM3")


def _records(adapter: JsonBankAdapter, n: int = 3) -> tuple[Any, list[ReturnRecord]]:
    batch = kit_batch(adapter, n, names={1: "马·阿里"})
    records = [
        ReturnRecord(
            i.seq,
            str(i.beneficiary.account.number),
            str(i.beneficiary.account.holder_name),
            Decimal(i.amount),
            ReturnStatus.SUCCESS if i.seq % 2 else ReturnStatus.FROZEN,
            *adapter.code_for(ReturnStatus.SUCCESS if i.seq % 2 else ReturnStatus.FROZEN),
            f"T{i.seq}" if i.seq % 2 else None,
            dt.datetime(2026, 3, 10, 9, 0, i.seq) if i.seq % 2 else None,
        )
        for i in batch.items
    ]
    return batch, records


def _resign(adapter: JsonBankAdapter, params: dict[str, Any], signer: Any, path: str) -> bytes:
    params = {k: v for k, v in params.items() if k != "signature"}
    signature = signer.sign(signing_string(path, {**params, "sign": ""}))
    params["signature"] = base64.b64encode(signature).decode()
    return json.dumps(params, ensure_ascii=False).encode()


def test_round_trip_with_fen_and_nested_objects(keys: KitKeys) -> None:
    adapter = _FenBank()
    batch, records = _records(adapter)
    payment = adapter.render(batch, keys.department, created=DAY)
    params = json.loads(payment.content)
    assert list(params) == sorted(params)
    assert (params["rid"], params["ver"], params["ts"]) == (
        f"{batch.batch_id}-0001",
        "2",
        "20260310000000",
    )
    body = json.loads(params["data"])
    assert body["sum"] == {"n": 3, "fen": str(int(batch.total * 100))}
    assert body["kind"] == "DF"
    got = adapter.read_instructions(payment, keys.department_verifier)
    assert [(r.seq, r.amount, r.name) for r in got.records] == [
        (i.seq, i.amount, i.beneficiary.account.holder_name) for i in batch.items
    ]
    assert (got.count, got.total, got.pay_date) == (3, batch.total, batch.pay_date or DAY)
    files = adapter.write_return(batch.batch_id, records, keys.bank, created=DAY)
    back = adapter.parse_return(files, keys.bank_verifier, batch_id=batch.batch_id)
    fields = [
        "seq",
        "account",
        "name",
        "amount",
        "status",
        "raw_code",
        "raw_message",
        "bank_txn_id",
        "settled_at",
    ]
    assert [tuple(getattr(r, f) for f in fields) for r in back.records] == [
        tuple(getattr(r, f) for f in fields) for r in records
    ]
    assert back.extra == {"rid": f"{batch.batch_id}-0001", "ts": dt.datetime(2026, 3, 10)}


def test_text_over_its_byte_limit_is_refused_when_written(keys: KitKeys) -> None:
    adapter = _FenBank()
    batch = kit_batch(adapter, 3, names={2: "欧阳娜娜娜娜娜娜娜娜娜"})  # 33 bytes in UTF-8
    with pytest.raises(BankFileError) as info:
        adapter.render(batch, keys.department)
    assert info.value.code == "bankfile.field_too_long"
    assert [d.location.path for d in info.value.details] == ["name"]


def _response(adapter: JsonBankAdapter, keys: KitKeys) -> tuple[Any, str, dict[str, Any]]:
    batch, records = _records(adapter)
    ((name, data),) = adapter.write_return(batch.batch_id, records, keys.bank).items()
    return batch, name, json.loads(data)


def _changed(params: dict[str, Any], change: Any) -> dict[str, Any]:
    body = json.loads(params["data"])
    change(body)
    return {**params, "data": json.dumps(body, ensure_ascii=False)}


@pytest.mark.parametrize(
    ("change", "code", "pointer"),
    [
        (
            lambda b: b["list"][1].update(name="欧阳娜娜娜娜娜娜娜娜娜"),
            "bankfile.field_too_long",
            "/data/list/1/name",
        ),
        (lambda b: b["list"][0].update(code="A.1"), "bankfile.field_code", "/data/list/0/code"),
        (lambda b: b["list"][2].update(fen="1.00"), "bankfile.amount", "/data/list/2/fen"),
        (lambda b: b["sum"].pop("n"), "bankfile.missing", "/data/sum/n"),
        (lambda b: b["sum"].update(x=1), "bankfile.unexpected", "/data/sum/x"),
        (lambda b: b.update(sum=[]), "bankfile.json_type", "/data/sum"),
        (lambda b: b["sum"].update(n=4), "bankfile.count_mismatch", "/data/sum/n"),
        (lambda b: b["sum"].update(fen="1"), "bankfile.total_mismatch", "/data/sum/fen"),
        (lambda b: b["list"][1].update(at="2026-03-10"), "bankfile.datetime", "/data/list/1/at"),
    ],
)
def test_a_bad_response_names_the_pointer(
    keys: KitKeys, change: Any, code: str, pointer: str
) -> None:
    adapter = _FenBank()
    _, name, params = _response(adapter, keys)
    data = _resign(adapter, _changed(params, change), keys.bank, "/pay/result")
    with pytest.raises(BankFileError) as info:
        adapter.parse_return({name: data}, keys.bank_verifier)
    assert (info.value.code, info.value.location.path) == (code, pointer)


def test_constants_are_refused_with_their_default_codes(keys: KitKeys) -> None:
    adapter = _FenBank()
    batch = kit_batch(adapter, 2)
    params = json.loads(adapter.render(batch, keys.department).content)
    with pytest.raises(BankFileError) as info:
        adapter.read_instructions(
            {"p.json": _resign(adapter, {**params, "ver": "3"}, keys.department, "/pay")},
            keys.department_verifier,
        )
    assert (info.value.code, info.value.location.path) == ("bankfile.parameter", "/ver")
    assert info.value.message == "ver 应为 2"
    changed = _changed(params, lambda b: b.update(kind="XX"))
    with pytest.raises(BankFileError) as info:
        adapter.read_instructions(
            {"p.json": _resign(adapter, changed, keys.department, "/pay")},
            keys.department_verifier,
        )
    assert (info.value.code, info.value.location.path) == ("bankfile.const", "/data/kind")


def test_a_response_for_another_batch_is_refused_before_its_figures(keys: KitKeys) -> None:
    adapter = _FenBank()
    batch, name, params = _response(adapter, keys)
    # another batch, another request id, a wrong count and a bad item: the batch first
    changed = _changed(
        params,
        lambda b: (b.update(batch="OTHER"), b["sum"].update(n=9), b["list"][0].update(fen="x")),
    )
    data = _resign(adapter, changed, keys.bank, "/pay/result")
    with pytest.raises(BankFileError) as info:
        adapter.parse_return({name: data}, keys.bank_verifier, batch_id=batch.batch_id)
    assert (info.value.code, info.value.location.path) == ("bankfile.batch_mismatch", "/data/batch")
    # without batch_id: the request id the envelope carries does not belong to it
    with pytest.raises(BankFileError) as info:
        adapter.parse_return({name: data}, keys.bank_verifier)
    assert (info.value.code, info.value.location.path) == ("bankfile.msg_id", "/rid")
    with pytest.raises(BankFileError) as info:
        adapter.parse_return({name: data}, keys.bank_verifier, msg_id="OTHER-0001")
    assert (info.value.code, info.value.location.path) == ("bankfile.msg_id", "/rid")


def test_a_sealed_body_needs_the_bank_keys(keys: KitKeys) -> None:
    batch = kit_batch(_SealedBank(), 2)
    with pytest.raises(AdapterError) as info:
        _SealedBank().render(batch, keys.department)
    assert info.value.code == "adapter.config"
    adapter = _SealedBank.for_conformance(department=keys.department, bank=keys.bank)
    assert isinstance(adapter, _SealedBank)
    payment = adapter.render(batch, keys.department, created=DAY)
    assert "list" not in json.loads(payment.content)["data"]  # Base64 of the sealed text
    assert adapter.read_instructions(payment, keys.department_verifier).count == 2
    with pytest.raises(AdapterError) as info:
        _SealedBank(bank_public_key=adapter.bank_public_key).read_instructions(
            payment, keys.department_verifier
        )
    assert info.value.code == "adapter.config"
    with pytest.raises(AdapterError):
        _SealedBank(bank_private_key=keys.department)  # type: ignore[arg-type]
    # the unsealed bank plays both sides without keys
    assert type(_FenBank.for_conformance(department=keys.department, bank=keys.bank)) is _FenBank


def test_one_json_file_per_message(keys: KitKeys) -> None:
    with pytest.raises(BankFileError) as info:
        _FenBank().parse_return({"a.json": b"{}", "b.json": b"{}"}, keys.bank_verifier)
    assert (info.value.code, info.value.message) == ("bankfile.files", "回盘报文应为一个JSON文件")
