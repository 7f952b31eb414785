"""Claims: an approved item holds (policy, person or household, period); an
overlapping second claim is refused, whatever the period spelling."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from ningxia_yikatong.codes import Period
from ningxia_yikatong.errors import LedgerError
from ningxia_yikatong.ledger import BatchStatus, GovernmentLevel, Ledger, PayMode, _claims
from ningxia_yikatong.ledger._pii import DataKey, PiiCipher
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.policy import Target
from ningxia_yikatong.testing import SyntheticData


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    with Ledger.init(ledger_url, cipher=PiiCipher(DataKey.generate())) as opened:
        yield opened


def record(ledger: Ledger, batch: PayoutBatch, target: Target = Target.PERSON) -> None:
    ledger.record_batch(
        batch,
        department="自治区民政厅",
        pay_mode=PayMode.FISCAL_DIRECT,
        level=GovernmentLevel.REGION,
        target=target,
        actor="tester",
    )


def base(n: int = 4, period: str = "2026-03") -> PayoutBatch:
    return SyntheticData(seed=11).batch(
        n, bank="psbc", period=period, batch_id="B-MAR", policy_code="NX-GLJT"
    )


def again(batch: PayoutBatch, batch_id: str, **update: Any) -> PayoutBatch:
    return batch.model_copy(update={"batch_id": batch_id, **update})


def test_approve_claims_every_item(ledger: Ledger) -> None:
    batch = base()
    record(ledger, batch)
    assert ledger.claims_of("B-MAR") == {}
    assert ledger.approve("B-MAR", actor="审核员") == 4
    assert ledger.record("B-MAR").status is BatchStatus.APPROVED
    assert ledger.claims_of("B-MAR") == {1: True, 2: True, 3: True, 4: True}
    assert ledger.approve("B-MAR", actor="审核员") == 0  # approved already
    assert ledger.status().active_claims == 4


def test_overlap_refused_across_period_spellings(ledger: Ledger) -> None:
    first = base()
    record(ledger, first)
    ledger.approve("B-MAR", actor="a")
    # Items 2 and 4 again, under another batch id, for the first quarter.
    second = first.without({1, 3}, batch_id="B-Q1").model_copy(
        update={"period": Period("2026-Q1"), "source_batch_id": None, "source_seqs": None}
    )
    record(ledger, second)
    with pytest.raises(LedgerError) as err:
        ledger.approve("B-Q1", actor="a")
    exc = err.value
    assert exc.code == "ledger.claim_overlap"
    assert "B-MAR" in exc.message
    for item in second.items:
        rid = str(item.beneficiary.id_number)
        assert rid not in str(exc)
        assert item.beneficiary.id_number.masked() in exc.message
    assert [d.location.record for d in exc.details] == [1, 2]
    # All or nothing: the refused batch holds no claim and stays unapproved.
    assert ledger.claims_of("B-Q1") == {}
    assert ledger.record("B-Q1").status is BatchStatus.RECORDED
    assert ledger.status().active_claims == 4


def test_other_period_or_policy_does_not_clash(ledger: Ledger) -> None:
    first = base()
    record(ledger, first)
    ledger.approve("B-MAR", actor="a")
    record(ledger, again(first, "B-Q2", period=Period("2026-Q2")))
    assert ledger.approve("B-Q2", actor="a") == 4
    record(ledger, again(first, "B-OTHER", policy_code="NX-CJBT"))
    assert ledger.approve("B-OTHER", actor="a") == 4
    record(ledger, again(first, "B-YEAR", period=Period("2026")))
    with pytest.raises(LedgerError) as err:
        ledger.approve("B-YEAR", actor="a")
    assert "B-MAR" in err.value.message
    assert "B-Q2" in err.value.message


def test_household_policy_claims_the_household(ledger: Ledger) -> None:
    batch = base(3)
    items = [
        it.model_copy(
            update={"beneficiary": it.beneficiary.model_copy(update={"household_id": "H-1"})}
        )
        if it.seq in {1, 3}
        else it.model_copy(
            update={"beneficiary": it.beneficiary.model_copy(update={"household_id": "H-2"})}
        )
        for it in batch.items
    ]
    record(ledger, again(batch, "B-HOME", items=tuple(items)), Target.HOUSEHOLD)
    with pytest.raises(LedgerError) as err:
        ledger.approve("B-HOME", actor="a")
    assert err.value.code == "ledger.claim_overlap"
    assert "本批次内重复" in str(err.value)
    assert [d.location.record for d in err.value.details] == [3]
    # Without a household id a household policy cannot claim.
    bare = tuple(
        it.model_copy(
            update={"beneficiary": it.beneficiary.model_copy(update={"household_id": None})}
        )
        for it in batch.items
    )
    record(ledger, again(batch, "B-NOHOME", items=bare), Target.HOUSEHOLD)
    with pytest.raises(LedgerError) as err:
        ledger.approve("B-NOHOME", actor="a")
    assert err.value.code == "ledger.household_missing"


def test_release_and_cancel(ledger: Ledger) -> None:
    first = base()
    record(ledger, first)
    ledger.approve("B-MAR", actor="a")
    with pytest.raises(LedgerError) as err:
        ledger.release("B-MAR", [2], " ", actor="a")
    assert err.value.code == "ledger.reason_missing"
    assert ledger.release("B-MAR", [2], "账户已销户，最终失败", actor="a") == 1
    with pytest.raises(LedgerError) as err:
        ledger.release("B-MAR", [2], "again", actor="a")
    assert err.value.code == "ledger.not_claimed"
    # Item 2's person may now be paid by another batch; the others may not.
    only2 = first.without({1, 3, 4}, batch_id="B-MAR-2").model_copy(
        update={"source_batch_id": None, "source_seqs": None}
    )
    record(ledger, only2)
    assert ledger.approve("B-MAR-2", actor="a") == 1
    assert ledger.cancel("B-MAR", "批次作废", actor="a") == 3
    assert ledger.record("B-MAR").status is BatchStatus.CANCELLED
    with pytest.raises(LedgerError) as err:
        ledger.approve("B-MAR", actor="a")
    assert err.value.code == "ledger.batch_cancelled"
    record(ledger, again(first, "B-MAR-3"))
    with pytest.raises(LedgerError) as err:  # item 2 is held by B-MAR-2
        ledger.approve("B-MAR-3", actor="a")
    assert [d.location.record for d in err.value.details] == [2]
    assert "B-MAR-2" in err.value.message


def test_claim_moves_to_the_reissue(ledger: Ledger) -> None:
    first = base()
    record(ledger, first)
    ledger.approve("B-MAR", actor="a")
    ledger.release("B-MAR", [4], "最终失败", actor="a")
    # Items 2 and 4 failed; 2 is paid again by a reissue (4 was released: claims anew).
    items = tuple(first.items[s - 1].model_copy(update={"seq": n}) for n, s in ((1, 2), (2, 4)))
    reissue = again(first, "B-MAR-R2", items=items, parent_batch_id="B-MAR", round=2)
    assert ledger.record_reissue(reissue, [2, 4], actor="a") == 1
    assert ledger.claims_of("B-MAR-R2") == {1: True, 2: True}
    assert ledger.claims_of("B-MAR") == {1: True, 3: True, 4: False}
    assert ledger.record("B-MAR-R2").status is BatchStatus.APPROVED
    record(ledger, again(first, "B-Q1", period=Period("2026-Q1")))
    with pytest.raises(LedgerError) as err:
        ledger.approve("B-Q1", actor="a")
    holders = {d.location.record: d.message for d in err.value.details}
    assert set(holders) == {1, 2, 3, 4}
    assert "B-MAR-R2 第1条" in holders[2]
    assert "B-MAR-R2 第2条" in holders[4]
    with pytest.raises(LedgerError) as err:
        ledger.record_reissue(again(first, "B-X"), [1, 2, 3, 4], actor="a")
    assert err.value.code == "ledger.not_reissue"


@pytest.mark.parametrize("ledger_url", ["postgresql"], indirect=True)  # its constraint
def test_database_refuses_overlap_itself(ledger_url: str, ledger: Ledger) -> None:
    """PostgreSQL's exclusion constraint holds without the ledger's own check,
    and its violation comes back as ``ledger.claim_overlap`` naming the batch."""
    assert ledger_url.startswith("postgresql")
    first = base()
    record(ledger, first)
    ledger.approve("B-MAR", actor="a")
    with ledger.engine.begin() as conn, pytest.raises(sa.exc.IntegrityError) as raw:
        conn.execute(
            sa.text(
                "INSERT INTO claims (policy_code, subject, period_start, period_end, batch_id,"
                " seq, active, claimed_by, claimed_at) SELECT policy_code, subject,"
                " DATE '2026-01-01', DATE '2026-03-31', batch_id, seq, true, 'x', now()"
                " FROM claims LIMIT 1"
            )
        )
    assert _claims.is_exclusion_violation(raw.value)
    record(ledger, again(first, "B-Q1", period=Period("2026-Q1")))
    real = _claims.find_clashes
    calls: list[int] = []

    def blind_once(*args: Any, **kwargs: Any) -> list[_claims.Clash]:
        calls.append(1)
        return [] if len(calls) == 1 else real(*args, **kwargs)

    pytest.MonkeyPatch().setattr(_claims, "find_clashes", blind_once)
    try:
        with pytest.raises(LedgerError) as err:
            ledger.approve("B-Q1", actor="a")
    finally:
        _claims.find_clashes = real
    assert len(calls) == 2
    assert err.value.code == "ledger.claim_overlap"
    assert "B-MAR" in err.value.message
    assert ledger.claims_of("B-Q1") == {}
