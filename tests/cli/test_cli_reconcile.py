"""``yikatong reconcile``, ``reissue``, ``reconcile-chain`` and ``notices`` on simulated returns.

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

import click
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook
from rich.console import Console

from ningxia_yikatong import PayoutBatch
from ningxia_yikatong.banks import (
    BankSimulator,
    OutcomeRules,
    ReturnRecord,
    ReturnStatus,
    get_adapter,
)
from ningxia_yikatong.cli import _app, main
from ningxia_yikatong.signing import Sm2Signer, generate_sm2_key, public_key_to_pem
from ningxia_yikatong.testing import SyntheticData
from ningxia_yikatong.testing.policies import sample_policies


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
    department: Sm2Signer
    bank_key: Sm2Signer

    def pay(self, batch: PayoutBatch, folder: Path, **rules: object) -> list[Path]:
        """The bank of ``batch`` pays it; the return data files written to ``folder``."""
        adapter = get_adapter(batch.agent_bank)
        bank = BankSimulator(
            adapter,
            self.bank_key,
            self.department.verifier(),
            seed=5,
            rules=OutcomeRules(**rules),  # type: ignore[arg-type]
        )
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for name, content in bank.process(adapter.render(batch, self.department)).items():
            (folder / name).write_bytes(content)
            if not name.endswith(".sig"):
                out.append(folder / name)
        return out


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
    return Paid(batch, batch_file, returns[:1], key, other_key, returns[1], department, bank_key)


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


def test_signature_files_only_are_not_a_return(paid: Paid) -> None:
    signature = paid.returns[0].with_name(paid.returns[0].name + ".sig")
    code, _, err = run(
        "reconcile", paid.batch_file, signature, "--bank", "nxrcb", "--verify-key", paid.key
    )
    assert code == 1
    assert "没有回盘数据文件" in err


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
    assert "无法读取 BATCH 指定的批次文件：文件不存在" in err
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\xff\xfe{not json")
    code, _, err = run(
        "reconcile", junk, *paid.returns, "--bank", "nxrcb", "--verify-key", paid.key
    )
    assert code == 1
    assert "junk.json" in err


def test_return_of_another_batch_is_refused_with_exit_status_3(paid: Paid, tmp_path: Path) -> None:
    for returns in ([paid.other_return], [*paid.returns, paid.other_return]):
        args: list[str | Path] = [
            paid.batch_file,
            *returns,
            "--bank",
            "nxrcb",
            "--verify-key",
            paid.key,
        ]
        code, out, err = run("reconcile", *args, "--out", tmp_path / "rec")
        assert code == 3, out + err
        assert f"{paid.other_return} 不是批次 CLI2026Q1 的回盘" in err
        assert "回盘属于批次 CLI-OTHER" in err
        assert "reconcile.other_batch" in err
        assert "回盘未列明" not in out
        assert not (tmp_path / "rec").exists()
        code, _, err = run(
            "reissue",
            *args,
            "--batch-id",
            "CLI2026Q1-R2",
            "--out",
            tmp_path / "re",
            "--accept-anomalies",
            "误将其他批次回盘一并提交",
        )
        assert code == 3
        assert "不是批次 CLI2026Q1 的回盘" in err
        assert not (tmp_path / "re").exists()


def test_bank_other_than_the_batch_s_is_refused_with_exit_status_3(paid: Paid) -> None:
    code, _, err = run(
        "reconcile", paid.batch_file, *paid.returns, "--bank", "psbc", "--verify-key", paid.key
    )
    assert code == 3
    assert "代发银行是 nxrcb，不是 --bank 指定的 psbc" in err


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


def failed_by_status(paid: Paid, tmp_path: Path) -> dict[str, list[int]]:
    doc = json.loads(
        (tmp_path / "rec" / "CLI2026Q1-对账.json").read_text(encoding="utf-8")
        if (tmp_path / "rec").exists()
        else "{}"
    ) or {"items": []}
    if not doc["items"]:
        failed_seqs(paid, tmp_path)
        doc = json.loads((tmp_path / "rec" / "CLI2026Q1-对账.json").read_text(encoding="utf-8"))
    out: dict[str, list[int]] = {}
    for item in doc["items"]:
        if item["outcome"] == "failed":
            out.setdefault(item["status"], []).append(item["seq"])
    return out


def write_corrections(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows(
        [["序号", "收款账号", "开户银行", "户名", "是否一卡通", "备注"], *rows]
    )
    path.write_bytes(buf.getvalue().encode("gb18030"))
    return path


def test_reissue_with_corrections(paid: Paid, tmp_path: Path) -> None:
    by_status = failed_by_status(paid, tmp_path)
    not_found, frozen = by_status["account_not_found"], by_status["frozen"]
    fixes = write_corrections(
        tmp_path / "更正.csv",
        [[str(not_found[0]), "6217000011112222333", "", "", "是", "本人持新卡"]],
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
    taken = sorted([not_found[0], *frozen])
    assert (
        f"补发批次 CLI2026Q1-R2（代发银行 nxrcb，第2轮，上级批次 CLI2026Q1）：{len(taken)} 笔"
        in out
    )
    assert "更正账户 1 笔" in out
    # the other accounts that do not exist are not sent again unchanged
    assert f"须先更正账户、未纳入补发的失败明细 {len(not_found) - 1} 笔" in out
    for seq in not_found[1:]:
        assert f"第{seq}笔（账户不存在）：账户不存在，须提供正确的账户" in out
    new = PayoutBatch.model_validate_json((tmp_path / "CLI2026Q1-R2.json").read_bytes())
    assert (new.parent_batch_id, new.round, new.count) == ("CLI2026Q1", 2, len(taken))
    fixed = new.items[taken.index(not_found[0])].beneficiary.account
    assert fixed.number == "6217000011112222333"
    assert fixed.holder_name == paid.batch.item(not_found[0]).beneficiary.account.holder_name
    table = (tmp_path / "CLI2026Q1-R2-补发对照.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(table)))
    assert rows[0] == ["补发序号", "原批次号", "原序号", "账户已更正", "更正备注"]
    assert [int(r[2]) for r in rows[1:]] == taken
    assert rows[1 + taken.index(not_found[0])][3:] == ["是", "本人持新卡"]


def test_reissue_of_chosen_seqs(paid: Paid, tmp_path: Path) -> None:
    by_status = failed_by_status(paid, tmp_path)
    frozen, not_found = by_status["frozen"], by_status["account_not_found"]
    base: list[str | Path] = [paid.batch_file, *paid.returns, "--bank", "nxrcb"]
    base += ["--verify-key", paid.key, "--batch-id", "R2"]
    code, _, err = run("reissue", *base, "--seqs", f"{frozen[0]}，{frozen[1]}", "--out", tmp_path)
    assert code == 0, err
    new = PayoutBatch.model_validate_json((tmp_path / "R2.json").read_bytes())
    assert new.count == 2
    assert new.items[0].beneficiary == paid.batch.item(frozen[0]).beneficiary
    code, _, err = run("reissue", *base, "--seqs", str(not_found[0]), "--out", tmp_path / "x")
    assert code == 1
    assert f"第{not_found[0]}笔因“账户不存在”失败，不能按原账户补发" in err
    assert not (tmp_path / "x").exists()
    code, _, err = run("reissue", *base, "--seqs", "3-x", "--out", tmp_path / "x")
    assert code == 1
    assert "序号应写成" in err


def test_reissue_to_another_bank_is_its_own_batch(paid: Paid, tmp_path: Path) -> None:
    by_status = failed_by_status(paid, tmp_path)
    not_found = by_status["account_not_found"]
    rows = [[str(not_found[0]), "6217000011112222333", "psbc"]]
    rows += [[str(s), f"621700001111222{s:04d}"] for s in not_found[1:]]
    fixes = write_corrections(tmp_path / "c.csv", rows)
    code, out, err = run(
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
        tmp_path / "r2",
    )
    assert code == 0, err
    moved = PayoutBatch.model_validate_json((tmp_path / "r2" / "R2-PSBC.json").read_bytes())
    assert (moved.agent_bank, moved.parent_batch_id, moved.round, moved.count) == (
        "psbc",
        "CLI2026Q1",
        2,
        1,
    )
    stay = PayoutBatch.model_validate_json((tmp_path / "r2" / "R2.json").read_bytes())
    assert stay.agent_bank == "nxrcb"
    assert stay.count == len(by_status["frozen"]) + len(not_found) - 1
    assert "补发批次 R2-PSBC（代发银行 psbc" in out
    # each bank pays its batch; the chain shows everyone paid once
    r2_returns = paid.pay(stay, tmp_path / "r2ret") + paid.pay(moved, tmp_path / "r2ret")
    code, out, err = run(
        "reconcile-chain",
        *paid.returns,
        *r2_returns,
        "--batch",
        paid.batch_file,
        "--batch",
        tmp_path / "r2" / "R2.json",
        "--batch",
        tmp_path / "r2" / "R2-PSBC.json",
        "--verify-key",
        paid.key,
        "--out",
        tmp_path / "chain",
    )
    assert code == 0, out + err
    assert "未发现异常，无重复发放" in out
    doc = json.loads((tmp_path / "chain" / "CLI2026Q1-补发链.json").read_text("utf-8"))
    assert doc["totals"]["paid"]["count"] == 30
    item = next(i for i in doc["items"] if i["seq"] == not_found[0])
    assert [a["batch_id"] for a in item["attempts"]] == ["CLI2026Q1", "R2-PSBC"]


def test_chain_with_a_double_payment_exits_4(paid: Paid, tmp_path: Path) -> None:
    frozen = failed_by_status(paid, tmp_path)["frozen"]
    code, _, err = run(
        "reissue",
        paid.batch_file,
        *paid.returns,
        "--bank",
        "nxrcb",
        "--verify-key",
        paid.key,
        "--batch-id",
        "R2",
        "--seqs",
        str(frozen[0]),
        "--out",
        tmp_path / "r2",
    )
    assert code == 0, err
    r2 = PayoutBatch.model_validate_json((tmp_path / "r2" / "R2.json").read_bytes())
    r2_returns = paid.pay(r2, tmp_path / "r2ret")
    # the bank later says the original item was paid after all
    item = paid.batch.item(frozen[0])
    adapter = get_adapter("nxrcb")
    code_ok, message = adapter.code_for(ReturnStatus.SUCCESS)
    late = ReturnRecord(
        seq=item.seq,
        account=str(item.beneficiary.account.number),
        name=str(item.beneficiary.account.holder_name),
        amount=item.amount,
        status=ReturnStatus.SUCCESS,
        raw_code=code_ok,
        raw_message=message,
        bank_txn_id="LATE0001",
    )
    files = adapter.write_return(paid.batch.batch_id, [late], paid.bank_key)
    (tmp_path / "late").mkdir()
    late_files = []
    for name, content in files.items():
        (tmp_path / "late" / name).write_bytes(content)
        late_files.append(tmp_path / "late" / name)
    code, out, err = run(
        "reconcile-chain",
        *paid.returns,
        *late_files,
        *r2_returns,
        "--batch",
        paid.batch_file,
        "--batch",
        tmp_path / "r2" / "R2.json",
        "--verify-key",
        f"nxrcb={paid.key}",
    )
    assert code == 4, out + err
    assert "reconcile.double_payment" in out
    assert "须追回多付款项" in err
    code, _, err = run(
        "reconcile-chain", *r2_returns, "--batch", tmp_path / "r2" / "R2.json", "--verify-key",
        paid.key,
    )  # fmt: skip
    assert code == 1
    assert "第一个 --batch 应为原批次" in err


def test_notices_for_the_paid_items(paid: Paid, tmp_path: Path) -> None:
    policy = next(p for p in sample_policies() if p.code == "NX-GLJT")
    batch = SyntheticData(seed=4).batch(
        8, policy=policy, bank="nxrcb", period="2026-Q1", batch_id="GLJT-N1"
    )
    batch_file = tmp_path / "b.json"
    batch_file.write_text(batch.model_dump_json(), encoding="utf-8")
    frozen = str(batch.items[0].beneficiary.account.number)
    returns = paid.pay(batch, tmp_path / "ret", accounts={frozen: ReturnStatus.FROZEN})
    out = tmp_path / "告知" / "短信.csv"
    code, text, err = run(
        "notices", batch_file, *returns, "--bank", "nxrcb", "--verify-key", paid.key, "--out", out
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert [int(r["序号"]) for r in rows] == list(range(2, 9))
    assert all(policy.name in r["短信内容"] for r in rows)
    assert "已发放 7 笔" in text
    phones = [str(i.beneficiary.phone) for i in batch.items if i.beneficiary.phone]
    assert not any(p in text for p in phones)  # masked on screen
    code, _, err = run(
        "notices", batch_file, *returns, "--bank", "nxrcb", "--verify-key", paid.key,
        "--out", out, "--template", "{nope}",
    )  # fmt: skip
    assert code == 1
    assert "未知的占位符" in err
    code, _, err = run(
        "notices", paid.batch_file, paid.other_return, "--bank", "nxrcb", "--verify-key",
        paid.key, "--out", tmp_path / "n.csv",
    )  # fmt: skip
    assert code == 3
    assert not (tmp_path / "n.csv").exists()


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


def test_every_command_and_its_exit_status_is_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text("utf-8")

    def names(group: click.Group, prefix: str = "") -> list[str]:
        out = []
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                out += names(command, f"{prefix}{name} ")
            else:
                out.append(f"{prefix}{name}")
        return out

    for name in names(main):
        assert f"`yikatong {name}" in docs or f"/ `{name}`" in docs, name
    table = docs[docs.index("## Exit status of reconciliation") :]
    for name in ("reconcile", "reissue", "reconcile-chain", "notices", "bank-simulate"):
        assert f"| `{name}` |" in table, name


def test_reconcile_shows_progress_on_a_terminal_only(
    paid: Paid, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args: list[str | Path] = ["reconcile", paid.batch_file, *paid.returns, "--bank", "nxrcb"]
    args += ["--verify-key", paid.key]
    code, _, err = run(*args)
    assert code == 0
    assert "对账" not in err
    buffer = io.StringIO()
    monkeypatch.setattr(_app, "err_console", Console(file=buffer, force_terminal=True, width=100))
    code, _, _ = run(*args)
    assert code == 0
    assert "验签并读取回盘文件" in buffer.getvalue()
    assert "对账" in buffer.getvalue()


def test_outputs_are_never_replaced_without_force(paid: Paid, tmp_path: Path) -> None:
    base: list[str | Path] = [paid.batch_file, *paid.returns, "--bank", "nxrcb"]
    base += ["--verify-key", paid.key]
    out = tmp_path / "对账"
    code, _, err = run("reconcile", *base, "--out", out)
    assert code == 0, err
    mine = out / f"{paid.batch.batch_id}-对账.csv"
    mine.write_text("staff notes", "utf-8")  # the user's own edit of an export
    code, _, err = run("reconcile", *base, "--out", out)
    assert code == 1
    assert "cli.exists" in err or "不会覆盖" in err
    assert mine.read_text("utf-8") == "staff notes"
    code, _, err = run("reconcile", *base, "--out", out, "--force")
    assert code == 0, err
    assert mine.read_text("utf-8-sig").startswith("类别")
    reissued = tmp_path / "补发"
    again: list[str | Path] = ["reissue", *base, "--batch-id", "R2", "--out", reissued]
    code, _, err = run(*again)
    assert code == 0, err
    before = {p.name: p.read_bytes() for p in reissued.iterdir()}
    code, _, err = run(*again)
    assert code == 1
    assert "不会覆盖" in err
    assert {p.name: p.read_bytes() for p in reissued.iterdir()} == before
    notes = tmp_path / "告知.csv"
    notes.write_text("not ours", "utf-8")
    code, _, err = run("notices", *base, "--out", notes)
    assert code == 1
    assert notes.read_text("utf-8") == "not ours"
