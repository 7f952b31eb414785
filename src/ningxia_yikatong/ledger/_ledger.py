"""The ledger (发放台账): open a database by URL, record batches, approve them
(claims), release and cancel, read the batches back."""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event

from ..checks import PriorPayouts
from ..codes import Period
from ..errors import LedgerError, YikatongError
from ..payout import PayoutBatch
from ..policy import Target
from . import _history, _migrate
from ._audit import AuditTrail, canonical_digest, sqlite_begin_immediate
from ._audit_view import LedgerAudit
from ._bulk import insert_rows
from ._claims import claim_pending, is_exclusion_violation
from ._history import Payment
from ._payments import BankReturnRecord, PaymentFileRecord
from ._recording import LedgerRecords
from ._records import (
    ITEM_COLUMNS,
    BatchStatus,
    DigestName,
    GovernmentLevel,
    PayMode,
    PiiCodec,
    RecordedBatch,
    batch_data,
    batch_digest,
    batch_row,
    item_data,
    item_rows,
)
from ._schema import audit_events, batches, claims, items, meta
from ._transaction import LedgerWrite, Transient, run_transaction

__all__ = ["Ledger", "LedgerStatus", "Payment"]

T = TypeVar("T")
_KEY_ID = "data_key_id"
_RETRIES = 5
#: Items made into rows and written at a time: bounds the memory of a large batch.
_ITEM_CHUNK = 10_000
#: SQLite's page cache per connection, in KiB (filled only as pages are read).
_SQLITE_CACHE_KIB = 256 * 1024
#: PostgreSQL deadlock and serialisation failures: the transaction is retried.
_TRANSIENT = frozenset({"40P01", "40001"})


def lock_policy(conn: sa.Connection, policy_code: str) -> None:
    """Serialise claim writers of one policy (PostgreSQL: a transaction-scoped
    advisory lock; SQLite's ``BEGIN IMMEDIATE`` already serialises all writers).

    Overlapping claims are caught by the check before the insert instead of
    waiting on each other's rows in the exclusion constraint, which deadlocks
    when two batches want the same people in another order.
    """
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(
            hashlib.sha256(b"ningxia_yikatong.ledger.claims:" + policy_code.encode()).digest()[:8],
            "big",
            signed=True,
        )
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url``; on SQLite: WAL, foreign keys on, a busy timeout,
    a 256 MiB page cache, temporary storage in memory, and ``BEGIN IMMEDIATE``
    for every transaction so that a check and the write after it cannot
    interleave with another writer."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise LedgerError(f"台账地址无法识别：{url!r}", code="ledger.url") from None
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed)
        sqlite_begin_immediate(engine, busy_timeout_ms=60_000)

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            # Memory, not durability: a page cache that holds the indexes a
            # large batch writes into (SQLite's default is 2 MiB), and sorts and
            # temporary indexes in memory instead of temporary files.
            cursor.execute(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}")
            cursor.execute("PRAGMA temp_store=MEMORY")
            cursor.close()

        return engine
    if parsed.get_backend_name() == "postgresql":
        return sa.create_engine(parsed, pool_pre_ping=True)
    raise LedgerError(
        f"台账只支持 SQLite 与 PostgreSQL，不支持 {parsed.get_backend_name()}",
        code="ledger.url",
    )


@dataclass(frozen=True, slots=True)
class LedgerStatus:
    """What ``yikatong ledger status`` shows."""

    url: str
    backend: str
    revision: str
    data_key_id: str | None
    batches: int
    items: int
    active_claims: int


class Ledger(LedgerRecords):
    """The payout ledger on one database.

    >>> from ningxia_yikatong.ledger import Ledger
    >>> Ledger.open("sqlite:///nowhere/ledger.sqlite")
    Traceback (most recent call last):
    ...
    ningxia_yikatong.errors.LedgerError: ...[ledger.unreachable]
    """

    def __init__(self, engine: sa.Engine, url: str, cipher: PiiCodec | None) -> None:
        self._engine = engine
        self._url = url
        self._cipher = cipher
        self._trail = AuditTrail(audit_events)
        #: The audit trail: ``ledger.audit.verify()``, ``.export_head(signer)``.
        self.audit = LedgerAudit(engine, self._trail)

    # -- opening ---------------------------------------------------------------

    @classmethod
    def open(cls, url: str, *, cipher: PiiCodec | None = None, create: bool = False) -> Ledger:
        """Open the ledger at ``url``.

        A database at an older schema revision is refused (``ledger.schema_old``)
        until :meth:`upgrade`; one at a revision this library does not know
        (``ledger.schema_unknown``), or one that is no ledger
        (``ledger.schema_missing``, unless ``create``: then it is made). The
        cipher's data key must be the one the ledger was made with
        (``ledger.data_key_wrong``); without a cipher, reading personal data
        raises ``ledger.data_key_missing``.
        """
        engine = make_engine(url)
        try:
            with cls._connected(engine) as conn:
                revision = _migrate.current_revision(conn)
            if revision is None and create:
                _migrate.upgrade(engine)
            with cls._connected(engine) as conn:
                _migrate.check_revision(conn)
                cls._check_key(conn, cipher, create=create)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, url, cipher)

    @classmethod
    def init(cls, url: str, *, cipher: PiiCodec | None = None) -> Ledger:
        """Make a new ledger at ``url`` (an empty database) and open it."""
        return cls.open(url, cipher=cipher, create=True)

    @classmethod
    def upgrade(cls, url: str, revision: str = "head") -> str:
        """Bring the database at ``url`` to the newest schema revision (or to
        ``revision``); returns the revision it is at."""
        engine = make_engine(url)
        try:
            with cls._connected(engine):
                pass
            return _migrate.upgrade(engine, revision)
        finally:
            engine.dispose()

    @staticmethod
    @contextmanager
    def _connected(engine: sa.Engine) -> Iterator[sa.Connection]:
        try:
            conn = engine.connect()
        except sa.exc.OperationalError as exc:
            raise LedgerError(
                f"无法连接台账数据库：{type(exc.orig).__name__}", code="ledger.unreachable"
            ) from None
        with conn:
            yield conn

    @staticmethod
    def _check_key(conn: sa.Connection, cipher: PiiCodec | None, *, create: bool) -> None:
        stored = conn.scalar(sa.select(meta.c.value).where(meta.c.name == _KEY_ID))
        if cipher is None:
            return
        if stored is None:
            if not create and conn.scalar(sa.select(sa.func.count()).select_from(items)):
                raise LedgerError("台账未登记数据密钥标识", code="ledger.data_key_wrong")
            conn.execute(meta.insert().values(name=_KEY_ID, value=cipher.key_id))
            AuditTrail(audit_events).append(
                conn,
                actor="ledger",
                action="ledger.data_key",
                object_kind="ledger",
                object_id=_KEY_ID,
                object_digest=canonical_digest({"data_key_id": cipher.key_id}),
            )
            conn.commit()
            return
        if stored != cipher.key_id:
            raise LedgerError(
                f"数据密钥不符：台账使用密钥 {stored}，提供的是 {cipher.key_id}",
                code="ledger.data_key_wrong",
            )

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine (for the embedding system's own queries)."""
        return self._engine

    def _need_cipher(self) -> PiiCodec:
        if self._cipher is None:
            raise LedgerError(
                "未提供数据密钥，不能读写台账中的个人信息（--data-key-file 或 YIKATONG_DATA_KEY）",
                code="ledger.data_key_missing",
            )
        return self._cipher

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        try:
            with self._engine.begin() as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) in _TRANSIENT:
                raise Transient from exc
            raise LedgerError(
                f"台账数据库写入失败：{type(exc.orig).__name__}", code="ledger.unreachable"
            ) from None

    # -- status ----------------------------------------------------------------

    def status(self) -> LedgerStatus:
        """Revision, data key id and counts."""
        with self._engine.connect() as conn:
            revision = _migrate.check_revision(conn)
            key = conn.scalar(sa.select(meta.c.value).where(meta.c.name == _KEY_ID))

            def count(table: sa.Table, *where: Any) -> int:
                return int(
                    conn.scalar(sa.select(sa.func.count()).select_from(table).where(*where)) or 0
                )

            return LedgerStatus(
                url=sa.make_url(self._url).render_as_string(hide_password=True),
                backend=self._engine.dialect.name,
                revision=revision,
                data_key_id=key,
                batches=count(batches),
                items=count(items),
                active_claims=count(claims, claims.c.active.is_(True)),
            )

    # -- batches ---------------------------------------------------------------

    def record_batch(
        self,
        batch: PayoutBatch,
        *,
        department: str,
        pay_mode: PayMode,
        level: GovernmentLevel,
        target: Target = Target.PERSON,
        actor: str,
        digest: DigestName = "sha256",
    ) -> RecordedBatch:
        """Record a batch and its items (not yet approved: no claims).

        ``department`` is the competent department (主管部门), ``pay_mode`` and
        ``level`` what the model does not carry; ``target`` whether the policy
        pays persons or households (what a claim holds). Recording the same
        content again returns the existing record; other content under a
        recorded batch id is ``ledger.batch_conflict``.
        """
        cipher = self._need_cipher()
        attrs = _attributes(department, PayMode(pay_mode), GovernmentLevel(level), Target(target))
        content = batch_digest(batch, digest)
        with self._write() as conn:
            known = conn.execute(
                sa.select(batches).where(batches.c.batch_id == str(batch.batch_id))
            ).first()
            if known is not None:
                row = known._mapping
                same = batch_digest(batch, row["digest_algorithm"]) == row["digest"]
                if same and all(row[k] == v for k, v in attrs.items()):
                    return _recorded(row)
                raise LedgerError(
                    f"批次号 {batch.batch_id} 已登记为其他内容（摘要 {row['digest'][:16]}…），"
                    "内容不同的批次须使用新的批次号",
                    code="ledger.batch_conflict",
                )
            parent = batch.parent_batch_id
            if (
                parent is not None
                and conn.scalar(
                    sa.select(batches.c.batch_id).where(batches.c.batch_id == str(parent))
                )
                is None
            ):
                raise LedgerError(
                    f"补发批次 {batch.batch_id} 的原批次 {parent} 未登记",
                    code="ledger.parent_unknown",
                )
            now = _now()
            values = (
                batch_row(batch)
                | attrs
                | {
                    "digest": content,
                    "digest_algorithm": digest,
                    "status": BatchStatus.RECORDED.value,
                    "status_reason": None,
                    "recorded_by": actor,
                    "recorded_at": now,
                }
            )
            conn.execute(batches.insert().values(**values))
            bid = str(batch.batch_id)
            for at in range(0, batch.count, _ITEM_CHUNK):
                chunk = batch.items[at : at + _ITEM_CHUNK]
                insert_rows(conn, items, ITEM_COLUMNS, item_rows(bid, chunk, cipher))
            self._trail.append(
                conn,
                actor=actor,
                action="batch.record",
                object_kind="batch",
                object_id=bid,
                object_digest=content,
            )
            return _recorded(values)

    def record(self, batch_id: str) -> RecordedBatch:
        """The ledger record of a batch (``ledger.batch_unknown`` if none)."""
        with self._engine.connect() as conn:
            return _recorded(self._batch_row(conn, batch_id))

    def _recorded_in(self, conn: sa.Connection, batch_id: str) -> RecordedBatch:
        return _recorded(self._batch_row(conn, batch_id))

    def batch(self, batch_id: str) -> PayoutBatch:
        """The recorded batch, as the model it was recorded from."""
        cipher = self._need_cipher()
        with self._engine.connect() as conn:
            row = self._batch_row(conn, batch_id)
            rows = conn.execute(
                sa.select(items).where(items.c.batch_id == batch_id).order_by(items.c.seq)
            )
            data = [item_data(r._mapping, cipher) for r in rows]
        try:
            return PayoutBatch.model_validate(batch_data(row, data))
        except YikatongError as exc:
            raise LedgerError(
                f"台账中的批次 {batch_id} 无法还原：{exc.message}", code="ledger.corrupt"
            ) from exc

    def batch_ids(self) -> list[str]:
        """Every recorded batch id, in the order recorded."""
        with self._engine.connect() as conn:
            return list(
                conn.scalars(
                    sa.select(batches.c.batch_id).order_by(
                        batches.c.recorded_at, batches.c.batch_id
                    )
                )
            )

    @staticmethod
    def _batch_row(conn: sa.Connection, batch_id: str) -> Any:
        found = conn.execute(sa.select(batches).where(batches.c.batch_id == batch_id)).first()
        if found is None:
            raise LedgerError(f"台账中没有批次 {batch_id}", code="ledger.batch_unknown")
        return found._mapping

    # -- claims ----------------------------------------------------------------

    def approve(self, batch_id: str, *, actor: str) -> int:
        """Approve the batch for payment: every item claims (policy, person or
        household, period) in one transaction, or none does.

        An overlap with an active claim (of another batch, or twice in this one)
        is ``ledger.claim_overlap`` naming the other batch and the people
        (masked); approving an approved batch again claims nothing more.
        Returns the number of claims made.
        """
        for _attempt in range(_RETRIES):
            try:
                with self._write() as conn:
                    return self._approve(conn, batch_id, actor)
            except Transient:
                continue
            except sa.exc.IntegrityError as exc:
                if not is_exclusion_violation(exc):
                    raise
                # Another writer committed an overlapping claim between our
                # check and our insert (PostgreSQL): check again to name it.
                continue
        raise LedgerError(
            f"批次 {batch_id} 的占用因并发冲突多次失败，请重试", code="ledger.claim_retry"
        )

    def _approve(self, conn: sa.Connection, batch_id: str, actor: str) -> int:
        row = self._batch_row(conn, batch_id)
        lock_policy(conn, row["policy_code"])
        row = self._batch_row(conn, batch_id)  # as it is once we hold the lock
        status = BatchStatus(row["status"])
        if status is BatchStatus.CANCELLED:
            raise LedgerError(
                f"批次 {batch_id} 已撤销，不能批准发放", code="ledger.batch_cancelled"
            )
        if status is BatchStatus.APPROVED:
            return 0
        made = claim_pending(
            conn,
            batch_id=batch_id,
            policy_code=row["policy_code"],
            period=row["period"],
            start=row["period_start"],
            end=row["period_end"],
            household=row["target"] == Target.HOUSEHOLD.value,
            actor=actor,
            now=_now(),
            cipher=self._cipher,
        )
        conn.execute(
            batches.update()
            .where(batches.c.batch_id == batch_id)
            .values(status=BatchStatus.APPROVED.value)
        )
        self._trail.append(
            conn,
            actor=actor,
            action="batch.approve",
            object_kind="batch",
            object_id=batch_id,
            object_digest=canonical_digest(
                {"batch_id": batch_id, "batch_digest": row["digest"], "claims": made}
            ),
        )
        return made

    def release(self, batch_id: str, seqs: Iterable[int], reason: str, *, actor: str) -> int:
        """Release the claims of items whose payment failed for good (最终失败):
        the people may be paid by another batch. An item without an active
        claim is ``ledger.not_claimed``. Returns the number released."""
        wanted = sorted(set(seqs))
        if not reason.strip():
            raise LedgerError("释放占用须说明原因", code="ledger.reason_missing")
        with self._write() as conn:
            lock_policy(conn, self._batch_row(conn, batch_id)["policy_code"])
            active = set(
                conn.scalars(
                    sa.select(claims.c.seq).where(
                        claims.c.batch_id == batch_id,
                        claims.c.active.is_(True),
                        claims.c.seq.in_(wanted),
                    )
                )
            )
            missing = [s for s in wanted if s not in active]
            if missing:
                shown = "、".join(map(str, missing[:10])) + ("……" if len(missing) > 10 else "")
                raise LedgerError(
                    f"批次 {batch_id} 第 {shown} 条没有有效占用，无法释放",
                    code="ledger.not_claimed",
                )
            released = self._release(conn, batch_id, wanted, reason)
            self._trail.append(
                conn,
                actor=actor,
                action="claims.release",
                object_kind="batch",
                object_id=batch_id,
                object_digest=canonical_digest(
                    {"batch_id": batch_id, "seqs": wanted, "reason": reason}
                ),
            )
            return released

    @staticmethod
    def _release(
        conn: sa.Connection, batch_id: str, seqs: Sequence[int] | None, reason: str
    ) -> int:
        stmt = (
            claims.update()
            .where(claims.c.batch_id == batch_id, claims.c.active.is_(True))
            .values(active=False, released_at=_now(), release_reason=reason)
        )
        if seqs is not None:
            stmt = stmt.where(claims.c.seq.in_(list(seqs)))
        return conn.execute(stmt).rowcount

    def cancel(self, batch_id: str, reason: str, *, actor: str) -> int:
        """Cancel a batch (撤销): its claims are released; it cannot be approved
        again. Returns the number of claims released."""
        if not reason.strip():
            raise LedgerError("撤销批次须说明原因", code="ledger.reason_missing")
        with self._write() as conn:
            return self._cancel(conn, batch_id, reason, actor)

    def _cancel(self, conn: sa.Connection, batch_id: str, reason: str, actor: str) -> int:
        lock_policy(conn, self._batch_row(conn, batch_id)["policy_code"])
        released = self._release(conn, batch_id, None, reason)
        conn.execute(
            batches.update()
            .where(batches.c.batch_id == batch_id)
            .values(status=BatchStatus.CANCELLED.value, status_reason=reason)
        )
        self._trail.append(
            conn,
            actor=actor,
            action="batch.cancel",
            object_kind="batch",
            object_id=batch_id,
            object_digest=canonical_digest(
                {"batch_id": batch_id, "reason": reason, "released": released}
            ),
        )
        return released

    def transaction(self, work: Callable[[LedgerWrite], T]) -> T:
        """Run ``work`` with a :class:`LedgerWrite` in one write transaction (run
        again on a PostgreSQL deadlock or a concurrent overlapping claim): how the
        layers above the ledger make their records atomic with its own."""
        return run_transaction(self, work)

    def record_reissue(self, batch: PayoutBatch, origin: Sequence[int], *, actor: str) -> int:
        """Record a reissue (补发) of its parent's items ``origin`` (``origin[j-1]``
        is the parent's seq of item ``j``, as :class:`~ningxia_yikatong.reconcile.Reissue`
        gives it) and move each parent item's active claim to the reissue item
        that pays it; an item whose claim was released claims anew (checked
        for overlaps). The reissue is approved with its claims. Returns the
        number of claims moved.

        Where the parent has a recorded reconciliation, every ``origin`` item must
        be failed in its last one (``ledger.reissue_not_failed``), and the reissue
        is linked to it (:meth:`reissue_of`)."""
        if batch.parent_batch_id is None:
            raise LedgerError(
                f"批次 {batch.batch_id} 没有原批次，不是补发批次", code="ledger.not_reissue"
            )
        if len(origin) != batch.count:
            raise LedgerError(
                f"补发批次 {batch.batch_id} 有{batch.count}笔明细，原序号有{len(origin)}个",
                code="ledger.reissue_origin",
            )
        parent_id = str(batch.parent_batch_id)
        with self._engine.connect() as conn:
            parent = _recorded(self._batch_row(conn, parent_id))
        source = self._reissue_source(parent_id, origin)
        self.record_batch(
            batch,
            department=parent.department,
            pay_mode=parent.pay_mode,
            level=parent.level,
            target=Target(parent.target),
            actor=actor,
        )
        child = str(batch.batch_id)
        for _attempt in range(_RETRIES):
            try:
                with self._write() as conn:
                    moved = self._move_claims(conn, parent, child, origin, actor)
                    self._link_reissue(conn, batch, origin, source, actor)
                    return moved
            except Transient:
                continue
            except sa.exc.IntegrityError as exc:
                if not is_exclusion_violation(exc):
                    raise
        raise LedgerError(
            f"批次 {child} 的占用因并发冲突多次失败，请重试", code="ledger.claim_retry"
        )

    def _move_claims(
        self,
        conn: sa.Connection,
        parent: RecordedBatch,
        child: str,
        origin: Sequence[int],
        actor: str,
    ) -> int:
        lock_policy(conn, parent.policy_code)
        if BatchStatus(self._batch_row(conn, child)["status"]) is BatchStatus.APPROVED:
            return 0
        moved = 0
        fresh: list[int] = []
        for seq, parent_seq in enumerate(origin, 1):
            n = conn.execute(
                claims.update()
                .where(
                    claims.c.batch_id == parent.batch_id,
                    claims.c.seq == parent_seq,
                    claims.c.active.is_(True),
                )
                .values(
                    batch_id=child,
                    seq=seq,
                    moved_from_batch_id=parent.batch_id,
                    moved_from_seq=parent_seq,
                )
            ).rowcount
            if n:
                moved += n
            else:
                fresh.append(seq)
        if fresh:
            claim_pending(
                conn,
                batch_id=child,
                policy_code=parent.policy_code,
                period=parent.period,
                start=parent.period_start,
                end=parent.period_end,
                household=parent.target == Target.HOUSEHOLD.value,
                actor=actor,
                now=_now(),
                cipher=self._cipher,
            )
        conn.execute(
            batches.update()
            .where(batches.c.batch_id == child)
            .values(status=BatchStatus.APPROVED.value)
        )
        self._trail.append(
            conn,
            actor=actor,
            action="claims.move",
            object_kind="batch",
            object_id=child,
            object_digest=canonical_digest(
                {"batch_id": child, "parent_batch_id": parent.batch_id, "origin": list(origin)}
            ),
        )
        return moved

    # -- payment files and returns -----------------------------------------------

    def record_payment_file(
        self,
        batch_id: str,
        *,
        digest: str,
        signing_key_fingerprint: str,
        bank_key_fingerprint: str | None = None,
        actor: str,
    ) -> PaymentFileRecord:
        """Record a payment file sent for an approved batch: its digest (64 hex)
        and the fingerprint of the key that signed it; ``bank_key_fingerprint``
        the bank key expected to sign the return, when known."""
        return self.transaction(
            lambda w: w.record_payment_file(
                batch_id,
                digest=digest,
                signing_key_fingerprint=signing_key_fingerprint,
                bank_key_fingerprint=bank_key_fingerprint,
                actor=actor,
            )
        )

    def record_bank_return(
        self,
        batch_id: str,
        *,
        digest: str,
        payment_digest: str,
        verifying_key_fingerprint: str,
        actor: str,
    ) -> BankReturnRecord:
        """Record a bank return: its digest, the digest of the payment file it
        answers and the fingerprint of the key it was verified with
        (``ledger.not_sent``, ``ledger.return_mismatch``,
        ``ledger.return_key_mismatch``: see :mod:`ningxia_yikatong.ledger._payments`)."""
        return self.transaction(
            lambda w: w.record_bank_return(
                batch_id,
                digest=digest,
                payment_digest=payment_digest,
                verifying_key_fingerprint=verifying_key_fingerprint,
                actor=actor,
            )
        )

    # -- history ---------------------------------------------------------------

    def prior_payouts(self, policy_code: str, period: Period | str) -> PriorPayouts:
        """Earlier payments of the policy whose period overlaps ``period``, for the
        already-paid and household rules (``CheckContext(prior_payouts=...)``).

        A payment is an item holding an active claim: approved for payment and
        not released by a final failure or a cancelled batch (a reissue holds
        the claim of the item it pays). Household ids come with them.
        """
        cipher = self._need_cipher()
        with self._engine.connect() as conn:
            return _history.prior_payouts(conn, cipher, policy_code, period)

    def payments_of(self, id_number: str, *, masked: bool = True) -> list[Payment]:
        """Every recorded item of the person (what was this person paid), oldest
        first; ID and account masked unless ``masked=False``."""
        cipher = self._need_cipher()
        with self._engine.connect() as conn:
            return _history.payments_of(conn, cipher, id_number, masked=masked)

    def claims_of(self, batch_id: str) -> dict[int, bool]:
        """Seq to whether the item holds an active claim (items that never
        claimed are absent)."""
        with self._engine.connect() as conn:
            self._batch_row(conn, batch_id)
            rows = conn.execute(
                sa.select(claims.c.seq, claims.c.active).where(claims.c.batch_id == batch_id)
            )
            out: dict[int, bool] = {}
            for seq, active in rows:
                out[seq] = out.get(seq, False) or bool(active)
            return out


def _attributes(
    department: str, pay_mode: PayMode, level: GovernmentLevel, target: Target
) -> dict[str, str]:
    name = department.strip()
    if not name or len(name) > 100:
        raise LedgerError("主管部门名称不能为空，且不超过100个字符", code="ledger.department")
    return {
        "department": name,
        "pay_mode": pay_mode.value,
        "level": level.value,
        "target": target.value,
    }


def _recorded(row: Any) -> RecordedBatch:
    at = row["recorded_at"]
    if at.tzinfo is None:  # SQLite keeps no zone: the ledger writes UTC
        at = at.replace(tzinfo=_dt.UTC)
    return RecordedBatch(
        batch_id=row["batch_id"],
        digest=row["digest"],
        digest_algorithm=row["digest_algorithm"],
        policy_code=row["policy_code"],
        period=row["period"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        department=row["department"],
        pay_mode=PayMode(row["pay_mode"]),
        level=GovernmentLevel(row["level"]),
        target=row["target"],
        item_count=row["item_count"],
        total=Decimal(row["total_fen"]) / 100,
        status=BatchStatus(row["status"]),
        status_reason=row["status_reason"],
        parent_batch_id=row["parent_batch_id"],
        round=row["round"],
        recorded_by=row["recorded_by"],
        recorded_at=at,
    )
