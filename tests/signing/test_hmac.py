"""HMAC-SM3 and HMAC-SHA256 with a shared key."""

from __future__ import annotations

import gmssl_pyx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong.errors import CryptoError, KeyLoadError, SignatureError
from ningxia_yikatong.signing import HmacSigner, HmacVerifier

KEY = bytes(range(32))


def test_rfc4231_case_6_known_answer() -> None:
    # RFC 4231 section 4.7 (test case 6): a 131-byte key of 0xaa. The shorter
    # keys of the other cases are below this library's 16-byte minimum.
    key = b"\xaa" * 131
    message = b"Test Using Larger Than Block-Size Key - Hash Key First"
    expected = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    assert HmacSigner(key, digest="sha256").sign(message).hex() == expected


def test_hmac_sm3_matches_gmssl() -> None:
    # An independent implementation (GmSSL's C code) as the oracle for HMAC-SM3.
    for message in (b"", b"abc", b"x" * 1000):
        assert HmacSigner(KEY).sign(message) == gmssl_pyx.sm3_hmac(KEY, message)


def test_verify_and_tamper() -> None:
    signer = HmacSigner(KEY)
    tag = signer.sign(b"file")
    HmacVerifier(KEY).verify(b"file", tag)
    with pytest.raises(SignatureError):
        HmacVerifier(KEY).verify(b"filE", tag)
    with pytest.raises(SignatureError):
        HmacVerifier(KEY, digest="sha256").verify(b"file", tag)
    with pytest.raises(SignatureError):
        HmacVerifier(bytes(32)).verify(b"file", tag)
    with pytest.raises(SignatureError, match="32字节"):
        HmacVerifier(KEY).verify(b"file", tag[:-1])
    with pytest.raises(SignatureError):
        HmacVerifier(KEY).verify(b"file", b"")


def test_bad_keys_and_digests() -> None:
    with pytest.raises(KeyLoadError):
        HmacSigner(b"short")
    with pytest.raises(KeyLoadError):
        HmacSigner("text key that is long enough")  # type: ignore[arg-type]
    with pytest.raises(CryptoError):
        HmacSigner(KEY, digest="md5")  # type: ignore[arg-type]


def test_fingerprint_and_repr_hide_the_key() -> None:
    signer = HmacSigner(KEY)
    assert signer.key_fingerprint == signer.verifier().key_fingerprint
    assert signer.key_fingerprint != HmacSigner(bytes(32)).key_fingerprint
    assert KEY.hex() not in repr(signer)
    assert KEY.hex() not in signer.key_fingerprint
    assert signer.algorithm == "HMAC-SM3"
    assert signer.verifier().algorithm == "HMAC-SM3"


@settings(max_examples=50, deadline=None)
@given(
    data=st.binary(min_size=1, max_size=300),
    digest=st.sampled_from(["sm3", "sha256"]),
    where=st.integers(0),
    delta=st.integers(1, 255),
)
def test_round_trip_and_single_byte_change(
    data: bytes, digest: str, where: int, delta: int
) -> None:
    signer = HmacSigner(KEY, digest=digest)  # type: ignore[arg-type]
    tag = signer.sign(data)
    signer.verifier().verify(data, tag)
    changed = bytearray(data)
    changed[where % len(data)] ^= delta
    with pytest.raises(SignatureError):
        signer.verifier().verify(bytes(changed), tag)
    bad = bytearray(tag)
    bad[where % len(tag)] ^= delta
    with pytest.raises(SignatureError):
        signer.verifier().verify(data, bytes(bad))


def test_fallback_without_one_shot_hmac(monkeypatch: pytest.MonkeyPatch) -> None:
    # Where Python's OpenSSL lacks SM3 in hashlib, cryptography computes the MAC.
    from ningxia_yikatong.signing import _hmac

    expected = {d: HmacSigner(KEY, digest=d).sign(b"abc") for d in ("sm3", "sha256")}
    monkeypatch.setattr(_hmac, "_ONE_SHOT", frozenset())
    for d, tag in expected.items():
        assert HmacSigner(KEY, digest=d).sign(b"abc") == tag  # type: ignore[arg-type]
