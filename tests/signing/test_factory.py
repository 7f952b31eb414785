"""signer_for / verifier_for choose the scheme from the key."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ningxia_yikatong.errors import KeyLoadError, SignatureError
from ningxia_yikatong.signing import (
    RsaSigner,
    RsaVerifier,
    Sm2PrivateKey,
    Sm2Signer,
    Sm2Verifier,
    generate_signer,
    signer_for,
    verifier_for,
)


def test_sm2(sm2_key: Sm2PrivateKey) -> None:
    signer = signer_for(sm2_key, encoding="raw", signer_id=b"bank-42")
    assert isinstance(signer, Sm2Signer)
    sig = signer.sign(b"d")
    assert len(sig) == 64
    verifier = verifier_for(sm2_key.public_key(), encoding="raw", signer_id=b"bank-42")
    assert isinstance(verifier, Sm2Verifier)
    verifier.verify(b"d", sig)
    with pytest.raises(SignatureError):
        verifier_for(sm2_key.public_key(), encoding="raw").verify(b"d", sig)


def test_rsa(rsa_key: rsa.RSAPrivateKey) -> None:
    signer = signer_for(rsa_key)
    assert isinstance(signer, RsaSigner)
    verifier = verifier_for(rsa_key.public_key())
    assert isinstance(verifier, RsaVerifier)
    verifier.verify(b"d", signer.sign(b"d"))


def test_other_keys() -> None:
    p256 = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(KeyLoadError):
        signer_for(p256)  # type: ignore[arg-type]
    with pytest.raises(KeyLoadError):
        verifier_for(p256.public_key())  # type: ignore[arg-type]


@pytest.mark.parametrize("scheme", ["SM2-SM3", "RSA-SHA256", "HMAC-SM3", "HMAC-SHA256"])
def test_generate_signer_makes_a_working_pair(scheme: str) -> None:
    signer = generate_signer(scheme)
    assert signer.algorithm == scheme
    signer.verifier().verify(b"data", signer.sign(b"data"))


def test_generate_signer_refuses_an_unknown_scheme() -> None:
    with pytest.raises(KeyLoadError) as info:
        generate_signer("DSA-SHA1")
    assert info.value.code == "key.scheme"
