"""XmlBankAdapter: the order of the header checks a reader sees first, for a
message with several problems (the order the hand-written readers had)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from ningxia_yikatong.banks import ReturnRecord, ReturnStatus, XmlBankAdapter
from ningxia_yikatong.banks.boc import BocAdapter
from ningxia_yikatong.banks.ccb import CcbAdapter
from ningxia_yikatong.errors import BankFileError
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.testing.conformance import KitKeys, kit_batch

_A = TypeVar("_A", bound=XmlBankAdapter)


@pytest.fixture(scope="module")
def keys() -> KitKeys:
    return KitKeys.for_scheme("RSA-SHA256")


def _miscounting(base: type[_A]) -> type[_A]:
    """``base`` writing one item more in its counts than it has: a signed
    message whose figures are wrong."""

    class Miscounting(base):  # type: ignore[valid-type,misc]
        def _return_header(
            self, batch_id: str, records: Sequence[ReturnRecord], day: dt.date
        ) -> dict[str, Any]:
            return {**super()._return_header(batch_id, records, day), "count": len(records) + 1}

        def _instruction_header(self, batch: PayoutBatch, day: dt.date) -> dict[str, Any]:
            return {**super()._instruction_header(batch, day), "count": batch.count + 1}

    return Miscounting


def _records(adapter: XmlBankAdapter, batch: PayoutBatch) -> list[ReturnRecord]:
    code, message = adapter.code_for(ReturnStatus.SUCCESS)
    return [
        ReturnRecord(
            i.seq,
            str(i.beneficiary.account.number),
            str(i.beneficiary.account.holder_name),
            Decimal(i.amount),
            ReturnStatus.SUCCESS,
            code,
            message,
            f"T{i.seq}",
            dt.datetime(2026, 3, 10, 10, 0),
        )
        for i in batch.items
    ]


@pytest.mark.parametrize("base", [CcbAdapter, BocAdapter])
def test_a_return_for_another_batch_is_refused_before_its_figures(
    keys: KitKeys, base: type[XmlBankAdapter]
) -> None:
    writer = _miscounting(base)()
    batch = kit_batch(writer, 3)
    files = writer.write_return("OTHER2026", _records(writer, batch), keys.bank)
    reader = base()
    with pytest.raises(BankFileError) as info:
        reader.parse_return(files, keys.bank_verifier, batch_id=batch.batch_id)
    assert info.value.code == "bankfile.batch_mismatch"
    assert "OTHER2026" in info.value.message
    # the figures are the next problem
    with pytest.raises(BankFileError) as info:
        reader.parse_return(files, keys.bank_verifier)
    assert info.value.code == "bankfile.count_mismatch"


class _Day:
    """A pay date that writes as a day that does not exist."""

    def __format__(self, spec: str) -> str:
        return "20261345"


def _bad_day(base: type[CcbAdapter]) -> type[CcbAdapter]:
    class BadDay(base):  # type: ignore[valid-type,misc]
        def _instruction_header(self, batch: PayoutBatch, day: dt.date) -> dict[str, Any]:
            return {**super()._instruction_header(batch, day), "pay_date": _Day()}

    return BadDay


@pytest.mark.parametrize(
    ("writer", "code", "path"),
    [
        (_bad_day(_miscounting(CcbAdapter)), "bankfile.count_mismatch", "/TX/TX_INFO/TOTAL_NUM"),
        (_bad_day(CcbAdapter), "bankfile.datetime", "/TX/TX_INFO/PAY_DATE"),
    ],
)
def test_the_dates_are_read_after_the_figures(
    keys: KitKeys, writer: type[CcbAdapter], code: str, path: str
) -> None:
    batch = kit_batch(CcbAdapter(), 2)
    payment = writer().render(batch, keys.department)
    with pytest.raises(BankFileError) as info:
        CcbAdapter().read_instructions(payment, keys.department_verifier)
    assert (info.value.code, info.value.location.path) == (code, path)
