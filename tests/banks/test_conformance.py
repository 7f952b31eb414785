"""The conformance kit over every registered adapter, through the pytest plugin."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from ningxia_yikatong.banks import available_adapters, get_adapter
from ningxia_yikatong.testing.conformance import (
    CHECKS,
    ConformanceCase,
    ConformanceFailure,
    conformance_cases,
    kit_batch,
)


def test_registered_adapter_conforms(conformance_case: ConformanceCase) -> None:
    conformance_case.run()


def test_cases_cover_every_adapter_and_check() -> None:
    cases = conformance_cases()
    assert {c.bank for c in cases} == set(available_adapters())
    assert {c.check for c in cases if c.bank == "psbc"} == set(CHECKS)
    assert [c.size for c in cases if c.bank == "abc" and c.check == "roundtrip"] == [1, 2, 10_000]
    assert ConformanceCase("abc", "roundtrip", 10_000).large
    assert ConformanceCase("abc", "roundtrip", 2).id == "abc-roundtrip[2]"


def test_kit_batch_has_dotted_and_rare_names() -> None:
    nx = kit_batch(get_adapter("nxrcb"), 3)
    assert "·" in nx.items[0].beneficiary.account.holder_name
    assert not nx.items[1].beneficiary.account.holder_name.encodable("gbk")
    ps = kit_batch(get_adapter("psbc"), 3)
    assert all(i.beneficiary.account.holder_name.encodable("gbk") for i in ps)


def test_kit_catches_a_broken_adapter() -> None:
    from decimal import Decimal

    from ningxia_yikatong.banks.abc import AbcAdapter

    class Sloppy(AbcAdapter):
        """Drops a fen from every amount it reads back: the round trip must fail."""

        def read_instructions(self, payment, verifier):  # type: ignore[no-untyped-def]
            read = super().read_instructions(payment, verifier)
            records = tuple(r._replace(amount=r.amount - Decimal("0.01")) for r in read.records)
            return dataclasses.replace(read, records=records)

    from ningxia_yikatong.testing import conformance

    context = conformance._Context("abc", "roundtrip")
    context.adapter = Sloppy()
    with pytest.raises(ConformanceFailure, match="differ"):
        conformance.CHECKS["roundtrip"](context, 2)


def test_plugin_import_is_light() -> None:
    code = (
        "import sys, ningxia_yikatong.testing.plugin\n"
        "heavy = [m for m in ('ningxia_yikatong.banks', 'ningxia_yikatong.testing.conformance',"
        " 'openpyxl') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_round_trip_failures_name_the_record_and_field() -> None:
    from ningxia_yikatong.banks.abc import AbcAdapter
    from ningxia_yikatong.testing import conformance

    class RenamesReturns(AbcAdapter):
        """Reads back the second return record under another name."""

        def parse_return(self, files, verifier, *, batch_id=None):  # type: ignore[no-untyped-def]
            read = super().parse_return(files, verifier, batch_id=batch_id)
            records = list(read.records)
            records[1] = dataclasses.replace(records[1], name="王小明")
            return dataclasses.replace(read, records=tuple(records))

    class ShiftsAccounts(AbcAdapter):
        """Reads the account of the first instruction wrongly."""

        def read_instructions(self, payment, verifier):  # type: ignore[no-untyped-def]
            read = super().read_instructions(payment, verifier)
            records = list(read.records)
            records[0] = records[0]._replace(account=records[0].account[:-1] + "0")
            return dataclasses.replace(read, records=tuple(records))

    context = conformance._Context("abc", "roundtrip")
    context.adapter = RenamesReturns()
    with pytest.raises(ConformanceFailure) as info:
        conformance.CHECKS["roundtrip"](context, 2)
    message = str(info.value)
    assert "return records differ from the instructions" in message
    assert "record 2 (seq 2), field name: got '王小明', expected " in message
    context.adapter = ShiftsAccounts()
    with pytest.raises(ConformanceFailure) as info:
        conformance.CHECKS["roundtrip"](context, 2)
    message = str(info.value)
    assert "record 1 (seq 1), field account: got '" in message
    batch = kit_batch(context.adapter, 2, seed=2)
    account = str(batch.items[0].beneficiary.account.number)
    assert account not in message  # masked
    assert account[-4:] in message


def test_difference_names_a_missing_record() -> None:
    from ningxia_yikatong.testing.conformance import _difference

    want = [(1, "a"), (2, "b")]
    assert _difference([(1, "a")], want, ("seq", "name")) == (
        "1 records, expected 2, first unmatched: record 2 (seq 2)"
    )
    assert _difference([(1, "a"), (2, "c")], want, ("seq", "name")) == (
        "record 2 (seq 2), field name: got 'c', expected 'b'"
    )
