"""中国工商银行 (ICBC): XLSX batch-payment template (批量支付), detached SM2 signature.

This is a **reference layout** built on the public columns of ICBC's batch
payment upload template; the bank's real specification for agent payments is
confidential. A deployment replaces it with the bank's own through
:class:`~._adapter.BankConfig` or a subclass that declares other formats.

Payment file ``ICBC_PLZF_<batch>_<YYYYMMDD>_<seq:03d>.xlsx``, one sheet
``批量支付``; columns A-L are the template's, M-N are appended so that the bank
can check the ID number and answer per item::

    A 付款账号开户行 (中国工商银行)   B 付款账号      C 付款账号名称
    D 收款账号开户行 (中国工商银行)   E 省份 (宁夏)   F 城市 (empty)
    G 收款账号   H 收款账号名称   I 金额 (yuan, text "1200.50")   J 汇款用途 (memo)
    K 备注 (batch id)   L 短信手机号 (empty)   M 证件号码   N 序号

The last row is the summary: A ``合计``, I the total, N the count. Every cell is
text. The signature ``<file>.sig`` is the Base64 SM2-SM3 signature of the
file's bytes.

Return file ``ICBC_PLZFJG_<batch>_<YYYYMMDD>_<seq:03d>.xlsx``, one sheet
``批量支付结果``: 序号, 收款账号, 收款账号名称, 金额, 处理结果代码, 处理结果说明,
交易流水号, 处理时间 (YYYYMMDDHHMMSS), 备注 (batch id); last row 合计 with the
count (B) and total (D).

>>> IcbcAdapter.instruction_format.labels[:3]
('付款账号开户行', '付款账号', '付款账号名称')
"""

from __future__ import annotations

from typing import ClassVar

from ._adapter import INSTRUCTION_COLUMNS, RETURN_COLUMNS, RecordFileAdapter
from ._fields import Code, Const, DateTime, Filler, Integer, Text, Yuan
from ._model import status_table
from ._xlsx import XlsxFormat

__all__ = ["IcbcAdapter"]

_TOTAL = Const("type", 4, "", value="合计")


class IcbcAdapter(RecordFileAdapter):
    """中国工商银行: XLSX batch-payment template with an SM2 signature."""

    code: ClassVar[str] = "icbc"
    name: ClassVar[str] = "中国工商银行"
    cnaps: ClassVar[str | None] = "102"
    encoding: ClassVar[str] = "gb18030"
    signature_scheme: ClassVar[str] = "SM2-SM3"
    digest_algorithm: ClassVar[str] = "SM3"
    instruction_file_name: ClassVar[str] = "ICBC_PLZF_{batch_id}_{date:%Y%m%d}_{sequence:03d}.xlsx"
    return_file_name: ClassVar[str] = "ICBC_PLZFJG_{batch_id}_{date:%Y%m%d}_{sequence:03d}.xlsx"

    instruction_format: ClassVar[XlsxFormat] = XlsxFormat(
        encoding="gb18030",
        sheet="批量支付",
        detail=[
            Const("payer_bank", 40, "付款账号开户行", value="中国工商银行"),
            Code("payer_account", 32, "付款账号"),
            Text("payer_name", 100, "付款账号名称"),
            Const("payee_bank", 40, "收款账号开户行", value="中国工商银行"),
            Const("province", 20, "省份", value="宁夏"),
            Filler("city", 20, "城市"),
            Code("account", 32, "收款账号"),
            Text("name", 60, "收款账号名称"),
            Yuan("amount", 16, "金额"),
            Text("memo", 60, "汇款用途"),
            Code("batch_id", 32, "备注"),
            Filler("phone", 11, "短信手机号"),
            Code("id_number", 18, "证件号码"),
            Integer("seq", 10, "序号"),
        ],
        summary={0: _TOTAL, 8: Yuan("total", 17, "金额"), 13: Integer("count", 10, "序号")},
        columns=INSTRUCTION_COLUMNS,
    )
    return_format: ClassVar[XlsxFormat] = XlsxFormat(
        encoding="gb18030",
        sheet="批量支付结果",
        detail=[
            Integer("seq", 10, "序号"),
            Code("account", 32, "收款账号"),
            Text("name", 60, "收款账号名称"),
            Yuan("amount", 16, "金额"),
            Code("code", 5, "处理结果代码"),
            Text("message", 60, "处理结果说明"),
            Code("txn_id", 32, "交易流水号"),
            DateTime("settled_at", 14, "处理时间"),
            Code("batch_id", 32, "备注"),
        ],
        summary={0: _TOTAL, 1: Integer("count", 10, "收款账号"), 3: Yuan("total", 17, "金额")},
        columns=RETURN_COLUMNS,
    )

    status_codes, return_codes = status_table(
        """
        success             00000  交易成功
        pending             00001  处理中
        name_mismatch       B0101  户名不符
        account_not_found   B0102  账号不存在
        frozen              B0103  账户冻结
        closed              B0104  账户已销户
        lost                B0105  账户已挂失
        stopped             B0109  账户已止付
        card_not_activated  B0106  卡未激活
        id_mismatch         B0107  证件号码不符
        over_limit          B0108  超过限额
        other               B0199  其他错误
        """
    )
