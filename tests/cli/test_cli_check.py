"""``yikatong check``: a roster against a policy and reference files, and the demo."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from ningxia_yikatong.checks import reference_date
from ningxia_yikatong.cli import main
from ningxia_yikatong.cli._check import reference_kind
from ningxia_yikatong.testing.policies import sample_catalog, sample_policies
from ningxia_yikatong.testing.synthetic import SyntheticData, write_roster_csv

GLJT = next(p for p in sample_policies() if p.code == "NX-GLJT")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), terminal_width=200)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _roster(tmp_path: Path) -> tuple[Path, list[str]]:
    batch = SyntheticData(seed=5, yikatong_share=1.0).batch(
        12, policy=GLJT, bank="psbc", period="2026-03"
    )
    path = tmp_path / "花名册.csv"
    write_roster_csv(path, batch.items)
    assert reference_date(batch, GLJT).isoformat() == "2026-03-01"
    return path, [str(i.beneficiary.id_number) for i in batch.items]


BASE = ("--policy", "NX-GLJT", "--period", "2026-03", "--payer-account", "6217000000000000")


def _empty_refs(tmp_path: Path) -> list[str]:
    """Loaded, empty death registry and earlier payments: nothing missing that blocks."""
    deaths = tmp_path / "deaths.csv"
    deaths.write_text("身份证号,死亡日期\n", encoding="utf-8")
    prior = tmp_path / "prior.csv"
    prior.write_text("政策编码,发放期间,身份证号,金额,批次号\n", encoding="utf-8")
    return ["--ref", str(deaths), "--ref", f"prior={prior}"]


def test_clean_roster_may_proceed(tmp_path: Path) -> None:
    roster, _ = _roster(tmp_path)
    code, out, _ = run(
        "check", str(roster), *BASE, "--payer-name", "财政专户", *_empty_refs(tmp_path)
    )
    assert code == 0, out
    assert "可以继续" in out
    assert (tmp_path / "花名册_比对报告.xlsx").exists()


def test_missing_reference_data_blocks_unless_accepted(tmp_path: Path) -> None:
    roster, _ = _roster(tmp_path)
    deaths = tmp_path / "deaths.csv"
    deaths.write_text("身份证号,死亡日期\n", encoding="utf-8")
    args = [str(roster), *BASE, "--payer-name", "财政专户", "--ref", str(deaths)]
    code, out, _ = run("check", *args, "--out", str(tmp_path / "r.json"))
    assert code == 1, out
    assert "缺少参考数据" in out
    assert "不得继续" in out
    code, _, err = run("check", *args, "--accept-missing", "already_paid")
    assert code == 1
    assert "--reason" in err
    out_file = tmp_path / "accepted.json"
    code, out, _ = run(
        "check", *args, "--accept-missing", "already_paid", "--reason", "首次发放，无已发放记录",
        "--by", "张三", "--out", str(out_file),
    )  # fmt: skip
    assert code == 0, out
    assert "已豁免" in out
    data = json.loads(out_file.read_text("utf-8"))
    assert data["may_proceed"] is True
    assert [(o["rule"], o["reason"], o["by"]) for o in data["overrides"]] == [
        ("already_paid", "首次发放，无已发放记录", "张三")
    ]
    code, _, err = run("check", *args, "--accept-missing", "deceased", "--reason", "x", "--by", "y")
    assert code == 1
    assert "没有缺少参考数据" in err


def test_dead_and_paid_before_are_found_and_reported(tmp_path: Path) -> None:
    roster, ids = _roster(tmp_path)
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "d.csv").write_text(
        f"身份证号,死亡日期\n{ids[2]},2026-02-01\n{ids[3]},2026-03-01\n", "utf-8"
    )
    (refs / "paid.csv").write_text(
        f"政策编码,发放期间,身份证号,金额,批次号\nNX-GLJT,2026-Q1,{ids[5]},100.00,GLJT-Q1\n",
        "utf-8",
    )
    out_file = tmp_path / "report.json"
    code, out, _ = run(
        "check",
        str(roster),
        *BASE,
        "--payer-name",
        "财政专户",
        "--ref",
        f"deaths={refs / 'd.csv'}",
        "--ref",
        str(refs / "paid.csv"),
        "--out",
        str(out_file),
    )
    assert code == 1
    assert "死亡人员" in out
    assert "同期已发放" in out
    assert "不得继续" in out
    assert ids[2] not in out
    data = json.loads(out_file.read_text("utf-8"))
    assert [(f["seq"], f["rule"]) for f in data["findings"]] == [
        (3, "deceased"),
        (6, "already_paid"),
    ]
    assert data["may_proceed"] is False


def test_bad_reference_file_names_file_and_row(tmp_path: Path) -> None:
    roster, _ = _roster(tmp_path)
    bad = tmp_path / "deaths.csv"
    bad.write_text("身份证号,死亡日期\n640122199001011234,2026-01-01\n", encoding="utf-8")
    code, _, err = run("check", str(roster), *BASE, "--payer-name", "财政专户", "--ref", str(bad))
    assert code == 1
    assert "文件 deaths.csv 第2行" in err
    assert "校验位错误" in err


def test_missing_options_and_unknown_policy(tmp_path: Path) -> None:
    roster, _ = _roster(tmp_path)
    code, _, err = run("check", str(roster), "--policy", "NX-GLJT")
    assert code == 1
    assert "--period" in err
    assert "--payer-account" in err
    code, _, err = run("check", str(roster), *BASE[2:], "--policy", "NX-NONE", "--payer-name", "x")
    assert code == 1
    assert "示例政策中没有 NX-NONE" in err
    code, _, err = run("check")
    assert code == 1
    assert "--demo" in err


def test_policy_from_a_catalog_file_and_severity_file(tmp_path: Path) -> None:
    roster, _ = _roster(tmp_path)
    catalog = tmp_path / "catalog.json"
    catalog.write_text(sample_catalog().export_json(), encoding="utf-8")
    severity = tmp_path / "severity.json"
    severity.write_text(json.dumps({"deployment": {"agent_bank": "warn"}}), encoding="utf-8")
    code, out, _ = run(
        "check",
        str(roster),
        *BASE,
        "--payer-name",
        "财政专户",
        *_empty_refs(tmp_path),
        "--catalog",
        str(catalog),
        "--severity",
        str(severity),
        "--bank",
        "abc",
        "--out",
        str(tmp_path / "r.xlsx"),
    )
    # Every account is at PSBC: the batch is ABC's, so each item is a (downgraded) warning.
    assert code == 0, out
    assert "警告 12" in out
    book = load_workbook(tmp_path / "r.xlsx", read_only=True)
    rows = list(book["问题明细"].iter_rows(values_only=True))
    book.close()
    assert len(rows) == 13
    assert rows[1][3] == "agent_bank"


def test_demo_shows_planted_problems(tmp_path: Path) -> None:
    out_file = tmp_path / "demo.csv"
    code, out, _ = run("check", "--demo", "--rows", "60", "--seed", "3", "--out", str(out_file))
    assert code == 1
    for title in ("死亡人员", "财政供养人员", "同期已发放"):
        assert title in out
    assert out_file.read_bytes().startswith(b"\xef\xbb\xbf")


def test_reference_kind() -> None:
    assert reference_kind("payroll=x.xlsx")[0] == "payroll"
    assert reference_kind("refs/已发放.csv")[0] == "prior"
    assert reference_kind("property=房产.csv")[:2] == ("registry", "property")


def test_household_registry_once(tmp_path: Path) -> None:
    roster, ids = _roster(tmp_path)
    hh = tmp_path / "户籍.csv"
    hh.write_text(f"户编号,身份证号,姓名,与户主关系\nH1,{ids[0]},马福,户主\n", encoding="utf-8")
    args = [str(roster), *BASE, "--payer-name", "财政专户", "--out", str(tmp_path / "r.json")]
    args += _empty_refs(tmp_path)
    code, out, _ = run("check", *args, "--ref", f"households={hh}")
    assert code == 0, out
    code, _, err = run("check", *args, "--force", "--ref", f"households={hh}", "--ref", str(hh))
    assert code == 1
    assert "户籍信息只能指定一个文件" in err


def test_two_death_files_with_different_dates_are_refused(tmp_path: Path) -> None:
    roster, ids = _roster(tmp_path)
    first, second = tmp_path / "deaths.csv", tmp_path / "deaths2.csv"
    first.write_text(f"身份证号,死亡日期\n{ids[0]},2026-01-05\n", encoding="utf-8")
    second.write_text(f"身份证号,死亡日期\n{ids[0]},2026-03-20\n", encoding="utf-8")
    args = [str(roster), *BASE, "--payer-name", "财政专户", "--ref", str(first)]
    code, _, err = run("check", *args, "--ref", f"deaths={second}")
    assert code == 1
    assert "死亡日期不同" in err
    assert "deaths2.csv" in err


def test_missing_options_are_named_as_typed(tmp_path: Path) -> None:
    roster, _ = _roster(tmp_path)
    code, _, err = run("check", str(roster), "--period", "2026-03")
    assert code == 1
    assert "--policy、--payer-account、--payer-name" in err
    assert "--policy-code" not in err


def test_reference_and_catalog_errors_name_the_option(tmp_path: Path) -> None:
    roster, _ = _roster(tmp_path)
    bad = tmp_path / "r.csv"
    bad.write_text("a,b\n1,2\n", "utf-8")
    args = [str(roster), *BASE, "--payer-name", "财政专户", "--out", str(tmp_path / "r.json")]
    for option, value in (("--ref", f"deaths={bad}"), ("--catalog", str(bad)),
                          ("--severity", str(bad))):  # fmt: skip
        code, _, err = run("check", *args, option, value, "--force")
        assert code == 1
        assert f"{option} {value if option == '--ref' else ''}".strip() + " 指定的文件有误" in err
        assert "r.csv" in err
