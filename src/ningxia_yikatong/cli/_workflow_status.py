"""``yikatong batch status`` and ``yikatong batch overdue``: where a batch stands
in its lifecycle, and what is late (超时).

Both only read the ledger. Exit status: 0 shown (also when something is late:
the list is the answer); 1 an error (no such batch or lifecycle, a bad
calendar file, a working-day time limit without ``--calendar``); 2 usage.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Final

import click

from ..errors import WorkflowError, YikatongError
from ..workflow import Lifecycle, Step, Transition, WorkCalendar
from ._app import about_file, console, handle_errors
from ._batch import _read, batch
from ._ledger import _ledger_options
from ._workflow import lifecycle_store

__all__ = ["load_calendar"]

#: Largest holiday calendar read (bytes).
MAX_CALENDAR_BYTES: Final = 1024 * 1024
_DATE = click.DateTime(formats=["%Y-%m-%d"])
_CALENDAR = click.option(
    "--calendar",
    "calendar_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help='节假日日历 JSON：{"holidays": [...], "workdays": [...]}（时限按工作日计算时必需）',
)


def load_calendar(path: Path | None) -> WorkCalendar | None:
    """The holiday calendar ``--calendar`` names, if any."""
    if path is None:
        return None
    try:
        return WorkCalendar.from_json(_read(path, "--calendar", "节假日日历", MAX_CALENDAR_BYTES))
    except YikatongError as exc:
        raise about_file(exc, path, "--calendar") from None


def _what(t: Transition) -> str:
    parts = []
    if t.reason:
        parts.append(f"原因：{t.reason}")
    if t.step is Step.APPROVE and t.report_digest:
        parts.append(f"比对报告 {t.report_digest[:12]}…")
    if t.overrides:
        parts.append("人工核定第 " + "、".join(str(o.seq) for o in t.overrides) + " 条")
    if t.file_digest:
        parts.append(f"文件 {t.file_digest[:12]}…")
    elif t.batch_digest and t.step is Step.DECLARE:
        parts.append(f"内容 {t.batch_digest[:12]}…")
    if t.after is t.before and t.step.is_review:
        parts.append("签核（尚需另一人）")
    return "；".join(parts)


def _due_line(life: Lifecycle, calendar: WorkCalendar | None) -> str:
    limit = life.rules.time_limit
    try:
        due = life.due(calendar)
    except WorkflowError as exc:
        if exc.code != "workflow.calendar_missing":
            raise
        return f"办理时限 {limit.label}（按工作日计算，用 --calendar 指定节假日日历以算出日期）"
    if due is None:
        return f"办理时限 {limit.label}，自审批起算（尚未审批）"
    return f"办理时限 {limit.label}：应于 {due.isoformat()} 前发放"


@batch.command("status")
@click.argument("batch_id")
@_ledger_options
@_CALENDAR
@handle_errors
def status_command(
    *, batch_id: str, url: str, data_key_file: Path | None, calendar_file: Path | None
) -> None:
    """批次的流程：当前状态、已办理的每一步（谁、何时、办了什么）、可执行的下一步、应发放日期。"""
    calendar = load_calendar(calendar_file)
    with lifecycle_store(url, data_key_file) as store:
        life = store.lifecycle(batch_id)
    console.print(
        f"批次 {life.batch_id}（{life.policy_code} {life.period}，{life.region}，"
        f"{life.department}）：{life.state.label}",
        markup=False,
        soft_wrap=True,
    )
    if not life.transitions:
        console.print("尚未办理任何步骤（草稿）", markup=False)
    for n, t in enumerate(life.transitions, 1):
        what = _what(t)
        console.print(
            f"{n}. {t.at.isoformat(timespec='seconds')} 「{t.step.label}」 {t.actor} → "
            f"{t.after.label}{'；' + what if what else ''}",
            markup=False,
            soft_wrap=True,
        )
    allowed = "、".join(s.label for s in life.allowed_steps()) or "无（流程已结束）"
    console.print(f"可执行：{allowed}", markup=False, soft_wrap=True)
    console.print(_due_line(life, calendar), markup=False, soft_wrap=True)


@batch.command("overdue")
@click.option("--on", "on", type=_DATE, default=None, help="按哪一天计算（默认今天）YYYY-MM-DD")
@click.option(
    "--expected-from",
    type=_DATE,
    default=None,
    help="同时列出自该日起按发放周期应发而未申报的期间 YYYY-MM-DD",
)
@_CALENDAR
@_ledger_options
@handle_errors
def overdue_command(
    *,
    on: _dt.datetime | None,
    expected_from: _dt.datetime | None,
    calendar_file: Path | None,
    url: str,
    data_key_file: Path | None,
) -> None:
    """超时清单：已审批而未按时发放（回盘）的批次，按主管部门与区划列出超期天数。"""
    day = on.date() if on is not None else _dt.date.today()
    calendar = load_calendar(calendar_file)
    with lifecycle_store(url, data_key_file) as store:
        late = store.overdue(
            on=day,
            calendar=calendar,
            expected_from=None if expected_from is None else expected_from.date(),
        )
    if not late:
        console.print(f"截至 {day.isoformat()} 没有超时的批次", markup=False)
        return
    console.print(f"超时清单（截至 {day.isoformat()}，共 {len(late)} 项）：", markup=False)
    for o in late:  # by department, region and due date
        console.print(o.what, markup=False, soft_wrap=True)
