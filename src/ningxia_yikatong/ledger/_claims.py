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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..errors import ErrorDetail, LedgerError, Location
from ..identity import mask_id_number
from ._records import PiiCodec
from ._schema import claims, items

__all__ = ["Clash", "check_and_claim", "overlap_error", "subject_of"]

_CHUNK = 500
EXCLUSION_VIOLATION = "23P01"


@dataclass(frozen=True, slots=True)
class Clash:
    """An item of the batch being approved whose subject another claim holds."""

    seq: int
    subject: str
    other_batch_id: str
    other_seq: int


def subject_of(row: Mapping[str, Any], household: bool) -> str:
    """The claim subject of an item row."""
    if not household:
        return "P:" + str(row["id_digest"])
    home = row["household_id"]
    if home is None:
        raise LedgerError(
            f"户类政策的明细第{row['seq']}条没有户编号，无法按户占用",
            code="ledger.household_missing",
            record=int(row["seq"]),
        )
    return "H:" + str(home)


def find_clashes(
    conn: sa.Connection,
    policy_code: str,
    start: _dt.date,
    end: _dt.date,
    wanted: Mapping[str, int],
) -> list[Clash]:
    """Active claims of the policy on these subjects overlapping [start, end]."""
    found: list[Clash] = []
    subjects = list(wanted)
    for i in range(0, len(subjects), _CHUNK):
        part = subjects[i : i + _CHUNK]
        query = sa.select(claims.c.subject, claims.c.batch_id, claims.c.seq).where(
            claims.c.policy_code == policy_code,
            claims.c.subject.in_(part),
            claims.c.active.is_(True),
            claims.c.period_start <= end,
            claims.c.period_end >= start,
        )
        for subject, batch_id, seq in conn.execute(query):
            found.append(Clash(wanted[subject], subject, batch_id, seq))
    found.sort(key=lambda c: (c.seq, c.other_batch_id, c.other_seq))
    return found


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


def check_and_claim(
    conn: sa.Connection,
    *,
    batch_id: str,
    policy_code: str,
    period: str,
    start: _dt.date,
    end: _dt.date,
    rows: Iterable[Mapping[str, Any]],
    household: bool,
    actor: str,
    now: _dt.datetime,
    cipher: PiiCodec | None,
) -> int:
    """Claim every row's subject for the period, or raise ``ledger.claim_overlap``
    naming every clash (within the batch too) and insert nothing."""
    by_seq: dict[int, Mapping[str, Any]] = {}
    wanted: dict[str, int] = {}
    inner: list[Clash] = []
    for row in rows:
        seq = int(row["seq"])
        by_seq[seq] = row
        subject = subject_of(row, household)
        first = wanted.setdefault(subject, seq)
        if first != seq:
            inner.append(Clash(seq, subject, batch_id, first))
    clashes = inner + find_clashes(conn, policy_code, start, end, wanted)
    if clashes:
        raise overlap_error(
            batch_id=batch_id,
            policy_code=policy_code,
            period=period,
            clashes=clashes,
            rows=by_seq,
            cipher=cipher,
        )
    if wanted:
        conn.execute(
            claims.insert(),
            [
                {
                    "policy_code": policy_code,
                    "subject": subject,
                    "period_start": start,
                    "period_end": end,
                    "batch_id": batch_id,
                    "seq": seq,
                    "active": True,
                    "claimed_by": actor,
                    "claimed_at": now,
                }
                for subject, seq in wanted.items()
            ],
        )
    return len(wanted)


def claim_rows(conn: sa.Connection, batch_id: str, seqs: Iterable[int] | None = None) -> list[Any]:
    """The item rows (seq, digest, cipher, household) of a batch, by seq."""
    query = sa.select(
        items.c.seq, items.c.id_digest, items.c.id_cipher, items.c.household_id
    ).where(items.c.batch_id == batch_id)
    if seqs is not None:
        query = query.where(items.c.seq.in_(list(seqs)))
    return [row._mapping for row in conn.execute(query.order_by(items.c.seq))]


def is_exclusion_violation(exc: sa.exc.DBAPIError) -> bool:
    """Whether a database error is PostgreSQL's exclusion violation (23P01)."""
    return getattr(exc.orig, "sqlstate", None) == EXCLUSION_VIOLATION
