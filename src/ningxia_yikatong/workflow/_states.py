"""The states of a batch (批次状态) and the steps between them (操作).

::

    草稿 draft ─申报→ 已申报 declared ─初审→ 已初审 reviewed ─审核→ 已审核 verified
      ─审批→ 已审批 approved ─发送→ 已发送 sent ─回盘→ 已回盘 returned
      ─对账→ 已对账 reconciled ─公示→ 已公示 disclosed ─归档→ 已归档 closed

A review step (初审, 审核, 审批) may send the batch back to draft (退回, with a
reason); before it is sent, a batch may be cancelled (作废). A policy without
the town step goes from 已申报 straight to 审核.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = ["BatchState", "Step"]


class BatchState(StrEnum):
    """Where a batch is in its lifecycle."""

    DRAFT = "draft"
    DECLARED = "declared"
    REVIEWED = "reviewed"
    VERIFIED = "verified"
    APPROVED = "approved"
    SENT = "sent"
    RETURNED = "returned"
    RECONCILED = "reconciled"
    DISCLOSED = "disclosed"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """Chinese name of the state."""
        return _STATE_LABELS[self]

    @property
    def is_final(self) -> bool:
        """Closed or cancelled: no step leads out."""
        return self in (BatchState.CLOSED, BatchState.CANCELLED)

    @property
    def is_paid(self) -> bool:
        """The bank has paid and answered (已回盘 or later, not cancelled)."""
        return self in _PAID


class Step(StrEnum):
    """What an actor does to a batch."""

    DECLARE = "declare"
    REVIEW = "review"
    VERIFY = "verify"
    APPROVE = "approve"
    SEND = "send"
    RETURN = "return"
    RECONCILE = "reconcile"
    DISCLOSE = "disclose"
    CLOSE = "close"
    SEND_BACK = "send_back"
    CANCEL = "cancel"

    @property
    def label(self) -> str:
        """Chinese name of the step."""
        return _STEP_LABELS[self]

    @property
    def is_review(self) -> bool:
        """初审, 审核 and 审批: the checker steps a maker may not take."""
        return self in REVIEW_STEPS


REVIEW_STEPS: Final = frozenset({Step.REVIEW, Step.VERIFY, Step.APPROVE})

_PAID: Final = frozenset(
    {BatchState.RETURNED, BatchState.RECONCILED, BatchState.DISCLOSED, BatchState.CLOSED}
)

#: The forward steps: from a state, the step that leaves it and where it leads.
FORWARD: Final[dict[BatchState, tuple[Step, BatchState]]] = {
    BatchState.DRAFT: (Step.DECLARE, BatchState.DECLARED),
    BatchState.DECLARED: (Step.REVIEW, BatchState.REVIEWED),
    BatchState.REVIEWED: (Step.VERIFY, BatchState.VERIFIED),
    BatchState.VERIFIED: (Step.APPROVE, BatchState.APPROVED),
    BatchState.APPROVED: (Step.SEND, BatchState.SENT),
    BatchState.SENT: (Step.RETURN, BatchState.RETURNED),
    BatchState.RETURNED: (Step.RECONCILE, BatchState.RECONCILED),
    BatchState.RECONCILED: (Step.DISCLOSE, BatchState.DISCLOSED),
    BatchState.DISCLOSED: (Step.CLOSE, BatchState.CLOSED),
}

#: States a batch may still be cancelled in (before it is sent).
CANCELLABLE: Final = frozenset(
    {
        BatchState.DRAFT,
        BatchState.DECLARED,
        BatchState.REVIEWED,
        BatchState.VERIFIED,
        BatchState.APPROVED,
    }
)

_STATE_LABELS: Final = {
    BatchState.DRAFT: "草稿",
    BatchState.DECLARED: "已申报",
    BatchState.REVIEWED: "已初审",
    BatchState.VERIFIED: "已审核",
    BatchState.APPROVED: "已审批",
    BatchState.SENT: "已发送",
    BatchState.RETURNED: "已回盘",
    BatchState.RECONCILED: "已对账",
    BatchState.DISCLOSED: "已公示",
    BatchState.CLOSED: "已归档",
    BatchState.CANCELLED: "已作废",
}

_STEP_LABELS: Final = {
    Step.DECLARE: "申报",
    Step.REVIEW: "初审",
    Step.VERIFY: "审核",
    Step.APPROVE: "审批",
    Step.SEND: "发送",
    Step.RETURN: "回盘",
    Step.RECONCILE: "对账",
    Step.DISCLOSE: "公示",
    Step.CLOSE: "归档",
    Step.SEND_BACK: "退回",
    Step.CANCEL: "作废",
}
