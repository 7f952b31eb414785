"""XLSX rosters: zip checks, openpyxl in read-only mode."""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from ..errors import RosterError, YikatongError
from ._common import (
    XlsxLimits,
    _err,
)

# -- XLSX -----------------------------------------------------------------------------


def _check_zip(stream: IO[bytes], file: str | None, limits: XlsxLimits) -> None:
    head = stream.read(4)
    stream.seek(0)
    if head != b"PK\x03\x04":
        raise _err("roster.xlsx_not_zip", "文件不是有效的 XLSX（不是 zip 格式）", file=file)
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,  # a zip version or compression Python cannot read
        OSError,
        ValueError,
        EOFError,
    ):
        raise _err(
            "roster.xlsx_not_zip", "文件不是有效的 XLSX（zip 结构已损坏）", file=file
        ) from None
    finally:
        stream.seek(0)
    if len(infos) > limits.max_members:
        raise _err(
            "roster.xlsx_bomb",
            f"XLSX 内含文件数 {len(infos)} 超过上限 {limits.max_members}，拒绝读取",
            file=file,
        )
    size = 0
    for info in infos:
        size += info.file_size
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise _err(
                "roster.xlsx_bomb",
                f"XLSX 中的 {info.filename[:60]} 压缩比异常（疑似 zip 炸弹），拒绝读取",
                file=file,
            )
    if size > limits.max_uncompressed:
        raise _err(
            "roster.xlsx_bomb",
            f"XLSX 解压后共 {size} 字节，超过上限 {limits.max_uncompressed} 字节，拒绝读取",
            file=file,
        )


def _xlsx_failure(exc: Exception, file: str | None, **where: Any) -> RosterError:
    if type(exc).__module__.startswith("defusedxml"):
        return _err(
            "roster.xlsx_unsafe", "XLSX 中含有不安全的 XML（实体或 DTD），拒绝读取", file=file
        )
    return _err("roster.xlsx", f"无法读取 XLSX 文件（{type(exc).__name__}）", file=file, **where)


def _xlsx_rows(
    stream: IO[bytes], file: str | None, sheet: str | int | None, limits: XlsxLimits
) -> tuple[Iterator[tuple[Any, ...]], str, Callable[[], None]]:
    import openpyxl  # noqa: PLC0415 - only XLSX needs it

    if not openpyxl.DEFUSEDXML:
        raise _err("roster.xlsx_unsafe", "未启用 defusedxml，拒绝读取 XLSX 文件", file=file)
    _check_zip(stream, file, limits)
    try:
        with warnings.catch_warnings():
            # Unsupported extensions and missing styles do not touch cell values.
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # junk input: any failure is a roster error
        raise _xlsx_failure(exc, file) from None
    try:
        sheets = wb.worksheets
        if not sheets:
            raise _err("roster.xlsx_sheets", "XLSX 中没有工作表", file=file)
        if sheet is None:
            chosen = sheets[0]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                others = [ws.title for ws in sheets[1:] if _has_data(ws)]
            if others:
                raise _err(
                    "roster.xlsx_sheets",
                    f"除第一个工作表外，工作表“{'、'.join(others)}”也有数据；请指定要导入的工作表",
                    file=file,
                )
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(sheets):
                raise _err("roster.xlsx_sheets", f"没有第{sheet + 1}个工作表", file=file)
            chosen = sheets[sheet]
        else:
            names = [ws.title for ws in sheets]
            if sheet not in names:
                raise _err("roster.xlsx_sheets", f"没有名为“{sheet}”的工作表", file=file)
            chosen = sheets[names.index(sheet)]
        rows = chosen.iter_rows(values_only=True)
    except YikatongError:
        wb.close()
        raise
    except Exception as exc:
        wb.close()
        raise _xlsx_failure(exc, file) from None
    return rows, chosen.title, wb.close


def _has_data(ws: Any) -> bool:
    for row in ws.iter_rows(values_only=True):
        if any(v is not None and (not isinstance(v, str) or v.strip()) for v in row):
            return True
    return False
