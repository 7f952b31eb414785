"""The demo's ledger (发放台账, ``06-台账``): everything the demo produced,
recorded, and every batch taken through its lifecycle (发放流程) by named
actors (:mod:`._demo_actors`) on the demo's calendar.

Each checked batch is recorded with its check report (比对报告) and the
warnings staff accepted (人工核定), declared, verified and cancelled (作废) in
favour of the batch paid after the checks. The paid batch (``-C``) is
declared by the 民政厅's clerk, verified by its reviewer, approved by two
approvers of the 财政厅 (the approval records its own check report and claims
its people), sent (its payment file), returned by the bank (回盘), reconciled
(对账), disclosed (公示) and closed (归档); its reissue (补发) is a child batch
with a lifecycle of its own, and the final failures are released. The
township batch takes the township's steps (初审 included). Each round's
recipient notices (到账通知) are recorded. Then the overdue report and the
post-payment review (:mod:`._demo_followup`) and the audit chain's
verification. Skipped, saying so, without the ``ledger`` extra.
"""

from __future__ import annotations

import datetime as _dt
import secrets
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..checks import CheckContext, CheckReport
from ..payout import PayoutBatch
from ..policy import GovernmentLevel, SubsidyPolicy
from ..testing.policies import sample_catalog
from ..workflow import Actor, LifecycleRules
from ._demo_actors import (
    APPROVE_DAY,
    CLOSE_DAY,
    DECLARE_DAY,
    DEPT_CLERK,
    DEPT_REVIEWER,
    DISCLOSE_DAY,
    FINANCE_APPROVERS,
    PAY_DATE,
    RECONCILE_DAY,
    REISSUE_APPROVE_DAY,
    REISSUE_DATE,
    REISSUE_DECLARE_DAY,
    REISSUE_RECONCILE_DAY,
    REISSUE_VERIFY_DAY,
    VERIFY_DAY,
    DemoClock,
    bank_actor,
    town_actors,
)
from ._demo_followup import follow_up
from ._demo_runs import BankRun, Checked, Round, TownRun, heading, say
from ._output import DemoFolder

if TYPE_CHECKING:
    from ..ledger import Ledger
    from ..workflow.store import LifecycleStore

__all__ = ["LEDGER_FILE", "record_ledger"]

#: The ledger file and its data key in the demo's output folder.
LEDGER_FILE = "06-台账/yikatong-ledger.sqlite"
KEY_FILE = "06-台账/数据密钥.key"
#: Why a checked batch is cancelled (作废).
CANCEL_REASON = "比对后剔除阻断明细"


class _Flow:
    """The demo's batches taken through the ledger, step by step, all batches
    at each step before the next (the clock only moves forward)."""

    def __init__(
        self,
        ledger: Ledger,
        store: LifecycleStore,
        clock: DemoClock,
        policy: SubsidyPolicy,
        counts: Counter[str],
    ) -> None:
        self.ledger = ledger
        self.store = store
        self.clock = clock
        self.policy = policy
        self.counts = counts
        # Region-wide batches skip the township; finance approves with two signatures.
        self.rules = LifecycleRules.for_policy(policy, town_review=False, signatures={"approve": 2})

    def record(
        self,
        batch: PayoutBatch,
        *,
        department: str,
        level: GovernmentLevel = GovernmentLevel.REGION,
        by: Actor = DEPT_CLERK,
    ) -> None:
        from ..ledger import PayMode  # noqa: PLC0415 - the ledger extra

        self.ledger.record_batch(
            batch,
            department=department,
            pay_mode=PayMode.FISCAL_DIRECT,
            level=level,
            target=self.policy.target,
            actor=by.actor_id,
        )
        self.counts["batches"] += 1

    def start(self, batch_id: str, rules: LifecycleRules, department: str, by: Actor) -> None:
        self.store.start(batch_id, rules=rules, department=department, actor=by)
        self.store.declare(batch_id, by)

    # -- the region-wide batches ---------------------------------------------------

    def declare_checked(self, checked: Checked) -> None:
        """The checked batch, its report and the warnings accepted; declared."""
        batch_id = str(checked.batch.batch_id)
        self.record(checked.batch, department=self.policy.department)
        self.ledger.record_check_report(checked.report, actor=DEPT_CLERK.actor_id)
        self.counts["reports"] += 1
        for finding, reason in checked.accepted:
            # Accepted by the reviewer: the maker does not decide on findings.
            self.ledger.record_override(
                batch_id, finding.seq, finding.rule, reason, actor=DEPT_REVIEWER.actor_id
            )
            self.counts["overrides"] += 1
        self.start(batch_id, self.rules, self.policy.department, DEPT_CLERK)

    def cancel_checked(self, checked: Checked) -> None:
        """Verified, then cancelled: what is paid is the batch without its blocked items."""
        batch_id = str(checked.batch.batch_id)
        self.store.verify(batch_id, DEPT_REVIEWER)
        cleared = checked.cleared
        paid_as = "无可发放明细" if cleared is None else f"由批次 {cleared.batch_id} 代发"
        self.store.cancel(batch_id, DEPT_REVIEWER, f"{CANCEL_REASON}，{paid_as}")

    def declare_paid(self, batch: PayoutBatch) -> None:
        self.record(batch, department=self.policy.department)
        self.start(str(batch.batch_id), self.rules, self.policy.department, DEPT_CLERK)

    def approve(
        self,
        batch_id: str,
        approvers: Sequence[Actor],
        report: CheckReport | None,
        *,
        reissue: bool = False,
    ) -> None:
        """审批 by each of ``approvers`` against the batch's own check report
        (a reissue's claims were moved to it when it was recorded)."""
        assert report is not None  # every paid batch was checked before it was paid
        for approver in approvers:
            self.store.approve(batch_id, approver, report=report)
        self.counts["reports"] += 1
        if not reissue:
            self.counts["claims"] += sum(self.ledger.claims_of(batch_id).values())

    def send(self, round_: Round, sender: Actor, bank: Actor) -> None:
        """发送 and 回盘: the payment file sent, the bank's return answering it."""
        batch_id = str(round_.batch.batch_id)
        self.store.send(
            batch_id,
            sender,
            batch=round_.batch,
            file_digest=round_.payment_digest,
            signing_key_fingerprint=round_.signing_key_fingerprint,
            bank_key_fingerprint=round_.bank_key_fingerprint,
        )
        self.store.record_return(
            batch_id,
            bank,
            file_digest=round_.return_digest,
            payment_digest=round_.payment_digest,
            verifying_key_fingerprint=round_.verifying_key_fingerprint,
        )
        self.counts["payments"] += 1

    def reconcile(self, round_: Round, by: Actor) -> None:
        """对账 against the return, and the notices of what was paid."""
        from ..reconcile import ReconciliationReport  # noqa: PLC0415

        batch_id = str(round_.batch.batch_id)
        self.store.reconcile(
            batch_id,
            by,
            report=ReconciliationReport.of(round_.reconciliation),
            return_digests=[round_.return_digest],
        )
        self.counts["reconciliations"] += 1
        if round_.notices:
            self.ledger.record_notices(batch_id, round_.notices, actor=by.actor_id)
            self.counts["notices"] += len(round_.notices)

    def run_all(
        self, runs: Sequence[BankRun], unpaid: Sequence[Checked], town: TownRun | None
    ) -> None:
        """Every batch through its lifecycle, on the demo's calendar."""
        clock, store = self.clock, self.store
        clerk, approvers = DEPT_CLERK, FINANCE_APPROVERS
        people = None if town is None else town_actors(str(town.batch.region))
        county_department = "" if town is None else f"{town.batch.region.name}民政局"
        banks = {run.bank: bank_actor(run.bank, run.name) for run in runs}

        clock.on(DECLARE_DAY)  # 申报
        checked = [run.checked for run in runs if run.checked is not None] + list(unpaid)
        for one in checked:
            self.declare_checked(one)
        for run in runs:
            self.declare_paid(run.batch)
        if town is not None and people is not None:
            tid = str(town.batch.batch_id)
            self.record(
                town.batch,
                department=county_department,
                level=GovernmentLevel.COUNTY,
                by=people.clerk,
            )
            self.start(tid, LifecycleRules.for_policy(self.policy), county_department, people.clerk)
            clock.on(DECLARE_DAY + _dt.timedelta(days=1))  # 初审 by the township
            store.review(tid, people.reviewer)

        clock.on(VERIFY_DAY)  # 审核; the checked batches are cancelled
        for one in checked:
            self.cancel_checked(one)
        for run in runs:
            store.verify(str(run.batch.batch_id), DEPT_REVIEWER)
        if town is not None and people is not None:
            store.verify(str(town.batch.batch_id), people.county_reviewer)

        clock.on(APPROVE_DAY)  # 审批
        for run in runs:
            assert run.checked is not None
            self.approve(str(run.batch.batch_id), approvers, run.checked.cleared_report)
        if town is not None and people is not None:
            self.approve(str(town.batch.batch_id), [people.county_approver], town.report)

        clock.on(PAY_DATE)  # 发送, and the bank's 回盘 in the afternoon
        for run in runs:
            self.send(run.rounds[0], approvers[0], banks[run.bank])
        if town is not None and people is not None:
            code = str(town.batch.agent_bank)
            bank = banks.get(code) or bank_actor(code, code)
            self.send(town.round, people.county_approver, bank)

        clock.on(RECONCILE_DAY)  # 对账
        for run in runs:
            self.reconcile(run.rounds[0], clerk)
        if town is not None and people is not None:
            self.reconcile(town.round, people.county_approver)

        self.reissues(runs, banks)

        clock.on(DISCLOSE_DAY)  # 公示
        for run in runs:
            for round_ in run.rounds:
                store.disclose(str(round_.batch.batch_id), clerk)
        if town is not None and people is not None:
            store.disclose(str(town.batch.batch_id), people.clerk)
        clock.on(CLOSE_DAY)  # 归档
        for run in runs:
            for round_ in run.rounds:
                store.close(str(round_.batch.batch_id), DEPT_REVIEWER)
        if town is not None and people is not None:
            store.close(str(town.batch.batch_id), people.county_reviewer)

    def reissues(self, runs: Sequence[BankRun], banks: dict[str, Actor]) -> None:
        """补发: each reissue a child batch with its own lifecycle; what failed
        and is not reissued failed for good (its claims released)."""
        clock, store, ledger = self.clock, self.store, self.ledger
        clock.on(REISSUE_DECLARE_DAY)
        for run in runs:
            if run.reissue is not None:
                child = run.reissue.batch
                self.counts["moved"] += ledger.record_reissue(
                    child, run.reissue.origin, actor=DEPT_CLERK.actor_id
                )
                self.counts["batches"] += 1
                self.start(str(child.batch_id), self.rules, self.policy.department, DEPT_CLERK)
            self.counts["released"] += ledger.release_failed(
                str(run.batch.batch_id), actor=DEPT_CLERK.actor_id
            )
        later = [(run, round_) for run in runs for round_ in run.rounds[1:]]
        clock.on(REISSUE_VERIFY_DAY)
        for _run, round_ in later:
            store.verify(str(round_.batch.batch_id), DEPT_REVIEWER)
        clock.on(REISSUE_APPROVE_DAY)
        for run, round_ in later:
            self.approve(
                str(round_.batch.batch_id), FINANCE_APPROVERS, run.reissue_report, reissue=True
            )
        clock.on(REISSUE_DATE)
        for run, round_ in later:
            self.send(round_, FINANCE_APPROVERS[0], banks[run.bank])
        clock.on(REISSUE_RECONCILE_DAY)
        for _run, round_ in later:
            self.reconcile(round_, DEPT_CLERK)
            self.counts["released"] += ledger.release_failed(
                str(round_.batch.batch_id), actor=DEPT_CLERK.actor_id
            )


def record_ledger(
    out: DemoFolder,
    runs: Sequence[BankRun],
    policy: SubsidyPolicy,
    *,
    unpaid: Sequence[Checked],
    town: TownRun | None,
    context: CheckContext,
    seed: int,
) -> None:
    """Record everything the demo produced in a ledger file of the output
    folder, take every batch through its lifecycle, show the overdue report
    and the post-payment review, and verify the audit chain (the line the demo
    ends with); ``unpaid`` are checked batches of which nothing was paid."""
    try:
        from ..ledger import DataKey, Ledger, PiiCipher  # noqa: PLC0415
        from ..workflow.store import LifecycleStore  # noqa: PLC0415
    except ImportError:
        say("（未安装 ledger 组件，跳过发放台账：pip install 'ningxia-yikatong[ledger]'）")
        return
    heading("发放台账与发放流程")
    raw = secrets.token_bytes(32)
    # A demo keeps its data key beside the ledger; a deployment never does.
    out.write(KEY_FILE, raw.hex() + "\n")
    cipher = PiiCipher(DataKey.from_bytes(raw))
    counts: Counter[str] = Counter()

    def build(path: Path) -> None:
        with Ledger.init(f"sqlite:///{path}", cipher=cipher) as ledger:
            for revision in sample_catalog().revisions:
                ledger.record_catalog_revision(revision, actor=FINANCE_APPROVERS[0].actor_id)
                counts["revisions"] += 1
            clock = DemoClock(DECLARE_DAY)
            store = LifecycleStore(ledger, clock=clock)
            _Flow(ledger, store, clock, policy, counts).run_all(runs, unpaid, town)
            say(
                f"已登记政策清单 {counts['revisions']} 版、"
                f"{counts['batches']} 个批次（含比对后作废的原批次）、"
                f"比对报告 {counts['reports']} 份、人工核定 {counts['overrides']} 条、"
                f"代发与回盘 {counts['payments']} 对、对账 {counts['reconciliations']} 次、"
                f"到账通知 {counts['notices']} 条；批准发放占用 {counts['claims']} 人，"
                f"补发承接占用 {counts['moved']} 人，最终失败释放 {counts['released']} 人；"
                f"台账文件 {LEDGER_FILE}。"
            )
            follow_up(out, store, runs, policy, context=context, clock=clock, seed=seed)
            events = ledger.audit.verify_or_raise()
        out.ledger_line = f"审计链完整：台账共 {events} 条审计事件，校验通过。"

    out.write_with(LEDGER_FILE, build)
