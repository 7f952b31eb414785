"""Alembic migrations of the ledger schema, shipped in the package and run by
:meth:`ningxia_yikatong.ledger.Ledger.upgrade`."""
