"""reconcile(): one outcome per item, every anomaly reported, totals that balance."""

from __future__ import annotations

import dataclasses
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong.banks._model import BankReturn, ReturnStatus
from ningxia_yikatong.errors import ReconcileError, SignatureError, YikatongError
from ningxia_yikatong.reconcile import (
    AnomalyKind,
    Outcome,
    Reconciliation,
    Totals,
    as_reversal,
    reconcile,
)

S = ReturnStatus


def kinds(rec: Reconciliation) -> list[AnomalyKind]:
    return [a.kind for a in rec.anomalies]


def test_clean_return_pays_everyone(kit: Any) -> None:
    batch = kit.batch(4)
    rec = reconcile(batch, kit.answer(batch))
    assert [r.outcome for r in rec] == [Outcome.PAID] * 4
    assert rec.anomalies == ()
    assert rec.totals.paid == Totals(4, batch.total)
    assert rec.totals.paid_by_bank == batch.total
    assert rec.totals.balanced
    assert not rec.unresolved


def test_each_outcome_with_reason_and_raw_code(kit: Any) -> None:
    batch = kit.batch(5)
    ret = kit.answer(batch, {2: S.NAME_MISMATCH, 3: S.PENDING, 4: None, 5: S.FROZEN})
    rec = reconcile(batch, ret)
    assert [rec.outcome(s) for s in range(1, 6)] == [
        Outcome.PAID,
        Outcome.FAILED,
        Outcome.PENDING,
        Outcome.MISSING,
        Outcome.FAILED,
    ]
    failed = rec.item(2)
    assert failed.status is S.NAME_MISMATCH
    assert failed.raw_code == "E002"
    assert failed.raw_message == "户名不符"
    assert rec.item(4).record is None
    assert rec.item(4).status is None
    t = rec.totals
    assert t.failed_by_status == {
        S.NAME_MISMATCH: Totals(1, Decimal("102.50")),
        S.FROZEN: Totals(1, Decimal("105.50")),
    }
    assert t.pending == Totals(1, Decimal("103.50"))
    assert t.missing == Totals(1, Decimal("104.50"))
    assert [r.seq for r in rec.failed] == [2, 5]
    assert [r.seq for r in rec.pending] == [3]
    assert [r.seq for r in rec.missing] == [4]
    assert [r.seq for r in rec.paid] == [1]
    assert rec.unresolved
    assert rec.anomalies == ()  # a missing line is an outcome, not an anomaly


def test_unmatched_lines_are_reported_with_masked_account(kit: Any) -> None:
    batch = kit.batch(2)
    stray = kit.record(batch.items[0], seq=7, line=9, account="6228480000000001234")
    rec = reconcile(batch, kit.bank_return(batch, [kit.record(batch.items[0]), stray]))
    (anomaly,) = rec.anomalies
    assert anomaly.kind is AnomalyKind.UNMATCHED_LINE
    assert anomaly.code == "reconcile.unmatched_line"
    assert anomaly.location.line == 9
    assert anomaly.location.file == "return.txt"
    assert "6228480000000001234" not in str(anomaly)
    assert "1234" in anomaly.message
    assert rec.outcome(2) is Outcome.MISSING


@pytest.mark.parametrize(
    ("changes", "kind", "field"),
    [
        ({"amount": Decimal("1.00")}, AnomalyKind.AMOUNT_MISMATCH, "amount"),
        ({"account": "6228480000000009999"}, AnomalyKind.ACCOUNT_MISMATCH, "account"),
        ({"name": "李四"}, AnomalyKind.NAME_MISMATCH, "name"),
    ],
)
def test_field_differences(
    kit: Any, changes: dict[str, Any], kind: AnomalyKind, field: str
) -> None:
    batch = kit.batch(1)
    rec = reconcile(batch, kit.bank_return(batch, [kit.record(batch.items[0], **changes)]))
    (anomaly,) = rec.anomalies
    assert (anomaly.kind, anomaly.seq, anomaly.location.field) == (kind, 1, field)
    assert rec.outcome(1) is Outcome.PAID  # the bank says it paid; the anomaly says what differs
    assert str(batch.items[0].beneficiary.account.number) not in anomaly.message


def test_amount_difference_shows_in_paid_by_bank(kit: Any) -> None:
    batch = kit.batch(2)
    ret = kit.bank_return(
        batch, [kit.record(batch.items[0], amount=Decimal("1.00")), kit.record(batch.items[1])]
    )
    t = reconcile(batch, ret).totals
    assert t.paid.amount == batch.total
    assert t.paid_by_bank == Decimal("1.00") + batch.items[1].amount


@pytest.mark.parametrize(
    ("account", "name"),
    [
        ("6217 0000 0000 0000 001", None),  # spaced
        ("621700*********0001", None),  # masked by the bank
        (None, " 李兰 "),  # padded
        ("", ""),  # not echoed at all
    ],
)
def test_equivalent_echoes_are_not_anomalies(
    kit: Any, account: str | None, name: str | None
) -> None:
    batch = kit.batch(1)
    changes = {k: v for k, v in {"account": account, "name": name}.items() if v is not None}
    rec = reconcile(batch, kit.bank_return(batch, [kit.record(batch.items[0], **changes)]))
    assert rec.anomalies == ()


def test_rare_character_replaced_by_question_mark_is_not_a_name_mismatch(kit: Any) -> None:
    batch = kit.batch(5)  # item 5 is 张𠮷, which GBK cannot write
    assert "𠮷" in batch.items[4].beneficiary.account.holder_name
    ok = kit.record(batch.items[4], name="张?")
    wrong = kit.record(batch.items[0], name="李?")  # 兰 is GBK: "?" is a real difference
    rec = reconcile(batch, kit.bank_return(batch, [ok, wrong]))
    assert [(a.kind, a.seq) for a in rec.anomalies] == [(AnomalyKind.NAME_MISMATCH, 1)]


def test_header_totals_that_disagree(kit: Any) -> None:
    batch = kit.batch(3)
    rec = reconcile(batch, kit.answer(batch, count=4, total=Decimal("1.00")))
    (anomaly,) = rec.anomalies
    assert anomaly.kind is AnomalyKind.HEADER_TOTALS
    assert "4 笔" in anomaly.message
    assert "1.00" in anomaly.message
    assert rec.totals.paid.count == 3


def test_return_for_another_batch_is_reported_and_not_used(kit: Any) -> None:
    batch = kit.batch(3)
    rec = reconcile(batch, kit.answer(batch, batch_id="B-OTHER"))
    assert kinds(rec) == [AnomalyKind.OTHER_BATCH]
    assert rec.totals.missing.count == 3
    assert rec.summaries[0].used is False


def test_return_of_another_bank_is_a_wrong_file_and_not_used(kit: Any) -> None:
    batch = kit.batch(3)
    ret = dataclasses.replace(kit.answer(batch), bank="nxrcb")
    rec = reconcile(batch, [kit.answer(batch, {1: None, 2: None}), ret])
    assert kinds(rec) == [AnomalyKind.OTHER_BANK]
    assert rec.wrong_files == rec.anomalies
    assert rec.anomalies[0].code == "reconcile.other_bank"
    assert "nxrcb" in rec.anomalies[0].message
    assert rec.totals.paid.count == 1
    assert rec.summaries[1].used is False
    other = reconcile(batch, kit.answer(batch, batch_id="B-OTHER"))
    assert [a.kind for a in other.wrong_files] == [AnomalyKind.OTHER_BATCH]
    assert reconcile(batch, kit.answer(batch, count=9)).wrong_files == ()


def test_identical_duplicate_line_in_one_return(kit: Any) -> None:
    batch = kit.batch(2)
    line = kit.record(batch.items[0])
    rec = reconcile(batch, kit.bank_return(batch, [line, dataclasses.replace(line, line=10)]))
    assert kinds(rec) == [AnomalyKind.DUPLICATE_LINE]
    assert "内容相同" in rec.anomalies[0].message
    assert rec.totals.paid.count == 1


def test_conflicting_duplicate_lines_in_one_return_favour_paid(kit: Any) -> None:
    batch = kit.batch(1)
    item = batch.items[0]
    ret = kit.bank_return(batch, [kit.record(item, S.FROZEN), kit.record(item)])
    rec = reconcile(batch, ret)
    assert kinds(rec) == [AnomalyKind.DUPLICATE_LINE]
    assert rec.outcome(1) is Outcome.PAID


# Merging several returns ----------------------------------------------------


def test_bank_answering_in_parts(kit: Any) -> None:
    batch = kit.batch(4)
    first = kit.answer(batch, {3: None, 4: None})
    second = kit.answer(batch, {1: None, 2: None, 4: S.CLOSED})
    rec = reconcile(batch, [first, second])
    assert rec.anomalies == ()
    assert [r.outcome for r in rec] == [Outcome.PAID] * 3 + [Outcome.FAILED]
    assert [r.return_index for r in rec] == [0, 0, 1, 1]
    assert reconcile(batch, first).merge(second).totals == rec.totals


def test_resent_return_is_idempotent(kit: Any) -> None:
    batch = kit.batch(3)
    ret = kit.answer(batch, {2: S.FROZEN})
    once = reconcile(batch, ret)
    twice = reconcile(batch, [ret, ret])
    assert twice.anomalies == ()
    assert twice.totals == once.totals


def test_pending_becomes_paid_or_failed(kit: Any) -> None:
    batch = kit.batch(2)
    first = kit.answer(batch, {1: S.PENDING, 2: S.PENDING})
    second = kit.answer(batch, {1: S.SUCCESS, 2: S.ACCOUNT_NOT_FOUND})
    rec = reconcile(batch, [first, second])
    assert rec.anomalies == ()
    assert (rec.outcome(1), rec.outcome(2)) == (Outcome.PAID, Outcome.FAILED)


def test_paid_cannot_become_failed_without_reversal(kit: Any) -> None:
    batch = kit.batch(1)
    rec = reconcile(batch, [kit.answer(batch), kit.answer(batch, {1: S.FROZEN})])
    assert kinds(rec) == [AnomalyKind.CONFLICTING_LINE]
    assert rec.outcome(1) is Outcome.PAID


def test_paid_stays_paid_when_later_pending(kit: Any) -> None:
    batch = kit.batch(1)
    rec = reconcile(batch, [kit.answer(batch), kit.answer(batch, {1: S.PENDING})])
    assert kinds(rec) == [AnomalyKind.CONFLICTING_LINE]
    assert rec.outcome(1) is Outcome.PAID


def test_second_success_with_other_transaction_is_reported(kit: Any) -> None:
    batch = kit.batch(1)
    again = kit.bank_return(batch, [kit.record(batch.items[0], bank_txn_id="T-OTHER")])
    rec = reconcile(batch, [kit.answer(batch), again])
    assert kinds(rec) == [AnomalyKind.CONFLICTING_LINE]
    assert "重复入账" in rec.anomalies[0].message


def test_failed_then_paid_counts_as_paid_and_is_reported(kit: Any) -> None:
    batch = kit.batch(1)
    rec = reconcile(batch, [kit.answer(batch, {1: S.FROZEN}), kit.answer(batch)])
    assert kinds(rec) == [AnomalyKind.CONFLICTING_LINE]
    assert rec.outcome(1) is Outcome.PAID


def test_failure_reason_changed_later(kit: Any) -> None:
    batch = kit.batch(1)
    rec = reconcile(batch, [kit.answer(batch, {1: S.FROZEN}), kit.answer(batch, {1: S.CLOSED})])
    assert kinds(rec) == [AnomalyKind.CONFLICTING_LINE]
    assert rec.item(1).status is S.CLOSED


def test_failed_then_pending_keeps_failure(kit: Any) -> None:
    batch = kit.batch(1)
    rec = reconcile(batch, [kit.answer(batch, {1: S.FROZEN}), kit.answer(batch, {1: S.PENDING})])
    assert kinds(rec) == [AnomalyKind.CONFLICTING_LINE]
    assert rec.item(1).status is S.FROZEN


def test_reversal_turns_paid_into_failed_and_is_reported(kit: Any) -> None:
    batch = kit.batch(2)
    back = as_reversal(kit.answer(batch, {1: S.CLOSED, 2: None}))
    rec = reconcile(batch, [kit.answer(batch), back])
    assert kinds(rec) == [AnomalyKind.REVERSAL]
    assert rec.anomalies[0].seq == 1
    assert rec.item(1).status is S.CLOSED
    assert rec.outcome(2) is Outcome.PAID
    assert rec.summaries[1].reversal


@pytest.mark.parametrize("first", [None, S.FROZEN, S.PENDING])
def test_reversal_of_an_item_not_paid_is_not_used(kit: Any, first: S | None) -> None:
    batch = kit.batch(1)
    returns = [] if first is None else [kit.answer(batch, {1: first})]
    back = kit.answer(batch, {1: S.CLOSED}, reversal=True)
    rec = reconcile(batch, [*returns, back])
    assert kinds(rec) == [AnomalyKind.CONFLICTING_LINE]
    expected = Outcome.MISSING if first is None else rec.outcome(1)
    assert rec.outcome(1) is expected
    assert rec.outcome(1) is not Outcome.PAID


def test_reversal_saying_success_is_not_used(kit: Any) -> None:
    batch = kit.batch(1)
    rec = reconcile(batch, [kit.answer(batch), kit.answer(batch, reversal=True)])
    assert kinds(rec) == [AnomalyKind.CONFLICTING_LINE]
    assert rec.outcome(1) is Outcome.PAID


def test_resent_record_after_reversal_does_not_undo_it(kit: Any) -> None:
    batch = kit.batch(1)
    paid = kit.answer(batch)
    back = kit.answer(batch, {1: S.CLOSED}, reversal=True)
    rec = reconcile(batch, [paid, back, paid])
    assert kinds(rec) == [AnomalyKind.REVERSAL]
    assert rec.outcome(1) is Outcome.FAILED


# Bad input --------------------------------------------------------------------


@pytest.mark.parametrize("junk", [b"raw bytes", "text", 42, [b"x"], [None]])
def test_only_parsed_returns_are_accepted(kit: Any, junk: Any) -> None:
    with pytest.raises(ReconcileError) as info:
        reconcile(kit.batch(1), junk)
    assert info.value.code == "reconcile.not_parsed"


def test_not_a_batch(kit: Any) -> None:
    with pytest.raises(ReconcileError) as info:
        reconcile("B1", kit.answer(kit.batch(1)))  # type: ignore[arg-type]
    assert info.value.code == "reconcile.not_batch"


def test_records_of_the_wrong_type_give_a_library_error(kit: Any) -> None:
    batch = kit.batch(1)
    bad = dataclasses.replace(kit.record(batch.items[0]), amount=1.5)
    with pytest.raises(ReconcileError) as info:
        reconcile(batch, BankReturn("psbc", batch.batch_id, 1, Decimal("1.50"), (bad,)))
    assert info.value.code == "reconcile.return_type"
    with pytest.raises(ReconcileError):
        reconcile(batch, BankReturn("psbc", batch.batch_id, 1, Decimal(1), (None,)))  # type: ignore[arg-type]


def test_trusted_keys(kit: Any) -> None:
    batch = kit.batch(1)
    ret = kit.answer(batch)
    assert reconcile(batch, ret, trusted_keys={"ab12"}).totals.paid.count == 1
    with pytest.raises(SignatureError) as info:
        reconcile(batch, ret, trusted_keys={"ffff"})
    assert info.value.code == "signature.untrusted_return"
    unsigned = dataclasses.replace(ret, key_fingerprint=None)
    with pytest.raises(SignatureError):
        reconcile(batch, unsigned, trusted_keys={"ab12"})


def test_no_return_yet_means_all_missing(kit: Any) -> None:
    batch = kit.batch(3)
    rec = reconcile(batch, [])
    assert rec.totals.missing == rec.totals.batch
    assert "missing=3" in repr(rec)


def test_reprs_hide_account_and_id(kit: Any) -> None:
    batch = kit.batch(1)
    rec = reconcile(batch, kit.answer(batch))
    text = repr(rec.item(1)) + repr(rec) + repr(rec.anomalies)
    assert str(batch.items[0].beneficiary.account.number) not in text
    assert str(batch.items[0].beneficiary.id_number) not in text


# Properties ---------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(min_value=1, max_value=12))
def test_totals_invariant_over_noisy_returns(kit: Any, data: st.DataObject, n: int) -> None:
    batch = kit.batch(n)
    returns = [kit.noisy_return(data, batch) for _ in range(data.draw(st.integers(0, 3)))]
    rec = reconcile(batch, returns)
    t = rec.totals
    assert t.balanced
    assert t.paid + t.failed + t.pending + t.missing == Totals(batch.count, batch.total)
    results = list(rec)
    assert [r.seq for r in results] == list(range(1, n + 1))
    for outcome in Outcome:
        chosen = [r for r in results if r.outcome is outcome]
        assert t.of(outcome) == Totals(
            len(chosen), sum((r.item.amount for r in chosen), Decimal("0.00"))
        )
    assert sum((v for v in t.failed_by_status.values()), Totals()) == t.failed
    paid_lines = [r.bank_amount for r in results if r.outcome is Outcome.PAID]
    assert t.paid_by_bank == sum((a for a in paid_lines if a is not None), Decimal("0.00"))
    # nothing swallowed: every stray line of a used return is reported
    used = [r for r in returns if r.batch_id == batch.batch_id and r.bank == batch.agent_bank]
    stray = sum(1 for r in used for x in r.records if not 0 < x.seq <= n)
    assert Counter(kinds(rec))[AnomalyKind.UNMATCHED_LINE] == stray
    assert Counter(kinds(rec))[AnomalyKind.OTHER_BATCH] == len(returns) - len(used)
    header_off = sum(1 for r in returns if r.count != len(r.records))
    assert Counter(kinds(rec))[AnomalyKind.HEADER_TOTALS] == header_off
    for a in rec.anomalies:
        assert a.code.startswith("reconcile.")
        assert a.message


@settings(max_examples=40, deadline=None)
@given(data=st.data(), n=st.integers(min_value=1, max_value=10))
def test_any_split_of_a_clean_answer_gives_the_same_result(
    kit: Any, data: st.DataObject, n: int
) -> None:
    batch = kit.batch(n)
    statuses = {s: data.draw(kit.final_statuses()) for s in range(1, n + 1)}
    whole = reconcile(batch, kit.answer(batch, statuses))
    parts = data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    returns = [
        kit.answer(batch, {s: (st_ if parts[s - 1] == p else None) for s, st_ in statuses.items()})
        for p in range(3)
    ]
    split = reconcile(batch, data.draw(st.permutations(returns)))
    assert split.anomalies == ()
    assert [r.outcome for r in split] == [r.outcome for r in whole]
    assert split.totals == whole.totals


def test_library_errors_only(kit: Any) -> None:
    batch = kit.batch(1)
    junks: list[Any] = [None, 1, object(), {"a": 1}]
    for junk in junks:
        with pytest.raises(YikatongError):
            reconcile(batch, junk)


_JUNK = st.one_of(
    st.none(),
    st.integers(-3, 30),
    st.booleans(),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.binary(max_size=8),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(ReturnStatus),
)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=st.integers(min_value=1, max_value=5))
def test_junk_records_give_library_errors_only(kit: Any, data: st.DataObject, n: int) -> None:
    batch = kit.batch(n)
    records = []
    for _ in range(data.draw(st.integers(1, 4))):
        base = kit.record(batch.items[data.draw(st.integers(0, n - 1))])
        field = data.draw(st.sampled_from(["seq", "account", "name", "amount", "status", "line"]))
        records.append(dataclasses.replace(base, **{field: data.draw(_JUNK)}))
    ret = BankReturn("psbc", batch.batch_id, data.draw(_JUNK), data.draw(_JUNK), tuple(records))
    try:
        rec = reconcile(batch, ret)
    except YikatongError:
        return
    assert rec.totals.balanced
