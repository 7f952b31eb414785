"""The outputs of one disclosure: CSV, JSON, XLSX and an HTML page that reads
well on a phone and prints on A4 for the notice board. Each carries the count
and the total. The HTML has no external assets and escapes every cell."""

from __future__ import annotations

import csv
import html
import io
import json
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from .._arguments import checked
from ..errors import DisclosureError
from ._build import Disclosure

__all__ = ["to_csv", "to_dict", "to_html", "to_json", "to_xlsx"]


@checked(DisclosureError, "disclosure")
def to_dict(disclosure: Disclosure) -> dict[str, Any]:
    """Plain data (English keys; amounts as text) for JSON."""
    d = disclosure
    return {
        "batch_id": d.batch_id,
        "policy_code": d.policy_code,
        "policy_name": d.policy_name,
        "department": d.department,
        "period": d.period,
        "region": d.region,
        "region_name": d.region_name,
        "kind": d.kind.value,
        "window": {
            "start": d.window.start.isoformat(),
            "end": d.window.end.isoformat(),
            "days": d.window.days,
            "takedown": d.window.takedown.isoformat(),
        },
        "columns": [c.value for c in d.columns],
        "headers": list(d.headers),
        "rows": [{"seq": r.seq, "cells": list(r.cells)} for r in d.rows],
        "count": d.count,
        "total": f"{d.total:.2f}",
    }


@checked(DisclosureError, "disclosure")
def to_json(disclosure: Disclosure) -> str:
    """:func:`to_dict` as JSON text."""
    return json.dumps(to_dict(disclosure), ensure_ascii=False, indent=2)


@checked(DisclosureError, "disclosure")
def to_csv(disclosure: Disclosure) -> str:
    """CSV (UTF-8 with BOM for spreadsheet software): title, window, the table,
    and the totals line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([disclosure.title])
    writer.writerow([disclosure.window.label()])
    writer.writerow(["序号", *disclosure.headers])
    for n, row in enumerate(disclosure.rows, 1):
        writer.writerow([n, *row.cells])
    writer.writerow([disclosure.totals_line()])
    return "\ufeff" + out.getvalue()


@checked(DisclosureError, "disclosure")
def to_xlsx(disclosure: Disclosure) -> bytes:
    """An XLSX workbook of one sheet laid out like the notice."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "公示"
    sheet.append([disclosure.title])
    sheet.append([disclosure.window.label()])
    sheet.append(["序号", *disclosure.headers])
    for n, row in enumerate(disclosure.rows, 1):
        sheet.append([n, *row.cells])
    sheet.append([disclosure.totals_line()])
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    sheet.freeze_panes = "A4"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_CSS: Final = """
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
margin:0;padding:12px;color:#1a1a1a;background:#fff;line-height:1.5}
h1{font-size:1.25rem;margin:0 0 4px}
.meta{color:#444;font-size:.9rem;margin:0 0 12px}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border:1px solid #999;padding:6px 8px;text-align:left;white-space:nowrap}
th{background:#f0f0f0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tfoot td{font-weight:bold;background:#fafafa}
.meta span{white-space:nowrap;margin-right:1em}
.summary{font-weight:bold;margin:0 0 8px}
.notice{margin-top:12px;font-size:.9rem;color:#333}
@media (max-width:600px){body{padding:8px}table{font-size:.85rem}th,td{padding:4px 6px}
.col-policy{display:none}}
@page{size:A4;margin:15mm}
@media print{body{padding:0}.table-wrap{overflow:visible}th{background:#eee}
tr{page-break-inside:avoid}thead{display:table-header-group}}
"""


@checked(DisclosureError, "disclosure")
def to_html(disclosure: Disclosure) -> str:
    """A standalone page: mobile first, prints on A4; every cell escaped."""
    d = disclosure
    e = html.escape
    numeric = {"amount", "quantity"}

    @checked(DisclosureError, "disclosure")
    def cls(column: str) -> str:
        # The policy is in the title: a phone's narrow screen leaves its column out.
        names = ["num"] if column in numeric else []
        if column == "policy":
            names.append("col-policy")
        return f' class="{" ".join(names)}"' if names else ""

    head = "<th>序号</th>" + "".join(f"<th{cls(c.value)}>{e(c.label)}</th>" for c in d.columns)
    body = []
    for n, row in enumerate(d.rows, 1):
        cells = "".join(
            f"<td{cls(c.value)}>{e(v)}</td>" for c, v in zip(d.columns, row.cells, strict=True)
        )
        body.append(f'<tr><td class="num">{n}</td>{cells}</tr>')
    span = len(d.columns) + 1
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{e(d.title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{e(d.title)}</h1>"
        f'<p class="meta"><span>{e(d.department)}</span><span>{e(d.window.label())}</span>'
        f"<span>批次 {e(d.batch_id)}</span></p>"
        f'<p class="summary">{e(d.totals_line())}</p>'
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody>"
        f'<tfoot><tr><td colspan="{span}">{e(d.totals_line())}</td></tr></tfoot>'
        "</table></div>"
        '<p class="notice">公示期内如有异议，请向村（社区）或乡镇（街道）反映，'
        f"也可向{e(d.department)}反映。身份证号、银行账号等个人信息不予公示。</p>"
        "</body></html>\n"
    )
