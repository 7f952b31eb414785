""":class:`XmlBankAdapter`: the four methods of a bank adapter, derived from the
bank's declared XML messages (:mod:`._xmllayout`).

A bank module declares ``instruction_message`` and ``return_message`` (trees
of :class:`~._xmllayout.El` / :class:`~._xmllayout.Leaf`), its codes, file
names and encoding; the values its headers carry beyond the common ones come
from :meth:`XmlBankAdapter._instruction_header` / :meth:`_return_header`, and
item values that are computed (a status derived from the code) from
``derived``. The engine writes in one streaming pass with the canonical digest
and the enveloped XML-DSig signature, validates against the XSD where the
message names one, and reads back with exact keys, seq uniqueness, the
figures (count and total) and the signature checked, every error naming the
file, the record, the line and the element path.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar

from ..payout import PayoutBatch
from ..signing._protocols import Signer, Verifier
from ._declared import bank_return, instruction_record, instructions, return_record_maker
from ._model import BankReturn, Instructions, PaymentFile, ReturnRecord
from ._xml import (
    CanonicalWriter,
    XmlReader,
    check_return_records,
    load_schema,
    unique_seq,
    validate_stream,
)
from ._xmldsig import SignedXmlAdapter
from ._xmllayout import (
    INSTRUCTION_SOURCES,
    RETURN_SOURCES,
    El,
    Items,
    ReadPlan,
    XmlMessage,
    check_widths,
    compile_items,
)

__all__ = ["XmlBankAdapter"]


class XmlBankAdapter(SignedXmlAdapter):
    """A bank whose payment and return files are declared XML messages."""

    instruction_file_name: ClassVar[str]
    return_file_name: ClassVar[str]
    instruction_message: ClassVar[XmlMessage]
    return_message: ClassVar[XmlMessage]
    #: Item values computed from the record (``name -> function(record)``).
    derived: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}
    #: ``BankReturn.extra`` key -> header value name of the return message.
    return_extra: ClassVar[Mapping[str, str]] = {}
    #: Validate rendered payment files against the message's XSD.
    validate: bool = True

    # -- values a subclass extends -------------------------------------------------------
    def _instruction_header(self, batch: PayoutBatch, day: _dt.date) -> dict[str, Any]:
        """The payment message's header values by name."""
        return {
            "batch_id": batch.batch_id,
            "created": day,
            "pay_date": batch.pay_date or day,
            "count": batch.count,
            "total": batch.total,
            "payer_account": batch.payer_account,
            "payer_name": self.config.payer_name or batch.payer_name,
            "cnaps": self.cnaps,
        }

    def _return_header(
        self, batch_id: str, records: Sequence[ReturnRecord], day: _dt.date
    ) -> dict[str, Any]:
        """The return message's header values by name."""
        return {
            "batch_id": batch_id,
            "created": day,
            "count": len(records),
            "total": sum((r.amount for r in records), Decimal("0.00")),
        }

    def _return_code(self, values: Mapping[str, Any]) -> str:
        """The bank's raw result code of one return item read."""
        code: str = values["code"]
        return code

    # -- compiled once per class ---------------------------------------------------------
    @cached_property
    def _instruction_writer(self) -> Callable[[Any], str]:
        return compile_items(
            self._items_of(self.instruction_message), INSTRUCTION_SOURCES, self.derived
        )

    @cached_property
    def _return_writer(self) -> Callable[[Any], str]:
        return compile_items(self._items_of(self.return_message), RETURN_SOURCES, self.derived)

    @cached_property
    def _instruction_plan(self) -> ReadPlan:
        return ReadPlan(self.instruction_message, self.encoding)

    @cached_property
    def _return_plan(self) -> ReadPlan:
        return ReadPlan(self.return_message, self.encoding)

    @staticmethod
    def _items_of(message: XmlMessage) -> Any:
        def find(node: Any) -> Any:
            if isinstance(node, Items):
                return node.element
            if isinstance(node, El):
                for child in node.children:
                    found = find(child)
                    if found is not None:
                        return found
            return None

        return find(message.root)

    # -- writing -------------------------------------------------------------------------
    def _write(
        self,
        message: XmlMessage,
        header: Mapping[str, Any],
        items: Any,
        write_item: Callable[[Any], str],
        signer: Signer,
    ) -> bytes:
        root, before, between, after = message.write(header)
        w = CanonicalWriter(self.encoding)
        if message.namespace:
            w.start(root, xmlns=message.namespace)
        else:
            w.raw(f"<{root}>")
        w.raw(before)
        raw = w.raw
        for item in items:
            raw(write_item(item))
        return self._sign_and_close(w, signer, between, after)

    def render(
        self, batch: PayoutBatch, signer: Signer, *, created: _dt.date | None = None
    ) -> PaymentFile:
        self.check_signer(signer, "签名密钥")
        self.check_batch(batch)
        self._check_text(batch)
        check_widths(self.instruction_message.item, batch, self.encoding, self.name)
        day = created or batch.pay_date or _dt.date.today()
        message = self.instruction_message
        header = self._instruction_header(batch, day)
        data = self._write(message, header, batch.items, self._instruction_writer, signer)
        name = self.file_name(
            self.config.file_name_template or self.instruction_file_name, batch.batch_id, day
        )
        if self.validate and message.schema is not None:
            validate_stream(data, load_schema(message.schema), name, item_tag=message.item_tag)
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
        check_return_records(records)
        message = self.return_message
        header = self._return_header(batch_id, records, day)
        data = self._write(message, header, records, self._return_writer, signer)
        name = self.file_name(
            self.config.return_file_name_template or self.return_file_name, batch_id, day
        )
        if message.schema is not None:
            validate_stream(data, load_schema(message.schema), name, item_tag=message.item_tag)
        return {name: data}

    # -- reading -------------------------------------------------------------------------
    def _reader(self, message: XmlMessage, data: bytes, name: str) -> XmlReader:
        return XmlReader(
            data,
            name,
            items=frozenset({message.item_path}),
            signature_path=message.signature_path,
            schema=None if message.schema is None else load_schema(message.schema),
            root=message.root.tag,
            namespace=message.namespace,
        )

    def _read(
        self,
        message: XmlMessage,
        plan: ReadPlan,
        file: tuple[str, bytes],
        verifier: Verifier,
        make: Callable[[int, Mapping[str, Any], int | None], Any],
        *,
        in_return: bool,
        batch_id: str | None = None,
    ) -> tuple[list[Any], dict[str, Any], tuple[int, Decimal]]:
        name, data = file
        reader = self._reader(message, data, name)
        self.check_signer(verifier, "验签密钥")
        records = []
        seen: set[int] = set()
        with self._schema_first(reader):
            for item in reader:
                self._exact_keys(
                    item.values,
                    plan.item_keys,
                    plan.item_optional,
                    name,
                    {"record": item.index, "path": item.path},
                )
                seq = unique_seq(item, plan.seq_path, name, seen, in_return=in_return)
                records.append(make(seq, plan.item_values(item, name), item.line))
        self._verify_read(reader, verifier, message.signature_path)
        fields = reader.fields
        self._exact_keys(fields, plan.header_keys, plan.header_optional, name, {})
        amounts = [r.amount for r in records]
        header, counted = plan.header_values(fields, name, amounts, batch_id=batch_id)
        return records, header, counted

    def read_instructions(
        self, payment: PaymentFile | Mapping[str, bytes], verifier: Verifier
    ) -> Instructions:
        file = self._single(payment, "付款文件")
        records, header, counted = self._read(
            self.instruction_message,
            self._instruction_plan,
            file,
            verifier,
            instruction_record,
            in_return=False,
        )
        return instructions(
            self.code, header, records, figures=counted, file=file[0], verifier=verifier
        )

    def parse_return(
        self,
        files: Mapping[str, bytes],
        verifier: Verifier,
        *,
        batch_id: str | None = None,
    ) -> BankReturn:
        file = self._single(files, "回盘文件")
        make = return_record_maker(self.status_of, self._return_code)
        records, header, counted = self._read(
            self.return_message,
            self._return_plan,
            file,
            verifier,
            make,
            in_return=True,
            batch_id=batch_id,
        )
        extra = {key: header[value] for key, value in self.return_extra.items()}
        return bank_return(
            self.code,
            header["batch_id"],
            records,
            figures=counted,
            file=file[0],
            verifier=verifier,
            extra=extra,
        )
