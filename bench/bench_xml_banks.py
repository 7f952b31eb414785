"""XML and API banks (ccb, boc, bonx): render + sign and parse + verify, and the
pain.001 peer comparison with sepaxml.

Floors do the same work with the simplest code: an f-string loop writing the
same message and one signature over its SHA-256 (render), an ``iterparse``
loop (or ``json.loads``) reading the same fields and one signature check over
the file's digest (parse). Ours also canonicalizes, checks every field, the
figures and the XML-DSig profile, and validates against the XSD (boc).

A million-item ``PayoutBatch`` alone takes about 1.2 GB (pydantic objects), so
the render stages' peak memory is mostly their input; the parse stages write
their return file in a child process, so that their peak is the file and what
is read from it.

The peer stage renders the same credit transfers as pain.001.001.09 with the
``boc`` adapter and with sepaxml (``pip install ningxia-yikatong[bench]``),
with and without XSD validation. sepaxml's accounts are IBAN-shaped (it knows
no other), the names and purposes are the same Chinese text. sepaxml validates
with xmlschema, which refuses more than a million elements unless its limit is
raised (done here).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from lxml import etree

from bench._harness import Stage
from ningxia_yikatong.banks import ReturnRecord, ReturnStatus
from ningxia_yikatong.banks.boc import PAIN001, BocAdapter
from ningxia_yikatong.banks.bonx import BonxAdapter
from ningxia_yikatong.banks.ccb import CcbAdapter
from ningxia_yikatong.money import Amount
from ningxia_yikatong.payout import PayoutBatch, PayoutItem
from ningxia_yikatong.signing import (
    RsaSigner,
    RsaVerifier,
    Sm2PrivateKey,
    Sm2PublicKey,
    Sm2Signer,
    Sm2Verifier,
    Verifier,
    generate_rsa_key,
    generate_sm2_key,
    load_public_key,
    public_key_to_pem,
    seal,
)
from ningxia_yikatong.testing import SyntheticData

SIZES = (100_000, 1_000_000)
DAY = dt.date(2026, 3, 10)
MEMO = "2026年耕地地力保护补贴"


@cache
def _rsa(role: str) -> RsaSigner:
    return RsaSigner(generate_rsa_key())


@cache
def _sm2(role: str) -> Sm2Signer:
    return Sm2Signer(generate_sm2_key())


@cache
def _seal_key() -> Sm2PrivateKey:
    return generate_sm2_key()


def _batch(bank: str, n: int) -> PayoutBatch:
    template = SyntheticData(seed=1, dotted_name_share=0.1).batch(1_000, bank=bank)
    people = [item.beneficiary for item in template]
    # A validated batch shares one fields-set among its items (payout.py); so does this.
    fields_set = {"seq", "beneficiary", "amount", "quantity", "memo"}
    items = tuple(
        PayoutItem.model_construct(
            fields_set,
            seq=seq,
            beneficiary=people[seq % len(people)],
            amount=Amount.from_fen(100 + seq % 500_000),
            quantity=None,
            memo=MEMO,
        )
        for seq in range(1, n + 1)
    )
    fields = {name: getattr(template, name) for name in type(template).model_fields}
    fields.update(items=items, pay_date=DAY)
    return PayoutBatch.model_construct(**fields)


def _adapter(bank: str, *, validate: bool = True) -> CcbAdapter | BocAdapter | BonxAdapter:
    if bank == "ccb":
        return CcbAdapter()
    if bank == "boc":
        return BocAdapter(validate=validate)
    return BonxAdapter(bank_private_key=_seal_key())


def _signers(bank: str) -> tuple[RsaSigner | Sm2Signer, RsaSigner | Sm2Signer]:
    if bank == "bonx":
        return _sm2("department"), _sm2("bank")
    return _rsa("department"), _rsa("bank")


# -- ours -------------------------------------------------------------------------------


def _render(bank: str) -> Callable[[int], Callable[[], int]]:
    def prepare(n: int) -> Callable[[], int]:
        adapter = _adapter(bank)
        batch = _batch(bank, n)
        signer, _ = _signers(bank)

        def run() -> int:
            return adapter.render(batch, signer, created=DAY).count

        return run

    return prepare


def write_return_file(bank: str, n: int, directory: str) -> None:
    """Write a signed return of ``n`` items, its name, batch id and the bank's
    public key into ``directory`` (run in a child process, so that the batch it
    needs does not count in the measured process's memory)."""
    adapter = _adapter(bank)
    batch = _batch(bank, n)
    _, bank_signer = _signers(bank)
    settled = dt.datetime(2026, 3, 10, 10, 0)
    code, message = adapter.code_for(ReturnStatus.SUCCESS)
    records = [
        ReturnRecord(
            item.seq,
            str(item.beneficiary.account.number),
            str(item.beneficiary.account.holder_name),
            item.amount,
            ReturnStatus.SUCCESS,
            code,
            message,
            f"T{item.seq:012d}",
            settled,
        )
        for item in batch.items
    ]
    ((name, data),) = adapter.write_return(
        batch.batch_id, records, bank_signer, created=DAY
    ).items()
    out = Path(directory)
    (out / "return.bin").write_bytes(data)
    (out / "meta.json").write_text(json.dumps({"name": name, "batch_id": batch.batch_id}))
    (out / "bank.pem").write_bytes(public_key_to_pem(bank_signer.public_key()))


def _return_files(bank: str, n: int) -> tuple[dict[str, bytes], str, Verifier]:
    with tempfile.TemporaryDirectory() as tmp:
        code = (
            f"from bench.bench_xml_banks import write_return_file as w; w({bank!r}, {n}, {tmp!r})"
        )
        subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)
        meta = json.loads((Path(tmp) / "meta.json").read_text())
        data = (Path(tmp) / "return.bin").read_bytes()
        key = load_public_key((Path(tmp) / "bank.pem").read_bytes())
    verifier: Verifier = Sm2Verifier(key) if isinstance(key, Sm2PublicKey) else RsaVerifier(key)
    return {meta["name"]: data}, meta["batch_id"], verifier


def _parse(bank: str) -> Callable[[int], Callable[[], int]]:
    def prepare(n: int) -> Callable[[], int]:
        files, batch_id, verifier = _return_files(bank, n)
        adapter = _adapter(bank)

        def run() -> int:
            return len(adapter.parse_return(files, verifier, batch_id=batch_id).records)

        return run

    return prepare


# -- floors -----------------------------------------------------------------------------


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _floor_xml(bank: str, batch: PayoutBatch) -> str:
    if bank == "ccb":
        head = (
            f"<TX><BATCH_ID>{batch.batch_id}</BATCH_ID><TOTAL_NUM>{batch.count}</TOTAL_NUM>"
            f"<TOTAL_AMOUNT>{batch.total:.2f}</TOTAL_AMOUNT><DETAIL_LIST>"
        )
        rows = [
            f"<DETAIL><SN>{i.seq}</SN><ACC_NO>{i.beneficiary.account.number}</ACC_NO>"
            f"<ACC_NAME>{_esc(i.beneficiary.account.holder_name)}</ACC_NAME><ID_TYPE>01</ID_TYPE>"
            f"<ID_NO>{i.beneficiary.id_number}</ID_NO><AMOUNT>{i.amount:.2f}</AMOUNT>"
            f"<MEMO>{_esc(i.memo or '')}</MEMO></DETAIL>"
            for i in batch.items
        ]
        return head + "".join(rows) + "</DETAIL_LIST></TX>"
    head = (
        f'<Document xmlns="{PAIN001}"><CstmrCdtTrfInitn><GrpHdr><MsgId>{batch.batch_id}</MsgId>'
        f"<NbOfTxs>{batch.count}</NbOfTxs><CtrlSum>{batch.total:.2f}</CtrlSum></GrpHdr><PmtInf>"
    )
    rows = [
        f"<CdtTrfTxInf><PmtId><InstrId>{i.seq}</InstrId><EndToEndId>{i.seq}</EndToEndId></PmtId>"
        f'<Amt><InstdAmt Ccy="CNY">{i.amount:.2f}</InstdAmt></Amt>'
        f"<Cdtr><Nm>{_esc(i.beneficiary.account.holder_name)}</Nm><Id><PrvtId><Othr>"
        f"<Id>{i.beneficiary.id_number}</Id><SchmeNm><Cd>NIDN</Cd></SchmeNm></Othr></PrvtId></Id>"
        f"</Cdtr><CdtrAcct><Id><Othr><Id>{i.beneficiary.account.number}</Id></Othr></Id>"
        f"</CdtrAcct><RmtInf><Ustrd>{_esc(i.memo or '')}</Ustrd></RmtInf></CdtTrfTxInf>"
        for i in batch.items
    ]
    return head + "".join(rows) + "</PmtInf></CstmrCdtTrfInitn></Document>"


def _floor_render(bank: str) -> Callable[[int], Callable[[], int]]:
    def prepare(n: int) -> Callable[[], int]:
        batch = _batch(bank, n)
        signer, _ = _signers(bank)
        encoding = "gb18030" if bank == "ccb" else "utf-8"

        def run() -> int:
            if bank == "bonx":
                biz = [
                    {
                        "seq": i.seq,
                        "acc_no": str(i.beneficiary.account.number),
                        "acc_name": str(i.beneficiary.account.holder_name),
                        "id_no": str(i.beneficiary.id_number),
                        "amount": f"{i.amount:.2f}",
                        "memo": i.memo or "",
                    }
                    for i in batch.items
                ]
                sealed = seal(
                    json.dumps(biz, ensure_ascii=False).encode(), _seal_key().public_key()
                )
                body = base64.b64encode(sealed)
                signer.sign(b"/api?biz_content=" + body)
                return len(biz)
            data = _floor_xml(bank, batch).encode(encoding)
            signer.sign(hashlib.sha256(data).digest())
            return batch.count

        return run

    return prepare


def _floor_parse(bank: str) -> Callable[[int], Callable[[], int]]:
    def prepare(n: int) -> Callable[[], int]:
        files, _, _ = _return_files(bank, n)
        data = next(iter(files.values()))
        _, bank_signer = _signers(bank)
        signature = bank_signer.sign(hashlib.sha256(data).digest())
        verifier = bank_signer.verifier()

        def run() -> int:
            verifier.verify(hashlib.sha256(data).digest(), signature)
            if bank == "bonx":
                outer = json.loads(data)
                return len(json.loads(outer["response_biz_content"])["items"])
            tag = (
                "DETAIL"
                if bank == "ccb"
                else "{urn:iso:std:iso:20022:tech:xsd:pain.002.001.12}TxInfAndSts"
            )
            count = 0
            rows = []
            for _, el in etree.iterparse(io.BytesIO(data), events=("end",), tag=tag):
                rows.append([c.text for c in el.iter()])
                el.clear(keep_tail=True)
                count += 1
            return count

        return run

    return prepare


# -- the peer: sepaxml ------------------------------------------------------------------


def _sepaxml(validate: bool) -> Callable[[int], Callable[[], int]]:
    def prepare(n: int) -> Callable[[], int]:
        import xmlschema  # noqa: PLC0415 - sepaxml's validator
        from sepaxml import SepaTransfer  # noqa: PLC0415 - optional, bench extra

        # xmlschema refuses documents of more than a million elements by default
        # (100,000 transfers have 2.4 million); lift the limit for the comparison.
        xmlschema.limits.MAX_XML_ELEMENTS = 100_000_000

        batch = _batch("boc", n)
        payments = [
            {
                "name": str(i.beneficiary.account.holder_name),
                "IBAN": f"CN12{i.beneficiary.account.number}",
                "BIC": "BKCHCNBJ870",
                "amount": int(i.amount.scaleb(2)),
                "execution_date": DAY,
                "description": i.memo or "",
                "endtoend_id": str(i.seq),
            }
            for i in batch.items
        ]
        config = {
            "name": batch.payer_name,
            "IBAN": f"CN12{batch.payer_account}",
            "BIC": "BKCHCNBJ870",
            "batch": True,
            "currency": "CNY",
        }

        def run() -> int:
            sepa = SepaTransfer(config, clean=False, schema="pain.001.001.09")
            for payment in payments:
                sepa.add_payment(payment)
            sepa.export(validate=validate)
            return len(payments)

        return run

    return prepare


def _ours_pain001(validate: bool) -> Callable[[int], Callable[[], int]]:
    def prepare(n: int) -> Callable[[], int]:
        adapter = BocAdapter(validate=validate)
        batch = _batch("boc", n)
        signer = _rsa("department")

        def run() -> int:
            return adapter.render(batch, signer, created=DAY).count

        return run

    return prepare


STAGES: list[Stage] = [
    Stage("ccb render+sign (GB18030, XML-DSig)", _render("ccb"), _floor_render("ccb"), SIZES),
    Stage("ccb parse+verify", _parse("ccb"), _floor_parse("ccb"), SIZES),
    Stage("boc pain.001 render+sign+XSD", _render("boc"), _floor_render("boc"), SIZES),
    Stage("boc pain.002 parse+verify+XSD", _parse("boc"), _floor_parse("boc"), SIZES),
    Stage("bonx render+seal+sign (JSON, SM2)", _render("bonx"), _floor_render("bonx"), SIZES),
    Stage("bonx parse+verify", _parse("bonx"), _floor_parse("bonx"), SIZES),
    Stage(
        "pain.001 vs sepaxml, XSD validated",
        _ours_pain001(True),
        _sepaxml(True),
        (100_000,),
        floor_label="sepaxml",
    ),
    Stage(
        "pain.001 vs sepaxml, not validated",
        _ours_pain001(False),
        _sepaxml(False),
        (100_000,),
        floor_label="sepaxml",
    ),
]
