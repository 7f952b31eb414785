"""CheckReport: counts, verdict and the JSON, CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ningxia_yikatong.checks import (
    FINDING_HEADERS,
    CheckContext,
    CheckReport,
    RuleStatus,
    Severity,
    run_checks,
)
from ningxia_yikatong.errors import CheckError
from ningxia_yikatong.testing.planted import make_batch, make_id, make_item, make_policy

DEAD = str(make_id("1940-01-01"))


def _report() -> CheckReport:
    context = CheckContext.build(deaths={DEAD: "2020-01-01"})
    b = make_batch(
        [
            make_item(1),
            make_item(2, id_number=DEAD),
            make_item(3, name="李明", holder="王强"),
            make_item(4, name="李芳", amount="99.00"),
        ]
    )
    return run_checks(b, make_policy(), context)


def test_counts_and_verdict() -> None:
    report = _report()
    assert report.counts_by_severity == {Severity.BLOCK: 2, Severity.WARN: 1, Severity.INFO: 0}
    assert report.counts_by_rule["deceased"] == 1
    assert report.counts_by_rule["holder_name"] == 1
    assert report.counts_by_rule["amount"] == 1
    assert report.counts_by_rule["region"] == 0
    assert report.blocked_seqs == {2, 4}
    assert [f.rule for f in report.for_item(2)] == ["deceased"]
    assert not report.may_proceed
    assert "阻断 2，警告 1，提示 0" in report.summary()
    assert "不得继续" in report.summary()
    statuses = {r.code: r.status for r in report.rules}
    assert statuses["already_paid"] is RuleStatus.NO_DATA
    assert statuses["duplicate_household"] is RuleStatus.NOT_APPLICABLE
    assert "缺少参考数据" in report.summary()


def test_a_batch_with_only_warnings_may_proceed() -> None:
    report = run_checks(make_batch([make_item(1, name="李明", holder="王强")]), make_policy())
    assert report.may_proceed
    assert "可以继续" in report.summary()


def test_json_export() -> None:
    data = json.loads(_report().to_json())
    assert data["may_proceed"] is False
    assert data["counts_by_severity"] == {"block": 2, "warn": 1, "info": 0}
    assert [f["seq"] for f in data["findings"]] == [2, 3, 4]
    assert data["findings"][0]["evidence"] == {
        "death_date": "2020-01-01",
        "reference_date": "2026-03-01",
    }
    assert {"rule": "already_paid", "data": "已发放记录"} in data["missing_data"]
    assert DEAD not in json.dumps(data)


def test_csv_export_has_chinese_headers() -> None:
    rows = list(csv.reader(io.StringIO(_report().to_csv())))
    assert tuple(rows[0]) == FINDING_HEADERS
    assert [r[0] for r in rows[1:]] == ["2", "3", "4"]
    assert rows[1][5] == "阻断"
    assert rows[2][5] == "警告"
    assert json.loads(rows[1][7]) == {"death_date": "2020-01-01", "reference_date": "2026-03-01"}


def test_write_by_suffix(tmp_path: Path) -> None:
    report = _report()
    assert json.loads(report.write(tmp_path / "r.json").read_text("utf-8"))["batch_id"] == "B-TEST"
    raw = report.write(tmp_path / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    report.write(tmp_path / "r.xlsx")
    book = load_workbook(tmp_path / "r.xlsx", read_only=True)
    assert book.sheetnames == ["汇总", "问题明细", "规则失败"]
    details = list(book["问题明细"].iter_rows(values_only=True))
    assert details[0] == FINDING_HEADERS
    assert [row[0] for row in details[1:]] == [2, 3, 4]
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert summary[0] == ("批次号", "B-TEST")
    book.close()
    with pytest.raises(CheckError) as exc:
        report.write(tmp_path / "r.pdf")
    assert exc.value.code == "check.report_format"


def test_failures_in_exports() -> None:
    context = CheckContext(bank_encodings={"icbc": "utf-8"})
    report = run_checks(make_batch([make_item(1)]), make_policy(), context)
    assert [f.rule for f in report.failures] == ["name_encoding"]
    rows = list(csv.reader(io.StringIO(report.to_csv())))
    assert rows[-1][3:6] == ["name_encoding", "姓名含银行无法识别的字", "规则失败"]
    assert json.loads(report.to_json())["failures"][0]["stage"] == "begin"
