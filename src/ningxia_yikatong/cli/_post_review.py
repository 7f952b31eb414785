"""``yikatong review post-payment``: post-payment review (事后专项核查).

The checks run again over the items of a paid batch with newer reference data
(the ``--ref`` options of ``yikatong check``); what should not have been paid
is the recovery list (应追回清单), written as CSV (``--out``) and summed up on
screen. The items reviewed are those the reconciliation found paid: from
``--reconciliation`` (``reconcile --out``'s JSON), else, with ``--record``,
the ledger's last reconciliation of the batch, else every item (said on
screen). ``--record --actor ID`` records each recovery in the ledger
(``LifecycleStore.record_recovery``), skipping those recorded already.

Exit status: 0 reviewed (whether or not anything is to be recovered); 1 an
error or a refusal (the message gives the code); 2 usage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import click
from rich.table import Table

from ..checks import CheckContext
from ..errors import WorkflowError, YikatongError
from ..payout import DigestName, PayoutBatch, batch_digest
from ..policy import SubsidyPolicy
from ..reconcile import Outcome, ReconciliationReport
from ..workflow import PostPaymentReview, post_payment_review
from ._actors import actors_option, find_actor
from ._app import about_file, console, handle_errors, main
from ._batch import _read, load_batch
from ._check import batch_policy, catalog_option, reference_context, reference_options
from ._ledger import _ledger_options
from ._output import refuse_existing, write_file
from ._workflow import MAX_RESULT_BYTES, lifecycle_store

__all__ = ["review_group"]

_SHOWN: Final = 50


@main.group("review")
def review_group() -> None:
    """核查：事后专项核查（应追回清单）。"""


def _paid_in(report: ReconciliationReport) -> list[int]:
    return [item.seq for item in report.items if item.outcome is Outcome.PAID]


def _reconciliation_file(path: Path, batch: PayoutBatch) -> ReconciliationReport:
    try:
        report = ReconciliationReport.from_json(
            _read(path, "--reconciliation", "对账结果", MAX_RESULT_BYTES)
        )
    except YikatongError as exc:
        raise about_file(exc, path, "--reconciliation") from None
    if report.batch_id != str(batch.batch_id):
        raise WorkflowError(
            f"--reconciliation 是批次 {report.batch_id} 的对账结果，不是 {batch.batch_id} 的",
            code="cli.batch_mismatch",
            file=str(path),
        )
    return report


def _show(review: PostPaymentReview) -> None:
    if review.recoveries:
        shown = review.recoveries[:_SHOWN]
        table = Table(
            "序号",
            "身份证号（脱敏）",
            "姓名",
            "已发金额",
            "应追回金额",
            "规则",
            "核查发现",
            title=f"应追回清单（共 {len(review.recoveries)} 笔，列出前 {len(shown)} 笔）",
            title_justify="left",
        )
        for r in shown:
            table.add_row(
                str(r.seq), r.masked_id, r.name, str(r.paid), str(r.amount), r.rule, r.reason
            )
        console.print(table)
    for rule, _data in review.report.missing_data:
        console.print(f"缺少参考数据：{review.report.missing_message(rule)}", markup=False)
    console.print(review.summary(), markup=False, soft_wrap=True)


@review_group.command("post-payment")
@click.option(
    "--batch",
    "batch_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="已发放的批次 JSON",
)
@click.option(
    "--policy", "policy_code", default=None, help="政策编码（默认取自批次，给出时须相符）"
)
@catalog_option
@reference_options
@click.option(
    "--reconciliation",
    "reconciliation_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="对账结果 JSON：只复核已发放的明细（默认取台账中最近一次对账，或全部明细）",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="应追回清单 CSV（默认为批次文件旁的“批次号_应追回清单.csv”）",
)
@click.option("--force", is_flag=True, help="覆盖已有的清单文件")
@click.option("--record", is_flag=True, help="把每笔应追回登记到台账（须 --actor）")
@click.option("--actor", "actor_id", default=None, help="登记人编号（经办人员名单中的 actor_id）")
@actors_option
@_ledger_options
@handle_errors
def post_payment_command(**options: Any) -> None:
    """事后专项核查：以新的参考数据复核已发放的明细，写出应追回清单。"""
    batch_file: Path = options["batch_file"]
    batch = load_batch(batch_file, "--batch")
    out: Path = options["out"] or batch_file.with_name(f"{batch.batch_id}_应追回清单.csv")
    refuse_existing([out], force=options["force"])
    if options["record"] and not options["actor_id"]:
        raise WorkflowError("--record 须用 --actor 指明登记人", code="cli.option")
    actor = find_actor(options["actors_file"], options["actor_id"]) if options["record"] else None
    policy = batch_policy(batch, options)
    context = reference_context(options)
    paid: list[int] | None = None
    if options["reconciliation_file"] is not None:
        paid = _paid_in(_reconciliation_file(options["reconciliation_file"], batch))
    if actor is None:
        _review_and_write(
            batch, policy, context, paid, out=out, force=options["force"], ledger=False
        )
        return
    with lifecycle_store(options["url"], options["data_key_file"]) as store:
        ledger = store.ledger
        record = ledger.record(str(batch.batch_id))
        algorithm: DigestName = "sm3" if record.digest_algorithm == "sm3" else "sha256"
        if batch_digest(batch, algorithm) != record.digest:
            raise WorkflowError(
                f"--batch 的内容与台账中登记的批次 {batch.batch_id} 不同，不能据此登记追回",
                code="cli.batch_mismatch",
                file=str(batch_file),
            )
        if paid is None:
            recorded = ledger.reconciliations(str(batch.batch_id))
            if recorded:
                paid = _paid_in(recorded[-1].report)
        review = _review_and_write(
            batch, policy, context, paid, out=out, force=options["force"], ledger=True
        )
        known = {(r.seq, r.rule) for r in store.recoveries(str(batch.batch_id))}
        made = skipped = 0
        for r in review.recoveries:
            if (r.seq, r.rule) in known:
                skipped += 1
                continue
            store.record_recovery(
                str(batch.batch_id), r.seq, r.amount, rule=r.rule, reason=r.reason, actor=actor
            )
            made += 1
    again = f"，{skipped} 笔此前已登记" if skipped else ""
    console.print(f"已在台账登记追回 {made} 笔{again}", markup=False, soft_wrap=True)


def _review_and_write(
    batch: PayoutBatch,
    policy: SubsidyPolicy,
    context: CheckContext,
    paid: list[int] | None,
    *,
    out: Path,
    force: bool,
    ledger: bool,
) -> PostPaymentReview:
    if paid is None:
        where = "，台账中也没有" if ledger else ""
        console.print(
            f"未提供对账结果（--reconciliation）{where}：复核批次的全部明细", markup=False
        )
    review = post_payment_review(batch, policy, context, paid=paid)
    _show(review)
    write_file(out, review.to_csv(), force=force)
    console.print(f"应追回清单已写入 {out}", markup=False, soft_wrap=True)
    return review
