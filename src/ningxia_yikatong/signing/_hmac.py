"""Message authentication codes with a shared key: HMAC-SM3 and HMAC-SHA256.

Some banks authenticate files with a MAC instead of a signature. Both ends hold
the same key, so a MAC proves the file came from one of them, not which one.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final, Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from .._arguments import checked
from ..errors import CryptoError, KeyLoadError, SignatureError

__all__ = ["MIN_HMAC_KEY_BYTES", "HmacSigner", "HmacVerifier"]

#: Shortest shared key accepted (128 bits).
MIN_HMAC_KEY_BYTES: Final = 16
_FINGERPRINT_LABEL: Final = b"ningxia_yikatong/hmac-key-fingerprint/v1\x00"

MacDigest = Literal["sm3", "sha256"]


def _hash(digest: str) -> hashes.HashAlgorithm:
    if digest == "sm3":
        return hashes.SM3()
    if digest == "sha256":
        return hashes.SHA256()
    raise CryptoError("HMAC摘要算法只能是 sm3 或 sha256", code="signature.digest")


def _hashlib_has(name: str) -> bool:
    try:
        hashlib.new(name)
    except ValueError:
        return False
    return True


# hmac.digest() runs OpenSSL's one-shot HMAC, several times faster than building
# an HMAC object per message; SM3 is there when Python's OpenSSL provides it.
_ONE_SHOT: Final = frozenset(name for name in ("sm3", "sha256") if _hashlib_has(name))


class _HmacKeyed:
    __slots__ = ("_digest", "_fingerprint", "_key", "_name", "algorithm")

    def __init__(self, key: bytes, *, digest: MacDigest = "sm3") -> None:
        if not isinstance(key, bytes | bytearray):
            raise KeyLoadError("HMAC密钥必须是字节串", code="key.hmac")
        if len(key) < MIN_HMAC_KEY_BYTES:
            raise KeyLoadError(f"HMAC密钥至少需要{MIN_HMAC_KEY_BYTES}字节", code="key.hmac.size")
        self._digest = _hash(digest)
        self._name = digest
        self._key = bytes(key)
        self.algorithm: str = f"HMAC-{digest.upper()}"
        # A hash of the secret under a fixed label: identifies the key in the audit
        # trail without revealing it (for keys of at least 128 random bits).
        self._fingerprint = hashlib.sha256(_FINGERPRINT_LABEL + self._key).hexdigest()

    @property
    def key_fingerprint(self) -> str:
        """SHA-256 of a fixed label and the key, lowercase hex."""
        return self._fingerprint

    def _mac(self, data: bytes) -> bytes:
        if self._name in _ONE_SHOT:
            return hmac.digest(self._key, bytes(data), self._name)
        h = crypto_hmac.HMAC(self._key, self._digest)
        h.update(bytes(data))
        return h.finalize()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.algorithm}, fingerprint={self._fingerprint[:16]}…)"

    def __getstate__(self) -> None:
        raise TypeError("HMAC keys cannot be pickled")


class HmacSigner(_HmacKeyed):
    """Makes HMAC tags (32 bytes for both SM3 and SHA-256).

    >>> signer = HmacSigner(bytes(range(32)), digest="sha256")
    >>> tag = signer.sign(b"file")
    >>> signer.verifier().verify(b"file", tag)
    >>> signer.algorithm, len(tag)
    ('HMAC-SHA256', 32)
    """

    __slots__ = ()

    @checked(CryptoError, "signing")
    def sign(self, data: bytes) -> bytes:
        """The tag of ``data``."""
        return self._mac(data)

    def verifier(self) -> HmacVerifier:
        """A verifier with the same key and digest."""
        return HmacVerifier(self._key, digest="sm3" if self._name == "sm3" else "sha256")


class HmacVerifier(_HmacKeyed):
    """Checks HMAC tags in constant time; a mismatch is a :class:`SignatureError`."""

    __slots__ = ()

    def verify(self, data: bytes, signature: bytes) -> None:
        """Return if the tag is right; raise :class:`SignatureError` otherwise."""
        if not isinstance(signature, bytes | bytearray) or not isinstance(
            data, bytes | bytearray | memoryview
        ):
            raise SignatureError("数据和签名必须是字节串", code="signature.type")
        if len(signature) != 32:
            raise SignatureError("HMAC校验值应为32字节", code="signature.format")
        if not hmac.compare_digest(self._mac(data), bytes(signature)):
            raise SignatureError(
                "HMAC校验失败（数据被改动或共享密钥不符）", code="signature.mismatch"
            )
