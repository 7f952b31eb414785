"""Random steps by random actors: the lifecycle's invariants always hold."""

from __future__ import annotations

import datetime as _dt
from functools import cache
from itertools import pairwise

from hypothesis import given, settings, target
from hypothesis import strategies as st

from ningxia_yikatong.checks import CheckContext, CheckReport, run_checks
from ningxia_yikatong.errors import WorkflowError
from ningxia_yikatong.payout import batch_digest
from ningxia_yikatong.policy import PayMode
from ningxia_yikatong.testing.planted import make_batch, make_id, make_item, make_policy
from ningxia_yikatong.workflow import (
    Actor,
    BatchState,
    ItemOverride,
    Lifecycle,
    LifecycleRules,
    Role,
    Step,
    TimeLimit,
)
from ningxia_yikatong.workflow._states import REVIEW_STEPS

DEAD = str(make_id("1940-01-01"))
CLEAN = make_batch([make_item(1), make_item(2)])
BLOCKED = make_batch([make_item(1), make_item(2, id_number=DEAD)])
DIGESTS = (batch_digest(CLEAN), batch_digest(BLOCKED))
REGIONS = ("640122100", "640122", "640000", "640181")
ACTORS = tuple(
    Actor(actor_id=f"{role.value}-{i}", name=f"{role.label}{i}", role=role, region=region)
    for role in Role
    for i, region in enumerate(REGIONS)
)
T0 = _dt.datetime(2026, 3, 1, 8, tzinfo=_dt.UTC)
_ORDER: list[BatchState] = [
    BatchState.CANCELLED,
    *(s for s in BatchState if s is not BatchState.CANCELLED),
]


@cache
def reports() -> dict[str, CheckReport]:
    """By content digest: the report of the clean batch, and of the one whose item 2 is blocked."""
    context = CheckContext.build(deaths={DEAD: "2020-01-01"}, prior_payouts=[], public_payroll=[])
    out = {}
    for batch in (CLEAN, BLOCKED):
        report = run_checks(batch, make_policy(), context)
        for rule, _ in report.blocking_missing_data:
            report = report.override(rule, reason="已核实", by="核定人")
        out[batch_digest(batch)] = report
    return out


#: One action: a step (None: one of the steps allowed now), whether the actor
#: is drawn among those of a fitting role or among everyone, which one, which
#: digest (mostly the declared one), and the report: clean, blocked, or blocked
#: with an override by the actor.
Action = tuple[Step | None, bool, int, str, int]
actions = st.lists(
    st.tuples(
        st.sampled_from([None] * len(Step) * 3 + list(Step)),
        st.sampled_from([True] * 5 + [False]),
        st.integers(0, 10_000),
        st.sampled_from(DIGESTS[:1] * 4 + DIGESTS[1:]),
        st.integers(0, 3),
    ),
    min_size=5,
    max_size=60,
)
rule_sets = st.builds(
    LifecycleRules,
    town_review=st.booleans(),
    signatures=st.dictionaries(st.sampled_from(sorted(REVIEW_STEPS)), st.integers(1, 2)),
    pay_mode=st.sampled_from(list(PayMode)),
    time_limit=st.just(TimeLimit(days=10)),
)


def _apply(life: Lifecycle, n: int, action: Action) -> Lifecycle:
    wanted, fit, which, digest, choice = action
    allowed = life.allowed_steps()
    if wanted is None and allowed:  # mostly the step forward, sometimes back or out
        wanted = allowed[0] if which % 4 else allowed[which // 4 % len(allowed)]
    step = wanted
    if step is None:
        return life
    roles = {role for s in Step for role in life.rules.roles_for(s) if s is step or not fit}
    if step in (Step.SEND_BACK, Step.CANCEL) or not roles:
        roles = set(Role)
    candidates = [a for a in ACTORS if a.role in roles] if fit else list(ACTORS)
    actor = candidates[which % len(candidates)]
    # the report of the content acted on, except for choice 1: the other content's
    other = DIGESTS[1] if digest == DIGESTS[0] else DIGESTS[0]
    report = reports()[other if choice == 1 else digest]
    overrides = (
        [ItemOverride(seq=2, reason="已核实本人健在", actor_id=actor.actor_id)]
        if choice >= 2
        else []
    )
    return life.apply(
        step,
        actor,
        at=T0 + _dt.timedelta(minutes=n),
        reason="退回原因" if step in (Step.SEND_BACK, Step.CANCEL) else None,
        batch_digest=digest,
        report=report if step is Step.APPROVE else None,
        overrides=overrides if step is Step.APPROVE else (),
        file_digest=DIGESTS[0] if step in (Step.SEND, Step.RETURN) else None,
        answers=DIGESTS[0] if step is Step.RETURN else None,
    )


def _check_invariants(life: Lifecycle) -> None:
    moves = life.transitions
    assert not moves or moves[0].before is BatchState.DRAFT
    # every change of state is a recorded step, and one leads into the next
    assert all(a.after is b.before for a, b in pairwise(moves))
    maker: Actor | None = None
    reviewers: dict[str, Step] = {}
    approvers: set[str] = set()
    approved_digest: str | None = None
    for t in moves:
        assert t.actor.may_act_in(life.region)
        if t.step is Step.DECLARE:
            maker, reviewers, approvers, approved_digest = t.actor, {}, set(), None
        if t.step in REVIEW_STEPS:
            assert maker is not None
            assert t.actor.actor_id != maker.actor_id  # maker ≠ checker
            assert reviewers.setdefault(t.actor.actor_id, t.step) is t.step
            if t.step is Step.APPROVE:
                approvers.add(t.actor.actor_id)
                if t.after is BatchState.APPROVED:
                    assert len(approvers) >= life.rules.signatures_for(Step.APPROVE)
                    approved_digest = t.batch_digest
        if t.step is Step.SEND:
            # nothing is sent without a valid approval of this very content
            assert approved_digest is not None
            assert t.batch_digest == approved_digest
            assert maker is not None
            assert maker.actor_id not in approvers
        if t.step is Step.SEND_BACK:
            maker = None
    if life.state in (BatchState.SENT, BatchState.RETURNED, BatchState.RECONCILED):
        assert life.approval is not None


@settings(max_examples=300, deadline=None)
@given(rules=rule_sets, steps=actions)
def test_random_steps_keep_the_invariants(rules: LifecycleRules, steps: list[Action]) -> None:
    life = Lifecycle(
        batch_id="B-TEST",
        policy_code="NX-TEST",
        period="2026-03",
        region="640122100",
        department="贺兰县民政局",
        rules=rules,
    )
    furthest = 0
    for n, action in enumerate(steps):
        try:
            life = _apply(life, n, action)
        except WorkflowError:
            continue
        _check_invariants(life)
        furthest = max(furthest, _ORDER.index(life.state))
    target(furthest, label="furthest state")  # steer the search towards sent and beyond
