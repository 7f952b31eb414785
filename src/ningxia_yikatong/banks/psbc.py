"""中国邮政储蓄银行 (PSBC): fixed-width GBK files with a detached SM2 signature.

This is a **reference layout** built on public conventions for fixed-width
agent-payment files; the bank's real specification is confidential. A
deployment replaces it with the bank's own through
:class:`~._adapter.BankConfig` or a subclass that declares other formats.

GBK cannot encode rare characters (生僻字 such as 䶮, 𠮷). A payment file never
carries a question mark in place of a character: a batch with any name GBK
cannot encode is refused before anything is written, and the error names every
affected item (seq and masked ID) so that the department can handle them (pay
them through another bank, or ask the bank for its rare-character procedure).

Payment file ``PSBC_DF_<batch>_<YYYYMMDD>_<seq:03d>.txt`` (GBK, CRLF)::

    01  type "01"(2) batch_id C(32) pay_date D(8) payer_account C(32)
        payer_name C(60) count N(10) total N(16, fen)                = 160 bytes
    02  type "02"(2) seq N(10) account C(32) name C(40) id_number C(18)
        amount N(15, fen) memo C(40)                                 = 157 bytes
    03  type "03"(2) end "END"(3)                                    =   5 bytes

Return file ``PSBC_HP_<batch>_<YYYYMMDD>_<seq:03d>.txt``: ``01`` batch_id, date,
count, total; ``02`` seq, account, name C(40), amount, code C(6), message
C(60), txn_id C(32), settled_at; ``03`` END. The signature ``<file>.sig`` is
the Base64 SM2-SM3 signature of the file's bytes.

>>> PsbcAdapter.instruction_format.widths["detail"]
157
"""

from __future__ import annotations

from typing import ClassVar

from ._adapter import INSTRUCTION_COLUMNS, RETURN_COLUMNS, RecordFileAdapter
from ._fields import Code, Const, Date, DateTime, Fen, Integer, Text
from ._model import status_table
from ._text import FixedWidthFormat

__all__ = ["PsbcAdapter"]


class PsbcAdapter(RecordFileAdapter):
    """中国邮政储蓄银行: fixed-width GBK with an SM2 signature; no rare characters."""

    code: ClassVar[str] = "psbc"
    name: ClassVar[str] = "中国邮政储蓄银行"
    cnaps: ClassVar[str | None] = "100"
    encoding: ClassVar[str] = "gbk"
    signature_scheme: ClassVar[str] = "SM2-SM3"
    digest_algorithm: ClassVar[str] = "SM3"
    instruction_file_name: ClassVar[str] = "PSBC_DF_{batch_id}_{date:%Y%m%d}_{sequence:03d}.txt"
    return_file_name: ClassVar[str] = "PSBC_HP_{batch_id}_{date:%Y%m%d}_{sequence:03d}.txt"

    instruction_format: ClassVar[FixedWidthFormat] = FixedWidthFormat(
        encoding="gbk",
        header=[
            Const("type", 2, value="01"),
            Code("batch_id", 32),
            Date("pay_date"),
            Code("payer_account", 32),
            Text("payer_name", 60),
            Integer("count", 10),
            Fen("total", 16),
        ],
        detail=[
            Const("type", 2, value="02"),
            Integer("seq", 10),
            Code("account", 32),
            Text("name", 40),
            Code("id_number", 18),
            Fen("amount", 15),
            Text("memo", 40),
        ],
        trailer=[Const("type", 2, value="03"), Const("end", 3, value="END")],
        columns=INSTRUCTION_COLUMNS,
    )
    return_format: ClassVar[FixedWidthFormat] = FixedWidthFormat(
        encoding="gbk",
        header=[
            Const("type", 2, value="01"),
            Code("batch_id", 32),
            Date("date"),
            Integer("count", 10),
            Fen("total", 16),
        ],
        detail=[
            Const("type", 2, value="02"),
            Integer("seq", 10),
            Code("account", 32),
            Text("name", 40),
            Fen("amount", 15),
            Code("code", 6),
            Text("message", 60),
            Code("txn_id", 32),
            DateTime("settled_at"),
        ],
        trailer=[Const("type", 2, value="03"), Const("end", 3, value="END")],
        columns=RETURN_COLUMNS,
    )

    status_codes, return_codes = status_table(
        """
        success             000000  交易成功
        pending             000001  交易处理中
        name_mismatch       E10001  户名不符
        account_not_found   E10002  账号不存在
        frozen              E10003  账户已冻结
        closed              E10004  账户已销户
        lost                E10005  账户已挂失
        stopped             E10006  账户已止付
        id_mismatch         E10007  证件号码不符
        over_limit          E10008  超过账户限额
        card_not_activated  E10009  卡片未激活
        other               E19999  其他错误
        """
    )
