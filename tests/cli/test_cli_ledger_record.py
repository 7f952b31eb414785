"""``yikatong ledger record KIND FILE``: every kind from the files the other commands write."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from ningxia_yikatong.checks import CheckContext, run_checks
from ningxia_yikatong.cli import main
from ningxia_yikatong.ledger import DataKey, Ledger, PiiCipher
from ningxia_yikatong.reconcile import recipient_notices, to_json
from ningxia_yikatong.signing import public_key_to_pem
from ningxia_yikatong.testing.paid import PaidRun
from ningxia_yikatong.testing.policies import sample_catalog, sample_policies


def _run(args: list[str], cwd: Path) -> tuple[int, str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        result = CliRunner().invoke(main, args, catch_exceptions=False)
    return result.exit_code, result.output


def test_record_every_kind(tmp_path: Path) -> None:
    run = PaidRun(batch_id="B-CLI")
    key = ["--data-key-file", "data.key"]
    assert _run(["ledger", "init", "--new-data-key", *key], tmp_path)[0] == 0
    (tmp_path / "catalog.json").write_text(sample_catalog().export_json(), encoding="utf-8")
    code, out = _run(["ledger", "record", "catalog", "catalog.json", *key], tmp_path)
    assert code == 0, out
    assert "已登记第2版政策清单" in out
    (tmp_path / "b.json").write_text(run.batch.model_dump_json(), encoding="utf-8")
    code, out = _run(
        ["ledger", "record", "b.json", "--department", "县民政局", "--approve", *key], tmp_path
    )
    assert code == 0, out
    policy = sample_policies()[0].model_copy(update={"code": run.batch.policy_code})
    report = run_checks(run.batch, policy, CheckContext.build())
    report.write(tmp_path / "report.json")
    code, out = _run(["ledger", "record", "check", "report.json", *key], tmp_path)
    assert code == 0, out
    assert "已登记批次 B-CLI 的比对报告" in out
    (tmp_path / "pay.txt").write_bytes(run.payment.content)
    main_return = next(n for n in run.returned if not n.endswith(".sig"))
    (tmp_path / "back.txt").write_bytes(run.returned[main_return])
    (tmp_path / "dept.pub.pem").write_bytes(public_key_to_pem(run.dept_public))
    (tmp_path / "bank.pub.pem").write_bytes(public_key_to_pem(run.bank_public))
    (tmp_path / "rec.json").write_text(to_json(run.reconciliation), encoding="utf-8")
    code, out = _run(
        ["ledger", "record", "reconciliation", "rec.json", "--return", "back.txt", *key], tmp_path
    )
    assert code == 1
    assert "ledger.not_sent" in out
    code, out = _run(
        [
            "ledger",
            "record",
            "payment",
            "pay.txt",
            "--batch-id",
            "B-CLI",
            "--key",
            "dept.pub.pem",
            "--bank-key",
            "bank.pub.pem",
            *key,
        ],
        tmp_path,
    )
    assert code == 0, out
    code, out = _run(
        [
            "ledger",
            "record",
            "return",
            "back.txt",
            "--batch-id",
            "B-CLI",
            "--payment",
            "pay.txt",
            "--bank-key",
            "bank.pub.pem",
            *key,
        ],
        tmp_path,
    )
    assert code == 0, out
    code, out = _run(
        [
            "ledger",
            "record",
            "reconciliation",
            "rec.json",
            "--return",
            "back.txt",
            "--release-failed",
            *key,
        ],
        tmp_path,
    )
    assert code == 0, out
    assert "失败 6 笔" in out
    assert "已释放发放失败明细的占用 6 个" in out
    table = io.StringIO(newline="")
    writer = csv.writer(table, lineterminator="\r\n")
    writer.writerow(["序号", "手机号", "可发送", "短信内容"])
    sent = [n for n in recipient_notices(run.reconciliation, policy) if n.sendable]
    for n in sent:
        writer.writerow([n.seq, str(n.phone), "是", n.text])
    (tmp_path / "notices.csv").write_bytes(table.getvalue().encode("utf-8-sig"))
    code, out = _run(
        ["ledger", "record", "notices", "notices.csv", "--batch-id", "B-CLI", *key], tmp_path
    )
    assert code == 0, out
    assert f"到账通知 {len(sent)} 条" in out
    code, out = _run(["ledger", "audit", "verify", *key], tmp_path)
    assert code == 0, out
    cipher = PiiCipher(DataKey.from_file(tmp_path / "data.key"))
    with Ledger.open(f"sqlite:///{tmp_path / 'yikatong-ledger.sqlite'}", cipher=cipher) as ledger:
        (recorded,) = ledger.notices("B-CLI")
        assert recorded.notices == tuple(sent)
        assert ledger.check_reports("B-CLI")[0].report == report
