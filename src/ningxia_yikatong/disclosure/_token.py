"""Citizen query codes (查询二维码): a signed, expiring token for one region or
one batch, carried in a QR code on the notice. It never holds an ID number:
the citizen types name and ID number on the query page, and the token only
says which payouts the page may search.

A token is ``v1.<scope>.<id>.<expires>.<tag>``: the scope (``region`` or
``batch``), the region code or batch id, the expiry as a UTC Unix time, and an
HMAC-SM3 tag (base64url) over the rest with the deployment's key. Reading a
token that is malformed, tampered with, signed by another key, expired, or out
of the page's scope gives the same error and message (``disclosure.token``), so
that the answer tells a citizen, or someone probing, nothing more.
"""

from __future__ import annotations

import base64
import datetime as _dt
import io
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from .._arguments import checked, checked_on_failure
from ..codes import BatchId
from ..errors import DisclosureError, SignatureError, YikatongError
from ..regions import RegionCode
from ..signing import HmacSigner

__all__ = ["QueryScope", "QueryToken", "issue_token", "qr_png", "qr_svg", "read_token"]

_FORMAT: Final = re.compile(
    r"v1\.(region|batch)\.([0-9A-Za-z_-]{1,32})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})"
)
_UNIFORM: Final = "查询码无效或已过期，请扫描公示栏上最新的二维码"
_MAX_DAYS: Final = 400


class QueryScope(StrEnum):
    """What a token lets the query page search."""

    REGION = "region"
    BATCH = "batch"


@dataclass(frozen=True, slots=True)
class QueryToken:
    """A verified token: its scope, the region or batch, and when it expires."""

    scope: QueryScope
    target: str
    expires: _dt.datetime

    @checked_on_failure(DisclosureError, "disclosure")
    def covers(self, *, region: str | None = None, batch_id: str | None = None) -> bool:
        """Whether a payout of ``region`` / ``batch_id`` is inside the token's scope."""
        if self.scope is QueryScope.BATCH:
            return batch_id == self.target
        return region is not None and RegionCode(self.target).contains(region)


def _key(key: bytes) -> HmacSigner:
    if not isinstance(key, bytes) or len(key) < 32:
        raise DisclosureError("查询码密钥须为至少32字节", code="disclosure.token_key")
    return HmacSigner(key, digest="sm3")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@checked(DisclosureError, "disclosure")
def issue_token(key: bytes, scope: QueryScope | str, target: str, *, expires: _dt.datetime) -> str:
    """A token for ``target`` (a region code or batch id) valid until ``expires``.

    >>> import datetime as dt
    >>> key = bytes(range(32))
    >>> when = dt.datetime(2026, 6, 30, tzinfo=dt.timezone.utc)
    >>> token = issue_token(key, "region", "640122101201", expires=when)
    >>> token.startswith("v1.region.640122101201.")
    True
    >>> read_token(key, token, now=when - dt.timedelta(days=1)).target
    '640122101201'
    """
    try:
        kind = QueryScope(scope)
    except ValueError:
        raise DisclosureError(
            f"查询码范围应为 region 或 batch，不是 {scope!r}", code="disclosure.token_scope"
        ) from None
    name = str(RegionCode(target)) if kind is QueryScope.REGION else str(BatchId(target))
    if expires.tzinfo is None:
        raise DisclosureError("查询码到期时间须带时区", code="disclosure.token_expiry")
    body = f"v1.{kind.value}.{name}.{int(expires.timestamp())}"
    return f"{body}.{_b64(_key(key).sign(body.encode()))}"


@checked(DisclosureError, "disclosure")
def read_token(
    key: bytes,
    token: str,
    *,
    now: _dt.datetime,
    region: str | None = None,
    batch_id: str | None = None,
) -> QueryToken:
    """The verified token; with ``region`` / ``batch_id``, it must cover them.
    Every failure is the same ``disclosure.token`` error and message."""
    signer = _key(key)
    match = _FORMAT.fullmatch(token) if isinstance(token, str) else None
    if match is None:
        raise DisclosureError(_UNIFORM, code="disclosure.token")
    body, tag = token.rsplit(".", 1)
    try:
        signer.verifier().verify(body.encode(), base64.urlsafe_b64decode(tag + "="))
        kind = QueryScope(match.group(1))
        target = match.group(2)
        if kind is QueryScope.REGION:
            RegionCode(target)
        expires = _dt.datetime.fromtimestamp(int(match.group(3)), _dt.UTC)
    except (SignatureError, YikatongError, ValueError, OverflowError, OSError):
        raise DisclosureError(_UNIFORM, code="disclosure.token") from None
    found = QueryToken(kind, target, expires)
    too_far = now + _dt.timedelta(days=_MAX_DAYS)
    if now.tzinfo is None or expires <= now or expires > too_far:
        raise DisclosureError(_UNIFORM, code="disclosure.token")
    if (region is not None or batch_id is not None) and not found.covers(
        region=region, batch_id=batch_id
    ):
        raise DisclosureError(_UNIFORM, code="disclosure.token")
    return found


def _qr(text: str) -> Any:
    try:
        import segno  # noqa: PLC0415 - the qr extra
    except ImportError:
        raise DisclosureError(
            "生成二维码需要安装 qr 组件：pip install 'ningxia-yikatong[qr]'",
            code="disclosure.qr_extra",
        ) from None
    return segno.make(text, error="m", micro=False)


@checked(DisclosureError, "disclosure")
def qr_png(url: str, *, scale: int = 8) -> bytes:
    """The QR code of ``url`` (the query page with its token) as PNG."""
    out = io.BytesIO()
    _qr(url).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


@checked(DisclosureError, "disclosure")
def qr_svg(url: str, *, scale: int = 8) -> str:
    """The QR code of ``url`` as SVG text."""
    out = io.BytesIO()
    _qr(url).save(out, kind="svg", scale=scale, border=4, xmldecl=False)
    return out.getvalue().decode()
