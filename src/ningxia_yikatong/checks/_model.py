"""What the cross-checks produce: severities, problems, findings, failed rules."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

from .._arguments import checked, checked_on_failure
from ..errors import CheckError

__all__ = [
    "Evidence",
    "Finding",
    "MissingDataOverride",
    "Problem",
    "RuleFailure",
    "Severity",
    "SeverityOverrides",
]

#: Evidence of a finding: short named facts (dates as ISO text, amounts as text).
Evidence = Mapping[str, str | int]


class Severity(StrEnum):
    """How serious a finding is.

    ``block`` stops the batch until it is fixed, ``warn`` must be looked at
    and may be accepted, ``info`` is for the record.
    """

    BLOCK = "block"
    WARN = "warn"
    INFO = "info"

    @property
    def label(self) -> str:
        """Chinese label: 阻断, 警告, 提示."""
        return _SEVERITY_LABELS[self]

    @property
    def rank(self) -> int:
        """0 for block, 1 for warn, 2 for info (sort order, most serious first)."""
        return _SEVERITY_RANK[self]


_SEVERITY_LABELS = {Severity.BLOCK: "阻断", Severity.WARN: "警告", Severity.INFO: "提示"}
_SEVERITY_RANK = {Severity.BLOCK: 0, Severity.WARN: 1, Severity.INFO: 2}


_NO_EVIDENCE: Evidence = MappingProxyType({})


class Problem(NamedTuple):
    """What a rule says about one item: the Chinese message and its evidence.

    The engine turns it into a :class:`Finding`, adding the rule's code, the
    severity in force, the item's number and the masked identity, so that no
    rule can put a full ID number into a report.
    """

    message: str
    evidence: Evidence = _NO_EVIDENCE


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in one item of a batch.

    ``masked_id`` is the beneficiary's ID number masked (first 6 and last 4);
    ``message`` says in Chinese what is wrong and what to do about it.

    >>> f = Finding("deceased", "死亡人员", Severity.BLOCK, 3, "640122********1234", "马明",
    ...             "已死亡", {"death_date": "2026-01-05"})
    >>> f.severity.label, f.seq
    ('阻断', 3)
    """

    rule: str
    title: str
    severity: Severity
    seq: int
    masked_id: str
    name: str
    message: str
    evidence: Evidence = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RuleFailure:
    """A rule that could not do its work: it failed to load, or raised.

    ``stage`` is ``load`` (its entry point), ``begin`` (preparing for the
    batch), ``item`` (checking the item ``seq``) or ``finish``. The rule's other
    findings are kept, but a batch with a failed rule may not proceed: the check
    it stands for was not done.
    """

    rule: str
    title: str
    stage: str
    error: str
    seq: int | None = None

    @property
    def message(self) -> str:
        """Chinese description for the report."""
        where = f"（第{self.seq}条）" if self.seq is not None else ""
        return (
            f"比对规则“{self.title}”执行失败{where}：{self.error}。该项比对未完成，请联系系统管理员"
        )


@dataclass(frozen=True, slots=True)
class MissingDataOverride:
    """A decision to let a batch proceed although a rule lacked its reference
    data (缺少参考数据豁免): which rule, why, who decided and when.

    ``at`` defaults to now (UTC, to the second); a given ``at`` must carry its
    time zone. The
    reason and the name must not be empty: the decision is for the record.

    >>> o = MissingDataOverride("deceased", "民政死亡数据本月未推送，已电话核实", "张三",
    ...                         _dt.datetime(2026, 3, 2, 9, 30, tzinfo=_dt.UTC))
    >>> o.to_dict()["at"]
    '2026-03-02T09:30:00+00:00'
    """

    rule: str
    reason: str
    by: str
    at: _dt.datetime = field(
        default_factory=lambda: _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    )

    def __post_init__(self) -> None:
        for name, value, label in (
            ("rule", self.rule, "规则编码"),
            ("reason", self.reason, "豁免理由"),
            ("by", self.by, "豁免人"),
        ):
            if not isinstance(value, str) or not value.strip():
                raise CheckError(f"缺少参考数据的豁免须填写{label}", code="check.override")
            object.__setattr__(self, name, value.strip())
        if not isinstance(self.at, _dt.datetime) or self.at.utcoffset() is None:
            raise CheckError("豁免时间须为带时区的日期时间", code="check.override")

    def to_dict(self) -> dict[str, str]:
        """Plain data for JSON (``at`` as ISO text)."""
        return {"rule": self.rule, "reason": self.reason, "by": self.by, "at": self.at.isoformat()}


@dataclass(frozen=True, slots=True)
class SeverityOverrides:
    """Severities that replace a rule's default, for a deployment or a policy.

    A policy's own setting wins over the deployment's, which wins over the
    rule's default.

    >>> o = SeverityOverrides(deployment={"holder_name": Severity.BLOCK},
    ...                       per_policy={"NX-GLJT": {"holder_name": Severity.INFO}})
    >>> o.severity("holder_name", "NX-DIBAO", Severity.WARN)
    <Severity.BLOCK: 'block'>
    >>> o.severity("holder_name", "NX-GLJT", Severity.WARN)
    <Severity.INFO: 'info'>
    """

    deployment: Mapping[str, Severity] = field(default_factory=dict)
    per_policy: Mapping[str, Mapping[str, Severity]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        tables = [self.deployment, *self.per_policy.values()]
        for table in tables:
            for rule, value in table.items():
                if not isinstance(value, Severity):
                    raise CheckError(
                        f"规则 {rule} 的严重程度设置无效：{value!r}，应为 block、warn 或 info",
                        code="check.severity",
                    )

    @checked_on_failure(CheckError, "check")
    def severity(self, rule: str, policy: str, default: Severity) -> Severity:
        """The severity of ``rule`` for ``policy``."""
        table = self.per_policy.get(policy)
        if table is not None and rule in table:
            return table[rule]
        return self.deployment.get(rule, default)

    @classmethod
    @checked(CheckError, "check")
    def from_mapping(cls, data: Mapping[str, object]) -> SeverityOverrides:
        """Read ``{"deployment": {rule: sev}, "per_policy": {policy: {rule: sev}}}``.

        This is the shape of a JSON configuration file; unknown keys and bad
        severities are a ``check.severity`` error.
        """
        unknown = set(data) - {"deployment", "per_policy"}
        if unknown:
            raise CheckError(
                f"严重程度配置中有未知的键：{'、'.join(sorted(unknown))}", code="check.severity"
            )
        return cls(
            deployment=_severity_table(data.get("deployment", {}), "deployment"),
            per_policy={
                str(policy): _severity_table(table, f"per_policy.{policy}")
                for policy, table in _as_mapping(data.get("per_policy", {}), "per_policy").items()
            },
        )


def _as_mapping(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise CheckError(f"严重程度配置 {where} 应为对象", code="check.severity")
    return value


def _severity_table(value: object, where: str) -> dict[str, Severity]:
    out = {}
    for rule, sev in _as_mapping(value, where).items():
        try:
            out[str(rule)] = Severity(str(sev))
        except ValueError:
            raise CheckError(
                f"严重程度配置 {where}.{rule} 无效：{sev!r}，应为 block、warn 或 info",
                code="check.severity",
            ) from None
    return out
