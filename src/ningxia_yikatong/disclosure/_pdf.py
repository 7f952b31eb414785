"""The PDF of a disclosure, printed from its HTML page by headless Chromium
(the page's A4 print rules apply). Chromium is found on ``PATH`` (``chromium``,
``chromium-browser``, ``google-chrome``) unless ``browser`` names it."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Final

from .._arguments import checked
from ..errors import DisclosureError
from ._build import Disclosure
from ._outputs import to_html

__all__ = ["find_browser", "to_pdf"]

_NAMES: Final = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Flags for a headless print on a machine without a screen or network.
_FLAGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)


@checked(DisclosureError, "disclosure")
def find_browser(browser: str | None = None) -> str:
    """The path of the Chromium to print with (``disclosure.browser_missing`` if none)."""
    for name in (browser,) if browser else _NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise DisclosureError(
        "未找到 Chromium 浏览器，无法生成 PDF（请安装 chromium，或用 browser= 指定）",
        code="disclosure.browser_missing",
    )


@checked(DisclosureError, "disclosure")
def to_pdf(disclosure: Disclosure, *, browser: str | None = None, timeout: float = 120) -> bytes:
    """The disclosure printed to PDF (A4) by headless Chromium."""
    program = find_browser(browser)
    with tempfile.TemporaryDirectory(prefix="yikatong-pdf-") as work:
        folder = Path(work)
        page = folder / "notice.html"
        out = folder / "notice.pdf"
        page.write_text(to_html(disclosure), encoding="utf-8")
        command = [
            program,
            *_FLAGS,
            f"--user-data-dir={folder / 'profile'}",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DisclosureError(
                f"Chromium 生成 PDF 失败：{type(exc).__name__}", code="disclosure.pdf"
            ) from None
        if not out.is_file() or out.stat().st_size == 0:
            raise DisclosureError("Chromium 未生成 PDF 文件", code="disclosure.pdf")
        return out.read_bytes()
