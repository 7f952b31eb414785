"""Who acts in ``yikatong demo`` and when: the named actors of each role (岗位),
the demo's calendar (演示日程) and the clock its lifecycle steps read.

The region-wide batches (640000, one per agent bank) are acted on by
region-level actors only: the 自治区民政厅's clerk (主管部门经办) and reviewer
(主管部门审核), two approvers of the 自治区财政厅 (财政审批, two signatures) and
the bank. The township batch of 贺兰县 is declared and disclosed by its
township's clerk (村/乡镇经办), reviewed by the township (乡镇审核), verified by
the county's 民政局 (主管部门审核) and approved by the county's 财政局.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Final

from ..workflow import Actor, Role

__all__ = [
    "APPROVE_DAY",
    "CLOSE_DAY",
    "DECLARE_DAY",
    "DEPT_CLERK",
    "DEPT_REVIEWER",
    "DISCLOSE_DAY",
    "FINANCE_APPROVERS",
    "OVERDUE_DAY",
    "PAY_DATE",
    "PERIOD",
    "RECONCILE_DAY",
    "REISSUE_APPROVE_DAY",
    "REISSUE_DATE",
    "REISSUE_DECLARE_DAY",
    "REISSUE_RECONCILE_DAY",
    "REISSUE_VERIFY_DAY",
    "REVIEW_DAY",
    "TOWN_COUNTY",
    "VERIFY_DAY",
    "DemoClock",
    "Town",
    "bank_actor",
    "town_actors",
    "unit_of",
]

PERIOD: Final = "2026-03"
#: The demo's calendar: the days each step of the March payout is taken on.
DECLARE_DAY: Final = _dt.date(2026, 3, 9)
VERIFY_DAY: Final = _dt.date(2026, 3, 11)
APPROVE_DAY: Final = _dt.date(2026, 3, 12)
PAY_DATE: Final = _dt.date(2026, 3, 20)
RECONCILE_DAY: Final = _dt.date(2026, 3, 21)
REISSUE_DECLARE_DAY: Final = _dt.date(2026, 3, 23)
REISSUE_VERIFY_DAY: Final = _dt.date(2026, 3, 24)
REISSUE_APPROVE_DAY: Final = _dt.date(2026, 3, 25)
REISSUE_DATE: Final = _dt.date(2026, 3, 27)
REISSUE_RECONCILE_DAY: Final = _dt.date(2026, 3, 28)
DISCLOSE_DAY: Final = _dt.date(2026, 3, 30)
CLOSE_DAY: Final = _dt.date(2026, 3, 31)
#: The day the overdue report is drawn up, past every due date of March.
OVERDUE_DAY: Final = _dt.date(2026, 4, 15)
#: The day of the post-payment review (事后专项核查), with newer reference data.
REVIEW_DAY: Final = _dt.date(2026, 4, 20)

#: China Standard Time, the zone every demo step is taken in.
CST: Final = _dt.timezone(_dt.timedelta(hours=8), "CST")

#: The county of the township batch (贺兰县).
TOWN_COUNTY: Final = "640122"

DEPT_CLERK: Final = Actor(
    actor_id="mzt.maxiaoyan", name="马晓燕", role=Role.DEPT_CLERK, region="640000"
)
DEPT_REVIEWER: Final = Actor(
    actor_id="mzt.lijianguo", name="李建国", role=Role.DEPT_REVIEWER, region="640000"
)
FINANCE_APPROVERS: Final = (
    Actor(actor_id="czt.wangzhiqiang", name="王志强", role=Role.FINANCE_APPROVER, region="640000"),
    Actor(actor_id="czt.zhangli", name="张丽", role=Role.FINANCE_APPROVER, region="640000"),
)
_UNITS: Final = {
    DEPT_CLERK.actor_id: "自治区民政厅",
    DEPT_REVIEWER.actor_id: "自治区民政厅",
    **{a.actor_id: "自治区财政厅" for a in FINANCE_APPROVERS},
}


@dataclass(frozen=True)
class Town:
    """The actors of the township batch: the township's clerk and reviewer,
    the county's department reviewer and finance approver."""

    clerk: Actor
    reviewer: Actor
    county_reviewer: Actor
    county_approver: Actor


def town_actors(township: str) -> Town:
    """The named actors of ``township`` (9 digits, in :data:`TOWN_COUNTY`)."""
    county = township[:6]
    return Town(
        clerk=Actor(
            actor_id=f"{township}.maxiulan", name="马秀兰", role=Role.VILLAGE_CLERK, region=township
        ),
        reviewer=Actor(
            actor_id=f"{township}.yangweidong",
            name="杨卫东",
            role=Role.TOWN_REVIEWER,
            region=township,
        ),
        county_reviewer=Actor(
            actor_id=f"{county}.mzj.zhouhaiyan",
            name="周海燕",
            role=Role.DEPT_REVIEWER,
            region=county,
        ),
        county_approver=Actor(
            actor_id=f"{county}.czj.liujianjun",
            name="刘建军",
            role=Role.FINANCE_APPROVER,
            region=county,
        ),
    )


def bank_actor(bank: str, name: str) -> Actor:
    """The agent bank's system (银行), answering for the whole region."""
    return Actor(actor_id=f"bank.{bank}", name=name, role=Role.BANK, region="640000")


def unit_of(actor: Actor) -> str:
    """The unit an actor works for, as the demo prints it."""
    known = _UNITS.get(actor.actor_id)
    if known is not None:
        return known
    if actor.role is Role.BANK:
        return "代发银行"
    place = actor.region.name
    if actor.role in (Role.VILLAGE_CLERK, Role.TOWN_REVIEWER):
        return f"{place}（乡镇 {actor.region}）"
    return f"{place}{'财政局' if actor.role is Role.FINANCE_APPROVER else '民政局'}"


class DemoClock:
    """The clock the demo's lifecycle steps read: the flow moves it to a day of
    its calendar (:meth:`on`), and each reading is one minute after the last,
    so every run prints the same times. It never goes back."""

    def __init__(self, day: _dt.date) -> None:
        self._now = _dt.datetime.combine(day, _dt.time(9), tzinfo=CST)

    def on(self, day: _dt.date, hour: int = 9) -> None:
        """Move to ``hour`` o'clock of ``day`` (or stay, when already later that day)."""
        if day < self._now.date():
            raise ValueError(f"demo clock at {self._now.isoformat()} cannot go back to {day}")
        moment = _dt.datetime.combine(day, _dt.time(hour), tzinfo=CST)
        self._now = max(self._now, moment)

    def __call__(self) -> _dt.datetime:
        self._now += _dt.timedelta(minutes=1)
        return self._now
