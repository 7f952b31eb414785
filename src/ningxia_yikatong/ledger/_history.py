"""History read from the ledger: earlier payments for the checks, and what
one person was paid."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from ..checks import PriorPayout, PriorPayouts
from ..codes import Period, PolicyCode
from ..identity import ResidentIdNumber, mask_account
from ._records import BatchStatus, PiiCodec, decrypt_column
from ._schema import batches, claims, items

__all__ = ["Payment", "payments_of", "prior_payouts"]

#: Rows fetched from the database at a time (a million payments never sit
#: twice in memory, as rows and as payments).
_STREAM = 10_000
_FEN = Decimal(100)


@dataclass(frozen=True, slots=True)
class Payment:
    """One recorded item of a person (:meth:`Ledger.payments_of`).

    ``claimed``: the item holds an active claim (approved, not finally failed,
    not cancelled, not moved to a reissue).
    """

    batch_id: str
    seq: int
    policy_code: str
    period: Period
    amount: Decimal
    id_number: str
    name: str
    account: str
    batch_status: BatchStatus
    claimed: bool
    round: int


def prior_payouts(
    conn: sa.Connection, cipher: PiiCodec, policy_code: str, period: Period | str
) -> PriorPayouts:
    """Earlier payments of the policy whose period overlaps ``period``, for the
    already-paid and household rules (``CheckContext(prior_payouts=...)``).

    A payment is an item holding an active claim: approved for payment and
    not released by a final failure or a cancelled batch (a reissue holds
    the claim of the item it pays). Household ids come with them.
    """
    wanted = Period(period)
    code = str(PolicyCode(policy_code))
    where: list[sa.ColumnElement[bool]] = [claims.c.policy_code == code]
    if conn.dialect.name == "sqlite":
        # Walk the policy's batches, and each batch's claims in (batch, seq)
        # order, the items' own: the items are read in sequence and nothing is
        # sorted (SQLite would otherwise take the subject index, read the items
        # in random order and sort every row). A claim of the policy sits in a
        # batch of the policy or, moved there, in a reissue batch.
        holders = sa.select(batches.c.batch_id).where(
            sa.or_(batches.c.policy_code == code, batches.c.parent_batch_id.is_not(None))
        )
        where = [
            claims.c.batch_id.in_(holders),
            sa.func.coalesce(claims.c.policy_code, "") == code,
        ]
    query = (
        sa.select(
            batches.c.period,
            items.c.id_cipher,
            items.c.amount_fen,
            items.c.household_id,
            claims.c.batch_id,
        )
        .select_from(
            claims.join(
                items,
                sa.and_(items.c.batch_id == claims.c.batch_id, items.c.seq == claims.c.seq),
            ).join(batches, batches.c.batch_id == claims.c.batch_id)
        )
        .where(
            *where,
            claims.c.active.is_(True),
            claims.c.period_start <= wanted.end,
            claims.c.period_end >= wanted.start,
        )
        .order_by(claims.c.batch_id, claims.c.seq)
    )
    periods: dict[str, Period] = {}
    out = []
    result = conn.execution_options(yield_per=_STREAM).execute(query)
    for part in result.partitions():
        ids = decrypt_column(cipher, "id_number", [row[1] for row in part])
        for (period_text, _blob, fen, household, batch_id), id_number in zip(
            part, ids, strict=True
        ):
            paid = periods.get(period_text)
            if paid is None:
                paid = periods[period_text] = Period(period_text)
            out.append(PriorPayout(code, paid, id_number, Decimal(fen) / _FEN, batch_id, household))
    return PriorPayouts(out)


def payments_of(
    conn: sa.Connection, cipher: PiiCodec, id_number: str, *, masked: bool = True
) -> list[Payment]:
    """Every recorded item of the person (what was this person paid), oldest
    first; ID and account masked unless ``masked=False``."""
    rid = ResidentIdNumber(id_number)
    active = (
        sa.select(sa.func.count())
        .select_from(claims)
        .where(
            claims.c.batch_id == items.c.batch_id,
            claims.c.seq == items.c.seq,
            claims.c.active.is_(True),
        )
        .scalar_subquery()
    )
    query = (
        sa.select(
            items.c.batch_id,
            items.c.seq,
            items.c.name,
            items.c.account_cipher,
            items.c.amount_fen,
            batches.c.policy_code,
            batches.c.period,
            batches.c.status,
            batches.c.round,
            active.label("claimed"),
        )
        .select_from(items.join(batches, batches.c.batch_id == items.c.batch_id))
        .where(items.c.id_digest == cipher.digest("id_number", str(rid)))
        .order_by(batches.c.period_start, batches.c.recorded_at, items.c.batch_id)
    )
    out = []
    for row in conn.execute(query):
        account = cipher.decrypt("account", row.account_cipher)
        out.append(
            Payment(
                batch_id=row.batch_id,
                seq=row.seq,
                policy_code=row.policy_code,
                period=Period(row.period),
                amount=Decimal(row.amount_fen) / 100,
                id_number=rid.masked() if masked else str(rid),
                name=row.name,
                account=mask_account(account) if masked else account,
                batch_status=BatchStatus(row.status),
                claimed=bool(row.claimed),
                round=row.round,
            )
        )
    return out
