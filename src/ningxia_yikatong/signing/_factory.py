"""Signer and verifier for a key of either kind, chosen by the key's type."""

from __future__ import annotations

import secrets
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import rsa

from ..errors import KeyLoadError
from ._hmac import HmacSigner
from ._keys import Certificate, PrivateKey, PublicKey
from ._rsa import RsaSigner, RsaVerifier, generate_rsa_key
from ._sm2 import (
    DEFAULT_SIGNER_ID,
    Sm2PrivateKey,
    Sm2PublicKey,
    Sm2Signer,
    Sm2Verifier,
    generate_sm2_key,
)

__all__ = ["generate_signer", "signer_for", "verifier_for"]


def signer_for(
    private_key: PrivateKey,
    *,
    signer_id: bytes = DEFAULT_SIGNER_ID,
    encoding: Literal["der", "raw"] = "der",
) -> Sm2Signer | RsaSigner:
    """:class:`Sm2Signer` for an SM2 key, :class:`RsaSigner` (RSA-SHA256) for an
    RSA key; ``signer_id`` and ``encoding`` apply to SM2 only.

    >>> from ningxia_yikatong.signing import generate_sm2_key
    >>> signer_for(generate_sm2_key()).algorithm
    'SM2-SM3'
    """
    if isinstance(private_key, Sm2PrivateKey):
        return Sm2Signer(private_key, signer_id=signer_id, encoding=encoding)
    if isinstance(private_key, rsa.RSAPrivateKey):
        return RsaSigner(private_key)
    raise KeyLoadError("不支持的私钥类型（仅支持RSA和SM2）", code="key.type")


def verifier_for(
    key: PublicKey | Certificate,
    *,
    signer_id: bytes = DEFAULT_SIGNER_ID,
    encoding: Literal["der", "raw"] = "der",
) -> Sm2Verifier | RsaVerifier:
    """The verifier matching a public key or a certificate's key (RSA-SHA256
    for RSA; SHA1withRSA only through :class:`RsaVerifier` itself)."""
    public = key.public_key if isinstance(key, Certificate) else key
    if isinstance(public, Sm2PublicKey):
        return Sm2Verifier(public, signer_id=signer_id, encoding=encoding)
    if isinstance(public, rsa.RSAPublicKey):
        return RsaVerifier(public)
    raise KeyLoadError("不支持的公钥类型（仅支持RSA和SM2）", code="key.type")


def generate_signer(scheme: str) -> Sm2Signer | RsaSigner | HmacSigner:
    """A signer with a fresh key for ``scheme``: ``SM2-SM3``, ``RSA-SHA256``,
    ``HMAC-SM3`` or ``HMAC-SHA256`` (for tests, simulations and demos; a
    deployment loads its agreed keys instead).

    >>> generate_signer("HMAC-SM3").algorithm
    'HMAC-SM3'
    """
    if scheme == "SM2-SM3":
        return Sm2Signer(generate_sm2_key())
    if scheme == "RSA-SHA256":
        return RsaSigner(generate_rsa_key())
    if scheme in ("HMAC-SM3", "HMAC-SHA256"):
        return HmacSigner(
            secrets.token_bytes(32), digest="sm3" if scheme == "HMAC-SM3" else "sha256"
        )
    raise KeyLoadError(f"不支持的签名方案：{scheme}", code="key.scheme")
