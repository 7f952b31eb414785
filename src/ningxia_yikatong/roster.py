"""Reading rosters (花名册) of subsidy recipients from CSV and XLSX files.

A roster is the table a village or township fills in and the competent
department (业务主管部门) checks: one row per recipient with name, ID number,
account, bank, amount, region code and so on. :func:`read_roster` reads one
into a :class:`RosterResult`: the valid rows as
:class:`~ningxia_yikatong.payout.PayoutItem` (numbered 1..n in file order) and
every bad row with its row number, column and reason. No row is dropped
silently: ``valid + rejected == rows_read`` always, and blank rows are counted
apart. :func:`iter_roster` streams the same outcomes one row at a time.

Formats:

* CSV in UTF-8, UTF-8 with a BOM, or GB18030 (which includes GBK). Unless
  ``encoding`` is given, the first line with non-ASCII bytes decides: strict
  UTF-8 first, then GB18030. Each line is decoded strictly on its own, so a
  line in neither encoding (or in the other one, in a mixed file) is refused
  with its line number (``roster.encoding``). UTF-16 files are refused.
* XLSX (Excel 2007+) read with openpyxl in read-only mode; its XML goes
  through defusedxml. The file must be a zip (``roster.xlsx_not_zip``); the
  number of members, their total uncompressed size and each member's
  compression ratio are bounded before anything is parsed
  (``roster.xlsx_bomb``). The first worksheet is read; if another worksheet has
  data, the file is refused (``roster.xlsx_sheets``) unless ``sheet`` names the
  one to read, so that a roster split over sheets is never half-read.

Amounts in XLSX cells are often binary floats (Excel stores numbers that way).
A float is converted through its shortest ``repr`` (``1318.75`` → ``"1318.75"``),
which is exactly what the cell displays for amounts of up to 15 digits, and
then must satisfy :class:`~ningxia_yikatong.money.Amount` like any text: more
than two decimals (``0.30000000000000004``, ``12.345``) is refused, never
rounded. ID and long account numbers stored as numbers have already lost
digits in Excel and are refused (``roster.numeric_text``).

>>> import io
>>> data = (
...     "姓名,身份证号,社保卡号,开户银行,金额,区划代码\\n"
...     "马小明,11010519491231002X,6228480000000000006,农业银行,1200.50,640122101001\\n"
...     "李四,110105194912310021,6228480000000000006,abc,12.345,640122101001\\n"
... ).encode("gb18030")
>>> result = read_roster(io.BytesIO(data), format="csv")
>>> result.rows_read, result.valid_count, result.total, result.encoding
(2, 1, Decimal('1200.50'), 'gb18030')
>>> for error in result.errors:
...     print(error)
第3行 列“身份证号”：公民身份号码校验位错误 [id.checksum]
第3行 列“金额”：金额最多保留两位小数（分） [amount.precision]
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
import itertools
import os
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import PurePath
from types import TracebackType
from typing import IO, Any, Final, Self, TypeAlias, TypeVar

import pydantic
from pydantic import TypeAdapter

from ._model import gc_paused
from .bank import AccountNumber, BankAccount, BankCode, agent_banks
from .beneficiary import Beneficiary
from .codes import BatchId, Period, PolicyCode
from .errors import ErrorDetail, Location, RosterError, YikatongError
from .identity import PersonName, Phone, ResidentIdNumber
from .money import Amount, total
from .payout import PayoutBatch, PayoutItem, Quantity
from .regions import RegionCode

__all__ = [
    "FIELDS",
    "MAX_LINE_BYTES",
    "RejectedRow",
    "RosterFormat",
    "RosterReader",
    "RosterResult",
    "RowOutcome",
    "ValidRow",
    "XlsxLimits",
    "iter_roster",
    "read_roster",
]


class RosterFormat(StrEnum):
    """File format of a roster."""

    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    label: str
    aliases: tuple[str, ...]


#: The columns a roster may have: field name, Chinese label, accepted headers.
#: Headers are matched after removing spaces, a required-marker ``*`` and a
#: unit in brackets (``金额（元）`` is ``金额``); English aliases ignore case.
FIELDS: Final[tuple[_Field, ...]] = (
    _Field("name", "姓名", ("姓名", "户主姓名", "收款人姓名", "补贴对象姓名", "name")),
    _Field(
        "id_number",
        "公民身份号码",
        ("身份证号", "身份证号码", "公民身份号码", "证件号码", "id_number", "idnumber"),
    ),
    _Field(
        "account",
        "社保卡号",
        (
            "社保卡号",
            "社会保障卡号",
            "银行账号",
            "银行卡号",
            "一卡通账号",
            "收款账号",
            "account",
            "account_number",
        ),
    ),
    _Field("bank", "开户银行", ("开户银行", "代发银行", "开户行", "bank")),
    _Field("amount", "金额", ("金额", "补贴金额", "发放金额", "amount")),
    _Field("quantity", "数量", ("数量", "面积", "补贴面积", "头数", "quantity")),
    _Field("region", "区划代码", ("村组", "区划代码", "行政区划代码", "村组代码", "region")),
    _Field("phone", "联系电话", ("联系电话", "手机号", "手机号码", "电话", "phone")),
    _Field("memo", "备注", ("备注", "摘要", "memo")),
    _Field("household_id", "户编号", ("户编号", "户号", "household_id")),
    _Field("is_yikatong", "是否一卡通", ("是否一卡通", "是否社保卡", "is_yikatong")),
    # A row number column is common in templates; its values are not used
    # (items are numbered 1..n, and each keeps its source row number).
    _Field("seq", "序号", ("序号", "seq")),
)
_REQUIRED: Final = ("name", "id_number", "account", "amount", "region")
_LABEL: Final = {f.name: f.label for f in FIELDS}
_UNIT: Final = re.compile(r"[（(][^）)]*[）)]$")


def _header_key(text: str) -> str:
    key = "".join(text.split()).replace("*", "").replace("＊", "")
    key = _UNIT.sub("", key)
    return key.casefold()


_ALIASES: Final = {_header_key(alias): f.name for f in FIELDS for alias in f.aliases}

#: Longest CSV line accepted, in bytes.
MAX_LINE_BYTES: Final = 1 << 20
_CHUNK: Final = 1 << 20
_NON_ASCII: Final = re.compile(rb"[\x80-\xff]")

_YES: Final = frozenset({"是", "y", "yes", "true", "1", "√"})
_NO: Final = frozenset({"否", "n", "no", "false", "0", "×"})
_GROUPED: Final = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")
_QUANTITY: TypeAdapter[Decimal] = TypeAdapter(Quantity)
_HOUSEHOLD_ID: Final = re.compile(r"[A-Za-z0-9_-]+")
_MEMO_MAX: Final = 60
M = TypeVar("M", bound=pydantic.BaseModel)
# Numbers of 16 or more digits cannot be held exactly by Excel's doubles.
_EXACT_INT: Final = 10**15


@dataclass(frozen=True, slots=True)
class XlsxLimits:
    """Bounds checked on an XLSX zip before it is parsed (zip-bomb defence).

    ``max_ratio`` applies to members larger than ``ratio_floor`` bytes
    uncompressed: sheet XML compresses by 10-30 times, a bomb by about 1000.
    """

    max_members: int = 1000
    max_uncompressed: int = 1 << 30
    max_ratio: int = 200
    ratio_floor: int = 1 << 20


@dataclass(frozen=True, slots=True, repr=False)
class ValidRow:
    """A row that became a payout item (``item.seq`` counts valid rows)."""

    row: int
    item: PayoutItem

    def __repr__(self) -> str:
        return f"ValidRow(row={self.row}, seq={self.item.seq}, amount={self.item.amount})"


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row refused, with every problem found in it (one per bad cell)."""

    row: int
    errors: tuple[ErrorDetail, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        """The error codes, in column order."""
        return tuple(e.code for e in self.errors)


RowOutcome: TypeAlias = ValidRow | RejectedRow
Source: TypeAlias = "str | os.PathLike[str] | bytes | IO[bytes]"


def _detail(exc: YikatongError, where: Location) -> ErrorDetail:
    return ErrorDetail(exc.code, exc.message, exc.location.merged(where))


def _err(code: str, message: str, **where: Any) -> RosterError:
    return RosterError(message, code=code, **where)


# -- cell conversion ---------------------------------------------------------------


def _text(value: object, field: str) -> str:
    """Cell to text; numbers only where Excel keeps them exactly."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
        return text
    if isinstance(value, (bool, _dt.date, _dt.time, _dt.timedelta)):
        raise _err("roster.cell_type", f"{_LABEL[field]}应为文本，单元格中是日期或逻辑值")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if field == "id_number" or abs(value) >= _EXACT_INT:
            raise _err(
                "roster.numeric_text",
                f"{_LABEL[field]}被存为数字，Excel已丢失末几位；请将该列设为文本格式后重新填写",
            )
        return str(value)
    raise _err("roster.cell_type", f"{_LABEL[field]}应为文本")


def _number(value: object, field: str) -> Decimal | str:
    """Cell to a ``Decimal`` or text for amounts and quantities; floats via ``repr``."""
    if isinstance(value, str):
        text = value.strip()
        if _GROUPED.fullmatch(text):
            text = text.replace(",", "")
        return text
    if isinstance(value, bool) or value is None:
        return "" if value is None else _bad_type(field)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # The shortest repr is what the cell shows; precision is judged on it.
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    return _bad_type(field)


def _bad_type(field: str) -> str:
    raise _err("roster.cell_type", f"{_LABEL[field]}应为数字")


def _bank_lookup() -> dict[str, BankCode]:
    """Bank code, full name, short name and CNAPS code to the bank's code.

    Codes are unique; a name or CNAPS code registered twice (a deployment's
    own entry for a built-in bank) keeps the first bank, built-in ones first.
    """
    table: dict[str, BankCode] = {}
    infos = agent_banks()
    for info in infos:
        table[info.code] = BankCode(info.code)
    for info in infos:
        for key in (info.name, info.short_name, info.cnaps):
            if key:
                table.setdefault(key.casefold(), BankCode(info.code))
    return table


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
                    yield rest
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


# -- the reader -----------------------------------------------------------------------


class RosterReader:
    """Streams the outcomes of a roster, row by row (see :func:`iter_roster`).

    The header is read when the reader is made, so a wrong template fails at
    once. Use it as a context manager, or exhaust it, to close the file.
    Counters (``rows_read``, ``blank_rows``, ``valid_count``) grow as rows are
    read.
    """

    def __init__(
        self,
        source: Source,
        *,
        format: RosterFormat | str | None = None,
        encoding: str | None = None,
        sheet: str | int | None = None,
        default_bank: str | None = None,
        ignore_unknown_columns: bool = False,
        header_row: int | None = None,
        delimiter: str | None = None,
        xlsx_limits: XlsxLimits = XlsxLimits(),
    ) -> None:
        stream, file, owned = _open(source)
        self.file = file
        self._stream = stream
        self._owned = owned
        self._closers: list[Callable[[], None]] = []
        self.rows_read = 0
        self.blank_rows = 0
        self.valid_count = 0
        self.preamble_rows = 0
        self.sheet: str | None = None
        self.size: int | None = None
        self._lines: _CsvLines | None = None
        try:
            self.format = (
                RosterFormat(format) if format is not None else _sniff_format(stream, file)
            )
            self.default_bank = BankCode(default_bank) if default_bank is not None else None
            self._banks = _bank_lookup()
            if self.format is RosterFormat.XLSX:
                rows, self.sheet, close = _xlsx_rows(stream, file, sheet, xlsx_limits)
                self._closers.append(close)
                self._rows: Iterator[Sequence[Any]] = rows
            else:
                self.size = _size(stream)
                self._lines = _CsvLines(stream, encoding, file)
                self._rows = self._csv_rows(delimiter)
            self._row_no = 0
            self._read_header(header_row, ignore_unknown_columns)
        except BaseException:
            self.close()
            raise

    # -- plumbing

    def _csv_rows(self, delimiter: str | None) -> Iterator[list[str]]:
        lines = self._lines
        assert lines is not None
        source = iter(lines)
        if delimiter is None:
            # The header decides between comma and tab (Excel's "text" export).
            first = next(source, None)
            if first is None:
                return
            delimiter = "\t" if "\t" in first and "," not in first else ","
            source = _chain(first, source)
        reader = csv.reader(source, delimiter=delimiter, strict=False)
        line = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise _err(
                    "roster.csv", f"CSV 格式错误：{exc}", file=self.file, line=line + 1
                ) from None
            line = reader.line_num
            yield row

    def _next_row(self) -> Sequence[Any] | None:
        try:
            row = next(self._rows, None)
        except YikatongError:
            raise
        except Exception as exc:
            if self.format is RosterFormat.CSV:
                raise  # a broken XLSX part: report where
            raise _xlsx_failure(exc, self.file, row=self._row_no + 1) from None
        if row is None:
            return None
        self._row_no += 1
        return row

    @property
    def encoding_detected(self) -> str | None:
        """The CSV encoding in use (``None`` while every line so far is ASCII)."""
        return self._lines.encoding if self._lines is not None else None

    @property
    def position(self) -> int:
        """Progress: bytes read (CSV) or rows read (XLSX)."""
        return self._lines.bytes_read if self._lines is not None else self._row_no

    # -- header

    def _read_header(self, header_row: int | None, ignore_unknown: bool) -> None:
        preamble: list[Sequence[Any]] = []
        header: Sequence[Any] | None = None
        first: tuple[int, Sequence[Any]] | None = None
        while len(preamble) < (header_row or 11):
            row = self._next_row()
            if row is None:
                break
            if header_row is not None:
                if self._row_no == header_row:
                    header = row
                    break
                preamble.append(row)
                continue
            if not _is_blank(row):
                recognised = sum(
                    1 for c in row if isinstance(c, str) and _header_key(c) in _ALIASES
                )
                if recognised >= 2:
                    header = row
                    break
                first = first or (self._row_no, row)
            preamble.append(row)
        if header is None:
            if first is not None:
                # No row looks like a header: judge the first non-blank one, so
                # that the error lists its unknown and missing columns.
                self.header_row = first[0]
                self._parse_header(list(first[1]), ignore_unknown)
                raise _err(
                    "roster.header_missing",
                    "前10行中找不到表头（姓名、身份证号、金额等）",
                    file=self.file,
                )
            raise _err("roster.empty", "文件中没有表头和数据", file=self.file)
        self.preamble_rows = len(preamble)
        self.header_row = self._row_no
        self._parse_header(list(header), ignore_unknown)

    def _parse_header(self, header: list[Any], ignore_unknown: bool) -> None:
        while header and (header[-1] is None or str(header[-1]).strip() == ""):
            header.pop()
        where = Location(file=self.file, row=self.header_row)
        problems: list[ErrorDetail] = []
        columns: dict[str, int] = {}
        titles: dict[str, str] = {}
        ignored: list[str] = []
        for index, cell in enumerate(header):
            text = "" if cell is None else str(cell).strip()
            field = _ALIASES.get(_header_key(text)) if text else None
            if field is None:
                if ignore_unknown:
                    ignored.append(text)
                    continue
                if not text:
                    problems.append(
                        ErrorDetail(
                            "roster.header_empty",
                            f"第{index + 1}列没有表头",
                            where,
                        )
                    )
                else:
                    problems.append(
                        ErrorDetail(
                            "roster.header_unknown",
                            f"未知的列“{text[:40]}”（模板不对？）",
                            Location(self.file, row=self.header_row, column=text[:40]),
                        )
                    )
                continue
            if field in columns:
                problems.append(
                    ErrorDetail(
                        "roster.header_duplicate",
                        f"列“{text}”与列“{titles[field]}”是同一项（{_LABEL[field]}）",
                        Location(self.file, row=self.header_row, column=text),
                    )
                )
                continue
            columns[field] = index
            titles[field] = text
        required = list(_REQUIRED)
        if self.default_bank is None:
            required.insert(3, "bank")
        problems.extend(
            ErrorDetail(
                "roster.header_missing",
                f"缺少必填列“{_LABEL[field]}”",
                Location(self.file, row=self.header_row, column=_LABEL[field]),
            )
            for field in required
            if field not in columns
        )
        if problems:
            if len(problems) == 1:
                only = problems[0]
                raise RosterError(only.message, code=only.code, location=only.location)
            raise RosterError(
                f"表头有{len(problems)}处问题",
                code="roster.header",
                details=problems,
                location=where,
            )
        self.columns: Mapping[str, str] = titles
        self.ignored_columns: tuple[str, ...] = tuple(ignored)
        self._index = columns
        self._width = len(header)
        # Column of each field; a field the file lacks reads the padding None.
        self._at = {f.name: columns.get(f.name, len(header)) for f in FIELDS}
        self._optional = any(
            f in columns for f in ("quantity", "phone", "memo", "household_id", "is_yikatong")
        )

    # -- rows

    def __iter__(self) -> Iterator[RowOutcome]:
        try:
            while True:
                row = self._next_row()
                if row is None:
                    return
                if _is_blank(row):
                    self.blank_rows += 1
                    continue
                self.rows_read += 1
                yield self._build(row, self._row_no)
        finally:
            self.close()

    def _build(self, row: Sequence[Any], row_no: int) -> RowOutcome:
        # Hot path, one call per row: unrolled on purpose. Cells are padded so
        # that a column the file lacks reads as the trailing None.
        width = self._width
        cells = list(row)
        extra = None
        if len(cells) > width:
            extra = cells[width:]
            del cells[width:]
            if _is_blank(extra):
                extra = None
        elif len(cells) < width:
            cells.extend([None] * (width - len(cells)))
        cells.append(None)
        at = self._at
        errors: list[tuple[str, YikatongError]] = []
        if self.format is RosterFormat.XLSX:
            self._normalise(cells, errors)

        name = id_number = account = region = None
        value = cells[at["name"]]
        if type(value) is str:
            try:
                name = PersonName(value)
            except YikatongError as exc:
                errors.append(("name", _empty_or(value, "name", exc)))
        elif value is None:
            errors.append(("name", _missing("name")))
        value = cells[at["id_number"]]
        if type(value) is str:
            try:
                id_number = ResidentIdNumber(value if "'" not in value else _unmark(value))
            except YikatongError as exc:
                errors.append(("id_number", _empty_or(value, "id_number", exc)))
        elif value is None:
            errors.append(("id_number", _missing("id_number")))
        value = cells[at["account"]]
        if type(value) is str:
            try:
                account = AccountNumber(value if "'" not in value else _unmark(value))
            except YikatongError as exc:
                errors.append(("account", _empty_or(value, "account", exc)))
        elif value is None:
            errors.append(("account", _missing("account")))
        bank = self._bank(cells[at["bank"]], errors)
        amount: Amount | None = None
        value = cells[at["amount"]]
        if value is None or value == "" or (type(value) is str and not value.strip()):
            errors.append(("amount", _missing("amount")))
        elif value is not _FAILED:
            if type(value) is str and "," in value and _GROUPED.fullmatch(value.strip()):
                value = value.replace(",", "")
            try:
                amount = Amount(value)
            except YikatongError as exc:
                errors.append(("amount", exc))
        value = cells[at["region"]]
        if type(value) is str:
            try:
                region = RegionCode(value if "'" not in value else _unmark(value))
            except YikatongError as exc:
                errors.append(("region", _empty_or(value, "region", exc)))
        elif value is None:
            errors.append(("region", _missing("region")))

        quantity: Decimal | None = None
        phone: Phone | None = None
        memo: str | None = None
        household: str | None = None
        yikatong = None if _empty(cells[at["is_yikatong"]]) else True
        if self._optional:
            value = cells[at["quantity"]]
            if value is not None and value is not _FAILED and value != "":
                try:
                    quantity = _quantity(value)
                except YikatongError as exc:
                    errors.append(("quantity", exc))
            value = cells[at["phone"]]
            if type(value) is str and value.strip():
                try:
                    phone = Phone(value if "'" not in value else _unmark(value))
                except YikatongError as exc:
                    errors.append(("phone", exc))
            value = cells[at["memo"]]
            if type(value) is str and value.strip():
                memo = value.strip()
                if len(memo) > _MEMO_MAX:
                    errors.append(("memo", _err("roster.memo_length", f"备注超过{_MEMO_MAX}个字")))
            value = cells[at["household_id"]]
            if type(value) is str and value.strip():
                try:
                    household = _household(value.strip())
                except YikatongError as exc:
                    errors.append(("household_id", exc))
            value = cells[at["is_yikatong"]]
            if type(value) is str and value.strip():
                flag = value.strip().casefold()
                if flag in _NO:
                    yikatong = False
                elif flag not in _YES:
                    errors.append(
                        ("is_yikatong", _err("roster.yikatong", "是否一卡通应填“是”或“否”"))
                    )
        if errors or extra is not None:
            return self._rejected(row_no, errors, extra)
        # Every value type and constraint was checked above, exactly as the
        # models' own validation checks them (a test compares the two), so the
        # models are built without validating each value a second time.
        assert name is not None
        assert id_number is not None
        assert account is not None
        assert bank is not None
        assert amount is not None
        assert region is not None
        self.valid_count += 1
        holder = _make_account(
            {
                "number": account,
                "bank": bank,
                "holder_name": name,
                "is_yikatong": yikatong,
                "branch": None,
            }
        )
        person = _make_beneficiary(
            {
                "id_number": id_number,
                "name": name,
                "region": region,
                "household_id": household,
                "phone": phone,
                "account": holder,
                "disability_grade": None,
                "care_level": None,
            }
        )
        item = _make_item(
            {
                "seq": self.valid_count,
                "beneficiary": person,
                "amount": amount,
                "quantity": quantity,
                "memo": memo,
            }
        )
        return ValidRow(row_no, item)

    def _normalise(self, cells: list[Any], errors: list[tuple[str, YikatongError]]) -> None:
        """Spreadsheet cells to text (numbers for amount and quantity), in place."""
        for field, i in self._index.items():
            value = cells[i]
            if value is None or type(value) is str:
                continue
            try:
                if field in ("amount", "quantity"):
                    cells[i] = _number(value, field)
                else:
                    cells[i] = _text(value, field)
            except YikatongError as exc:
                errors.append((field, exc))
                cells[i] = _FAILED

    def _rejected(
        self, row_no: int, errors: list[tuple[str, YikatongError]], extra: list[Any] | None
    ) -> RejectedRow:
        order = {name: i for i, name in enumerate(self._index)}
        errors.sort(key=lambda e: order.get(e[0], len(order)))
        details = [
            _detail(exc, Location(file=self.file, row=row_no, column=self.columns.get(field)))
            for field, exc in errors
        ]
        if extra is not None:
            details.append(
                ErrorDetail(
                    "roster.extra_cells",
                    "该行在表头以外的列中有数据",
                    Location(file=self.file, row=row_no),
                )
            )
        return RejectedRow(row_no, tuple(details))

    def _bank(self, value: Any, errors: list[tuple[str, YikatongError]]) -> BankCode | None:
        if value is _FAILED:
            return None
        text = value.strip() if type(value) is str else ""
        if not text:
            if self.default_bank is not None:
                return self.default_bank
            errors.append(("bank", _missing("bank")))
            return None
        code = self._banks.get(text) or self._banks.get(text.casefold())
        if code is None:
            errors.append(("bank", _err("bank_code.unknown", f"未登记的代发银行：{text[:40]}")))
        return code

    # -- lifecycle

    def close(self) -> None:
        """Close what the reader opened (not a stream the caller passed)."""
        closers, self._closers = self._closers, []
        for close in closers:
            close()
        if self._owned:
            self._stream.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


_FAILED: Final = object()  # a cell whose conversion already failed


def _missing(field: str) -> RosterError:
    return _err("roster.empty", f"{_LABEL[field]}为空")


def _empty_or(value: str, field: str, exc: YikatongError) -> YikatongError:
    """An empty required cell is reported as such, not as a bad value."""
    return _missing(field) if not value.strip() else exc


def _unmark(value: str) -> str:
    """Drop Excel's leading apostrophe, typed to keep long numbers as text."""
    value = value.strip()
    return value[1:] if value[:1] == "'" else value


def _quantity(value: Any) -> Decimal | None:
    raw = _number(value, "quantity")
    if raw == "":
        return None
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise _err("quantity.format", "数量不是数字") from None
    try:
        return _QUANTITY.validate_python(number)
    except pydantic.ValidationError:
        raise _err("quantity.invalid", "数量应大于零，最多4位小数、14位数字") from None


def _constructor(cls: type[M]) -> Callable[[dict[str, Any]], M]:
    """A maker of ``cls`` instances from already validated values of *every* field.

    It does what ``model_construct`` does for a model without aliases,
    defaults to fill, private attributes or post-init hooks, at a fraction of
    the cost; for any other model it falls back to ``model_construct``.
    """
    fields = cls.model_fields
    plain = (
        not cls.__private_attributes__
        and not cls.__pydantic_post_init__
        and cls.model_config.get("extra") != "allow"
        and all(f.alias is None and f.validation_alias is None for f in fields.values())
    )
    if not plain:
        return lambda values: cls.model_construct(**values)
    # Every instance made here has every field set, so they share one
    # fields-set: a set of five names costs 700 bytes, a third of a small
    # model, and a million rows would pay it three million times. Frozen
    # models never add to it; pydantic copies it before changing a copy.
    names = set(fields)
    new = cls.__new__
    setattr_ = object.__setattr__

    def make(values: dict[str, Any]) -> M:
        obj = new(cls)
        setattr_(obj, "__dict__", values)
        setattr_(obj, "__pydantic_fields_set__", names)
        setattr_(obj, "__pydantic_extra__", None)
        setattr_(obj, "__pydantic_private__", None)
        return obj

    return make


_make_account = _constructor(BankAccount)
_make_beneficiary = _constructor(Beneficiary)
_make_item = _constructor(PayoutItem)


def _household(text: str) -> str:
    # The constraints of beneficiary.HouseholdId (a test checks they agree).
    if len(text) > 40 or _HOUSEHOLD_ID.fullmatch(text) is None:
        raise _err("household.format", "户编号应为1至40位字母、数字、下划线或连字符")
    return text


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_blank(row: Sequence[Any]) -> bool:
    first = row[0] if row else None
    if type(first) is str and first.strip():
        return False
    return all(_empty(v) for v in row)


def _size(stream: IO[bytes]) -> int | None:
    try:
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
    except (OSError, ValueError):
        return None
    return end


# -- results --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class RosterResult:
    """Everything read from a roster.

    ``items[i]`` came from row ``source_rows[i]``; ``rejected`` holds every bad
    row; ``rows_read`` counts non-blank data rows, so
    ``valid_count + rejected_count == rows_read``. Blank rows and the rows
    above the header (a title line) are counted in ``blank_rows`` and
    ``preamble_rows``.
    """

    items: tuple[PayoutItem, ...]
    source_rows: tuple[int, ...]
    rejected: tuple[RejectedRow, ...]
    rows_read: int
    blank_rows: int
    preamble_rows: int
    format: RosterFormat
    file: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    columns: Mapping[str, str] | None = None
    ignored_columns: tuple[str, ...] = ()

    @property
    def valid_count(self) -> int:
        """Number of valid rows (items)."""
        return len(self.items)

    @property
    def rejected_count(self) -> int:
        """Number of rejected rows."""
        return len(self.rejected)

    @property
    def total(self) -> Decimal:
        """Sum of the valid rows' amounts."""
        return total(item.amount for item in self.items)

    @property
    def ok(self) -> bool:
        """True when no row was rejected."""
        return not self.rejected

    @property
    def errors(self) -> tuple[ErrorDetail, ...]:
        """Every problem of every rejected row, in file order."""
        return tuple(e for r in self.rejected for e in r.errors)

    def error_counts(self) -> Counter[str]:
        """How many problems of each code."""
        return Counter(e.code for e in self.errors)

    def source_row(self, seq: int) -> int:
        """The file row of the item numbered ``seq``."""
        if not 1 <= seq <= len(self.source_rows):
            raise RosterError(f"没有序号为 {seq} 的明细", code="roster.seq_unknown")
        return self.source_rows[seq - 1]

    def raise_for_errors(self) -> None:
        """Raise a :class:`RosterError` listing every bad row, if there is one."""
        if self.rejected:
            raise RosterError(
                f"花名册有{self.rejected_count}行未通过校验",
                code="roster.rows_rejected",
                details=self.errors,
                file=self.file,
            )

    def to_batch(
        self,
        *,
        batch_id: str,
        policy_code: str,
        period: str,
        region: str,
        payer_account: str,
        payer_name: str,
        agent_bank: str | None = None,
        pay_date: _dt.date | None = None,
        allow_rejected: bool = False,
    ) -> PayoutBatch:
        """A :class:`PayoutBatch` of the valid items.

        Refused while rows are rejected (people would silently go unpaid) unless
        ``allow_rejected``; refused when items are at another bank than
        ``agent_bank`` (by default the one bank every item uses).
        """
        if self.rejected and not allow_rejected:
            self.raise_for_errors()
        if not self.items:
            raise RosterError("花名册中没有有效明细，无法生成批次", code="roster.no_items")
        banks = Counter(item.beneficiary.account.bank for item in self.items)
        if agent_bank is None:
            if len(banks) > 1:
                shown = "、".join(f"{BankCode(b).info.short_name}{n}人" for b, n in banks.items())
                raise RosterError(
                    f"明细分属多家代发银行（{shown}），请按银行分别生成批次",
                    code="roster.mixed_banks",
                    file=self.file,
                )
            bank = next(iter(banks))
        else:
            bank = BankCode(agent_bank)
            others = [
                ErrorDetail(
                    "roster.bank_mismatch",
                    f"开户银行不是{bank.info.short_name}",
                    Location(file=self.file, row=row),
                )
                for item, row in zip(self.items, self.source_rows, strict=True)
                if item.beneficiary.account.bank != bank
            ]
            if others:
                raise RosterError(
                    f"有{len(others)}条明细的开户银行不是{bank.info.short_name}",
                    code="roster.bank_mismatch",
                    details=others,
                    file=self.file,
                )
        return PayoutBatch(
            batch_id=BatchId(batch_id),
            policy_code=PolicyCode(policy_code),
            period=Period(period),
            region=RegionCode(region),
            agent_bank=bank,
            payer_account=AccountNumber(payer_account),
            payer_name=payer_name,
            items=self.items,
            pay_date=pay_date,
        )

    def __repr__(self) -> str:
        return (
            f"RosterResult(format={self.format.value!r}, rows_read={self.rows_read}, "
            f"valid={self.valid_count}, rejected={self.rejected_count}, total={self.total})"
        )


def iter_roster(source: Source, **options: Any) -> RosterReader:
    """A :class:`RosterReader` streaming :class:`ValidRow` / :class:`RejectedRow` outcomes.

    Takes the options of :func:`read_roster`. File-level problems (encoding,
    header, not a zip) raise :class:`~ningxia_yikatong.errors.RosterError`.
    """
    return RosterReader(source, **options)


def read_roster(
    source: Source,
    *,
    format: RosterFormat | str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    default_bank: str | None = None,
    ignore_unknown_columns: bool = False,
    header_row: int | None = None,
    delimiter: str | None = None,
    xlsx_limits: XlsxLimits = XlsxLimits(),
    progress: Callable[[RosterReader], None] | None = None,
    progress_every: int = 10_000,
) -> RosterResult:
    """Read a whole roster (花名册) into a :class:`RosterResult`.

    ``source`` is a path, the file's bytes or a binary stream. ``format`` is
    ``"csv"`` or ``"xlsx"`` (default: from the suffix, else the content);
    ``encoding`` forces a CSV encoding; ``sheet`` picks an XLSX worksheet by
    name or 0-based index; ``default_bank`` is the bank code for rows (or a
    roster) without one; ``ignore_unknown_columns`` accepts columns this
    library does not know (otherwise a sign of a wrong template, and refused);
    ``header_row`` is the 1-based row of the header (default: the first row,
    among the first ten, with at least two known headers). ``progress`` is
    called with the reader every ``progress_every`` rows and at the end.
    """
    items: list[PayoutItem] = []
    rows: list[int] = []
    rejected: list[RejectedRow] = []
    with (
        RosterReader(
            source,
            format=format,
            encoding=encoding,
            sheet=sheet,
            default_bank=default_bank,
            ignore_unknown_columns=ignore_unknown_columns,
            header_row=header_row,
            delimiter=delimiter,
            xlsx_limits=xlsx_limits,
        ) as reader,
        gc_paused(),
    ):
        # Nothing here makes reference cycles; collections would only walk the
        # growing list of items again and again.
        for count, outcome in enumerate(reader, 1):
            if type(outcome) is ValidRow:
                items.append(outcome.item)
                rows.append(outcome.row)
            else:
                assert isinstance(outcome, RejectedRow)
                rejected.append(outcome)
            if progress is not None and count % progress_every == 0:
                progress(reader)
        if progress is not None:
            progress(reader)
        return RosterResult(
            items=tuple(items),
            source_rows=tuple(rows),
            rejected=tuple(rejected),
            rows_read=reader.rows_read,
            blank_rows=reader.blank_rows,
            preamble_rows=reader.preamble_rows,
            format=reader.format,
            file=reader.file,
            encoding=reader.encoding_detected
            or ("ascii" if reader.format is RosterFormat.CSV else None),
            sheet=reader.sheet,
            columns=dict(reader.columns),
            ignored_columns=reader.ignored_columns,
        )
