"""Rectification cases (整改): a finding, an objection, an overdue batch or a
recovery becomes a case with an owner and a due date; the owner fixes it
(已整改), someone else verifies the fix (已验收) or sends it back to the owner.

>>> import datetime as dt
>>> from ningxia_yikatong.workflow import Actor, Role
>>> boss = Actor(actor_id="l", name="李审核", role=Role.DEPT_REVIEWER, region="640122")
>>> clerk = Actor(actor_id="w", name="王经办", role=Role.DEPT_CLERK, region="640122")
>>> t = dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC)
>>> case = Case.open(case_id="ZG-1", source="finding", subject="B-01#3",
...                  description="死亡人员仍在册", region="640122", owner=clerk,
...                  due=dt.date(2026, 4, 15), by=boss, at=t)
>>> case = case.fix(clerk, at=t, note="已停发并追回").verify(boss, at=t, accepted=True)
>>> case.state.label
'已验收'
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Final

from pydantic import Field

from .._arguments import checked
from .._model import DomainModel
from ..errors import WorkflowError
from ..regions import RegionCode
from ._roles import Actor, Role

__all__ = ["Case", "CaseEvent", "CaseSource", "CaseState", "overdue_cases"]

_CASE_OPENERS: Final = frozenset({Role.TOWN_REVIEWER, Role.DEPT_REVIEWER, Role.FINANCE_APPROVER})


class CaseSource(StrEnum):
    """Where a case comes from."""

    FINDING = "finding"
    OBJECTION = "objection"
    OVERDUE = "overdue"
    RECOVERY = "recovery"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {
            "finding": "核查问题",
            "objection": "公示异议",
            "overdue": "超时未发",
            "recovery": "应追回",
        }[self.value]


class CaseState(StrEnum):
    """Where a case stands."""

    ASSIGNED = "assigned"
    FIXED = "fixed"
    VERIFIED = "verified"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {"assigned": "已交办", "fixed": "已整改", "verified": "已验收"}[self.value]


class CaseEvent(DomainModel):
    """One step of a case: who, when, what became of it, and the note."""

    actor: Actor
    at: _dt.datetime
    state: CaseState
    owner: Actor
    due: _dt.date
    note: Annotated[str, Field(max_length=1000)] = ""


class Case(DomainModel):
    """A rectification case and its history."""

    case_id: Annotated[str, Field(min_length=1, max_length=64)]
    source: CaseSource
    subject: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(min_length=1, max_length=1000)]
    region: RegionCode
    events: Annotated[tuple[CaseEvent, ...], Field(min_length=1)]

    @classmethod
    @checked(WorkflowError, "workflow")
    def open(
        cls,
        *,
        case_id: str,
        source: CaseSource | str,
        subject: str,
        description: str,
        region: str,
        owner: Actor,
        due: _dt.date,
        by: Actor,
        at: _dt.datetime,
    ) -> Case:
        """A new case assigned to ``owner``, opened by a reviewer of the region."""
        _aware(at)
        if by.role not in _CASE_OPENERS:
            raise WorkflowError(
                f"{by} 不能立案交办：须由乡镇审核、主管部门审核或财政审批办理",
                code="workflow.role",
            )
        for who in (by, owner):
            if not who.may_act_in(region):
                raise WorkflowError(
                    f"{who} 的辖区为 {who.region}，不能办理 {region} 的整改事项",
                    code="workflow.region",
                )
        if due < at.date():
            raise WorkflowError(
                f"整改期限 {due.isoformat()} 早于立案日期", code="workflow.case_due"
            )
        first = CaseEvent(actor=by, at=at, state=CaseState.ASSIGNED, owner=owner, due=due)
        return cls(
            case_id=case_id,
            source=source,
            subject=subject,
            description=description,
            region=region,
            events=(first,),
        )

    @property
    def state(self) -> CaseState:
        """The current state."""
        return self.events[-1].state

    @property
    def owner(self) -> Actor:
        """Who must fix it now."""
        return self.events[-1].owner

    @property
    def due(self) -> _dt.date:
        """By when."""
        return self.events[-1].due

    def _then(self, event: CaseEvent) -> Case:
        _aware(event.at)
        if event.at < self.events[-1].at:
            raise WorkflowError("操作时间早于上一步", code="workflow.clock")
        return self.model_copy(update={"events": (*self.events, event)})

    @checked(WorkflowError, "workflow")
    def fix(self, actor: Actor, *, at: _dt.datetime, note: str) -> Case:
        """The owner reports the case fixed (已整改), saying how."""
        self._expect(CaseState.ASSIGNED, "整改")
        if actor.actor_id != self.owner.actor_id:
            raise WorkflowError(
                f"整改事项 {self.case_id} 由 {self.owner} 负责，{actor} 不能报整改",
                code="workflow.case_owner",
            )
        if not note.strip():
            raise WorkflowError("报整改须说明整改情况", code="workflow.reason_missing")
        return self._then(
            CaseEvent(
                actor=actor, at=at, state=CaseState.FIXED, owner=self.owner, due=self.due, note=note
            )
        )

    @checked(WorkflowError, "workflow")
    def verify(self, actor: Actor, *, at: _dt.datetime, accepted: bool, note: str = "") -> Case:
        """Someone other than the owner accepts the fix (已验收) or sends the
        case back to the owner (已交办, with a note saying why)."""
        self._expect(CaseState.FIXED, "验收")
        if actor.actor_id == self.owner.actor_id:
            raise WorkflowError(
                f"{actor} 负责整改事项 {self.case_id}，不能自行验收",
                code="workflow.maker_checker",
            )
        if actor.role not in _CASE_OPENERS or not actor.may_act_in(self.region):
            raise WorkflowError(f"{actor} 不能验收 {self.region} 的整改事项", code="workflow.role")
        if not accepted and not note.strip():
            raise WorkflowError("退回整改须说明原因", code="workflow.reason_missing")
        state = CaseState.VERIFIED if accepted else CaseState.ASSIGNED
        return self._then(
            CaseEvent(actor=actor, at=at, state=state, owner=self.owner, due=self.due, note=note)
        )

    @checked(WorkflowError, "workflow")
    def assign(
        self, actor: Actor, owner: Actor, *, at: _dt.datetime, due: _dt.date, note: str = ""
    ) -> Case:
        """Give the open case to another owner, or a new due date."""
        self._expect(CaseState.ASSIGNED, "改派")
        if actor.role not in _CASE_OPENERS or not actor.may_act_in(self.region):
            raise WorkflowError(f"{actor} 不能改派 {self.region} 的整改事项", code="workflow.role")
        if not owner.may_act_in(self.region):
            raise WorkflowError(
                f"{owner} 的辖区为 {owner.region}，不能负责 {self.region} 的整改事项",
                code="workflow.region",
            )
        return self._then(
            CaseEvent(actor=actor, at=at, state=CaseState.ASSIGNED, owner=owner, due=due, note=note)
        )

    @checked(WorkflowError, "workflow")
    def days_late(self, on: _dt.date) -> int:
        """Days past the due date on ``on`` while not verified (0 if in time)."""
        if self.state is CaseState.VERIFIED or on <= self.due:
            return 0
        return (on - self.due).days

    def _expect(self, state: CaseState, what: str) -> None:
        if self.state is not state:
            raise WorkflowError(
                f"整改事项 {self.case_id} 当前为「{self.state.label}」，不能{what}",
                code="workflow.case_state",
            )


@checked(WorkflowError, "workflow")
def overdue_cases(cases: Iterable[Case], *, on: _dt.date) -> list[Case]:
    """The cases not verified by their due date, most late first."""
    late = [c for c in cases if c.days_late(on) > 0]
    return sorted(late, key=lambda c: (-c.days_late(on), c.case_id))


def _aware(at: _dt.datetime) -> None:
    if not isinstance(at, _dt.datetime) or at.tzinfo is None:
        raise WorkflowError("操作时间须为带时区的时间", code="workflow.clock")
