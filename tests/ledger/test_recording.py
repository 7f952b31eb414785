"""Every kind of record in one ledger, for one paid batch with failures and its
reissue: each reads back equal to the library's model, the audit events are
the flow's actions in order, and the chain verifies at the end."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from ningxia_yikatong.checks import CheckContext, HouseholdMember, Severity, run_checks
from ningxia_yikatong.ledger import (
    BankReturnRecord,
    DataKey,
    GovernmentLevel,
    Ledger,
    PaymentFileRecord,
    PayMode,
    PiiCipher,
    ReissueRecord,
)
from ningxia_yikatong.policy import SubsidyPolicy
from ningxia_yikatong.reconcile import Outcome, ReconciliationReport, Reissue, recipient_notices
from ningxia_yikatong.testing.paid import PaidRound, PaidRun
from ningxia_yikatong.testing.policies import sample_catalog, sample_policies


@dataclass(frozen=True)
class Story:
    """A paid batch with failures, and the reissue of its first failure, paid."""

    run: PaidRun
    policy: SubsidyPolicy
    reissue: Reissue
    second: PaidRound


@pytest.fixture(scope="module")
def story() -> Story:
    run = PaidRun(seed=11, size=30, batch_id="B-ALL")
    policy = sample_policies()[0].model_copy(update={"code": run.batch.policy_code})
    # The first failure is reissued to a new account; the others failed for good.
    again, second = run.reissue("B-ALL-R2", seqs=[run.reconciliation.failed[0].seq])
    return Story(run, policy, again, second)


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    with Ledger.init(ledger_url, cipher=PiiCipher(DataKey.generate())) as opened:
        yield opened


def _files_read_back(ledger: Ledger, paid: PaidRound) -> None:
    batch_id = str(paid.batch.batch_id)
    assert ledger.payment_files(batch_id) == [
        PaymentFileRecord(
            batch_id, paid.payment_digest, paid.signing_fingerprint, paid.bank_fingerprint
        )
    ]
    assert ledger.bank_returns(batch_id) == [
        BankReturnRecord(batch_id, paid.return_digest, paid.payment_digest, paid.bank_fingerprint)
    ]


def _reconcile(ledger: Ledger, paid: PaidRound) -> str:
    report = ReconciliationReport.of(paid.reconciliation)
    recorded = ledger.record_reconciliation(
        report, return_digests=[paid.return_digest], actor="对账员"
    )
    (back,) = ledger.reconciliations(str(paid.batch.batch_id))
    assert back == recorded
    assert back.report == report
    assert back.return_digests == (paid.return_digest,)
    return recorded.digest


def test_every_kind_in_one_ledger(ledger: Ledger, story: Story) -> None:
    run, policy, again, second = story.run, story.policy, story.reissue, story.second
    batch_id = str(run.batch.batch_id)
    failed = run.reconciliation.failed
    assert len(failed) >= 2  # one reissued, the others failed for good

    # Catalog revisions.
    catalog = sample_catalog()
    for revision in catalog.revisions:
        ledger.record_catalog_revision(revision, actor="政策管理员")
    for revision in catalog.revisions:
        assert ledger.catalog_revision(revision.version) == revision
    assert ledger.catalog().revisions == catalog.revisions  # revisions, not the title

    # The batch, its check report and an accepted warning: the registry still
    # has one person in another county.
    ledger.record_batch(
        run.batch,
        department="自治区民政厅",
        pay_mode=PayMode.FISCAL_DIRECT,
        level=GovernmentLevel.REGION,
        actor="录入员",
    )
    moved = run.batch.items[2].beneficiary
    context = CheckContext.build(
        household_members=[
            HouseholdMember("H-MOVED", moved.id_number, moved.name, is_head=True, region="640104")
        ]
    )
    report = run_checks(run.batch, policy, context)
    warning = next(f for f in report.findings if f.rule == "household_region" and f.seq == 3)
    assert warning.severity is Severity.WARN
    recorded_report = ledger.record_check_report(report, actor="比对员")
    (back,) = ledger.check_reports(batch_id)
    assert back == recorded_report
    assert back.report == report
    override = ledger.record_override(batch_id, 3, warning.rule, "已核实已迁入", actor="科长")
    assert ledger.overrides(batch_id) == [override]
    assert (override.seq, override.rule, override.reason, override.actor) == (
        3,
        "household_region",
        "已核实已迁入",
        "科长",
    )
    assert override.report_digest == recorded_report.digest
    assert ledger.batch(batch_id) == run.batch

    # Approved, sent, returned, reconciled.
    assert ledger.approve(batch_id, actor="审核员") == run.batch.count
    run.first.record_files(ledger)
    _files_read_back(ledger, run.first)
    first_digest = _reconcile(ledger, run.first)

    # The first failure is reissued (its claim moves); the others failed for good.
    assert ledger.record_reissue(again.batch, again.origin, actor="录入员") == 1
    assert ledger.reissue_of("B-ALL-R2") == ReissueRecord(
        "B-ALL-R2", batch_id, (failed[0].seq,), 1, first_digest
    )
    assert ledger.batch("B-ALL-R2") == again.batch
    final = {r.seq for r in failed[1:]}
    assert ledger.release_failed(batch_id, actor="对账员") == len(final)
    claims = ledger.claims_of(batch_id)
    assert {seq for seq, active in claims.items() if not active} == final
    assert failed[0].seq not in claims  # the reissue item holds it now
    assert ledger.claims_of("B-ALL-R2") == {1: True}

    # The reissue sent, returned, reconciled: paid.
    second.record_files(ledger)
    _files_read_back(ledger, second)
    _reconcile(ledger, second)
    assert ledger.reconciliations("B-ALL-R2")[0].report.seqs(Outcome.PAID) == (1,)

    # The notices of both rounds.
    for paid in (run.first, second):
        sent = [n for n in recipient_notices(paid.reconciliation, policy) if n.phone is not None]
        assert sent
        recorded = ledger.record_notices(str(paid.batch.batch_id), sent, actor="短信平台")
        (notices,) = ledger.notices(str(paid.batch.batch_id))
        assert notices == recorded
        assert list(notices.notices) == sent

    assert ledger.audit.verify() is None
    assert [e.action for e in ledger.audit.events()] == [
        "ledger.data_key",
        "catalog.record",
        "catalog.record",
        "batch.record",
        "check.record",
        "check.override",
        "batch.approve",
        "payment.send",
        "return.receive",
        "reconciliation.record",
        "batch.record",
        "claims.move",
        "claims.release",
        "payment.send",
        "return.receive",
        "reconciliation.record",
        "notices.send",
        "notices.send",
    ]
