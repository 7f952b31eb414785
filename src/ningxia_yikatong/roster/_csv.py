"""CSV rosters: strict line-by-line decoding, one record per physical line.

A roster field never spans lines. The standard CSV grammar lets a quoted field
run on over newlines, so one unclosed quote would swallow the rows after it
into one bad row: here a record that took more than one line (or ends inside
its quotes) is reported as an unclosed quote on its first line, and the lines
it swallowed are read again, each as a record of its own. Every physical line
is thus one record.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterator
from typing import IO, Final

from ..errors import RosterError
from ._common import (
    _CHUNK,
    _NON_ASCII,
    MAX_LINE_BYTES,
    _err,
)

# -- CSV -----------------------------------------------------------------------------


class _CsvLines:
    """Decoded lines of a CSV stream, decoded strictly in chunks of whole lines.

    A byte that does not decode is reported with its physical line number,
    counted from the newlines before it (a newline byte never occurs inside a
    multi-byte character in UTF-8 or GB18030).
    """

    def __init__(self, stream: IO[bytes], encoding: str | None, file: str | None) -> None:
        self.stream = stream
        self.file = file
        self.lines_before = 0
        self.bytes_read = 0
        self.explicit = encoding is not None
        self.encoding: str | None = None
        head = stream.read(4)
        if head.startswith(codecs.BOM_UTF8):
            self.encoding = "utf-8"
            self.bom = 3
        else:
            self.bom = 0
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise _err(
                    "roster.encoding",
                    "不支持UTF-16编码的文件，请另存为UTF-8或GB18030编码的CSV",
                    file=file,
                    line=1,
                )
            if encoding is not None:
                try:
                    self.encoding = codecs.lookup(encoding).name
                    ascii_compatible = "a,\n".encode(self.encoding) == b"a,\n"
                except LookupError:
                    raise _err("roster.encoding", f"未知的编码：{encoding}", file=file) from None
                if not ascii_compatible:
                    # Lines are split on the newline byte before decoding.
                    raise _err(
                        "roster.encoding",
                        f"不支持 {encoding} 编码，请使用 UTF-8 或 GB18030",
                        file=file,
                    )
        stream.seek(self.bom - len(head), io.SEEK_CUR)
        self.bytes_read = self.bom

    def _chunks(self) -> Iterator[bytes]:
        read = self.stream.read
        rest = b""
        while True:
            data = read(_CHUNK)
            if not data:
                if rest:
                    # Every line ends with a newline, so that a quote left open
                    # on the last line shows as a newline inside its field.
                    yield rest + b"\n"
                return
            self.bytes_read += len(data)
            data = rest + data
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                if len(data) > MAX_LINE_BYTES:
                    raise _err(
                        "roster.line_length",
                        f"一行超过{MAX_LINE_BYTES}字节，不是花名册文件",
                        file=self.file,
                        line=self.lines_before + 1,
                    )
                rest = data
                continue
            rest = data[cut:]
            if len(rest) > MAX_LINE_BYTES:
                raise _err(
                    "roster.line_length",
                    f"一行超过{MAX_LINE_BYTES}字节，不是花名册文件",
                    file=self.file,
                    line=self.lines_before + data.count(b"\n", 0, cut) + 1,
                )
            yield data[:cut]

    def _decoded(self) -> Iterator[io.StringIO]:
        for chunk in self._chunks():
            encoding = self.encoding
            if encoding is None:
                if chunk.isascii():
                    text = chunk.decode("ascii")
                    yield io.StringIO(text, newline="")
                    self.lines_before += chunk.count(b"\n")
                    continue
                encoding = self._detect(chunk)
            try:
                text = chunk.decode(encoding)
            except UnicodeDecodeError as exc:
                line = self.lines_before + chunk.count(b"\n", 0, exc.start) + 1
                raise self._bad_line(encoding, line) from None
            yield io.StringIO(text, newline="")
            self.lines_before += chunk.count(b"\n")

    def __iter__(self) -> Iterator[str]:
        return itertools.chain.from_iterable(self._decoded())

    def _detect(self, chunk: bytes) -> str:
        # The first line with a non-ASCII byte decides.
        match = _NON_ASCII.search(chunk)
        assert match is not None
        first = match.start()
        start = chunk.rfind(b"\n", 0, first) + 1
        end = chunk.find(b"\n", first)
        line = chunk[start : len(chunk) if end < 0 else end]
        for candidate in ("utf-8", "gb18030"):
            try:
                line.decode(candidate)
            except UnicodeDecodeError:
                continue
            self.encoding = candidate
            return candidate
        raise _err(
            "roster.encoding",
            "无法识别文件编码：该行既不是UTF-8也不是GB18030编码",
            file=self.file,
            line=self.lines_before + chunk.count(b"\n", 0, start) + 1,
        )

    def _bad_line(self, encoding: str, line: int) -> RosterError:
        name = "UTF-8" if encoding == "utf-8" else encoding.upper()
        how = "指定的" if self.explicit else "文件前面各行的"
        return _err(
            "roster.encoding",
            f"该行不是{how}{name}编码（文件编码混杂或已损坏）",
            file=self.file,
            line=line,
        )


class UnclosedQuote:
    """The record of a line whose quote is never closed on that line."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNCLOSED_QUOTE"


#: Yielded by :func:`csv_records` in place of the record of a line whose quote
#: is not closed on that line.
UNCLOSED_QUOTE: Final = UnclosedQuote()


def csv_records(
    lines: Iterator[str], delimiter: str | None, file: str | None
) -> Iterator[list[str] | UnclosedQuote]:
    """One record per physical line (``UNCLOSED_QUOTE`` for a line with an open quote).

    ``delimiter=None`` lets the first line decide between comma and tab.
    """
    source = iter(lines)
    if delimiter is None:
        # The header decides between comma and tab (a spreadsheet's "text" export).
        first = next(source, None)
        if first is None:
            return
        delimiter = "\t" if "\t" in first and "," not in first else ","
        prefix: Iterator[str] = iter([first])
    else:
        prefix = iter(())
    pending: list[str] = []  # the lines read for the current record

    def feed(lines: Iterator[str]) -> Iterator[str]:
        append = pending.append
        for line in lines:
            append(line)
            yield line

    def restart() -> Iterator[list[str]]:
        return csv.reader(feed(itertools.chain(prefix, source)), delimiter=delimiter, strict=False)

    reader = restart()
    line = 0
    while True:
        pending.clear()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if len(pending) <= 1:
                raise _err("roster.csv", f"CSV 格式错误：{exc}", file=file, line=line + 1) from None
            row = None  # a field grown past the limit over many lines: an open quote
        if len(pending) > 1 or row is None or (row and row[-1].endswith(("\n", "\r"))):
            # The quote opened on this line runs on: the line is bad, and the
            # lines after it are read again (the reader never reads ahead).
            prefix = iter(pending[1:] + list(prefix))
            reader = restart()
            line += 1
            yield UNCLOSED_QUOTE
            continue
        line += 1
        yield row
