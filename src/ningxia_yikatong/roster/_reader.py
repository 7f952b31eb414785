"""The streaming roster reader: header, then one outcome per row."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

from ..bank import AccountNumber, BankCode
from ..errors import ErrorDetail, Location, RosterError, YikatongError
from ..identity import PersonName, Phone, ResidentIdNumber
from ..money import Amount
from ..regions import RegionCode
from ._cells import (
    _FAILED,
    _bank_lookup,
    _chain,
    _empty_or,
    _household,
    _is_blank,
    _make_account,
    _make_beneficiary,
    _make_item,
    _missing,
    _number,
    _quantity,
    _size,
    _text,
    _unmark,
)
from ._common import (
    _ALIASES,
    _GROUPED,
    _LABEL,
    _MEMO_MAX,
    _NO,
    _REQUIRED,
    _YES,
    DEFAULT_LIMITS,
    FIELDS,
    RosterFormat,
    Source,
    XlsxLimits,
    _detail,
    _err,
    _header_key,
)
from ._csv import _CsvLines
from ._result import RejectedRow, RowOutcome, ValidRow
from ._source import _open, _sniff_format
from ._xlsx import _xlsx_failure, _xlsx_rows

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
        xlsx_limits: XlsxLimits = DEFAULT_LIMITS,
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
        yikatong = True
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
