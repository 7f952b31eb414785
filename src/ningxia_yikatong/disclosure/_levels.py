"""Cross-level consistency (各级公示信息一致): the village lists, the township
lists and the county list of one batch must show the same people with the
same key information (seed 八: 关键信息对应一致)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .._arguments import checked
from ..errors import DisclosureError
from ..regions import RegionCode
from ._build import Disclosure, DisclosureRow

__all__ = ["LevelDifference", "compare_levels"]


@dataclass(frozen=True, slots=True)
class LevelDifference:
    """One difference between two levels' lists of a batch."""

    seq: int
    upper: str
    lower: str
    what: str

    def __str__(self) -> str:
        return f"第 {self.seq} 条（{self.upper} / {self.lower}）：{self.what}"


@checked(DisclosureError, "disclosure")
def compare_levels(upper: Disclosure, lowers: Iterable[Disclosure]) -> list[LevelDifference]:
    """Each difference between ``upper`` (e.g. the county's list) and the
    lists below it (the townships' or villages'): an item in one and not in
    the other (within the lower list's region), or a cell of a column both
    show that differs.
    """
    found: list[LevelDifference] = []
    mine = {r.seq: r for r in upper.rows}
    for lower in lowers:
        if lower.batch_id != upper.batch_id or lower.kind is not upper.kind:
            raise DisclosureError(
                f"{lower.title} 与 {upper.title} 不是同一批次的同一种公示",
                code="disclosure.levels_mismatch",
            )
        if not RegionCode(upper.region).contains(lower.region):
            raise DisclosureError(
                f"{lower.region_name} 不在 {upper.region_name} 之内",
                code="disclosure.levels_mismatch",
            )
        theirs = {r.seq: r for r in lower.rows}
        for seq, row in theirs.items():
            other = mine.get(seq)
            if other is None:
                missing = f"{upper.region_name}清单中没有此条"
                found.append(LevelDifference(seq, upper.region_name, lower.region_name, missing))
            else:
                found.extend(_cells(upper, other, lower, row))
        for seq, row in mine.items():
            if seq not in theirs and RegionCode(lower.region).contains(row.village):
                missing = f"{lower.region_name}清单中没有此条"
                found.append(LevelDifference(seq, upper.region_name, lower.region_name, missing))
    return sorted(found, key=lambda d: (d.seq, d.lower, d.what))


def _cells(
    upper: Disclosure, mine: DisclosureRow, lower: Disclosure, theirs: DisclosureRow
) -> list[LevelDifference]:
    out = []
    for column in (c for c in lower.columns if c in upper.columns):
        a = mine.cells[upper.columns.index(column)]
        b = theirs.cells[lower.columns.index(column)]
        if a != b:
            out.append(
                LevelDifference(
                    mine.seq,
                    upper.region_name,
                    lower.region_name,
                    f"「{column.label}」不一致：{a} / {b}",
                )
            )
    return out
