"""A reconciliation as data (对账结果): what :func:`to_dict` writes, typed.

A :class:`~ningxia_yikatong.reconcile.Reconciliation` holds the batch and the
parsed returns, personal data included. Systems that keep the result (the
ledger) and the JSON the ``reconcile`` command writes need it without them:
:class:`ReconciliationReport` is the batch's identity, the totals, one
:class:`ReconciledItem` per item (by ``seq``: outcome, the bank's status and
reason), what each return said of itself, and the anomalies.
``ReconciliationReport.of(rec).to_dict() == to_dict(rec)``, and
``ReconciliationReport.from_dict(to_dict(rec)) == ReconciliationReport.of(rec)``.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from ..banks._model import ReturnStatus
from ..errors import Location, ReconcileError
from ._exports import summary_dict, to_dict, totals_dict
from ._matching import (
    Anomaly,
    AnomalyKind,
    Outcome,
    ReconcileTotals,
    Reconciliation,
    ReturnSummary,
    Totals,
)

__all__ = ["ReconciledItem", "ReconciliationReport"]

_LOCATION_KEYS: Final = ("file", "line", "record", "field", "path")


@dataclass(frozen=True, slots=True)
class ReconciledItem:
    """The outcome of one item, without the person: ``seq`` names the item."""

    seq: int
    outcome: Outcome
    amount: Decimal
    status: ReturnStatus | None = None
    raw_code: str | None = None
    raw_message: str | None = None
    bank_amount: Decimal | None = None
    bank_txn_id: str | None = None
    settled_at: _dt.datetime | None = None
    return_index: int | None = None

    @property
    def reason(self) -> str | None:
        """The failure reason in Chinese (the bank's status label), for a failed item."""
        if self.outcome is not Outcome.FAILED or self.status is None:
            return None
        return self.status.label


@dataclass(frozen=True, slots=True)
class ReconciliationReport:
    """A reconciliation's result by ``seq``, as the JSON export has it."""

    batch_id: str
    policy_code: str
    period: str
    round: int
    parent_batch_id: str | None
    totals: ReconcileTotals
    returns: tuple[ReturnSummary, ...]
    items: tuple[ReconciledItem, ...]
    anomalies: tuple[Anomaly, ...] = ()

    @classmethod
    def of(cls, reconciliation: Reconciliation) -> ReconciliationReport:
        """The report of a reconciliation."""
        return cls.from_dict(to_dict(reconciliation))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReconciliationReport:
        """The report from :func:`to_dict`'s data; anything else is
        ``reconcile.report_invalid`` naming the field."""
        return _parse(data)

    @classmethod
    def from_json(cls, text: str | bytes) -> ReconciliationReport:
        """The report from :func:`to_json`'s text (``reconcile --out`` writes it)."""
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            raise ReconcileError(
                "对账结果不是有效的 JSON", code="reconcile.report_invalid"
            ) from None
        return _parse(data)

    def item(self, seq: int) -> ReconciledItem:
        """The item with this ``seq`` (``reconcile.report_seq`` if none)."""
        if isinstance(seq, int) and 1 <= seq <= len(self.items):
            return self.items[seq - 1]
        raise ReconcileError(f"对账结果中没有第{seq}条明细", code="reconcile.report_seq")

    def seqs(self, outcome: Outcome) -> tuple[int, ...]:
        """The seqs of the items with this outcome."""
        return tuple(i.seq for i in self.items if i.outcome is outcome)

    def to_dict(self) -> dict[str, Any]:
        """The data :func:`to_dict` gives for the reconciliation."""
        t = self.totals
        return {
            "batch_id": self.batch_id,
            "policy_code": self.policy_code,
            "period": self.period,
            "round": self.round,
            "parent_batch_id": self.parent_batch_id,
            "totals": totals_dict(t),
            "returns": [summary_dict(s) for s in self.returns],
            "items": [
                {
                    "seq": i.seq,
                    "outcome": i.outcome.value,
                    "amount": f"{i.amount:.2f}",
                    "status": None if i.status is None else i.status.value,
                    "raw_code": i.raw_code,
                    "raw_message": i.raw_message,
                    "bank_amount": None if i.bank_amount is None else f"{i.bank_amount:.2f}",
                    "bank_txn_id": i.bank_txn_id,
                    "settled_at": None if i.settled_at is None else i.settled_at.isoformat(),
                    "return_index": i.return_index,
                }
                for i in self.items
            ],
            "anomalies": [
                {
                    "kind": a.kind.value,
                    "code": a.code,
                    "seq": a.seq,
                    "return_index": a.return_index,
                    "location": {
                        k: getattr(a.location, k)
                        for k in _LOCATION_KEYS
                        if getattr(a.location, k) is not None
                    },
                    "message": a.message,
                }
                for a in self.anomalies
            ],
        }


def _bad(what: str) -> ReconcileError:
    return ReconcileError(f"对账结果数据有误：{what}", code="reconcile.report_invalid")


def _field(data: object, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(data, Mapping):
        raise _bad(f"{where} 应为对象")
    value = data.get(key)
    if isinstance(value, bool) and kind is int:
        raise _bad(f"{where}.{key} 应为整数")
    if not isinstance(value, kind):
        raise _bad(f"{where}.{key} 缺失或类型不对")
    return value


def _optional(data: object, key: str, kind: type, where: str) -> Any:
    if isinstance(data, Mapping) and data.get(key) is None:
        return None
    return _field(data, key, kind, where)


def _yuan(text: object, where: str) -> Decimal:
    if not isinstance(text, str):
        raise _bad(f"{where} 应为金额文本")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _bad(f"{where} 金额 {text!r} 无效") from None
    if not value.is_finite() or value.as_tuple().exponent != -2:
        raise _bad(f"{where} 金额 {text!r} 应为两位小数的元")
    return value


def _totals(data: object, where: str) -> Totals:
    return Totals(
        _field(data, "count", int, where), _yuan(_field(data, "amount", str, where), where)
    )


def _list(data: Mapping[str, Any], key: str) -> Sequence[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise _bad(f"{key} 应为列表")
    return value


def _status(value: object, where: str) -> ReturnStatus | None:
    if value is None:
        return None
    try:
        return ReturnStatus(str(value))
    except ValueError:
        raise _bad(f"{where} 银行状态 {value!r} 无效") from None


def _settled(value: object, where: str) -> _dt.datetime | None:
    if value is None:
        return None
    try:
        return _dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise _bad(f"{where} 入账时间 {value!r} 无效") from None


def _item(data: object, n: int) -> ReconciledItem:
    where = f"items[{n}]"
    try:
        outcome = Outcome(_field(data, "outcome", str, where))
    except ValueError:
        raise _bad(f"{where}.outcome 无效") from None
    bank_amount = _optional(data, "bank_amount", str, where)
    return ReconciledItem(
        seq=_field(data, "seq", int, where),
        outcome=outcome,
        amount=_yuan(_field(data, "amount", str, where), where),
        status=_status(_optional(data, "status", str, where), where),
        raw_code=_optional(data, "raw_code", str, where),
        raw_message=_optional(data, "raw_message", str, where),
        bank_amount=None if bank_amount is None else _yuan(bank_amount, where),
        bank_txn_id=_optional(data, "bank_txn_id", str, where),
        settled_at=_settled(_optional(data, "settled_at", str, where), where),
        return_index=_optional(data, "return_index", int, where),
    )


def _summary(data: object, n: int) -> ReturnSummary:
    where = f"returns[{n}]"
    files = _field(data, "files", list, where)
    if not all(isinstance(f, str) for f in files):
        raise _bad(f"{where}.files 应为文件名列表")
    return ReturnSummary(
        index=_field(data, "index", int, where),
        bank=_field(data, "bank", str, where),
        batch_id=_field(data, "batch_id", str, where),
        count=_field(data, "count", int, where),
        total=_yuan(_field(data, "total", str, where), where),
        lines=_field(data, "lines", int, where),
        lines_total=_yuan(_field(data, "lines_total", str, where), where),
        files=tuple(files),
        signature_algorithm=_optional(data, "signature_algorithm", str, where),
        key_fingerprint=_optional(data, "key_fingerprint", str, where),
        reversal=_field(data, "reversal", bool, where),
        used=_field(data, "used", bool, where),
    )


def _anomaly(data: object, n: int) -> Anomaly:
    where = f"anomalies[{n}]"
    try:
        kind = AnomalyKind(_field(data, "kind", str, where))
    except ValueError:
        raise _bad(f"{where}.kind 无效") from None
    loc = _field(data, "location", dict, where)
    if set(loc) - set(_LOCATION_KEYS):
        raise _bad(f"{where}.location 有未知的键")
    return Anomaly(
        kind=kind,
        message=_field(data, "message", str, where),
        seq=_optional(data, "seq", int, where),
        return_index=_optional(data, "return_index", int, where),
        location=Location(**{k: loc[k] for k in _LOCATION_KEYS if k in loc}),
    )


def _parse(data: object) -> ReconciliationReport:
    totals = _field(data, "totals", dict, "对账结果")
    assert isinstance(data, Mapping)  # checked by _field
    by_status = _field(totals, "failed_by_status", dict, "totals")
    failed_by_status = {}
    for key, value in by_status.items():
        status = _status(key, "totals.failed_by_status")
        assert status is not None
        failed_by_status[status] = _totals(value, f"totals.failed_by_status.{key}")
    report = ReconciliationReport(
        batch_id=_field(data, "batch_id", str, "对账结果"),
        policy_code=_field(data, "policy_code", str, "对账结果"),
        period=_field(data, "period", str, "对账结果"),
        round=_field(data, "round", int, "对账结果"),
        parent_batch_id=_optional(data, "parent_batch_id", str, "对账结果"),
        totals=ReconcileTotals(
            batch=_totals(totals.get("batch"), "totals.batch"),
            paid=_totals(totals.get("paid"), "totals.paid"),
            failed=_totals(totals.get("failed"), "totals.failed"),
            pending=_totals(totals.get("pending"), "totals.pending"),
            missing=_totals(totals.get("missing"), "totals.missing"),
            failed_by_status=failed_by_status,
            paid_by_bank=_yuan(totals.get("paid_by_bank"), "totals.paid_by_bank"),
        ),
        returns=tuple(_summary(s, n) for n, s in enumerate(_list(data, "returns"))),
        items=tuple(_item(i, n) for n, i in enumerate(_list(data, "items"))),
        anomalies=tuple(_anomaly(a, n) for n, a in enumerate(_list(data, "anomalies"))),
    )
    _consistent(report)
    return report


def _consistent(report: ReconciliationReport) -> None:
    if [i.seq for i in report.items] != list(range(1, len(report.items) + 1)):
        raise _bad("items 的序号应为 1..n")
    for outcome in Outcome:
        counted = [i for i in report.items if i.outcome is outcome]
        shown = report.totals.of(outcome)
        if shown != Totals(len(counted), sum((i.amount for i in counted), Decimal("0.00"))):
            raise _bad(f"{outcome.label}的合计与明细不符")
    if not report.totals.balanced:
        raise _bad("各项合计之和与批次合计不符")
