"""``yikatong catalog``: export the published list, compare versions, find overlaps.

Without ``--catalog`` the commands work on the sample list
(:func:`ningxia_yikatong.testing.policies.sample_catalog`), so that staff can see
what the exports look like before they have a list of their own.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any, Final

import click
from pydantic_core import from_json

from ..catalog import CatalogRevision, PolicyCatalog, diff
from ..errors import CatalogError, FileFormatError, YikatongError
from ._app import console, handle_errors, main
from ._output import write_file

__all__ = ["catalog", "load_catalog_file"]

#: Largest catalog file read (bytes). A list of a few hundred policies is well
#: under 1 MB; anything near this is not a catalog.
MAX_CATALOG_BYTES: Final = 50 * 1024 * 1024


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    if isinstance(exc, PermissionError):
        return "没有访问权限"
    if isinstance(exc, IsADirectoryError):
        return "这是一个目录"
    return f"系统错误 {exc.errno}" if exc.errno is not None else type(exc).__name__


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_CATALOG_BYTES:
            raise FileFormatError(
                f"文件过大（{size}字节），不是补贴政策清单", code="catalog.file_too_large"
            ).at(file=str(path))
        return path.read_bytes()
    except OSError as exc:
        raise FileFormatError(
            f"无法读取文件：{_os_reason(exc)}", code="catalog.file_unreadable"
        ).at(file=str(path)) from None


def load_catalog_file(path: Path) -> PolicyCatalog | CatalogRevision:
    """A catalog (an object with ``revisions``) or a single revision, from JSON."""
    data = _read(path)
    try:
        parsed: Any = from_json(data)
    except ValueError as exc:
        raise CatalogError(f"不是有效的JSON文件（{exc}）", code="catalog.json_invalid").at(
            file=str(path)
        ) from None
    try:
        if isinstance(parsed, dict) and "revisions" in parsed:
            return PolicyCatalog.model_validate(parsed)
        return CatalogRevision.model_validate(parsed)
    except YikatongError as exc:
        raise exc.at(file=str(path)) from None


def _catalog_from(path: Path | None) -> PolicyCatalog:
    if path is None:
        from ..testing.policies import sample_catalog  # noqa: PLC0415 - only when asked

        return sample_catalog()
    loaded = load_catalog_file(path)
    if isinstance(loaded, CatalogRevision):
        return PolicyCatalog(revisions=(loaded,))
    return loaded


def _revision(catalog: PolicyCatalog, on: _dt.datetime | None) -> CatalogRevision:
    return catalog.latest if on is None else catalog.revision_on(on.date())


_CATALOG_OPTION = click.option(
    "--catalog",
    "catalog_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="清单 JSON 文件（默认使用示例清单）",
)
_ON_OPTION = click.option(
    "--on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="使用该日期生效的版本（YYYY-MM-DD，默认最新版本）",
)


@main.group()
def catalog() -> None:
    """补贴政策清单：导出、版本比较、重叠政策。"""


@catalog.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "xlsx"]),
    required=True,
    help="json：完整清单（含全部版本）；csv、xlsx：一个版本的公开清单",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="输出文件（已存在时须加 --force 才覆盖）",
)
@_CATALOG_OPTION
@_ON_OPTION
@click.option("--force", is_flag=True, help="覆盖已有的输出文件")
@handle_errors
def export_command(
    fmt: str, out: Path, catalog_file: Path | None, on: _dt.datetime | None, force: bool
) -> None:
    """导出补贴政策清单（JSON、CSV 或 XLSX，中文表头）。"""
    book = _catalog_from(catalog_file)
    if fmt == "json":
        data = book.export_json().encode("utf-8")
        what = f"{book.title}（{len(book.revisions)}个版本）"
    else:
        revision = _revision(book, on)
        data = revision.export_csv() if fmt == "csv" else revision.export_xlsx(title=book.title)
        what = f"{book.title}第{revision.version}版（{len(revision.policies)}项政策）"
    write_file(out, data, force=force)
    console.print(f"已导出{what}到 {out}", markup=False, soft_wrap=True)


@catalog.command("diff")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@handle_errors
def diff_command(old: Path, new: Path) -> None:
    """比较两个清单文件（各取最新版本）：新增、删除和修改的政策。"""
    before = _catalog_from(old).latest
    after = _catalog_from(new).latest
    for line in diff(before, after).lines():
        console.print(line, markup=False, soft_wrap=True)


@catalog.command("overlaps")
@_CATALOG_OPTION
@_ON_OPTION
@handle_errors
def overlaps_command(catalog_file: Path | None, on: _dt.datetime | None) -> None:
    """列出类别、对象相同且适用区域和执行期间重叠的政策（整合候选）。"""
    book = _catalog_from(catalog_file)
    revision = _revision(book, on)
    found = revision.overlaps()
    head = f"{book.title}第{revision.version}版"
    if not found:
        console.print(f"{head}：未发现可整合的重叠政策", markup=False, soft_wrap=True)
        return
    console.print(f"{head}：发现{len(found)}组可整合的重叠政策", markup=False, soft_wrap=True)
    for index, overlap in enumerate(found, 1):
        console.print(
            f"{index}. {overlap.first} / {overlap.second}：{overlap.reason}",
            markup=False,
            soft_wrap=True,
        )
