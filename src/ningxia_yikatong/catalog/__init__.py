"""The published list of subsidy policies (补贴政策清单, "一张清单管制度").

The plan asks every level to list its subsidy policies, merge those with the
same or similar goals (整合), publish the list and adjust it every year. A
:class:`PolicyCatalog` is that list over time: an immutable sequence of
:class:`CatalogRevision` objects (版本), each with a version number, the date it takes
effect, the date it was published, a note, and its policies keyed by code.

* :meth:`PolicyCatalog.revise` / :meth:`PolicyCatalog.with_revision` return a
  new catalog with one more revision; nothing is changed in place;
* :meth:`PolicyCatalog.revision_on` is the revision in force on a day;
* :func:`diff` lists added, removed and changed policies between two revisions,
  field by field;
* :func:`overlaps` finds pairs of policies with the same category and target
  whose regions and periods overlap: candidates for merging;
* exports: JSON (exact round trip), CSV (UTF-8 with BOM, for Excel) and XLSX,
  with Chinese headers (:data:`PUBLIC_COLUMNS`).

>>> from ningxia_yikatong.testing.policies import sample_catalog
>>> catalog = sample_catalog()
>>> [r.version for r in catalog.revisions]
[1, 2]
>>> import datetime
>>> catalog.revision_on(datetime.date(2023, 6, 1)).version
1
>>> d = catalog.diff()
>>> [p.name for p in d.added], [p.name for p in d.removed]
(['实际种粮农民一次性补贴'], ['畜牧良种补贴'])
"""

from __future__ import annotations

from ._diff import CatalogDiff, FieldChange, PolicyChange, diff
from ._overlaps import Overlap, overlaps
from ._render import (
    PUBLIC_COLUMNS,
    public_rows,
    render_age_limits,
    render_cap,
    render_county_funding,
    render_funding,
    render_policy_funding,
    render_regions,
    render_standard,
)
from ._revisions import CatalogRevision, PolicyCatalog

__all__ = [
    "PUBLIC_COLUMNS",
    "CatalogDiff",
    "CatalogRevision",
    "FieldChange",
    "Overlap",
    "PolicyCatalog",
    "PolicyChange",
    "diff",
    "overlaps",
    "public_rows",
    "render_age_limits",
    "render_cap",
    "render_county_funding",
    "render_funding",
    "render_policy_funding",
    "render_regions",
    "render_standard",
]
