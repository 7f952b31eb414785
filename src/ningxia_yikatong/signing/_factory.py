"""Signer and verifier for a key of either kind, chosen by the key's type."""

from __future__ import annotations

from typing import Literal

from cryptography.hazmat.primitives.asymmetric import rsa

from ..errors import KeyLoadError
from ._keys import Certificate, PrivateKey, PublicKey
from ._rsa import RsaSigner, RsaVerifier
from ._sm2 import DEFAULT_SIGNER_ID, Sm2PrivateKey, Sm2PublicKey, Sm2Signer, Sm2Verifier

__all__ = ["signer_for", "verifier_for"]


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
