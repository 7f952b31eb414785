"""Roster import (花名册): a 1,000,000-row CSV into payout items.

The roster is synthetic (``SyntheticData.roster_rows``: households, Hui and
transliterated names, 1% rare characters, phones, several banks), written as
UTF-8 to a temporary file in ``prepare``.

Ours: ``read_roster(path)``: encoding detection and strict decoding, header
mapping, every ID checksum, name, account, bank, amount, region and phone
validated, one ``PayoutItem`` per row, totals. Floor: ``csv.reader`` over the
same file plus a ``pydantic.TypeAdapter`` of plain models with the same fields
(``str``/``Decimal``/``int``/``bool``) validating each row: types only.
"""

from __future__ import annotations

import atexit
import csv
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from pydantic import TypeAdapter

from bench._harness import Stage
from bench.bench_model import _Item
from ningxia_yikatong import read_roster
from ningxia_yikatong.testing import SyntheticData, write_roster_csv


def _roster(n: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="bench-roster-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "roster.csv"
    write_roster_csv(path, SyntheticData(seed=2026, rare_name_share=0.01).roster_rows(n))
    return path


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
    )
]
