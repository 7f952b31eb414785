"""Which steps a policy's batches take, who takes them, and how long they may
take (流程配置)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Final

from pydantic import Field, field_validator

from .._arguments import checked
from .._model import DomainModel
from ..errors import WorkflowError
from ..policy import PayMode, SubsidyPolicy
from ._calendar import PayoutSchedule, TimeLimit
from ._roles import Role
from ._states import FORWARD, REVIEW_STEPS, Step

__all__ = ["LifecycleRules"]

_DECLARERS: Final = frozenset({Role.VILLAGE_CLERK, Role.DEPT_CLERK})


class LifecycleRules(DomainModel):
    """A policy's lifecycle configuration.

    ``town_review``: whether batches go through the township's review (初审);
    ``signatures``: how many different people must sign a review step (e.g.
    ``{"approve": 2}``: two approvers); ``pay_mode``: who approves and sends
    (财政直接发放: finance; 主管部门发放: the department); ``time_limit``: from
    approval to payment; ``schedule``: the batches a policy is expected to pay.

    >>> rules = LifecycleRules(time_limit=TimeLimit(days=15), signatures={"approve": 2})
    >>> [s.label for s in rules.steps()]
    ['申报', '初审', '审核', '审批', '发送', '回盘', '对账', '公示', '归档']
    >>> sorted(r.value for r in rules.roles_for(Step.APPROVE))
    ['finance_approver']
    """

    town_review: bool = True
    signatures: Mapping[Step, Annotated[int, Field(ge=1, le=5)]] = Field(default_factory=dict)
    pay_mode: PayMode = PayMode.FISCAL_DIRECT
    time_limit: TimeLimit
    schedule: PayoutSchedule | None = None

    @field_validator("signatures")
    @classmethod
    def _review_steps_only(cls, value: Mapping[Step, int]) -> Mapping[Step, int]:
        other = sorted(s.label for s in value if s not in REVIEW_STEPS)
        if other:
            raise ValueError(f"只有初审、审核、审批可要求多人签核，不能用于{'、'.join(other)}")
        return dict(value)

    @classmethod
    @checked(WorkflowError, "workflow")
    def for_policy(cls, policy: SubsidyPolicy, **changes: object) -> LifecycleRules:
        """Rules for ``policy``: its time limit (calendar days) and its
        frequency's schedule, changed by ``changes``."""
        data: dict[str, object] = {"time_limit": TimeLimit(days=policy.time_limit_days)}
        if policy.frequency.period_kind is not None:
            data["schedule"] = PayoutSchedule(frequency=policy.frequency)
        return cls.model_validate(data | changes)

    @checked(WorkflowError, "workflow")
    def steps(self) -> tuple[Step, ...]:
        """The forward steps of a batch, in order."""
        every = tuple(step for step, _ in FORWARD.values())  # in the order of the states
        return tuple(s for s in every if self.town_review or s is not Step.REVIEW)

    @checked(WorkflowError, "workflow")
    def signatures_for(self, step: Step) -> int:
        """How many different people must sign ``step``."""
        return self.signatures.get(step, 1)

    @checked(WorkflowError, "workflow")
    def roles_for(self, step: Step) -> frozenset[Role]:
        """The roles that may take ``step`` (退回 and 作废 are decided by the
        lifecycle: the role of the step the batch waits for)."""
        fiscal = self.pay_mode is PayMode.FISCAL_DIRECT
        sender = Role.FINANCE_APPROVER if fiscal else Role.DEPT_CLERK
        table: dict[Step, frozenset[Role]] = {
            Step.DECLARE: _DECLARERS,
            Step.REVIEW: frozenset({Role.TOWN_REVIEWER}),
            Step.VERIFY: frozenset({Role.DEPT_REVIEWER}),
            Step.APPROVE: frozenset({Role.FINANCE_APPROVER if fiscal else Role.DEPT_REVIEWER}),
            Step.SEND: frozenset({sender}),
            Step.RETURN: frozenset({Role.BANK, sender}),
            Step.RECONCILE: frozenset({sender, Role.DEPT_CLERK}),
            Step.DISCLOSE: frozenset({Role.VILLAGE_CLERK, Role.DEPT_CLERK}),
            Step.CLOSE: frozenset({Role.DEPT_REVIEWER}),
            Step.CANCEL: frozenset({Role.DEPT_REVIEWER, Role.FINANCE_APPROVER}),
        }
        return table.get(step, frozenset())
