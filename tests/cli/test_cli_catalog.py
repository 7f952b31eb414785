"""``yikatong catalog``: export, diff, overlaps."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from ningxia_yikatong import PolicyCatalog
from ningxia_yikatong.catalog import PUBLIC_COLUMNS
from ningxia_yikatong.cli import main
from ningxia_yikatong.testing.policies import DISABILITY_LIVING, sample_catalog


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def write_catalog(path: Path, catalog: PolicyCatalog) -> Path:
    path.write_text(catalog.export_json(), encoding="utf-8")
    return path


def test_export_json_round_trips(tmp_path: Path) -> None:
    out = tmp_path / "清单.json"
    code, stdout, _ = run("catalog", "export", "--format", "json", "--out", str(out))
    assert code == 0
    assert "2个版本" in stdout
    assert PolicyCatalog.model_validate_json(out.read_bytes()) == sample_catalog()


def test_export_csv_of_the_latest_or_a_date(tmp_path: Path) -> None:
    out = tmp_path / "list.csv"
    code, stdout, _ = run("catalog", "export", "--format", "csv", "--out", str(out))
    assert code == 0
    assert "第2版（9项政策）" in stdout
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == PUBLIC_COLUMNS
    assert len(rows) == 10
    again = ("catalog", "export", "--format", "csv", "--out", str(out), "--on", "2023-06-30")
    code, _, stderr = run(*again)
    assert code == 1
    assert "cli.exists" in stderr
    assert "--force" in stderr
    code, stdout, _ = run(*again, "--force")
    assert code == 0
    assert "第1版" in stdout
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert {r[-1] for r in rows[1:]} == {"1"}
    assert "畜牧良种补贴" in {r[1] for r in rows[1:]}


def test_export_xlsx_from_a_given_catalog(tmp_path: Path) -> None:
    source = sample_catalog().revise(
        dt.date(2025, 1, 1), remove=["NX-SJZLNM", DISABILITY_LIVING], note="2025"
    )
    given = write_catalog(tmp_path / "mine.json", source)
    out = tmp_path / "list.xlsx"
    code, stdout, _ = run(
        "catalog", "export", "--format", "xlsx", "--out", str(out), "--catalog", str(given)
    )
    assert code == 0
    assert "第3版（7项政策）" in stdout
    book = CalamineWorkbook.from_filelike(io.BytesIO(out.read_bytes()))
    cells = book.get_sheet_by_name("补贴政策清单").to_python()
    assert tuple(cells[0]) == PUBLIC_COLUMNS
    assert [r[0] for r in cells[1:]] == [str(c) for c in source.latest.codes]


def test_export_accepts_a_single_revision_file(tmp_path: Path) -> None:
    rev = tmp_path / "rev.json"
    rev.write_text(sample_catalog().revisions[0].model_dump_json(), encoding="utf-8")
    out = tmp_path / "out.csv"
    code, stdout, _ = run(
        "catalog", "export", "--format", "csv", "--out", str(out), "--catalog", str(rev)
    )
    assert code == 0
    assert "第1版" in stdout


def test_diff(tmp_path: Path) -> None:
    catalog = sample_catalog()
    old = tmp_path / "old.json"
    old.write_text(catalog.revisions[0].model_dump_json(), encoding="utf-8")
    new = write_catalog(tmp_path / "new.json", catalog)
    code, stdout, _ = run("catalog", "diff", str(old), str(new))
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0] == "第1版 → 第2版"
    assert "新增：NX-SJZLNM 实际种粮农民一次性补贴" in lines
    assert "删除：NX-XMLZ 畜牧良种补贴" in lines
    assert "  补贴标准（单价）：98元 → 105.50元" in lines
    code, stdout, _ = run("catalog", "diff", str(new), str(new))
    assert (code, stdout.splitlines()[-1]) == (0, "无变化")


def test_overlaps() -> None:
    code, stdout, _ = run("catalog", "overlaps")
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0].endswith("第2版：发现2组可整合的重叠政策")
    assert lines[1].startswith("1. NX-GDDLBH / NX-SJZLNM：")
    code, stdout, _ = run("catalog", "overlaps", "--on", "2023-01-01")
    assert code == 0
    assert "第1版" in stdout


def test_overlaps_none_found(tmp_path: Path) -> None:
    catalog = PolicyCatalog().revise(
        dt.date(2024, 1, 1), add=[sample_catalog().latest.policy("NX-GLJT")]
    )
    given = write_catalog(tmp_path / "one.json", catalog)
    code, stdout, _ = run("catalog", "overlaps", "--catalog", str(given))
    assert code == 0
    assert "未发现可整合的重叠政策" in stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00junk", "不是有效的JSON文件"),
        (b"[" * 10000, "不是有效的JSON文件"),
        (b'{"revisions": [{"version": 0}]}', "3处数据校验未通过"),
        (
            b'{"version": 1, "effective_from": "2024-01-01", "published_on": "2024-01-01",'
            b' "policies": [{"code": "x"}]}',
            "CatalogRevision",
        ),
    ],
)
def test_bad_catalog_files_are_library_errors(tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    code, stdout, stderr = run("catalog", "overlaps", "--catalog", str(bad))
    assert code == 1
    assert stdout == ""
    assert "错误" in stderr
    assert "bad.json" in stderr
    assert message in stderr
    assert "Traceback" not in stderr


def test_missing_and_unwritable_files(tmp_path: Path) -> None:
    code, _, stderr = run("catalog", "diff", str(tmp_path / "nope.json"), str(tmp_path / "x"))
    assert code == 1
    assert "文件不存在" in stderr
    code, _, stderr = run("catalog", "export", "--format", "csv", "--out", str(tmp_path))
    assert code != 0
    code, _, stderr = run(
        "catalog", "export", "--format", "csv", "--out", str(tmp_path / "no" / "dir.csv")
    )
    assert code == 1
    assert "无法写入文件：目录不存在" in stderr


def test_date_before_the_first_revision() -> None:
    code, _, stderr = run("catalog", "overlaps", "--on", "2020-01-01")
    assert code == 1
    assert "2020-01-01没有生效的补贴政策清单" in stderr


def test_bad_options() -> None:
    code, _, _ = run("catalog", "export", "--format", "pdf", "--out", "x")
    assert code == 2
    code, _, _ = run("catalog", "overlaps", "--on", "2024/01/01")
    assert code == 2
