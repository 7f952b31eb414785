"""One batch's lifecycle (批次流程): its state, and every step taken on it.

A :class:`Lifecycle` is immutable: :meth:`Lifecycle.apply` checks a step
against the rules and returns the lifecycle with the step appended as a
:class:`Transition`, or raises :class:`~ningxia_yikatong.errors.WorkflowError`
with a stable code. The rules it enforces:

* a step is allowed only in its state (``workflow.transition`` names the
  steps that are), and none after 已归档 or 已作废;
* an actor takes only its role's steps (``workflow.role``) and only on
  batches of its region (``workflow.region``);
* maker ≠ checker: whoever declared the batch neither reviews, verifies,
  approves nor sends it back (``workflow.maker_checker``), and one person
  signs at most one review step of a declaration (``workflow.same_reviewer``);
  a step that needs two signatures needs two people (``workflow.already_signed``);
* every review step is bound to the content digest that was declared
  (``workflow.content_changed``); the approval is bound to the batch digest
  and the check report's digest, and sending a batch whose digest differs
  from the approved one is refused (``workflow.approval_void``);
* blocking findings stop approval unless each blocked item is overridden
  with a reason by someone other than the maker (``workflow.blocked``,
  ``workflow.override``); missing reference data must have been overridden in
  the check report;
* a return must answer the payment file that was sent (``workflow.return_mismatch``).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Iterable, Sequence
from typing import Annotated, Final

from pydantic import Field, field_validator

from .._arguments import checked
from .._model import DomainModel
from ..checks import CheckReport
from ..codes import BatchId, Period, PolicyCode
from ..errors import WorkflowError
from ..payout import PayoutBatch
from ..regions import RegionCode
from ..signing._digest import digest as _digest
from ._calendar import WorkCalendar
from ._roles import Actor
from ._rules import LifecycleRules
from ._states import CANCELLABLE, FORWARD, REVIEW_STEPS, BatchState, Step

__all__ = ["Approval", "ItemOverride", "Lifecycle", "Transition", "report_digest"]

_HEX64: Final = re.compile(r"[0-9a-f]{64}")
_SEND_BACK_FROM: Final = frozenset({BatchState.DECLARED, BatchState.REVIEWED, BatchState.VERIFIED})


@checked(WorkflowError, "workflow")
def report_digest(report: CheckReport) -> str:
    """SHA-256 of the check report's canonical JSON (keys sorted, no spaces):
    what an approval is bound to."""
    text = json.dumps(report.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return _digest(text.encode(), "sha256")


def _check_digest(value: str | None, what: str) -> str:
    if value is None:
        raise WorkflowError(f"须提供{what}", code="workflow.digest_missing")
    if _HEX64.fullmatch(value) is None:
        raise WorkflowError(f"{what}应为64位小写十六进制", code="workflow.digest")
    return value


class ItemOverride(DomainModel):
    """An item paid although a blocking finding was raised on it (人工核定):
    which item, why, and who decided."""

    seq: Annotated[int, Field(ge=1)]
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    actor_id: Annotated[str, Field(min_length=1, max_length=64)]

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("核定理由不能为空白")
        return value


class Transition(DomainModel):
    """One step taken on a batch (what the audit trail records)."""

    step: Step
    actor: Actor
    at: _dt.datetime
    before: BatchState
    after: BatchState
    reason: str | None = None
    batch_digest: str | None = None
    report_digest: str | None = None
    file_digest: str | None = None
    overrides: tuple[ItemOverride, ...] = ()


class Approval(DomainModel):
    """The completed approval of the batch (审批记录): what it is bound to, who
    signed, and the items paid by override."""

    batch_digest: str
    report_digest: str
    signers: tuple[Actor, ...]
    overrides: tuple[ItemOverride, ...]
    at: _dt.datetime


class Lifecycle(DomainModel):
    """The lifecycle of one batch under its policy's :class:`LifecycleRules`.

    >>> from ningxia_yikatong.workflow import Actor, LifecycleRules, Role, TimeLimit
    >>> life = Lifecycle(batch_id="B1", policy_code="NX-DIBAO", period="2026-03",
    ...                  region="640122", department="银川市民政局",
    ...                  rules=LifecycleRules(time_limit=TimeLimit(days=10)))
    >>> life.state.label, [s.label for s in life.allowed_steps()]
    ('草稿', ['申报', '作废'])
    """

    batch_id: BatchId
    policy_code: PolicyCode
    period: Period
    region: RegionCode
    department: Annotated[str, Field(min_length=1, max_length=100)]
    rules: LifecycleRules
    parent_batch_id: BatchId | None = None
    transitions: tuple[Transition, ...] = ()

    @classmethod
    @checked(WorkflowError, "workflow")
    def of(cls, batch: PayoutBatch, *, department: str, rules: LifecycleRules) -> Lifecycle:
        """A new lifecycle (草稿) for ``batch``."""
        return cls(
            batch_id=batch.batch_id,
            policy_code=batch.policy_code,
            period=batch.period,
            region=batch.region,
            department=department,
            rules=rules,
            parent_batch_id=batch.parent_batch_id,
        )

    # -- reading -----------------------------------------------------------------

    @property
    def state(self) -> BatchState:
        """The current state."""
        return self.transitions[-1].after if self.transitions else BatchState.DRAFT

    def _round(self) -> Sequence[Transition]:
        """The transitions since the last declaration (empty before one)."""
        for i in range(len(self.transitions) - 1, -1, -1):
            if self.transitions[i].step is Step.DECLARE:
                return self.transitions[i:]
        return ()

    @property
    def maker(self) -> Actor | None:
        """Who declared the batch as it stands (None before a declaration)."""
        current = self._round()
        return current[0].actor if current and self.state is not BatchState.DRAFT else None

    @property
    def declared_digest(self) -> str | None:
        """The content digest declared (None in draft)."""
        current = self._round()
        return current[0].batch_digest if current and self.state is not BatchState.DRAFT else None

    def _signers(self, step: Step) -> list[Transition]:
        return [t for t in self._round() if t.step is step]

    @property
    def approval(self) -> Approval | None:
        """The completed approval of the current declaration, if any."""
        if self.state in (BatchState.DRAFT, BatchState.CANCELLED):
            return None
        signed = self._signers(Step.APPROVE)
        if not signed or signed[-1].after is not BatchState.APPROVED:
            return None
        last = signed[-1]
        assert last.batch_digest is not None
        assert last.report_digest is not None
        return Approval(
            batch_digest=last.batch_digest,
            report_digest=last.report_digest,
            signers=tuple(t.actor for t in signed),
            overrides=tuple(o for t in signed for o in t.overrides),
            at=last.at,
        )

    @checked(WorkflowError, "workflow")
    def approval_valid_for(self, batch_digest: str) -> bool:
        """Whether the approval holds for a batch of ``batch_digest`` (a change
        after approval voids it)."""
        approval = self.approval
        return approval is not None and approval.batch_digest == batch_digest

    @property
    def sent_file_digest(self) -> str | None:
        """Digest of the payment file sent, if sent."""
        sent = self._signers(Step.SEND)
        return sent[-1].file_digest if sent else None

    def _forward(self) -> tuple[Step, BatchState] | None:
        state = self.state
        if state is BatchState.DECLARED and not self.rules.town_review:
            return Step.VERIFY, BatchState.VERIFIED
        return FORWARD.get(state)

    @checked(WorkflowError, "workflow")
    def allowed_steps(self) -> tuple[Step, ...]:
        """The steps the batch may take now."""
        state = self.state
        if state.is_final:
            return ()
        out: list[Step] = []
        forward = self._forward()
        if forward is not None:
            out.append(forward[0])
        if state in _SEND_BACK_FROM:
            out.append(Step.SEND_BACK)
        if state in CANCELLABLE:
            out.append(Step.CANCEL)
        return tuple(out)

    @checked(WorkflowError, "workflow")
    def due(self, calendar: WorkCalendar | None = None) -> _dt.date | None:
        """The last day to pay, counted from the approval (None before it)."""
        approval = self.approval
        if approval is None:
            return None
        return self.rules.time_limit.due(approval.at.date(), calendar)

    # -- acting ------------------------------------------------------------------

    @checked(WorkflowError, "workflow")
    def apply(
        self,
        step: Step | str,
        actor: Actor,
        *,
        at: _dt.datetime,
        reason: str | None = None,
        batch_digest: str | None = None,
        report: CheckReport | None = None,
        overrides: Iterable[ItemOverride] = (),
        file_digest: str | None = None,
        answers: str | None = None,
    ) -> Lifecycle:
        """This lifecycle with ``step`` taken by ``actor`` at ``at``.

        ``batch_digest``: the content digest of the batch the actor acts on
        (申报, 初审, 审核, 审批, 发送); ``report`` and ``overrides``: the check
        report and the item overrides (审批); ``file_digest``: the payment file
        (发送) or the return file (回盘), ``answers`` the payment file digest a
        return answers; ``reason``: for 退回 and 作废.
        """
        step = _step(step)
        if not isinstance(actor, Actor):
            raise WorkflowError("操作人须为 Actor", code="workflow.actor")
        if not isinstance(at, _dt.datetime) or at.tzinfo is None:
            raise WorkflowError("操作时间须为带时区的时间", code="workflow.clock")
        state = self.state
        if step not in self.allowed_steps():
            allowed = "、".join(s.label for s in self.allowed_steps()) or "无（流程已结束）"
            raise WorkflowError(
                f"批次 {self.batch_id} 当前为「{state.label}」，不能「{step.label}」；"
                f"可执行：{allowed}",
                code="workflow.transition",
            )
        if self.transitions and at < self.transitions[-1].at:
            raise WorkflowError(
                f"操作时间 {at.isoformat()} 早于上一步（{self.transitions[-1].at.isoformat()}）",
                code="workflow.clock",
            )
        self._check_actor(step, actor)
        new_overrides = tuple(overrides)
        fields: dict[str, object] = {}
        after = self._after(step)
        if step in (Step.SEND_BACK, Step.CANCEL):
            if reason is None or not reason.strip():
                raise WorkflowError(f"「{step.label}」须说明原因", code="workflow.reason_missing")
            fields["reason"] = reason
        if step is Step.DECLARE:
            fields["batch_digest"] = _check_digest(batch_digest, "批次内容摘要")
        elif step in REVIEW_STEPS:
            fields["batch_digest"] = self._bound_digest(step, batch_digest)
            if step is Step.APPROVE:
                fields["report_digest"] = self._check_report(report, new_overrides)
                fields["overrides"] = new_overrides
            signed = {t.actor.actor_id for t in self._signers(step)} | {actor.actor_id}
            if len(signed) < self.rules.signatures_for(step):
                after = state  # a signature of several: the step is not complete yet
        elif new_overrides or report is not None:
            raise WorkflowError("核定与比对报告只在「审批」时提供", code="workflow.override")
        if step is Step.SEND:
            given = _check_digest(batch_digest, "批次内容摘要")
            if not self.approval_valid_for(given):
                raise WorkflowError(
                    f"批次 {self.batch_id} 的内容在审批后已改变（摘要 {given[:16]}…），审批失效，"
                    "须退回重新申报",
                    code="workflow.approval_void",
                )
            fields["batch_digest"] = given
            fields["file_digest"] = _check_digest(file_digest, "支付文件摘要")
        if step is Step.RETURN:
            sent = self.sent_file_digest
            if _check_digest(answers, "回盘所对应的支付文件摘要") != sent:
                raise WorkflowError(
                    f"回盘文件对应的支付文件（{str(answers)[:16]}…）不是本批次发送的文件"
                    f"（{str(sent)[:16]}…）",
                    code="workflow.return_mismatch",
                )
            fields["file_digest"] = _check_digest(file_digest, "回盘文件摘要")
        move = Transition(step=step, actor=actor, at=at, before=state, after=after, **fields)
        return self.model_copy(update={"transitions": (*self.transitions, move)})

    def _after(self, step: Step) -> BatchState:
        if step is Step.SEND_BACK:
            return BatchState.DRAFT
        if step is Step.CANCEL:
            return BatchState.CANCELLED
        forward = self._forward()
        assert forward is not None
        assert forward[0] is step
        return forward[1]

    def _check_actor(self, step: Step, actor: Actor) -> None:
        maker = self.maker
        if step is Step.SEND_BACK:
            forward = self._forward()
            assert forward is not None
            roles = self.rules.roles_for(forward[0])
        elif step is Step.CANCEL:
            roles = self.rules.roles_for(Step.CANCEL)
            if (
                maker is not None
                and actor.actor_id == maker.actor_id
                and self.state in (BatchState.DECLARED,)
            ):
                roles = roles | {maker.role}
            if self.state is BatchState.DRAFT:
                roles = roles | self.rules.roles_for(Step.DECLARE)
        else:
            roles = self.rules.roles_for(step)
        if actor.role not in roles:
            allowed = "、".join(sorted(r.label for r in roles))
            raise WorkflowError(
                f"{actor} 不能「{step.label}」批次 {self.batch_id}：此步须由{allowed}办理",
                code="workflow.role",
            )
        if not actor.may_act_in(self.region):
            raise WorkflowError(
                f"{actor} 的辖区为 {actor.region}，不能办理 {self.region} 的批次 {self.batch_id}",
                code="workflow.region",
            )
        is_maker = maker is not None and actor.actor_id == maker.actor_id
        if is_maker and (step in REVIEW_STEPS or step is Step.SEND_BACK):
            raise WorkflowError(
                f"{actor} 申报了批次 {self.batch_id}，不能再「{step.label}」（经办与审核须分离）",
                code="workflow.maker_checker",
            )
        if step in REVIEW_STEPS:
            for t in self._round():
                if t.step in REVIEW_STEPS and t.actor.actor_id == actor.actor_id:
                    if t.step is step:
                        raise WorkflowError(
                            f"{actor} 已签核过批次 {self.batch_id} 的「{step.label}」，"
                            "须由另一人签核",
                            code="workflow.already_signed",
                        )
                    raise WorkflowError(
                        f"{actor} 已办理批次 {self.batch_id} 的「{t.step.label}」，"
                        f"不能再「{step.label}」（每一审核环节须由不同的人办理）",
                        code="workflow.same_reviewer",
                    )

    def _bound_digest(self, step: Step, batch_digest: str | None) -> str:
        given = _check_digest(batch_digest, "批次内容摘要")
        declared = self.declared_digest
        if given != declared:
            raise WorkflowError(
                f"批次 {self.batch_id} 的内容与申报时不同（申报摘要 {str(declared)[:16]}…，"
                f"现为 {given[:16]}…），不能「{step.label}」，须退回重新申报",
                code="workflow.content_changed",
            )
        return given

    def _check_report(self, report: CheckReport | None, new: tuple[ItemOverride, ...]) -> str:
        if not isinstance(report, CheckReport):
            raise WorkflowError("审批须提供本批次的比对报告", code="workflow.report_missing")
        if report.batch_id != str(self.batch_id):
            raise WorkflowError(
                f"比对报告属于批次 {report.batch_id}，不是 {self.batch_id}",
                code="workflow.report_mismatch",
            )
        declared = self.declared_digest
        if report.batch_digest != declared:
            checked = "未载明" if report.batch_digest is None else f"为 {report.batch_digest[:16]}…"
            raise WorkflowError(
                f"比对报告所比对的批次内容摘要{checked}，不是申报的内容（{str(declared)[:16]}…），"
                "须对申报的批次重新比对",
                code="workflow.report_mismatch",
            )
        digest = report_digest(report)
        earlier = self._signers(Step.APPROVE)
        if earlier and earlier[0].report_digest != digest:
            raise WorkflowError(
                "比对报告与前一位审批人签核时不同，须基于同一份报告审批",
                code="workflow.report_changed",
            )
        if report.failures:
            rules = "、".join(sorted({f.rule for f in report.failures}))
            raise WorkflowError(f"比对规则未能完成（{rules}），不能审批", code="workflow.blocked")
        if report.blocking_missing_data:
            rules = "、".join(r for r, _ in report.blocking_missing_data)
            raise WorkflowError(
                f"缺少参考数据（{rules}）且未豁免，不能审批", code="workflow.blocked"
            )
        maker = self.maker
        every = (*[o for t in earlier for o in t.overrides], *new)
        seen: set[int] = set()
        for o in every:
            if maker is not None and o.actor_id == maker.actor_id:
                raise WorkflowError(
                    f"第 {o.seq} 条的人工核定由申报人 {maker.name} 作出，须由他人核定",
                    code="workflow.maker_checker",
                )
            if o.seq not in report.blocked_seqs:
                raise WorkflowError(
                    f"第 {o.seq} 条没有阻断问题，无需人工核定", code="workflow.override"
                )
            if o.seq in seen:
                raise WorkflowError(f"第 {o.seq} 条已人工核定过", code="workflow.override")
            seen.add(o.seq)
        open_blocks = sorted(report.blocked_seqs - seen)
        if open_blocks:
            shown = "、".join(map(str, open_blocks[:10])) + ("……" if len(open_blocks) > 10 else "")
            raise WorkflowError(
                f"第 {shown} 条有阻断问题，须剔除或逐条人工核定后才能审批"
                f"（共{len(open_blocks)}条）",
                code="workflow.blocked",
            )
        return digest


def _step(value: Step | str) -> Step:
    try:
        return Step(value)
    except ValueError:
        known = "、".join(s.value for s in Step)
        raise WorkflowError(
            f"未知的操作 {value!r}（可用：{known}）", code="workflow.step"
        ) from None
