"""Exact JSON round trip of every domain model, over generated values."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong import BankAccount, Beneficiary, PayoutBatch, PayoutItem, SubsidyPolicy
from ningxia_yikatong._model import DomainModel
from ningxia_yikatong.testing.strategies import (
    bank_accounts,
    beneficiaries,
    payout_batches,
    payout_items,
    subsidy_policies,
)

MODELS: dict[type[DomainModel], st.SearchStrategy[Any]] = {
    BankAccount: bank_accounts(),
    Beneficiary: beneficiaries(),
    PayoutItem: payout_items(),
    PayoutBatch: payout_batches(max_items=4),
    SubsidyPolicy: subsidy_policies(),
}


@settings(max_examples=40)
@given(st.sampled_from(sorted(MODELS, key=lambda m: m.__name__)).flatmap(MODELS.__getitem__))
def test_json_round_trip_is_exact(model: DomainModel) -> None:
    text = model.model_dump_json()
    again = type(model).model_validate_json(text)
    assert again == model
    assert again.model_dump_json() == text
    # Through Python objects too, as a department system's API layer would.
    assert type(model).model_validate(model.model_dump(mode="json")) == model
