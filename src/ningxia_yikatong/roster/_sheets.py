"""Spreadsheet rosters (XLSX, XLS, ODS): container checks, then python-calamine.

Before the cells are read:

* XLSX and ODS are zips: the number of members, their total uncompressed size
  and each member's compression ratio are bounded (``roster.xlsx_bomb``), and
  an XML part with a document type declaration (where entities are declared)
  is refused (``roster.xlsx_unsafe``).
* The chosen XLSX worksheet's XML is scanned once, streaming: it gives the
  hidden columns (``<col hidden="1">``) and the largest row and column that
  hold a cell. A row beyond 1,048,576 or a column beyond 16,384 (the format's
  limits) is refused, and so is a sheet whose rectangle of cells would be far
  larger than its XML (``roster.xlsx_range``): the reader materialises that
  rectangle, and its work must stay bounded by the size of the input.
* An ODS sheet's repeated rows and columns (``number-rows-repeated``) are
  bounded the same way, and its hidden columns (``table:visibility``) read.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, Final
from xml.sax.saxutils import unescape

from ..errors import RosterError, YikatongError
from ._common import RosterFormat, XlsxLimits, _err

#: The largest row and column of an XLSX sheet (Excel 2007 and later, LibreOffice).
MAX_ROWS: Final = 1_048_576
MAX_COLUMNS: Final = 16_384
#: A sheet's rectangle of cells may hold this many cells whatever its size, and
#: otherwise at most ``_CELLS_PER_BYTE`` cells per byte of its XML.
_FREE_CELLS: Final = 1_000_000
_CELLS_PER_BYTE: Final = 4
_SCAN_CHUNK: Final = 1 << 20

_FORMAT_NAME: Final = {
    RosterFormat.XLSX: "XLSX",
    RosterFormat.XLS: "XLS",
    RosterFormat.ODS: "ODS",
}

# A cell's start tag with its reference (self-closing tags hold no value).
_CELL_REF: Final = re.compile(rb'<(?:\w+:)?c\s(?:[^>]*?\s)?r="([A-Z]*)([0-9]*)"[^>]*?(/?)>')
_COL_TAG: Final = re.compile(rb"<(?:\w+:)?col\s([^>]*)>")
_ATTR: Final = re.compile(rb'(\w+)="([^"]*)"')
_ODS_TOKEN: Final = re.compile(
    rb"<(/?)table:(table-row|table-cell|covered-table-cell|table-column|table)(?=[\s/>])"
    rb"([^>]*?)(/?)>"
)
_ODS_NAME: Final = re.compile(rb'table:name="([^"]*)"')
_ODS_HIDDEN: Final = re.compile(rb'table:visibility="(?:collapse|filter)"')
_ODS_REPEAT: Final = re.compile(rb'table:number-(?:rows|columns)-repeated="([0-9]*)"')


def _check_zip(
    stream: IO[bytes], file: str | None, limits: XlsxLimits, fmt: RosterFormat
) -> zipfile.ZipFile:
    """The zip, once its members are bounded (the caller closes it)."""
    name = _FORMAT_NAME[fmt]
    head = stream.read(4)
    stream.seek(0)
    if head != b"PK\x03\x04":
        raise _err("roster.xlsx_not_zip", f"文件不是有效的 {name}（不是 zip 格式）", file=file)
    try:
        archive = zipfile.ZipFile(stream)
        infos = archive.infolist()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,  # a zip version or compression Python cannot read
        OSError,
        ValueError,
        EOFError,
    ):
        stream.seek(0)
        raise _err(
            "roster.xlsx_not_zip", f"文件不是有效的 {name}（zip 结构已损坏）", file=file
        ) from None
    if len(infos) > limits.max_members:
        raise _err(
            "roster.xlsx_bomb",
            f"{name} 内含文件数 {len(infos)} 超过上限 {limits.max_members}，拒绝读取",
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
                f"{name} 中的 {info.filename[:60]} 压缩比异常（疑似 zip 炸弹），拒绝读取",
                file=file,
            )
    if size > limits.max_uncompressed:
        raise _err(
            "roster.xlsx_bomb",
            f"{name} 解压后共 {size} 字节，超过上限 {limits.max_uncompressed} 字节，拒绝读取",
            file=file,
        )
    return archive


def _read(archive: zipfile.ZipFile, member: str, limit: int = -1) -> bytes:
    with archive.open(member) as fh:
        return fh.read(limit)


_PROLOGUE: Final = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)


def _check_xml_parts(archive: zipfile.ZipFile, file: str | None, name: str) -> None:
    """Refuse a part with a document type declaration (entities are declared there).

    A declaration can only stand in the prologue, before the root element: the
    prologue of every XML part is read past its XML declaration and comments.
    """
    for info in archive.infolist():
        if not info.filename.endswith((".xml", ".rels")) or info.is_dir():
            continue
        try:
            with archive.open(info) as fh:
                head = b""
                while True:
                    more = fh.read(4096)
                    head += more
                    at = 0
                    while (m := _PROLOGUE.match(head, at)) is not None:
                        at = m.end()
                    rest = head[at:].lstrip()
                    if (rest[:1] == b"<" and rest[:2] not in (b"<?", b"<!")) or not more:
                        break
                    if rest[:9].upper() == b"<!DOCTYPE" or len(head) > 1 << 20:
                        break
        except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError, EOFError):
            raise _err(
                "roster.xlsx_not_zip", f"文件不是有效的 {name}（zip 成员已损坏）", file=file
            ) from None
        if rest[:9].upper() == b"<!DOCTYPE" or b"<!ENTITY" in rest[:4096]:
            raise _err(
                "roster.xlsx_unsafe",
                f"{name} 中含有不安全的 XML（实体或 DTD），拒绝读取",
                file=file,
            )


def _column_number(letters: bytes) -> int:
    number = 0
    for byte in letters[:4]:  # four letters already exceed the format's 16,384
        number = number * 26 + byte - 64
    return number if len(letters) <= 4 else MAX_COLUMNS + 1


def _workbook_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet name to its zip member, from xl/workbook.xml and its relationships."""
    from defusedxml import ElementTree  # noqa: PLC0415

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    pkg = "{http://schemas.openxmlformats.org/package/2006/relationships}"
    book = ElementTree.fromstring(_read(archive, "xl/workbook.xml", 1 << 24))
    try:
        rels = ElementTree.fromstring(_read(archive, "xl/_rels/workbook.xml.rels", 1 << 24))
    except KeyError:
        return {}
    targets = {}
    for rel in rels.iter(f"{pkg}Relationship"):
        target = rel.get("Target") or ""
        member = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        targets[rel.get("Id")] = posixpath.normpath(member)
    parts = {}
    for sheet in book.iter(f"{main}sheet"):
        member = targets.get(sheet.get(f"{rel_ns}id"))
        if member is not None:
            parts[sheet.get("name") or ""] = member
    return parts


@dataclass(frozen=True, slots=True)
class _SheetScan:
    hidden: frozenset[int]  # 0-based indices of hidden columns
    rows: int  # the last row holding a cell
    columns: int  # the last column holding a cell
    size: int  # bytes of XML


def _scan_xlsx_sheet(archive: zipfile.ZipFile, member: str) -> _SheetScan:
    """Hidden columns and the extent of the cells of one XLSX sheet, streaming."""
    hidden: set[int] = set()
    rows = columns = size = 0
    rest = b""
    with archive.open(member) as fh:
        while True:
            chunk = fh.read(_SCAN_CHUNK)
            data = rest + chunk
            cut = data.rfind(b">") + 1 if chunk else len(data)
            rest = data[cut:]
            size += cut
            if len(rest) > _SCAN_CHUNK:  # a tag of a megabyte: not a sheet
                raise ValueError("tag too long")
            part = data[:cut]
            if b"<col" in part and not rows:
                for match in _COL_TAG.finditer(part):
                    attrs = dict(_ATTR.findall(match.group(1)))
                    if attrs.get(b"hidden") in (b"1", b"true"):
                        low = int(attrs.get(b"min", b"0") or 0)
                        high = min(int(attrs.get(b"max", b"0") or 0), MAX_COLUMNS)
                        hidden.update(range(max(low, 1) - 1, high))
            for match in _CELL_REF.finditer(part):
                if match.group(3):
                    continue  # <c r="A1" s="2"/>: a styled cell without a value
                digits = match.group(2)
                row = int(digits) if len(digits) <= 8 else MAX_ROWS + 1
                rows = max(rows, row)
                columns = max(columns, _column_number(match.group(1)))
            if not chunk:
                break
    return _SheetScan(frozenset(hidden), rows, columns, size)


@dataclass(frozen=True, slots=True)
class _OdsScan:
    rows: int  # the largest extent of any table's cells with content
    columns: int
    size: int  # bytes of content.xml
    hidden: dict[str, frozenset[int]]  # table name to its hidden columns (0-based)


def _scan_ods(archive: zipfile.ZipFile) -> _OdsScan:
    """Extent of the cells with content, and hidden columns, of every ODS table."""
    data = _read(archive, "content.xml")
    rows = columns = 0
    row = col = 0
    hidden: dict[str, frozenset[int]] = {}
    table_hidden: set[int] = set()
    title = ""
    column = 0
    row_repeat = 1
    pending_cell: tuple[int, int] | None = None  # (start column, repeat) of an open cell
    for match in _ODS_TOKEN.finditer(data):
        closing, kind, attrs, empty = match.groups()
        repeat_match = _ODS_REPEAT.search(attrs)
        repeat = 1
        if repeat_match is not None and repeat_match.group(1):
            digits = repeat_match.group(1)
            repeat = int(digits) if len(digits) <= 8 else MAX_ROWS + 1
        if kind == b"table":
            row = col = column = 0
            if not closing:
                named = _ODS_NAME.search(attrs)
                title = unescape(named.group(1).decode("utf-8", "replace")) if named else ""
                table_hidden = set()
                hidden[title] = frozenset()
            else:
                hidden[title] = frozenset(table_hidden)
        elif kind == b"table-column":
            if not closing:
                if _ODS_HIDDEN.search(attrs) and column < MAX_COLUMNS:
                    table_hidden.update(range(column, min(column + repeat, MAX_COLUMNS)))
                column += repeat
        elif kind == b"table-row":
            if closing:
                row += row_repeat
            elif empty:
                row += repeat
            else:
                row_repeat, col = repeat, 0
        elif closing:
            if pending_cell is not None:
                start, count = pending_cell
                columns = max(columns, start + count)
                rows = max(rows, row + row_repeat)
                pending_cell = None
        elif empty:
            col += repeat
        else:
            pending_cell = (col, repeat)
            col += repeat
    return _OdsScan(rows, columns, len(data), hidden)


def _check_extent(rows: int, columns: int, size: int, file: str | None, where: str) -> None:
    if rows > MAX_ROWS or columns > MAX_COLUMNS:
        raise _err(
            "roster.xlsx_range",
            f"工作表“{where}”的单元格超出电子表格的最大范围"
            f"（{MAX_ROWS}行、{MAX_COLUMNS}列），文件已损坏或被改动",
            file=file,
        )
    if rows * columns > max(_FREE_CELLS, _CELLS_PER_BYTE * size):
        raise _err(
            "roster.xlsx_range",
            f"工作表“{where}”的数据区域（{rows}行×{columns}列）远大于文件内容，"
            "疑似异常文件，拒绝读取",
            file=file,
        )


def _failure(exc: Exception, file: str | None, fmt: RosterFormat, **where: Any) -> RosterError:
    name = _FORMAT_NAME[fmt]
    if type(exc).__module__.startswith("defusedxml"):
        return _err(
            "roster.xlsx_unsafe", f"{name} 中含有不安全的 XML（实体或 DTD），拒绝读取", file=file
        )
    code = {RosterFormat.XLS: "roster.xls", RosterFormat.ODS: "roster.ods"}.get(fmt, "roster.xlsx")
    return _err(code, f"无法读取 {name} 文件（{type(exc).__name__}）", file=file, **where)


@dataclass(slots=True)
class SheetRows:
    """The rows of the chosen sheet, with what the reader needs to know of it."""

    rows: Iterator[Sequence[Any]]
    title: str
    hidden: frozenset[int]
    close: Callable[[], None]


def sheet_rows(
    stream: IO[bytes],
    file: str | None,
    fmt: RosterFormat,
    sheet: str | int | None,
    limits: XlsxLimits,
) -> SheetRows:
    """Check the container, choose the sheet and stream its rows (cells as values)."""
    from python_calamine import CalamineWorkbook  # noqa: PLC0415 - spreadsheets only

    name = _FORMAT_NAME[fmt]
    archive = _check_zip(stream, file, limits, fmt) if fmt is not RosterFormat.XLS else None
    parts: dict[str, str] = {}
    hidden_of: dict[str, frozenset[int]] = {}
    try:
        if archive is not None:
            _check_xml_parts(archive, file, name)
            if fmt is RosterFormat.XLSX:
                parts = _workbook_parts(archive)
            else:
                scan = _scan_ods(archive)
                _check_extent(scan.rows, scan.columns, scan.size, file, "content.xml")
                hidden_of.update(scan.hidden)
        stream.seek(0)
        workbook = CalamineWorkbook.from_filelike(stream)
        names = [m.name for m in workbook.sheets_metadata if str(m.typ).endswith("WorkSheet")]
    except YikatongError:
        raise
    except Exception as exc:  # junk input: any failure is a roster error
        raise _failure(exc, file, fmt) from None
    finally:
        if archive is not None:
            archive.close()

    def load(title: str) -> Any:
        if parts.get(title):
            with zipfile.ZipFile(stream) as again:
                scan = _scan_xlsx_sheet(again, parts[title])
            _check_extent(scan.rows, scan.columns, scan.size, file, title)
            hidden_of[title] = scan.hidden
        return workbook.get_sheet_by_name(title)

    try:
        if not names:
            raise _err("roster.xlsx_sheets", f"{name} 中没有工作表", file=file)
        if sheet is None:
            chosen = names[0]
            others = [title for title in names[1:] if _has_data(load(title))]
            if others:
                raise _err(
                    "roster.xlsx_sheets",
                    f"除第一个工作表外，工作表“{'、'.join(others)}”也有数据；请指定要导入的工作表",
                    file=file,
                )
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise _err("roster.xlsx_sheets", f"没有第{sheet + 1}个工作表", file=file)
            chosen = names[sheet]
        else:
            if sheet not in names:
                raise _err("roster.xlsx_sheets", f"没有名为“{sheet}”的工作表", file=file)
            chosen = sheet
        data = load(chosen)
    except YikatongError:
        workbook.close()
        raise
    except Exception as exc:
        workbook.close()
        raise _failure(exc, file, fmt) from None
    return SheetRows(_aligned(data), chosen, hidden_of.get(chosen, frozenset()), workbook.close)


def _aligned(data: Any) -> Iterator[Sequence[Any]]:
    """Rows numbered as in the spreadsheet, the cells left of the data put back.

    calamine's rows start at the sheet's first row, but its cells at the first
    column holding data (a test pins both).
    """
    if data.start is None:
        return
    skip = data.start[1]
    if skip:
        pad = [None] * skip
        for row in data.iter_rows():
            yield pad + row
    else:
        yield from data.iter_rows()


def _has_data(data: Any) -> bool:
    for row in data.iter_rows():
        if any(v is not None and (not isinstance(v, str) or v.strip()) for v in row):
            return True
    return False


def sniff_container(stream: IO[bytes]) -> RosterFormat | None:
    """The spreadsheet format the content shows, or ``None`` (text, or not known)."""
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return RosterFormat.XLS
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names:
                return RosterFormat.XLSX
            if "mimetype" in names:
                mimetype = _read(archive, "mimetype", 200).strip()
                if mimetype == b"application/vnd.oasis.opendocument.spreadsheet":
                    return RosterFormat.ODS
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        OSError,
        ValueError,
        EOFError,
        KeyError,
    ):
        pass
    finally:
        stream.seek(0)
    return None


def content_name(fmt: RosterFormat) -> str:
    """How a format is named to staff."""
    return {
        RosterFormat.CSV: "CSV 文本",
        RosterFormat.XLSX: "XLSX（.xlsx）",
        RosterFormat.XLS: "XLS（旧版 .xls）",
        RosterFormat.ODS: "ODS（OpenDocument，.ods）",
    }[fmt]


__all__ = ["MAX_COLUMNS", "MAX_ROWS", "SheetRows", "content_name", "sheet_rows", "sniff_container"]
