""":class:`JsonBankAdapter`: the four methods of a bank adapter, derived from the
bank's declared open-API JSON messages (:mod:`._jsonlayout`).

A bank module declares ``instruction_message`` and ``return_message``
(:class:`~._jsonlayout.JsonMessage`), its codes, file names and scheme; the
values beyond the common ones come from :meth:`JsonBankAdapter._instruction_values`
/ :meth:`_return_values`. The engine writes the business content piece by
piece (sealed for the bank's SM2 key and Base64-encoded where the message says
so, without ever holding the whole plaintext), signs the signing string, and
reads back with the envelope's members, constants and signature checked first,
then the body's members, its ``batch_id`` (and the request id it belongs to),
the items (exact members, seq unique), the figures and the other values, every
error naming the file and the JSON pointer. The items of a response are read
one at a time, so that a million of them never stand as JSON objects at once.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar, Final

from ..errors import AdapterError, SignatureError, YikatongError
from ..payout import PayoutBatch
from ..signing._base64 import b64decode_canonical
from ..signing._keys import Certificate
from ..signing._protocols import Signer, Verifier
from ..signing._seal import open_sealed, seal_chunks
from ..signing._sm2 import Sm2PrivateKey, Sm2PublicKey, generate_sm2_key
from ._adapter import BankAdapter, BankConfig
from ._declared import (
    MessageAdapter,
    bank_return,
    instruction_record,
    instructions,
    return_record_maker,
)
from ._json import _Json, _Streamed
from ._jsonlayout import JsonMessage, JsonReadPlan, Make, compile_json_items, signing_parts
from ._model import BankReturn, Instructions, PaymentFile, ReturnRecord
from ._xmllayout import INSTRUCTION_SOURCES, RETURN_SOURCES, check_widths, figures

__all__ = ["JsonBankAdapter"]

#: Items per piece of the business content that is written (and sealed) at a time.
_CHUNK_ITEMS: Final = 2048
#: Bytes per piece of Base64 input (a multiple of 3, so pieces join cleanly).
_B64_CHUNK: Final = 3 << 18


class JsonBankAdapter(MessageAdapter):
    """A bank whose payment and return messages are declared open-API JSON
    messages, signed over their signing string.

    Where a message's business content is sealed, ``bank_public_key`` (the
    bank's SM2 key or certificate) is needed to render, and the bank side
    (the simulator) holds ``bank_private_key`` to read requests.
    """

    encoding: ClassVar[str] = "utf-8"
    one_file_message: ClassVar[str] = "{what}应为一个JSON文件"
    instruction_file_name: ClassVar[str]
    return_file_name: ClassVar[str]
    instruction_message: ClassVar[JsonMessage]
    return_message: ClassVar[JsonMessage]
    #: Item values computed from the record (``name -> function(record)``).
    derived: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}
    #: ``BankReturn.extra`` key -> envelope value name of the return message.
    return_extra: ClassVar[Mapping[str, str]] = {}

    def __init__(
        self,
        config: BankConfig | None = None,
        *,
        bank_public_key: Sm2PublicKey | Certificate | None = None,
        bank_private_key: Sm2PrivateKey | None = None,
    ) -> None:
        super().__init__(config)
        public = (
            bank_public_key.public_key
            if isinstance(bank_public_key, Certificate)
            else bank_public_key
        )
        if public is not None and not isinstance(public, Sm2PublicKey):
            raise AdapterError(f"{self.name}的数字信封需要银行的SM2公钥", code="adapter.config")
        if bank_private_key is not None and not isinstance(bank_private_key, Sm2PrivateKey):
            raise AdapterError(f"{self.name}的数字信封需要SM2私钥", code="adapter.config")
        if public is None and bank_private_key is not None:
            public = bank_private_key.public_key()
        self.bank_public_key = public
        self.bank_private_key = bank_private_key

    @classmethod
    def for_conformance(cls, *, department: Signer, bank: Signer) -> BankAdapter:
        """The adapter with a fresh SM2 sealing key pair of the bank where a
        message is sealed, playing both sides (the sealing key is not the
        signing key)."""
        if cls.instruction_message.sealed or cls.return_message.sealed:
            return cls(bank_private_key=generate_sm2_key())
        return cls()

    def msg_id(self, batch_id: str) -> str:
        """The request id (``msg_id``) of ``batch_id`` under this configuration:
        the batch id and the file sequence; both messages carry it."""
        return f"{batch_id}-{self.config.file_sequence:04d}"

    # -- values a subclass extends -------------------------------------------------------
    def _instruction_values(self, batch: PayoutBatch, day: _dt.date) -> dict[str, Any]:
        """The payment message's envelope and body values by name."""
        return {
            "msg_id": self.msg_id(batch.batch_id),
            "created": day,
            "batch_id": batch.batch_id,
            "payer_account": batch.payer_account,
            "payer_name": self.config.payer_name or batch.payer_name,
            "pay_date": batch.pay_date or day,
            "count": batch.count,
            "total": batch.total,
        }

    def _return_values(
        self, batch_id: str, records: Sequence[ReturnRecord], day: _dt.date
    ) -> dict[str, Any]:
        """The return message's envelope and body values by name."""
        return {
            "msg_id": self.msg_id(batch_id),
            "created": day,
            "batch_id": batch_id,
            "count": len(records),
            "total": sum((r.amount for r in records), Decimal("0.00")),
        }

    # -- compiled once per adapter -------------------------------------------------------
    @cached_property
    def _instruction_writer(self) -> Callable[[Any], str]:
        message = self.instruction_message
        return compile_json_items(message.items.element, INSTRUCTION_SOURCES, self.derived)

    @cached_property
    def _return_writer(self) -> Callable[[Any], str]:
        message = self.return_message
        return compile_json_items(message.items.element, RETURN_SOURCES, self.derived)

    @cached_property
    def _instruction_plan(self) -> JsonReadPlan:
        return JsonReadPlan(self.instruction_message, in_return=False)

    @cached_property
    def _return_plan(self) -> JsonReadPlan:
        return JsonReadPlan(self.return_message, in_return=True)

    # -- writing -------------------------------------------------------------------------
    def _write(
        self,
        message: JsonMessage,
        values: Mapping[str, Any],
        items: Iterable[Any],
        write_item: Callable[[Any], str],
        signer: Signer,
    ) -> bytes:
        """The signed envelope; the body is written (sealed, Base64-encoded) piece
        by piece: only the Base64 text is ever whole, then the signing string and
        the file, one after the other."""
        opening, closing = message.body_parts(values)
        pieces = _body_pieces(opening, closing, items, write_item)
        params = message.envelope_values(values)
        body: str | list[bytes]
        if message.sealed:
            public = self.bank_public_key
            assert public is not None  # checked by render
            body = list(_base64_pieces(seal_chunks((p.encode() for p in pieces), public)))
        else:
            body = "".join(pieces)
        parts = signing_parts(
            message.path, [*params.items(), (message.body_key, body)], message.sign_key
        )
        text = b"".join(parts)
        del parts
        signature = signer.sign(text)
        del text
        params[message.sign_key] = base64.b64encode(signature).decode()
        key = message.body_key
        before = {k: v for k, v in params.items() if k < key}
        after = {k: v for k, v in params.items() if k > key}
        opening = (_dump(before)[:-1] + "," if before else "{") + json.dumps(key) + ':"'
        closing = '"' + ("," + _dump(after)[1:] if after else "}")
        if isinstance(body, str):
            body = [json.dumps(body, ensure_ascii=False)[1:-1].encode()]
        body.insert(0, opening.encode())
        body.append(closing.encode())
        data = b"".join(body)
        body.clear()
        return data

    def render(
        self, batch: PayoutBatch, signer: Signer, *, created: _dt.date | None = None
    ) -> PaymentFile:
        self.check_signer(signer, "签名密钥")
        self.check_batch(batch)
        message = self.instruction_message
        if message.sealed and self.bank_public_key is None:
            raise AdapterError(
                f"生成{self.name}报文需要银行的SM2公钥（bank_public_key）", code="adapter.config"
            )
        check_widths(message.item, batch, self.encoding, self.name)
        day = created or batch.pay_date or _dt.date.today()
        values = self._instruction_values(batch, day)
        data = self._write(message, values, batch.items, self._instruction_writer, signer)
        name = self.file_name(
            self.config.file_name_template or self.instruction_file_name, batch.batch_id, day
        )
        return self._payment_file(batch, name, data, signer)

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
        message = self.return_message
        if message.sealed and self.bank_public_key is None:
            raise AdapterError(
                f"生成{self.name}回盘需要银行的SM2公钥（bank_public_key）", code="adapter.config"
            )
        values = self._return_values(batch_id, records, day)
        data = self._write(message, values, records, self._return_writer, signer)
        name = self.file_name(
            self.config.return_file_name_template or self.return_file_name, batch_id, day
        )
        return {name: data}

    # -- reading -------------------------------------------------------------------------
    def _envelope(
        self, j: _Json, data: bytes, plan: JsonReadPlan, verifier: Verifier
    ) -> tuple[dict[str, str], dict[str, Any]]:
        """The verified envelope: its parameters, and its values by name."""
        self.check_signer(verifier, "验签密钥")
        message = plan.message
        params = plan.envelope(j, data)
        sign = "/" + message.sign_key
        try:
            signature = b64decode_canonical(params[message.sign_key])
        except (binascii.Error, ValueError):
            raise SignatureError(
                "签名不是有效的Base64", code="signature.format", file=j.file, path=sign
            ) from None
        try:
            verifier.verify(
                b"".join(signing_parts(message.path, params.items(), message.sign_key)), signature
            )
        except SignatureError as exc:
            raise exc.at(file=j.file, path=sign) from None
        return params, plan.envelope_values(params, j.file)

    def _body(self, j: _Json, params: Mapping[str, str], message: JsonMessage) -> str | bytes:
        """The business content's JSON text, opened where it is sealed."""
        key = message.body_key
        if not message.sealed:
            return params[key]
        private = self.bank_private_key
        if private is None:
            raise AdapterError(
                f"读取{self.name}报文需要银行的SM2私钥（bank_private_key）", code="adapter.config"
            )
        try:
            sealed = b64decode_canonical(params[key])
        except (binascii.Error, ValueError):
            j.fail(f"{key} 不是有效的Base64", "bankfile.base64", "/" + key)
        try:
            return open_sealed(sealed, private)
        except YikatongError as exc:
            raise exc.at(file=j.file, path="/" + key) from None

    def _head(
        self,
        j: _Json,
        plan: JsonReadPlan,
        body: Mapping[str, Any],
        env: Mapping[str, Any],
        p: str,
        *,
        batch_id: str | None,
    ) -> str:
        """The body's ``batch_id``, refused for another batch or another request
        id than the envelope's, then the body's constants."""
        found: str = plan.values(j, body, plan.batch, p)["batch_id"]
        if batch_id is not None and found != batch_id:
            j.fail(
                f"回盘属于批次 {found[:40]}，不是批次 {batch_id}",
                "bankfile.batch_mismatch",
                p + plan.batch[0].path,
            )
        if plan.msg_id_pointer is not None and env["msg_id"] != self.msg_id(found):
            j.fail("msg_id 与批次号不对应", "bankfile.msg_id", plan.msg_id_pointer)
        plan.values(j, body, plan.consts, p)
        return found

    def _read_body(
        self,
        j: _Json,
        plan: JsonReadPlan,
        text: str | bytes,
        env: Mapping[str, Any],
        *,
        make: Make,
        batch_id: str | None = None,
    ) -> tuple[str, list[Any], dict[str, Any], tuple[int, Decimal]]:
        """The body's batch id, records, other values and figures.

        The items are read one at a time from the text; on any problem the whole
        text is read again as one value and checked in order: that reading names
        the error."""
        message = plan.message
        p = "/" + message.body_key
        key = message.items_key
        fast = plan.compile_reader(j.file, make)
        try:
            if isinstance(text, bytes):
                raise ValueError("bytes: read whole (decoded and size-checked)")
            stream = _Streamed(j, text, key, p)
            records = plan.records(j, stream, p, make, fast)
            body = plan.body(j, stream.head, p)
            j.array(body, key, p)
            found = self._head(j, plan, body, env, p, batch_id=batch_id)
        except (YikatongError, ValueError, StopIteration, RecursionError):
            records = []
            body = plan.body(j, j.load(text, p), p)
            found = self._head(j, plan, body, env, p, batch_id=batch_id)
            records = plan.records(j, j.array(body, key, p), p, make, fast)
        counted = plan.values(j, body, plan.figures, p)
        figured = figures(counted, [r.amount for r in records], j.file, message.kind)
        return found, records, plan.values(j, body, plan.rest, p), figured

    def read_instructions(
        self, payment: PaymentFile | Mapping[str, bytes], verifier: Verifier
    ) -> Instructions:
        message = self.instruction_message
        if message.sealed and self.bank_private_key is None:
            raise AdapterError(
                f"读取{self.name}报文需要银行的SM2私钥（bank_private_key）", code="adapter.config"
            )
        name, data = self._single(payment, "付款报文")
        j = _Json(name)
        plan = self._instruction_plan
        params, env = self._envelope(j, data, plan, verifier)
        text = self._body(j, params, message)
        found, records, values, counted = self._read_body(
            j, plan, text, env, make=instruction_record
        )
        values = {**values, "batch_id": found}
        return instructions(
            self.code, values, records, figures=counted, file=name, verifier=verifier
        )

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
        message = self.return_message
        plan = self._return_plan
        params, env = self._envelope(j, data, plan, verifier)
        if msg_id is not None and env.get("msg_id") != msg_id:
            j.fail(
                f"应答的 msg_id 为 {str(env.get('msg_id'))[:48]}，不是本次请求的 {msg_id}",
                "bankfile.msg_id",
                plan.msg_id_pointer or "/",
            )
        text = self._body(j, params, message)
        make = return_record_maker(self.status_of, _code)
        found, records, _, counted = self._read_body(
            j, plan, text, env, make=make, batch_id=batch_id
        )
        extra = {key: env[value] for key, value in self.return_extra.items()}
        return bank_return(
            self.code, found, records, figures=counted, file=name, verifier=verifier, extra=extra
        )


def _code(values: Mapping[str, Any]) -> str:
    code: str = values["code"]
    return code


def _dump(obj: Mapping[str, str]) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _body_pieces(
    opening: str, closing: str, items: Iterable[Any], write_item: Callable[[Any], str]
) -> Iterator[str]:
    """``opening`` + the items' JSON texts joined by commas + ``closing``, in
    pieces of a few thousand items."""
    yield opening
    rows: list[str] = []
    first = True
    for item in items:
        rows.append(write_item(item))
        if len(rows) >= _CHUNK_ITEMS:
            yield ("" if first else ",") + ",".join(rows)
            first = False
            rows.clear()
    if rows:
        yield ("" if first else ",") + ",".join(rows)
    yield closing


def _base64_pieces(chunks: Iterable[bytes]) -> Iterator[bytes]:
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
