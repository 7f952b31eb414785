"""宁夏示例村镇银行 (a fictional village bank): an example third-party adapter.

This package shows what a bank integrator writes to plug a bank into
ningxia_yikatong: one :class:`~ningxia_yikatong.banks.RecordFileAdapter`
subclass that declares the bank's layouts with the library's format engines,
its return codes and its signing scheme, and one entry point in
``pyproject.toml``::

    [project.entry-points."ningxia_yikatong.banks"]
    demo_vb = "yikatong_bank_example:ExampleVillageBankAdapter"

The layout is invented for the example: comma-separated GB18030 text, a
``HEAD`` line, one line per item, a ``TOTAL`` line with count and total in fen,
and a detached SM2 signature (``<file>.sig``, Base64).

Payment file ``DEMOVB_<batch>_<YYYYMMDD>.csv``::

    HEAD,batch_id,pay_date,payer_account,payer_name
    seq,account,name,id_number,amount_fen,memo
    TOTAL,count,total_fen,sm3_of_detail_lines

Return file ``DEMOVB_RET_<batch>_<YYYYMMDD>.csv``::

    HEAD,batch_id,date
    seq,account,name,amount_fen,code,message,txn_id,settled_at
    TOTAL,count,total_fen,sm3_of_detail_lines
"""

from __future__ import annotations

from typing import ClassVar

from ningxia_yikatong.banks import (
    INSTRUCTION_COLUMNS,
    RETURN_COLUMNS,
    RecordFileAdapter,
    ReturnStatus,
)
from ningxia_yikatong.banks.formats import (
    Code,
    Const,
    Date,
    DateTime,
    DelimitedFormat,
    Fen,
    Integer,
    Text,
)

__all__ = ["ExampleVillageBankAdapter"]

_S = ReturnStatus


class ExampleVillageBankAdapter(RecordFileAdapter):
    """宁夏示例村镇银行: comma-separated GB18030 with SM3 digest and SM2 signature."""

    code: ClassVar[str] = "demo_vb"
    name: ClassVar[str] = "宁夏示例村镇银行"
    cnaps: ClassVar[str | None] = None
    encoding: ClassVar[str] = "gb18030"
    signature_scheme: ClassVar[str] = "SM2-SM3"
    digest_algorithm: ClassVar[str] = "SM3"
    instruction_file_name: ClassVar[str] = "DEMOVB_{batch_id}_{date:%Y%m%d}.csv"
    return_file_name: ClassVar[str] = "DEMOVB_RET_{batch_id}_{date:%Y%m%d}.csv"

    instruction_format: ClassVar[DelimitedFormat] = DelimitedFormat(
        encoding="gb18030",
        delimiter=",",
        summary=[
            Const("type", 4, value="HEAD"),
            Code("batch_id", 32),
            Date("pay_date"),
            Code("payer_account", 32),
            Text("payer_name", 100),
        ],
        detail=[
            Integer("seq", 8),
            Code("account", 32),
            Text("name", 80),
            Code("id_number", 18),
            Fen("amount", 12),
            Text("memo", 80),
        ],
        trailer=[
            Const("type", 5, value="TOTAL"),
            Integer("count", 8),
            Fen("total", 15),
            Code("digest", 64),
        ],
        columns=INSTRUCTION_COLUMNS,
    )
    return_format: ClassVar[DelimitedFormat] = DelimitedFormat(
        encoding="gb18030",
        delimiter=",",
        summary=[Const("type", 4, value="HEAD"), Code("batch_id", 32), Date("date")],
        detail=[
            Integer("seq", 8),
            Code("account", 32),
            Text("name", 80),
            Fen("amount", 12),
            Code("code", 3),
            Text("message", 80),
            Code("txn_id", 40),
            DateTime("settled_at"),
        ],
        trailer=[
            Const("type", 5, value="TOTAL"),
            Integer("count", 8),
            Fen("total", 15),
            Code("digest", 64),
        ],
        columns=RETURN_COLUMNS,
    )

    # A small bank reports fewer outcomes; the kit checks each one it declares.
    status_codes: ClassVar[dict[ReturnStatus, tuple[str, str]]] = {
        _S.SUCCESS: ("S00", "入账成功"),
        _S.NAME_MISMATCH: ("F01", "户名不符"),
        _S.ACCOUNT_NOT_FOUND: ("F02", "账户不存在"),
        _S.CLOSED: ("F03", "账户已销户"),
        _S.FROZEN: ("F04", "账户冻结"),
        _S.OTHER: ("F99", "其他原因"),
    }
    return_codes: ClassVar[dict[str, ReturnStatus]] = {
        code: status for status, (code, _) in status_codes.items()
    }
