"""``yikatong review post-payment``: the recovery list of a paid batch, and its
recoveries recorded in the ledger (the ``desk`` fixture, tests/cli/conftest.py)."""

from __future__ import annotations

import csv
import io
from typing import Any

from ningxia_yikatong.ledger import DataKey, Ledger, PiiCipher
from ningxia_yikatong.workflow.store import LifecycleStore


def _deaths(desk: Any, seqs: list[int]) -> None:
    rows = "".join(f"{desk.id_of(seq)},2025-12-01\n" for seq in seqs)
    (desk.root / "deaths.csv").write_text("id_number,death_date\n" + rows, encoding="utf-8")


def test_a_death_file_gives_the_recovery_list_and_the_ledger_records_it(desk: Any) -> None:
    paid, *_ = desk.paid_seqs()
    failed = next(i.seq for i in desk.run.batch.items if i.seq not in desk.paid_seqs())
    _deaths(desk, [paid, failed])
    review = (
        "review", "post-payment", "--batch", "b.json", "--catalog", "catalog.json",
        "--ref", "deaths=deaths.csv",
    )  # fmt: skip
    out = desk.ok(*review, "--reconciliation", "rec.json", "--out", "r1.csv")
    amount = desk.run.batch.item(paid).amount
    count = len(desk.paid_seqs())
    assert f"批次 B-CLI 事后核查：复核已发放 {count} 笔，应追回 1 笔，合计 {amount:,.2f} 元" in out
    text = (desk.root / "r1.csv").read_text("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["批次号", "序号"]
    assert [(r[1], r[5], r[6]) for r in rows[1:]] == [(str(paid), str(amount), "deceased")]
    desk.refused("cli.exists", *review, "--reconciliation", "rec.json", "--out", "r1.csv")
    out = desk.ok(*review, "--out", "all.csv")
    assert "复核批次的全部明细" in out
    assert "应追回 2 笔" in out  # the failed item too, without the reconciliation
    desk.refused("cli.option", *review, "--out", "r2.csv", "--record")
    desk.refused(
        "ledger.batch_unknown", *review, "--out", "r2.csv", "--record", "--actor", "wang",
        "--force",
    )  # fmt: skip
    desk.approved()
    out = desk.refused(
        "workflow.transition", *review, "--out", "r2.csv", "--record", "--actor", "wang"
    )
    assert "尚未发放，不能追回" in out
    desk.returned(approved=True)
    desk.ok(
        "batch", "reconcile", desk.bid, "--actor", "ma", "--reconciliation", "rec.json",
        "--return-file", "back.txt",
    )  # fmt: skip
    out = desk.ok(*review, "--out", "r2.csv", "--record", "--actor", "wang", "--force")
    assert "应追回 1 笔" in out  # the ledger's reconciliation: paid items only
    assert "已在台账登记追回 1 笔" in out
    out = desk.ok(*review, "--out", "r2.csv", "--record", "--actor", "wang", "--force")
    assert "已在台账登记追回 0 笔，1 笔此前已登记" in out
    cipher = PiiCipher(DataKey.from_file(desk.root / "data.key"))
    with Ledger.open(f"sqlite:///{desk.root / 'yikatong-ledger.sqlite'}", cipher=cipher) as led:
        (recovered,) = LifecycleStore(led).recoveries(desk.bid)
    assert (recovered.seq, recovered.amount, recovered.rule) == (paid, amount, "deceased")
    assert recovered.recorded_by == "wang"


def test_the_batch_must_be_the_one_recorded(desk: Any) -> None:
    desk.record()
    changed = desk.run.batch.model_copy(update={"payer_name": "另一个账户"})
    (desk.root / "changed.json").write_text(changed.model_dump_json(), encoding="utf-8")
    out = desk.refused(
        "cli.batch_mismatch", "review", "post-payment", "--batch", "changed.json",
        "--catalog", "catalog.json", "--record", "--actor", "wang",
    )  # fmt: skip
    assert "与台账中登记的批次 B-CLI 不同" in out
    out = desk.refused(
        "cli.option", "review", "post-payment", "--batch", "b.json", "--catalog",
        "catalog.json", "--policy", "NX-OTHER",
    )  # fmt: skip
    assert "--policy NX-OTHER 与批次 B-CLI 的 NX-SYNTH 不符" in out
