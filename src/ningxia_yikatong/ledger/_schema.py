"""The ledger's tables (SQLAlchemy Core), one schema for SQLite and PostgreSQL.

The migrations in ``migrations/versions`` create exactly these tables (a test
compares them); on PostgreSQL the first claims migration adds the exclusion
constraint that no metadata object describes (see ``docs/ledger.md``).

Personal data is never stored in clear: an ID number or account number is a
keyed digest (``*_digest``, for matching) and a ciphertext (``*_cipher``, for
reading back); a phone number is a ciphertext only.
"""

from __future__ import annotations

import sqlalchemy as sa

from ._audit import define_audit_table

__all__ = [
    "audit_events",
    "bank_returns",
    "batches",
    "cases",
    "catalog_revisions",
    "check_reports",
    "claims",
    "finding_overrides",
    "items",
    "lifecycle_steps",
    "lifecycles",
    "meta",
    "metadata",
    "notice_sets",
    "notices",
    "payment_files",
    "reconciliations",
    "recoveries",
    "reissues",
]

metadata = sa.MetaData()

#: Settings of the ledger itself: ``data_key_id`` (the data key it was made with).
meta = sa.Table(
    "ledger_meta",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

#: Payout batches (发放批次) with the ledger-side attributes the model lacks.
batches = sa.Table(
    "batches",
    metadata,
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("digest_algorithm", sa.String(8), nullable=False),
    sa.Column("policy_code", sa.String(40), nullable=False),
    sa.Column("period", sa.String(8), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("region", sa.String(12), nullable=False),
    sa.Column("agent_bank", sa.String(20), nullable=False),
    sa.Column("payer_account", sa.String(40), nullable=False),
    sa.Column("payer_name", sa.String(100), nullable=False),
    sa.Column("pay_date", sa.Date, nullable=True),
    sa.Column("parent_batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), nullable=True),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("source_batch_id", sa.String(64), nullable=True),
    sa.Column("source_seqs", sa.Text, nullable=True),
    sa.Column("department", sa.String(100), nullable=False),
    sa.Column("pay_mode", sa.String(20), nullable=False),
    sa.Column("level", sa.String(10), nullable=False),
    sa.Column("target", sa.String(10), nullable=False),
    sa.Column("item_count", sa.Integer, nullable=False),
    sa.Column("total_fen", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("status_reason", sa.Text, nullable=True),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_batches_policy_period", "policy_code", "period_start"),
)

#: Payout items (发放明细), personal data as digests and ciphertexts.
items = sa.Table(
    "items",
    metadata,
    sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("id_digest", sa.String(64), nullable=False),
    sa.Column("id_cipher", sa.LargeBinary, nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("region", sa.String(12), nullable=False),
    sa.Column("household_id", sa.String(40), nullable=True),
    sa.Column("phone_cipher", sa.LargeBinary, nullable=True),
    sa.Column("account_digest", sa.String(64), nullable=False),
    sa.Column("account_cipher", sa.LargeBinary, nullable=False),
    sa.Column("account_bank", sa.String(20), nullable=False),
    sa.Column("holder_name", sa.String(100), nullable=False),
    sa.Column("is_yikatong", sa.Boolean, nullable=True),
    sa.Column("branch", sa.String(12), nullable=True),
    sa.Column("disability_grade", sa.String(4), nullable=True),
    sa.Column("care_level", sa.String(4), nullable=True),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("quantity_e4", sa.BigInteger, nullable=True),
    sa.Column("memo", sa.String(60), nullable=True),
    sa.Index("ix_items_id_digest", "id_digest"),
)

#: Claims (发放占用): (policy, subject, period) taken by an approved item.
#: ``subject`` is ``P:<ID digest>`` for a person, ``H:<household id>`` for a
#: household policy. On PostgreSQL an exclusion constraint refuses two active
#: claims of one subject whose periods overlap.
claims = sa.Table(
    "claims",
    metadata,
    sa.Column("claim_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("policy_code", sa.String(40), nullable=False),
    sa.Column("subject", sa.String(80), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("batch_id", sa.String(64), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("claimed_by", sa.String(100), nullable=False),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("release_reason", sa.Text, nullable=True),
    sa.Column("moved_from_batch_id", sa.String(64), nullable=True),
    sa.Column("moved_from_seq", sa.Integer, nullable=True),
    sa.ForeignKeyConstraint(["batch_id", "seq"], ["items.batch_id", "items.seq"]),
    sa.Index("ix_claims_subject", "policy_code", "subject"),
    sa.Index("ix_claims_batch", "batch_id", "seq"),
)

#: Payment files sent to the bank (代发文件): digest and the signing key's fingerprint;
#: ``bank_key_fingerprint`` is the bank key expected to sign the return, when known.
payment_files = sa.Table(
    "payment_files",
    metadata,
    sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("signing_key_fingerprint", sa.String(128), nullable=False),
    sa.Column("bank_key_fingerprint", sa.String(128), nullable=True),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

#: Bank returns received (回盘文件): digest, the payment file answered, the key verified with.
bank_returns = sa.Table(
    "bank_returns",
    metadata,
    sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("payment_digest", sa.String(64), nullable=False),
    sa.Column("verifying_key_fingerprint", sa.String(128), nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(
        ["batch_id", "payment_digest"], ["payment_files.batch_id", "payment_files.digest"]
    ),
)


def _recorded() -> list[sa.Column[object]]:
    return [
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    ]


#: Catalog revisions (补贴政策目录修订): the revision's canonical JSON and its digest.
catalog_revisions = sa.Table(
    "catalog_revisions",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("effective_from", sa.Date, nullable=False),
    sa.Column("published_on", sa.Date, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    *_recorded(),
)

#: Check reports (比对报告) of a recorded batch: canonical JSON, digest, the batch digest checked.
check_reports = sa.Table(
    "check_reports",
    metadata,
    sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("batch_digest", sa.String(64), nullable=False),
    sa.Column("may_proceed", sa.Boolean, nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    *_recorded(),
)

#: Findings accepted by a person with a reason (人工核定), against a recorded report.
finding_overrides = sa.Table(
    "finding_overrides",
    metadata,
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("rule", sa.String(64), primary_key=True),
    sa.Column("report_digest", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    *_recorded(),
    sa.ForeignKeyConstraint(
        ["batch_id", "report_digest"], ["check_reports.batch_id", "check_reports.digest"]
    ),
)

#: Reconciliations (对账) of a batch against recorded returns: totals and the result's JSON.
reconciliations = sa.Table(
    "reconciliations",
    metadata,
    sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("return_digests", sa.Text, nullable=False),
    sa.Column("paid_count", sa.Integer, nullable=False),
    sa.Column("paid_fen", sa.BigInteger, nullable=False),
    sa.Column("failed_count", sa.Integer, nullable=False),
    sa.Column("failed_fen", sa.BigInteger, nullable=False),
    sa.Column("pending_count", sa.Integer, nullable=False),
    sa.Column("missing_count", sa.Integer, nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    *_recorded(),
    sa.UniqueConstraint("batch_id", "digest", name="uq_reconciliations_digest"),
)

#: Reissues (补发): the parent's seq of each item, and the reconciliation they come from.
reissues = sa.Table(
    "reissues",
    metadata,
    sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
    sa.Column("parent_batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), nullable=False),
    sa.Column("origin", sa.Text, nullable=False),
    sa.Column("reconciliation_number", sa.Integer, nullable=True),
    sa.Column("reconciliation_digest", sa.String(64), nullable=True),
    *_recorded(),
)

#: Recipient notices sent (到账通知): one set per sending, its digest and reconciliation.
notice_sets = sa.Table(
    "notice_sets",
    metadata,
    sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("reconciliation_digest", sa.String(64), nullable=False),
    sa.Column("notice_count", sa.Integer, nullable=False),
    *_recorded(),
)

#: One notice of a set: the item, the phone as ciphertext, the text (no full numbers).
notices = sa.Table(
    "notices",
    metadata,
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("phone_cipher", sa.LargeBinary, nullable=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.ForeignKeyConstraint(["batch_id", "digest"], ["notice_sets.batch_id", "notice_sets.digest"]),
)

#: The lifecycle of a batch (发放流程, ``ningxia_yikatong.workflow``): its rules, its
#: state and how many steps it has taken (a writer appends step ``steps + 1``).
lifecycles = sa.Table(
    "lifecycles",
    metadata,
    sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
    sa.Column("department", sa.String(100), nullable=False),
    sa.Column("rules", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("steps", sa.Integer, nullable=False),
    *_recorded(),
)

#: One step of a lifecycle (申报, 审核, 审批, …): who, when, from and to, and the
#: step as JSON (digests, reason, overrides; no personal data).
lifecycle_steps = sa.Table(
    "lifecycle_steps",
    metadata,
    sa.Column("batch_id", sa.String(64), sa.ForeignKey("lifecycles.batch_id"), primary_key=True),
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("step", sa.String(16), nullable=False),
    sa.Column("actor_id", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("state_before", sa.String(16), nullable=False),
    sa.Column("state_after", sa.String(16), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
)

#: Recoveries (追回) recorded against paid items: the payment stays, the recovery is added.
recoveries = sa.Table(
    "recoveries",
    metadata,
    sa.Column("recovery_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.String(64), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    *_recorded(),
    sa.ForeignKeyConstraint(["batch_id", "seq"], ["items.batch_id", "items.seq"]),
)

#: Rectification cases (整改): the case as JSON with its events, and what is queried.
cases = sa.Table(
    "cases",
    metadata,
    sa.Column("case_id", sa.String(64), primary_key=True),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("region", sa.String(12), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("owner_id", sa.String(64), nullable=False),
    sa.Column("due", sa.Date, nullable=False),
    sa.Column("events", sa.Integer, nullable=False),
    sa.Column("content", sa.Text, nullable=False),
)

#: The audit trail (审计事件): append-only, chained by SM3 (``ledger._audit``).
audit_events = define_audit_table(metadata)
