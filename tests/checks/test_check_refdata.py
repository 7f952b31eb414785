"""Reference data from CSV and XLSX: good files, bad rows, junk bytes."""

from __future__ import annotations

import contextlib
import datetime as _dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ningxia_yikatong.checks import (
    CheckContext,
    PriorPayout,
    load_deaths,
    load_households,
    load_id_set,
    load_prior_payouts,
    load_public_payroll,
)
from ningxia_yikatong.errors import ReferenceDataError, YikatongError
from ningxia_yikatong.testing.planted import make_id

A = str(make_id("1950-01-01"))
B = str(make_id("1960-02-02"))
C = str(make_id("1970-03-03"))


def _csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding, newline="")
    return path


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_deaths_csv_with_chinese_headers_and_date_forms(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "deaths.csv",
        f"\ufeff姓名,身份证号,死亡日期\n马明,{A.lower()},2026-01-05\n李芳,{B},2025/12/1\n"
        f"王强,{C},2025年3月9日\n,,\n",
    )
    deaths = load_deaths(path)
    assert deaths == {
        A: _dt.date(2026, 1, 5),
        B: _dt.date(2025, 12, 1),
        C: _dt.date(2025, 3, 9),
    }


def test_deaths_xlsx_with_date_cells(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "deaths.xlsx",
        [
            ["公民身份号码", "死亡日期"],
            [A, _dt.datetime(2026, 1, 5)],
            [B, "20251201"],
            [None, None],
        ],
    )
    assert load_deaths(path) == {A: _dt.date(2026, 1, 5), B: _dt.date(2025, 12, 1)}


def test_bad_rows_are_all_reported_with_file_row_and_column(tmp_path: Path) -> None:
    bad_check = A[:-1] + ("0" if A[-1] != "0" else "1")
    path = _csv(
        tmp_path / "deaths.csv",
        f"身份证号,死亡日期\n{A},2026-01-05\n{bad_check},2026-01-05\n{B},2026-02-30\n{C},明天\n",
    )
    with pytest.raises(ReferenceDataError) as exc:
        load_deaths(path)
    err = exc.value
    assert err.code == "refdata.rows"
    assert "共3行" in err.message
    assert [(d.code, d.location.row, d.location.column) for d in err.details] == [
        ("id.checksum", 3, "公民身份号码"),
        ("refdata.date", 4, "死亡日期"),
        ("refdata.date", 5, "死亡日期"),
    ]
    assert err.location.file == "deaths.csv"
    assert bad_check not in str(err)


def test_one_bad_row_keeps_its_own_code(tmp_path: Path) -> None:
    path = _csv(tmp_path / "d.csv", f"身份证号,死亡日期\n{A[:17]},2026-01-05\n")
    with pytest.raises(ReferenceDataError) as exc:
        load_deaths(path)
    assert exc.value.code == "id.length"
    assert str(exc.value).startswith("文件 d.csv 第2行 列“公民身份号码”")


def test_missing_column(tmp_path: Path) -> None:
    path = _csv(tmp_path / "d.csv", f"身份证号,日期\n{A},2026-01-05\n")
    with pytest.raises(ReferenceDataError) as exc:
        load_deaths(path)
    assert exc.value.code == "refdata.column"
    assert (exc.value.location.row, exc.value.location.column) == (1, "死亡日期")


def test_conflicting_death_dates_and_future_dates(tmp_path: Path) -> None:
    path = _csv(tmp_path / "d.csv", f"身份证号,死亡日期\n{A},2026-01-05\n{A},2026-01-06\n")
    with pytest.raises(ReferenceDataError) as exc:
        load_deaths(path)
    assert exc.value.code == "refdata.duplicate"
    same = _csv(tmp_path / "e.csv", f"身份证号,死亡日期\n{A},2026-01-05\n{A},2026-01-05\n")
    assert load_deaths(same) == {A: _dt.date(2026, 1, 5)}
    future = _dt.date.today() + _dt.timedelta(days=3)
    ahead = _csv(tmp_path / "f.csv", f"身份证号,死亡日期\n{A},{future.isoformat()}\n")
    with pytest.raises(ReferenceDataError) as exc:
        load_deaths(ahead)
    assert exc.value.code == "refdata.date_future"


def test_id_stored_as_number_in_xlsx(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "p.xlsx", [["身份证号"], [float(A[:17] + "0")]])
    with pytest.raises(ReferenceDataError) as exc:
        load_id_set(path)
    assert exc.value.code == "refdata.id_as_number"
    assert exc.value.location.row == 2


def test_payroll_registry_prior_and_households(tmp_path: Path) -> None:
    payroll = _csv(tmp_path / "payroll.csv", f"身份证号,工作单位\n{A},某县教育局\n{B},\n")
    assert load_public_payroll(payroll) == {A: "某县教育局", B: ""}
    vehicles = _xlsx(tmp_path / "vehicles.xlsx", [["姓名", "证件号码"], ["马明", A], ["李芳", C]])
    assert load_id_set(vehicles) == frozenset({A, C})
    prior = _xlsx(
        tmp_path / "prior.xlsx",
        [
            ["政策编码", "发放期间", "身份证号", "金额", "批次号"],
            ["nx-gljt", "2026-01", A, 100.5, "B1"],
            ["NX-GLJT", 2025, B, "1200", "B0"],
        ],
    )
    paid = load_prior_payouts(prior)
    assert len(paid) == 2
    (first,) = paid.for_policy("NX-GLJT")[A]
    assert (first.amount, first.batch_id, str(first.period)) == (Decimal("100.50"), "B1", "2026-01")
    assert str(paid.for_policy("NX-GLJT")[B][0].period) == "2025"
    households = _csv(
        tmp_path / "hh.csv",
        f"户编号,身份证号,姓名,与户主关系,区划代码\nH1,{A},马福,户主,640122101201\nH1,{B},马芳,女儿,\n",
    )
    registry = load_households(households)
    home = registry.of_member(B)
    assert home is not None
    assert (home.household_id, home.head_name, home.region) == ("H1", "马福", "640122101201")
    assert A not in repr(home)


def test_prior_payouts_bad_amount_and_period(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "prior.csv",
        f"政策编码,发放期间,身份证号,金额,批次号\nNX-A,2026-13,{A},1.00,B1\nNX-A,2026-01,{B},1.005,B1\n"
        f"NX-A,2026-01,{C},1.00,\n",
    )
    with pytest.raises(ReferenceDataError) as exc:
        load_prior_payouts(path)
    assert [(d.code, d.location.row) for d in exc.value.details] == [
        ("period.format", 2),
        ("amount.precision", 3),
        ("refdata.batch_empty", 4),
    ]


def test_household_bad_region(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "hh.csv", f"户编号,身份证号,姓名,与户主关系,区划代码\nH1,{A},马福,户主,650000\n"
    )
    with pytest.raises(ReferenceDataError) as exc:
        load_households(path)
    assert (exc.value.code, exc.value.location.row, exc.value.location.column) == (
        "region.unknown",
        2,
        "区划代码",
    )


def test_household_with_two_heads(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "hh.csv",
        f"户编号,身份证号,姓名,与户主关系\nH1,{A},马福,户主\nH1,{B},马芳,户主\n",
    )
    with pytest.raises(ReferenceDataError) as exc:
        load_households(path)
    assert exc.value.code == "refdata.household"
    assert exc.value.location.file == "hh.csv"


def test_gb18030_csv_needs_its_encoding(tmp_path: Path) -> None:
    path = _csv(tmp_path / "p.csv", f"身份证号,工作单位\n{A},某县教育局\n", encoding="gb18030")
    with pytest.raises(ReferenceDataError) as exc:
        load_public_payroll(path)
    assert exc.value.code == "refdata.encoding"
    assert load_public_payroll(path, encoding="gb18030") == {A: "某县教育局"}


def test_unsupported_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError) as exc:
        load_id_set(tmp_path / "ids.json")
    assert exc.value.code == "refdata.format"
    with pytest.raises(ReferenceDataError) as exc:
        load_id_set(tmp_path / "absent.csv")
    assert exc.value.code == "refdata.io"
    with pytest.raises(ReferenceDataError) as exc:
        load_id_set(_csv(tmp_path / "empty.csv", ""))
    assert exc.value.code == "refdata.empty"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(junk=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_junk_bytes_give_only_library_errors(tmp_path: Path, junk: bytes, suffix: str) -> None:
    path = tmp_path / f"junk{suffix}"
    path.write_bytes(junk)
    for load in (
        load_deaths,
        load_public_payroll,
        load_id_set,
        load_prior_payouts,
        load_households,
    ):
        with contextlib.suppress(YikatongError):  # anything else fails the test
            load(path)


def test_damaged_xlsx(tmp_path: Path) -> None:
    good = _xlsx(tmp_path / "ok.xlsx", [["身份证号"], [A]])
    data = good.read_bytes()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReferenceDataError) as exc:
        load_id_set(broken)
    assert exc.value.code == "refdata.xlsx"


_PAYOUT_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["NX-GLJT", "nx-gljt", " Nx-Dibao ", "NX-HOTEST"]),
        st.sampled_from(["2026", "2026-H1", "2026-Q1", "2026-03", " 2026-04 "]),
        st.sampled_from([A, B, C, A.lower()]),
        st.sampled_from(["100", "100.5", "0.01", "12345.67"]),
        st.sampled_from(["B1", " B2 ", "TK-2026"]),
        st.sampled_from(["", "H1", " H-2 "]),
    ),
    max_size=8,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=_PAYOUT_ROWS)
def test_prior_payouts_from_file_and_from_memory_are_the_same(
    tmp_path: Path, rows: list[tuple[str, str, str, str, str, str]]
) -> None:
    lines = "".join(",".join(row) + "\n" for row in rows)
    path = _csv(tmp_path / "paid.csv", "政策编码,发放期间,身份证号,金额,批次号,户编号\n" + lines)
    from_file = list(load_prior_payouts(path))
    # As a caller may pass them: policy code and period as typed, amount as text.
    fields: list[Any] = [list(row) for row in rows]
    loose = [PriorPayout(c, p, i, m, b, household_id=h) for c, p, i, m, b, h in fields]
    from_memory = CheckContext.build(prior_payouts=loose).prior_payouts
    assert from_memory is not None
    assert sorted(map(repr, from_memory)) == sorted(map(repr, from_file))
    assert [(p.id_number, p.period, p.amount) for p in from_memory] == [
        (p.id_number, p.period, p.amount) for p in from_file
    ]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    deaths=st.lists(
        st.tuples(
            st.sampled_from([A, B, f" {A} "]),
            st.sampled_from(["2026-01-05", "2026/1/5", "2025-12-01"]),
        ),
        max_size=5,
    )
)
def test_deaths_from_file_and_from_memory_agree(
    tmp_path: Path, deaths: list[tuple[str, str]]
) -> None:
    memory = dict(deaths)  # a mapping keeps one date per spelling, as a caller's dict would
    spelled = "".join(f"{i},{d}\n" for i, d in memory.items())
    path = _csv(tmp_path / "deaths.csv", "身份证号,死亡日期\n" + spelled)

    def outcome(load: Any) -> object:
        try:
            return load()
        except ReferenceDataError as exc:
            return exc.code

    assert outcome(lambda: load_deaths(path)) == outcome(
        lambda: CheckContext.build(deaths=memory).deaths
    )
