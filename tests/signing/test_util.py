"""Signing helpers: strict DER, Base64 form, native stderr, the public API."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong import signing
from ningxia_yikatong.errors import SignatureError
from ningxia_yikatong.signing import (
    HmacSigner,
    RsaSigner,
    Signer,
    Sm2PrivateKey,
    Sm2Signer,
    Verifier,
)
from ningxia_yikatong.signing._util import decode_der_signature, encode_der_signature

ORDER = 2**256 - 189


@settings(max_examples=100)
@given(r=st.integers(1, ORDER - 1), s=st.integers(1, ORDER - 1))
def test_der_round_trip(r: int, s: int) -> None:
    assert decode_der_signature(encode_der_signature(r, s), ORDER) == (r, s)


@settings(max_examples=200)
@given(junk=st.binary(max_size=80))
def test_der_junk(junk: bytes) -> None:
    try:
        r, s = decode_der_signature(junk, ORDER)
    except SignatureError:
        return
    # Anything accepted is the unique encoding of what it decodes to.
    assert encode_der_signature(r, s) == junk


def test_public_api_is_complete() -> None:
    public = {
        name
        for name in dir(signing)
        if not name.startswith("_")
        and name not in {"annotations"}
        and not isinstance(getattr(signing, name), type(signing))
    }
    assert public == set(signing.__all__)


def test_signers_satisfy_the_protocols(sm2_key: Sm2PrivateKey) -> None:
    from ningxia_yikatong.signing import generate_rsa_key

    for signer in (Sm2Signer(sm2_key), RsaSigner(generate_rsa_key()), HmacSigner(bytes(16))):
        assert isinstance(signer, Signer)
        assert isinstance(signer.verifier(), Verifier)
        assert signer.algorithm == signer.verifier().algorithm
        assert signer.key_fingerprint == signer.verifier().key_fingerprint


_NOISY = """
import sys
from ningxia_yikatong.signing import Sm2Signer, generate_sm2_key, native_stderr_silenced
from ningxia_yikatong.errors import SignatureError
signer = Sm2Signer(generate_sm2_key())
sig = signer.sign(b"a")
def attempt():
    try:
        signer.verifier().verify(b"b", sig)
    except SignatureError:
        pass
if sys.argv[1] == "quiet":
    with native_stderr_silenced():
        attempt()
else:
    attempt()
sys.stderr.write("after\\n")
"""


@pytest.mark.parametrize("mode", ["quiet", "loud"])
def test_native_stderr_silenced(mode: str) -> None:
    # GmSSL writes its trace to file descriptor 2 from C, which only a child
    # process can observe reliably.
    out = subprocess.run(
        [sys.executable, "-c", _NOISY, mode],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    if mode == "quiet":
        assert out.stderr == "after\n"
    else:
        assert "sm2" in out.stderr
        assert out.stderr.endswith("after\n")
