"""A batch paid through the simulated bank (``psbc``, SM2), for tests of what
comes after payment: the payment file, the signed return, the reconciliation,
and the digests the ledger names them by (SHA-256 of the files' bytes); and
the reissue (补发) of its failures, paid in a second round.

>>> run = PaidRun(size=10, batch_id="B-DOC")
>>> run.reconciliation.totals.batch.count
10
>>> again, second = run.reissue("B-DOC-R2")
>>> second.reconciliation.totals.paid.count == again.batch.count == len(run.reconciliation.failed)
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ..banks import BankSimulator, OutcomeRules, PaymentFile, ReturnStatus, get_adapter
from ..payout import PayoutBatch
from ..reconcile import AccountCorrection, Reconciliation, Reissue, reconcile, reissue
from ..signing import Sm2Signer, generate_sm2_key
from .synthetic import SyntheticData

if TYPE_CHECKING:
    from ..ledger import Ledger

__all__ = ["PaidRound", "PaidRun"]


@dataclass(frozen=True)
class PaidRound:
    """One batch sent to the simulated bank and its return reconciled, with the
    digests and key fingerprints the ledger records them by."""

    batch: PayoutBatch
    payment: PaymentFile
    returned: dict[str, bytes]
    reconciliation: Reconciliation
    payment_digest: str
    return_digest: str
    signing_fingerprint: str
    bank_fingerprint: str

    def record_files(self, ledger: Ledger, *, returned: bool = True) -> None:
        """Record the payment file and (with ``returned``) the return of an
        approved batch."""
        batch_id = str(self.batch.batch_id)
        ledger.record_payment_file(
            batch_id,
            digest=self.payment_digest,
            signing_key_fingerprint=self.signing_fingerprint,
            bank_key_fingerprint=self.bank_fingerprint,
            actor="出纳",
        )
        if returned:
            ledger.record_bank_return(
                batch_id,
                digest=self.return_digest,
                payment_digest=self.payment_digest,
                verifying_key_fingerprint=self.bank_fingerprint,
                actor="出纳",
            )


class PaidRun:
    """A batch paid through a simulated bank: the payment file, the return and
    the reconciliation, as the ledger tests record them. A fifth of the
    accounts are closed (``closed_share``); :meth:`reissue` pays those items
    again to new accounts, all of which the bank pays."""

    def __init__(
        self,
        *,
        seed: int = 5,
        size: int = 30,
        batch_id: str = "B-REC",
        closed_share: Decimal = Decimal("0.2"),
    ) -> None:
        self._data = SyntheticData(seed=seed, banks=["psbc"], yikatong_share=1.0)
        dept = Sm2Signer(generate_sm2_key())
        bank = Sm2Signer(generate_sm2_key())
        self.dept_public = dept.public_key()
        self.bank_public = bank.public_key()
        self._dept = dept
        self._bank_verifier = bank.verifier()
        self._adapter = type(get_adapter("psbc")).for_conformance(department=dept, bank=bank)
        self._simulator = BankSimulator(
            self._adapter,
            bank,
            dept.verifier(),
            seed=seed,
            rules=OutcomeRules(shares={ReturnStatus.CLOSED: closed_share}),
        )
        self.first = self._pay(
            self._data.batch(size, bank="psbc", period="2026-03", batch_id=batch_id)
        )
        # The first round's figures, under the names the tests use.
        self.batch = self.first.batch
        self.payment = self.first.payment
        self.returned = self.first.returned
        self.reconciliation = self.first.reconciliation
        self.payment_digest = self.first.payment_digest
        self.return_digest = self.first.return_digest
        self.signing_fingerprint = self.first.signing_fingerprint
        self.bank_fingerprint = self.first.bank_fingerprint

    def _pay(self, batch: PayoutBatch) -> PaidRound:
        paid_on = batch.pay_date or dt.date(2026, 3, 20)
        self._simulator.clock = lambda: dt.datetime.combine(paid_on, dt.time(16, 30))
        payment = self._adapter.render(batch, self._dept)
        returned = dict(self._simulator.process(payment))
        parsed = self._adapter.parse_return(returned, self._bank_verifier)
        fingerprint = self._bank_verifier.key_fingerprint
        return PaidRound(
            batch=batch,
            payment=payment,
            returned=returned,
            reconciliation=reconcile(batch, parsed, trusted_keys={fingerprint}),
            payment_digest=hashlib.sha256(payment.content).hexdigest(),
            # The return's data file comes first in ``files``, its signature after.
            return_digest=hashlib.sha256(returned[parsed.files[0]]).hexdigest(),
            signing_fingerprint=payment.key_fingerprint,
            bank_fingerprint=fingerprint,
        )

    def reissue(
        self, batch_id: str, *, seqs: Iterable[int] | None = None
    ) -> tuple[Reissue, PaidRound]:
        """The reissue of the first round's failures (all, or those of ``seqs``:
        the others failed for good), each to a new account of the same person,
        and that reissue paid (the bank pays every item)."""
        chosen = None if seqs is None else set(seqs)
        failed = [r for r in self.reconciliation.failed if chosen is None or r.seq in chosen]
        corrections = [
            AccountCorrection(
                r.seq,
                r.item.beneficiary.account.model_copy(
                    update={"number": self._data.account("psbc")}
                ),
                note="本人提供新的社会保障卡账户",
            )
            for r in failed
        ]
        again = reissue(
            self.reconciliation,
            corrections,
            batch_id=batch_id,
            seqs=[r.seq for r in failed],
            pay_date=dt.date(2026, 3, 27),
        )
        rules = self._simulator.rules
        self._simulator.rules = OutcomeRules()
        try:
            return again, self._pay(again.batch)
        finally:
            self._simulator.rules = rules

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
        self.first.record_files(ledger, returned=returned)
