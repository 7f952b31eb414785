"""Console entry point of ``yikatong``: works without the ``cli`` extra only to
say how to install it."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the ``yikatong`` command."""
    try:
        from .cli import main as cli_main  # noqa: PLC0415 - the extra is optional
    except ModuleNotFoundError as exc:
        if exc.name not in ("click", "rich"):
            raise
        sys.stderr.write("yikatong 命令行需要安装 cli 扩展：pip install 'ningxia-yikatong[cli]'\n")
        raise SystemExit(2) from None
    cli_main()
