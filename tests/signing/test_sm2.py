"""SM2 with SM3: known answers, OpenSSL as oracle, round trips, tampering."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import gmssl_pyx
import pytest
from cryptography.hazmat.primitives import hashes
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong.errors import KeyLoadError, SignatureError
from ningxia_yikatong.signing import (
    DEFAULT_SIGNER_ID,
    Sm2PrivateKey,
    Sm2PublicKey,
    Sm2Signer,
    Sm2Verifier,
    generate_sm2_key,
    load_private_key,
    load_public_key,
    private_key_to_pem,
    public_key_to_pem,
)
from ningxia_yikatong.signing._sm2 import _A, _B, _GX, _GY, _N
from ningxia_yikatong.signing._util import encode_der_signature

# GM/T 0003.5-2012 (= GB/T 32918.5-2017) Annex A, example of a signature on the
# recommended curve: key pair, message "message digest", ID 1234567812345678,
# the Z value, the digest e and the signature (r, s). OpenSSL carries the same
# vector in test/sm2_internal_test.c.
VECTOR_D = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
VECTOR_PUB = bytes.fromhex(
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
VECTOR_Z = "b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3"
VECTOR_E = "f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640"
VECTOR_R = 0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
VECTOR_S = 0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA
VECTOR_MESSAGE = b"message digest"


def _sm3(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def test_published_vector_public_key_is_derived_from_private() -> None:
    assert Sm2PrivateKey(VECTOR_D).public_key() == Sm2PublicKey(VECTOR_PUB)


def test_published_vector_z_and_digest() -> None:
    # Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA), e = SM3(Z || M)
    ident = DEFAULT_SIGNER_ID
    parts = [(len(ident) * 8).to_bytes(2, "big"), ident]
    parts += [v.to_bytes(32, "big") for v in (_A, _B, _GX, _GY)]
    z = _sm3(b"".join([*parts, VECTOR_PUB]))
    assert z.hex() == VECTOR_Z
    assert _sm3(z + VECTOR_MESSAGE).hex() == VECTOR_E


def test_published_vector_signature_verifies() -> None:
    verifier = Sm2Verifier(Sm2PublicKey(VECTOR_PUB))
    verifier.verify(VECTOR_MESSAGE, encode_der_signature(VECTOR_R, VECTOR_S))
    raw = VECTOR_R.to_bytes(32, "big") + VECTOR_S.to_bytes(32, "big")
    Sm2Verifier(Sm2PublicKey(VECTOR_PUB), encoding="raw").verify(VECTOR_MESSAGE, raw)


def test_published_vector_fails_with_other_id_or_message() -> None:
    sig = encode_der_signature(VECTOR_R, VECTOR_S)
    with pytest.raises(SignatureError):
        Sm2Verifier(Sm2PublicKey(VECTOR_PUB), signer_id=b"ALICE123@YAHOO.COM").verify(
            VECTOR_MESSAGE, sig
        )
    with pytest.raises(SignatureError):
        Sm2Verifier(Sm2PublicKey(VECTOR_PUB)).verify(b"message digesT", sig)


def test_signatures_are_randomised_and_both_verify(sm2_key: Sm2PrivateKey) -> None:
    signer = Sm2Signer(sm2_key)
    first, second = signer.sign(b"x"), signer.sign(b"x")
    assert first != second
    for sig in (first, second):
        signer.verifier().verify(b"x", sig)


def test_raw_encoding_is_64_bytes(sm2_key: Sm2PrivateKey) -> None:
    signer = Sm2Signer(sm2_key, encoding="raw")
    sig = signer.sign(b"data")
    assert len(sig) == 64
    signer.verifier().verify(b"data", sig)
    der = encode_der_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    Sm2Verifier(sm2_key.public_key()).verify(b"data", der)


@pytest.mark.parametrize(
    ("signature", "code"),
    [
        (b"", "signature.format"),
        (b"\x30", "signature.format"),
        (b"\x30\x06\x02\x01\x01\x02\x01\x01", "signature.mismatch"),  # well-formed, wrong
        (b"\x30\x06\x02\x01\x00\x02\x01\x01", "signature.format"),  # r = 0
        (b"\x30\x07\x02\x02\x00\x01\x02\x01\x01", "signature.format"),  # non-minimal r
        (b"\x30\x06\x02\x01\x81\x02\x01\x01", "signature.format"),  # negative r
        (b"\x30\x06\x02\x01\x01\x02\x01\x01\x00", "signature.format"),  # trailing byte
        (b"\x30\x81\x06\x02\x01\x01\x02\x01\x01", "signature.format"),  # long-form length
        (encode_der_signature(_N, 1), "signature.format"),  # r = n
        (b"\xff" * 72, "signature.format"),
    ],
)
def test_malformed_signatures(sm2_key: Sm2PrivateKey, signature: bytes, code: str) -> None:
    with pytest.raises(SignatureError) as info:
        Sm2Verifier(sm2_key.public_key()).verify(b"data", signature)
    assert info.value.code == code


@pytest.mark.parametrize("length", [0, 63, 65])
def test_raw_signature_of_wrong_length(sm2_key: Sm2PrivateKey, length: int) -> None:
    with pytest.raises(SignatureError, match="64字节"):
        Sm2Verifier(sm2_key.public_key(), encoding="raw").verify(b"d", b"\x01" * length)


def test_raw_signature_out_of_range(sm2_key: Sm2PrivateKey) -> None:
    with pytest.raises(SignatureError) as info:
        Sm2Verifier(sm2_key.public_key(), encoding="raw").verify(b"d", b"\xff" * 64)
    assert info.value.code == "signature.format"


def test_truncated_and_wrong_key_and_wrong_id(sm2_key: Sm2PrivateKey) -> None:
    sig = Sm2Signer(sm2_key).sign(b"data")
    verifier = Sm2Verifier(sm2_key.public_key())
    with pytest.raises(SignatureError):
        verifier.verify(b"data", sig[:-1])
    with pytest.raises(SignatureError):
        Sm2Verifier(generate_sm2_key().public_key()).verify(b"data", sig)
    with pytest.raises(SignatureError) as info:
        Sm2Verifier(sm2_key.public_key(), signer_id=b"8765432187654321").verify(b"data", sig)
    assert info.value.code == "signature.mismatch"


def test_non_bytes_input_is_a_signature_error(sm2_key: Sm2PrivateKey) -> None:
    verifier = Sm2Verifier(sm2_key.public_key())
    with pytest.raises(SignatureError):
        verifier.verify(b"data", "not bytes")  # type: ignore[arg-type]
    with pytest.raises(SignatureError):
        verifier.verify(None, b"\x30")  # type: ignore[arg-type]


def test_bad_configuration(sm2_key: Sm2PrivateKey) -> None:
    with pytest.raises(SignatureError):
        Sm2Signer(sm2_key, signer_id=b"")
    with pytest.raises(SignatureError):
        Sm2Signer(sm2_key, encoding="base64")  # type: ignore[arg-type]
    with pytest.raises(KeyLoadError):
        Sm2Signer(sm2_key.public_key())  # type: ignore[arg-type]
    with pytest.raises(KeyLoadError):
        Sm2Verifier(sm2_key)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "point",
    [b"", b"\x04" + b"\x00" * 64, b"\x01" * 64, b"\x05" + VECTOR_PUB, VECTOR_PUB[:-1] + b"\x00"],
)
def test_public_key_not_on_curve(point: bytes) -> None:
    with pytest.raises(KeyLoadError):
        Sm2PublicKey(point)


@pytest.mark.parametrize(
    "scalar",
    [b"\x00" * 32, (_N - 1).to_bytes(32, "big"), b"\xff" * 32, b"\x01" * 31],
)
def test_private_scalar_out_of_range(scalar: bytes) -> None:
    with pytest.raises(KeyLoadError):
        Sm2PrivateKey(scalar)


def test_private_key_with_mismatched_public_key() -> None:
    with pytest.raises(KeyLoadError) as info:
        Sm2PrivateKey(VECTOR_D, generate_sm2_key().public_key())
    assert info.value.code == "key.sm2.mismatch"


def test_derived_public_key_matches_gmssl() -> None:
    for _ in range(5):
        public, private = gmssl_pyx.sm2_key_generate()
        assert Sm2PrivateKey(private).public_key().xy == public


def test_repr_never_shows_the_key(sm2_key: Sm2PrivateKey) -> None:
    secret = sm2_key.private_bytes_raw()
    for obj in (sm2_key, Sm2Signer(sm2_key), sm2_key.public_key()):
        text = repr(obj)
        assert secret.hex() not in text.lower()
        assert sm2_key.fingerprint[:16] in text


def test_fingerprint_is_shared_and_stable(sm2_key: Sm2PrivateKey) -> None:
    signer = Sm2Signer(sm2_key)
    reloaded = load_public_key(public_key_to_pem(sm2_key.public_key()))
    assert isinstance(reloaded, Sm2PublicKey)
    assert signer.key_fingerprint == signer.verifier().key_fingerprint
    assert Sm2Verifier(reloaded).key_fingerprint == signer.key_fingerprint
    assert len(signer.key_fingerprint) == 64


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=512), raw=st.booleans())
def test_round_trip(sm2_key: Sm2PrivateKey, data: bytes, raw: bool) -> None:
    signer = Sm2Signer(sm2_key, encoding="raw" if raw else "der")
    signer.verifier().verify(data, signer.sign(data))


@settings(max_examples=40, deadline=None)
@given(data=st.binary(min_size=1, max_size=256), where=st.integers(0), delta=st.integers(1, 255))
def test_any_single_byte_change_fails(
    sm2_key: Sm2PrivateKey, data: bytes, where: int, delta: int
) -> None:
    signer = Sm2Signer(sm2_key)
    sig = signer.sign(data)
    verifier = signer.verifier()
    changed = bytearray(data)
    changed[where % len(data)] ^= delta
    with pytest.raises(SignatureError):
        verifier.verify(bytes(changed), sig)
    bad_sig = bytearray(sig)
    bad_sig[where % len(sig)] ^= delta
    with pytest.raises(SignatureError):
        verifier.verify(data, bytes(bad_sig))


@settings(max_examples=60, deadline=None)
@given(junk=st.binary(max_size=100))
def test_junk_signatures_give_only_signature_errors(sm2_key: Sm2PrivateKey, junk: bytes) -> None:
    for encoding in ("der", "raw"):
        with pytest.raises(SignatureError):
            Sm2Verifier(sm2_key.public_key(), encoding=encoding).verify(b"d", junk)


# --- OpenSSL 3 as the oracle ---------------------------------------------------

RunTool = Callable[[list[str], Path], CompletedProcess[str]]

_DISTID = "distid:1234567812345678"


@pytest.mark.oracle
def test_openssl_verifies_our_signature(
    openssl: str, run_tool: RunTool, tmp_path: Path, sm2_key: Sm2PrivateKey
) -> None:
    data = "代发文件 batch-001\n".encode()
    (tmp_path / "data.bin").write_bytes(data)
    (tmp_path / "sig.der").write_bytes(Sm2Signer(sm2_key).sign(data))
    (tmp_path / "pub.pem").write_bytes(public_key_to_pem(sm2_key.public_key()))
    args = [openssl, "pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pkeyopt", _DISTID]
    args += ["-pubin", "-inkey", "pub.pem", "-in", "data.bin", "-sigfile", "sig.der"]
    ok = run_tool(args, tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "Signature Verified Successfully" in ok.stdout
    # And the oracle does reject: OpenSSL's default (empty) ID must not verify.
    no_id = [a for a in args if a not in ("-pkeyopt", _DISTID)]
    assert run_tool(no_id, tmp_path).returncode != 0


@pytest.mark.oracle
def test_we_verify_openssl_signature_and_read_its_keys(
    openssl: str, run_tool: RunTool, tmp_path: Path
) -> None:
    gen = run_tool([openssl, "genpkey", "-algorithm", "SM2", "-out", "key.pem"], tmp_path)
    assert gen.returncode == 0, gen.stderr
    pub = run_tool([openssl, "pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"], tmp_path)
    assert pub.returncode == 0, pub.stderr
    data = b"return file \x00\xff"
    (tmp_path / "data.bin").write_bytes(data)
    args = [openssl, "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-pkeyopt", _DISTID]
    sign = run_tool([*args, "-inkey", "key.pem", "-in", "data.bin", "-out", "sig.der"], tmp_path)
    assert sign.returncode == 0, sign.stderr
    sig = (tmp_path / "sig.der").read_bytes()
    public = load_public_key(tmp_path / "pub.pem")
    assert isinstance(public, Sm2PublicKey)
    Sm2Verifier(public).verify(data, sig)
    with pytest.raises(SignatureError):
        Sm2Verifier(public).verify(data + b"x", sig)
    private = load_private_key(tmp_path / "key.pem")
    assert isinstance(private, Sm2PrivateKey)
    assert private.public_key() == public
    # OpenSSL's SEC1 form ("SM2 PRIVATE KEY") loads to the same key.
    sec1 = run_tool([openssl, "ec", "-in", "key.pem", "-out", "sec1.pem"], tmp_path)
    assert sec1.returncode == 0, sec1.stderr
    assert load_private_key(tmp_path / "sec1.pem") == private


@pytest.mark.oracle
def test_openssl_reads_our_key_files(
    openssl: str, run_tool: RunTool, tmp_path: Path, sm2_key: Sm2PrivateKey
) -> None:
    (tmp_path / "plain.pem").write_bytes(private_key_to_pem(sm2_key))
    (tmp_path / "enc.pem").write_bytes(private_key_to_pem(sm2_key, "口令-pw"))
    for name, extra in (("plain.pem", []), ("enc.pem", ["-passin", "pass:口令-pw"])):
        out = run_tool([openssl, "pkey", "-in", name, *extra, "-pubout"], tmp_path)
        assert out.returncode == 0, out.stderr
        assert out.stdout.encode() == public_key_to_pem(sm2_key.public_key())
