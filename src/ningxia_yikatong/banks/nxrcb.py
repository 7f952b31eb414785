"""宁夏黄河农村商业银行 (NXRCB): fixed-width GB18030 files, SM3 digest, detached SM2.

This is a **reference layout** built on public conventions for fixed-width
agent-payment files (header / detail / trailer records, fields sized in bytes,
amounts in fen); the bank's real specification is confidential. A deployment
replaces it with the bank's own through :class:`~._adapter.BankConfig` (file
names, limits, scheme) or a subclass that declares other formats.

Payment file ``NXRCB_DF_<batch>_<YYYYMMDD>_<seq:03d>.dat`` (GB18030, CRLF)::

    H  type "H"(1) version "DF01"(4) batch_id C(32) pay_date D(8)
       payer_account C(32) payer_name C(60)                          = 137 bytes
    D  type "D"(1) seq N(8) account C(32) name C(60) id_number C(18)
       amount N(13, fen) memo C(60)                                  = 192 bytes
    T  type "T"(1) count N(8) total N(15, fen) digest C(64)          =  88 bytes

``digest`` is the SM3 digest (hex) of the detail records' bytes, line ends
included. The detached signature ``<file>.sig`` is the Base64 SM2-SM3
signature of the whole file.

Return file ``NXRCB_HP_<batch>_<YYYYMMDD>_<seq:03d>.dat``::

    H  "H" "HP01" batch_id C(32) date D(8)
    D  "D" seq N(8) account C(32) name C(60) amount N(13) code C(4)
       message C(60) txn_id C(32) settled_at D(14)
    T  "T" count N(8) total N(15) digest C(64)

>>> NxrcbAdapter.instruction_format.widths["detail"]
192
"""

from __future__ import annotations

from typing import ClassVar

from ._adapter import INSTRUCTION_COLUMNS, RETURN_COLUMNS, RecordFileAdapter
from ._fields import Code, Const, Date, DateTime, Fen, Integer, Text
from ._model import status_table
from ._text import FixedWidthFormat

__all__ = ["NxrcbAdapter"]


class NxrcbAdapter(RecordFileAdapter):
    """宁夏黄河农村商业银行: fixed-width GB18030 with SM3 digest and SM2 signature."""

    code: ClassVar[str] = "nxrcb"
    name: ClassVar[str] = "宁夏黄河农村商业银行"
    cnaps: ClassVar[str | None] = None  # 314 is the category of every rural commercial bank
    encoding: ClassVar[str] = "gb18030"
    signature_scheme: ClassVar[str] = "SM2-SM3"
    digest_algorithm: ClassVar[str] = "SM3"
    instruction_file_name: ClassVar[str] = "NXRCB_DF_{batch_id}_{date:%Y%m%d}_{sequence:03d}.dat"
    return_file_name: ClassVar[str] = "NXRCB_HP_{batch_id}_{date:%Y%m%d}_{sequence:03d}.dat"

    instruction_format: ClassVar[FixedWidthFormat] = FixedWidthFormat(
        encoding="gb18030",
        header=[
            Const("type", 1, value="H"),
            Const("version", 4, value="DF01"),
            Code("batch_id", 32),
            Date("pay_date"),
            Code("payer_account", 32),
            Text("payer_name", 60),
        ],
        detail=[
            Const("type", 1, value="D"),
            Integer("seq", 8),
            Code("account", 32),
            Text("name", 60),
            Code("id_number", 18),
            Fen("amount", 13),
            Text("memo", 60),
        ],
        trailer=[
            Const("type", 1, value="T"),
            Integer("count", 8),
            Fen("total", 15),
            Code("digest", 64),
        ],
        columns=INSTRUCTION_COLUMNS,
    )
    return_format: ClassVar[FixedWidthFormat] = FixedWidthFormat(
        encoding="gb18030",
        header=[
            Const("type", 1, value="H"),
            Const("version", 4, value="HP01"),
            Code("batch_id", 32),
            Date("date"),
        ],
        detail=[
            Const("type", 1, value="D"),
            Integer("seq", 8),
            Code("account", 32),
            Text("name", 60),
            Fen("amount", 13),
            Code("code", 4),
            Text("message", 60),
            Code("txn_id", 32),
            DateTime("settled_at"),
        ],
        trailer=[
            Const("type", 1, value="T"),
            Integer("count", 8),
            Fen("total", 15),
            Code("digest", 64),
        ],
        columns=RETURN_COLUMNS,
    )

    # 1011 中止账户不允许入账: suspended by the bank, not closed (stopped)
    status_codes, return_codes = status_table(
        """
        success             0000  入账成功
        pending             0001  处理中
        name_mismatch       1001  户名不符
        account_not_found   1002  账户不存在
        frozen              1003  账户冻结
        closed              1004  账户已销户
        lost                1005  账户已挂失
        stopped             1009  账户已止付
        card_not_activated  1006  卡未激活
        id_mismatch         1007  证件号码不符
        over_limit          1008  超过账户限额
        other               1099  其他错误
        """,
        also="""
        account_not_found   1010  卡号不存在
        stopped             1011  中止账户不允许入账
        """,
    )
