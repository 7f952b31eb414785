"""``yikatong case open|list|assign|fix|verify``: rectification cases stored in the
ledger (the ``desk`` fixture, tests/cli/conftest.py)."""

from __future__ import annotations

import datetime as _dt
from typing import Any


def test_a_case_from_opening_to_verification(desk: Any) -> None:
    due = (desk.today() + _dt.timedelta(days=10)).isoformat()
    opening = (
        "case", "open", "ZG-1", "--source", "recovery", "--subject", "B-CLI#3",
        "--description", "死亡人员仍在册，须追回", "--region", "640000", "--owner", "ma",
        "--due", due,
    )  # fmt: skip
    out = desk.refused("workflow.role", *opening, "--actor", "ma")
    assert "不能立案交办" in out
    desk.refused(
        "cli.actor_unknown", *opening[:-2], "--owner", "nobody", "--due", due, "--actor", "li"
    )
    out = desk.ok(*opening, "--actor", "li")
    assert (
        f"整改事项 ZG-1（应追回：B-CLI#3）：已交办，负责人 马经办（主管部门经办，ma），期限 {due}"
        in out
    )
    desk.refused("cli.case_exists", *opening, "--actor", "li")
    out = desk.ok("case", "list")
    assert "ZG-1" in out
    late_day = (desk.today() + _dt.timedelta(days=13)).isoformat()
    out = desk.ok("case", "list", "--overdue", "--on", late_day)
    assert "共 1 项" in out
    assert "│ 3" in out
    assert "没有超期未验收的整改事项" in desk.ok("case", "list", "--overdue")
    desk.refused("workflow.case_owner", "case", "fix", "ZG-1", "--actor", "li", "--note", "已追回")
    desk.refused("workflow.case_state", "case", "verify", "ZG-1", "--actor", "li", "--accept")
    later = (desk.today() + _dt.timedelta(days=20)).isoformat()
    out = desk.ok("case", "assign", "ZG-1", "--actor", "li", "--owner", "zhao", "--due", later)
    assert "负责人 赵审核（主管部门审核，zhao）" in out
    assert "没有超期" in desk.ok("case", "list", "--overdue", "--on", late_day)
    desk.ok("case", "fix", "ZG-1", "--actor", "zhao", "--note", "已停发并追回 100.00 元")
    out = desk.refused(
        "workflow.maker_checker", "case", "verify", "ZG-1", "--actor", "zhao", "--accept"
    )
    assert "不能自行验收" in out
    desk.refused("workflow.reason_missing", "case", "verify", "ZG-1", "--actor", "li", "--reject")
    desk.refused("cli.option", "case", "verify", "ZG-1", "--actor", "li")
    out = desk.ok("case", "verify", "ZG-1", "--actor", "li", "--reject", "--note", "未附追回凭证")
    assert "已交办" in out
    desk.ok("case", "fix", "ZG-1", "--actor", "zhao", "--note", "已附追回凭证")
    out = desk.ok("case", "verify", "ZG-1", "--actor", "wang", "--accept")
    assert "已验收" in out
    assert "已验收" in desk.ok("case", "list", "--state", "verified")
    assert "没有整改事项" in desk.ok("case", "list", "--state", "fixed")
    desk.refused("workflow.case_unknown", "case", "fix", "ZG-2", "--actor", "zhao", "--note", "x")
    assert "审计链完整" in desk.ok("ledger", "audit", "verify")
