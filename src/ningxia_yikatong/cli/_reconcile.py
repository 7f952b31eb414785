"""``yikatong reconcile`` and ``yikatong reissue``: bank returns checked, failures paid again.

Both read the batch as JSON (``PayoutBatch``) and the bank's return files, which
the bank's adapter verifies with the bank's public key before anything is read:
a return whose signature does not verify stops the command and nothing of it is
used. Each RETURN argument is a return data file; its detached signature is the
file of the same name with the adapter's signature suffix (``.sig``) beside it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import click
from cryptography.hazmat.primitives.asymmetric import rsa
from rich.table import Table

from ..bank import AccountNumber, BankAccount, BankCode
from ..banks import BankAdapter, BankReturn, get_adapter
from ..errors import FileFormatError, KeyLoadError, YikatongError
from ..identity import PersonName
from ..payout import PayoutBatch
from ..reconcile import (
    AccountCorrection,
    Reconciliation,
    reconcile,
    reissue,
    summary_rows,
    to_csv,
    to_json,
    to_xlsx,
)
from ..signing import RsaVerifier, Sm2PublicKey, Sm2Verifier, Verifier, load_public_key
from ._app import console, handle_errors, main

__all__ = ["CORRECTION_COLUMNS", "read_corrections", "reconcile_command", "reissue_command"]

#: Largest batch, return or corrections file read (bytes).
MAX_FILE_BYTES: Final = 512 * 1024 * 1024
#: Columns of a corrections file; 序号 and 收款账号 are required.
CORRECTION_COLUMNS: Final = ("序号", "收款账号", "开户银行", "户名", "是否一卡通", "备注")
_SHOWN_ANOMALIES: Final = 20


def _read(path: Path, code: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FileFormatError(f"文件过大（{size}字节）", code=f"{code}.too_large").at(
                file=str(path)
            )
        return path.read_bytes()
    except OSError as exc:
        reason = "文件不存在" if isinstance(exc, FileNotFoundError) else type(exc).__name__
        raise FileFormatError(f"无法读取文件：{reason}", code=f"{code}.unreadable").at(
            file=str(path)
        ) from None


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise FileFormatError(
            f"无法写入文件：{type(exc).__name__}", code="reconcile.file_unwritable"
        ).at(file=str(path)) from None


def _load_batch(path: Path) -> PayoutBatch:
    try:
        return PayoutBatch.model_validate_json(_read(path, "batch"))
    except YikatongError as exc:
        raise exc.at(file=str(path)) from None


def _verifier(path: Path) -> Verifier:
    key = load_public_key(path)
    if isinstance(key, Sm2PublicKey):
        return Sm2Verifier(key)
    if isinstance(key, rsa.RSAPublicKey):
        return RsaVerifier(key)
    raise KeyLoadError("验签公钥应为SM2或RSA公钥", code="key.type", file=str(path))


def _returns(adapter: BankAdapter, paths: Sequence[Path], verifier: Verifier) -> list[BankReturn]:
    suffix: str = getattr(adapter, "signature_suffix", ".sig")
    out = []
    for path in paths:
        if path.name.endswith(suffix):
            continue  # a signature file, read with its data file
        files = {path.name: _read(path, "return")}
        signature = path.with_name(path.name + suffix)
        if signature.exists():
            files[signature.name] = _read(signature, "return")
        try:
            out.append(adapter.parse_return(files, verifier))
        except YikatongError as exc:
            raise exc.at(file=str(path)) from None
    return out


def _load(
    batch_file: Path, return_files: Sequence[Path], bank: str, verify_key: Path
) -> Reconciliation:
    batch = _load_batch(batch_file)
    adapter = get_adapter(bank)
    verifier = _verifier(verify_key)
    returns = _returns(adapter, return_files, verifier)
    return reconcile(batch, returns, trusted_keys={verifier.key_fingerprint})


def _show(rec: Reconciliation) -> None:
    batch = rec.batch
    console.print(
        f"批次 {batch.batch_id}（{batch.period.label}，第{batch.round}轮）对账结果",
        markup=False,
        soft_wrap=True,
    )
    table = Table()
    table.add_column("项目")
    table.add_column("笔数", justify="right")
    table.add_column("金额（元）", justify="right")
    for label, count, amount in summary_rows(rec.totals):
        table.add_row(label, str(count), f"{amount:.2f}")
    console.print(table)
    if not rec.anomalies:
        console.print("未发现异常", markup=False)
        return
    console.print(f"异常 {len(rec.anomalies)} 处：", markup=False)
    for anomaly in rec.anomalies[:_SHOWN_ANOMALIES]:
        console.print(f"  - {anomaly}", markup=False, soft_wrap=True)
    if len(rec.anomalies) > _SHOWN_ANOMALIES:
        console.print(
            f"  …… 另有 {len(rec.anomalies) - _SHOWN_ANOMALIES} 处，见导出文件", markup=False
        )


def _cell(row: dict[str, str], column: str) -> str:
    return (row.get(column) or "").strip()


def read_corrections(path: Path, batch: PayoutBatch) -> list[AccountCorrection]:
    """Account corrections from a CSV file (UTF-8 or GB18030) with a header row.

    Columns: 序号 (of the reconciled batch) and 收款账号 are required; 开户银行
    (bank code), 户名 and 是否一卡通 (是/否) default to the item's current
    account; 备注 is kept as the correction's note.
    """
    data = _read(path, "corrections")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise FileFormatError(
                "账户更正文件不是UTF-8或GB18030编码的文本", code="corrections.encoding"
            ).at(file=str(path)) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in CORRECTION_COLUMNS[:2] if c not in header]
    if missing:
        raise FileFormatError(
            f"账户更正文件缺少列：{'、'.join(missing)}", code="corrections.columns"
        ).at(file=str(path), row=1)
    out = []
    for row_number, row in enumerate(reader, 2):
        if None in row:
            raise FileFormatError("该行的列数多于表头", code="corrections.columns").at(
                file=str(path), row=row_number
            )
        column = "序号"
        try:
            raw_seq = _cell(row, column)
            if not raw_seq.isdigit():
                raise FileFormatError("序号应为正整数", code="corrections.seq")
            seq = int(raw_seq)
            current = batch.item(seq).beneficiary.account if 0 < seq <= batch.count else None
            column = "收款账号"
            number = AccountNumber(_cell(row, column))
            column = "开户银行"
            bank_text = _cell(row, column)
            bank = BankCode(bank_text) if bank_text else (current.bank if current else None)
            column = "户名"
            name_text = _cell(row, column)
            name = (
                PersonName(name_text) if name_text else (current.holder_name if current else None)
            )
            column = "是否一卡通"
            flag = _cell(row, column)
            if flag not in ("", "是", "否"):
                raise FileFormatError("是否一卡通应填“是”或“否”", code="corrections.flag")
            if bank is None or name is None:
                # The seq is unknown, so nothing can default: reissue names the seq.
                column = "开户银行" if bank is None else "户名"
                raise FileFormatError(
                    f"批次中没有序号 {seq}，须填写开户银行和户名", code="corrections.seq"
                )
            yikatong = (current.is_yikatong if current else True) if flag == "" else flag == "是"
            account = BankAccount(number=number, bank=bank, holder_name=name, is_yikatong=yikatong)
        except YikatongError as exc:
            raise exc.at(file=str(path), row=row_number, column=column) from None
        out.append(AccountCorrection(seq, account, note=_cell(row, "备注")))
    return out


_BATCH = click.argument("batch_file", metavar="BATCH", type=click.Path(path_type=Path))
_RETURNS = click.argument(
    "return_files", metavar="RETURN...", nargs=-1, required=True, type=click.Path(path_type=Path)
)
_BANK = click.option("--bank", required=True, help="代发银行代码（如 nxrcb、psbc、abc）")
_KEY = click.option(
    "--verify-key",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="银行的验签公钥或证书（PEM/DER）",
)


@main.command("reconcile")
@_BATCH
@_RETURNS
@_BANK
@_KEY
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="导出目录：写入“批次号-对账”.xlsx、.csv 和 .json",
)
@click.option("--unmasked", is_flag=True, help="导出完整的身份证号和账号（默认脱敏）")
@handle_errors
def reconcile_command(
    *,
    batch_file: Path,
    return_files: tuple[Path, ...],
    bank: str,
    verify_key: Path,
    out: Path | None,
    unmasked: bool,
) -> None:
    """核对银行回盘：每笔明细的发放结果、异常和合计。"""
    rec = _load(batch_file, return_files, bank, verify_key)
    _show(rec)
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FileFormatError(
                f"无法创建目录：{type(exc).__name__}", code="reconcile.file_unwritable"
            ).at(file=str(out)) from None
        stem = f"{rec.batch.batch_id}-对账"
        _write(out / f"{stem}.xlsx", to_xlsx(rec, mask=not unmasked))
        _write(out / f"{stem}.csv", to_csv(rec, mask=not unmasked))
        _write(out / f"{stem}.json", to_json(rec, indent=2).encode("utf-8"))
        console.print(f"已导出到 {out}：{stem}.xlsx、.csv、.json", markup=False, soft_wrap=True)


@main.command("reissue")
@_BATCH
@_RETURNS
@_BANK
@_KEY
@click.option("--batch-id", "new_batch_id", required=True, help="补发批次号")
@click.option(
    "--corrections",
    type=click.Path(dir_okay=False, path_type=Path),
    help="账户更正文件（CSV：序号,收款账号[,开户银行,户名,是否一卡通,备注]）",
)
@click.option(
    "--accept-anomalies", "reason", help="对账有异常时仍要补发：接受异常的理由（记录在案）"
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="输出目录：写入补发批次 JSON 和补发对照表 CSV",
)
@handle_errors
def reissue_command(
    *,
    batch_file: Path,
    return_files: tuple[Path, ...],
    bank: str,
    verify_key: Path,
    new_batch_id: str,
    corrections: Path | None,
    reason: str | None,
    out: Path,
) -> None:
    """对发放失败的明细生成补发批次（可同时更正账户）。"""
    rec = _load(batch_file, return_files, bank, verify_key)
    fixes = [] if corrections is None else read_corrections(corrections, rec.batch)
    result = reissue(rec, fixes, batch_id=new_batch_id, accept_anomalies=reason)
    new = result.batch
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileFormatError(
            f"无法创建目录：{type(exc).__name__}", code="reconcile.file_unwritable"
        ).at(file=str(out)) from None
    _write(out / f"{new.batch_id}.json", new.model_dump_json(indent=2).encode("utf-8"))
    table = io.StringIO(newline="")
    writer = csv.writer(table, lineterminator="\r\n")
    writer.writerow(["补发序号", "原批次号", "原序号", "账户已更正", "更正备注"])
    notes = {c.seq: c.note for c in result.corrections}
    for seq, parent_seq in enumerate(result.origin, 1):
        fixed = parent_seq in notes
        writer.writerow(
            [
                seq,
                rec.batch.batch_id,
                parent_seq,
                "是" if fixed else "否",
                notes.get(parent_seq, ""),
            ]
        )
    _write(out / f"{new.batch_id}-补发对照.csv", table.getvalue().encode("utf-8-sig"))
    console.print(
        f"补发批次 {new.batch_id}（第{new.round}轮，上级批次 {new.parent_batch_id}）："
        f"{new.count} 笔，{new.total} 元，更正账户 {len(result.corrections)} 笔",
        markup=False,
        soft_wrap=True,
    )
    if result.acceptance is not None:
        console.print(
            f"已接受 {len(result.acceptance.anomalies)} 处异常，理由：{result.acceptance.reason}",
            markup=False,
            soft_wrap=True,
        )
    if result.skipped:
        console.print(
            f"未纳入补发的失败明细：{'、'.join(map(str, result.skipped))}",
            markup=False,
            soft_wrap=True,
        )
    console.print(f"已写入 {out / (new.batch_id + '.json')}", markup=False, soft_wrap=True)
