"""reissue() and reconcile_chain(): failures paid again, nobody paid twice."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong import AccountNumber, BankAccount, BankCode, PayoutBatch, PersonName
from ningxia_yikatong.banks._model import ReturnStatus
from ningxia_yikatong.errors import InvalidCode, ReconcileError
from ningxia_yikatong.reconcile import (
    DEFAULT_RETRY_POLICY,
    AccountCorrection,
    AnomalyKind,
    Outcome,
    RetryPolicy,
    Totals,
    reconcile,
    reconcile_chain,
    reissue,
    reissue_by_bank,
)
from ningxia_yikatong.testing.strategies import payout_batches

S = ReturnStatus


def policy_of(status: S | None) -> RetryPolicy | None:
    return None if status is None else DEFAULT_RETRY_POLICY[status]


def new_account(n: int = 1, name: str = "李兰", bank: str = "psbc") -> BankAccount:
    return BankAccount(
        number=AccountNumber(f"62284800000000{n:05d}"),
        bank=BankCode(bank),
        holder_name=PersonName(name),
    )


def test_reissue_takes_only_failed_items_renumbered(kit: Any) -> None:
    batch = kit.batch(6)
    statuses = {2: S.FROZEN, 3: S.PENDING, 4: None, 5: S.NAME_MISMATCH, 6: S.CLOSED}
    rec = reconcile(batch, kit.answer(batch, statuses))
    fix = AccountCorrection(5, new_account(5, "丁秀英"), note="户名更正")
    closed = AccountCorrection(6, new_account(6, "王建国"))
    result = reissue(rec, [fix, closed], batch_id="B2026Q1-01-R2")
    new = result.batch
    assert [i.seq for i in new.items] == [1, 2, 3]
    assert result.origin == (2, 5, 6)
    assert [result.parent_seq(s) for s in (1, 2, 3)] == [2, 5, 6]
    assert new.parent_batch_id == batch.batch_id
    assert new.round == 2
    assert (new.policy_code, new.period, new.agent_bank, new.payer_account) == (
        batch.policy_code,
        batch.period,
        batch.agent_bank,
        batch.payer_account,
    )
    assert new.items[1].beneficiary.account == fix.account
    assert new.items[1].beneficiary.id_number == batch.items[4].beneficiary.id_number
    assert new.items[0].beneficiary == batch.items[1].beneficiary
    assert [i.amount for i in new.items] == [batch.items[s - 1].amount for s in (2, 5, 6)]
    assert result.corrections == (fix, closed)
    assert result.acceptance is None
    assert result.skipped == ()
    assert result.held == ()
    assert "6228" not in repr(result) + repr(fix)


def test_mapping_of_corrections(kit: Any) -> None:
    batch = kit.batch(2)
    rec = reconcile(batch, kit.answer(batch, {1: S.ACCOUNT_NOT_FOUND}))
    result = reissue(rec, {1: new_account()}, batch_id="R2")
    assert result.batch.items[0].beneficiary.account == new_account()


@pytest.mark.parametrize(
    ("seq", "code"),
    [
        (1, "reconcile.correction_paid"),
        (3, "reconcile.correction_unresolved"),  # pending
        (4, "reconcile.correction_unresolved"),  # missing
        (9, "reconcile.correction_unknown"),
        (0, "reconcile.correction_unknown"),
    ],
)
def test_refused_corrections_name_the_seq(kit: Any, seq: int, code: str) -> None:
    batch = kit.batch(4)
    rec = reconcile(batch, kit.answer(batch, {2: S.FROZEN, 3: S.PENDING, 4: None}))
    with pytest.raises(ReconcileError) as info:
        reissue(rec, [AccountCorrection(seq, new_account())], batch_id="R2")
    assert info.value.code == code
    assert str(seq) in info.value.message
    if 0 < seq <= 4:
        assert info.value.location.record == seq


def test_several_refused_corrections_are_all_listed(kit: Any) -> None:
    batch = kit.batch(3)
    rec = reconcile(batch, kit.answer(batch, {2: S.FROZEN}))
    fixes = [AccountCorrection(s, new_account(s)) for s in (1, 2, 2, 3)]
    with pytest.raises(ReconcileError) as info:
        reissue(rec, fixes, batch_id="R2")
    assert info.value.code == "reconcile.reissue_invalid"
    assert [d.code for d in info.value.details] == [
        "reconcile.correction_paid",
        "reconcile.correction_duplicate",
        "reconcile.correction_paid",
    ]


def test_wrong_correction_type(kit: Any) -> None:
    batch = kit.batch(1)
    rec = reconcile(batch, kit.answer(batch, {1: S.FROZEN}))
    with pytest.raises(ReconcileError) as info:
        reissue(rec, [(1, "6228480000000000001")], batch_id="R2")  # type: ignore[list-item]
    assert info.value.code == "reconcile.correction_type"


def test_nothing_to_reissue(kit: Any) -> None:
    batch = kit.batch(2)
    rec = reconcile(batch, kit.answer(batch, {2: S.PENDING}))
    with pytest.raises(ReconcileError) as info:
        reissue(rec, batch_id="R2")
    assert info.value.code == "reconcile.nothing_to_reissue"


def test_batch_id_must_be_new_and_valid(kit: Any) -> None:
    batch = kit.batch(1)
    rec = reconcile(batch, kit.answer(batch, {1: S.FROZEN}))
    with pytest.raises(ReconcileError) as info:
        reissue(rec, batch_id=batch.batch_id)
    assert info.value.code == "reconcile.batch_id_reused"
    with pytest.raises(InvalidCode):
        reissue(rec, batch_id="补发")


def test_anomalies_block_reissue_unless_accepted_with_reason(kit: Any) -> None:
    batch = kit.batch(2)
    ret = kit.answer(batch, {1: S.FROZEN}, count=3)
    rec = reconcile(batch, ret)
    assert [a.kind for a in rec.anomalies] == [AnomalyKind.HEADER_TOTALS]
    with pytest.raises(ReconcileError) as info:
        reissue(rec, batch_id="R2")
    assert info.value.code == "reconcile.anomalies_unresolved"
    assert [d.code for d in info.value.details] == ["reconcile.header_totals"]
    with pytest.raises(ReconcileError):
        reissue(rec, batch_id="R2", accept_anomalies="   ")
    result = reissue(rec, batch_id="R2", accept_anomalies=" 银行来函确认汇总行笔误 ")
    assert result.acceptance is not None
    assert result.acceptance.reason == "银行来函确认汇总行笔误"
    assert result.acceptance.anomalies == rec.anomalies


def test_selection_and_previous_reissues(kit: Any) -> None:
    batch = kit.batch(4)
    rec = reconcile(batch, kit.answer(batch, {1: S.FROZEN, 2: S.CLOSED, 3: S.FROZEN}))
    first = reissue(rec, {2: new_account()}, batch_id="R2", seqs=[2])
    assert first.origin == (2,)
    assert first.skipped == (1, 3)
    second = reissue(rec, batch_id="R2B", previous=[first])
    assert second.origin == (1, 3)
    assert second.skipped == (2,)
    assert second.batch.round == 2
    with pytest.raises(ReconcileError) as info:
        reissue(rec, {2: new_account()}, batch_id="R2C", previous=[first])
    assert info.value.code == "reconcile.correction_reissued"
    with pytest.raises(ReconcileError) as info:
        reissue(rec, batch_id="R2", previous=[first])
    assert info.value.code == "reconcile.batch_id_reused"
    with pytest.raises(ReconcileError) as info:
        reissue(rec, batch_id="R2D", seqs=[4])
    assert info.value.code == "reconcile.reissue_paid"
    with pytest.raises(ReconcileError) as info:
        reissue(rec, {1: new_account()}, batch_id="R2D", seqs=[3])
    assert info.value.code == "reconcile.correction_not_selected"


def test_previous_reissue_of_another_batch(kit: Any) -> None:
    batch = kit.batch(2)
    other = kit.batch(2, batch_id="B-OTHER")
    other_rec = reconcile(other, kit.answer(other, {1: S.FROZEN}))
    rec = reconcile(batch, kit.answer(batch, {1: S.FROZEN}))
    with pytest.raises(ReconcileError) as info:
        reissue(rec, batch_id="R2", previous=[reissue(other_rec, batch_id="X2")])
    assert info.value.code == "reconcile.previous_parent"


def test_not_a_reconciliation(kit: Any) -> None:
    with pytest.raises(ReconcileError) as info:
        reissue(kit.batch(1), batch_id="R2")
    assert info.value.code == "reconcile.not_reconciled"


# What may be retried unchanged, and what needs a correction ---------------------


@pytest.mark.parametrize(
    "status", [S.CLOSED, S.ACCOUNT_NOT_FOUND, S.NAME_MISMATCH, S.LOST, S.ID_MISMATCH]
)
def test_an_account_that_is_wrong_is_not_sent_again_unchanged(kit: Any, status: S) -> None:
    batch = kit.batch(3)
    rec = reconcile(batch, kit.answer(batch, {1: S.FROZEN, 2: status}))
    result = reissue(rec, batch_id="R2")
    assert result.origin == (1,)
    assert result.skipped == (2,)
    ((held),) = result.held
    assert (held.seq, held.status) == (2, status)
    assert "须" in held.reason
    with pytest.raises(ReconcileError) as info:
        reissue(rec, batch_id="R2", seqs=[1, 2])
    assert info.value.code == "reconcile.reissue_needs_correction"
    assert info.value.location.record == 2
    assert status.label in info.value.message
    fixed = reissue(rec, {2: new_account(2)}, batch_id="R2", seqs=[1, 2])
    assert fixed.origin == (1, 2)
    assert fixed.held == ()


@pytest.mark.parametrize(
    "status", [S.FROZEN, S.STOPPED, S.CARD_NOT_ACTIVATED, S.OVER_LIMIT, S.OTHER]
)
def test_a_blocked_account_may_be_retried_unchanged(kit: Any, status: S) -> None:
    batch = kit.batch(2)
    rec = reconcile(batch, kit.answer(batch, {2: status}))
    result = reissue(rec, batch_id="R2", seqs=[2])
    assert result.origin == (2,)
    assert result.batch.items[0].beneficiary == batch.items[1].beneficiary
    assert DEFAULT_RETRY_POLICY[status] is RetryPolicy.RETRY


def test_every_failure_status_has_a_policy() -> None:
    assert set(DEFAULT_RETRY_POLICY) == {s for s in S if s.is_failure}


def test_only_wrong_accounts_left_is_nothing_to_reissue_with_the_reasons(kit: Any) -> None:
    batch = kit.batch(3)
    rec = reconcile(batch, kit.answer(batch, {1: S.CLOSED, 3: S.LOST}))
    with pytest.raises(ReconcileError) as info:
        reissue(rec, batch_id="R2")
    assert info.value.code == "reconcile.nothing_to_reissue"
    assert "第1笔账户已销户" in info.value.message
    assert [d.location.record for d in info.value.details] == [1, 3]


def test_a_correction_must_change_what_was_wrong(kit: Any) -> None:
    batch = kit.batch(2)
    rec = reconcile(batch, kit.answer(batch, {1: S.CLOSED, 2: S.NAME_MISMATCH}))
    same = batch.items[0].beneficiary.account
    with pytest.raises(ReconcileError) as info:
        reissue(rec, {1: same}, batch_id="R2", seqs=[1])
    assert info.value.code == "reconcile.correction_unchanged"
    renamed = batch.items[0].beneficiary.account.model_copy(
        update={"holder_name": PersonName("马兰")}
    )
    with pytest.raises(ReconcileError) as info:
        reissue(rec, {1: renamed}, batch_id="R2", seqs=[1])
    assert info.value.code == "reconcile.correction_unchanged"
    # for a name mismatch, the same number with the right name is the correction
    name_fixed = batch.items[1].beneficiary.account.model_copy(
        update={"holder_name": PersonName("李兰")}
    )
    result = reissue(rec, {2: name_fixed}, batch_id="R2", seqs=[2])
    assert result.batch.items[0].beneficiary.account.holder_name == "李兰"


def test_a_deployment_may_change_the_policy(kit: Any) -> None:
    batch = kit.batch(2)
    rec = reconcile(batch, kit.answer(batch, {1: S.OTHER, 2: S.CLOSED}))
    strict = {S.OTHER: RetryPolicy.CORRECT}
    result = reissue(rec, {2: new_account(2)}, batch_id="R2", retry_policy=strict)
    assert result.origin == (2,)
    assert [h.seq for h in result.held] == [1]
    with pytest.raises(ReconcileError) as info:
        reissue(rec, batch_id="R2", retry_policy={"other": "retry"})  # type: ignore[dict-item]
    assert info.value.code == "reconcile.retry_policy_type"


# A corrected account at another bank ---------------------------------------------


def test_a_reissue_goes_to_the_bank_of_the_corrected_account(kit: Any) -> None:
    batch = kit.batch(2)
    rec = reconcile(batch, kit.answer(batch, {2: S.CLOSED}))
    result = reissue(rec, {2: new_account(2, bank="abc")}, batch_id="R2")
    assert result.batch.agent_bank == "abc"
    assert result.batch.items[0].beneficiary.account.bank == "abc"
    assert result.batch.payer_account == batch.payer_account
    payer = reissue(
        rec,
        {2: new_account(2, bank="abc")},
        batch_id="R2",
        payers={"abc": ("62284800000099999", "贺兰县财政局")},
    )
    assert payer.batch.payer_account == "62284800000099999"


def test_a_reissue_that_mixes_banks_splits_into_one_batch_per_bank(kit: Any) -> None:
    batch = kit.batch(5)
    statuses = {1: S.CLOSED, 2: S.FROZEN, 3: S.CLOSED, 4: S.LOST, 5: S.ACCOUNT_NOT_FOUND}
    rec = reconcile(batch, kit.answer(batch, statuses))
    fixes = {
        1: new_account(1, bank="abc"),
        3: new_account(3, bank="ccb"),
        4: new_account(4, bank="abc"),
        5: new_account(5),
    }
    with pytest.raises(ReconcileError) as info:
        reissue(rec, fixes, batch_id="R2")
    assert info.value.code == "reconcile.reissue_several_banks"
    parts = reissue_by_bank(rec, fixes, batch_id="R2")
    assert [(p.batch.batch_id, p.batch.agent_bank, p.origin) for p in parts] == [
        ("R2", "psbc", (2, 5)),
        ("R2-ABC", "abc", (1, 4)),
        ("R2-CCB", "ccb", (3,)),
    ]
    assert all(p.batch.parent_batch_id == batch.batch_id for p in parts)
    assert all(p.batch.round == 2 for p in parts)
    assert [i.seq for i in parts[1].batch.items] == [1, 2]
    assert [c.seq for c in parts[1].corrections] == [1, 4]
    named = reissue_by_bank(rec, fixes, batch_id={"psbc": "P2", "abc": "A2", "ccb": "C2"})
    assert [p.batch.batch_id for p in named] == ["P2", "A2", "C2"]
    with pytest.raises(ReconcileError) as info:
        reissue_by_bank(rec, fixes, batch_id={"psbc": "P2", "abc": "A2"})
    assert info.value.code == "reconcile.batch_id_missing"
    with pytest.raises(ReconcileError) as info:
        reissue_by_bank(rec, fixes, batch_id={"psbc": "P2", "abc": "P2", "ccb": "C2"})
    assert info.value.code == "reconcile.batch_id_reused"
    # every part is a round of the chain; paid, nobody is paid twice
    rounds = [(p, reconcile(p.batch, kit.answer(p.batch))) for p in parts]
    chain = reconcile_chain(rec, rounds)
    assert [c.outcome for c in chain.items] == [Outcome.PAID] * 5
    assert chain.anomalies == ()
    # a later reissue of the same parent knows what the parts took
    with pytest.raises(ReconcileError) as info:
        reissue(rec, batch_id="R3", previous=parts)
    assert info.value.code == "reconcile.nothing_to_reissue"


# Chains ---------------------------------------------------------------------------


def test_three_rounds_followed_per_original_item(kit: Any) -> None:
    batch = kit.batch(4)
    rec1 = reconcile(batch, kit.answer(batch, {2: S.FROZEN, 3: S.CLOSED, 4: S.PENDING}))
    r2 = reissue(rec1, {3: new_account()}, batch_id="R2")
    rec2 = reconcile(r2.batch, kit.answer(r2.batch, {1: S.FROZEN}))  # item 2 fails again
    r3 = reissue(rec2, batch_id="R3")
    assert r3.batch.round == 3
    assert r3.batch.parent_batch_id == "R2"
    rec3 = reconcile(r3.batch, kit.answer(r3.batch))
    chain = reconcile_chain(rec1, [(r2, rec2), (r3, rec3)])
    assert [c.outcome for c in chain.items] == [
        Outcome.PAID,
        Outcome.PAID,
        Outcome.PAID,
        Outcome.PENDING,
    ]
    assert [(a.batch_id, a.seq) for a in chain.items[1].attempts] == [
        (batch.batch_id, 2),
        ("R2", 1),
        ("R3", 1),
    ]
    assert chain.anomalies == ()
    assert chain.double_payments == ()
    t = chain.totals
    assert t.balanced
    assert t.paid.count == 3
    assert t.pending == Totals(1, batch.items[3].amount)


def test_late_success_of_a_reissued_item_is_a_double_payment(kit: Any) -> None:
    batch = kit.batch(2)
    first = kit.answer(batch, {2: S.FROZEN})
    rec1 = reconcile(batch, first)
    r2 = reissue(rec1, batch_id="R2")
    rec2 = reconcile(r2.batch, kit.answer(r2.batch))
    # the bank later says item 2 of the original was paid after all
    late = reconcile(batch, [first, kit.answer(batch, {1: None})])
    assert [a.kind for a in late.anomalies] == [AnomalyKind.CONFLICTING_LINE]
    chain = reconcile_chain(late, [(r2, rec2)])
    (double,) = chain.anomalies
    assert double.kind is AnomalyKind.DOUBLE_PAYMENT
    assert double.seq == 2
    assert [c.seq for c in chain.double_payments] == [2]
    assert chain.totals.paid.count == 2  # counted once per original item
    assert chain.all_anomalies[-1] == double


def test_same_person_paid_under_two_items(kit: Any) -> None:
    batch = kit.batch(2)
    twin = batch.items[1].model_copy(update={"beneficiary": batch.items[0].beneficiary})
    batch = batch.model_copy(update={"items": (batch.items[0], twin)})
    chain = reconcile_chain(reconcile(batch, kit.answer(batch)))
    (double,) = chain.anomalies
    assert double.kind is AnomalyKind.DOUBLE_PAYMENT
    assert str(batch.items[0].beneficiary.id_number) not in double.message


def test_chain_validation(kit: Any) -> None:
    batch = kit.batch(2)
    rec1 = reconcile(batch, kit.answer(batch, {1: S.FROZEN}))
    r2 = reissue(rec1, batch_id="R2")
    rec2 = reconcile(r2.batch, kit.answer(r2.batch))
    with pytest.raises(ReconcileError) as info:
        reconcile_chain(rec1, [(r2, rec1)])
    assert info.value.code == "reconcile.chain_mismatch"
    with pytest.raises(ReconcileError) as info:
        reconcile_chain(rec1, [(r2, rec2), (r2, rec2)])
    assert info.value.code == "reconcile.chain_duplicate"
    other = kit.batch(2, batch_id="B-OTHER")
    orec = reconcile(other, kit.answer(other, {1: S.FROZEN}))
    with pytest.raises(ReconcileError) as info:
        reconcile_chain(orec, [(r2, rec2)])
    assert info.value.code == "reconcile.chain_parent"
    junk: list[Any] = [[(rec2, r2)], [(r2,)], [None], [(r2, rec2, rec2)]]
    for rounds in junk:
        with pytest.raises(ReconcileError) as info:
            reconcile_chain(rec1, rounds)
        assert info.value.code == "reconcile.chain_type"
    with pytest.raises(ReconcileError):
        reconcile_chain(batch, [])


# Properties -------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(data=st.data(), n=st.integers(min_value=1, max_value=12))
def test_a_reissue_never_contains_a_paid_item(kit: Any, data: st.DataObject, n: int) -> None:
    batch = kit.batch(n)
    returns = [kit.noisy_return(data, batch) for _ in range(data.draw(st.integers(1, 3)))]
    rec = reconcile(batch, returns)
    retryable = [r for r in rec.failed if policy_of(r.status) is RetryPolicy.RETRY]
    if not retryable:
        with pytest.raises(ReconcileError, match="没有可补发"):
            reissue(rec, batch_id="R2", accept_anomalies="测试")
        return
    result = reissue(rec, batch_id="R2", accept_anomalies="测试")
    assert [rec.outcome(s) for s in result.origin] == [Outcome.FAILED] * len(result.origin)
    assert len(result.batch.items) + len(result.held) == rec.totals.failed.count
    held = {h.seq for h in result.held}
    assert all(policy_of(rec.item(s).status) is RetryPolicy.CORRECT for s in held)
    assert result.batch.total == rec.totals.failed.amount - sum(
        (batch.item(s).amount for s in held), Decimal("0.00")
    )
    paid_ids = {r.item.beneficiary.id_number for r in rec.paid}
    assert not paid_ids & {i.beneficiary.id_number for i in result.batch.items}


@settings(max_examples=50, deadline=None)
@given(data=st.data(), n=st.integers(min_value=1, max_value=12), rounds=st.integers(1, 3))
def test_nobody_is_paid_twice_across_the_chain(
    kit: Any, data: st.DataObject, n: int, rounds: int
) -> None:
    batch = kit.batch(n)

    def answer_randomly(b: Any) -> Any:
        statuses = {s: data.draw(st.sampled_from([*S])) for s in range(1, len(b.items) + 1)}
        # a bank may answer in two parts, resend a part, and leave lines out
        first = kit.answer(b, {s: v if s % 2 else None for s, v in statuses.items()})
        second = kit.answer(b, {s: None if s % 2 else v for s, v in statuses.items()})
        parts = data.draw(st.sampled_from([[first, second], [first, second, first], [first]]))
        return reconcile(b, parts)

    rec = answer_randomly(batch)
    chain_rounds = []
    current = [rec]
    for r in range(rounds):
        following = []
        for k, this in enumerate(current):
            fixes = {
                x.seq: new_account(
                    1000 * (r + 1) + 100 * k + x.seq,
                    bank=data.draw(st.sampled_from(["psbc", "abc"])),
                )
                for x in this.failed
                if data.draw(st.booleans(), label=f"fix {r} {k} {x.seq}")
            }
            refused = None
            try:
                results = reissue_by_bank(this, fixes, batch_id=f"R{r + 2}N{k}")
            except ReconcileError as exc:
                refused, results = exc.code, ()
            if not results:
                assert refused == "reconcile.nothing_to_reissue"
                continue
            assert {x.batch.parent_batch_id for x in results} == {this.batch.batch_id}
            assert len({x.batch.agent_bank for x in results}) == len(results)
            for result in results:
                answered = answer_randomly(result.batch)
                chain_rounds.append((result, answered))
                following.append(answered)
        current = following
    chain = reconcile_chain(rec, chain_rounds)
    assert chain.anomalies == ()
    assert all(c.paid_count <= 1 for c in chain.items)
    assert chain.totals.balanced
    assert chain.totals.batch == Totals(batch.count, batch.total)
    assert chain.totals.paid_by_bank == chain.totals.paid.amount


def test_amounts_are_decimal_not_float(kit: Any) -> None:
    batch = kit.batch(2)
    rec = reconcile(batch, kit.answer(batch, {2: S.FROZEN}))
    result = reissue(rec, batch_id="R2")
    assert type(rec.totals.failed.amount) is Decimal
    assert isinstance(result.batch.total, Decimal)
    assert dataclasses.is_dataclass(result)


@settings(max_examples=30, deadline=None)
@given(batch=payout_batches(max_items=8), data=st.data())
def test_random_batches_balance_and_reissue_only_failures(
    kit: Any, batch: PayoutBatch, data: st.DataObject
) -> None:
    returns = [kit.noisy_return(data, batch) for _ in range(data.draw(st.integers(0, 2)))]
    rec = reconcile(batch, returns)
    assert rec.totals.paid + rec.totals.failed + rec.totals.pending + rec.totals.missing == (
        Totals(batch.count, batch.total)
    )
    if any(policy_of(r.status) is RetryPolicy.RETRY for r in rec.failed):
        result = reissue(rec, batch_id="RND-R", accept_anomalies="测试")
        assert all(rec.outcome(s) is Outcome.FAILED for s in result.origin)
        assert result.batch.round == batch.round + 1
        assert result.batch.parent_batch_id == batch.batch_id
        assert (result.batch.policy_code, result.batch.period) == (batch.policy_code, batch.period)
