"""Format engines for text files: fixed-width records and delimited lines.

Both engines take one declaration per record kind (header, detail, trailer or
summary) as a sequence of typed fields (:mod:`._fields`) and derive the writer
and the reader from it. Detail rows are tuples whose positions are named by
``columns`` (the adapter's canonical order); a detail field whose name is not
a column is written empty and ignored when read. Header and trailer values are
mappings by field name.

A fixed-width file::

    H<header fields padded to their widths>\\r\\n
    D<detail fields>\\r\\n          (one per item)
    T<trailer fields>\\r\\n

A delimited file: one summary line first, then one line per item, fields
separated by ``delimiter``.

Writers never write a partial file: :meth:`encode_details` checks every row and
raises :class:`RowErrors` listing every row that cannot be written. Readers raise
:class:`~ningxia_yikatong.errors.BankFileError` naming the file, line, record and
field.

>>> from ._fields import Const, Integer, Text
>>> fmt = FixedWidthFormat(
...     encoding="gbk",
...     header=[Const("type", 1, value="H"), Integer("count", 4)],
...     detail=[Const("type", 1, value="D"), Text("name", 6)],
...     trailer=[Const("type", 1, value="T")],
...     columns=("name",),
... )
>>> data = fmt.encode_record("header", {"count": 1}) + fmt.encode_details([("张三",)])[0]
>>> data += fmt.encode_record("trailer", {})
>>> data
b'H0001\\r\\nD\\xd5\\xc5\\xc8\\xfd  \\r\\nT\\r\\n'
>>> fmt.decode(data, "demo.txt").rows
[('张三',)]
"""

from __future__ import annotations

import struct
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, NoReturn

from ..errors import BankFileError
from ._compiled import compile_decoder, compile_encoder, compile_splitter
from ._fields import Const, Field, FieldError

__all__ = ["Decoded", "DelimitedFormat", "FixedWidthFormat", "RowError", "RowErrors"]

RecordKind = Literal["header", "detail", "trailer"]
_KIND_LABEL: Final = {"header": "首记录", "detail": "明细记录", "trailer": "尾记录"}


@dataclass(frozen=True, slots=True)
class RowError:
    """One detail row that cannot be written: its index (0-based), field and reason."""

    index: int
    field: str
    code: str
    message: str


class RowErrors(Exception):
    """Every detail row that cannot be written (nothing has been written)."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(f"{len(errors)} rows cannot be written")
        self.errors = tuple(errors)


@dataclass(slots=True)
class Decoded:
    """A file as read: header and trailer values, detail rows with their line numbers.

    ``detail_bytes`` is the exact byte span of the detail records (for digests
    over them).
    """

    header: dict[str, Any]
    rows: list[tuple[Any, ...]]
    lines: list[int]
    trailer: dict[str, Any] = field(default_factory=dict)
    detail_bytes: bytes = b""
    #: Line (or row) of the trailer or summary record, when there is one.
    trailer_line: int | None = None


def _bank_error(
    code: str, message: str, file: str, line: int | None = None, **where: Any
) -> BankFileError:
    return BankFileError(message, code=code, file=file, line=line, **where)


class _Layout(ABC):
    """Shared planning of a record's fields."""

    def __init__(
        self,
        encoding: str,
        header: Sequence[Field],
        detail: Sequence[Field],
        trailer: Sequence[Field],
        columns: Sequence[str],
    ) -> None:
        self.encoding = encoding
        self.columns = tuple(columns)
        self.records: dict[RecordKind, tuple[Field, ...]] = {
            "header": tuple(header),
            "detail": tuple(detail),
            "trailer": tuple(trailer),
        }
        known = set(self.columns)
        # (position in the row tuple or -1, field) for each detail field
        self._detail_plan = tuple(
            (self.columns.index(f.name) if f.name in known else -1, f) for f in detail
        )
        # where each column comes from when read: index in the detail fields or -1
        names = [f.name for f in detail]
        self._column_source = tuple(names.index(c) if c in names else -1 for c in self.columns)

    def _encode_field(self, f: Field, value: Any, *, pad: bool) -> str:
        text = f.encode(value, self.encoding)
        size = f.size(text, self.encoding)
        if not pad:
            return text
        gap = f.width - size
        if not gap:
            return text
        return "0" * gap + text if f.pad_left else text + " " * gap

    def _slow_row(
        self, index: int, row: Sequence[Any], errors: list[RowError], *, pad: bool
    ) -> bytes:
        parts = []
        for pos, f in self._detail_plan:
            try:
                text = self._encode_field(f, row[pos] if pos >= 0 else None, pad=pad)
                if not pad:
                    self._check_delimited(text)
                parts.append(text)
            except FieldError as exc:
                errors.append(RowError(index, f.name, exc.code, exc.message))
        if errors and errors[-1].index == index:
            return b""  # never written: the caller raises RowErrors
        # Every part has been encoded once by Field.size, so this cannot fail.
        return self._separator.join(parts).encode(self.encoding) + self._line_end

    def _check_delimited(self, text: str) -> None:  # noqa: B027 - no delimiter by default
        """Delimited formats refuse a delimiter or line break inside a field."""

    _separator: str = ""
    _line_end: bytes = b"\r\n"

    @abstractmethod
    def encode_record(self, kind: RecordKind, values: Mapping[str, Any]) -> bytes:
        """One header/summary or trailer record with its line end."""

    @abstractmethod
    def encode_details(self, rows: Iterable[Sequence[Any]]) -> tuple[bytes, int]:
        """The detail records of ``rows`` and their number."""

    @abstractmethod
    def decode(self, data: bytes, file: str) -> Decoded:
        """Read a whole file."""

    @property
    def names(self) -> frozenset[str]:
        """Names of the header and trailer fields."""
        return frozenset(f.name for f in self.records["header"] + self.records["trailer"])

    def write(
        self,
        values: Mapping[str, Any],
        rows: Iterable[Sequence[Any]],
        digest: Callable[[bytes], str] | None = None,
    ) -> bytes:
        """A whole file: header, details, trailer.

        ``values`` feed the header and trailer fields by name; when the layout
        has a ``digest`` field, ``digest`` computes it over the detail bytes.
        """
        body, _ = self.encode_details(rows)
        if digest is not None and "digest" in self.names:
            values = {**values, "digest": digest(body)}
        head = self.encode_record("header", values)
        tail = self.encode_record("trailer", values) if self.records["trailer"] else b""
        return head + body + tail

    def sniff(self, data: bytes) -> bool:
        """Whether the first line of ``data`` reads as this layout's header (or
        summary) record: a cheap look at one line that never raises."""
        end = data.find(self._line_end)
        if end <= 0:
            return False
        try:
            self._sniff_header(data[:end])
        except (BankFileError, UnicodeDecodeError):
            return False
        return True

    @abstractmethod
    def _sniff_header(self, line: bytes) -> None:
        """Decode ``line`` as the header record, raising if it is not one."""

    def read(self, data: bytes, file: str) -> Decoded:
        """Read a whole file (see :meth:`decode`); header and trailer values merged
        into ``header``."""
        decoded = self.decode(data, file)
        decoded.header.update(decoded.trailer)
        return decoded


class FixedWidthFormat(_Layout):
    """Fixed-width records: every field padded to its width in bytes.

    The first field of each record should be a :class:`~._fields.Const` record
    type, so that an unknown or misplaced record is recognised.
    """

    def __init__(
        self,
        *,
        encoding: str,
        header: Sequence[Field],
        detail: Sequence[Field],
        trailer: Sequence[Field],
        columns: Sequence[str],
        newline: bytes = b"\r\n",
    ) -> None:
        super().__init__(encoding, header, detail, trailer, columns)
        self.newline = newline
        self._line_end = newline
        self._fast_encode = compile_encoder(self._detail_plan, encoding, newline, fixed=True)
        self._fast_decode = compile_decoder(detail, self._column_source, encoding)
        self.widths = {kind: sum(f.width for f in fs) for kind, fs in self.records.items()}
        self._structs = {
            kind: struct.Struct("".join(f"{f.width}s" for f in fs))
            for kind, fs in self.records.items()
        }
        self._type_of: dict[bytes, RecordKind] = {}
        self._tags: dict[RecordKind, bytes] = {}
        for kind, fs in self.records.items():
            if fs and isinstance(fs[0], Const):
                self._type_of[fs[0].value.encode(encoding)] = kind
                self._tags[kind] = fs[0].value.encode(encoding)

    # -- writing -----------------------------------------------------------------
    def encode_record(self, kind: RecordKind, values: Mapping[str, Any]) -> bytes:
        """One header or trailer record with its line end.

        A value that does not fit raises :class:`~ningxia_yikatong.errors.BankFileError`.
        """
        parts = []
        for f in self.records[kind]:
            try:
                parts.append(self._encode_field(f, values.get(f.name), pad=True))
            except FieldError as exc:
                raise BankFileError(
                    f"{_KIND_LABEL[kind]}：{exc.message}", code=exc.code, field=f.name
                ) from None
        return "".join(parts).encode(self.encoding) + self.newline

    def encode_details(self, rows: Iterable[Sequence[Any]]) -> tuple[bytes, int]:
        """The detail records of ``rows`` and their number.

        Every row is checked; if any cannot be written, :class:`RowErrors` lists
        them all and nothing is returned.
        """
        fast = self._fast_encode
        lines: list[bytes] = []
        errors: list[RowError] = []
        append = lines.append
        for index, row in enumerate(rows):
            try:
                append(fast(row))
            except Exception:  # the fast path declined: the fields' own methods decide
                append(self._slow_row(index, row, errors, pad=True))
        if errors:
            raise RowErrors(errors)
        return b"".join(lines), len(lines)

    # -- reading -----------------------------------------------------------------
    def decode(self, data: bytes, file: str) -> Decoded:
        """Read a whole file; every problem names the file, line, record and field."""
        if not data:
            raise _bank_error("bankfile.empty", "文件为空", file)
        newline = self.newline
        if not data.endswith(newline):
            raise _bank_error(
                "bankfile.truncated",
                "文件未以换行结束，可能被截断",
                file,
                data.count(b"\n") + 1,
            )
        lines = data[: -len(newline)].split(newline)
        trailer_fields = self.records["trailer"]
        if len(lines) < 1 + (1 if trailer_fields else 0):
            raise _bank_error("bankfile.truncated", "文件缺少首记录或尾记录", file, len(lines))
        header = self._decode_named("header", lines[0], file, 1)
        body = lines[1:-1] if trailer_fields else lines[1:]
        trailer: dict[str, Any] = {}
        if trailer_fields:
            trailer = self._decode_named("trailer", lines[-1], file, len(lines))
        rows: list[tuple[Any, ...]] = []
        numbers: list[int] = []
        detail_fields = self.records["detail"]
        width = self.widths["detail"]
        unpack = self._structs["detail"].unpack
        source = self._column_source
        enc = self.encoding
        fast = self._fast_decode
        tag = self._tags.get("detail", b"")
        for offset, line in enumerate(body):
            number = offset + 2
            if len(line) != width or not line.startswith(tag):
                self._wrong_record(line, "detail", file, number, offset + 1)
            try:
                rows.append(fast(line))
            except Exception:  # the fast path declined: the fields' own methods decide
                values = [
                    self._decode_raw(f, raw, enc, file, number, offset + 1)
                    for f, raw in zip(detail_fields, unpack(line), strict=True)
                ]
                rows.append(tuple(values[i] if i >= 0 else None for i in source))
            numbers.append(number)
        start = len(lines[0]) + len(newline)
        end = start + sum(len(line) + len(newline) for line in body) if body else start
        return Decoded(
            header, rows, numbers, trailer, data[start:end], len(lines) if trailer_fields else None
        )

    def _wrong_record(
        self, line: bytes, expected: RecordKind, file: str, number: int, rec: int
    ) -> NoReturn:
        kind = next((k for tag, k in self._type_of.items() if line.startswith(tag)), None)
        if kind is None:
            raise _bank_error(
                "bankfile.record_type",
                f"未知的记录类型：{line[:4].decode('ascii', 'backslashreplace')}",
                file,
                number,
                record=rec,
            )
        if kind != expected:
            raise _bank_error(
                "bankfile.record_order",
                f"此处应为{_KIND_LABEL[expected]}，实际为{_KIND_LABEL[kind]}",
                file,
                number,
                record=rec,
            )
        raise _bank_error(
            "bankfile.record_length",
            f"{_KIND_LABEL[expected]}长度应为{self.widths[expected]}字节，实际为{len(line)}字节",
            file,
            number,
            record=rec,
        )

    def _sniff_header(self, line: bytes) -> None:
        self._decode_named("header", line, "", 1)

    def _decode_named(
        self, kind: RecordKind, line: bytes, file: str, number: int
    ) -> dict[str, Any]:
        if len(line) != self.widths[kind] or not line.startswith(self._tags.get(kind, b"")):
            self._wrong_record(line, kind, file, number, number)
        out = {}
        for f, raw in zip(self.records[kind], self._structs[kind].unpack(line), strict=True):
            out[f.name] = self._decode_raw(f, raw, self.encoding, file, number, number)
        return out

    @staticmethod
    def _decode_raw(  # noqa: PLR0917 - called once per field in the hot loop
        f: Field, raw: bytes, enc: str, file: str, number: int, rec: int
    ) -> Any:
        try:
            text = raw.decode("ascii" if f.ascii_only else enc)
        except UnicodeDecodeError:
            raise _bank_error(
                "bankfile.encoding",
                f"字段内容不是有效的{enc.upper()}编码" if not f.ascii_only else "字段应为ASCII字符",
                file,
                number,
                record=rec,
                field=f.name,
            ) from None
        text = text.rstrip(" ") if not f.pad_left else text
        try:
            return f.decode(text)
        except FieldError as exc:
            raise _bank_error(
                exc.code, exc.message, file, number, record=rec, field=f.name
            ) from None


class DelimitedFormat(_Layout):
    """Delimited text: a summary line (count, total ...), then one line per item.

    ``summary`` is the first line's fields and ``trailer`` (optional) a last
    line; fields are separated by ``delimiter`` and their widths are maxima.
    Text fields may not contain the delimiter or a line break: such an item is
    refused rather than escaped, because banks' readers do not unescape.
    """

    def __init__(
        self,
        *,
        encoding: str,
        summary: Sequence[Field],
        detail: Sequence[Field],
        columns: Sequence[str],
        trailer: Sequence[Field] = (),
        delimiter: str = "|",
        newline: str = "\r\n",
    ) -> None:
        super().__init__(encoding, summary, detail, trailer, columns)
        self.delimiter = delimiter
        self.newline = newline
        self._separator = delimiter
        self._line_end = newline.encode(encoding)
        self._fast_encode = compile_encoder(
            self._detail_plan,
            encoding,
            newline.encode(encoding),
            fixed=False,
            delimiter=delimiter,
        )
        self._fast_split = compile_splitter(detail, self._column_source, encoding)

    def encode_record(self, kind: RecordKind, values: Mapping[str, Any]) -> bytes:
        """The summary line (``"header"``) or trailer line, with its line end."""
        parts = []
        for f in self.records[kind]:
            try:
                parts.append(self._encode_text(f, values.get(f.name)))
            except FieldError as exc:
                raise BankFileError(
                    f"{_KIND_LABEL[kind]}：{exc.message}", code=exc.code, field=f.name
                ) from None
        return (self.delimiter.join(parts) + self.newline).encode(self.encoding)

    def _encode_text(self, f: Field, value: Any) -> str:
        text = self._encode_field(f, value, pad=False)
        self._check_delimited(text)
        return text

    def _check_delimited(self, text: str) -> None:
        if self.delimiter in text or "\n" in text or "\r" in text:
            raise FieldError("bankfile.field_character", "内容中有分隔符或换行")

    def encode_details(self, rows: Iterable[Sequence[Any]]) -> tuple[bytes, int]:
        """The detail lines of ``rows`` and their number (see :class:`FixedWidthFormat`)."""
        fast = self._fast_encode
        lines: list[bytes] = []
        errors: list[RowError] = []
        append = lines.append
        for index, row in enumerate(rows):
            try:
                append(fast(row))
            except Exception:  # the fast path declined: the fields' own methods decide
                append(self._slow_row(index, row, errors, pad=False))
        if errors:
            raise RowErrors(errors)
        return b"".join(lines), len(lines)

    def decode(self, data: bytes, file: str) -> Decoded:
        """Read a whole file; every problem names the file, line and field."""
        if not data:
            raise _bank_error("bankfile.empty", "文件为空", file)
        try:
            text = data.decode(self.encoding)
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise _bank_error(
                "bankfile.encoding", f"内容不是有效的{self.encoding.upper()}编码", file, line
            ) from None
        newline = self.newline
        if not text.endswith(newline):
            raise _bank_error(
                "bankfile.truncated", "文件未以换行结束，可能被截断", file, text.count("\n") + 1
            )
        lines = text[: -len(newline)].split(newline)
        has_trailer = bool(self.records["trailer"])
        if len(lines) < 1 + has_trailer:
            raise _bank_error("bankfile.truncated", "文件缺少汇总行", file, len(lines))
        header = self._decode_named("header", lines[0], file, 1)
        body = lines[1:-1] if has_trailer else lines[1:]
        trailer = self._decode_named("trailer", lines[-1], file, len(lines)) if has_trailer else {}
        detail_fields = self.records["detail"]
        expected = len(detail_fields)
        source = self._column_source
        delimiter = self.delimiter
        fast = self._fast_split
        rows: list[tuple[Any, ...]] = []
        numbers: list[int] = []
        for offset, text_line in enumerate(body):
            number = offset + 2
            parts = text_line.split(delimiter)
            if len(parts) != expected:
                raise _bank_error(
                    "bankfile.field_count",
                    f"明细行应有{expected}个字段，实际为{len(parts)}个",
                    file,
                    number,
                    record=offset + 1,
                )
            try:
                rows.append(fast(parts))
            except Exception:  # the fast path declined: the fields' own methods decide
                values = []
                for f, part in zip(detail_fields, parts, strict=True):
                    try:
                        f.size(part, self.encoding)
                        values.append(f.decode(part))
                    except FieldError as exc:
                        raise _bank_error(
                            exc.code, exc.message, file, number, record=offset + 1, field=f.name
                        ) from None
                rows.append(tuple(values[i] if i >= 0 else None for i in source))
            numbers.append(number)
        raw_newline = newline.encode(self.encoding)
        start = data.index(raw_newline) + len(raw_newline)
        end = len(data)
        if has_trailer:
            end = data.rindex(raw_newline, 0, end - len(raw_newline)) + len(raw_newline)
        return Decoded(
            header, rows, numbers, trailer, data[start:end], len(lines) if has_trailer else None
        )

    def _sniff_header(self, line: bytes) -> None:
        self._decode_named("header", line.decode(self.encoding), "", 1)

    def _decode_named(self, kind: RecordKind, line: str, file: str, number: int) -> dict[str, Any]:
        fields = self.records[kind]
        parts = line.split(self.delimiter)
        if len(parts) != len(fields):
            raise _bank_error(
                "bankfile.field_count",
                f"{_KIND_LABEL[kind]}应有{len(fields)}个字段，实际为{len(parts)}个",
                file,
                number,
            )
        out = {}
        for f, part in zip(fields, parts, strict=True):
            try:
                f.size(part, self.encoding)
                out[f.name] = f.decode(part)
            except FieldError as exc:
                raise _bank_error(
                    exc.code, f"{_KIND_LABEL[kind]}：{exc.message}", file, number, field=f.name
                ) from None
        return out
