"""Opening a roster source and telling its format."""

from __future__ import annotations

import io
import os
from pathlib import PurePath
from typing import IO

from ._common import (
    RosterFormat,
    Source,
    _err,
)

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


def _sniff_format(stream: IO[bytes], name: str | None) -> RosterFormat:
    suffix = PurePath(name).suffix.lower() if name else ""
    if suffix in (".xlsx", ".xlsm"):
        return RosterFormat.XLSX
    if suffix in (".csv", ".txt"):
        return RosterFormat.CSV
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return RosterFormat.XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _err("roster.xls", "不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV 后再导入", file=name)
    return RosterFormat.CSV
