"""The streaming roster reader: header, then one outcome per row."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from types import TracebackType
from typing import Any, Final, Self

from .._arguments import checked
from ..bank import AccountNumber, BankCode
from ..errors import ErrorDetail, Location, RosterError, YikatongError
from ..identity import PersonName, Phone, ResidentIdNumber
from ..money import Amount
from ..regions import RegionCode
from ._cells import (
    _FAILED,
    YIKATONG_WHEN_UNSTATED,
    RoundedTails,
    _amount_problem,
    _bank_lookup,
    _empty,
    _empty_or,
    _explain,
    _household,
    _in_hidden,
    _is_blank,
    _luhn_failed,
    _make_account,
    _make_beneficiary,
    _make_item,
    _missing,
    _number,
    _quantity,
    _size,
    _summary_kind,
    _text,
    _unclosed,
    _unmark,
    luhn_valid,
    yikatong_flag,
)
from ._common import (
    _ALIASES,
    _GROUPED,
    _LABEL,
    _MEMO_MAX,
    _REQUIRED,
    DEFAULT_LIMITS,
    FIELDS,
    RosterFormat,
    Source,
    XlsxLimits,
    _detail,
    _err,
    _header_key,
)
from ._csv import UnclosedQuote, _CsvLines, csv_records
from ._result import RejectedRow, RowOutcome, SummaryKind, SummaryRow, ValidRow
from ._sheets import _failure, sheet_rows
from ._source import _open, _sniff_format

_DIGIT: Final = re.compile(r"[0-9０-９]")

# -- the reader -----------------------------------------------------------------------


class RosterReader:
    """Streams the outcomes of a roster, row by row (see :func:`iter_roster`).

    The header is read when the reader is made, so a wrong template fails at
    once. Use it as a context manager, or exhaust it, to close the file.
    Counters (``rows_read``, ``blank_rows``, ``valid_count``) grow as rows are
    read.
    """

    @checked(RosterError, "roster", where="RosterReader")
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
        #: Total (合计/小计) and footer (制表人 ...) rows, not people.
        self.summary_rows = 0
        self._sum = Decimal(0)  # every amount read, of valid and rejected rows
        self._sub = Decimal(0)  # the same since the last 小计
        self._unknown = self._sub_unknown = 0  # rows whose amount could not be read
        self._tails = RoundedTails()
        self._hidden: frozenset[int] = frozenset()
        self.preamble_rows = 0
        self.sheet: str | None = None
        self.size: int | None = None
        self._lines: _CsvLines | None = None
        try:
            self.format = _sniff_format(stream, file, format)
            self.default_bank = BankCode(default_bank) if default_bank is not None else None
            self._banks = _bank_lookup()
            if self.format is not RosterFormat.CSV:
                found = sheet_rows(stream, file, self.format, sheet, xlsx_limits)
                self._closers.append(found.close)
                self.sheet = found.title
                self._hidden = found.hidden
                self._rows: Iterator[Sequence[Any] | UnclosedQuote] = found.rows
            else:
                self.size = _size(stream)
                self._lines = _CsvLines(stream, encoding, file)
                self._rows = csv_records(iter(self._lines), delimiter, file)
            self._row_no = 0
            self._read_header(header_row, ignore_unknown_columns)
        except BaseException:
            self.close()
            raise

    # -- plumbing

    def _next_row(self) -> Sequence[Any] | UnclosedQuote | None:
        try:
            row = next(self._rows, None)
        except YikatongError:
            raise
        except Exception as exc:
            if self.format is RosterFormat.CSV:
                raise
            # a broken part of a spreadsheet: report where
            raise _failure(exc, self.file, self.format, row=self._row_no + 1) from None
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
            if isinstance(row, UnclosedQuote):
                raise _err(
                    "roster.csv_quote",
                    '表头或表头上方的行有未闭合的引号（"），字段不能跨行',
                    file=self.file,
                    line=self._row_no,
                )
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
                hidden = "（隐藏列）" if index in self._hidden else ""
                if not text:
                    problems.append(
                        ErrorDetail(
                            "roster.header_empty",
                            f"第{index + 1}列{hidden}没有表头",
                            where,
                        )
                    )
                else:
                    problems.append(
                        ErrorDetail(
                            "roster.header_unknown",
                            f"未知的列“{text[:40]}”{hidden}（模板不对？）",
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
        self._person_cells = (columns["id_number"], columns["account"])
        self._optional = any(
            f in columns
            for f in ("quantity", "phone", "memo", "household_id", "is_yikatong", "holder_name")
        )

    # -- rows

    def __iter__(self) -> Iterator[RowOutcome]:
        id_at = self._person_cells[0]
        try:
            while True:
                row = self._next_row()
                if row is None:
                    break
                if isinstance(row, UnclosedQuote):
                    self.rows_read += 1
                    self._unknown += 1
                    self._sub_unknown += 1
                    yield _unclosed(self.file, self._row_no)
                    continue
                if _is_blank(row):
                    self.blank_rows += 1
                    continue
                # A person's ID cell starts with a digit: only other rows may be
                # totals or footers (the common case costs one test).
                value = row[id_at] if id_at < len(row) else None
                if type(value) is not str or not value[:1].isdigit():
                    summary = self._summary(row, self._row_no)
                    if summary is not None:
                        self.summary_rows += 1
                        yield summary
                        continue
                self.rows_read += 1
                yield self._build(row, self._row_no)
            self._tails.check(self.file, self.columns)
        finally:
            self.close()

    @property
    def data_rows(self) -> int:
        """Rows (CSV: physical lines) after the header so far: every one is counted once.

        ``valid_count + rejected rows + blank_rows + summary_rows == data_rows``.
        """
        return self.rows_read + self.blank_rows + self.summary_rows

    def _summary(self, row: Sequence[Any], row_no: int) -> SummaryRow | None:
        """A total (合计/小计) or footer (制表人 ...) row; only a row without ID and account."""
        n = len(row)
        for i in self._person_cells:
            # A person's row has digits in its ID or account cell; a footer
            # may spread its text (审核人：李四) over those columns.
            value = row[i] if i < n else None
            if type(value) is str:
                if value[:1].isdigit() or _DIGIT.search(value):
                    return None
            elif value is not None:
                return None
        kind = _summary_kind(row)
        if kind is None:
            return None
        label = next(str(v).strip() for v in row if not _empty(v))[:20]
        if kind is SummaryKind.FOOTER:
            return SummaryRow(row_no, kind, label)
        i = self._at["amount"]
        value = row[i] if i < n else None
        errors: tuple[ErrorDetail, ...] = ()
        stated: Decimal | None = None
        where = Location(file=self.file, row=row_no, column=self.columns.get("amount"))
        expected = self._sum if kind is SummaryKind.TOTAL else self._sub
        unknown = self._unknown if kind is SummaryKind.TOTAL else self._sub_unknown
        if not _empty(value):
            try:
                raw = _number(value, "amount")
                stated = Decimal(
                    raw.replace(",", "")
                    if isinstance(raw, str) and _GROUPED.fullmatch(raw)
                    else raw
                )
            except (YikatongError, InvalidOperation):
                errors = (ErrorDetail("roster.total_format", f"{label}行的金额不是数字", where),)
            else:
                if stated != expected:
                    more = f"（另有{unknown}行金额无法识别）" if unknown else ""
                    errors = (
                        ErrorDetail(
                            "roster.total_mismatch",
                            f"{label}金额{stated}元与以上各行金额之和{expected}元不一致{more}",
                            where,
                        ),
                    )
        if kind is SummaryKind.SUBTOTAL:
            self._sub = Decimal(0)
            self._sub_unknown = 0
        return SummaryRow(row_no, kind, label, stated, errors)

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
        if self.format is not RosterFormat.CSV:
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
        tails = self._tails
        value = cells[at["id_number"]]
        if type(value) is str:
            text = value if "'" not in value else _unmark(value)
            if len(text) >= 16:
                tail = text[15:]
                if tail.isdigit():  # counted for the rounded-column rule
                    tails.id_long += 1
                    if not tail.strip("0"):
                        tails.id_zeros += 1
            try:
                id_number = ResidentIdNumber(text)
            except YikatongError as exc:
                errors.append(("id_number", _explain(value, "id_number", exc)))
        elif value is None:
            errors.append(("id_number", _missing("id_number")))
        value = cells[at["account"]]
        if type(value) is str:
            text = value if "'" not in value else _unmark(value)
            if len(text) >= 16:
                tail = text[15:]
                if tail.isdigit():
                    tails.account_long += 1
                    if not tail.strip("0"):
                        tails.account_zeros += 1
            try:
                account = AccountNumber(text)
            except YikatongError as exc:
                errors.append(("account", _explain(value, "account", exc)))
            else:
                if 16 <= len(account) <= 19 and not luhn_valid(account):
                    errors.append(("account", _luhn_failed()))
                    account = None
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
                errors.append(("amount", _amount_problem(value, exc)))
            else:
                self._sum += amount
                self._sub += amount
        if amount is None:
            self._unknown += 1
            self._sub_unknown += 1
        value = cells[at["region"]]
        if type(value) is str:
            try:
                region = RegionCode(value if "'" not in value else _unmark(value))
            except YikatongError as exc:
                errors.append(("region", _explain(value, "region", exc)))
        elif value is None:
            errors.append(("region", _missing("region")))

        quantity: Decimal | None = None
        phone: Phone | None = None
        memo: str | None = None
        household: str | None = None
        yikatong = YIKATONG_WHEN_UNSTATED
        holder_name = name
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
                try:
                    yikatong = yikatong_flag(value)
                except YikatongError as exc:
                    errors.append(("is_yikatong", exc))
            value = cells[at["holder_name"]]
            if type(value) is str and value.strip():
                try:
                    holder_name = PersonName(value)
                except YikatongError as exc:
                    errors.append(("holder_name", exc))
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
        assert holder_name is not None
        self.valid_count += 1
        holder = _make_account(
            {
                "number": account,
                "bank": bank,
                "holder_name": holder_name,
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
            _detail(
                exc if self._index.get(field) not in self._hidden else _in_hidden(exc),
                Location(file=self.file, row=row_no, column=self.columns.get(field)),
            )
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
