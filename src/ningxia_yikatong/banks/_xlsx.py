"""Format engine for XLSX upload templates (Excel 批量支付模板).

One sheet: a title row with the template's column labels, one row per item,
and a summary row (合计) last. Columns are declared as typed fields whose
``label`` is the column title; a detail field whose name is not a row column
(the payer account, the batch id) takes the same value on every row, and is read
back as a header value, checked to be the same on every row.

Every cell is written as text, so that account and ID numbers never become
numbers and amounts stay exact (``"1200.50"``). Written with openpyxl's
write-only mode; read with its read-only mode, after checking the zip's size
and compression ratio (a zip bomb is refused before any XML is parsed).
Extra sheets and moved or renamed columns are refused.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from openpyxl import Workbook, load_workbook

from ..errors import BankFileError, Location, YikatongError
from ._fields import Const, Field, FieldError, Filler, Yuan
from ._text import Decoded, RowError, RowErrors

__all__ = ["XlsxFormat"]

_MAX_RATIO: Final = 200


def _letter(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


class XlsxFormat:
    """An XLSX template: ``sheet`` with ``detail`` columns and a summary row.

    ``summary`` maps column positions (0-based) to the fields of the summary
    row; the field at position 0 should be a :class:`~._fields.Const`
    (``"合计"``) that marks the row. ``max_rows`` and ``max_bytes``
    (uncompressed) bound what is read.
    """

    def __init__(
        self,
        *,
        encoding: str,
        sheet: str,
        detail: Sequence[Field],
        summary: Mapping[int, Field],
        columns: Sequence[str],
        max_rows: int = 1_048_576,
        max_bytes: int = 2 * 1024**3,
    ) -> None:
        self.encoding = encoding
        self.sheet = sheet
        self.detail = tuple(detail)
        self.summary = dict(summary)
        self.columns = tuple(columns)
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.labels = tuple(f.title for f in self.detail)
        known = set(self.columns)
        self._plan = tuple(
            (self.columns.index(f.name) if f.name in known else -1, f) for f in self.detail
        )
        # Detail fields that are not row columns: header values repeated on every row.
        self._shared = tuple(
            (i, f)
            for i, f in enumerate(self.detail)
            if f.name not in known and not isinstance(f, Const | Filler)
        )
        names = [f.name for f in self.detail]
        self._source = tuple(names.index(c) if c in names else -1 for c in self.columns)

    @property
    def names(self) -> frozenset[str]:
        """Names of the header values (summary fields and row-repeated fields)."""
        return frozenset(f.name for f in self.summary.values()) | frozenset(
            f.name for _, f in self._shared
        )

    def _cell(self, f: Field, value: Any) -> str:
        text = f.encode(value, self.encoding)
        f.size(text, self.encoding)
        if not text.isprintable():
            raise FieldError("bankfile.field_character", "内容中有控制字符")
        return text

    def write(
        self,
        values: Mapping[str, Any],
        rows: Iterable[Sequence[Any]],
        digest: Callable[[bytes], str] | None = None,
    ) -> bytes:
        """The whole workbook (``digest`` is not used: the template has no digest)."""
        errors: list[RowError] = []
        width = len(self.detail)
        shared: dict[int, str | None] = {}
        for i, f in self._shared:
            try:
                shared[i] = self._cell(f, values.get(f.name)) or None
            except FieldError as exc:
                raise BankFileError(exc.message, code=exc.code, field=f.name) from None
        summary: list[str | None] = [None] * width
        for col, f in self.summary.items():
            try:
                summary[col] = self._cell(f, values.get(f.name)) or None
            except FieldError as exc:
                raise BankFileError(f"合计行：{exc.message}", code=exc.code, field=f.name) from None
        book = Workbook(write_only=True)
        sheet = book.create_sheet(self.sheet)
        sheet.append(list(self.labels))
        for index, row in enumerate(rows):
            cells: list[str | None] = []
            for col, (pos, f) in enumerate(self._plan):
                if pos < 0:
                    cells.append(shared[col] if col in shared else self._const(f))
                    continue
                try:
                    cells.append(self._cell(f, row[pos]) or None)
                except FieldError as exc:
                    errors.append(RowError(index, f.name, exc.code, exc.message))
            if not errors:
                sheet.append(cells)
        if errors:
            # Finish the half-written workbook in memory so that openpyxl's writer
            # closes cleanly; the bytes are dropped.
            book.save(io.BytesIO())
            raise RowErrors(errors)
        sheet.append(summary)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    @staticmethod
    def _const(f: Field) -> str | None:
        return f.value or None if isinstance(f, Const) else None

    # -- reading -----------------------------------------------------------------
    def _error(self, code: str, message: str, file: str, **where: Any) -> BankFileError:
        return BankFileError(message, code=code, location=Location(file=file, **where))

    def _check_zip(self, data: bytes, file: str) -> None:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                infos = archive.infolist()
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            NotImplementedError,  # a zip version or compression Python cannot read
            ValueError,
            OSError,
            EOFError,
        ):
            raise self._error("bankfile.xlsx", "不是有效的XLSX文件", file) from None
        total = 0
        for info in infos:
            total += info.file_size
            if info.compress_size and info.file_size / info.compress_size > _MAX_RATIO:
                raise self._error(
                    "bankfile.xlsx_bomb", f"XLSX中的{info.filename}压缩比异常，拒绝读取", file
                )
        if total > self.max_bytes:
            raise self._error(
                "bankfile.xlsx_too_large", f"XLSX解压后超过{self.max_bytes}字节，拒绝读取", file
            )

    def _text(self, f: Field, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            raise FieldError("bankfile.field_type", "单元格类型不对")
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            # A number typed into the sheet: exact only when it has at most 2 decimals.
            try:
                number = Decimal(repr(value))
            except InvalidOperation:
                raise FieldError("bankfile.field_type", "单元格不是有效数字") from None
            if isinstance(f, Yuan) and number == number.quantize(Decimal("0.01")):
                return f"{number:.2f}"
            if number == number.to_integral_value():
                return str(int(number))
            return repr(value)
        raise FieldError("bankfile.field_type", f"单元格类型不受支持：{type(value).__name__}")

    def _decode(self, f: Field, value: Any) -> Any:
        text = self._text(f, value)
        f.size(text, self.encoding)
        return f.decode(text)

    def read(self, data: bytes, file: str) -> Decoded:
        """Read the workbook; every problem names the file, row and column."""
        if not data:
            raise self._error("bankfile.empty", "文件为空", file)
        self._check_zip(data, file)
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds on a damaged file
            raise self._error("bankfile.xlsx", "XLSX文件已损坏，无法读取", file) from None
        try:
            return self._read_book(book, file)
        except (YikatongError, FieldError):
            raise
        except Exception:  # members are opened lazily, while rows are read
            raise self._error("bankfile.xlsx", "XLSX文件已损坏，无法读取", file) from None
        finally:
            book.close()

    def _read_book(self, book: Any, file: str) -> Decoded:
        names = list(book.sheetnames)
        if names != [self.sheet]:
            raise self._error(
                "bankfile.xlsx_sheets",
                f"XLSX应只有一个工作表“{self.sheet}”，实际为：{'、'.join(names)}",
                file,
            )
        sheet = book[self.sheet]
        width = len(self.detail)
        rows_iter = sheet.iter_rows(values_only=True)
        try:
            title = next(rows_iter)
        except StopIteration:
            raise self._error("bankfile.truncated", "工作表为空", file) from None
        title = tuple(title) + (None,) * (width - len(title))
        for col, label in enumerate(self.labels):
            if title[col] != label:
                raise self._error(
                    "bankfile.xlsx_columns",
                    f"第{col + 1}列应为“{label}”，实际为“{title[col]}”",
                    file,
                    row=1,
                    column=_letter(col),
                )
        if any(cell not in (None, "") for cell in title[width:]):
            raise self._error("bankfile.xlsx_columns", "标题行有多余的列", file, row=1)
        body: list[tuple[int, tuple[Any, ...]]] = []
        for number, raw_cells in enumerate(rows_iter, 2):
            if number > self.max_rows:
                raise self._error(
                    "bankfile.xlsx_too_large", f"工作表超过{self.max_rows}行", file, row=number
                )
            cells = tuple(raw_cells)
            if all(c in (None, "") for c in cells):
                continue
            body.append((number, cells))
        if not body:
            raise self._error("bankfile.truncated", "工作表缺少合计行", file)
        last_number, last = body.pop()
        marker_col, marker = min(self.summary.items())
        header: dict[str, Any] = {}
        if not isinstance(marker, Const) or (last + (None,) * width)[marker_col] != marker.value:
            raise self._error(
                "bankfile.truncated", "最后一行应为合计行，文件可能被截断", file, row=last_number
            )
        padded_last = last + (None,) * width
        summary: dict[str, Any] = {}
        for col, f in self.summary.items():
            try:
                summary[f.name] = self._decode(f, padded_last[col])
            except FieldError as exc:
                raise self._error(
                    exc.code, exc.message, file, row=last_number, column=f.title, field=f.name
                ) from None
        rows: list[tuple[Any, ...]] = []
        numbers: list[int] = []
        for number, cells in body:
            if len(cells) > width and any(c not in (None, "") for c in cells[width:]):
                raise self._error("bankfile.xlsx_columns", "明细行有多余的列", file, row=number)
            padded = cells + (None,) * (width - len(cells))
            values = []
            for col, f in enumerate(self.detail):
                try:
                    value = self._decode(f, padded[col])
                except FieldError as exc:
                    raise self._error(
                        exc.code, exc.message, file, row=number, column=f.title, field=f.name
                    ) from None
                values.append(value)
            for col, f in self._shared:
                if f.name not in header:
                    header[f.name] = values[col]
                elif header[f.name] != values[col]:
                    raise self._error(
                        "bankfile.field_inconsistent",
                        f"“{f.title}”应与其他行相同",
                        file,
                        row=number,
                        column=f.title,
                        field=f.name,
                    )
            rows.append(tuple(values[i] if i >= 0 else None for i in self._source))
            numbers.append(number)
        header.update(summary)
        return Decoded(header, rows, numbers, summary, b"", last_number)
