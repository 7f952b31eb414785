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
    "claims",
    "items",
    "meta",
    "metadata",
    "payment_files",
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

#: The audit trail (审计事件): append-only, chained by SM3 (``ledger._audit``).
audit_events = define_audit_table(metadata)
