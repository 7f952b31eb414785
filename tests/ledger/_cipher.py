"""A data cipher for the ledger tests (HMAC-SHA256 digests, AES-GCM blobs)."""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class TestCipher:
    __test__ = False

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or os.urandom(32)
        self.key_id = hashlib.sha256(b"id" + self._key).hexdigest()[:16]

    def digest(self, kind: str, value: str) -> str:
        return hmac.new(self._key, f"{kind}\0{value}".encode(), "sha256").hexdigest()

    def encrypt(self, kind: str, value: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + AESGCM(self._key).encrypt(nonce, value.encode(), kind.encode())

    def decrypt(self, kind: str, blob: bytes) -> str:
        return AESGCM(self._key).decrypt(blob[:12], blob[12:], kind.encode()).decode()
