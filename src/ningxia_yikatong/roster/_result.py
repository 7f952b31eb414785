"""What reading a roster gives: valid and rejected rows, the result."""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TypeAlias

from .._arguments import checked, checked_on_failure
from ..bank import AccountNumber, BankCode
from ..codes import BatchId, Period, PolicyCode
from ..errors import ErrorDetail, Location, RosterError
from ..money import total
from ..payout import PayoutBatch, PayoutItem
from ..regions import RegionCode
from ._common import (
    RosterFormat,
)


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


class SummaryKind(StrEnum):
    """What a row that is not a person is."""

    TOTAL = "total"  # 合计, 总计: the sum of every row above
    SUBTOTAL = "subtotal"  # 小计, 本页合计: the sum of the rows since the last subtotal
    FOOTER = "footer"  # 制表人, 填表人, 审核人, 日期 ...


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """A total (合计/小计) or footer (制表人 ...) row: not a person, never an item.

    ``amount`` is the total the row states; ``errors`` holds its mismatch with
    the amounts of the rows above (``roster.total_mismatch``), if any.
    """

    row: int
    kind: SummaryKind
    label: str
    amount: Decimal | None = None
    errors: tuple[ErrorDetail, ...] = ()


RowOutcome: TypeAlias = ValidRow | RejectedRow | SummaryRow

# -- results --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class RosterResult:
    """Everything read from a roster.

    ``items[i]`` came from row ``source_rows[i]``; ``rejected`` holds every bad
    row; ``rows_read`` counts non-blank data rows, so
    ``valid_count + rejected_count == rows_read``. Blank rows, total and
    footer rows and the rows above the header (a title line) are counted in
    ``blank_rows``, ``summary_rows`` and ``preamble_rows``, and every row after
    the header (in CSV: every physical line) is counted exactly once:
    ``rows_read + blank_rows + len(summary_rows) == data_rows``.
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
    summary_rows: tuple[SummaryRow, ...] = ()

    @property
    def data_rows(self) -> int:
        """Rows after the header (CSV: physical lines), each counted once.

        ``valid_count + rejected_count + blank_rows + len(summary_rows)``.
        """
        return self.rows_read + self.blank_rows + len(self.summary_rows)

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
        """True when no row was rejected and every stated total (合计) agrees."""
        return not self.rejected and not any(s.errors for s in self.summary_rows)

    @property
    def errors(self) -> tuple[ErrorDetail, ...]:
        """Every problem of every rejected row and of every total row, in file order."""
        rows: list[RejectedRow | SummaryRow] = [*self.rejected]
        rows.extend(s for s in self.summary_rows if s.errors)
        rows.sort(key=lambda r: r.row)
        return tuple(e for r in rows for e in r.errors)

    def error_counts(self) -> Counter[str]:
        """How many problems of each code."""
        return Counter(e.code for e in self.errors)

    @checked_on_failure(RosterError, "roster")
    def source_row(self, seq: int) -> int:
        """The file row of the item numbered ``seq``."""
        if not 1 <= seq <= len(self.source_rows):
            raise RosterError(f"没有序号为 {seq} 的明细", code="roster.seq_unknown")
        return self.source_rows[seq - 1]

    def raise_for_errors(self) -> None:
        """Raise a :class:`RosterError` listing every bad row, if there is one."""
        if not self.ok:
            bad = self.rejected_count + sum(1 for s in self.summary_rows if s.errors)
            raise RosterError(
                f"花名册有{bad}行未通过校验",
                code="roster.rows_rejected",
                details=self.errors,
                file=self.file,
            )

    @checked(RosterError, "roster")
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
        if not self.ok and not allow_rejected:
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
