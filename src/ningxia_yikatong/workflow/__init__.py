"""The payout lifecycle (发放流程): 申报→审核→审批→发放→公示→归档.

A batch moves through states (:class:`BatchState`) by steps (:class:`Step`)
that actors (:class:`Actor`) of the right role (:class:`Role`) and region take,
under its policy's :class:`LifecycleRules` (which steps, how many signatures,
pay mode, time limit, payout schedule). :class:`Lifecycle` holds one batch's
history and enforces separation of duties and the binding of an approval to
the batch's content and check report. :func:`overdue` lists what is late.
See ``docs/workflow.md``.
"""

from __future__ import annotations

from ._calendar import PayoutSchedule, TimeLimit, WorkCalendar
from ._lifecycle import Approval, ItemOverride, Lifecycle, Transition, report_digest
from ._overdue import OverdueBatch, overdue
from ._roles import Actor, Role
from ._rules import LifecycleRules
from ._states import BatchState, Step

__all__ = [
    "Actor",
    "Approval",
    "BatchState",
    "ItemOverride",
    "Lifecycle",
    "LifecycleRules",
    "OverdueBatch",
    "PayoutSchedule",
    "Role",
    "Step",
    "TimeLimit",
    "Transition",
    "WorkCalendar",
    "overdue",
    "report_digest",
]
