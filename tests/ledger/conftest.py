"""Backends for the ledger tests: SQLite in a temporary file, and PostgreSQL.

PostgreSQL comes from ``YIKATONG_TEST_POSTGRES_URL`` (``.ci/postgres`` starts a
throwaway cluster and prints it); each test gets a database of its own, dropped
afterwards. Without the variable the PostgreSQL cases are skipped on a developer's
machine and fail in CI (``CI`` set), where a missing database must never pass.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_ENV = "YIKATONG_TEST_POSTGRES_URL"


def postgres_admin_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the ledger tests on PostgreSQL")
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        return
    admin = postgres_admin_url()
    if admin is None:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:16]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    base = sa.make_url(admin)
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


class PaidRun:
    """A batch paid through a simulated bank: the payment file, the return and
    the reconciliation, as the ledger tests record them."""

    def __init__(self, *, seed: int = 5, size: int = 30, batch_id: str = "B-REC") -> None:
        import datetime as dt
        import hashlib
        from decimal import Decimal

        from ningxia_yikatong.banks import BankSimulator, OutcomeRules, ReturnStatus, get_adapter
        from ningxia_yikatong.reconcile import reconcile
        from ningxia_yikatong.signing import generate_signer
        from ningxia_yikatong.testing import SyntheticData

        data = SyntheticData(seed=seed, banks=["psbc"], yikatong_share=1.0)
        self.batch = data.batch(size, bank="psbc", period="2026-03", batch_id=batch_id)
        adapter = get_adapter("psbc")
        dept = generate_signer(adapter.signature_scheme)
        bank = generate_signer(adapter.signature_scheme)
        adapter = type(adapter).for_conformance(department=dept, bank=bank)
        simulator = BankSimulator(
            adapter,
            bank,
            dept.verifier(),
            seed=seed,
            rules=OutcomeRules(shares={ReturnStatus.CLOSED: Decimal("0.2")}),
        )
        simulator.clock = lambda: dt.datetime(2026, 3, 20, 16, 30)
        self.payment = adapter.render(self.batch, dept)
        self.returned = simulator.process(self.payment)
        parsed = adapter.parse_return(self.returned, bank.verifier())
        self.bank_fingerprint = bank.verifier().key_fingerprint
        self.reconciliation = reconcile(self.batch, parsed, trusted_keys={self.bank_fingerprint})
        main = next(n for n in self.returned if not n.endswith(".sig"))
        self.return_digest = hashlib.sha256(self.returned[main]).hexdigest()
        self.payment_digest = hashlib.sha256(self.payment.content).hexdigest()
        self.signing_fingerprint = self.payment.key_fingerprint

    def record_sent(self, ledger: object, *, returned: bool = True) -> None:
        """Record, approve, send and (with ``returned``) receive the return."""
        from ningxia_yikatong.ledger import GovernmentLevel, Ledger, PayMode

        assert isinstance(ledger, Ledger)
        ledger.record_batch(
            self.batch,
            department="自治区民政厅",
            pay_mode=PayMode.FISCAL_DIRECT,
            level=GovernmentLevel.REGION,
            actor="录入员",
        )
        ledger.approve(str(self.batch.batch_id), actor="审核员")
        ledger.record_payment_file(
            str(self.batch.batch_id),
            digest=self.payment_digest,
            signing_key_fingerprint=self.signing_fingerprint,
            bank_key_fingerprint=self.bank_fingerprint,
            actor="出纳",
        )
        if returned:
            ledger.record_bank_return(
                str(self.batch.batch_id),
                digest=self.return_digest,
                payment_digest=self.payment_digest,
                verifying_key_fingerprint=self.bank_fingerprint,
                actor="出纳",
            )


@pytest.fixture(scope="session")
def paid_run() -> PaidRun:
    """One paid batch with failures (six of thirty accounts closed)."""
    return PaidRun()
