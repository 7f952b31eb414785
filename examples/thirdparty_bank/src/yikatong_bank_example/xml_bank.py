"""宁夏示例合作银行 (a fictional cooperative bank): an example XML bank adapter.

Where :mod:`yikatong_bank_example` declares a text bank, this module declares
an XML one: one :class:`~ningxia_yikatong.banks.XmlBankAdapter` subclass whose
two messages are trees of elements (:class:`~ningxia_yikatong.banks.formats.El`)
and leaves (:class:`~ningxia_yikatong.banks.formats.Leaf`) with the library's
field types. The engine writes each message in one streaming pass with an
enveloped XML-DSig signature (RSA-SHA256, exclusive canonicalization) and
reads it back with every element, the seqs, the count and the total checked.

The messages are invented for the example (UTF-8)::

    <PayReq>
      <Head> <BatchNo/> <PayDate>YYYYMMDD</PayDate> <PayerAcct/> <PayerName/>
             <Count/> <Amount>yuan.2</Amount> </Head>
      <Items> <Item> <No/> <Acct/> <Name/> <IdNo/> <Amt/> <Note/>? </Item> ... </Items>
      <Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/>
    </PayReq>

    <PayRsp>
      <Head> <BatchNo/> <Count/> <Amount/> </Head>
      <Items> <Item> <No/> <Acct/> <Name/> <Amt/> <Code/> <Msg/> <TxnNo/>? <Time/>? </Item>
      </Items>
      <Signature/>
    </PayRsp>

Names are at most 60 bytes, memos 80 (UTF-8); longer text is refused, not cut.
"""

from __future__ import annotations

from typing import ClassVar

from ningxia_yikatong.banks import ReturnStatus, XmlBankAdapter
from ningxia_yikatong.banks.formats import (
    SIGNATURE,
    Code,
    Date,
    DateTime,
    El,
    Integer,
    Items,
    Leaf,
    Text,
    XmlMessage,
    Yuan,
)

__all__ = ["ExampleXmlBankAdapter"]

_S = ReturnStatus


class ExampleXmlBankAdapter(XmlBankAdapter):
    """宁夏示例合作银行: XML in UTF-8, enveloped XML-DSig (RSA-SHA256)."""

    code: ClassVar[str] = "demo_xb"
    name: ClassVar[str] = "宁夏示例合作银行"
    cnaps: ClassVar[str | None] = None
    encoding: ClassVar[str] = "utf-8"
    signature_scheme: ClassVar[str] = "RSA-SHA256"
    instruction_file_name: ClassVar[str] = "DEMOXB_{batch_id}_{date:%Y%m%d}.xml"
    return_file_name: ClassVar[str] = "DEMOXB_RSP_{batch_id}_{date:%Y%m%d}.xml"

    instruction_message: ClassVar[XmlMessage] = XmlMessage(
        El(
            "PayReq",
            El(
                "Head",
                Leaf("BatchNo", Code("batch_id", 32)),
                Leaf("PayDate", Date("pay_date")),
                Leaf("PayerAcct", Code("payer_account", 32)),
                Leaf("PayerName", Text("payer_name", 100)),
                Leaf("Count", Integer("count", 8, label="总笔数")),
                Leaf("Amount", Yuan("total", 18)),
            ),
            El(
                "Items",
                Items(
                    El(
                        "Item",
                        Leaf("No", Integer("seq", 8)),
                        Leaf("Acct", Code("account", 32)),
                        Leaf("Name", Text("name", 60)),
                        Leaf("IdNo", Code("id_number", 18)),
                        Leaf("Amt", Yuan("amount", 15)),
                        Leaf("Note", Text("memo", 80), when="memo"),
                    )
                ),
            ),
            SIGNATURE,
        ),
        kind="付款报文",
    )
    return_message: ClassVar[XmlMessage] = XmlMessage(
        El(
            "PayRsp",
            El(
                "Head",
                Leaf("BatchNo", Code("batch_id", 32)),
                Leaf("Count", Integer("count", 8, label="总笔数")),
                Leaf("Amount", Yuan("total", 18)),
            ),
            El(
                "Items",
                Items(
                    El(
                        "Item",
                        Leaf("No", Integer("seq", 8)),
                        Leaf("Acct", Code("account", 32)),
                        Leaf("Name", Text("name", 60)),
                        Leaf("Amt", Yuan("amount", 15)),
                        Leaf("Code", Code("code", 3)),
                        Leaf("Msg", Text("message", 80)),
                        Leaf("TxnNo", Code("txn_id", 40), when="txn_id"),
                        Leaf("Time", DateTime("settled_at"), when="settled_at"),
                    )
                ),
            ),
            SIGNATURE,
        ),
        kind="回盘文件",
    )

    status_codes: ClassVar[dict[ReturnStatus, tuple[str, str]]] = {
        _S.SUCCESS: ("000", "入账成功"),
        _S.PENDING: ("001", "处理中"),
        _S.NAME_MISMATCH: ("E01", "户名不符"),
        _S.ACCOUNT_NOT_FOUND: ("E02", "账户不存在"),
        _S.FROZEN: ("E03", "账户冻结"),
        _S.OTHER: ("E99", "其他错误"),
    }
    return_codes: ClassVar[dict[str, ReturnStatus]] = {
        code: status for status, (code, _) in status_codes.items()
    }
