"""The claims' exclusion constraint with the subject as its first column.

The constraint means the same (no two active claims of one policy and one
subject whose date ranges share a day); only its GiST index changes: led by
the subject, which tells claims apart, instead of the policy code, which a
whole batch shares, so that inserting a million claims searches a tree split
by person (PostgreSQL only: SQLite has no exclusion constraint).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_RANGE = "daterange(period_start, period_end, '[]') WITH &&"


def _constraint(columns: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE claims DROP CONSTRAINT claims_no_overlap")
    op.execute(
        "ALTER TABLE claims ADD CONSTRAINT claims_no_overlap EXCLUDE USING gist "
        f"({columns}, {_RANGE}) WHERE (active)"
    )


def upgrade() -> None:
    _constraint("subject WITH =, policy_code WITH =")


def downgrade() -> None:
    _constraint("policy_code WITH =, subject WITH =")
