"""Loading reference data for the cross-checks from CSV and XLSX files.

Every file is a table with a header row; columns are found by their Chinese
header (or an English alias), in any order, and other columns are ignored:

=================  ==========================================================
data               columns (required, *optional*)
=================  ==========================================================
deaths             公民身份号码, 死亡日期
public payroll     公民身份号码, *工作单位*
prior payouts      政策编码, 发放期间, 公民身份号码, 金额, 批次号
households         户编号, 公民身份号码, 姓名, 与户主关系 (户主 marks the head), *区划代码*
ID set             公民身份号码
=================  ==========================================================

``身份证号`` and ``身份证号码`` are accepted for 公民身份号码. Dates may be
``2026-01-05``, ``2026/1/5``, ``20260105``, ``2026年1月5日`` or a date cell.
Bad rows are not skipped: the loader reads the whole file and raises one
:class:`~ningxia_yikatong.errors.ReferenceDataError` naming the file, and the row
and column of each problem (the first 1,000 in ``details``, the count in the
message). CSV files are UTF-8 (with or without BOM) unless ``encoding`` says
otherwise (``"gb18030"``).
"""

from __future__ import annotations

import csv
import datetime as _dt
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Final, TypeVar

from ..codes import Period
from ..errors import ErrorDetail, InvalidValue, Location, ReferenceDataError, YikatongError
from ..identity import PersonName, ResidentIdNumber
from ..money import Amount
from ..regions import RegionCode
from ._context import HouseholdMember, Households, PriorPayout, PriorPayouts

__all__ = [
    "load_deaths",
    "load_households",
    "load_id_set",
    "load_prior_payouts",
    "load_public_payroll",
    "read_reference_table",
]

#: Largest uncompressed XLSX content read (a zip bomb is refused before parsing).
MAX_XLSX_BYTES: Final = 2 * 1024**3
_MAX_DETAILS: Final = 1000

_ALIASES: Final[Mapping[str, tuple[str, ...]]] = {
    "id_number": ("公民身份号码", "身份证号", "身份证号码", "证件号码", "id_number"),
    "death_date": ("死亡日期", "death_date"),
    "employer": ("工作单位", "单位", "employer"),
    "policy_code": ("政策编码", "policy_code"),
    "period": ("发放期间", "period"),
    "amount": ("金额", "发放金额", "amount"),
    "batch_id": ("批次号", "batch_id"),
    "household_id": ("户编号", "household_id"),
    "name": ("姓名", "name"),
    "relation": ("与户主关系", "relation"),
    "region": ("区划代码", "region"),
}

#: A cell as the CSV reader or openpyxl gives it (text, number, date, None ...).
Cell = object
T = TypeVar("T")


class _RowError(Exception):
    """A bad cell; turned into an ErrorDetail with the row and column."""

    def __init__(self, code: str, message: str, column: str) -> None:
        super().__init__(message)
        self.code, self.message, self.column = code, message, column


def read_reference_table(
    path: str | Path,
    required: Sequence[str],
    optional: Sequence[str] = (),
    *,
    encoding: str = "utf-8-sig",
) -> Iterator[tuple[int, dict[str, Cell]]]:
    """Rows of a CSV or XLSX file as ``(row number, {field: cell})``.

    ``required`` and ``optional`` are field names of the alias table above;
    the header is row 1. Wholly empty rows are passed over (they hold nothing).
    """
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(file)
    elif suffix in (".csv", ".txt"):
        rows = _csv_rows(file, encoding)
    else:
        raise ReferenceDataError(
            f"不支持的参考数据文件类型“{file.suffix}”，请用 CSV 或 XLSX",
            code="refdata.format",
            file=file.name,
        )
    header = next(rows, None)
    if header is None:
        raise ReferenceDataError("文件为空，缺少表头", code="refdata.empty", file=file.name)
    columns = _find_columns(header, required, optional, file.name)
    for number, row in enumerate(rows, 2):
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row):
            continue
        yield number, {f: (row[i] if i < len(row) else None) for f, i in columns.items()}


def _find_columns(
    header: Sequence[Cell], required: Sequence[str], optional: Sequence[str], file: str
) -> dict[str, int]:
    names = [str(h).strip().lstrip("\ufeff").lower() if h is not None else "" for h in header]
    found: dict[str, int] = {}
    missing = []
    for field in (*required, *optional):
        aliases = _ALIASES[field]
        index = next((names.index(a.lower()) for a in aliases if a.lower() in names), None)
        if index is not None:
            found[field] = index
        elif field in required:
            missing.append(aliases[0])
    if missing:
        raise ReferenceDataError(
            f"缺少必需的列：{'、'.join(missing)}",
            code="refdata.column",
            file=file,
            row=1,
            column=missing[0],
        )
    return found


def _csv_rows(file: Path, encoding: str) -> Iterator[Sequence[Cell]]:
    try:
        handle = file.open(encoding=encoding, newline="")
    except OSError as exc:
        raise ReferenceDataError(
            f"无法打开文件：{exc.strerror}", code="refdata.io", file=file.name
        ) from None
    with handle:
        reader = csv.reader(handle)
        try:
            yield from reader
        except UnicodeDecodeError:
            raise ReferenceDataError(
                f"文件不是 {encoding} 编码的文本，请另存为 UTF-8 或指定编码",
                code="refdata.encoding",
                file=file.name,
                line=reader.line_num + 1,
            ) from None
        except csv.Error as exc:
            raise ReferenceDataError(
                f"CSV 格式错误：{exc}", code="refdata.csv", file=file.name, line=reader.line_num
            ) from None


def _xlsx_rows(file: Path) -> Iterator[Sequence[Cell]]:
    from openpyxl import load_workbook  # noqa: PLC0415 - only XLSX needs it

    try:
        with zipfile.ZipFile(file) as archive:
            size = sum(info.file_size for info in archive.infolist())
    except OSError as exc:
        raise ReferenceDataError(
            f"无法打开文件：{exc.strerror or exc}", code="refdata.io", file=file.name
        ) from None
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise ReferenceDataError(
            "文件不是有效的 XLSX 工作簿", code="refdata.xlsx", file=file.name
        ) from None
    if size > MAX_XLSX_BYTES:
        raise ReferenceDataError(
            f"工作簿解压后超过 {MAX_XLSX_BYTES // 1024**2} MB，拒绝读取",
            code="refdata.too_large",
            file=file.name,
        )
    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types on damaged files
        raise ReferenceDataError(
            "文件不是有效的 XLSX 工作簿", code="refdata.xlsx", file=file.name
        ) from None
    row_number = 0
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            row_number += 1
            yield row
    except YikatongError:
        raise
    except Exception:  # damaged sheet XML surfaces while iterating
        raise ReferenceDataError(
            "工作簿内容损坏，无法读取", code="refdata.xlsx", file=file.name, row=row_number + 1
        ) from None
    finally:
        book.close()


def _text(cell: Cell, column: str) -> str:
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, bool):
        raise _RowError("refdata.value", "单元格不应为逻辑值", column)
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() and abs(cell) < 1e15 else repr(cell)
    if isinstance(cell, Decimal):
        return str(cell)
    if isinstance(cell, _dt.date | _dt.time):
        return cell.isoformat()
    raise _RowError("refdata.value", f"无法识别的单元格内容（{type(cell).__name__}）", column)


def _id(cell: Cell) -> str:
    column = "公民身份号码"
    if isinstance(cell, float):
        raise _RowError(
            "refdata.id_as_number",
            "身份证号被存为数字，已丢失精度；请将该列设置为文本后重新录入",
            column,
        )
    text = _text(cell, column)
    if not text:
        raise _RowError("refdata.id_empty", "身份证号为空", column)
    try:
        return str(ResidentIdNumber(text))
    except InvalidValue as exc:
        raise _RowError(exc.code, exc.message, column) from None


_DATE_PATTERNS: Final = (
    re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})"),
    re.compile(r"(\d{4})()(\d{2})(\d{2})"),
    re.compile(r"(\d{4})(年)(\d{1,2})月(\d{1,2})日"),
)


def _date(cell: Cell, column: str) -> _dt.date:
    if isinstance(cell, _dt.datetime):
        if cell.time() != _dt.time():
            raise _RowError("refdata.date", "日期单元格带有时间，请只填日期", column)
        return cell.date()
    if isinstance(cell, _dt.date):
        return cell
    text = _text(cell, column)
    if not text:
        raise _RowError("refdata.date_empty", f"{column}为空", column)
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match is not None:
            try:
                return _dt.date(int(match[1]), int(match[3]), int(match[4]))
            except ValueError:
                break
    raise _RowError(
        "refdata.date", f"{column}“{text[:20]}”无效，应为 2026-01-05 这样的日期", column
    )


def _collect(
    path: str | Path,
    required: Sequence[str],
    optional: Sequence[str],
    parse: Callable[[dict[str, Cell]], T],
    encoding: str,
) -> Iterator[tuple[int, T]]:
    """Parse every row; raise once at the end with every bad row listed."""
    name = Path(path).name
    errors: list[ErrorDetail] = []
    count = 0
    for number, row in read_reference_table(path, required, optional, encoding=encoding):
        try:
            value = parse(row)
        except _RowError as exc:
            count += 1
            if len(errors) < _MAX_DETAILS:
                errors.append(
                    ErrorDetail(
                        exc.code, exc.message, Location(file=name, row=number, column=exc.column)
                    )
                )
            continue
        except ReferenceDataError as exc:
            raise exc.at(file=name, row=number) from None
        yield number, value
    if errors:
        first = errors[0]
        raise ReferenceDataError(
            f"共{count}行数据有误，第一处：{first.message}" if count > 1 else first.message,
            code=first.code if count == 1 else "refdata.rows",
            location=first.location,
            details=errors if count > 1 else (),
        )


def load_deaths(path: str | Path, *, encoding: str = "utf-8-sig") -> dict[str, _dt.date]:
    """Deaths (死亡人员): ID number to date of death.

    The same person twice with two different dates is an error
    (``refdata.duplicate``): which date is right cannot be guessed.
    """
    today = _dt.date.today()

    def parse(row: dict[str, Cell]) -> tuple[str, _dt.date]:
        died = _date(row["death_date"], "死亡日期")
        if died > today:
            raise _RowError("refdata.date_future", "死亡日期在未来", "死亡日期")
        return _id(row["id_number"]), died

    out: dict[str, _dt.date] = {}
    for _, (rid, died) in _collect(path, ("id_number", "death_date"), (), parse, encoding):
        known = out.setdefault(rid, died)
        if known != died:
            raise ReferenceDataError(
                f"同一人登记了两个不同的死亡日期（{known.isoformat()} 与 {died.isoformat()}）",
                code="refdata.duplicate",
                file=Path(path).name,
                column="死亡日期",
            )
    return out


def load_public_payroll(path: str | Path, *, encoding: str = "utf-8-sig") -> dict[str, str]:
    """Public payroll (财政供养人员): ID number to employer ("" when not given)."""

    def parse(row: dict[str, Cell]) -> tuple[str, str]:
        return _id(row["id_number"]), _text(row.get("employer"), "工作单位")

    out: dict[str, str] = {}
    for _, (rid, employer) in _collect(path, ("id_number",), ("employer",), parse, encoding):
        out.setdefault(rid, employer)
    return out


def load_id_set(path: str | Path, *, encoding: str = "utf-8-sig") -> frozenset[str]:
    """A labelled registry (vehicles, property, business owners ...): its ID numbers."""
    return frozenset(
        rid
        for _, rid in _collect(
            path, ("id_number",), (), lambda row: _id(row["id_number"]), encoding
        )
    )


def _amount(cell: Cell) -> Decimal:
    try:
        if isinstance(cell, float):
            # An XLSX number cell: its shortest decimal form is what was typed.
            return Amount(repr(cell))
        return Amount(_text(cell, "金额"))
    except InvalidValue as exc:
        raise _RowError(exc.code, exc.message, "金额") from None


def load_prior_payouts(path: str | Path, *, encoding: str = "utf-8-sig") -> PriorPayouts:
    """Earlier payments (已发放记录): policy, period, ID number, amount, batch id.

    Only payments that reached the person belong in the file (not failed items
    awaiting reissue).
    """
    periods: dict[str, Period] = {}
    interned: dict[str, str] = {}

    def parse(row: dict[str, Cell]) -> PriorPayout:
        code = _text(row["policy_code"], "政策编码").upper()
        if not code:
            raise _RowError("refdata.policy_empty", "政策编码为空", "政策编码")
        period_text = _text(row["period"], "发放期间")
        period = periods.get(period_text)
        if period is None:
            try:
                period = periods[period_text] = Period(period_text)
            except InvalidValue as exc:
                raise _RowError(exc.code, exc.message, "发放期间") from None
        batch_id = _text(row["batch_id"], "批次号")
        if not batch_id:
            raise _RowError("refdata.batch_empty", "批次号为空", "批次号")
        return PriorPayout(
            interned.setdefault(code, code),
            period,
            _id(row["id_number"]),
            _amount(row["amount"]),
            interned.setdefault(batch_id, batch_id),
        )

    fields = ("policy_code", "period", "id_number", "amount", "batch_id")
    return PriorPayouts(p for _, p in _collect(path, fields, (), parse, encoding))


_HEAD: Final = frozenset({"户主", "本人", "head"})


def load_households(path: str | Path, *, encoding: str = "utf-8-sig") -> Households:
    """The household registry: one row per member, the head marked 户主."""

    def parse(row: dict[str, Cell]) -> HouseholdMember:
        hid = _text(row["household_id"], "户编号")
        if not hid:
            raise _RowError("refdata.household_empty", "户编号为空", "户编号")
        try:
            name = str(PersonName(_text(row["name"], "姓名")))
        except InvalidValue as exc:
            raise _RowError(exc.code, exc.message, "姓名") from None
        relation = _text(row["relation"], "与户主关系")
        region = _text(row.get("region"), "区划代码") or None
        if region is not None:
            try:
                region = str(RegionCode(region))
            except InvalidValue as exc:
                raise _RowError(exc.code, exc.message, "区划代码") from None
        return HouseholdMember(hid, _id(row["id_number"]), name, relation.lower() in _HEAD, region)

    fields = ("household_id", "id_number", "name", "relation")
    members = [m for _, m in _collect(path, fields, ("region",), parse, encoding)]
    try:
        return Households.from_members(members)
    except ReferenceDataError as exc:
        raise exc.at(file=Path(path).name) from None
