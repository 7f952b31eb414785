"""Reconciliation (对账) of bank returns (回盘) and reissue (补发) of failures.

After the agent bank pays a batch, its return says who was paid and who was
bounced. :func:`reconcile` puts every item of the batch in exactly one
:class:`Outcome` (paid, failed with the bank's reason, pending, missing) and
reports every :class:`Anomaly`; :func:`reissue` builds the next batch from
the failures, with corrected accounts (:func:`reissue_by_bank` one batch per
agent bank when corrected accounts are at other banks); :func:`reconcile_chain` follows each
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
    WRONG_FILE_KINDS,
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
    DEFAULT_RETRY_POLICY,
    REASONS,
    Acceptance,
    AccountCorrection,
    Attempt,
    ChainItem,
    ChainReconciliation,
    HeldItem,
    Reissue,
    RetryPolicy,
    reconcile_chain,
    reissue,
    reissue_by_bank,
)
from ._report import ReconciledItem, ReconciliationReport

__all__ = [
    "ANOMALY_HEADERS",
    "CSV_HEADERS",
    "DEFAULT_NOTICE_TEMPLATE",
    "DEFAULT_RETRY_POLICY",
    "FAILED_HEADERS",
    "PAID_HEADERS",
    "PENDING_HEADERS",
    "REASONS",
    "RETURN_KIND_KEY",
    "REVERSAL_KIND",
    "SHEET_NAMES",
    "WRONG_FILE_KINDS",
    "Acceptance",
    "AccountCorrection",
    "Anomaly",
    "AnomalyKind",
    "Attempt",
    "ChainItem",
    "ChainReconciliation",
    "HeldItem",
    "ItemResult",
    "Outcome",
    "RecipientNotice",
    "ReconcileTotals",
    "ReconciledItem",
    "Reconciliation",
    "ReconciliationReport",
    "Reissue",
    "RetryPolicy",
    "ReturnSummary",
    "Totals",
    "as_reversal",
    "recipient_notices",
    "reconcile",
    "reconcile_chain",
    "reissue",
    "reissue_by_bank",
    "summary_rows",
    "to_csv",
    "to_dict",
    "to_json",
    "to_xlsx",
]
