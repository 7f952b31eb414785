"""``yikatong demo`` runs the whole flow end to end and writes every artifact."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from ningxia_yikatong import PayoutBatch
from ningxia_yikatong.banks import available_adapters
from ningxia_yikatong.cli import main
from ningxia_yikatong.cli._output import DEMO_MARKER

if TYPE_CHECKING:
    from ningxia_yikatong.ledger import Ledger


def _demo(out: Path, *more: str) -> tuple[int, str]:
    args = ["demo", "--out", str(out), "--size", "60", "--seed", "5", "--bank", "psbc", *more]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


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
        assert report["batch_id"] == f"TK202603-{bank.upper()}-C"


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


def test_demo_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", "utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "data.csv").write_text("a,b", "utf-8")
    code, output = _demo(tmp_path)
    assert code == 1
    assert "cli.out_not_empty" in output
    assert str(tmp_path) in output
    assert "Traceback" not in output
    assert (tmp_path / "notes.txt").read_text("utf-8") == "mine"
    assert (tmp_path / "sub" / "data.csv").read_text("utf-8") == "a,b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "sub"]


def test_demo_refuses_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text("keep", "utf-8")
    code, output = _demo(Path("."))
    assert code == 1
    assert "cli.out_not_empty" in output
    assert (tmp_path / "README.md").read_text("utf-8") == "keep"


def test_demo_rerun_removes_only_what_it_wrote(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    code, output = _demo(out)
    assert code == 0, output
    marker = json.loads((out / DEMO_MARKER).read_text("utf-8"))
    written = set(marker["written"])
    assert "02-花名册/花名册.csv" in written
    assert all((out / name).is_file() for name in written)
    # Someone adds their own files beside and inside the demo's folders.
    (out / "我的笔记.txt").write_text("keep", "utf-8")
    (out / "02-花名册" / "核实记录.csv").write_text("keep", "utf-8")
    stale = out / "03-比对" / "TK202603-PSBC-比对结果.xlsx"
    assert stale.is_file()
    code, output = _demo(out, "--size", "40")
    assert code == 0, output
    assert (out / "我的笔记.txt").read_text("utf-8") == "keep"
    assert (out / "02-花名册" / "核实记录.csv").read_text("utf-8") == "keep"
    assert set(json.loads((out / DEMO_MARKER).read_text("utf-8"))["written"]) == written
    leftovers = list(out.rglob(".*.part*"))
    assert not leftovers


def test_demo_pays_a_new_batch_linked_to_the_checked_one(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    code, output = _demo(out)
    assert code == 0, output
    cleared = PayoutBatch.model_validate_json(
        (out / "03-比对" / "TK202603-PSBC-C.json").read_text("utf-8")
    )
    assert cleared.source_batch_id == "TK202603-PSBC"
    assert cleared.source_seqs is not None
    assert len(cleared.source_seqs) == cleared.count
    assert "TK202603-PSBC-C" in output


def test_demo_records_a_ledger_and_ends_with_its_audit(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    code, output = _demo(out)
    assert code == 0, output
    assert output.rstrip().splitlines()[-1].startswith("审计链完整：台账共 ")
    listed = json.loads((out / DEMO_MARKER).read_text("utf-8"))["written"]
    assert "06-台账/yikatong-ledger.sqlite" in listed
    assert "06-台账/数据密钥.key" in listed
    from ningxia_yikatong.ledger import BatchStatus, DataKey, Ledger, PiiCipher

    key = DataKey.from_file(out / "06-台账" / "数据密钥.key")
    url = f"sqlite:///{out / '06-台账' / 'yikatong-ledger.sqlite'}"
    with Ledger.open(url, cipher=PiiCipher(key)) as ledger:
        assert ledger.batch_ids() == ["TK202603-PSBC", "TK202603-PSBC-C", "TK202603-PSBC-C-R2"]
        paid = PayoutBatch.model_validate_json(
            (out / "03-比对" / "TK202603-PSBC-C.json").read_text("utf-8")
        )
        assert ledger.batch("TK202603-PSBC-C") == paid
        assert ledger.record("TK202603-PSBC").status is BatchStatus.CANCELLED
        assert ledger.record("TK202603-PSBC-C").status is BatchStatus.APPROVED
        assert ledger.status().active_claims == paid.count
        assert ledger.audit.verify() is None
        _holds_every_kind(ledger, out, paid)
    code, output = _demo(out)  # a re-run replaces its own ledger
    assert code == 0, output


def _holds_every_kind(ledger: Ledger, out: Path, paid: PayoutBatch) -> None:
    """The demo ledger holds each kind of record the flow produced."""
    from ningxia_yikatong.checks import CheckReport
    from ningxia_yikatong.reconcile import Outcome, ReconciliationReport
    from ningxia_yikatong.testing.policies import sample_catalog

    assert [r.version for r in ledger.catalog_revisions()] == [
        r.version for r in sample_catalog().revisions
    ]
    # The check report of the checked batch, and the warning staff accepted.
    (report,) = ledger.check_reports("TK202603-PSBC")
    written = (out / "03-比对" / "TK202603-PSBC-比对结果.json").read_text("utf-8")
    assert report.report == CheckReport.from_json(written)
    (accepted,) = ledger.overrides("TK202603-PSBC")
    assert accepted.rule == "household_region"
    assert any(f.seq == accepted.seq and f.rule == accepted.rule for f in report.report.findings)
    # Each round: payment file, return (by the SHA-256 of the files' bytes), reconciliation.
    folder = out / "04-代发" / "psbc"
    for round_, batch_id in ((1, "TK202603-PSBC-C"), (2, "TK202603-PSBC-C-R2")):
        files = folder / f"第{round_}轮"
        (payment,) = ledger.payment_files(batch_id)
        main = next(p for p in (files / "代发文件").iterdir() if p.suffix != ".sig")
        assert payment.digest == hashlib.sha256(main.read_bytes()).hexdigest()
        assert payment.bank_key_fingerprint is not None
        (back,) = ledger.bank_returns(batch_id)
        main = next(p for p in (files / "回盘文件").iterdir() if p.suffix != ".sig")
        assert back.digest == hashlib.sha256(main.read_bytes()).hexdigest()
        assert back.payment_digest == payment.digest
        assert back.verifying_key_fingerprint == payment.bank_key_fingerprint
        (rec,) = ledger.reconciliations(batch_id)
        result = (files / f"{batch_id}-对账.json").read_text("utf-8")
        assert rec.report == ReconciliationReport.from_json(result)
        assert rec.return_digests == (back.digest,)
    first = ledger.reconciliations("TK202603-PSBC-C")[0]
    assert first.report.seqs(Outcome.FAILED)  # the reissue pays them
    link = ledger.reissue_of("TK202603-PSBC-C-R2")
    assert (link.parent_batch_id, link.reconciliation_digest) == ("TK202603-PSBC-C", first.digest)
    assert link.origin == first.report.seqs(Outcome.FAILED)
    # The notices sent, as the SMS file lists them.
    sent = [
        line.split("\t") for line in (folder / "逐项告知短信.txt").read_text("utf-8").splitlines()
    ]
    recorded = [
        (str(n.phone), n.text)
        for batch_id in ("TK202603-PSBC-C", "TK202603-PSBC-C-R2")
        for s in ledger.notices(batch_id)
        for n in s.notices
    ]
    assert recorded == [(phone, text) for phone, text in sent]
    actions = {e.action for e in ledger.audit.events()}
    assert actions >= {
        "catalog.record",
        "batch.record",
        "check.record",
        "check.override",
        "batch.cancel",
        "batch.approve",
        "payment.send",
        "return.receive",
        "reconciliation.record",
        "claims.move",
        "notices.send",
    }
    assert paid.count == first.report.totals.batch.count
