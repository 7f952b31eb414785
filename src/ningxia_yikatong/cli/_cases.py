"""``yikatong case open|list|assign|fix|verify``: rectification cases (整改) in the ledger.

A reviewer of the region (乡镇审核, 主管部门审核, 财政审批) opens a case and
assigns it to an owner with a due date (已交办); the owner reports it fixed,
saying how (已整改); someone other than the owner verifies the fix (已验收) or
sends it back (已交办 again, saying why). Each step is stored with
:meth:`~ningxia_yikatong.workflow.store.LifecycleStore.save_case`, an audit
event each; people come from the staff file (``--actor``, ``--owner``).

Exit status: 0 done (``case list``: listed, also when some are late); 1 a
refusal or an error (the message gives the code); 2 usage.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from pathlib import Path
from typing import Final

import click
from rich.table import Table

from ..errors import WorkflowError
from ..workflow import Case, CaseSource, CaseState, overdue_cases
from ._actors import actor_options, find_actor
from ._app import console, handle_errors, main
from ._ledger import _ledger_options
from ._workflow import lifecycle_store

__all__ = ["case_group"]

_DATE: Final = click.DateTime(formats=["%Y-%m-%d"])
_SOURCES: Final = click.Choice([s.value for s in CaseSource])


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def _said(case: Case) -> str:
    return (
        f"整改事项 {case.case_id}（{case.source.label}：{case.subject}）："
        f"{case.state.label}，负责人 {case.owner}，期限 {case.due.isoformat()}"
    )


@main.group("case")
def case_group() -> None:
    """整改事项：立案交办、列出（含超期）、改派、报整改、验收。"""


@case_group.command("open")
@click.argument("case_id")
@actor_options
@click.option(
    "--source", type=_SOURCES, required=True, help="来源：核查问题、公示异议、超时未发、应追回"
)
@click.option("--subject", required=True, help="对象，如 批次号#序号 或 批次号")
@click.option("--description", required=True, help="问题描述")
@click.option("--region", required=True, help="所属行政区划代码")
@click.option("--owner", "owner_id", required=True, help="整改负责人编号")
@click.option("--due", type=_DATE, required=True, help="整改期限 YYYY-MM-DD")
@_ledger_options
@handle_errors
def open_command(
    *,
    case_id: str,
    actor_id: str,
    actors_file: Path,
    source: str,
    subject: str,
    description: str,
    region: str,
    owner_id: str,
    due: _dt.datetime,
    url: str,
    data_key_file: Path | None,
) -> None:
    """立案并交办整改事项（乡镇审核、主管部门审核或财政审批）。"""
    actor = find_actor(actors_file, actor_id)
    owner = find_actor(actors_file, owner_id)
    case = Case.open(
        case_id=case_id,
        source=source,
        subject=subject,
        description=description,
        region=region,
        owner=owner,
        due=due.date(),
        by=actor,
        at=_now(),
    )
    with lifecycle_store(url, data_key_file) as store:
        if any(c.case_id == case.case_id for c in store.cases()):
            raise WorkflowError(f"整改事项 {case_id} 已存在", code="cli.case_exists")
        store.save_case(case)
    console.print(_said(case), markup=False, soft_wrap=True)


@case_group.command("list")
@click.option("--overdue", is_flag=True, help="只列出超期未验收的（最超期的在前）")
@click.option("--on", "on", type=_DATE, default=None, help="按哪一天计算超期（默认今天）")
@click.option(
    "--state", type=click.Choice([s.value for s in CaseState]), default=None, help="只列出此状态的"
)
@_ledger_options
@handle_errors
def list_command(
    *,
    overdue: bool,
    on: _dt.datetime | None,
    state: str | None,
    url: str,
    data_key_file: Path | None,
) -> None:
    """列出整改事项：状态、负责人、期限、超期天数。"""
    day = on.date() if on is not None else _dt.date.today()
    with lifecycle_store(url, data_key_file) as store:
        cases = store.cases()
    if overdue:
        cases = overdue_cases(cases, on=day)
    if state is not None:
        cases = [c for c in cases if c.state.value == state]
    if not cases:
        console.print("没有超期未验收的整改事项" if overdue else "没有整改事项", markup=False)
        return
    table = Table(
        "编号",
        "来源",
        "对象",
        "区划",
        "状态",
        "负责人",
        "期限",
        "超期天数",
        title=f"整改事项（截至 {day.isoformat()}，共 {len(cases)} 项）",
        title_justify="left",
    )
    for c in cases:
        late = c.days_late(day)
        table.add_row(
            c.case_id,
            c.source.label,
            c.subject,
            str(c.region),
            c.state.label,
            str(c.owner),
            c.due.isoformat(),
            str(late) if late else "—",
        )
    console.print(table)


def _update(url: str, key: Path | None, case_id: str, change: Callable[[Case], Case]) -> Case:
    with lifecycle_store(url, key) as store:
        case = change(store.case(case_id))
        store.save_case(case)
    console.print(_said(case), markup=False, soft_wrap=True)
    return case


@case_group.command("assign")
@click.argument("case_id")
@actor_options
@click.option("--owner", "owner_id", required=True, help="新的整改负责人编号")
@click.option("--due", type=_DATE, default=None, help="新的整改期限（默认不变）")
@click.option("--note", default="", help="说明")
@_ledger_options
@handle_errors
def assign_command(
    *,
    case_id: str,
    actor_id: str,
    actors_file: Path,
    owner_id: str,
    due: _dt.datetime | None,
    note: str,
    url: str,
    data_key_file: Path | None,
) -> None:
    """改派：交给另一负责人，或给出新的期限。"""
    actor = find_actor(actors_file, actor_id)
    owner = find_actor(actors_file, owner_id)
    _update(
        url,
        data_key_file,
        case_id,
        lambda c: c.assign(
            actor, owner, at=_now(), due=c.due if due is None else due.date(), note=note
        ),
    )


@case_group.command("fix")
@click.argument("case_id")
@actor_options
@click.option("--note", required=True, help="整改情况")
@_ledger_options
@handle_errors
def fix_command(
    *,
    case_id: str,
    actor_id: str,
    actors_file: Path,
    note: str,
    url: str,
    data_key_file: Path | None,
) -> None:
    """报整改：负责人说明如何整改。"""
    actor = find_actor(actors_file, actor_id)
    _update(url, data_key_file, case_id, lambda c: c.fix(actor, at=_now(), note=note))


@case_group.command("verify")
@click.argument("case_id")
@actor_options
@click.option(
    "--accept/--reject", "accepted", default=None, help="验收通过，或退回整改（必选其一）"
)
@click.option("--note", default="", help="说明（退回整改时必填）")
@_ledger_options
@handle_errors
def verify_command(
    *,
    case_id: str,
    actor_id: str,
    actors_file: Path,
    accepted: bool | None,
    note: str,
    url: str,
    data_key_file: Path | None,
) -> None:
    """验收：负责人以外的审核人员验收通过（已验收）或退回整改（已交办）。"""
    if accepted is None:
        raise WorkflowError("请用 --accept（验收通过）或 --reject（退回整改）", code="cli.option")
    actor = find_actor(actors_file, actor_id)
    _update(
        url,
        data_key_file,
        case_id,
        lambda c: c.verify(actor, at=_now(), accepted=accepted, note=note),
    )
