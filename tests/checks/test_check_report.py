"""CheckReport: counts, verdict and the JSON, CSV and XLSX exports."""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ningxia_yikatong.checks import (
    FINDING_HEADERS,
    CheckContext,
    CheckReport,
    MissingDataOverride,
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
    context = CheckContext.build(deaths={}, prior_payouts=[], household_members=[])
    b = make_batch([make_item(1, name="李明", holder="王强")])
    report = run_checks(b, make_policy(), context)
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
    assert {"rule": "already_paid", "data": "已发放记录", "overridden": False} in data[
        "missing_data"
    ]
    assert data["overrides"] == []
    assert DEAD not in json.dumps(data)


def test_csv_export_has_chinese_headers() -> None:
    rows = list(csv.reader(io.StringIO(_report().to_csv())))
    assert tuple(rows[0]) == FINDING_HEADERS
    assert [r[0] for r in rows[1:4]] == ["2", "3", "4"]
    # rules without their data follow, without an item number
    assert [(r[0], r[3], r[5]) for r in rows[4:]] == [
        ("", "already_paid", "缺少参考数据"),
        ("", "household_region", "缺少参考数据"),
    ]
    assert "登记豁免" in rows[4][6]
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
    assert book.sheetnames == ["汇总", "问题明细", "规则失败", "缺少参考数据"]
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
    failed = [r for r in rows if r[5] == "规则失败"]
    assert failed[0][3:6] == ["name_encoding", "姓名含银行无法识别的字", "规则失败"]
    assert json.loads(report.to_json())["failures"][0]["stage"] == "begin"


# -- missing reference data and its override -----------------------------------


def test_missing_reference_data_blocks_until_overridden() -> None:
    b = make_batch([make_item(1)])
    context = CheckContext.build(prior_payouts=[], household_members=[])
    report = run_checks(b, make_policy(), context)
    assert report.missing_data == (("deceased", "死亡人员信息"),)
    assert not report.findings
    assert not report.may_proceed
    assert "缺少参考数据" in report.summary()
    at = _dt.datetime(2026, 3, 2, 9, 30, tzinfo=_dt.UTC)
    accepted = report.override("deceased", reason="民政系统死亡数据本月未推送", by="张三", at=at)
    assert accepted.may_proceed
    assert not report.may_proceed  # the original is unchanged
    (o,) = accepted.overrides
    assert (o.rule, o.reason, o.by, o.at) == ("deceased", "民政系统死亡数据本月未推送", "张三", at)
    assert "已豁免" in accepted.summary()
    data = json.loads(accepted.to_json())
    assert data["may_proceed"] is True
    assert data["overrides"] == [
        {
            "rule": "deceased",
            "data": "死亡人员信息",
            "reason": "民政系统死亡数据本月未推送",
            "by": "张三",
            "at": "2026-03-02T09:30:00+00:00",
        }
    ]
    assert data["missing_data"] == [
        {"rule": "deceased", "data": "死亡人员信息", "overridden": True}
    ]
    rows = list(csv.reader(io.StringIO(accepted.to_csv())))
    assert rows[-1][3:6] == ["deceased", "死亡人员", "缺少参考数据（已豁免）"]
    assert "张三" in rows[-1][6]
    assert "民政系统死亡数据本月未推送" in rows[-1][6]


def test_override_needs_missing_data_a_reason_and_a_name() -> None:
    context = CheckContext.build(household_members=[])
    report = run_checks(make_batch([make_item(1)]), make_policy(), context)
    with pytest.raises(CheckError) as exc:
        report.override("amount", reason="原因", by="张三")
    assert exc.value.code == "check.override"
    with pytest.raises(CheckError) as exc:
        report.override("deceased", reason="  ", by="张三")
    assert exc.value.code == "check.override"
    with pytest.raises(CheckError):
        report.override("deceased", reason="原因", by="")
    with pytest.raises(CheckError):
        report.override("deceased", reason="原因", by="张三", at=_dt.datetime(2026, 3, 2))
    once = report.override("deceased", reason="原因", by="张三")
    assert not once.may_proceed  # already_paid still lacks its data
    with pytest.raises(CheckError):
        once.override("deceased", reason="原因", by="张三")


def test_overrides_passed_to_run_checks_and_in_the_workbook(tmp_path: Path) -> None:
    accept = [MissingDataOverride("deceased", "死亡数据未到", "张三")]
    report = run_checks(
        make_batch([make_item(1)]),
        make_policy(),
        CheckContext.build(prior_payouts=[], household_members=[]),
        accept_missing=accept,
    )
    assert report.may_proceed
    assert report.overrides[0].at.tzinfo is not None
    report.write(tmp_path / "r.xlsx")
    book = load_workbook(tmp_path / "r.xlsx", read_only=True)
    rows = list(book["缺少参考数据"].iter_rows(values_only=True))
    book.close()
    assert rows[0] == (
        "规则编码",
        "规则名称",
        "缺少的数据",
        "是否豁免",
        "豁免理由",
        "豁免人",
        "豁免时间",
    )
    assert rows[1][:6] == ("deceased", "死亡人员", "死亡人员信息", "是", "死亡数据未到", "张三")


def test_missing_data_of_a_warning_rule_does_not_block() -> None:
    context = CheckContext.build(deaths={}, prior_payouts=[])
    report = run_checks(make_batch([make_item(1)]), make_policy(), context)
    assert report.missing_data == (("household_region", "户籍信息"),)
    assert report.may_proceed
