"""The root command group and what every command shares."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from .. import __version__
from ..errors import YikatongError

__all__ = ["console", "err_console", "handle_errors", "main"]

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Show a library error as its message and code, exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except YikatongError as exc:
            err_console.print(f"[red]错误[/red]：{escape(str(exc))}", soft_wrap=True)
            raise SystemExit(1) from None

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="yikatong")
def main() -> None:
    """惠民惠农财政补贴资金“一卡通”：政策清单、花名册、比对、代发、对账与补发。

    写文件的命令不会覆盖已有文件（确需覆盖时加 --force），也不删除不是它写入的文件。
    """
