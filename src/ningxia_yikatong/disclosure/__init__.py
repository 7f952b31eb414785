"""Public disclosure (公示) of payouts, with privacy kept.

A :class:`DisclosureProfile` per policy says which columns a list shows and
how each is masked (names readable by default; ID, account and phone never
in full), with the notice window (:class:`NoticeWindow`). :func:`build_disclosure`
makes the list of one batch for a village, township or county, before payment
(for objections) or after (what the bank paid, from the reconciliation);
:func:`to_csv`, :func:`to_json`, :func:`to_xlsx`, :func:`to_html` and
:func:`to_pdf` (printed by headless Chromium) write it with its count and
total; :func:`compare_levels` reports every difference between the levels'
lists of one batch. :func:`issue_token` and :func:`read_token` make and check
the signed, expiring citizen query codes (a region or a batch, never an ID
number), :func:`qr_png` and :func:`qr_svg` draw them. An :class:`Objection`
(异议, or a 咨询、投诉、信息公开申请) is received and answered in time;
:func:`blocking_seqs` gives the items whose payment an objection stops. See ``docs/disclosure.md``.
"""

from __future__ import annotations

from ._build import Disclosure, DisclosureKind, DisclosureRow, build_disclosure, village_name
from ._levels import LevelDifference, compare_levels
from ._objections import (
    Channel,
    Objection,
    ObjectionStatus,
    RequestKind,
    blocking_seqs,
    unanswered,
)
from ._outputs import to_csv, to_dict, to_html, to_json, to_xlsx
from ._pdf import find_browser, to_pdf
from ._profile import DEFAULT_COLUMNS, Column, DisclosureProfile, NameMask, NoticeWindow
from ._token import QueryScope, QueryToken, issue_token, qr_png, qr_svg, read_token

__all__ = [
    "DEFAULT_COLUMNS",
    "Channel",
    "Column",
    "Disclosure",
    "DisclosureKind",
    "DisclosureProfile",
    "DisclosureRow",
    "LevelDifference",
    "NameMask",
    "NoticeWindow",
    "Objection",
    "ObjectionStatus",
    "QueryScope",
    "QueryToken",
    "RequestKind",
    "blocking_seqs",
    "build_disclosure",
    "compare_levels",
    "find_browser",
    "issue_token",
    "qr_png",
    "qr_svg",
    "read_token",
    "to_csv",
    "to_dict",
    "to_html",
    "to_json",
    "to_pdf",
    "to_xlsx",
    "unanswered",
    "village_name",
]
