"""中国建设银行 (CCB): bank-enterprise direct-connect XML (银企直连) in GB18030.

This is a **reference layout** built on the public conventions of CCB-style
direct-connect messages (``TX`` / ``REQUEST_SN`` / ``CUST_ID`` / ``USER_ID`` /
``TX_CODE`` / ``TX_INFO``); the bank's real specification is confidential. A
deployment replaces it through the constructor's ``cust_id``, ``user_id`` and
``tx_code`` or a subclass.

Payment message ``CCB_DF_<batch>_<YYYYMMDD>_<seq:03d>.xml`` (GB18030)::

    <TX>
      <REQUEST_SN/> <CUST_ID/> <USER_ID/> <TX_CODE>6W8010</TX_CODE> <LANGUAGE>CN</LANGUAGE>
      <TX_INFO>
        <BATCH_ID/> <PAY_ACCNO/> <PAY_ACCNAME/> <PAY_DATE>YYYYMMDD</PAY_DATE>
        <TOTAL_NUM/> <TOTAL_AMOUNT>yuan, 2 decimals</TOTAL_AMOUNT>
        <CHK_NAME>1</CHK_NAME>                  payee-name check (户名校验) on
        <DETAIL_LIST>
          <DETAIL> <SN/> <ACC_NO/> <ACC_NAME/> <ID_TYPE>01</ID_TYPE> <ID_NO/>
                   <AMOUNT/> <MEMO/> </DETAIL> ...
        </DETAIL_LIST>
      </TX_INFO>
      <Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/>   enveloped, RSA-SHA256
    </TX>

Return message ``CCB_HP_<batch>_<YYYYMMDD>_<seq:03d>.xml``: ``TX`` with
``REQUEST_SN``, ``CUST_ID``, ``TX_CODE``, ``RETURN_CODE`` / ``RETURN_MSG`` of the
message, ``TX_INFO`` with ``BATCH_ID``, ``TOTAL_NUM``, ``TOTAL_AMOUNT`` and a
``DETAIL_LIST`` of ``DETAIL`` (``SN``, ``ACC_NO``, ``ACC_NAME``, ``AMOUNT``,
``RETURN_CODE``, ``RETURN_MSG``, ``TXN_SN``, ``TXN_TIME`` YYYYMMDDHHMMSS), then
the bank's enveloped signature. ``RETURN_CODE`` 000000 is success; the others
are mapped to :class:`~ningxia_yikatong.banks.ReturnStatus` (an unknown code is
``OTHER`` with the code kept).

>>> CcbAdapter.encoding, CcbAdapter.signature_scheme
('gb18030', 'RSA-SHA256')
>>> CcbAdapter.return_codes["000000"]
<ReturnStatus.SUCCESS: 'success'>
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import ClassVar, Final

from ..errors import AdapterError, BankFileError
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
    parse_datetime,
    parse_int,
    parse_yuan,
    unique_seq,
    yuan,
)
from ._xmldsig import SignedXmlAdapter

__all__ = ["CcbAdapter"]

_S = ReturnStatus
_SIG: Final = "/TX/Signature"
_DETAIL: Final = "/TX/TX_INFO/DETAIL_LIST/DETAIL"
_REQ_HEADER: Final = frozenset(
    {
        "/TX/REQUEST_SN",
        "/TX/CUST_ID",
        "/TX/USER_ID",
        "/TX/TX_CODE",
        "/TX/LANGUAGE",
        "/TX/TX_INFO/BATCH_ID",
        "/TX/TX_INFO/PAY_ACCNO",
        "/TX/TX_INFO/PAY_ACCNAME",
        "/TX/TX_INFO/PAY_DATE",
        "/TX/TX_INFO/TOTAL_NUM",
        "/TX/TX_INFO/TOTAL_AMOUNT",
        "/TX/TX_INFO/CHK_NAME",
    }
)
_REQ_DETAIL: Final = frozenset({"SN", "ACC_NO", "ACC_NAME", "ID_TYPE", "ID_NO", "AMOUNT", "MEMO"})
_RET_HEADER: Final = frozenset(
    {
        "/TX/REQUEST_SN",
        "/TX/CUST_ID",
        "/TX/TX_CODE",
        "/TX/RETURN_CODE",
        "/TX/RETURN_MSG",
        "/TX/TX_INFO/BATCH_ID",
        "/TX/TX_INFO/TOTAL_NUM",
        "/TX/TX_INFO/TOTAL_AMOUNT",
    }
)
_RET_DETAIL: Final = frozenset(
    {"SN", "ACC_NO", "ACC_NAME", "AMOUNT", "RETURN_CODE", "RETURN_MSG", "TXN_SN", "TXN_TIME"}
)
_NONE: Final = frozenset[str]()


class CcbAdapter(SignedXmlAdapter):
    """中国建设银行: direct-connect XML in GB18030, enveloped XML-DSig (RSA-SHA256).

    ``cust_id`` (客户号) and ``user_id`` (操作员号) are the deployment's
    direct-connect identity; without them the payer account and ``"001"`` are
    written. ``tx_code`` is the batch-payment transaction code.
    """

    code: ClassVar[str] = "ccb"
    name: ClassVar[str] = "中国建设银行"
    cnaps: ClassVar[str | None] = "105"
    encoding: ClassVar[str] = "gb18030"
    signature_scheme: ClassVar[str] = "RSA-SHA256"
    instruction_file_name: ClassVar[str] = "CCB_DF_{batch_id}_{date:%Y%m%d}_{sequence:03d}.xml"
    return_file_name: ClassVar[str] = "CCB_HP_{batch_id}_{date:%Y%m%d}_{sequence:03d}.xml"

    status_codes: ClassVar[Mapping[ReturnStatus, tuple[str, str]]] = {
        _S.SUCCESS: ("000000", "交易成功"),
        _S.PENDING: ("100000", "交易处理中"),
        _S.NAME_MISMATCH: ("YBLA01", "帐户户名校验失败"),
        _S.ACCOUNT_NOT_FOUND: ("YBLA02", "账户不存在"),
        _S.FROZEN: ("YBLA03", "账户已冻结"),
        _S.CLOSED: ("YBLA04", "账户已销户"),
        _S.LOST: ("YBLA05", "账户已挂失"),
        _S.STOPPED: ("YBLA10", "账户已止付"),
        _S.CARD_NOT_ACTIVATED: ("YBLA06", "卡未激活"),
        _S.ID_MISMATCH: ("YBLA07", "证件号码校验失败"),
        _S.OVER_LIMIT: ("YBLA08", "超过账户限额"),
        _S.OTHER: ("YBLA99", "其他错误"),
    }
    return_codes: ClassVar[Mapping[str, ReturnStatus]] = {
        **{code: status for status, (code, _) in status_codes.items()},
        "YBLA09": _S.STOPPED,  # 中止账户不允许入账: suspended by the bank, not closed
    }

    def __init__(
        self,
        config: BankConfig | None = None,
        *,
        cust_id: str | None = None,
        user_id: str = "001",
        tx_code: str = "6W8010",
    ) -> None:
        super().__init__(config)
        for label, value in (
            ("客户号", cust_id or "0"),
            ("操作员号", user_id),
            ("交易码", tx_code),
        ):
            if not (value.isascii() and value.isalnum() and len(value) <= 32):
                raise AdapterError(f"{label}应为1至32位字母或数字", code="adapter.config")
        self.cust_id = cust_id
        self.user_id = user_id
        self.tx_code = tx_code

    def _request_sn(self, batch_id: str, day: _dt.date) -> str:
        return f"{day:%Y%m%d}{self.config.file_sequence:04d}{batch_id}"[:40]

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
        w = CanonicalWriter(self.encoding)
        w.raw(
            f"<TX><REQUEST_SN>{self._request_sn(batch.batch_id, day)}</REQUEST_SN>"
            f"<CUST_ID>{self.cust_id or batch.payer_account}</CUST_ID>"
            f"<USER_ID>{self.user_id}</USER_ID><TX_CODE>{self.tx_code}</TX_CODE>"
            "<LANGUAGE>CN</LANGUAGE><TX_INFO>"
            f"<BATCH_ID>{batch.batch_id}</BATCH_ID><PAY_ACCNO>{batch.payer_account}</PAY_ACCNO>"
            f"<PAY_ACCNAME>{escape_text(payer_name)}</PAY_ACCNAME>"
            f"<PAY_DATE>{pay_date:%Y%m%d}</PAY_DATE><TOTAL_NUM>{batch.count}</TOTAL_NUM>"
            f"<TOTAL_AMOUNT>{yuan(batch.total)}</TOTAL_AMOUNT><CHK_NAME>1</CHK_NAME>"
            "<DETAIL_LIST>"
        )
        raw = w.raw
        for item in batch.items:
            b = item.beneficiary
            raw(
                f"<DETAIL><SN>{item.seq}</SN><ACC_NO>{b.account.number}</ACC_NO>"
                f"<ACC_NAME>{escape_text(b.account.holder_name)}</ACC_NAME>"
                f"<ID_TYPE>01</ID_TYPE><ID_NO>{b.id_number}</ID_NO>"
                f"<AMOUNT>{item.amount:.2f}</AMOUNT>"
                f"<MEMO>{escape_text(item.memo or '')}</MEMO></DETAIL>"
            )
        data = self._sign_and_close(w, signer, "</DETAIL_LIST></TX_INFO>", "</TX>")
        name = self.file_name(
            self.config.file_name_template or self.instruction_file_name, batch.batch_id, day
        )
        return self._payment_file(batch, name, data, signer)

    # -- bank side ---------------------------------------------------------------
    def read_instructions(
        self, payment: PaymentFile | Mapping[str, bytes], verifier: Verifier
    ) -> Instructions:
        name, data = self._single(payment, "付款文件")
        reader = XmlReader(
            data, name, items=frozenset({_DETAIL}), signature_path=_SIG, root="TX", namespace=""
        )
        self.check_signer(verifier, "验签密钥")
        records = []
        seen: set[int] = set()
        with self._schema_first(reader):
            for item in reader:
                v = item.values
                self._exact_keys(
                    v, _REQ_DETAIL, _NONE, name, {"record": item.index, "path": item.path}
                )
                seq = unique_seq(item, "SN", name, seen, in_return=False)
                if v["ID_TYPE"] != "01":
                    raise BankFileError(
                        "证件类型应为 01（居民身份证）",
                        code="bankfile.id_type",
                        file=name,
                        **item.where("ID_TYPE"),
                    )
                amount = parse_yuan(v["AMOUNT"], name, **item.where("AMOUNT"))
                records.append(
                    InstructionRecord(
                        seq,
                        v["ACC_NO"],
                        v["ACC_NAME"],
                        v["ID_NO"],
                        amount,
                        v["MEMO"] or None,
                        item.line,
                    )
                )
        self._verify_read(reader, verifier, _SIG)
        f = reader.fields
        self._exact_keys(f, _REQ_HEADER, _NONE, name, {})
        if f["/TX/TX_INFO/CHK_NAME"] != "1":
            raise BankFileError(
                "付款报文未开启户名校验（CHK_NAME 应为 1）",
                code="bankfile.name_check_off",
                file=name,
                path="/TX/TX_INFO/CHK_NAME",
            )
        count = parse_int(
            f["/TX/TX_INFO/TOTAL_NUM"], name, what="总笔数", path="/TX/TX_INFO/TOTAL_NUM"
        )
        total = parse_yuan(
            f["/TX/TX_INFO/TOTAL_AMOUNT"], name, positive=False, path="/TX/TX_INFO/TOTAL_AMOUNT"
        )
        self._figures(
            count,
            total,
            [r.amount for r in records],
            name,
            paths=("/TX/TX_INFO/TOTAL_NUM", "/TX/TX_INFO/TOTAL_AMOUNT"),
            kind="付款报文",
        )
        pay_date = parse_datetime(
            f["/TX/TX_INFO/PAY_DATE"], "%Y%m%d", name, path="/TX/TX_INFO/PAY_DATE"
        )
        return Instructions(
            bank=self.code,
            batch_id=f["/TX/TX_INFO/BATCH_ID"],
            count=count,
            total=total,
            records=tuple(records),
            payer_account=f["/TX/TX_INFO/PAY_ACCNO"],
            payer_name=f["/TX/TX_INFO/PAY_ACCNAME"],
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
        w.raw(
            f"<TX><REQUEST_SN>{self._request_sn(batch_id, day)}</REQUEST_SN>"
            f"<CUST_ID>{escape_text(self.cust_id or '')}</CUST_ID>"
            f"<TX_CODE>{self.tx_code}</TX_CODE><RETURN_CODE>000000</RETURN_CODE>"
            f"<RETURN_MSG>交易成功</RETURN_MSG><TX_INFO><BATCH_ID>{escape_text(batch_id)}</BATCH_ID>"
            f"<TOTAL_NUM>{len(records)}</TOTAL_NUM><TOTAL_AMOUNT>{yuan(total)}</TOTAL_AMOUNT>"
            "<DETAIL_LIST>"
        )
        raw = w.raw
        for r in records:
            when = "" if r.settled_at is None else f"{r.settled_at:%Y%m%d%H%M%S}"
            raw(
                f"<DETAIL><SN>{r.seq}</SN><ACC_NO>{escape_text(r.account)}</ACC_NO>"
                f"<ACC_NAME>{escape_text(r.name)}</ACC_NAME><AMOUNT>{r.amount:.2f}</AMOUNT>"
                f"<RETURN_CODE>{escape_text(r.raw_code)}</RETURN_CODE>"
                f"<RETURN_MSG>{escape_text(r.raw_message)}</RETURN_MSG>"
                f"<TXN_SN>{escape_text(r.bank_txn_id or '')}</TXN_SN><TXN_TIME>{when}</TXN_TIME>"
                "</DETAIL>"
            )
        data = self._sign_and_close(w, signer, "</DETAIL_LIST></TX_INFO>", "</TX>")
        name = self.file_name(
            self.config.return_file_name_template or self.return_file_name, batch_id, day
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
            data, name, items=frozenset({_DETAIL}), signature_path=_SIG, root="TX", namespace=""
        )
        self.check_signer(verifier, "验签密钥")
        status_of = self.status_of
        records = []
        seen: set[int] = set()
        with self._schema_first(reader):
            for item in reader:
                v = item.values
                self._exact_keys(
                    v, _RET_DETAIL, _NONE, name, {"record": item.index, "path": item.path}
                )
                seq = unique_seq(item, "SN", name, seen, in_return=True)
                code = v["RETURN_CODE"]
                records.append(
                    ReturnRecord(
                        seq,
                        v["ACC_NO"],
                        v["ACC_NAME"],
                        parse_yuan(v["AMOUNT"], name, **item.where("AMOUNT")),
                        status_of(code),
                        code,
                        v["RETURN_MSG"],
                        v["TXN_SN"] or None,
                        parse_datetime(
                            v["TXN_TIME"], "%Y%m%d%H%M%S", name, **item.where("TXN_TIME")
                        ),
                        item.line,
                    )
                )
        self._verify_read(reader, verifier, _SIG)
        f = reader.fields
        self._exact_keys(f, _RET_HEADER, _NONE, name, {})
        found = f["/TX/TX_INFO/BATCH_ID"]
        if batch_id is not None and found != batch_id:
            raise BankFileError(
                f"回盘文件属于批次 {found}，不是批次 {batch_id}",
                code="bankfile.batch_mismatch",
                file=name,
                path="/TX/TX_INFO/BATCH_ID",
            )
        count = parse_int(
            f["/TX/TX_INFO/TOTAL_NUM"], name, what="总笔数", path="/TX/TX_INFO/TOTAL_NUM"
        )
        total = parse_yuan(
            f["/TX/TX_INFO/TOTAL_AMOUNT"], name, positive=False, path="/TX/TX_INFO/TOTAL_AMOUNT"
        )
        self._figures(
            count,
            total,
            [r.amount for r in records],
            name,
            paths=("/TX/TX_INFO/TOTAL_NUM", "/TX/TX_INFO/TOTAL_AMOUNT"),
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
            extra={"RETURN_CODE": f["/TX/RETURN_CODE"], "RETURN_MSG": f["/TX/RETURN_MSG"]},
        )
