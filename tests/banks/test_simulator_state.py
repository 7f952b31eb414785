"""The simulator's state file: paid batches remembered between runs, and nothing else touched."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ningxia_yikatong.banks import BankAdapter, BankSimulator
from ningxia_yikatong.banks.simulator import STATE_FORMAT, instructions_digest
from ningxia_yikatong.errors import BankFileError, FileFormatError
from ningxia_yikatong.payout import PayoutBatch

MakeBatch = Callable[..., PayoutBatch]
MakeAdapter = Callable[..., BankAdapter]


def _sim(adapter: BankAdapter, keys: Any, state: Path | None, **kwargs: Any) -> BankSimulator:
    return BankSimulator(adapter, keys.bank, keys.department_verifier, state_file=state, **kwargs)


def test_a_batch_paid_in_one_run_is_refused_in_the_next(
    make_batch: MakeBatch, hmac_adapter: MakeAdapter, keys: Any, tmp_path: Path
) -> None:
    adapter = hmac_adapter("psbc")
    batch = make_batch(3, "psbc")
    payment = adapter.render(batch, keys.department)
    state = tmp_path / "bank.json"
    first = _sim(adapter, keys, state).process(payment)
    assert state.exists()
    doc = json.loads(state.read_text("utf-8"))
    assert doc["format"] == STATE_FORMAT
    assert doc["version"] == 1
    assert list(doc["banks"]["psbc"]["batches"]) == [batch.batch_id]
    # a new run, a new simulator: the same payment file again
    again = _sim(adapter, keys, state)
    assert again.paid_batches == {batch.batch_id}
    with pytest.raises(BankFileError) as info:
        again.process(payment)
    assert info.value.code == "bankfile.batch_already_paid"
    # the same payments rendered again (another signature, same content): also refused
    with pytest.raises(BankFileError) as info:
        again.process(adapter.render(batch, keys.department))
    assert info.value.code == "bankfile.batch_already_paid"
    # the same batch id with other payments: refused with its own code
    other = make_batch(4, "psbc", seed=9, batch_id=batch.batch_id)
    with pytest.raises(BankFileError) as info:
        again.process(adapter.render(other, keys.department))
    assert info.value.code == "bankfile.batch_id_reused"
    assert "内容不同" in info.value.message
    # transaction ids go on where the last run stopped
    later = _sim(adapter, keys, state).process(
        adapter.render(make_batch(2, "psbc", batch_id="NEXT-1"), keys.department)
    )
    first_ids = adapter.parse_return(first, keys.bank_verifier).records
    later_ids = adapter.parse_return(later, keys.bank_verifier).records
    assert {r.bank_txn_id for r in first_ids}.isdisjoint({r.bank_txn_id for r in later_ids})


def test_another_bank_in_the_same_state_file_is_kept_apart(
    make_batch: MakeBatch, hmac_adapter: MakeAdapter, keys: Any, tmp_path: Path
) -> None:
    state = tmp_path / "banks.json"
    psbc, abc = hmac_adapter("psbc"), hmac_adapter("abc")
    _sim(psbc, keys, state).process(psbc.render(make_batch(2, "psbc"), keys.department))
    abc_batch = make_batch(2, "abc")
    _sim(abc, keys, state).process(abc.render(abc_batch, keys.department))
    doc = json.loads(state.read_text("utf-8"))
    assert set(doc["banks"]) == {"psbc", "abc"}
    assert _sim(abc, keys, state).paid_batches == {abc_batch.batch_id}


def test_two_simulators_on_one_state_file_see_each_other(
    make_batch: MakeBatch, hmac_adapter: MakeAdapter, keys: Any, tmp_path: Path
) -> None:
    adapter = hmac_adapter("psbc")
    state = tmp_path / "bank.json"
    one, two = _sim(adapter, keys, state), _sim(adapter, keys, state)
    payment = adapter.render(make_batch(2, "psbc"), keys.department)
    one.process(payment)
    with pytest.raises(BankFileError):
        two.process(payment)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json at all \xff",
        b"[1, 2, 3]",
        b'{"batches": {}}',
        json.dumps({"format": "someone.else", "version": 1, "banks": {}}).encode(),
    ],
)
def test_a_file_that_is_not_a_state_file_is_refused_and_left_alone(
    make_batch: MakeBatch, hmac_adapter: MakeAdapter, keys: Any, tmp_path: Path, content: bytes
) -> None:
    adapter = hmac_adapter("psbc")
    state = tmp_path / "notes.json"
    state.write_bytes(content)
    with pytest.raises(FileFormatError) as info:
        _sim(adapter, keys, state)
    assert info.value.code == "simulator.state_foreign"
    assert info.value.location.file == str(state)
    assert state.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.json"]


def test_a_foreign_file_appearing_later_is_not_overwritten(
    make_batch: MakeBatch, hmac_adapter: MakeAdapter, keys: Any, tmp_path: Path
) -> None:
    adapter = hmac_adapter("psbc")
    state = tmp_path / "bank.json"
    sim = _sim(adapter, keys, state)
    state.write_text("其他程序的文件", "utf-8")
    with pytest.raises(FileFormatError) as info:
        sim.process(adapter.render(make_batch(2, "psbc"), keys.department))
    assert info.value.code == "simulator.state_foreign"
    assert state.read_text("utf-8") == "其他程序的文件"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bank.json"]


def test_a_damaged_or_newer_state_file_is_refused(
    hmac_adapter: MakeAdapter, keys: Any, tmp_path: Path
) -> None:
    adapter = hmac_adapter("psbc")
    state = tmp_path / "bank.json"
    state.write_text(json.dumps({"format": STATE_FORMAT, "version": 2, "banks": {}}), "utf-8")
    with pytest.raises(FileFormatError) as info:
        _sim(adapter, keys, state)
    assert info.value.code == "simulator.state_version"
    broken = {"format": STATE_FORMAT, "version": 1, "banks": {"psbc": {"batches": []}}}
    state.write_text(json.dumps(broken), "utf-8")
    with pytest.raises(FileFormatError) as info:
        _sim(adapter, keys, state)
    assert info.value.code == "simulator.state_invalid"


def test_a_state_file_in_a_missing_folder_is_refused_before_paying(
    make_batch: MakeBatch, hmac_adapter: MakeAdapter, keys: Any, tmp_path: Path
) -> None:
    adapter = hmac_adapter("psbc")
    sim = _sim(adapter, keys, tmp_path / "nope" / "bank.json")
    payment = adapter.render(make_batch(2, "psbc"), keys.department)
    with pytest.raises(FileFormatError) as info:
        sim.process(payment)
    assert info.value.code == "simulator.state_unwritable"
    assert sim.paid_batches == frozenset()


def test_the_digest_is_of_the_payments_not_the_file(
    make_batch: MakeBatch, hmac_adapter: MakeAdapter, keys: Any
) -> None:
    adapter = hmac_adapter("psbc")
    batch = make_batch(3, "psbc")
    one = adapter.read_instructions(
        adapter.render(batch, keys.department), keys.department_verifier
    )
    other = adapter.read_instructions(
        adapter.render(make_batch(3, "psbc", seed=2, batch_id=batch.batch_id), keys.department),
        keys.department_verifier,
    )
    assert instructions_digest(one) == instructions_digest(one)
    assert instructions_digest(one) != instructions_digest(other)
    assert len(instructions_digest(one)) == 64


def test_a_payment_whose_return_was_not_delivered_is_not_recorded(
    make_batch: MakeBatch, hmac_adapter: MakeAdapter, keys: Any, tmp_path: Path
) -> None:
    adapter = hmac_adapter("psbc")
    state = tmp_path / "bank.json"
    payment = adapter.render(make_batch(2, "psbc"), keys.department)

    def broken(files: dict[str, bytes]) -> None:
        raise FileFormatError("磁盘已满", code="cli.file")

    with pytest.raises(FileFormatError):
        _sim(adapter, keys, state).process(payment, deliver=broken)
    assert not state.exists()
    delivered: list[str] = []
    _sim(adapter, keys, state).process(payment, deliver=delivered.extend)
    assert delivered
    assert _sim(adapter, keys, state).paid_batches == {payment.batch_id}


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    plan=st.lists(
        st.tuples(st.sampled_from(["psbc", "abc"]), st.sampled_from(["B-1", "B-2", "B-3"])),
        min_size=1,
        max_size=6,
    )
)
def test_what_one_run_paid_the_next_run_knows(
    make_batch: MakeBatch, hmac_adapter: MakeAdapter, keys: Any, tmp_path: Path, plan: Any
) -> None:
    state = Path(tempfile.mkdtemp(dir=tmp_path)) / "state.json"  # one per example
    paid: dict[str, set[str]] = {"psbc": set(), "abc": set()}
    for bank, batch_id in plan:
        adapter = hmac_adapter(bank)
        payment = adapter.render(make_batch(2, bank, batch_id=batch_id), keys.department)
        sim = _sim(adapter, keys, state)  # every payment in a run of its own
        assert sim.paid_batches == paid[bank]
        if batch_id in paid[bank]:
            with pytest.raises(BankFileError, match="已经付款"):
                sim.process(payment)
        else:
            sim.process(payment)
            paid[bank].add(batch_id)
    doc = json.loads(state.read_text("utf-8"))
    assert {b: set(v["batches"]) for b, v in doc["banks"].items()} == {
        b: s for b, s in paid.items() if s
    }
