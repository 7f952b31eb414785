"""The published policy list: revisions, diff, overlaps, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from ningxia_yikatong import Amount, PolicyCatalog, SubsidyPolicy
from ningxia_yikatong.catalog import (
    PUBLIC_COLUMNS,
    CatalogRevision,
    diff,
    overlaps,
    public_rows,
    render_age_limits,
    render_county_funding,
    render_funding,
    render_policy_funding,
    render_regions,
    render_standard,
)
from ningxia_yikatong.errors import CatalogError, ModelError
from ningxia_yikatong.policy import (
    DeclaredStandard,
    FixedStandard,
    FundingShares,
    PerUnitStandard,
    Tier,
    TieredStandard,
)
from ningxia_yikatong.regions import RegionCode
from ningxia_yikatong.testing.policies import (
    CULTIVATED_LAND,
    DISABILITY_LIVING,
    ELDERLY_ALLOWANCE,
    EXTREME_POVERTY,
    GRAIN_FARMERS_ONCE,
    LIVESTOCK_BREED,
    MINIMUM_LIVING,
    SEVERE_DISABILITY_CARE,
    STUDENT_GRANT,
    TEMPORARY_ASSISTANCE,
    sample_catalog,
    sample_policies,
    sample_standard_policies,
)
from ningxia_yikatong.testing.strategies import subsidy_policies

D = dt.date
_XML_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def by_code() -> dict[str, SubsidyPolicy]:
    return {p.code: p for p in sample_policies()}


def revision(version: int, day: dt.date, *policies: SubsidyPolicy, **extra: Any) -> CatalogRevision:
    return CatalogRevision(
        version=version, effective_from=day, published_on=day, policies=policies, **extra
    )


def changed(policy: SubsidyPolicy, **update: Any) -> SubsidyPolicy:
    """A validated copy of ``policy`` with some fields replaced."""
    return SubsidyPolicy.model_validate({**policy.model_dump(), **update})


# --------------------------------------------------------------------- samples


def test_sample_policies_are_stable_and_cover_every_standard() -> None:
    policies = sample_policies()
    assert policies == sample_policies()
    codes = [p.code for p in policies]
    assert len(set(codes)) == len(codes) == 9
    kinds = {type(p.standard) for p in policies}
    assert kinds == {FixedStandard, PerUnitStandard, TieredStandard, DeclaredStandard}
    # realistic relations the checks rely on
    pol = by_code()
    assert pol[MINIMUM_LIVING].excludes_public_payroll
    assert pol[EXTREME_POVERTY].exclusive_with == (MINIMUM_LIVING,)
    assert not all(p.requires_yikatong for p in policies)
    assert revision(1, D(2024, 1, 1), *policies).policies == policies


def test_sample_catalog() -> None:
    catalog = sample_catalog()
    assert [r.version for r in catalog.revisions] == [1, 2]
    assert catalog.latest.policies == sample_policies()
    assert LIVESTOCK_BREED in catalog.revisions[0].codes
    assert GRAIN_FARMERS_ONCE not in catalog.revisions[0].codes


# --------------------------------------------------------------------- revisions


def test_revision_lookup_by_code() -> None:
    rev = sample_catalog().latest
    assert rev.policy("nx-gljt").name == "高龄津贴"
    assert rev.get("NX-NOPE") is None
    assert rev.get("not a code!") is None
    assert list(rev.by_code) == list(rev.codes)
    with pytest.raises(CatalogError) as info:
        rev.policy("NX-NOPE")
    assert info.value.code == "catalog.unknown_code"


def test_revision_refuses_duplicate_codes() -> None:
    p = by_code()[CULTIVATED_LAND]
    with pytest.raises(CatalogError) as info:
        revision(1, D(2024, 1, 1), p, p)
    assert info.value.code == "catalog.duplicate_code"
    assert info.value.location.path == "policies[1].code"


def test_revision_refuses_unknown_and_one_sided_exclusions() -> None:
    pol = by_code()
    lonely = pol[MINIMUM_LIVING]  # names NX-TEKUN, which is missing
    with pytest.raises(CatalogError) as info:
        revision(1, D(2024, 1, 1), lonely)
    assert info.value.code == "catalog.unknown_exclusive"
    assert info.value.location.path == "policies[0].exclusive_with[0]"
    one_sided = changed(pol[EXTREME_POVERTY], exclusive_with=[])
    with pytest.raises(CatalogError) as info:
        revision(1, D(2024, 1, 1), lonely, one_sided)
    assert info.value.code == "catalog.exclusive_asymmetric"
    assert "NX-TEKUN" in info.value.message


def test_revision_refuses_expired_policy_and_lists_every_problem() -> None:
    pol = by_code()
    expired = pol[GRAIN_FARMERS_ONCE]  # 2024 only
    assert revision(1, D(2024, 12, 31), expired).codes == (GRAIN_FARMERS_ONCE,)
    with pytest.raises(CatalogError) as info:
        revision(1, D(2025, 1, 1), expired, pol[MINIMUM_LIVING], expired)
    err = info.value
    assert err.code == "catalog.revision_invalid"
    assert [d.code for d in err.details] == [
        "catalog.duplicate_code",
        "catalog.policy_expired",
        "catalog.unknown_exclusive",
        "catalog.policy_expired",
    ]
    assert [d.location.path for d in err.details] == [
        "policies[2].code",
        "policies[0].effective_to",
        "policies[1].exclusive_with[0]",
        "policies[2].effective_to",
    ]


def test_nested_revision_errors_keep_their_full_path() -> None:
    pol = by_code()
    data = sample_catalog().model_dump(mode="json")
    data["revisions"][1]["policies"].append(pol[CULTIVATED_LAND].model_dump(mode="json"))
    data["revisions"][1]["policies"][3]["exclusive_with"] = ["NX-NOPE"]
    with pytest.raises(CatalogError) as info:
        PolicyCatalog.model_validate(data)
    paths = [d.location.path for d in info.value.details]
    assert "revisions[1].policies[9].code" in paths
    assert "revisions[1].policies[3].exclusive_with[0]" in paths


def test_catalog_order_of_revisions() -> None:
    first, second = sample_catalog().revisions
    with pytest.raises(CatalogError) as info:
        PolicyCatalog(revisions=(second, first))
    assert {d.code for d in info.value.details} == {
        "catalog.version_order",
        "catalog.effective_order",
    }
    same_day = second.model_copy(update={"effective_from": first.effective_from})
    with pytest.raises(CatalogError) as info:
        PolicyCatalog(revisions=(first, same_day))
    assert info.value.code == "catalog.effective_order"
    assert info.value.location.path == "revisions[1].effective_from"
    # gaps in version numbers are allowed, order is not optional
    gap = second.model_copy(update={"version": 7})
    assert PolicyCatalog(revisions=(first, gap)).latest.version == 7


def test_revision_on_and_policy_on() -> None:
    catalog = sample_catalog()
    with pytest.raises(CatalogError) as info:
        catalog.revision_on(D(2022, 12, 31))
    assert info.value.code == "catalog.not_in_force"
    assert catalog.revision_on(D(2023, 1, 1)).version == 1
    assert catalog.revision_on(D(2023, 12, 31)).version == 1
    assert catalog.revision_on(D(2024, 1, 1)).version == 2
    assert catalog.revision_on(D(2099, 1, 1)).version == 2
    assert catalog.current == catalog.revision_on(dt.date.today())
    old = catalog.policy(CULTIVATED_LAND, on=D(2023, 6, 1)).standard
    new = catalog.policy(CULTIVATED_LAND, on=D(2024, 6, 1)).standard
    assert isinstance(old, PerUnitStandard)
    assert isinstance(new, PerUnitStandard)
    assert (old.rate, new.rate) == (Decimal("98.00"), Decimal("105.50"))
    with pytest.raises(CatalogError) as info:
        catalog.policy(LIVESTOCK_BREED, on=D(2024, 6, 1))
    assert info.value.code == "catalog.unknown_code"
    assert catalog.revision(1).version == 1
    with pytest.raises(CatalogError) as info:
        catalog.revision(3)
    assert info.value.code == "catalog.unknown_version"


def test_empty_catalog() -> None:
    empty = PolicyCatalog()
    with pytest.raises(CatalogError) as info:
        _ = empty.latest
    assert info.value.code == "catalog.empty"
    with pytest.raises(CatalogError) as info:
        empty.revision_on(D(2024, 1, 1))
    assert info.value.code == "catalog.not_in_force"
    first = empty.revise(D(2024, 1, 1), add=sample_policies(), note="首版")
    assert first.latest.version == 1
    assert first.latest.published_on == D(2024, 1, 1)
    assert empty.revisions == ()  # unchanged


def test_revise_returns_a_new_catalog() -> None:
    catalog = sample_catalog()
    pol = by_code()
    raised = changed(pol[DISABILITY_LIVING], standard={"kind": "fixed", "amount": "90"})
    revised = catalog.revise(
        D(2025, 1, 1),
        published_on=D(2024, 12, 20),
        note="2025年度",
        remove=["nx-sjzlnm"],
        change=[raised],
    )
    assert len(catalog.revisions) == 2
    latest = revised.latest
    assert (latest.version, latest.note, latest.published_on) == (3, "2025年度", D(2024, 12, 20))
    assert GRAIN_FARMERS_ONCE not in latest.codes
    assert latest.policy(DISABILITY_LIVING) == raised
    # order is kept: a changed policy stays where it was
    assert latest.codes == tuple(c for c in catalog.latest.codes if c != GRAIN_FARMERS_ONCE)
    assert revised.revisions[:2] == catalog.revisions


def test_revise_refuses_and_reports_everything() -> None:
    catalog = sample_catalog()
    pol = by_code()
    stranger = changed(pol[DISABILITY_LIVING], code="NX-NEW")
    with pytest.raises(CatalogError) as info:
        catalog.revise(
            D(2025, 1, 1),
            remove=["NX-NOPE", "bad code!"],
            change=[stranger],
            add=[pol[ELDERLY_ALLOWANCE]],
        )
    assert info.value.code == "catalog.revise"
    assert [(d.code, d.location.field) for d in info.value.details] == [
        ("catalog.unknown_code", "remove"),
        ("policy_code.format", "remove"),
        ("catalog.unknown_code", "change"),
        ("catalog.duplicate_code", "add"),
    ]
    # the new revision must still be consistent: removing 特困 leaves 低保 pointing at it
    with pytest.raises(CatalogError) as info:
        catalog.revise(D(2025, 1, 1), remove=[EXTREME_POVERTY, GRAIN_FARMERS_ONCE])
    assert info.value.code == "catalog.unknown_exclusive"
    # and must come after the last one
    with pytest.raises(CatalogError) as info:
        catalog.revise(D(2024, 1, 1))
    assert info.value.code == "catalog.effective_order"


def test_with_revision() -> None:
    catalog = sample_catalog()
    extra = revision(5, D(2026, 1, 1), catalog.latest.policies[2], catalog.latest.policies[5])
    assert catalog.with_revision(extra).latest == extra
    with pytest.raises(CatalogError) as info:
        catalog.with_revision(extra.model_copy(update={"version": 2}))
    assert info.value.code == "catalog.version_order"


def test_catalog_errors_are_model_errors_and_never_raw_pydantic() -> None:
    for junk in (b"", b"\xff\xfe\x00", b"[]", b'{"revisions": 3}', b'{"title": ""}', b"{" * 5000):
        with pytest.raises(CatalogError) as info:
            PolicyCatalog.model_validate_json(junk)
        assert isinstance(info.value, ModelError)
    with pytest.raises(CatalogError):
        CatalogRevision.model_validate({"version": 0, "effective_from": "x"})


# --------------------------------------------------------------------- diff


def test_diff_between_sample_revisions() -> None:
    d = sample_catalog().diff()
    assert (d.old_version, d.new_version) == (1, 2)
    assert [p.code for p in d.added] == [GRAIN_FARMERS_ONCE]
    assert [p.code for p in d.removed] == [LIVESTOCK_BREED]
    changes = {c.code: c.fields for c in d.changed}
    assert list(changes) == [CULTIVATED_LAND, ELDERLY_ALLOWANCE, MINIMUM_LIVING]
    (rate,) = changes[CULTIVATED_LAND]
    assert (rate.field, rate.label, rate.old, rate.new) == (
        "standard.rate",
        "补贴标准（单价）",
        "98.00",
        "105.50",
    )
    assert (rate.old_text, rate.new_text) == ("98元", "105.50元")
    (tiers,) = changes[ELDERLY_ALLOWANCE]
    assert tiers.field == "standard.tiers"
    assert tiers.old_text.startswith("80-89岁每月80元；")
    (cap,) = changes[MINIMUM_LIVING]
    assert (cap.field, cap.old, cap.new) == ("standard.cap", "700.00", "800.00")
    assert not d.is_empty
    lines = d.lines()
    assert lines[0] == "第1版 → 第2版"
    assert "新增：NX-SJZLNM 实际种粮农民一次性补贴" in lines
    assert "删除：NX-XMLZ 畜牧良种补贴" in lines
    assert "  补贴标准（上限）：700元 → 800元" in lines


def test_diff_whole_fields_and_kind_change() -> None:
    pol = by_code()
    before = pol[DISABILITY_LIVING]
    after = changed(
        before,
        standard={"kind": "tiered", "tiers": [{"min_age": 60, "amount": "100"}]},
        funding={"central": "0.5", "region": "0.5"},
        regions=["640100", "640402"],
        effective_to="2030-12-31",
        requires_yikatong=False,
        name="困难残疾人生活补贴（调整）",
    )
    d = diff(revision(1, D(2024, 1, 1), before), revision(2, D(2025, 1, 1), after))
    (change,) = d.changed
    assert change.name == "困难残疾人生活补贴（调整）"
    got = {f.field: (f.old_text, f.new_text) for f in change.fields}
    assert got == {
        "name": ("困难残疾人生活补贴", "困难残疾人生活补贴（调整）"),
        "standard": ("每月80元", "60岁及以上每月100元"),
        "funding.central": ("0%", "50%"),
        "funding.region": ("60%", "50%"),
        "funding.county": ("40%", "0%"),
        "regions": ("宁夏回族自治区", "银川市、原州区"),
        "effective_to": ("长期有效", "2030-12-31"),
        "requires_yikatong": ("是", "否"),
    }
    assert change.fields[0].field == "name"  # model field order


def test_diff_identical_and_from_nothing() -> None:
    rev = sample_catalog().latest
    same = diff(rev, rev)
    assert same.is_empty
    assert same.lines() == ["第2版 → 第2版", "无变化"]
    first = diff(None, rev)
    assert first.old_version is None
    assert first.added == rev.policies
    single = PolicyCatalog(revisions=(rev,))
    assert single.diff() == first
    assert sample_catalog().diff(2, 1).added[0].code == LIVESTOCK_BREED
    assert CatalogRevision.model_validate_json(rev.model_dump_json()) == rev


# --------------------------------------------------------------------- overlaps


def test_overlaps_in_the_sample() -> None:
    found = overlaps(sample_catalog().latest)
    pairs = [(o.first, o.second) for o in found]
    assert pairs == [
        (CULTIVATED_LAND, GRAIN_FARMERS_ONCE),
        (DISABILITY_LIVING, SEVERE_DISABILITY_CARE),
    ]
    land = found[0]
    assert (land.period_start, land.period_end) == (D(2024, 1, 1), D(2024, 12, 31))
    assert land.regions == (RegionCode("640000"),)
    assert "同属农业生产发展类" in land.reason
    assert "可研究整合" in land.reason
    assert found[1].period_end is None
    assert sample_catalog().latest.overlaps() == found


def base_policy(**update: Any) -> SubsidyPolicy:
    return changed(by_code()[DISABILITY_LIVING], **update)


@pytest.mark.parametrize(
    ("second", "hit"),
    [
        # same category and target, region inside, open periods: hit
        ({"code": "NX-B", "regions": ["640122101001"]}, True),
        # different target
        ({"code": "NX-B", "target": "household"}, False),
        # different category
        ({"code": "NX-B", "category": "elderly"}, False),
        # regions apart
        ({"code": "NX-B", "regions": ["640323"]}, False),
        # periods apart: B ends the day before A starts
        ({"code": "NX-B", "effective_from": "2010-01-01", "effective_to": "2015-12-31"}, False),
        # periods touch on one day
        ({"code": "NX-B", "effective_from": "2010-01-01", "effective_to": "2016-01-01"}, True),
    ],
)
def test_overlap_hit_and_miss(second: dict[str, Any], hit: bool) -> None:
    a = base_policy(regions=["640100"])
    b = base_policy(**second)
    assert bool(overlaps(revision(1, D(2009, 1, 1), a, b))) is hit
    assert bool(overlaps(revision(1, D(2009, 1, 1), b, a))) is hit


def test_overlap_regions_are_the_narrower_codes_and_exclusion_is_noted() -> None:
    a = base_policy(regions=["640100", "640323"], exclusive_with=["NX-B"])
    b = base_policy(code="NX-B", regions=["640000"], exclusive_with=[DISABILITY_LIVING])
    (found,) = overlaps(revision(1, D(2020, 1, 1), a, b))
    assert found.regions == (RegionCode("640100"), RegionCode("640323"))
    assert "银川市、盐池县" in found.reason
    assert "已设为互斥" in found.reason


# --------------------------------------------------------------------- rendering


def test_render_standards() -> None:
    pol = by_code()
    assert render_standard(pol[CULTIVATED_LAND]) == "每亩105.50元"
    assert render_standard(pol[DISABILITY_LIVING]) == "每月80元"
    assert render_standard(pol[MINIMUM_LIVING]) == "据实申报，上限每月800元"
    assert render_standard(pol["NX-NJGZ"]) == "据实申报，上限150000元"
    assert (
        render_standard(pol[ELDERLY_ALLOWANCE])
        == "80-89岁每月100元；90-99岁每月200元；100岁及以上每月500元"
    )
    capped = base_policy(
        target="household",
        frequency="yearly",
        standard={"kind": "per_unit", "unit": "头", "rate": "12.3456", "max_quantity": "50.5"},
    )
    assert render_standard(capped) == "每头12.3456元，每户最多50.5头"
    quarterly = base_policy(
        frequency="quarterly",
        standard={
            "kind": "tiered",
            "tiers": [
                {"min_age": 90, "amount": "300.5"},
                {"max_age": 17, "amount": "50"},
                {"min_age": 60, "max_age": 60, "amount": "1"},
            ],
        },
    )
    assert (
        render_standard(quarterly)
        == "17岁及以下每季度50元；60岁每季度1元；90岁及以上每季度300.50元"
    )
    once = base_policy(frequency="once", standard={"kind": "fixed", "amount": "0.5"})
    assert render_standard(once) == "一次性0.50元"


def test_render_helpers() -> None:
    assert render_funding(FundingShares(central=Decimal(1))) == "中央100%"
    assert (
        render_funding(
            FundingShares(
                region=Decimal("0.3333"), city=Decimal("0.3333"), county=Decimal("0.3334")
            )
        )
        == "自治区33.33%、市33.33%、县33.34%"
    )
    assert render_regions([RegionCode("640100"), RegionCode("640122101001")]) == (
        "银川市、贺兰县640122101001"
    )
    assert render_age_limits(None, None) == "不限"
    assert render_age_limits(80, None) == "80岁及以上"
    assert render_age_limits(None, 17) == "17岁及以下"
    assert render_age_limits(16, 59) == "16-59岁"


# --------------------------------------------------------------------- exports


def test_public_rows() -> None:
    rev = sample_catalog().latest
    rows = public_rows(rev)
    assert len(rows) == len(rev.policies)
    assert all(len(r) == len(PUBLIC_COLUMNS) for r in rows)
    row = dict(zip(PUBLIC_COLUMNS, rows[3], strict=True))
    assert row == {
        "政策编码": "NX-DIBAO",
        "政策名称": "城乡居民最低生活保障金",
        "类别": "社会救助",
        "主管部门": "自治区民政厅",
        "政策依据": "《社会救助暂行办法》（国务院令第649号）",
        "补贴对象": "户",
        "补贴标准": "据实申报，上限每月800元",
        "资金分担": "中央80%、自治区10%、县10%",
        "发放频次": "按月",
        "办理时限（天）": "10",
        "适用区域": "宁夏回族自治区",
        "年龄条件": "不限",
        "生效日期": "2014-05-01",
        "失效日期": "长期有效",
        "是否通过一卡通发放": "是",
        "是否排除财政供养人员": "是",
        "互斥政策": "特困人员救助供养金（NX-TEKUN）",
        "政策目标": "保障城乡困难家庭基本生活",
        "清单版本": "2",
    }


def test_csv_export_reads_back() -> None:
    rev = sample_catalog().latest
    data = rev.export_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == PUBLIC_COLUMNS
    assert [tuple(r) for r in rows[1:]] == public_rows(rev)


def test_exports_neutralise_formulas() -> None:
    sneaky = base_policy(legal_basis='=HYPERLINK("http://x")', goal="+1", name="-名称")
    rev = revision(1, D(2024, 1, 1), sneaky)
    rows = list(csv.reader(io.StringIO(rev.export_csv().decode("utf-8-sig"), newline="")))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["政策依据"], row["政策目标"], row["政策名称"]) == (
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-名称",
    )
    book = CalamineWorkbook.from_filelike(io.BytesIO(rev.export_xlsx()))
    cells = book.get_sheet_by_name("补贴政策清单").to_python()
    xrow = dict(zip(cells[0], cells[1], strict=True))
    assert xrow["政策依据"] == '=HYPERLINK("http://x")'  # text cell, not a formula


def test_xlsx_refuses_what_it_cannot_hold() -> None:
    bad = base_policy(goal="补贴\x07说明")
    with pytest.raises(CatalogError) as info:
        revision(1, D(2024, 1, 1), bad, note="a\x00b").export_xlsx()
    assert info.value.code == "catalog.xlsx_text"
    first, second = info.value.details
    assert (first.location.row, first.location.column) == (2, "政策目标")
    assert "U+0007" in first.message
    assert (second.code, second.location.row, second.location.column) == (
        "catalog.xlsx_character",
        5,
        "B",
    )
    assert "版本信息" in second.message
    with pytest.raises(CatalogError) as info:
        revision(1, D(2024, 1, 1), note="a\x00b").export_xlsx()
    assert (info.value.location.row, info.value.location.column) == (5, "B")
    villages = (
        [f"640122101{n:03d}" for n in range(1, 1000)]
        + [f"640122102{n:03d}" for n in range(1, 1000)]
        + [f"640122103{n:03d}" for n in range(1, 400)]
    )
    wide = base_policy(code="NX-WIDE", regions=villages)
    with pytest.raises(CatalogError) as info:
        revision(1, D(2024, 1, 1), wide).export_xlsx()
    assert info.value.code == "catalog.xlsx_cell_too_long"
    assert info.value.location.column == "适用区域"
    # CSV has no such limits and keeps everything
    text = revision(1, D(2024, 1, 1), wide, bad).export_csv().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1][PUBLIC_COLUMNS.index("适用区域")].count("贺兰县") == len(villages)
    assert rows[2][PUBLIC_COLUMNS.index("政策目标")] == "补贴\x07说明"


def test_xlsx_export_reads_back_with_an_independent_reader() -> None:
    catalog = sample_catalog()
    rev = catalog.latest
    book = CalamineWorkbook.from_filelike(io.BytesIO(rev.export_xlsx(title=catalog.title)))
    assert book.sheet_names == ["补贴政策清单", "版本信息"]
    cells = book.get_sheet_by_name("补贴政策清单").to_python()
    assert tuple(cells[0]) == PUBLIC_COLUMNS
    assert [tuple(r) for r in cells[1:]] == public_rows(rev)
    info = {str(k): str(v) for k, v in book.get_sheet_by_name("版本信息").to_python()}
    assert info["清单名称"] == "宁夏回族自治区惠民惠农财政补贴政策清单"
    assert (info["版本"], info["生效日期"], info["发布日期"]) == ("2", "2024-01-01", "2024-01-15")
    assert info["政策数"] == "9"


def test_json_export_round_trip_of_the_sample() -> None:
    catalog = sample_catalog()
    text = catalog.export_json()
    assert PolicyCatalog.model_validate_json(text) == catalog
    data = json.loads(text)
    assert data["revisions"][1]["policies"][0]["standard"] == {
        "kind": "per_unit",
        "unit": "亩",
        "rate": "105.50",
        "max_quantity": None,
    }


# --------------------------------------------------------------------- richer standards


def standards_catalog() -> PolicyCatalog:
    """The sample list with a third revision: 特困 by care level and city with county
    funding shares, 残疾人两项补贴 by grade, a semester grant and capped ad hoc relief."""
    tekun, care, living, grant, temporary, dibao = sample_standard_policies()
    return sample_catalog().revise(
        D(2025, 1, 1),
        note="2025年度：分档标准、分县分担比例",
        remove=[GRAIN_FARMERS_ONCE],
        change=[tekun, care, living, dibao],
        add=[grant, temporary],
    )


def test_render_the_richer_standards() -> None:
    texts = {p.code: render_standard(p) for p in sample_standard_policies()}
    assert texts[EXTREME_POVERTY] == (
        "其他地区全自理每月1040元；其他地区半护理每月1340元；其他地区全护理每月1640元；"
        "银川市全自理每月1150元；银川市半护理每月1450元；银川市全护理每月1750元"
    )
    assert texts[SEVERE_DISABILITY_CARE] == "一级残疾每月100元；二级残疾每月80元"
    assert texts[STUDENT_GRANT] == "每学期1000元"
    assert texts[TEMPORARY_ASSISTANCE] == "据实申报，上限每次3000元；每人每年累计不超过6000元"
    lifetime = changed(
        sample_standard_policies()[4],
        standard={
            "kind": "capped",
            "base": {"kind": "tiered", "tiers": [{"region": "640104", "amount": "10"}]},
            "cap": "20",
            "scope": "total",
        },
        frequency="yearly",
    )
    assert render_standard(lifetime) == "兴庆区每年10元；每人累计不超过20元"


def test_public_rows_show_county_funding_and_new_frequencies() -> None:
    rows = {
        r[0]: dict(zip(PUBLIC_COLUMNS, r, strict=True))
        for r in public_rows(standards_catalog().latest)
    }
    assert rows[EXTREME_POVERTY]["资金分担"] == (
        "中央80%、自治区10%、县10%（盐池县：中央80%、自治区20%；海原县：中央80%、自治区20%）"
    )
    assert rows[STUDENT_GRANT]["发放频次"] == "按学期"
    assert rows[TEMPORARY_ASSISTANCE]["发放频次"] == "临时"
    assert rows[MINIMUM_LIVING]["资金分担"] == "中央80%、自治区10%、县10%"
    tekun = sample_standard_policies()[0]
    assert render_county_funding(()) == "无"
    assert render_policy_funding(tekun).startswith(render_funding(tekun.funding))


def test_diff_shows_tiers_county_funding_caps_and_frequencies() -> None:
    catalog = standards_catalog()
    d = catalog.diff()
    assert (d.old_version, d.new_version) == (2, 3)
    assert [p.code for p in d.added] == [STUDENT_GRANT, TEMPORARY_ASSISTANCE]
    changes = {c.code: {f.field: f for f in c.fields} for c in d.changed}
    assert list(changes) == [
        MINIMUM_LIVING,
        EXTREME_POVERTY,
        DISABILITY_LIVING,
        SEVERE_DISABILITY_CARE,
    ]
    dibao = changes[MINIMUM_LIVING]["standard.tiers"]
    assert (dibao.label, dibao.old, dibao.new_text) == (
        "补贴标准（档次）",
        [],
        "据实申报，上限每月800元（银川市每月900元；兴庆区每月950元）",
    )
    tekun = changes[EXTREME_POVERTY]
    assert set(tekun) == {"standard", "county_funding"}
    assert tekun["standard"].old_text == "每月1040元"
    assert tekun["standard"].new_text.startswith("其他地区全自理每月1040元；")
    funding = tekun["county_funding"]
    assert funding.label == "分县资金分担"
    assert (funding.old_text, funding.old) == ("无", [])
    assert funding.new_text == "盐池县：中央80%、自治区20%；海原县：中央80%、自治区20%"
    assert funding.new[0]["county"] == "640323"  # type: ignore[index,call-overload]
    lines = d.lines()
    assert "新增：NX-LSJZ 临时救助金" in lines
    assert "  分县资金分担：无 → 盐池县：中央80%、自治区20%；海原县：中央80%、自治区20%" in lines

    # A fourth revision changes within the same kinds: the cap, its scope, the
    # tiers, the frequency.
    temporary = catalog.latest.policy(TEMPORARY_ASSISTANCE)
    grant = catalog.latest.policy(STUDENT_GRANT)
    care = catalog.latest.policy(SEVERE_DISABILITY_CARE)
    fourth = catalog.revise(
        D(2026, 1, 1),
        change=[
            changed(
                temporary,
                standard={
                    "kind": "capped",
                    "base": {"kind": "declared", "cap": "3000"},
                    "cap": "8000",
                    "scope": "total",
                },
            ),
            changed(grant, frequency="yearly", standard={"kind": "fixed", "amount": "2000"}),
            changed(
                care,
                standard={
                    "kind": "tiered",
                    "tiers": [
                        {"disability_grades": ["一级"], "amount": "120"},
                        {"disability_grades": ["二级"], "amount": "80"},
                    ],
                },
            ),
        ],
    ).diff()
    got = {
        (c.code, f.field): (f.label, f.old_text, f.new_text)
        for c in fourth.changed
        for f in c.fields
    }
    assert got == {
        (SEVERE_DISABILITY_CARE, "standard.tiers"): (
            "补贴标准（档次）",
            "一级残疾每月100元；二级残疾每月80元",
            "一级残疾每月120元；二级残疾每月80元",
        ),
        (STUDENT_GRANT, "standard.amount"): ("补贴标准（金额）", "1000元", "2000元"),
        (STUDENT_GRANT, "frequency"): ("发放频次", "按学期", "按年"),
        (TEMPORARY_ASSISTANCE, "standard.cap"): ("补贴标准（上限）", "6000元", "8000元"),
        (TEMPORARY_ASSISTANCE, "standard.scope"): (
            "补贴标准（累计上限范围）",
            "每人每年累计",
            "每人累计",
        ),
    }


def test_diff_of_a_capped_standards_base() -> None:
    temporary = sample_standard_policies()[4]
    after = changed(
        temporary,
        standard={"kind": "capped", "base": {"kind": "declared", "cap": "4000"}, "cap": "6000"},
    )
    d = diff(revision(1, D(2024, 1, 1), temporary), revision(2, D(2025, 1, 1), after))
    ((field,),) = [c.fields for c in d.changed]
    assert (field.field, field.label) == ("standard.base", "补贴标准（单次标准）")
    assert (field.old_text, field.new_text) == (
        "据实申报，上限每次3000元",
        "据实申报，上限每次4000元",
    )


def test_exports_of_the_richer_standards() -> None:
    catalog = standards_catalog()
    rev = catalog.latest
    text = rev.export_csv().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [tuple(r) for r in rows[1:]] == public_rows(rev)
    assert "每人每年累计不超过6000元" in text
    assert "盐池县：中央80%、自治区20%" in text
    book = CalamineWorkbook.from_filelike(io.BytesIO(rev.export_xlsx()))
    cells = book.get_sheet_by_name("补贴政策清单").to_python()
    assert [tuple(r) for r in cells[1:]] == public_rows(rev)
    exported = catalog.export_json()
    again = PolicyCatalog.model_validate_json(exported)
    assert again == catalog
    assert again.export_json() == exported
    data = json.loads(exported)
    tekun = data["revisions"][2]["policies"][3]
    assert tekun["code"] == EXTREME_POVERTY
    assert tekun["county_funding"][0] == {
        "county": "640323",
        "shares": {"central": "0.8", "region": "0.2", "city": "0", "county": "0"},
    }
    assert tekun["standard"]["tiers"][3] == {
        "min_age": None,
        "max_age": None,
        "region": "640100",
        "disability_grades": [],
        "care_levels": ["全自理"],
        "amount": "1150.00",
    }


def test_bad_standards_in_a_catalog_are_catalog_errors_with_their_path() -> None:
    data = standards_catalog().model_dump(mode="json")
    tekun = data["revisions"][2]["policies"][3]
    tekun["county_funding"][0]["shares"]["region"] = "0.1"
    with pytest.raises(CatalogError) as info:
        PolicyCatalog.model_validate(data)
    assert info.value.code == "policy.funding_sum"
    assert info.value.location.path == "revisions[2].policies[3].county_funding[0].shares"
    data = standards_catalog().model_dump(mode="json")
    data["revisions"][2]["policies"][-1]["standard"]["cap"] = "100"
    with pytest.raises(CatalogError) as info:
        PolicyCatalog.model_validate(data)
    assert info.value.code == "standard.cap_below_standard"
    assert info.value.location.path == "revisions[2].policies[9].standard.capped.cap"


# --------------------------------------------------------------------- properties


@st.composite
def catalogs(draw: st.DrawFn) -> PolicyCatalog:
    """Valid catalogs of 0-3 revisions of 0-4 generated policies each."""
    n = draw(st.integers(min_value=0, max_value=3))
    versions = sorted(draw(st.sets(st.integers(1, 50), min_size=n, max_size=n)))
    # Generated policies start in 2018 or later, so none has expired before these.
    days = sorted(draw(st.sets(st.dates(D(2000, 1, 1), D(2017, 12, 31)), min_size=n, max_size=n)))
    revisions = []
    for version, day in zip(versions, days, strict=True):
        count = draw(st.integers(min_value=0, max_value=4))
        policies = [draw(subsidy_policies(code=f"NX-P{i}")) for i in range(count)]
        if count >= 2 and draw(st.booleans()):
            a, b = policies[0], policies[1]
            policies[0] = a.model_copy(update={"exclusive_with": (b.code,)})
            policies[1] = b.model_copy(update={"exclusive_with": (a.code,)})
        revisions.append(
            CatalogRevision(
                version=version,
                effective_from=day,
                published_on=draw(st.dates(D(1999, 1, 1), D(2030, 12, 31))),
                note=draw(st.text(max_size=20)),
                policies=tuple(policies),
            )
        )
    return PolicyCatalog(revisions=tuple(revisions))


@settings(max_examples=40, deadline=None)
@given(catalogs())
def test_catalog_json_round_trip(catalog: PolicyCatalog) -> None:
    text = catalog.model_dump_json()
    again = PolicyCatalog.model_validate_json(text)
    assert again == catalog
    assert again.model_dump_json() == text
    for rev in catalog.revisions:
        assert diff(rev, again.revision(rev.version)).is_empty


@settings(max_examples=30, deadline=None)
@given(catalogs())
def test_exports_never_lose_a_policy(catalog: PolicyCatalog) -> None:
    for rev in catalog.revisions:
        rows = list(csv.reader(io.StringIO(rev.export_csv().decode("utf-8-sig"), newline="")))
        assert [r[0] for r in rows[1:]] == [str(c) for c in rev.codes]
    if catalog.revisions:
        rev = catalog.latest
        if _XML_CONTROL.search(rev.note):  # XLSX cannot hold it: refused, not dropped
            with pytest.raises(CatalogError) as info:
                rev.export_xlsx()
            assert info.value.code == "catalog.xlsx_character"
            return
        book = CalamineWorkbook.from_filelike(io.BytesIO(rev.export_xlsx()))
        cells = book.get_sheet_by_name("补贴政策清单").to_python()
        assert [tuple(r) for r in cells[1:]] == public_rows(rev)
        info_sheet = book.get_sheet_by_name("版本信息").to_python()
        assert [str(v) for _, v in info_sheet][4] == rev.note
        assert diff(None, rev).added == rev.policies
        assert all(o.first != o.second for o in overlaps(rev))


def test_amounts_in_standards_stay_decimal() -> None:
    std = by_code()[ELDERLY_ALLOWANCE].standard
    assert isinstance(std, TieredStandard)
    assert all(isinstance(t.amount, Amount) for t in std.tiers)
    assert Tier(min_age=1, amount=Amount("1")).matches(1)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_junk_bytes_give_only_catalog_errors(junk: bytes) -> None:
    with pytest.raises(CatalogError):
        PolicyCatalog.model_validate_json(junk)


_SAMPLE_JSON = sample_catalog().export_json(indent=None).encode()


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(_SAMPLE_JSON) - 1), st.integers(0, 255))
def test_mutated_catalog_json_is_valid_or_a_catalog_error(position: int, byte: int) -> None:
    data = bytearray(_SAMPLE_JSON)
    data[position] = byte
    try:
        catalog = PolicyCatalog.model_validate_json(bytes(data))
    except CatalogError:
        return
    assert PolicyCatalog.model_validate_json(catalog.export_json()) == catalog


def test_diff_and_overlaps_round_trip_through_json() -> None:
    catalog = sample_catalog()
    d = catalog.diff()
    assert type(d).model_validate_json(d.model_dump_json()) == d
    for o in catalog.latest.overlaps():
        assert type(o).model_validate_json(o.model_dump_json()) == o
