"""Recording batches: reading back gives the model; a batch id names one content."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from ningxia_yikatong.errors import LedgerError
from ningxia_yikatong.ledger import (
    BatchStatus,
    GovernmentLevel,
    Ledger,
    PayMode,
    RecordedBatch,
    _records,
    batch_digest,
)
from ningxia_yikatong.ledger._pii import DataKey, PiiCipher
from ningxia_yikatong.ledger._records import DigestName
from ningxia_yikatong.payout import PayoutBatch, PayoutItem
from ningxia_yikatong.testing import SyntheticData
from ningxia_yikatong.testing.strategies import payout_batches


def record(
    ledger: Ledger,
    batch: PayoutBatch,
    *,
    department: str = "自治区民政厅",
    pay_mode: PayMode = PayMode.FISCAL_DIRECT,
    digest: DigestName = "sha256",
) -> RecordedBatch:
    return ledger.record_batch(
        batch,
        department=department,
        pay_mode=pay_mode,
        level=GovernmentLevel.REGION,
        actor="tester",
        digest=digest,
    )


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    with Ledger.init(ledger_url, cipher=PiiCipher(DataKey.generate())) as opened:
        yield opened


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=payout_batches(max_items=6))
def test_round_trip(ledger: Ledger, batch: PayoutBatch) -> None:
    batch = batch.model_copy(update={"batch_id": f"B{uuid.uuid4().hex[:20]}"})
    if batch.parent_batch_id is not None:
        parent = f"P{uuid.uuid4().hex[:20]}"
        record(
            ledger,
            batch.model_copy(update={"batch_id": parent, "parent_batch_id": None, "round": 1}),
        )
        batch = batch.model_copy(update={"parent_batch_id": parent})
    recorded = record(ledger, batch)
    back = ledger.batch(str(batch.batch_id))
    assert back == batch
    assert batch_digest(back) == recorded.digest
    info = ledger.record(str(batch.batch_id))
    assert info.status is BatchStatus.RECORDED
    assert (info.department, info.pay_mode, info.level) == (
        "自治区民政厅",
        PayMode.FISCAL_DIRECT,
        GovernmentLevel.REGION,
    )
    assert (info.period_start, info.period_end) == (batch.period.start, batch.period.end)
    assert (info.item_count, info.total) == (batch.count, batch.total)


def test_same_content_is_idempotent(ledger: Ledger) -> None:
    batch = SyntheticData(seed=3).batch(4, bank="psbc")
    first = record(ledger, batch)
    again = record(ledger, batch.model_copy())
    assert again.digest == first.digest
    assert ledger.status().items == 4


def test_other_content_under_same_id_conflicts(ledger: Ledger) -> None:
    batch = SyntheticData(seed=3).batch(4, bank="psbc")
    record(ledger, batch)
    other = batch.model_copy(update={"payer_name": batch.payer_name + "X"})
    with pytest.raises(LedgerError) as err:
        record(ledger, other)
    assert err.value.code == "ledger.batch_conflict"
    with pytest.raises(LedgerError) as err:
        record(ledger, batch, pay_mode=PayMode.DEPARTMENT)
    assert err.value.code == "ledger.batch_conflict"
    assert ledger.status().items == 4


def test_sm3_digest(ledger: Ledger) -> None:
    batch = SyntheticData(seed=4).batch(2, bank="psbc")
    recorded = record(ledger, batch, digest="sm3")
    assert recorded.digest == batch_digest(batch, "sm3") != batch_digest(batch)
    assert record(ledger, batch).digest_algorithm == "sm3"


def test_unknown_batch_and_parent(ledger: Ledger) -> None:
    with pytest.raises(LedgerError) as err:
        ledger.batch("NOPE")
    assert err.value.code == "ledger.batch_unknown"
    batch = SyntheticData(seed=5).batch(2, bank="psbc")
    child = batch.model_copy(update={"parent_batch_id": "NEVER", "round": 2})
    with pytest.raises(LedgerError) as err:
        record(ledger, child)
    assert err.value.code == "ledger.parent_unknown"


def test_reading_without_key(ledger_url: str) -> None:
    batch = SyntheticData(seed=6).batch(2, bank="psbc")
    with Ledger.init(ledger_url, cipher=PiiCipher(DataKey.generate())) as ledger:
        record(ledger, batch)
    with Ledger.open(ledger_url) as ledger:
        assert ledger.record(str(batch.batch_id)).item_count == 2
        with pytest.raises(LedgerError) as err:
            ledger.batch(str(batch.batch_id))
    assert err.value.code == "ledger.data_key_missing"


def test_department_required(ledger: Ledger) -> None:
    batch = SyntheticData(seed=6).batch(1, bank="psbc")
    with pytest.raises(LedgerError) as err:
        record(ledger, batch, department=" ")
    assert err.value.code == "ledger.department"


# --- the rows through any codec ------------------------------------------------


class _Codec:
    """A codec that is not a PiiCipher: the rows go through it field by field."""

    def __init__(self, cipher: PiiCipher) -> None:
        self._cipher = cipher
        self.calls = 0

    @property
    def key_id(self) -> str:
        return self._cipher.key_id

    def digest(self, kind: str, value: str) -> str:
        self.calls += 1
        return self._cipher.digest(kind, value)

    def encrypt(self, kind: str, value: str) -> bytes:
        self.calls += 1
        return self._cipher.encrypt(kind, value)

    def decrypt(self, kind: str, blob: bytes) -> str:
        return self._cipher.decrypt(kind, blob)


def test_item_rows_through_any_codec() -> None:
    cipher = PiiCipher(DataKey.generate())
    codec = _Codec(cipher)
    batch = SyntheticData(seed=3).batch(5, bank="psbc")
    for rows in (
        _records.item_rows("B1", batch.items, codec),
        _records.item_rows("B1", batch.items, cipher),
    ):
        assert len(rows) == batch.count
        for item, row in zip(batch.items, rows, strict=True):
            data = dict(zip(_records.ITEM_COLUMNS, row, strict=True))
            back = _records.item_data(data, cipher)
            assert PayoutItem.model_validate(back) == item
            assert data["id_digest"] == cipher.digest("id_number", str(item.beneficiary.id_number))
    phones = sum(item.beneficiary.phone is not None for item in batch.items)
    assert codec.calls == 4 * batch.count + phones
