"""``yikatong demo``: the whole flow on synthetic data, end to end.

catalog → roster → cross-checks → render and sign for every agent bank →
simulated bank with failures → parse and verify returns → reconcile → correct
accounts → reissue → second round paid; a township batch; every batch through
its lifecycle in the ledger, the overdue report and the post-payment review
(``_demo_ledger``, ``_demo_followup``). Every artifact is written to the
output folder; nothing leaves the machine.
"""

from __future__ import annotations

import csv
import io
import random
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import click
from rich.table import Table

from ..bank import BankAccount, agent_bank_info
from ..banks import OutcomeRules, ReturnStatus, available_adapters, get_adapter
from ..banks._adapter import BankAdapter
from ..checks import (
    DEFAULT_BANK_ENCODINGS,
    CheckContext,
    CheckReport,
    HouseholdMember,
    PriorPayout,
    Severity,
    run_checks,
)
from ..codes import Period
from ..errors import InvalidAccount
from ..money import total
from ..payout import PayoutBatch, PayoutItem
from ..policy import SubsidyPolicy
from ..reconcile import (
    AccountCorrection,
    Reconciliation,
    reconcile_chain,
    reissue,
)
from ..roster import RosterResult, read_roster
from ..testing import SyntheticData, write_roster_csv
from ..testing.policies import EXTREME_POVERTY, sample_catalog
from ._app import console, handle_errors, main
from ._demo_actors import PAY_DATE, PERIOD, REISSUE_DATE
from ._demo_bank import BankDesk
from ._demo_ledger import record_ledger
from ._demo_runs import ACCEPTED_WARNINGS, BankRun, Checked, Round, heading, say
from ._demo_township import pay_township
from ._output import DEMO_MARKER, DemoFolder
from ._progress import progress

__all__ = ["demo"]

PAYER_ACCOUNT = "10400101040012345"
PAYER_NAME = "宁夏回族自治区民政厅"
#: Failure shares of the simulated banks in the first round.
FAILURE_SHARES = {
    ReturnStatus.ACCOUNT_NOT_FOUND: Decimal("0.02"),
    ReturnStatus.CLOSED: Decimal("0.01"),
    ReturnStatus.FROZEN: Decimal("0.01"),
    ReturnStatus.CARD_NOT_ACTIVATED: Decimal("0.01"),
}
#: Failures that staff fix by registering another account of the same person.
CORRECTABLE = frozenset(
    {ReturnStatus.ACCOUNT_NOT_FOUND, ReturnStatus.CLOSED, ReturnStatus.CARD_NOT_ACTIVATED}
)


def _catalog(out: DemoFolder) -> SubsidyPolicy:
    heading("一、补贴政策清单")
    catalog = sample_catalog()
    latest = catalog.latest
    out.write("01-政策清单/补贴政策清单.json", catalog.export_json())
    out.write("01-政策清单/补贴政策清单.csv", latest.export_csv())
    out.write("01-政策清单/补贴政策清单.xlsx", latest.export_xlsx())
    changes = catalog.diff()
    table = Table("版本", "生效日期", "政策数")
    for revision in catalog.revisions:
        table.add_row(
            str(revision.version), str(revision.effective_from), str(len(revision.policies))
        )
    console.print(table)
    say(
        f"最新版本与上一版相比：新增 {len(changes.added)} 项，删除 {len(changes.removed)} 项，"
        f"调整 {len(changes.changed)} 项；可整合的相近政策 {len(latest.overlaps())} 对。"
    )
    policy = latest.policy(EXTREME_POVERTY)
    say(f"本次发放：{policy.name}（{policy.code}），{PERIOD}。")
    return policy


def _bad_rows(text: str) -> str:
    """Three rows with the mistakes rosters really have, added to a good roster."""
    rows = list(csv.reader(io.StringIO(text)))
    header, sample = rows[0], rows[1]
    col = {name: header.index(name) for name in header}
    wrong_id = list(sample)
    wrong_id[col["公民身份号码"]] = sample[col["公民身份号码"]][:-1] + (
        "0" if sample[col["公民身份号码"]][-1] != "0" else "1"
    )
    three_decimals = list(rows[2])
    three_decimals[col["金额"]] = "100.005"
    digit_name = list(rows[3])
    digit_name[col["姓名"]] = digit_name[col["姓名"]] + "2"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([wrong_id, three_decimals, digit_name])
    return text + buffer.getvalue()


def _roster(
    out: DemoFolder, data: SyntheticData, policy: SubsidyPolicy, size: int, banks: Sequence[str]
) -> RosterResult:
    heading("二、花名册导入")
    rows = list(data.roster_rows(size, policy=policy, period=PERIOD))
    buffer = io.StringIO()
    write_roster_csv(buffer, rows)
    path = out.write("02-花名册/花名册.csv", _bad_rows(buffer.getvalue()).encode("gb18030"))
    with progress("读取花名册") as step:
        result = read_roster(path, progress=lambda r: step.update(completed=r.position))
    say(
        f"读取 {result.rows_read} 行（编码 GB18030 自动识别）：有效 {result.valid_count} 行，"
        f"金额合计 {result.total:,} 元；退回 {result.rejected_count} 行。"
    )
    table = Table("行号", "列", "问题", "代码")
    for error in result.errors:
        table.add_row(
            str(error.location.row), error.location.column or "", error.message, error.code
        )
    console.print(table)
    return result


def _by_bank(items: Sequence[PayoutItem], banks: Sequence[str]) -> dict[str, list[PayoutItem]]:
    grouped: dict[str, list[PayoutItem]] = defaultdict(list)
    for item in items:
        grouped[str(item.beneficiary.account.bank)].append(item)
    return {bank: grouped[bank] for bank in banks if grouped.get(bank)}


def _batch(bank: str, items: Sequence[PayoutItem], policy: SubsidyPolicy) -> PayoutBatch:
    return PayoutBatch(
        batch_id=f"TK{PERIOD.replace('-', '')}-{bank.upper()}",
        policy_code=policy.code,
        period=PERIOD,
        region="640000",
        agent_bank=bank,
        payer_account=PAYER_ACCOUNT,
        payer_name=PAYER_NAME,
        pay_date=PAY_DATE,
        items=[item.model_copy(update={"seq": n}) for n, item in enumerate(items, 1)],
    )


def _cleared_id(batch: PayoutBatch) -> str:
    """The id of the batch paid after the checks: the checked batch's id and ``-C``."""
    return f"{batch.batch_id}-C"


def _context(
    rng: random.Random,
    items: Sequence[PayoutItem],
    policy: SubsidyPolicy,
    encodings: Mapping[str, str],
) -> CheckContext:
    """Reference data in which some beneficiaries died, some are on the public
    payroll (财政供养人员), some were paid already, and a few moved: the
    household registry (户籍信息) still has them in another county; each
    bank's file encoding as its adapter declares it (a bank from another
    package included)."""
    people = [item.beneficiary for item in items]
    dead, payroll, paid = (rng.sample(people, max(1, len(people) // 200)) for _ in range(3))
    flagged = {p.id_number for p in (*dead, *payroll, *paid)}
    others = [p for p in people if p.id_number not in flagged]
    moved = rng.sample(others, min(len(others), max(1, len(people) // 200)))
    return CheckContext.build(
        bank_encodings=encodings,
        household_members=[
            HouseholdMember(
                household_id=f"H-MOVED-{n:04d}",
                id_number=p.id_number,
                name=p.name,
                is_head=True,
                region="640502" if str(p.region).startswith("6401") else "640104",
            )
            for n, p in enumerate(moved, 1)
        ],
        deaths={p.id_number: "2026-01-15" for p in dead},
        public_payroll={p.id_number: "贺兰县某事业单位" for p in payroll},
        prior_payouts=[
            PriorPayout(
                policy_code=policy.code,
                period=Period(PERIOD),
                id_number=p.id_number,
                amount=Decimal("100.00"),
                batch_id=f"TK{PERIOD.replace('-', '')}-EARLY",
            )
            for p in paid
        ],
    )


def _checks(
    out: DemoFolder, rng: random.Random, batches: dict[str, PayoutBatch], policy: SubsidyPolicy
) -> tuple[dict[str, Checked], CheckContext]:
    """The checks of each bank's batch, and the reference data they ran against."""
    heading("三、事前比对")
    everyone = [item for batch in batches.values() for item in batch.items]
    encodings = {bank: type(get_adapter(bank)).encoding for bank in batches}
    context = _context(rng, everyone, policy, {**DEFAULT_BANK_ENCODINGS, **encodings})
    by_rule: dict[tuple[str, str, str], int] = defaultdict(int)
    checked: dict[str, Checked] = {}
    with progress("事前比对", total=len(batches)) as step:
        for bank, batch in batches.items():
            step.update(description=f"事前比对：{batch.batch_id}")
            report: CheckReport = run_checks(batch, policy, context)
            out.write_with(f"03-比对/{batch.batch_id}-比对结果.xlsx", report.write_xlsx)
            out.write(f"03-比对/{batch.batch_id}-比对结果.json", report.to_json(indent=2))
            for finding in report.findings:
                by_rule[(finding.rule, finding.title, finding.severity.label)] += 1
            accepted = tuple(
                (f, ACCEPTED_WARNINGS[f.rule])
                for f in report.findings
                if f.rule in ACCEPTED_WARNINGS
                and f.severity is Severity.WARN
                and f.seq not in report.blocked_seqs
            )
            blocked = report.blocked_seqs
            cleared = cleared_report = None
            if len(blocked) < batch.count:
                # The checked batch keeps its id and content; what is paid is a new
                # batch, linked to it item by item, checked again: its approval is
                # bound to a report of its own content.
                cleared = batch.without(blocked, batch_id=_cleared_id(batch))
                out.write(
                    f"03-比对/{cleared.batch_id}.json",
                    cleared.model_dump_json(indent=2, exclude_none=True),
                )
                cleared_report = run_checks(cleared, policy, context)
                out.write(
                    f"03-比对/{cleared.batch_id}-比对结果.json", cleared_report.to_json(indent=2)
                )
            checked[bank] = Checked(batch, report, accepted, cleared, cleared_report)
            step.advance()
    table = Table("规则", "说明", "级别", "笔数")
    for (rule, title, severity), count in sorted(by_rule.items()):
        table.add_row(rule, title, severity, str(count))
    console.print(table)
    paid = [c.cleared for c in checked.values() if c.cleared is not None]
    held = sum(b.count for b in batches.values()) - sum(b.count for b in paid)
    accepted_count = sum(len(c.accepted) for c in checked.values())
    say(
        f"阻断的 {held} 笔暂不发放，转业务部门核实；警告 {accepted_count} 笔经核实后人工核定；"
        f"其余作为新批次（{'、'.join(b.batch_id for b in paid)}）进入代发，"
        "每笔记录其在原批次中的序号；新批次再经比对，审批以其比对报告为据。"
    )
    return checked, context


def _corrections(data: SyntheticData, rec: Reconciliation, bank: str) -> list[AccountCorrection]:
    corrections = []
    for result in rec.failed:
        if result.status in CORRECTABLE:
            old = result.item.beneficiary.account
            # The new account is the person's social-security card account (一卡通) too.
            new = BankAccount(
                number=data.account(bank),
                bank=old.bank,
                holder_name=old.holder_name,
                is_yikatong=True,
            )
            corrections.append(
                AccountCorrection(result.seq, new, note="本人提供新的社会保障卡账户")
            )
    return corrections


def _pay_bank(
    adapter: BankAdapter,
    checked: Checked,
    *,
    out: DemoFolder,
    data: SyntheticData,
    policy: SubsidyPolicy,
    context: CheckContext,
    seed: int,
) -> BankRun:
    bank = adapter.code
    batch = checked.cleared
    assert batch is not None  # only cleared batches are paid
    folder = f"04-代发/{bank}"
    desk = BankDesk(adapter, out=out, policy=policy, seed=seed)
    desk.simulator.rules = OutcomeRules(
        shares={s: v for s, v in FAILURE_SHARES.items() if s in desk.adapter.reportable_statuses}
    )

    def pay(this: PayoutBatch, round_: int) -> Round:
        return desk.pay(this, folder, round_)

    rounds = [pay(batch, 1)]
    reissues = []
    reissue_report = None
    first = rounds[0].reconciliation
    if first.failed:
        again = reissue(
            first,
            _corrections(data, first, bank),
            batch_id=f"{batch.batch_id}-R2",
            pay_date=REISSUE_DATE,
        )
        # A reissue is a batch of its own: checked before it is approved and paid.
        reissue_report = run_checks(again.batch, policy, context)
        out.write(f"03-比对/{again.batch.batch_id}-比对结果.json", reissue_report.to_json(indent=2))
        desk.simulator.rules = OutcomeRules()  # the corrected accounts are good
        rounds.append(pay(again.batch, 2))
        reissues.append((again, rounds[1].reconciliation))
    chain = reconcile_chain(first, reissues)
    out.write(
        f"{folder}/逐项告知短信.txt",
        "\n".join(f"{n.phone}\t{n.text}" for r in rounds for n in r.notices),
    )
    return BankRun(
        bank=bank,
        name=_short_name(adapter),
        rounds=tuple(rounds),
        paid_count=chain.totals.paid.count,
        paid_amount=chain.totals.paid.amount,
        double_payments=len(chain.double_payments),
        checked=checked,
        reissue=reissues[0][0] if reissues else None,
        reissue_report=reissue_report,
    )


def _short_name(adapter: BankAdapter) -> str:
    try:
        return agent_bank_info(adapter.code).short_name
    except InvalidAccount:  # a bank an integrator added without registering its name
        return adapter.name


def _summary(runs: Sequence[BankRun]) -> None:
    table = Table(
        "代发银行",
        "笔数",
        "金额",
        "首轮失败",
        "补发",
        "已发放金额",
        "重复发放",
        title="各代发银行（金额单位：元）",
    )
    for run in runs:
        table.add_row(
            run.name,
            str(run.items),
            f"{run.amount:,}",
            str(run.first.totals.failed.count),
            str(run.reissued),
            f"{run.paid_amount:,}",
            str(run.double_payments),
        )
    console.print(table)
    reasons: dict[str, int] = defaultdict(int)
    for run in runs:
        for status, totals in run.first.totals.failed_by_status.items():
            reasons[status.label] += totals.count
    if reasons:
        say("首轮失败原因：" + "，".join(f"{label} {n} 笔" for label, n in sorted(reasons.items())))


@main.command("demo")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("yikatong-demo"),
    show_default=True,
    help=f"输出目录：须为新目录、空目录或此前的演示输出（有 {DEMO_MARKER} 标记文件）",
)
@click.option(
    "--size", default=2000, show_default=True, type=click.IntRange(20, 200_000), help="花名册人数"
)
@click.option("--seed", default=2026, show_default=True, type=int, help="随机种子（结果可重复）")
@click.option("--bank", "banks", multiple=True, help="只演示这些代发银行（可多次指定），默认全部")
@handle_errors
def demo(out: Path, size: int, seed: int, banks: tuple[str, ...]) -> None:
    """用合成数据演示完整流程：政策清单→花名册→比对→代发→回盘→对账→补发，
    各批次按岗位走完发放流程（申报→审核→审批→发送→回盘→对账→公示→归档），
    并演示超时未发统计与事后专项核查（追回、整改）。

    再次运行时只删除上次演示写入的文件（记录在输出目录的标记文件中），
    其他文件一律不动；不是演示输出的非空目录会被拒绝。
    """
    started = time.perf_counter()
    codes = list(banks) or list(available_adapters())
    adapters = [get_adapter(code) for code in codes]
    folder = DemoFolder(out)
    folder.prepare()
    try:
        _run(folder, codes, adapters, size, seed)
    finally:
        folder.close()
    say(f"全部文件已写入 {out}（用时 {time.perf_counter() - started:.1f} 秒）。")
    if folder.ledger_line:
        say(folder.ledger_line)


def _run(
    out: DemoFolder, codes: list[str], adapters: list[BankAdapter], size: int, seed: int
) -> None:
    data = SyntheticData(seed=seed, banks=codes, yikatong_share=1.0)
    rng = random.Random(seed)  # noqa: S311 - synthetic reference data, not secrets

    policy = _catalog(out)
    roster = _roster(out, data, policy, size, codes)
    batches = {
        bank: _batch(bank, items, policy) for bank, items in _by_bank(roster.items, codes).items()
    }
    checked, context = _checks(out, rng, batches, policy)

    heading("四、代发、回盘、对账与补发")
    runs = []
    payable = [c for c in checked.values() if c.cleared is not None]
    with progress("各代发银行", total=len(payable)) as step:
        for n, adapter in enumerate(adapters):
            this = checked.get(adapter.code)
            if this is None or this.cleared is None:
                continue
            step.update(description=f"{adapter.name}")
            runs.append(
                _pay_bank(
                    adapter,
                    this,
                    out=out,
                    data=data,
                    policy=policy,
                    context=context,
                    seed=seed + n,
                )
            )
            step.advance()
    _summary(runs)
    used = next((a for a in adapters if runs and a.code == runs[0].bank), adapters[0])
    town = pay_township(
        BankDesk(used, out=out, policy=policy, seed=seed),
        seed=seed,
        policy=policy,
        context=context,
        taken={str(i.beneficiary.id_number) for b in batches.values() for i in b.items},
    )

    record_ledger(
        out,
        runs,
        policy,
        unpaid=[c for c in checked.values() if c.cleared is None],
        town=town,
        context=context,
        seed=seed,
    )

    heading("五、小结")
    paid = total(Decimal(run.paid_amount) for run in runs)
    doubles = sum(run.double_payments for run in runs)
    say(
        f"花名册有效 {roster.valid_count} 人，比对后代发 {sum(r.items for r in runs)} 人，"
        f"最终已发放 {sum(r.paid_count for r in runs)} 人、{paid:,} 元；重复发放 {doubles} 笔。"
    )
