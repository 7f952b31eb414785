"""中国农业银行 (ABC): '|'-delimited GBK text with a summary line, RSA-SHA256.

This is a **reference layout** built on public conventions for delimited
agent-payment files (often CSV renamed TXT, a summary line with count and
total); the bank's real specification is confidential. A deployment replaces
it with the bank's own through :class:`~._adapter.BankConfig` or a subclass
that declares other formats.

Payment file ``ABC_DF_<batch>_<YYYYMMDD>_<seq:03d>.txt`` (GBK, CRLF), amounts in
yuan with two decimals; the first line is the summary::

    batch_id|count|total|payer_account|payer_name|pay_date
    seq|account|name|id_number|amount|memo          (one line per item)

A field may not contain ``|`` or a line break (the item is refused, never
escaped). The detached signature ``<file>.sig`` is the Base64 RSA-SHA256
(PKCS#1 v1.5) signature of the file's bytes.

Return file ``ABC_HP_<batch>_<YYYYMMDD>_<seq:03d>.txt``::

    batch_id|date|count|total
    seq|account|name|amount|code|message|txn_id|settled_at

>>> AbcAdapter.signature_scheme
'RSA-SHA256'
"""

from __future__ import annotations

from typing import ClassVar

from ._adapter import INSTRUCTION_COLUMNS, RETURN_COLUMNS, RecordFileAdapter
from ._fields import Code, Date, DateTime, Integer, Text, Yuan
from ._model import status_table
from ._text import DelimitedFormat

__all__ = ["AbcAdapter"]


class AbcAdapter(RecordFileAdapter):
    """中国农业银行: '|'-delimited GBK with a summary line and an RSA-SHA256 signature."""

    code: ClassVar[str] = "abc"
    name: ClassVar[str] = "中国农业银行"
    cnaps: ClassVar[str | None] = "103"
    encoding: ClassVar[str] = "gbk"
    signature_scheme: ClassVar[str] = "RSA-SHA256"
    digest_algorithm: ClassVar[str] = "SHA256"
    instruction_file_name: ClassVar[str] = "ABC_DF_{batch_id}_{date:%Y%m%d}_{sequence:03d}.txt"
    return_file_name: ClassVar[str] = "ABC_HP_{batch_id}_{date:%Y%m%d}_{sequence:03d}.txt"

    instruction_format: ClassVar[DelimitedFormat] = DelimitedFormat(
        encoding="gbk",
        summary=[
            Code("batch_id", 32),
            Integer("count", 10),
            Yuan("total", 17),
            Code("payer_account", 32),
            Text("payer_name", 100),
            Date("pay_date"),
        ],
        detail=[
            Integer("seq", 10),
            Code("account", 32),
            Text("name", 60),
            Code("id_number", 18),
            Yuan("amount", 16),
            Text("memo", 60),
        ],
        columns=INSTRUCTION_COLUMNS,
    )
    return_format: ClassVar[DelimitedFormat] = DelimitedFormat(
        encoding="gbk",
        summary=[Code("batch_id", 32), Date("date"), Integer("count", 10), Yuan("total", 17)],
        detail=[
            Integer("seq", 10),
            Code("account", 32),
            Text("name", 60),
            Yuan("amount", 16),
            Code("code", 4),
            Text("message", 60),
            Code("txn_id", 32),
            DateTime("settled_at"),
        ],
        columns=RETURN_COLUMNS,
    )

    status_codes, return_codes = status_table(
        """
        success             0000  交易成功
        pending             0010  处理中
        name_mismatch       3001  户名不符
        account_not_found   3002  无此账户
        frozen              3003  账户冻结
        closed              3004  账户已销户
        lost                3005  账户已挂失
        stopped             3009  账户已止付
        id_mismatch         3006  证件号码不符
        card_not_activated  3007  卡未激活
        over_limit          3008  超过限额
        other               3999  其他错误
        """
    )
