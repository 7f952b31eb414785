"""``yikatong notices``: the 逐项告知 texts of a reconciled batch, for an SMS gateway.

The command sends nothing: it writes a CSV of seq, phone, whether an SMS can go
to it, and the text; the department's gateway sends them.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import click

from ..errors import ReconcileError
from ..identity import mask_phone
from ..payout import PayoutBatch
from ..policy import SubsidyPolicy
from ..reconcile import DEFAULT_NOTICE_TEMPLATE, recipient_notices
from ._app import console, handle_errors, main
from ._output import ensure_folder, write_file
from ._reconcile import _BANK, _BATCH, _KEY, _RETURNS, FORCE, _load

__all__ = ["notices_command"]


def _policy_of(batch: PayoutBatch, catalog: Path | None) -> SubsidyPolicy:
    code = str(batch.policy_code)
    if catalog is not None:
        from ..catalog import CatalogRevision  # noqa: PLC0415 - only with --catalog
        from ._catalog import load_catalog_file  # noqa: PLC0415 - only with --catalog

        loaded = load_catalog_file(catalog)
        if isinstance(loaded, CatalogRevision):
            return loaded.policy(code)
        return loaded.revision_on(batch.pay_date or batch.period.start).policy(code)
    from ..testing.policies import sample_policies  # noqa: PLC0415 - only without --catalog

    for policy in sample_policies():
        if policy.code == code:
            return policy
    raise ReconcileError(
        f"批次的政策 {code} 不在示例政策中，请用 --catalog 指定补贴政策清单",
        code="cli.policy",
    )


@main.command("notices")
@_BATCH
@_RETURNS
@_BANK
@_KEY
@click.option(
    "--catalog",
    type=click.Path(dir_okay=False, path_type=Path),
    help="补贴政策清单 JSON（默认用示例政策）",
)
@click.option(
    "--template", help="短信模板，占位符：{subsidy} {period} {amount} {last4} {card} {date}"
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="写入告知短信 CSV（序号,手机号,可发送,短信内容），交短信网关发送",
)
@FORCE
@handle_errors
def notices_command(
    *,
    batch_file: Path,
    return_files: tuple[Path, ...],
    bank: str,
    verify_key: Path,
    catalog: Path | None,
    template: str | None,
    out: Path,
    force: bool,
) -> None:
    """逐项告知：为每笔已发放的补贴生成告知短信（本命令不发送短信）。"""
    rec = _load(batch_file, return_files, bank, verify_key)
    policy = _policy_of(rec.batch, catalog)
    notices = recipient_notices(rec, policy, template=template or DEFAULT_NOTICE_TEMPLATE)
    table = io.StringIO(newline="")
    writer = csv.writer(table, lineterminator="\r\n")
    writer.writerow(["序号", "手机号", "可发送", "短信内容"])
    for notice in notices:
        phone = "" if notice.phone is None else str(notice.phone)
        writer.writerow([notice.seq, phone, "是" if notice.sendable else "否", notice.text])
    ensure_folder(out.parent)
    write_file(out, table.getvalue().encode("utf-8-sig"), force=force)
    sendable = [n for n in notices if n.sendable]
    console.print(
        f"已发放 {len(notices)} 笔，生成告知短信 {len(sendable)} 条"
        f"（无手机号或非手机号 {len(notices) - len(sendable)} 笔）：已写入 {out}",
        markup=False,
        soft_wrap=True,
    )
    example = next((n for n in sendable if n.phone is not None), None)
    if example is not None and example.phone is not None:
        console.print(
            f"示例：{mask_phone(example.phone)} {example.text}", markup=False, soft_wrap=True
        )
