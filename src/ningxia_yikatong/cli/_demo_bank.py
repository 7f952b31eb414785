"""The demo's counter at one agent bank (代发银行): the department's and the
bank's keys, the simulated bank, and one round of a batch through them —
render and sign the payment file, let the bank pay and answer, parse and
verify the return, reconcile — every file written to the output folder."""

from __future__ import annotations

import datetime as _dt
import hashlib

from ..banks import BankSimulator, OutcomeRules
from ..banks._adapter import BankAdapter
from ..payout import PayoutBatch
from ..policy import SubsidyPolicy
from ..reconcile import recipient_notices, reconcile, to_csv, to_json, to_xlsx
from ..signing import generate_signer
from ..signing._protocols import Signer, Verifier
from ._demo_actors import PAY_DATE
from ._demo_runs import Round
from ._output import DemoFolder

__all__ = ["BankDesk"]


def _keys(scheme: str) -> tuple[Signer, Verifier]:
    signer = generate_signer(scheme)
    return signer, signer.verifier()


class BankDesk:
    """One agent bank as the demo pays through it: fresh keys for the
    department and the bank, and a simulated bank answering by ``rules``."""

    def __init__(
        self,
        adapter: BankAdapter,
        *,
        out: DemoFolder,
        policy: SubsidyPolicy,
        seed: int,
        rules: OutcomeRules | None = None,
    ) -> None:
        department, department_verifier = _keys(adapter.signature_scheme)
        bank_signer, self._bank_verifier = _keys(adapter.signature_scheme)
        # The simulator plays the bank: an adapter that needs the bank's own keys
        # (an encryption key, say) is configured for both sides.
        self.adapter = type(adapter).for_conformance(department=department, bank=bank_signer)
        self._department = department
        self.out = out
        self._policy = policy
        self.simulator = BankSimulator(
            self.adapter, bank_signer, department_verifier, seed=seed, rules=rules
        )

    @property
    def code(self) -> str:
        """The bank's code."""
        return self.adapter.code

    def pay(self, batch: PayoutBatch, folder: str, round_: int) -> Round:
        """Pay ``batch`` (round ``round_``), its files under ``folder``/第N轮."""
        paid_on = batch.pay_date or PAY_DATE
        self.simulator.clock = lambda: _dt.datetime.combine(paid_on, _dt.time(16, 30))
        payment = self.adapter.render(batch, self._department)
        for name, content in payment.files.items():
            self.out.write(f"{folder}/第{round_}轮/代发文件/{name}", content)
        returned = self.simulator.process(payment)
        for name, content in returned.items():
            self.out.write(f"{folder}/第{round_}轮/回盘文件/{name}", content)
        verifier = self._bank_verifier
        parsed = self.adapter.parse_return(returned, verifier)
        rec = reconcile(batch, parsed, trusted_keys={verifier.key_fingerprint})
        stem = f"{folder}/第{round_}轮/{batch.batch_id}-对账"
        self.out.write(f"{stem}.xlsx", to_xlsx(rec))
        self.out.write(f"{stem}.csv", to_csv(rec))
        self.out.write(f"{stem}.json", to_json(rec, indent=2))
        return Round(
            # The ledger names a file by the SHA-256 of its bytes (the return's
            # data file comes first in ``files``), as ``ledger record`` does.
            payment_digest=hashlib.sha256(payment.content).hexdigest(),
            signing_key_fingerprint=payment.key_fingerprint,
            bank_key_fingerprint=verifier.key_fingerprint,
            return_digest=hashlib.sha256(returned[parsed.files[0]]).hexdigest(),
            verifying_key_fingerprint=verifier.key_fingerprint,
            reconciliation=rec,
            notices=tuple(n for n in recipient_notices(rec, self._policy) if n.sendable),
        )
