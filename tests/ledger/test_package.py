"""The ledger stays out of the core: importing the library loads no database code,
and the wheel ships the migrations."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources


def test_core_import_does_not_load_sqlalchemy() -> None:
    code = (
        "import sys, ningxia_yikatong, ningxia_yikatong.checks, ningxia_yikatong.reconcile;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_migrations_are_package_data() -> None:
    root = resources.files("ningxia_yikatong.ledger") / "migrations"
    assert (root / "env.py").is_file()
    assert (root / "script.py.mako").is_file()
    names = sorted(p.name for p in (root / "versions").iterdir() if p.name.endswith(".py"))
    assert names[:2] == ["0001_batches.py", "0002_claims.py"]
