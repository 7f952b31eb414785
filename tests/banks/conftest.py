"""Shared fixtures of the bank adapter tests: fast HMAC keys and synthetic batches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from ningxia_yikatong.banks import BankAdapter, BankConfig, get_adapter
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.signing import HmacSigner, HmacVerifier
from ningxia_yikatong.testing import SyntheticData

BUILT_IN = ("abc", "icbc", "nxrcb", "psbc")
DAY = dt.date(2026, 3, 10)


@dataclass(frozen=True)
class Keys:
    """HMAC keys standing in for the department's and the bank's keys."""

    department: HmacSigner
    department_verifier: HmacVerifier
    bank: HmacSigner
    bank_verifier: HmacVerifier


@pytest.fixture(scope="session")
def keys() -> Keys:
    department = HmacSigner(b"d" * 32, digest="sha256")
    bank = HmacSigner(b"b" * 32, digest="sha256")
    return Keys(department, department.verifier(), bank, bank.verifier())


MakeAdapter = Callable[..., BankAdapter]


@pytest.fixture
def hmac_adapter() -> MakeAdapter:
    """The adapter of a bank code, configured for the HMAC test keys."""

    def make(code: str, **config: object) -> BankAdapter:
        return get_adapter(code, BankConfig(signature_scheme="HMAC-SHA256", **config))

    return make


MakeBatch = Callable[..., PayoutBatch]


@pytest.fixture
def make_batch() -> MakeBatch:
    def make(n: int, bank: str, *, seed: int = 1, **kwargs: object) -> PayoutBatch:
        batch = SyntheticData(seed=seed, dotted_name_share=0.2).batch(n, bank=bank, **kwargs)  # type: ignore[arg-type]
        return batch.model_copy(update={"pay_date": DAY})

    return make
