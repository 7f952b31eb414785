"""The result of checking one batch (比对报告), and its exports.

Exports carry Chinese headers, for the clerks who fix the findings: JSON for
systems, CSV (UTF-8 with BOM, so that Excel opens it) and XLSX for people.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, Final

from .._arguments import checked
from ..errors import CheckError
from ._model import Finding, MissingDataOverride, RuleFailure, Severity
from ._report_json import report_fields

__all__ = ["FINDING_HEADERS", "CheckReport", "RuleOutcome", "RuleStatus"]

#: Column headers of the findings table (CSV and XLSX).
FINDING_HEADERS: Final = (
    "序号",
    "身份证号（脱敏）",
    "姓名",
    "规则编码",
    "规则名称",
    "严重程度",
    "问题说明及处理建议",
    "佐证",
)


class RuleStatus(StrEnum):
    """What became of a rule on one batch."""

    RAN = "ran"
    PARTIAL = "partial"
    NOT_APPLICABLE = "not_applicable"
    NO_DATA = "no_data"
    FAILED = "failed"

    @property
    def label(self) -> str:
        """Chinese label."""
        return {
            "ran": "已执行",
            "partial": "部分缺少数据",
            "not_applicable": "不适用",
            "no_data": "缺少参考数据",
            "failed": "执行失败",
        }[self.value]


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """One rule's line in the report: its severity in force and its findings."""

    code: str
    title: str
    severity: Severity
    status: RuleStatus
    findings: int


@dataclass(frozen=True)
class CheckReport:
    """Findings of every rule over one batch, and whether it may proceed.

    ``findings`` are ordered by item number, then by rule order.
    ``missing_data`` lists ``(rule code, reference data)`` for rules that did
    not run, or did not run on every item, because the data was not there (no
    death registry loaded, items without the 是否一卡通 flag). A batch may
    proceed when no finding blocks, no rule failed, and every rule whose
    severity in force is ``block`` and that lacked its data was overridden
    (:meth:`override`), the override recorded in ``overrides`` with who, when
    and why. Missing data of a ``warn`` or ``info`` rule is reported and does
    not block, as its findings would not.
    """

    batch_id: str
    policy_code: str
    period: str
    item_count: int
    rules: tuple[RuleOutcome, ...]
    findings: tuple[Finding, ...]
    failures: tuple[RuleFailure, ...] = ()
    missing_data: tuple[tuple[str, str], ...] = ()
    overrides: tuple[MissingDataOverride, ...] = ()
    #: SHA-256 of the checked batch's canonical JSON (``payout.batch_digest``):
    #: which content the report is about; ``None`` in reports made without it.
    batch_digest: str | None = None

    @cached_property
    def counts_by_rule(self) -> Mapping[str, int]:
        """Rule code to its number of findings (every rule listed, zeros too)."""
        counts = Counter(f.rule for f in self.findings)
        return {r.code: counts.get(r.code, 0) for r in self.rules} | dict(counts)

    @cached_property
    def counts_by_severity(self) -> Mapping[Severity, int]:
        """Severity to its number of findings (every severity listed)."""
        counts = Counter(f.severity for f in self.findings)
        return {s: counts.get(s, 0) for s in Severity}

    @checked(CheckError, "check")
    def override_of(self, rule: str) -> MissingDataOverride | None:
        """The override recorded for ``rule``'s missing data, if any."""
        return next((o for o in self.overrides if o.rule == rule), None)

    @checked(CheckError, "check")
    def missing_blocks(self, rule: str) -> bool:
        """Whether ``rule``'s missing data stops the batch: it blocks by
        severity and was not overridden."""
        outcome = next((r for r in self.rules if r.code == rule), None)
        severity = outcome.severity if outcome is not None else Severity.BLOCK
        return severity is Severity.BLOCK and self.override_of(rule) is None

    @cached_property
    def blocking_missing_data(self) -> tuple[tuple[str, str], ...]:
        """The entries of ``missing_data`` that stop the batch."""
        return tuple((r, d) for r, d in self.missing_data if self.missing_blocks(r))

    @property
    def may_proceed(self) -> bool:
        """True when nothing blocks, every rule did its work, and data missing
        for a blocking rule was overridden."""
        return (
            not self.failures
            and self.counts_by_severity[Severity.BLOCK] == 0
            and not self.blocking_missing_data
        )

    @checked(CheckError, "check")
    def override(
        self, rule: str, *, reason: str, by: str, at: _dt.datetime | None = None
    ) -> CheckReport:
        """This report with ``rule``'s missing reference data accepted.

        ``reason`` says why the batch may go without it, ``by`` who decided;
        ``at`` defaults to now (UTC). The report itself is unchanged (it is
        frozen): the returned copy records the override, in its JSON and
        exports too. Overriding a rule that lacked no data, or twice, is a
        ``check.override`` error; findings and failed rules cannot be
        overridden.

        >>> from ningxia_yikatong.testing.planted import make_batch, make_item, make_policy
        >>> from ningxia_yikatong.checks import CheckContext, run_checks
        >>> context = CheckContext.build(prior_payouts=[], household_members=[])
        >>> report = run_checks(make_batch([make_item(1)]), make_policy(), context)
        >>> report.may_proceed, report.missing_data
        (False, (('deceased', '死亡人员信息'),))
        >>> accepted = report.override("deceased", reason="死亡数据未推送，已人工核实", by="张三")
        >>> accepted.may_proceed, accepted.overrides[0].by
        (True, '张三')
        """
        decision = (
            MissingDataOverride(rule, reason, by)
            if at is None
            else MissingDataOverride(rule, reason, by, at)
        )
        return self._with(decision)

    def _with(self, decision: MissingDataOverride) -> CheckReport:
        if decision.rule not in {r for r, _ in self.missing_data}:
            lacking = "、".join(r for r, _ in self.missing_data) or "无"
            raise CheckError(
                f"规则 {decision.rule} 没有缺少参考数据，无需豁免（缺少数据的规则：{lacking}）",
                code="check.override",
            )
        if self.override_of(decision.rule) is not None:
            raise CheckError(f"规则 {decision.rule} 的缺少数据已豁免过", code="check.override")
        return replace(self, overrides=(*self.overrides, decision))

    @cached_property
    def blocked_seqs(self) -> frozenset[int]:
        """Item numbers with at least one blocking finding."""
        return frozenset(f.seq for f in self.findings if f.severity is Severity.BLOCK)

    @checked(CheckError, "check")
    def for_item(self, seq: int) -> tuple[Finding, ...]:
        """The findings of one item."""
        return tuple(f for f in self.findings if f.seq == seq)

    def summary(self) -> str:
        """One Chinese line: counts and the verdict."""
        c = self.counts_by_severity
        if self.may_proceed:
            verdict = "可以继续"
        elif self.failures or c[Severity.BLOCK]:
            verdict = "不得继续，请先处理阻断问题"
        else:
            verdict = "不得继续，请补充参考数据，或经批准后登记豁免"
        failed = f"，{len(self.failures)}条规则执行失败" if self.failures else ""
        if self.missing_data:
            failed += f"，{len(self.missing_data)}条规则缺少参考数据"
            if self.overrides:
                failed += f"（{len(self.overrides)}条已豁免）"
        return (
            f"批次 {self.batch_id}（{self.item_count}条）：阻断 {c[Severity.BLOCK]}，"
            f"警告 {c[Severity.WARN]}，提示 {c[Severity.INFO]}{failed}；{verdict}"
        )

    # -- exports -------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain data (English keys) for JSON."""
        return {
            "batch_id": self.batch_id,
            "batch_digest": self.batch_digest,
            "policy_code": self.policy_code,
            "period": self.period,
            "item_count": self.item_count,
            "may_proceed": self.may_proceed,
            "counts_by_severity": {s.value: n for s, n in self.counts_by_severity.items()},
            "counts_by_rule": dict(self.counts_by_rule),
            "rules": [
                {
                    "code": r.code,
                    "title": r.title,
                    "severity": r.severity.value,
                    "status": r.status.value,
                    "findings": r.findings,
                }
                for r in self.rules
            ],
            "missing_data": [
                {"rule": r, "data": d, "overridden": self.override_of(r) is not None}
                for r, d in self.missing_data
            ],
            "overrides": [
                {**o.to_dict(), "data": dict(self.missing_data).get(o.rule, "")}
                for o in self.overrides
            ],
            "failures": [
                {"rule": f.rule, "title": f.title, "stage": f.stage, "seq": f.seq, "error": f.error}
                for f in self.failures
            ],
            "findings": [
                {
                    "seq": f.seq,
                    "masked_id": f.masked_id,
                    "name": f.name,
                    "rule": f.rule,
                    "title": f.title,
                    "severity": f.severity.value,
                    "message": f.message,
                    "evidence": dict(f.evidence),
                }
                for f in self.findings
            ],
        }

    @checked(CheckError, "check")
    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON text (Chinese kept as it is)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    @checked(CheckError, "check")
    def from_dict(cls, data: Mapping[str, Any]) -> CheckReport:
        """The report from :meth:`to_dict`'s data (what ``check --out 报告.json``
        writes); ``from_dict(r.to_dict()) == r``. The derived figures
        (``may_proceed``, the counts) are recomputed, and a document whose
        figures disagree with its findings is refused (``check.report_invalid``)."""
        report = cls(**report_fields(data))
        _same_figures(report, data)
        return report

    @classmethod
    @checked(CheckError, "check")
    def from_json(cls, text: str | bytes) -> CheckReport:
        """The report from :meth:`to_json`'s text (``check.report_invalid`` if it is not one)."""
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            raise CheckError("比对报告不是有效的 JSON", code="check.report_invalid") from None
        if not isinstance(data, dict):
            raise CheckError("比对报告的 JSON 应为对象", code="check.report_invalid")
        return cls.from_dict(data)

    def finding_rows(self) -> list[list[str | int]]:
        """The findings table under :data:`FINDING_HEADERS`."""
        return [
            [
                f.seq,
                f.masked_id,
                f.name,
                f.rule,
                f.title,
                f.severity.label,
                f.message,
                _evidence_text(f.evidence),
            ]
            for f in self.findings
        ]

    def to_csv(self) -> str:
        """The findings table as CSV text; failed rules follow as rows without a number."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(FINDING_HEADERS)
        writer.writerows(self.finding_rows())
        for failure in self.failures:
            writer.writerow(
                ["", "", "", failure.rule, failure.title, "规则失败", failure.message, ""]
            )
        for rule, _data in self.missing_data:
            accepted = self.override_of(rule)
            status = "缺少参考数据（已豁免）" if accepted is not None else "缺少参考数据"
            writer.writerow(
                ["", "", "", rule, self._title(rule), status, self.missing_message(rule), ""]
            )
        return out.getvalue()

    def _title(self, rule: str) -> str:
        return next((r.title for r in self.rules if r.code == rule), rule)

    @checked(CheckError, "check")
    def missing_message(self, rule: str) -> str:
        """Chinese text of ``rule``'s missing data and its override, if any."""
        data = dict(self.missing_data).get(rule, "")
        text = f"比对规则“{self._title(rule)}”缺少参考数据（{data}），该项比对未完成"
        accepted = self.override_of(rule)
        if accepted is not None:
            return (
                f"{text}；已由{accepted.by}于{accepted.at.isoformat()}豁免，理由：{accepted.reason}"
            )
        if self.missing_blocks(rule):
            return f"{text}；请补充该参考数据，或经批准后登记豁免（注明理由）"
        return text

    @checked(CheckError, "check")
    def write(self, path: str | Path) -> Path:
        """Write the report; the format follows the suffix (.json, .csv, .xlsx)."""
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix == ".json":
            target.write_text(self.to_json(), encoding="utf-8")
        elif suffix == ".csv":
            target.write_text(self.to_csv(), encoding="utf-8-sig", newline="")
        elif suffix == ".xlsx":
            self.write_xlsx(target)
        else:
            raise CheckError(
                f"不支持的报告格式“{target.suffix}”，请用 .json、.csv 或 .xlsx",
                code="check.report_format",
                file=target.name,
            )
        return target

    @checked(CheckError, "check")
    def write_xlsx(self, path: str | Path) -> None:
        """An XLSX workbook: 汇总 (summary by rule), 问题明细 (findings), 规则失败
        (failures) and 缺少参考数据 (missing data and their overrides)."""
        from openpyxl import Workbook  # noqa: PLC0415 - only XLSX export needs it

        book = Workbook(write_only=True)
        summary = book.create_sheet("汇总")
        summary.append(["批次号", self.batch_id])
        summary.append(["政策编码", self.policy_code])
        summary.append(["发放期间", self.period])
        summary.append(["明细条数", self.item_count])
        summary.append(["结论", self.summary()])
        summary.append([])
        summary.append(["规则编码", "规则名称", "严重程度", "执行情况", "问题条数"])
        for r in self.rules:
            summary.append([r.code, r.title, r.severity.label, r.status.label, r.findings])
        details = book.create_sheet("问题明细")
        details.append(list(FINDING_HEADERS))
        for row in self.finding_rows():
            details.append(row)
        failures = book.create_sheet("规则失败")
        failures.append(["规则编码", "规则名称", "阶段", "序号", "说明"])
        for f in self.failures:
            failures.append([f.rule, f.title, f.stage, f.seq, f.message])
        missing = book.create_sheet("缺少参考数据")
        missing.append(
            ["规则编码", "规则名称", "缺少的数据", "是否豁免", "豁免理由", "豁免人", "豁免时间"]
        )
        for rule, data in self.missing_data:
            o = self.override_of(rule)
            if o is None:
                missing.append([rule, self._title(rule), data, "否", None, None, None])
            else:
                missing.append(
                    [rule, self._title(rule), data, "是", o.reason, o.by, o.at.isoformat()]
                )
        book.save(str(path))


def _same_figures(report: CheckReport, data: Mapping[str, Any]) -> None:
    derived = report.to_dict()
    for key in ("may_proceed", "counts_by_severity", "counts_by_rule", "missing_data"):
        if key in data and data[key] != derived[key]:
            raise CheckError(
                f"比对报告的“{key}”与其明细不符，报告可能被改动", code="check.report_invalid"
            )


def _evidence_text(evidence: Mapping[str, str | int]) -> str:
    return json.dumps(dict(evidence), ensure_ascii=False, separators=(",", ":")) if evidence else ""
