"""One rule for every command that writes files: nothing existing is replaced
without ``--force``, nothing is written half, nothing else is deleted."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ningxia_yikatong.cli import main
from ningxia_yikatong.cli._output import write_file, write_files, write_with
from ningxia_yikatong.errors import FileFormatError
from ningxia_yikatong.signing import generate_sm2_key, private_key_to_pem
from ningxia_yikatong.testing import SyntheticData
from ningxia_yikatong.testing.synthetic import write_roster_csv


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), terminal_width=200)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _no_temporaries(folder: Path) -> None:
    assert not list(folder.rglob(".*.part*"))


def test_roster_generate_keeps_an_existing_file(tmp_path: Path) -> None:
    out = tmp_path / "花名册.csv"
    out.write_text("原有内容", "utf-8")
    code, _, err = run("roster", "generate", "-n", "5", "-o", str(out))
    assert code == 1
    assert "cli.exists" in err
    assert str(out) in err
    assert "--force" in err
    assert out.read_text("utf-8") == "原有内容"
    code, _, _ = run("roster", "generate", "-n", "5", "-o", str(out), "--force")
    assert code == 0
    assert out.read_text("utf-8").startswith("姓名")
    _no_temporaries(tmp_path)


def test_check_refuses_an_existing_report_before_it_works(tmp_path: Path) -> None:
    batch = SyntheticData(seed=5, yikatong_share=1.0).batch(12, bank="psbc")
    roster = tmp_path / "花名册.csv"
    write_roster_csv(roster, batch.items)
    report = tmp_path / "花名册_比对报告.xlsx"
    report.write_bytes(b"someone's workbook")
    args = ["check", str(roster), "--policy", "NX-GLJT", "--period", "2026-03"]
    args += ["--payer-account", "6217000000000000", "--payer-name", "财政专户"]
    code, out, err = run(*args)
    assert code == 1
    assert "cli.exists" in err
    assert "比对汇总" not in out  # stopped before the checks
    assert report.read_bytes() == b"someone's workbook"
    code, out, _ = run(*args, "--force")
    assert "报告已写入" in out
    assert report.read_bytes()[:2] == b"PK"
    _no_temporaries(tmp_path)


def test_render_writes_every_file_or_none(tmp_path: Path) -> None:
    key = tmp_path / "dept.key.pem"
    key.write_bytes(private_key_to_pem(generate_sm2_key()))
    batch = tmp_path / "batch.json"
    batch.write_text(SyntheticData(seed=3).batch(4, bank="psbc").model_dump_json(), "utf-8")
    pay = tmp_path / "pay"
    args = ["render", "--bank", "psbc", "--batch", str(batch), "--key", str(key)]
    args += ["--out-dir", str(pay), "--date", "2026-03-10"]
    assert run(*args)[0] == 0
    main_file = next(p for p in pay.iterdir() if p.suffix == ".txt")
    signature = pay / (main_file.name + ".sig")
    signature.unlink()
    main_file.write_bytes(b"kept")
    code, _, err = run(*args)
    assert code == 1
    assert "cli.exists" in err
    assert main_file.read_bytes() == b"kept"
    assert not signature.exists()  # not written either: every file or none
    assert run(*args, "--force")[0] == 0
    assert signature.exists()


def test_a_failing_writer_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"old")

    def half(path: Path) -> None:
        path.write_bytes(b"ne")
        raise FileFormatError("写到一半", code="test.half")

    with pytest.raises(FileFormatError, match="写到一半"):
        write_with(target, half, force=True)
    assert target.read_bytes() == b"old"
    _no_temporaries(tmp_path)


def test_write_file_modes_and_errors(tmp_path: Path) -> None:
    public, private = tmp_path / "a.json", tmp_path / "b.key"
    write_file(public, "{}", force=False)
    write_file(private, b"secret", force=False, private=True)
    assert private.stat().st_mode & 0o077 == 0
    assert public.stat().st_mode & 0o044  # readable as any new file would be
    with pytest.raises(FileFormatError, match="目录不存在"):
        write_file(tmp_path / "missing" / "x.json", "{}", force=False)
    for force in (True, False):
        with pytest.raises(FileFormatError) as caught:
            write_file(tmp_path, "{}", force=force)
        assert caught.value.code == "cli.not_a_file"


def test_write_files_refuses_names_with_folders(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError) as caught:
        write_files(tmp_path, {"../escape.txt": b"x"}, force=True)
    assert caught.value.code == "cli.file_name"
    assert not (tmp_path.parent / "escape.txt").exists()
