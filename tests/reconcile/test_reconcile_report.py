"""The reconciliation result as data (``ReconciliationReport``): ``of``,
``to_dict`` and ``from_dict``/``from_json`` agree for random reconciliations,
and a document that is not one, or whose totals disagree with its items, is
refused with ``reconcile.report_invalid``."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong.banks._model import ReturnStatus
from ningxia_yikatong.errors import ReconcileError
from ningxia_yikatong.reconcile import ReconciliationReport, reconcile, to_dict, to_json


@settings(max_examples=25, deadline=None)
@given(data=st.data(), n=st.integers(min_value=1, max_value=8))
def test_round_trip_of_random_reconciliations(kit: Any, data: st.DataObject, n: int) -> None:
    batch = kit.batch(n)
    returns = [kit.noisy_return(data, batch) for _ in range(data.draw(st.integers(0, 2)))]
    rec = reconcile(batch, returns)
    report = ReconciliationReport.of(rec)
    assert report.to_dict() == to_dict(rec)
    assert ReconciliationReport.from_dict(report.to_dict()) == report
    assert ReconciliationReport.from_json(to_json(rec)) == report
    assert [i.seq for i in report.items] == list(range(1, n + 1))


@pytest.fixture(scope="module")
def document(kit: Any) -> dict[str, Any]:
    batch = kit.batch(5)
    records = [
        kit.record(batch.items[0]),
        kit.record(batch.items[1], ReturnStatus.FROZEN),
        kit.record(batch.items[2], ReturnStatus.PENDING),
        kit.record(batch.items[3]),
    ]
    doc = to_dict(reconcile(batch, kit.bank_return(batch, records)))
    assert ReconciliationReport.from_dict(doc).totals.failed.count == 1
    return doc


def _at(*path: str | int, value: object) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        del doc[key]

    return change


def _bad_anomaly(doc: dict[str, Any]) -> None:
    doc["anomalies"] = [{"kind": "amount_mismatch", "message": "x", "location": {"sheet": "A"}}]


def _more_paid(doc: dict[str, Any]) -> None:
    paid = doc["totals"]["paid"]
    paid["count"] += 1


def _unbalanced(doc: dict[str, Any]) -> None:
    batch = doc["totals"]["batch"]
    batch["amount"] = f"{Decimal(batch['amount']) + 1:.2f}"


@pytest.mark.parametrize(
    "change",
    [
        _more_paid,  # totals that disagree with the items
        _unbalanced,
        _at("items", 0, "seq", value=2),
        _at("items", 0, "outcome", value="lost"),
        _at("items", 0, "amount", value="1.5"),
        _at("items", 0, "amount", value="一百"),
        _at("items", 1, "status", value="nope"),
        _at("items", 0, "settled_at", value="yesterday"),
        _at("items", 0, "return_index", value="0"),
        _at("round", value=True),
        _at("returns", 0, "files", value=[1]),
        _at("returns", 0, "used", value="yes"),
        _at("totals", "failed_by_status", "no-such-status", value={"count": 0, "amount": "0.00"}),
        _drop("totals"),
        _drop("items"),
        _drop("batch_id"),
        _bad_anomaly,
    ],
)
def test_refused_documents(
    document: dict[str, Any], change: Callable[[dict[str, Any]], None]
) -> None:
    doc = copy.deepcopy(document)
    change(doc)
    with pytest.raises(ReconcileError) as err:
        ReconciliationReport.from_dict(doc)
    assert err.value.code == "reconcile.report_invalid"


@pytest.mark.parametrize("text", ["not json", b"\xff\xfe", "[]", '"x"'])
def test_refused_json(text: str | bytes) -> None:
    with pytest.raises(ReconcileError) as err:
        ReconciliationReport.from_json(text)
    assert err.value.code == "reconcile.report_invalid"


def test_item_out_of_range(document: dict[str, Any]) -> None:
    report = ReconciliationReport.from_dict(document)
    for seq in (0, 6):
        with pytest.raises(ReconcileError) as err:
            report.item(seq)
        assert err.value.code == "reconcile.report_seq"
