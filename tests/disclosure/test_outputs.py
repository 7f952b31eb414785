"""Outputs of a disclosure: CSV, JSON, XLSX (read back by python-calamine), HTML;
totals on each, markup escaped, no full identifier anywhere."""

from __future__ import annotations

import datetime as _dt
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from ningxia_yikatong.disclosure import (
    Disclosure,
    DisclosureProfile,
    NoticeWindow,
    build_disclosure,
    find_browser,
    to_csv,
    to_html,
    to_json,
    to_pdf,
    to_xlsx,
)
from ningxia_yikatong.errors import DisclosureError

from .conftest import Paid

WINDOW = NoticeWindow(start=_dt.date(2026, 3, 25), days=7)
ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
ACCOUNT_RUN = re.compile(r"[0-9]{12,}")
PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def _all_columns(paid: Paid) -> Disclosure:
    profile = DisclosureProfile(
        policy_code="NX-GLJT",
        columns=["name", "village", "policy", "standard", "amount", "pay_date", "id_number",
                 "account", "phone"],
    )  # fmt: skip
    return build_disclosure(
        paid.batch, paid.policy, profile, kind="after_payment", window=WINDOW,
        reconciliation=paid.reconciliation,
    )  # fmt: skip


def _no_identifier_in(text: str, paid: Paid) -> None:
    assert not ID_NUMBER.search(text)
    assert not ACCOUNT_RUN.search(text.replace(",", ""))
    assert not PHONE.search(text)
    for item in paid.batch.items:
        person = item.beneficiary
        assert str(person.id_number) not in text
        assert str(person.account.number) not in text
        if person.phone is not None:
            assert str(person.phone) not in text


def test_every_output_has_the_totals_and_no_full_identifier(paid: Paid) -> None:
    d = _all_columns(paid)
    totals = f"合计：{d.count}人，{d.total:,.2f}元"
    csv_text = to_csv(d)
    html_text = to_html(d)
    json_text = to_json(d)
    for text in (csv_text, html_text):
        assert totals in text
        _no_identifier_in(text, paid)
    data = json.loads(json_text)
    assert (data["count"], data["total"]) == (d.count, f"{d.total:.2f}")
    _no_identifier_in(json_text, paid)
    book = CalamineWorkbook.from_filelike(io.BytesIO(to_xlsx(d)))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0][0] == d.title
    assert rows[-1][0] == totals
    assert len(rows) == d.count + 4
    _no_identifier_in("\n".join(",".join(str(c) for c in r) for r in rows), paid)


def test_the_page_escapes_every_text_and_fits_a_phone_and_a4(paid: Paid) -> None:
    policy = paid.policy.model_copy(
        update={"name": "高龄<script>alert(1)</script>", "department": '民政" onload="x'}
    )
    d = build_disclosure(
        paid.batch, policy, DisclosureProfile(policy_code="NX-GLJT"), kind="before_payment",
        window=WINDOW,
    )  # fmt: skip
    page = to_html(d)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert '" onload="' not in page
    assert 'name="viewport"' in page
    assert "@page{size:A4" in page
    assert not re.search(r"https?://", page)  # no external assets


def test_csv_layout(paid: Paid) -> None:
    d = build_disclosure(
        paid.batch, paid.policy, DisclosureProfile(policy_code="NX-GLJT"), kind="before_payment",
        window=WINDOW,
    )  # fmt: skip
    lines = to_csv(d).lstrip("\ufeff").splitlines()
    assert lines[0] == "贺兰县 高龄津贴 2026-03 发放前公示"
    assert lines[1] == "公示期：2026-03-25 至 2026-03-31（7天）"
    # 数量 is left out: the policy's standard is not per unit
    assert lines[2] == "序号,姓名,村组,补贴项目,补贴标准,金额（元）,发放时间"
    assert len(lines) == d.count + 4


def test_the_pdf_printed_by_chromium_reads_back(paid: Paid, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None or shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("chromium and pdftotext (poppler-utils) are required in CI")
        pytest.skip("chromium or pdftotext missing")
    d = _all_columns(paid)
    pdf = to_pdf(d)
    assert pdf.startswith(b"%PDF")
    (tmp_path / "notice.pdf").write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "notice.pdf"), "-"],
        capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    assert d.title in text
    assert f"合计：{d.count}人，{d.total:,.2f}元" in text
    _no_identifier_in(text, paid)


def test_a_missing_browser_is_named() -> None:
    with pytest.raises(DisclosureError) as excinfo:
        find_browser("no-such-browser-here")
    assert excinfo.value.code == "disclosure.browser_missing"
