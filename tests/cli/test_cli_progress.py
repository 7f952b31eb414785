"""The shared progress display: shown on a terminal, silent elsewhere."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from ningxia_yikatong.cli import _app, main
from ningxia_yikatong.cli._progress import progress, tracked
from ningxia_yikatong.testing import SyntheticData


def _terminal() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=True, width=100), buffer


def test_progress_is_shown_on_a_terminal() -> None:
    console, buffer = _terminal()
    with progress("读取花名册", total=10, console=console) as step:
        assert step.shown
        step.advance(5)
        console.file.flush()
        step.update(description="比对")
    assert "读取花名册" in buffer.getvalue() or "比对" in buffer.getvalue()


def test_progress_is_silent_when_not_a_terminal() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=100)
    with progress("读取花名册", total=10, console=console) as step:
        assert not step.shown
        step.advance(10)
        step.update(unknown_total=True)
        step.step("另一步").advance()
    assert buffer.getvalue() == ""


def test_tracked_passes_every_item_through() -> None:
    console, buffer = _terminal()
    assert list(tracked(range(25), "生成", 25, every=10, console=console)) == list(range(25))
    assert "生成" in buffer.getvalue()


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """Standard error of the commands is a terminal."""
    console, buffer = _terminal()
    monkeypatch.setattr(_app, "err_console", console)
    return buffer


def _roster(tmp_path: Path) -> Path:
    path = tmp_path / "花名册.csv"
    data = SyntheticData(seed=1)
    data.write_roster_csv(path, data.items(50))
    return path


def test_roster_check_shows_progress_on_a_terminal(tmp_path: Path, terminal: io.StringIO) -> None:
    result = CliRunner().invoke(main, ["roster", "check", str(_roster(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "读取花名册" in terminal.getvalue()


def test_commands_print_no_progress_when_not_a_terminal(tmp_path: Path) -> None:
    roster = _roster(tmp_path)
    result = CliRunner().invoke(main, ["roster", "check", str(roster)])
    assert result.exit_code == 0
    for noise in ("读取花名册", "━", "\x1b["):
        assert noise not in result.stdout
        assert noise not in result.stderr
