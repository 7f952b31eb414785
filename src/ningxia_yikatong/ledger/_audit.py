"""The tamper-evident audit trail (审计日志): an append-only table chained by SM3.

Every write to the ledger appends one event: who (``actor``), when (``at``), what
(``action``), to which object (``object_kind``, ``object_id``) and the digest of
that object's canonical JSON (``object_digest``). Each event's ``hash`` covers
the previous event's hash, so changing, removing or inserting any event breaks
every later link; :meth:`AuditTrail.verify` finds the first broken event.

The hash of an event (:func:`event_hash`) is SM3 of::

    b"ningxia_yikatong/audit-event/v1\\x00"
    || for each of prev_hash, seq, at, actor, action, object_kind, object_id,
       object_digest (in that order):
           4-byte big-endian length of the UTF-8 bytes || the UTF-8 bytes

with ``seq`` written in decimal and ``at`` as stored (``2026-03-31T08:00:00.000000Z``).
The first event's ``prev_hash`` is 64 zeros (:data:`GENESIS_HASH`).

>>> import sqlalchemy as sa
>>> engine = sa.create_engine("sqlite://")
>>> table = define_audit_table(sa.MetaData())
>>> table.metadata.create_all(engine)
>>> trail = AuditTrail(table)
>>> with engine.begin() as conn:
...     first = trail.append(conn, actor="财政局张三", action="batch.record",
...                          object_kind="batch", object_id="2026-001",
...                          object_digest=canonical_digest({"batch": "2026-001"}))
>>> first.seq, first.prev_hash == GENESIS_HASH
(1, True)
>>> with engine.connect() as conn:
...     print(trail.verify(conn))
None
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql, sqlite

from ..errors import CryptoError, Location, ModelError, SignatureError
from ..signing import Signer, Verifier, verify_base64

__all__ = [
    "GENESIS_HASH",
    "HEAD_FORMAT",
    "AuditBreak",
    "AuditEvent",
    "AuditTrail",
    "canonical_digest",
    "canonical_json",
    "define_audit_table",
    "event_hash",
    "format_time",
    "install_guard",
    "postgres_guard_ddl",
    "postgres_unguard_ddl",
    "sqlite_begin_immediate",
    "sqlite_guard_ddl",
    "sqlite_unguard_ddl",
]

#: ``prev_hash`` of the first event.
GENESIS_HASH: Final = "0" * 64
#: ``format`` field of an exported chain head.
HEAD_FORMAT: Final = "ningxia_yikatong.audit-head/1"

_EVENT_LABEL: Final = b"ningxia_yikatong/audit-event/v1\x00"
_LOCK_LABEL: Final = b"ningxia_yikatong/audit-lock/v1\x00"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_PAGE: Final = 1000
_MAX_HEAD_DOCUMENT: Final = 16 * 1024
_HEAD_FIELDS: Final = frozenset(
    {"format", "table", "seq", "hash", "count", "exported_at", "algorithm", "key_fingerprint"}
)
_ENTRY_KEYS: Final = frozenset(
    {"actor", "action", "object_kind", "object_id", "object_digest", "at"}
)


def _sm3(data: bytes) -> str:
    return hashlib.new("sm3", data).hexdigest()


def canonical_json(value: Any) -> bytes:
    """UTF-8 JSON with sorted keys and no spaces: the bytes that are hashed and signed."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def canonical_digest(value: Any) -> str:
    """SM3 hex of :func:`canonical_json` of ``value``: an ``object_digest``.

    >>> canonical_digest({"b": 1, "a": "宁夏"}) == canonical_digest({"a": "宁夏", "b": 1})
    True
    """
    return _sm3(canonical_json(value))


def format_time(at: datetime) -> str:
    """An aware datetime as stored: UTC, microseconds, ``Z``.

    >>> from datetime import timedelta, timezone
    >>> format_time(datetime(2026, 3, 31, 16, 0, tzinfo=timezone(timedelta(hours=8))))
    '2026-03-31T08:00:00.000000Z'
    """
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise ModelError("审计事件时间必须带时区（aware datetime）", code="ledger.audit_time")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _encode(fields: tuple[str, ...]) -> bytes:
    out = bytearray(_EVENT_LABEL)
    for text in fields:
        raw = text.encode("utf-8")
        out += len(raw).to_bytes(4, "big")
        out += raw
    return bytes(out)


def _hash_fields(  # noqa: PLR0917 - the fields in hashing order
    prev_hash: str,
    seq: int,
    at: str,
    actor: str,
    action: str,
    object_kind: str,
    object_id: str,
    object_digest: str,
) -> str:
    return _sm3(
        _encode((prev_hash, str(seq), at, actor, action, object_kind, object_id, object_digest))
    )


def event_hash(  # noqa: PLR0917 - the fields in hashing order
    prev_hash: str,
    seq: int,
    at: str,
    actor: str,
    action: str,
    object_kind: str,
    object_id: str,
    object_digest: str,
) -> str:
    """SM3 of an event's fields as the module doc describes (64 lowercase hex).

    >>> h = event_hash(GENESIS_HASH, 1, "2026-03-31T08:00:00.000000Z", "a", "batch.record",
    ...                "batch", "2026-001", "0" * 64)
    >>> len(h), h == event_hash(GENESIS_HASH, 1, "2026-03-31T08:00:00.000000Z", "a",
    ...                         "batch.recorD", "batch", "2026-001", "0" * 64)
    (64, False)
    """
    _check_hex(prev_hash, "prev_hash")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise ModelError(f"审计事件序号必须是正整数：{seq!r}", code="ledger.audit_event")
    if not isinstance(at, str) or not _TIME.fullmatch(at):
        raise ModelError(
            f"审计事件时间格式不对：{at!r}（应为 YYYY-MM-DDTHH:MM:SS.ffffffZ）",
            code="ledger.audit_time",
        )
    for name, value in (
        ("actor", actor),
        ("action", action),
        ("object_kind", object_kind),
        ("object_id", object_id),
    ):
        _check_text(value, name)
    _check_hex(object_digest, "object_digest")
    return _hash_fields(prev_hash, seq, at, actor, action, object_kind, object_id, object_digest)


def _check_hex(value: object, name: str) -> None:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise ModelError(
            f"审计事件字段{name}应为64位小写十六进制：{value!r}", code="ledger.audit_event"
        )


def _check_text(value: object, name: str) -> None:
    if not isinstance(value, str) or not value:
        raise ModelError(f"审计事件字段{name}不能为空且必须是文本", code="ledger.audit_event")
    if "\x00" in value:
        # PostgreSQL text cannot hold NUL: refuse it here, on both backends alike.
        raise ModelError(f"审计事件字段{name}不能含有NUL字符", code="ledger.audit_event")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ModelError(
            f"审计事件字段{name}含有无法编码的字符", code="ledger.audit_event"
        ) from None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One event of the trail, as stored."""

    seq: int
    at: str
    actor: str
    action: str
    object_kind: str
    object_id: str
    object_digest: str
    prev_hash: str
    hash: str

    @property
    def timestamp(self) -> datetime:
        """``at`` as an aware UTC datetime."""
        if not isinstance(self.at, str) or not _TIME.fullmatch(self.at):
            raise ModelError(f"审计事件时间格式不对：{self.at!r}", code="ledger.audit_time")
        try:
            parsed = datetime.strptime(self.at, "%Y-%m-%dT%H:%M:%S.%fZ")
        except ValueError:
            raise ModelError(
                f"审计事件时间不是有效日期：{self.at!r}", code="ledger.audit_time"
            ) from None
        return parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AuditBreak:
    """The first broken event found by :meth:`AuditTrail.verify`.

    ``field`` is the stored column that disagrees (``"seq"``: an event is
    missing; ``"prev_hash"``: the link to the event before is broken;
    ``"hash"``: the stored hash alone was replaced; ``"content"``: one of the
    hashed fields (at, actor, action, object_kind, object_id, object_digest) was
    changed: a hash names the event, not which of its fields). ``reason`` says
    it in Chinese; ``expected`` and ``found`` are the values compared.
    """

    seq: int
    field: str
    reason: str
    expected: str
    found: str

    def __str__(self) -> str:
        return f"第{self.seq}条审计事件：{self.reason}（应为 {self.expected}，实为 {self.found}）"


def define_audit_table(metadata: sa.MetaData, name: str = "audit_events") -> sa.Table:
    """The events table. ``seq`` is assigned by :class:`AuditTrail` (1, 2, 3, …)."""
    return sa.Table(
        name,
        metadata,
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(27), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("object_kind", sa.Text, nullable=False),
        sa.Column("object_id", sa.Text, nullable=False),
        sa.Column("object_digest", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )


def _event(row: sa.Row[Any]) -> AuditEvent:
    return AuditEvent(
        seq=int(row.seq),
        at=row.at,
        actor=row.actor,
        action=row.action,
        object_kind=row.object_kind,
        object_id=row.object_id,
        object_digest=row.object_digest,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _row(evt: AuditEvent) -> dict[str, Any]:
    return {
        "seq": evt.seq,
        "at": evt.at,
        "actor": evt.actor,
        "action": evt.action,
        "object_kind": evt.object_kind,
        "object_id": evt.object_id,
        "object_digest": evt.object_digest,
        "prev_hash": evt.prev_hash,
        "hash": evt.hash,
    }


def _head_error(message: str) -> CryptoError:
    return CryptoError(message, code="ledger.audit_head")


class AuditTrail:
    """Appends, reads and verifies the events of one table.

    Writers call :meth:`append` inside their own transaction, which they commit.
    On PostgreSQL :meth:`append` first takes a transaction-scoped advisory lock
    (``pg_advisory_xact_lock``) so concurrent writers queue for the head; on
    SQLite the connection's write transaction must be ``BEGIN IMMEDIATE`` (see
    :func:`sqlite_begin_immediate`), which serialises writers. Either way the
    primary key on ``seq`` and the unique ``hash`` refuse a forked chain.
    """

    __slots__ = ("_lock_key", "table")

    def __init__(self, table: sa.Table) -> None:
        self.table = table
        digest = hashlib.new("sm3", _LOCK_LABEL + table.fullname.encode("utf-8")).digest()
        self._lock_key = int.from_bytes(digest[:8], "big", signed=True)

    @property
    def lock_key(self) -> int:
        """The PostgreSQL advisory lock key of this table's writers."""
        return self._lock_key

    def _lock(self, conn: sa.Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": self._lock_key})

    def append(
        self,
        conn: sa.Connection,
        *,
        actor: str,
        action: str,
        object_kind: str,
        object_id: str,
        object_digest: str,
        at: datetime | None = None,
    ) -> AuditEvent:
        """Append one event in the caller's transaction and return it."""
        at_text = format_time(datetime.now(UTC) if at is None else at)
        self._lock(conn)
        head = self.head(conn)
        seq = 1 if head is None else head.seq + 1
        prev = GENESIS_HASH if head is None else head.hash
        digest = event_hash(
            prev, seq, at_text, actor, action, object_kind, object_id, object_digest
        )
        evt = AuditEvent(
            seq=seq,
            at=at_text,
            actor=actor,
            action=action,
            object_kind=object_kind,
            object_id=object_id,
            object_digest=object_digest,
            prev_hash=prev,
            hash=digest,
        )
        conn.execute(self.table.insert().values(_row(evt)))
        return evt

    def append_many(
        self, conn: sa.Connection, entries: Iterable[Mapping[str, Any]]
    ) -> AuditEvent | None:
        """Append many events at once in the caller's transaction: one lock, one
        head read, inserts of 1,000 rows at a time. Each entry has the keyword
        arguments of :meth:`append`; entries without ``at`` share the time of
        the call. Returns the last event
        (``None`` for no entries); memory stays flat for any number."""
        now = format_time(datetime.now(UTC))
        self._lock(conn)
        head = self.head(conn)
        seq = 0 if head is None else head.seq
        prev = GENESIS_HASH if head is None else head.hash
        last: AuditEvent | None = None
        rows: list[dict[str, Any]] = []
        for entry in entries:
            extra = set(entry) - _ENTRY_KEYS
            if extra:
                raise ModelError(
                    f"审计事件有未知字段：{'、'.join(sorted(extra))}", code="ledger.audit_event"
                )
            at = entry.get("at")
            at_text = now if at is None else format_time(at)
            seq += 1
            actor, action = entry.get("actor", ""), entry.get("action", "")
            kind, object_id = entry.get("object_kind", ""), entry.get("object_id", "")
            digest = entry.get("object_digest", "")
            evt = AuditEvent(
                seq=seq,
                at=at_text,
                actor=actor,
                action=action,
                object_kind=kind,
                object_id=object_id,
                object_digest=digest,
                prev_hash=prev,
                hash=event_hash(prev, seq, at_text, actor, action, kind, object_id, digest),
            )
            prev = evt.hash
            rows.append(_row(evt))
            if len(rows) == _PAGE:
                conn.execute(self.table.insert(), rows)
                rows = []
            last = evt
        if rows:
            conn.execute(self.table.insert(), rows)
        return last

    def head(self, conn: sa.Connection) -> AuditEvent | None:
        """The last event, or ``None`` for an empty trail."""
        row = conn.execute(sa.select(self.table).order_by(self.table.c.seq.desc()).limit(1)).first()
        return None if row is None else _event(row)

    def get(self, conn: sa.Connection, seq: int) -> AuditEvent | None:
        """The event at ``seq``, if there is one."""
        row = conn.execute(sa.select(self.table).where(self.table.c.seq == seq)).first()
        return None if row is None else _event(row)

    def count(self, conn: sa.Connection) -> int:
        """How many events are stored."""
        return int(conn.execute(sa.select(sa.func.count()).select_from(self.table)).scalar_one())

    def events(self, conn: sa.Connection, after_seq: int = 0) -> Iterator[AuditEvent]:
        """Events after ``after_seq`` in order, read a page at a time (constant memory)."""
        last = after_seq
        c = self.table.c
        while True:
            rows = conn.execute(
                sa.select(self.table).where(c.seq > last).order_by(c.seq).limit(_PAGE)
            ).all()
            for row in rows:
                yield _event(row)
            if len(rows) < _PAGE:
                return
            last = int(rows[-1].seq)

    def verify(self, conn: sa.Connection) -> AuditBreak | None:
        """Recompute every hash in ``seq`` order; the first broken event, or ``None``.

        Finds a changed field, a replaced hash, a missing (deleted) event and an
        inserted one. A removed tail or a rebuilt chain needs an anchor held
        outside the database: see :meth:`export_head` and :meth:`contains_head`.
        """
        expected_seq = 1
        prev = GENESIS_HASH
        for evt in self.events(conn):
            if evt.seq != expected_seq:
                return AuditBreak(
                    seq=expected_seq,
                    field="seq",
                    reason=f"缺少第{expected_seq}条事件（被删除，或序号被改动）",
                    expected=str(expected_seq),
                    found=str(evt.seq),
                )
            if evt.prev_hash != prev:
                return AuditBreak(
                    seq=evt.seq,
                    field="prev_hash",
                    reason="与上一条事件的链接断开（prev_hash不等于上一条的哈希）",
                    expected=prev,
                    found=str(evt.prev_hash),
                )
            recomputed = self._recompute(evt)
            if recomputed != evt.hash:
                following = self.get(conn, evt.seq + 1)
                if following is not None and following.prev_hash == recomputed:
                    return AuditBreak(
                        seq=evt.seq,
                        field="hash",
                        reason="存储的哈希被改动（内容与下一条的链接仍一致）",
                        expected=recomputed,
                        found=str(evt.hash),
                    )
                return AuditBreak(
                    seq=evt.seq,
                    field="content",
                    reason=(
                        "事件内容被改动：时间、操作人、动作、对象类型、对象编号或对象摘要"
                        "与存储的哈希不符"
                    ),
                    expected=str(evt.hash),
                    found=recomputed,
                )
            prev = evt.hash
            expected_seq += 1
        return None

    @staticmethod
    def _recompute(evt: AuditEvent) -> str:
        try:
            return _hash_fields(
                str(evt.prev_hash),
                evt.seq,
                str(evt.at),
                str(evt.actor),
                str(evt.action),
                str(evt.object_kind),
                str(evt.object_id),
                str(evt.object_digest),
            )
        except UnicodeEncodeError:
            return "（无法编码）"

    def verify_or_raise(self, conn: sa.Connection) -> None:
        """Like :meth:`verify`, raising ``ledger.audit_broken`` at the first break."""
        broken = self.verify(conn)
        if broken is not None:
            raise CryptoError(
                f"审计链已断开：{broken}",
                code="ledger.audit_broken",
                location=Location(file=self.table.fullname, record=broken.seq, field=broken.field),
            )

    def export_head(
        self,
        conn: sa.Connection,
        signer: Signer,
        *,
        exported_at: datetime | None = None,
        verify: bool = True,
    ) -> bytes:
        """The chain head as a small signed JSON document, for anchoring outside.

        The fields are ``format``, ``table``, ``seq``, ``hash``, ``count``,
        ``exported_at``, ``algorithm`` and ``key_fingerprint`` of the signer;
        ``signature`` is the canonical Base64 of the signer's signature over the
        canonical JSON of those fields. With ``verify`` (default) a broken chain
        is refused (``ledger.audit_broken``) rather than anchored.
        """
        if verify:
            self.verify_or_raise(conn)
        head = self.head(conn)
        fields: dict[str, Any] = {
            "format": HEAD_FORMAT,
            "table": self.table.fullname,
            "seq": 0 if head is None else head.seq,
            "hash": GENESIS_HASH if head is None else head.hash,
            "count": self.count(conn),
            "exported_at": format_time(datetime.now(UTC) if exported_at is None else exported_at),
            "algorithm": signer.algorithm,
            "key_fingerprint": signer.key_fingerprint,
        }
        signature = base64.b64encode(signer.sign(canonical_json(fields))).decode("ascii")
        return canonical_json({**fields, "signature": signature}) + b"\n"

    @staticmethod
    def read_head(document: bytes) -> dict[str, Any]:
        """The fields and signature of an exported head, checked for form only
        (``ledger.audit_head`` otherwise); the signature is not checked."""
        if not isinstance(document, bytes | bytearray):
            raise _head_error("链头文件必须是字节串")
        if len(document) > _MAX_HEAD_DOCUMENT:
            raise _head_error(f"链头文件过大（超过{_MAX_HEAD_DOCUMENT}字节）")
        try:
            parsed = json.loads(bytes(document).decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _head_error("链头文件不是有效的JSON") from None
        if not isinstance(parsed, dict) or set(parsed) != _HEAD_FIELDS | {"signature"}:
            raise _head_error(
                "链头文件的字段不对：应为 " + "、".join(sorted(_HEAD_FIELDS | {"signature"}))
            )
        if parsed["format"] != HEAD_FORMAT:
            raise _head_error(f"链头文件格式不受支持：{parsed['format']!r}")
        for name in ("seq", "count"):
            value = parsed[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise _head_error(f"链头文件的{name}应为非负整数")
        for name in ("table", "exported_at", "algorithm", "key_fingerprint", "signature"):
            if not isinstance(parsed[name], str):
                raise _head_error(f"链头文件的{name}应为文本")
        if not isinstance(parsed["hash"], str) or not _HEX64.fullmatch(parsed["hash"]):
            raise _head_error("链头文件的hash应为64位小写十六进制")
        return parsed

    @classmethod
    def verify_head(cls, document: bytes, verifier: Verifier) -> dict[str, Any]:
        """Check an exported head's signature with ``verifier`` and return its
        fields (without ``signature``). A bad signature, or a document signed
        with another key, is a :class:`SignatureError`."""
        parsed = cls.read_head(document)
        fields = {k: v for k, v in parsed.items() if k != "signature"}
        if fields["key_fingerprint"] != verifier.key_fingerprint:
            raise SignatureError(
                f"链头由另一密钥签名（指纹 {fields['key_fingerprint'][:16]}…，"
                f"验证密钥 {verifier.key_fingerprint[:16]}…）",
                code="signature.key",
            )
        if fields["algorithm"] != verifier.algorithm:
            raise SignatureError(
                f"链头的签名算法为{fields['algorithm']}，验证密钥为{verifier.algorithm}",
                code="signature.algorithm",
            )
        verify_base64(verifier, canonical_json(fields), parsed["signature"])
        return fields

    def contains_head(self, conn: sa.Connection, document: bytes | Mapping[str, Any]) -> bool:
        """Whether the event an exported head names is still in the chain with
        the same hash (an empty head is in every chain). Pass the verified
        fields of :meth:`verify_head`, or the document to check its form only."""
        fields = self.read_head(document) if isinstance(document, bytes | bytearray) else document
        seq, digest = fields.get("seq"), fields.get("hash")
        if isinstance(seq, bool) or not isinstance(seq, int) or not isinstance(digest, str):
            raise _head_error("链头缺少seq或hash")
        if fields.get("table", self.table.fullname) != self.table.fullname:
            raise _head_error(f"链头属于另一张表：{fields.get('table')!r}")
        if seq == 0:
            return digest == GENESIS_HASH
        evt = self.get(conn, seq)
        return evt is not None and evt.hash == digest

    def check_head(self, conn: sa.Connection, document: bytes, verifier: Verifier) -> None:
        """Verify an exported head's signature and that it is still in the chain
        (``ledger.audit_head`` otherwise)."""
        fields = self.verify_head(document, verifier)
        if not self.contains_head(conn, fields):
            raise _head_error(
                f"导出的链头（第{fields['seq']}条，哈希 {fields['hash'][:16]}…）已不在审计链中"
            )


# --- guards: append-only at the database ---------------------------------------

_PG_DIALECT: Final[sa.Dialect] = postgresql.dialect()  # type: ignore[no-untyped-call]
_SQLITE_DIALECT: Final[sa.Dialect] = sqlite.dialect()


def _quoted(table: sa.Table, dialect: sa.Dialect) -> tuple[str, str]:
    """The quoted table name and a safe base name for its triggers."""
    prep = dialect.identifier_preparer
    base = re.sub(r"[^0-9A-Za-z_]", "_", table.name)
    return prep.format_table(table), base


def postgres_guard_ddl(table: sa.Table) -> list[str]:
    """PostgreSQL statements making ``table`` append-only: a trigger function
    that raises, a row trigger BEFORE UPDATE OR DELETE and a statement trigger
    BEFORE TRUNCATE. A superuser can still drop the triggers: that is what the
    hash chain and an exported head are for."""
    name, base = _quoted(table, _PG_DIALECT)
    schema = f'"{table.schema}".' if table.schema else ""
    fn = f'{schema}"{base}_append_only"'
    return [
        f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  RAISE EXCEPTION USING\n"
        "    MESSAGE = '审计事件只能追加，不能修改或删除（' || TG_OP || '）',\n"
        "    ERRCODE = 'restrict_violation';\n"
        "END\n"
        "$$",
        f'CREATE TRIGGER "{base}_no_update_delete" BEFORE UPDATE OR DELETE ON {name} '
        f"FOR EACH ROW EXECUTE FUNCTION {fn}()",
        f'CREATE TRIGGER "{base}_no_truncate" BEFORE TRUNCATE ON {name} '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()",
    ]


def postgres_unguard_ddl(table: sa.Table) -> list[str]:
    """The statements undoing :func:`postgres_guard_ddl` (a migration's downgrade)."""
    name, base = _quoted(table, _PG_DIALECT)
    schema = f'"{table.schema}".' if table.schema else ""
    return [
        f'DROP TRIGGER IF EXISTS "{base}_no_truncate" ON {name}',
        f'DROP TRIGGER IF EXISTS "{base}_no_update_delete" ON {name}',
        f'DROP FUNCTION IF EXISTS {schema}"{base}_append_only"()',
    ]


def sqlite_guard_ddl(table: sa.Table) -> list[str]:
    """SQLite triggers refusing UPDATE and DELETE on ``table`` (``RAISE(ABORT)``)."""
    name, base = _quoted(table, _SQLITE_DIALECT)
    return [
        f'CREATE TRIGGER "{base}_no_update" BEFORE UPDATE ON {name} '
        "BEGIN SELECT RAISE(ABORT, '审计事件只能追加，不能修改'); END",
        f'CREATE TRIGGER "{base}_no_delete" BEFORE DELETE ON {name} '
        "BEGIN SELECT RAISE(ABORT, '审计事件只能追加，不能删除'); END",
    ]


def sqlite_unguard_ddl(table: sa.Table) -> list[str]:
    """The statements undoing :func:`sqlite_guard_ddl`."""
    base = re.sub(r"[^0-9A-Za-z_]", "_", table.name)
    return [
        f'DROP TRIGGER IF EXISTS "{base}_no_update"',
        f'DROP TRIGGER IF EXISTS "{base}_no_delete"',
    ]


def install_guard(conn: sa.Connection, table: sa.Table) -> None:
    """Run the guard statements of ``conn``'s backend (PostgreSQL or SQLite)."""
    name = conn.dialect.name
    if name == "postgresql":
        statements = postgres_guard_ddl(table)
    elif name == "sqlite":
        statements = sqlite_guard_ddl(table)
    else:
        raise ModelError(
            f"不支持的数据库：{name}（只支持 PostgreSQL 与 SQLite）", code="ledger.backend"
        )
    for statement in statements:
        conn.exec_driver_sql(statement)


_IMMEDIATE_ENGINES: Final[weakref.WeakSet[sa.Engine]] = weakref.WeakSet()


def sqlite_begin_immediate(engine: sa.Engine, *, busy_timeout_ms: int = 30_000) -> bool:
    """Make every transaction of an SQLite ``engine`` start with ``BEGIN IMMEDIATE``.

    Python's ``sqlite3`` otherwise begins lazily (a reader that later writes can
    fail at once with "database is locked"); with ``BEGIN IMMEDIATE`` a writer
    takes the write lock first and others wait up to ``busy_timeout_ms``. Call it
    right after ``create_engine``, before the first connection. Other backends
    are left alone (returns ``False``); a second call on one engine does nothing.
    """
    if engine.dialect.name != "sqlite":
        return False
    if engine in _IMMEDIATE_ENGINES:
        return True
    timeout = int(busy_timeout_ms)

    @sa_event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to the "begin" hook below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {timeout}")
        finally:
            cursor.close()

    @sa_event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    _IMMEDIATE_ENGINES.add(engine)
    return True
