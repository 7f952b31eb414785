"""Alembic environment of the ledger: runs on the connection the ledger gives."""

from __future__ import annotations

from alembic import context

from ningxia_yikatong.ledger._schema import metadata


def run() -> None:
    """Run the migrations on the connection in ``config.attributes``."""
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if hasattr(context, "config"):  # alembic runs this file; importing it does nothing
    run()
