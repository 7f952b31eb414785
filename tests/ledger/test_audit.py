"""The audit trail: SM3 chain, verification, guards, signed heads, concurrent writers."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ningxia_yikatong.errors import CryptoError, ModelError, SignatureError
from ningxia_yikatong.ledger import _audit
from ningxia_yikatong.ledger._audit import (
    GENESIS_HASH,
    AuditBreak,
    AuditEvent,
    AuditTrail,
    canonical_digest,
    define_audit_table,
    event_hash,
    format_time,
    install_guard,
    postgres_guard_ddl,
    postgres_unguard_ddl,
    sqlite_begin_immediate,
    sqlite_guard_ddl,
    sqlite_unguard_ddl,
)
from ningxia_yikatong.signing import Sm2Signer, generate_signer, generate_sm2_key

T0 = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)
DIGEST = canonical_digest({"batch": "2026-001"})


def _engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    sqlite_begin_immediate(engine)
    return engine


@pytest.fixture
def engine(ledger_url: str) -> Iterator[sa.Engine]:
    engine = _engine(ledger_url)
    table = define_audit_table(sa.MetaData())
    with engine.begin() as conn:
        table.metadata.create_all(conn)
        install_guard(conn, table)
    yield engine
    engine.dispose()


@pytest.fixture
def trail() -> AuditTrail:
    return AuditTrail(define_audit_table(sa.MetaData()))


def _fill(engine: sa.Engine, trail: AuditTrail, count: int, *, start: int = 0) -> None:
    with engine.begin() as conn:
        for i in range(start, start + count):
            trail.append(
                conn,
                actor=f"财政局经办人{i % 7}",
                action=("batch.record", "claims.approve", "return.record")[i % 3],
                object_kind="batch",
                object_id=f"2026-{i:04d}",
                object_digest=canonical_digest({"i": i}),
                at=T0 + timedelta(seconds=i),
            )


def _unguard(conn: sa.Connection, trail: AuditTrail) -> None:
    """What a superuser with direct SQL access does first."""
    ddl = postgres_unguard_ddl if conn.dialect.name == "postgresql" else sqlite_unguard_ddl
    for statement in ddl(trail.table):
        conn.exec_driver_sql(statement)


# --- the hash rule --------------------------------------------------------------


def test_event_hash_encoding_is_length_prefixed_sm3() -> None:
    import hashlib

    fields: tuple[str, ...] = (GENESIS_HASH, "1", "2026-03-31T08:00:00.000000Z", "张三")
    fields += ("batch.record", "batch", "2026-001", DIGEST)
    encoded = b"ningxia_yikatong/audit-event/v1\x00" + b"".join(
        len(f.encode()).to_bytes(4, "big") + f.encode() for f in fields
    )
    expected = hashlib.new("sm3", encoded).hexdigest()
    assert (
        event_hash(
            GENESIS_HASH,
            1,
            "2026-03-31T08:00:00.000000Z",
            "张三",
            "batch.record",
            "batch",
            "2026-001",
            DIGEST,
        )
        == expected
    )
    # Moving text between fields changes the hash (no ambiguous concatenation).
    a = event_hash(GENESIS_HASH, 1, "2026-03-31T08:00:00.000000Z", "ab", "c", "k", "i", DIGEST)
    b = event_hash(GENESIS_HASH, 1, "2026-03-31T08:00:00.000000Z", "a", "bc", "k", "i", DIGEST)
    assert a != b


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (
            ("0" * 63, 1, "2026-03-31T08:00:00.000000Z", "a", "b", "k", "i", DIGEST),
            "ledger.audit_event",
        ),
        (
            (GENESIS_HASH, 0, "2026-03-31T08:00:00.000000Z", "a", "b", "k", "i", DIGEST),
            "ledger.audit_event",
        ),
        (
            (GENESIS_HASH, True, "2026-03-31T08:00:00.000000Z", "a", "b", "k", "i", DIGEST),
            "ledger.audit_event",
        ),
        (
            (GENESIS_HASH, 1, "2026-03-31T08:00:00Z", "a", "b", "k", "i", DIGEST),
            "ledger.audit_time",
        ),
        (
            (GENESIS_HASH, 1, "2026-03-31T08:00:00.000000Z", "", "b", "k", "i", DIGEST),
            "ledger.audit_event",
        ),
        (
            (GENESIS_HASH, 1, "2026-03-31T08:00:00.000000Z", "a", "b", "k", "i", DIGEST.upper()),
            "ledger.audit_event",
        ),
        (
            (GENESIS_HASH, 1, "2026-03-31T08:00:00.000000Z", "a\ud800", "b", "k", "i", DIGEST),
            "ledger.audit_event",
        ),
    ],
)
def test_event_hash_refuses_bad_fields(args: tuple[object, ...], code: str) -> None:
    with pytest.raises(ModelError) as info:
        event_hash(*args)  # type: ignore[arg-type]
    assert info.value.code == code


def test_event_hash_refuses_nul() -> None:
    with pytest.raises(ModelError, match="NUL"):
        event_hash(GENESIS_HASH, 1, "2026-03-31T08:00:00.000000Z", "a\x00", "b", "k", "i", DIGEST)


def test_time_is_utc_with_microseconds() -> None:
    beijing = timezone(timedelta(hours=8))
    assert format_time(datetime(2026, 4, 1, 0, 0, 0, 5, tzinfo=beijing)) == (
        "2026-03-31T16:00:00.000005Z"
    )
    with pytest.raises(ModelError) as info:
        format_time(datetime(2026, 4, 1))
    assert info.value.code == "ledger.audit_time"


# --- append, read, verify on both backends ---------------------------------------


def test_append_1000_events_and_verify(engine: sa.Engine, trail: AuditTrail) -> None:
    with engine.connect() as conn:
        assert trail.head(conn) is None
        assert trail.verify(conn) is None
    _fill(engine, trail, 400)
    _fill(engine, trail, 600, start=400)
    with engine.connect() as conn:
        assert trail.verify(conn) is None
        head = trail.head(conn)
        assert head is not None
        assert head.seq == 1000
        assert trail.count(conn) == 1000
        events = list(trail.events(conn))
        assert [e.seq for e in events] == list(range(1, 1001))
        assert events[0].prev_hash == GENESIS_HASH
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
        assert events[-1] == head
        assert [e.seq for e in trail.events(conn, after_seq=990)] == list(range(991, 1001))
        assert events[5].timestamp == T0 + timedelta(seconds=5)
        assert events[5].actor == "财政局经办人5"
        assert trail.get(conn, 1001) is None
        trail.verify_or_raise(conn)


def test_both_backends_hash_the_same_bytes(engine: sa.Engine, trail: AuditTrail) -> None:
    # The same events give the same chain here and in an in-memory SQLite database.
    reference = sa.create_engine("sqlite://")
    trail.table.metadata.create_all(reference)
    for target in (engine, reference):
        _fill(target, trail, 20)
    with engine.connect() as a, reference.connect() as b:
        assert list(trail.events(a)) == list(trail.events(b))
        head = trail.head(a)
    reference.dispose()
    assert head is not None
    assert head.at == "2026-03-31T08:00:19.000000Z"


def test_timestamp_of_a_bad_stored_time() -> None:
    evt = AuditEvent(
        1, "2026-02-30T08:00:00.000000Z", "a", "b", "k", "i", DIGEST, GENESIS_HASH, "0" * 64
    )
    with pytest.raises(ModelError) as info:
        _ = evt.timestamp
    assert info.value.code == "ledger.audit_time"
    with pytest.raises(ModelError):
        _ = AuditEvent(1, "yesterday", "a", "b", "k", "i", DIGEST, GENESIS_HASH, "0" * 64).timestamp


def test_append_many_continues_the_chain(engine: sa.Engine, trail: AuditTrail) -> None:
    _fill(engine, trail, 3)
    entries = (
        {
            "actor": "批量导入",
            "action": "item.record",
            "object_kind": "item",
            "object_id": f"2026-001/{i}",
            "object_digest": canonical_digest({"item": i}),
            **({"at": T0} if i % 2 else {}),
        }
        for i in range(2500)
    )
    with engine.begin() as conn:
        last = trail.append_many(conn, entries)
        assert trail.append_many(conn, []) is None
    _fill(engine, trail, 2, start=3)
    with engine.connect() as conn:
        assert last is not None
        assert last.seq == 2503
        assert trail.get(conn, 2503) == last
        assert trail.count(conn) == 2505
        assert trail.verify(conn) is None
        assert trail.get(conn, 5) is not None


@pytest.mark.parametrize(
    "entry",
    [
        {"actor": "a", "action": "b", "object_kind": "k", "object_id": "i"},
        {"actor": "a", "action": "b", "object_kind": "k", "object_id": "i", "object_digest": "x"},
        {
            "actor": "a",
            "action": "b",
            "object_kind": "k",
            "object_id": "i",
            "object_digest": DIGEST,
            "seq": 9,
        },
    ],
)
def test_append_many_refuses_bad_entries(
    engine: sa.Engine, trail: AuditTrail, entry: dict[str, object]
) -> None:
    good = {
        "actor": "a",
        "action": "b",
        "object_kind": "k",
        "object_id": "i",
        "object_digest": DIGEST,
    }
    with pytest.raises(ModelError) as info, engine.begin() as conn:
        trail.append_many(conn, [good] * 1500 + [entry])
    assert info.value.code == "ledger.audit_event"
    with engine.connect() as conn:
        assert trail.count(conn) == 0


def test_append_returns_what_is_stored(engine: sa.Engine, trail: AuditTrail) -> None:
    with engine.begin() as conn:
        first = trail.append(
            conn,
            actor="审核员",
            action="claims.approve",
            object_kind="batch",
            object_id="2026-001",
            object_digest=DIGEST,
        )
        second = trail.append(
            conn,
            actor="审核员",
            action="claims.approve",
            object_kind="batch",
            object_id="2026-002",
            object_digest=DIGEST,
        )
    assert isinstance(first, AuditEvent)
    assert second.prev_hash == first.hash
    assert first.timestamp.tzinfo is UTC
    with engine.connect() as conn:
        assert list(trail.events(conn)) == [first, second]


def test_rolled_back_append_leaves_no_event(engine: sa.Engine, trail: AuditTrail) -> None:
    _fill(engine, trail, 3)
    conn = engine.connect()
    with conn.begin() as tx:
        trail.append(
            conn, actor="a", action="b", object_kind="k", object_id="i", object_digest=DIGEST
        )
        tx.rollback()
    conn.close()
    _fill(engine, trail, 2, start=3)
    with engine.connect() as conn:
        assert trail.count(conn) == 5
        assert trail.verify(conn) is None


def test_append_refuses_bad_fields_and_writes_nothing(engine: sa.Engine, trail: AuditTrail) -> None:
    with pytest.raises(ModelError), engine.begin() as conn:
        trail.append(
            conn, actor="", action="b", object_kind="k", object_id="i", object_digest=DIGEST
        )
    with pytest.raises(ModelError), engine.begin() as conn:
        trail.append(
            conn, actor="a", action="b", object_kind="k", object_id="i", object_digest="xyz"
        )
    with pytest.raises(ModelError), engine.begin() as conn:
        trail.append(
            conn,
            actor="a",
            action="b",
            object_kind="k",
            object_id="i",
            object_digest=DIGEST,
            at=datetime(2026, 1, 1),
        )
    with engine.connect() as conn:
        assert trail.count(conn) == 0


def test_verify_reads_page_by_page(
    engine: sa.Engine, trail: AuditTrail, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_audit, "_PAGE", 7)
    _fill(engine, trail, 50)
    with engine.connect() as conn:
        assert [e.seq for e in trail.events(conn)] == list(range(1, 51))
        assert trail.verify(conn) is None
    with engine.begin() as conn:
        _unguard(conn, trail)
        conn.execute(trail.table.update().where(trail.table.c.seq == 22).values(actor="x"))
    with engine.connect() as conn:
        broken = trail.verify(conn)
    assert broken is not None
    assert broken.seq == 22


@pytest.mark.parametrize(
    ("column", "value", "field"),
    [
        ("actor", "另一个人", "content"),
        ("object_digest", "f" * 64, "content"),
        ("at", "2026-03-31T08:00:01.000000Z", "content"),
        ("action", "claims.release", "content"),
        ("object_id", "2026-9999", "content"),
        ("hash", "e" * 64, "hash"),
        ("prev_hash", "d" * 64, "prev_hash"),
    ],
)
def test_edited_event_is_named(
    engine: sa.Engine, trail: AuditTrail, column: str, value: str, field: str
) -> None:
    _fill(engine, trail, 1000)
    with engine.begin() as conn:
        _unguard(conn, trail)
        conn.execute(trail.table.update().where(trail.table.c.seq == 500).values({column: value}))
    with engine.connect() as conn:
        broken = trail.verify(conn)
        assert isinstance(broken, AuditBreak)
        assert (broken.seq, broken.field) == (500, field)
        assert value in (broken.found, broken.expected) or field == "content"
        assert "第500条" in str(broken)
        with pytest.raises(CryptoError) as info:
            trail.verify_or_raise(conn)
    assert info.value.code == "ledger.audit_broken"
    assert info.value.location.record == 500


def test_deleted_event_is_named(engine: sa.Engine, trail: AuditTrail) -> None:
    _fill(engine, trail, 1000)
    with engine.begin() as conn:
        _unguard(conn, trail)
        conn.execute(trail.table.delete().where(trail.table.c.seq == 500))
    with engine.connect() as conn:
        broken = trail.verify(conn)
    assert broken is not None
    assert (broken.seq, broken.field, broken.found) == (500, "seq", "501")
    assert "缺少第500条" in broken.reason


def test_inserted_event_is_named(engine: sa.Engine, trail: AuditTrail) -> None:
    # Renumber the tail and slip a forged event in at 300: the forged event's
    # link is right only if its author knew the hash before, and the next
    # event's link then breaks.
    _fill(engine, trail, 400)
    with engine.begin() as conn:
        _unguard(conn, trail)
        conn.execute(
            trail.table.update()
            .where(trail.table.c.seq >= 300)
            .values(seq=trail.table.c.seq + 1000)
        )
        conn.execute(
            trail.table.update()
            .where(trail.table.c.seq >= 1300)
            .values(seq=trail.table.c.seq - 999)
        )
        before = trail.get(conn, 299)
        assert before is not None
        at = "2026-03-31T09:00:00.000000Z"
        forged = event_hash(before.hash, 300, at, "伪造者", "batch.record", "batch", "x", DIGEST)
        conn.execute(
            trail.table.insert().values(
                seq=300,
                at=at,
                actor="伪造者",
                action="batch.record",
                object_kind="batch",
                object_id="x",
                object_digest=DIGEST,
                prev_hash=before.hash,
                hash=forged,
            )
        )
    with engine.connect() as conn:
        broken = trail.verify(conn)
    assert broken is not None
    assert (broken.seq, broken.field) == (301, "prev_hash")


# --- guards ---------------------------------------------------------------------


def test_guard_triggers_refuse_update_and_delete(engine: sa.Engine, trail: AuditTrail) -> None:
    _fill(engine, trail, 5)
    t = trail.table
    statements: list[sa.Executable] = [
        t.update().where(t.c.seq == 3).values(actor="x"),
        t.update().values(hash=t.c.hash),
        t.delete().where(t.c.seq == 3),
        t.delete(),
    ]
    if engine.dialect.name == "postgresql":
        statements.append(sa.text(f"TRUNCATE {t.name}"))
    for statement in statements:
        with pytest.raises(sa.exc.DBAPIError, match="审计事件只能追加"), engine.begin() as conn:
            conn.execute(statement)
    with engine.connect() as conn:
        assert trail.count(conn) == 5
        assert trail.verify(conn) is None
    # Appending still works under the guard.
    _fill(engine, trail, 2, start=5)
    with engine.connect() as conn:
        assert trail.verify(conn) is None


def test_guard_ddl_shapes() -> None:
    table = define_audit_table(sa.MetaData(), "audit_events")
    pg = postgres_guard_ddl(table)
    assert len(pg) == 3
    assert "BEFORE UPDATE OR DELETE" in pg[1]
    assert "FOR EACH ROW" in pg[1]
    assert "BEFORE TRUNCATE" in pg[2]
    assert "FOR EACH STATEMENT" in pg[2]
    assert all("%" not in s for s in pg)  # safe for drivers that read % as a placeholder
    lite = sqlite_guard_ddl(table)
    assert all("RAISE(ABORT" in s for s in lite)
    assert [s.split()[0] for s in postgres_unguard_ddl(table)] == ["DROP"] * 3


def test_install_guard_refuses_other_backends() -> None:
    class _Dialect:
        name = "mysql"

    class _Conn:
        dialect = _Dialect()

    with pytest.raises(ModelError) as info:
        install_guard(_Conn(), define_audit_table(sa.MetaData()))  # type: ignore[arg-type]
    assert info.value.code == "ledger.backend"


def test_sqlite_begin_immediate_only_for_sqlite(tmp_path: Path) -> None:
    assert sqlite_begin_immediate(sa.create_engine(f"sqlite:///{tmp_path / 'x.sqlite'}"))
    pg = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert not sqlite_begin_immediate(pg)


def test_sqlite_begin_immediate_takes_the_write_lock_first(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lock.sqlite'}"
    first = _engine(url)
    other = sa.create_engine(url, connect_args={"timeout": 0.1}, poolclass=sa.NullPool)
    sqlite_begin_immediate(other, busy_timeout_ms=100)
    assert sqlite_begin_immediate(first)  # a second call installs nothing twice
    with first.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    with first.connect() as a:
        a.exec_driver_sql(
            "SELECT * FROM t"
        ).all()  # a read: under BEGIN IMMEDIATE it holds the lock
        with pytest.raises(sa.exc.OperationalError, match="locked"), other.connect() as b:
            b.exec_driver_sql("SELECT * FROM t").all()
        a.rollback()
    first.dispose()
    other.dispose()


# --- exported heads -------------------------------------------------------------

_HEAD_SIGNER = Sm2Signer(generate_sm2_key())


def _head_document() -> bytes:
    engine = sa.create_engine("sqlite://")
    trail = AuditTrail(define_audit_table(sa.MetaData()))
    trail.table.metadata.create_all(engine)
    _fill(engine, trail, 3)
    with engine.connect() as conn:
        document = trail.export_head(conn, _HEAD_SIGNER, exported_at=T0)
    engine.dispose()
    return document


_HEAD_DOCUMENT = _head_document()
_HEAD_KEYS = set(json.loads(_HEAD_DOCUMENT))


def test_export_and_verify_head(engine: sa.Engine, trail: AuditTrail) -> None:
    signer = Sm2Signer(generate_sm2_key())
    _fill(engine, trail, 10)
    with engine.connect() as conn:
        document = trail.export_head(conn, signer, exported_at=T0)
        head = trail.head(conn)
    assert head is not None
    fields = AuditTrail.verify_head(document, signer.verifier())
    assert fields["seq"] == 10
    assert fields["count"] == 10
    assert fields["hash"] == head.hash
    assert fields["exported_at"] == "2026-03-31T08:00:00.000000Z"
    assert fields["key_fingerprint"] == signer.key_fingerprint
    assert fields["algorithm"] == "SM2-SM3"
    assert "signature" not in fields
    assert document.endswith(b"\n")
    assert document.count(b"\n") == 1
    _fill(engine, trail, 5, start=10)
    with engine.connect() as conn:
        assert trail.contains_head(conn, document)
        assert trail.contains_head(conn, fields)
        trail.check_head(conn, document, signer.verifier())


def test_tampered_head_is_refused(engine: sa.Engine, trail: AuditTrail) -> None:
    signer = Sm2Signer(generate_sm2_key())
    _fill(engine, trail, 3)
    with engine.connect() as conn:
        document = trail.export_head(conn, signer)
    parsed = json.loads(document)
    for name, value in (("seq", 2), ("count", 4), ("hash", "a" * 64), ("table", "other")):
        changed = json.dumps({**parsed, name: value}).encode()
        with pytest.raises(SignatureError):
            AuditTrail.verify_head(changed, signer.verifier())
    sig = parsed["signature"]
    flipped = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
    with pytest.raises(SignatureError):
        AuditTrail.verify_head(
            json.dumps({**parsed, "signature": flipped}).encode(), signer.verifier()
        )
    with pytest.raises(SignatureError) as info:
        AuditTrail.verify_head(document, Sm2Signer(generate_sm2_key()).verifier())
    assert info.value.code == "signature.key"


@pytest.mark.parametrize(
    "document",
    [
        b"",
        b"\xff\xfe",
        b"[]",
        b"{}",
        b'{"seq": 1}',
        b"x" * 20000,
    ],
)
def test_bad_head_documents(document: bytes) -> None:
    signer = Sm2Signer(generate_sm2_key())
    with pytest.raises(CryptoError) as info:
        AuditTrail.verify_head(document, signer.verifier())
    assert info.value.code == "ledger.audit_head"


def test_bad_head_fields(engine: sa.Engine, trail: AuditTrail) -> None:
    signer = Sm2Signer(generate_sm2_key())
    with engine.connect() as conn:
        parsed = json.loads(trail.export_head(conn, signer))
    for name, value in (
        ("format", "other/1"),
        ("seq", -1),
        ("seq", True),
        ("count", "3"),
        ("hash", "A" * 64),
        ("signature", 5),
    ):
        with pytest.raises(CryptoError) as info:
            AuditTrail.read_head(json.dumps({**parsed, name: value}).encode())
        assert info.value.code == "ledger.audit_head"


@settings(max_examples=300, deadline=None)
@given(junk=st.binary(max_size=400) | st.text(max_size=200).map(str.encode))
def test_junk_head_documents_raise_only_library_errors(junk: bytes) -> None:
    with pytest.raises(CryptoError):
        AuditTrail.verify_head(junk, _HEAD_SIGNER.verifier())


@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(sorted(_HEAD_KEYS)),
    value=st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=70),
)
def test_changed_head_fields_are_refused(name: str, value: object) -> None:
    parsed = json.loads(_HEAD_DOCUMENT)
    assume(parsed[name] != value)
    changed = json.dumps({**parsed, name: value}).encode()
    with pytest.raises(CryptoError):  # SignatureError or ledger.audit_head
        AuditTrail.verify_head(changed, _HEAD_SIGNER.verifier())


def test_head_of_another_algorithm_is_refused() -> None:
    parsed = json.loads(_HEAD_DOCUMENT)
    rsa = generate_signer("RSA-SHA256")
    forged = {**parsed, "key_fingerprint": rsa.key_fingerprint}
    with pytest.raises(SignatureError) as info:
        AuditTrail.verify_head(json.dumps(forged).encode(), rsa.verifier())
    assert info.value.code == "signature.algorithm"


def test_head_no_longer_in_chain(engine: sa.Engine, trail: AuditTrail) -> None:
    # A rebuilt tail (events 6..10 replaced by a superuser) no longer holds the anchor.
    signer = generate_signer("SM2-SM3")
    _fill(engine, trail, 10)
    with engine.connect() as conn:
        document = trail.export_head(conn, signer)
    with engine.begin() as conn:
        _unguard(conn, trail)
        conn.execute(trail.table.delete().where(trail.table.c.seq > 5))
    _fill(engine, trail, 5, start=100)
    with engine.connect() as conn:
        assert trail.verify(conn) is None  # the rebuilt chain is consistent in itself
        assert not trail.contains_head(conn, document)
        with pytest.raises(CryptoError) as info:
            trail.check_head(conn, document, signer.verifier())
        assert info.value.code == "ledger.audit_head"
        assert "已不在审计链中" in str(info.value)
    with engine.begin() as conn:
        conn.execute(trail.table.delete().where(trail.table.c.seq > 3))
    with engine.connect() as conn:
        assert not trail.contains_head(conn, document)


def test_empty_head_and_other_table(engine: sa.Engine, trail: AuditTrail) -> None:
    signer = generate_signer("SM2-SM3")
    with engine.connect() as conn:
        document = trail.export_head(conn, signer)
        fields = AuditTrail.verify_head(document, signer.verifier())
        assert (fields["seq"], fields["hash"], fields["count"]) == (0, GENESIS_HASH, 0)
        assert trail.contains_head(conn, document)
        other = AuditTrail(define_audit_table(sa.MetaData(), "other_events"))
        with pytest.raises(CryptoError) as info:
            other.contains_head(conn, document)
        assert info.value.code == "ledger.audit_head"


def test_export_refuses_a_broken_chain(engine: sa.Engine, trail: AuditTrail) -> None:
    _fill(engine, trail, 4)
    with engine.begin() as conn:
        _unguard(conn, trail)
        conn.execute(trail.table.update().where(trail.table.c.seq == 2).values(actor="x"))
    signer = generate_signer("SM2-SM3")
    with engine.connect() as conn:
        with pytest.raises(CryptoError) as info:
            trail.export_head(conn, signer)
        assert info.value.code == "ledger.audit_broken"
        assert json.loads(trail.export_head(conn, signer, verify=False))["seq"] == 4


# --- concurrent writers ---------------------------------------------------------

_WORKER = textwrap.dedent(
    """
    import os, sys, time
    import sqlalchemy as sa
    from ningxia_yikatong.ledger._audit import (
        AuditTrail, define_audit_table, sqlite_begin_immediate,
    )
    url, go, worker, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    sqlite_begin_immediate(engine, busy_timeout_ms=120_000)
    trail = AuditTrail(define_audit_table(sa.MetaData()))
    deadline = time.monotonic() + 120
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            sys.exit("no start signal")
        time.sleep(0.005)
    for i in range(count):
        with engine.begin() as conn:
            trail.append(conn, actor="worker-" + worker, action="test.append",
                         object_kind="n", object_id=str(i), object_digest="0" * 64)
    engine.dispose()
    """
)


def test_concurrent_writers_keep_one_gapless_chain(
    engine: sa.Engine, trail: AuditTrail, ledger_url: str, tmp_path: Path
) -> None:
    # Eight processes append 50 events each at once (separate interpreters: the
    # test modules are imported by path, so a spawned child could not import a
    # function from here).
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, ledger_url, str(go), str(n), "50"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(8)
    ]
    go.touch()
    failures = []
    for proc in workers:
        _out, err = proc.communicate(timeout=300)
        if proc.returncode != 0:
            failures.append(err.decode(errors="replace")[-2000:])
    assert not failures, failures
    with engine.connect() as conn:
        events = list(trail.events(conn))
        assert [e.seq for e in events] == list(range(1, 401))
        assert trail.verify(conn) is None
        per_worker = {f"worker-{n}": 0 for n in range(8)}
        for e in events:
            per_worker[e.actor] += 1
        assert set(per_worker.values()) == {50}
        if engine.dialect.name == "postgresql":
            held = conn.execute(
                sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
            ).scalar_one()
            assert held == 0


# --- any single change is found at its event ------------------------------------

_COLUMNS: tuple[str, ...] = ("seq", "at", "actor", "action", "object_kind", "object_id")
_COLUMNS += ("object_digest", "prev_hash", "hash")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seq=st.integers(1, 6),
    column=st.sampled_from(_COLUMNS),
    text=st.text(min_size=1, max_size=70),
    shift=st.integers(7, 10_000),
)
def test_any_single_field_change_is_found_at_its_event(
    seq: int, column: str, text: str, shift: int
) -> None:
    engine = sa.create_engine("sqlite://")
    trail = AuditTrail(define_audit_table(sa.MetaData()))
    trail.table.metadata.create_all(engine)
    _fill(engine, trail, 6)
    with engine.begin() as conn:
        before = trail.get(conn, seq)
        assert before is not None
        value: object = shift if column == "seq" else text
        assume(value != getattr(before, column))
        conn.execute(trail.table.update().where(trail.table.c.seq == seq).values({column: value}))
        broken = trail.verify(conn)
    engine.dispose()
    assert broken is not None
    assert broken.seq == seq
    expected_fields = {
        "seq": {"seq"},
        "prev_hash": {"prev_hash"},
        "hash": {"hash", "content"},  # the last event's hash alone: no later link to tell
    }.get(column, {"content"})
    assert broken.field in expected_fields
