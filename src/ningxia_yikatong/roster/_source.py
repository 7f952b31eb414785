"""Opening a roster source and telling its format."""

from __future__ import annotations

import io
import os
from pathlib import PurePath
from typing import IO, Final

from ._common import (
    RosterFormat,
    Source,
    _err,
)
from ._sheets import content_name, sniff_container

# -- sources -----------------------------------------------------------------------


def _open(source: Source) -> tuple[IO[bytes], str | None, bool]:
    """Binary stream, a name for messages, whether we opened it (and must close it)."""
    if isinstance(source, (str, os.PathLike)):
        try:
            return open(source, "rb"), os.fspath(source), True
        except OSError as exc:
            raise _err(
                "roster.open",
                f"无法打开文件：{exc.strerror or type(exc).__name__}",
                file=os.fspath(source),
            ) from None
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(source)), None, True
    name = getattr(source, "name", None)
    name = name if isinstance(name, str) else None
    try:
        seekable = source.seekable()
    except (AttributeError, OSError, ValueError):
        seekable = False
    if not seekable:
        # A pipe: the format and encoding are sniffed by looking ahead.
        try:
            return io.BytesIO(source.read()), name, True
        except (OSError, ValueError) as exc:
            raise _err("roster.open", f"无法读取数据流：{type(exc).__name__}", file=name) from None
    return source, name, False


_SUFFIXES: Final = {
    ".xlsx": RosterFormat.XLSX,
    ".xlsm": RosterFormat.XLSX,
    ".xls": RosterFormat.XLS,
    ".ods": RosterFormat.ODS,
    ".csv": RosterFormat.CSV,
    ".txt": RosterFormat.CSV,
}


def _sniff_format(
    stream: IO[bytes], name: str | None, given: RosterFormat | str | None = None
) -> RosterFormat:
    """The format to read: the one given or the suffix's, checked against the content.

    The content decides between the spreadsheet containers (a zip with
    ``xl/workbook.xml`` is XLSX, a zip whose ``mimetype`` is OpenDocument
    spreadsheet is ODS, an OLE2 compound file is XLS); when the suffix (or
    ``format=``) names another format, the file is refused
    (``roster.format_mismatch``), naming both. Anything else is read as the
    suffix says, else as CSV.
    """
    if given is not None:
        try:
            named = RosterFormat(given)
        except ValueError:
            known = "、".join(f.value for f in RosterFormat)
            raise _err(
                "roster.format", f"未知的文件格式“{str(given)[:20]}”；可选：{known}", file=name
            ) from None
        how = f"指定的格式为 {named.value}"
        claimed: RosterFormat | None = named
    else:
        suffix = PurePath(name).suffix.lower() if name else ""
        claimed = _SUFFIXES.get(suffix)
        how = f"文件扩展名为 {suffix}"
    content = sniff_container(stream)
    if content is None:
        return claimed or RosterFormat.CSV
    if claimed is None or claimed is content:
        return content
    raise _err(
        "roster.format_mismatch",
        f"{how}，但文件内容是 {content_name(content)} 格式；"
        f"请改正扩展名或在电子表格软件中另存为正确的格式",
        file=name,
    )
