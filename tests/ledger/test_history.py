"""History read from the ledger: prior payouts for the checks, one person's payments."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from ningxia_yikatong.checks import CheckContext
from ningxia_yikatong.codes import Period
from ningxia_yikatong.errors import LedgerError
from ningxia_yikatong.ledger import BatchStatus, GovernmentLevel, Ledger, PayMode
from ningxia_yikatong.ledger._pii import DataKey, PiiCipher
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.testing import SyntheticData


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    with Ledger.init(ledger_url, cipher=PiiCipher(DataKey.generate())) as opened:
        yield opened


def record(ledger: Ledger, batch: PayoutBatch) -> None:
    ledger.record_batch(
        batch,
        department="自治区农业农村厅",
        pay_mode=PayMode.FISCAL_DIRECT,
        level=GovernmentLevel.REGION,
        actor="tester",
    )


def march() -> PayoutBatch:
    return SyntheticData(seed=31).batch(
        3, bank="psbc", period="2026-03", batch_id="B-MAR", policy_code="NX-GLJT"
    )


def test_prior_payouts_feed_the_checks(ledger: Ledger) -> None:
    batch = march()
    record(ledger, batch)
    assert len(ledger.prior_payouts("NX-GLJT", "2026-Q1")) == 0  # recorded, not approved
    ledger.approve("B-MAR", actor="a")
    ledger.release("B-MAR", [3], "最终失败", actor="a")
    prior = ledger.prior_payouts("nx-gljt", Period("2026-Q1"))
    assert len(prior) == 2
    ctx = CheckContext(prior_payouts=prior)
    assert ctx.prior_payouts is not None
    for item in batch.items[:2]:
        found = ctx.prior_payouts.overlapping(
            "NX-GLJT", Period("2026-Q1"), str(item.beneficiary.id_number)
        )
        assert [(p.batch_id, p.amount, p.period) for p in found] == [
            ("B-MAR", item.amount, Period("2026-03"))
        ]
        home = item.beneficiary.household_id
        if home is not None:
            assert ctx.prior_payouts.for_households("NX-GLJT")[home][0].batch_id == "B-MAR"
    third = str(batch.items[2].beneficiary.id_number)
    assert ctx.prior_payouts.overlapping("NX-GLJT", Period("2026-Q1"), third) == []
    assert len(ledger.prior_payouts("NX-GLJT", "2026-Q2")) == 0
    assert len(ledger.prior_payouts("NX-OTHER", "2026")) == 0


def test_payments_of_a_person(ledger: Ledger) -> None:
    batch = march()
    record(ledger, batch)
    ledger.approve("B-MAR", actor="a")
    april = batch.model_copy(update={"batch_id": "B-APR", "period": Period("2026-04")})
    record(ledger, april)
    person = batch.items[0].beneficiary
    paid = ledger.payments_of(str(person.id_number).lower())
    assert [(p.batch_id, p.period, p.claimed, p.batch_status) for p in paid] == [
        ("B-MAR", Period("2026-03"), True, BatchStatus.APPROVED),
        ("B-APR", Period("2026-04"), False, BatchStatus.RECORDED),
    ]
    assert paid[0].id_number == person.id_number.masked()
    assert paid[0].account == person.account.number.masked()
    assert paid[0].amount == batch.items[0].amount
    assert isinstance(paid[0].amount, Decimal)
    clear = ledger.payments_of(str(person.id_number), masked=False)
    assert clear[0].id_number == str(person.id_number)
    assert clear[0].account == str(person.account.number)
    assert ledger.payments_of("11010519491231002X") == []


def test_history_needs_the_data_key(ledger_url: str, ledger: Ledger) -> None:
    with Ledger.open(ledger_url) as keyless, pytest.raises(LedgerError) as err:
        keyless.prior_payouts("NX-GLJT", "2026")
    assert err.value.code == "ledger.data_key_missing"


def test_prior_payouts_follow_claims_moved_to_a_reissue(ledger: Ledger) -> None:
    # A moved claim keeps its policy, whatever policy code the reissue batch
    # carries: prior payouts find it in the reissue batch.
    batch = march()
    record(ledger, batch)
    ledger.approve("B-MAR", actor="a")
    data = batch.model_dump()
    first = data["items"][0]
    child = PayoutBatch.model_validate(
        data
        | {
            "batch_id": "B-MAR-R2",
            "parent_batch_id": "B-MAR",
            "round": 2,
            "policy_code": "NX-ZHONGLIANG",
            "items": [first | {"seq": 1}],
        }
    )
    assert ledger.record_reissue(child, [1], actor="a") == 1
    prior = ledger.prior_payouts("NX-GLJT", "2026-Q1")
    assert len(prior) == 3
    found = prior.overlapping("NX-GLJT", Period("2026-03"), str(first["beneficiary"]["id_number"]))
    assert [p.batch_id for p in found] == ["B-MAR-R2"]
    assert len(ledger.prior_payouts("NX-ZHONGLIANG", "2026-Q1")) == 0
