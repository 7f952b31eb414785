"""``yikatong batch``: make the batch JSON (发放批次) that ``render``, ``reconcile``
and ``reissue`` take, and drop items from it into a new batch.

``batch from-roster`` turns a roster (花名册) into a batch; ``batch drop`` takes
the items that the cross-checks blocked (from ``check``'s JSON report), or the
items named with ``--seqs``, out of a batch. The result is a new batch with a
new batch id: a batch id names one content. It records its source batch
(``source_batch_id``) and each item's seq there (``source_seqs``).
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import click

from ..codes import BatchId
from ..errors import CheckError, FileFormatError, Location, ModelError, YikatongError
from ..identity import mask_id_number
from ..payout import PayoutBatch, PayoutItem
from ..regions import NINGXIA
from ..roster import RosterResult
from ._app import console, handle_errors, main
from ._output import ensure_folder, refuse_existing, write_file
from ._progress import progress
from ._roster import read_roster_shown

__all__ = ["MAX_BATCH_FILE_BYTES", "batch", "load_batch"]

#: Largest batch JSON read (bytes): a million items are about 600 MB.
MAX_BATCH_FILE_BYTES: Final = 2 * 1024**3
#: Largest cross-check report JSON read (bytes).
MAX_REPORT_BYTES: Final = 1024**3


def _read(path: Path, option: str, what: str, limit: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise FileFormatError(
                f"{option} 指定的{what}过大（{size}字节）", code="cli.file_too_large"
            ).at(file=str(path))
        return path.read_bytes()
    except OSError as exc:
        reason = {
            FileNotFoundError: "文件不存在",
            PermissionError: "没有读取权限",
            IsADirectoryError: "这是一个目录",
        }.get(type(exc), exc.strerror or type(exc).__name__)
        raise FileFormatError(f"无法读取 {option} 指定的{what}：{reason}", code="cli.file").at(
            file=str(path)
        ) from None


def _looks_like(data: bytes) -> str | None:
    """What a file that is not batch JSON seems to be, for the error message."""
    head = data[:4096]
    if head.startswith(b"PK\x03\x04"):
        return "XLSX 工作簿（可能是花名册）"
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            first = head.decode(encoding).splitlines()[0] if head else ""
        except (UnicodeDecodeError, IndexError):
            continue
        if "," in first and any(word in first for word in ("姓名", "身份证", "金额")):
            return "CSV 花名册"
    return None


def load_batch(path: Path, option: str = "--batch") -> PayoutBatch:
    """The batch in the JSON file ``path``, given with ``option``; every error
    names the file and the option."""
    data = _read(path, option, "批次文件", MAX_BATCH_FILE_BYTES)
    try:
        with progress(f"读取批次文件 {path.name}"):
            return PayoutBatch.model_validate_json(data)
    except YikatongError as exc:
        if exc.code == "model.json_invalid":
            seems = _looks_like(data)
            hint = (
                f"；它看起来是{seems}，请先用 yikatong batch from-roster 生成批次" if seems else ""
            )
            raise ModelError(
                f"{option} 应为发放批次（PayoutBatch）的 JSON 文件，此文件不是 JSON{hint}",
                code="cli.batch_not_json",
                file=str(path),
            ) from None
        raise type(exc)(
            f"{option} 指定的批次文件有误：{exc.message}",
            code=exc.code,
            location=Location(file=str(path)).merged(exc.location),
            details=exc.details,
        ) from None


def _write_batch(batch: PayoutBatch, out: Path, force: bool) -> None:
    with progress(f"写入批次 {batch.batch_id}"):
        write_file(out, batch.model_dump_json(indent=2), force=force)
    console.print(
        f"已写入批次 {batch.batch_id}：{batch.count:,} 笔，{batch.total:,} 元 → {out}",
        markup=False,
        soft_wrap=True,
    )


@main.group("batch")
def batch() -> None:
    """发放批次（PayoutBatch JSON）：由花名册生成、剔除明细生成新批次；
    发放流程（申报、初审、审核、审批、发送、回盘、对账、公示、归档，退回、作废）、状态与超时清单。"""


_OUT = click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="输出的批次 JSON 文件（默认为输入文件旁的“批次号.json”）",
)
_FORCE = click.option("--force", is_flag=True, help="覆盖已有的输出文件")


@batch.command("from-roster")
@click.argument("roster_file", metavar="ROSTER", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--batch-id", required=True, help="批次号（1至32位字母、数字、_ 或 -）")
@click.option("--policy", "policy_code", required=True, help="政策编码，如 NX-GLJT")
@click.option("--period", required=True, help="发放期间，如 2026、2026-H1、2026-Q1、2026-03")
@click.option("--payer-account", required=True, help="付款账号（财政专户）")
@click.option("--payer-name", required=True, help="付款账户名称")
@click.option("--bank", default=None, help="代发银行代码（花名册只有一家银行时可省略）")
@click.option(
    "--region", default=str(NINGXIA), show_default=True, help="批次所属行政区划代码（6位）"
)
@click.option("--pay-date", type=click.DateTime(formats=["%Y-%m-%d"]), help="发放日期 YYYY-MM-DD")
@click.option("--sheet", default=None, help="XLSX 工作表名称（默认第一个）")
@click.option("--encoding", default=None, help="CSV 编码（默认自动识别 UTF-8 / GB18030）")
@click.option("--allow-rejected", is_flag=True, help="花名册有无效行时仍用其余行生成批次")
@click.option(
    "--per-bank",
    is_flag=True,
    help="按开户银行分别生成批次：批次号为“批次号-银行代码”，写入 --out-dir",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="--per-bank 时的输出目录（默认为花名册所在目录）",
)
@_OUT
@_FORCE
@handle_errors
def from_roster(
    *,
    roster_file: Path,
    batch_id: str,
    policy_code: str,
    period: str,
    payer_account: str,
    payer_name: str,
    bank: str | None,
    region: str,
    pay_date: _dt.datetime | None,
    sheet: str | None,
    encoding: str | None,
    allow_rejected: bool,
    per_bank: bool,
    out_dir: Path | None,
    out: Path | None,
    force: bool,
) -> None:
    """由花名册 ROSTER（CSV 或 XLSX）生成发放批次 JSON。

    花名册有问题行时不生成（这些人会被漏发），除非加 --allow-rejected；
    明细分属多家银行时，用 --bank 指定银行（其他银行的明细会被指出，不生成），
    或用 --per-bank 每家银行生成一个批次。
    """
    if per_bank and (out is not None or bank is not None):
        raise CheckError("--per-bank 不能与 --out 或 --bank 同时使用", code="cli.option")
    if out_dir is not None and not per_bank:
        raise CheckError("--out-dir 只用于 --per-bank；单个批次请用 --out", code="cli.option")
    batch_id = batch_id.strip()
    if not per_bank:
        target = out or roster_file.with_name(f"{batch_id}.json")
        refuse_existing([target], force=force)
    if not roster_file.is_file():
        raise FileFormatError("ROSTER 指定的花名册文件不存在", code="cli.file").at(
            file=str(roster_file)
        )
    result = read_roster_shown(roster_file, sheet=sheet, encoding=encoding)
    if result.rejected and not allow_rejected:
        result.raise_for_errors()
    parts = _by_bank(result) if per_bank else {bank: result}
    made = []
    for code, part in parts.items():
        made.append(
            part.to_batch(
                batch_id=f"{batch_id}-{code.upper()}" if per_bank and code else batch_id,
                policy_code=policy_code,
                period=period,
                region=region,
                payer_account=payer_account,
                payer_name=payer_name,
                agent_bank=code,
                pay_date=pay_date.date() if pay_date else None,
                allow_rejected=allow_rejected,
            )
        )
    if result.rejected_count:
        console.print(
            f"[yellow]注意[/yellow]：花名册有 {result.rejected_count} 行未通过校验，"
            "未纳入批次（用 yikatong roster check 查看）",
            soft_wrap=True,
        )
    if not per_bank:
        _write_batch(made[0], target, force)
        return
    folder = out_dir or roster_file.parent
    targets = [folder / f"{b.batch_id}.json" for b in made]
    refuse_existing(targets, force=force)
    ensure_folder(folder)
    for one, path in zip(made, targets, strict=True):
        _write_batch(one, path, force)


def _by_bank(result: RosterResult) -> dict[str | None, RosterResult]:
    """The roster's valid items split by bank, each part numbered 1..n again."""
    rows: dict[str, list[tuple[PayoutItem, int]]] = {}
    for item, row in zip(result.items, result.source_rows, strict=True):
        rows.setdefault(str(item.beneficiary.account.bank), []).append((item, row))
    if not rows:
        return {None: result}
    return {
        code: replace(
            result,
            items=tuple(item.model_copy(update={"seq": n}) for n, (item, _) in enumerate(pairs, 1)),
            source_rows=tuple(row for _, row in pairs),
        )
        for code, pairs in sorted(rows.items())
    }


def _seqs(text: str) -> set[int]:
    out: set[int] = set()
    for raw in text.replace("，", ",").split(","):
        part = raw.strip()
        if not part:
            continue
        low, sep, high = part.partition("-")
        try:
            first, last = (int(low), int(high)) if sep else (int(part), int(part))
        except ValueError:
            raise CheckError(
                f"--seqs 应为序号列表，如 3,7,10-12；“{part}”不是序号", code="cli.seqs"
            ) from None
        if first < 1 or last < first:
            raise CheckError(f"--seqs 中的“{part}”不是有效的序号范围", code="cli.seqs")
        out.update(range(first, last + 1))
    if not out:
        raise CheckError("--seqs 中没有序号", code="cli.seqs")
    return out


def _blocked_in_report(path: Path, source: PayoutBatch) -> set[int]:
    """The blocked seqs of ``check``'s JSON report, after making sure the report
    is about ``source``."""
    data = _read(path, "--report", "比对报告", MAX_REPORT_BYTES)

    def bad(message: str, code: str = "cli.report") -> CheckError:
        return CheckError(f"--report {message}", code=code, file=str(path))

    try:
        report: Any = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise bad("应为 yikatong check 写出的 JSON 报告（--out 报告.json）") from None
    if not isinstance(report, dict) or not isinstance(report.get("findings"), list):
        raise bad("不是 yikatong check 写出的 JSON 报告（缺少 findings）")
    if report.get("batch_id") != source.batch_id or report.get("item_count") != source.count:
        raise bad(
            f"是批次 {report.get('batch_id')}（{report.get('item_count')}条）的报告，"
            f"不是批次 {source.batch_id}（{source.count}条）的",
            "cli.report_batch",
        )
    if report.get("failures"):
        raise bad(
            "中有规则执行失败：报告不能说明哪些明细应剔除，请先处理后重新比对",
            "cli.report_failures",
        )
    blocked: set[int] = set()
    for index, finding in enumerate(report["findings"], 1):
        if not isinstance(finding, dict) or not isinstance(finding.get("seq"), int):
            raise bad(f"第{index}条问题没有序号")
        if finding.get("severity") != "block":
            continue
        seq = finding["seq"]
        if not 1 <= seq <= source.count:
            raise bad(f"第{index}条问题的序号 {seq} 不在批次中", "cli.report_batch")
        expected = mask_id_number(source.item(seq).beneficiary.id_number)
        if finding.get("masked_id") != expected:
            raise bad(
                f"第{index}条问题（序号 {seq}）的身份证号与批次中的不符：报告不是这个批次的",
                "cli.report_batch",
            )
        blocked.add(seq)
    return blocked


@batch.command("drop")
@click.argument("batch_file", metavar="BATCH", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="yikatong check 的 JSON 报告：剔除其中被阻断的明细",
)
@click.option("--seqs", default=None, help="要剔除的序号，如 3,7,10-12")
@click.option("--batch-id", "new_batch_id", required=True, help="新批次号（须与原批次号不同）")
@click.option("--pay-date", type=click.DateTime(formats=["%Y-%m-%d"]), help="新的发放日期")
@_OUT
@_FORCE
@handle_errors
def drop(
    *,
    batch_file: Path,
    report_file: Path | None,
    seqs: str | None,
    new_batch_id: str,
    pay_date: _dt.datetime | None,
    out: Path | None,
    force: bool,
) -> None:
    """剔除批次 BATCH 中的明细，其余明细生成新批次（新批次号，重新编号）。

    新批次记录原批次号和每笔明细在原批次中的序号。
    """
    if (report_file is None) == (seqs is None):
        raise CheckError("请指定 --report 或 --seqs 之一", code="cli.option")
    source = load_batch(batch_file, "BATCH")
    if BatchId(new_batch_id) == source.batch_id:
        raise ModelError(
            f"--batch-id {new_batch_id} 是原批次的批次号：明细不同的批次须使用新的批次号",
            code="batch.id_reused",
        )
    target = out or batch_file.with_name(f"{new_batch_id.strip()}.json")
    refuse_existing([target], force=force)
    dropped = _seqs(seqs) if seqs is not None else set()
    if report_file is not None:
        dropped = _blocked_in_report(report_file, source)
        if not dropped:
            raise CheckError(
                f"--report 中没有被阻断的明细：批次 {source.batch_id} 可直接使用，不必生成新批次",
                code="cli.nothing_to_drop",
                file=str(report_file),
            )
    try:
        new = source.without(
            dropped, batch_id=new_batch_id, pay_date=pay_date.date() if pay_date else None
        )
    except YikatongError as exc:
        raise exc.at(file=str(batch_file)) from None
    shown = "、".join(map(str, sorted(dropped)[:20])) + ("……" if len(dropped) > 20 else "")
    console.print(
        f"自批次 {source.batch_id} 剔除 {len(dropped)} 笔（序号 {shown}）",
        markup=False,
        soft_wrap=True,
    )
    _write_batch(new, target, force)
