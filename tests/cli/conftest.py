"""A working folder for the lifecycle commands: an SQLite ledger with a data key,
the staff file, the policy list recorded, and a paid batch's files (the batch,
its check report, payment file, return, reconciliation and public keys)."""

from __future__ import annotations

import datetime as _dt
import json
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from ningxia_yikatong.catalog import CatalogRevision, PolicyCatalog
from ningxia_yikatong.checks import CheckContext, CheckReport, run_checks
from ningxia_yikatong.cli import main
from ningxia_yikatong.money import Amount
from ningxia_yikatong.policy import DeclaredStandard, SubsidyPolicy
from ningxia_yikatong.reconcile import Outcome, ReconciliationReport, to_json
from ningxia_yikatong.signing import public_key_to_pem
from ningxia_yikatong.testing.paid import PaidRun
from ningxia_yikatong.testing.planted import make_policy

ACTORS = [
    {"actor_id": "ma", "name": "马经办", "role": "dept_clerk", "region": "640000"},
    {"actor_id": "zhou", "name": "周初审", "role": "乡镇审核", "region": "640000"},
    {"actor_id": "li", "name": "李审核", "role": "dept_reviewer", "region": "640000"},
    {"actor_id": "zhao", "name": "赵审核", "role": "dept_reviewer", "region": "640000"},
    {"actor_id": "wang", "name": "王审批", "role": "finance_approver", "region": "640000"},
    {"actor_id": "sun", "name": "孙审批", "role": "finance_approver", "region": "640000"},
    {"actor_id": "psbc", "name": "邮储银行", "role": "bank", "region": "640000"},
    {"actor_id": "yang", "name": "杨经办", "role": "village_clerk", "region": "640122"},
]


@cache
def paid_run() -> PaidRun:
    return PaidRun(size=12, batch_id="B-CLI")


def synth_policy() -> SubsidyPolicy:
    """The policy of PaidRun's batches: declared amounts up to 5,000 yuan, 10 days to pay."""
    return make_policy(
        code="NX-SYNTH", standard=DeclaredStandard(cap=Amount("5000")), time_limit_days=10
    )


class Desk:
    """The working folder, and ``yikatong`` run in it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.run = paid_run()
        self.bid = str(self.run.batch.batch_id)
        (root / "yikatong-actors.json").write_text(
            json.dumps(ACTORS, ensure_ascii=False), encoding="utf-8"
        )
        (root / "b.json").write_text(self.run.batch.model_dump_json(), encoding="utf-8")
        (root / "pay.txt").write_bytes(self.run.payment.content)
        back = next(n for n in self.run.returned if not n.endswith(".sig"))
        (root / "back.txt").write_bytes(self.run.returned[back])
        (root / "dept.pub.pem").write_bytes(public_key_to_pem(self.run.dept_public))
        (root / "bank.pub.pem").write_bytes(public_key_to_pem(self.run.bank_public))
        (root / "rec.json").write_text(to_json(self.run.reconciliation), encoding="utf-8")
        self.report().write(root / "report.json")
        revision = CatalogRevision(
            version=1,
            effective_from=_dt.date(2020, 1, 1),
            published_on=_dt.date(2019, 12, 1),
            policies=(synth_policy(),),
        )
        (root / "catalog.json").write_text(
            PolicyCatalog(revisions=(revision,)).export_json(), encoding="utf-8"
        )
        self.ok("ledger", "init", "--new-data-key")

    @staticmethod
    def today() -> _dt.date:
        """Today in UTC, the date the steps are taken on."""
        return _dt.datetime.now(_dt.UTC).date()

    def report(self, deaths: dict[str, _dt.date] | None = None) -> CheckReport:
        context = CheckContext.build(deaths=deaths or {}, prior_payouts=[], public_payroll=[])
        return run_checks(self.run.batch, synth_policy(), context)

    def id_of(self, seq: int) -> str:
        return str(self.run.batch.item(seq).beneficiary.id_number)

    def paid_seqs(self) -> list[int]:
        report = ReconciliationReport.of(self.run.reconciliation)
        return [i.seq for i in report.items if i.outcome is Outcome.PAID]

    def cli(self, *args: str) -> tuple[int, str]:
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(self.root)
            mp.delenv("YIKATONG_ACTORS", raising=False)
            result = CliRunner().invoke(
                main, [*args, "--data-key-file", "data.key"], catch_exceptions=False
            )
        return result.exit_code, result.output

    def ok(self, *args: str) -> str:
        code, out = self.cli(*args)
        assert code == 0, out
        return out

    def refused(self, code: str, *args: str) -> str:
        status, out = self.cli(*args)
        assert status == 1, out
        assert f"[{code}]" in out, out
        return out

    def record(self, *, pay_mode: str = "财政直接发放", catalog: bool = True) -> None:
        if catalog:
            self.ok("ledger", "record", "catalog", "catalog.json")
        department = ("--department", "自治区民政厅")
        self.ok("ledger", "record", "b.json", *department, "--pay-mode", pay_mode)

    def approved(self) -> None:
        """Recorded, declared without the town step, verified and approved."""
        self.record()
        self.ok("batch", "declare", self.bid, "--actor", "ma", "--no-town-review")
        self.ok("batch", "verify", self.bid, "--actor", "li")
        self.ok("batch", "approve", self.bid, "--actor", "wang", "--report", "report.json")

    def returned(self, *, approved: bool = False) -> None:
        """Approved (unless ``approved`` says it is already), sent and answered by the bank."""
        if not approved:
            self.approved()
        self.ok(
            "batch", "send", self.bid, "--actor", "wang", "--batch", "b.json",
            "--payment-file", "pay.txt", "--key", "dept.pub.pem", "--bank-key", "bank.pub.pem",
        )  # fmt: skip
        self.ok(
            "batch", "return", self.bid, "--actor", "psbc", "--return-file", "back.txt",
            "--payment-file", "pay.txt", "--bank-key", "bank.pub.pem",
        )  # fmt: skip


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return Desk(tmp_path)
