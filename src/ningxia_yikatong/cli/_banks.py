"""``yikatong banks list``, ``yikatong render`` and ``yikatong bank-simulate``.

``render`` writes a batch's signed payment file for an agent bank;
``bank-simulate`` plays the bank (for rehearsals and demos): it checks a payment
file as the bank would and writes a signed return file (回盘). Keys are PEM or
DER files (SM2 or RSA), the private key's password is read from an environment
variable named with ``--password-env``.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

import click
from rich.table import Table

from ..banks import (
    BankSimulator,
    OutcomeRules,
    ReturnStatus,
    available_adapters,
    get_adapter,
    registry_failures,
)
from ..errors import AdapterError, FileFormatError, KeyLoadError, YikatongError
from ..signing import (
    RsaSigner,
    RsaVerifier,
    Sm2PrivateKey,
    Sm2PublicKey,
    Sm2Signer,
    Sm2Verifier,
    Verifier,
    load_private_key,
    load_public_key,
    native_stderr_silenced,
)
from ._app import about_file, console, handle_errors, main, option_for
from ._batch import load_batch
from ._output import write_files
from ._progress import progress

__all__ = ["bank_simulate", "banks", "render"]

#: Largest batch file read (bytes).
MAX_BATCH_BYTES: Final = 2 * 1024**3
_STATUS_NAMES: Final = ", ".join(s.value for s in ReturnStatus)


def _read(path: Path, what: str, limit: int = MAX_BATCH_BYTES) -> bytes:
    option = option_for(path)
    given = f" {option} 指定的" if option else ""
    try:
        if path.stat().st_size > limit:
            raise FileFormatError(f"{given}{what}过大", code="cli.file_too_large", file=str(path))
        return path.read_bytes()
    except OSError as exc:
        reason = "文件不存在" if isinstance(exc, FileNotFoundError) else exc.strerror
        raise FileFormatError(
            f"无法读取{given}{what}：{reason or type(exc).__name__}",
            code="cli.file",
            file=str(path),
        ) from None


def _signer(path: Path, password_env: str | None) -> Sm2Signer | RsaSigner:
    password = None
    if password_env is not None:
        password = os.environ.get(password_env)
        if password is None:
            raise KeyLoadError(f"环境变量 {password_env} 未设置（私钥口令）", code="key.env")
    data = _read(path, "私钥", 1024 * 1024)
    try:
        key = load_private_key(data, password)
    except YikatongError as exc:
        raise about_file(exc, path) from None
    return Sm2Signer(key) if isinstance(key, Sm2PrivateKey) else RsaSigner(key)


def _verifier(path: Path) -> Verifier:
    data = _read(path, "公钥", 1024 * 1024)
    try:
        key = load_public_key(data)
    except YikatongError as exc:
        raise about_file(exc, path) from None
    return Sm2Verifier(key) if isinstance(key, Sm2PublicKey) else RsaVerifier(key)


def _write(out_dir: Path, files: dict[str, bytes], force: bool) -> None:
    """Every file or none (see :mod:`._output`): existing ones only with ``--force``."""
    write_files(out_dir, files, force=force)


@main.group("banks")
def banks() -> None:
    """代发银行适配器。"""


@banks.command("list")
@handle_errors
def list_banks() -> None:
    """列出已登记的代发银行适配器（含第三方扩展包）。"""
    table = Table("代码", "银行", "联行号", "编码", "签名算法", "提供者")
    for info in available_adapters().values():
        table.add_row(
            info.code,
            info.name,
            info.cnaps or "-",
            info.encoding,
            info.signature_scheme,
            info.distribution or "-",
        )
    console.print(table)
    for failure in registry_failures():
        console.print(
            f"[red]加载失败[/red]：{failure.name}（{failure.distribution or '未知发行包'}）"
            f"{failure.error}",
            markup=True,
        )


@main.command("render")
@click.option("--bank", "bank", required=True, help="代发银行代码，如 psbc")
@click.option(
    "--batch",
    "batch_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="发放批次（PayoutBatch 的 JSON 文件）",
)
@click.option(
    "--synthetic", type=click.IntRange(min=1), default=None, help="改用合成数据生成该笔数的演示批次"
)
@click.option("--seed", type=int, default=0, show_default=True, help="合成数据的随机种子")
@click.option(
    "--key",
    "key_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="财政部门签名私钥（SM2 或 RSA，PEM/DER）",
)
@click.option("--password-env", default=None, help="保存私钥口令的环境变量名")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    show_default=True,
    help="输出目录",
)
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="文件日期")
@click.option("--force", is_flag=True, help="覆盖已有文件")
@handle_errors
def render(
    *,
    bank: str,
    batch_path: Path | None,
    synthetic: int | None,
    seed: int,
    key_path: Path,
    password_env: str | None,
    out_dir: Path,
    day: _dt.datetime | None,
    force: bool,
) -> None:
    """生成代发银行付款文件并签名。"""
    adapter = get_adapter(bank)
    if (batch_path is None) == (synthetic is None):
        raise AdapterError("请指定 --batch 或 --synthetic 之一", code="cli.usage")
    if batch_path is not None:
        batch = load_batch(batch_path, "--batch")
    else:
        from ..testing import SyntheticData  # noqa: PLC0415 - only for demonstration batches

        assert synthetic is not None
        batch = SyntheticData(seed=seed).batch(synthetic, bank=adapter.code)
    signer = _signer(key_path, password_env)
    with progress(f"生成{adapter.name}付款文件（{batch.count:,} 笔）"):
        payment = adapter.render(batch, signer, created=day.date() if day else None)
    _write(out_dir, dict(payment.files), force)
    console.print(f"已生成{adapter.name}付款文件：{payment.main}")
    console.print(f"批次号：{payment.batch_id}　笔数：{payment.count}　总金额：{payment.total} 元")
    console.print(f"{payment.digest_algorithm} 摘要：{payment.digest}", soft_wrap=True)
    console.print(
        f"签名：{payment.signature_algorithm}，密钥指纹 {payment.key_fingerprint}", soft_wrap=True
    )


def _share(text: str) -> tuple[ReturnStatus, Decimal]:
    name, _, value = text.partition("=")
    try:
        return ReturnStatus(name.strip()), Decimal(value)
    except (ValueError, InvalidOperation):
        raise AdapterError(
            f"结果比例应写成 状态=比例（如 closed=0.05），状态可为：{_STATUS_NAMES}",
            code="cli.share",
        ) from None


def _account_rule(text: str) -> tuple[str, ReturnStatus]:
    account, _, name = text.partition("=")
    try:
        return account.strip(), ReturnStatus(name.strip())
    except ValueError:
        raise AdapterError(
            f"账户规则应写成 账号=状态，状态可为：{_STATUS_NAMES}", code="cli.account_rule"
        ) from None


@main.command("bank-simulate")
@click.option("--bank", "bank", required=True, help="代发银行代码，如 psbc")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--bank-key",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="模拟银行的签名私钥（签回盘文件）",
)
@click.option("--password-env", default=None, help="保存银行私钥口令的环境变量名")
@click.option(
    "--department-pubkey",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="财政部门的公钥（验付款文件签名）",
)
@click.option("--seed", type=int, default=0, show_default=True, help="结果的随机种子")
@click.option("--share", "shares", multiple=True, help="失败比例，如 closed=0.05（可重复）")
@click.option("--account", "accounts", multiple=True, help="账户规则，如 6228...=frozen（可重复）")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    show_default=True,
    help="回盘文件输出目录",
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="模拟银行的状态文件（记录已付款批次，跨次运行拒绝重复付款）；"
    "默认为银行私钥旁的“私钥文件名.simulator-state.json”",
)
@click.option("--no-state", is_flag=True, help="不记录已付款批次（每次运行都从头开始）")
@click.option("--force", is_flag=True, help="覆盖已有文件")
@handle_errors
def bank_simulate(
    *,
    bank: str,
    files: tuple[Path, ...],
    bank_key: Path,
    password_env: str | None,
    department_pubkey: Path,
    seed: int,
    shares: tuple[str, ...],
    accounts: tuple[str, ...],
    out_dir: Path,
    state_file: Path | None,
    no_state: bool,
    force: bool,
) -> None:
    """模拟代发银行：验签、核对付款文件，按规则生成签名的回盘文件。

    FILES 为付款文件及其签名文件（.sig）。已付款的批次记在状态文件中：同一批次
    再次提交、或批次号已用于另一批付款，都被拒绝。
    """
    adapter = get_adapter(bank)
    rules = OutcomeRules(
        accounts=dict(_account_rule(a) for a in accounts),
        shares=dict(_share(s) for s in shares),
    )
    bank_signer = _signer(bank_key, password_env)
    if no_state and state_file is not None:
        raise AdapterError("--state 与 --no-state 只能选一个", code="cli.usage")
    if not no_state and state_file is None:
        state_file = bank_key.with_name(bank_key.name + ".simulator-state.json")
    simulator = BankSimulator(
        adapter,
        bank_signer,
        _verifier(department_pubkey),
        seed=seed,
        rules=rules,
        state_file=state_file,
    )
    payment = {path.name: _read(path, "付款文件") for path in files}
    with native_stderr_silenced():
        # the batch counts as paid only once its return files are written
        returned = simulator.process(payment, deliver=lambda files: _write(out_dir, files, force))
        result = adapter.parse_return(returned, bank_signer.verifier())
    main_name = next(name for name in returned if not name.endswith(".sig"))
    console.print(f"已生成{adapter.name}回盘文件：{main_name}")
    console.print(f"批次号：{result.batch_id}　笔数：{result.count}　总金额：{result.total} 元")
    table = Table("处理结果", "笔数", "金额（元）")
    counts = Counter(r.status for r in result.records)
    sums: dict[ReturnStatus, Decimal] = {}
    for record in result.records:
        sums[record.status] = sums.get(record.status, Decimal("0.00")) + record.amount
    for status in ReturnStatus:
        if counts[status]:
            table.add_row(status.label, str(counts[status]), f"{sums[status]:.2f}")
    console.print(table)
