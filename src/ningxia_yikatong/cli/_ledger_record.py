"""``yikatong ledger record KIND FILE``: what the other commands write, into the ledger.

Each kind reads the file another command wrote: ``catalog`` the policy list JSON
(``catalog export --format json``), ``check`` the JSON report (``check --out
报告.json``), ``payment`` a payment file (``render``), ``return`` a bank return
(``bank-simulate`` or the bank), ``reconciliation`` the JSON result
(``reconcile --out``), ``notices`` the notices CSV (``notices --out``). A file is
named in the ledger by the SHA-256 of its bytes; key fingerprints come from the
public key files. Messages are Chinese; exit status 1 for any refusal.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import click

from ..errors import LedgerError
from ._app import console, handle_errors
from ._ledger import _actor, _ledger_options, _open, record_group
from ._reconcile import _read, _verifier

__all__ = ["file_digest"]

_FILE = click.Path(dir_okay=False, exists=True, path_type=Path)
_ACTOR = click.option("--actor", default=None, help="操作人（默认当前用户）")


def file_digest(path: Path) -> str:
    """SHA-256 hex of a file's bytes: how the ledger names a payment file or return."""
    return hashlib.sha256(_read(path, "ledger")).hexdigest()


@record_group.command("catalog")
@click.argument("catalog_file", type=_FILE)
@_ledger_options
@_ACTOR
@handle_errors
def record_catalog(
    *, catalog_file: Path, url: str, data_key_file: Path | None, actor: str | None
) -> None:
    """登记补贴政策清单 JSON 的每个版本（已登记的相同版本不重复登记）。"""
    from ..catalog import CatalogRevision  # noqa: PLC0415
    from ._catalog import load_catalog_file  # noqa: PLC0415

    loaded = load_catalog_file(catalog_file)
    revisions = (loaded,) if isinstance(loaded, CatalogRevision) else loaded.revisions
    with _open(url, data_key_file, required=False) as ledger:
        for revision in revisions:
            rec = ledger.record_catalog_revision(revision, actor=_actor(actor))
            console.print(
                f"已登记第{rec.version}版政策清单（{rec.effective_from} 生效），摘要 {rec.digest}"
            )


@record_group.command("check")
@click.argument("report_file", type=_FILE)
@_ledger_options
@_ACTOR
@handle_errors
def record_check(
    *, report_file: Path, url: str, data_key_file: Path | None, actor: str | None
) -> None:
    """登记比对报告（check --out 写出的 JSON），须与台账中登记的批次内容一致。"""
    from ..checks import CheckReport  # noqa: PLC0415

    report = CheckReport.from_json(_read(report_file, "ledger"))
    with _open(url, data_key_file) as ledger:
        rec = ledger.record_check_report(report, actor=_actor(actor))
    verdict = "可以继续" if rec.may_proceed else "不得继续"
    console.print(f"已登记批次 {rec.batch_id} 的比对报告（{verdict}），摘要 {rec.digest}")


@record_group.command("override")
@click.argument("batch_id")
@click.argument("seq", type=int)
@click.argument("rule")
@click.option("--reason", required=True, help="核定理由")
@_ledger_options
@_ACTOR
@handle_errors
def record_override(
    *,
    batch_id: str,
    seq: int,
    rule: str,
    reason: str,
    url: str,
    data_key_file: Path | None,
    actor: str | None,
) -> None:
    """人工核定：接受已登记比对报告中某条明细的警告或提示（须说明理由）。"""
    with _open(url, data_key_file, required=False) as ledger:
        made = ledger.record_override(batch_id, seq, rule, reason, actor=_actor(actor))
    console.print(
        f"已登记人工核定：批次 {batch_id} 第{made.seq}条 {made.rule}，核定人 {made.actor}"
    )


@record_group.command("payment")
@click.argument("payment_file", type=_FILE)
@click.option("--batch-id", required=True, help="批次号")
@click.option("--key", "key_file", type=_FILE, required=True, help="签名所用密钥的公钥文件")
@click.option(
    "--bank-key", "bank_key", type=_FILE, default=None, help="银行验签公钥（回盘应由其签名）"
)
@_ledger_options
@_ACTOR
@handle_errors
def record_payment(
    *,
    payment_file: Path,
    batch_id: str,
    key_file: Path,
    bank_key: Path | None,
    url: str,
    data_key_file: Path | None,
    actor: str | None,
) -> None:
    """登记已发送的代发文件：文件摘要（SHA-256）与签名密钥指纹；批次须已批准发放。"""
    with _open(url, data_key_file, required=False) as ledger:
        rec = ledger.record_payment_file(
            batch_id,
            digest=file_digest(payment_file),
            signing_key_fingerprint=_verifier(key_file).key_fingerprint,
            bank_key_fingerprint=None if bank_key is None else _verifier(bank_key).key_fingerprint,
            actor=_actor(actor),
        )
    console.print(f"已登记批次 {rec.batch_id} 的代发文件，摘要 {rec.digest}")


@record_group.command("return")
@click.argument("return_file", type=_FILE)
@click.option("--batch-id", required=True, help="批次号")
@click.option("--payment", "payment_file", type=_FILE, required=True, help="所回复的代发文件")
@click.option("--bank-key", "bank_key", type=_FILE, required=True, help="验签所用的银行公钥")
@_ledger_options
@_ACTOR
@handle_errors
def record_return(
    *,
    return_file: Path,
    batch_id: str,
    payment_file: Path,
    bank_key: Path,
    url: str,
    data_key_file: Path | None,
    actor: str | None,
) -> None:
    """登记收到的回盘文件：摘要、所回复的代发文件摘要与验签密钥指纹。"""
    with _open(url, data_key_file, required=False) as ledger:
        rec = ledger.record_bank_return(
            batch_id,
            digest=file_digest(return_file),
            payment_digest=file_digest(payment_file),
            verifying_key_fingerprint=_verifier(bank_key).key_fingerprint,
            actor=_actor(actor),
        )
    console.print(f"已登记批次 {rec.batch_id} 的回盘文件，摘要 {rec.digest}")


@record_group.command("reconciliation")
@click.argument("result_file", type=_FILE)
@click.option(
    "--return",
    "return_files",
    type=_FILE,
    multiple=True,
    required=True,
    help="对账所用的回盘文件（按对账时的顺序，可多次指定）",
)
@click.option("--release-failed", is_flag=True, help="登记后释放发放失败明细的占用")
@_ledger_options
@_ACTOR
@handle_errors
def record_reconciliation(
    *,
    result_file: Path,
    return_files: tuple[Path, ...],
    release_failed: bool,
    url: str,
    data_key_file: Path | None,
    actor: str | None,
) -> None:
    """登记对账结果（reconcile --out 写出的 JSON），回盘须已登记；批次未发送时拒绝。"""
    from ..reconcile import ReconciliationReport  # noqa: PLC0415

    report = ReconciliationReport.from_json(_read(result_file, "ledger"))
    who = _actor(actor)
    with _open(url, data_key_file, required=False) as ledger:
        rec = ledger.record_reconciliation(
            report, return_digests=[file_digest(p) for p in return_files], actor=who
        )
        t = rec.report.totals
        console.print(
            f"已登记批次 {rec.batch_id} 的第{rec.number}次对账：已发放 {t.paid.count} 笔，"
            f"失败 {t.failed.count} 笔，待处理 {t.pending.count + t.missing.count} 笔"
        )
        if release_failed:
            released = ledger.release_failed(rec.batch_id, actor=who)
            console.print(f"已释放发放失败明细的占用 {released} 个")


@record_group.command("notices")
@click.argument("notices_file", type=_FILE)
@click.option("--batch-id", required=True, help="批次号")
@_ledger_options
@_ACTOR
@handle_errors
def record_notices(
    *, notices_file: Path, batch_id: str, url: str, data_key_file: Path | None, actor: str | None
) -> None:
    """登记已发送的到账通知（notices --out 写出的 CSV 中可发送的各条），手机号加密保存。"""
    from ..identity import Phone  # noqa: PLC0415
    from ..reconcile import RecipientNotice  # noqa: PLC0415

    text = _read(notices_file, "ledger").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or set(rows[0]) != {"序号", "手机号", "可发送", "短信内容"}:
        raise LedgerError(
            "到账通知文件应为 notices 命令写出的 CSV（序号,手机号,可发送,短信内容）",
            code="cli.notices_file",
            file=str(notices_file),
        )
    sent = []
    for n, row in enumerate(rows, 2):
        if row["可发送"] != "是":
            continue
        if not row["序号"].isdigit():
            raise LedgerError(
                "序号应为正整数", code="cli.notices_file", file=str(notices_file), row=n
            )
        sent.append(RecipientNotice(int(row["序号"]), Phone(row["手机号"]), row["短信内容"]))
    with _open(url, data_key_file) as ledger:
        rec = ledger.record_notices(batch_id, sent, actor=_actor(actor))
    console.print(f"已登记批次 {batch_id} 的到账通知 {len(rec.notices)} 条，摘要 {rec.digest}")
