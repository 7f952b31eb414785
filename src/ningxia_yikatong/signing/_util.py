"""Small helpers shared by the signing schemes: fingerprints, Base64 text form,
strict DER for ECDSA-style signatures, and silencing native stderr noise."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import sys
import threading
from collections.abc import Iterator

from .._arguments import checked
from ..errors import CryptoError, SignatureError
from ._base64 import b64decode_canonical
from ._protocols import Signer, Verifier

__all__ = [
    "decode_der_signature",
    "encode_der_signature",
    "native_stderr_silenced",
    "sign_base64",
    "spki_fingerprint",
    "verify_base64",
]


def spki_fingerprint(spki_der: bytes) -> str:
    """SHA-256 of a DER SubjectPublicKeyInfo, as 64 lowercase hex characters.

    The same figure ``openssl pkey -pubin -outform DER | sha256sum`` prints, so an
    operator can check a fingerprint in the audit trail against a key file.
    """
    return hashlib.sha256(spki_der).hexdigest()


@checked(CryptoError, "signing")
def sign_base64(signer: Signer, data: bytes) -> str:
    """The signature of ``data`` as standard Base64 text (the "RSA2"/"SM2" form
    that open-API banks put in a ``sign`` parameter)."""
    return base64.b64encode(signer.sign(data)).decode("ascii")


def verify_base64(verifier: Verifier, data: bytes, signature: str | bytes) -> None:
    """Verify a Base64 signature; text that is not canonical Base64 (see
    :func:`b64decode_canonical`: nothing around it, unused bits zero) is a
    :class:`SignatureError` (``signature.base64``), like any other bad signature."""
    try:
        raw = b64decode_canonical(signature)
    except (TypeError, ValueError):
        raise SignatureError("签名不是有效的Base64文本", code="signature.base64") from None
    verifier.verify(data, raw)


def _der_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise ValueError("truncated")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0 or count > 2 or pos + count > len(data):
        raise ValueError("bad length")
    value = int.from_bytes(data[pos : pos + count], "big")
    if value < 0x80 or (count == 2 and value < 0x100):
        raise ValueError("non-minimal length")
    return value, pos + count


def _der_integer(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data) or data[pos] != 0x02:
        raise ValueError("not an INTEGER")
    length, pos = _der_length(data, pos + 1)
    body = data[pos : pos + length]
    if length == 0 or len(body) != length:
        raise ValueError("bad INTEGER")
    if body[0] & 0x80:
        raise ValueError("negative INTEGER")
    if length > 1 and body[0] == 0 and not body[1] & 0x80:
        raise ValueError("non-minimal INTEGER")
    return int.from_bytes(body, "big"), pos + length


def decode_der_signature(signature: bytes, order: int) -> tuple[int, int]:
    """``(r, s)`` from a DER ``SEQUENCE { INTEGER r, INTEGER s }``, strictly:
    minimal encodings, nothing trailing, ``1 <= r, s < order``.

    Anything else is a :class:`SignatureError` (``signature.format``).
    """
    try:
        if len(signature) < 8 or signature[0] != 0x30:
            raise ValueError("not a SEQUENCE")
        length, pos = _der_length(signature, 1)
        if pos + length != len(signature):
            raise ValueError("length mismatch")
        r, pos = _der_integer(signature, pos)
        s, pos = _der_integer(signature, pos)
        if pos != len(signature):
            raise ValueError("trailing data")
    except ValueError:
        raise SignatureError("签名格式错误（不是有效的DER编码）", code="signature.format") from None
    if not (0 < r < order and 0 < s < order):
        raise SignatureError("签名数值超出范围", code="signature.format")
    return r, s


def _der_int_bytes(value: int) -> bytes:
    body = value.to_bytes((value.bit_length() + 8) // 8, "big")
    return b"\x02" + bytes([len(body)]) + body


def encode_der_signature(r: int, s: int) -> bytes:
    """DER ``SEQUENCE { INTEGER r, INTEGER s }`` for values below 2**256."""
    body = _der_int_bytes(r) + _der_int_bytes(s)
    return b"\x30" + bytes([len(body)]) + body


_silence_lock = threading.RLock()


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to the null device for the duration of the block.

    GmSSL (behind SM2) writes a trace to the process's standard error from C
    whenever a verification or decryption fails, and ``gmssl-pyx`` has no
    switch to turn it off. The library turns the failure into a
    :class:`SignatureError` or :class:`SealError` anyway, so the trace is noise:
    every call into GmSSL's SM2 code runs inside this block (see
    :mod:`._sm2`), so no caller ever sees it.

    The redirection is of the *whole process's* descriptor 2, for the length
    of one SM2 operation (a millisecond): a lock makes the blocks of different
    threads take turns, so descriptor 2 is always restored to what it was, even
    when the block raises. Blocks nest. Output that another thread writes to
    standard error during that millisecond is lost; Python's ``sys.stderr`` is
    flushed before, so nothing written earlier is.
    """
    with _silence_lock:
        with contextlib.suppress(Exception):  # a closed or detached sys.stderr
            sys.stderr.flush()
        saved = os.dup(2)
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, 2)
            finally:
                os.close(null)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
