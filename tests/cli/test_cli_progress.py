"""The shared progress display: shown on a terminal, silent elsewhere."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from ningxia_yikatong.cli import _app, main
from ningxia_yikatong.cli._progress import progress, tracked
from ningxia_yikatong.signing import generate_sm2_key, private_key_to_pem
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
    for noise in ("读取花名册", "\x1b["):
        assert noise not in result.stdout
        assert noise not in result.stderr


def test_check_batch_and_render_show_progress_on_a_terminal(
    tmp_path: Path, terminal: io.StringIO
) -> None:
    roster = _roster(tmp_path)
    args = ["--policy", "NX-GLJT", "--period", "2026-03", "--payer-account", "6217000000000000"]
    args += ["--payer-name", "财政专户"]
    result = CliRunner().invoke(main, ["check", str(roster), "--allow-rejected", *args])
    assert "比对 " in terminal.getvalue()
    assert "读取花名册" in terminal.getvalue()
    assert "比对 " not in result.stdout  # the display went to the terminal, not stdout
    result = CliRunner().invoke(
        main, ["batch", "from-roster", str(roster), "--batch-id", "B1", "--per-bank", *args]
    )
    assert result.exit_code == 0, result.output
    assert "写入批次 B1-PSBC" in terminal.getvalue()
    key = tmp_path / "dept.key.pem"
    key.write_bytes(private_key_to_pem(generate_sm2_key()))
    result = CliRunner().invoke(
        main,
        ["render", "--bank", "psbc", "--batch", str(tmp_path / "B1-PSBC.json"), "--key", str(key),
         "--out-dir", str(tmp_path / "pay")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "生成中国邮政储蓄银行付款文件" in terminal.getvalue()
    assert "读取批次文件 B1-PSBC.json" in terminal.getvalue()


def test_demo_shows_progress_only_on_a_terminal(tmp_path: Path, terminal: io.StringIO) -> None:
    args = ["demo", "--out", str(tmp_path / "d"), "--size", "40", "--bank", "psbc"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "各代发银行" in terminal.getvalue()
    assert "各代发银行" not in result.stdout.replace("各代发银行（", "")
