"""Objections and requests (异议, 咨询, 投诉, 信息公开申请) received about a
disclosure or one of its items: the channel, the text, the status, the reply,
and the time limit for answering. An objection still open on an item stops
that item's payment (:func:`blocking_seqs`); one not answered by its due date
is overdue (:func:`unanswered`).

>>> import datetime as dt
>>> t = dt.datetime(2026, 3, 26, 10, tzinfo=dt.timezone.utc)
>>> o = Objection.receive(objection_id="YY-1", kind="objection", channel="phone",
...     batch_id="GS2", seq=7, text="此人已迁出本村", at=t)
>>> o.status.label, o.due.isoformat()
('已受理', '2026-04-10')
>>> o.answer(reply="经核实属实，已停发", upheld=True, by="李审核", at=t).status.label
'异议成立'
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Final

from pydantic import Field

from .._arguments import checked
from .._model import DomainModel
from ..codes import BatchId
from ..errors import DisclosureError

__all__ = [
    "Channel",
    "Objection",
    "ObjectionStatus",
    "RequestKind",
    "blocking_seqs",
    "unanswered",
]

#: Days to answer, from receipt (the deployment may set its own per objection).
DEFAULT_ANSWER_DAYS: Final = 15


class RequestKind(StrEnum):
    """What was received."""

    OBJECTION = "objection"
    CONSULTATION = "consultation"
    COMPLAINT = "complaint"
    INFORMATION = "information"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {
            "objection": "异议",
            "consultation": "咨询",
            "complaint": "投诉",
            "information": "信息公开申请",
        }[self.value]


class Channel(StrEnum):
    """How it was received."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    ONLINE = "online"
    LETTER = "letter"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {"in_person": "现场", "phone": "电话", "online": "网上", "letter": "信函"}[
            self.value
        ]


class ObjectionStatus(StrEnum):
    """Where it stands."""

    RECEIVED = "received"
    ANSWERED = "answered"
    UPHELD = "upheld"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {
            "received": "已受理",
            "answered": "已答复",
            "upheld": "异议成立",
            "rejected": "异议不成立",
        }[self.value]

    @property
    def is_open(self) -> bool:
        """Not answered yet."""
        return self is ObjectionStatus.RECEIVED


class Objection(DomainModel):
    """One objection or request, and its answer."""

    objection_id: Annotated[str, Field(min_length=1, max_length=64)]
    kind: RequestKind
    channel: Channel
    batch_id: BatchId
    seq: Annotated[int, Field(ge=1)] | None = None
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    received_at: _dt.datetime
    due: _dt.date
    status: ObjectionStatus = ObjectionStatus.RECEIVED
    reply: Annotated[str, Field(max_length=2000)] = ""
    answered_by: Annotated[str, Field(max_length=100)] = ""
    answered_at: _dt.datetime | None = None

    @classmethod
    @checked(DisclosureError, "disclosure")
    def receive(
        cls,
        *,
        objection_id: str,
        kind: RequestKind | str,
        channel: Channel | str,
        batch_id: str,
        text: str,
        at: _dt.datetime,
        seq: int | None = None,
        answer_days: int = DEFAULT_ANSWER_DAYS,
    ) -> Objection:
        """Receive it (已受理), due ``answer_days`` calendar days later."""
        if at.tzinfo is None:
            raise DisclosureError("受理时间须带时区", code="disclosure.clock")
        if not text.strip():
            raise DisclosureError("异议或申请的内容不能为空", code="disclosure.objection_text")
        if answer_days < 1:
            raise DisclosureError("答复时限须为正整数天", code="disclosure.objection_due")
        return cls(
            objection_id=objection_id,
            kind=kind,
            channel=channel,
            batch_id=batch_id,
            seq=seq,
            text=text,
            received_at=at,
            due=at.date() + _dt.timedelta(days=answer_days),
        )

    @checked(DisclosureError, "disclosure")
    def answer(
        self, *, reply: str, by: str, at: _dt.datetime, upheld: bool | None = None
    ) -> Objection:
        """Answer it: for an objection, ``upheld`` says whether it stands
        (异议成立: the item is not paid as it is) or not; other requests are
        答复 (``upheld`` must be None)."""
        if not self.status.is_open:
            raise DisclosureError(
                f"{self.kind.label} {self.objection_id} 已答复，不能再次答复",
                code="disclosure.objection_closed",
            )
        if not reply.strip() or not by.strip():
            raise DisclosureError("答复须写明答复内容和答复人", code="disclosure.objection_reply")
        if at.tzinfo is None or at < self.received_at:
            raise DisclosureError("答复时间须带时区，且不早于受理时间", code="disclosure.clock")
        if self.kind is RequestKind.OBJECTION:
            if upheld is None:
                raise DisclosureError(
                    "答复异议须说明异议是否成立", code="disclosure.objection_reply"
                )
            status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.REJECTED
        else:
            if upheld is not None:
                raise DisclosureError(
                    f"{self.kind.label}没有成立与否之分", code="disclosure.objection_reply"
                )
            status = ObjectionStatus.ANSWERED
        return self.model_copy(
            update={"status": status, "reply": reply, "answered_by": by, "answered_at": at}
        )

    @checked(DisclosureError, "disclosure")
    def days_late(self, on: _dt.date) -> int:
        """Days past the due date while unanswered (0 if answered or in time)."""
        if not self.status.is_open or on <= self.due:
            return 0
        return (on - self.due).days


@checked(DisclosureError, "disclosure")
def blocking_seqs(objections: Iterable[Objection], batch_id: str) -> frozenset[int]:
    """The items of ``batch_id`` whose payment an objection stops: one still
    open, or one upheld (the item must be dropped or corrected)."""
    return frozenset(
        o.seq
        for o in objections
        if str(o.batch_id) == batch_id
        and o.kind is RequestKind.OBJECTION
        and o.seq is not None
        and o.status in (ObjectionStatus.RECEIVED, ObjectionStatus.UPHELD)
    )


@checked(DisclosureError, "disclosure")
def unanswered(objections: Iterable[Objection], *, on: _dt.date) -> list[Objection]:
    """Objections and requests not answered by their due date, most late first."""
    late = [o for o in objections if o.days_late(on) > 0]
    return sorted(late, key=lambda o: (-o.days_late(on), o.objection_id))
