"""Disclosure profiles: columns, masks, legal basis, notice windows."""

from __future__ import annotations

import datetime as _dt

import pytest

from ningxia_yikatong.disclosure import Column, DisclosureProfile, NoticeWindow
from ningxia_yikatong.errors import ModelError


def test_the_default_shows_the_usual_columns_and_no_identifiers() -> None:
    profile = DisclosureProfile(policy_code="NX-GLJT")
    assert [c.label for c in profile.columns] == [
        "姓名", "村组", "补贴项目", "补贴标准", "数量", "金额（元）", "发放时间",
    ]  # fmt: skip
    assert not {Column.ID_NUMBER, Column.ACCOUNT, Column.PHONE} & set(profile.columns)
    assert profile.kept(Column.ID_NUMBER) == (6, 4)
    assert profile.kept(Column.ACCOUNT) == (0, 4)
    assert profile.kept(Column.PHONE) == (3, 4)


@pytest.mark.parametrize(
    ("column", "keep"),
    [("id_number", (8, 4)), ("id_number", (6, 6)), ("account", (6, 4))],
)
def test_a_weaker_mask_needs_a_legal_basis(column: str, keep: tuple[int, int]) -> None:
    with pytest.raises(ModelError) as excinfo:
        DisclosureProfile(policy_code="NX-GLJT", columns=["name", column], keep={column: keep})
    assert excinfo.value.code == "disclosure.mask_weak"
    profile = DisclosureProfile(
        policy_code="NX-GLJT",
        columns=["name", column],
        keep={column: keep},
        legal_basis="《某某条例》第十条",
    )
    assert profile.kept(Column(column)) == keep


@pytest.mark.parametrize(
    ("column", "keep"),
    [("id_number", (10, 6)), ("id_number", (18, 0)), ("account", (7, 4)), ("account", (0, 12)),
     ("phone", (3, 5)), ("phone", (11, 0))],
)  # fmt: skip
def test_a_full_number_is_never_shown_whatever_the_basis(
    column: str, keep: tuple[int, int]
) -> None:
    with pytest.raises(ModelError) as excinfo:
        DisclosureProfile(
            policy_code="NX-GLJT", columns=[column], keep={column: keep}, legal_basis="依据"
        )
    assert excinfo.value.code == "disclosure.mask_full"


def test_other_profile_mistakes() -> None:
    for kwargs, code in (
        ({"columns": ["name", "name"]}, "disclosure.columns"),
        ({"keep": {"name": (1, 1)}}, "disclosure.columns"),
        ({"keep": {"account": (-1, 4)}}, "disclosure.mask"),
        ({"columns": []}, "model.too_short"),
    ):
        with pytest.raises(ModelError) as excinfo:
            DisclosureProfile(policy_code="NX-GLJT", **kwargs)
        assert excinfo.value.code == code


def test_notice_windows() -> None:
    window = NoticeWindow(start=_dt.date(2026, 4, 1), days=10, takedown_on=_dt.date(2026, 5, 1))
    assert window.end == _dt.date(2026, 4, 10)
    assert window.takedown == _dt.date(2026, 5, 1)
    assert window.label() == "公示期：2026-04-01 至 2026-04-10（10天）"
    for kwargs in (
        {"days": 5},
        {"days": 10, "minimum_days": 15},
        {"days": 7, "takedown_on": _dt.date(2026, 4, 3)},
    ):
        with pytest.raises(ModelError) as excinfo:
            NoticeWindow(start=_dt.date(2026, 4, 1), **kwargs)
        assert excinfo.value.code == "disclosure.window_short"
    profile = DisclosureProfile(policy_code="NX-GLJT", minimum_days=10)
    assert profile.window(_dt.date(2026, 4, 1)).days == 10
    with pytest.raises(ModelError):
        profile.window(_dt.date(2026, 4, 1), days=7)
