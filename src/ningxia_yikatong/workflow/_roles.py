"""Who acts on a batch: roles (角色) and actors (经办人员).

An actor has an id, a name, a role and a region (行政区划); it acts only on
batches of its region (a county actor on its county's and its towns' batches,
the region's finance department on every batch) and only in its role's steps.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Final

from pydantic import Field, field_validator

from .._arguments import checked_on_failure
from .._model import DomainModel
from ..errors import WorkflowError
from ..regions import RegionCode

__all__ = ["Actor", "Role"]


class Role(StrEnum):
    """The roles of the lifecycle (岗位)."""

    VILLAGE_CLERK = "village_clerk"
    TOWN_REVIEWER = "town_reviewer"
    DEPT_CLERK = "dept_clerk"
    DEPT_REVIEWER = "dept_reviewer"
    FINANCE_APPROVER = "finance_approver"
    BANK = "bank"

    @property
    def label(self) -> str:
        """Chinese name of the role."""
        return _ROLE_LABELS[self]


_ROLE_LABELS: Final = {
    Role.VILLAGE_CLERK: "村/乡镇经办",
    Role.TOWN_REVIEWER: "乡镇审核",
    Role.DEPT_CLERK: "主管部门经办",
    Role.DEPT_REVIEWER: "主管部门审核",
    Role.FINANCE_APPROVER: "财政审批",
    Role.BANK: "银行",
}


class Actor(DomainModel):
    """A person (or a bank's system) acting on batches.

    >>> a = Actor(actor_id="zhang.san", name="张三", role=Role.TOWN_REVIEWER, region="640122100")
    >>> a.may_act_in("640122100"), a.may_act_in("640122")
    (True, False)
    >>> str(a)
    '张三（乡镇审核，zhang.san）'
    """

    actor_id: Annotated[str, Field(min_length=1, max_length=64)]
    name: Annotated[str, Field(min_length=1, max_length=50)]
    role: Role
    region: RegionCode

    @field_validator("actor_id", "name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if value != value.strip() or not value:
            raise ValueError("不能为空，且首尾不能有空白")
        return value

    @checked_on_failure(WorkflowError, "workflow")
    def may_act_in(self, region: str) -> bool:
        """Whether a batch of ``region`` lies in this actor's region."""
        return self.region.contains(region)

    def __str__(self) -> str:
        return f"{self.name}（{self.role.label}，{self.actor_id}）"
