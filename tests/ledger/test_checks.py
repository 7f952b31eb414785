"""Check reports and overrides in the ledger: bound to the recorded batch, read back equal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ningxia_yikatong.checks import (
    CheckContext,
    CheckReport,
    Severity,
    SeverityOverrides,
    run_checks,
)
from ningxia_yikatong.errors import LedgerError
from ningxia_yikatong.ledger import DataKey, GovernmentLevel, Ledger, PayMode, PiiCipher
from ningxia_yikatong.testing import SyntheticData
from ningxia_yikatong.testing.policies import sample_policies


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    with Ledger.init(ledger_url, cipher=PiiCipher(DataKey.generate())) as opened:
        yield opened


def _report() -> CheckReport:
    policy = next(p for p in sample_policies() if p.code == "NX-GLJT")
    batch = SyntheticData(seed=1, yikatong_share=0.5).batch(
        20, policy=policy, period="2026-03", batch_id="B-CHK"
    )
    dead = batch.items[4].beneficiary.id_number
    # Accounts off the card are a warning here, so that some findings may be accepted.
    context = CheckContext.build(
        deaths={dead: "2026-01-10"},
        overrides=SeverityOverrides(deployment={"not_yikatong": Severity.WARN}),
    )
    report = run_checks(batch, policy, context)
    return report


def _record(ledger: Ledger, report: CheckReport, digest: str = "sha256") -> None:
    policy = next(p for p in sample_policies() if p.code == "NX-GLJT")
    batch = SyntheticData(seed=1, yikatong_share=0.5).batch(
        20, policy=policy, period="2026-03", batch_id="B-CHK"
    )
    ledger.record_batch(
        batch,
        department="自治区民政厅",
        pay_mode=PayMode.FISCAL_DIRECT,
        level=GovernmentLevel.REGION,
        actor="录入员",
        digest="sm3" if digest == "sm3" else "sha256",
    )


@pytest.mark.parametrize("algorithm", ["sha256", "sm3"])
def test_report_reads_back_equal(ledger: Ledger, algorithm: str) -> None:
    report = _report()
    assert any(f.evidence for f in report.findings)
    _record(ledger, report, algorithm)
    recorded = ledger.record_check_report(report, actor="比对员")
    assert ledger.record_check_report(report, actor="比对员") == recorded
    (back,) = ledger.check_reports("B-CHK")
    assert back.report == report
    assert back.may_proceed is report.may_proceed is False
    assert [e.action for e in ledger.audit.of("B-CHK")][-1] == "check.record"


def test_report_of_other_content(ledger: Ledger) -> None:
    report = _report()
    with pytest.raises(LedgerError) as err:
        ledger.record_check_report(report, actor="x")
    assert err.value.code == "ledger.batch_unknown"
    _record(ledger, report)
    for digest in ("0" * 64, None):
        other = CheckReport.from_dict(report.to_dict() | {"batch_digest": digest})
        with pytest.raises(LedgerError) as err:
            ledger.record_check_report(other, actor="x")
        assert err.value.code == "ledger.report_batch"


def test_overrides(ledger: Ledger) -> None:
    report = _report()
    _record(ledger, report)
    ledger.record_check_report(report, actor="比对员")
    warn = next(f for f in report.findings if f.severity is not Severity.BLOCK)
    block = next(f for f in report.findings if f.severity is Severity.BLOCK)
    made = ledger.record_override("B-CHK", warn.seq, warn.rule, "已电话核实", actor="科长")
    assert ledger.record_override("B-CHK", warn.seq, warn.rule, "已电话核实", actor="科长") == made
    assert ledger.overrides("B-CHK") == [made]
    assert (made.seq, made.rule, made.reason, made.actor) == (
        warn.seq,
        warn.rule,
        "已电话核实",
        "科长",
    )

    def code(seq: int, rule: str, reason: str) -> str:
        with pytest.raises(LedgerError) as err:
            ledger.record_override("B-CHK", seq, rule, reason, actor="科长")
        return err.value.code

    assert code(warn.seq, warn.rule, "另一个理由") == "ledger.override_conflict"
    assert code(block.seq, block.rule, "理由") == "ledger.override_block"
    assert code(99, warn.rule, "理由") == "ledger.finding_unknown"
    assert code(warn.seq, warn.rule, "  ") == "ledger.reason_missing"
    assert ledger.audit.verify() is None
