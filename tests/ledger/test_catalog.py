"""Catalog revisions in the ledger: read back equal, idempotent, one content per number."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ningxia_yikatong.catalog import CatalogRevision
from ningxia_yikatong.errors import LedgerError
from ningxia_yikatong.ledger import DataKey, Ledger, PiiCipher
from ningxia_yikatong.testing.policies import sample_catalog
from ningxia_yikatong.testing.strategies import subsidy_policies


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


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_revisions_read_back_equal(ledger: Ledger, data: st.DataObject) -> None:
    # One ledger for every example: each revision comes after the last recorded.
    recorded = ledger.catalog_revisions()
    last = recorded[-1].effective_from if recorded else dt.date(2017, 12, 31)
    effective = last + dt.timedelta(days=data.draw(st.integers(min_value=1, max_value=400)))
    codes = data.draw(
        st.lists(st.from_regex(r"\ANX-[A-Z]{2}-[0-9]{3}\Z"), min_size=1, max_size=3, unique=True)
    )
    policies = []
    for code in codes:
        policy = data.draw(subsidy_policies(code=code))
        # In force when the revision takes effect, and excluding no other policy.
        policies.append(
            policy.model_copy(
                update={"effective_from": effective, "effective_to": None, "exclusive_with": ()}
            )
        )
    revision = CatalogRevision(
        version=len(recorded) + 1,
        effective_from=effective,
        published_on=effective - dt.timedelta(days=10),
        note=data.draw(st.text(max_size=20)),
        policies=tuple(policies),
    )
    made = ledger.record_catalog_revision(revision, actor="财政厅")
    assert ledger.catalog_revision(revision.version) == revision
    assert ledger.record_catalog_revision(revision, actor="财政厅") == made
    assert ledger.catalog_revisions()[-1] == made
