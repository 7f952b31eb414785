"""``yikatong roster``: check and generate."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ningxia_yikatong import read_roster
from ningxia_yikatong.cli import main
from ningxia_yikatong.testing import SyntheticData

HEADER = "姓名,身份证号,社保卡号,开户银行,金额,区划代码"
GOOD = "马小明,11010519491231002X,6228480123456789015,农业银行,1200.50,640122101001"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_check_a_good_roster(tmp_path: Path) -> None:
    path = tmp_path / "花名册.csv"
    SyntheticData(seed=1).write_roster_csv(path, SyntheticData(seed=1).items(30))
    code, out, _ = invoke("roster", "check", str(path))
    assert code == 0
    assert "读取行数" in out
    assert "花名册检查通过" in out
    total = read_roster(path).total
    assert f"{total:,.2f}" in out


def test_check_lists_bad_rows_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    bad = GOOD.replace("马小明", "李4").replace("1200.50", "12.345")
    path.write_text(f"{HEADER}\n{GOOD}\n{bad}\n", encoding="gb18030")
    code, out, _ = invoke("roster", "check", str(path))
    assert code == 1
    for text in ("行号", "错误代码", "name.digit", "amount.precision", "问题行数", "gb18030"):
        assert text in out
    assert "11010519491231002X" not in out


def test_check_limits_the_listing_but_not_the_totals(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    bad = GOOD.replace("1200.50", "0")
    path.write_text(HEADER + "\n" + "\n".join([bad] * 5) + "\n", encoding="utf-8")
    code, out, _ = invoke("roster", "check", "--max-errors", "2", str(path))
    assert code == 1
    assert "另有 3 处问题未列出" in out


def test_check_file_level_error_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_text("not a zip", encoding="utf-8")
    code, _, err = invoke("roster", "check", str(path))
    assert code == 1
    assert "roster.xlsx_not_zip" in err
    assert "Traceback" not in err


def test_check_options_reach_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "姓名,身份证号,社保卡号,金额,区划代码,籍贯\n"
        "马小明,11010519491231002X,6228480123456789015,80,640122,宁夏\n",
        encoding="utf-8",
    )
    code, _, err = invoke("roster", "check", str(path))
    assert code == 1
    assert "roster.header" in err
    code, out, _ = invoke(
        "roster", "check", "--default-bank", "psbc", "--ignore-unknown-columns", str(path)
    )
    assert code == 0, out
    assert "籍贯" in out


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_generate_then_check(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"synthetic.{suffix}"
    code, out, _ = invoke(
        "roster", "generate", "--rows", "40", "--out", str(path), "--seed", "9",
        "--rare-share", "0.2", "--policy", "nx-gljt",
    )  # fmt: skip
    assert code == 0
    assert "40" in out
    result = read_roster(path)
    assert result.valid_count == 40
    assert {i.amount for i in result.items} <= {100, 200, 500}
    code, _, _ = invoke("roster", "check", str(path))
    assert code == 0


def test_generated_age_tiered_roster_passes_its_own_checks(tmp_path: Path) -> None:
    """Amounts by age hold on the period's first day, which the checks reckon ages at."""
    from ningxia_yikatong.checks import run_checks
    from ningxia_yikatong.testing.policies import sample_policies

    policy = next(p for p in sample_policies() if p.code == "NX-GLJT")
    for period, args in [("2026-03", ["--period", "2026-03"]), ("2026-09", [])]:
        path = tmp_path / f"gljt-{period}.csv"
        code, _, _ = invoke(
            "roster", "generate", "-n", "600", "-o", str(path), "--seed", "4",
            "--policy", "NX-GLJT", "--bank", "psbc", *args,
        )  # fmt: skip
        assert code == 0
        batch = read_roster(path).to_batch(
            batch_id="GLJT-2026",
            policy_code="NX-GLJT",
            period=period,
            region="640000",
            payer_account="64001234567890123",
            payer_name="宁夏回族自治区财政厅",
        )
        report = run_checks(batch, policy)
        assert not [f for f in report.findings if f.rule in ("amount", "age_range")], period


def test_generate_is_deterministic_and_honours_encoding(tmp_path: Path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    for path in (first, second):
        args = ["roster", "generate", "-n", "25", "-o", str(path), "--format", "csv"]
        code, _, _ = invoke(*args, "--encoding", "gb18030", "--bank", "bonx")
        assert code == 0
    assert first.read_bytes() == second.read_bytes()
    result = read_roster(first)
    assert result.encoding == "gb18030"
    assert {i.beneficiary.account.bank for i in result.items} == {"bonx"}


def test_generate_unknown_policy(tmp_path: Path) -> None:
    code, _, err = invoke("roster", "generate", "-n", "1", "-o", str(tmp_path / "x.csv"),
                          "--policy", "NX-NONE")  # fmt: skip
    assert code == 1
    assert "cli.policy" in err
