"""Exports of a reconciliation: XLSX and CSV for department staff, JSON for systems.

Staff exports have Chinese headers. The XLSX workbook has a summary sheet
(汇总) and one sheet each for 已发放, 发放失败及原因, 待处理 and 异常; the CSV is
one table whose first column (类别) says which of these a row belongs to. ID
and account numbers are masked unless ``mask=False`` is asked for (staff who
correct accounts may need them whole; the stricter choice is the default).

Text is never turned into a formula: XLSX cells are written as text, and a
CSV cell starting with ``= + - @`` gets a leading apostrophe (the usual guard
against formula injection when the file is opened in a spreadsheet).
Characters XLSX cannot hold (control characters from a bank message) are
written as ``\\xNN``.

The JSON form names items by ``seq`` only: systems already hold the batch.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from ..errors import Location, ReconcileError
from ..identity import mask_account, mask_id_number
from ._matching import (
    Anomaly,
    ItemResult,
    Outcome,
    ReconcileTotals,
    Reconciliation,
    ReturnSummary,
    Totals,
)

__all__ = [
    "ANOMALY_HEADERS",
    "CSV_HEADERS",
    "FAILED_HEADERS",
    "PAID_HEADERS",
    "PENDING_HEADERS",
    "SHEET_NAMES",
    "summary_rows",
    "to_csv",
    "to_dict",
    "to_json",
    "to_xlsx",
]

#: Sheet names of the XLSX export, in order.
SHEET_NAMES: Final = ("汇总", "已发放", "发放失败及原因", "待处理", "异常")
PAID_HEADERS: Final = (
    "序号",
    "姓名",
    "公民身份号码",
    "收款账号",
    "应发金额（元）",
    "实发金额（元）",
    "银行流水号",
    "入账时间",
)
FAILED_HEADERS: Final = (
    "序号",
    "姓名",
    "公民身份号码",
    "收款账号",
    "金额（元）",
    "失败原因",
    "银行返回码",
    "银行返回信息",
)
PENDING_HEADERS: Final = (
    "序号",
    "姓名",
    "公民身份号码",
    "收款账号",
    "金额（元）",
    "状态",
    "银行返回码",
    "银行返回信息",
)
ANOMALY_HEADERS: Final = ("异常类型", "异常代码", "序号", "回盘", "位置", "说明")
CSV_HEADERS: Final = (
    "类别",
    "序号",
    "姓名",
    "公民身份号码",
    "收款账号",
    "金额（元）",
    "实发金额（元）",
    "状态或原因",
    "银行返回码",
    "银行返回信息",
    "银行流水号",
    "异常代码",
    "说明",
)
_CATEGORY: Final = {
    Outcome.PAID: "已发放",
    Outcome.FAILED: "发放失败",
    Outcome.PENDING: "待处理",
    Outcome.MISSING: "待处理",
}
# Characters an XLSX cell cannot hold (openpyxl refuses them).
_ILLEGAL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def _check(rec: object) -> None:
    if not isinstance(rec, Reconciliation):
        raise ReconcileError("导出需要对账结果（Reconciliation）", code="reconcile.not_reconciled")


def summary_rows(totals: ReconcileTotals) -> list[tuple[str, int, Decimal]]:
    """The summary table: label, count, amount; failures also by reason.

    >>> from ningxia_yikatong.reconcile import ReconcileTotals, Totals
    >>> from decimal import Decimal
    >>> t = ReconcileTotals(Totals(2, Decimal("300.00")), Totals(1, Decimal("100.00")),
    ...     Totals(), Totals(1, Decimal("200.00")), Totals(), {}, Decimal("100.00"))
    >>> [row[0] for row in summary_rows(t)]
    ['批次合计', '已发放', '发放失败', '银行处理中', '回盘未列明']
    """
    if not isinstance(totals, ReconcileTotals):
        raise ReconcileError(
            "汇总表需要对账合计（ReconcileTotals，如 rec.totals）", code="reconcile.totals_type"
        )
    rows = [
        ("批次合计", totals.batch),
        ("已发放", totals.paid),
        ("发放失败", totals.failed),
        *((f"  其中：{s.label}", t) for s, t in totals.failed_by_status.items()),
        ("银行处理中", totals.pending),
        ("回盘未列明", totals.missing),
    ]
    return [(label, t.count, t.amount) for label, t in rows]


def _id(result: ItemResult, mask: bool) -> str:
    number = result.item.beneficiary.id_number
    return mask_id_number(number) if mask else str(number)


def _account(result: ItemResult, mask: bool) -> str:
    number = result.item.beneficiary.account.number
    return mask_account(number) if mask else str(number)


def _where(anomaly: Anomaly) -> str:
    loc = anomaly.location
    return str(Location(line=loc.line, field=loc.field, path=loc.path))


def _file(anomaly: Anomaly) -> str:
    return anomaly.location.file or (
        "" if anomaly.return_index is None else f"第{anomaly.return_index + 1}个回盘"
    )


def _sheet_rows(rec: Reconciliation, mask: bool) -> dict[str, list[Sequence[object]]]:
    sheets: dict[str, list[Sequence[object]]] = {name: [] for name in SHEET_NAMES[1:]}
    paid, failed, pending = sheets["已发放"], sheets["发放失败及原因"], sheets["待处理"]
    for r in rec:
        base = (r.seq, str(r.item.beneficiary.name), _id(r, mask), _account(r, mask))
        record = r.record
        if r.outcome is Outcome.PAID and record is not None:
            settled = "" if record.settled_at is None else record.settled_at.isoformat(sep=" ")
            paid.append((*base, r.item.amount, record.amount, record.bank_txn_id or "", settled))
        elif r.outcome is Outcome.FAILED and record is not None:
            failed.append(
                (*base, r.item.amount, record.status.label, record.raw_code, record.raw_message)
            )
        else:
            pending.append(
                (
                    *base,
                    r.item.amount,
                    r.outcome.label,
                    r.raw_code or "",
                    r.raw_message or "",
                )
            )
    sheets["异常"] = [
        (a.kind.label, a.code, a.seq if a.seq is not None else "", _file(a), _where(a), a.message)
        for a in rec.anomalies
    ]
    return sheets


def _xlsx_cell(ws: WriteOnlyWorksheet, value: object) -> object:
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(ws, value)  # type: ignore[arg-type]  # openpyxl writes Decimal
        cell.number_format = "0.00"
        return cell
    if isinstance(value, str):
        text = _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
        if text.startswith("="):
            cell = WriteOnlyCell(ws, text)
            cell.data_type = "s"
            return cell
        return text
    return value


def to_xlsx(rec: Reconciliation, *, mask: bool = True) -> bytes:
    """The reconciliation as an XLSX workbook (bytes) for department staff."""
    _check(rec)
    wb = Workbook(write_only=True)
    summary = wb.create_sheet(SHEET_NAMES[0])
    summary.append(["批次号", rec.batch.batch_id])
    summary.append(["政策编码", rec.batch.policy_code])
    summary.append(["发放期间", rec.batch.period.label])
    summary.append(["补发轮次", rec.batch.round])
    summary.append([])
    summary.append(["项目", "笔数", "金额（元）"])
    for label, count, amount in summary_rows(rec.totals):
        summary.append([label, count, _xlsx_cell(summary, amount)])
    summary.append(["异常", len(rec.anomalies), None])
    headers = {
        "已发放": PAID_HEADERS,
        "发放失败及原因": FAILED_HEADERS,
        "待处理": PENDING_HEADERS,
        "异常": ANOMALY_HEADERS,
    }
    for name, rows in _sheet_rows(rec, mask).items():
        ws = wb.create_sheet(name)
        ws.append(list(headers[name]))
        for row in rows:
            ws.append([_xlsx_cell(ws, v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _csv_text(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_rows(rec: Reconciliation, mask: bool) -> Iterator[Sequence[object]]:
    for r in rec:
        record = r.record
        if record is None:
            status = r.outcome.label
        elif r.outcome is Outcome.FAILED:
            status = record.status.label
        else:
            status = "成功" if r.outcome is Outcome.PAID else r.outcome.label
        yield (
            _CATEGORY[r.outcome],
            r.seq,
            str(r.item.beneficiary.name),
            _id(r, mask),
            _account(r, mask),
            r.item.amount,
            "" if record is None else record.amount,
            status,
            r.raw_code or "",
            r.raw_message or "",
            "" if record is None else (record.bank_txn_id or ""),
            "",
            "",
        )
    for a in rec.anomalies:
        note = f"{_file(a)} {_where(a)}".strip()
        yield (
            "异常",
            "" if a.seq is None else a.seq,
            "",
            "",
            "",
            "",
            "",
            a.kind.label,
            "",
            "",
            "",
            a.code,
            f"{note}：{a.message}" if note else a.message,
        )


def to_csv(rec: Reconciliation, *, mask: bool = True, encoding: str = "utf-8-sig") -> bytes:
    """The reconciliation as one CSV table with Chinese headers.

    ``utf-8-sig`` (with a byte order mark) is the default because that is
    what lets spreadsheet programs on Chinese Windows open it correctly. An
    encoding that is unknown or cannot write the text is refused
    (``reconcile.export_encoding``): nothing is replaced silently.
    """
    _check(rec)
    if not isinstance(encoding, str):
        raise ReconcileError("CSV 的字符编码应为编码名称（文本）", code="reconcile.export_encoding")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ReconcileError(
            f"未知的字符编码：{encoding}", code="reconcile.export_encoding"
        ) from None
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for row in _csv_rows(rec, mask):
        writer.writerow([_csv_text(v) for v in row])
    text = out.getvalue()
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        raise ReconcileError(
            f"对账表第{line}行的“{exc.object[exc.start : exc.end]}”无法用 {encoding} 编码；"
            "请改用 utf-8-sig 或 gb18030",
            code="reconcile.export_encoding",
        ) from None


def _totals(t: Totals) -> dict[str, Any]:
    return {"count": t.count, "amount": f"{t.amount:.2f}"}


def totals_dict(t: ReconcileTotals) -> dict[str, Any]:
    """A reconciliation's totals as :func:`to_dict` writes them."""
    return {
        "batch": _totals(t.batch),
        "paid": _totals(t.paid),
        "failed": _totals(t.failed),
        "pending": _totals(t.pending),
        "missing": _totals(t.missing),
        "failed_by_status": {s.value: _totals(v) for s, v in t.failed_by_status.items()},
        "paid_by_bank": f"{t.paid_by_bank:.2f}",
    }


def summary_dict(s: ReturnSummary) -> dict[str, Any]:
    """One return's summary as :func:`to_dict` writes it."""
    return {
        "index": s.index,
        "bank": s.bank,
        "batch_id": s.batch_id,
        "count": s.count,
        "total": f"{s.total:.2f}",
        "lines": s.lines,
        "lines_total": f"{s.lines_total:.2f}",
        "files": list(s.files),
        "signature_algorithm": s.signature_algorithm,
        "key_fingerprint": s.key_fingerprint,
        "reversal": s.reversal,
        "used": s.used,
    }


def _anomaly_dict(a: Anomaly) -> dict[str, Any]:
    loc = {k: getattr(a.location, k) for k in ("file", "line", "record", "field", "path")}
    return {
        "kind": a.kind.value,
        "code": a.code,
        "seq": a.seq,
        "return_index": a.return_index,
        "location": {k: v for k, v in loc.items() if v is not None},
        "message": a.message,
    }


def to_dict(rec: Reconciliation) -> dict[str, Any]:
    """The reconciliation as plain data (amounts as strings of yuan, 2 decimals)."""
    _check(rec)
    t = rec.totals
    batch = rec.batch
    items = []
    for r in rec:
        record = r.record
        items.append(
            {
                "seq": r.seq,
                "outcome": r.outcome.value,
                "amount": f"{r.item.amount:.2f}",
                "status": None if record is None else record.status.value,
                "raw_code": None if record is None else record.raw_code,
                "raw_message": None if record is None else record.raw_message,
                "bank_amount": None if record is None else f"{record.amount:.2f}",
                "bank_txn_id": None if record is None else record.bank_txn_id,
                "settled_at": None
                if record is None or record.settled_at is None
                else record.settled_at.isoformat(),
                "return_index": r.return_index,
            }
        )
    return {
        "batch_id": batch.batch_id,
        "policy_code": batch.policy_code,
        "period": batch.period,
        "round": batch.round,
        "parent_batch_id": batch.parent_batch_id,
        "totals": totals_dict(t),
        "returns": [summary_dict(s) for s in rec.summaries],
        "items": items,
        "anomalies": [_anomaly_dict(a) for a in rec.anomalies],
    }


def to_json(rec: Reconciliation, *, indent: int | None = None) -> str:
    """:func:`to_dict` as JSON text (UTF-8, Chinese kept as is)."""
    return json.dumps(to_dict(rec), ensure_ascii=False, indent=indent)
