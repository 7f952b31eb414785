"""What is late (超时): batches approved but not paid in time, and batches a
policy's schedule expected that were never declared (``overdue``)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .._arguments import checked
from ..codes import Period
from ..errors import WorkflowError
from ._calendar import WorkCalendar
from ._lifecycle import Lifecycle
from ._states import BatchState

__all__ = ["OverdueBatch", "OverdueItem", "overdue"]


@dataclass(frozen=True, slots=True)
class OverdueBatch:
    """A batch late to pay, or a period of the schedule with no batch
    (``batch_id`` is None): its due date and how late it is on the day asked."""

    policy_code: str
    period: str
    region: str
    department: str
    due: _dt.date
    days_late: int
    batch_id: str | None
    state: BatchState | None

    @property
    def what(self) -> str:
        """One Chinese line for the overdue list."""
        if self.batch_id is None:
            return (
                f"{self.department} {self.region} {self.policy_code} {self.period}："
                f"未申报批次，应于 {self.due.isoformat()} 前发放，已超期 {self.days_late} 天"
            )
        state = self.state.label if self.state is not None else ""
        return (
            f"{self.department} {self.region} 批次 {self.batch_id}"
            f"（{self.policy_code} {self.period}，{state}）："
            f"应于 {self.due.isoformat()} 前发放，已超期 {self.days_late} 天"
        )


@dataclass(frozen=True, slots=True)
class OverdueItem:
    """An item of a paid batch that the bank did not pay (failed, pending or
    not in the return) and no reissue has paid since, past the batch's due date."""

    batch_id: str
    seq: int
    amount: Decimal
    outcome: str
    region: str
    department: str
    due: _dt.date
    days_late: int

    @property
    def what(self) -> str:
        """One Chinese line for the overdue list."""
        return (
            f"{self.department} 批次 {self.batch_id} 第 {self.seq} 条（{self.amount:,.2f} 元，"
            f"{self.outcome}，尚未补发到账）：应于 {self.due.isoformat()} 前发放，"
            f"已超期 {self.days_late} 天"
        )


@checked(WorkflowError, "workflow")
def overdue(
    lifecycles: Iterable[Lifecycle],
    *,
    on: _dt.date,
    calendar: WorkCalendar | None = None,
    expected_from: _dt.date | None = None,
) -> list[OverdueBatch]:
    """Everything late on ``on``, sorted by department, region and due date.

    A batch is late when it was approved and is not paid (已回盘 or later) by
    its due date (its rules' time limit from approval). With ``expected_from``,
    each (policy, region) whose rules carry a schedule is also checked for the
    periods due between ``expected_from`` and ``on`` that no batch covers
    (cancelled batches do not count): those are late too.
    """
    found: list[OverdueBatch] = []
    groups: dict[tuple[str, str], list[Lifecycle]] = {}
    for life in lifecycles:
        groups.setdefault((str(life.policy_code), str(life.region)), []).append(life)
        due = life.due(calendar)
        if due is None or life.state.is_paid or life.state is BatchState.CANCELLED:
            continue
        late = life.rules.time_limit.days_late(due, on, calendar)
        if late > 0:
            found.append(
                OverdueBatch(
                    policy_code=str(life.policy_code),
                    period=str(life.period),
                    region=str(life.region),
                    department=life.department,
                    due=due,
                    days_late=late,
                    batch_id=str(life.batch_id),
                    state=life.state,
                )
            )
    if expected_from is not None:
        for (policy, region), lives in groups.items():
            schedule = lives[0].rules.schedule
            if schedule is None:
                continue
            covered = [life.period for life in lives if life.state is not BatchState.CANCELLED]
            for period, due in schedule.expected(expected_from, on):
                if due >= on or any(_overlaps(period, p) for p in covered):
                    continue
                found.append(
                    OverdueBatch(
                        policy_code=policy,
                        period=str(period),
                        region=region,
                        department=lives[0].department,
                        due=due,
                        days_late=(on - due).days,
                        batch_id=None,
                        state=None,
                    )
                )
    found.sort(key=lambda o: (o.department, o.region, o.due, o.batch_id or ""))
    return found


def _overlaps(a: Period, b: Period) -> bool:
    return a.start <= b.end and b.start <= a.end
