"""``yikatong demo`` runs the whole flow end to end and writes every artifact."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
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
    lifecycles = []
    for name in ("a", "b"):
        out = tmp_path / name
        result = CliRunner().invoke(
            main, ["demo", "--out", str(out), "--size", "100", "--seed", "3", "--bank", "psbc"]
        )
        assert result.exit_code == 0, result.output
        runs.append((out / "02-花名册" / "花名册.csv").read_bytes())
        # The lifecycle part runs on the demo's clock: the same text every run.
        part = result.output.split("发放台账与发放流程", 1)[1].split("五、小结", 1)[0]
        lifecycles.append(part.replace(str(out), ""))
    assert runs[0] == runs[1]
    assert lifecycles[0] == lifecycles[1]
    assert "超期" in lifecycles[0]


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
        town = _town_id(out)
        assert sorted(ledger.batch_ids()) == sorted(
            [town, "TK202603-PSBC", "TK202603-PSBC-C", "TK202603-PSBC-C-R2"]
        )
        paid = PayoutBatch.model_validate_json(
            (out / "03-比对" / "TK202603-PSBC-C.json").read_text("utf-8")
        )
        assert ledger.batch("TK202603-PSBC-C") == paid
        assert ledger.record("TK202603-PSBC").status is BatchStatus.CANCELLED
        assert ledger.record("TK202603-PSBC-C").status is BatchStatus.APPROVED
        # The township batch's frozen account is neither paid nor released: still claimed.
        assert ledger.status().active_claims == paid.count + ledger.batch(town).count
        assert ledger.audit.verify() is None
        _holds_every_kind(ledger, out, paid)
    code, output = _demo(out)  # a re-run replaces its own ledger
    assert code == 0, output


def _town_id(out: Path) -> str:
    (folder,) = (out / "05-乡镇批次").iterdir()
    assert re.fullmatch(r"TK202603-640122\d{3}", folder.name)
    return folder.name


def _open_ledger(out: Path) -> Ledger:
    from ningxia_yikatong.ledger import DataKey, Ledger, PiiCipher

    key = DataKey.from_file(out / "06-台账" / "数据密钥.key")
    url = f"sqlite:///{out / '06-台账' / 'yikatong-ledger.sqlite'}"
    return Ledger.open(url, cipher=PiiCipher(key))


def test_demo_takes_every_batch_through_its_lifecycle(tmp_path: Path) -> None:
    from ningxia_yikatong.workflow import BatchState, CaseSource, Role, Step
    from ningxia_yikatong.workflow.store import LifecycleStore

    out = tmp_path / "demo"
    code, output = _demo(out)
    assert code == 0, output
    town = _town_id(out)
    with _open_ledger(out) as ledger:
        store = LifecycleStore(ledger)
        lives = store.lifecycles()
        assert {str(life.batch_id): life.state for life in lives} == {
            "TK202603-PSBC": BatchState.CANCELLED,
            "TK202603-PSBC-C": BatchState.CLOSED,
            "TK202603-PSBC-C-R2": BatchState.CLOSED,
            town: BatchState.CLOSED,
        }
        checked = store.lifecycle("TK202603-PSBC")
        assert [t.step for t in checked.transitions] == [Step.DECLARE, Step.VERIFY, Step.CANCEL]
        assert str(checked.transitions[-1].reason).startswith("比对后剔除阻断明细")
        # The paid batch: two different finance approvers, bound to its own check report.
        paid = store.lifecycle("TK202603-PSBC-C")
        assert [t.step for t in paid.transitions] == [
            Step.DECLARE, Step.VERIFY, Step.APPROVE, Step.APPROVE, Step.SEND, Step.RETURN,
            Step.RECONCILE, Step.DISCLOSE, Step.CLOSE,
        ]  # fmt: skip
        signers = [t.actor for t in paid.transitions if t.step is Step.APPROVE]
        assert {a.role for a in signers} == {Role.FINANCE_APPROVER}
        assert len({a.actor_id for a in signers}) == 2
        (report,) = ledger.check_reports("TK202603-PSBC-C")
        assert paid.transitions[3].report_digest == report.digest
        assert report.batch_digest == ledger.record("TK202603-PSBC-C").digest
        # The demo's calendar: declared 2026-03-09, paid 2026-03-20, closed 2026-03-31.
        assert [t.at.date().isoformat() for t in paid.transitions][::4] == [
            "2026-03-09", "2026-03-20", "2026-03-31",
        ]  # fmt: skip
        assert store.lifecycle("TK202603-PSBC-C-R2").parent_batch_id == "TK202603-PSBC-C"
        township = store.lifecycle(town)
        assert [t.step for t in township.transitions][:2] == [Step.DECLARE, Step.REVIEW]
        assert [t.actor.role for t in township.transitions][:4] == [
            Role.VILLAGE_CLERK, Role.TOWN_REVIEWER, Role.DEPT_REVIEWER, Role.FINANCE_APPROVER,
        ]  # fmt: skip
        assert {t.actor.role for life in lives for t in life.transitions} == set(Role)
        # The frozen account of the township batch is overdue; nothing else is.
        items = store.overdue_items(on=dt.date(2026, 4, 15))
        assert [(i.batch_id, i.days_late) for i in items] == [(town, 24)]
        actions = {e.action for e in ledger.audit.events()}
        assert actions >= {
            f"workflow.{step}"
            for step in (
                "start", "declare", "review", "verify", "approve", "send", "return",
                "reconcile", "disclose", "close", "cancel", "recovery",
            )
        } | {"case.assigned"}  # fmt: skip
        # The post-payment review: recoveries recorded, a rectification case opened.
        recovered = store.recoveries("TK202603-PSBC-C")
        assert len(recovered) == 2
        assert {r.rule for r in recovered} == {"deceased"}
        (case,) = store.cases()
        assert case.source is CaseSource.RECOVERY
        assert case.owner.role is Role.DEPT_CLERK
        ids = [str(i.beneficiary.id_number) for i in ledger.batch("TK202603-PSBC-C").items]
    listed = out / "07-事后核查" / "TK202603-PSBC-C-应追回清单.csv"
    text = listed.read_text("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [int(row[1]) for row in rows[1:]] == [r.seq for r in recovered]
    assert not re.search(r"\d{17}[\dX]", text)
    assert not any(i in text for i in ids)
    for shown in (
        "谁办理了什么",
        "村/乡镇经办",
        "乡镇审核",
        "超时未发",
        "已超期 24 天",
        "应追回 2 笔",
    ):
        assert shown in output


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
