"""Byte-level mutations of every kind of input the signing package reads: keys,
certificates, PKCS#12, sealed files, signatures (binary and Base64) and signed
XML. Whatever the bytes, the only exceptions are the library's own."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from ningxia_yikatong.errors import YikatongError
from ningxia_yikatong.signing import (
    HmacSigner,
    RsaSigner,
    Sm2PrivateKey,
    Sm2Signer,
    Verifier,
    load_certificate,
    load_pkcs12,
    load_private_key,
    load_private_key_from_env,
    load_public_key,
    open_sealed,
    private_key_to_pem,
    public_key_to_pem,
    read_sealed_header,
    seal,
    sign_xml,
    verify_base64,
    verify_xml,
)

_PIECES = (
    b"\xff" * 64,
    b"\x30\x84\xff\xff\xff\xff",
    b"\x30\x80",
    b"-----BEGIN PRIVATE KEY-----\n",
    b"-----END PRIVATE KEY-----\n",
    b"Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,0011\n",
    b"=",
    b"\n",
)

# One edit: (kind, position, value). Positions wrap around the data's length.
_edit = st.tuples(st.integers(0, 5), st.integers(0), st.integers(0, 255))
mutations = st.lists(_edit, min_size=1, max_size=4)


def mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    out = bytearray(data)
    for kind, where, value in edits:
        at = where % (len(out) + 1)
        if kind == 0 and out:
            out[at % len(out)] ^= 1 << (value % 8)
        elif kind == 1 and out:
            out[at % len(out)] = value
        elif kind == 2:
            out[at:at] = bytes([value])
        elif kind == 3:
            del out[at : at + 1 + value % 16]
        elif kind == 4:
            out[at:at] = _PIECES[value % len(_PIECES)]
        else:
            del out[at:]
    return bytes(out)


@dataclass(frozen=True)
class Inputs:
    private: tuple[tuple[bytes, str | None], ...]
    public: tuple[bytes, ...]
    certificates: tuple[bytes, ...]
    pkcs12: bytes
    sealed: tuple[tuple[bytes, Sm2PrivateKey | rsa.RSAPrivateKey], ...]
    signatures: tuple[tuple[Verifier, bytes], ...]
    xml: bytes


@pytest.fixture(scope="module")
def inputs(sm2_key: Sm2PrivateKey, rsa_key: rsa.RSAPrivateKey) -> Inputs:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "宁夏财政测试")])
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(rsa_key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365))
        .sign(rsa_key, hashes.SHA256())
    )
    enc = serialization.Encoding
    legacy = rsa_key.private_bytes(
        enc.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.BestAvailableEncryption(b"pw"),
    )
    bundle = pkcs12.serialize_key_and_certificates(
        b"agency", rsa_key, cert, None, serialization.BestAvailableEncryption(b"pw")
    )
    signers = (
        Sm2Signer(sm2_key),
        Sm2Signer(sm2_key, encoding="raw"),
        RsaSigner(rsa_key),
        HmacSigner(bytes(16)),
    )
    return Inputs(
        private=(
            (private_key_to_pem(sm2_key), None),
            (sm2_key.to_der(), None),
            (private_key_to_pem(sm2_key, "pw"), "pw"),
            (private_key_to_pem(rsa_key), None),
            (legacy, "pw"),
            (bundle, "pw"),
        ),
        public=(
            public_key_to_pem(sm2_key.public_key()),
            sm2_key.public_key().to_der(),
            public_key_to_pem(rsa_key.public_key()),
            rsa_key.public_key().public_bytes(enc.PEM, serialization.PublicFormat.PKCS1),
        ),
        certificates=(cert.public_bytes(enc.PEM), cert.public_bytes(enc.DER)),
        pkcs12=bundle,
        sealed=(
            (seal(b"roster " * 20, sm2_key.public_key()), sm2_key),
            (seal(b"roster", rsa_key.public_key()), rsa_key),
        ),
        signatures=tuple((s.verifier(), s.sign(b"data")) for s in signers),
        xml=etree.tostring(sign_xml(b"<a><b>1</b></a>", rsa_key, load_certificate(cert_pem(cert)))),
    )


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def only_library_errors(call: Callable[[], object]) -> None:
    with contextlib.suppress(YikatongError):
        call()


_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(which=st.integers(0), edits=mutations)
def test_private_keys(inputs: Inputs, which: int, edits: list[tuple[int, int, int]]) -> None:
    data, password = inputs.private[which % len(inputs.private)]
    only_library_errors(lambda: load_private_key(mutate(data, edits), password))


@_SETTINGS
@given(which=st.integers(0), edits=mutations)
def test_public_keys_and_certificates(
    inputs: Inputs, which: int, edits: list[tuple[int, int, int]]
) -> None:
    data = (inputs.public + inputs.certificates)[which % 6]
    changed = mutate(data, edits)
    only_library_errors(lambda: load_public_key(changed))
    only_library_errors(lambda: load_certificate(changed))


@_SETTINGS
@given(edits=mutations)
def test_pkcs12(inputs: Inputs, edits: list[tuple[int, int, int]]) -> None:
    only_library_errors(lambda: load_pkcs12(mutate(inputs.pkcs12, edits), "pw"))


@_SETTINGS
@given(which=st.integers(0), edits=mutations)
def test_sealed_files(inputs: Inputs, which: int, edits: list[tuple[int, int, int]]) -> None:
    blob, key = inputs.sealed[which % len(inputs.sealed)]
    changed = mutate(blob, edits)
    only_library_errors(lambda: read_sealed_header(changed))
    only_library_errors(lambda: open_sealed(changed, key))


@_SETTINGS
@given(which=st.integers(0), edits=mutations)
def test_signatures(inputs: Inputs, which: int, edits: list[tuple[int, int, int]]) -> None:
    verifier, signature = inputs.signatures[which % len(inputs.signatures)]
    changed = mutate(signature, edits)
    only_library_errors(lambda: verifier.verify(b"data", changed))
    text = mutate(base64.b64encode(signature), edits)
    only_library_errors(lambda: verify_base64(verifier, b"data", text))
    only_library_errors(lambda: verify_base64(verifier, b"data", text.decode("latin-1")))


@_SETTINGS
@given(edits=mutations)
def test_signed_xml(inputs: Inputs, edits: list[tuple[int, int, int]]) -> None:
    certificate = load_certificate(inputs.certificates[0])
    only_library_errors(lambda: verify_xml(mutate(inputs.xml, edits), certificate))


@_SETTINGS
@given(which=st.integers(0, 1), edits=mutations)
def test_keys_from_the_environment(
    inputs: Inputs, which: int, edits: list[tuple[int, int, int]]
) -> None:
    pem = inputs.private[0][0]
    value = mutate(pem if which == 0 else base64.b64encode(inputs.private[1][0]), edits)
    environ = {"KEY": value.decode("latin-1").replace("\x00", "")}
    only_library_errors(lambda: load_private_key_from_env("KEY", environ=environ))
