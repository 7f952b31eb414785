"""``yikatong reconcile`` and ``yikatong reissue`` on simulated NXRCB returns.

Errors are checked by their Chinese message: the shared error printer shows the
``[code]`` suffix through rich markup, which currently swallows it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from ningxia_yikatong import PayoutBatch
from ningxia_yikatong.banks import BankSimulator, OutcomeRules, ReturnStatus, get_adapter
from ningxia_yikatong.cli import main
from ningxia_yikatong.signing import Sm2Signer, generate_sm2_key, public_key_to_pem
from ningxia_yikatong.testing import SyntheticData


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@dataclass
class Paid:
    batch: PayoutBatch
    batch_file: Path
    returns: list[Path]
    key: Path
    other_key: Path
    other_return: Path


@pytest.fixture(scope="module")
def paid(tmp_path_factory: pytest.TempPathFactory) -> Paid:
    root = tmp_path_factory.mktemp("cli_reconcile")
    data = SyntheticData(seed=11)
    batch = data.batch(30, bank="nxrcb", period="2026-Q1", batch_id="CLI2026Q1")
    other = data.batch(3, bank="nxrcb", period="2026-Q1", batch_id="CLI-OTHER")
    adapter = get_adapter("nxrcb")
    department = Sm2Signer(generate_sm2_key())
    bank_key = Sm2Signer(generate_sm2_key())
    rules = OutcomeRules(
        shares={ReturnStatus.ACCOUNT_NOT_FOUND: Decimal("0.1"), ReturnStatus.FROZEN: Decimal("0.1")}
    )
    bank = BankSimulator(adapter, bank_key, department.verifier(), seed=3, rules=rules)
    returns = []
    for b in (batch, other):
        for name, content in bank.process(adapter.render(b, department)).items():
            (root / name).write_bytes(content)
            if not name.endswith(".sig"):
                returns.append(root / name)
    batch_file = root / "batch.json"
    batch_file.write_text(batch.model_dump_json(), encoding="utf-8")
    key = root / "bank.pem"
    key.write_bytes(public_key_to_pem(bank_key.public_key()))
    other_key = root / "other.pem"
    other_key.write_bytes(public_key_to_pem(generate_sm2_key().public_key()))
    return Paid(batch, batch_file, returns[:1], key, other_key, returns[1])


def test_reconcile_prints_the_summary_and_exports(paid: Paid, tmp_path: Path) -> None:
    code, out, err = run(
        "reconcile",
        paid.batch_file,
        *paid.returns,
        "--bank",
        "nxrcb",
        "--verify-key",
        paid.key,
        "--out",
        tmp_path,
    )
    assert code == 0, err
    assert "批次 CLI2026Q1（2026年第1季度，第1轮）对账结果" in out
    assert "已发放" in out
    assert "账户不存在" in out
    assert "未发现异常" in out
    doc = json.loads((tmp_path / "CLI2026Q1-对账.json").read_text(encoding="utf-8"))
    assert doc["totals"]["batch"]["count"] == 30
    assert doc["totals"]["failed"]["count"] == 6
    book = CalamineWorkbook.from_path(str(tmp_path / "CLI2026Q1-对账.xlsx"))
    assert len(book.get_sheet_by_name("发放失败及原因").to_python()) == 7
    first = paid.batch.items[0].beneficiary
    text = (tmp_path / "CLI2026Q1-对账.csv").read_bytes().decode("utf-8-sig")
    assert str(first.id_number) not in text


def test_tampered_return_is_refused_and_nothing_written(paid: Paid, tmp_path: Path) -> None:
    source = paid.returns[0]
    copy = tmp_path / source.name
    data = bytearray(source.read_bytes())
    data[-10] ^= 1
    copy.write_bytes(bytes(data))
    (tmp_path / (source.name + ".sig")).write_bytes(
        source.with_name(source.name + ".sig").read_bytes()
    )
    out = tmp_path / "out"
    code, _, err = run(
        "reconcile",
        paid.batch_file,
        copy,
        "--bank",
        "nxrcb",
        "--verify-key",
        paid.key,
        "--out",
        out,
    )
    assert code == 1
    assert "签名" in err
    assert not out.exists()


def test_wrong_key_and_missing_signature(paid: Paid, tmp_path: Path) -> None:
    code, _, err = run(
        "reconcile",
        paid.batch_file,
        *paid.returns,
        "--bank",
        "nxrcb",
        "--verify-key",
        paid.other_key,
    )
    assert code == 1
    assert "签名" in err
    lone = tmp_path / paid.returns[0].name
    lone.write_bytes(paid.returns[0].read_bytes())
    code, _, err = run(
        "reconcile", paid.batch_file, lone, "--bank", "nxrcb", "--verify-key", paid.key
    )
    assert code == 1
    assert "缺少签名文件" in err


def test_missing_and_bad_batch_files(paid: Paid, tmp_path: Path) -> None:
    code, _, err = run(
        "reconcile",
        tmp_path / "nope.json",
        *paid.returns,
        "--bank",
        "nxrcb",
        "--verify-key",
        paid.key,
    )
    assert code == 1
    assert "无法读取文件：文件不存在" in err
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\xff\xfe{not json")
    code, _, err = run(
        "reconcile", junk, *paid.returns, "--bank", "nxrcb", "--verify-key", paid.key
    )
    assert code == 1
    assert "junk.json" in err


def test_return_of_another_batch_is_an_anomaly_that_blocks_reissue(
    paid: Paid, tmp_path: Path
) -> None:
    args: list[str | Path] = [
        paid.batch_file,
        *paid.returns,
        paid.other_return,
        "--bank",
        "nxrcb",
        "--verify-key",
        paid.key,
    ]
    code, out, _ = run("reconcile", *args)
    assert code == 0
    assert "异常 1 处" in out
    assert "reconcile.other_batch" in out
    code, _, err = run("reissue", *args, "--batch-id", "CLI2026Q1-R2", "--out", tmp_path)
    assert code == 1
    assert "处异常未处理，不能补发" in err
    code, out, err = run(
        "reissue",
        *args,
        "--batch-id",
        "CLI2026Q1-R2",
        "--out",
        tmp_path,
        "--accept-anomalies",
        "误将其他批次回盘一并提交",
    )
    assert code == 0, err
    assert "已接受 1 处异常，理由：误将其他批次回盘一并提交" in out


def failed_seqs(paid: Paid, tmp_path: Path) -> list[int]:
    out = tmp_path / "rec"
    run(
        "reconcile",
        paid.batch_file,
        *paid.returns,
        "--bank",
        "nxrcb",
        "--verify-key",
        paid.key,
        "--out",
        out,
    )
    doc = json.loads((out / "CLI2026Q1-对账.json").read_text(encoding="utf-8"))
    return [i["seq"] for i in doc["items"] if i["outcome"] == "failed"]


def write_corrections(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows(
        [["序号", "收款账号", "开户银行", "户名", "是否一卡通", "备注"], *rows]
    )
    path.write_bytes(buf.getvalue().encode("gb18030"))
    return path


def test_reissue_with_corrections(paid: Paid, tmp_path: Path) -> None:
    failed = failed_seqs(paid, tmp_path)
    fixes = write_corrections(
        tmp_path / "更正.csv", [[str(failed[0]), "6217000011112222333", "", "", "是", "本人持新卡"]]
    )
    code, out, err = run(
        "reissue",
        paid.batch_file,
        *paid.returns,
        "--bank",
        "nxrcb",
        "--verify-key",
        paid.key,
        "--batch-id",
        "CLI2026Q1-R2",
        "--corrections",
        fixes,
        "--out",
        tmp_path,
    )
    assert code == 0, err
    assert "补发批次 CLI2026Q1-R2（第2轮，上级批次 CLI2026Q1）：6 笔" in out
    assert "更正账户 1 笔" in out
    new = PayoutBatch.model_validate_json((tmp_path / "CLI2026Q1-R2.json").read_bytes())
    assert (new.parent_batch_id, new.round, new.count) == ("CLI2026Q1", 2, 6)
    assert new.items[0].beneficiary.account.number == "6217000011112222333"
    assert new.items[0].beneficiary.account.holder_name == (
        paid.batch.item(failed[0]).beneficiary.account.holder_name
    )
    table = (tmp_path / "CLI2026Q1-R2-补发对照.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(table)))
    assert rows[0] == ["补发序号", "原批次号", "原序号", "账户已更正", "更正备注"]
    assert [int(r[2]) for r in rows[1:]] == failed
    assert rows[1][3:] == ["是", "本人持新卡"]


@pytest.mark.parametrize(
    ("row", "message", "where"),
    [
        (["{paid}", "6217000011112222333"], "已发放，不能补发或更正", "第{paid}笔"),
        (["999", "6217000011112222333", "nxrcb", "马兰"], "批次中没有序号 999", "999"),
        (["999", "6217000011112222333"], "须填写开户银行和户名", "第2行"),
        (["{failed}", "62170000abc"], "银行账号只能由数字组成", "列“收款账号”"),
        (["{failed}", "6217000011112222333", "nobank"], "未登记的代发银行代码", "列“开户银行”"),
        (["{failed}", "6217000011112222333", "", "", "也许"], "是否一卡通应填", "第2行"),
        (["x", "6217000011112222333"], "序号应为正整数", "列“序号”"),
    ],
)
def test_refused_corrections(
    paid: Paid, tmp_path: Path, row: list[str], message: str, where: str
) -> None:
    failed = failed_seqs(paid, tmp_path)
    paid_seq = next(s for s in range(1, 31) if s not in failed)
    values = {"paid": str(paid_seq), "failed": str(failed[0])}
    fixes = write_corrections(tmp_path / "c.csv", [[c.format(**values) for c in row]])
    status, _, err = run(
        "reissue",
        paid.batch_file,
        *paid.returns,
        "--bank",
        "nxrcb",
        "--verify-key",
        paid.key,
        "--batch-id",
        "R2",
        "--corrections",
        fixes,
        "--out",
        tmp_path / "o",
    )
    assert status == 1
    assert message in err
    assert where.format(**values) in err
    assert not (tmp_path / "o").exists()


def test_corrections_file_without_columns(paid: Paid, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a,b\n1,2\n")
    status, _, err = run(
        "reissue",
        paid.batch_file,
        *paid.returns,
        "--bank",
        "nxrcb",
        "--verify-key",
        paid.key,
        "--batch-id",
        "R2",
        "--corrections",
        bad,
        "--out",
        tmp_path / "o",
    )
    assert status == 1
    assert "缺少列：序号、收款账号" in err
