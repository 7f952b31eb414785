"""Sealed files (数字信封): round trips, every kind of tampering, wrong keys."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong.errors import SealError
from ningxia_yikatong.signing import (
    Sm2PrivateKey,
    generate_rsa_key,
    generate_sm2_key,
    open_sealed,
    read_sealed_header,
    seal,
)
from ningxia_yikatong.signing._seal import MAGIC, seal_chunks


def test_sm2_round_trip_and_header(sm2_key: Sm2PrivateKey) -> None:
    blob = seal(b"roster \xe8\x8a\xb1", sm2_key.public_key())
    assert blob.startswith(MAGIC)
    header = read_sealed_header(blob)
    assert header.scheme == "SM2+SM4-GCM"
    assert header.recipient_fingerprint == sm2_key.fingerprint
    assert open_sealed(blob, sm2_key) == b"roster \xe8\x8a\xb1"
    # A fresh content key and nonce every time.
    assert seal(b"x", sm2_key.public_key()) != seal(b"x", sm2_key.public_key())


def test_rsa_round_trip(rsa_key: rsa.RSAPrivateKey) -> None:
    blob = seal(b"", rsa_key.public_key())
    assert read_sealed_header(blob).scheme == "RSA-OAEP+AES-256-GCM"
    assert open_sealed(blob, rsa_key) == b""


def test_wrong_key(sm2_key: Sm2PrivateKey, rsa_key: rsa.RSAPrivateKey) -> None:
    blob = seal(b"data", sm2_key.public_key())
    with pytest.raises(SealError) as other:
        open_sealed(blob, generate_sm2_key())
    assert other.value.code == "seal.recipient"
    with pytest.raises(SealError) as kind:
        open_sealed(blob, rsa_key)
    assert kind.value.code == "seal.key_type"
    rsa_blob = seal(b"data", rsa_key.public_key())
    with pytest.raises(SealError):
        open_sealed(rsa_blob, generate_rsa_key())
    with pytest.raises(SealError):
        open_sealed(rsa_blob, sm2_key)


@pytest.mark.parametrize(
    ("blob", "code"),
    [
        (b"", "seal.format"),
        (b"PK\x03\x04 a zip file", "seal.format"),
        (b"YKTSEAL\x02" + bytes(40), "seal.version"),
        (MAGIC + b"\x07" + bytes(40), "seal.scheme"),
        (MAGIC + b"\x01" + bytes(32) + b"\x00\x10" + bytes(4), "seal.truncated"),
    ],
)
def test_malformed(sm2_key: Sm2PrivateKey, blob: bytes, code: str) -> None:
    with pytest.raises(SealError) as info:
        open_sealed(blob, sm2_key)
    assert info.value.code == code


def test_truncated_blob(sm2_key: Sm2PrivateKey) -> None:
    blob = seal(b"0123456789", sm2_key.public_key())
    for cut in (1, 16, 17, len(blob) - 40):
        with pytest.raises(SealError):
            open_sealed(blob[:-cut], sm2_key)


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=2048), use_sm2=st.booleans())
def test_round_trip(
    sm2_key: Sm2PrivateKey, rsa_key: rsa.RSAPrivateKey, data: bytes, use_sm2: bool
) -> None:
    if use_sm2:
        assert open_sealed(seal(data, sm2_key.public_key()), sm2_key) == data
    else:
        assert open_sealed(seal(data, rsa_key.public_key()), rsa_key) == data


@settings(max_examples=80, deadline=None)
@given(
    data=st.binary(max_size=200),
    where=st.integers(0),
    delta=st.integers(1, 255),
    use_sm2=st.booleans(),
)
def test_any_single_byte_change_fails(  # noqa: PLR0917 - fixtures and strategies
    sm2_key: Sm2PrivateKey,
    rsa_key: rsa.RSAPrivateKey,
    data: bytes,
    where: int,
    delta: int,
    use_sm2: bool,
) -> None:
    key: Sm2PrivateKey | rsa.RSAPrivateKey = sm2_key if use_sm2 else rsa_key
    blob = bytearray(seal(data, key.public_key()))
    blob[where % len(blob)] ^= delta
    with pytest.raises(SealError):
        open_sealed(bytes(blob), key)


@settings(max_examples=80, deadline=None)
@given(junk=st.binary(max_size=300))
def test_junk_gives_only_seal_errors(sm2_key: Sm2PrivateKey, junk: bytes) -> None:
    for blob in (junk, MAGIC + junk, MAGIC + b"\x01" + bytes.fromhex(sm2_key.fingerprint) + junk):
        with pytest.raises(SealError):
            open_sealed(blob, sm2_key)


@pytest.mark.parametrize("scheme", ["sm2", "rsa"])
def test_seal_chunks_is_the_same_layout(
    scheme: str, sm2_key: Sm2PrivateKey, rsa_key: rsa.RSAPrivateKey
) -> None:
    key = sm2_key if scheme == "sm2" else rsa_key
    pieces = [b"", b"roster ", "花名册".encode(), b"x" * 1000, b""]
    blob = b"".join(seal_chunks(iter(pieces), key.public_key()))
    header = read_sealed_header(blob)
    assert header.scheme == ("SM2+SM4-GCM" if scheme == "sm2" else "RSA-OAEP+AES-256-GCM")
    assert len(blob) == header.header_length + len(b"".join(pieces)) + 16
    assert open_sealed(blob, key) == b"".join(pieces)
    # any change is refused, as for seal()
    changed = bytearray(blob)
    changed[header.header_length + 3] ^= 1
    with pytest.raises(SealError) as info:
        open_sealed(bytes(changed), key)
    assert info.value.code == "seal.tampered"
    assert open_sealed(b"".join(seal_chunks([], key.public_key())), key) == b""
