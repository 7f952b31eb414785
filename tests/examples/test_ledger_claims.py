"""examples/ledger_claims.py runs: the overlapping batch is refused, the checks see the history."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ledger_claims.py"


def test_ledger_claims_example() -> None:
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
    assert lines[0] == "approved B-2026-03: 5 claims"
    assert lines[1] == "refused B-2026-Q1: ledger.claim_overlap, 5 people"
    assert lines[2] == "cross-check already_paid: 5 findings"
    history = lines[3:5]
    assert any(
        line.startswith("B-2026-03 2026-03 ") and line.endswith(": claimed") for line in history
    )
    assert any(line.startswith("B-2026-Q1 ") and line.endswith(": not claimed") for line in history)
    assert all("********" in line for line in history)  # masked by default
    assert lines[-1] == "audit trail: intact"
