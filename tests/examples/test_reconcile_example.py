"""examples/reconcile_and_reissue.py runs and says what it should."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from python_calamine import CalamineWorkbook

from ningxia_yikatong import PayoutBatch

EXAMPLE = Path(__file__).parents[2] / "examples" / "reconcile_and_reissue.py"


def test_example_runs_end_to_end(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "== 第一轮对账：批次 GLJT2026Q1（第1轮）" in out
    assert "批次合计：200 笔，32500.00 元" in out
    assert "其中：账户已销户：3 笔" in out
    assert "补发批次 GLJT2026Q1-R2：9 笔，更正账户 7 笔，上级批次 GLJT2026Q1" in out
    assert "== 第二轮对账：批次 GLJT2026Q1-R2（第2轮）" in out
    assert "== 合并对账：已发放 200 笔 32500.00 元，仍失败 0 笔，重复发放 0 笔" in out
    assert "示例：您2026年第1季度的高龄津贴" in out

    reissued = PayoutBatch.model_validate_json((tmp_path / "GLJT2026Q1-R2.json").read_bytes())
    assert (reissued.parent_batch_id, reissued.round, reissued.count) == ("GLJT2026Q1", 2, 9)
    doc = json.loads((tmp_path / "GLJT2026Q1-对账.json").read_text(encoding="utf-8"))
    assert doc["totals"]["failed"]["count"] == 9
    book = CalamineWorkbook.from_path(str(tmp_path / "GLJT2026Q1-对账.xlsx"))
    assert len(book.get_sheet_by_name("发放失败及原因").to_python()) == 10
    assert (tmp_path / "GLJT2026Q1-R2-对账.csv").read_bytes().startswith(b"\xef\xbb\xbf")
