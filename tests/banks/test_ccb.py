"""中国建设银行: direct-connect XML in GB18030 with an enveloped XML-DSig signature."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ningxia_yikatong.banks import (
    BankSimulator,
    OutcomeRules,
    ReturnRecord,
    ReturnStatus,
    get_adapter,
)
from ningxia_yikatong.banks._xmldsig import signature_xml
from ningxia_yikatong.banks.ccb import CcbAdapter
from ningxia_yikatong.errors import AdapterError, BankFileError, SignatureError
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.testing.conformance import KitKeys, kit_batch
from ningxia_yikatong.testing.strategies import payout_batches

DAY = dt.date(2026, 3, 10)


@pytest.fixture(scope="module")
def keys() -> KitKeys:
    return KitKeys.for_scheme("RSA-SHA256")


def _resign(adapter: CcbAdapter, data: bytes, keys: KitKeys, *, department: bool = True) -> bytes:
    """``data`` (changed by a test) with its signature made anew, so that the
    parser, not the signature, meets the change."""
    from ningxia_yikatong.banks._xml import XmlReader

    text = data.decode("gb18030")
    text = re.sub(r"<Signature .*</Signature>", "", text, flags=re.S)
    body = text.split("\n", 1)[1]
    reader = XmlReader(
        body.encode("utf-8"), None, items=frozenset({"/TX/TX_INFO/DETAIL_LIST/DETAIL"})
    )
    list(reader)
    signer = keys.department if department else keys.bank
    signature = signature_xml(reader.digest, signer)
    signed = body[: body.rindex("</TX>")] + signature + "</TX>"
    return text.split("\n", 1)[0].encode("ascii") + b"\n" + signed.encode("gb18030")


def test_registered_and_described() -> None:
    adapter = get_adapter("ccb")
    assert isinstance(adapter, CcbAdapter)
    assert (adapter.cnaps, adapter.encoding, adapter.signature_scheme) == (
        "105",
        "gb18030",
        "RSA-SHA256",
    )
    with pytest.raises(AdapterError):
        CcbAdapter(cust_id="客户")


def test_layout(keys: KitKeys) -> None:
    adapter = CcbAdapter(cust_id="NX0001", user_id="OP01")
    batch = kit_batch(adapter, 3)
    payment = adapter.render(batch, keys.department, created=DAY)
    assert payment.main == f"CCB_DF_{batch.batch_id}_20260310_001.xml"
    assert list(payment.files) == [payment.main]
    data = payment.content
    assert data.startswith(b'<?xml version="1.0" encoding="GB18030"?>\n<TX><REQUEST_SN>')
    text = data.decode("gb18030")
    for tag in (
        "<CUST_ID>NX0001</CUST_ID>",
        "<USER_ID>OP01</USER_ID>",
        "<TX_CODE>6W8010</TX_CODE>",
        "<CHK_NAME>1</CHK_NAME>",
        "<TOTAL_NUM>3</TOTAL_NUM>",
        f"<TOTAL_AMOUNT>{batch.total:.2f}</TOTAL_AMOUNT>",
    ):
        assert tag in text
    # the rare character is in GB18030's 4-byte range, written as itself
    rare = batch.items[1].beneficiary.account.holder_name
    assert f"<ACC_NAME>{rare}</ACC_NAME>".encode("gb18030") in data
    assert text.count("<DETAIL>") == 3
    assert text.endswith("</Signature></TX>")
    assert payment.digest_algorithm == "SHA256"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    batch=payout_batches(max_items=6),
    memo=st.sampled_from(["", "2026年耕地地力保护补贴", "a&b<c>"]),
)
def test_roundtrip(batch: PayoutBatch, memo: str, keys: KitKeys) -> None:
    items = tuple(i.model_copy(update={"memo": memo or None}) for i in batch.items)
    batch = batch.model_copy(update={"agent_bank": "ccb", "items": items})
    adapter = CcbAdapter()
    payment = adapter.render(batch, keys.department)
    got = adapter.read_instructions(payment, keys.department_verifier)
    assert [(r.seq, r.id_number, r.name, r.account, r.amount, r.memo) for r in got.records] == [
        (
            i.seq,
            i.beneficiary.id_number,
            i.beneficiary.account.holder_name,
            i.beneficiary.account.number,
            i.amount,
            i.memo,
        )
        for i in batch.items
    ]
    assert (got.batch_id, got.count, got.total) == (batch.batch_id, batch.count, batch.total)
    assert got.payer_account == batch.payer_account


def test_simulated_return_maps_every_status(keys: KitKeys) -> None:
    adapter = CcbAdapter()
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
    name_mismatch = result.records[statuses.index(ReturnStatus.NAME_MISMATCH)]
    assert (name_mismatch.raw_code, name_mismatch.raw_message) == ("YBLA01", "帐户户名校验失败")
    assert result.extra["RETURN_CODE"] == "000000"
    assert result.records[0].settled_at == dt.datetime(2026, 3, 10, 10, 0)
    assert adapter.status_of("YBLA09") is ReturnStatus.STOPPED
    assert adapter.status_of("NOPE") is ReturnStatus.OTHER


def _returned(adapter: CcbAdapter, keys: KitKeys) -> tuple[PayoutBatch, dict[str, bytes]]:
    batch = kit_batch(adapter, 3)
    records = [
        ReturnRecord(
            i.seq,
            str(i.beneficiary.account.number),
            str(i.beneficiary.account.holder_name),
            Decimal(i.amount),
            ReturnStatus.SUCCESS,
            "000000",
            "交易成功",
            f"T{i.seq}",
            None,
        )
        for i in batch.items
    ]
    return batch, adapter.write_return(batch.batch_id, records, keys.bank, created=DAY)


@pytest.mark.parametrize(
    ("old", "new", "code", "path"),
    [
        (
            "<CHK_NAME>1</CHK_NAME>",
            "<CHK_NAME>0</CHK_NAME>",
            "bankfile.name_check_off",
            "/TX/TX_INFO/CHK_NAME",
        ),
        (
            "<TOTAL_NUM>3</TOTAL_NUM>",
            "<TOTAL_NUM>4</TOTAL_NUM>",
            "bankfile.count_mismatch",
            "/TX/TX_INFO/TOTAL_NUM",
        ),
        ("<LANGUAGE>CN</LANGUAGE>", "", "bankfile.missing", "/TX/LANGUAGE"),
        (
            "<LANGUAGE>CN</LANGUAGE>",
            "<LANGUAGE>CN</LANGUAGE><EXTRA>1</EXTRA>",
            "bankfile.unexpected",
            "/TX/EXTRA",
        ),
        (
            "<ID_TYPE>01</ID_TYPE>",
            "<ID_TYPE>02</ID_TYPE>",
            "bankfile.id_type",
            "/TX/TX_INFO/DETAIL_LIST/DETAIL[1]/ID_TYPE",
        ),
        ("<MEMO></MEMO>", "", "bankfile.missing", "/TX/TX_INFO/DETAIL_LIST/DETAIL[1]/MEMO"),
        (
            "<SN>2</SN>",
            "<SN>1</SN>",
            "bankfile.seq_duplicate",
            "/TX/TX_INFO/DETAIL_LIST/DETAIL[2]/SN",
        ),
    ],
)
def test_bad_instructions_name_the_element(
    keys: KitKeys, old: str, new: str, code: str, path: str
) -> None:
    adapter = CcbAdapter()
    payment = adapter.render(kit_batch(adapter, 3), keys.department, created=DAY)
    text = payment.content.decode("gb18030")
    assert old in text
    changed = _resign(adapter, text.replace(old, new, 1).encode("gb18030"), keys)
    with pytest.raises(BankFileError) as info:
        adapter.read_instructions({payment.main: changed}, keys.department_verifier)
    assert info.value.code == code
    assert info.value.location.path == path
    assert info.value.location.file == payment.main


def test_bad_amount_in_return_names_record_and_element(keys: KitKeys) -> None:
    adapter = CcbAdapter()
    batch, files = _returned(adapter, keys)
    ((name, data),) = files.items()
    amount = f"<AMOUNT>{batch.items[1].amount:.2f}</AMOUNT>"
    changed = _resign(
        adapter,
        data.replace(amount.encode(), b"<AMOUNT>12.345</AMOUNT>", 1),
        keys,
        department=False,
    )
    with pytest.raises(BankFileError) as info:
        adapter.parse_return({name: changed}, keys.bank_verifier)
    assert info.value.code == "bankfile.amount"
    assert info.value.location.record == 2
    assert info.value.location.path == "/TX/TX_INFO/DETAIL_LIST/DETAIL[2]/AMOUNT"


def test_changed_content_fails_the_signature(keys: KitKeys) -> None:
    adapter = CcbAdapter()
    batch, files = _returned(adapter, keys)
    ((name, data),) = files.items()
    changed = data.replace(
        b"<RETURN_CODE>000000</RETURN_CODE><RETURN_MSG>",
        b"<RETURN_CODE>000001</RETURN_CODE><RETURN_MSG>",
        1,
    )
    with pytest.raises(SignatureError) as info:
        adapter.parse_return({name: changed}, keys.bank_verifier)
    assert info.value.code == "signature.digest_mismatch"
    # the department's key is not the bank's: pinned key refused
    with pytest.raises(SignatureError) as info:
        adapter.parse_return(files, keys.department_verifier)
    assert info.value.code == "signature.key_mismatch"
    with pytest.raises(BankFileError) as other:
        adapter.parse_return(files, keys.bank_verifier, batch_id=batch.batch_id + "X")
    assert other.value.code == "bankfile.batch_mismatch"


def test_files_and_scheme_checked(keys: KitKeys) -> None:
    adapter = CcbAdapter()
    payment = adapter.render(kit_batch(adapter, 1), keys.department, created=DAY)
    with pytest.raises(BankFileError) as info:
        adapter.read_instructions({**payment.files, "x.sig": b"1"}, keys.department_verifier)
    assert info.value.code == "bankfile.files"
    sm2 = KitKeys.for_scheme("SM2-SM3")
    with pytest.raises(AdapterError):
        adapter.read_instructions(payment, sm2.department_verifier)


def _moved_signature(data: bytes, before: str) -> bytes:
    """``data`` with its (valid) signature moved in front of ``before``: the
    digest does not cover the signature, so only its position changed."""
    text = data.decode("gb18030")
    signature = re.search(r"<Signature .*</Signature>", text, flags=re.S)
    assert signature is not None
    text = text.replace(signature.group(), "")
    return text.replace(before, signature.group() + before, 1).encode("gb18030")


@pytest.mark.parametrize("before", ["<REQUEST_SN>", "<TX_INFO>"])
def test_signature_must_be_the_last_child_of_tx(keys: KitKeys, before: str) -> None:
    adapter = CcbAdapter()
    batch, files = _returned(adapter, keys)
    ((name, data),) = files.items()
    assert adapter.parse_return(files, keys.bank_verifier).count == 3
    with pytest.raises(BankFileError) as info:
        adapter.parse_return({name: _moved_signature(data, before)}, keys.bank_verifier)
    assert info.value.code == "xml.signature_position"
    assert info.value.location.path == "/TX/" + before.strip("<>")
    payment = adapter.render(batch, keys.department, created=DAY)
    with pytest.raises(BankFileError) as info:
        adapter.read_instructions(
            {payment.main: _moved_signature(payment.content, before)}, keys.department_verifier
        )
    assert info.value.code == "xml.signature_position"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (
            b'<TX><TX_INFO><DETAIL_LIST><DETAIL><SN xmlns="r"/></DETAIL></DETAIL_LIST>'
            b"</TX_INFO></TX>",
            "xml.namespace",
        ),
        (b"<TX><:", "xml.syntax"),
        (b'<TX :=""/>', "xml.syntax"),
        (b"<TX><p:a/></TX>", "xml.syntax"),
        (b'<TX><TX_INFO p:a="1"/></TX>', "xml.syntax"),
        (b'<TX><DETAIL_LIST><p:SN xmlns:p="r"/></DETAIL_LIST></TX>', "xml.namespace"),
        (
            b"<TX><TX_INFO><DETAIL_LIST><DETAIL><SN>1</SN><p:X/></DETAIL></DETAIL_LIST>"
            b"</TX_INFO></TX>",
            "xml.syntax",
        ),
        (
            b'<TX><TX_INFO><DETAIL_LIST><DETAIL><SN :=""/></DETAIL></DETAIL_LIST></TX_INFO></TX>',
            "xml.syntax",
        ),
        (b'<TX xmlns="}"/>', "xml.namespace"),
    ],
)
def test_bad_names_and_namespaces_are_library_errors(keys: KitKeys, data: bytes, code: str) -> None:
    adapter = CcbAdapter()
    for call in (adapter.parse_return, adapter.read_instructions):
        with pytest.raises(BankFileError) as info:
            call({"r.xml": data}, keys.bank_verifier)
        assert info.value.code == code
        assert info.value.location.file == "r.xml"
