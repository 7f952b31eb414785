"""Progress display shared by every command that can run for more than a second.

On a terminal the work shows as a bar (when its size is known) or a spinner
(when it is not), on standard error, and disappears when the work is done. When
standard error is not a terminal (a pipe, a log file, a test runner) nothing is
shown at all, so that output meant for files and scripts stays clean.

Usage::

    with progress("读取花名册", total=size) as step:
        for chunk in work:
            ...
            step.advance(len(chunk))
    with progress("比对") as step:  # no total: a spinner
        report = run_checks(...)

One ``progress`` block may hold several steps, one after the other or nested::

    with progress("生成付款文件", total=len(banks)) as step:
        for bank in banks:
            step.update(description=bank)
            ...
            step.advance()
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from . import _app

__all__ = ["Step", "progress", "tracked"]

T = TypeVar("T")


class Step:
    """One task in a progress display: advance it, or set its position, size or text."""

    def __init__(self, display: Progress, task: TaskID) -> None:
        self._display = display
        self._task = task

    def advance(self, amount: float = 1) -> None:
        """Move forward by ``amount`` units."""
        self._display.advance(self._task, amount)

    def update(
        self,
        *,
        completed: float | None = None,
        total: float | None = None,
        description: str | None = None,
        unknown_total: bool = False,
    ) -> None:
        """Set the position, the size (``unknown_total`` turns the bar into a spinner)
        or the text."""
        if unknown_total:  # rich's update cannot unset a total; its task object can
            for task in self._display.tasks:
                if task.id == self._task:
                    task.total = None
        self._display.update(self._task, completed=completed, total=total, description=description)

    def step(self, description: str, total: float | None = None) -> Step:
        """Another task in the same display (shown below this one)."""
        return Step(self._display, self._display.add_task(description, total=total))

    @property
    def shown(self) -> bool:
        """Whether anything is displayed (standard error is a terminal)."""
        return not self._display.disable


def _display(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


@contextmanager
def progress(
    description: str, total: float | None = None, *, console: Console | None = None
) -> Iterator[Step]:
    """A progress display with one task; shown only when ``console`` (standard
    error by default) is a terminal."""
    display = _display(console if console is not None else _app.err_console)
    with display:
        yield Step(display, display.add_task(description, total=total))


def tracked(
    items: Iterable[T],
    description: str,
    total: float | None = None,
    *,
    every: int = 1,
    console: Console | None = None,
) -> Iterator[T]:
    """``items`` as they are consumed, with a progress display advanced every
    ``every`` items."""
    with progress(description, total, console=console) as step:
        count = 0
        for count, item in enumerate(items, 1):
            if count % every == 0:
                step.advance(every)
            yield item
        step.update(completed=count)
