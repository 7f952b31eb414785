"""Payment files sent and bank returns received.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_files",
        sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("signing_key_fingerprint", sa.String(128), nullable=False),
        sa.Column("bank_key_fingerprint", sa.String(128), nullable=True),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "bank_returns",
        sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("payment_digest", sa.String(64), nullable=False),
        sa.Column("verifying_key_fingerprint", sa.String(128), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id", "payment_digest"], ["payment_files.batch_id", "payment_files.digest"]
        ),
    )
