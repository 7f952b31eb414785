"""Schema revisions: run the shipped alembic migrations, compare a database's
revision with the newest one."""

from __future__ import annotations

from importlib import resources

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from ..errors import LedgerError

__all__ = ["check_revision", "current_revision", "head_revision", "upgrade"]


def _config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    location = resources.files("ningxia_yikatong.ledger") / "migrations"
    config.set_main_option("script_location", str(location))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest schema revision this library ships."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # pragma: no cover - the package ships its migrations
        raise LedgerError("台账迁移脚本缺失", code="ledger.migrations_missing")
    return head


def current_revision(connection: sa.Connection) -> str | None:
    """The revision the database is at (None: not a ledger yet)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: sa.Engine, revision: str = "head") -> str:
    """Run the migrations up to ``revision`` (the newest by default) and return
    the revision the database is at afterwards."""
    with engine.begin() as conn:
        known = current_revision(conn)
        if known is not None:
            _known_or_fail(known)
        command.upgrade(_config(conn), revision)
    with engine.connect() as conn:
        now = current_revision(conn)
    if now is None:  # pragma: no cover - alembic stamps every upgrade
        raise LedgerError("台账升级后没有结构版本", code="ledger.schema_missing")
    return now


def _known_or_fail(revision: str) -> None:
    script = ScriptDirectory.from_config(_config())
    try:
        found = script.get_revision(revision)
    except CommandError:
        found = None
    if found is None:
        raise LedgerError(
            f"台账数据库的结构版本 {revision} 不是本程序所知的版本（本程序最新为 "
            f"{head_revision()}），可能由更新的程序写入；请使用相应版本的程序",
            code="ledger.schema_unknown",
        )


def check_revision(connection: sa.Connection) -> str:
    """The database's revision when it is the newest; a :class:`LedgerError`
    otherwise (``ledger.schema_missing``, ``ledger.schema_old``,
    ``ledger.schema_unknown``)."""
    revision = current_revision(connection)
    head = head_revision()
    if revision == head:
        return revision
    if revision is None:
        raise LedgerError(
            "该数据库不是发放台账（没有台账结构版本）；新建台账请运行 yikatong ledger init",
            code="ledger.schema_missing",
        )
    _known_or_fail(revision)
    raise LedgerError(
        f"台账数据库的结构版本 {revision} 较旧（最新为 {head}），请先升级：yikatong ledger upgrade",
        code="ledger.schema_old",
    )
