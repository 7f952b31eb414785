"""Builders for reconciliation tests: small batches and returns made from them.

Tests get them through the session-scoped ``kit`` fixture (with
``--import-mode=importlib`` a conftest cannot be imported by name), which also
works inside ``@given`` tests that draw from ``st.data()``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import strategies as st

from ningxia_yikatong import (
    AccountNumber,
    Amount,
    BankAccount,
    BankCode,
    BatchId,
    Beneficiary,
    PayoutBatch,
    PayoutItem,
    Period,
    PersonName,
    Phone,
    PolicyCode,
    RegionCode,
    ResidentIdNumber,
)
from ningxia_yikatong.banks._model import BankReturn, ReturnRecord, ReturnStatus
from ningxia_yikatong.reconcile import RETURN_KIND_KEY, REVERSAL_KIND

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_NAMES = ("马小明", "李兰", "王建国", "海燕", "阿卜杜·热合曼", "张𠮷", "丁秀英", "白福贵")
FAILURES = tuple(s for s in ReturnStatus if s.is_failure)
RAW = {s: (f"E{i:03d}", s.label) for i, s in enumerate(ReturnStatus)}


def id_number(n: int) -> ResidentIdNumber:
    body = f"640122{1940 + n % 60}0101{n % 1000:03d}"
    return ResidentIdNumber(
        body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]
    )


class Kit:
    """Batches and returns for tests."""

    failures = FAILURES

    def person(self, n: int) -> Beneficiary:
        name = PersonName(_NAMES[n % len(_NAMES)])
        return Beneficiary(
            id_number=id_number(n),
            name=name,
            region=RegionCode("640122101001"),
            phone=Phone(f"139{n:08d}") if n % 3 else None,
            account=BankAccount(
                number=AccountNumber(f"621700{n:013d}"),
                bank=BankCode("psbc"),
                holder_name=name,
                is_yikatong=n % 5 != 4,
            ),
        )

    def batch(
        self,
        n: int = 5,
        *,
        batch_id: str = "B2026Q1-01",
        amounts: Sequence[str] | None = None,
    ) -> PayoutBatch:
        items = tuple(
            PayoutItem(
                seq=i,
                beneficiary=self.person(i),
                amount=Amount(amounts[i - 1] if amounts else f"{100 + i}.50"),
            )
            for i in range(1, n + 1)
        )
        return PayoutBatch(
            batch_id=BatchId(batch_id),
            policy_code=PolicyCode("NX-GLJT"),
            period=Period("2026-Q1"),
            region=RegionCode("640122"),
            agent_bank=BankCode("psbc"),
            payer_account=AccountNumber("10400101040012345"),
            payer_name="贺兰县财政局",
            items=items,
        )

    def record(
        self,
        item: PayoutItem,
        status: ReturnStatus = ReturnStatus.SUCCESS,
        *,
        line: int | None = None,
        **changes: object,
    ) -> ReturnRecord:
        code, message = RAW[status]
        record = ReturnRecord(
            seq=item.seq,
            account=str(item.beneficiary.account.number),
            name=str(item.beneficiary.account.holder_name),
            amount=Decimal(item.amount),
            status=status,
            raw_code=code,
            raw_message=message,
            bank_txn_id=f"T{item.seq:08d}" if status is ReturnStatus.SUCCESS else None,
            settled_at=dt.datetime(2026, 3, 20, 10, 0) if status is ReturnStatus.SUCCESS else None,
            line=line if line is not None else item.seq + 1,
        )
        return dataclasses.replace(record, **changes)  # type: ignore[arg-type]

    def bank_return(
        self,
        batch: PayoutBatch,
        records: Iterable[ReturnRecord],
        *,
        batch_id: str | None = None,
        count: int | None = None,
        total: Decimal | None = None,
        reversal: bool = False,
        file: str = "return.txt",
    ) -> BankReturn:
        recs = tuple(records)
        return BankReturn(
            bank=batch.agent_bank,
            batch_id=batch.batch_id if batch_id is None else batch_id,
            count=len(recs) if count is None else count,
            total=sum((r.amount for r in recs), Decimal("0.00")) if total is None else total,
            records=recs,
            files=(file,),
            signature_algorithm="SM2-SM3",
            key_fingerprint="ab12",
            extra={RETURN_KIND_KEY: REVERSAL_KIND} if reversal else {},
        )

    def answer(
        self,
        batch: PayoutBatch,
        statuses: Mapping[int, ReturnStatus | None] | None = None,
        **kwargs: object,
    ) -> BankReturn:
        """A clean return: every item SUCCESS unless ``statuses`` says otherwise (None: omitted)."""
        statuses = statuses or {}
        records = [
            self.record(item, status)
            for item in batch.items
            if (status := statuses.get(item.seq, ReturnStatus.SUCCESS)) is not None
        ]
        return self.bank_return(batch, records, **kwargs)  # type: ignore[arg-type]

    # Strategies -----------------------------------------------------------

    @staticmethod
    def statuses() -> st.SearchStrategy[ReturnStatus | None]:
        """An outcome for one item, or None for an omitted line."""
        return st.one_of(st.none(), st.sampled_from(ReturnStatus))

    @staticmethod
    def final_statuses() -> st.SearchStrategy[ReturnStatus]:
        """SUCCESS or a failure: what a well-behaved bank finally says."""
        return st.sampled_from([ReturnStatus.SUCCESS, *FAILURES])

    def noisy_return(self, data: st.DataObject, batch: PayoutBatch) -> BankReturn:
        """A return with random outcomes and every kind of noise."""
        records = []
        n = len(batch.items)
        for item in batch.items:
            for _ in range(data.draw(st.sampled_from([0, 1, 1, 1, 2]))):
                status = data.draw(st.sampled_from(ReturnStatus))
                changes: dict[str, Any] = {}
                if data.draw(st.integers(0, 9)) == 0:
                    changes["amount"] = Decimal(item.amount) + Decimal("0.01")
                if data.draw(st.integers(0, 9)) == 0:
                    changes["account"] = "6228480000000000000"
                if data.draw(st.integers(0, 9)) == 0:
                    changes["name"] = "某某"
                records.append(self.record(item, status, **changes))
        for _ in range(data.draw(st.integers(0, 2))):
            seq = data.draw(st.sampled_from([0, -1, n + 1, n + 50]))
            records.append(
                ReturnRecord(
                    seq=seq,
                    account="6228480000000001234",
                    name="无名",
                    amount=Decimal("9.99"),
                    status=ReturnStatus.SUCCESS,
                    raw_code="0000",
                    raw_message="成功",
                )
            )
        records = data.draw(st.permutations(records))
        header_off = data.draw(st.sampled_from([0, 0, 0, 1]))
        other = data.draw(st.sampled_from([False, False, False, False, True]))
        reversal = data.draw(st.sampled_from([False, False, False, True]))
        return self.bank_return(
            batch,
            records,
            batch_id="OTHER-1" if other else None,
            count=len(records) + header_off,
            reversal=reversal,
        )


@pytest.fixture(scope="session")
def kit() -> Kit:
    return Kit()
