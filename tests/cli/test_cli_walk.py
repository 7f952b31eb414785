"""The whole payout through the command line alone, for a text bank and an XML bank.

From ``roster generate`` to the second round: the roster is checked and turned into
a batch, the batch is cross-checked, paid at a simulated bank with failures,
reconciled, the failures are reissued (frozen accounts unchanged, closed ones with a
corrected account, for the XML bank at another bank), the reissues are paid and
reconciled, and the chain of rounds shows every item paid exactly once. Nothing here
calls the library directly but to read what the commands wrote.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from stdnum import luhn

from ningxia_yikatong import PayoutBatch
from ningxia_yikatong.cli import main


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout + result.stderr


def ok(*args: str | Path) -> str:
    code, out = run(*args)
    assert code == 0, out
    return out


def files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir())


@dataclass(frozen=True)
class Bank:
    code: str
    scheme: str  # the scheme the bank's adapter signs with
    moves_to: str | None  # corrected accounts open at this other bank
    moved_scheme: str = "sm2"


TEXT_BANK = Bank("nxrcb", "sm2", moves_to=None)
XML_BANK = Bank("ccb", "rsa", moves_to="psbc")


@pytest.mark.parametrize("bank", [TEXT_BANK, XML_BANK], ids=lambda b: b.code)
def test_roster_to_second_round_and_chain(tmp_path: Path, bank: Bank) -> None:
    d = tmp_path
    keys: dict[str, tuple[Path, Path]] = {}
    for scheme in {bank.scheme, bank.moved_scheme}:
        for who in ("dept", "bank"):
            ok("keys", "generate", "--scheme", scheme, "--name", f"{who}-{scheme}", "--out-dir", d)
        keys[scheme] = (d / f"dept-{scheme}.key.pem", d / f"bank-{scheme}.key.pem")

    def pub(private: Path) -> Path:
        return private.with_name(private.name.replace(".key.pem", ".pub.pem"))

    def pay(batch: Path, bank_code: str, scheme: str, name: str, **shares: float) -> list[Path]:
        dept_key, bank_key = keys[scheme]
        out = d / f"付款-{name}"
        ok("render", "--bank", bank_code, "--batch", batch, "--key", dept_key,
           "--out-dir", out, "--date", "2026-03-20")  # fmt: skip
        returns = d / f"回盘-{name}"
        share_args = [a for k, v in shares.items() for a in ("--share", f"{k}={v}")]
        ok("bank-simulate", "--bank", bank_code, *files(out), "--bank-key", bank_key,
           "--department-pubkey", pub(dept_key), *share_args, "--out-dir", returns)  # fmt: skip
        # The simulated bank remembers what it paid: the same files again are refused.
        code, out_text = run("bank-simulate", "--bank", bank_code, *files(out),
                             "--bank-key", bank_key, "--department-pubkey", pub(dept_key),
                             "--out-dir", d / f"again-{name}")  # fmt: skip
        assert code == 1
        assert "不能重复付款" in out_text
        return files(returns)

    # Roster, check, batch.
    roster = d / "花名册.csv"
    ok("roster", "generate", "-n", "40", "-o", roster, "--policy", "NX-GLJT",
       "--bank", bank.code, "--seed", "5")  # fmt: skip
    assert "花名册检查通过" in ok("roster", "check", roster)
    batch_file = d / "G1.json"
    ok("batch", "from-roster", roster, "--batch-id", "G1", "--policy", "NX-GLJT",
       "--period", "2026-03", "--payer-account", "10400101040012345",
       "--payer-name", "贺兰县财政局", "--out", batch_file)  # fmt: skip
    batch = PayoutBatch.model_validate_json(batch_file.read_text("utf-8"))
    assert batch.count == 40
    deaths, prior = d / "deaths.csv", d / "prior.csv"
    dead = batch.item(7).beneficiary.id_number
    deaths.write_text(f"身份证号,死亡日期\n{dead},2026-01-10\n", "utf-8")
    prior.write_text("政策编码,发放期间,身份证号,金额,批次号\n", "utf-8")
    refs = ("--ref", f"deaths={deaths}", "--ref", f"prior={prior}")
    code, out = run("check", "--batch", batch_file, *refs, "--out", d / "比对.json")
    assert code == 1, out  # the dead person blocks the batch as it is
    report = json.loads((d / "比对.json").read_text("utf-8"))
    blocked = {f["seq"] for f in report["findings"] if f["severity"] == "block"}
    assert 7 in blocked
    kept = 40 - len(blocked)
    ok("batch", "drop", batch_file, "--report", d / "比对.json", "--batch-id", "G1-C",
       "--out", d / "G1-C.json")  # fmt: skip
    cleared_file = d / "G1-C.json"
    cleared = PayoutBatch.model_validate_json(cleared_file.read_text("utf-8"))
    assert cleared.count == kept
    assert cleared.source_batch_id == "G1"
    assert all(i.beneficiary.id_number != dead for i in cleared.items)
    assert "可以继续" in ok("check", "--batch", cleared_file, *refs, "--out", d / "比对2.json")

    # First round: paid with failures, reconciled.
    scheme = bank.scheme
    first = pay(cleared_file, bank.code, scheme, "1", closed=0.1, frozen=0.1)
    bank_pub = pub(keys[scheme][1])
    ok("reconcile", cleared_file, *first, "--bank", bank.code, "--verify-key", bank_pub,
       "--out", d / "对账")  # fmt: skip
    result = json.loads((d / "对账" / "G1-C-对账.json").read_text("utf-8"))
    by_status: dict[str, list[int]] = {}
    for item in result["items"]:
        by_status.setdefault(item["status"], []).append(item["seq"])
    assert by_status.get("closed"), by_status
    assert by_status.get("frozen"), by_status

    # A closed account is not sent again unchanged: without a correction it is held.
    code, out = run("reissue", cleared_file, *first, "--bank", bank.code,
                    "--verify-key", bank_pub, "--seqs", str(by_status["closed"][0]),
                    "--batch-id", "NOPE", "--out", d / "nope")  # fmt: skip
    assert code == 1, out

    # Reissue: frozen unchanged, closed with a new account (for the XML bank, elsewhere).
    header = ["序号", "收款账号"] + (["开户银行"] if bank.moves_to else [])
    corrections = d / "更正.csv"
    with corrections.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for n, seq in enumerate(by_status["closed"]):
            number = f"62179900000000{n:03d}"
            number += luhn.calc_check_digit(number)
            w.writerow([seq, number] + ([bank.moves_to] if bank.moves_to else []))
    ok("reissue", cleared_file, *first, "--bank", bank.code, "--verify-key", bank_pub,
       "--batch-id", "G1-R2", "--corrections", corrections, "--out", d / "补发")  # fmt: skip
    reissues = sorted((d / "补发").glob("*.json"))
    expected = 2 if bank.moves_to else 1
    assert len(reissues) == expected, reissues
    failed = len(by_status["closed"]) + len(by_status["frozen"])
    children = [PayoutBatch.model_validate_json(p.read_text("utf-8")) for p in reissues]
    assert sum(c.count for c in children) == failed
    assert all(c.parent_batch_id == "G1-C" and c.round == 2 for c in children)

    # Second round: each reissue paid at its own bank, then the chain.
    second: list[Path] = []
    verify = [f"{bank.code}={bank_pub}"]
    for child, path in zip(children, reissues, strict=True):
        child_scheme = scheme if child.agent_bank == bank.code else bank.moved_scheme
        second += pay(path, child.agent_bank, child_scheme, child.batch_id)
        if child.agent_bank != bank.code:
            verify.append(f"{child.agent_bank}={pub(keys[child_scheme][1])}")
    verify_args = [a for v in verify for a in ("--verify-key", v)]
    batch_args = [a for p in (cleared_file, *reissues) for a in ("--batch", p)]
    out = ok("reconcile-chain", *first, *second, *batch_args, *verify_args,
             "--out", d / "链")  # fmt: skip
    assert "无重复发放" in out
    chain = json.loads(next((d / "链").glob("*.json")).read_text("utf-8"))
    assert chain["totals"]["paid"]["count"] == kept, chain["totals"]
    assert chain["anomalies"] == []
    assert len(chain["items"]) == kept
    assert all(i["outcome"] == "paid" and i["paid_count"] == 1 for i in chain["items"])
    moved = {
        i["seq"]: i["attempts"][-1]["batch_id"] for i in chain["items"] if len(i["attempts"]) > 1
    }
    assert set(moved) == set(by_status["closed"]) | set(by_status["frozen"])

    # The recipients are told, item by item.
    ok("notices", cleared_file, *first, "--bank", bank.code, "--verify-key", bank_pub,
       "--out", d / "告知.csv")  # fmt: skip
    with (d / "告知.csv").open(encoding="utf-8-sig") as f:
        notices = list(csv.DictReader(f))
    assert len(notices) == kept - failed
