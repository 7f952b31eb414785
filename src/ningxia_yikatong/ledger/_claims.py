"""Claims (发放占用): nobody paid twice for one policy and period.

An approved item claims ``(policy, subject, period range)``; the subject is the
person (``P:`` and the keyed digest of the ID number) or, on a household
policy, the household (``H:`` and the household id). Two active claims of one
subject under one policy whose date ranges share a day are refused, whatever
the period spelling (``2026-Q1`` and ``2026-03`` overlap).

On PostgreSQL the exclusion constraint ``claims_no_overlap`` (migration 0002)
is what guarantees it; the check here runs first on both backends to name the
clashing batch and people, and on SQLite it is the guarantee itself, since it
runs in the same ``BEGIN IMMEDIATE`` transaction as the insert.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..errors import ErrorDetail, LedgerError, Location
from ..identity import mask_id_number
from ._records import PiiCodec
from ._schema import claims, items

__all__ = ["Clash", "claim_pending", "find_clashes", "inner_clashes", "overlap_error"]

EXCLUSION_VIOLATION = "23P01"


@dataclass(frozen=True, slots=True)
class Clash:
    """An item of the batch being approved whose subject another claim holds."""

    seq: int
    subject: str
    other_batch_id: str
    other_seq: int


def _subject(household: bool) -> sa.ColumnElement[str]:
    """The claim subject of an item row, in SQL."""
    if household:
        return sa.literal("H:", sa.String) + items.c.household_id
    return sa.literal("P:", sa.String) + items.c.id_digest


def _pending(batch_id: str) -> sa.ColumnElement[bool]:
    """The batch's items that hold no active claim (what approval claims)."""
    other = claims.alias("held")
    held = (
        sa.select(other.c.claim_id)
        .where(
            other.c.batch_id == items.c.batch_id,
            other.c.seq == items.c.seq,
            other.c.active.is_(True),
        )
        .correlate(items)
        .exists()
    )
    return sa.and_(items.c.batch_id == batch_id, ~held)


def inner_clashes(conn: sa.Connection, batch_id: str, household: bool) -> list[Clash]:
    """Items of the batch wanting a subject an earlier item of it wants too."""
    subject = _subject(household)
    twice = (
        sa.select(subject).where(_pending(batch_id)).group_by(subject).having(sa.func.count() > 1)
    )
    query = (
        sa.select(subject.label("subject"), items.c.seq)
        .where(_pending(batch_id), subject.in_(twice))
        .order_by(items.c.seq)
    )
    first: dict[str, int] = {}
    found = []
    for subj, seq in conn.execute(query):
        earlier = first.setdefault(subj, seq)
        if earlier != seq:
            found.append(Clash(seq, subj, batch_id, earlier))
    return found


def find_clashes(
    conn: sa.Connection,
    batch_id: str,
    *,
    policy_code: str,
    start: _dt.date,
    end: _dt.date,
    household: bool,
) -> list[Clash]:
    """Active claims of the policy overlapping [start, end] on the subjects the
    batch's pending items want: one query joining the items to the claims."""
    subject = _subject(household)
    query = (
        sa.select(subject.label("subject"), items.c.seq, claims.c.batch_id, claims.c.seq)
        .select_from(
            items.join(
                claims,
                sa.and_(
                    claims.c.policy_code == policy_code,
                    claims.c.subject == subject,
                    claims.c.active.is_(True),
                    claims.c.period_start <= end,
                    claims.c.period_end >= start,
                ),
            )
        )
        .where(_pending(batch_id))
    )
    hits = conn.execute(query).all()
    # Named on the first item wanting the subject, as the inner clashes name the rest.
    first: dict[str, int] = {}
    for subj, seq, _other, _other_seq in hits:
        first[subj] = min(seq, first.get(subj, seq))
    found = {Clash(first[subj], subj, other, other_seq) for subj, _s, other, other_seq in hits}
    return sorted(found, key=lambda c: (c.seq, c.other_batch_id, c.other_seq))


def overlap_error(
    *,
    batch_id: str,
    policy_code: str,
    period: str,
    clashes: Sequence[Clash],
    rows: Mapping[int, Mapping[str, Any]],
    cipher: PiiCodec | None,
) -> LedgerError:
    """``ledger.claim_overlap`` naming the other batches and the people (masked)."""

    def who(seq: int) -> str:
        row = rows[seq]
        if cipher is None:
            return f"第{seq}条"
        masked = mask_id_number(cipher.decrypt("id_number", row["id_cipher"]))
        return f"第{seq}条 {masked}"

    others = sorted({c.other_batch_id for c in clashes})
    people = sorted({c.seq for c in clashes})
    shown = "、".join(who(s) for s in people[:5]) + ("……" if len(people) > 5 else "")
    details = [
        ErrorDetail(
            "ledger.claim_overlap",
            f"{who(c.seq)} 已由批次 {c.other_batch_id} 第{c.other_seq}条占用"
            + ("（本批次内重复）" if c.other_batch_id == batch_id else ""),
            Location(record=c.seq),
        )
        for c in clashes
    ]
    return LedgerError(
        f"批次 {batch_id}（政策 {policy_code}，期间 {period}）有{len(people)}人"
        f"已在批次 {'、'.join(others)} 中占用同一政策的重叠期间，不能重复发放：{shown}",
        code="ledger.claim_overlap",
        details=details,
    )


def claim_pending(
    conn: sa.Connection,
    *,
    batch_id: str,
    policy_code: str,
    period: str,
    start: _dt.date,
    end: _dt.date,
    household: bool,
    actor: str,
    now: _dt.datetime,
    cipher: PiiCodec | None,
) -> int:
    """Claim the subject of every item of the batch that holds no active claim
    yet, for the period, or raise ``ledger.claim_overlap`` naming every clash
    (within the batch too) and insert nothing.

    Set-based: the checks are two queries over the batch's items and the
    claims go in with one ``INSERT ... SELECT``, in the caller's transaction
    (on SQLite ``BEGIN IMMEDIATE``, so no other writer comes between).
    """
    if household:
        missing = conn.scalar(
            sa.select(sa.func.min(items.c.seq)).where(
                _pending(batch_id), items.c.household_id.is_(None)
            )
        )
        if missing is not None:
            raise LedgerError(
                f"户类政策的明细第{missing}条没有户编号，无法按户占用",
                code="ledger.household_missing",
                record=int(missing),
            )
    clashes = inner_clashes(conn, batch_id, household)
    clashes += find_clashes(
        conn, batch_id, policy_code=policy_code, start=start, end=end, household=household
    )
    if clashes:
        seqs = sorted({c.seq for c in clashes})
        rows: dict[int, Mapping[str, Any]] = {
            r.seq: {"id_cipher": r.id_cipher}
            for r in conn.execute(
                sa.select(items.c.seq, items.c.id_cipher).where(
                    items.c.batch_id == batch_id, items.c.seq.in_(seqs)
                )
            )
        }
        raise overlap_error(
            batch_id=batch_id,
            policy_code=policy_code,
            period=period,
            clashes=clashes,
            rows=rows,
            cipher=cipher,
        )

    def value(v: object, column: sa.Column[Any]) -> sa.ColumnElement[Any]:
        return sa.literal(v, column.type)

    c = claims.c
    made = conn.execute(
        claims.insert().from_select(
            [
                c.policy_code,
                c.subject,
                c.period_start,
                c.period_end,
                c.batch_id,
                c.seq,
                c.active,
                c.claimed_by,
                c.claimed_at,
            ],
            sa.select(
                value(policy_code, c.policy_code),
                _subject(household),
                value(start, c.period_start),
                value(end, c.period_end),
                items.c.batch_id,
                items.c.seq,
                value(True, c.active),
                value(actor, c.claimed_by),
                value(now, c.claimed_at),
            )
            .where(_pending(batch_id))
            .order_by(items.c.seq),
        ),
        execution_options={"preserve_rowcount": True},
    )
    return int(made.rowcount)


def is_exclusion_violation(exc: sa.exc.DBAPIError) -> bool:
    """Whether a database error is PostgreSQL's exclusion violation (23P01)."""
    return getattr(exc.orig, "sqlstate", None) == EXCLUSION_VIOLATION
