"""A bank's answer to a batch, made directly (no files, no signature), for
tests of what comes after the bank: reconciliation, disclosure, feedback.

>>> from ningxia_yikatong.testing import SyntheticData
>>> from ningxia_yikatong.banks import ReturnStatus
>>> from ningxia_yikatong.reconcile import reconcile
>>> batch = SyntheticData(seed=1).batch(4, bank="psbc", batch_id="B-ANS")
>>> answer = bank_answer(batch, {2: ReturnStatus.CLOSED})
>>> result = reconcile(batch, answer)
>>> result.totals.paid.count, [r.seq for r in result.failed]
(3, [2])
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from decimal import Decimal

from ..banks._model import BankReturn, ReturnRecord, ReturnStatus
from ..payout import PayoutBatch

__all__ = ["bank_answer"]


def bank_answer(
    batch: PayoutBatch,
    statuses: Mapping[int, ReturnStatus] | None = None,
    *,
    settled_at: _dt.datetime = _dt.datetime(2026, 3, 20, 10),
    key_fingerprint: str = "test-bank-key",
) -> BankReturn:
    """A return that answers every item of ``batch``: SUCCESS unless
    ``statuses`` (seq to status) says otherwise; paid items carry a bank
    transaction id and ``settled_at``."""
    given = statuses or {}
    records = []
    for item in batch.items:
        status = given.get(item.seq, ReturnStatus.SUCCESS)
        paid = status is ReturnStatus.SUCCESS
        records.append(
            ReturnRecord(
                seq=item.seq,
                account=str(item.beneficiary.account.number),
                name=str(item.beneficiary.account.holder_name),
                amount=Decimal(item.amount),
                status=status,
                raw_code="00" if paid else "E01",
                raw_message="成功" if paid else status.label,
                bank_txn_id=f"T{item.seq:08d}" if paid else None,
                settled_at=settled_at if paid else None,
                line=item.seq + 1,
            )
        )
    return BankReturn(
        bank=batch.agent_bank,
        batch_id=batch.batch_id,
        count=len(records),
        total=sum((r.amount for r in records), Decimal("0.00")),
        records=tuple(records),
        files=("return.txt",),
        signature_algorithm="SM2-SM3",
        key_fingerprint=key_fingerprint,
    )
