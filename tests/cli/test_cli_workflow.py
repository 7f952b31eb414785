"""``yikatong batch declare … close|status|overdue``: the payout lifecycle from the
command line, on an SQLite ledger (the ``desk`` fixture, tests/cli/conftest.py)."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from ningxia_yikatong.ledger import DataKey, Ledger, PiiCipher
from ningxia_yikatong.workflow.store import LifecycleStore


def _store_of(desk: Any) -> tuple[Ledger, LifecycleStore]:
    cipher = PiiCipher(DataKey.from_file(desk.root / "data.key"))
    ledger = Ledger.open(f"sqlite:///{desk.root / 'yikatong-ledger.sqlite'}", cipher=cipher)
    return ledger, LifecycleStore(ledger)


def test_the_whole_lifecycle_from_the_command_line(desk: Any) -> None:
    bid = desk.bid
    desk.record()
    out = desk.ok("batch", "declare", bid, "--actor", "ma", "--no-town-review")
    assert "已建立批次 B-CLI 的流程：不经乡镇初审，审批 1 人签核，财政直接发放" in out
    assert "办理时限 10个自然日" in out
    assert "台账中的政策清单第1版" in out
    assert "马经办（主管部门经办，ma） 已办理「申报」，当前为「已申报」" in out
    assert "；可执行：审核、退回、作废" in out
    out = desk.ok("batch", "status", bid)
    assert "B-CLI（NX-SYNTH 2026-03，640000，自治区民政厅）：已申报" in out
    assert "可执行：审核、退回、作废" in out
    assert "自审批起算（尚未审批）" in out
    desk.ok("batch", "verify", bid, "--actor", "li")
    out = desk.ok("batch", "approve", bid, "--actor", "wang", "--report", "report.json")
    due = desk.today() + _dt.timedelta(days=10)
    assert "当前为「已审批」；可执行：发送、作废" in out
    assert f"应于 {due.isoformat()} 前发放" in out
    out = desk.ok(
        "batch", "send", bid, "--actor", "wang", "--batch", "b.json", "--payment-file", "pay.txt",
        "--key", "dept.pub.pem", "--bank-key", "bank.pub.pem",
    )  # fmt: skip
    assert f"代发文件摘要 {desk.run.payment_digest}" in out
    desk.ok(
        "batch", "return", bid, "--actor", "psbc", "--return-file", "back.txt",
        "--payment-file", "pay.txt", "--bank-key", "bank.pub.pem",
    )  # fmt: skip
    out = desk.ok(
        "batch", "reconcile", bid, "--actor", "ma", "--reconciliation", "rec.json",
        "--return-file", "back.txt", "--release-failed",
    )  # fmt: skip
    failed = desk.run.batch.count - len(desk.paid_seqs())
    assert f"失败 {failed} 笔" in out
    assert f"已释放发放失败明细的占用 {failed} 个" in out
    desk.ok("batch", "disclose", bid, "--actor", "ma")
    out = desk.ok("batch", "close", bid, "--actor", "li")
    assert "当前为「已归档」；可执行：无（流程已结束）" in out
    out = desk.ok("batch", "status", bid)
    for step in ("申报", "审核", "审批", "发送", "回盘", "对账", "公示", "归档"):
        assert f"「{step}」" in out, step
    assert "王审批（财政审批，wang）" in out
    assert f"应于 {due.isoformat()} 前发放" in out
    ledger, store = _store_of(desk)
    with ledger:
        life = store.lifecycle(bid)
        assert life.state.label == "已归档"
        assert [t.actor.actor_id for t in life.transitions] == [
            "ma", "li", "wang", "wang", "psbc", "ma", "ma", "li",
        ]  # fmt: skip
        assert ledger.reconciliations(bid)
        assert sum(ledger.claims_of(bid).values()) == len(desk.paid_seqs())
        assert ledger.audit.verify() is None
    assert "审计链完整" in desk.ok("ledger", "audit", "verify")


def test_a_step_not_allowed_now_names_the_steps_that_are(desk: Any) -> None:
    desk.record()
    desk.ok("batch", "declare", desk.bid, "--actor", "ma")
    out = desk.refused(
        "workflow.transition", "batch", "approve", desk.bid, "--actor", "wang", "--report",
        "report.json",
    )  # fmt: skip
    assert "批次 B-CLI 当前为「已申报」，不能「审批」；可执行：初审、退回、作废" in out
    out = desk.refused("workflow.role", "batch", "review", desk.bid, "--actor", "li")
    assert "此步须由乡镇审核办理" in out
    assert "Traceback" not in out


def test_who_acts_comes_from_the_staff_file(desk: Any) -> None:
    desk.record()
    out = desk.refused("cli.actor_unknown", "batch", "declare", desk.bid, "--actor", "nobody")
    assert "没有编号为 nobody 的人员" in out
    out = desk.refused("workflow.region", "batch", "declare", desk.bid, "--actor", "yang")
    assert "辖区为 640122，不能办理 640000 的批次" in out
    (desk.root / "other.json").write_text(
        json.dumps([{"actor_id": "ma", "name": "马经办", "role": "经办", "region": "640000"}]),
        encoding="utf-8",
    )
    out = desk.refused(
        "cli.actors_file", "batch", "declare", desk.bid, "--actor", "ma", "--actors", "other.json"
    )
    assert "第 1 项的岗位 '经办' 未知" in out
    assert "dept_clerk（主管部门经办）" in out
    twice = [{"actor_id": "ma", "name": "马经办", "role": "dept_clerk", "region": "640000"}] * 2
    (desk.root / "other.json").write_text(json.dumps(twice), encoding="utf-8")
    out = desk.refused(
        "cli.actors_file", "batch", "declare", desk.bid, "--actor", "ma", "--actors", "other.json"
    )
    assert "第 2 项的编号 ma 重复" in out
    (desk.root / "yikatong-actors.json").unlink()
    out = desk.refused("cli.actors_missing", "batch", "declare", desk.bid, "--actor", "ma")
    assert "YIKATONG_ACTORS" in out


def test_a_batch_must_be_recorded_first_and_the_rules_need_a_time_limit(desk: Any) -> None:
    out = desk.refused("ledger.batch_unknown", "batch", "declare", desk.bid, "--actor", "ma")
    assert "请先用 yikatong ledger record" in out
    out = desk.refused("workflow.lifecycle_unknown", "batch", "status", desk.bid)
    assert "尚未建立流程：请先用 yikatong batch declare" in out
    desk.record(catalog=False)
    out = desk.refused("cli.time_limit_missing", "batch", "declare", desk.bid, "--actor", "ma")
    assert "--time-limit" in out
    out = desk.ok(
        "batch", "declare", desk.bid, "--actor", "ma", "--time-limit", "5", "--working-days",
        "--approvals", "2",
    )  # fmt: skip
    assert "经乡镇初审，审批 2 人签核" in out
    assert "办理时限 5个工作日（时限取自--time-limit）" in out
    out = desk.ok("batch", "status", desk.bid)
    assert "办理时限 5个工作日，自审批起算（尚未审批）" in out
    desk.ok("batch", "send-back", desk.bid, "--actor", "zhou", "--reason", "期间有误")
    desk.refused(
        "cli.rules_fixed", "batch", "declare", desk.bid, "--actor", "ma", "--approvals", "1"
    )
    out = desk.ok("batch", "declare", desk.bid, "--actor", "ma", "--time-limit", "5")
    assert "已建立" not in out


def test_sent_back_then_declared_again_under_the_same_rules(desk: Any) -> None:
    desk.record()
    desk.ok("batch", "declare", desk.bid, "--actor", "ma")
    desk.ok("batch", "review", desk.bid, "--actor", "zhou")
    out = desk.refused(
        "workflow.reason_missing", "batch", "send-back", desk.bid, "--actor", "li", "--reason", " "
    )
    out = desk.ok("batch", "send-back", desk.bid, "--actor", "li", "--reason", "户籍信息待核实")
    assert "当前为「草稿」" in out
    out = desk.refused(
        "cli.rules_fixed", "batch", "declare", desk.bid, "--actor", "ma", "--no-town-review"
    )
    assert "规则不能更改" in out
    desk.ok("batch", "declare", desk.bid, "--actor", "ma")
    out = desk.ok("batch", "status", desk.bid)
    assert "原因：户籍信息待核实" in out
    assert "周初审（乡镇审核，zhou）" in out


def test_the_verifier_does_not_approve_when_the_department_pays(desk: Any) -> None:
    desk.record(pay_mode="主管部门发放")
    desk.ok("batch", "declare", desk.bid, "--actor", "ma", "--no-town-review")
    desk.ok("batch", "verify", desk.bid, "--actor", "li")
    out = desk.refused(
        "workflow.same_reviewer", "batch", "approve", desk.bid, "--actor", "li", "--report",
        "report.json",
    )  # fmt: skip
    assert "每一审核环节须由不同的人办理" in out
    out = desk.ok("batch", "approve", desk.bid, "--actor", "zhao", "--report", "report.json")
    assert "当前为「已审批」" in out
    out = desk.refused(
        "workflow.role", "batch", "send", desk.bid, "--actor", "wang", "--batch", "b.json",
        "--payment-file", "pay.txt", "--key", "dept.pub.pem",
    )  # fmt: skip
    assert "此步须由主管部门经办办理" in out


def test_two_approvers_sign_and_one_person_signs_once(desk: Any) -> None:
    desk.record()
    desk.ok("batch", "declare", desk.bid, "--actor", "ma", "--no-town-review", "--approvals", "2")
    desk.ok("batch", "verify", desk.bid, "--actor", "li")
    approve = ("batch", "approve", desk.bid, "--report", "report.json", "--actor")
    out = desk.ok(*approve, "wang")
    assert "当前为「已审核」（已签核 1/2 人，尚需另一人签核）" in out
    desk.refused("workflow.already_signed", *approve, "wang")
    out = desk.ok(*approve, "sun")
    assert "当前为「已审批」" in out


def test_blocked_items_are_approved_only_with_an_override(desk: Any) -> None:
    desk.record()
    dead = desk.id_of(3)
    desk.report(deaths={dead: _dt.date(2025, 12, 1)}).write(desk.root / "blocked.json")
    desk.ok("batch", "declare", desk.bid, "--actor", "ma", "--no-town-review")
    desk.ok("batch", "verify", desk.bid, "--actor", "li")
    approve = ("batch", "approve", desk.bid, "--actor", "wang", "--report", "blocked.json")
    out = desk.refused("workflow.blocked", *approve)
    assert "第 3 条有阻断问题" in out
    desk.refused("cli.override", *approve, "--override", "3")
    desk.refused("workflow.override", *approve, "--override", "4=无阻断")
    out = desk.ok(*approve, "--override", "3=经入户核实本人在世，死亡信息有误")
    assert "人工核定 1 条" in out
    assert "人工核定第 3 条" in desk.ok("batch", "status", desk.bid)


def test_a_changed_or_other_batch_is_not_sent(desk: Any) -> None:
    desk.approved()
    changed = desk.run.batch.model_copy(update={"payer_name": "另一个账户"})
    (desk.root / "changed.json").write_text(changed.model_dump_json(), encoding="utf-8")
    send = (
        "batch", "send", desk.bid, "--actor", "wang", "--payment-file", "pay.txt",
        "--key", "dept.pub.pem", "--batch",
    )  # fmt: skip
    out = desk.refused("workflow.approval_void", *send, "changed.json")
    assert "审批失效，须退回重新申报" in out
    other = desk.run.batch.model_copy(update={"batch_id": "B-OTHER"})
    (desk.root / "other.json").write_text(other.model_dump_json(), encoding="utf-8")
    desk.refused("cli.batch_mismatch", *send, "other.json")
    desk.ok(*send, "b.json")
    desk.refused(
        "workflow.return_mismatch", "batch", "return", desk.bid, "--actor", "psbc",
        "--return-file", "back.txt", "--payment-file", "back.txt", "--bank-key", "bank.pub.pem",
    )  # fmt: skip


def test_cancel_releases_the_claims(desk: Any) -> None:
    desk.approved()
    desk.refused("workflow.role", "batch", "cancel", desk.bid, "--actor", "ma", "--reason", "错")
    out = desk.ok("batch", "cancel", desk.bid, "--actor", "wang", "--reason", "资金未到位")
    assert "当前为「已作废」" in out
    ledger, _ = _store_of(desk)
    with ledger:
        assert not any(ledger.claims_of(desk.bid).values())


def test_overdue_lists_what_is_late_by_department_and_region(desk: Any) -> None:
    desk.approved()
    late_day = (desk.today() + _dt.timedelta(days=15)).isoformat()
    out = desk.ok("batch", "overdue", "--on", late_day)
    assert f"超时清单（截至 {late_day}，共 1 项）" in out
    assert "自治区民政厅 640000 批次 B-CLI（NX-SYNTH 2026-03，已审批）" in out
    assert "已超期 5 天" in out
    early = (desk.today() + _dt.timedelta(days=5)).isoformat()
    assert "没有超时的批次" in desk.ok("batch", "overdue", "--on", early)
    out = desk.ok("batch", "overdue", "--on", late_day, "--expected-from", "2026-01-01")
    assert "NX-SYNTH 2026-02：未申报批次" in out  # the monthly periods no batch covers
    assert "NX-SYNTH 2026-03：未申报" not in out
    (desk.root / "cal.json").write_text('{"holidays": [], "days": []}', encoding="utf-8")
    out = desk.refused("workflow.calendar", "batch", "overdue", "--calendar", "cal.json")
    assert "--calendar 指定的文件有误" in out
