"""中国银行: ISO 20022 pain.001.001.09 out, pain.002.001.12 back, validated against the XSDs."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from ningxia_yikatong.bank import CnapsCode
from ningxia_yikatong.banks import (
    BankSimulator,
    OutcomeRules,
    ReturnRecord,
    ReturnStatus,
    get_adapter,
)
from ningxia_yikatong.banks._xml import XmlReader, hardened_parser, load_schema, validate_stream
from ningxia_yikatong.banks._xmldsig import signature_xml
from ningxia_yikatong.banks.boc import PAIN001, PAIN002, BocAdapter
from ningxia_yikatong.errors import BankFileError
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.testing.conformance import KitKeys, kit_batch
from ningxia_yikatong.testing.strategies import payout_batches

DAY = dt.date(2026, 3, 10)
_TX = "/Document/CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf"


@pytest.fixture(scope="module")
def keys() -> KitKeys:
    return KitKeys.for_scheme("RSA-SHA256")


def _valid(data: bytes, schema: str) -> bool:
    return bool(load_schema(schema).validate(etree.fromstring(data, hardened_parser())))


def _resign(data: bytes, keys: KitKeys) -> bytes:
    """A changed pain.001 with a fresh signature, so that the XSD, not the
    signature, meets the change."""
    text = re.sub(r"<Signature .*</Signature>", "", data.decode(), flags=re.S)
    body = text.split("\n", 1)[1]
    reader = XmlReader(body.encode(), None, items=frozenset({_TX}))
    list(reader)
    cut = body.rindex("</Envlp>")
    signed = body[:cut] + signature_xml(reader.digest, keys.department) + body[cut:]
    return (text.split("\n", 1)[0] + "\n" + signed).encode()


def test_registered() -> None:
    adapter = get_adapter("boc")
    assert isinstance(adapter, BocAdapter)
    assert adapter.validate is True
    assert (adapter.cnaps, adapter.encoding) == ("104", "utf-8")


def test_layout_validates_and_keeps_chinese_and_branch(keys: KitKeys) -> None:
    adapter = BocAdapter()
    batch = kit_batch(adapter, 3)
    first = batch.items[0]
    account = first.beneficiary.account.model_copy(update={"branch": CnapsCode("104871000015")})
    items = (
        first.model_copy(
            update={
                "memo": "2026年第一季度高龄津贴",
                "beneficiary": first.beneficiary.model_copy(update={"account": account}),
            }
        ),
        *batch.items[1:],
    )
    batch = batch.model_copy(update={"items": items})
    payment = adapter.render(batch, keys.department, created=DAY)
    data = payment.content
    assert _valid(data, "pain.001.001.09.xsd")
    root = etree.fromstring(data, hardened_parser())
    ns = {"p": PAIN001}
    assert (
        root.findtext(
            "p:CstmrCdtTrfInitn/GrpHdr/p:NbOfTxs".replace("GrpHdr", "p:GrpHdr"), namespaces=ns
        )
        == "3"
    )
    txs = root.findall("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", ns)
    assert txs[0].findtext("p:RmtInf/p:Ustrd", namespaces=ns) == "2026年第一季度高龄津贴"
    assert (
        txs[0].findtext("p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId/p:MmbId", namespaces=ns)
        == "104871000015"
    )
    assert txs[1].find("p:CdtrAgt", ns) is None
    assert txs[0].findtext("p:Cdtr/p:Nm", namespaces=ns) == first.beneficiary.account.holder_name
    assert "马·".encode() not in data or "·".encode() in data  # UTF-8, no escaping of names
    assert f"<Nm>{batch.items[1].beneficiary.account.holder_name}</Nm>".encode() in data


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=payout_batches(max_items=5), memo=st.sampled_from(["", "养老补贴 & <津贴>"]))
def test_roundtrip_and_every_message_valid(batch: PayoutBatch, memo: str, keys: KitKeys) -> None:
    items = tuple(i.model_copy(update={"memo": memo or None}) for i in batch.items)
    batch = batch.model_copy(update={"agent_bank": "boc", "items": items})
    adapter = BocAdapter()
    payment = adapter.render(batch, keys.department)
    assert _valid(payment.content, "pain.001.001.09.xsd")
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


def test_invalid_creditor_account_is_refused(keys: KitKeys) -> None:
    adapter = BocAdapter()
    payment = adapter.render(kit_batch(adapter, 2), keys.department, created=DAY)
    # CdtrAcct without its Id breaks the XSD (CashAccount38 requires Id)
    broken = re.sub(
        rb"<CdtrAcct><Id>.*?</Id></CdtrAcct>", b"<CdtrAcct></CdtrAcct>", payment.content, count=1
    )
    assert not _valid(broken, "pain.001.001.09.xsd")
    with pytest.raises(BankFileError) as info:
        validate_stream(broken, load_schema("pain.001.001.09.xsd"), payment.main)
    assert info.value.code == "xml.schema"
    assert info.value.location.path == "/Document/CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf[1]/CdtrAcct"
    # the bank side refuses it too, even when properly signed
    with pytest.raises(BankFileError) as info:
        adapter.read_instructions({payment.main: _resign(broken, keys)}, keys.department_verifier)
    assert info.value.code == "xml.schema"
    assert "CdtrAcct" in info.value.message


def test_missing_creditor_account_is_refused(keys: KitKeys) -> None:
    """The XSD lets CdtrAcct out (it is optional in pain.001); the profile does not."""
    adapter = BocAdapter()
    payment = adapter.render(kit_batch(adapter, 2), keys.department, created=DAY)
    broken = re.sub(rb"<CdtrAcct>.*?</CdtrAcct>", b"", payment.content, count=1)
    assert _valid(broken, "pain.001.001.09.xsd")
    with pytest.raises(BankFileError) as info:
        adapter.read_instructions({payment.main: _resign(broken, keys)}, keys.department_verifier)
    assert info.value.code == "bankfile.missing"
    assert info.value.location.path == f"{_TX}[1]/CdtrAcct/Id/Othr/Id"
    assert info.value.location.record == 1


def test_rendering_validates_by_default(keys: KitKeys, monkeypatch: pytest.MonkeyPatch) -> None:
    """An adapter whose output breaks the XSD never hands it out."""
    adapter = BocAdapter()
    batch = kit_batch(adapter, 1)
    # A purpose longer than Max140Text cannot come from the model; force one in.
    first = batch.items[0]
    item = first.model_construct(
        **{**{f: getattr(first, f) for f in type(first).model_fields}, "memo": "补" * 141}
    )
    bad = batch.model_construct(
        **{**{f: getattr(batch, f) for f in type(batch).model_fields}, "items": (item,)}
    )
    with pytest.raises(BankFileError) as info:
        adapter.render(bad, keys.department, created=DAY)
    assert info.value.code == "xml.schema"
    BocAdapter(validate=False).render(bad, keys.department, created=DAY)


def test_return_every_status_and_validates(keys: KitKeys) -> None:
    adapter = BocAdapter()
    statuses = list(adapter.reportable_statuses)
    batch = kit_batch(adapter, len(statuses))
    rules = {
        str(i.beneficiary.account.number): s for i, s in zip(batch.items, statuses, strict=True)
    }
    sim = BankSimulator(
        adapter, keys.bank, keys.department_verifier, rules=OutcomeRules(accounts=rules)
    )
    files = sim.process(adapter.render(batch, keys.department, created=DAY), created=DAY)
    ((_, data),) = files.items()
    assert _valid(data, "pain.002.001.12.xsd")
    root = etree.fromstring(data, hardened_parser())
    sts = [e.text for e in root.iter(f"{{{PAIN002}}}TxSts")]
    assert sts[statuses.index(ReturnStatus.SUCCESS)] == "ACSC"
    assert sts[statuses.index(ReturnStatus.PENDING)] == "PDNG"
    assert sts[statuses.index(ReturnStatus.CLOSED)] == "RJCT"
    result = adapter.parse_return(files, keys.bank_verifier, batch_id=batch.batch_id)
    assert [r.status for r in result.records] == statuses
    closed = result.records[statuses.index(ReturnStatus.CLOSED)]
    assert (closed.raw_code, closed.raw_message) == ("AC04", "账户已销户")
    assert result.extra["MsgId"] == f"{batch.batch_id}-R"


def test_return_foreign_codes(keys: KitKeys) -> None:
    adapter = BocAdapter()
    batch = kit_batch(adapter, 3)
    codes = ["ACSP", "AC07", "LONGPROPRIETARY"]
    records = [
        ReturnRecord(
            i.seq,
            str(i.beneficiary.account.number),
            str(i.beneficiary.account.holder_name),
            Decimal(i.amount),
            ReturnStatus.OTHER,
            code,
            "说明",
            None,
            None,
        )
        for i, code in zip(batch.items, codes, strict=True)
    ]
    files = adapter.write_return(batch.batch_id, records, keys.bank, created=DAY)
    result = adapter.parse_return(files, keys.bank_verifier)
    assert [(r.raw_code, r.status) for r in result.records] == [
        ("ACSP", ReturnStatus.PENDING),
        ("AC07", ReturnStatus.CLOSED),
        ("LONGPROPRIETARY", ReturnStatus.OTHER),
    ]
    assert b"<Prtry>LONGPROPRIETARY</Prtry>" in next(iter(files.values()))


def test_return_for_another_message_refused(keys: KitKeys) -> None:
    adapter = BocAdapter()
    batch = kit_batch(adapter, 1)
    files = BankSimulator(adapter, keys.bank, keys.department_verifier).process(
        adapter.render(batch, keys.department, created=DAY), created=DAY
    )
    with pytest.raises(BankFileError) as info:
        adapter.parse_return(files, keys.bank_verifier, batch_id="OTHER")
    assert info.value.code == "bankfile.batch_mismatch"
    assert info.value.location.path == "/Document/CstmrPmtStsRpt/OrgnlGrpInfAndSts/OrgnlMsgId"


def test_payment_information_must_name_the_batch(keys: KitKeys) -> None:
    adapter = BocAdapter()
    batch = kit_batch(adapter, 1)
    payment = adapter.render(batch, keys.department, created=DAY)
    old = f"<PmtInfId>{batch.batch_id}</PmtInfId>".encode()
    changed = _resign(payment.content.replace(old, b"<PmtInfId>OTHER</PmtInfId>"), keys)
    with pytest.raises(BankFileError) as info:
        adapter.read_instructions({payment.main: changed}, keys.department_verifier)
    assert info.value.code == "bankfile.batch_mismatch"
    assert info.value.location.path == "/Document/CstmrCdtTrfInitn/PmtInf/PmtInfId"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'<Document xmlns="}"/>', "xml.namespace"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.12" :=""/>', "xml.syntax"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.12"><:/>', "xml.syntax"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.12">'
            b'<CstmrPmtStsRpt xmlns:p="rel"/></Document>',
            "xml.namespace",
        ),
    ],
)
def test_bad_names_and_namespaces_are_library_errors(data: bytes, code: str) -> None:
    keys = KitKeys.for_scheme("RSA-SHA256")
    with pytest.raises(BankFileError) as info:
        BocAdapter().parse_return({"r.xml": data}, keys.bank_verifier)
    assert info.value.code == code
