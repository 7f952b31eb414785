"""The benchmark harness says what to install when a benchmark needs a module
that is missing, instead of failing with a bare CalledProcessError."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

MODULE = """
import sys

from bench._harness import Stage

sys.modules["xmlschema"] = None  # as if the bench extra were not installed


def needs_xmlschema(n):
    import xmlschema

    return lambda: n


def breaks(n):
    raise RuntimeError("boom in prepare")


def fine(n):
    return lambda: n


STAGES = [Stage("needs xmlschema", needs_xmlschema, fine), Stage("breaks", breaks, fine)]
"""


PROBE = """
import sys
from bench._harness import BenchFailure, measure_in_child
try:
    print(measure_in_child("fake_bench_module", int(sys.argv[1]), sys.argv[2], 10).items)
except BenchFailure as exc:
    print("BenchFailure:", exc)
"""


@pytest.fixture
def measure(tmp_path: Path) -> Any:
    (tmp_path / "fake_bench_module.py").write_text(MODULE, "utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT), env.get("PYTHONPATH", "")])

    def run(index: int, which: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, str(index), which],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return done.stdout

    return run


def test_a_missing_module_names_the_extra(measure: Any) -> None:
    out = measure(0, "ours")
    assert out.startswith("BenchFailure:")
    assert "'xmlschema'" in out
    assert "pip install -e '.[bench]'" in out
    assert "CalledProcessError" not in out


def test_another_failure_shows_the_childs_error(measure: Any) -> None:
    out = measure(1, "ours")
    assert out.startswith("BenchFailure:")
    assert "boom in prepare" in out
    assert measure(1, "floor").strip() == "10"
