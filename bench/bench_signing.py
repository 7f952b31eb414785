"""Signing benchmarks: file digests beside ``openssl dgst``, signatures per second
beside the raw primitive each scheme wraps.

Digest stages count megabytes (items = MB, so "ours/s" is MB/s); the floor runs
``openssl dgst`` on the same file as a subprocess, so its time includes starting
OpenSSL (a few milliseconds). Signature stages count signatures or checks.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import gmssl_pyx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from bench._harness import Stage
from ningxia_yikatong.signing import (
    HmacSigner,
    RsaSigner,
    Sm2Signer,
    file_digest,
    generate_rsa_key,
    generate_sm2_key,
    open_sealed,
    seal,
)

_MB = 1 << 20


def _bench_file(megabytes: int) -> Path:
    """A file of pseudo-random bytes, made once and reused by later runs."""
    path = Path(tempfile.gettempdir()) / f"yikatong-bench-{megabytes}MB.bin"
    if not path.exists() or path.stat().st_size != megabytes * _MB:
        block = os.urandom(_MB)
        with path.open("wb") as fh:
            for _ in range(megabytes):
                fh.write(block)
    return path


def _ours_digest(algorithm: str) -> Callable[[int], Callable[[], int]]:
    def prepare(n: int) -> Callable[[], int]:
        path = _bench_file(n)

        def run() -> int:
            file_digest(path, "sm3" if algorithm == "sm3" else "sha256")
            return n

        return run

    return prepare


def _openssl_digest(algorithm: str) -> Callable[[int], Callable[[], int]]:
    def prepare(n: int) -> Callable[[], int]:
        path = _bench_file(n)

        def run() -> int:
            subprocess.run(
                ["openssl", "dgst", f"-{algorithm}", str(path)], check=True, capture_output=True
            )
            return n

        return run

    return prepare


_MESSAGE = b"0" * 1024  # a 1 KiB message, about a return-file header


def _ours_sm2_sign(n: int) -> Callable[[], int]:
    signer = Sm2Signer(generate_sm2_key())

    def run() -> int:
        for _ in range(n):
            signer.sign(_MESSAGE)
        return n

    return run


def _raw_sm2_sign(n: int) -> Callable[[], int]:
    public, private = gmssl_pyx.sm2_key_generate()

    def run() -> int:
        for _ in range(n):
            gmssl_pyx.sm2_sign(private, public, _MESSAGE, b"1234567812345678")
        return n

    return run


def _ours_sm2_verify(n: int) -> Callable[[], int]:
    signer = Sm2Signer(generate_sm2_key())
    verifier = signer.verifier()
    signature = signer.sign(_MESSAGE)

    def run() -> int:
        for _ in range(n):
            verifier.verify(_MESSAGE, signature)
        return n

    return run


def _raw_sm2_verify(n: int) -> Callable[[], int]:
    public, private = gmssl_pyx.sm2_key_generate()
    signature = gmssl_pyx.sm2_sign(private, public, _MESSAGE, b"1234567812345678")

    def run() -> int:
        for _ in range(n):
            assert gmssl_pyx.sm2_verify(public, _MESSAGE, signature, b"1234567812345678")
        return n

    return run


def _ours_rsa_sign(n: int) -> Callable[[], int]:
    signer = RsaSigner(generate_rsa_key(2048))

    def run() -> int:
        for _ in range(n):
            signer.sign(_MESSAGE)
        return n

    return run


def _raw_rsa_sign(n: int) -> Callable[[], int]:
    key = generate_rsa_key(2048)

    def run() -> int:
        for _ in range(n):
            key.sign(_MESSAGE, padding.PKCS1v15(), hashes.SHA256())
        return n

    return run


def _ours_rsa_verify(n: int) -> Callable[[], int]:
    signer = RsaSigner(generate_rsa_key(2048))
    verifier = signer.verifier()
    signature = signer.sign(_MESSAGE)

    def run() -> int:
        for _ in range(n):
            verifier.verify(_MESSAGE, signature)
        return n

    return run


def _raw_rsa_verify(n: int) -> Callable[[], int]:
    key = generate_rsa_key(2048)
    public = key.public_key()
    signature = key.sign(_MESSAGE, padding.PKCS1v15(), hashes.SHA256())

    def run() -> int:
        for _ in range(n):
            public.verify(signature, _MESSAGE, padding.PKCS1v15(), hashes.SHA256())
        return n

    return run


def _ours_hmac_sm3(n: int) -> Callable[[], int]:
    signer = HmacSigner(bytes(range(32)))

    def run() -> int:
        for _ in range(n):
            signer.sign(_MESSAGE)
        return n

    return run


def _raw_hmac_sm3(n: int) -> Callable[[], int]:
    key = bytes(range(32))

    def run() -> int:
        for _ in range(n):
            gmssl_pyx.sm3_hmac(key, _MESSAGE)
        return n

    return run


def _ours_seal_sm2(n: int) -> Callable[[], int]:
    key = generate_sm2_key()
    data = os.urandom(n * _MB)

    def run() -> int:
        assert open_sealed(seal(data, key.public_key()), key) == data
        return n

    return run


def _raw_sm4_gcm(n: int) -> Callable[[], int]:
    public, private = gmssl_pyx.sm2_key_generate()
    data = os.urandom(n * _MB)

    def run() -> int:
        content_key = os.urandom(16)
        nonce = os.urandom(12)
        wrapped = gmssl_pyx.sm2_encrypt(public, content_key)
        body, tag = gmssl_pyx.sm4_gcm_encrypt(content_key, nonce, b"", data)
        key = gmssl_pyx.sm2_decrypt(private, wrapped)
        assert gmssl_pyx.sm4_gcm_decrypt(key, nonce, b"", body, tag) == data
        return n

    return run


STAGES: list[Stage] = [
    Stage("SM3 file digest (MB)", _ours_digest("sm3"), _openssl_digest("sm3"), (100,),
          "openssl dgst -sm3"),
    Stage("SHA-256 file digest (MB)", _ours_digest("sha256"), _openssl_digest("sha256"), (100,),
          "openssl dgst -sha256"),
    Stage("SM2-SM3 sign, 1 KiB", _ours_sm2_sign, _raw_sm2_sign, (2_000,), "gmssl_pyx.sm2_sign"),
    Stage("SM2-SM3 verify, 1 KiB", _ours_sm2_verify, _raw_sm2_verify, (2_000,),
          "gmssl_pyx.sm2_verify"),
    Stage("RSA-SHA256 sign, 2048 bits", _ours_rsa_sign, _raw_rsa_sign, (2_000,),
          "cryptography sign"),
    Stage("RSA-SHA256 verify, 2048 bits", _ours_rsa_verify, _raw_rsa_verify, (20_000,),
          "cryptography verify"),
    Stage("HMAC-SM3, 1 KiB", _ours_hmac_sm3, _raw_hmac_sm3, (100_000,), "gmssl_pyx.sm3_hmac"),
    Stage("seal+open SM2/SM4-GCM (MB)", _ours_seal_sm2, _raw_sm4_gcm, (50,),
          "gmssl_pyx SM2+SM4-GCM"),
]  # fmt: skip
