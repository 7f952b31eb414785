"""Payout items and batches: contiguous seq, derived totals, expected amounts."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong import Amount, PayoutBatch, PayoutItem, SubsidyPolicy, payout
from ningxia_yikatong.errors import ModelError
from ningxia_yikatong.policy import (
    DeclaredStandard,
    FixedStandard,
    PerUnitStandard,
    Tier,
    TieredStandard,
)
from ningxia_yikatong.signing import digest
from ningxia_yikatong.testing.strategies import payout_batches

BENEFICIARY = {
    "id_number": "640122194603150018",
    "name": "马兰",
    "region": "640122101001",
    "account": {"number": "6217000012345678901", "bank": "psbc", "holder_name": "马兰"},
}


def item(seq: int, amount: str = "100.00", **extra: Any) -> dict[str, Any]:
    return {"seq": seq, "beneficiary": BENEFICIARY, "amount": amount, **extra}


def batch(items: list[dict[str, Any]], **extra: Any) -> PayoutBatch:
    data = {
        "batch_id": "B2026Q1-01",
        "policy_code": "NX-GL-001",
        "period": "2026-Q1",
        "region": "640122",
        "agent_bank": "psbc",
        "payer_account": "10400101040012345",
        "payer_name": "贺兰县财政局",
        "items": items,
        **extra,
    }
    return PayoutBatch.model_validate(data)


def policy(standard: object, **extra: Any) -> SubsidyPolicy:
    return SubsidyPolicy.model_validate(
        {
            "code": "NX-GL-001",
            "name": "高龄津贴",
            "category": "elderly",
            "department": "自治区民政厅",
            "legal_basis": "宁民发〔2020〕1号",
            "standard": standard,
            "funding": {"region": "0.5", "county": "0.5"},
            "frequency": "quarterly",
            "regions": ["640000"],
            "effective_from": "2020-01-01",
            **extra,
        }
    )


def test_count_and_total_are_derived() -> None:
    b = batch([item(1, "100.10"), item(2, "0.20"), item(3, "99.70")])
    assert b.count == 3 == len(b)
    assert b.total == Decimal("200.00")
    assert [i.seq for i in b] == [1, 2, 3]
    assert b.item(2).amount == Amount("0.20")
    with pytest.raises(ModelError):
        b.item(4)


def test_duplicate_seq_refused() -> None:
    with pytest.raises(ModelError) as info:
        batch([item(1), item(1), item(2)])
    codes = {d.code for d in info.value.details}
    assert codes == {"batch.seq_duplicate", "batch.seq_gap"}


def test_gapped_seq_refused() -> None:
    with pytest.raises(ModelError) as info:
        batch([item(1), item(3)])
    assert info.value.code == "batch.seq_gap"
    assert "缺少 2" in info.value.message


def test_unordered_but_contiguous_seq_accepted() -> None:
    b = batch([item(2), item(1)])
    assert b.count == 2


def test_field_errors_name_the_path() -> None:
    with pytest.raises(ModelError) as info:
        batch([item(1), item(2, 0.1), item(3, "12.345")])  # type: ignore[arg-type]
    paths = {d.location.path: d.code for d in info.value.details}
    assert paths == {"items[1].amount": "amount.float", "items[2].amount": "amount.precision"}


def test_float_amount_refused_with_path() -> None:
    with pytest.raises(ModelError) as info:
        batch([item(1, 0.1)])  # type: ignore[arg-type]
    assert info.value.code == "amount.float"
    assert info.value.location.path == "items[0].amount"


def test_empty_batch_and_extra_fields_refused() -> None:
    with pytest.raises(ModelError) as empty:
        batch([])
    assert empty.value.code == "batch.empty"
    with pytest.raises(ModelError) as info:
        batch([item(1)], total="100.00")
    assert info.value.code == "model.extra_forbidden"


def test_batch_is_immutable() -> None:
    b = batch([item(1)])
    with pytest.raises(ModelError) as info:
        b.batch_id = "X"  # type: ignore[misc, assignment]
    assert info.value.code == "model.frozen_instance"


def test_expected_amounts_per_standard() -> None:
    # Born 1946-03-15: 79 at the start of 2026-Q1.
    fixed = policy({"kind": "fixed", "amount": "150"})
    b = batch([item(1)])
    assert b.expected_amount(b.item(1), fixed) == Amount("150.00")

    tiered = policy(
        TieredStandard(
            tiers=(
                Tier(min_age=70, max_age=79, amount=Amount("50")),
                Tier(min_age=80, amount=Amount("100")),
            )
        ).model_dump()
    )
    assert b.expected_amount(b.item(1), tiered) == Amount("50.00")
    # In the second quarter the birthday (15 March) has passed: 80.
    b2 = batch([item(1)], period="2026-Q2")
    assert b2.expected_amount(b2.item(1), tiered) == Amount("100.00")

    per_unit = policy(PerUnitStandard(unit="亩", rate=Decimal("105.5")).model_dump())
    b3 = batch([item(1, quantity="12.5")])
    assert b3.expected_amount(b3.item(1), per_unit) == Amount("1318.75")
    with pytest.raises(ModelError) as info:
        b.expected_amount(b.item(1), per_unit)
    assert info.value.code == "standard.quantity_missing"
    assert info.value.location.record == 1

    declared = policy(DeclaredStandard(cap=Amount("120")).model_dump())
    b4 = batch([item(1, "80"), item(2, "120"), item(3, "120.01")])
    assert [a for _, a in b4.expected_amounts(declared)] == [
        Amount("80"),
        Amount("120"),
        Amount("120"),
    ]


def test_expected_amount_by_region_grade_and_care_level() -> None:
    by_region = policy(
        {
            "kind": "tiered",
            "tiers": [
                {"amount": "700"},
                {"region": "640100", "amount": "800"},
                {"region": "640122", "amount": "850"},
            ],
        }
    )
    b = batch([item(1)])  # 贺兰县 640122
    assert b.expected_amount(b.item(1), by_region) == Amount("850")
    graded = policy(
        {
            "kind": "tiered",
            "tiers": [
                {"disability_grades": ["一级"], "care_levels": ["全护理"], "amount": "300"},
                {"disability_grades": ["一级"], "care_levels": ["半护理"], "amount": "200"},
            ],
        }
    )
    with pytest.raises(ModelError) as info:
        b.expected_amount(b.item(1), graded)
    assert info.value.code == "standard.disability_grade_missing"
    assert info.value.location.record == 1
    person = {**BENEFICIARY, "disability_grade": "一级", "care_level": "半护理"}
    b2 = batch([{"seq": 1, "beneficiary": person, "amount": "200"}])
    assert b2.expected_amount(b2.item(1), graded) == Amount("200")


def test_expected_amount_of_a_declared_standard_with_regional_caps() -> None:
    declared = policy(
        {"kind": "declared", "cap": "800", "tiers": [{"region": "640122", "amount": "900"}]}
    )
    b = batch([item(1, "850"), item(2, "950")])  # 贺兰县
    assert [a for _, a in b.expected_amounts(declared)] == [Amount("850"), Amount("900")]


def test_expected_amount_of_a_capped_standard_is_its_base() -> None:
    capped = policy({"kind": "capped", "base": {"kind": "declared", "cap": "120"}, "cap": "300"})
    b = batch([item(1, "80"), item(2, "130")])
    assert [a for _, a in b.expected_amounts(capped)] == [Amount("80"), Amount("120")]
    fixed = policy({"kind": "capped", "base": {"kind": "fixed", "amount": "50"}, "cap": "100"})
    assert b.expected_amount(b.item(1), fixed) == Amount("50")


def test_expected_amount_refuses_another_policy() -> None:
    other = policy(FixedStandard(amount=Amount("1")).model_dump(), code="NX-OTHER")
    b = batch([item(1)])
    with pytest.raises(ModelError) as info:
        b.expected_amount(b.item(1), other)
    assert info.value.code == "batch.policy_mismatch"


@settings(max_examples=30)
@given(payout_batches(max_items=5))
def test_batch_json_round_trip(b: PayoutBatch) -> None:
    again = PayoutBatch.model_validate_json(b.model_dump_json())
    assert again == b
    assert again.total == b.total
    assert type(again.items[0].amount) is Amount


def test_pay_date_and_reissue_link() -> None:
    b = batch([item(1)], pay_date="2026-03-20", parent_batch_id="B2026Q1-00", round=2)
    assert b.pay_date == dt.date(2026, 3, 20)
    assert b.round == 2
    assert PayoutItem.model_validate(item(1)).seq == 1


def test_total_follows_a_copy_with_other_items() -> None:
    b = batch([item(1, "10.00"), item(2, "5.00")])
    assert b.total == Decimal("15.00")
    fewer = b.model_copy(update={"items": b.items[:1]})
    assert fewer.total == Decimal("10.00")
    assert b.total == Decimal("15.00")
    assert PayoutBatch.model_validate_json(b.model_dump_json()) == b


def test_without_makes_a_new_batch_linked_to_its_source() -> None:
    source = batch([item(1, "100.00"), item(2, "200.00"), item(3, "300.00"), item(4, "400.00")])
    cleared = source.without([3, 1], batch_id="B2026Q1-01-C", pay_date=dt.date(2026, 3, 20))
    assert cleared.batch_id == "B2026Q1-01-C"
    assert [i.seq for i in cleared.items] == [1, 2]
    assert [i.amount for i in cleared.items] == [Decimal("200.00"), Decimal("400.00")]
    assert cleared.source_batch_id == source.batch_id
    assert cleared.source_seqs == (2, 4)
    assert cleared.source_seq(2) == 4
    assert source.source_seq(1) is None
    assert cleared.pay_date == dt.date(2026, 3, 20)
    assert (cleared.policy_code, cleared.payer_account) == (
        source.policy_code,
        source.payer_account,
    )
    assert cleared.total == Decimal("600.00")
    assert PayoutBatch.model_validate_json(cleared.model_dump_json()) == cleared


def test_without_keeps_the_batch_id_for_one_content() -> None:
    source = batch([item(1), item(2)])
    with pytest.raises(ModelError) as caught:
        source.without([1], batch_id=source.batch_id)
    assert caught.value.code == "batch.id_reused"


@pytest.mark.parametrize(
    ("seqs", "code"),
    [([3], "batch.seq_unknown"), ([0], "batch.seq_unknown"), ([1, 2], "batch.empty")],
)
def test_without_refuses_unknown_seqs_and_an_empty_result(seqs: list[int], code: str) -> None:
    with pytest.raises(ModelError) as caught:
        batch([item(1), item(2)]).without(seqs, batch_id="NEW")
    assert caught.value.code == code


def test_source_link_is_checked() -> None:
    items = [item(1), item(2)]
    with pytest.raises(ModelError, match="同时给出"):
        batch(items, source_batch_id="SRC")
    with pytest.raises(ModelError, match="来源序号有1个"):
        batch(items, source_batch_id="SRC", source_seqs=[5])
    with pytest.raises(ModelError, match="重复"):
        batch(items, source_batch_id="SRC", source_seqs=[5, 5])


@given(payout_batches(min_items=2, max_items=6))
@settings(max_examples=30)
def test_without_round_trip_keeps_every_item_once(b: PayoutBatch) -> None:
    dropped = {seq for seq in range(1, b.count + 1) if seq % 2 == 0}
    cleared = b.without(dropped, batch_id="NEW-" + b.batch_id[:20])
    assert cleared.count == b.count - len(dropped)
    for seq in range(1, cleared.count + 1):
        source = b.item(cleared.source_seq(seq) or 0)
        assert cleared.item(seq).model_copy(update={"seq": source.seq}) == source


# --- the canonical JSON: the fast path held to its definition ---------------------


def test_fast_canonical_json_covers_every_model_field() -> None:
    # A field added to the item models must be added to the fast path too
    # (until then the generic path runs, and this test says so).
    assert payout._FAST


@settings(max_examples=60, deadline=None)
@given(
    batch=payout_batches(max_items=5),
    memo=st.one_of(st.none(), st.text(st.characters(exclude_categories=["Cs"]), max_size=60)),
    quantity=st.one_of(
        st.none(), st.decimals(min_value="0.0001", max_value="99999", places=4).map(Decimal)
    ),
)
def test_canonical_json_equals_its_definition(
    batch: PayoutBatch, memo: str | None, quantity: Decimal | None
) -> None:
    first = batch.items[0].model_copy(update={"memo": memo, "quantity": quantity})
    batch = batch.model_copy(update={"items": (first, *batch.items[1:])})
    assert payout.canonical_json(batch) == payout._canonical_generic(batch)
    assert json.loads(payout.canonical_json(batch))["items"][0]["memo"] == memo


@settings(max_examples=40, deadline=None)
@given(batch=payout_batches(max_items=7), chunk=st.integers(min_value=1, max_value=8))
def test_batch_digest_fed_in_pieces_is_the_digest_of_the_whole_json(
    batch: PayoutBatch, chunk: int
) -> None:
    # The digest hashes the JSON a chunk of items at a time: the value is the
    # one of the whole text, and of its model_dump definition, for any chunk.
    old = payout._DIGEST_CHUNK
    payout._DIGEST_CHUNK = chunk  # type: ignore[misc]
    try:
        for algorithm in ("sha256", "sm3"):
            whole = digest(payout._canonical_generic(batch), algorithm)
            assert payout.batch_digest(batch, algorithm) == whole
        assert "".join(payout._canonical_pieces(batch)).encode() == payout.canonical_json(batch)
    finally:
        payout._DIGEST_CHUNK = old  # type: ignore[misc]
