"""The lifecycle stored in the ledger, on SQLite and PostgreSQL: each step atomic
with the ledger's claims, payment file, return and reconciliation, and audited."""

from __future__ import annotations

import datetime as _dt
import hashlib
import random
from collections.abc import Iterator
from functools import cache

import pytest

from ningxia_yikatong.bank import AccountNumber, BankAccount, BankCode
from ningxia_yikatong.checks import CheckContext, CheckReport, run_checks
from ningxia_yikatong.checks._rules import DUPLICATE_PERSON
from ningxia_yikatong.errors import LedgerError, WorkflowError
from ningxia_yikatong.ledger import DataKey, GovernmentLevel, Ledger, PayMode, PiiCipher
from ningxia_yikatong.money import Amount
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.reconcile import ReconciliationReport, Reissue, reissue
from ningxia_yikatong.testing import card_number
from ningxia_yikatong.testing.paid import PaidRun
from ningxia_yikatong.testing.planted import make_policy
from ningxia_yikatong.workflow import (
    Actor,
    BatchState,
    Case,
    LifecycleRules,
    Role,
    TimeLimit,
)
from ningxia_yikatong.workflow.store import LifecycleStore

CLERK = Actor(actor_id="ma", name="马经办", role=Role.DEPT_CLERK, region="640000")
VERIFIER = Actor(actor_id="li", name="李审核", role=Role.DEPT_REVIEWER, region="640000")
APPROVER = Actor(actor_id="wang", name="王审批", role=Role.FINANCE_APPROVER, region="640000")
BANK = Actor(actor_id="psbc", name="邮储银行", role=Role.BANK, region="640000")
RULES = LifecycleRules(town_review=False, time_limit=TimeLimit(days=10))


@cache
def paid() -> PaidRun:
    return PaidRun(size=12, batch_id="B-WF")


class Clock:
    """A clock the test moves: one minute per reading."""

    def __init__(self) -> None:
        self.now = _dt.datetime(2026, 3, 2, 9, tzinfo=_dt.UTC)

    def __call__(self) -> _dt.datetime:
        self.now += _dt.timedelta(minutes=1)
        return self.now


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    with Ledger.init(ledger_url, cipher=PiiCipher(DataKey.generate())) as opened:
        yield opened


def _report(batch: PayoutBatch) -> CheckReport:
    return run_checks(
        batch, make_policy(code=str(batch.policy_code)), CheckContext(), rules=[DUPLICATE_PERSON]
    )


def _recorded(ledger: Ledger, batch: PayoutBatch) -> LifecycleStore:
    ledger.record_batch(
        batch,
        department="自治区民政厅",
        pay_mode=PayMode.FISCAL_DIRECT,
        level=GovernmentLevel.REGION,
        actor="ma",
    )
    store = LifecycleStore(ledger, clock=Clock())
    store.start(str(batch.batch_id), rules=RULES, department="自治区民政厅", actor=CLERK)
    return store


def _approved(ledger: Ledger, batch: PayoutBatch) -> LifecycleStore:
    store = _recorded(ledger, batch)
    bid = str(batch.batch_id)
    store.declare(bid, CLERK)
    store.verify(bid, VERIFIER)
    store.approve(bid, APPROVER, report=_report(batch))
    return store


def test_the_whole_lifecycle_is_stored_with_the_ledger_s_records(ledger: Ledger) -> None:
    run = paid()
    bid = str(run.batch.batch_id)
    store = _approved(ledger, run.batch)
    assert all(ledger.claims_of(bid).values())
    assert len(ledger.claims_of(bid)) == run.batch.count
    # the approval is bound to the report the ledger recorded, by the same digest
    [recorded] = ledger.check_reports(bid)
    approval = store.lifecycle(bid).approval
    assert approval is not None
    assert approval.report_digest == recorded.digest
    assert approval.batch_digest == recorded.batch_digest == ledger.record(bid).digest
    _through_reconciliation(store, run)
    store.disclose(bid, CLERK)
    life = store.close(bid, VERIFIER)
    assert life.state is BatchState.CLOSED
    assert store.lifecycle(bid) == life
    assert [life.batch_id for life in store.lifecycles()] == [bid]
    assert ledger.reconciliations(bid)
    actions = [e.action for e in ledger.audit.events() if e.action.startswith("workflow.")]
    assert actions == [
        "workflow.start", "workflow.declare", "workflow.verify", "workflow.approve",
        "workflow.send", "workflow.return", "workflow.reconcile", "workflow.disclose",
        "workflow.close",
    ]  # fmt: skip
    assert ledger.audit.verify() is None


def test_an_overlapping_approval_is_refused_and_nothing_of_it_is_stored(ledger: Ledger) -> None:
    run = paid()
    _approved(ledger, run.batch)
    again = run.batch.model_copy(update={"batch_id": "B-WF-2"})
    store = _recorded(ledger, again)
    store.declare("B-WF-2", CLERK)
    store.verify("B-WF-2", VERIFIER)
    with pytest.raises(LedgerError) as excinfo:
        store.approve("B-WF-2", APPROVER, report=_report(again))
    assert excinfo.value.code == "ledger.claim_overlap"
    assert "B-WF" in excinfo.value.message
    assert store.lifecycle("B-WF-2").state is BatchState.VERIFIED
    assert ledger.claims_of("B-WF-2") == {}


def test_a_changed_batch_is_not_sent(ledger: Ledger) -> None:
    run = paid()
    bid = str(run.batch.batch_id)
    store = _approved(ledger, run.batch)
    changed = run.batch.model_copy(update={"payer_name": "另一个账户"})
    with pytest.raises(WorkflowError) as excinfo:
        store.send(
            bid,
            APPROVER,
            batch=changed,
            file_digest=run.payment_digest,
            signing_key_fingerprint=run.signing_fingerprint,
        )
    assert excinfo.value.code == "workflow.approval_void"
    assert store.lifecycle(bid).state is BatchState.APPROVED
    with pytest.raises(LedgerError) as not_sent:
        ledger.record_bank_return(
            bid,
            digest=run.return_digest,
            payment_digest=run.payment_digest,
            verifying_key_fingerprint=run.bank_fingerprint,
            actor="psbc",
        )
    assert not_sent.value.code == "ledger.not_sent"


def test_the_maker_cannot_approve_through_the_store(ledger: Ledger) -> None:
    run = paid()
    bid = str(run.batch.batch_id)
    store = _recorded(ledger, run.batch)
    store.declare(bid, CLERK)
    with pytest.raises(WorkflowError) as excinfo:
        store.verify(
            bid, Actor(actor_id="ma", name="马经办", role=Role.DEPT_REVIEWER, region="640000")
        )
    assert excinfo.value.code == "workflow.maker_checker"
    assert len(store.lifecycle(bid).transitions) == 1


def test_cancelling_an_approved_batch_releases_its_claims(ledger: Ledger) -> None:
    run = paid()
    bid = str(run.batch.batch_id)
    store = _approved(ledger, run.batch)
    life = store.cancel(bid, APPROVER, "资金未到位")
    assert life.state is BatchState.CANCELLED
    assert not any(ledger.claims_of(bid).values())
    assert ledger.record(bid).status.value == "cancelled"


def test_recoveries_are_added_against_paid_items(ledger: Ledger) -> None:
    run = paid()
    bid = str(run.batch.batch_id)
    store = _approved(ledger, run.batch)
    with pytest.raises(WorkflowError) as excinfo:
        store.record_recovery(
            bid, 1, Amount("1.00"), rule="deceased", reason="死亡", actor=VERIFIER
        )
    assert excinfo.value.code == "workflow.transition"
    _through_reconciliation(store, run)
    paid_item = run.reconciliation.paid[0].item
    failed_item = run.reconciliation.failed[0].item
    half = Amount.from_fen(paid_item.amount.to_fen() // 2)
    store.record_recovery(bid, paid_item.seq, half, rule="deceased", reason="死亡", actor=VERIFIER)
    rest = Amount(paid_item.amount - half)
    with pytest.raises(WorkflowError) as excinfo:
        store.record_recovery(
            bid, paid_item.seq, Amount(rest + Amount("0.01")), rule="deceased", reason="x",
            actor=VERIFIER,
        )  # fmt: skip
    assert excinfo.value.code == "workflow.recovery_exceeds"
    store.record_recovery(bid, paid_item.seq, rest, rule="deceased", reason="余额", actor=VERIFIER)
    assert sum(r.amount for r in store.recoveries(bid)) == paid_item.amount
    with pytest.raises(WorkflowError) as excinfo:
        store.record_recovery(
            bid, failed_item.seq, Amount("1.00"), rule="deceased", reason="x", actor=VERIFIER
        )
    assert excinfo.value.code == "workflow.recovery_unpaid"
    with pytest.raises(WorkflowError) as excinfo:
        store.record_recovery(bid, 999, Amount("1.00"), rule="x", reason="x", actor=VERIFIER)
    assert excinfo.value.code == "workflow.seq_unknown"
    # the payment stays as it was
    assert ledger.batch(bid).items[paid_item.seq - 1].amount == paid_item.amount
    recorded = [e.action for e in ledger.audit.events()].count("workflow.recovery")
    assert recorded == 2


def test_cases_are_stored_with_every_event(ledger: Ledger) -> None:
    store = LifecycleStore(ledger, clock=Clock())
    t = _dt.datetime(2026, 4, 1, 9, tzinfo=_dt.UTC)
    case = Case.open(
        case_id="ZG-1", source="recovery", subject="B-WF#3", description="死亡人员应追回",
        region="640000", owner=CLERK, due=_dt.date(2026, 4, 20), by=VERIFIER, at=t,
    )  # fmt: skip
    store.save_case(case)
    fixed = case.fix(CLERK, at=t, note="已追回")
    store.save_case(fixed)
    assert store.case("ZG-1") == fixed
    assert store.cases() == [fixed]
    rewritten = case.fix(CLERK, at=t, note="另一种说法")
    with pytest.raises(WorkflowError) as excinfo:
        store.save_case(rewritten)
    assert excinfo.value.code == "workflow.case_conflict"
    with pytest.raises(WorkflowError) as excinfo:
        store.case("ZG-9")
    assert excinfo.value.code == "workflow.case_unknown"
    actions = [e.action for e in ledger.audit.events() if e.object_kind == "case"]
    assert actions == ["case.assigned", "case.fixed"]


def test_overdue_over_the_store(ledger: Ledger) -> None:
    run = paid()
    _approved(ledger, run.batch)
    store = LifecycleStore(ledger)
    [late] = store.overdue(on=_dt.date(2026, 3, 30))
    assert (late.batch_id, late.due, late.days_late) == ("B-WF", _dt.date(2026, 3, 12), 18)


def test_unknown_and_repeated_lifecycles(ledger: Ledger) -> None:
    store = LifecycleStore(ledger)
    with pytest.raises(WorkflowError) as excinfo:
        store.lifecycle("B-NONE")
    assert excinfo.value.code == "workflow.lifecycle_unknown"
    with pytest.raises(LedgerError) as unknown:
        store.start("B-NONE", rules=RULES, department="x", actor=CLERK)
    assert unknown.value.code == "ledger.batch_unknown"
    _recorded(ledger, paid().batch)
    with pytest.raises(WorkflowError) as excinfo:
        store.start("B-WF", rules=RULES, department="x", actor=CLERK)
    assert excinfo.value.code == "workflow.lifecycle_exists"
    with pytest.raises(WorkflowError) as excinfo:
        LifecycleStore(ledger, clock=lambda: _dt.datetime(2026, 1, 1)).declare("B-WF", CLERK)
    assert excinfo.value.code == "workflow.clock"


def _through_reconciliation(store: LifecycleStore, run: PaidRun) -> None:
    bid = str(run.batch.batch_id)
    store.send(
        bid,
        APPROVER,
        batch=run.batch,
        file_digest=run.payment_digest,
        signing_key_fingerprint=run.signing_fingerprint,
        bank_key_fingerprint=run.bank_fingerprint,
    )
    store.record_return(
        bid,
        BANK,
        file_digest=run.return_digest,
        payment_digest=run.payment_digest,
        verifying_key_fingerprint=run.bank_fingerprint,
    )
    store.reconcile(
        bid,
        CLERK,
        report=ReconciliationReport.of(run.reconciliation),
        return_digests=[run.return_digest],
    )


def _reissue(run: PaidRun) -> Reissue:
    """The reissue of the run's failures, each to a new account."""
    rng = random.Random(3)
    corrections = {
        r.seq: BankAccount(
            number=AccountNumber(card_number(rng, "psbc")),
            bank=BankCode("psbc"),
            holder_name=r.item.beneficiary.name,
            is_yikatong=True,
        )
        for r in run.reconciliation.failed
    }
    return reissue(run.reconciliation, corrections, batch_id="B-WF-R1")


def test_items_the_bank_did_not_pay_are_late_until_a_reissue_pays_them(ledger: Ledger) -> None:
    from ningxia_yikatong.reconcile import reconcile
    from ningxia_yikatong.testing.returns import bank_answer

    run = paid()
    bid = str(run.batch.batch_id)
    store = _approved(ledger, run.batch)
    _through_reconciliation(store, run)
    failed = [r.seq for r in run.reconciliation.failed]
    assert failed
    late = store.overdue_items(on=_dt.date(2026, 3, 20))
    assert [(o.batch_id, o.seq, o.days_late) for o in late] == [(bid, s, 8) for s in failed]
    assert "尚未补发到账" in late[0].what
    assert store.overdue_items(on=_dt.date(2026, 3, 12)) == []
    # a reissue with corrected accounts pays all of them
    again = _reissue(run)
    ledger.record_reissue(again.batch, again.origin, actor="ma")
    child = str(again.batch.batch_id)
    ledger.record_payment_file(child, digest="5" * 64, signing_key_fingerprint="dept", actor="wang")
    answer = bank_answer(again.batch, settled_at=_dt.datetime(2026, 3, 25, 10))
    ledger.record_bank_return(
        child, digest="6" * 64, payment_digest="5" * 64, verifying_key_fingerprint="bank",
        actor="psbc",
    )  # fmt: skip
    ledger.record_reconciliation(
        ReconciliationReport.of(reconcile(again.batch, answer)),
        return_digests=["6" * 64],
        actor="ma",
    )
    assert store.overdue_items(on=_dt.date(2026, 3, 30)) == []


def test_a_reissue_is_a_child_batch_with_its_own_lifecycle(ledger: Ledger) -> None:
    run = paid()
    store = _approved(ledger, run.batch)
    _through_reconciliation(store, run)
    again = _reissue(run)
    ledger.record_reissue(again.batch, again.origin, actor="ma")
    child = str(again.batch.batch_id)
    life = store.start(child, rules=RULES, department="自治区民政厅", actor=CLERK)
    assert str(life.parent_batch_id) == str(run.batch.batch_id)
    store.declare(child, CLERK)
    store.verify(child, VERIFIER)
    life = store.approve(child, APPROVER, report=_report(again.batch))
    assert life.state is BatchState.APPROVED
    # the claims moved from the parent's failed items to the reissue
    assert sum(ledger.claims_of(child).values()) == again.batch.count
    assert store.lifecycle(str(run.batch.batch_id)).state is BatchState.RECONCILED


def test_sending_renders_and_signs_with_the_bank_adapter(ledger: Ledger) -> None:
    from ningxia_yikatong.banks import get_adapter
    from ningxia_yikatong.signing import Sm2Signer, generate_sm2_key

    run = paid()
    bid = str(run.batch.batch_id)
    store = _approved(ledger, run.batch)
    signer = Sm2Signer(generate_sm2_key())
    adapter = get_adapter("psbc")
    changed = run.batch.model_copy(update={"payer_name": "另一个账户"})
    with pytest.raises(WorkflowError) as excinfo:
        store.render_and_send(bid, APPROVER, batch=changed, adapter=adapter, signer=signer)
    assert excinfo.value.code == "workflow.approval_void"
    with pytest.raises(WorkflowError) as excinfo:
        store.render_and_send(bid, CLERK, batch=run.batch, adapter=adapter, signer=signer)
    assert excinfo.value.code == "workflow.role"
    assert ledger.payment_files(bid) == []
    payment = store.render_and_send(bid, APPROVER, batch=run.batch, adapter=adapter, signer=signer)
    [recorded] = ledger.payment_files(bid)
    assert recorded.digest == hashlib.sha256(payment.content).hexdigest()
    assert recorded.signing_key_fingerprint == signer.key_fingerprint
    assert store.lifecycle(bid).sent_file_digest == recorded.digest
