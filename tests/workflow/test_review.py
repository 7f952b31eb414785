"""Post-payment review: newer reference data turns paid items into recoveries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ningxia_yikatong.checks import CheckContext
from ningxia_yikatong.errors import WorkflowError
from ningxia_yikatong.money import Amount
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.testing.planted import make_batch, make_id, make_item, make_policy
from ningxia_yikatong.workflow import Recovery, post_payment_review

DEAD = str(make_id("1950-01-01"))
CLERK = str(make_id("1980-02-02"))


def _batch() -> PayoutBatch:
    return make_batch(
        [
            make_item(1),
            make_item(2, id_number=DEAD),
            make_item(3, id_number=CLERK),
            make_item(4, amount="130.00"),
            make_item(5, name="李明", holder="王强"),
        ]
    )


def test_a_death_and_a_public_payroll_match_are_recovered_in_full() -> None:
    policy = make_policy(excludes_public_payroll=True)
    context = CheckContext.build(deaths={DEAD: "2026-02-01"}, public_payroll=[CLERK])
    review = post_payment_review(_batch(), policy, context)
    got = [(r.seq, r.rule, r.paid, r.amount) for r in review.recoveries]
    assert got == [
        (2, "deceased", Amount("100.00"), Amount("100.00")),
        (3, "public_payroll", Amount("100.00"), Amount("100.00")),
        (4, "amount", Amount("130.00"), Amount("30.00")),
    ]
    assert review.total == Decimal("230.00")
    assert review.reviewed == 5
    assert "应追回 3 笔，合计 230.00 元" in review.summary()
    # the holder-name warning of item 5 is no recovery
    assert 5 not in {r.seq for r in review.recoveries}
    assert DEAD not in review.to_csv()
    assert review.to_csv().startswith("\ufeff批次号,序号,身份证号（脱敏）")


def test_only_paid_items_are_reviewed() -> None:
    context = CheckContext.build(deaths={DEAD: "2026-02-01"})
    review = post_payment_review(_batch(), make_policy(), context, paid=[1, 3])
    assert review.recoveries == ()
    assert review.reviewed == 2
    with pytest.raises(WorkflowError) as excinfo:
        post_payment_review(_batch(), make_policy(), context, paid=[9])
    assert excinfo.value.code == "workflow.seq_unknown"


def test_a_recovery_larger_than_the_payment_is_refused() -> None:
    with pytest.raises(WorkflowError) as excinfo:
        Recovery(
            batch_id="B",
            seq=1,
            masked_id="640122********1234",
            name="马明",
            paid=Amount("100.00"),
            amount=Amount("100.01"),
            rule="deceased",
            reason="x",
        )
    assert excinfo.value.code == "workflow.recovery_exceeds"
