"""Every ledger write is an audit event; an edit made directly in SQL is named."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from ningxia_yikatong.errors import LedgerError
from ningxia_yikatong.ledger import GovernmentLevel, Ledger, PayMode, batch_digest
from ningxia_yikatong.ledger._audit import AuditTrail, postgres_unguard_ddl, sqlite_unguard_ddl
from ningxia_yikatong.ledger._pii import DataKey, PiiCipher
from ningxia_yikatong.ledger._schema import audit_events
from ningxia_yikatong.signing import Sm2Signer, generate_sm2_key
from ningxia_yikatong.testing import SyntheticData


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    with Ledger.init(ledger_url, cipher=PiiCipher(DataKey.generate())) as opened:
        batch = SyntheticData(seed=41).batch(3, bank="psbc", batch_id="B-AUD")
        opened.record_batch(
            batch,
            department="自治区民政厅",
            pay_mode=PayMode.FISCAL_DIRECT,
            level=GovernmentLevel.REGION,
            actor="录入员",
        )
        opened.approve("B-AUD", actor="审核员")
        opened.release("B-AUD", [2], "最终失败", actor="对账员")
        opened.cancel("B-AUD", "批次作废", actor="科长")
        yield opened


def test_every_write_is_an_event(ledger: Ledger) -> None:
    events = ledger.audit.events()
    assert [(e.actor, e.action, e.object_id) for e in events] == [
        ("ledger", "ledger.data_key", "data_key_id"),
        ("录入员", "batch.record", "B-AUD"),
        ("审核员", "batch.approve", "B-AUD"),
        ("对账员", "claims.release", "B-AUD"),
        ("科长", "batch.cancel", "B-AUD"),
    ]
    assert events[1].object_digest == batch_digest(ledger.batch("B-AUD"))
    assert ledger.audit.verify() is None
    assert ledger.audit.verify_or_raise() == 5
    assert len([e.action for e in ledger.audit.of("B-AUD")]) == 4


def test_events_cannot_be_changed(ledger: Ledger) -> None:
    with ledger.engine.begin() as conn, pytest.raises(sa.exc.DBAPIError):
        conn.execute(sa.text("UPDATE audit_events SET actor = 'x' WHERE seq = 3"))
    with ledger.engine.begin() as conn, pytest.raises(sa.exc.DBAPIError):
        conn.execute(sa.text("DELETE FROM audit_events WHERE seq = 3"))
    assert ledger.audit.verify() is None


def test_edit_in_sql_is_named(ledger: Ledger) -> None:
    engine = ledger.engine
    unguard = postgres_unguard_ddl if engine.dialect.name == "postgresql" else sqlite_unguard_ddl
    with engine.begin() as conn:
        for statement in unguard(audit_events):
            conn.exec_driver_sql(statement)
        conn.execute(sa.text("UPDATE audit_events SET actor = '别人' WHERE seq = 3"))
    broken = ledger.audit.verify()
    assert broken is not None
    assert (broken.seq, broken.field) == (3, "content")
    with pytest.raises(LedgerError) as err:
        ledger.audit.verify_or_raise()
    assert err.value.code == "ledger.audit_broken"
    assert err.value.location.record == 3
    with pytest.raises(LedgerError) as err:
        ledger.audit.export_head(Sm2Signer(generate_sm2_key()))
    assert err.value.code == "ledger.audit_broken"


def test_export_head_signed(ledger: Ledger) -> None:
    signer = Sm2Signer(generate_sm2_key())
    document = ledger.audit.export_head(signer)
    fields = AuditTrail.verify_head(document, signer.verifier())
    assert fields["seq"] == 5
    assert fields["hash"] == ledger.audit.events()[-1].hash
