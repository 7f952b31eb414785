"""A batch paid through the simulated bank (``psbc``, SM2), for tests of what
comes after payment: the payment file, the signed return, the reconciliation,
and the digests the ledger names them by (SHA-256 of the files' bytes).

>>> run = PaidRun(size=10, batch_id="B-DOC")
>>> run.reconciliation.totals.batch.count
10
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import TYPE_CHECKING

from ..banks import BankSimulator, OutcomeRules, ReturnStatus, get_adapter
from ..reconcile import reconcile
from ..signing import Sm2Signer, generate_sm2_key
from .synthetic import SyntheticData

if TYPE_CHECKING:
    from ..ledger import Ledger

__all__ = ["PaidRun"]


class PaidRun:
    """A batch paid through a simulated bank: the payment file, the return and
    the reconciliation, as the ledger tests record them."""

    def __init__(self, *, seed: int = 5, size: int = 30, batch_id: str = "B-REC") -> None:
        data = SyntheticData(seed=seed, banks=["psbc"], yikatong_share=1.0)
        self.batch = data.batch(size, bank="psbc", period="2026-03", batch_id=batch_id)
        adapter = get_adapter("psbc")
        dept = Sm2Signer(generate_sm2_key())
        bank = Sm2Signer(generate_sm2_key())
        self.dept_public = dept.public_key()
        self.bank_public = bank.public_key()
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

    def record_sent(self, ledger: Ledger, *, returned: bool = True) -> None:
        """Record, approve, send and (with ``returned``) receive the return."""
        from ..ledger import GovernmentLevel, PayMode  # noqa: PLC0415 - the ledger extra

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
