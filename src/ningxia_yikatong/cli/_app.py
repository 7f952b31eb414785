"""The root command group and what every command shares."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from .. import __version__
from ..errors import Location, YikatongError

__all__ = ["about_file", "console", "err_console", "handle_errors", "main", "option_for"]

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

F = TypeVar("F", bound=Callable[..., Any])


def option_for(value: object) -> str | None:
    """The option, as it is typed, that gave ``value`` to the running command
    (``--key`` for the parameter ``key_path``; an argument's metavar, ``FILES``, for
    one of its values); ``None`` outside a command."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return None
    for param in ctx.command.params:
        current = ctx.params.get(param.name) if param.name is not None else None
        if current is None:
            continue
        if current == value or (isinstance(current, tuple) and value in current):
            if isinstance(param, click.Argument):
                return param.human_readable_name
            return max(param.opts, key=len)
    return None


def about_file(exc: YikatongError, path: Path, option: str | None = None) -> YikatongError:
    """``exc`` naming the file ``path`` (unless it names a file already) and the
    option that gave it (found from the running command when not given)."""
    flag = option or option_for(path)
    prefix = f"{flag} 指定的文件有误：" if flag and flag not in exc.message else ""
    return type(exc)(
        prefix + exc.message,
        code=exc.code,
        location=exc.location.merged(Location(file=str(path))),
        details=exc.details,
    )


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
