"""The demo's ledger (发放台账, ``06-台账``): everything the demo produced, recorded.

For each bank, in the order of the flow: the checked batch and its check
report (比对报告), the warnings staff accepted (人工核定), the checked batch
cancelled in favour of the batch paid after the checks; the paid batch,
approved (its claims), its payment file (代发文件) and bank return (回盘文件)
by digest and key fingerprints, the reconciliation (对账) against that return;
the reissue (补发) linked to it, the final failures released, the reissue's
own payment file, return and reconciliation; and the recipient notices sent
(到账通知) for each round. It ends by verifying the audit chain. Skipped,
saying so, without the ``ledger`` extra.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..policy import SubsidyPolicy
from ..testing.policies import sample_catalog
from ._demo_runs import BankRun, Checked, Round, heading, say
from ._output import DemoFolder

if TYPE_CHECKING:
    from ..ledger import Ledger

__all__ = ["LEDGER_FILE", "record_ledger"]

#: The ledger file and its data key in the demo's output folder.
LEDGER_FILE = "06-台账/yikatong-ledger.sqlite"
KEY_FILE = "06-台账/数据密钥.key"
ACTOR = "演示"


def _checked(ledger: Ledger, checked: Checked, policy: SubsidyPolicy, counts: Counter[str]) -> None:
    """The checked batch, its report and the accepted warnings; the batch is
    then cancelled: what is paid is the batch cleared of its blocked items."""
    from ..ledger import GovernmentLevel, PayMode  # noqa: PLC0415 - the ledger extra

    batch_id = str(checked.batch.batch_id)
    ledger.record_batch(
        checked.batch,
        department=policy.department,
        pay_mode=PayMode.FISCAL_DIRECT,
        level=GovernmentLevel.REGION,
        target=policy.target,
        actor=ACTOR,
    )
    ledger.record_check_report(checked.report, actor=ACTOR)
    counts["reports"] += 1
    for finding, reason in checked.accepted:
        ledger.record_override(batch_id, finding.seq, finding.rule, reason, actor=ACTOR)
        counts["overrides"] += 1
    cleared = checked.cleared
    paid_as = "无可发放明细" if cleared is None else f"由批次 {cleared.batch_id} 代发"
    ledger.cancel(batch_id, f"比对后剔除阻断明细，{paid_as}", actor=ACTOR)
    counts["batches"] += 1


def _sent(ledger: Ledger, round_: Round, counts: Counter[str]) -> None:
    """A round's payment file, its return and the reconciliation against it."""
    from ..reconcile import ReconciliationReport  # noqa: PLC0415

    batch_id = str(round_.batch.batch_id)
    ledger.record_payment_file(
        batch_id,
        digest=round_.payment_digest,
        signing_key_fingerprint=round_.signing_key_fingerprint,
        bank_key_fingerprint=round_.bank_key_fingerprint,
        actor=ACTOR,
    )
    ledger.record_bank_return(
        batch_id,
        digest=round_.return_digest,
        payment_digest=round_.payment_digest,
        verifying_key_fingerprint=round_.verifying_key_fingerprint,
        actor=ACTOR,
    )
    ledger.record_reconciliation(
        ReconciliationReport.of(round_.reconciliation),
        return_digests=[round_.return_digest],
        actor=ACTOR,
    )
    counts["payments"] += 1
    counts["reconciliations"] += 1


def _paid(ledger: Ledger, run: BankRun, policy: SubsidyPolicy, counts: Counter[str]) -> None:
    """A bank's paid batch and its reissue, from approval to the notices."""
    from ..ledger import GovernmentLevel, PayMode  # noqa: PLC0415 - the ledger extra

    first, *later = run.rounds
    ledger.record_batch(
        run.batch,
        department=policy.department,
        pay_mode=PayMode.FISCAL_DIRECT,
        level=GovernmentLevel.REGION,
        target=policy.target,
        actor=ACTOR,
    )
    counts["claims"] += ledger.approve(str(run.batch.batch_id), actor=ACTOR)
    counts["batches"] += 1
    _sent(ledger, first, counts)
    if run.reissue is not None:
        counts["moved"] += ledger.record_reissue(run.reissue.batch, run.reissue.origin, actor=ACTOR)
        counts["batches"] += 1
    # What failed and is not reissued failed for good: its claims are released.
    counts["released"] += ledger.release_failed(str(run.batch.batch_id), actor=ACTOR)
    for round_ in later:
        _sent(ledger, round_, counts)
        counts["released"] += ledger.release_failed(str(round_.batch.batch_id), actor=ACTOR)
    for round_ in run.rounds:
        if round_.notices:
            ledger.record_notices(str(round_.batch.batch_id), round_.notices, actor=ACTOR)
            counts["notices"] += len(round_.notices)


def record_ledger(
    out: DemoFolder, runs: Sequence[BankRun], policy: SubsidyPolicy, *, unpaid: Sequence[Checked]
) -> None:
    """Record everything the demo produced in a ledger file of the output
    folder and verify its audit chain (the line the demo ends with);
    ``unpaid`` are checked batches of which nothing was paid."""
    try:
        from ..ledger import DataKey, Ledger, PiiCipher  # noqa: PLC0415
    except ImportError:
        say("（未安装 ledger 组件，跳过发放台账：pip install 'ningxia-yikatong[ledger]'）")
        return
    heading("发放台账")
    raw = secrets.token_bytes(32)
    # A demo keeps its data key beside the ledger; a deployment never does.
    out.write(KEY_FILE, raw.hex() + "\n")
    cipher = PiiCipher(DataKey.from_bytes(raw))
    counts: Counter[str] = Counter()

    def build(path: Path) -> None:
        with Ledger.init(f"sqlite:///{path}", cipher=cipher) as ledger:
            for revision in sample_catalog().revisions:
                ledger.record_catalog_revision(revision, actor=ACTOR)
                counts["revisions"] += 1
            for run in runs:
                if run.checked is not None:
                    _checked(ledger, run.checked, policy, counts)
                _paid(ledger, run, policy, counts)
            for checked in unpaid:
                _checked(ledger, checked, policy, counts)
            events = ledger.audit.verify_or_raise()
        out.ledger_line = f"审计链完整：台账共 {events} 条审计事件，校验通过。"

    out.write_with(LEDGER_FILE, build)
    say(
        f"已登记政策清单 {counts['revisions']} 版、"
        f"{counts['batches']} 个批次（含比对后作废的原批次）、"
        f"比对报告 {counts['reports']} 份、人工核定 {counts['overrides']} 条、"
        f"代发与回盘 {counts['payments']} 对、对账 {counts['reconciliations']} 次、"
        f"到账通知 {counts['notices']} 条；批准发放占用 {counts['claims']} 人，"
        f"补发承接占用 {counts['moved']} 人，最终失败释放 {counts['released']} 人；"
        f"台账文件 {LEDGER_FILE}。"
    )
