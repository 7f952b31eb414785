"""中国银行 (BOC): ISO 20022 pain.001.001.09 out, pain.002.001.12 back.

This is a **reference profile** of the public ISO 20022 messages; the bank's
own implementation guide for corporate clients is confidential and may ask
for other optional elements or codes, which a subclass declares.

Payment message ``BOC_PAIN001_<batch>_<YYYYMMDD>_<seq:03d>.xml`` (UTF-8), a
``CstmrCdtTrfInitn`` with one ``PmtInf`` per batch::

    GrpHdr      MsgId = batch id, CreDtTm, NbOfTxs, CtrlSum, InitgPty/Nm (payer)
    PmtInf      PmtInfId = batch id, PmtMtd TRF, BtchBookg false, NbOfTxs, CtrlSum,
                ReqdExctnDt/Dt (pay date), Dbtr/Nm, DbtrAcct/Id/Othr/Id,
                DbtrAgt/FinInstnId/ClrSysMmbId (CNAPS, 104)
    CdtTrfTxInf PmtId/InstrId = PmtId/EndToEndId = seq,
                Amt/InstdAmt Ccy="CNY" (yuan, 2 decimals),
                CdtrAgt/FinInstnId/ClrSysMmbId (CNAPS, 12-digit 联行号) where known,
                Cdtr/Nm (UTF-8, as written), Cdtr/Id/PrvtId/Othr/Id (ID number,
                SchmeNm/Cd NIDN), CdtrAcct/Id/Othr/Id, RmtInf/Ustrd (摘要) if any
    SplmtryData/Envlp/Signature   enveloped XML-DSig, RSA-SHA256

Return ``BOC_PAIN002_<batch>_<YYYYMMDD>_<seq:03d>.xml``: a ``CstmrPmtStsRpt``
whose ``OrgnlGrpInfAndSts/OrgnlMsgId`` is the batch id and whose
``TxInfAndSts`` carry ``OrgnlInstrId`` (seq), ``TxSts`` (ACSC, PDNG, RJCT),
``StsRsnInf/Rsn/Cd`` (the reason of a rejection) and ``StsRsnInf/AddtlInf``
(the bank's message), ``AccptncDtTm``, ``AcctSvcrRef`` (bank transaction id)
and ``OrgnlTxRef`` (amount, creditor name and account). The raw code kept in
:class:`~ningxia_yikatong.banks.ReturnRecord` is the reason code of a
rejection, else the transaction status.

Every rendered message is validated against the official XSD (shipped in
``banks/xsd``) before it is returned, and every message read is validated while
it is read; ``validate=False`` turns the first off for benchmarks only.

>>> BocAdapter.return_codes["AC04"]
<ReturnStatus.CLOSED: 'closed'>
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import ClassVar, Final

from ..errors import BankFileError
from ..payout import PayoutBatch
from ..signing._protocols import Signer, Verifier
from ._adapter import BankConfig
from ._model import (
    BankReturn,
    InstructionRecord,
    Instructions,
    PaymentFile,
    ReturnRecord,
    ReturnStatus,
)
from ._xml import (
    CanonicalWriter,
    XmlReader,
    check_return_records,
    escape_text,
    load_schema,
    parse_datetime,
    parse_int,
    parse_yuan,
    unique_seq,
    validate_stream,
    yuan,
)
from ._xmldsig import SignedXmlAdapter

__all__ = ["PAIN001", "PAIN002", "BocAdapter"]

#: Namespaces of the two messages.
PAIN001: Final = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
PAIN002: Final = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.12"

_S = ReturnStatus
_I = "/Document/CstmrCdtTrfInitn"
_R = "/Document/CstmrPmtStsRpt"
_REQ_SIG: Final = f"{_I}/SplmtryData/Envlp/Signature"
_RET_SIG: Final = f"{_R}/SplmtryData/Envlp/Signature"
_TX: Final = f"{_I}/PmtInf/CdtTrfTxInf"
_STS: Final = f"{_R}/OrgnlPmtInfAndSts/TxInfAndSts"
_DBTR_AGT = f"{_I}/PmtInf/DbtrAgt/FinInstnId/ClrSysMmbId"
_REQ_HEADER: Final = frozenset(
    {
        f"{_I}/GrpHdr/MsgId",
        f"{_I}/GrpHdr/CreDtTm",
        f"{_I}/GrpHdr/NbOfTxs",
        f"{_I}/GrpHdr/CtrlSum",
        f"{_I}/GrpHdr/InitgPty/Nm",
        f"{_I}/PmtInf/PmtInfId",
        f"{_I}/PmtInf/PmtMtd",
        f"{_I}/PmtInf/BtchBookg",
        f"{_I}/PmtInf/NbOfTxs",
        f"{_I}/PmtInf/CtrlSum",
        f"{_I}/PmtInf/ReqdExctnDt/Dt",
        f"{_I}/PmtInf/Dbtr/Nm",
        f"{_I}/PmtInf/DbtrAcct/Id/Othr/Id",
        f"{_DBTR_AGT}/ClrSysId/Cd",
        f"{_DBTR_AGT}/MmbId",
    }
)
_AGT = "CdtrAgt/FinInstnId/ClrSysMmbId"
_REQ_TX: Final = frozenset(
    {
        "PmtId/InstrId",
        "PmtId/EndToEndId",
        "Amt/InstdAmt",
        "Amt/InstdAmt/@Ccy",
        "Cdtr/Nm",
        "Cdtr/Id/PrvtId/Othr/Id",
        "Cdtr/Id/PrvtId/Othr/SchmeNm/Cd",
        "CdtrAcct/Id/Othr/Id",
    }
)
_REQ_TX_OPT: Final = frozenset({f"{_AGT}/ClrSysId/Cd", f"{_AGT}/MmbId", "RmtInf/Ustrd"})
_RET_HEADER: Final = frozenset(
    {
        f"{_R}/GrpHdr/MsgId",
        f"{_R}/GrpHdr/CreDtTm",
        f"{_R}/OrgnlGrpInfAndSts/OrgnlMsgId",
        f"{_R}/OrgnlGrpInfAndSts/OrgnlMsgNmId",
        f"{_R}/OrgnlGrpInfAndSts/OrgnlNbOfTxs",
        f"{_R}/OrgnlGrpInfAndSts/OrgnlCtrlSum",
        f"{_R}/OrgnlPmtInfAndSts/OrgnlPmtInfId",
    }
)
_RET_TX: Final = frozenset(
    {
        "OrgnlInstrId",
        "OrgnlEndToEndId",
        "TxSts",
        "StsRsnInf/AddtlInf",
        "OrgnlTxRef/Amt/InstdAmt",
        "OrgnlTxRef/Amt/InstdAmt/@Ccy",
        "OrgnlTxRef/Cdtr/Pty/Nm",
        "OrgnlTxRef/CdtrAcct/Id/Othr/Id",
    }
)
_RET_TX_OPT: Final = frozenset(
    {"StsRsnInf/Rsn/Cd", "StsRsnInf/Rsn/Prtry", "AccptncDtTm", "AcctSvcrRef"}
)
#: Transaction statuses written as TxSts themselves (no reason).
_TX_STATUSES: Final = frozenset({"ACSC", "ACCC", "ACSP", "ACCP", "ACTC", "ACWC", "PDNG"})


def _sep(tag: str, text: str) -> str:
    return f"<{tag}>{escape_text(text)}</{tag}>"


class BocAdapter(SignedXmlAdapter):
    """中国银行: ISO 20022 pain.001.001.09 / pain.002.001.12, enveloped XML-DSig.

    ``validate`` (default on) validates every rendered message against the XSD;
    parsed messages are always validated.
    """

    code: ClassVar[str] = "boc"
    name: ClassVar[str] = "中国银行"
    cnaps: ClassVar[str | None] = "104"
    encoding: ClassVar[str] = "utf-8"
    signature_scheme: ClassVar[str] = "RSA-SHA256"
    instruction_file_name: ClassVar[str] = "BOC_PAIN001_{batch_id}_{date:%Y%m%d}_{sequence:03d}.xml"
    return_file_name: ClassVar[str] = "BOC_PAIN002_{batch_id}_{date:%Y%m%d}_{sequence:03d}.xml"
    request_schema: ClassVar[str] = "pain.001.001.09.xsd"
    return_schema: ClassVar[str] = "pain.002.001.12.xsd"

    status_codes: ClassVar[Mapping[ReturnStatus, tuple[str, str]]] = {
        _S.SUCCESS: ("ACSC", "入账成功"),
        _S.PENDING: ("PDNG", "处理中"),
        _S.NAME_MISMATCH: ("BE01", "户名不符"),
        _S.ACCOUNT_NOT_FOUND: ("AC01", "账号不存在"),
        _S.FROZEN: ("AC06", "账户冻结"),
        _S.CLOSED: ("AC04", "账户已销户"),
        _S.LOST: ("AG01", "账户已挂失，禁止交易"),
        _S.STOPPED: ("LEGL", "账户已止付（司法或银行决定）"),
        _S.CARD_NOT_ACTIVATED: ("AC14", "卡未激活"),
        _S.ID_MISMATCH: ("BE17", "证件号码不符"),
        _S.OVER_LIMIT: ("AM14", "超过约定限额"),
        _S.OTHER: ("NARR", "其他原因"),
    }
    return_codes: ClassVar[Mapping[str, ReturnStatus]] = {
        **{code: status for status, (code, _) in status_codes.items()},
        "ACCC": _S.SUCCESS,
        "ACSP": _S.PENDING,
        "ACCP": _S.PENDING,
        "ACTC": _S.PENDING,
        "AC07": _S.CLOSED,  # closed creditor account
        "AM02": _S.OVER_LIMIT,
    }

    def __init__(self, config: BankConfig | None = None, *, validate: bool = True) -> None:
        super().__init__(config)
        self.validate = validate

    # -- department side ---------------------------------------------------------
    def render(
        self, batch: PayoutBatch, signer: Signer, *, created: _dt.date | None = None
    ) -> PaymentFile:
        self.check_signer(signer, "签名密钥")
        self.check_batch(batch)
        self._check_text(batch)
        day = created or batch.pay_date or _dt.date.today()
        pay_date = batch.pay_date or day
        payer_name = self.config.payer_name or batch.payer_name
        n, total = batch.count, yuan(batch.total)
        bid = batch.batch_id
        w = CanonicalWriter(self.encoding)
        w.start("Document", xmlns=PAIN001)
        w.raw(
            f"<CstmrCdtTrfInitn><GrpHdr><MsgId>{bid}</MsgId>"
            f"<CreDtTm>{day.isoformat()}T00:00:00</CreDtTm><NbOfTxs>{n}</NbOfTxs>"
            f"<CtrlSum>{total}</CtrlSum><InitgPty>{_sep('Nm', payer_name)}</InitgPty></GrpHdr>"
            f"<PmtInf><PmtInfId>{bid}</PmtInfId><PmtMtd>TRF</PmtMtd><BtchBookg>false</BtchBookg>"
            f"<NbOfTxs>{n}</NbOfTxs><CtrlSum>{total}</CtrlSum>"
            f"<ReqdExctnDt><Dt>{pay_date.isoformat()}</Dt></ReqdExctnDt>"
            f"<Dbtr>{_sep('Nm', payer_name)}</Dbtr>"
            f"<DbtrAcct><Id><Othr><Id>{batch.payer_account}</Id></Othr></Id></DbtrAcct>"
            "<DbtrAgt><FinInstnId><ClrSysMmbId><ClrSysId><Cd>CNAPS</Cd></ClrSysId>"
            f"<MmbId>{self.cnaps}</MmbId></ClrSysMmbId></FinInstnId></DbtrAgt>"
        )
        raw = w.raw
        for item in batch.items:
            b = item.beneficiary
            acct = b.account
            agent = (
                ""
                if acct.branch is None
                else "<CdtrAgt><FinInstnId><ClrSysMmbId><ClrSysId><Cd>CNAPS</Cd></ClrSysId>"
                f"<MmbId>{acct.branch}</MmbId></ClrSysMmbId></FinInstnId></CdtrAgt>"
            )
            memo = "" if not item.memo else f"<RmtInf>{_sep('Ustrd', item.memo)}</RmtInf>"
            raw(
                f"<CdtTrfTxInf><PmtId><InstrId>{item.seq}</InstrId>"
                f"<EndToEndId>{item.seq}</EndToEndId></PmtId>"
                f'<Amt><InstdAmt Ccy="CNY">{item.amount:.2f}</InstdAmt></Amt>{agent}'
                f"<Cdtr><Nm>{escape_text(acct.holder_name)}</Nm><Id><PrvtId><Othr>"
                f"<Id>{b.id_number}</Id><SchmeNm><Cd>NIDN</Cd></SchmeNm></Othr></PrvtId></Id>"
                f"</Cdtr><CdtrAcct><Id><Othr><Id>{acct.number}</Id></Othr></Id></CdtrAcct>"
                f"{memo}</CdtTrfTxInf>"
            )
        data = self._sign_and_close(
            w,
            signer,
            "</PmtInf><SplmtryData><Envlp>",
            "</Envlp></SplmtryData></CstmrCdtTrfInitn></Document>",
        )
        name = self.file_name(
            self.config.file_name_template or self.instruction_file_name, bid, day
        )
        if self.validate:
            validate_stream(
                data, load_schema(self.request_schema), name, item_tag=f"{{{PAIN001}}}CdtTrfTxInf"
            )
        return self._payment_file(batch, name, data, signer)

    # -- bank side ---------------------------------------------------------------
    def read_instructions(
        self, payment: PaymentFile | Mapping[str, bytes], verifier: Verifier
    ) -> Instructions:
        name, data = self._single(payment, "付款文件")
        reader = XmlReader(
            data,
            name,
            items=frozenset({_TX}),
            signature_path=_REQ_SIG,
            schema=load_schema(self.request_schema),
            root="Document",
            namespace=PAIN001,
        )
        self.check_signer(verifier, "验签密钥")
        records = []
        seen: set[int] = set()
        with self._schema_first(reader):
            for item in reader:
                v = item.values
                self._exact_keys(
                    v, _REQ_TX, _REQ_TX_OPT, name, {"record": item.index, "path": item.path}
                )
                seq = unique_seq(item, "PmtId/InstrId", name, seen, in_return=False)
                if v["Amt/InstdAmt/@Ccy"] != "CNY":
                    raise BankFileError(
                        "币种应为人民币（CNY）",
                        code="bankfile.currency",
                        file=name,
                        **item.where("Amt/InstdAmt/@Ccy"),
                    )
                amount = parse_yuan(v["Amt/InstdAmt"], name, **item.where("Amt/InstdAmt"))
                records.append(
                    InstructionRecord(
                        seq,
                        v["CdtrAcct/Id/Othr/Id"],
                        v["Cdtr/Nm"],
                        v["Cdtr/Id/PrvtId/Othr/Id"],
                        amount,
                        v.get("RmtInf/Ustrd") or None,
                        item.line,
                    )
                )
        self._verify_read(reader, verifier, _REQ_SIG)
        f = reader.fields
        self._exact_keys(f, _REQ_HEADER, frozenset(), name, {})
        if f[f"{_I}/PmtInf/PmtInfId"] != f[f"{_I}/GrpHdr/MsgId"]:
            raise BankFileError(
                "PmtInfId 与 MsgId（批次号）不一致",
                code="bankfile.batch_mismatch",
                file=name,
                path=f"{_I}/PmtInf/PmtInfId",
            )
        amounts = [r.amount for r in records]
        for prefix in (f"{_I}/GrpHdr", f"{_I}/PmtInf"):
            count = parse_int(f[f"{prefix}/NbOfTxs"], name, what="笔数", path=f"{prefix}/NbOfTxs")
            total = parse_yuan(
                f[f"{prefix}/CtrlSum"], name, positive=False, path=f"{prefix}/CtrlSum"
            )
            self._figures(
                count,
                total,
                amounts,
                name,
                paths=(f"{prefix}/NbOfTxs", f"{prefix}/CtrlSum"),
                kind="付款报文",
            )
        pay_date = parse_datetime(
            f[f"{_I}/PmtInf/ReqdExctnDt/Dt"], "%Y-%m-%d", name, path=f"{_I}/PmtInf/ReqdExctnDt/Dt"
        )
        return Instructions(
            bank=self.code,
            batch_id=f[f"{_I}/GrpHdr/MsgId"],
            count=count,
            total=total,
            records=tuple(records),
            payer_account=f[f"{_I}/PmtInf/DbtrAcct/Id/Othr/Id"],
            payer_name=f[f"{_I}/PmtInf/Dbtr/Nm"],
            pay_date=None if pay_date is None else pay_date.date(),
            files=(name,),
            signature_algorithm=verifier.algorithm,
            key_fingerprint=verifier.key_fingerprint,
        )

    def write_return(
        self,
        batch_id: str,
        records: Sequence[ReturnRecord],
        signer: Signer,
        *,
        created: _dt.date | None = None,
    ) -> dict[str, bytes]:
        self.check_signer(signer, "签名密钥")
        day = created or _dt.date.today()
        total = sum((r.amount for r in records), Decimal("0.00"))
        check_return_records(records)
        w = CanonicalWriter(self.encoding)
        w.start("Document", xmlns=PAIN002)
        w.raw(
            f"<CstmrPmtStsRpt><GrpHdr>{_sep('MsgId', batch_id + '-R')}"
            f"<CreDtTm>{day.isoformat()}T00:00:00</CreDtTm></GrpHdr>"
            f"<OrgnlGrpInfAndSts>{_sep('OrgnlMsgId', batch_id)}"
            "<OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>"
            f"<OrgnlNbOfTxs>{len(records)}</OrgnlNbOfTxs><OrgnlCtrlSum>{yuan(total)}</OrgnlCtrlSum>"
            f"</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts>{_sep('OrgnlPmtInfId', batch_id)}"
        )
        raw = w.raw
        for r in records:
            code = r.raw_code
            if code in _TX_STATUSES:
                sts, reason = code, ""
            else:
                kind = "Cd" if len(code) <= 4 else "Prtry"
                sts, reason = "RJCT", f"<Rsn><{kind}>{escape_text(code)}</{kind}></Rsn>"
            when = (
                ""
                if r.settled_at is None
                else f"<AccptncDtTm>{r.settled_at.isoformat(timespec='seconds')}</AccptncDtTm>"
            )
            ref = "" if not r.bank_txn_id else _sep("AcctSvcrRef", r.bank_txn_id)
            raw(
                f"<TxInfAndSts><OrgnlInstrId>{r.seq}</OrgnlInstrId>"
                f"<OrgnlEndToEndId>{r.seq}</OrgnlEndToEndId><TxSts>{sts}</TxSts>"
                f"<StsRsnInf>{reason}{_sep('AddtlInf', r.raw_message)}</StsRsnInf>{when}{ref}"
                f'<OrgnlTxRef><Amt><InstdAmt Ccy="CNY">{r.amount:.2f}</InstdAmt></Amt>'
                f"<Cdtr><Pty>{_sep('Nm', r.name)}</Pty></Cdtr>"
                f"<CdtrAcct><Id><Othr>{_sep('Id', r.account)}</Othr></Id></CdtrAcct>"
                "</OrgnlTxRef></TxInfAndSts>"
            )
        data = self._sign_and_close(
            w,
            signer,
            "</OrgnlPmtInfAndSts><SplmtryData><Envlp>",
            "</Envlp></SplmtryData></CstmrPmtStsRpt></Document>",
        )
        name = self.file_name(
            self.config.return_file_name_template or self.return_file_name, batch_id, day
        )
        validate_stream(
            data, load_schema(self.return_schema), name, item_tag=f"{{{PAIN002}}}TxInfAndSts"
        )
        return {name: data}

    def parse_return(
        self,
        files: Mapping[str, bytes],
        verifier: Verifier,
        *,
        batch_id: str | None = None,
    ) -> BankReturn:
        name, data = self._single(files, "回盘文件")
        reader = XmlReader(
            data,
            name,
            items=frozenset({_STS}),
            signature_path=_RET_SIG,
            schema=load_schema(self.return_schema),
            root="Document",
            namespace=PAIN002,
        )
        self.check_signer(verifier, "验签密钥")
        status_of = self.status_of
        records = []
        seen: set[int] = set()
        with self._schema_first(reader):
            for item in reader:
                v = item.values
                self._exact_keys(
                    v, _RET_TX, _RET_TX_OPT, name, {"record": item.index, "path": item.path}
                )
                seq = unique_seq(item, "OrgnlInstrId", name, seen, in_return=True)
                code = v.get("StsRsnInf/Rsn/Cd") or v.get("StsRsnInf/Rsn/Prtry") or v["TxSts"]
                records.append(
                    ReturnRecord(
                        seq,
                        v["OrgnlTxRef/CdtrAcct/Id/Othr/Id"],
                        v["OrgnlTxRef/Cdtr/Pty/Nm"],
                        parse_yuan(
                            v["OrgnlTxRef/Amt/InstdAmt"],
                            name,
                            **item.where("OrgnlTxRef/Amt/InstdAmt"),
                        ),
                        status_of(code),
                        code,
                        v["StsRsnInf/AddtlInf"],
                        v.get("AcctSvcrRef") or None,
                        parse_datetime(
                            v.get("AccptncDtTm", ""), "iso", name, **item.where("AccptncDtTm")
                        ),
                        item.line,
                    )
                )
        self._verify_read(reader, verifier, _RET_SIG)
        f = reader.fields
        self._exact_keys(f, _RET_HEADER, frozenset(), name, {})
        found = f[f"{_R}/OrgnlGrpInfAndSts/OrgnlMsgId"]
        if batch_id is not None and found != batch_id:
            raise BankFileError(
                f"回盘文件属于批次 {found}，不是批次 {batch_id}",
                code="bankfile.batch_mismatch",
                file=name,
                path=f"{_R}/OrgnlGrpInfAndSts/OrgnlMsgId",
            )
        g = f"{_R}/OrgnlGrpInfAndSts"
        count = parse_int(f[f"{g}/OrgnlNbOfTxs"], name, what="笔数", path=f"{g}/OrgnlNbOfTxs")
        total = parse_yuan(f[f"{g}/OrgnlCtrlSum"], name, positive=False, path=f"{g}/OrgnlCtrlSum")
        self._figures(
            count,
            total,
            [r.amount for r in records],
            name,
            paths=(f"{g}/OrgnlNbOfTxs", f"{g}/OrgnlCtrlSum"),
            kind="回盘文件",
        )
        return BankReturn(
            bank=self.code,
            batch_id=found,
            count=count,
            total=total,
            records=tuple(records),
            files=(name,),
            signature_algorithm=verifier.algorithm,
            key_fingerprint=verifier.key_fingerprint,
            extra={"MsgId": f[f"{_R}/GrpHdr/MsgId"]},
        )
