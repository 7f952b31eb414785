"""``yikatong batch from-roster`` and ``yikatong batch drop``: the batch JSON that
``render``, ``reconcile`` and ``reissue`` take, and a new batch without blocked items."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ningxia_yikatong import PayoutBatch
from ningxia_yikatong.cli import main
from ningxia_yikatong.identity import mask_id_number
from ningxia_yikatong.signing import generate_sm2_key, private_key_to_pem
from ningxia_yikatong.testing import SyntheticData
from ningxia_yikatong.testing.policies import sample_policies
from ningxia_yikatong.testing.synthetic import write_roster_csv

GLJT = next(p for p in sample_policies() if p.code == "NX-GLJT")
PAYER = ("--payer-account", "6217000000000000", "--payer-name", "财政专户")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), terminal_width=200)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _roster(tmp_path: Path, *, banks: tuple[str, ...] = ("psbc",), rows: int = 12) -> Path:
    data = SyntheticData(seed=5, yikatong_share=1.0, banks=list(banks))
    items = data.items(rows, policy=GLJT, period="2026-03")
    path = tmp_path / "花名册.csv"
    write_roster_csv(path, items)
    return path


def _from_roster(roster: Path, *more: str) -> tuple[int, str, str]:
    return run(
        "batch", "from-roster", str(roster), "--batch-id", "GL202603",
        "--policy", "NX-GLJT", "--period", "2026-03", *PAYER, *more,
    )  # fmt: skip


def test_from_roster_writes_the_batch_render_takes(tmp_path: Path) -> None:
    roster = _roster(tmp_path)
    code, out, err = _from_roster(roster, "--pay-date", "2026-03-20")
    assert code == 0, err
    path = tmp_path / "GL202603.json"
    assert str(path) in out
    batch = PayoutBatch.model_validate_json(path.read_text("utf-8"))
    assert (batch.batch_id, batch.count, str(batch.agent_bank)) == ("GL202603", 12, "psbc")
    assert str(batch.pay_date) == "2026-03-20"
    key = tmp_path / "dept.key.pem"
    key.write_bytes(private_key_to_pem(generate_sm2_key()))
    code, out, err = run(
        "render", "--bank", "psbc", "--batch", str(path), "--key", str(key),
        "--out-dir", str(tmp_path / "pay"),
    )  # fmt: skip
    assert code == 0, err
    assert "笔数：12" in out
    code, _, err = _from_roster(roster)
    assert code == 1
    assert "cli.exists" in err


def test_from_roster_refuses_bad_rows_and_mixed_banks(tmp_path: Path) -> None:
    roster = _roster(tmp_path, banks=("psbc", "nxrcb"), rows=20)
    code, _, err = _from_roster(roster)
    assert code == 1
    assert "roster.mixed_banks" in err
    assert str(roster) in err or roster.name in err
    code, _, err = _from_roster(roster, "--per-bank", "--out-dir", str(tmp_path / "b"))
    assert code == 0, err
    batches = [PayoutBatch.model_validate_json(p.read_text("utf-8")) for p in
               sorted((tmp_path / "b").iterdir())]  # fmt: skip
    assert [b.batch_id for b in batches] == ["GL202603-NXRCB", "GL202603-PSBC"]
    assert sum(b.count for b in batches) == 20
    assert {str(i.beneficiary.account.bank) for i in batches[1].items} == {"psbc"}
    text = roster.read_text("utf-8").splitlines()
    cells = text[1].split(",")
    cells[1] = cells[1][:-1] + ("1" if cells[1][-1] == "0" else "0")  # wrong checksum
    roster.write_text("\n".join([*text, ",".join(cells)]) + "\n", "utf-8")
    code, _, err = _from_roster(roster, "--per-bank", "--out-dir", str(tmp_path / "c"))
    assert code == 1
    assert "roster.rows_rejected" in err
    assert not (tmp_path / "c").exists()


def _batch_file(tmp_path: Path, count: int = 8) -> tuple[Path, PayoutBatch]:
    batch = SyntheticData(seed=2).batch(count, bank="psbc", policy=GLJT, period="2026-03")
    path = tmp_path / f"{batch.batch_id}.json"
    path.write_text(batch.model_dump_json(), "utf-8")
    return path, batch


def test_drop_seqs_makes_a_new_batch_with_a_new_id(tmp_path: Path) -> None:
    path, source = _batch_file(tmp_path)
    code, out, err = run("batch", "drop", str(path), "--seqs", "2,5-6", "--batch-id", "NEW-1")
    assert code == 0, err
    assert "剔除 3 笔" in out
    new = PayoutBatch.model_validate_json((tmp_path / "NEW-1.json").read_text("utf-8"))
    assert new.source_batch_id == source.batch_id
    assert new.source_seqs == (1, 3, 4, 7, 8)
    assert new.item(4).beneficiary == source.item(7).beneficiary
    code, _, err = run("batch", "drop", str(path), "--seqs", "1", "--batch-id", source.batch_id)
    assert code == 1
    assert "batch.id_reused" in err
    code, _, err = run("batch", "drop", str(path), "--seqs", "9", "--batch-id", "NEW-2")
    assert code == 1
    assert "batch.seq_unknown" in err
    assert str(path) in err
    code, _, err = run("batch", "drop", str(path), "--seqs", "x", "--batch-id", "NEW-2")
    assert code == 1
    assert "--seqs" in err


def test_check_then_drop_the_blocked_items(tmp_path: Path) -> None:
    path, source = _batch_file(tmp_path, 10)
    dead = source.item(3).beneficiary.id_number
    deaths = tmp_path / "deaths.csv"
    deaths.write_text(f"身份证号,死亡日期\n{dead},2026-01-02\n", "utf-8")
    report = tmp_path / "report.json"
    code, _, err = run("check", "--batch", str(path), "--ref", f"deaths={deaths}",
                       "--out", str(report))  # fmt: skip
    assert code == 1, err  # blocked: the batch may not be paid as it is
    assert json.loads(report.read_text("utf-8"))["batch_id"] == source.batch_id
    blocked = {
        f["seq"] for f in json.loads(report.read_text("utf-8"))["findings"]
        if f["severity"] == "block"
    }  # fmt: skip
    assert 3 in blocked
    code, _, err = run("batch", "drop", str(path), "--report", str(report),
                       "--batch-id", "CLEARED")  # fmt: skip
    assert code == 0, err
    new = PayoutBatch.model_validate_json((tmp_path / "CLEARED.json").read_text("utf-8"))
    assert new.count == 10 - len(blocked)
    assert set(new.source_seqs or ()) == set(range(1, 11)) - blocked
    assert all(i.beneficiary.id_number != dead for i in new.items)
    prior = tmp_path / "prior.csv"  # loaded and empty: no earlier payment is missing data
    prior.write_text("政策编码,发放期间,身份证号,金额,批次号\n", "utf-8")
    again = ("--ref", f"deaths={deaths}", "--ref", f"prior={prior}",
             "--out", str(tmp_path / "again.json"))  # fmt: skip
    code, _, err = run("check", "--batch", str(tmp_path / "CLEARED.json"), *again)
    assert code == 0, err


def test_drop_refuses_a_report_of_another_batch(tmp_path: Path) -> None:
    path, source = _batch_file(tmp_path)
    finding = {"seq": 2, "masked_id": "000000********0000", "severity": "block"}
    report = {"batch_id": source.batch_id, "item_count": source.count, "findings": [finding]}
    (tmp_path / "r.json").write_text(json.dumps(report), "utf-8")
    code, _, err = run("batch", "drop", str(path), "--report", str(tmp_path / "r.json"),
                       "--batch-id", "NEW")  # fmt: skip
    assert code == 1
    assert "cli.report_batch" in err
    assert "--report" in err
    finding["masked_id"] = mask_id_number(source.item(2).beneficiary.id_number)
    report["item_count"] = 99
    (tmp_path / "r.json").write_text(json.dumps(report), "utf-8")
    code, _, err = run("batch", "drop", str(path), "--report", str(tmp_path / "r.json"),
                       "--batch-id", "NEW")  # fmt: skip
    assert code == 1
    assert "cli.report_batch" in err
    report["item_count"] = source.count
    finding["severity"] = "warn"
    (tmp_path / "r.json").write_text(json.dumps(report), "utf-8")
    code, _, err = run("batch", "drop", str(path), "--report", str(tmp_path / "r.json"),
                       "--batch-id", "NEW")  # fmt: skip
    assert code == 1
    assert "cli.nothing_to_drop" in err
    assert not (tmp_path / "NEW.json").exists()


def test_a_roster_given_as_batch_names_the_file_and_the_option(tmp_path: Path) -> None:
    roster = _roster(tmp_path)
    key = tmp_path / "dept.key.pem"
    key.write_bytes(private_key_to_pem(generate_sm2_key()))
    code, _, err = run("render", "--bank", "psbc", "--batch", str(roster), "--key", str(key))
    assert code == 1
    assert str(roster) in err
    assert "--batch" in err
    assert "batch from-roster" in err
    assert "cli.batch_not_json" in err


def test_a_bad_batch_file_names_the_file_and_the_option(tmp_path: Path) -> None:
    path, _ = _batch_file(tmp_path)
    data = json.loads(path.read_text("utf-8"))
    data["items"][1]["amount"] = "12.345"
    path.write_text(json.dumps(data), "utf-8")
    code, _, err = run("batch", "drop", str(path), "--seqs", "1", "--batch-id", "NEW")
    assert code == 1
    assert str(path) in err
    assert "BATCH" in err
    assert "items[1].amount" in err
    code, _, err = run("batch", "drop", str(tmp_path / "none.json"), "--seqs", "1",
                       "--batch-id", "NEW")  # fmt: skip
    assert code == 1
    assert "none.json" in err
    assert "文件不存在" in err
