"""``yikatong batch declare|review|verify|approve|send|return|reconcile|disclose|close|
send-back|cancel``: the payout lifecycle (发放流程) from the command line.

Each command takes one step of a batch recorded in the ledger (``yikatong
ledger record 批次.json --department …``, without ``--approve``: the approval
of the lifecycle claims the people), by the person ``--actor ID`` of the staff
file (:mod:`._actors`), through
:class:`~ningxia_yikatong.workflow.store.LifecycleStore`: the step, and what
the ledger records with it, in one transaction. ``batch status`` and ``batch
overdue`` (:mod:`._workflow_status`) read the lifecycles.

Exit status: 0 the step was taken (for an approval that needs several
signatures, this signature was recorded); 1 a refusal (not allowed in the
state, another role, region, maker ≠ checker, a changed batch, a wrong file:
the message says why, with its code); 2 a usage error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

import click

from ..errors import LedgerError, WorkflowError, YikatongError
from ..workflow import Actor, ItemOverride, Lifecycle, LifecycleRules, Step, TimeLimit
from ._actors import actor_options, find_actor
from ._app import about_file, console, handle_errors
from ._batch import MAX_REPORT_BYTES, _read, batch, load_batch
from ._ledger import _ledger_options, _open

if TYPE_CHECKING:
    from ..ledger import Ledger
    from ..ledger._records import RecordedBatch
    from ..policy import SubsidyPolicy
    from ..workflow.store import LifecycleStore

__all__ = ["lifecycle_store", "said"]

F = TypeVar("F", bound=Callable[..., Any])

_FILE: Final = click.Path(dir_okay=False, exists=True, path_type=Path)
#: Largest reconciliation JSON read (bytes).
MAX_RESULT_BYTES: Final = 1024**3


@contextmanager
def lifecycle_store(url: str, data_key_file: Path | None) -> Iterator[LifecycleStore]:
    """The lifecycles of the ledger ``url``; a batch not recorded, or with no
    lifecycle yet, is refused with the command that fixes it."""
    from ..workflow.store import LifecycleStore  # noqa: PLC0415 - the ledger extra

    with _open(url, data_key_file, required=False) as ledger:
        try:
            yield LifecycleStore(ledger)
        except LedgerError as exc:
            if exc.code != "ledger.batch_unknown":
                raise
            raise LedgerError(
                f"{exc.message}：请先用 yikatong ledger record 批次.json --department 主管部门 "
                "登记批次（不加 --approve，审批时由流程占用）",
                code=exc.code,
                location=exc.location,
            ) from None
        except WorkflowError as exc:
            if exc.code != "workflow.lifecycle_unknown":
                raise
            raise WorkflowError(
                f"{exc.message}：请先用 yikatong batch declare 批次号 --actor 编号 申报",
                code=exc.code,
                location=exc.location,
            ) from None


def said(life: Lifecycle, step: Step, actor: Actor) -> str:
    """What the command says after ``actor`` took ``step``: the state, and what may follow."""
    allowed = "、".join(s.label for s in life.allowed_steps()) or "无（流程已结束）"
    line = f"批次 {life.batch_id}：{actor} 已办理「{step.label}」，当前为「{life.state.label}」"
    last = life.transitions[-1]
    if step.is_review and last.after is last.before:
        need = life.rules.signatures_for(step)
        signed = sum(1 for t in life.transitions if t.step is step and t.before is last.before)
        line += f"（已签核 {signed}/{need} 人，尚需另一人签核）"
    return f"{line}；可执行：{allowed}"


def _step_options(func: F) -> F:
    return click.argument("batch_id")(actor_options(_ledger_options(func)))


def _take(
    step: Step,
    *,
    batch_id: str,
    actor_id: str,
    actors_file: Path,
    url: str,
    data_key_file: Path | None,
    reason: str | None = None,
) -> None:
    """Take one step that needs nothing but the actor (and a reason for 退回、作废)."""
    actor = find_actor(actors_file, actor_id)
    with lifecycle_store(url, data_key_file) as store:
        if step is Step.SEND_BACK or step is Step.CANCEL:
            assert reason is not None  # a required option
            act = store.send_back if step is Step.SEND_BACK else store.cancel
            life = act(batch_id, actor, reason)
        else:
            plain = {
                Step.REVIEW: store.review,
                Step.VERIFY: store.verify,
                Step.DISCLOSE: store.disclose,
                Step.CLOSE: store.close,
            }
            life = plain[step](batch_id, actor)
    console.print(said(life, step, actor), markup=False, soft_wrap=True)


# -- 申报 declare ----------------------------------------------------------------------


def _recorded_policy(ledger: Ledger, record: RecordedBatch) -> tuple[SubsidyPolicy, str] | None:
    """The policy of the batch in the catalog recorded in the ledger, and where it came from."""
    if not ledger.catalog_revisions():
        return None
    try:
        revision = ledger.catalog().revision_on(record.period_start)
    except YikatongError:
        return None
    policy = revision.get(record.policy_code)
    return None if policy is None else (policy, f"台账中的政策清单第{revision.version}版")


def _rules(
    ledger: Ledger,
    record: RecordedBatch,
    *,
    town_review: bool,
    approvals: int | None,
    time_limit: int | None,
    working_days: bool,
) -> tuple[LifecycleRules, str]:
    changes: dict[str, object] = {"pay_mode": record.pay_mode, "town_review": town_review}
    if approvals is not None:
        changes["signatures"] = {Step.APPROVE: approvals}
    found = _recorded_policy(ledger, record)
    if time_limit is not None:
        changes["time_limit"] = TimeLimit(days=time_limit, working_days=working_days)
    if found is None:
        if time_limit is None:
            raise WorkflowError(
                f"台账中没有政策 {record.policy_code} 的政策清单"
                "（yikatong ledger record catalog），请用 --time-limit 指定办理时限（天）",
                code="cli.time_limit_missing",
            )
        return LifecycleRules.model_validate(changes), "--time-limit"
    policy, source = found
    if time_limit is None:
        changes["time_limit"] = TimeLimit(days=policy.time_limit_days, working_days=working_days)
    where = "--time-limit" if time_limit is not None else source
    return LifecycleRules.for_policy(policy, **changes), where


@batch.command("declare")
@_step_options
@click.option("--department", default=None, help="主管部门（默认为台账中登记批次时的主管部门）")
@click.option("--no-town-review", is_flag=True, help="不经乡镇初审（已申报后直接审核）")
@click.option(
    "--approvals", type=click.IntRange(1, 5), default=None, help="审批须几人签核（默认 1）"
)
@click.option(
    "--time-limit",
    type=click.IntRange(1, 366),
    default=None,
    help="办理时限：审批后几天内发放（默认取台账中登记的政策清单）",
)
@click.option("--working-days", is_flag=True, help="办理时限按工作日计算")
@handle_errors
def declare_command(
    *,
    batch_id: str,
    actor_id: str,
    actors_file: Path,
    url: str,
    data_key_file: Path | None,
    department: str | None,
    no_town_review: bool,
    approvals: int | None,
    time_limit: int | None,
    working_days: bool,
) -> None:
    """申报台账中登记的批次；尚无流程时按这些规则建立流程（规则建立后不能更改）。"""
    actor = find_actor(actors_file, actor_id)
    with lifecycle_store(url, data_key_file) as store:
        try:
            existing: Lifecycle | None = store.lifecycle(batch_id)
        except WorkflowError as exc:
            if exc.code != "workflow.lifecycle_unknown":
                raise
            existing = None
        if existing is None:
            ledger = store.ledger
            record = ledger.record(batch_id)
            rules, source = _rules(
                ledger,
                record,
                town_review=not no_town_review,
                approvals=approvals,
                time_limit=time_limit,
                working_days=working_days,
            )
            store.start(
                batch_id, rules=rules, department=department or record.department, actor=actor
            )
            console.print(
                f"已建立批次 {batch_id} 的流程：{_rules_line(rules)}（时限取自{source}）",
                markup=False,
                soft_wrap=True,
            )
        else:
            rules = existing.rules
            limit = rules.time_limit
            differ = [
                flag
                for flag, same in (
                    ("--no-town-review", not no_town_review or not rules.town_review),
                    ("--approvals", approvals in (None, rules.signatures_for(Step.APPROVE))),
                    ("--time-limit", time_limit in (None, limit.days)),
                    ("--working-days", not working_days or limit.working_days),
                    ("--department", department in (None, existing.department)),
                )
                if not same
            ]
            if differ:
                raise WorkflowError(
                    f"批次 {batch_id} 的流程已建立（{existing.department}；{_rules_line(rules)}），"
                    f"规则不能更改：请去掉 {'、'.join(differ)}",
                    code="cli.rules_fixed",
                )
        life = store.declare(batch_id, actor)
    console.print(said(life, Step.DECLARE, actor), markup=False, soft_wrap=True)


def _rules_line(rules: LifecycleRules) -> str:
    parts = [
        "经乡镇初审" if rules.town_review else "不经乡镇初审",
        f"审批 {rules.signatures_for(Step.APPROVE)} 人签核",
        rules.pay_mode.value,
        f"办理时限 {rules.time_limit.label}",
    ]
    if rules.schedule is not None:
        parts.append(f"{rules.schedule.frequency.label}发放")
    return "，".join(parts)


# -- 初审 审核 公示 归档 退回 作废 -------------------------------------------------------


@batch.command("review")
@_step_options
@handle_errors
def review_command(**kw: Any) -> None:
    """初审（乡镇审核）：所审核的是申报时的批次内容。"""
    _take(Step.REVIEW, **kw)


@batch.command("verify")
@_step_options
@handle_errors
def verify_command(**kw: Any) -> None:
    """审核（主管部门审核）。"""
    _take(Step.VERIFY, **kw)


@batch.command("disclose")
@_step_options
@handle_errors
def disclose_command(**kw: Any) -> None:
    """公示：批次的发放信息已公开公示。"""
    _take(Step.DISCLOSE, **kw)


@batch.command("close")
@_step_options
@handle_errors
def close_command(**kw: Any) -> None:
    """归档（主管部门审核）。"""
    _take(Step.CLOSE, **kw)


_REASON = click.option("--reason", required=True, help="原因（记入流程）")


@batch.command("send-back")
@_step_options
@_REASON
@handle_errors
def send_back_command(**kw: Any) -> None:
    """退回：已申报、已初审或已审核的批次退回草稿，须重新申报。"""
    _take(Step.SEND_BACK, **kw)


@batch.command("cancel")
@_step_options
@_REASON
@handle_errors
def cancel_command(**kw: Any) -> None:
    """作废：发送前的批次作废，台账释放其占用。"""
    _take(Step.CANCEL, **kw)


# -- 审批 approve ----------------------------------------------------------------------


def _overrides(specs: tuple[str, ...], actor: Actor) -> list[ItemOverride]:
    out = []
    for spec in specs:
        seq, sep, reason = spec.partition("=")
        if not sep or not seq.strip().isdigit() or not reason.strip():
            raise WorkflowError(
                f"--override 应为 序号=核定理由（如 7=经入户核实仍在世），“{spec}”不是",
                code="cli.override",
            )
        out.append(ItemOverride(seq=int(seq), reason=reason.strip(), actor_id=actor.actor_id))
    return out


@batch.command("approve")
@_step_options
@click.option(
    "--report",
    "report_file",
    type=_FILE,
    required=True,
    help="申报批次的比对报告（yikatong check --batch 批次.json --out 报告.json）",
)
@click.option(
    "--override",
    "override_specs",
    multiple=True,
    metavar="SEQ=REASON",
    help="人工核定：有阻断问题仍予发放的明细及理由，可重复",
)
@handle_errors
def approve_command(
    *,
    batch_id: str,
    actor_id: str,
    actors_file: Path,
    url: str,
    data_key_file: Path | None,
    report_file: Path,
    override_specs: tuple[str, ...],
) -> None:
    """审批：依据比对报告（须是申报的批次内容的报告）；审批完成时台账占用批次人员。"""
    from ..checks import CheckReport  # noqa: PLC0415

    actor = find_actor(actors_file, actor_id)
    overrides = _overrides(override_specs, actor)
    try:
        report = CheckReport.from_json(_read(report_file, "--report", "比对报告", MAX_REPORT_BYTES))
    except YikatongError as exc:
        raise about_file(exc, report_file, "--report") from None
    with lifecycle_store(url, data_key_file) as store:
        life = store.approve(batch_id, actor, report=report, overrides=overrides)
    console.print(said(life, Step.APPROVE, actor), markup=False, soft_wrap=True)
    approval = life.approval
    if approval is not None:
        console.print(
            f"审批依据比对报告（摘要 {approval.report_digest[:16]}…），人工核定 "
            f"{len(approval.overrides)} 条；应于 {_due(life)} 前发放",
            markup=False,
            soft_wrap=True,
        )


def _due(life: Lifecycle) -> str:
    try:
        due = life.due()
    except WorkflowError as exc:
        if exc.code != "workflow.calendar_missing":
            raise
        label = life.rules.time_limit.label
        return f"审批后 {label}（用 yikatong batch status --calendar 查看日期）"
    return "—" if due is None else due.isoformat()


# -- 发送 回盘 对账 ----------------------------------------------------------------------


def _check_batch_id(batch_id: str, given: object, option: str, path: Path) -> None:
    if str(given) != batch_id:
        raise WorkflowError(
            f"{option} 指定的是批次 {given}，不是 {batch_id}",
            code="cli.batch_mismatch",
            file=str(path),
        )


@batch.command("send")
@_step_options
@click.option("--batch", "batch_file", type=_FILE, required=True, help="所发送的批次 JSON")
@click.option("--payment-file", type=_FILE, required=True, help="已签名的代发文件（render 写出）")
@click.option("--key", "key_file", type=_FILE, required=True, help="签名所用密钥的公钥文件")
@click.option("--bank-key", type=_FILE, default=None, help="银行验签公钥（回盘应由其签名）")
@handle_errors
def send_command(
    *,
    batch_id: str,
    actor_id: str,
    actors_file: Path,
    url: str,
    data_key_file: Path | None,
    batch_file: Path,
    payment_file: Path,
    key_file: Path,
    bank_key: Path | None,
) -> None:
    """发送：批次须是审批时的内容（否则审批失效），台账登记代发文件摘要与密钥指纹。"""
    from ._ledger_record import file_digest  # noqa: PLC0415
    from ._reconcile import _verifier  # noqa: PLC0415

    actor = find_actor(actors_file, actor_id)
    sent = load_batch(batch_file, "--batch")
    _check_batch_id(batch_id, sent.batch_id, "--batch", batch_file)
    digest = file_digest(payment_file)
    with lifecycle_store(url, data_key_file) as store:
        life = store.send(
            batch_id,
            actor,
            batch=sent,
            file_digest=digest,
            signing_key_fingerprint=_verifier(key_file).key_fingerprint,
            bank_key_fingerprint=None if bank_key is None else _verifier(bank_key).key_fingerprint,
        )
    console.print(said(life, Step.SEND, actor), markup=False, soft_wrap=True)
    console.print(f"代发文件摘要 {digest}", markup=False, soft_wrap=True)


@batch.command("return")
@_step_options
@click.option("--return-file", type=_FILE, required=True, help="银行回盘文件")
@click.option("--payment-file", type=_FILE, required=True, help="回盘所回复的代发文件")
@click.option("--bank-key", type=_FILE, required=True, help="验签所用的银行公钥")
@handle_errors
def return_command(
    *,
    batch_id: str,
    actor_id: str,
    actors_file: Path,
    url: str,
    data_key_file: Path | None,
    return_file: Path,
    payment_file: Path,
    bank_key: Path,
) -> None:
    """回盘：回盘文件须回复本批次发送的代发文件，台账登记其摘要。"""
    from ._ledger_record import file_digest  # noqa: PLC0415
    from ._reconcile import _verifier  # noqa: PLC0415

    actor = find_actor(actors_file, actor_id)
    with lifecycle_store(url, data_key_file) as store:
        life = store.record_return(
            batch_id,
            actor,
            file_digest=file_digest(return_file),
            payment_digest=file_digest(payment_file),
            verifying_key_fingerprint=_verifier(bank_key).key_fingerprint,
        )
    console.print(said(life, Step.RETURN, actor), markup=False, soft_wrap=True)


@batch.command("reconcile")
@_step_options
@click.option(
    "--reconciliation",
    "result_file",
    type=_FILE,
    required=True,
    help="对账结果 JSON（yikatong reconcile --out 写出）",
)
@click.option(
    "--return-file",
    "return_files",
    type=_FILE,
    multiple=True,
    required=True,
    help="对账所用的回盘文件（按对账时的顺序，可重复），须已登记",
)
@click.option("--release-failed", is_flag=True, help="登记后释放发放失败明细的占用（以便补发）")
@handle_errors
def reconcile_command(
    *,
    batch_id: str,
    actor_id: str,
    actors_file: Path,
    url: str,
    data_key_file: Path | None,
    result_file: Path,
    return_files: tuple[Path, ...],
    release_failed: bool,
) -> None:
    """对账：登记对账结果；加 --release-failed 释放发放失败明细的占用。"""
    from ..reconcile import ReconciliationReport  # noqa: PLC0415
    from ._ledger_record import file_digest  # noqa: PLC0415

    actor = find_actor(actors_file, actor_id)
    try:
        report = ReconciliationReport.from_json(
            _read(result_file, "--reconciliation", "对账结果", MAX_RESULT_BYTES)
        )
    except YikatongError as exc:
        raise about_file(exc, result_file, "--reconciliation") from None
    _check_batch_id(batch_id, report.batch_id, "--reconciliation", result_file)
    digests = [file_digest(p) for p in return_files]
    with lifecycle_store(url, data_key_file) as store:
        life = store.reconcile(batch_id, actor, report=report, return_digests=digests)
        released = (
            store.ledger.release_failed(batch_id, actor=actor.actor_id) if release_failed else None
        )
    console.print(said(life, Step.RECONCILE, actor), markup=False, soft_wrap=True)
    t = report.totals
    console.print(
        f"已发放 {t.paid.count} 笔 {t.paid.amount} 元，失败 {t.failed.count} 笔，"
        f"待处理 {t.pending.count + t.missing.count} 笔",
        markup=False,
        soft_wrap=True,
    )
    if released is not None:
        console.print(f"已释放发放失败明细的占用 {released} 个", markup=False, soft_wrap=True)


from . import _workflow_status  # noqa: E402, F401 - batch status, batch overdue
