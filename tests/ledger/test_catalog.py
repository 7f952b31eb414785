"""Catalog revisions in the ledger: read back equal, idempotent, one content per number."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from ningxia_yikatong.errors import LedgerError
from ningxia_yikatong.ledger import DataKey, Ledger, PiiCipher
from ningxia_yikatong.testing.policies import sample_catalog


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    with Ledger.init(ledger_url, cipher=PiiCipher(DataKey.generate())) as opened:
        yield opened


def test_revisions_read_back_equal(ledger: Ledger) -> None:
    catalog = sample_catalog()
    for revision in catalog.revisions:
        recorded = ledger.record_catalog_revision(revision, actor="财政厅")
        assert recorded.version == revision.version
        assert ledger.record_catalog_revision(revision, actor="财政厅") == recorded
    for revision in catalog.revisions:
        assert ledger.catalog_revision(revision.version) == revision
    assert ledger.catalog().revisions == catalog.revisions
    assert [r.version for r in ledger.catalog_revisions()] == [1, 2]
    events = [e for e in ledger.audit.events() if e.action == "catalog.record"]
    assert [e.object_id for e in events] == ["1", "2"]
    assert [e.object_digest for e in events] == [r.digest for r in ledger.catalog_revisions()]


def test_other_content_under_a_recorded_number(ledger: Ledger) -> None:
    first = sample_catalog().revisions[0]
    ledger.record_catalog_revision(first, actor="x")
    changed = first.model_copy(update={"note": "改过的说明"})
    with pytest.raises(LedgerError) as err:
        ledger.record_catalog_revision(changed, actor="x")
    assert err.value.code == "ledger.revision_conflict"
    late = first.model_copy(update={"version": 5, "effective_from": dt.date(2000, 1, 1)})
    with pytest.raises(LedgerError) as err:
        ledger.record_catalog_revision(late, actor="x")
    assert err.value.code == "ledger.revision_order"
    with pytest.raises(LedgerError) as err:
        ledger.catalog_revision(9)
    assert err.value.code == "ledger.revision_unknown"
    with pytest.raises(LedgerError) as err:
        ledger.record_catalog_revision("v1", actor="x")  # type: ignore[arg-type]
    assert err.value.code == "ledger.revision_type"
