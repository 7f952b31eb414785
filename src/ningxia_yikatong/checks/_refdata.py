"""Loading reference data for the cross-checks from CSV and XLSX files.

Every file is a table with a header row; columns are found by their Chinese
header (or an English alias), in any order, and other columns are ignored:

=================  ==========================================================
data               columns (required, *optional*)
=================  ==========================================================
deaths             公民身份号码, 死亡日期
public payroll     公民身份号码, *工作单位*
prior payouts      政策编码, 发放期间, 公民身份号码, 金额, 批次号, *户编号*
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
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final, TypeVar

from .._arguments import checked
from ..codes import Period
from ..errors import CheckError, ErrorDetail, Location, ReferenceDataError, YikatongError
from . import _normalise as norm
from ._context import (
    HouseholdMember,
    Households,
    PriorPayout,
    PriorPayouts,
    _household_member,
    _prior_payout,
)

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


@checked(CheckError, "check")
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
        except norm.BadValue as exc:
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


@checked(CheckError, "check")
def load_deaths(path: str | Path, *, encoding: str = "utf-8-sig") -> dict[str, _dt.date]:
    """Deaths (死亡人员): ID number to date of death.

    The same person twice with two different dates is an error
    (``refdata.duplicate``, on the second row): which date is right cannot be
    guessed. A date in the future is ``refdata.date_future``.
    """
    today = _dt.date.today()
    out: dict[str, _dt.date] = {}

    def parse(row: dict[str, Cell]) -> None:
        died = norm.death_date(row["death_date"], today)
        norm.add_death(out, norm.id_number(row["id_number"]), died)

    for _ in _collect(path, ("id_number", "death_date"), (), parse, encoding):
        pass
    return out


@checked(CheckError, "check")
def load_public_payroll(path: str | Path, *, encoding: str = "utf-8-sig") -> dict[str, str]:
    """Public payroll (财政供养人员): ID number to employer ("" when not given)."""

    def parse(row: dict[str, Cell]) -> tuple[str, str]:
        return norm.id_number(row["id_number"]), norm.text(row.get("employer"), "工作单位")

    out: dict[str, str] = {}
    for _, (rid, employer) in _collect(path, ("id_number",), ("employer",), parse, encoding):
        out.setdefault(rid, employer)
    return out


@checked(CheckError, "check")
def load_id_set(path: str | Path, *, encoding: str = "utf-8-sig") -> frozenset[str]:
    """A labelled registry (vehicles, property, business owners ...): its ID numbers."""
    return frozenset(
        rid
        for _, rid in _collect(
            path, ("id_number",), (), lambda row: norm.id_number(row["id_number"]), encoding
        )
    )


@checked(CheckError, "check")
def load_prior_payouts(path: str | Path, *, encoding: str = "utf-8-sig") -> PriorPayouts:
    """Earlier payments (已发放记录): policy, period, ID number, amount, batch id,
    and optionally the household (户编号) the payment was for.

    Only payments that reached the person belong in the file (not failed items
    awaiting reissue). Each row is made by
    :func:`~ningxia_yikatong.checks.prior_payout`, as
    :meth:`~ningxia_yikatong.checks.CheckContext.build` makes them.
    """
    periods: dict[str, Period] = {}
    interned: dict[str, str] = {}

    def parse(row: dict[str, Cell]) -> PriorPayout:
        text = norm.text(row["period"], "发放期间")
        period = periods.get(text)
        if period is None:
            period = periods[text] = norm.period(text)
        p = _prior_payout(
            row["policy_code"],
            period,
            row["id_number"],
            row["amount"],
            row["batch_id"],
            household_id=row.get("household_id"),
        )
        return PriorPayout(
            interned.setdefault(p.policy_code, p.policy_code),
            p.period,
            p.id_number,
            p.amount,
            interned.setdefault(p.batch_id, p.batch_id),
            p.household_id,
        )

    fields = ("policy_code", "period", "id_number", "amount", "batch_id")
    return PriorPayouts(p for _, p in _collect(path, fields, ("household_id",), parse, encoding))


_HEAD: Final = frozenset({"户主", "本人", "head"})


@checked(CheckError, "check")
def load_households(path: str | Path, *, encoding: str = "utf-8-sig") -> Households:
    """The household registry: one row per member, the head marked 户主."""

    def parse(row: dict[str, Cell]) -> HouseholdMember:
        relation = norm.text(row["relation"], "与户主关系")
        return _household_member(
            row["household_id"],
            row["id_number"],
            row["name"],
            relation.lower() in _HEAD,
            row.get("region"),
        )

    fields = ("household_id", "id_number", "name", "relation")
    members = [m for _, m in _collect(path, fields, ("region",), parse, encoding)]
    try:
        return Households.from_members(members)
    except ReferenceDataError as exc:
        raise exc.at(file=Path(path).name) from None
