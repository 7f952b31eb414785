"""The payout lifecycle: lifecycles and their steps, recoveries, rectification cases.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _recorded() -> list[sa.Column[object]]:
    return [
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "lifecycles",
        sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("rules", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("steps", sa.Integer, nullable=False),
        *_recorded(),
    )
    op.create_table(
        "lifecycle_steps",
        sa.Column(
            "batch_id", sa.String(64), sa.ForeignKey("lifecycles.batch_id"), primary_key=True
        ),
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state_before", sa.String(16), nullable=False),
        sa.Column("state_after", sa.String(16), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
    )
    op.create_table(
        "recoveries",
        sa.Column("recovery_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        *_recorded(),
        sa.ForeignKeyConstraint(["batch_id", "seq"], ["items.batch_id", "items.seq"]),
    )
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("region", sa.String(12), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cases")
    op.drop_table("recoveries")
    op.drop_table("lifecycle_steps")
    op.drop_table("lifecycles")
