"""宁夏银行: open-API JSON, SM2-SM3 signed, business content sealed with SM4-GCM."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from ningxia_yikatong.banks import (
    BankSimulator,
    OutcomeRules,
    ReturnRecord,
    ReturnStatus,
    _json,
    _jsonbank,
    get_adapter,
)
from ningxia_yikatong.banks.bonx import BonxAdapter, signing_string
from ningxia_yikatong.errors import AdapterError, BankFileError, SealError, SignatureError
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.signing import Sm2PrivateKey, generate_sm2_key, open_sealed, seal
from ningxia_yikatong.testing.conformance import KitKeys, kit_batch
from ningxia_yikatong.testing.strategies import payout_batches

DAY = dt.date(2026, 3, 10)


@pytest.fixture(scope="module")
def keys() -> KitKeys:
    return KitKeys.for_scheme("SM2-SM3")


@pytest.fixture(scope="module")
def seal_key() -> Sm2PrivateKey:
    return generate_sm2_key()


def _sign(params: dict[str, Any], signer: Any, path: str = BonxAdapter.api_path) -> bytes:
    params = {k: v for k, v in params.items() if k != "sign"}
    params["sign"] = base64.b64encode(signer.sign(signing_string(path, params))).decode()
    return json.dumps(params, ensure_ascii=False).encode()


def test_signing_string_skips_empty_and_sign() -> None:
    params = {"timestamp": "2026-03-10 00:00:00", "app_id": "A1", "biz_content": "", "sign": "x"}
    assert signing_string("/api/x", params) == b"/api/x?app_id=A1&timestamp=2026-03-10 00:00:00"


def test_registered_and_needs_keys(keys: KitKeys) -> None:
    adapter = get_adapter("bonx")
    assert isinstance(adapter, BonxAdapter)
    with pytest.raises(AdapterError) as info:
        adapter.render(kit_batch(adapter, 1), keys.department)
    assert info.value.code == "adapter.config"
    with pytest.raises(AdapterError):
        adapter.read_instructions({"x.json": b"{}"}, keys.department_verifier)
    with pytest.raises(AdapterError):
        BonxAdapter(app_id="应用")


def test_request_layout_and_independent_check(keys: KitKeys, seal_key: Sm2PrivateKey) -> None:
    adapter = BonxAdapter(bank_public_key=seal_key.public_key(), app_id="NXCZT001")
    batch = kit_batch(adapter, 2)
    payment = adapter.render(batch, keys.department, created=DAY)
    params = json.loads(payment.content)
    assert sorted(params) == sorted(
        [
            "app_id",
            "msg_id",
            "format",
            "charset",
            "sign_type",
            "encrypt_type",
            "timestamp",
            "biz_content",
            "sign",
        ]
    )
    assert params["app_id"] == "NXCZT001"
    assert params["msg_id"] == f"{batch.batch_id}-0001"
    assert (params["sign_type"], params["charset"], params["format"]) == ("SM2", "UTF-8", "json")
    # the signature is SM2-SM3 over path?sorted params, checkable without the adapter
    keys.department_verifier.verify(
        signing_string(adapter.api_path, params), base64.b64decode(params["sign"])
    )
    # names are not readable in the request: the body is sealed
    assert batch.items[0].beneficiary.account.holder_name.encode() not in payment.content
    assert str(batch.items[0].beneficiary.id_number).encode() not in payment.content


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=payout_batches(max_items=5))
def test_roundtrip(batch: PayoutBatch, keys: KitKeys, seal_key: Sm2PrivateKey) -> None:
    batch = batch.model_copy(update={"agent_bank": "bonx"})
    adapter = BonxAdapter(bank_private_key=seal_key)
    payment = adapter.render(batch, keys.department)
    got = adapter.read_instructions(payment, keys.department_verifier)
    assert [(r.seq, r.id_number, r.name, r.account, r.amount, r.memo) for r in got.records] == [
        (
            i.seq,
            i.beneficiary.id_number,
            i.beneficiary.account.holder_name,
            i.beneficiary.account.number,
            i.amount,
            i.memo or None,
        )
        for i in batch.items
    ]
    assert (got.batch_id, got.count, got.total) == (batch.batch_id, batch.count, batch.total)


def test_every_status_through_the_simulator(keys: KitKeys, seal_key: Sm2PrivateKey) -> None:
    adapter = BonxAdapter(bank_private_key=seal_key)
    statuses = list(adapter.reportable_statuses)
    batch = kit_batch(adapter, len(statuses))
    rules = {
        str(i.beneficiary.account.number): s for i, s in zip(batch.items, statuses, strict=True)
    }
    sim = BankSimulator(
        adapter, keys.bank, keys.department_verifier, rules=OutcomeRules(accounts=rules)
    )
    files = sim.process(adapter.render(batch, keys.department, created=DAY), created=DAY)
    result = adapter.parse_return(files, keys.bank_verifier, batch_id=batch.batch_id)
    assert [r.status for r in result.records] == statuses
    assert result.extra["msg_id"] == adapter.msg_id(batch.batch_id)
    assert result.records[0].settled_at == dt.datetime(2026, 3, 10, 10, 0)


def _response(adapter: BonxAdapter, keys: KitKeys) -> tuple[PayoutBatch, str, dict[str, Any]]:
    batch = kit_batch(adapter, 2)
    records = [
        ReturnRecord(
            i.seq,
            str(i.beneficiary.account.number),
            str(i.beneficiary.account.holder_name),
            Decimal(i.amount),
            ReturnStatus.SUCCESS,
            "0000",
            "成功",
            f"T{i.seq}",
            None,
        )
        for i in batch.items
    ]
    ((name, data),) = adapter.write_return(batch.batch_id, records, keys.bank, created=DAY).items()
    return batch, name, json.loads(data)


def test_response_for_another_msg_id_refused(keys: KitKeys, seal_key: Sm2PrivateKey) -> None:
    adapter = BonxAdapter(bank_private_key=seal_key)
    batch, name, params = _response(adapter, keys)
    data = json.dumps(params).encode()
    with pytest.raises(BankFileError) as info:
        adapter.parse_return({name: data}, keys.bank_verifier, msg_id="ANOTHER-0001")
    assert (info.value.code, info.value.location.path) == ("bankfile.msg_id", "/msg_id")
    # a correctly signed response whose msg_id does not belong to its batch
    params["msg_id"] = "SOMETHING-ELSE"
    with pytest.raises(BankFileError) as info:
        adapter.parse_return(
            {name: _sign(params, keys.bank, adapter.return_path)}, keys.bank_verifier
        )
    assert info.value.code == "bankfile.msg_id"
    assert (
        adapter.parse_return(
            {name: data}, keys.bank_verifier, msg_id=adapter.msg_id(batch.batch_id)
        ).count
        == 2
    )


def _biz_changed(params: dict[str, Any], change: Any) -> dict[str, Any]:
    biz = json.loads(params["response_biz_content"])
    change(biz)
    return {**params, "response_biz_content": json.dumps(biz, ensure_ascii=False)}


@pytest.mark.parametrize(
    ("change", "code", "pointer"),
    [
        (
            lambda b: b["items"][1].pop("ret_code"),
            "bankfile.missing",
            "/response_biz_content/items/1/ret_code",
        ),
        (
            lambda b: b["items"][0].update(extra="1"),
            "bankfile.unexpected",
            "/response_biz_content/items/0/extra",
        ),
        (
            lambda b: b["items"][1].update(amount="1.005"),
            "bankfile.amount",
            "/response_biz_content/items/1/amount",
        ),
        (
            lambda b: b["items"][1].update(seq="2"),
            "bankfile.json_type",
            "/response_biz_content/items/1/seq",
        ),
        (
            lambda b: b["items"][1].update(seq=1),
            "bankfile.seq_duplicate",
            "/response_biz_content/items/1/seq",
        ),
        (
            lambda b: b.update(total_num=3),
            "bankfile.count_mismatch",
            "/response_biz_content/total_num",
        ),
        (
            lambda b: b.update(total_amount="0.01"),
            "bankfile.total_mismatch",
            "/response_biz_content/total_amount",
        ),
        (lambda b: b.update(items={}), "bankfile.json_type", "/response_biz_content/items"),
    ],
)
def test_bad_response_names_the_pointer(
    keys: KitKeys, seal_key: Sm2PrivateKey, change: Any, code: str, pointer: str
) -> None:
    adapter = BonxAdapter(bank_private_key=seal_key)
    _, name, params = _response(adapter, keys)
    data = _sign(_biz_changed(params, change), keys.bank, adapter.return_path)
    with pytest.raises(BankFileError) as info:
        adapter.parse_return({name: data}, keys.bank_verifier)
    assert (info.value.code, info.value.location.path, info.value.location.file) == (
        code,
        pointer,
        name,
    )


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"a": 1, "a": 2}', "bankfile.json_duplicate"),
        (b'{"a": 1.5}', "bankfile.json_number"),
        (b'{"a": NaN}', "bankfile.json_number"),
        (b"\xff\xfe{}", "bankfile.encoding"),
        (b"[1, 2", "bankfile.json"),
        (b"[" * 100_000, "bankfile.json"),
        (b"[]", "bankfile.json_type"),
    ],
)
def test_strict_json(raw: bytes, code: str, keys: KitKeys) -> None:
    with pytest.raises(BankFileError) as info:
        BonxAdapter().parse_return({"r.json": raw}, keys.bank_verifier)
    assert info.value.code == code


def test_envelope_members_checked(keys: KitKeys, seal_key: Sm2PrivateKey) -> None:
    adapter = BonxAdapter(bank_private_key=seal_key)
    _, name, params = _response(adapter, keys)
    with pytest.raises(BankFileError) as info:
        adapter.parse_return({name: _sign({**params, "extra": "1"}, keys.bank)}, keys.bank_verifier)
    assert (info.value.code, info.value.location.path) == ("bankfile.unexpected", "/extra")
    del params["timestamp"]
    with pytest.raises(BankFileError) as info:
        adapter.parse_return({name: json.dumps(params).encode()}, keys.bank_verifier)
    assert (info.value.code, info.value.location.path) == ("bankfile.missing", "/timestamp")


def test_signature_and_seal(keys: KitKeys, seal_key: Sm2PrivateKey) -> None:
    adapter = BonxAdapter(bank_private_key=seal_key)
    batch = kit_batch(adapter, 2)
    payment = adapter.render(batch, keys.department, created=DAY)
    params = json.loads(payment.content)
    # any parameter changed: the signature fails
    with pytest.raises(SignatureError) as sig:
        adapter.read_instructions(
            {payment.main: json.dumps({**params, "timestamp": "2026-03-11 00:00:00"}).encode()},
            keys.department_verifier,
        )
    assert sig.value.location.path == "/sign"
    # a sealed body that fails authentication, even correctly signed
    sealed = bytearray(base64.b64decode(params["biz_content"]))
    sealed[-20] ^= 1
    forged = _sign(
        {**params, "biz_content": base64.b64encode(bytes(sealed)).decode()}, keys.department
    )
    with pytest.raises(SealError) as info:
        adapter.read_instructions({payment.main: forged}, keys.department_verifier)
    assert info.value.location.path == "/biz_content"
    # sealed for another bank key
    other = BonxAdapter(bank_public_key=generate_sm2_key().public_key()).render(
        batch, keys.department
    )
    with pytest.raises(SealError):
        adapter.read_instructions(other, keys.department_verifier)
    # a sealed body whose content is not the agreed JSON
    junk = _sign(
        {
            **params,
            "biz_content": base64.b64encode(
                seal(b'{"batch_id": 1}', seal_key.public_key())
            ).decode(),
        },
        keys.department,
    )
    with pytest.raises(BankFileError) as bad:
        adapter.read_instructions({payment.main: junk}, keys.department_verifier)
    assert bad.value.location.path == "/biz_content/chk_name"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=payout_batches(max_items=5))
def test_request_bytes_as_whole_text_would_be(
    batch: PayoutBatch, keys: KitKeys, seal_key: Sm2PrivateKey
) -> None:
    """The request, written, sealed and Base64-encoded piece by piece, is what
    ``json.dumps`` of the whole structures gives."""
    batch = batch.model_copy(update={"agent_bank": "bonx"})
    adapter = BonxAdapter(bank_private_key=seal_key)
    payment = adapter.render(batch, keys.department, created=DAY)
    params = json.loads(payment.content)
    assert (
        payment.content
        == json.dumps(params, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    )
    plain = open_sealed(base64.b64decode(params["biz_content"], validate=True), seal_key)
    expected = {
        "batch_id": batch.batch_id,
        "pay_acc_no": batch.payer_account,
        "pay_acc_name": batch.payer_name,
        "pay_date": (batch.pay_date or DAY).isoformat(),
        "total_num": batch.count,
        "total_amount": f"{batch.total:.2f}",
        "chk_name": "1",
        "items": [
            {
                "seq": i.seq,
                "acc_no": i.beneficiary.account.number,
                "acc_name": i.beneficiary.account.holder_name,
                "id_type": "01",
                "id_no": i.beneficiary.id_number,
                "amount": f"{i.amount:.2f}",
                "memo": i.memo or "",
            }
            for i in batch.items
        ],
    }
    assert plain == json.dumps(expected, ensure_ascii=False, separators=(",", ":")).encode()
    keys.department_verifier.verify(
        signing_string(adapter.api_path, params), base64.b64decode(params["sign"])
    )


def test_request_of_many_pieces(
    keys: KitKeys, seal_key: Sm2PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several item pieces and Base64 pieces (whose lengths are not multiples of 3
    before they are cut) join into one valid request."""
    monkeypatch.setattr(_jsonbank, "_CHUNK_ITEMS", 2)
    monkeypatch.setattr(_jsonbank, "_B64_CHUNK", 30)
    adapter = BonxAdapter(bank_private_key=seal_key)
    batch = kit_batch(adapter, 7)
    payment = adapter.render(batch, keys.department, created=DAY)
    got = adapter.read_instructions(payment, keys.department_verifier)
    assert [r.seq for r in got.records] == [i.seq for i in batch.items]
    assert (got.count, got.total) == (batch.count, batch.total)
    monkeypatch.undo()
    plain = open_sealed(
        base64.b64decode(json.loads(payment.content)["biz_content"], validate=True), seal_key
    )
    assert json.loads(plain)["items"][6]["seq"] == batch.items[6].seq


@pytest.mark.parametrize(
    "dump",
    [
        # members in another order, items first
        lambda b: json.dumps({"items": b["items"], **{k: v for k, v in b.items() if k != "items"}}),
        # whitespace everywhere JSON allows it
        lambda b: json.dumps(b, ensure_ascii=False, indent="\t").replace("\n", "\r\n ") + " \n",
        lambda b: " " + json.dumps(b, separators=(" , ", " : ")) + " ",
    ],
)
def test_response_items_read_one_at_a_time_as_whole(
    keys: KitKeys, seal_key: Sm2PrivateKey, dump: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The items of a response are read one at a time; any valid layout of the
    JSON text gives what reading it whole gives."""
    adapter = BonxAdapter(bank_private_key=seal_key)
    batch, name, params = _response(adapter, keys)
    expected = adapter.parse_return({name: json.dumps(params).encode()}, keys.bank_verifier)
    biz = json.loads(params["response_biz_content"])
    data = _sign({**params, "response_biz_content": dump(biz)}, keys.bank, adapter.return_path)
    whole = _json._Json.load
    loaded: list[str] = []

    def load(self: Any, data: bytes | str, pointer: str = "") -> Any:
        loaded.append(pointer)
        return whole(self, data, pointer)

    monkeypatch.setattr(_json._Json, "load", load)
    got = adapter.parse_return({name: data}, keys.bank_verifier, batch_id=batch.batch_id)
    assert loaded == [""]  # the envelope only: the result was not read whole
    assert got.records == expected.records
    assert (got.count, got.total, got.batch_id) == (2, batch.total, batch.batch_id)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"batch_id": "B", "items": [], "items": []}', "bankfile.json_duplicate"),
        ('{"items": [{"seq": 1.5}]}', "bankfile.json_number"),
        ('{"items": [1, 2}', "bankfile.json"),
        ('{"items": [x]}', "bankfile.json"),
        ('{"batch_id": , "items": []}', "bankfile.json"),
        ('{"items": [] } x', "bankfile.json"),
        ('{"items": [],}', "bankfile.json"),
        ("\ufeff{}", "bankfile.json"),
        ('{"items": []}', "bankfile.missing"),
    ],
)
def test_response_text_problems_named_as_whole(
    keys: KitKeys, seal_key: Sm2PrivateKey, text: str, code: str
) -> None:
    adapter = BonxAdapter(bank_private_key=seal_key)
    _, name, params = _response(adapter, keys)
    data = _sign({**params, "response_biz_content": text}, keys.bank, adapter.return_path)
    with pytest.raises(BankFileError) as info:
        adapter.parse_return({name: data}, keys.bank_verifier)
    assert info.value.code == code
    assert (info.value.location.path or "").startswith("/response_biz_content")


def test_response_values_read_item_by_item(keys: KitKeys, seal_key: Sm2PrivateKey) -> None:
    """Codes, messages and times that repeat or change from item to item are
    each read as written."""
    adapter = BonxAdapter(bank_private_key=seal_key)
    batch = kit_batch(adapter, 6)
    times = [dt.datetime(2026, 3, 10, 10, 0), None, None, dt.datetime(2026, 3, 10, 10, 1)] * 2
    statuses = [ReturnStatus.SUCCESS, ReturnStatus.FROZEN, ReturnStatus.FROZEN] * 2
    records = [
        ReturnRecord(
            i.seq,
            str(i.beneficiary.account.number),
            str(i.beneficiary.account.holder_name),
            Decimal(i.amount),
            status,
            *adapter.code_for(status),
            f"T{i.seq}",
            when,
        )
        for i, status, when in zip(batch.items, statuses, times, strict=False)
    ]
    files = adapter.write_return(batch.batch_id, records, keys.bank, created=DAY)
    got = adapter.parse_return(files, keys.bank_verifier, batch_id=batch.batch_id)
    assert [(r.status, r.raw_code, r.raw_message, r.settled_at) for r in got.records] == [
        (r.status, r.raw_code, r.raw_message, r.settled_at) for r in records
    ]


def _with_lone_surrogate(data: bytes, key: str) -> bytes:
    r"""The JSON text ``data`` with parameter ``key`` written as ``"\ud800"``."""
    params = json.loads(data)
    params[key] = "\ud800"
    return json.dumps(params).encode()


@pytest.mark.parametrize("key", ["timestamp", "app_id", "sign"])
def test_lone_surrogate_parameter_is_refused_before_the_signature(
    keys: KitKeys, seal_key: Sm2PrivateKey, key: str
) -> None:
    adapter = BonxAdapter(bank_private_key=seal_key)
    batch, name, params = _response(adapter, keys)
    data = _with_lone_surrogate(json.dumps(params).encode(), key)
    assert b"\\ud800" in data
    with pytest.raises(BankFileError) as info:
        adapter.parse_return({name: data}, keys.bank_verifier)
    assert (info.value.code, info.value.location.path) == ("bankfile.encoding", f"/{key}")
    payment = adapter.render(batch, keys.department, created=DAY)
    with pytest.raises(BankFileError) as info:
        adapter.read_instructions(
            {payment.main: _with_lone_surrogate(payment.content, key)}, keys.department_verifier
        )
    assert (info.value.code, info.value.location.path) == ("bankfile.encoding", f"/{key}")


def test_lone_surrogate_in_the_business_content_is_refused(
    keys: KitKeys, seal_key: Sm2PrivateKey
) -> None:
    adapter = BonxAdapter(bank_private_key=seal_key)
    _, name, params = _response(adapter, keys)
    changed = _biz_changed(params, lambda b: b["items"][1].update(acc_name="\udc00马"))
    changed["response_biz_content"] = changed["response_biz_content"].replace("\udc00", "\\udc00")
    with pytest.raises(BankFileError) as info:
        adapter.parse_return(
            {name: _sign(changed, keys.bank, adapter.return_path)}, keys.bank_verifier
        )
    assert (info.value.code, info.value.location.path) == (
        "bankfile.encoding",
        "/response_biz_content/items/1/acc_name",
    )
    # a pair written as escapes is one character, and welcome
    paired = _biz_changed(params, lambda b: b["items"][1].update(acc_name="马\U00020bb7"))
    paired["response_biz_content"] = json.dumps(json.loads(paired["response_biz_content"]))
    assert "\\ud842\\udfb7" in paired["response_biz_content"]
    result = adapter.parse_return(
        {name: _sign(paired, keys.bank, adapter.return_path)}, keys.bank_verifier
    )
    assert result.records[1].name == "马\U00020bb7"


def test_signing_string_refuses_text_utf8_cannot_carry() -> None:
    with pytest.raises(BankFileError) as info:
        signing_string("/p", {"a": "\ud800"})
    assert (info.value.code, info.value.location.path) == ("bankfile.encoding", "/a")


def test_signing_string_refuses_wrong_argument_types() -> None:
    for path, params in ((None, {}), ("/p", {"a": 1}), ("/p", [("a", "1")])):
        with pytest.raises(AdapterError) as info:
            signing_string(path, params)  # type: ignore[arg-type]
        assert info.value.code == "adapter.argument_type"
