"""examples/roster_import.py runs and prints rows, totals and the bad row's errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "roster_import.py"


def test_roster_import_example() -> None:
    out = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
        timeout=120,
    )
    assert out.stderr == ""
    lines = out.stdout.splitlines()
    assert lines[0] == "encoding: gb18030"
    assert lines[1] == "rows read: 9, valid: 8, rejected: 1"
    assert lines[2].startswith("total of valid rows: ")
    errors = [line for line in lines if line.startswith("row 10, column ")]
    assert [e.split()[4] for e in errors] == [
        "name.digit",
        "id.checksum",
        "roster.empty",
        "roster.account_luhn",
        "amount.precision",
    ]
    total = lines[2].removeprefix("total of valid rows: ").removesuffix(" yuan")
    assert f"8 items, {total} yuan, bank psbc" in out.stdout
    assert lines[-1] == "items not at the policy's standard: 0"
    # Only masked numbers are printed.
    assert all("********" in line for line in lines[3:6])
