"""File digests (SM3, SHA-256) that stream, for files of any size.

Both run in OpenSSL's C code (``cryptography`` for SM3, ``hashlib`` for
SHA-256); Python only moves 1 MiB chunks into a reused buffer.

>>> digest(b"abc", "sm3")
'66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0'
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, Final, Literal, Protocol

from cryptography.hazmat.primitives import hashes

from .._arguments import checked
from ..errors import CryptoError, FileFormatError

__all__ = ["DigestAlgorithm", "digest", "file_digest"]

DigestAlgorithm = Literal["sm3", "sha256"]
_CHUNK: Final = 1 << 20


class _Hash(Protocol):
    def update(self, data: bytes | memoryview, /) -> None: ...


def _new(algorithm: str) -> tuple[_Hash, object]:
    if algorithm == "sm3":
        h = hashes.Hash(hashes.SM3())
        return h, h
    if algorithm == "sha256":
        s = hashlib.sha256()
        return s, s
    raise CryptoError("摘要算法只能是 sm3 或 sha256", code="digest.algorithm")


def _hex(state: object) -> str:
    if isinstance(state, hashes.Hash):
        return state.finalize().hex()
    return state.hexdigest()  # type: ignore[attr-defined,no-any-return]


@checked(CryptoError, "signing")
def digest(data: bytes, algorithm: DigestAlgorithm = "sm3") -> str:
    """Hex digest of ``data``."""
    h, state = _new(algorithm)
    h.update(bytes(data))
    return _hex(state)


def digest_chunks(chunks: Iterable[bytes], algorithm: DigestAlgorithm = "sm3") -> str:
    """Hex digest of the concatenation of ``chunks``, hashed as they come
    (equal to :func:`digest` of the joined bytes)."""
    h, state = _new(algorithm)
    for chunk in chunks:
        h.update(chunk)
    return _hex(state)


@checked(CryptoError, "signing")
def file_digest(
    source: str | os.PathLike[str] | BinaryIO, algorithm: DigestAlgorithm = "sm3"
) -> str:
    """Hex digest of a file (path, or a binary file object read to its end),
    read in 1 MiB chunks so memory stays flat for any size."""
    h, state = _new(algorithm)
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            with path.open("rb", buffering=0) as fh:
                while n := fh.readinto(buffer):
                    h.update(view[:n])
        except OSError as exc:
            raise FileFormatError(
                f"无法读取文件：{exc.strerror or type(exc).__name__}",
                code="digest.file",
                file=path.name,
            ) from None
        return _hex(state)
    while n := source.readinto(buffer):  # type: ignore[attr-defined]
        h.update(view[:n])
    return _hex(state)
