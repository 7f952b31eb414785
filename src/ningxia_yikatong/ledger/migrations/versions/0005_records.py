"""Catalog revisions, check reports and overrides, reconciliations, reissues,
recipient notices.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _recorded() -> list[sa.Column[object]]:
    return [
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "catalog_revisions",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("published_on", sa.Date, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        *_recorded(),
    )
    op.create_table(
        "check_reports",
        sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("batch_digest", sa.String(64), nullable=False),
        sa.Column("may_proceed", sa.Boolean, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        *_recorded(),
    )
    op.create_table(
        "finding_overrides",
        sa.Column("batch_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("rule", sa.String(64), primary_key=True),
        sa.Column("report_digest", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id", "report_digest"], ["check_reports.batch_id", "check_reports.digest"]
        ),
    )
    op.create_table(
        "reconciliations",
        sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("return_digests", sa.Text, nullable=False),
        sa.Column("paid_count", sa.Integer, nullable=False),
        sa.Column("paid_fen", sa.BigInteger, nullable=False),
        sa.Column("failed_count", sa.Integer, nullable=False),
        sa.Column("failed_fen", sa.BigInteger, nullable=False),
        sa.Column("pending_count", sa.Integer, nullable=False),
        sa.Column("missing_count", sa.Integer, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("batch_id", "digest", name="uq_reconciliations_digest"),
    )
    op.create_table(
        "reissues",
        sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
        sa.Column(
            "parent_batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), nullable=False
        ),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("reconciliation_number", sa.Integer, nullable=True),
        sa.Column("reconciliation_digest", sa.String(64), nullable=True),
        *_recorded(),
    )
    op.create_table(
        "notice_sets",
        sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("reconciliation_digest", sa.String(64), nullable=False),
        sa.Column("notice_count", sa.Integer, nullable=False),
        *_recorded(),
    )
    op.create_table(
        "notices",
        sa.Column("batch_id", sa.String(64), primary_key=True),
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("phone_cipher", sa.LargeBinary, nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id", "digest"], ["notice_sets.batch_id", "notice_sets.digest"]
        ),
    )
