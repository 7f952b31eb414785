"""The ledger (发放台账): recording a batch with its claims, and prior payouts.

Ours: :meth:`ningxia_yikatong.ledger.Ledger.record_batch` then
:meth:`~ningxia_yikatong.ledger.Ledger.approve` (keyed digests and SM4-GCM
ciphertexts of every ID, account and phone; canonical digest; the overlap check
and one claim per item; audit events), and
:meth:`~ningxia_yikatong.ledger.Ledger.prior_payouts` for every person paid.
Floor: the same rows, every column of an item with its ID, account and phone
in clear (no digests, no ciphertexts), written with one ``executemany``
(SQLite) or ``COPY`` (PostgreSQL) into a plain table with only its primary
key, without claims, and read back with one ``SELECT``.

SQLite runs in a temporary file. PostgreSQL runs only when
``YIKATONG_BENCH_POSTGRES_URL`` names a database the benchmark may empty (its
ledger tables are dropped first).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench._harness import Stage
from bench.bench_model import batch_data
from ningxia_yikatong import PayoutBatch
from ningxia_yikatong.ledger import DataKey, GovernmentLevel, Ledger, PayMode, PiiCipher
from ningxia_yikatong.ledger._records import ITEM_COLUMNS
from ningxia_yikatong.ledger._schema import items

Prepare = Callable[[int], Callable[[], int]]
POSTGRES_ENV = "YIKATONG_BENCH_POSTGRES_URL"


def _sqlite_url() -> str:
    folder = Path(tempfile.mkdtemp(prefix="yikatong-bench-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return f"sqlite:///{folder / 'ledger.sqlite'}"


def _postgres_url() -> str:
    url = os.environ[POSTGRES_ENV]
    engine = sa.create_engine(url)
    # Every table of the database goes (the ledger's, alembic's, the floor's):
    # the variable names a database the benchmark may empty.
    tables = sa.MetaData()
    tables.reflect(engine)
    tables.drop_all(engine)
    engine.dispose()
    return url


def _batch(n: int) -> PayoutBatch:
    return PayoutBatch.model_validate(batch_data(n))


def _ledger_with(url: str, batch: PayoutBatch | None = None) -> Ledger:
    ledger = Ledger.init(url, cipher=PiiCipher(DataKey.generate()))
    if batch is not None:
        _record_into(ledger, batch)
    return ledger


def _record_into(ledger: Ledger, batch: PayoutBatch) -> int:
    ledger.record_batch(
        batch,
        department="自治区民政厅",
        pay_mode=PayMode.FISCAL_DIRECT,
        level=GovernmentLevel.REGION,
        actor="bench",
    )
    return ledger.approve(str(batch.batch_id), actor="bench")


def _record(url: Callable[[], str]) -> Prepare:
    def prepare(n: int) -> Callable[[], int]:
        batch = _batch(n)
        ledger = _ledger_with(url())
        return lambda: _record_into(ledger, batch)

    return prepare


def _prior(url: Callable[[], str]) -> Prepare:
    def prepare(n: int) -> Callable[[], int]:
        ledger = _ledger_with(url(), _batch(n))
        return lambda: len(ledger.prior_payouts("NX-GL-001", "2026-Q1"))

    return prepare


#: The ledger's digest and ciphertext columns, and what the plain row has instead.
_IN_CLEAR = {
    "id_digest": None,
    "id_cipher": "id_number",
    "phone_cipher": "phone",
    "account_digest": None,
    "account_cipher": "account",
}
#: The columns of an item in clear: the ledger's ``items`` row without its
#: digests, with ID, phone and account in clear instead of their ciphertexts.
PLAIN_COLUMNS = tuple(
    _IN_CLEAR.get(name, name) for name in ITEM_COLUMNS if _IN_CLEAR.get(name, name)
)
Row = tuple[Any, ...]


def _rows(batch: PayoutBatch) -> list[Row]:
    """Every item of the batch as the ledger's row would be in clear."""
    bid = str(batch.batch_id)
    rows = []
    for item in batch.items:
        b = item.beneficiary
        a = b.account
        rows.append(
            (
                bid,
                item.seq,
                str(b.id_number),
                str(b.name),
                str(b.region),
                None if b.household_id is None else str(b.household_id),
                None if b.phone is None else str(b.phone),
                str(a.number),
                str(a.bank),
                str(a.holder_name),
                a.is_yikatong,
                None if a.branch is None else str(a.branch),
                None if b.disability_grade is None else b.disability_grade.value,
                None if b.care_level is None else b.care_level.value,
                int(item.amount * 100),
                None if item.quantity is None else int(item.quantity * 10000),
                item.memo,
            )
        )
    return rows


def _plain_table() -> sa.Table:
    """The plain table: the ledger's item columns and types, the personal data
    as text, the primary key (batch, seq) its only index."""
    columns = []
    for name in ITEM_COLUMNS:
        clear = _IN_CLEAR.get(name, name)
        if clear is None:
            continue
        kind = sa.String(40) if clear != name else items.c[name].type
        columns.append(sa.Column(clear, kind, primary_key=name in ("batch_id", "seq")))
    return sa.Table("plain", sa.MetaData(), *columns)


def _plain_engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url)
    _plain_table().create(engine)
    return engine


def _write_plain(engine: sa.Engine, rows: list[Row]) -> int:
    raw = engine.raw_connection()
    try:
        cursor: Any = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy("COPY plain FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(PLAIN_COLUMNS))
            cursor.executemany(f"INSERT INTO plain VALUES ({marks})", rows)  # noqa: S608 - marks only
        raw.commit()
    finally:
        raw.close()
    return len(rows)


def _floor_write(url: Callable[[], str]) -> Prepare:
    def prepare(n: int) -> Callable[[], int]:
        rows = _rows(_batch(n))
        engine = _plain_engine(url())
        return lambda: _write_plain(engine, rows)

    return prepare


def _floor_read(url: Callable[[], str]) -> Prepare:
    def prepare(n: int) -> Callable[[], int]:
        engine = _plain_engine(url())
        _write_plain(engine, _rows(_batch(n)))

        def run() -> int:
            with engine.connect() as conn:
                sql = "SELECT id_number, amount_fen, household_id, batch_id FROM plain"
                return len(conn.exec_driver_sql(sql).all())

        return run

    return prepare


STAGES = [
    Stage(
        "ledger: record + approve a batch (SQLite)",
        _record(_sqlite_url),
        _floor_write(_sqlite_url),
        floor_label="executemany, clear rows",
    ),
    Stage(
        "ledger: prior_payouts (SQLite)",
        _prior(_sqlite_url),
        _floor_read(_sqlite_url),
        floor_label="SELECT of clear rows",
    ),
]
if os.environ.get(POSTGRES_ENV):
    STAGES += [
        Stage(
            "ledger: record + approve a batch (PostgreSQL)",
            _record(_postgres_url),
            _floor_write(_postgres_url),
            floor_label="COPY, clear rows",
        ),
        Stage(
            "ledger: prior_payouts (PostgreSQL)",
            _prior(_postgres_url),
            _floor_read(_postgres_url),
            floor_label="SELECT of clear rows",
        ),
    ]
