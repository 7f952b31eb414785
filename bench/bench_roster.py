"""Roster import (花名册): a 1,000,000-row CSV and a 100,000-row XLSX into payout items.

The roster is synthetic (``SyntheticData.roster_rows``: households, Hui and
transliterated names, 1% rare characters, phones, several banks), written as
UTF-8 to a temporary file in ``prepare``.

Ours: ``read_roster(path)``: encoding detection and strict decoding, header
mapping, every ID checksum, name, account, bank, amount, region and phone
validated, one ``PayoutItem`` per row, totals. Floor: ``csv.reader`` over the
same file plus a ``pydantic.TypeAdapter`` of plain models with the same fields
(``str``/``Decimal``/``int``/``bool``) validating each row: types only.

XLSX: the cells of a 100,000-row synthetic workbook, read by python-calamine
(what the reader uses) beside openpyxl in read-only mode (what it used
before); then ``read_roster`` on the same file beside openpyxl's read-only
rows into the same plain models.
"""

from __future__ import annotations

import atexit
import csv
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import openpyxl
from pydantic import TypeAdapter
from python_calamine import CalamineWorkbook

from bench._harness import Stage
from bench.bench_model import _Item
from ningxia_yikatong import read_roster
from ningxia_yikatong.testing import SyntheticData, write_roster_csv, write_roster_xlsx


def _roster(n: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="bench-roster-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "roster.csv"
    write_roster_csv(path, SyntheticData(seed=2026, rare_name_share=0.01).roster_rows(n))
    return path


def _workbook(n: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="bench-roster-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "roster.xlsx"
    write_roster_xlsx(path, SyntheticData(seed=2026, rare_name_share=0.01).roster_rows(n))
    return path


def _openpyxl_rows(path: Path) -> Iterator[tuple[object, ...]]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        next(rows)
        yield from rows
    finally:
        wb.close()


def calamine_cells(n: int) -> Callable[[], int]:
    path = _workbook(n)

    def run() -> int:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        return sum(1 for _ in sheet.iter_rows()) - 1

    return run


def openpyxl_cells(n: int) -> Callable[[], int]:
    path = _workbook(n)

    def run() -> int:
        return sum(1 for _ in _openpyxl_rows(path))

    return run


def ours_xlsx(n: int) -> Callable[[], int]:
    path = _workbook(n)

    def run() -> int:
        result = read_roster(path)
        assert result.valid_count == n
        return result.rows_read

    return run


def floor_xlsx(n: int) -> Callable[[], int]:
    path = _workbook(n)
    adapter = TypeAdapter(_Item)

    def run() -> int:
        return len([_plain(adapter, seq, row) for seq, row in enumerate(_openpyxl_rows(path), 1)])

    return run


def _plain(adapter: TypeAdapter[_Item], seq: int, row: Sequence[object]) -> _Item:
    cells = [*row, *[None] * (11 - len(row))]  # openpyxl drops trailing empty cells
    name, id_number, region, household, phone, account, bank, flag = (
        "" if v is None else str(v) for v in cells[:8]
    )
    quantity, amount, memo = cells[8:11]
    return adapter.validate_python(
        {
            "seq": seq,
            "beneficiary": {
                "id_number": id_number,
                "name": name,
                "region": region,
                "household_id": household or None,
                "phone": phone or None,
                "account": {
                    "number": account,
                    "bank": bank,
                    "holder_name": name,
                    "is_yikatong": flag == "是",
                },
            },
            "amount": str(amount),
            "quantity": None if quantity is None else str(quantity),
            "memo": memo or None,
        }
    )


def ours(n: int) -> Callable[[], int]:
    path = _roster(n)

    def run() -> int:
        result = read_roster(path)
        assert result.valid_count == n
        return result.rows_read

    return run


def floor(n: int) -> Callable[[], int]:
    path = _roster(n)
    adapter = TypeAdapter(_Item)

    def run() -> int:
        items = []
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            for seq, row in enumerate(reader, 1):
                name, id_number, region, household, phone, account, bank, flag = row[:8]
                quantity, amount, memo = row[8:]
                items.append(
                    adapter.validate_python(
                        {
                            "seq": seq,
                            "beneficiary": {
                                "id_number": id_number,
                                "name": name,
                                "region": region,
                                "household_id": household or None,
                                "phone": phone or None,
                                "account": {
                                    "number": account,
                                    "bank": bank,
                                    "holder_name": name,
                                    "is_yikatong": flag == "是",
                                },
                            },
                            "amount": amount,
                            "quantity": quantity or None,
                            "memo": memo or None,
                        }
                    )
                )
        return len(items)

    return run


STAGES = [
    Stage(
        "roster import: CSV rows into items",
        ours,
        floor,
        floor_label="csv.reader + TypeAdapter plain",
    ),
    Stage(
        "XLSX cells: calamine vs openpyxl read-only",
        calamine_cells,
        openpyxl_cells,
        sizes=(100_000,),
        floor_label="openpyxl read-only",
    ),
    Stage(
        "roster import: XLSX rows into items",
        ours_xlsx,
        floor_xlsx,
        sizes=(100_000,),
        floor_label="openpyxl read-only + TypeAdapter plain",
    ),
]
