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
from ningxia_yikatong.signing import Sm2Signer, generate_sm2_key, open_sealed, seal
from ningxia_yikatong.errors import SealError, SignatureError
signer = Sm2Signer(generate_sm2_key())
sig = signer.sign(b"a")
try:
    Sm2Signer(generate_sm2_key()).verifier().verify(b"a", sig)  # another key
except SignatureError:
    pass
try:
    signer.verifier().verify(b"b", sig)  # other data
except SignatureError:
    pass
try:
    open_sealed(seal(b"x", generate_sm2_key().public_key()), generate_sm2_key())
except SealError:
    pass
sys.stderr.write("after\\n")
"""


def test_gmssl_trace_never_reaches_stderr() -> None:
    # GmSSL writes its trace to file descriptor 2 from C, which a child
    # process shows whole.
    out = subprocess.run(
        [sys.executable, "-c", _NOISY],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert out.stderr == "after\n"


def test_gmssl_trace_not_on_fd2_in_process(
    capfd: pytest.CaptureFixture[str], sm2_key: Sm2PrivateKey
) -> None:
    from ningxia_yikatong.signing import generate_sm2_key

    signer = Sm2Signer(sm2_key)
    sig = signer.sign(b"a")
    with pytest.raises(SignatureError):
        Sm2Signer(generate_sm2_key()).verifier().verify(b"a", sig)
    os.write(2, b"mine\n")
    captured = capfd.readouterr()
    assert captured.err == "mine\n"


def test_native_stderr_silenced_restores_and_nests(capfd: pytest.CaptureFixture[str]) -> None:
    before = os.fstat(2).st_ino

    def noisy() -> None:
        with signing.native_stderr_silenced():
            with signing.native_stderr_silenced():
                os.write(2, b"hidden\n")
            os.write(2, b"hidden too\n")
            raise RuntimeError("inside")

    with pytest.raises(RuntimeError, match="inside"):
        noisy()
    assert os.fstat(2).st_ino == before
    os.write(2, b"shown\n")
    assert capfd.readouterr().err == "shown\n"


def test_native_stderr_silenced_threads(capfd: pytest.CaptureFixture[str]) -> None:
    import threading

    from ningxia_yikatong.signing import generate_sm2_key

    signer = Sm2Signer(generate_sm2_key())
    sig = signer.sign(b"a")
    other = Sm2Signer(generate_sm2_key()).verifier()
    failures = []

    def work() -> None:
        for _ in range(20):
            try:
                other.verify(b"a", sig)
            except SignatureError:
                failures.append(1)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(failures) == 80
    os.write(2, b"restored\n")
    assert capfd.readouterr().err == "restored\n"
