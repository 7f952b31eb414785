"""What the message banks (XML, :mod:`._xmlbank`; JSON, :mod:`._jsonbank`)
share: one file per message with its signature inside
(:class:`MessageAdapter`), and the records and results they build from the
values they read, by name."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from ..errors import BankFileError
from ..payout import PayoutBatch
from ..signing._protocols import Signer, Verifier
from ._adapter import BankAdapter, _digest
from ._model import (
    BankReturn,
    InstructionRecord,
    Instructions,
    PaymentFile,
    ReturnRecord,
    ReturnStatus,
)

__all__ = [
    "MessageAdapter",
    "bank_return",
    "instruction_record",
    "instructions",
    "return_record_maker",
]


class MessageAdapter(BankAdapter):
    """A bank whose payment and return messages are one file each, signed
    inside (an enveloped XML signature, a signed JSON envelope)."""

    #: What :meth:`_single` says when a message is not one file (``{what}``, ``{count}``).
    one_file_message: ClassVar[str] = "{what}应为一个文件，实际收到{count}个文件"

    def _single(self, files: PaymentFile | Mapping[str, bytes], what: str) -> tuple[str, bytes]:
        """The one file of a bank whose message is one file (the signature inside)."""
        mapping = files.files if isinstance(files, PaymentFile) else files
        if not isinstance(mapping, Mapping) or len(mapping) != 1:
            count = len(mapping) if isinstance(mapping, Mapping) else 0
            raise BankFileError(
                self.one_file_message.format(what=what, count=count), code="bankfile.files"
            )
        ((name, data),) = mapping.items()
        if not isinstance(data, bytes | bytearray):
            raise BankFileError("文件内容应为字节串", code="bankfile.type", file=str(name))
        return str(name), bytes(data)

    def _payment_file(
        self, batch: PayoutBatch, name: str, data: bytes, signer: Signer
    ) -> PaymentFile:
        """The payment file of a bank whose message is one file ``name``."""
        return PaymentFile(
            bank=self.code,
            batch_id=batch.batch_id,
            main=name,
            files={name: data},
            count=batch.count,
            total=batch.total,
            digest=_digest(self.digest_algorithm, data),
            digest_algorithm=self.digest_algorithm,
            signature_algorithm=signer.algorithm,
            key_fingerprint=signer.key_fingerprint,
        )


def instruction_record(seq: int, v: Mapping[str, Any], line: int | None) -> InstructionRecord:
    """The instruction of one item read, from its values by name."""
    return InstructionRecord(
        seq, v["account"], v["name"], v["id_number"], v["amount"], v.get("memo") or None, line
    )


def return_record_maker(
    status_of: Callable[[str], ReturnStatus], code_of: Callable[[Mapping[str, Any]], str]
) -> Callable[[int, Mapping[str, Any], int | None], ReturnRecord]:
    """The function building one result read from its values by name, the raw
    code taken by ``code_of`` and normalised by ``status_of``."""

    def make(seq: int, v: Mapping[str, Any], line: int | None) -> ReturnRecord:
        code = code_of(v)
        return ReturnRecord(
            seq,
            v["account"],
            v["name"],
            v["amount"],
            status_of(code),
            code,
            v["message"],
            v.get("txn_id") or None,
            v.get("settled_at"),
            line,
        )

    return make


def instructions(
    bank: str,
    values: Mapping[str, Any],
    records: Sequence[InstructionRecord],
    *,
    figures: tuple[int, Decimal],
    file: str,
    verifier: Verifier,
) -> Instructions:
    """The instructions of a payment message whose header ``values`` were read."""
    return Instructions(
        bank=bank,
        batch_id=values["batch_id"],
        count=figures[0],
        total=figures[1],
        records=tuple(records),
        payer_account=values["payer_account"],
        payer_name=values["payer_name"],
        pay_date=values.get("pay_date"),
        files=(file,),
        signature_algorithm=verifier.algorithm,
        key_fingerprint=verifier.key_fingerprint,
    )


def bank_return(
    bank: str,
    batch_id: str,
    records: Sequence[ReturnRecord],
    *,
    figures: tuple[int, Decimal],
    file: str,
    verifier: Verifier,
    extra: Mapping[str, str],
) -> BankReturn:
    """The return of a return message of ``batch_id``."""
    return BankReturn(
        bank=bank,
        batch_id=batch_id,
        count=figures[0],
        total=figures[1],
        records=tuple(records),
        files=(file,),
        signature_algorithm=verifier.algorithm,
        key_fingerprint=verifier.key_fingerprint,
        extra=extra,
    )
