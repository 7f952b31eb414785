"""Schema revisions: init, upgrade, refusing older and unknown databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ningxia_yikatong.errors import LedgerError
from ningxia_yikatong.ledger import Ledger
from ningxia_yikatong.ledger._ledger import make_engine
from ningxia_yikatong.ledger._migrate import _config, head_revision
from ningxia_yikatong.ledger._pii import DataKey, PiiCipher
from ningxia_yikatong.ledger._schema import metadata


def test_init_then_open(ledger_url: str) -> None:
    cipher = PiiCipher(DataKey.generate())
    Ledger.init(ledger_url, cipher=cipher).close()
    with Ledger.open(ledger_url, cipher=cipher) as ledger:
        status = ledger.status()
    assert status.revision == head_revision()
    assert status.data_key_id == cipher.key_id
    assert (status.batches, status.items, status.active_claims) == (0, 0, 0)


def test_migrations_make_the_schema(ledger_url: str) -> None:
    Ledger.init(ledger_url).close()
    engine = make_engine(ledger_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_empty_database_is_not_a_ledger(ledger_url: str) -> None:
    with pytest.raises(LedgerError) as err:
        Ledger.open(ledger_url)
    assert err.value.code == "ledger.schema_missing"


def test_older_schema_refused_until_upgraded(ledger_url: str) -> None:
    assert Ledger.upgrade(ledger_url, "0001") == "0001"
    with pytest.raises(LedgerError) as err:
        Ledger.open(ledger_url)
    assert err.value.code == "ledger.schema_old"
    assert "yikatong ledger upgrade" in err.value.message
    assert Ledger.upgrade(ledger_url) == head_revision()
    Ledger.open(ledger_url).close()


def test_unknown_schema_refused(ledger_url: str) -> None:
    Ledger.init(ledger_url).close()
    engine = make_engine(ledger_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'f00d'"))
    engine.dispose()
    for attempt in (lambda: Ledger.open(ledger_url), lambda: Ledger.upgrade(ledger_url)):
        with pytest.raises(LedgerError) as err:
            attempt()
        assert err.value.code == "ledger.schema_unknown"


def test_other_data_key_refused(ledger_url: str) -> None:
    Ledger.init(ledger_url, cipher=PiiCipher(DataKey.generate())).close()
    with pytest.raises(LedgerError) as err:
        Ledger.open(ledger_url, cipher=PiiCipher(DataKey.generate()))
    assert err.value.code == "ledger.data_key_wrong"


def test_unsupported_url() -> None:
    with pytest.raises(LedgerError) as err:
        Ledger.open("mysql://localhost/x")
    assert err.value.code == "ledger.url"


def test_sqlite_settings(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/l.sqlite"
    Ledger.init(url).close()
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        # A page cache that holds a large batch's indexes; sorts in memory;
        # durability as SQLite's default (FULL: every commit reaches the disk).
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -256 * 1024
        assert conn.exec_driver_sql("PRAGMA temp_store").scalar() == 2
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    engine.dispose()


@pytest.mark.parametrize("ledger_url", ["postgresql"], indirect=True)  # its constraint
def test_claims_constraint_led_by_the_subject(ledger_url: str) -> None:
    # 0007 puts the subject first in the exclusion constraint's GiST index
    # (the policy code is shared by a whole batch); down again restores 0006's.
    def definition() -> str:
        engine = make_engine(ledger_url)
        with engine.connect() as conn:
            text = conn.scalar(
                sa.text(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conname = 'claims_no_overlap'"
                )
            )
        engine.dispose()
        return str(text)

    assert Ledger.upgrade(ledger_url, "0006") == "0006"
    assert definition().startswith("EXCLUDE USING gist (policy_code WITH =, subject WITH =,")
    assert Ledger.upgrade(ledger_url) == head_revision() == "0007"
    assert definition().startswith("EXCLUDE USING gist (subject WITH =, policy_code WITH =,")
    assert "WHERE (active)" in definition()
    engine = make_engine(ledger_url)
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0006")
    engine.dispose()
    assert definition().startswith("EXCLUDE USING gist (policy_code WITH =, subject WITH =,")
