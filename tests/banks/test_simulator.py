"""The bank simulator: reads as the bank would, deterministic outcomes, refusals."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from ningxia_yikatong.banks import (
    BankAdapter,
    BankSimulator,
    OutcomeRules,
    PaymentFile,
    ReturnStatus,
)
from ningxia_yikatong.errors import AdapterError, BankFileError, SignatureError
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.signing import HmacSigner

MakeBatch = Callable[..., PayoutBatch]
MakeAdapter = Callable[..., BankAdapter]


def _sim(adapter: BankAdapter, keys: Any, **kwargs: Any) -> BankSimulator:
    return BankSimulator(adapter, keys.bank, keys.department_verifier, **kwargs)


def test_shares_are_exact_and_deterministic(
    make_batch: MakeBatch, hmac_adapter: MakeAdapter, keys: Any
) -> None:
    adapter = hmac_adapter("nxrcb")
    batch = make_batch(40, "nxrcb")
    payment = adapter.render(batch, keys.department)
    rules = OutcomeRules(shares={ReturnStatus.CLOSED: "0.25", ReturnStatus.FROZEN: Decimal("0.1")})
    first = adapter.parse_return(
        _sim(adapter, keys, seed=5, rules=rules).process(payment), keys.bank_verifier
    )
    again = adapter.parse_return(
        _sim(adapter, keys, seed=5, rules=rules).process(payment), keys.bank_verifier
    )
    other = adapter.parse_return(
        _sim(adapter, keys, seed=6, rules=rules).process(payment), keys.bank_verifier
    )
    counts = Counter(r.status for r in first.records)
    assert counts == {ReturnStatus.SUCCESS: 26, ReturnStatus.CLOSED: 10, ReturnStatus.FROZEN: 4}
    assert [r.status for r in first.records] == [r.status for r in again.records]
    assert [r.status for r in first.records] != [r.status for r in other.records]
    assert all(r.bank_txn_id and r.settled_at for r in first.records)
    assert first.total == batch.total
    assert first.count == 40


def test_rules_per_account_and_holder_names(
    make_batch: MakeBatch, hmac_adapter: MakeAdapter, keys: Any
) -> None:
    adapter = hmac_adapter("abc")
    batch = make_batch(5, "abc")
    accounts = [str(i.beneficiary.account.number) for i in batch]
    rules = OutcomeRules(
        accounts={accounts[0]: ReturnStatus.LOST},
        holder_names={
            accounts[1]: "别人",
            accounts[2]: str(batch.items[2].beneficiary.account.holder_name),
        },
        shares={ReturnStatus.PENDING: 1},
    )
    sim = _sim(adapter, keys, rules=rules)
    back = adapter.parse_return(
        sim.process(adapter.render(batch, keys.department)), keys.bank_verifier
    )
    assert [r.status for r in back.records] == [
        ReturnStatus.LOST,
        ReturnStatus.NAME_MISMATCH,
        ReturnStatus.PENDING,
        ReturnStatus.PENDING,
        ReturnStatus.PENDING,
    ]
    assert back.records[1].raw_code == "3001"
    assert back.records[2].settled_at is None
    assert sim.paid_batches == {batch.batch_id}


def test_refusals(make_batch: MakeBatch, hmac_adapter: MakeAdapter, keys: Any) -> None:
    adapter = hmac_adapter("psbc")
    batch = make_batch(3, "psbc")
    payment = adapter.render(batch, keys.department)
    sim = _sim(adapter, keys, paid_batches=["OLD-1"])
    stranger = HmacSigner(b"s" * 32, digest="sha256")
    forged = adapter.render(batch, stranger)
    with pytest.raises(SignatureError):
        sim.process(forged)
    lying = PaymentFile(
        **{**{f: getattr(payment, f) for f in PaymentFile.__dataclass_fields__}, "count": 4}
    )
    with pytest.raises(BankFileError) as info:
        sim.process(lying)
    assert info.value.code == "bankfile.figures_mismatch"
    # A file whose header total disagrees with its lines, properly signed.
    lines = payment.content.split(b"\r\n")
    lines[0] = lines[0][:144] + b"%016d" % (int(batch.total.scaleb(2)) + 1)
    data = b"\r\n".join(lines)
    files = {
        payment.main: data,
        payment.main + ".sig": base64.b64encode(keys.department.sign(data)),
    }
    with pytest.raises(BankFileError) as info:
        sim.process(files)
    assert (info.value.code, info.value.location.line, info.value.location.field) == (
        "bankfile.total_mismatch",
        1,
        "total",
    )
    sim.process(payment)
    with pytest.raises(BankFileError) as info:
        sim.process(payment)
    assert info.value.code == "bankfile.batch_already_paid"
    old = adapter.render(make_batch(1, "psbc", batch_id="OLD-1"), keys.department)
    with pytest.raises(BankFileError, match="已经付款"):
        sim.process(old)


def test_bad_rules(hmac_adapter: MakeAdapter, keys: Any) -> None:
    with pytest.raises(AdapterError):
        OutcomeRules(shares={ReturnStatus.CLOSED: "0.7", ReturnStatus.FROZEN: "0.4"})
    with pytest.raises(AdapterError):
        OutcomeRules(shares={ReturnStatus.CLOSED: "x"})
    with pytest.raises(AdapterError):
        OutcomeRules(shares={ReturnStatus.CLOSED: -0.1})


def test_by_bank_code(keys: Any) -> None:
    sim = BankSimulator("abc", keys.bank, keys.department_verifier)
    assert sim.adapter.code == "abc"


def test_wrong_argument_types_are_adapter_errors(
    make_batch: MakeBatch, hmac_adapter: MakeAdapter, keys: Any
) -> None:
    adapter = hmac_adapter("abc")
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: BankSimulator(3, keys.bank, keys.department_verifier), "adapter"),  # type: ignore[arg-type]
        (lambda: BankSimulator(adapter, None, keys.department_verifier), "signer"),  # type: ignore[arg-type]
        (lambda: BankSimulator(adapter, keys.bank, "key"), "verifier"),  # type: ignore[arg-type]
        (lambda: _sim(adapter, keys, seed="1"), "seed"),
        (lambda: _sim(adapter, keys, rules={}), "rules"),
        (lambda: _sim(adapter, keys, clock=5), "clock"),
        (lambda: _sim(adapter, keys, paid_batches="B1"), "paid_batches"),
        (lambda: _sim(adapter, keys, paid_batches=[1]), "paid_batches"),
        (lambda: _sim(adapter, keys).process(b"file"), "payment"),  # type: ignore[arg-type]
        (lambda: _sim(adapter, keys).process({}, created="2026-03-10"), "created"),  # type: ignore[arg-type]
        (lambda: _sim(adapter, keys).outcomes(None), "instructions"),  # type: ignore[arg-type]
    ]
    for call, name in cases:
        with pytest.raises(AdapterError) as info:
            call()
        assert info.value.code == "adapter.argument_type"
        assert f"参数 {name} 应为 " in str(info.value)
