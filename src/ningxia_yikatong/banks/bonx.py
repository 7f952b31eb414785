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

>>> BonxAdapter.signature_scheme, BonxAdapter.api_path
('SM2-SM3', '/api/yikatong/v1/batch-payment')
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from json.encoder import encode_basestring as _encode_string
from typing import Any, ClassVar, Final

from ..errors import AdapterError, BankFileError, SignatureError, YikatongError
from ..payout import PayoutBatch
from ..signing._base64 import b64decode_canonical
from ..signing._digest import digest
from ..signing._keys import Certificate
from ..signing._protocols import Signer, Verifier
from ..signing._seal import open_sealed, seal_chunks
from ..signing._sm2 import Sm2PrivateKey, Sm2PublicKey, generate_sm2_key
from ._adapter import BankAdapter, BankConfig, argument_error
from ._json import _join, _Json, _pointer, _Streamed
from ._model import (
    BankReturn,
    InstructionRecord,
    Instructions,
    PaymentFile,
    ReturnRecord,
    ReturnStatus,
)
from ._xml import parse_datetime, parse_yuan, yuan

__all__ = ["BonxAdapter", "signing_string"]

_S = ReturnStatus
_REQ_PARAMS: Final = frozenset(
    {
        "app_id",
        "msg_id",
        "format",
        "charset",
        "sign_type",
        "encrypt_type",
        "timestamp",
        "biz_content",
        "sign",
    }
)
_RESP_PARAMS: Final = frozenset(
    {
        "app_id",
        "msg_id",
        "format",
        "charset",
        "sign_type",
        "timestamp",
        "return_code",
        "return_msg",
        "response_biz_content",
        "sign",
    }
)
_REQ_BIZ: Final = frozenset(
    {
        "batch_id",
        "pay_acc_no",
        "pay_acc_name",
        "pay_date",
        "total_num",
        "total_amount",
        "chk_name",
        "items",
    }
)
_REQ_ITEM: Final = frozenset({"seq", "acc_no", "acc_name", "id_type", "id_no", "amount", "memo"})
_RESP_BIZ: Final = frozenset({"batch_id", "total_num", "total_amount", "items"})
_RESP_ITEM: Final = frozenset(
    {"seq", "acc_no", "acc_name", "amount", "ret_code", "ret_msg", "txn_id", "txn_time"}
)
_RESP_TEXT: Final = ("acc_no", "acc_name", "amount", "ret_code", "ret_msg", "txn_id", "txn_time")
_TIME: Final = "%Y-%m-%d %H:%M:%S"


def signing_string(path: str, params: Mapping[str, str]) -> bytes:
    """``path?k1=v1&k2=v2`` over the parameters but ``sign``, sorted, empty ones skipped.

    >>> signing_string("/p", {"b": "2", "a": "1", "c": "", "sign": "x"})
    b'/p?a=1&b=2'
    """
    if not isinstance(path, str):
        raise argument_error("signing_string", "path", "str", path)
    if not isinstance(params, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in params.items()
    ):
        raise argument_error("signing_string", "params", "Mapping[str, str]", params)
    # Encoded member by member and joined once: a long value (the sealed body)
    # is copied once as bytes, not as several whole str texts.
    parts = [f"{path}?".encode()]
    for k in sorted(params):
        v = params[k]
        if k != "sign" and v != "":
            try:
                parts.append(f"{'&' if len(parts) > 1 else ''}{k}=".encode())
                parts.append(v.encode())
            except UnicodeEncodeError:
                raise BankFileError(
                    f"参数 {k[:40]!r} 含有UTF-8不能表示的字符（不成对的代理项）",
                    code="bankfile.encoding",
                    path=_pointer(k),
                ) from None
    return b"".join(parts)


class BonxAdapter(BankAdapter):
    """宁夏银行: open-API JSON, SM2-SM3 signatures, business content sealed with
    SM4-GCM under a key wrapped for the bank's SM2 public key.

    ``bank_public_key`` (the bank's SM2 key or certificate) is needed to render;
    the bank side (the simulator) holds ``bank_private_key`` to read requests.
    """

    code: ClassVar[str] = "bonx"
    name: ClassVar[str] = "宁夏银行"
    cnaps: ClassVar[str | None] = None  # 313 is the category of every city commercial bank
    encoding: ClassVar[str] = "utf-8"
    signature_scheme: ClassVar[str] = "SM2-SM3"
    digest_algorithm: ClassVar[str] = "SM3"
    api_path: ClassVar[str] = "/api/yikatong/v1/batch-payment"
    return_path: ClassVar[str] = "/api/yikatong/v1/batch-payment/result"
    instruction_file_name: ClassVar[str] = "BONX_{batch_id}_{date:%Y%m%d}_{sequence:03d}.json"
    return_file_name: ClassVar[str] = "BONX_{batch_id}_{date:%Y%m%d}_{sequence:03d}_resp.json"

    status_codes: ClassVar[Mapping[ReturnStatus, tuple[str, str]]] = {
        _S.SUCCESS: ("0000", "成功"),
        _S.PENDING: ("0001", "处理中"),
        _S.NAME_MISMATCH: ("2001", "户名不符"),
        _S.ACCOUNT_NOT_FOUND: ("2002", "账户不存在"),
        _S.FROZEN: ("2003", "账户冻结"),
        _S.CLOSED: ("2004", "账户已销户"),
        _S.LOST: ("2005", "账户已挂失"),
        _S.STOPPED: ("2009", "账户已止付"),
        _S.CARD_NOT_ACTIVATED: ("2006", "卡未激活"),
        _S.ID_MISMATCH: ("2007", "证件号码不符"),
        _S.OVER_LIMIT: ("2008", "超过限额"),
        _S.OTHER: ("2999", "其他错误"),
    }
    return_codes: ClassVar[Mapping[str, ReturnStatus]] = {
        code: status for status, (code, _) in status_codes.items()
    }

    def __init__(
        self,
        config: BankConfig | None = None,
        *,
        bank_public_key: Sm2PublicKey | Certificate | None = None,
        bank_private_key: Sm2PrivateKey | None = None,
        app_id: str | None = None,
    ) -> None:
        super().__init__(config)
        if app_id is not None and not (app_id.isascii() and app_id.isalnum() and len(app_id) <= 64):
            raise AdapterError("app_id 应为1至64位字母或数字", code="adapter.config")
        public = (
            bank_public_key.public_key
            if isinstance(bank_public_key, Certificate)
            else bank_public_key
        )
        if public is not None and not isinstance(public, Sm2PublicKey):
            raise AdapterError("宁夏银行的数字信封需要银行的SM2公钥", code="adapter.config")
        if bank_private_key is not None and not isinstance(bank_private_key, Sm2PrivateKey):
            raise AdapterError("宁夏银行的数字信封需要SM2私钥", code="adapter.config")
        if public is None and bank_private_key is not None:
            public = bank_private_key.public_key()
        self.bank_public_key = public
        self.bank_private_key = bank_private_key
        self.app_id = app_id

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code}>"

    @classmethod
    def for_conformance(cls, *, department: Signer, bank: Signer) -> BonxAdapter:
        """The adapter with a fresh SM2 sealing key pair of the bank, playing both
        sides (the sealing key is not the signing key)."""
        return cls(bank_private_key=generate_sm2_key())

    def msg_id(self, batch_id: str) -> str:
        """The request's ``msg_id`` for ``batch_id`` under this configuration."""
        return f"{batch_id}-{self.config.file_sequence:04d}"

    def _signed(self, path: str, params: dict[str, str], signer: Signer) -> bytes:
        params["sign"] = base64.b64encode(signer.sign(signing_string(path, params))).decode()
        return json.dumps(
            params, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        ).encode()

    def _signed_large(
        self, path: str, params: dict[str, str], key: str, value: list[bytes], signer: Signer
    ) -> bytes:
        """:meth:`_signed` with ``params[key]`` given as ASCII pieces that need no
        JSON escaping (Base64): the same bytes, without a whole-text copy of the
        value as ``str``. ``value`` is emptied."""
        pairs = sorted((*params.items(), (key, "")))
        parts = [f"{path}?".encode()]
        sep = b""
        for k, v in pairs:
            if k == key:
                if any(value):
                    parts.append(sep + f"{k}=".encode())
                    parts.extend(value)
                    sep = b"&"
            elif k != "sign" and v != "":
                parts.append(sep + f"{k}={v}".encode())
                sep = b"&"
        text = b"".join(parts)
        del parts
        signature = signer.sign(text)
        del text
        full = {**params, "sign": base64.b64encode(signature).decode()}
        before = {k: v for k, v in full.items() if k < key}
        after = {k: v for k, v in full.items() if k > key}

        def dump(obj: dict[str, str]) -> str:
            return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

        opening = (dump(before)[:-1] + "," if before else "{") + json.dumps(key) + ':"'
        closing = '"' + ("," + dump(after)[1:] if after else "}")
        value.insert(0, opening.encode())
        value.append(closing.encode())
        data = b"".join(value)
        value.clear()
        return data

    # -- department side ---------------------------------------------------------
    def render(
        self, batch: PayoutBatch, signer: Signer, *, created: _dt.date | None = None
    ) -> PaymentFile:
        self.check_signer(signer, "签名密钥")
        self.check_batch(batch)
        if self.bank_public_key is None:
            raise AdapterError(
                "生成宁夏银行报文需要银行的SM2公钥（bank_public_key）", code="adapter.config"
            )
        day = created or batch.pay_date or _dt.date.today()
        head = {
            "batch_id": batch.batch_id,
            "pay_acc_no": batch.payer_account,
            "pay_acc_name": self.config.payer_name or batch.payer_name,
            "pay_date": (batch.pay_date or day).isoformat(),
            "total_num": batch.count,
            "total_amount": yuan(batch.total),
            "chk_name": "1",
        }
        params = {
            "app_id": self.app_id or batch.payer_account,
            "msg_id": self.msg_id(batch.batch_id),
            "format": "json",
            "charset": "UTF-8",
            "sign_type": "SM2",
            "encrypt_type": "SM2-SM4-GCM",
            "timestamp": f"{day.isoformat()} 00:00:00",
        }
        # The business content is written, sealed and Base64-encoded piece by
        # piece: only the Base64 text is ever whole, then the signing string
        # and the file, one after the other.
        sealed = _base64_chunks(seal_chunks(_biz_chunks(head, batch), self.bank_public_key))
        data = self._signed_large(self.api_path, params, "biz_content", list(sealed), signer)
        name = self.file_name(
            self.config.file_name_template or self.instruction_file_name, batch.batch_id, day
        )
        return PaymentFile(
            bank=self.code,
            batch_id=batch.batch_id,
            main=name,
            files={name: data},
            count=batch.count,
            total=batch.total,
            digest=digest(data, "sm3"),
            digest_algorithm=self.digest_algorithm,
            signature_algorithm=signer.algorithm,
            key_fingerprint=signer.key_fingerprint,
        )

    def _single(self, files: PaymentFile | Mapping[str, bytes], what: str) -> tuple[str, bytes]:
        mapping = files.files if isinstance(files, PaymentFile) else files
        if not isinstance(mapping, Mapping) or len(mapping) != 1:
            raise BankFileError(f"{what}应为一个JSON文件", code="bankfile.files")
        ((name, data),) = mapping.items()
        if not isinstance(data, bytes | bytearray):
            raise BankFileError("文件内容应为字节串", code="bankfile.type", file=str(name))
        return str(name), bytes(data)

    def _envelope(
        self, j: _Json, data: bytes, keys: frozenset[str], path: str, verifier: Verifier
    ) -> dict[str, str]:
        self.check_signer(verifier, "验签密钥")
        params = j.obj(j.load(data), keys, "")
        for key in params:
            j.text(params, key, "")
        for key, expected in (("format", "json"), ("charset", "UTF-8"), ("sign_type", "SM2")):
            if params[key] != expected:
                j.fail(f"{key} 应为 {expected}", "bankfile.parameter", _pointer(key))
        try:
            signature = b64decode_canonical(params["sign"])
        except (binascii.Error, ValueError):
            raise SignatureError(
                "签名不是有效的Base64", code="signature.format", file=j.file, path="/sign"
            ) from None
        try:
            verifier.verify(signing_string(path, params), signature)
        except SignatureError as exc:
            raise exc.at(file=j.file, path="/sign") from None
        return params

    # -- bank side ---------------------------------------------------------------
    def read_instructions(
        self, payment: PaymentFile | Mapping[str, bytes], verifier: Verifier
    ) -> Instructions:
        if self.bank_private_key is None:
            raise AdapterError(
                "读取宁夏银行报文需要银行的SM2私钥（bank_private_key）", code="adapter.config"
            )
        name, data = self._single(payment, "付款报文")
        j = _Json(name)
        params = self._envelope(j, data, _REQ_PARAMS, self.api_path, verifier)
        if params["encrypt_type"] != "SM2-SM4-GCM":
            j.fail("encrypt_type 应为 SM2-SM4-GCM", "bankfile.parameter", "/encrypt_type")
        try:
            sealed = b64decode_canonical(params["biz_content"])
        except (binascii.Error, ValueError):
            j.fail("biz_content 不是有效的Base64", "bankfile.base64", "/biz_content")
        try:
            plain = open_sealed(sealed, self.bank_private_key)
        except YikatongError as exc:
            raise exc.at(file=name, path="/biz_content") from None
        p = "/biz_content"
        biz = j.obj(j.load(plain, p), _REQ_BIZ, p)
        batch_id = j.text(biz, "batch_id", p)
        if params["msg_id"] != self.msg_id(batch_id):
            j.fail("msg_id 与批次号不对应", "bankfile.msg_id", "/msg_id")
        if j.text(biz, "chk_name", p) != "1":
            j.fail(
                "付款报文未开启户名校验（chk_name 应为 1）",
                "bankfile.name_check_off",
                p + "/chk_name",
            )
        records = []
        seen: set[int] = set()
        for index, raw in enumerate(j.array(biz, "items", p)):
            ip = _join(p, "items", index)
            it = j.obj(raw, _REQ_ITEM, ip)
            seq = j.integer(it, "seq", ip)
            if seq in seen or seq < 1:
                j.fail(f"序号{seq}重复或无效", "bankfile.seq_duplicate", ip + "/seq")
            seen.add(seq)
            if j.text(it, "id_type", ip) != "01":
                j.fail("证件类型应为 01（居民身份证）", "bankfile.id_type", ip + "/id_type")
            amount = parse_yuan(
                j.text(it, "amount", ip), name, record=index + 1, path=ip + "/amount"
            )
            memo = j.text(it, "memo", ip)
            records.append(
                InstructionRecord(
                    seq,
                    j.text(it, "acc_no", ip),
                    j.text(it, "acc_name", ip),
                    j.text(it, "id_no", ip),
                    amount,
                    memo or None,
                    index + 1,
                )
            )
        count = j.integer(biz, "total_num", p)
        total = parse_yuan(
            j.text(biz, "total_amount", p), name, positive=False, path=p + "/total_amount"
        )
        _figures(j, count, total, [r.amount for r in records], p=p, kind="付款报文")
        pay_date = parse_datetime(
            j.text(biz, "pay_date", p), "%Y-%m-%d", name, path=p + "/pay_date"
        )
        return Instructions(
            bank=self.code,
            batch_id=batch_id,
            count=count,
            total=total,
            records=tuple(records),
            payer_account=j.text(biz, "pay_acc_no", p),
            payer_name=j.text(biz, "pay_acc_name", p),
            pay_date=None if pay_date is None else pay_date.date(),
            files=(name,),
            signature_algorithm=verifier.algorithm,
            key_fingerprint=verifier.key_fingerprint,
        )

    def write_return(
        self,
        batch_id: str,
        records: Sequence[ReturnRecord],
        signer: Signer,
        *,
        created: _dt.date | None = None,
    ) -> dict[str, bytes]:
        self.check_signer(signer, "签名密钥")
        day = created or _dt.date.today()
        total = sum((r.amount for r in records), Decimal("0.00"))
        result = {
            "batch_id": batch_id,
            "total_num": len(records),
            "total_amount": yuan(total),
            "items": [
                {
                    "seq": r.seq,
                    "acc_no": r.account,
                    "acc_name": r.name,
                    "amount": f"{r.amount:.2f}",
                    "ret_code": r.raw_code,
                    "ret_msg": r.raw_message,
                    "txn_id": r.bank_txn_id or "",
                    "txn_time": "" if r.settled_at is None else r.settled_at.strftime(_TIME),
                }
                for r in records
            ],
        }
        params = {
            "app_id": self.app_id or "",
            "msg_id": self.msg_id(batch_id),
            "format": "json",
            "charset": "UTF-8",
            "sign_type": "SM2",
            "timestamp": f"{day.isoformat()} 00:00:00",
            "return_code": "0",
            "return_msg": "成功",
            "response_biz_content": json.dumps(result, ensure_ascii=False, separators=(",", ":")),
        }
        name = self.file_name(
            self.config.return_file_name_template or self.return_file_name, batch_id, day
        )
        return {name: self._signed(self.return_path, params, signer)}

    def _result_records(
        self, j: _Json, name: str, items: Iterable[Any], p: str
    ) -> list[ReturnRecord]:
        status_of = self.status_of
        records: list[ReturnRecord] = []
        seen: set[int] = set()

        def checked(index: int, raw: Any) -> ReturnRecord:
            # Every check, naming the JSON pointer of what fails.
            ip = _join(p, "items", index)
            it = j.obj(raw, _RESP_ITEM, ip)
            seq = j.integer(it, "seq", ip)
            if seq in seen:
                j.fail(f"回盘中序号{seq}重复", "bankfile.seq_duplicate", ip + "/seq")
            code = j.text(it, "ret_code", ip)
            return ReturnRecord(
                seq,
                j.text(it, "acc_no", ip),
                j.text(it, "acc_name", ip),
                parse_yuan(j.text(it, "amount", ip), name, record=index + 1, path=ip + "/amount"),
                status_of(code),
                code,
                j.text(it, "ret_msg", ip),
                j.text(it, "txn_id", ip) or None,
                parse_datetime(j.text(it, "txn_time", ip), _TIME, name, path=ip + "/txn_time"),
                index + 1,
            )

        # A million results repeat a handful of codes and messages, and often
        # one settlement time: equal values share one object.
        shared: dict[str, str] = {}
        last_time, last_settled = "", None
        for index, raw in enumerate(items):
            # The common case without building pointers; an item that fails any
            # check goes through ``checked``, which names the problem.
            try:
                if not (
                    type(raw) is dict
                    and raw.keys() == _RESP_ITEM
                    and type(seq := raw["seq"]) is int
                    and 0 <= seq < 10**12
                    and seq not in seen
                    and all(type(raw[k]) is str for k in _RESP_TEXT)
                ):
                    raise ValueError(index)
                code = raw["ret_code"]
                code = shared.setdefault(code, code)
                message = raw["ret_msg"]
                message = shared.setdefault(message, message)
                if len(shared) > 256:
                    shared.clear()
                if raw["txn_time"] != last_time:
                    last_time = raw["txn_time"]
                    last_settled = parse_datetime(last_time, _TIME, name)
                record = ReturnRecord(
                    seq,
                    raw["acc_no"],
                    raw["acc_name"],
                    parse_yuan(raw["amount"], name),
                    status_of(code),
                    code,
                    message,
                    raw["txn_id"] or None,
                    last_settled,
                    index + 1,
                )
            except (ValueError, BankFileError):
                record = checked(index, raw)
            seen.add(record.seq)
            records.append(record)
        return records

    def parse_return(
        self,
        files: Mapping[str, bytes],
        verifier: Verifier,
        *,
        batch_id: str | None = None,
        msg_id: str | None = None,
    ) -> BankReturn:
        """Verify and read a response; with ``msg_id`` (or ``batch_id``, from which
        the request's ``msg_id`` follows) a response to another request is refused."""
        name, data = self._single(files, "回盘报文")
        j = _Json(name)
        params = self._envelope(j, data, _RESP_PARAMS, self.return_path, verifier)
        if msg_id is not None and params["msg_id"] != msg_id:
            j.fail(
                f"应答的 msg_id 为 {params['msg_id'][:48]}，不是本次请求的 {msg_id}",
                "bankfile.msg_id",
                "/msg_id",
            )
        p = "/response_biz_content"
        text = params["response_biz_content"]

        def head(biz: dict[str, Any]) -> str:
            found = j.text(biz, "batch_id", p)
            if batch_id is not None and found != batch_id:
                j.fail(
                    f"回盘属于批次 {found[:40]}，不是批次 {batch_id}",
                    "bankfile.batch_mismatch",
                    p + "/batch_id",
                )
            if params["msg_id"] != self.msg_id(found):
                j.fail("msg_id 与批次号不对应", "bankfile.msg_id", "/msg_id")
            return found

        # The items are read one at a time, so that a million of them never
        # stand as JSON objects at once. On any problem the whole text is read
        # again as one value and checked in order: that reading names the error.
        try:
            stream = _Streamed(j, text, "items", p)
            records = self._result_records(j, name, stream, p)
            biz = j.obj(stream.head, _RESP_BIZ, p)
            j.array(biz, "items", p)
            found = head(biz)
        except (YikatongError, ValueError, StopIteration, RecursionError):
            records = []
            biz = j.obj(j.load(text, p), _RESP_BIZ, p)
            found = head(biz)
            records = self._result_records(j, name, j.array(biz, "items", p), p)
        count = j.integer(biz, "total_num", p)
        total = parse_yuan(
            j.text(biz, "total_amount", p), name, positive=False, path=p + "/total_amount"
        )
        _figures(j, count, total, [r.amount for r in records], p=p, kind="回盘报文")
        return BankReturn(
            bank=self.code,
            batch_id=found,
            count=count,
            total=total,
            records=tuple(records),
            files=(name,),
            signature_algorithm=verifier.algorithm,
            key_fingerprint=verifier.key_fingerprint,
            extra={
                "msg_id": params["msg_id"],
                "return_code": params["return_code"],
                "return_msg": params["return_msg"],
            },
        )


def _figures(
    j: _Json, count: int, total: Decimal, amounts: list[Decimal], *, p: str, kind: str
) -> None:
    if count != len(amounts):
        j.fail(
            f"{kind}笔数为{count}，明细实际为{len(amounts)}笔",
            "bankfile.count_mismatch",
            p + "/total_num",
        )
    actual = sum(amounts, Decimal("0.00"))
    if total != actual:
        j.fail(
            f"{kind}总金额为{total}元，明细合计为{actual}元",
            "bankfile.total_mismatch",
            p + "/total_amount",
        )


#: Items per piece of the business content that is encrypted at a time.
_CHUNK_ITEMS: Final = 2048
#: Bytes per piece of Base64 input (a multiple of 3, so pieces join cleanly).
_B64_CHUNK: Final = 3 << 18


def _biz_chunks(head: dict[str, Any], batch: PayoutBatch) -> Iterator[bytes]:
    """``json.dumps({**head, "items": [...]}, ensure_ascii=False,
    separators=(",", ":"))`` encoded as UTF-8, in pieces of a few thousand items."""
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
    yield (text[:-1] + ',"items":[').encode()
    enc = _encode_string
    rows: list[str] = []
    first = True
    for item in batch.items:
        b = item.beneficiary
        acct = b.account
        rows.append(
            f'{{"seq":{int.__repr__(item.seq)},"acc_no":{enc(acct.number)},'
            f'"acc_name":{enc(acct.holder_name)},"id_type":"01","id_no":{enc(b.id_number)},'
            f'"amount":{enc(f"{item.amount:.2f}")},"memo":{enc(item.memo or "")}}}'
        )
        if len(rows) >= _CHUNK_ITEMS:
            yield (("" if first else ",") + ",".join(rows)).encode()
            first = False
            rows.clear()
    if rows:
        yield (("" if first else ",") + ",".join(rows)).encode()
    yield b"]}"


def _base64_chunks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Base64 of the concatenation of ``chunks``, piece by piece."""
    pending = bytearray()
    for chunk in chunks:
        pending += chunk
        if len(pending) >= _B64_CHUNK:
            cut = len(pending) - len(pending) % 3
            yield base64.b64encode(memoryview(pending)[:cut])
            del pending[:cut]
    if pending:
        yield base64.b64encode(pending)
