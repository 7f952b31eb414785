"""宁夏银行 (Bank of Ningxia): open-API JSON batch payment, SM2-signed, SM4-GCM sealed.

This is a **reference profile** in the style of public open-API banking
gateways (ICBC's API platform style); the bank's real interface specification
is confidential. The library does no network I/O: the request is a JSON file
the embedding system posts to ``api_path``, and the response is the JSON the
bank answers with.

Request ``BONX_{batch}_{YYYYMMDD}_{seq:03d}.json`` (UTF-8), one JSON object of
string parameters::

    app_id        the department's application id (default: the payer account)
    msg_id        "<batch id>-<file sequence:04d>", unique per request
    format        "json"
    charset       "UTF-8"
    sign_type     "SM2"
    encrypt_type  "SM2-SM4-GCM"
    timestamp     "YYYY-MM-DD HH:MM:SS"
    biz_content   Base64 of the sealed (数字信封) business content: a fresh SM4-GCM
                  key encrypts the JSON below and is wrapped for the bank's SM2
                  public key (:func:`ningxia_yikatong.signing.seal`)
    sign          Base64 SM2-with-SM3 signature (DER) of the signing string

The signing string is ``api_path + "?" + "&".join(k=v)`` over every parameter
but ``sign``, sorted by key, empty values skipped. The business content::

    {"batch_id", "pay_acc_no", "pay_acc_name", "pay_date": "YYYY-MM-DD",
     "total_num": int, "total_amount": "yuan.2", "chk_name": "1",
     "items": [{"seq": int, "acc_no", "acc_name", "id_type": "01", "id_no",
                "amount": "yuan.2", "memo"}]}

Response ``BONX_{batch}_{YYYYMMDD}_{seq:03d}_resp.json``: ``app_id``, ``msg_id``
(the request's), ``format``, ``charset``, ``sign_type``, ``timestamp``,
``return_code`` / ``return_msg`` of the call, ``response_biz_content`` (the
JSON text of the result, signed as it stands) and ``sign`` over
``return_path + "?" + ...``. The result::

    {"batch_id", "total_num": int, "total_amount": "yuan.2",
     "items": [{"seq": int, "acc_no", "acc_name", "amount", "ret_code", "ret_msg",
                "txn_id", "txn_time": "YYYY-MM-DD HH:MM:SS" or ""}]}

Amounts are strings, never JSON numbers; a JSON number with a fraction is
refused anywhere. Missing or extra members, a body that fails authentication
and a response for another ``msg_id`` are refused, naming the JSON pointer.
The module declares the two messages (:mod:`._jsonlayout`); the engine
(:class:`~._jsonbank.JsonBankAdapter`) writes and reads them.

>>> BonxAdapter.signature_scheme, BonxAdapter.api_path
('SM2-SM3', '/api/yikatong/v1/batch-payment')
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Final

from ..errors import AdapterError
from ..payout import PayoutBatch
from ..signing._keys import Certificate
from ..signing._sm2 import Sm2PrivateKey, Sm2PublicKey
from ._adapter import BankConfig
from ._fields import Code, Const, Date, DateTime, Integer, Text, Yuan
from ._jsonbank import JsonBankAdapter
from ._jsonlayout import Body, JsonMessage, Sign, signing_string
from ._model import ReturnRecord, status_table
from ._xmllayout import El, Items, Leaf

__all__ = ["BonxAdapter", "signing_string"]

_TIME: Final = "%Y-%m-%d %H:%M:%S"
_API: Final = "/api/yikatong/v1/batch-payment"
#: Parameters both envelopes have.
_PARAMS: Final = (
    Leaf("app_id", Code("app_id", 0)),
    Leaf("msg_id", Code("msg_id", 0)),
    Leaf("format", Const("format", 0, value="json")),
    Leaf("charset", Const("charset", 0, value="UTF-8")),
    Leaf("sign_type", Const("sign_type", 0, value="SM2")),
    Leaf("timestamp", DateTime("created"), fmt=_TIME),
    Sign("sign"),
)
_FIGURES: Final = (
    Leaf("batch_id", Code("batch_id", 0)),
    Leaf("total_num", Integer("count", 0)),
    Leaf("total_amount", Yuan("total", 0)),
)
_PAYEE: Final = (
    Leaf("seq", Integer("seq", 0)),
    Leaf("acc_no", Code("account", 0)),
    Leaf("acc_name", Text("name", 0)),
)


class BonxAdapter(JsonBankAdapter):
    """宁夏银行: open-API JSON, SM2-SM3 signatures, business content sealed with
    SM4-GCM under a key wrapped for the bank's SM2 public key.

    ``bank_public_key`` (the bank's SM2 key or certificate) is needed to render;
    the bank side (the simulator) holds ``bank_private_key`` to read requests.
    ``app_id`` is the department's application id (default: the payer account).
    """

    code: ClassVar[str] = "bonx"
    name: ClassVar[str] = "宁夏银行"
    cnaps: ClassVar[str | None] = None  # 313 is the category of every city commercial bank
    signature_scheme: ClassVar[str] = "SM2-SM3"
    api_path: ClassVar[str] = _API
    return_path: ClassVar[str] = f"{_API}/result"
    instruction_file_name: ClassVar[str] = "BONX_{batch_id}_{date:%Y%m%d}_{sequence:03d}.json"
    return_file_name: ClassVar[str] = "BONX_{batch_id}_{date:%Y%m%d}_{sequence:03d}_resp.json"

    instruction_message: ClassVar[JsonMessage] = JsonMessage(
        _API,
        envelope=(
            *_PARAMS,
            Leaf("encrypt_type", Const("encrypt_type", 0, value="SM2-SM4-GCM")),
            Body("biz_content", sealed=True),
        ),
        body=(
            _FIGURES[0],
            Leaf("pay_acc_no", Code("payer_account", 0)),
            Leaf("pay_acc_name", Text("payer_name", 0)),
            Leaf("pay_date", Date("pay_date"), fmt="%Y-%m-%d"),
            *_FIGURES[1:],
            Leaf(
                "chk_name",
                Const("name_check", 1, value="1"),
                refuse=("bankfile.name_check_off", "付款报文未开启户名校验（chk_name 应为 1）"),
            ),
            Items(
                El(
                    "items",
                    *_PAYEE,
                    Leaf(
                        "id_type",
                        Const("id_type", 2, value="01"),
                        refuse=("bankfile.id_type", "证件类型应为 01（居民身份证）"),
                    ),
                    Leaf("id_no", Code("id_number", 0)),
                    Leaf("amount", Yuan("amount", 0)),
                    Leaf("memo", Text("memo", 0)),
                )
            ),
        ),
        kind="付款报文",
    )
    return_message: ClassVar[JsonMessage] = JsonMessage(
        f"{_API}/result",
        envelope=(
            *_PARAMS,
            Leaf("return_code", Code("return_code", 0)),
            Leaf("return_msg", Text("return_message", 0)),
            Body("response_biz_content"),
        ),
        body=(
            *_FIGURES,
            Items(
                El(
                    "items",
                    *_PAYEE,
                    Leaf("amount", Yuan("amount", 0)),
                    Leaf("ret_code", Code("code", 0)),
                    Leaf("ret_msg", Text("message", 0)),
                    Leaf("txn_id", Code("txn_id", 0)),
                    Leaf("txn_time", DateTime("settled_at"), fmt=_TIME),
                )
            ),
        ),
        kind="回盘报文",
    )
    return_extra: ClassVar[Mapping[str, str]] = {
        "msg_id": "msg_id",
        "return_code": "return_code",
        "return_msg": "return_message",
    }

    status_codes, return_codes = status_table(
        """
        success             0000  成功
        pending             0001  处理中
        name_mismatch       2001  户名不符
        account_not_found   2002  账户不存在
        frozen              2003  账户冻结
        closed              2004  账户已销户
        lost                2005  账户已挂失
        stopped             2009  账户已止付
        card_not_activated  2006  卡未激活
        id_mismatch         2007  证件号码不符
        over_limit          2008  超过限额
        other               2999  其他错误
        """
    )

    def __init__(
        self,
        config: BankConfig | None = None,
        *,
        bank_public_key: Sm2PublicKey | Certificate | None = None,
        bank_private_key: Sm2PrivateKey | None = None,
        app_id: str | None = None,
    ) -> None:
        super().__init__(config, bank_public_key=bank_public_key, bank_private_key=bank_private_key)
        if app_id is not None and not (app_id.isascii() and app_id.isalnum() and len(app_id) <= 64):
            raise AdapterError("app_id 应为1至64位字母或数字", code="adapter.config")
        self.app_id = app_id

    def _instruction_values(self, batch: PayoutBatch, day: _dt.date) -> dict[str, Any]:
        return {
            **super()._instruction_values(batch, day),
            "app_id": self.app_id or batch.payer_account,
        }

    def _return_values(
        self, batch_id: str, records: Sequence[ReturnRecord], day: _dt.date
    ) -> dict[str, Any]:
        return {
            **super()._return_values(batch_id, records, day),
            "app_id": self.app_id or "",
            "return_code": "0",
            "return_message": "成功",
        }
