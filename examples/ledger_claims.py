"""The ledger (发放台账): nobody paid twice across batches, history for the checks.

Run it with ``python examples/ledger_claims.py`` (needs the ``ledger`` extra). In
a temporary folder it opens an SQLite ledger with a fresh data key, records and
approves a March batch of synthetic people, shows that a first-quarter batch of
the same people is refused by the ledger's claims, feeds the ledger's history to
the cross-checks (which then find the repeat payment), lists one person's
recorded items (masked) and verifies the audit trail.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ningxia_yikatong.checks import CheckContext, default_rules, run_checks
from ningxia_yikatong.codes import Period
from ningxia_yikatong.errors import LedgerError
from ningxia_yikatong.ledger import DataKey, GovernmentLevel, Ledger, PayMode, PiiCipher
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.testing import SyntheticData
from ningxia_yikatong.testing.policies import ELDERLY_ALLOWANCE, sample_policies


def record(ledger: Ledger, batch: PayoutBatch) -> None:
    """Record a batch with the facts the model does not carry (主管部门, pay mode, level)."""
    ledger.record_batch(
        batch,
        department="自治区民政厅",
        pay_mode=PayMode.FISCAL_DIRECT,
        level=GovernmentLevel.REGION,
        actor="录入员",
    )


def main() -> None:
    policy = next(p for p in sample_policies() if p.code == ELDERLY_ALLOWANCE)
    data = SyntheticData(seed=7)
    march = data.batch(5, policy=policy, bank="psbc", period="2026-03", batch_id="B-2026-03")
    quarter = march.model_copy(update={"batch_id": "B-2026-Q1", "period": Period("2026-Q1")})
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'ledger.sqlite'}"
        with Ledger.init(url, cipher=PiiCipher(DataKey.generate())) as ledger:
            record(ledger, march)
            claims = ledger.approve(march.batch_id, actor="审核员")
            print(f"approved {march.batch_id}: {claims} claims")
            record(ledger, quarter)
            try:
                ledger.approve(quarter.batch_id, actor="审核员")
            except LedgerError as exc:
                print(f"refused {quarter.batch_id}: {exc.code}, {len(exc.details)} people")
            prior = ledger.prior_payouts(str(quarter.policy_code), quarter.period)
            report = run_checks(
                quarter,
                policy,
                CheckContext(prior_payouts=prior),
                rules=default_rules().only("already_paid"),
            )
            print(f"cross-check already_paid: {len(report.findings)} findings")
            person = str(march.items[0].beneficiary.id_number)
            for payment in ledger.payments_of(person):
                state = "claimed" if payment.claimed else "not claimed"
                print(f"{payment.batch_id} {payment.period} {payment.id_number}: {state}")
            broken = ledger.audit.verify()
            print("audit trail:", "intact" if broken is None else f"broken at {broken.seq}")


if __name__ == "__main__":
    main()
