"""What the ledger records beside the model: the ledger-side attributes of a
batch (主管部门, pay mode, government level), the batch's content digest, and
the conversion between items and rows (personal data through the cipher)."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final, Protocol

from ..payout import DigestName, PayoutBatch, PayoutItem, batch_digest, canonical_json
from ..policy import GovernmentLevel, PayMode
from ._pii import PiiCipher

__all__ = [
    "BatchStatus",
    "DigestName",
    "GovernmentLevel",
    "PayMode",
    "PiiCodec",
    "RecordedBatch",
    "batch_digest",
    "canonical_json",
]


class BatchStatus(StrEnum):
    """Where a batch stands in the ledger."""

    RECORDED = "recorded"  # 已登记
    APPROVED = "approved"  # 已批准发放 (its items hold claims)
    CANCELLED = "cancelled"  # 已撤销 (claims released)

    @property
    def label(self) -> str:
        """Chinese label."""
        return {"recorded": "已登记", "approved": "已批准发放", "cancelled": "已撤销"}[self.value]


class PiiCodec(Protocol):
    """Keyed digest and encryption of personal data (``ledger._pii.PiiCipher``)."""

    @property
    def key_id(self) -> str:
        """Identifier of the data key (never the key)."""
        ...

    def digest(self, kind: str, value: str) -> str: ...

    def encrypt(self, kind: str, value: str) -> bytes: ...

    def decrypt(self, kind: str, blob: bytes) -> str: ...


@dataclass(frozen=True, slots=True)
class RecordedBatch:
    """A batch's ledger record without its items."""

    batch_id: str
    digest: str
    digest_algorithm: str
    policy_code: str
    period: str
    period_start: _dt.date
    period_end: _dt.date
    department: str
    pay_mode: PayMode
    level: GovernmentLevel
    target: str
    item_count: int
    total: Decimal
    status: BatchStatus
    status_reason: str | None
    parent_batch_id: str | None
    round: int
    recorded_by: str
    recorded_at: _dt.datetime


_FEN = Decimal(100)
_E4 = Decimal(10000)


#: The ``items`` columns :func:`item_rows` fills, in the order of its tuples.
ITEM_COLUMNS: Final = (
    "batch_id",
    "seq",
    "id_digest",
    "id_cipher",
    "name",
    "region",
    "household_id",
    "phone_cipher",
    "account_digest",
    "account_cipher",
    "account_bank",
    "holder_name",
    "is_yikatong",
    "branch",
    "disability_grade",
    "care_level",
    "amount_fen",
    "quantity_e4",
    "memo",
)


def _digests(cipher: PiiCodec, kind: str, values: list[str]) -> list[str]:
    if isinstance(cipher, PiiCipher):
        return cipher.digest_many(kind, values)
    return [cipher.digest(kind, v) for v in values]


def _ciphers(cipher: PiiCodec, kind: str, values: list[str]) -> list[bytes]:
    if isinstance(cipher, PiiCipher):
        return cipher.encrypt_many(kind, values)
    return [cipher.encrypt(kind, v) for v in values]


def decrypt_column(cipher: PiiCodec, kind: str, blobs: list[bytes]) -> list[str]:
    """The texts of a column of ciphertexts, in order (:meth:`PiiCipher.decrypt_many`)."""
    if isinstance(cipher, PiiCipher):
        return cipher.decrypt_many(kind, blobs)
    return [cipher.decrypt(kind, b) for b in blobs]


def item_rows(
    batch_id: str, chunk: Sequence[PayoutItem], cipher: PiiCodec
) -> list[tuple[Any, ...]]:
    """The ``items`` rows of ``chunk`` as tuples in :data:`ITEM_COLUMNS` order:
    ID and account as keyed digest and ciphertext, the phone as ciphertext,
    amounts in whole fen. Each kind of personal data goes through the cipher as
    one column (:meth:`PiiCipher.encrypt_many`)."""
    people = [item.beneficiary for item in chunk]
    accounts = [b.account for b in people]
    ids = [str(b.id_number) for b in people]
    numbers = [str(a.number) for a in accounts]
    phones = [str(b.phone) for b in people if b.phone is not None]
    id_digests = _digests(cipher, "id_number", ids)
    id_ciphers = _ciphers(cipher, "id_number", ids)
    account_digests = _digests(cipher, "account", numbers)
    account_ciphers = _ciphers(cipher, "account", numbers)
    phone_ciphers = iter(_ciphers(cipher, "phone", phones))
    rows = []
    for i, item in enumerate(chunk):
        b = people[i]
        acct = accounts[i]
        grade = b.disability_grade
        care = b.care_level
        quantity = item.quantity
        rows.append(
            (
                batch_id,
                item.seq,
                id_digests[i],
                id_ciphers[i],
                str(b.name),
                str(b.region),
                None if b.household_id is None else str(b.household_id),
                None if b.phone is None else next(phone_ciphers),
                account_digests[i],
                account_ciphers[i],
                str(acct.bank),
                str(acct.holder_name),
                acct.is_yikatong,
                None if acct.branch is None else str(acct.branch),
                None if grade is None else grade.value,
                None if care is None else care.value,
                int(item.amount * _FEN),
                None if quantity is None else int(quantity * _E4),
                item.memo,
            )
        )
    return rows


def item_data(row: Mapping[Any, Any], cipher: PiiCodec) -> dict[str, Any]:
    """The model data of an item from its row (validated by the caller)."""
    account: dict[str, Any] = {
        "number": cipher.decrypt("account", row["account_cipher"]),
        "bank": row["account_bank"],
        "holder_name": row["holder_name"],
        "is_yikatong": row["is_yikatong"],
        "branch": row["branch"],
    }
    beneficiary: dict[str, Any] = {
        "id_number": cipher.decrypt("id_number", row["id_cipher"]),
        "name": row["name"],
        "region": row["region"],
        "household_id": row["household_id"],
        "phone": None
        if row["phone_cipher"] is None
        else cipher.decrypt("phone", row["phone_cipher"]),
        "account": account,
        "disability_grade": row["disability_grade"],
        "care_level": row["care_level"],
    }
    quantity = row["quantity_e4"]
    return {
        "seq": row["seq"],
        "beneficiary": beneficiary,
        "amount": Decimal(row["amount_fen"]) / _FEN,
        "quantity": None if quantity is None else Decimal(quantity) / _E4,
        "memo": row["memo"],
    }


def batch_row(batch: PayoutBatch) -> dict[str, Any]:
    """The model fields of the ``batches`` row (the ledger adds the rest)."""
    return {
        "batch_id": str(batch.batch_id),
        "policy_code": str(batch.policy_code),
        "period": str(batch.period),
        "period_start": batch.period.start,
        "period_end": batch.period.end,
        "region": str(batch.region),
        "agent_bank": str(batch.agent_bank),
        "payer_account": str(batch.payer_account),
        "payer_name": batch.payer_name,
        "pay_date": batch.pay_date,
        "parent_batch_id": None if batch.parent_batch_id is None else str(batch.parent_batch_id),
        "round": batch.round,
        "source_batch_id": None if batch.source_batch_id is None else str(batch.source_batch_id),
        "source_seqs": None if batch.source_seqs is None else json.dumps(list(batch.source_seqs)),
        "item_count": batch.count,
        "total_fen": int(batch.total * _FEN),
    }


def batch_data(row: Mapping[Any, Any], items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The model data of a batch from its row and its items' data."""
    seqs = row["source_seqs"]
    return {
        "batch_id": row["batch_id"],
        "policy_code": row["policy_code"],
        "period": row["period"],
        "region": row["region"],
        "agent_bank": row["agent_bank"],
        "payer_account": row["payer_account"],
        "payer_name": row["payer_name"],
        "items": tuple(items),
        "pay_date": row["pay_date"],
        "parent_batch_id": row["parent_batch_id"],
        "round": row["round"],
        "source_batch_id": row["source_batch_id"],
        "source_seqs": None if seqs is None else tuple(json.loads(seqs)),
    }
