"""The lifecycle: states, roles and regions, maker and checker, approvals bound
to content and report, overrides, sending and returns."""

from __future__ import annotations

import datetime as _dt
from functools import cache
from itertools import pairwise

import pytest

from ningxia_yikatong.checks import CheckContext, CheckReport, run_checks
from ningxia_yikatong.errors import WorkflowError
from ningxia_yikatong.payout import batch_digest
from ningxia_yikatong.policy import PayMode
from ningxia_yikatong.testing.planted import make_batch, make_id, make_item, make_policy
from ningxia_yikatong.workflow import (
    Actor,
    BatchState,
    ItemOverride,
    Lifecycle,
    LifecycleRules,
    Role,
    Step,
    TimeLimit,
    report_digest,
)

COUNTY = "640122"  # 贺兰县
TOWN = "640122100"
DEAD = str(make_id("1940-01-01"))
CLEAN_BATCH = make_batch([make_item(1), make_item(2)])
BLOCKED_BATCH = make_batch(
    [make_item(1), make_item(2, id_number=DEAD), make_item(3), make_item(4, amount="99.00")]
)
DIGEST = batch_digest(CLEAN_BATCH)
BLOCKED_DIGEST = batch_digest(BLOCKED_BATCH)
OTHER_DIGEST = "b" * 64
FILE = "c" * 64
RETURN_FILE = "d" * 64
T0 = _dt.datetime(2026, 3, 2, 9, 0, tzinfo=_dt.UTC)


def at(hours: int) -> _dt.datetime:
    """``hours`` after the start of the test day."""
    return T0 + _dt.timedelta(hours=hours)


def actor(actor_id: str, role: Role, region: str = COUNTY) -> Actor:
    return Actor(actor_id=actor_id, name=f"经办{actor_id}", role=role, region=region)


CLERK = actor("clerk", Role.VILLAGE_CLERK, TOWN)
TOWN_REVIEWER = actor("town", Role.TOWN_REVIEWER, TOWN)
DEPT_CLERK = actor("deptclerk", Role.DEPT_CLERK)
DEPT_REVIEWER = actor("dept", Role.DEPT_REVIEWER)
DEPT_REVIEWER_2 = actor("dept2", Role.DEPT_REVIEWER)
FINANCE = actor("finance", Role.FINANCE_APPROVER, "640000")
FINANCE_2 = actor("finance2", Role.FINANCE_APPROVER, "640000")
BANK = actor("bank", Role.BANK)


def rules(**changes: object) -> LifecycleRules:
    return LifecycleRules.model_validate({"time_limit": TimeLimit(days=10)} | changes)


def lifecycle(region: str = TOWN, **changes: object) -> Lifecycle:
    return Lifecycle(
        batch_id="B-TEST",
        policy_code="NX-TEST",
        period="2026-03",
        region=region,
        department="贺兰县民政局",
        rules=rules(**changes),
    )


@cache
def clean_report() -> CheckReport:
    """A report of batch B-TEST with nothing blocking (missing data overridden)."""
    context = CheckContext.build(deaths={}, prior_payouts=[], public_payroll=[])
    report = run_checks(CLEAN_BATCH, make_policy(), context)
    for rule, _ in report.blocking_missing_data:
        report = report.override(rule, reason="本月数据未推送，已人工核实", by="审核人")
    assert report.may_proceed, report.summary()
    return report


def other_report() -> CheckReport:
    """Another report of the same batch: its missing data accepted for another reason."""
    context = CheckContext.build(deaths={}, prior_payouts=[], public_payroll=[])
    report = run_checks(CLEAN_BATCH, make_policy(), context)
    for rule, _ in report.missing_data:
        report = report.override(rule, reason="经电话核实", by="另一审核人")
    return report


@cache
def blocked_report() -> CheckReport:
    """A report of batch B-TEST whose items 2 and 4 are blocked (a death, an amount)."""
    context = CheckContext.build(deaths={DEAD: "2020-01-01"}, prior_payouts=[], public_payroll=[])
    report = run_checks(BLOCKED_BATCH, make_policy(), context)
    for rule, _ in report.blocking_missing_data:
        report = report.override(rule, reason="本月数据未推送，已人工核实", by="审核人")
    assert report.blocked_seqs == {2, 4}
    return report


def to_verified(life: Lifecycle, digest: str = DIGEST) -> Lifecycle:
    life = life.apply("declare", CLERK, at=at(0), batch_digest=digest)
    if life.rules.town_review:
        life = life.apply("review", TOWN_REVIEWER, at=at(1), batch_digest=digest)
    return life.apply("verify", DEPT_REVIEWER, at=at(2), batch_digest=digest)


def to_approved(life: Lifecycle) -> Lifecycle:
    return to_verified(life).apply(
        "approve", FINANCE, at=at(3), batch_digest=DIGEST, report=clean_report()
    )


def code_of(excinfo: pytest.ExceptionInfo[WorkflowError]) -> str:
    return excinfo.value.code


# -- the whole way --------------------------------------------------------------


def test_a_batch_goes_the_whole_way_with_each_role() -> None:
    life = to_approved(lifecycle())
    assert life.state is BatchState.APPROVED
    approval = life.approval
    assert approval is not None
    assert approval.batch_digest == DIGEST
    assert approval.report_digest == report_digest(clean_report())
    assert [a.actor_id for a in approval.signers] == ["finance"]
    life = life.apply("send", FINANCE, at=at(4), batch_digest=DIGEST, file_digest=FILE)
    life = life.apply("return", BANK, at=at(5), file_digest=RETURN_FILE, answers=FILE)
    life = life.apply("reconcile", DEPT_CLERK, at=at(6))
    life = life.apply("disclose", CLERK, at=at(7))
    life = life.apply("close", DEPT_REVIEWER, at=at(8))
    assert life.state is BatchState.CLOSED
    assert life.allowed_steps() == ()
    assert [t.after.label for t in life.transitions] == [
        "已申报", "已初审", "已审核", "已审批", "已发送", "已回盘", "已对账", "已公示", "已归档",
    ]  # fmt: skip
    assert all(a.after is b.before for a, b in pairwise(life.transitions))
    assert life.sent_file_digest == FILE


def test_a_policy_without_the_town_step_goes_from_declared_to_verify() -> None:
    life = lifecycle(town_review=False).apply("declare", CLERK, at=at(0), batch_digest=DIGEST)
    assert life.allowed_steps() == (Step.VERIFY, Step.SEND_BACK, Step.CANCEL)
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("review", TOWN_REVIEWER, at=at(1), batch_digest=DIGEST)
    assert code_of(excinfo) == "workflow.transition"
    assert "可执行：审核、退回、作废" in excinfo.value.message
    assert life.apply("verify", DEPT_REVIEWER, at=at(1), batch_digest=DIGEST).state is (
        BatchState.VERIFIED
    )


def test_an_illegal_step_names_the_allowed_ones() -> None:
    life = lifecycle().apply("declare", CLERK, at=at(0), batch_digest=DIGEST)
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("approve", FINANCE, at=at(1), batch_digest=DIGEST, report=clean_report())
    assert code_of(excinfo) == "workflow.transition"
    assert "当前为「已申报」，不能「审批」；可执行：初审、退回、作废" in excinfo.value.message
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("pay", FINANCE, at=at(1))
    assert code_of(excinfo) == "workflow.step"


def test_the_department_pays_in_its_own_pay_mode() -> None:
    life = to_verified(lifecycle(pay_mode=PayMode.DEPARTMENT))
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("approve", FINANCE, at=at(3), batch_digest=DIGEST, report=clean_report())
    assert code_of(excinfo) == "workflow.role"
    life = life.apply(
        "approve", DEPT_REVIEWER_2, at=at(3), batch_digest=DIGEST, report=clean_report()
    )
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("send", FINANCE, at=at(4), batch_digest=DIGEST, file_digest=FILE)
    assert code_of(excinfo) == "workflow.role"
    assert life.apply(
        "send", DEPT_CLERK, at=at(4), batch_digest=DIGEST, file_digest=FILE
    ).state is (BatchState.SENT)


# -- roles and regions ------------------------------------------------------------


def test_an_actor_takes_only_its_role_s_steps() -> None:
    life = lifecycle().apply("declare", CLERK, at=at(0), batch_digest=DIGEST)
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("review", DEPT_CLERK, at=at(1), batch_digest=DIGEST)
    assert code_of(excinfo) == "workflow.role"
    assert "此步须由乡镇审核办理" in excinfo.value.message
    with pytest.raises(WorkflowError) as excinfo:
        lifecycle().apply("declare", BANK, at=at(0), batch_digest=DIGEST)
    assert code_of(excinfo) == "workflow.role"


def test_an_actor_acts_only_in_its_region() -> None:
    elsewhere = actor("other", Role.VILLAGE_CLERK, "640181100")  # 灵武市
    with pytest.raises(WorkflowError) as excinfo:
        lifecycle().apply("declare", elsewhere, at=at(0), batch_digest=DIGEST)
    assert code_of(excinfo) == "workflow.region"
    assert "640181100" in excinfo.value.message
    # a town reviewer does not act on a county-wide batch; the county reviewer does
    life = lifecycle(region=COUNTY).apply("declare", DEPT_CLERK, at=at(0), batch_digest=DIGEST)
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("review", TOWN_REVIEWER, at=at(1), batch_digest=DIGEST)
    assert code_of(excinfo) == "workflow.region"


# -- maker and checker --------------------------------------------------------------


def test_the_maker_neither_reviews_nor_approves_nor_sends_back() -> None:
    maker = actor("both", Role.DEPT_CLERK)
    life = lifecycle(town_review=False).apply("declare", maker, at=at(0), batch_digest=DIGEST)
    same_person = actor("both", Role.DEPT_REVIEWER)
    for step, kwargs in (
        ("verify", {"batch_digest": DIGEST}),
        ("send_back", {"reason": "材料不全"}),
    ):
        with pytest.raises(WorkflowError) as excinfo:
            life.apply(step, same_person, at=at(1), **kwargs)  # type: ignore[arg-type]
        assert code_of(excinfo) == "workflow.maker_checker"
    approver = actor("both", Role.FINANCE_APPROVER, "640000")
    life = life.apply("verify", DEPT_REVIEWER, at=at(1), batch_digest=DIGEST)
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("approve", approver, at=at(2), batch_digest=DIGEST, report=clean_report())
    assert code_of(excinfo) == "workflow.maker_checker"


def test_one_person_signs_one_review_step() -> None:
    life = lifecycle(pay_mode=PayMode.DEPARTMENT)
    life = to_verified(life)
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("approve", DEPT_REVIEWER, at=at(3), batch_digest=DIGEST, report=clean_report())
    assert code_of(excinfo) == "workflow.same_reviewer"


def test_two_signatures_need_two_people() -> None:
    life = to_verified(lifecycle(signatures={"approve": 2}))
    life = life.apply("approve", FINANCE, at=at(3), batch_digest=DIGEST, report=clean_report())
    assert life.state is BatchState.VERIFIED
    assert life.approval is None
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("approve", FINANCE, at=at(4), batch_digest=DIGEST, report=clean_report())
    assert code_of(excinfo) == "workflow.already_signed"
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("send", FINANCE, at=at(4), batch_digest=DIGEST, file_digest=FILE)
    assert code_of(excinfo) == "workflow.transition"
    life = life.apply("approve", FINANCE_2, at=at(4), batch_digest=DIGEST, report=clean_report())
    assert life.state is BatchState.APPROVED
    assert life.approval is not None
    assert [a.actor_id for a in life.approval.signers] == ["finance", "finance2"]


# -- bound to content and report ---------------------------------------------------------


def test_a_changed_batch_cannot_be_reviewed_or_sent() -> None:
    life = lifecycle().apply("declare", CLERK, at=at(0), batch_digest=DIGEST)
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("review", TOWN_REVIEWER, at=at(1), batch_digest=OTHER_DIGEST)
    assert code_of(excinfo) == "workflow.content_changed"
    life = to_approved(lifecycle())
    assert life.approval_valid_for(DIGEST)
    assert not life.approval_valid_for(OTHER_DIGEST)
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("send", FINANCE, at=at(4), batch_digest=OTHER_DIGEST, file_digest=FILE)
    assert code_of(excinfo) == "workflow.approval_void"
    assert "审批失效" in excinfo.value.message


def test_digests_are_checked() -> None:
    for bad, code in ((None, "workflow.digest_missing"), ("A" * 64, "workflow.digest")):
        with pytest.raises(WorkflowError) as excinfo:
            lifecycle().apply("declare", CLERK, at=at(0), batch_digest=bad)
        assert code_of(excinfo) == code


def test_the_report_must_have_checked_the_declared_content() -> None:
    life = to_verified(lifecycle())
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("approve", FINANCE, at=at(3), batch_digest=DIGEST, report=blocked_report())
    assert code_of(excinfo) == "workflow.report_mismatch"
    from dataclasses import replace

    with pytest.raises(WorkflowError) as excinfo:
        life.apply(
            "approve", FINANCE, at=at(3), batch_digest=DIGEST,
            report=replace(clean_report(), batch_digest=None),
        )  # fmt: skip
    assert "未载明" in excinfo.value.message


def test_approval_needs_the_report_of_this_batch() -> None:
    life = to_verified(lifecycle())
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("approve", FINANCE, at=at(3), batch_digest=DIGEST)
    assert code_of(excinfo) == "workflow.report_missing"
    other = clean_report()
    from dataclasses import replace

    with pytest.raises(WorkflowError) as excinfo:
        life.apply(
            "approve", FINANCE, at=at(3), batch_digest=DIGEST, report=replace(other, batch_id="B2")
        )
    assert code_of(excinfo) == "workflow.report_mismatch"


def test_two_approvers_sign_the_same_report() -> None:
    life = to_verified(lifecycle(signatures={"approve": 2}))
    life = life.apply("approve", FINANCE, at=at(3), batch_digest=DIGEST, report=clean_report())
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("approve", FINANCE_2, at=at(4), batch_digest=DIGEST, report=other_report())
    assert code_of(excinfo) == "workflow.report_changed"


def test_blocked_items_stop_approval_until_each_is_overridden() -> None:
    life = to_verified(lifecycle(), BLOCKED_DIGEST)
    report = blocked_report()
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("approve", FINANCE, at=at(3), batch_digest=BLOCKED_DIGEST, report=report)
    assert code_of(excinfo) == "workflow.blocked"
    assert "第 2、4 条有阻断问题" in excinfo.value.message
    half = [ItemOverride(seq=2, reason="死亡登记有误，已核实本人健在", actor_id="dept")]
    with pytest.raises(WorkflowError) as excinfo:
        life.apply(
            "approve", FINANCE, at=at(3), batch_digest=BLOCKED_DIGEST, report=report, overrides=half
        )
    assert "第 4 条" in excinfo.value.message
    both = [*half, ItemOverride(seq=4, reason="标准调整，差额已核", actor_id="dept")]
    life = life.apply(
        "approve", FINANCE, at=at(3), batch_digest=BLOCKED_DIGEST, report=report, overrides=both
    )
    assert life.approval is not None
    assert [o.seq for o in life.approval.overrides] == [2, 4]


def test_overrides_are_by_someone_else_and_only_for_blocked_items() -> None:
    life = to_verified(lifecycle(), BLOCKED_DIGEST)
    report = blocked_report()
    cases = [
        ([ItemOverride(seq=2, reason="x", actor_id="clerk")], "workflow.maker_checker"),
        ([ItemOverride(seq=3, reason="x", actor_id="dept")], "workflow.override"),
        (
            [ItemOverride(seq=2, reason="x", actor_id="dept")] * 2,
            "workflow.override",
        ),
    ]
    for overrides, code in cases:
        with pytest.raises(WorkflowError) as excinfo:
            life.apply(
                "approve", FINANCE, at=at(3), batch_digest=BLOCKED_DIGEST, report=report,
                overrides=overrides,
            )  # fmt: skip
        assert code_of(excinfo) == code
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("send_back", FINANCE, at=at(3), reason="退回", overrides=cases[0][0])
    assert code_of(excinfo) == "workflow.override"


def test_missing_reference_data_not_overridden_stops_approval() -> None:
    report = run_checks(CLEAN_BATCH, make_policy(), CheckContext.build(prior_payouts=[]))
    assert report.blocking_missing_data
    life = to_verified(lifecycle())
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("approve", FINANCE, at=at(3), batch_digest=DIGEST, report=report)
    assert code_of(excinfo) == "workflow.blocked"
    assert "缺少参考数据" in excinfo.value.message


# -- send back, cancel, returns, the clock ----------------------------------------------


def test_send_back_returns_to_draft_and_a_new_declaration_starts_over() -> None:
    life = lifecycle().apply("declare", CLERK, at=at(0), batch_digest=DIGEST)
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("send_back", TOWN_REVIEWER, at=at(1), reason="  ")
    assert code_of(excinfo) == "workflow.reason_missing"
    life = life.apply("send_back", TOWN_REVIEWER, at=at(1), reason="花名册缺少户主信息")
    assert life.state is BatchState.DRAFT
    assert life.maker is None
    assert life.declared_digest is None
    life = life.apply("declare", CLERK, at=at(2), batch_digest=OTHER_DIGEST)
    assert life.declared_digest == OTHER_DIGEST
    # the town reviewer who sent it back may review the new declaration
    assert life.apply("review", TOWN_REVIEWER, at=at(3), batch_digest=OTHER_DIGEST).state is (
        BatchState.REVIEWED
    )


def test_send_back_is_by_the_role_of_the_step_waited_for() -> None:
    life = to_verified(lifecycle())
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("send_back", TOWN_REVIEWER, at=at(3), reason="退回")
    assert code_of(excinfo) == "workflow.role"
    assert life.apply("send_back", FINANCE, at=at(3), reason="预算不足").state is BatchState.DRAFT


def test_cancel_before_sending_only() -> None:
    life = lifecycle().apply("declare", CLERK, at=at(0), batch_digest=DIGEST)
    assert life.apply("cancel", CLERK, at=at(1), reason="申报错误，撤回").state is (
        BatchState.CANCELLED
    )
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("cancel", TOWN_REVIEWER, at=at(1), reason="x")
    assert code_of(excinfo) == "workflow.role"
    sent = to_approved(lifecycle()).apply(
        "send", FINANCE, at=at(4), batch_digest=DIGEST, file_digest=FILE
    )
    with pytest.raises(WorkflowError) as excinfo:
        sent.apply("cancel", FINANCE, at=at(5), reason="x")
    assert code_of(excinfo) == "workflow.transition"
    cancelled = to_approved(lifecycle()).apply("cancel", FINANCE, at=at(4), reason="资金未到位")
    assert cancelled.approval is None
    assert cancelled.allowed_steps() == ()


def test_a_return_must_answer_the_file_sent() -> None:
    sent = to_approved(lifecycle()).apply(
        "send", FINANCE, at=at(4), batch_digest=DIGEST, file_digest=FILE
    )
    with pytest.raises(WorkflowError) as excinfo:
        sent.apply("return", BANK, at=at(5), file_digest=RETURN_FILE, answers=OTHER_DIGEST)
    assert code_of(excinfo) == "workflow.return_mismatch"
    with pytest.raises(WorkflowError) as excinfo:
        sent.apply("return", BANK, at=at(5), answers=FILE)
    assert code_of(excinfo) == "workflow.digest_missing"


def test_the_clock_is_aware_and_moves_forward() -> None:
    with pytest.raises(WorkflowError) as excinfo:
        lifecycle().apply("declare", CLERK, at=_dt.datetime(2026, 3, 2, 9), batch_digest=DIGEST)
    assert code_of(excinfo) == "workflow.clock"
    life = lifecycle().apply("declare", CLERK, at=at(5), batch_digest=DIGEST)
    with pytest.raises(WorkflowError) as excinfo:
        life.apply("review", TOWN_REVIEWER, at=at(4), batch_digest=DIGEST)
    assert code_of(excinfo) == "workflow.clock"


def test_the_due_date_runs_from_approval() -> None:
    life = to_verified(lifecycle())
    assert life.due() is None
    life = life.apply(
        "approve", FINANCE, at=_dt.datetime(2026, 3, 25, 10, tzinfo=_dt.UTC),
        batch_digest=DIGEST, report=clean_report(),
    )  # fmt: skip
    assert life.due() == _dt.date(2026, 4, 4)


def test_actors_are_validated() -> None:
    from ningxia_yikatong.errors import ModelError

    with pytest.raises(ModelError):
        Actor(actor_id=" x", name="张三", role=Role.BANK, region=COUNTY)
    with pytest.raises(ModelError):
        Actor(actor_id="x", name="张三", role="teller", region=COUNTY)
    assert str(CLERK) == "经办clerk（村/乡镇经办，clerk）"
