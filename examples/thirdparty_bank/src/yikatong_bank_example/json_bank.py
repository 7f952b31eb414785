"""宁夏示例开放银行 (a fictional bank): an example open-API JSON bank adapter.

Beside the text bank (:mod:`yikatong_bank_example`) and the XML bank
(:mod:`yikatong_bank_example.xml_bank`), this module declares a JSON one: one
:class:`~ningxia_yikatong.banks.JsonBankAdapter` subclass whose two messages
are an envelope of string parameters signed over the signing string
(``path?k1=v1&k2=v2``, sorted, empty ones and ``sign`` skipped; SM2 with SM3)
and a business content of members declared with the library's field types.
The engine writes the content piece by piece and reads it back with every
member, the seqs, the count and the total checked, each error naming the JSON
pointer (``/content/items/3/amt``).

The messages are invented for the example (UTF-8)::

    {"req_id": "<batch>-0001", "ts": "YYYYMMDDHHMMSS", "content": "<JSON text>",
     "sign": "<Base64>"}
    content: {"batch_no", "pay_date": "YYYYMMDD", "payer_acct", "payer_name",
              "count": int, "amount": "yuan.2",
              "items": [{"no": int, "acct", "name", "id_no", "amt": "yuan.2", "note"}]}

    response: {"req_id", "ts", "content", "sign"}
    content: {"batch_no", "count": int, "amount",
              "items": [{"no": int, "acct", "name", "amt", "code", "msg", "txn_no",
                         "time": "YYYYMMDDHHMMSS" or ""}]}

Names are at most 60 bytes, notes 80 (UTF-8); longer text is refused, not cut.
The content travels as it is here; a bank that seals it for its SM2 key
declares ``Body("content", sealed=True)`` and is given its key.
"""

from __future__ import annotations

from typing import ClassVar, Final

from ningxia_yikatong.banks import JsonBankAdapter, status_table
from ningxia_yikatong.banks.formats import (
    Body,
    Code,
    Date,
    DateTime,
    El,
    Integer,
    Items,
    JsonMessage,
    Leaf,
    Sign,
    Text,
    Yuan,
)

__all__ = ["ExampleJsonBankAdapter"]

_ENVELOPE: Final = (
    Leaf("req_id", Code("msg_id", 40)),
    Leaf("ts", DateTime("created")),
    Body("content"),
    Sign("sign"),
)


class ExampleJsonBankAdapter(JsonBankAdapter):
    """宁夏示例开放银行: open-API JSON in UTF-8, signed with SM2-SM3."""

    code: ClassVar[str] = "demo_jb"
    name: ClassVar[str] = "宁夏示例开放银行"
    signature_scheme: ClassVar[str] = "SM2-SM3"
    instruction_file_name: ClassVar[str] = "DEMOJB_{batch_id}_{date:%Y%m%d}.json"
    return_file_name: ClassVar[str] = "DEMOJB_RSP_{batch_id}_{date:%Y%m%d}.json"

    instruction_message: ClassVar[JsonMessage] = JsonMessage(
        "/openapi/pay",
        envelope=_ENVELOPE,
        body=(
            Leaf("batch_no", Code("batch_id", 32)),
            Leaf("pay_date", Date("pay_date")),
            Leaf("payer_acct", Code("payer_account", 32)),
            Leaf("payer_name", Text("payer_name", 100)),
            Leaf("count", Integer("count", 0)),
            Leaf("amount", Yuan("total", 18)),
            Items(
                El(
                    "items",
                    Leaf("no", Integer("seq", 0)),
                    Leaf("acct", Code("account", 32)),
                    Leaf("name", Text("name", 60)),
                    Leaf("id_no", Code("id_number", 18)),
                    Leaf("amt", Yuan("amount", 15)),
                    Leaf("note", Text("memo", 80)),
                )
            ),
        ),
        kind="付款报文",
    )
    return_message: ClassVar[JsonMessage] = JsonMessage(
        "/openapi/pay/result",
        envelope=_ENVELOPE,
        body=(
            Leaf("batch_no", Code("batch_id", 32)),
            Leaf("count", Integer("count", 0)),
            Leaf("amount", Yuan("total", 18)),
            Items(
                El(
                    "items",
                    Leaf("no", Integer("seq", 0)),
                    Leaf("acct", Code("account", 32)),
                    Leaf("name", Text("name", 60)),
                    Leaf("amt", Yuan("amount", 15)),
                    Leaf("code", Code("code", 3)),
                    Leaf("msg", Text("message", 80)),
                    Leaf("txn_no", Code("txn_id", 40)),
                    Leaf("time", DateTime("settled_at")),
                )
            ),
        ),
        kind="回盘报文",
    )

    status_codes, return_codes = status_table(
        """
        success             000  入账成功
        pending             001  处理中
        name_mismatch       E01  户名不符
        account_not_found   E02  账户不存在
        other               E99  其他错误
        """
    )
