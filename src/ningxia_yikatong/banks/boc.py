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
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Final

from ..payout import PayoutBatch
from ._adapter import BankConfig
from ._fields import Code, Const, Date, DateTime, Integer, Text, Yuan
from ._model import ReturnRecord, status_table
from ._xmlbank import XmlBankAdapter
from ._xmllayout import SIGNATURE, El, Items, Leaf, XmlMessage

__all__ = ["PAIN001", "PAIN002", "BocAdapter"]

#: Namespaces of the two messages.
PAIN001: Final = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
PAIN002: Final = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.12"

#: Transaction statuses written as TxSts themselves (no reason).
_TX_STATUSES: Final = frozenset({"ACSC", "ACCC", "ACSP", "ACCP", "ACTC", "ACWC", "PDNG"})
_CNY: Final = Leaf(
    "Ccy", Const("currency", 3, value="CNY"), refuse=("bankfile.currency", "币种应为人民币（CNY）")
)


def _cnaps(when: str | None, member: Leaf) -> El:
    """``FinInstnId/ClrSysMmbId`` with the CNAPS clearing system and ``member``."""
    return El(
        "FinInstnId",
        El("ClrSysMmbId", El("ClrSysId", Leaf("Cd", Const("clearing", 5, value="CNAPS"))), member),
        when=when,
    )


def _rejected(r: ReturnRecord) -> bool:
    return r.raw_code not in _TX_STATUSES


class BocAdapter(XmlBankAdapter):
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

    instruction_message: ClassVar[XmlMessage] = XmlMessage(
        El(
            "Document",
            El(
                "CstmrCdtTrfInitn",
                El(
                    "GrpHdr",
                    Leaf("MsgId", Code("batch_id", 0)),
                    Leaf("CreDtTm", Text("created_at", 0)),
                    Leaf("NbOfTxs", Integer("count", 15, label="笔数")),
                    Leaf("CtrlSum", Yuan("total", 18)),
                    El("InitgPty", Leaf("Nm", Text("payer_name", 0))),
                ),
                El(
                    "PmtInf",
                    Leaf(
                        "PmtInfId",
                        Code("batch_id", 0),
                        refuse=("bankfile.batch_mismatch", "PmtInfId 与 MsgId（批次号）不一致"),
                    ),
                    Leaf("PmtMtd", Const("method", 3, value="TRF")),
                    Leaf("BtchBookg", Const("batch_booking", 5, value="false")),
                    Leaf("NbOfTxs", Integer("count", 15, label="笔数")),
                    Leaf("CtrlSum", Yuan("total", 18)),
                    El("ReqdExctnDt", Leaf("Dt", Date("pay_date"), fmt="%Y-%m-%d")),
                    El("Dbtr", Leaf("Nm", Text("payer_name", 0))),
                    El("DbtrAcct", El("Id", El("Othr", Leaf("Id", Code("payer_account", 0))))),
                    El("DbtrAgt", _cnaps(None, Leaf("MmbId", Code("cnaps", 0)))),
                    Items(
                        El(
                            "CdtTrfTxInf",
                            El(
                                "PmtId",
                                Leaf("InstrId", Integer("seq", 12)),
                                Leaf("EndToEndId", Code("end_to_end_id", 0), source="seq"),
                            ),
                            El("Amt", Leaf("InstdAmt", Yuan("amount", 18), attrs=(_CNY,))),
                            El(
                                "CdtrAgt",
                                _cnaps(None, Leaf("MmbId", Code("branch", 12))),
                                when="branch",
                            ),
                            El(
                                "Cdtr",
                                Leaf("Nm", Text("name", 0)),
                                El(
                                    "Id",
                                    El(
                                        "PrvtId",
                                        El(
                                            "Othr",
                                            Leaf("Id", Code("id_number", 0)),
                                            El(
                                                "SchmeNm",
                                                Leaf("Cd", Const("scheme", 4, value="NIDN")),
                                            ),
                                        ),
                                    ),
                                ),
                            ),
                            El("CdtrAcct", El("Id", El("Othr", Leaf("Id", Code("account", 0))))),
                            El("RmtInf", Leaf("Ustrd", Text("memo", 0)), when="memo"),
                        )
                    ),
                ),
                El("SplmtryData", El("Envlp", SIGNATURE)),
            ),
        ),
        namespace=PAIN001,
        schema=request_schema,
        kind="付款报文",
    )
    return_message: ClassVar[XmlMessage] = XmlMessage(
        El(
            "Document",
            El(
                "CstmrPmtStsRpt",
                El(
                    "GrpHdr",
                    Leaf("MsgId", Code("msg_id", 0)),
                    Leaf("CreDtTm", Text("created_at", 0)),
                ),
                El(
                    "OrgnlGrpInfAndSts",
                    Leaf("OrgnlMsgId", Code("batch_id", 0)),
                    Leaf("OrgnlMsgNmId", Text("original_message", 0)),
                    Leaf("OrgnlNbOfTxs", Integer("count", 15, label="笔数")),
                    Leaf("OrgnlCtrlSum", Yuan("total", 18)),
                ),
                El(
                    "OrgnlPmtInfAndSts",
                    Leaf("OrgnlPmtInfId", Code("payment_id", 0), source="batch_id"),
                    Items(
                        El(
                            "TxInfAndSts",
                            Leaf("OrgnlInstrId", Integer("seq", 12)),
                            Leaf("OrgnlEndToEndId", Code("end_to_end_id", 0), source="seq"),
                            Leaf("TxSts", Code("tx_status", 0)),
                            El(
                                "StsRsnInf",
                                El(
                                    "Rsn",
                                    Leaf("Cd", Code("reason_code", 0), when="reason_code"),
                                    Leaf(
                                        "Prtry",
                                        Code("reason_proprietary", 0),
                                        when="reason_proprietary",
                                    ),
                                    when="rejected",
                                ),
                                Leaf("AddtlInf", Text("message", 0)),
                            ),
                            Leaf(
                                "AccptncDtTm", DateTime("settled_at"), fmt="iso", when="settled_at"
                            ),
                            Leaf("AcctSvcrRef", Code("txn_id", 0), when="txn_id"),
                            El(
                                "OrgnlTxRef",
                                El("Amt", Leaf("InstdAmt", Yuan("amount", 18), attrs=(_CNY,))),
                                El("Cdtr", El("Pty", Leaf("Nm", Text("name", 0)))),
                                El(
                                    "CdtrAcct", El("Id", El("Othr", Leaf("Id", Code("account", 0))))
                                ),
                            ),
                        )
                    ),
                ),
                El("SplmtryData", El("Envlp", SIGNATURE)),
            ),
        ),
        namespace=PAIN002,
        schema=return_schema,
        kind="回盘文件",
    )
    #: The status of a return item, its reason (a rejection's code) and whether it has one.
    derived: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "rejected": _rejected,
        "tx_status": lambda r: "RJCT" if _rejected(r) else r.raw_code,
        "reason_code": lambda r: _rejected(r) and len(r.raw_code) <= 4 and r.raw_code,
        "reason_proprietary": lambda r: _rejected(r) and len(r.raw_code) > 4 and r.raw_code,
    }
    return_extra: ClassVar[Mapping[str, str]] = {"MsgId": "msg_id"}

    # also: the ISO 20022 transaction statuses and reasons the bank may send
    status_codes, return_codes = status_table(
        """
        success             ACSC  入账成功
        pending             PDNG  处理中
        name_mismatch       BE01  户名不符
        account_not_found   AC01  账号不存在
        frozen              AC06  账户冻结
        closed              AC04  账户已销户
        lost                AG01  账户已挂失，禁止交易
        stopped             LEGL  账户已止付（司法或银行决定）
        card_not_activated  AC14  卡未激活
        id_mismatch         BE17  证件号码不符
        over_limit          AM14  超过约定限额
        other               NARR  其他原因
        """,
        also="""
        success             ACCC  AcceptedSettlementCompleted
        pending             ACSP  AcceptedSettlementInProcess
        pending             ACCP  AcceptedCustomerProfile
        pending             ACTC  AcceptedTechnicalValidation
        closed              AC07  ClosedCreditorAccountNumber
        over_limit          AM02  NotAllowedAmount
        """,
    )

    def __init__(self, config: BankConfig | None = None, *, validate: bool = True) -> None:
        super().__init__(config)
        self.validate = validate

    def _instruction_header(self, batch: PayoutBatch, day: _dt.date) -> dict[str, Any]:
        return {
            **super()._instruction_header(batch, day),
            "created_at": f"{day.isoformat()}T00:00:00",
        }

    def _return_header(
        self, batch_id: str, records: Sequence[ReturnRecord], day: _dt.date
    ) -> dict[str, Any]:
        return {
            **super()._return_header(batch_id, records, day),
            "msg_id": batch_id + "-R",
            "created_at": f"{day.isoformat()}T00:00:00",
            "original_message": "pain.001.001.09",
        }

    def _return_code(self, values: Mapping[str, Any]) -> str:
        """The reason code of a rejection, else the transaction status."""
        code: str = (
            values.get("reason_code") or values.get("reason_proprietary") or values["tx_status"]
        )
        return code
