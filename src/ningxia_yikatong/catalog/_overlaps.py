"""Merge candidates (整合): policies whose goals, regions and periods overlap."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from .._arguments import checked
from .._model import DomainModel
from ..codes import PolicyCode
from ..errors import CatalogError
from ..policy import PolicyCategory, Target
from ..regions import RegionCode
from ._render import render_regions

if TYPE_CHECKING:
    from ._revisions import CatalogRevision

# --------------------------------------------------------------------------- overlaps


class Overlap(DomainModel):
    """Two policies with the same category and target whose regions and periods
    overlap: a candidate for merging (整合).

    ``regions`` are where both apply (the narrower code of each overlapping
    pair); ``period_start``/``period_end`` the days both are in force
    (``period_end`` ``None``: open-ended).
    """

    first: PolicyCode
    second: PolicyCode
    first_name: str
    second_name: str
    category: PolicyCategory
    target: Target
    regions: tuple[RegionCode, ...]
    period_start: _dt.date
    period_end: _dt.date | None
    reason: str


@checked(CatalogError, "catalog")
def overlaps(revision: CatalogRevision) -> list[Overlap]:
    """Pairs of policies in ``revision`` with the same or similar goals.

    Two policies overlap when they have the same category and target, some
    applicable region of one contains (or is) one of the other's
    (:meth:`RegionCode.contains`), and their effective periods share a day.
    Pairs are listed in the revision's order. Overlap is a prompt to review,
    not an error: 困难残疾人生活补贴 and 重度残疾人护理补贴, for instance,
    overlap by this measure and are kept apart on purpose.
    """
    found: list[Overlap] = []
    policies = revision.policies
    for i, a in enumerate(policies):
        for b in policies[i + 1 :]:
            if a.category is not b.category or a.target is not b.target:
                continue
            shared = _shared_regions(a.regions, b.regions)
            if not shared:
                continue
            start = max(a.effective_from, b.effective_from)
            ends = [d for d in (a.effective_to, b.effective_to) if d is not None]
            end = min(ends) if ends else None
            if end is not None and end < start:
                continue
            period = f"{start.isoformat()}至{end.isoformat() if end else '长期'}"
            reason = (
                f"“{a.name}”与“{b.name}”同属{a.category.label}类、均按{a.target.label}补贴，"
                f"在{render_regions(shared)}的执行期间（{period}）重叠，可研究整合"
            )
            if b.code in a.exclusive_with:
                reason += "（两项政策已设为互斥）"
            found.append(
                Overlap(
                    first=a.code,
                    second=b.code,
                    first_name=a.name,
                    second_name=b.name,
                    category=a.category,
                    target=a.target,
                    regions=shared,
                    period_start=start,
                    period_end=end,
                    reason=reason,
                )
            )
    return found


def _shared_regions(
    left: tuple[RegionCode, ...], right: tuple[RegionCode, ...]
) -> tuple[RegionCode, ...]:
    shared: dict[RegionCode, None] = {}
    for a in left:
        for b in right:
            if a.contains(b):
                shared[b] = None
            elif b.contains(a):
                shared[a] = None
    return tuple(shared)
