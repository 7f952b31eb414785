"""Citizen query codes: signed, expiring, scoped; every bad token gets the same answer."""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ningxia_yikatong.disclosure import QueryScope, issue_token, qr_png, qr_svg, read_token
from ningxia_yikatong.errors import DisclosureError

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
NOW = _dt.datetime(2026, 4, 1, 9, tzinfo=_dt.UTC)
LATER = NOW + _dt.timedelta(days=30)


def _refused(token: str, **kwargs: object) -> str:
    with pytest.raises(DisclosureError) as excinfo:
        read_token(KEY, token, now=kwargs.pop("now", NOW), **kwargs)  # type: ignore[arg-type]
    assert excinfo.value.code == "disclosure.token"
    return excinfo.value.message


def test_a_token_reads_back_its_scope() -> None:
    token = issue_token(KEY, "batch", "GS-2026-03", expires=LATER)
    found = read_token(KEY, token, now=NOW, batch_id="GS-2026-03")
    assert (found.scope, found.target, found.expires) == (QueryScope.BATCH, "GS-2026-03", LATER)
    region = read_token(KEY, issue_token(KEY, "region", "640122", expires=LATER), now=NOW)
    assert region.covers(region="640122101201")
    assert not region.covers(region="640181100200")
    assert token.count(".") == 4  # scope, target, expiry, tag: nothing about a person


def test_every_bad_token_gets_the_same_answer() -> None:
    good = issue_token(KEY, "region", "640122101201", expires=LATER)
    body, tag = good.rsplit(".", 1)
    messages = {
        _refused(good, now=LATER),  # expired
        _refused(good, now=LATER + _dt.timedelta(seconds=1)),
        _refused(issue_token(OTHER_KEY, "region", "640122101201", expires=LATER)),  # other key
        _refused(body + "." + ("A" if tag[0] != "A" else "B") + tag[1:]),  # tampered tag
        _refused(body.replace("640122101201", "640122101202") + "." + tag),  # tampered body
        _refused(good, region="640181100200"),  # out of scope
        _refused(good, batch_id="B-OTHER"),
        _refused("not a token"),
        _refused(""),
    }
    assert len(messages) == 1
    assert "查询码无效或已过期" in messages.pop()


@given(st.text(max_size=120))
def test_junk_is_refused_with_the_library_s_error(junk: str) -> None:
    with pytest.raises(DisclosureError) as excinfo:
        read_token(KEY, junk, now=NOW)
    assert excinfo.value.code == "disclosure.token"


def test_issuing_checks_its_arguments() -> None:
    with pytest.raises(DisclosureError) as excinfo:
        issue_token(b"short", "batch", "B1", expires=LATER)
    assert excinfo.value.code == "disclosure.token_key"
    with pytest.raises(DisclosureError) as excinfo:
        issue_token(KEY, "batch", "B1", expires=_dt.datetime(2026, 5, 1))
    assert excinfo.value.code == "disclosure.token_expiry"
    with pytest.raises(DisclosureError) as excinfo:
        issue_token(KEY, "village", "B1", expires=LATER)
    assert excinfo.value.code == "disclosure.token_scope"
    far = issue_token(KEY, "batch", "B1", expires=NOW + _dt.timedelta(days=3650))
    _refused(far)  # a code valid for ten years is not one this deployment issues


def test_the_qr_code_decodes_to_the_query_url(tmp_path: Path) -> None:
    url = "https://query.example.org/q?t=" + issue_token(KEY, "batch", "GS-1", expires=LATER)
    png = qr_png(url)
    assert png.startswith(b"\x89PNG")
    svg = qr_svg(url)
    assert svg.lstrip().startswith("<svg")
    if shutil.which("zbarimg") is None:
        if os.environ.get("CI"):
            pytest.fail("zbarimg (zbar-tools) is required in CI")
        pytest.skip("zbarimg missing")
    (tmp_path / "code.png").write_bytes(png)
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "code.png")],
        capture_output=True, check=True, text=True,
    ).stdout.strip()  # fmt: skip
    assert decoded == url
