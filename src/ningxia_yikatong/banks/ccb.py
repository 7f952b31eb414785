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
from typing import Any, ClassVar, Final

from ..errors import AdapterError
from ..payout import PayoutBatch
from ._adapter import BankConfig
from ._fields import Code, Const, Date, DateTime, Integer, Text, Yuan
from ._model import ReturnRecord, status_table
from ._xmlbank import XmlBankAdapter
from ._xmllayout import SIGNATURE, El, Items, Leaf, XmlMessage

__all__ = ["CcbAdapter"]

_NO_ID_CHECK: Final = ("bankfile.id_type", "证件类型应为 01（居民身份证）")
_NO_NAME_CHECK: Final = ("bankfile.name_check_off", "付款报文未开启户名校验（CHK_NAME 应为 1）")
#: Leaves both messages have.
_BATCH: Final = Leaf("BATCH_ID", Code("batch_id", 0))
_FIGURES: Final = (
    Leaf("TOTAL_NUM", Integer("count", 12, label="总笔数")),
    Leaf("TOTAL_AMOUNT", Yuan("total", 18)),
)
_PAYEE: Final = (
    Leaf("SN", Integer("seq", 12)),
    Leaf("ACC_NO", Code("account", 0)),
    Leaf("ACC_NAME", Text("name", 0)),
)


class CcbAdapter(XmlBankAdapter):
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

    instruction_message: ClassVar[XmlMessage] = XmlMessage(
        El(
            "TX",
            Leaf("REQUEST_SN", Code("request_sn", 0)),
            Leaf("CUST_ID", Code("cust_id", 0)),
            Leaf("USER_ID", Code("user_id", 0)),
            Leaf("TX_CODE", Code("tx_code", 0)),
            Leaf("LANGUAGE", Const("language", 2, value="CN")),
            El(
                "TX_INFO",
                _BATCH,
                Leaf("PAY_ACCNO", Code("payer_account", 0)),
                Leaf("PAY_ACCNAME", Text("payer_name", 0)),
                Leaf("PAY_DATE", Date("pay_date")),
                *_FIGURES,
                Leaf("CHK_NAME", Const("name_check", 1, value="1"), refuse=_NO_NAME_CHECK),
                El(
                    "DETAIL_LIST",
                    Items(
                        El(
                            "DETAIL",
                            *_PAYEE,
                            Leaf("ID_TYPE", Const("id_type", 2, value="01"), refuse=_NO_ID_CHECK),
                            Leaf("ID_NO", Code("id_number", 0)),
                            Leaf("AMOUNT", Yuan("amount", 18)),
                            Leaf("MEMO", Text("memo", 0)),
                        )
                    ),
                ),
            ),
            SIGNATURE,
        ),
        kind="付款报文",
    )
    return_message: ClassVar[XmlMessage] = XmlMessage(
        El(
            "TX",
            Leaf("REQUEST_SN", Code("request_sn", 0)),
            Leaf("CUST_ID", Code("cust_id", 0)),
            Leaf("TX_CODE", Code("tx_code", 0)),
            Leaf("RETURN_CODE", Code("return_code", 0)),
            Leaf("RETURN_MSG", Text("return_message", 0)),
            El(
                "TX_INFO",
                _BATCH,
                *_FIGURES,
                El(
                    "DETAIL_LIST",
                    Items(
                        El(
                            "DETAIL",
                            *_PAYEE,
                            Leaf("AMOUNT", Yuan("amount", 18)),
                            Leaf("RETURN_CODE", Code("code", 0)),
                            Leaf("RETURN_MSG", Text("message", 0)),
                            Leaf("TXN_SN", Code("txn_id", 0)),
                            Leaf("TXN_TIME", DateTime("settled_at")),
                        )
                    ),
                ),
            ),
            SIGNATURE,
        ),
        kind="回盘文件",
    )
    return_extra: ClassVar[Mapping[str, str]] = {
        "RETURN_CODE": "return_code",
        "RETURN_MSG": "return_message",
    }

    # YBLA09 中止账户不允许入账: suspended by the bank, not closed (stopped)
    status_codes, return_codes = status_table(
        """
        success             000000  交易成功
        pending             100000  交易处理中
        name_mismatch       YBLA01  帐户户名校验失败
        account_not_found   YBLA02  账户不存在
        frozen              YBLA03  账户已冻结
        closed              YBLA04  账户已销户
        lost                YBLA05  账户已挂失
        stopped             YBLA10  账户已止付
        card_not_activated  YBLA06  卡未激活
        id_mismatch         YBLA07  证件号码校验失败
        over_limit          YBLA08  超过账户限额
        other               YBLA99  其他错误
        """,
        also="""
        stopped             YBLA09  中止账户不允许入账
        """,
    )

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

    def _instruction_header(self, batch: PayoutBatch, day: _dt.date) -> dict[str, Any]:
        return {
            **super()._instruction_header(batch, day),
            "request_sn": self._request_sn(batch.batch_id, day),
            "cust_id": self.cust_id or batch.payer_account,
            "user_id": self.user_id,
            "tx_code": self.tx_code,
        }

    def _return_header(
        self, batch_id: str, records: Sequence[ReturnRecord], day: _dt.date
    ) -> dict[str, Any]:
        return {
            **super()._return_header(batch_id, records, day),
            "request_sn": self._request_sn(batch_id, day),
            "cust_id": self.cust_id or "",
            "tx_code": self.tx_code,
            "return_code": "000000",
            "return_message": "交易成功",
        }
