"""The rule protocol, the rule registry and the engine that runs the rules.

A rule is prepared once per batch (:meth:`Rule.begin`), which is where it
picks the reference data it needs and works out its thresholds; it returns a
:class:`RuleRun` whose ``check`` sees each item once, and whose optional
``finish`` reports what only the whole batch shows (one account used by
several people). The engine makes one pass over the items, calling every
rule's ``check`` on each.

Rules are found through the entry-point group ``ningxia_yikatong.checks``; the
built-in rules register there too, so a department's own rule is loaded the same
way (see docs/checks.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from typing import Final, Protocol, runtime_checkable

from .._arguments import checked
from .._plugins import load_entry_points
from ..errors import CheckError
from ..identity import mask_id_number
from ..payout import PayoutBatch, PayoutItem, batch_digest
from ..policy import SubsidyPolicy
from ._context import CheckContext
from ._model import Finding, MissingDataOverride, Problem, RuleFailure, Severity
from ._report import CheckReport, RuleOutcome, RuleStatus

__all__ = [
    "ENTRY_POINT_GROUP",
    "FunctionRule",
    "Rule",
    "RuleRun",
    "RuleSet",
    "default_rules",
    "item_rule",
    "load_rules",
    "run_checks",
]

#: Entry-point group of check rules.
ENTRY_POINT_GROUP: Final = "ningxia_yikatong.checks"

_RULE_CODE: Final = re.compile(r"[a-z][a-z0-9_.]{1,47}")

ItemCheck = Callable[[PayoutItem], Problem | None]
Finish = Callable[[], Iterable[tuple[PayoutItem, Problem]]]


@dataclass(frozen=True, slots=True)
class RuleRun:
    """A rule prepared for one batch.

    ``check`` is called once per item and returns a :class:`Problem` or None;
    ``finish`` is called after the last item and yields ``(item, problem)``
    pairs for findings that need the whole batch. ``missing_data`` names the
    reference data a rule would need and the context lacks: alone, the rule
    did not run (缺少参考数据); with ``check`` or ``finish``, it ran on what it
    had and the data is missing for the rest (部分缺少数据, e.g. items without
    the 是否一卡通 flag). Either way the report lists it, and a blocking rule's
    missing data stops the batch unless overridden.
    """

    check: ItemCheck | None = None
    finish: Finish | None = None
    missing_data: str | None = None


@runtime_checkable
class Rule(Protocol):
    """A cross-check (比对规则).

    ``code`` is stable (it names the rule in reports, severity settings and its
    entry point); ``title`` is a short Chinese name; ``default_severity`` applies
    unless the deployment or the policy sets another.
    """

    @property
    def code(self) -> str:
        """Stable code, e.g. ``"deceased"``."""
        ...

    @property
    def title(self) -> str:
        """Short Chinese name, e.g. ``"死亡人员"``."""
        ...

    @property
    def default_severity(self) -> Severity:
        """Severity when nothing overrides it."""
        ...

    def begin(
        self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext
    ) -> RuleRun | None:
        """Prepare for ``batch``; None when the rule does not apply to it."""
        ...


@dataclass(frozen=True, slots=True)
class FunctionRule:
    """A rule made of a function of one item (see :func:`item_rule`)."""

    code: str
    title: str
    default_severity: Severity
    func: Callable[[PayoutItem, PayoutBatch, SubsidyPolicy, CheckContext], Problem | None]
    applies: Callable[[PayoutBatch, SubsidyPolicy, CheckContext], bool] | None = None

    def begin(
        self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext
    ) -> RuleRun | None:
        """A run calling the function on each item, if the rule applies."""
        if self.applies is not None and not self.applies(batch, policy, context):
            return None
        func = self.func

        def check(item: PayoutItem) -> Problem | None:
            return func(item, batch, policy, context)

        return RuleRun(check=check)


def item_rule(
    code: str,
    title: str,
    severity: Severity = Severity.BLOCK,
    *,
    applies: Callable[[PayoutBatch, SubsidyPolicy, CheckContext], bool] | None = None,
) -> Callable[
    [Callable[[PayoutItem, PayoutBatch, SubsidyPolicy, CheckContext], Problem | None]],
    FunctionRule,
]:
    """Make a rule of a function ``(item, batch, policy, context) -> Problem | None``.

    >>> @item_rule("memo_missing", "缺少摘要", Severity.INFO)
    ... def memo_missing(item, batch, policy, context):
    ...     return None if item.memo else Problem("未填写摘要，请补充")
    >>> memo_missing.code, memo_missing.default_severity
    ('memo_missing', <Severity.INFO: 'info'>)
    """
    _check_code(code)

    def wrap(
        func: Callable[[PayoutItem, PayoutBatch, SubsidyPolicy, CheckContext], Problem | None],
    ) -> FunctionRule:
        return FunctionRule(code, title, severity, func, applies)

    return wrap


def _check_code(code: object) -> str:
    if not isinstance(code, str) or _RULE_CODE.fullmatch(code) is None:
        raise CheckError(
            f"比对规则编码无效：{code!r}，应为2至48位小写字母、数字、下划线或点，以字母开头",
            code="check.rule_code",
        )
    return code


def _check_rule(obj: object) -> Rule:
    """The rule an entry point provides: a rule object, or a class to instantiate."""
    if isinstance(obj, type):
        obj = obj()
    if not isinstance(obj, Rule):
        raise CheckError(
            f"{type(obj).__name__} 不是比对规则（需要 code、title、default_severity 和 begin）",
            code="check.rule_type",
        )
    _check_code(obj.code)
    if not isinstance(obj.default_severity, Severity):
        raise CheckError(
            f"比对规则 {obj.code} 的默认严重程度无效：{obj.default_severity!r}",
            code="check.rule_type",
        )
    return obj


@dataclass(frozen=True)
class RuleSet:
    """Rules in the order they run, and the entry points that failed to load.

    A rule that failed to load is a failed rule in every report made with the
    set, so that a check a department relies on cannot go missing unnoticed.
    """

    rules: tuple[Rule, ...]
    failures: tuple[RuleFailure, ...] = ()

    @property
    def codes(self) -> tuple[str, ...]:
        """The rules' codes, in order."""
        return tuple(r.code for r in self.rules)

    def get(self, code: str) -> Rule:
        """The rule with this code (``check.rule_unknown`` otherwise)."""
        for rule in self.rules:
            if rule.code == code:
                return rule
        raise CheckError(f"没有编码为 {code} 的比对规则", code="check.rule_unknown")

    def without(self, *codes: str) -> RuleSet:
        """This set without the named rules (each must exist)."""
        for code in codes:
            self.get(code)
        return RuleSet(tuple(r for r in self.rules if r.code not in codes), self.failures)

    def only(self, *codes: str) -> RuleSet:
        """Only the named rules, in this set's order (load failures kept)."""
        for code in codes:
            self.get(code)
        return RuleSet(tuple(r for r in self.rules if r.code in codes), self.failures)

    def plus(self, *rules: Rule) -> RuleSet:
        """This set with more rules after it (codes must stay unique)."""
        added = tuple(_check_rule(r) for r in rules)
        codes = set(self.codes)
        for rule in added:
            if rule.code in codes:
                raise CheckError(f"比对规则编码 {rule.code} 重复", code="check.rule_duplicate")
            codes.add(rule.code)
        return RuleSet(self.rules + added, self.failures)


@checked(CheckError, "check")
def load_rules(
    *,
    entry_points: Iterable[metadata.EntryPoint] | None = None,
    blocked: Iterable[str] = (),
) -> RuleSet:
    """Load the rules registered in ``ningxia_yikatong.checks``.

    The entry point's name must equal the rule's code. Built-in rules missing
    from the installed metadata (a stale install) are added from the package
    itself, unless ``blocked``: a check must never be skipped for want of
    metadata. ``entry_points`` replaces the installed ones (tests pass fakes).
    """
    from ._rules import BUILTIN_RULES  # noqa: PLC0415 - the rules import this module

    blocked = frozenset(blocked)
    loaded, failed = load_entry_points(
        ENTRY_POINT_GROUP, entry_points=entry_points, blocked=blocked
    )
    failures = [
        RuleFailure(f.name, f.name, "load", f"{f.error}（{f.distribution or '未知来源'}）")
        for f in failed
    ]
    rules: list[Rule] = []
    for plugin in loaded:
        try:
            rule = _check_rule(plugin.obj)
            if rule.code != plugin.name:
                raise CheckError(
                    f"入口点名称 {plugin.name} 与规则编码 {rule.code} 不一致",
                    code="check.rule_code",
                )
        except CheckError as exc:
            failures.append(RuleFailure(plugin.name, plugin.name, "load", exc.message))
            continue
        rules.append(rule)
    present = {r.code for r in rules} | {f.rule for f in failures}
    missing = [r for r in BUILTIN_RULES if r.code not in present and r.code not in blocked]
    builtin_order = {r.code: n for n, r in enumerate(BUILTIN_RULES)}
    ordered = sorted(
        [*rules, *missing], key=lambda r: builtin_order.get(r.code, len(builtin_order))
    )
    return RuleSet(tuple(ordered), tuple(failures))


@cache
def default_rules() -> RuleSet:
    """The installed rules, loaded once per process."""
    return load_rules()


_LONG_NUMBER: Final = re.compile(r"\d{12,}[0-9Xx]?")


def _scrub(text: str) -> str:
    """Mask long digit runs (ID and account numbers) in an error text."""
    return _LONG_NUMBER.sub(lambda m: mask_id_number(m.group()), text)


def _describe(exc: BaseException) -> str:
    return _scrub(f"{type(exc).__name__}: {exc}")[:500]


@checked(CheckError, "check")
def run_checks(
    batch: PayoutBatch,
    policy: SubsidyPolicy,
    context: CheckContext | None = None,
    *,
    rules: RuleSet | Sequence[Rule] | None = None,
    accept_missing: Iterable[MissingDataOverride] = (),
) -> CheckReport:
    """Check ``batch`` against ``policy`` and ``context``; never raises for a rule.

    A rule that raises (preparing, on an item, or finishing) is recorded as a
    failed rule and stops being called; its earlier findings and every other
    rule's findings are kept. ``rules`` defaults to :func:`default_rules`.
    ``accept_missing`` records decisions to proceed without a rule's reference
    data (as :meth:`CheckReport.override` does); one for a rule that lacked no
    data is a ``check.override`` error.
    """
    if policy.code != batch.policy_code:
        raise CheckError(
            f"批次 {batch.batch_id} 属于政策 {batch.policy_code}，不是 {policy.code}",
            code="check.policy_mismatch",
        )
    ctx = context if context is not None else CheckContext()
    if rules is None:
        rule_set = default_rules()
    elif isinstance(rules, RuleSet):
        rule_set = rules
    else:
        rule_set = RuleSet(()).plus(*rules)
    failures = list(rule_set.failures)
    severities: list[Severity] = []
    status: list[RuleStatus] = []
    sinks: list[list[tuple[PayoutItem, Problem]]] = []
    active: list[tuple[int, ItemCheck]] = []
    finishers: list[tuple[int, Finish]] = []
    missing: list[tuple[str, str]] = []
    for index, rule in enumerate(rule_set.rules):
        severities.append(ctx.overrides.severity(rule.code, policy.code, rule.default_severity))
        sinks.append([])
        try:
            run = rule.begin(batch, policy, ctx)
        except Exception as exc:  # a broken rule must not lose the others' findings
            failures.append(RuleFailure(rule.code, rule.title, "begin", _describe(exc)))
            status.append(RuleStatus.FAILED)
            continue
        if run is None:
            status.append(RuleStatus.NOT_APPLICABLE)
            continue
        if run.missing_data is not None:
            missing.append((rule.code, run.missing_data))
            if run.check is None and run.finish is None:
                status.append(RuleStatus.NO_DATA)
                continue
            status.append(RuleStatus.PARTIAL)
        else:
            status.append(RuleStatus.RAN)
        if run.check is not None:
            active.append((index, run.check))
        if run.finish is not None:
            finishers.append((index, run.finish))

    checks = tuple((check, sinks[index].append) for index, check in active)
    for item in batch.items:
        for check, append in checks:
            try:
                problem = check(item)
            except Exception as exc:  # recorded below; the pass goes on
                checks = _drop_failed(
                    checks,
                    check,
                    active=active,
                    rule_set=rule_set,
                    status=status,
                    failures=failures,
                    item=item,
                    exc=exc,
                )
                continue
            if problem is not None:
                append((item, problem))

    for index, finish in finishers:
        if status[index] is RuleStatus.FAILED:
            continue
        try:
            sinks[index].extend(finish())
        except Exception as exc:  # same as above
            rule = rule_set.rules[index]
            failures.append(RuleFailure(rule.code, rule.title, "finish", _describe(exc)))
            status[index] = RuleStatus.FAILED

    keyed: list[tuple[int, int, Finding]] = []
    for index, sink in enumerate(sinks):
        rule = rule_set.rules[index]
        severity = severities[index]
        for item, problem in sink:
            person = item.beneficiary
            keyed.append(
                (
                    item.seq,
                    index,
                    Finding(
                        rule.code,
                        rule.title,
                        severity,
                        item.seq,
                        mask_id_number(person.id_number),
                        str(person.name),
                        problem.message,
                        problem.evidence,
                    ),
                )
            )
    keyed.sort(key=lambda k: (k[0], k[1]))
    outcomes = tuple(
        RuleOutcome(rule.code, rule.title, severities[n], status[n], len(sinks[n]))
        for n, rule in enumerate(rule_set.rules)
    )
    report = CheckReport(
        batch_id=str(batch.batch_id),
        policy_code=str(policy.code),
        period=str(batch.period),
        item_count=len(batch.items),
        rules=outcomes,
        findings=tuple(k[2] for k in keyed),
        failures=tuple(failures),
        missing_data=tuple(missing),
        batch_digest=batch_digest(batch),
    )
    for decision in accept_missing:
        report = report.override(
            decision.rule, reason=decision.reason, by=decision.by, at=decision.at
        )
    return report


def _drop_failed(
    checks: tuple[tuple[ItemCheck, Callable[[tuple[PayoutItem, Problem]], None]], ...],
    failed: ItemCheck,
    *,
    active: list[tuple[int, ItemCheck]],
    rule_set: RuleSet,
    status: list[RuleStatus],
    failures: list[RuleFailure],
    item: PayoutItem,
    exc: Exception,
) -> tuple[tuple[ItemCheck, Callable[[tuple[PayoutItem, Problem]], None]], ...]:
    index = next(i for i, check in active if check is failed)
    rule = rule_set.rules[index]
    failures.append(RuleFailure(rule.code, rule.title, "item", _describe(exc), item.seq))
    status[index] = RuleStatus.FAILED
    return tuple(pair for pair in checks if pair[0] is not failed)
