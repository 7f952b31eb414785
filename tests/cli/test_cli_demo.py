"""``yikatong demo`` runs the whole flow end to end and writes every artifact."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ningxia_yikatong.banks import available_adapters
from ningxia_yikatong.cli import main


def test_demo_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--size", "300", "--seed", "7"])
    assert result.exit_code == 0, result.output
    text = result.output
    for heading in ("补贴政策清单", "花名册导入", "事前比对", "代发、回盘、对账与补发", "小结"):
        assert heading in text
    assert "重复发放 0 笔" in text
    assert "id.checksum" in text  # the planted bad roster rows are shown with their codes
    assert (out / "01-政策清单" / "补贴政策清单.xlsx").stat().st_size > 0
    assert (out / "02-花名册" / "花名册.csv").stat().st_size > 0
    assert list((out / "03-比对").glob("*.xlsx"))
    for bank in available_adapters():
        first = out / "04-代发" / bank / "第1轮"
        assert list((first / "代发文件").iterdir()), bank
        assert list((first / "回盘文件").iterdir()), bank
        report = json.loads(next(first.glob("*-对账.json")).read_text("utf-8"))
        assert report["batch_id"].endswith(bank.upper())


def test_demo_is_repeatable_for_a_seed(tmp_path: Path) -> None:
    runs = []
    for name in ("a", "b"):
        out = tmp_path / name
        result = CliRunner().invoke(
            main, ["demo", "--out", str(out), "--size", "100", "--seed", "3", "--bank", "psbc"]
        )
        assert result.exit_code == 0, result.output
        runs.append((out / "02-花名册" / "花名册.csv").read_bytes())
    assert runs[0] == runs[1]


def test_demo_refuses_an_unknown_bank(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path), "--bank", "nosuch"])
    assert result.exit_code == 1
    assert "nosuch" in result.output
