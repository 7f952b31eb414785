"""Reconciliation (对账) of bank returns (回盘) and reissue (补发) of failures.

After the agent bank pays a batch, its return says who was paid and who was
bounced. :func:`reconcile` puts every item of the batch in exactly one
:class:`Outcome` (paid, failed with the bank's reason, pending, missing) and
reports every :class:`Anomaly`; :func:`reissue` builds the next batch from
the failures, with corrected accounts; :func:`reconcile_chain` follows each
original item through its reissues and reports anyone paid twice;
:func:`recipient_notices` gives the 逐项告知 texts; :func:`to_xlsx`,
:func:`to_csv` and :func:`to_json` export the result.

Only parsed returns are accepted: a bank adapter's ``parse_return`` verifies
the return's signature before it gives a :class:`~ningxia_yikatong.banks.BankReturn`
(and raises :class:`~ningxia_yikatong.errors.SignatureError` otherwise), so
nothing of a return that does not verify can reach reconciliation.

See docs/reconciliation.md for the rules.
"""

from __future__ import annotations

from ._exports import (
    ANOMALY_HEADERS,
    CSV_HEADERS,
    FAILED_HEADERS,
    PAID_HEADERS,
    PENDING_HEADERS,
    SHEET_NAMES,
    summary_rows,
    to_csv,
    to_dict,
    to_json,
    to_xlsx,
)
from ._matching import (
    RETURN_KIND_KEY,
    REVERSAL_KIND,
    Anomaly,
    AnomalyKind,
    ItemResult,
    Outcome,
    ReconcileTotals,
    Reconciliation,
    ReturnSummary,
    Totals,
    as_reversal,
    reconcile,
)
from ._notices import DEFAULT_NOTICE_TEMPLATE, RecipientNotice, recipient_notices
from ._reissue import (
    Acceptance,
    AccountCorrection,
    Attempt,
    ChainItem,
    ChainReconciliation,
    Reissue,
    reconcile_chain,
    reissue,
)

__all__ = [
    "ANOMALY_HEADERS",
    "CSV_HEADERS",
    "DEFAULT_NOTICE_TEMPLATE",
    "FAILED_HEADERS",
    "PAID_HEADERS",
    "PENDING_HEADERS",
    "RETURN_KIND_KEY",
    "REVERSAL_KIND",
    "SHEET_NAMES",
    "Acceptance",
    "AccountCorrection",
    "Anomaly",
    "AnomalyKind",
    "Attempt",
    "ChainItem",
    "ChainReconciliation",
    "ItemResult",
    "Outcome",
    "RecipientNotice",
    "ReconcileTotals",
    "Reconciliation",
    "Reissue",
    "ReturnSummary",
    "Totals",
    "as_reversal",
    "recipient_notices",
    "reconcile",
    "reconcile_chain",
    "reissue",
    "summary_rows",
    "to_csv",
    "to_dict",
    "to_json",
    "to_xlsx",
]
