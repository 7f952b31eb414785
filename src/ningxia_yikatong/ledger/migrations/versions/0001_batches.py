"""Batches and items.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_meta",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    op.create_table(
        "batches",
        sa.Column("batch_id", sa.String(64), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("digest_algorithm", sa.String(8), nullable=False),
        sa.Column("policy_code", sa.String(40), nullable=False),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("region", sa.String(12), nullable=False),
        sa.Column("agent_bank", sa.String(20), nullable=False),
        sa.Column("payer_account", sa.String(40), nullable=False),
        sa.Column("payer_name", sa.String(100), nullable=False),
        sa.Column("pay_date", sa.Date, nullable=True),
        sa.Column(
            "parent_batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), nullable=True
        ),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("source_batch_id", sa.String(64), nullable=True),
        sa.Column("source_seqs", sa.Text, nullable=True),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("pay_mode", sa.String(20), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("target", sa.String(10), nullable=False),
        sa.Column("item_count", sa.Integer, nullable=False),
        sa.Column("total_fen", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("status_reason", sa.Text, nullable=True),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_batches_policy_period", "batches", ["policy_code", "period_start"])
    op.create_table(
        "items",
        sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("id_digest", sa.String(64), nullable=False),
        sa.Column("id_cipher", sa.LargeBinary, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("region", sa.String(12), nullable=False),
        sa.Column("household_id", sa.String(40), nullable=True),
        sa.Column("phone_cipher", sa.LargeBinary, nullable=True),
        sa.Column("account_digest", sa.String(64), nullable=False),
        sa.Column("account_cipher", sa.LargeBinary, nullable=False),
        sa.Column("account_bank", sa.String(20), nullable=False),
        sa.Column("holder_name", sa.String(100), nullable=False),
        sa.Column("is_yikatong", sa.Boolean, nullable=True),
        sa.Column("branch", sa.String(12), nullable=True),
        sa.Column("disability_grade", sa.String(4), nullable=True),
        sa.Column("care_level", sa.String(4), nullable=True),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("quantity_e4", sa.BigInteger, nullable=True),
        sa.Column("memo", sa.String(60), nullable=True),
    )
    op.create_index("ix_items_id_digest", "items", ["id_digest"])
