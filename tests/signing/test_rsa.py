"""RSA-SHA256 (PKCS#1 v1.5) and opt-in SHA1withRSA verification."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong.errors import CryptoError, KeyLoadError, SignatureError
from ningxia_yikatong.signing import (
    RsaSigner,
    RsaVerifier,
    generate_rsa_key,
    key_fingerprint,
    load_public_key,
    private_key_to_pem,
    public_key_to_pem,
    sign_base64,
    verify_base64,
)

RunTool = Callable[[list[str], Path], CompletedProcess[str]]


def test_sign_and_verify(rsa_key: rsa.RSAPrivateKey) -> None:
    signer = RsaSigner(rsa_key)
    sig = signer.sign(b"payment")
    assert len(sig) == 256
    # PKCS#1 v1.5 is deterministic: the same input gives the same signature.
    assert signer.sign(b"payment") == sig
    signer.verifier().verify(b"payment", sig)
    assert signer.key_fingerprint == key_fingerprint(rsa_key) == signer.verifier().key_fingerprint


def test_base64_text_form(rsa_key: rsa.RSAPrivateKey) -> None:
    signer = RsaSigner(rsa_key)
    text = sign_base64(signer, b"app_id=1&biz_content={}")
    assert base64.b64decode(text) == signer.sign(b"app_id=1&biz_content={}")
    verify_base64(signer.verifier(), b"app_id=1&biz_content={}", text)
    with pytest.raises(SignatureError) as info:
        verify_base64(signer.verifier(), b"app_id=1&biz_content={}", text[:-4] + "!!!!")
    assert info.value.code == "signature.base64"
    with pytest.raises(SignatureError):
        verify_base64(signer.verifier(), b"app_id=2&biz_content={}", text)


def test_wrong_key_truncated_empty(rsa_key: rsa.RSAPrivateKey) -> None:
    sig = RsaSigner(rsa_key).sign(b"data")
    other = RsaVerifier(generate_rsa_key().public_key())
    for verifier, signature in (
        (other, sig),
        (RsaVerifier(rsa_key.public_key()), sig[:-1]),
        (RsaVerifier(rsa_key.public_key()), b""),
        (RsaVerifier(rsa_key.public_key()), b"\x00" * 256),
    ):
        with pytest.raises(SignatureError):
            verifier.verify(b"data", signature)


def test_sha1_needs_explicit_opt_in(rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(CryptoError) as info:
        RsaVerifier(rsa_key.public_key(), digest="sha1")
    assert info.value.code == "signature.sha1_disabled"
    legacy = rsa_key.sign(b"old return", padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    verifier = RsaVerifier(rsa_key.public_key(), digest="sha1", allow_sha1=True)
    assert verifier.algorithm == "RSA-SHA1"
    verifier.verify(b"old return", legacy)
    # A SHA-1 signature never passes the default SHA-256 verifier.
    with pytest.raises(SignatureError):
        RsaVerifier(rsa_key.public_key()).verify(b"old return", legacy)


def test_bad_configuration(rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(CryptoError):
        RsaVerifier(rsa_key.public_key(), digest="md5")  # type: ignore[arg-type]
    with pytest.raises(KeyLoadError):
        RsaSigner(rsa.generate_private_key(public_exponent=65537, key_size=1024))  # noqa: S505 - refused
    with pytest.raises(KeyLoadError):
        RsaSigner(rsa_key.public_key())  # type: ignore[arg-type]
    with pytest.raises(CryptoError):
        generate_rsa_key(1024)


def test_repr_has_no_key_material(rsa_key: rsa.RSAPrivateKey) -> None:
    text = repr(RsaSigner(rsa_key)) + repr(RsaSigner(rsa_key).verifier())
    assert str(rsa_key.private_numbers().d)[:20] not in text
    assert "fingerprint=" in text


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=512))
def test_round_trip(rsa_key: rsa.RSAPrivateKey, data: bytes) -> None:
    signer = RsaSigner(rsa_key)
    signer.verifier().verify(data, signer.sign(data))


@settings(max_examples=30, deadline=None)
@given(data=st.binary(min_size=1, max_size=256), where=st.integers(0), delta=st.integers(1, 255))
def test_any_single_byte_change_fails(
    rsa_key: rsa.RSAPrivateKey, data: bytes, where: int, delta: int
) -> None:
    signer = RsaSigner(rsa_key)
    sig = signer.sign(data)
    changed = bytearray(data)
    changed[where % len(data)] ^= delta
    with pytest.raises(SignatureError):
        signer.verifier().verify(bytes(changed), sig)
    bad = bytearray(sig)
    bad[where % len(sig)] ^= delta
    with pytest.raises(SignatureError):
        signer.verifier().verify(data, bytes(bad))


@settings(max_examples=50, deadline=None)
@given(junk=st.binary(max_size=300))
def test_junk_gives_only_signature_errors(rsa_key: rsa.RSAPrivateKey, junk: bytes) -> None:
    with pytest.raises(SignatureError):
        RsaVerifier(rsa_key.public_key()).verify(b"data", junk)


@pytest.mark.oracle
def test_openssl_dgst_verifies_ours_and_we_verify_openssl(
    openssl: str, run_tool: RunTool, tmp_path: Path, rsa_key: rsa.RSAPrivateKey
) -> None:
    data = "回盘文件\r\n0001|成功\r\n".encode("gb18030")
    (tmp_path / "data.txt").write_bytes(data)
    (tmp_path / "key.pem").write_bytes(private_key_to_pem(rsa_key))
    (tmp_path / "pub.pem").write_bytes(public_key_to_pem(rsa_key.public_key()))
    (tmp_path / "ours.sig").write_bytes(RsaSigner(rsa_key).sign(data))
    verify = [openssl, "dgst", "-sha256", "-verify", "pub.pem", "-signature", "ours.sig"]
    out = run_tool([*verify, "data.txt"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Verified OK" in out.stdout
    (tmp_path / "other.txt").write_bytes(data + b" ")
    assert run_tool([*verify, "other.txt"], tmp_path).returncode != 0

    sign = [openssl, "dgst", "-sha256", "-sign", "key.pem", "-out", "theirs.sig", "data.txt"]
    assert run_tool(sign, tmp_path).returncode == 0
    public = load_public_key(tmp_path / "pub.pem")
    assert isinstance(public, rsa.RSAPublicKey)
    RsaVerifier(public).verify(data, (tmp_path / "theirs.sig").read_bytes())

    sha1 = [openssl, "dgst", "-sha1", "-sign", "key.pem", "-out", "sha1.sig", "data.txt"]
    assert run_tool(sha1, tmp_path).returncode == 0
    RsaVerifier(public, digest="sha1", allow_sha1=True).verify(
        data, (tmp_path / "sha1.sig").read_bytes()
    )
