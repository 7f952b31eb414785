"""A paid batch of one county for the disclosure tests (``paid`` fixture)."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from ningxia_yikatong.banks._model import BankReturn, ReturnRecord, ReturnStatus
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.policy import SubsidyPolicy
from ningxia_yikatong.reconcile import Reconciliation, reconcile
from ningxia_yikatong.testing import SyntheticData
from ningxia_yikatong.testing.policies import sample_policies


@dataclass(frozen=True)
class Paid:
    """A batch, its policy, and its reconciliation (every seventh item failed)."""

    batch: PayoutBatch
    policy: SubsidyPolicy
    reconciliation: Reconciliation


def paid_batch(seed: int = 2, size: int = 40, failed_every: int = 7) -> Paid:
    policy = next(p for p in sample_policies() if p.code == "NX-GLJT")
    batch = SyntheticData(seed=seed).batch(
        size, policy=policy, county="640122", period="2026-03", bank="psbc", batch_id=f"GS{seed}"
    )
    records = tuple(
        ReturnRecord(
            seq=item.seq,
            account=str(item.beneficiary.account.number),
            name=str(item.beneficiary.account.holder_name),
            amount=Decimal(item.amount),
            status=ReturnStatus.CLOSED if item.seq % failed_every == 0 else ReturnStatus.SUCCESS,
            raw_code="00",
            raw_message="",
            bank_txn_id=f"T{item.seq}",
            settled_at=_dt.datetime(2026, 3, 20, 10),
            line=item.seq + 1,
        )
        for item in batch.items
    )
    answer = BankReturn(
        bank=batch.agent_bank,
        batch_id=batch.batch_id,
        count=len(records),
        total=sum((r.amount for r in records), Decimal("0.00")),
        records=records,
        files=("return.txt",),
        signature_algorithm="SM2-SM3",
        key_fingerprint="bank",
    )
    return Paid(batch, policy, reconcile(batch, answer))


@pytest.fixture(scope="session")
def paid() -> Paid:
    return paid_batch()
