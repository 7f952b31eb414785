"""Runs examples/sign_file.py and checks what it prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sign_file.py"


def _run(*args: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stderr == ""
    return out.stdout.splitlines()


def test_example_signs_verifies_and_seals() -> None:
    lines = _run()
    assert lines[0] == "signed payment.txt: SM2-SM3, 57 bytes"
    assert lines[1].startswith("SM3 of file: ")
    assert len(lines[1].removeprefix("SM3 of file: ")) == 64
    assert lines[2:] == [
        "bank verifies: ok",
        "same fingerprint: True",
        "tampered file rejected: signature.mismatch",
        "sealed and opened intact: True",
    ]


def test_example_with_a_given_file(tmp_path: Path) -> None:
    path = tmp_path / "return.txt"
    path.write_bytes(b"R|1|1200.00|0000\n")
    lines = _run(str(path))
    assert lines[0] == "signed return.txt: SM2-SM3, 17 bytes"
    assert "tampered file rejected: signature.mismatch" in lines
