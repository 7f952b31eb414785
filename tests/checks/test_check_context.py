"""CheckContext built from memory, and its indexes."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any

import pytest

from ningxia_yikatong.checks import (
    DEFAULT_BANK_ENCODINGS,
    CheckContext,
    HouseholdMember,
    Households,
    PriorPayout,
    PriorPayouts,
    default_rules,
    household_member,
    prior_payout,
    run_checks,
)
from ningxia_yikatong.codes import Period
from ningxia_yikatong.errors import ReferenceDataError
from ningxia_yikatong.testing.planted import make_batch, make_id, make_item, make_policy

A = str(make_id("1950-01-01"))
B = str(make_id("1960-02-02"))


def test_build_normalises_ids_and_dates() -> None:
    ctx = CheckContext.build(
        deaths={A.lower(): "2026-01-05", B: _dt.date(2025, 1, 1)},
        public_payroll=[A],
        registries={"vehicles": [f" {B} "]},
        prior_payouts=[PriorPayout("NX-A", Period("2026"), A.lower(), Decimal("1.00"), "B1")],
    )
    assert ctx.deaths == {A: _dt.date(2026, 1, 5), B: _dt.date(2025, 1, 1)}
    assert ctx.public_payroll == {A: ""}
    assert ctx.registries == {"vehicles": frozenset({B})}
    assert ctx.prior_payouts is not None
    assert ctx.prior_payouts.for_policy("NX-A")[A][0].id_number == A
    assert A not in repr(ctx)
    assert "deaths=2" in repr(ctx)


def test_build_lists_every_bad_entry() -> None:
    with pytest.raises(ReferenceDataError) as exc:
        CheckContext.build(
            deaths={"123": "2026-01-01", A: "01/05/2026"},
            public_payroll={"x" * 18: "单位"},
            household_members=[HouseholdMember("H1", A, "马1", True)],
        )
    assert [(d.code, d.location.path) for d in exc.value.details] == [
        ("id.length", "deaths[1]"),
        ("refdata.date", "deaths[2]"),
        ("id.format", "public_payroll[1]"),
        ("name.digit", "household_members[1]"),
    ]


def test_settings_are_checked() -> None:
    with pytest.raises(ReferenceDataError) as exc:
        CheckContext(shared_account_threshold=1)
    assert exc.value.code == "refdata.setting"
    with pytest.raises(ReferenceDataError):
        CheckContext(bank_encodings={"psbc": "no-such-codec"})
    assert CheckContext().encoding_of("psbc") == "gbk"
    assert DEFAULT_BANK_ENCODINGS["nxrcb"] == "gb18030"
    assert CheckContext().encoding_of("nosuchbank") is None


def test_prior_payouts_index() -> None:
    paid = PriorPayouts()
    paid.extend(
        [
            PriorPayout("NX-A", Period("2026-Q1"), A, Decimal("1.00"), "B1"),
            PriorPayout("NX-A", Period("2026-04"), A, Decimal("1.00"), "B2"),
        ]
    )
    assert [p.batch_id for p in paid.overlapping("NX-A", Period("2026-H1"), A)] == ["B1", "B2"]
    assert paid.overlapping("NX-A", Period("2026-05"), A) == []
    assert paid.overlapping("NX-B", Period("2026-03"), A) == []
    assert len(paid) == 2
    assert A not in repr(paid.for_policy("NX-A")[A][0])


def test_households_from_members() -> None:
    with pytest.raises(ReferenceDataError) as exc:
        Households.from_members(
            [HouseholdMember("H1", A, "马福", True), HouseholdMember("H2", A, "马福", True)]
        )
    assert exc.value.code == "refdata.household"
    registry = Households.from_members(
        [HouseholdMember("H1", A, "马福", False), HouseholdMember("H1", B, "马芳", False)]
    )
    home = registry.get("H1")
    assert home is not None
    assert home.head_id is None
    assert home.members == {A, B}
    assert registry.of_member("nobody") is None
    assert A not in repr(HouseholdMember("H1", A, "马福", True))


# -- one normalisation and validation for memory and files ----------------------


def test_build_upper_cases_policy_codes_of_prior_payouts() -> None:
    a = make_id("1950-01-01")
    ctx = CheckContext.build(
        prior_payouts=[PriorPayout(" nx-test ", Period("2026-03"), A, Decimal("1.00"), "B1")]
    )
    assert ctx.prior_payouts is not None
    assert [p.policy_code for p in ctx.prior_payouts] == ["NX-TEST"]
    b = make_batch([make_item(1, id_number=A), make_item(2, id_number=a)], batch_id="B2")
    report = run_checks(b, make_policy(), ctx, rules=default_rules().only("already_paid"))
    assert [f.seq for f in report.findings] == [1]


def test_build_refuses_two_death_dates_for_one_person() -> None:
    with pytest.raises(ReferenceDataError) as exc:
        CheckContext.build(deaths={A: "2026-01-05", f" {A} ": "2026-03-20"})
    assert exc.value.code == "refdata.duplicate"
    assert exc.value.location.path == "deaths[2]"
    same = CheckContext.build(deaths={A: "2026-01-05", f" {A} ": _dt.date(2026, 1, 5)})
    assert same.deaths == {A: _dt.date(2026, 1, 5)}
    with pytest.raises(ReferenceDataError) as exc:
        CheckContext.build(deaths={A: _dt.date.today() + _dt.timedelta(days=1)})
    assert exc.value.code == "refdata.date_future"


def test_build_takes_a_period_as_text_and_refuses_a_bad_one() -> None:
    text_period: Any = "2026-Q1"
    ctx = CheckContext.build(
        prior_payouts=[PriorPayout("NX-TEST", text_period, A, Decimal("1.00"), "B1")]
    )
    assert ctx.prior_payouts is not None
    (p,) = ctx.prior_payouts
    assert p.period == Period("2026-Q1")
    b = make_batch([make_item(1, id_number=A)], batch_id="B2")
    report = run_checks(b, make_policy(), ctx, rules=default_rules().only("already_paid"))
    assert not report.failures
    assert [f.seq for f in report.findings] == [1]
    bad: Any = "2026-13"
    with pytest.raises(ReferenceDataError) as exc:
        CheckContext.build(
            prior_payouts=[
                PriorPayout("NX-TEST", bad, A, Decimal("1.00"), "B1"),
                PriorPayout("", Period("2026-03"), A, Decimal("1.00"), " "),
            ]
        )
    assert [(d.location.path, d.location.column) for d in exc.value.details] == [
        ("prior_payouts[1]", "发放期间"),
        ("prior_payouts[2]", "政策编码"),
    ]


@pytest.mark.parametrize(
    ("call", "code", "column"),
    [
        (lambda: prior_payout("NX-A", "2026", "1234", "1.00", "B1"), "id.length", "公民身份号码"),
        (lambda: prior_payout("NX-A", object(), A, "1.00", "B1"), "refdata.value", "发放期间"),
        (lambda: prior_payout("NX-A", "2026", A, b"1", "B1"), "refdata.value", "金额"),
        (lambda: household_member("H1", A, None, True), "name.empty", "姓名"),
        (lambda: household_member("H1", A, "马兰", True, object()), "refdata.value", "区划代码"),
    ],
)
def test_public_builders_refuse_bad_fields_with_a_library_error(
    call: Any, code: str, column: str
) -> None:
    """``prior_payout`` and ``household_member`` are public: a bad field is a
    ReferenceDataError naming the column, not the loaders' internal signal."""
    with pytest.raises(ReferenceDataError) as info:
        call()
    assert info.value.code == code
    assert info.value.location is not None
    assert info.value.location.column == column
