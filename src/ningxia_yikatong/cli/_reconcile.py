"""``yikatong reconcile`` and ``reissue``: bank returns checked, failures paid again.

``reconcile-chain`` (:mod:`._chain`) and ``notices`` (:mod:`._notices`) share
what is here. Every command reads batches as JSON (``PayoutBatch``) and
the bank's return files, which the bank's adapter verifies with the bank's
public key before anything is read: a return whose signature does not verify
stops the command and nothing of it is used. Each RETURN argument is a return
data file; its detached signature is the file of the same name with the
adapter's signature suffix (``.sig``) beside it.

Exit status (docs/cli.md): 0 done; 1 an error (the message says what and
where); 2 a usage error; 3 a return that is not the batch's file (another batch
or another bank), refused before anything is written; 4 (``reconcile-chain``)
someone was paid twice.
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
from ..errors import FileFormatError, KeyLoadError, ReconcileError, YikatongError
from ..identity import PersonName
from ..payout import PayoutBatch
from ..reconcile import (
    AccountCorrection,
    ReconcileTotals,
    Reconciliation,
    Reissue,
    reconcile,
    reissue_by_bank,
    summary_rows,
    to_csv,
    to_json,
    to_xlsx,
)
from ..signing import RsaVerifier, Sm2PublicKey, Sm2Verifier, Verifier, load_public_key
from ._app import console, err_console, handle_errors, main
from ._batch import load_batch
from ._output import write_files
from ._progress import progress, tracked

__all__ = [
    "CORRECTION_COLUMNS",
    "EXIT_DOUBLE_PAYMENT",
    "EXIT_WRONG_FILE",
    "MAP_COLUMNS",
    "parse_seqs",
    "read_corrections",
    "reconcile_command",
    "reissue_command",
]

#: Exit status of a command given a return that is not the batch's file.
EXIT_WRONG_FILE: Final = 3
#: Exit status of ``reconcile-chain`` when someone was paid twice.
EXIT_DOUBLE_PAYMENT: Final = 4
#: Columns of the table ``reissue`` writes beside each new batch (新批次号-补发对照.csv).
MAP_COLUMNS: Final = ("补发序号", "原批次号", "原序号", "账户已更正", "更正备注")

#: Largest batch, return or corrections file read (bytes).
MAX_FILE_BYTES: Final = 512 * 1024 * 1024
#: Columns of a corrections file; 序号 and 收款账号 are required.
CORRECTION_COLUMNS: Final = ("序号", "收款账号", "开户银行", "户名", "是否一卡通", "备注")
_SHOWN_ANOMALIES: Final = 20
#: ``--force``: replace output files that exist (see docs/cli.md, output files).
FORCE = click.option("--force", is_flag=True, help="覆盖已有的输出文件")


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


def _load_batch(path: Path, option: str = "BATCH") -> PayoutBatch:
    return load_batch(path, option)


def _verifier(path: Path) -> Verifier:
    key = load_public_key(path)
    if isinstance(key, Sm2PublicKey):
        return Sm2Verifier(key)
    if isinstance(key, rsa.RSAPublicKey):
        return RsaVerifier(key)
    raise KeyLoadError("验签公钥应为SM2或RSA公钥", code="key.type", file=str(path))


def _return_files(adapter: BankAdapter, path: Path) -> dict[str, bytes]:
    suffix: str = getattr(adapter, "signature_suffix", ".sig")
    files = {path.name: _read(path, "return")}
    signature = path.with_name(path.name + suffix)
    if signature.exists():
        files[signature.name] = _read(signature, "return")
    return files


def _data_files(adapter: BankAdapter, paths: Sequence[Path]) -> list[Path]:
    suffix: str = getattr(adapter, "signature_suffix", ".sig")
    # a signature file is read with its data file
    return [p for p in paths if not p.name.endswith(suffix)]


def _returns(adapter: BankAdapter, paths: Sequence[Path], verifier: Verifier) -> list[BankReturn]:
    out = []
    data_files = _data_files(adapter, paths)
    for path in tracked(data_files, "验签并读取回盘文件", len(data_files)):
        try:
            out.append(adapter.parse_return(_return_files(adapter, path), verifier))
        except YikatongError as exc:
            raise exc.at(file=str(path)) from None
    return out


def _refuse_wrong_files(rec: Reconciliation, paths: Sequence[Path]) -> None:
    """Stop with status 3 when a return is not this batch's file (nothing is written)."""
    wrong = rec.wrong_files
    if not wrong:
        return
    for anomaly in wrong:
        k = anomaly.return_index
        name = str(paths[k]) if k is not None and k < len(paths) else "回盘文件"
        err_console.print(
            f"错误：{name} 不是批次 {rec.batch.batch_id} 的回盘：{anomaly.message}。"
            f"该文件未采用，未写出任何结果；请核对回盘文件后重新运行 [{anomaly.code}]",
            markup=False,
            soft_wrap=True,
            style="red",
        )
    raise SystemExit(EXIT_WRONG_FILE)


def _load(
    batch_file: Path, return_files: Sequence[Path], bank: str, verify_key: Path
) -> Reconciliation:
    batch = _load_batch(batch_file)
    adapter = get_adapter(bank)
    if adapter.code != batch.agent_bank:
        err_console.print(
            f"错误：批次 {batch.batch_id} 的代发银行是 {batch.agent_bank}，不是 --bank 指定的 "
            f"{adapter.code}；回盘未对账，未写出任何结果 [reconcile.other_bank]",
            markup=False,
            soft_wrap=True,
            style="red",
        )
        raise SystemExit(EXIT_WRONG_FILE)
    if not _data_files(adapter, return_files):
        raise ReconcileError(
            "只给出了签名文件，没有回盘数据文件；请同时给出回盘文件", code="cli.no_returns"
        )
    verifier = _verifier(verify_key)
    returns = _returns(adapter, return_files, verifier)
    with progress(f"对账 {batch.count:,} 条明细"):
        rec = reconcile(batch, returns, trusted_keys={verifier.key_fingerprint})
    _refuse_wrong_files(rec, _data_files(adapter, return_files))
    return rec


def totals_table(totals: ReconcileTotals) -> Table:
    """The 项目 / 笔数 / 金额 table of a reconciliation's (or a chain's) totals."""
    table = Table()
    table.add_column("项目")
    table.add_column("笔数", justify="right")
    table.add_column("金额（元）", justify="right")
    for label, count, amount in summary_rows(totals):
        table.add_row(label, str(count), f"{amount:.2f}")
    return table


def _show(rec: Reconciliation) -> None:
    batch = rec.batch
    console.print(
        f"批次 {batch.batch_id}（{batch.period.label}，第{batch.round}轮）对账结果",
        markup=False,
        soft_wrap=True,
    )
    console.print(totals_table(rec.totals))
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
            # A blank flag is unknown: the old account's flag says nothing about a new one.
            yikatong = None if flag == "" else flag == "是"
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
@FORCE
@handle_errors
def reconcile_command(
    *,
    batch_file: Path,
    return_files: tuple[Path, ...],
    bank: str,
    verify_key: Path,
    out: Path | None,
    unmasked: bool,
    force: bool,
) -> None:
    """核对银行回盘：每笔明细的发放结果、异常和合计。"""
    rec = _load(batch_file, return_files, bank, verify_key)
    _show(rec)
    if out is not None:
        stem = f"{rec.batch.batch_id}-对账"
        exports = {
            f"{stem}.xlsx": to_xlsx(rec, mask=not unmasked),
            f"{stem}.csv": to_csv(rec, mask=not unmasked),
            f"{stem}.json": to_json(rec, indent=2).encode("utf-8"),
        }
        write_files(out, exports, force=force)
        console.print(f"已导出到 {out}：{stem}.xlsx、.csv、.json", markup=False, soft_wrap=True)


def parse_seqs(text: str) -> list[int]:
    """Seqs written ``1,3,5-8`` (commas, Chinese commas or spaces between; ranges with ``-``)."""
    out: list[int] = []
    for part in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(","):
        if not part:
            continue
        first, dash, last = part.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise ReconcileError(f"序号应写成 1,3,5-8 这样的正整数或范围：{part}", code="cli.seqs")
        low, high = int(first), int(last) if dash else int(first)
        if high < low or high - low >= 1_000_000:
            raise ReconcileError(f"序号范围有误：{part}", code="cli.seqs")
        out.extend(range(low, high + 1))
    if not out:
        raise ReconcileError("--seqs 未列出任何序号", code="cli.seqs")
    return out


def _batch_ids(values: tuple[str, ...]) -> str | dict[str, str]:
    plain = [v for v in values if "=" not in v]
    named = [v for v in values if "=" in v]
    if len(plain) == 1 and not named:
        return plain[0]
    if plain:
        raise ReconcileError(
            "--batch-id 写一个批次号，或按银行写多个“银行代码=批次号”", code="cli.batch_id"
        )
    ids = {}
    for value in named:
        bank, _, batch_id = value.partition("=")
        ids[str(BankCode(bank))] = batch_id.strip()
    return ids


def _map_table(result: Reissue) -> bytes:
    table = io.StringIO(newline="")
    writer = csv.writer(table, lineterminator="\r\n")
    writer.writerow(MAP_COLUMNS)
    notes = {c.seq: c.note for c in result.corrections}
    for seq, parent_seq in enumerate(result.origin, 1):
        writer.writerow(
            [
                seq,
                result.parent.batch_id,
                parent_seq,
                "是" if parent_seq in notes else "否",
                notes.get(parent_seq, ""),
            ]
        )
    return table.getvalue().encode("utf-8-sig")


@main.command("reissue")
@_BATCH
@_RETURNS
@_BANK
@_KEY
@click.option(
    "--batch-id",
    "new_batch_ids",
    required=True,
    multiple=True,
    help="补发批次号；补发明细分属多家银行时，其他银行的批次号为“批次号-银行代码”，"
    "或按银行写多个“银行代码=批次号”",
)
@click.option(
    "--corrections",
    type=click.Path(dir_okay=False, path_type=Path),
    help="账户更正文件（CSV：序号,收款账号[,开户银行,户名,是否一卡通,备注]）",
)
@click.option("--seqs", "seqs_text", help="只补发这些序号（原批次的序号，如 1,3,5-8）")
@click.option(
    "--accept-anomalies", "reason", help="对账有异常时仍要补发：接受异常的理由（记录在案）"
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="输出目录：每个补发批次写入批次 JSON 和补发对照表 CSV",
)
@FORCE
@handle_errors
def reissue_command(
    *,
    batch_file: Path,
    return_files: tuple[Path, ...],
    bank: str,
    verify_key: Path,
    new_batch_ids: tuple[str, ...],
    corrections: Path | None,
    seqs_text: str | None,
    reason: str | None,
    out: Path,
    force: bool,
) -> None:
    """对发放失败的明细生成补发批次（可同时更正账户）。

    销户、挂失、账户不存在、户名或证件号不符的明细须有账户更正才补发，其余
    （冻结、止付、卡未激活、超限、其他原因）可按原账户补发；更正到其他银行的
    账户，按银行另成补发批次。
    """
    rec = _load(batch_file, return_files, bank, verify_key)
    fixes = [] if corrections is None else read_corrections(corrections, rec.batch)
    seqs = None if seqs_text is None else parse_seqs(seqs_text)
    results = reissue_by_bank(
        rec, fixes, batch_id=_batch_ids(new_batch_ids), accept_anomalies=reason, seqs=seqs
    )
    files: dict[str, bytes] = {}
    for result in results:
        new = result.batch
        files[f"{new.batch_id}.json"] = new.model_dump_json(indent=2).encode("utf-8")
        files[f"{new.batch_id}-补发对照.csv"] = _map_table(result)
    write_files(out, files, force=force)  # every batch and table, or none
    for result in results:
        new = result.batch
        console.print(
            f"补发批次 {new.batch_id}（代发银行 {new.agent_bank}，第{new.round}轮，上级批次 "
            f"{new.parent_batch_id}）：{new.count} 笔，{new.total} 元，"
            f"更正账户 {len(result.corrections)} 笔",
            markup=False,
            soft_wrap=True,
        )
    first = results[0]
    if first.acceptance is not None:
        console.print(
            f"已接受 {len(first.acceptance.anomalies)} 处异常，理由：{first.acceptance.reason}",
            markup=False,
            soft_wrap=True,
        )
    if first.held:
        console.print(f"须先更正账户、未纳入补发的失败明细 {len(first.held)} 笔：", markup=False)
        for held in first.held:
            console.print(
                f"  - 第{held.seq}笔（{held.status.label}）：{held.reason}",
                markup=False,
                soft_wrap=True,
            )
    others = [s for s in first.skipped if s not in {h.seq for h in first.held}]
    if others:
        console.print(
            f"未纳入补发的其他失败明细（已补发过或未选中）：{'、'.join(map(str, others))}",
            markup=False,
            soft_wrap=True,
        )
    names = "、".join(f"{r.batch.batch_id}.json" for r in results)
    console.print(f"已写入 {out}：{names}", markup=False, soft_wrap=True)
