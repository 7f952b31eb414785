"""Reading rosters (花名册) of subsidy recipients from CSV, XLSX, XLS and ODS files.

A roster is the table a village or township fills in and the competent
department (业务主管部门) checks: one row per recipient with name, ID number,
account, bank, amount, region code and so on. :func:`read_roster` reads one
into a :class:`RosterResult`: the valid rows as
:class:`~ningxia_yikatong.payout.PayoutItem` (numbered 1..n in file order),
every bad row with its row number, column and reason, and the total (合计) and
footer (制表人) rows apart. No row is dropped silently: ``valid + rejected ==
rows_read`` always, and with blank and summary rows every row after the header
is counted once (``data_rows``). :func:`iter_roster` streams the same outcomes
one row at a time.

Formats (the content is checked against the suffix, ``roster.format_mismatch``):

* CSV in UTF-8, UTF-8 with a BOM, or GB18030 (which includes GBK). Unless
  ``encoding`` is given, the first line with non-ASCII bytes decides: strict
  UTF-8 first, then GB18030. Each line is decoded strictly on its own, so a
  line in neither encoding (or in the other one, in a mixed file) is refused
  with its line number (``roster.encoding``). UTF-16 files are refused. A
  record is one physical line: an unclosed quote is ``roster.csv_quote`` on its
  line, and the lines after it are read as rows of their own.
* XLSX, XLS and ODS read with python-calamine, after the zip is bounded
  (``roster.xlsx_bomb``), XML parts with a document type declaration refused
  (``roster.xlsx_unsafe``) and the sheet's extent bounded by the format's limits
  and its size (``roster.xlsx_range``). The first worksheet is read; if another
  worksheet has data, the file is refused (``roster.xlsx_sheets``) unless
  ``sheet`` names the one to read, so that a roster split over sheets is never
  half-read.

Amounts in spreadsheet cells are often binary floats. A float is converted
through its shortest ``repr`` (``1318.75`` → ``"1318.75"``), which is exactly
what the cell displays for amounts of up to 15 digits, and then must satisfy
:class:`~ningxia_yikatong.money.Amount` like any text: more than two decimals
(``0.30000000000000004``, ``12.345``) is refused, never rounded. ID and card
numbers stored as numbers have lost digits (a spreadsheet keeps 15) and are
refused (``roster.numeric_text``); a column whose long numbers all end in zeros
after digit 15 refuses the file (``roster.rounded_column``), and a 16-19-digit
card must pass its Luhn check (``roster.account_luhn``).

>>> import io
>>> data = (
...     "姓名,身份证号,社保卡号,开户银行,金额,区划代码\\n"
...     "马小明,11010519491231002X,6228480123456789015,农业银行,1200.50,640122101001\\n"
...     "李四,110105194912310021,6228480123456789015,abc,12.345,640122101001\\n"
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

from collections.abc import Callable
from typing import Any

from .._arguments import checked
from .._model import gc_paused
from ..errors import RosterError
from ..payout import PayoutItem
from ._common import (
    DEFAULT_LIMITS,
    FIELDS,
    MAX_LINE_BYTES,
    RosterFormat,
    Source,
    XlsxLimits,
)
from ._reader import RosterReader
from ._result import RejectedRow, RosterResult, RowOutcome, SummaryKind, SummaryRow, ValidRow

__all__ = [
    "FIELDS",
    "MAX_LINE_BYTES",
    "RejectedRow",
    "RosterFormat",
    "RosterReader",
    "RosterResult",
    "RowOutcome",
    "SummaryKind",
    "SummaryRow",
    "ValidRow",
    "XlsxLimits",
    "iter_roster",
    "read_roster",
]


@checked(RosterError, "roster")
def iter_roster(source: Source, **options: Any) -> RosterReader:
    """A :class:`RosterReader` streaming :class:`ValidRow` / :class:`RejectedRow` outcomes.

    Takes the options of :func:`read_roster`. File-level problems (encoding,
    header, not a zip) raise :class:`~ningxia_yikatong.errors.RosterError`.
    """
    return RosterReader(source, **options)


@checked(RosterError, "roster")
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
    xlsx_limits: XlsxLimits = DEFAULT_LIMITS,
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
    summaries: list[SummaryRow] = []
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
            elif type(outcome) is RejectedRow:
                rejected.append(outcome)
            elif type(outcome) is SummaryRow:
                summaries.append(outcome)
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
            summary_rows=tuple(summaries),
        )
