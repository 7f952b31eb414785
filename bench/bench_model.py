"""Model validation: 1,000,000 payout items into one batch.

Ours: ``PayoutBatch.model_validate`` on plain dicts (every ID checksum, name,
region, account and amount validated). Floor: a ``pydantic.TypeAdapter`` of
plain models with the same fields typed ``str``/``Decimal``/``int``, which
checks types and nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, TypeAdapter

from bench._harness import Stage
from ningxia_yikatong import PayoutBatch
from ningxia_yikatong.regions import counties

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_NAMES = ("马小明", "李秀兰", "丁海燕", "阿卜杜·热合曼", "纳建国", "白玉梅", "锁福贵")


def _id(i: int) -> str:
    county = counties()[i % 22]
    born = dt.date(1930, 1, 1) + dt.timedelta(days=(i // 22) % 30000)
    body = f"{county}{born:%Y%m%d}{(i // 660000) % 1000:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]


def batch_data(n: int) -> dict[str, Any]:
    """Plain data of a batch of ``n`` items, as a roster import or an API delivers it."""
    items = []
    for i in range(n):
        name = _NAMES[i % len(_NAMES)]
        items.append(
            {
                "seq": i + 1,
                "beneficiary": {
                    "id_number": _id(i),
                    "name": name,
                    "region": f"{counties()[i % 22]}{100 + i % 50:03d}{i % 30 + 1:03d}",
                    "phone": f"139{i:08d}",
                    "account": {
                        "number": f"62170000{i:011d}",
                        "bank": "psbc",
                        "holder_name": name,
                    },
                },
                "amount": f"{100 + i % 900}.{i % 100:02d}",
            }
        )
    return {
        "batch_id": "B2026Q1-BENCH",
        "policy_code": "NX-GL-001",
        "period": "2026-Q1",
        "region": "640000",
        "agent_bank": "psbc",
        "payer_account": "10400101040012345",
        "payer_name": "宁夏回族自治区财政厅",
        "items": items,
    }


def ours(n: int) -> Callable[[], int]:
    data = batch_data(n)

    def run() -> int:
        return PayoutBatch.model_validate(data).count

    return run


# Plain models with the same fields as the library's, typed str/Decimal/int: the
# floor of the model and roster benchmarks.
class _Account(BaseModel):
    number: str
    bank: str
    holder_name: str
    is_yikatong: bool = True
    branch: str | None = None


class _Beneficiary(BaseModel):
    id_number: str
    name: str
    region: str
    household_id: str | None = None
    phone: str | None = None
    account: _Account


class _Item(BaseModel):
    seq: int
    beneficiary: _Beneficiary
    amount: Decimal
    quantity: Decimal | None = None
    memo: str | None = None


class _Batch(BaseModel):
    batch_id: str
    policy_code: str
    period: str
    region: str
    agent_bank: str
    payer_account: str
    payer_name: str
    items: tuple[_Item, ...]


def floor(n: int) -> Callable[[], int]:
    data = batch_data(n)
    adapter = TypeAdapter(_Batch)

    def run() -> int:
        return len(adapter.validate_python(data).items)

    return run


STAGES = [
    Stage("model validation: items into a batch", ours, floor, floor_label="TypeAdapter plain")
]
