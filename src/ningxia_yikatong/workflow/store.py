"""The lifecycle stored in the ledger (发放流程台账).

:class:`LifecycleStore` keeps every batch's :class:`~ningxia_yikatong.workflow.Lifecycle`
in the ledger (``ledger`` extra) and makes each step atomic with what the
ledger does at that step, in one transaction with its audit event
(``workflow.<step>``):

* 审批 approve, when the last signature completes it, claims the batch's
  people (nobody paid twice: ``ledger.claim_overlap`` refuses the approval);
* 作废 cancel releases the claims;
* 发送 send records the payment file (digest, signing key) and is refused if
  the batch sent is not the content approved (``workflow.approval_void``);
* 回盘 return records the bank return, which must answer the file sent;
* 对账 reconcile records the reconciliation.

The content digest every review step is bound to is the ledger's digest of
the recorded batch, not one the caller supplies. Recoveries (追回) are added
against paid items, never replacing the payment; rectification cases (整改)
are stored with their events. The clock is injected (``clock=``) for tests.

>>> from ningxia_yikatong.workflow.store import LifecycleStore
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ..banks import BankAdapter, PaymentFile
from ..checks import CheckReport
from ..errors import LedgerError, WorkflowError
from ..ledger import Ledger, _reconciliations
from ..ledger._audit import canonical_digest
from ..ledger._schema import (
    batches,
    cases,
    items,
    lifecycle_steps,
    lifecycles,
    recoveries,
    reissues,
)
from ..ledger._transaction import LedgerWrite
from ..money import Amount
from ..payout import PayoutBatch, batch_digest
from ..reconcile import Outcome, ReconciliationReport
from ..signing import Signer
from ._calendar import WorkCalendar
from ._cases import Case
from ._lifecycle import ItemOverride, Lifecycle, Transition
from ._overdue import OverdueBatch, OverdueItem, overdue
from ._roles import Actor
from ._rules import LifecycleRules
from ._states import BatchState, Step

__all__ = ["LifecycleStore", "RecordedRecovery"]

Clock = Callable[[], _dt.datetime]


def _utc_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


@dataclass(frozen=True, slots=True)
class RecordedRecovery:
    """A recovery (追回) recorded against a paid item."""

    recovery_id: int
    batch_id: str
    seq: int
    amount: Decimal
    rule: str
    reason: str
    recorded_by: str
    recorded_at: _dt.datetime


class LifecycleStore:
    """Lifecycles, recoveries and cases in ``ledger``."""

    def __init__(self, ledger: Ledger, *, clock: Clock = _utc_now) -> None:
        if not isinstance(ledger, Ledger):
            raise WorkflowError("须提供台账（Ledger）", code="workflow.ledger")
        self._ledger = ledger
        self._clock = clock

    @property
    def ledger(self) -> Ledger:
        """The ledger the lifecycles are stored in."""
        return self._ledger

    # -- lifecycles --------------------------------------------------------------

    def start(
        self, batch_id: str, *, rules: LifecycleRules, department: str, actor: Actor
    ) -> Lifecycle:
        """Start the lifecycle (草稿) of a recorded batch."""
        at = self._now()

        def work(w: LedgerWrite) -> Lifecycle:
            record = w.record(batch_id)
            if self._row(w.conn, batch_id) is not None:
                raise WorkflowError(
                    f"批次 {batch_id} 的流程已建立", code="workflow.lifecycle_exists"
                )
            life = Lifecycle(
                batch_id=record.batch_id,
                policy_code=record.policy_code,
                period=record.period,
                region=_region_of(w.conn, batch_id),
                department=department,
                rules=rules,
                parent_batch_id=record.parent_batch_id,
            )
            w.conn.execute(
                lifecycles.insert().values(
                    batch_id=batch_id,
                    department=department,
                    rules=rules.model_dump_json(),
                    state=life.state.value,
                    steps=0,
                    recorded_by=actor.actor_id,
                    recorded_at=at,
                )
            )
            w.event(
                actor=actor.actor_id,
                action="workflow.start",
                object_kind="batch",
                object_id=batch_id,
                object_digest=canonical_digest(
                    {"batch_id": batch_id, "rules": json.loads(rules.model_dump_json())}
                ),
            )
            return life

        return self._ledger.transaction(work)

    def lifecycle(self, batch_id: str) -> Lifecycle:
        """The stored lifecycle of a batch (``workflow.lifecycle_unknown`` if none)."""
        with self._ledger.engine.connect() as conn:
            return self._load(conn, batch_id)

    def lifecycles(self) -> list[Lifecycle]:
        """Every stored lifecycle, by batch id."""
        with self._ledger.engine.connect() as conn:
            ids = conn.scalars(sa.select(lifecycles.c.batch_id).order_by(lifecycles.c.batch_id))
            return [self._load(conn, batch_id) for batch_id in list(ids)]

    def declare(self, batch_id: str, actor: Actor) -> Lifecycle:
        """申报: the batch as recorded, by a clerk."""
        return self._step(batch_id, Step.DECLARE, actor, digest=self._content_digest(batch_id))

    def review(self, batch_id: str, actor: Actor) -> Lifecycle:
        """初审 by the township's reviewer."""
        return self._step(batch_id, Step.REVIEW, actor, digest=self._content_digest(batch_id))

    def verify(self, batch_id: str, actor: Actor) -> Lifecycle:
        """审核 by the competent department's reviewer."""
        return self._step(batch_id, Step.VERIFY, actor, digest=self._content_digest(batch_id))

    def approve(
        self,
        batch_id: str,
        actor: Actor,
        *,
        report: CheckReport,
        overrides: Iterable[ItemOverride] = (),
    ) -> Lifecycle:
        """审批 against ``report``: each accepted signature records the report
        (once), and the one that completes the approval claims the batch's
        people, in the step's transaction."""
        digest = self._content_digest(batch_id)

        def claim(w: LedgerWrite, before: Lifecycle, after: Lifecycle) -> None:
            # The step accepted the report: it checked the content declared.
            w.record_check_report(report, batch_sha256=digest, actor=actor.actor_id)
            if after.state is BatchState.APPROVED:
                w.approve(batch_id, actor=actor.actor_id)

        return self._step(
            batch_id,
            Step.APPROVE,
            actor,
            digest=digest,
            then=claim,
            report=report,
            overrides=tuple(overrides),
        )

    def send(
        self,
        batch_id: str,
        actor: Actor,
        *,
        batch: PayoutBatch,
        file_digest: str,
        signing_key_fingerprint: str,
        bank_key_fingerprint: str | None = None,
    ) -> Lifecycle:
        """发送 the payment file rendered from ``batch``: refused if ``batch`` is
        not the content approved; records the file in the ledger."""
        if not isinstance(batch, PayoutBatch):
            raise WorkflowError("发送须提供所发送的批次", code="workflow.batch_missing")

        def record(w: LedgerWrite, before: Lifecycle, after: Lifecycle) -> None:
            w.record_payment_file(
                batch_id,
                digest=file_digest,
                signing_key_fingerprint=signing_key_fingerprint,
                bank_key_fingerprint=bank_key_fingerprint,
                actor=actor.actor_id,
            )

        return self._step(
            batch_id,
            Step.SEND,
            actor,
            digest=batch_digest(batch),
            then=record,
            file_digest=file_digest,
        )

    def render_and_send(
        self,
        batch_id: str,
        actor: Actor,
        *,
        batch: PayoutBatch,
        adapter: BankAdapter,
        signer: Signer,
        bank_key_fingerprint: str | None = None,
        created: _dt.date | None = None,
    ) -> PaymentFile:
        """发送, rendering the payment file: ``adapter`` renders ``batch`` and
        signs it with ``signer``; the file is recorded (SHA-256 of its bytes,
        the signing key's fingerprint) and returned for the embedding system to
        hand to the bank. Refused, and nothing rendered is recorded, when
        ``batch`` is not the content approved (``workflow.approval_void``)."""
        # The step's own checks (state, role, region, the approved content),
        # in memory, before the bank file is made; the send below checks again
        # in its transaction.
        self.lifecycle(batch_id).apply(
            Step.SEND, actor, at=self._now(), batch_digest=batch_digest(batch), file_digest="0" * 64
        )
        payment = adapter.render(batch, signer, created=created)
        self.send(
            batch_id,
            actor,
            batch=batch,
            file_digest=hashlib.sha256(payment.content).hexdigest(),
            signing_key_fingerprint=payment.key_fingerprint,
            bank_key_fingerprint=bank_key_fingerprint,
        )
        return payment

    def record_return(
        self,
        batch_id: str,
        actor: Actor,
        *,
        file_digest: str,
        payment_digest: str,
        verifying_key_fingerprint: str,
    ) -> Lifecycle:
        """回盘: the bank's return answering the payment file sent, recorded in the ledger."""

        def record(w: LedgerWrite, before: Lifecycle, after: Lifecycle) -> None:
            w.record_bank_return(
                batch_id,
                digest=file_digest,
                payment_digest=payment_digest,
                verifying_key_fingerprint=verifying_key_fingerprint,
                actor=actor.actor_id,
            )

        return self._step(
            batch_id,
            Step.RETURN,
            actor,
            then=record,
            file_digest=file_digest,
            answers=payment_digest,
        )

    def reconcile(
        self,
        batch_id: str,
        actor: Actor,
        *,
        report: ReconciliationReport,
        return_digests: Sequence[str],
    ) -> Lifecycle:
        """对账: the reconciliation against the recorded returns, recorded in the ledger."""

        def record(w: LedgerWrite, before: Lifecycle, after: Lifecycle) -> None:
            if report.batch_id != batch_id:
                raise WorkflowError(
                    f"对账结果属于批次 {report.batch_id}，不是 {batch_id}",
                    code="workflow.report_mismatch",
                )
            w.record_reconciliation(report, return_digests=return_digests, actor=actor.actor_id)

        return self._step(batch_id, Step.RECONCILE, actor, then=record)

    def disclose(self, batch_id: str, actor: Actor) -> Lifecycle:
        """公示: the batch's disclosure was published."""
        return self._step(batch_id, Step.DISCLOSE, actor)

    def close(self, batch_id: str, actor: Actor) -> Lifecycle:
        """归档."""
        return self._step(batch_id, Step.CLOSE, actor)

    def send_back(self, batch_id: str, actor: Actor, reason: str) -> Lifecycle:
        """退回 to draft, with a reason."""
        return self._step(batch_id, Step.SEND_BACK, actor, reason=reason)

    def cancel(self, batch_id: str, actor: Actor, reason: str) -> Lifecycle:
        """作废 before sending; the ledger releases the batch's claims."""

        def release(w: LedgerWrite, before: Lifecycle, after: Lifecycle) -> None:
            w.cancel(batch_id, reason, actor=actor.actor_id)

        return self._step(batch_id, Step.CANCEL, actor, then=release, reason=reason)

    def overdue(
        self,
        *,
        on: _dt.date,
        calendar: WorkCalendar | None = None,
        expected_from: _dt.date | None = None,
    ) -> list[OverdueBatch]:
        """What is late on ``on`` over every stored lifecycle (see :func:`overdue`)."""
        return overdue(self.lifecycles(), on=on, calendar=calendar, expected_from=expected_from)

    def overdue_items(
        self, *, on: _dt.date, calendar: WorkCalendar | None = None
    ) -> list[OverdueItem]:
        """The items of reconciled batches not paid by their due date: what the
        batch's last reconciliation left failed, pending or missing, less what a
        reissue (补发, followed through every round) has paid since."""
        found: list[OverdueItem] = []
        with self._ledger.engine.connect() as conn:
            for life in self.lifecycles():
                if life.parent_batch_id is not None or life.state is BatchState.CANCELLED:
                    continue
                due = life.due(calendar)
                if due is None:
                    continue
                late = life.rules.time_limit.days_late(due, on, calendar)
                unpaid = _unpaid(conn, str(life.batch_id))
                if late <= 0 or not unpaid:
                    continue
                found.extend(
                    OverdueItem(
                        batch_id=str(life.batch_id),
                        seq=seq,
                        amount=amount,
                        outcome=outcome.label,
                        region=str(life.region),
                        department=life.department,
                        due=due,
                        days_late=late,
                    )
                    for seq, (amount, outcome) in sorted(unpaid.items())
                )
        return found

    # -- recoveries ----------------------------------------------------------------

    def record_recovery(
        self, batch_id: str, seq: int, amount: Amount, *, rule: str, reason: str, actor: Actor
    ) -> RecordedRecovery:
        """Record a recovery (追回) against a paid item: the payment stays as it
        was; what was recovered of the item in all may not exceed what was paid
        (``workflow.recovery_exceeds``)."""
        amount = Amount(amount)
        if not reason.strip():
            raise WorkflowError("追回须说明原因", code="workflow.reason_missing")
        at = self._now()

        def work(w: LedgerWrite) -> RecordedRecovery:
            life = self._load(w.conn, batch_id)
            if not life.state.is_paid:
                raise WorkflowError(
                    f"批次 {batch_id} 当前为「{life.state.label}」，尚未发放，不能追回",
                    code="workflow.transition",
                )
            paid = w.conn.scalar(
                sa.select(items.c.amount_fen).where(
                    items.c.batch_id == batch_id, items.c.seq == seq
                )
            )
            if paid is None:
                raise WorkflowError(f"批次 {batch_id} 没有第 {seq} 条", code="workflow.seq_unknown")
            outcome = _outcome_of(w.conn, batch_id, seq)
            if outcome is not None and outcome is not Outcome.PAID:
                raise WorkflowError(
                    f"批次 {batch_id} 第 {seq} 条对账结果为「{outcome.label}」，未发放，不能追回",
                    code="workflow.recovery_unpaid",
                )
            before = int(
                w.conn.scalar(
                    sa.select(sa.func.coalesce(sa.func.sum(recoveries.c.amount_fen), 0)).where(
                        recoveries.c.batch_id == batch_id, recoveries.c.seq == seq
                    )
                )
                or 0
            )
            fen = amount.to_fen()
            if before + fen > paid:
                raise WorkflowError(
                    f"批次 {batch_id} 第 {seq} 条已发 {Amount.from_fen(paid)} 元，"
                    f"已追回 {Decimal(before) / 100:.2f} 元，不能再追回 {amount} 元",
                    code="workflow.recovery_exceeds",
                )
            values = {
                "batch_id": batch_id,
                "seq": seq,
                "amount_fen": fen,
                "rule": rule,
                "reason": reason,
                "recorded_by": actor.actor_id,
                "recorded_at": at,
            }
            new_id = w.conn.execute(recoveries.insert().values(**values)).inserted_primary_key
            assert new_id is not None
            w.event(
                actor=actor.actor_id,
                action="workflow.recovery",
                object_kind="item",
                object_id=f"{batch_id}#{seq}",
                object_digest=canonical_digest(
                    {"batch_id": batch_id, "seq": seq, "amount": str(amount), "rule": rule}
                ),
            )
            return RecordedRecovery(
                recovery_id=int(new_id[0]),
                batch_id=batch_id,
                seq=seq,
                amount=amount,
                rule=rule,
                reason=reason,
                recorded_by=actor.actor_id,
                recorded_at=at,
            )

        return self._ledger.transaction(work)

    def recoveries(self, batch_id: str) -> list[RecordedRecovery]:
        """The recoveries recorded against the batch's items, in the order recorded."""
        with self._ledger.engine.connect() as conn:
            rows = conn.execute(
                sa.select(recoveries)
                .where(recoveries.c.batch_id == batch_id)
                .order_by(recoveries.c.recovery_id)
            )
            return [
                RecordedRecovery(
                    recovery_id=r.recovery_id,
                    batch_id=r.batch_id,
                    seq=r.seq,
                    amount=Amount.from_fen(r.amount_fen),
                    rule=r.rule,
                    reason=r.reason,
                    recorded_by=r.recorded_by,
                    recorded_at=_aware(r.recorded_at),
                )
                for r in rows
            ]

    # -- cases ---------------------------------------------------------------------

    def save_case(self, case: Case) -> Case:
        """Store a new case, or the new events of a stored one (each an audit
        event); a stored case's history cannot be rewritten
        (``workflow.case_conflict``)."""
        if not isinstance(case, Case):
            raise WorkflowError("须提供整改事项（Case）", code="workflow.case_type")

        def work(w: LedgerWrite) -> Case:
            row = w.conn.execute(
                sa.select(cases.c.content).where(cases.c.case_id == case.case_id)
            ).first()
            known = 0
            if row is not None:
                stored = Case.model_validate_json(row.content)
                known = len(stored.events)
                if case.events[:known] != stored.events or (
                    case.model_copy(update={"events": stored.events}) != stored
                ):
                    raise WorkflowError(
                        f"整改事项 {case.case_id} 与台账中的记录不一致，已有的记录不能改写",
                        code="workflow.case_conflict",
                    )
            values = {
                "source": case.source.value,
                "region": str(case.region),
                "state": case.state.value,
                "owner_id": case.owner.actor_id,
                "due": case.due,
                "events": len(case.events),
                "content": case.model_dump_json(),
            }
            if row is None:
                w.conn.execute(cases.insert().values(case_id=case.case_id, **values))
            else:
                w.conn.execute(
                    cases.update().where(cases.c.case_id == case.case_id).values(**values)
                )
            for event in case.events[known:]:
                w.event(
                    actor=event.actor.actor_id,
                    action=f"case.{event.state.value}",
                    object_kind="case",
                    object_id=case.case_id,
                    object_digest=canonical_digest(json.loads(event.model_dump_json())),
                )
            return case

        return self._ledger.transaction(work)

    def case(self, case_id: str) -> Case:
        """A stored case (``workflow.case_unknown`` if none)."""
        with self._ledger.engine.connect() as conn:
            content = conn.scalar(sa.select(cases.c.content).where(cases.c.case_id == case_id))
        if content is None:
            raise WorkflowError(f"台账中没有整改事项 {case_id}", code="workflow.case_unknown")
        return Case.model_validate_json(content)

    def cases(self) -> list[Case]:
        """Every stored case, by id."""
        with self._ledger.engine.connect() as conn:
            rows = conn.scalars(sa.select(cases.c.content).order_by(cases.c.case_id))
            return [Case.model_validate_json(c) for c in rows]

    # -- internals -----------------------------------------------------------------

    def _now(self) -> _dt.datetime:
        at = self._clock()
        if not isinstance(at, _dt.datetime) or at.tzinfo is None:
            raise WorkflowError("时钟须给出带时区的时间", code="workflow.clock")
        return at

    def _content_digest(self, batch_id: str) -> str:
        record = self._ledger.record(batch_id)
        if record.digest_algorithm == "sha256":
            return record.digest
        return batch_digest(self._ledger.batch(batch_id))

    @staticmethod
    def _row(conn: sa.Connection, batch_id: str, *, lock: bool = False) -> Any:
        query = sa.select(lifecycles).where(lifecycles.c.batch_id == batch_id)
        if lock and conn.dialect.name == "postgresql":
            query = query.with_for_update()
        found = conn.execute(query).first()
        return None if found is None else found._mapping

    def _load(self, conn: sa.Connection, batch_id: str, *, lock: bool = False) -> Lifecycle:
        row = self._row(conn, batch_id, lock=lock)
        if row is None:
            raise WorkflowError(f"批次 {batch_id} 尚未建立流程", code="workflow.lifecycle_unknown")
        record = self._ledger._recorded_in(conn, batch_id)
        steps = conn.scalars(
            sa.select(lifecycle_steps.c.content)
            .where(lifecycle_steps.c.batch_id == batch_id)
            .order_by(lifecycle_steps.c.n)
        )
        return Lifecycle(
            batch_id=record.batch_id,
            policy_code=record.policy_code,
            period=record.period,
            region=_region_of(conn, batch_id),
            department=row["department"],
            rules=LifecycleRules.model_validate_json(row["rules"]),
            parent_batch_id=record.parent_batch_id,
            transitions=tuple(Transition.model_validate_json(s) for s in steps),
        )

    def _step(
        self,
        batch_id: str,
        step: Step,
        actor: Actor,
        *,
        digest: str | None = None,
        then: Callable[[LedgerWrite, Lifecycle, Lifecycle], None] | None = None,
        reason: str | None = None,
        report: CheckReport | None = None,
        overrides: tuple[ItemOverride, ...] = (),
        file_digest: str | None = None,
        answers: str | None = None,
    ) -> Lifecycle:
        at = self._now()

        def work(w: LedgerWrite) -> Lifecycle:
            before = self._load(w.conn, batch_id, lock=True)
            after = before.apply(
                step,
                actor,
                at=at,
                reason=reason,
                batch_digest=digest,
                report=report,
                overrides=overrides,
                file_digest=file_digest,
                answers=answers,
            )
            move = after.transitions[-1]
            n = len(before.transitions) + 1
            updated = w.conn.execute(
                lifecycles.update()
                .where(lifecycles.c.batch_id == batch_id, lifecycles.c.steps == n - 1)
                .values(state=after.state.value, steps=n)
            ).rowcount
            if updated != 1:
                raise WorkflowError(
                    f"批次 {batch_id} 的流程已被他人更新，请重新读取后再办理",
                    code="workflow.concurrent",
                )
            content = move.model_dump_json()
            w.conn.execute(
                lifecycle_steps.insert().values(
                    batch_id=batch_id,
                    n=n,
                    step=step.value,
                    actor_id=actor.actor_id,
                    at=at,
                    state_before=move.before.value,
                    state_after=move.after.value,
                    content=content,
                )
            )
            if then is not None:
                then(w, before, after)
            w.event(
                actor=actor.actor_id,
                action=f"workflow.{step.value}",
                object_kind="batch",
                object_id=batch_id,
                object_digest=canonical_digest(json.loads(content)),
            )
            return after

        return self._ledger.transaction(work)


def _aware(at: _dt.datetime) -> _dt.datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=_dt.UTC)


def _region_of(conn: sa.Connection, batch_id: str) -> str:
    region = conn.scalar(sa.select(batches.c.region).where(batches.c.batch_id == batch_id))
    if region is None:
        raise LedgerError(f"台账中没有批次 {batch_id}", code="ledger.batch_unknown")
    return str(region)


def _unpaid(conn: sa.Connection, batch_id: str) -> dict[int, tuple[Decimal, Outcome]]:
    """Seq to (amount, outcome) of the batch's items its last reconciliation did
    not find paid, less those a reissue (and its own reissues) paid since."""
    recorded = _reconciliations.latest(conn, batch_id)
    if recorded is None:
        return {}
    unpaid: dict[int, tuple[Decimal, Outcome]] = {
        item.seq: (item.amount, item.outcome)
        for item in recorded.report.items
        if item.outcome is not Outcome.PAID
    }
    children = conn.execute(
        sa.select(reissues.c.batch_id, reissues.c.origin).where(
            reissues.c.parent_batch_id == batch_id
        )
    ).all()
    for child, origin_text in children:
        if _reconciliations.latest(conn, child) is None:
            continue  # not reconciled yet: none of its items is known paid
        origin = json.loads(origin_text)
        child_unpaid = _unpaid(conn, child)
        for j, parent_seq in enumerate(origin, 1):
            if j not in child_unpaid:
                unpaid.pop(parent_seq, None)
    return unpaid


def _outcome_of(conn: sa.Connection, batch_id: str, seq: int) -> Outcome | None:
    recorded = _reconciliations.latest(conn, batch_id)
    if recorded is None:
        return None
    for item in recorded.report.items:
        if item.seq == seq:
            return item.outcome
    return None
