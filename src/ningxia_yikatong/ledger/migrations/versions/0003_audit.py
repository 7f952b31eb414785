"""The audit trail: append-only events chained by SM3, guarded by triggers.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ningxia_yikatong.ledger._audit import define_audit_table, install_guard

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    table = define_audit_table(sa.MetaData())
    table.create(conn)
    install_guard(conn, table)
