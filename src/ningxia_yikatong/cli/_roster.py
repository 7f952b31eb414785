"""``yikatong roster``: check a roster (花名册) file, or write a synthetic one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from ..errors import InvalidValue
from ..roster import RosterReader, RosterResult, read_roster
from ..testing.policies import sample_policies
from ..testing.synthetic import SyntheticData, write_roster_csv, write_roster_xlsx
from ._app import console, handle_errors, main
from ._output import write_with
from ._progress import progress, tracked

__all__ = ["read_roster_shown", "roster"]


def read_roster_shown(path: Path, **options: Any) -> RosterResult:
    """:func:`~ningxia_yikatong.roster.read_roster` with a progress display
    (on a terminal only)."""
    try:
        size = path.stat().st_size or None
    except OSError:  # the reader says what is wrong with the file
        size = None
    with progress("读取花名册", total=size) as step:

        def advance(reader: RosterReader) -> None:
            if reader.format == "csv":
                step.update(completed=reader.position)
            else:  # XLSX: rows read, of a total the file does not say
                step.update(completed=reader.position, unknown_total=True)

        return read_roster(path, progress=advance, **options)


@main.group()
def roster() -> None:
    """花名册：检查文件、生成测试数据。"""


@roster.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sheet", default=None, help="XLSX 工作表名称（默认第一个）")
@click.option("--encoding", default=None, help="CSV 编码（默认自动识别 UTF-8 / GB18030）")
@click.option("--default-bank", default=None, help="未填开户银行时使用的银行代码，如 psbc")
@click.option("--ignore-unknown-columns", is_flag=True, help="忽略无法识别的列")
@click.option(
    "--max-errors",
    default=200,
    show_default=True,
    type=click.IntRange(min=0),
    help="最多列出的问题条数（合计始终完整）",
)
@handle_errors
def check(
    *,
    file: Path,
    sheet: str | None,
    encoding: str | None,
    default_bank: str | None,
    ignore_unknown_columns: bool,
    max_errors: int,
) -> None:
    """检查花名册 FILE（CSV、XLSX、XLS 或 ODS），列出有问题的行；有问题时退出状态为 1。"""
    result = read_roster_shown(
        file,
        sheet=sheet,
        encoding=encoding,
        default_bank=default_bank,
        ignore_unknown_columns=ignore_unknown_columns,
    )
    errors = result.errors
    if errors:
        table = Table(title=f"问题明细（共{len(errors)}处）", title_justify="left")
        table.add_column("行号", justify="right")
        table.add_column("列", overflow="fold")
        table.add_column("错误代码")
        table.add_column("说明", overflow="fold")
        for detail in errors[:max_errors]:
            loc = detail.location
            table.add_row(str(loc.row or ""), loc.column or "", detail.code, detail.message)
        console.print(table)
        if len(errors) > max_errors:
            console.print(f"……另有 {len(errors) - max_errors} 处问题未列出")
    summary = Table(title="花名册汇总", title_justify="left", show_header=False)
    summary.add_column("项目")
    summary.add_column("值", justify="right")
    summary.add_row("文件格式", result.format.value.upper())
    if result.encoding:
        summary.add_row("文件编码", result.encoding)
    if result.sheet:
        summary.add_row("工作表", result.sheet)
    summary.add_row("读取行数", f"{result.rows_read:,}")
    summary.add_row("有效行数", f"{result.valid_count:,}")
    summary.add_row("问题行数", f"{result.rejected_count:,}")
    if result.blank_rows:
        summary.add_row("空行（已跳过）", f"{result.blank_rows:,}")
    if result.summary_rows:
        summary.add_row("合计行、表尾行", f"{len(result.summary_rows):,}")
    if result.preamble_rows:
        summary.add_row("表头上方的行（标题）", f"{result.preamble_rows:,}")
    if result.ignored_columns:
        summary.add_row("已忽略的列", "、".join(c or "（空）" for c in result.ignored_columns))
    summary.add_row("有效金额合计（元）", f"{result.total:,.2f}")
    console.print(summary)
    if not result.ok:
        raise SystemExit(1)
    console.print("[green]花名册检查通过[/green]")


@roster.command("generate")
@click.option("--rows", "-n", required=True, type=click.IntRange(min=1), help="生成的行数")
@click.option(
    "--out",
    "-o",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="输出文件（已存在时须加 --force 才覆盖）",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    default=None,
    help="文件格式（默认按扩展名）",
)
@click.option(
    "--seed", default=0, show_default=True, type=int, help="随机种子（相同种子生成相同数据）"
)
@click.option(
    "--encoding",
    type=click.Choice(["utf-8", "utf-8-sig", "gb18030"]),
    default="utf-8",
    show_default=True,
    help="CSV 编码",
)
@click.option(
    "--rare-share",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0.0, 1.0),
    help="姓名含生僻字（GBK 以外）的比例",
)
@click.option("--policy", default=None, help="按示例政策的标准计算金额，如 NX-GLJT")
@click.option("--bank", default=None, help="全部使用该代发银行（银行代码，如 psbc）")
@click.option("--force", is_flag=True, help="覆盖已有的输出文件")
@click.option(
    "--period",
    default=None,
    help="发放期间，如 2026-03 或 2026（默认当年）；按年龄计发的金额在整个期间内都成立",
)
@handle_errors
def generate(
    *,
    rows: int,
    out: Path,
    fmt: str | None,
    seed: int,
    encoding: str,
    rare_share: float,
    policy: str | None,
    bank: str | None,
    force: bool,
    period: str | None,
) -> None:
    """生成合成花名册（测试数据，身份证号和卡号均为虚构）。"""
    fmt = fmt or ("xlsx" if out.suffix.lower() in (".xlsx", ".xlsm") else "csv")
    chosen = None
    if policy is not None:
        by_code = {str(p.code): p for p in sample_policies()}
        chosen = by_code.get(policy.strip().upper())
        if chosen is None:
            known = "、".join(by_code)
            raise InvalidValue(f"没有示例政策 {policy}；可选：{known}", code="cli.policy")
    data = SyntheticData(seed=seed, rare_name_share=rare_share)
    lines = data.roster_rows(rows, policy=chosen, bank=bank, period=period)
    counted = tracked(lines, "生成花名册", rows, every=1000)
    written = 0

    def write(path: Path) -> None:
        nonlocal written
        if fmt == "xlsx":
            written = write_roster_xlsx(path, counted)
        else:
            written = write_roster_csv(path, counted, encoding=encoding)

    write_with(out, write, force=force)
    console.print(f"已生成 {written:,} 行合成花名册：{out}（{fmt.upper()}，种子 {seed}）")
