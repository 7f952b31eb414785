"""``yikatong check``: cross-check a roster (花名册) against a policy and reference data.

Reference files are named with ``--ref KIND=FILE``; KIND is ``deaths``,
``payroll``, ``prior``, ``households`` or the label of an exclusion registry
(``vehicles`` ...). Without ``KIND=`` the kind is taken from the file name
(``deaths.csv``, ``payroll.xlsx``, ``vehicles.csv``). ``--demo`` runs the checks
on synthetic data with planted problems.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import json
import random
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, TypeVar

import click
from rich.markup import escape
from rich.table import Table

from ..bank import AccountNumber, BankCode
from ..catalog import CatalogRevision
from ..checks import (
    CheckContext,
    CheckReport,
    HouseholdMember,
    MissingDataOverride,
    PriorPayout,
    PriorPayouts,
    SeverityOverrides,
    load_deaths,
    load_households,
    load_id_set,
    load_prior_payouts,
    load_public_payroll,
    run_checks,
)
from ..checks._context import DEFAULT_SHARED_ACCOUNT_THRESHOLD, Households
from ..codes import BatchId, Period
from ..errors import CheckError, ReferenceDataError, YikatongError
from ..payout import PayoutBatch
from ..policy import SubsidyPolicy
from ..regions import NINGXIA
from ._app import about_file, console, handle_errors, main
from ._batch import load_batch
from ._output import refuse_existing, write_with
from ._progress import progress
from ._roster import read_roster_shown

__all__ = [
    "batch_policy",
    "catalog_option",
    "check",
    "reference_context",
    "reference_kind",
    "reference_options",
]

_KINDS: Final = {
    "deaths": "deaths",
    "death": "deaths",
    "死亡": "deaths",
    "payroll": "payroll",
    "public_payroll": "payroll",
    "财政供养": "payroll",
    "prior": "prior",
    "paid": "prior",
    "prior_payouts": "prior",
    "已发放": "prior",
    "households": "households",
    "household": "households",
    "户籍": "households",
}
F = TypeVar("F", bound=Callable[..., Any])

_SEVERITY_STYLE: Final = {"block": "red", "warn": "yellow", "info": "cyan"}


def reference_kind(spec: str) -> tuple[str, str, Path]:
    """``(kind, registry label, path)`` of a ``--ref`` value.

    >>> reference_kind("deaths=/data/d.csv")[:2]
    ('deaths', 'deaths')
    >>> reference_kind("车辆.xlsx")[:2]
    ('registry', '车辆')
    """
    label, sep, path = spec.partition("=")
    if not sep:
        path = spec
        label = Path(spec).stem
    label = label.strip()
    kind = _KINDS.get(label.lower(), "registry")
    return kind, label if kind == "registry" else kind, Path(path.strip())


def _load_context(
    refs: tuple[str, ...], encoding: str, severity: Path | None, threshold: int
) -> CheckContext:
    # A kind no --ref names stays None: not loaded, so its rules report it missing.
    deaths: dict[str, _dt.date] | None = None
    payroll: dict[str, str] | None = None
    prior: PriorPayouts | None = None
    households: Households | None = None
    registries: dict[str, frozenset[str]] = {}
    for spec in refs:
        kind, label, path = reference_kind(spec)
        if kind == "deaths":
            loaded = load_deaths(path, encoding=encoding)
            if deaths is None:
                deaths = loaded
            else:
                for rid, died in loaded.items():
                    if deaths.setdefault(rid, died) != died:
                        raise ReferenceDataError(
                            f"同一人在不同死亡人员文件中的死亡日期不同（{deaths[rid]} 与 {died}）",
                            code="refdata.duplicate",
                            file=path.name,
                        )
        elif kind == "payroll":
            loaded_payroll = load_public_payroll(path, encoding=encoding)
            payroll = loaded_payroll if payroll is None else loaded_payroll | payroll
        elif kind == "prior":
            if prior is None:
                prior = PriorPayouts()
            prior.extend(load_prior_payouts(path, encoding=encoding))
        elif kind == "households":
            if households is not None:
                raise CheckError("户籍信息只能指定一个文件", code="cli.option", file=path.name)
            households = load_households(path, encoding=encoding)
        else:
            registries[label] = registries.get(label, frozenset()) | load_id_set(
                path, encoding=encoding
            )
    overrides = SeverityOverrides()
    if severity is not None:
        try:
            data = json.loads(severity.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise CheckError(
                f"无法读取严重程度配置：{exc}", code="check.severity", file=severity.name
            ) from None
        if not isinstance(data, dict):
            raise CheckError(
                "严重程度配置应为 JSON 对象", code="check.severity", file=severity.name
            )
        overrides = SeverityOverrides.from_mapping(data)
    return CheckContext(
        deaths=deaths,
        public_payroll=payroll,
        prior_payouts=prior,
        households=households,
        registries=registries,
        shared_account_threshold=threshold,
        overrides=overrides,
    )


def reference_options(func: F) -> F:
    """``--ref``, ``--ref-encoding``, ``--severity`` and ``--shared-threshold``: the
    reference data of a command that runs the checks (read by :func:`reference_context`)."""
    for option in reversed(
        (
            click.option("--ref", "refs", multiple=True, help="参考数据：[种类=]文件，可重复"),
            click.option(
                "--ref-encoding", default="utf-8-sig", show_default=True, help="参考数据 CSV 编码"
            ),
            click.option(
                "--severity",
                "severity_file",
                type=click.Path(dir_okay=False, path_type=Path),
                help="严重程度配置 JSON",
            ),
            click.option(
                "--shared-threshold",
                type=click.IntRange(min=2),
                default=DEFAULT_SHARED_ACCOUNT_THRESHOLD,
                show_default=True,
                help="同一账户为多少人收款时提示",
            ),
        )
    ):
        func = option(func)
    return func


#: ``--catalog``: the policy list a command takes its policy from (see :func:`batch_policy`).
catalog_option: Final = click.option(
    "--catalog",
    "catalog_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="补贴政策清单 JSON（默认使用示例政策）",
)


def reference_context(options: dict[str, Any]) -> CheckContext:
    """The reference data of ``--ref`` and ``--severity``; an error names the option."""
    try:
        return _load_context(
            options["refs"],
            options["ref_encoding"],
            options["severity_file"],
            options["shared_threshold"],
        )
    except YikatongError as exc:
        where = Path(exc.location.file).name if exc.location.file else None
        for spec in options["refs"]:
            if where == reference_kind(spec)[2].name:
                raise about_file(exc, reference_kind(spec)[2], f"--ref {spec}") from None
        if options["severity_file"] is not None and where == options["severity_file"].name:
            raise about_file(exc, options["severity_file"], "--severity") from None
        raise


def batch_policy(batch: PayoutBatch, options: dict[str, Any]) -> SubsidyPolicy:
    """The policy of ``batch`` from ``--catalog`` (or the sample policies); a
    ``--policy`` or ``--period`` given must be the batch's."""
    for name, flag, value in (
        ("policy_code", "--policy", batch.policy_code),
        ("period", "--period", batch.period),
    ):
        given = options.get(name)
        if given and given.strip().upper() != str(value).upper():
            raise CheckError(
                f"{flag} {given} 与批次 {batch.batch_id} 的 {value} 不符（可省略 {flag}）",
                code="cli.option",
                file=str(options["batch_file"]),
            )
    return _policy(str(batch.policy_code), options["catalog_file"], batch.period.start)


def _policy(code: str, catalog_file: Path | None, on: _dt.date) -> SubsidyPolicy:
    if catalog_file is not None:
        from ._catalog import load_catalog_file  # noqa: PLC0415 - only with --catalog

        try:
            loaded = load_catalog_file(catalog_file)
        except YikatongError as exc:
            raise about_file(exc, catalog_file, "--catalog") from None
        if isinstance(loaded, CatalogRevision):
            return loaded.policy(code)
        return loaded.revision_on(on).policy(code)
    from ..testing.policies import sample_policies  # noqa: PLC0415 - only without --catalog

    by_code = {str(p.code): p for p in sample_policies()}
    found = by_code.get(code.strip().upper())
    if found is None:
        raise CheckError(
            f"示例政策中没有 {code}；可选：{'、'.join(by_code)}，或用 --catalog 指定清单",
            code="cli.policy",
        )
    return found


def _show(report: CheckReport, rows: dict[int, int] | None, max_findings: int) -> None:
    summary = Table(
        title=f"比对汇总：批次 {report.batch_id}（{report.item_count}条）", title_justify="left"
    )
    summary.add_column("规则编码")
    summary.add_column("规则")
    summary.add_column("严重程度")
    summary.add_column("执行情况")
    summary.add_column("问题条数", justify="right")
    for r in report.rules:
        style = _SEVERITY_STYLE[r.severity.value] if r.findings else ""
        summary.add_row(
            r.code, r.title, r.severity.label, r.status.label, str(r.findings), style=style
        )
    console.print(summary)
    if report.findings:
        shown = min(max_findings, len(report.findings))
        table = Table(
            title=f"问题明细（共{len(report.findings)}条，列出前{shown}条）",
            title_justify="left",
        )
        if rows is not None:
            table.add_column("行号", justify="right")
        table.add_column("序号", justify="right")
        table.add_column("身份证号（脱敏）")
        table.add_column("姓名")
        table.add_column("规则")
        table.add_column("严重程度")
        table.add_column("说明", overflow="fold")
        for f in report.findings[:max_findings]:
            cells = [str(f.seq), f.masked_id, f.name, f.title, f.severity.label, f.message]
            if rows is not None:
                cells.insert(0, str(rows[f.seq]))
            table.add_row(*cells, style=_SEVERITY_STYLE[f.severity.value])
        console.print(table)
    for failure in report.failures:
        console.print(f"[red]规则失败[/red]：{failure.message}", soft_wrap=True)
    for rule, _data in report.missing_data:
        accepted = report.override_of(rule) is not None
        label = "缺少参考数据（已豁免）" if accepted else "缺少参考数据"
        console.print(
            f"[yellow]{label}[/yellow]：{escape(report.missing_message(rule))}", soft_wrap=True
        )
    style = "green" if report.may_proceed else "red"
    console.print(f"[{style}]{report.summary()}[/{style}]", soft_wrap=True)


@main.command("check")
@click.argument(
    "roster_file",
    metavar="ROSTER",
    required=False,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--batch",
    "batch_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="改为比对发放批次 JSON（yikatong batch from-roster 生成；政策、期间取自批次）",
)
@click.option("--policy", "policy_code", help="政策编码，如 NX-GLJT")
@catalog_option
@click.option("--period", help="发放期间，如 2026、2026-H1、2026-Q1、2026-03")
@click.option("--bank", help="代发银行代码（默认花名册中人数最多的银行）")
@click.option("--batch-id", help="批次号（默认 CHK-发放期间）")
@click.option("--payer-account", help="付款账号（财政专户）")
@click.option("--payer-name", help="付款账户名称")
@click.option("--pay-date", type=click.DateTime(formats=["%Y-%m-%d"]), help="发放日期 YYYY-MM-DD")
@reference_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="报告文件（.xlsx、.csv 或 .json；默认为输入文件旁的“文件名_比对报告.xlsx”）",
)
@click.option("--force", is_flag=True, help="覆盖已有的报告文件")
@click.option(
    "--max-findings",
    default=50,
    show_default=True,
    type=click.IntRange(min=0),
    help="屏幕上最多列出的问题条数",
)
@click.option("--allow-rejected", is_flag=True, help="花名册有无效行时仍比对其余行")
@click.option(
    "--accept-missing",
    "accept_missing",
    multiple=True,
    metavar="RULE",
    help="经批准在缺少参考数据时仍继续的规则编码（如 deceased），可重复；须同时填写 --reason",
)
@click.option("--reason", help="豁免缺少参考数据的理由（记入报告）")
@click.option("--by", "accepted_by", help="豁免决定人（默认当前系统用户）")
@click.option("--demo", is_flag=True, help="用合成数据演示（含死亡、财政供养、已发放等问题）")
@click.option(
    "--rows", default=200, show_default=True, type=click.IntRange(min=10), help="演示数据条数"
)
@click.option("--seed", default=0, show_default=True, type=int, help="演示数据随机种子")
@handle_errors
def check(**options: Any) -> None:
    """比对花名册 ROSTER（或 --batch 批次）与补贴政策、参考数据；不得继续时退出状态为 1。"""
    out: Path | None = options["out"]
    source: Path | None = options["batch_file"] or options["roster_file"]
    if out is None and source is not None and not options["demo"]:
        out = source.with_name(f"{source.stem}_比对报告.xlsx")
    if out is not None:  # before the work, not after it
        refuse_existing([out], force=options["force"])
    if options["demo"]:
        batch, policy, context, rows = _demo(options)
    elif options["batch_file"] is not None:
        batch, policy, context, rows = _from_batch(options)
    else:
        batch, policy, context, rows = _from_files(options)
    accepted = _accepted(options)
    with progress(f"比对 {batch.count:,} 条明细"):
        report = run_checks(batch, policy, context, accept_missing=accepted)
    _show(report, rows, options["max_findings"])
    if out is not None:
        write_with(out, report.write, force=options["force"])
        console.print(f"报告已写入 {out}", markup=False, soft_wrap=True)
    if not report.may_proceed:
        raise SystemExit(1)


def _accepted(options: dict[str, Any]) -> list[MissingDataOverride]:
    rules: tuple[str, ...] = options["accept_missing"]
    if not rules:
        if options["reason"] or options["accepted_by"]:
            raise CheckError("--reason 和 --by 只能与 --accept-missing 一起使用", code="cli.option")
        return []
    if not (options["reason"] or "").strip():
        raise CheckError("使用 --accept-missing 须用 --reason 写明理由", code="cli.option")
    by = options["accepted_by"]
    if not by:
        try:
            by = getpass.getuser()
        except (OSError, KeyError):
            raise CheckError(
                "无法确定当前用户，请用 --by 写明豁免决定人", code="cli.option"
            ) from None
    return [MissingDataOverride(rule.strip(), options["reason"], by) for rule in rules]


def _flag(name: str) -> str:
    """The option as it is typed (``--policy`` for the parameter ``policy_code``)."""
    ctx = click.get_current_context(silent=True)
    params = ctx.command.params if ctx is not None else []
    for param in params:
        if param.name == name and param.opts:
            return max(param.opts, key=len)
    return f"--{name.replace('_', '-')}"


def _required(options: dict[str, Any], *names: str) -> None:
    missing = [_flag(n) for n in names if not options[n]]
    if missing:
        raise CheckError(f"缺少选项：{'、'.join(missing)}", code="cli.option")


def _from_files(
    options: dict[str, Any],
) -> tuple[PayoutBatch, SubsidyPolicy, CheckContext, dict[int, int]]:
    if options["roster_file"] is None:
        raise CheckError(
            "请指定花名册 ROSTER 或 --batch 批次文件，或用 --demo 演示", code="cli.option"
        )
    _required(options, "policy_code", "period", "payer_account", "payer_name")
    period = Period(options["period"])
    policy = _policy(options["policy_code"], options["catalog_file"], period.start)
    result = read_roster_shown(options["roster_file"])
    if not options["allow_rejected"]:
        result.raise_for_errors()
    if not result.items:
        raise CheckError("花名册中没有有效明细", code="cli.empty_roster")
    banks = Counter(item.beneficiary.account.bank for item in result.items)
    bank = BankCode(options["bank"]) if options["bank"] else banks.most_common(1)[0][0]
    pay_date = options["pay_date"].date() if options["pay_date"] else None
    batch = PayoutBatch(
        batch_id=BatchId(options["batch_id"] or f"CHK-{period}"),
        policy_code=policy.code,
        period=period,
        region=NINGXIA,
        agent_bank=bank,
        payer_account=AccountNumber(options["payer_account"]),
        payer_name=options["payer_name"],
        items=result.items,
        pay_date=pay_date,
    )
    context = reference_context(options)
    rows = {n: result.source_row(n) for n in range(1, len(result.items) + 1)}
    return batch, policy, context, rows


def _from_batch(
    options: dict[str, Any],
) -> tuple[PayoutBatch, SubsidyPolicy, CheckContext, None]:
    if options["roster_file"] is not None:
        raise CheckError("请指定花名册 ROSTER 或 --batch 之一", code="cli.option")
    batch = load_batch(options["batch_file"], "--batch")
    policy = batch_policy(batch, options)
    context = reference_context(options)
    return batch, policy, context, None


def _demo(options: dict[str, Any]) -> tuple[PayoutBatch, SubsidyPolicy, CheckContext, None]:
    """A synthetic batch where some people died, are on the payroll, were paid before."""
    from ..testing.synthetic import SyntheticData  # noqa: PLC0415 - only for the demo

    code = options["policy_code"] or "NX-DIBAO"
    period = Period(options["period"] or "2026-03")
    policy = _policy(code, options["catalog_file"], period.start)
    seed = options["seed"]
    gen = SyntheticData(seed=seed, rare_name_share=0.01, yikatong_share=0.99)
    batch = gen.batch(
        options["rows"], policy=policy, bank=options["bank"] or "psbc", period=str(period)
    )
    rng = random.Random(seed)  # noqa: S311 - demo data
    ids = [str(i.beneficiary.id_number) for i in batch.items]
    picked = rng.sample(ids, 10)
    start = period.start
    prior = [
        PriorPayout(str(policy.code), period, rid, Decimal("300.00"), "DEMO-EARLIER")
        for rid in picked[5:7]
    ]
    prior.extend(
        PriorPayout(str(other), period, picked[7], Decimal("500.00"), "DEMO-OTHER")
        for other in policy.exclusive_with
    )
    registries = {
        label: [picked[8]]
        for label in policy.exclusion_registries
        if label not in ("deaths", "public_payroll")
    }
    context = CheckContext.build(
        deaths={rid: start - _dt.timedelta(days=20 + 30 * n) for n, rid in enumerate(picked[:3])},
        public_payroll=dict.fromkeys(picked[3:5], "某县农业农村局"),
        prior_payouts=prior,
        household_members=[
            HouseholdMember(
                str(i.beneficiary.household_id), rid, i.beneficiary.name, True, i.beneficiary.region
            )
            for i, rid in zip(batch.items, ids, strict=True)
            if i.beneficiary.household_id
        ],
        registries=registries,
        shared_account_threshold=options["shared_threshold"],
    )
    console.print(
        f"演示：{policy.name}（{policy.code}），{period.label}，{len(batch.items)}条合成明细；"
        "参考数据中3人已死亡、2人为财政供养人员、2人本期已发放",
        soft_wrap=True,
    )
    return batch, policy, context, None
