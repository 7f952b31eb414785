"""The engine: registry through entry points, failed rules, severities, order."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Mapping
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from ningxia_yikatong.checks import (
    BUILTIN_RULES,
    ENTRY_POINT_GROUP,
    CheckContext,
    FunctionRule,
    Problem,
    Rule,
    RuleRun,
    RuleSet,
    RuleStatus,
    Severity,
    SeverityOverrides,
    default_rules,
    item_rule,
    load_rules,
    run_checks,
)
from ningxia_yikatong.errors import CheckError
from ningxia_yikatong.payout import PayoutBatch, PayoutItem
from ningxia_yikatong.policy import SubsidyPolicy
from ningxia_yikatong.testing.planted import make_batch, make_id, make_item, make_policy


def _ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def _builtin_eps() -> list[EntryPoint]:
    return [_ep(r.code, f"ningxia_yikatong.checks._rules:{r.code.upper()}") for r in BUILTIN_RULES]


def test_installed_registry_has_every_builtin_rule() -> None:
    rules = default_rules()
    assert rules.codes == tuple(r.code for r in BUILTIN_RULES)
    assert rules.failures == ()
    assert all(isinstance(r, Rule) for r in rules.rules)


def test_stale_metadata_still_runs_builtins_but_blocked_ones_are_left_out() -> None:
    rules = load_rules(entry_points=[])
    assert rules.codes == tuple(r.code for r in BUILTIN_RULES)
    fewer = load_rules(entry_points=[], blocked=["holder_name"])
    assert "holder_name" not in fewer.codes


@pytest.fixture
def plugin_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    name = "yikatong_test_plugin_rules"
    (tmp_path / f"{name}.py").write_text(
        textwrap.dedent(
            """
            from ningxia_yikatong.checks import Problem, Severity, item_rule

            @item_rule("big_amount", "大额发放", Severity.WARN)
            def BIG(item, batch, policy, context):
                if item.amount > 1000:
                    return Problem("金额超过1000元，请复核", {"amount": str(item.amount)})
                return None

            class Broken:
                code = "broken"
                title = "坏规则"
                default_severity = "fatal"

                def begin(self, batch, policy, context):
                    return None

            NOT_A_RULE = 42
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def test_plugins_load_and_bad_ones_are_failures(plugin_module: str) -> None:
    eps = [
        *_builtin_eps(),
        _ep("big_amount", f"{plugin_module}:BIG"),
        _ep("big_amount", f"{plugin_module}:BIG"),  # duplicate name
        _ep("broken", f"{plugin_module}:Broken"),
        _ep("number", f"{plugin_module}:NOT_A_RULE"),
        _ep("missing", "no_such_module_here:RULE"),
        _ep("renamed", f"{plugin_module}:BIG"),  # name differs from the code
    ]
    rules = load_rules(entry_points=eps)
    assert rules.codes[-1] == "big_amount"
    assert rules.codes[:-1] == tuple(r.code for r in BUILTIN_RULES)
    failed = {f.rule: f.error for f in rules.failures}
    assert set(failed) == {"big_amount", "broken", "number", "missing", "renamed"}
    assert "重复" in failed["big_amount"]
    assert "严重程度" in failed["broken"]
    assert "不是比对规则" in failed["number"]
    assert "ModuleNotFoundError" in failed["missing"]
    assert "不一致" in failed["renamed"]
    # Load failures make every report say the batch may not proceed.
    report = run_checks(make_batch([make_item(1, amount="100.00")]), make_policy(), rules=rules)
    assert report.findings == ()
    assert not report.may_proceed
    assert {f.stage for f in report.failures} == {"load"}


def test_plugin_rule_finds(plugin_module: str) -> None:
    rules = load_rules(entry_points=[_ep("big_amount", f"{plugin_module}:BIG")]).only("big_amount")
    policy = make_policy(standard={"kind": "declared", "cap": "5000.00"})
    report = run_checks(
        make_batch([make_item(1, amount="999.99"), make_item(2, amount="1000.01")]),
        policy,
        rules=rules,
    )
    assert [(f.seq, f.rule, f.severity) for f in report.findings] == [
        (2, "big_amount", Severity.WARN)
    ]
    assert report.may_proceed


class _Exploding:
    """A rule that raises where it is told to."""

    default_severity = Severity.BLOCK

    def __init__(self, code: str, stage: str, on_seq: int = 2) -> None:
        self.code, self.title, self.stage, self.on_seq = code, f"会出错的规则{code}", stage, on_seq

    def begin(self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext) -> RuleRun:
        if self.stage == "begin":
            raise KeyError("640122199001011234")

        def check(item: PayoutItem) -> Problem | None:
            if self.stage == "item" and item.seq == self.on_seq:
                raise ZeroDivisionError("boom")
            return Problem("每条都报") if self.stage == "item" else None

        def finish() -> Iterator[tuple[PayoutItem, Problem]]:
            yield batch.items[0], Problem("结束前的发现")
            raise RuntimeError("finish broke")

        return RuleRun(check=check, finish=finish)


def test_a_rule_that_raises_is_a_failed_rule_and_the_others_still_find() -> None:
    a = make_id("1940-01-01")
    context = CheckContext.build(deaths={a: "2020-01-01"})
    b = make_batch([make_item(1), make_item(2, id_number=a), make_item(3)])
    rules = (
        default_rules()
        .only("deceased")
        .plus(
            _Exploding("boom.begin", "begin"),
            _Exploding("boom.item", "item"),
            _Exploding("boom.finish", "finish"),
        )
    )
    report = run_checks(b, make_policy(), context, rules=rules)
    by_rule = {f.rule: f for f in report.failures}
    assert by_rule["boom.begin"].stage == "begin"
    assert "640122199001011234" not in by_rule["boom.begin"].error
    assert "640122********1234" in by_rule["boom.begin"].error
    assert (by_rule["boom.item"].stage, by_rule["boom.item"].seq) == ("item", 2)
    assert "ZeroDivisionError" in by_rule["boom.item"].error
    assert by_rule["boom.finish"].stage == "finish"
    # The deceased rule's finding survives, and so do the findings made before each failure.
    found = [(f.seq, f.rule) for f in report.findings]
    assert (2, "deceased") in found
    assert (1, "boom.item") in found
    assert (3, "boom.item") not in found
    assert (1, "boom.finish") in found
    statuses = {r.code: r.status for r in report.rules}
    assert statuses == {
        "deceased": RuleStatus.RAN,
        "boom.begin": RuleStatus.FAILED,
        "boom.item": RuleStatus.FAILED,
        "boom.finish": RuleStatus.FAILED,
    }
    assert not report.may_proceed
    assert "执行失败" in report.failures[0].message


def test_severity_overrides_per_deployment_and_policy() -> None:
    b = make_batch([make_item(1, name="李明", holder="王强")])
    policy = make_policy()
    assert run_checks(b, policy).findings[0].severity is Severity.WARN
    deployment = CheckContext(
        overrides=SeverityOverrides(deployment={"holder_name": Severity.BLOCK})
    )
    report = run_checks(b, policy, deployment)
    assert report.findings[0].severity is Severity.BLOCK
    assert not report.may_proceed
    assert {r.code: r.severity for r in report.rules}["holder_name"] is Severity.BLOCK
    per_policy = CheckContext(
        overrides=SeverityOverrides(
            deployment={"holder_name": Severity.BLOCK},
            per_policy={"NX-TEST": {"holder_name": Severity.INFO}},
        )
    )
    assert run_checks(b, policy, per_policy).findings[0].severity is Severity.INFO


def test_severity_overrides_from_mapping() -> None:
    o = SeverityOverrides.from_mapping(
        {"deployment": {"amount": "warn"}, "per_policy": {"NX-GLJT": {"amount": "info"}}}
    )
    assert o.severity("amount", "NX-GLJT", Severity.BLOCK) is Severity.INFO
    assert o.severity("amount", "NX-X", Severity.BLOCK) is Severity.WARN
    bad_configs: list[Mapping[str, object]] = [
        {"deployment": {"amount": "fatal"}},
        {"other": {}},
        {"per_policy": []},
    ]
    for bad in bad_configs:
        with pytest.raises(CheckError) as exc:
            SeverityOverrides.from_mapping(bad)
        assert exc.value.code == "check.severity"
    with pytest.raises(CheckError):
        SeverityOverrides(deployment={"amount": "warn"})  # type: ignore[dict-item]


def test_findings_ordered_by_item_then_rule() -> None:
    a = make_id("1940-01-01")
    context = CheckContext.build(deaths={a: "2020-01-01"})
    b = make_batch(
        [make_item(1, bank="icbc", amount="1.00"), make_item(2, id_number=a, amount="2.00")]
    )
    report = run_checks(b, make_policy(), context)
    assert [(f.seq, f.rule) for f in report.findings] == [
        (1, "amount"),
        (1, "agent_bank"),
        (2, "deceased"),
        (2, "amount"),
    ]


def test_policy_must_match_the_batch() -> None:
    with pytest.raises(CheckError) as exc:
        run_checks(make_batch([make_item(1)], code="NX-OTHER"), make_policy())
    assert exc.value.code == "check.policy_mismatch"


def test_rule_set_operations() -> None:
    rules = default_rules()
    assert rules.without("holder_name", "amount").codes == tuple(
        c for c in rules.codes if c not in ("holder_name", "amount")
    )
    assert rules.only("amount", "deceased").codes == ("deceased", "amount")
    with pytest.raises(CheckError, match="没有编码"):
        rules.only("nope")
    with pytest.raises(CheckError) as exc:
        rules.plus(BUILTIN_RULES[0])
    assert exc.value.code == "check.rule_duplicate"
    assert isinstance(rules.get("amount"), Rule)
    # A plain sequence of rules works too.
    report = run_checks(
        make_batch([make_item(1, amount="1.00")]), make_policy(), rules=[rules.get("amount")]
    )
    assert [f.rule for f in report.findings] == ["amount"]


def test_item_rule_and_function_rule() -> None:
    @item_rule("has_memo", "缺少摘要", Severity.INFO, applies=lambda b, p, c: b.period.year >= 2026)
    def has_memo(
        item: PayoutItem, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext
    ) -> Problem | None:
        return None if item.memo else Problem("未填写摘要")

    assert isinstance(has_memo, FunctionRule)
    b = make_batch([make_item(1)])
    assert [f.rule for f in run_checks(b, make_policy(), rules=[has_memo]).findings] == ["has_memo"]
    old = make_batch([make_item(1)], period="2025-12")
    report = run_checks(old, make_policy(), rules=[has_memo])
    assert report.rules[0].status is RuleStatus.NOT_APPLICABLE
    for bad in ("", "Upper", "a", "has space", 42):
        with pytest.raises(CheckError) as exc:
            item_rule(bad, "x")  # type: ignore[arg-type]
        assert exc.value.code == "check.rule_code"


def test_empty_rule_set_and_repr() -> None:
    report = run_checks(make_batch([make_item(1)]), make_policy(), rules=RuleSet(()))
    assert report.findings == ()
    assert report.may_proceed
    assert repr(BUILTIN_RULES[0]) == "<rule duplicate_person>"
