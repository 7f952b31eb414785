"""The payout lifecycle (发放流程): 申报→审核→审批→发放→公示→归档.

A batch moves through states (:class:`BatchState`) by steps (:class:`Step`)
that actors (:class:`Actor`) of the right role (:class:`Role`) and region take,
under its policy's :class:`LifecycleRules` (which steps, how many signatures,
pay mode, time limit, payout schedule). :class:`Lifecycle` holds one batch's
history and enforces separation of duties and the binding of an approval to
the batch's content and check report. :func:`overdue` lists what is late;
:func:`post_payment_review` re-checks what was paid and lists what to recover
(应追回); a :class:`Case` follows a problem through rectification (整改);
:func:`finance_feedback` is what a department that pays itself reports to
finance (发放信息反馈).
See ``docs/workflow.md``.
"""

from __future__ import annotations

from ._calendar import PayoutSchedule, TimeLimit, WorkCalendar
from ._cases import Case, CaseEvent, CaseSource, CaseState, overdue_cases
from ._feedback import FinanceFeedback, finance_feedback
from ._lifecycle import Approval, ItemOverride, Lifecycle, Transition, report_digest
from ._overdue import OverdueBatch, OverdueItem, overdue
from ._review import ELIGIBILITY_RULES, PostPaymentReview, Recovery, post_payment_review
from ._roles import Actor, Role
from ._rules import LifecycleRules
from ._states import BatchState, Step

__all__ = [
    "ELIGIBILITY_RULES",
    "Actor",
    "Approval",
    "BatchState",
    "Case",
    "CaseEvent",
    "CaseSource",
    "CaseState",
    "FinanceFeedback",
    "ItemOverride",
    "Lifecycle",
    "LifecycleRules",
    "OverdueBatch",
    "OverdueItem",
    "PayoutSchedule",
    "PostPaymentReview",
    "Recovery",
    "Role",
    "Step",
    "TimeLimit",
    "Transition",
    "WorkCalendar",
    "finance_feedback",
    "overdue",
    "overdue_cases",
    "post_payment_review",
    "report_digest",
]
