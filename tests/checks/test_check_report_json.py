"""A check report read back from its JSON data (``CheckReport.from_dict`` /
``from_json``): equal for reports of random batches, and refused with
``check.report_invalid`` when the document is not one or its figures disagree
with its findings."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong import PayoutBatch
from ningxia_yikatong.checks import CheckContext, CheckReport, run_checks
from ningxia_yikatong.errors import CheckError
from ningxia_yikatong.testing import SyntheticData
from ningxia_yikatong.testing.policies import sample_policies
from ningxia_yikatong.testing.strategies import payout_batches, subsidy_policies


@settings(max_examples=30, deadline=None)
@given(data=st.data(), batch=payout_batches(max_items=8))
def test_round_trip_of_reports_of_random_batches(data: st.DataObject, batch: PayoutBatch) -> None:
    policy = data.draw(subsidy_policies(code=str(batch.policy_code)))
    people = [item.beneficiary.id_number for item in batch.items]
    dead = data.draw(st.lists(st.sampled_from(people), unique=True, max_size=3))
    report = run_checks(batch, policy, CheckContext.build(deaths=dict.fromkeys(dead, "2010-01-01")))
    missing = report.missing_data
    accepted = data.draw(st.lists(st.sampled_from(missing), unique=True)) if missing else []
    at = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    for rule, _ in accepted:
        report = report.override(rule, reason="参照数据暂缺，经科长同意先行发放", by="科长", at=at)
    assert report.batch_digest is not None
    assert CheckReport.from_dict(report.to_dict()) == report
    assert CheckReport.from_json(report.to_json()) == report
    assert CheckReport.from_json(report.to_json(indent=2).encode()) == report


def _report() -> CheckReport:
    policy = next(p for p in sample_policies() if p.code == "NX-GLJT")
    batch = SyntheticData(seed=3).batch(12, policy=policy, period="2026-03", batch_id="B-J")
    dead = batch.items[1].beneficiary.id_number
    report = run_checks(batch, policy, CheckContext.build(deaths={dead: "2026-01-10"}))
    assert report.findings
    assert not report.may_proceed
    return report


def _set(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc[key] = value

    return change


def _finding(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc["findings"][0][key] = value

    return change


def _more(key: str) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        first = next(iter(doc[key]))
        doc[key][first] += 1

    return change


def _drop_finding(doc: dict[str, Any]) -> None:
    doc["findings"].pop(0)


@pytest.mark.parametrize(
    "change",
    [
        _set("may_proceed", True),  # figures that disagree with the findings
        _more("counts_by_severity"),
        _more("counts_by_rule"),
        _drop_finding,
        _set("batch_digest", "ABC"),
        _set("batch_id", None),
        _set("item_count", True),
        _set("findings", {"not": "a list"}),
        _finding("severity", "fatal"),
        _finding("seq", "1"),
        _finding("evidence", {"x": [1]}),
        _set("overrides", [{"rule": "r", "reason": "x", "by": "y", "at": "yesterday"}]),
        _set("rules", [{"code": "r", "title": "t", "severity": "block", "status": "?"}]),
    ],
)
def test_refused_documents(change: Callable[[dict[str, Any]], None]) -> None:
    doc = json.loads(_report().to_json())
    change(doc)
    with pytest.raises(CheckError) as err:
        CheckReport.from_dict(doc)
    assert err.value.code == "check.report_invalid"


@pytest.mark.parametrize("text", ["not json", "[1, 2]", b"\xff\xfe", '"a report"'])
def test_refused_json(text: str | bytes) -> None:
    with pytest.raises(CheckError) as err:
        CheckReport.from_json(text)
    assert err.value.code == "check.report_invalid"
