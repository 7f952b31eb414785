"""Every shell block of the documentation runs, as the Python examples do.

Each fenced block whose info string is ``sh`` in ``README.md`` and ``docs/**/*.md``
is run with ``bash -euo pipefail``. The blocks of one file run in order, in one
fresh empty folder, with the test environment's ``bin`` first on ``PATH`` (so that
``yikatong`` is the one under test): a block may use the files an earlier block
of the same file wrote, but not its shell variables. A block that must not run
in the test suite (it creates virtual environments or installs packages) is
preceded by an HTML comment saying why::

    <!-- not-run: installs -->
    ```sh
    python3 -m venv .venv && .venv/bin/pip install -e ".[cli]"
    ```

Shell examples use ``sh`` fences, so that none escapes this test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
#: ``<!-- not-run: reason -->`` on the line before a block.
NOT_RUN = re.compile(r"<!--\s*not-run:\s*(\S.*?)\s*-->")
FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)")
SHELL_LIKE = {"bash", "shell", "console", "shell-session", "zsh"}
#: Seconds one block may take.
TIMEOUT = 600


@dataclass(frozen=True)
class Block:
    """One fenced shell block: where it starts, its text, why it is not run."""

    file: Path
    line: int
    language: str
    text: str
    not_run: str | None


def blocks(path: Path) -> list[Block]:
    """Every fenced block of ``path`` with a shell-like or ``sh`` info string."""
    lines = path.read_text("utf-8").splitlines()
    out = []
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if match is None:
            index += 1
            continue
        fence, language = match.groups()
        start = index
        body = []
        index += 1
        while index < len(lines) and not lines[index].startswith(fence):
            body.append(lines[index])
            index += 1
        index += 1
        if language != "sh" and language not in SHELL_LIKE:
            continue
        before = next((line for line in reversed(lines[:start]) if line.strip()), "")
        marker = NOT_RUN.search(before)
        text = "\n".join(body) + "\n"
        out.append(Block(path, start + 1, language, text, marker.group(1) if marker else None))
    return out


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


RUNNABLE = [path for path in FILES if any(b.not_run is None for b in blocks(path))]


def test_the_runner_finds_the_blocks() -> None:
    assert _name(ROOT / "README.md") in map(_name, FILES)
    readme = blocks(ROOT / "README.md")
    assert readme
    assert all(block.not_run for block in readme)  # they create venvs and install
    assert _name(ROOT / "docs" / "cli.md") in map(_name, RUNNABLE)


def test_shell_examples_use_sh_fences() -> None:
    other = [
        f"{_name(b.file)}:{b.line} ```{b.language}"
        for path in FILES
        for b in blocks(path)
        if b.language != "sh"
    ]
    assert not other, "use ```sh so that the block is run: " + ", ".join(other)


def test_a_marker_needs_a_reason(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- not-run: installs -->\n```sh\npip install x\n```\n\n```sh\necho hi\n```\n", "utf-8"
    )
    found = blocks(page)
    assert [(b.line, b.not_run) for b in found] == [(2, "installs"), (6, None)]
    assert found[1].text == "echo hi\n"


@pytest.mark.parametrize("path", RUNNABLE, ids=_name)
def test_shell_blocks_run_in_order(path: Path, tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("COLUMNS", None)
    for block in blocks(path):
        if block.not_run is not None:
            continue
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block.text],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert done.returncode == 0, (
            f"{_name(path)}:{block.line}: the block exited with {done.returncode}\n"
            f"--- block\n{block.text}--- stdout\n{done.stdout[-3000:]}\n"
            f"--- stderr\n{done.stderr[-3000:]}"
        )
