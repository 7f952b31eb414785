"""Bulk writes inside the ledger's open transaction: ``COPY`` on PostgreSQL
(psycopg 3's ``cursor.copy``), one ``executemany`` of prepared tuples on
SQLite, both through the DBAPI connection the SQLAlchemy transaction holds, so
that the rows commit or roll back with everything else the transaction did.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

__all__ = ["insert_rows"]


def insert_rows(
    conn: sa.Connection, table: sa.Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table``.

    The values go to the driver as they are: the caller gives what the
    column's SQLAlchemy type would have bound (``bytes``, ``bool``, ``int``,
    ``str``, ``None``).
    """
    cols = [table.c[name] for name in columns]  # an unknown column fails here
    cursor: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if conn.dialect.name == "postgresql":
            from psycopg import sql  # noqa: PLC0415 - the driver, there on PostgreSQL only

            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
            )
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            insert = table.insert().values({c.name: sa.bindparam(c.name) for c in cols})
            compiled = insert.compile(dialect=conn.dialect)
            order = compiled.positiontup or []
            if list(order) != list(columns):  # pragma: no cover - SQLite binds by position
                raise AssertionError(order)
            cursor.executemany(str(compiled), rows)
    finally:
        cursor.close()
