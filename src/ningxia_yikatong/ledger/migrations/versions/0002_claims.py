"""Claims: (policy, subject, period) taken by approved items.

On PostgreSQL an exclusion constraint over the claim's date range refuses two
active claims of one subject under one policy whose periods overlap.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("claim_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("policy_code", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(80), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("claimed_by", sa.String(100), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sa.Text, nullable=True),
        sa.Column("moved_from_batch_id", sa.String(64), nullable=True),
        sa.Column("moved_from_seq", sa.Integer, nullable=True),
        sa.ForeignKeyConstraint(["batch_id", "seq"], ["items.batch_id", "items.seq"]),
    )
    op.create_index("ix_claims_subject", "claims", ["policy_code", "subject"])
    op.create_index("ix_claims_batch", "claims", ["batch_id", "seq"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE claims ADD CONSTRAINT claims_no_overlap EXCLUDE USING gist "
            "(policy_code WITH =, subject WITH =, "
            "daterange(period_start, period_end, '[]') WITH &&) WHERE (active)"
        )
