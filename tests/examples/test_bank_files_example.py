"""examples/bank_files.py renders, simulates and reads back for the four banks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parents[2] / "examples" / "bank_files.py"


def test_example_runs_for_the_four_banks(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for bank in (
        "宁夏黄河农村商业银行（nxrcb）",
        "中国邮政储蓄银行（psbc）",
        "中国农业银行（abc）",
    ):
        assert f"== {bank}" in out
    assert "== 中国工商银行（icbc）" in out
    assert out.count("，100 笔，") == 8
    assert out.count("  账户已销户：4 笔") == 4
    assert out.count("  户名不符：2 笔") == 4
    assert out.count("  成功：92 笔") == 4
    assert "签名：RSA-SHA256" in out
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 16
    assert sum(name.endswith(".sig") for name in names) == 8
    assert any(name.startswith("ICBC_PLZF_DEMO-ICBC") and name.endswith(".xlsx") for name in names)
