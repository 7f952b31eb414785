"""The disclosure of a batch: before and after payment, by region, with totals."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong.disclosure import (
    Column,
    Disclosure,
    DisclosureKind,
    DisclosureProfile,
    NoticeWindow,
    build_disclosure,
    compare_levels,
    village_name,
)
from ningxia_yikatong.errors import DisclosureError
from ningxia_yikatong.reconcile import Outcome

from .conftest import Paid, paid_batch

WINDOW = NoticeWindow(start=_dt.date(2026, 3, 25), days=7)
PROFILE = DisclosureProfile(policy_code="NX-GLJT")


def test_after_payment_lists_the_paid_items_with_the_day_paid(paid: Paid) -> None:
    d = build_disclosure(
        paid.batch, paid.policy, PROFILE, kind="after_payment", window=WINDOW,
        reconciliation=paid.reconciliation,
    )  # fmt: skip
    totals = paid.reconciliation.totals.paid
    assert (d.count, d.total) == (totals.count, totals.amount)
    assert {r.seq for r in d.rows} == {r.seq for r in paid.reconciliation.results(Outcome.PAID)}
    assert d.title == "贺兰县 高龄津贴 2026-03 发放结果公示"
    row = d.rows[0]
    item = paid.batch.items[row.seq - 1]
    assert row.cells == (
        str(item.beneficiary.name),
        village_name(item.beneficiary.region),
        "高龄津贴",
        f"{item.amount:.2f}元",
        f"{item.amount:.2f}",
        "2026-03-20",
    )


def test_villages_are_named_never_shown_as_bare_codes(paid: Paid) -> None:
    item = paid.batch.items[0]
    code = str(item.beneficiary.region)
    assert village_name(item.beneficiary.region) == f"贺兰县{code[6:9]}-{code[9:]}"
    d = build_disclosure(
        paid.batch, paid.policy, PROFILE, kind="before_payment", window=WINDOW,
        region=code[:9], place_names={code: "金山村一组", code[:9]: "金贵镇"},
    )  # fmt: skip
    assert d.region_name == "金贵镇"
    assert "金山村一组" in {r.cells[1] for r in d.rows}


def test_before_payment_lists_every_item(paid: Paid) -> None:
    d = build_disclosure(paid.batch, paid.policy, PROFILE, kind="before_payment", window=WINDOW)
    assert d.count == paid.batch.count
    assert d.total == paid.batch.total
    assert d.kind.label == "发放前公示"


def test_a_disclosure_needs_the_right_step(paid: Paid) -> None:
    with pytest.raises(DisclosureError) as excinfo:
        build_disclosure(paid.batch, paid.policy, PROFILE, kind="after_payment", window=WINDOW)
    assert excinfo.value.code == "disclosure.not_reconciled"
    from ningxia_yikatong.workflow import Lifecycle, LifecycleRules, TimeLimit

    draft = Lifecycle.of(
        paid.batch, department="贺兰县民政局", rules=LifecycleRules(time_limit=TimeLimit(days=9))
    )
    for kind in DisclosureKind:
        with pytest.raises(DisclosureError) as excinfo:
            build_disclosure(
                paid.batch, paid.policy, PROFILE, kind=kind, window=WINDOW,
                reconciliation=paid.reconciliation, lifecycle=draft,
            )  # fmt: skip
        assert excinfo.value.code == "disclosure.not_ready"
        assert "草稿" in excinfo.value.message


def test_an_unknown_kind_is_named(paid: Paid) -> None:
    with pytest.raises(DisclosureError) as excinfo:
        build_disclosure(paid.batch, paid.policy, PROFILE, kind="weekly", window=WINDOW)
    assert excinfo.value.code == "disclosure.kind"


def test_the_profile_and_window_must_fit_the_policy(paid: Paid) -> None:
    with pytest.raises(DisclosureError) as excinfo:
        build_disclosure(
            paid.batch, paid.policy, DisclosureProfile(policy_code="NX-DIBAO"),
            kind="before_payment", window=WINDOW,
        )  # fmt: skip
    assert excinfo.value.code == "disclosure.policy_mismatch"
    strict = DisclosureProfile(policy_code="NX-GLJT", minimum_days=10)
    with pytest.raises(DisclosureError) as excinfo:
        build_disclosure(paid.batch, paid.policy, strict, kind="before_payment", window=WINDOW)
    assert excinfo.value.code == "disclosure.window_short"


def test_masks_apply_to_identifiers_and_names(paid: Paid) -> None:
    profile = DisclosureProfile(
        policy_code="NX-GLJT",
        columns=["name", "id_number", "account", "phone"],
        name_mask="surname",
    )
    d = build_disclosure(paid.batch, paid.policy, profile, kind="before_payment", window=WINDOW)
    item = paid.batch.items[0]
    name, id_cell, account, _phone = d.rows[0].cells
    assert name == str(item.beneficiary.name)[0] + "*" * (len(str(item.beneficiary.name)) - 1)
    assert (
        id_cell
        == str(item.beneficiary.id_number)[:6] + "********" + str(item.beneficiary.id_number)[-4:]
    )
    assert account.endswith(str(item.beneficiary.account.number)[-4:])
    assert set(account[:-4]) == {"*"}


def test_levels_agree_and_a_tampered_list_is_caught(paid: Paid) -> None:
    def of(region: str | None) -> Disclosure:
        return build_disclosure(
            paid.batch, paid.policy, PROFILE, kind="after_payment", window=WINDOW,
            reconciliation=paid.reconciliation, region=region,
        )  # fmt: skip

    county = of(None)
    towns = sorted({str(i.beneficiary.region)[:9] for i in paid.batch.items})
    villages = sorted({str(i.beneficiary.region) for i in paid.batch.items})
    town_lists = [of(t) for t in towns]
    village_lists = [of(v) for v in villages]
    assert sum(t.count for t in town_lists) == county.count
    assert compare_levels(county, town_lists) == []
    for town in town_lists:
        inside = [v for v in village_lists if v.region.startswith(town.region)]
        assert compare_levels(town, inside) == []
    # a village list that dropped a row and changed an amount
    from dataclasses import replace

    village = village_lists[0]
    _, *rest = village.rows
    cells = list(rest[0].cells) if rest else []
    changed = [replace(rest[0], cells=(*cells[:5], "999.00", *cells[6:]))] if rest else []
    tampered = replace(village, rows=tuple(changed + rest[1:]))
    found = compare_levels(county, [tampered])
    whats = [d.what for d in found]
    assert any("清单中没有此条" in w for w in whats)
    if rest:
        assert any("「金额（元）」不一致" in w for w in whats)
    with pytest.raises(DisclosureError) as excinfo:
        compare_levels(town_lists[0], [of(None)])
    assert excinfo.value.code == "disclosure.levels_mismatch"


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(1, 10_000), size=st.integers(1, 30), every=st.integers(2, 9))
def test_totals_equal_the_paid_totals_and_the_levels_agree(
    seed: int, size: int, every: int
) -> None:
    run = paid_batch(seed, size, every)
    county = build_disclosure(
        run.batch, run.policy, PROFILE, kind="after_payment", window=WINDOW,
        reconciliation=run.reconciliation,
    )  # fmt: skip
    paid = run.reconciliation.totals.paid
    assert (county.count, county.total) == (paid.count, paid.amount)
    villages = sorted({str(i.beneficiary.region) for i in run.batch.items})
    lists = [
        build_disclosure(
            run.batch,
            run.policy,
            PROFILE,
            kind="after_payment",
            window=WINDOW,
            reconciliation=run.reconciliation,
            region=v,
        )
        for v in villages
    ]
    assert sum((v.total for v in lists), Decimal("0.00")) == county.total
    assert compare_levels(county, lists) == []
    assert Column.AMOUNT in county.columns
