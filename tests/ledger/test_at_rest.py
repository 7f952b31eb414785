"""Personal data at rest: no ID number, account number or phone in clear,
in the SQLite file (bytes and SQL dump) or in any PostgreSQL column."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy as sa

from ningxia_yikatong.identity import Phone
from ningxia_yikatong.ledger import GovernmentLevel, Ledger, PayMode
from ningxia_yikatong.ledger._pii import DataKey, PiiCipher
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.testing import SyntheticData


def _batch() -> PayoutBatch:
    batch = SyntheticData(seed=21).batch(30, bank="psbc", batch_id="B-PII")
    items = tuple(
        it.model_copy(
            update={
                "beneficiary": it.beneficiary.model_copy(
                    update={"phone": Phone(f"139{it.seq:08d}")}
                )
            }
        )
        for it in batch.items
    )
    return batch.model_copy(update={"items": items})


def _needles(batch: PayoutBatch) -> set[str]:
    out: set[str] = set()
    for item in batch.items:
        b = item.beneficiary
        out |= {str(b.id_number), str(b.account.number)}
        if b.phone is not None:
            out.add(str(b.phone))
    return out


def _fill(url: str) -> PayoutBatch:
    batch = _batch()
    with Ledger.init(url, cipher=PiiCipher(DataKey.generate())) as ledger:
        ledger.record_batch(
            batch,
            department="自治区民政厅",
            pay_mode=PayMode.DEPARTMENT,
            level=GovernmentLevel.COUNTY,
            actor="tester",
        )
        ledger.approve("B-PII", actor="tester")
        assert ledger.batch("B-PII") == batch
    return batch


def _dump(url: str) -> list[str]:
    engine = sa.create_engine(url)
    texts: list[str] = []
    try:
        with engine.connect() as conn:
            for name in sa.inspect(conn).get_table_names():
                table = sa.Table(name, sa.MetaData(), autoload_with=conn)
                columns = [
                    c for c in table.columns if isinstance(c.type, sa.String | sa.LargeBinary)
                ]
                for row in conn.execute(sa.select(*columns)):
                    for value in row:
                        if isinstance(value, bytes | memoryview):
                            texts.append(bytes(value).decode("latin-1"))
                        elif value is not None:
                            texts.append(str(value))
    finally:
        engine.dispose()
    return texts


def test_no_personal_data_in_clear(ledger_url: str) -> None:
    batch = _fill(ledger_url)
    needles = _needles(batch)
    assert len(needles) == 90
    texts = _dump(ledger_url)
    # The dump reads the item rows: the names (not encrypted) are in it.
    assert all(any(str(it.beneficiary.name) == t for t in texts) for it in batch.items)
    hits = {n for n in needles for t in texts if n in t}
    assert hits == set()
    if ledger_url.startswith("sqlite"):
        path = Path(sa.make_url(ledger_url).database or "")
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert {n for n in needles if n.encode() in raw} == set()
        with sqlite3.connect(path) as conn:
            dump = "\n".join(conn.iterdump())
        assert "INSERT INTO" in dump
        assert {n for n in needles if n in dump} == set()
