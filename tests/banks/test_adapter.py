"""The adapter contract as RecordFileAdapter implements it: render, read,
write and parse, configuration, and the property that parse(render(batch))
gives back every item exactly."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ningxia_yikatong.bank import AccountNumber, BankCode
from ningxia_yikatong.banks import (
    BankAdapter,
    BankConfig,
    BankReturn,
    ReturnRecord,
    ReturnStatus,
    get_adapter,
)
from ningxia_yikatong.banks.abc import AbcAdapter
from ningxia_yikatong.errors import AdapterError, BankFileError, ModelError, SignatureError
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.signing import HmacSigner, Verifier
from ningxia_yikatong.testing.strategies import payout_batches

BUILT_IN = ("abc", "icbc", "nxrcb", "psbc")
MakeAdapter = Callable[..., BankAdapter]
MakeBatch = Callable[..., PayoutBatch]


def _gbk_refused(batch: PayoutBatch, encoding: str) -> set[int]:
    return {
        item.seq for item in batch if not item.beneficiary.account.holder_name.encodable(encoding)
    }


@pytest.mark.parametrize("code", BUILT_IN)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_parse_render_gives_back_every_item(
    code: str, data: st.DataObject, hmac_adapter: MakeAdapter, keys: Any
) -> None:
    adapter = hmac_adapter(code)
    batch = data.draw(payout_batches(max_items=12)).model_copy(
        update={"agent_bank": BankCode(code)}
    )
    refused = _gbk_refused(batch, adapter.encoding)
    if refused:
        with pytest.raises(BankFileError) as info:
            adapter.render(batch, keys.department)
        assert info.value.code == "bankfile.unrepresentable"
        assert {d.location.record for d in info.value.details} == refused
        return
    payment = adapter.render(batch, keys.department)
    read = adapter.read_instructions(payment, keys.department_verifier)
    assert [(r.seq, r.id_number, r.name, r.account, r.amount, r.memo) for r in read.records] == [
        (
            i.seq,
            i.beneficiary.id_number,
            i.beneficiary.account.holder_name,
            i.beneficiary.account.number,
            i.amount,
            i.memo or None,
        )
        for i in batch
    ]
    assert (read.batch_id, read.count, read.total) == (batch.batch_id, batch.count, batch.total)
    assert read.payer_account == batch.payer_account
    statuses = list(adapter.reportable_statuses)
    records = [
        ReturnRecord(
            seq=r.seq,
            account=r.account,
            name=r.name,
            amount=r.amount,
            status=statuses[r.seq % len(statuses)],
            raw_code=adapter.code_for(statuses[r.seq % len(statuses)])[0],
            raw_message=adapter.code_for(statuses[r.seq % len(statuses)])[1],
        )
        for r in read.records
    ]
    files = adapter.write_return(batch.batch_id, records, keys.bank)
    back = adapter.parse_return(files, keys.bank_verifier, batch_id=batch.batch_id)
    assert [(r.seq, r.account, r.name, r.amount, r.status) for r in back.records] == [
        (r.seq, r.account, r.name, r.amount, r.status) for r in records
    ]


@pytest.mark.parametrize("code", BUILT_IN)
def test_limits_and_payer(
    code: str, hmac_adapter: MakeAdapter, make_batch: MakeBatch, keys: Any
) -> None:
    batch = make_batch(5, code)
    amounts = sorted(item.amount for item in batch)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"max_items": 4}, "adapter.limit_items"),
        ({"max_total": str(batch.total - Decimal("0.01"))}, "adapter.limit_total"),
        ({"max_item_amount": str(amounts[2])}, "adapter.limit_item"),
        ({"payer_account": "6222000000000000000"}, "adapter.payer_mismatch"),
    ]
    for config, error in cases:
        with pytest.raises(AdapterError) as info:
            hmac_adapter(code, **config).render(batch, keys.department)
        assert info.value.code == error
        assert "6222000000000000000" not in str(info.value)
    with pytest.raises(AdapterError) as info:
        hmac_adapter(code, max_item_amount=str(amounts[2])).render(batch, keys.department)
    assert {d.location.record for d in info.value.details} == {
        i.seq for i in batch if i.amount > amounts[2]
    }
    ok = hmac_adapter(code, max_items=5, payer_account=str(batch.payer_account), file_sequence=7)
    assert "_007." in ok.render(batch, keys.department).main


def test_other_bank_and_scheme_refused(make_batch: MakeBatch, keys: Any) -> None:
    batch = make_batch(2, "psbc")
    with pytest.raises(AdapterError) as info:
        get_adapter("abc", BankConfig(signature_scheme="HMAC-SHA256")).render(
            batch, keys.department
        )
    assert info.value.code == "adapter.bank_mismatch"
    with pytest.raises(AdapterError) as info:
        get_adapter("psbc").render(batch, keys.department)
    assert info.value.code == "adapter.signature_scheme"


def test_file_name_template(hmac_adapter: MakeAdapter, make_batch: MakeBatch, keys: Any) -> None:
    batch = make_batch(2, "nxrcb")
    adapter = hmac_adapter("nxrcb", file_name_template="{bank}-{batch_id}-{sequence:05d}.txt")
    payment = adapter.render(batch, keys.department)
    assert payment.main == f"nxrcb-{batch.batch_id}-00001.txt"
    assert set(payment.files) == {payment.main, payment.main + ".sig"}
    with pytest.raises(AdapterError, match="文件名模板"):
        hmac_adapter("nxrcb", file_name_template="{nope}").render(batch, keys.department)


def test_config_is_validated() -> None:
    with pytest.raises(ModelError):
        BankConfig(file_sequence=0)
    with pytest.raises(ModelError):
        BankConfig(max_item_amount="1.234")
    assert BankConfig(payer_account="6222 0000 0000").payer_account == AccountNumber("622200000000")


@pytest.mark.parametrize("code", BUILT_IN)
def test_signature_and_file_set_problems(
    code: str, hmac_adapter: MakeAdapter, make_batch: MakeBatch, keys: Any
) -> None:
    adapter = hmac_adapter(code)
    payment = adapter.render(make_batch(3, code), keys.department)
    main, sig = payment.main, payment.main + ".sig"
    other = HmacSigner(b"x" * 32, digest="sha256").verifier()
    with pytest.raises(SignatureError) as s_info:
        adapter.read_instructions(payment, other)
    assert s_info.value.location.file == sig
    cases: list[tuple[dict[str, bytes], type[Exception], str]] = [
        ({main: payment.content}, BankFileError, "bankfile.signature_missing"),
        ({**payment.files, "x.txt": b"1"}, BankFileError, "bankfile.files"),
        ({}, BankFileError, "bankfile.files"),
        ({main: payment.content, sig: b"%%%"}, SignatureError, "signature.format"),
        (
            {main: payment.content + b"\r\n", sig: payment.files[sig]},
            SignatureError,
            "signature.mismatch",
        ),
    ]
    for files, kind, error in cases:
        with pytest.raises(kind) as info:
            adapter.read_instructions(files, keys.department_verifier)
        assert getattr(info.value, "code", None) == error


@pytest.mark.parametrize("code", BUILT_IN)
def test_return_problems(code: str, hmac_adapter: MakeAdapter, keys: Any) -> None:
    adapter = hmac_adapter(code)
    ok, ok_msg = adapter.code_for(ReturnStatus.SUCCESS)
    records = [
        ReturnRecord(
            i, "6222000000000000000", "张三", Decimal("1.00"), ReturnStatus.SUCCESS, ok, ok_msg
        )
        for i in (1, 2, 2)
    ]
    files = adapter.write_return("B1", records, keys.bank)
    with pytest.raises(BankFileError) as info:
        adapter.parse_return(files, keys.bank_verifier)
    assert info.value.code == "bankfile.seq_duplicate"
    assert info.value.location.record == 3
    files = adapter.write_return("B1", records[:2], keys.bank)
    assert adapter.parse_return(files, keys.bank_verifier).batch_id == "B1"
    with pytest.raises(BankFileError) as info:
        adapter.parse_return(files, keys.bank_verifier, batch_id="B2")
    assert info.value.code == "bankfile.batch_mismatch"
    assert adapter.status_of("no-such-code") is ReturnStatus.OTHER


def test_status_codes_cover_every_status() -> None:
    for code in BUILT_IN:
        adapter = get_adapter(code)
        assert set(adapter.reportable_statuses) == set(ReturnStatus)
        for status in ReturnStatus:
            raw, message = adapter.code_for(status)
            assert adapter.status_of(raw) is status
            assert message


def test_unreportable_status(hmac_adapter: MakeAdapter) -> None:
    class Small(AbcAdapter):
        status_codes: ClassVar[dict[ReturnStatus, tuple[str, str]]] = {
            ReturnStatus.SUCCESS: ("0000", "成功")
        }

    with pytest.raises(AdapterError) as info:
        Small().code_for(ReturnStatus.FROZEN)
    assert info.value.code == "adapter.status_unsupported"


def test_signature_file_is_base64_of_the_signers_signature(
    hmac_adapter: MakeAdapter, make_batch: MakeBatch, keys: Any
) -> None:
    payment = hmac_adapter("abc").render(make_batch(2, "abc"), keys.department)
    sig = base64.b64decode(payment.files[payment.main + ".sig"], validate=True)
    assert sig == keys.department.sign(payment.content)
    assert payment.digest_algorithm == "SHA256"
    assert len(payment.digest) == 64
    assert payment.signature_algorithm == "HMAC-SHA256"
    assert payment.key_fingerprint == keys.department.key_fingerprint


TEXT_BANKS = ("abc", "nxrcb", "psbc")


@pytest.mark.parametrize("code", TEXT_BANKS)
def test_sniff_recognises_a_text_banks_own_files_only(
    code: str, hmac_adapter: MakeAdapter, make_batch: MakeBatch, keys: Any
) -> None:
    adapter = hmac_adapter(code)
    payment = adapter.render(make_batch(3, code), keys.department)
    returned = adapter.write_return(
        payment.batch_id,
        [ReturnRecord(1, "6217000012345678901", "马兰", Decimal("1.00"), ReturnStatus.SUCCESS,
                      *adapter.code_for(ReturnStatus.SUCCESS))],
        keys.bank,
    )  # fmt: skip
    for data in (payment.files[payment.main], next(v for k, v in returned.items()
                                                   if not k.endswith(".sig"))):  # fmt: skip
        assert type(adapter).sniff(data)
        for other in (*BUILT_IN, "ccb", "boc", "bonx"):
            if other != code:
                assert not type(get_adapter(other)).sniff(data), other
    assert not type(adapter).sniff(b"")
    assert not type(adapter).sniff(b"\xff\xfe junk \r\n")


def test_another_banks_file_is_named(
    hmac_adapter: MakeAdapter, make_batch: MakeBatch, keys: Any
) -> None:
    psbc, nxrcb = hmac_adapter("psbc"), hmac_adapter("nxrcb")
    payment = psbc.render(make_batch(3, "psbc"), keys.department)
    with pytest.raises(BankFileError) as caught:
        nxrcb.read_instructions(payment.files, keys.department_verifier)
    assert "看起来是中国邮政储蓄银行的文件" in caught.value.message
    assert caught.value.code == "bankfile.record_type"  # the code stays the same
    assert caught.value.location.file == payment.main
    returned = psbc.write_return(payment.batch_id, [], keys.bank)
    with pytest.raises(BankFileError, match="看起来是中国邮政储蓄银行的文件"):
        nxrcb.parse_return(returned, keys.bank_verifier)


def test_a_file_no_bank_recognises_gets_no_hint(hmac_adapter: MakeAdapter, keys: Any) -> None:
    data = b"01 not a bank file\r\n"
    files = {"x.dat": data, "x.dat.sig": base64.b64encode(keys.bank.sign(data))}
    with pytest.raises(BankFileError) as caught:
        hmac_adapter("nxrcb").parse_return(files, keys.bank_verifier)
    assert "看起来是" not in caught.value.message


ALL_BANKS = ("abc", "icbc", "nxrcb", "psbc", "ccb", "boc", "bonx")


@pytest.mark.parametrize("code", ALL_BANKS)
def test_wrong_argument_types_are_adapter_errors(
    code: str, make_batch: MakeBatch, keys: Any
) -> None:
    """Every adapter, through the one guard of the base class: a wrong type
    names the expected and the given type, never a bare TypeError."""
    from ningxia_yikatong.banks import PaymentFile

    adapter = get_adapter(code)
    batch = make_batch(2, code)
    signer, verifier = keys.department, keys.department_verifier
    payment = PaymentFile(
        bank=code,
        batch_id=batch.batch_id,
        main="a",
        files={"a": b"x"},
        count=1,
        total=Decimal("1.00"),
        digest="00",
        digest_algorithm="SM3",
        signature_algorithm="HMAC-SHA256",
        key_fingerprint="00",
    )
    calls: list[tuple[Callable[[], object], str, str]] = [
        (lambda: adapter.parse_return(payment, verifier), "files", "PaymentFile"),  # type: ignore[arg-type]
        (lambda: adapter.parse_return(b"x", verifier), "files", "bytes"),  # type: ignore[arg-type]
        (lambda: adapter.parse_return({1: b"x"}, verifier), "files", "dict"),  # type: ignore[dict-item]
        (lambda: adapter.parse_return({"a": b"x"}, None), "verifier", "NoneType"),  # type: ignore[arg-type]
        (lambda: adapter.parse_return({"a": b"x"}, verifier, batch_id=7), "batch_id", "int"),  # type: ignore[arg-type]
        (lambda: adapter.read_instructions("a.txt", verifier), "payment", "str"),  # type: ignore[arg-type]
        (lambda: adapter.read_instructions({"a": b"x"}, signer.sign), "verifier", "method"),
        (lambda: adapter.render(list(batch.items), signer), "batch", "list"),  # type: ignore[arg-type]
        (lambda: adapter.render(batch, verifier), "signer", "HmacVerifier"),
        (lambda: adapter.render(batch, signer, created="2026-03-10"), "created", "str"),  # type: ignore[arg-type]
        (lambda: adapter.write_return(None, [], signer), "batch_id", "NoneType"),  # type: ignore[arg-type]
        (lambda: adapter.write_return("B1", "records", signer), "records", "str"),  # type: ignore[arg-type]
        (lambda: adapter.write_return("B1", [object()], signer), "records", "list"),  # type: ignore[list-item]
        (lambda: adapter.status_of(None), "raw_code", "NoneType"),  # type: ignore[arg-type]
        (lambda: adapter.code_for("success"), "status", "str"),  # type: ignore[arg-type]
        (lambda: adapter.check_batch(None), "batch", "NoneType"),  # type: ignore[arg-type]
        (lambda: adapter.check_signer(b"key", "签名密钥"), "key", "bytes"),  # type: ignore[arg-type]
    ]
    for call, name, kind in calls:
        with pytest.raises(AdapterError) as info:
            call()
        assert info.value.code == "adapter.argument_type"
        message = str(info.value)
        assert f"参数 {name} 应为 " in message
        assert f"实际为 {kind}" in message
    with pytest.raises(AdapterError) as info:
        type(adapter)(config={"payer_name": "x"})  # type: ignore[arg-type]
    assert info.value.code == "adapter.argument_type"


def test_an_integrators_adapter_is_guarded_too(keys: Any) -> None:
    class Minimal(AbcAdapter):
        code: ClassVar[str] = "abc"

        def parse_return(
            self, files: Mapping[str, bytes], verifier: Verifier, *, batch_id: str | None = None
        ) -> BankReturn:
            return super().parse_return(files, verifier, batch_id=batch_id)

    with pytest.raises(AdapterError) as info:
        Minimal().parse_return(["a"], keys.bank_verifier)  # type: ignore[arg-type]
    assert info.value.code == "adapter.argument_type"
    assert "abc.parse_return 的参数 files 应为 Mapping[str, bytes]，实际为 list" in str(info.value)
    with pytest.raises(TypeError):  # a wrong number of arguments stays Python's own error
        Minimal().parse_return()  # type: ignore[call-arg]
