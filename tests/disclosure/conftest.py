"""A paid batch of one county for the disclosure tests (``paid`` fixture)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ningxia_yikatong.banks import ReturnStatus
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.policy import SubsidyPolicy
from ningxia_yikatong.reconcile import Reconciliation, reconcile
from ningxia_yikatong.testing import SyntheticData
from ningxia_yikatong.testing.policies import sample_policies
from ningxia_yikatong.testing.returns import bank_answer


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
    failed = {i.seq: ReturnStatus.CLOSED for i in batch.items if i.seq % failed_every == 0}
    answer = bank_answer(batch, failed)
    return Paid(batch, policy, reconcile(batch, answer))


@pytest.fixture(scope="session")
def paid() -> Paid:
    return paid_batch()
