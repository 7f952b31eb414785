"""Rectification cases: assigned, fixed by the owner, verified by someone else."""

from __future__ import annotations

import datetime as _dt

import pytest

from ningxia_yikatong.errors import WorkflowError
from ningxia_yikatong.workflow import Actor, Case, CaseState, Role, overdue_cases

REVIEWER = Actor(actor_id="l", name="李审核", role=Role.DEPT_REVIEWER, region="640122")
CLERK = Actor(actor_id="w", name="王经办", role=Role.DEPT_CLERK, region="640122")
OTHER_CLERK = Actor(actor_id="z", name="赵经办", role=Role.VILLAGE_CLERK, region="640122100")
OUTSIDER = Actor(actor_id="o", name="外县", role=Role.DEPT_REVIEWER, region="640181")
T = _dt.datetime(2026, 4, 1, 9, tzinfo=_dt.UTC)


def _case(n: int = 1, due: _dt.date = _dt.date(2026, 4, 15)) -> Case:
    return Case.open(
        case_id=f"ZG-{n}",
        source="objection",
        subject="B-01#3",
        description="村民反映未到账",
        region="640122",
        owner=CLERK,
        due=due,
        by=REVIEWER,
        at=T,
    )


def test_a_case_goes_from_assigned_to_fixed_to_verified() -> None:
    case = _case()
    assert (case.state, case.owner, case.source.label) == (CaseState.ASSIGNED, CLERK, "公示异议")
    case = case.fix(CLERK, at=T, note="已更正账号并补发")
    assert case.state is CaseState.FIXED
    back = case.verify(REVIEWER, at=T, accepted=False, note="补发未到账")
    assert back.state is CaseState.ASSIGNED
    done = case.verify(REVIEWER, at=T, accepted=True)
    assert done.state.label == "已验收"
    assert len(done.events) == 3


def test_only_the_owner_fixes_and_someone_else_verifies() -> None:
    case = _case()
    with pytest.raises(WorkflowError) as excinfo:
        case.fix(REVIEWER, at=T, note="x")
    assert excinfo.value.code == "workflow.case_owner"
    with pytest.raises(WorkflowError) as excinfo:
        case.fix(CLERK, at=T, note=" ")
    assert excinfo.value.code == "workflow.reason_missing"
    fixed = case.fix(CLERK, at=T, note="已处理")
    owner_as_reviewer = Actor(actor_id="w", name="王经办", role=Role.DEPT_REVIEWER, region="640122")
    with pytest.raises(WorkflowError) as excinfo:
        fixed.verify(owner_as_reviewer, at=T, accepted=True)
    assert excinfo.value.code == "workflow.maker_checker"
    with pytest.raises(WorkflowError) as excinfo:
        fixed.verify(OUTSIDER, at=T, accepted=True)
    assert excinfo.value.code == "workflow.role"
    with pytest.raises(WorkflowError) as excinfo:
        fixed.verify(REVIEWER, at=T, accepted=False)
    assert excinfo.value.code == "workflow.reason_missing"
    with pytest.raises(WorkflowError) as excinfo:
        case.verify(REVIEWER, at=T, accepted=True)
    assert excinfo.value.code == "workflow.case_state"


def test_who_opens_and_owns_a_case() -> None:
    with pytest.raises(WorkflowError) as excinfo:
        Case.open(
            case_id="ZG-9", source="finding", subject="B", description="d", region="640122",
            owner=CLERK, due=_dt.date(2026, 4, 2), by=CLERK, at=T,
        )  # fmt: skip
    assert excinfo.value.code == "workflow.role"
    with pytest.raises(WorkflowError) as excinfo:
        Case.open(
            case_id="ZG-9", source="finding", subject="B", description="d", region="640122",
            owner=OTHER_CLERK, due=_dt.date(2026, 4, 2), by=REVIEWER, at=T,
        )  # fmt: skip
    assert excinfo.value.code == "workflow.region"
    with pytest.raises(WorkflowError) as excinfo:
        _case(due=_dt.date(2026, 3, 1))
    assert excinfo.value.code == "workflow.case_due"


def test_reassigning_and_the_overdue_list() -> None:
    a = _case(1, due=_dt.date(2026, 4, 10))
    b = _case(2, due=_dt.date(2026, 4, 5))
    c = (
        _case(3, due=_dt.date(2026, 4, 5))
        .fix(CLERK, at=T, note="已处理")
        .verify(REVIEWER, at=T, accepted=True)
    )
    on = _dt.date(2026, 4, 12)
    assert [x.case_id for x in overdue_cases([a, b, c], on=on)] == ["ZG-2", "ZG-1"]
    assert b.days_late(on) == 7
    assert c.days_late(on) == 0
    moved = a.assign(REVIEWER, CLERK, at=T, due=_dt.date(2026, 4, 30), note="延期")
    assert moved.due == _dt.date(2026, 4, 30)
    assert overdue_cases([moved], on=on) == []
    with pytest.raises(WorkflowError) as excinfo:
        a.assign(REVIEWER, OUTSIDER, at=T, due=_dt.date(2026, 4, 30))
    assert excinfo.value.code == "workflow.region"
    with pytest.raises(WorkflowError) as excinfo:
        a.fix(CLERK, at=T - _dt.timedelta(1), note="x")
    assert excinfo.value.code == "workflow.clock"
