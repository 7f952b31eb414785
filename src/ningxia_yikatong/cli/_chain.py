"""``yikatong reconcile-chain``: the original batch and its reissues reconciled together.

Each reissue batch is read with the 补发对照 table that ``yikatong reissue`` wrote
beside it (new seq → parent seq); each return is verified by the adapter and key
of its batch's agent bank and goes to the batch it names. Exit status 4 when
someone was paid twice (docs/cli.md).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from ..bank import BankCode
from ..banks import BankReturn, get_adapter
from ..errors import FileFormatError, ReconcileError, YikatongError
from ..payout import PayoutBatch
from ..reconcile import ChainReconciliation, Reissue, reconcile, reconcile_chain
from ..signing import Verifier
from ._app import console, err_console, handle_errors, main
from ._output import write_files
from ._reconcile import (
    _SHOWN_ANOMALIES,
    EXIT_DOUBLE_PAYMENT,
    EXIT_WRONG_FILE,
    FORCE,
    MAP_COLUMNS,
    _data_files,
    _load_batch,
    _read,
    _refuse_wrong_files,
    _return_files,
    _verifier,
    totals_table,
)

__all__ = ["chain_command", "read_reissue"]


def read_reissue(batch_file: Path, parents: dict[str, PayoutBatch]) -> Reissue:
    """A reissue batch and the 补发对照 table ``reissue`` wrote beside it.

    The table (``<batch id>-补发对照.csv`` in the same folder) gives each new item's
    parent ``seq``; its parent batch must be among ``parents``.
    """
    batch = _load_batch(batch_file)
    parent = parents.get(str(batch.parent_batch_id)) if batch.parent_batch_id else None
    if parent is None:
        raise ReconcileError(
            f"补发批次 {batch.batch_id} 的上级批次 {batch.parent_batch_id} 不在补发链中"
            "（--batch 应先列原批次，再按轮次列补发批次）",
            code="reconcile.chain_parent",
        ).at(file=str(batch_file))
    table = batch_file.with_name(f"{batch.batch_id}-补发对照.csv")
    rows = list(csv.reader(io.StringIO(_read(table, "reissue_map").decode("utf-8-sig"))))
    if not rows or tuple(rows[0][: len(MAP_COLUMNS)]) != MAP_COLUMNS:
        raise FileFormatError(
            f"补发对照表的表头应为：{','.join(MAP_COLUMNS)}", code="reissue_map.columns"
        ).at(file=str(table), row=1)
    origin = []
    for number, row in enumerate(rows[1:], 2):
        ok = len(row) >= 3 and row[0] == str(number - 1) and row[2].isdigit()
        if not ok or row[1] != parent.batch_id:
            raise FileFormatError(
                f"补发对照表第{number}行应为补发序号 {number - 1}、原批次号 "
                f"{parent.batch_id} 和原序号",
                code="reissue_map.row",
            ).at(file=str(table), row=number)
        origin.append(int(row[2]))
    if len(origin) != batch.count:
        raise FileFormatError(
            f"补发对照表有 {len(origin)} 行明细，补发批次有 {batch.count} 笔",
            code="reissue_map.count",
        ).at(file=str(table))
    return Reissue(batch=batch, parent=parent, origin=tuple(origin))


def _keys(values: tuple[str, ...], banks: Sequence[str]) -> dict[str, Verifier]:
    plain = [Path(v) for v in values if "=" not in v or Path(v).exists()]
    named = {}
    for value in values:
        if "=" in value and not Path(value).exists():
            code, _, path = value.partition("=")
            named[str(BankCode(code))] = _verifier(Path(path))
    shared = _verifier(plain[0]) if len(plain) == 1 else None
    if len(plain) > 1:
        raise ReconcileError(
            "--verify-key 写一个公钥（各银行共用），或按银行写“银行代码=公钥文件”",
            code="cli.verify_key",
        )
    out = {}
    for bank in banks:
        verifier = named.get(bank, shared)
        if verifier is None:
            raise ReconcileError(
                f"补发链中有 {bank} 的批次，但没有它的验签公钥（--verify-key {bank}=文件）",
                code="cli.verify_key",
            )
        out[bank] = verifier
    return out


def _chain_dict(chain: ChainReconciliation) -> dict[str, Any]:
    def totals(count: int, amount: object) -> dict[str, Any]:
        return {"count": count, "amount": f"{amount:.2f}"}

    t = chain.totals
    return {
        "original_batch_id": chain.original.batch.batch_id,
        "rounds": [
            {
                "batch_id": r.batch.batch_id,
                "parent_batch_id": r.parent.batch_id,
                "round": r.batch.round,
            }
            for r, _ in chain.rounds
        ],
        "totals": {
            name: totals(x.count, x.amount)
            for name, x in (
                ("batch", t.batch),
                ("paid", t.paid),
                ("failed", t.failed),
                ("pending", t.pending),
                ("missing", t.missing),
            )
        },
        "items": [
            {
                "seq": c.seq,
                "outcome": c.outcome.value,
                "paid_count": c.paid_count,
                "attempts": [
                    {
                        "batch_id": a.batch_id,
                        "round": a.round,
                        "seq": a.seq,
                        "outcome": a.outcome.value,
                        "status": None if a.status is None else a.status.value,
                        "raw_code": a.raw_code,
                    }
                    for a in c.attempts
                ],
            }
            for c in chain.items
        ],
        "anomalies": [
            {"code": a.code, "seq": a.seq, "message": a.message} for a in chain.all_anomalies
        ],
    }


@main.command("reconcile-chain")
@click.argument(
    "return_files", metavar="RETURN...", nargs=-1, required=True, type=click.Path(path_type=Path)
)
@click.option(
    "--batch",
    "batch_files",
    required=True,
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="原批次 JSON，再按轮次列补发批次 JSON（其补发对照表 CSV 须在同一目录）；可重复",
)
@click.option(
    "--verify-key",
    "verify_keys",
    required=True,
    multiple=True,
    help="银行的验签公钥（各银行共用一个），或按银行写“银行代码=公钥文件”；可重复",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="导出目录：写入“原批次号-补发链”.json",
)
@FORCE
@handle_errors
def chain_command(
    *,
    return_files: tuple[Path, ...],
    batch_files: tuple[Path, ...],
    verify_keys: tuple[str, ...],
    out: Path | None,
    force: bool,
) -> None:
    """合并核对原批次及各轮补发：每笔补贴的最终结果，有无重复发放。

    RETURN 为各批次的回盘文件（任意顺序）；每个回盘按其批次的代发银行验签并归入该批次。
    """
    original = _load_batch(batch_files[0])
    if original.parent_batch_id is not None:
        raise ReconcileError(
            f"第一个 --batch 应为原批次，{original.batch_id} 是批次 "
            f"{original.parent_batch_id} 的补发批次",
            code="reconcile.chain_parent",
        ).at(file=str(batch_files[0]))
    batches: dict[str, PayoutBatch] = {original.batch_id: original}
    reissues: list[Reissue] = []
    for path in batch_files[1:]:
        found = read_reissue(path, batches)
        if found.batch.batch_id in batches:
            raise ReconcileError(
                f"批次 {found.batch.batch_id} 在补发链中出现两次", code="reconcile.chain_duplicate"
            ).at(file=str(path))
        batches[found.batch.batch_id] = found.batch
        reissues.append(found)
    banks = list(dict.fromkeys(str(b.agent_bank) for b in batches.values()))
    verifiers = _keys(verify_keys, banks)
    parsed: dict[str, list[tuple[Path, BankReturn]]] = {b: [] for b in batches}
    for path in return_files:
        ret = _parse_any(path, banks, verifiers)
        if ret is None:
            continue  # a signature file
        if ret.batch_id not in batches:
            err_console.print(
                f"错误：{path} 是批次 {ret.batch_id} 的回盘，该批次不在补发链中"
                f"（{'、'.join(batches)}）；未对账，未写出任何结果 [reconcile.other_batch]",
                markup=False,
                soft_wrap=True,
                style="red",
            )
            raise SystemExit(EXIT_WRONG_FILE)
        parsed[ret.batch_id].append((path, ret))
    recs = {}
    for batch_id, batch in batches.items():
        given = parsed[batch_id]
        rec = reconcile(
            batch,
            [r for _, r in given],
            trusted_keys={verifiers[batch.agent_bank].key_fingerprint},
        )
        _refuse_wrong_files(rec, [p for p, _ in given])
        recs[batch_id] = rec
    rounds = [(r, recs[r.batch.batch_id]) for r in reissues]
    chain = reconcile_chain(recs[original.batch_id], rounds)
    _show_chain(chain)
    if out is not None:
        name = f"{original.batch_id}-补发链.json"
        text = json.dumps(_chain_dict(chain), ensure_ascii=False, indent=2)
        write_files(out, {name: text.encode("utf-8")}, force=force)
        console.print(f"已导出到 {out / name}", markup=False, soft_wrap=True)
    if chain.double_payments or chain.anomalies:
        raise SystemExit(EXIT_DOUBLE_PAYMENT)


def _parse_any(
    path: Path, banks: Sequence[str], verifiers: dict[str, Verifier]
) -> BankReturn | None:
    """The return in ``path``, parsed by the first bank of the chain whose key verifies it."""
    errors: list[YikatongError] = []
    for bank in banks:
        adapter = get_adapter(bank)
        if not _data_files(adapter, [path]):
            return None
        try:
            return adapter.parse_return(_return_files(adapter, path), verifiers[bank])
        except YikatongError as exc:
            errors.append(exc)
    if len(errors) == 1:
        raise errors[0].at(file=str(path)) from None
    raise ReconcileError(
        f"回盘文件不能被补发链中任何一家银行（{'、'.join(banks)}）解析并验签",
        code="reconcile.return_unverified",
        details=[e.detail for e in errors],
    ).at(file=str(path))


def _show_chain(chain: ChainReconciliation) -> None:
    original = chain.original.batch
    console.print(
        f"批次 {original.batch_id}（{original.period.label}）及 {len(chain.rounds)} "
        "个补发批次合并对账结果",
        markup=False,
        soft_wrap=True,
    )
    console.print(totals_table(chain.totals))
    for reissue_, rec in chain.rounds:
        b = reissue_.batch
        console.print(
            f"  第{b.round}轮 {b.batch_id}（{b.agent_bank}，上级 {b.parent_batch_id}）："
            f"{b.count} 笔，已发放 {rec.totals.paid.count} 笔",
            markup=False,
            soft_wrap=True,
        )
    anomalies = chain.all_anomalies
    if not anomalies:
        console.print("未发现异常，无重复发放", markup=False)
        return
    console.print(f"异常 {len(anomalies)} 处：", markup=False)
    for anomaly in anomalies[:_SHOWN_ANOMALIES]:
        console.print(f"  - {anomaly}", markup=False, soft_wrap=True)
    if len(anomalies) > _SHOWN_ANOMALIES:
        console.print(f"  …… 另有 {len(anomalies) - _SHOWN_ANOMALIES} 处", markup=False)
    if chain.double_payments:
        err_console.print(
            f"错误：{len(chain.double_payments)} 笔补贴发放了两次以上，须追回多付款项"
            " [reconcile.double_payment]",
            markup=False,
            soft_wrap=True,
            style="red",
        )
