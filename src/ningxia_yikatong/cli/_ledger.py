"""``yikatong ledger``: the payout ledger (发放台账) from the command line.

Needs the ``ledger`` extra (SQLAlchemy, alembic; ``postgres`` for PostgreSQL);
the library is imported only when a ledger command runs. The ledger is the URL
``--ledger`` (default: the file ``yikatong-ledger.sqlite`` in the working
folder); the data key comes from ``--data-key-file`` or the environment
variable ``YIKATONG_DATA_KEY``.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

import click
from rich.table import Table

from ..errors import LedgerError
from ._app import console, handle_errors, main
from ._output import write_file

if TYPE_CHECKING:
    from ..ledger import Ledger, PiiCipher

__all__ = ["DATA_KEY_ENV", "DEFAULT_LEDGER_URL", "ledger_group"]

DEFAULT_LEDGER_URL: Final = "sqlite:///yikatong-ledger.sqlite"
DATA_KEY_ENV: Final = "YIKATONG_DATA_KEY"

F = TypeVar("F", bound=Any)


def _ledger_options(func: F) -> F:
    func = click.option(
        "--data-key-file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=f"数据密钥文件（默认取环境变量 {DATA_KEY_ENV}）",
    )(func)
    return click.option(
        "--ledger",
        "url",
        default=DEFAULT_LEDGER_URL,
        show_default=True,
        help="台账地址：sqlite:///文件 或 postgresql+psycopg://…",
    )(func)


def _needs_extra() -> None:
    try:
        import alembic  # noqa: F401, PLC0415
        import sqlalchemy  # noqa: F401, PLC0415
    except ImportError:
        raise LedgerError(
            "发放台账需要安装 ledger 组件：pip install 'ningxia-yikatong[ledger]'",
            code="ledger.extra_missing",
        ) from None


def _cipher(key_file: Path | None, *, required: bool) -> PiiCipher | None:
    from ..ledger import DataKey, PiiCipher  # noqa: PLC0415

    if key_file is not None:
        return PiiCipher(DataKey.from_file(key_file))
    if os.environ.get(DATA_KEY_ENV):
        return PiiCipher(DataKey.from_env(DATA_KEY_ENV))
    if required:
        raise LedgerError(
            f"未提供数据密钥：请用 --data-key-file 指定密钥文件，或设置环境变量 {DATA_KEY_ENV}",
            code="ledger.data_key_missing",
        )
    return None


def _open(url: str, key_file: Path | None, *, required: bool = True) -> Ledger:
    _needs_extra()
    from ..ledger import Ledger  # noqa: PLC0415

    return Ledger.open(url, cipher=_cipher(key_file, required=required))


def _actor(actor: str | None) -> str:
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "yikatong"


@main.group("ledger")
def ledger_group() -> None:
    """发放台账：登记批次、防止重复发放、查询发放记录、审计链。"""


@ledger_group.command("init")
@_ledger_options
@click.option("--new-data-key", is_flag=True, help="生成新的数据密钥写入 --data-key-file")
@handle_errors
def init_command(*, url: str, data_key_file: Path | None, new_data_key: bool) -> None:
    """新建台账（空数据库），记录数据密钥编号。"""
    _needs_extra()
    from ..ledger import DataKey, Ledger  # noqa: PLC0415

    if new_data_key:
        if data_key_file is None:
            raise LedgerError("--new-data-key 须与 --data-key-file 一起使用", code="cli.usage")
        DataKey.generate().write_file(data_key_file)
        console.print(f"已生成数据密钥：{data_key_file}（请与台账分开保管）")
    cipher = _cipher(data_key_file, required=True)
    with Ledger.init(url, cipher=cipher) as ledger:
        status = ledger.status()
    console.print(f"已新建台账：结构版本 {status.revision}，数据密钥编号 {status.data_key_id}")


@ledger_group.command("upgrade")
@_ledger_options
@handle_errors
def upgrade_command(*, url: str, data_key_file: Path | None) -> None:
    """把台账升级到本程序的最新结构版本。"""
    _needs_extra()
    from ..ledger import Ledger  # noqa: PLC0415

    console.print(f"台账结构版本：{Ledger.upgrade(url)}")


@ledger_group.command("status")
@_ledger_options
@handle_errors
def status_command(*, url: str, data_key_file: Path | None) -> None:
    """台账概况：结构版本、数据密钥编号、批次、明细与有效占用数。"""
    with _open(url, data_key_file, required=False) as ledger:
        s = ledger.status()
        events = ledger.audit.verify_or_raise()
    console.print(f"台账：{s.url}（{s.backend}）")
    console.print(f"结构版本：{s.revision}；数据密钥编号：{s.data_key_id or '未登记'}")
    console.print(f"批次 {s.batches} 个，明细 {s.items} 笔，有效占用 {s.active_claims} 个")
    console.print(f"审计事件 {events} 条")


class _RecordGroup(click.Group):
    """``ledger record KIND FILE``; ``ledger record FILE`` (no kind) records a batch."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["batch", *args]
        return super().parse_args(ctx, args)


@ledger_group.group("record", cls=_RecordGroup)
def record_group() -> None:
    """登记到台账：batch、catalog、check、override、payment、return、reconciliation、notices。

    不写种类时（yikatong ledger record 批次.json …）登记批次。"""


@record_group.command("batch")
@click.argument("batch_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@_ledger_options
@click.option("--department", required=True, help="主管部门")
@click.option(
    "--pay-mode",
    type=click.Choice(["财政直接发放", "主管部门发放"]),
    default="财政直接发放",
    show_default=True,
    help="发放方式",
)
@click.option(
    "--level",
    type=click.Choice(["中央", "自治区", "市", "县", "乡"]),
    default="自治区",
    show_default=True,
    help="资金层级",
)
@click.option("--household", is_flag=True, help="户类政策：按户占用")
@click.option("--approve", is_flag=True, help="登记后批准发放（占用）")
@click.option("--actor", default=None, help="操作人（默认当前用户）")
@handle_errors
def record_command(
    *,
    batch_file: Path,
    url: str,
    data_key_file: Path | None,
    department: str,
    pay_mode: str,
    level: str,
    household: bool,
    approve: bool,
    actor: str | None,
) -> None:
    """登记批次文件（JSON）；加 --approve 批准发放，重复占用时拒绝并列出人员。"""
    from ..ledger import GovernmentLevel, PayMode  # noqa: PLC0415
    from ..policy import Target  # noqa: PLC0415
    from ._batch import load_batch  # noqa: PLC0415

    batch = load_batch(batch_file, "BATCH_FILE")
    who = _actor(actor)
    with _open(url, data_key_file) as ledger:
        rec = ledger.record_batch(
            batch,
            department=department,
            pay_mode=PayMode(pay_mode),
            level=GovernmentLevel(level),
            target=Target.HOUSEHOLD if household else Target.PERSON,
            actor=who,
        )
        console.print(
            f"已登记批次 {rec.batch_id}：{rec.item_count} 笔，合计 {rec.total} 元，"
            f"摘要 {rec.digest_algorithm} {rec.digest}"
        )
        if approve:
            made = ledger.approve(rec.batch_id, actor=who)
            console.print(
                f"已批准发放：占用 {made} 个（政策 {rec.policy_code}，期间 {rec.period}）"
            )


from . import _ledger_record  # noqa: E402, F401 - the other kinds of ``ledger record``


@ledger_group.command("history")
@click.argument("id_number")
@_ledger_options
@handle_errors
def history_command(*, id_number: str, url: str, data_key_file: Path | None) -> None:
    """查询某人的发放记录（身份证号与账号脱敏显示）。"""
    with _open(url, data_key_file) as ledger:
        payments = ledger.payments_of(id_number)
    if not payments:
        console.print("台账中没有此人的发放记录")
        return
    table = Table("批次", "序号", "政策", "期间", "金额", "账号", "批次状态", "占用")
    for p in payments:
        table.add_row(
            p.batch_id,
            str(p.seq),
            p.policy_code,
            str(p.period),
            str(p.amount),
            p.account,
            p.batch_status.label,
            "有效" if p.claimed else "—",
        )
    console.print(f"{payments[0].id_number} {payments[0].name}：{len(payments)} 条记录")
    console.print(table)


@ledger_group.group("audit")
def audit_group() -> None:
    """审计链：校验，导出签名的链头。"""


@audit_group.command("verify")
@_ledger_options
@handle_errors
def audit_verify(*, url: str, data_key_file: Path | None) -> None:
    """校验审计链；断开时指出第一条被改动的事件，退出码 1。"""
    with _open(url, data_key_file, required=False) as ledger:
        count = ledger.audit.verify_or_raise()
    console.print(f"审计链完整：共 {count} 条事件")


@audit_group.command("export-head")
@_ledger_options
@click.option(
    "--key",
    "key_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="SM2 私钥文件",
)
@click.option("--password-env", default=None, help="保存私钥口令的环境变量名")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="链头文件"
)
@click.option("--force", is_flag=True, help="覆盖已有文件")
@handle_errors
def audit_export_head(
    *,
    url: str,
    data_key_file: Path | None,
    key_path: Path,
    password_env: str | None,
    out: Path,
    force: bool,
) -> None:
    """导出以 SM2 签名的审计链头，供在台账之外留存比对。"""
    from ..signing import Sm2PrivateKey, Sm2Signer, load_private_key  # noqa: PLC0415

    password = os.environ.get(password_env) if password_env else None
    if password_env and password is None:
        raise LedgerError(f"环境变量 {password_env} 未设置（私钥口令）", code="key.env")
    key = load_private_key(key_path, password)
    if not isinstance(key, Sm2PrivateKey):
        raise LedgerError("审计链头须用SM2私钥签名", code="cli.usage")
    with _open(url, data_key_file, required=False) as ledger:
        document = ledger.audit.export_head(Sm2Signer(key))
    write_file(out, document, force=force)
    console.print(f"已导出审计链头：{out}")
