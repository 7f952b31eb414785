"""After the demo's payout (发放之后): who did what in the lifecycles, the
overdue report (超时未发, 限时办理) on a day past the due dates, and the
post-payment review (事后专项核查) with newer reference data — its recovery
list (应追回清单) written to ``07-事后核查``, each recovery recorded (追回) and a
rectification case (整改) opened for them. Needs the ``ledger`` extra (the
caller imports it)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import random
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from rich.table import Table

from ..checks import CheckContext
from ..codes import Period
from ..policy import SubsidyPolicy
from ..regions import RegionCode
from ..workflow import Actor, Case, CaseSource, Role, Step, post_payment_review
from ._app import console
from ._demo_actors import (
    DEPT_CLERK,
    DEPT_REVIEWER,
    OVERDUE_DAY,
    PERIOD,
    REVIEW_DAY,
    DemoClock,
    unit_of,
)
from ._demo_runs import BankRun, heading, say
from ._output import DemoFolder

if TYPE_CHECKING:
    from ..workflow.store import LifecycleStore

__all__ = ["REVIEW_FOLDER", "follow_up"]

REVIEW_FOLDER: Final = "07-事后核查"
#: The death the newer reference data registers, dated before the period.
LATE_DEATH: Final = _dt.date(2026, 2, 25)
#: Days the owner of the rectification case has to recover the money.
CASE_DAYS: Final = 15


def follow_up(
    out: DemoFolder,
    store: LifecycleStore,
    runs: Sequence[BankRun],
    policy: SubsidyPolicy,
    *,
    context: CheckContext,
    clock: DemoClock,
    seed: int,
) -> None:
    """Who did what, the overdue report and the post-payment review."""
    who_did_what(store)
    overdue_report(store, clock)
    if runs:
        review(out, store, runs[0], policy, context=context, clock=clock, seed=seed)


def _place(region: str) -> str:
    return f"{RegionCode(region).name} {region}"


def who_did_what(store: LifecycleStore) -> None:
    """Every actor of the stored lifecycles, by role, with the steps taken."""
    done: dict[str, tuple[Actor, Counter[Step]]] = {}
    for life in store.lifecycles():
        for move in life.transitions:
            actor, steps = done.setdefault(move.actor.actor_id, (move.actor, Counter()))
            steps[move.step] += 1
    roles = list(Role)
    table = Table("岗位", "姓名", "单位", "办理（次数）", title="谁办理了什么（各批次发放流程）")
    for actor, steps in sorted(done.values(), key=lambda a: (roles.index(a[0].role), a[0].name)):
        shown = "、".join(f"{s.label} {steps[s]}" for s in Step if steps[s])
        table.add_row(actor.role.label, actor.name, unit_of(actor), shown)
    console.print(table)


def overdue_report(store: LifecycleStore, clock: DemoClock) -> None:
    """The batches and items not paid in time on :data:`OVERDUE_DAY`, by
    department and region (the day is past every due date of the period)."""
    heading("超时未发（限时办理）")
    clock.on(OVERDUE_DAY)
    start = Period(PERIOD).start
    batches = store.overdue(on=OVERDUE_DAY, expected_from=start)
    items = store.overdue_items(on=OVERDUE_DAY)
    say(
        f"统计日 {OVERDUE_DAY.isoformat()}，已过本期各批次的应发放日期；按部门、区划列出"
        f"自 {start.isoformat()} 起超时未发的批次 {len(batches)} 项（本演示只发放 {PERIOD}，"
        f"下一期按发放周期应有而未申报，也列为超时）和未按时到账的明细 {len(items)} 条："
    )
    groups: dict[tuple[str, str], list[str]] = {}
    for late in batches:
        what = (
            f"{late.policy_code} {late.period} 未申报批次"
            if late.batch_id is None
            else f"批次 {late.batch_id}（{late.state.label if late.state else ''}）"
        )
        groups.setdefault((late.department, late.region), []).append(
            f"{what}：应于 {late.due.isoformat()} 前发放，已超期 {late.days_late} 天"
        )
    for item in items:
        groups.setdefault((item.department, item.region), []).append(
            f"批次 {item.batch_id} 第 {item.seq} 条（{item.amount} 元，{item.outcome}，"
            f"尚未补发到账）：应于 {item.due.isoformat()} 前发放，已超期 {item.days_late} 天"
        )
    for (department, region), lines in sorted(groups.items()):
        say(f"{department}（{_place(region)}）：")
        for line in lines:
            say(f"  · {line}")


def review(
    out: DemoFolder,
    store: LifecycleStore,
    run: BankRun,
    policy: SubsidyPolicy,
    *,
    context: CheckContext,
    clock: DemoClock,
    seed: int,
) -> None:
    """事后专项核查 of ``run``'s first batch: newer reference data registers the
    death (before the period) of two people it paid; what they were paid is
    recovered and a rectification case opened."""
    heading("事后专项核查")
    clock.on(REVIEW_DAY)
    batch = run.batch
    paid = sorted(r.seq for r in run.first.paid)
    rng = random.Random(seed)  # noqa: S311 - synthetic reference data, not secrets
    died = sorted(rng.sample(paid, min(2, len(paid))))
    by_seq = {item.seq: item for item in batch.items}
    deaths = dict(context.deaths or {})
    deaths.update({str(by_seq[s].beneficiary.id_number): LATE_DEATH for s in died})
    newer = dataclasses.replace(context, deaths=deaths)
    found = post_payment_review(batch, policy, newer, paid=paid)
    say(
        f"{REVIEW_DAY.isoformat()} 收到新登记的死亡信息 {len(died)} 人（死亡日期 "
        f"{LATE_DEATH.isoformat()}，早于发放期间 {PERIOD}），对已发放的批次 {batch.batch_id} 复核。"
    )
    say(found.summary() + "。")
    name = f"{REVIEW_FOLDER}/{batch.batch_id}-应追回清单.csv"
    out.write(name, found.to_csv())
    table = Table("序号", "身份证号（脱敏）", "姓名", "已发（元）", "应追回（元）", "规则")
    for recovery in found.recoveries:
        store.record_recovery(
            recovery.batch_id,
            recovery.seq,
            recovery.amount,
            rule=recovery.rule,
            reason=recovery.reason,
            actor=DEPT_REVIEWER,
        )
        table.add_row(
            str(recovery.seq),
            recovery.masked_id,
            recovery.name,
            f"{recovery.paid:,}",
            f"{recovery.amount:,}",
            recovery.rule,
        )
    console.print(table)
    if not found.recoveries:
        return
    seqs = "、".join(str(r.seq) for r in found.recoveries)
    case = Case.open(
        case_id=f"ZG-{REVIEW_DAY:%Y%m%d}-{batch.batch_id}",
        source=CaseSource.RECOVERY,
        subject=f"{batch.batch_id} 第 {seqs} 条",
        description=(
            f"事后专项核查：{len(found.recoveries)} 人在发放期间前已死亡仍获发放，"
            f"应追回 {found.total:,.2f} 元"
        ),
        region=str(batch.region),
        owner=DEPT_CLERK,
        due=REVIEW_DAY + _dt.timedelta(days=CASE_DAYS),
        by=DEPT_REVIEWER,
        at=clock(),
    )
    store.save_case(case)
    say(
        f"已登记追回 {len(found.recoveries)} 笔、{found.total:,.2f} 元（原发放记录不变），"
        f"应追回清单 {name}；整改事项 {case.case_id}（{case.source.label}）由 {DEPT_REVIEWER.name} "
        f"交办 {DEPT_CLERK.name}，限 {case.due.isoformat()} 前追回，当前「{case.state.label}」。"
    )
