"""Reconciliation (对账): a return of 1,000,000 lines matched to its batch.

The return is realistic: 97% paid, 2% failed over several reasons, 0.5%
pending, 0.5% missing, and a handful of lines with a differing amount or
account and of lines for no item.

Ours: :func:`ningxia_yikatong.reconcile.reconcile`, which checks each line's
amount, account and name against the instruction, classifies every item,
records every anomaly and computes the totals by outcome and reason.
Floor: a dict join of the same records on ``seq`` that sums count and amount
by status, and checks nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal

from bench._harness import Stage
from bench.bench_model import batch_data
from ningxia_yikatong import PayoutBatch
from ningxia_yikatong.banks import BankReturn, ReturnRecord, ReturnStatus
from ningxia_yikatong.reconcile import reconcile

_FAILURES = (
    ReturnStatus.NAME_MISMATCH,
    ReturnStatus.ACCOUNT_NOT_FOUND,
    ReturnStatus.FROZEN,
    ReturnStatus.CLOSED,
)


def _status(i: int) -> ReturnStatus | None:
    k = i % 200
    if k < 4:
        return _FAILURES[k]
    if k == 4:
        return ReturnStatus.PENDING
    if k == 5:
        return None  # missing from the return
    return ReturnStatus.SUCCESS


def inputs(n: int) -> tuple[PayoutBatch, BankReturn]:
    """A batch of ``n`` items and its bank return."""
    batch = PayoutBatch.model_validate(batch_data(n))
    records = []
    for i, item in enumerate(batch.items):
        status = _status(i)
        if status is None:
            continue
        account = item.beneficiary.account
        record = ReturnRecord(
            seq=item.seq,
            account=str(account.number),
            name=str(account.holder_name),
            amount=Decimal(item.amount),
            status=status,
            raw_code="0000" if status is ReturnStatus.SUCCESS else f"E{status.value[:4]}",
            raw_message=status.label,
            bank_txn_id=f"T{i:012d}",
            line=i + 2,
        )
        if i % 100_003 == 7:
            record = dataclasses.replace(record, amount=record.amount + Decimal("0.01"))
        records.append(record)
    for extra in range(n // 250_000 + 1):
        records.append(dataclasses.replace(records[0], seq=n + 1 + extra, line=None))
    total = sum((r.amount for r in records), Decimal("0.00"))
    ret = BankReturn("psbc", batch.batch_id, len(records), total, tuple(records))
    return batch, ret


def ours(n: int) -> Callable[[], int]:
    batch, ret = inputs(n)

    def run() -> int:
        rec = reconcile(batch, ret)
        if not rec.totals.balanced:
            raise AssertionError("unbalanced")
        return rec.totals.batch.count

    return run


def floor(n: int) -> Callable[[], int]:
    batch, ret = inputs(n)

    def run() -> int:
        by_seq = {r.seq: r for r in ret.records}
        counts: dict[ReturnStatus | None, int] = {}
        amounts: dict[ReturnStatus | None, Decimal] = {}
        for item in batch.items:
            r = by_seq.get(item.seq)
            status = None if r is None else r.status
            counts[status] = counts.get(status, 0) + 1
            amounts[status] = amounts.get(status, Decimal("0.00")) + item.amount
        return sum(counts.values())

    return run


STAGES = [
    Stage(
        "reconcile 1 return (match, check, totals)",
        ours,
        floor,
        sizes=(1_000_000,),
        floor_label="dict join on seq, sums by status",
    ),
]
