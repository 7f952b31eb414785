"""The console script without the ``cli`` extra says how to install it."""

from __future__ import annotations

import sys

import pytest

from ningxia_yikatong import _cli_entry


def test_without_click_it_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(sys.modules):
        if name == "ningxia_yikatong.cli" or name.startswith("ningxia_yikatong.cli."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "click", None)  # import click -> ModuleNotFoundError
    with pytest.raises(SystemExit) as info:
        _cli_entry.main()
    assert info.value.code == 2
    assert "pip install 'ningxia-yikatong[cli]'" in capsys.readouterr().err


def test_with_the_extra_it_runs_the_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["yikatong", "--version"])
    with pytest.raises(SystemExit) as info:
        _cli_entry.main()
    assert info.value.code == 0
    assert "yikatong" in capsys.readouterr().out
