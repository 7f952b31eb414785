"""Loading and writing keys and certificates: every form, every failure."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ningxia_yikatong.errors import KeyLoadError
from ningxia_yikatong.signing import (
    Certificate,
    Sm2PrivateKey,
    Sm2PublicKey,
    Sm2Signer,
    Sm2Verifier,
    generate_sm2_key,
    key_fingerprint,
    load_certificate,
    load_pkcs12,
    load_private_key,
    load_private_key_from_env,
    load_public_key,
    private_key_to_pem,
    public_key_to_pem,
)

RunTool = Callable[[list[str], Path], CompletedProcess[str]]
UTC = dt.UTC


def make_certificate(
    key: rsa.RSAPrivateKey,
    *,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "宁夏财政测试")])
    start = not_before or dt.datetime.now(UTC) - dt.timedelta(days=1)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(20260001)
        .not_valid_before(start)
        .not_valid_after(not_after or start + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


def _rsa_forms(key: rsa.RSAPrivateKey) -> dict[str, bytes]:
    pem, der = serialization.Encoding.PEM, serialization.Encoding.DER
    pkcs1, pkcs8 = serialization.PrivateFormat.TraditionalOpenSSL, serialization.PrivateFormat.PKCS8
    none = serialization.NoEncryption()
    return {
        "pkcs1-pem": key.private_bytes(pem, pkcs1, none),
        "pkcs1-der": key.private_bytes(der, pkcs1, none),
        "pkcs8-pem": key.private_bytes(pem, pkcs8, none),
        "pkcs8-der": key.private_bytes(der, pkcs8, none),
    }


def test_rsa_private_key_forms(rsa_key: rsa.RSAPrivateKey) -> None:
    for form, data in _rsa_forms(rsa_key).items():
        loaded = load_private_key(data)
        assert isinstance(loaded, rsa.RSAPrivateKey), form
        assert key_fingerprint(loaded) == key_fingerprint(rsa_key), form


def test_rsa_encrypted_forms(rsa_key: rsa.RSAPrivateKey) -> None:
    pem = serialization.Encoding.PEM
    encrypted = {
        "pkcs8-pem": rsa_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"pw")
        ),
        "pkcs8-der": rsa_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pw"),
        ),
        "pkcs1-legacy": rsa_key.private_bytes(
            pem,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.BestAvailableEncryption(b"pw"),
        ),
        "ours": private_key_to_pem(rsa_key, "pw"),
    }
    for form, data in encrypted.items():
        assert key_fingerprint(load_private_key(data, "pw")) == key_fingerprint(rsa_key), form
        with pytest.raises(KeyLoadError) as wrong:
            load_private_key(data, "wrong")
        assert wrong.value.code == "key.password", form
        with pytest.raises(KeyLoadError) as missing:
            load_private_key(data)
        assert missing.value.code == "key.password_required", form


def test_sm2_forms_round_trip(sm2_key: Sm2PrivateKey) -> None:
    assert load_private_key(private_key_to_pem(sm2_key)) == sm2_key
    assert load_private_key(sm2_key.to_der()) == sm2_key
    assert load_private_key(private_key_to_pem(sm2_key, b"pw"), b"pw") == sm2_key
    assert load_public_key(sm2_key.public_key().to_der()) == sm2_key.public_key()
    text = private_key_to_pem(sm2_key).decode()
    assert load_private_key(text) == sm2_key
    with pytest.raises(KeyLoadError) as info:
        load_private_key(private_key_to_pem(sm2_key, "pw"), "nope")
    assert info.value.code == "key.password"


def test_pkcs12(rsa_key: rsa.RSAPrivateKey, tmp_path: Path) -> None:
    cert = make_certificate(rsa_key)
    blob = pkcs12.serialize_key_and_certificates(
        b"bank", rsa_key, cert, None, serialization.BestAvailableEncryption(b"p12pw")
    )
    path = tmp_path / "bank.pfx"
    path.write_bytes(blob)
    bundle = load_pkcs12(path, "p12pw")
    assert key_fingerprint(bundle.private_key) == key_fingerprint(rsa_key)
    assert bundle.certificate is not None
    assert bundle.certificate.key_fingerprint == key_fingerprint(rsa_key)
    assert bundle.certificate.subject == "Common Name: 宁夏财政测试"
    assert key_fingerprint(load_private_key(path, "p12pw")) == key_fingerprint(rsa_key)
    with pytest.raises(KeyLoadError) as info:
        load_pkcs12(path, "wrong")
    assert info.value.code == "key.password"
    assert info.value.location.file == "bank.pfx"
    with pytest.raises(KeyLoadError):
        load_pkcs12(b"\x30\x03\x02\x01\x03", "x")


def test_certificate_rsa(rsa_key: rsa.RSAPrivateKey) -> None:
    cert = make_certificate(rsa_key)
    pem = cert.public_bytes(serialization.Encoding.PEM)
    loaded = load_certificate(pem, check_validity=True)
    assert isinstance(loaded, Certificate)
    assert loaded.serial_number == 20260001
    assert loaded.der == cert.public_bytes(serialization.Encoding.DER)
    assert load_certificate(loaded.der).fingerprint == loaded.fingerprint
    assert load_certificate(loaded.to_pem()).der == loaded.der
    assert key_fingerprint(load_public_key(pem)) == key_fingerprint(rsa_key)
    assert "宁夏财政测试" in repr(loaded)


def test_expired_and_future_certificates(rsa_key: rsa.RSAPrivateKey) -> None:
    past = dt.datetime(2020, 1, 1, tzinfo=UTC)
    expired = make_certificate(rsa_key, not_before=past, not_after=past + dt.timedelta(days=30))
    pem = expired.public_bytes(serialization.Encoding.PEM)
    load_certificate(pem)  # fine when validity is not asked for
    with pytest.raises(KeyLoadError) as info:
        load_certificate(pem, check_validity=True)
    assert info.value.code == "cert.expired"
    load_certificate(pem, check_validity=True, at=past + dt.timedelta(days=1))
    future = make_certificate(rsa_key, not_before=dt.datetime(2099, 1, 1, tzinfo=UTC))
    with pytest.raises(KeyLoadError) as later:
        load_certificate(future.public_bytes(serialization.Encoding.PEM), check_validity=True)
    assert later.value.code == "cert.not_yet_valid"
    with pytest.raises(KeyLoadError):
        load_certificate(pem, check_validity=True, at=dt.datetime(2020, 1, 2))  # naive


def test_unsupported_curve_and_algorithm() -> None:
    p256 = ec.generate_private_key(ec.SECP256R1())
    for data in (
        p256.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        p256.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ),
    ):
        with pytest.raises(KeyLoadError) as info:
            load_private_key(data)
        assert info.value.code == "key.curve"
    spki = p256.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(KeyLoadError) as pub:
        load_public_key(spki)
    assert pub.value.code == "key.curve"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "key.empty"),
        (b"   \n", "key.empty"),
        (b"-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n", "key.pem"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n", "key.pem"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "key.format"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "key.missing"),
        (b"\x00\x01garbage", "key.format"),
    ],
)
def test_garbage_private_keys(data: bytes, code: str) -> None:
    with pytest.raises(KeyLoadError) as info:
        load_private_key(data)
    assert info.value.code == code


def test_errors_name_the_file_and_never_the_key(tmp_path: Path, sm2_key: Sm2PrivateKey) -> None:
    path = tmp_path / "bank-key.pem"
    pem = private_key_to_pem(sm2_key, "pw")
    path.write_bytes(pem)
    with pytest.raises(KeyLoadError) as info:
        load_private_key(path, "wrong")
    assert info.value.location.file == "bank-key.pem"
    assert sm2_key.private_bytes_raw().hex() not in str(info.value)
    with pytest.raises(KeyLoadError) as missing:
        load_private_key(tmp_path / "absent.pem")
    assert missing.value.code == "key.file"
    with pytest.raises(KeyLoadError) as source:
        load_private_key("path/as/str.pem")
    assert source.value.code == "key.source"


def test_from_environment(sm2_key: Sm2PrivateKey) -> None:
    pem = private_key_to_pem(sm2_key, "pw").decode()
    env = {
        "BANK_KEY": pem,
        "BANK_KEY_ONE_LINE": pem.replace("\n", "\\n"),
        "BANK_KEY_B64": base64.b64encode(sm2_key.to_der()).decode(),
        "BANK_KEY_PW": "pw",
        "JUNK": "%%%",
    }
    assert load_private_key_from_env("BANK_KEY", password_variable="BANK_KEY_PW", environ=env)
    one_line = load_private_key_from_env(
        "BANK_KEY_ONE_LINE", password_variable="BANK_KEY_PW", environ=env
    )
    assert one_line == sm2_key
    assert load_private_key_from_env("BANK_KEY_B64", environ=env) == sm2_key
    for variable, password in (("MISSING", None), ("JUNK", None), ("BANK_KEY", "NO_PW")):
        with pytest.raises(KeyLoadError) as info:
            load_private_key_from_env(variable, password_variable=password, environ=env)
        assert info.value.code == "key.env"
        assert "pw" not in info.value.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(junk=st.binary(max_size=400))
def test_junk_gives_only_key_errors(junk: bytes) -> None:
    for load in (load_private_key, load_public_key, load_certificate):
        with pytest.raises(KeyLoadError):
            load(junk)


@settings(max_examples=150, deadline=None)
@given(where=st.integers(0), delta=st.integers(1, 255), use_pem=st.booleans())
def test_mutated_key_files_give_key_errors_or_a_key(
    sm2_key: Sm2PrivateKey, rsa_key: rsa.RSAPrivateKey, where: int, delta: int, use_pem: bool
) -> None:
    for original in (
        private_key_to_pem(sm2_key) if use_pem else sm2_key.to_der(),
        _rsa_forms(rsa_key)["pkcs8-pem" if use_pem else "pkcs1-der"],
    ):
        data = bytearray(original)
        data[where % len(data)] ^= delta
        try:
            loaded = load_private_key(bytes(data))
        except KeyLoadError:
            continue
        assert isinstance(loaded, Sm2PrivateKey | rsa.RSAPrivateKey)


@pytest.mark.oracle
def test_sm2_certificate_from_openssl(
    openssl: str, run_tool: RunTool, tmp_path: Path, sm2_key: Sm2PrivateKey
) -> None:
    (tmp_path / "key.pem").write_bytes(private_key_to_pem(sm2_key))
    args = [openssl, "req", "-x509", "-new", "-key", "key.pem", "-sm3", "-sigopt"]
    args += ["distid:1234567812345678", "-subj", "/CN=bank-test", "-days", "30", "-out", "c.pem"]
    out = run_tool(args, tmp_path)
    assert out.returncode == 0, out.stderr
    cert = load_certificate(tmp_path / "c.pem", check_validity=True)
    assert isinstance(cert.public_key, Sm2PublicKey)
    assert cert.key_fingerprint == sm2_key.fingerprint
    assert cert.subject == "Common Name: bank-test"
    public = load_public_key(tmp_path / "c.pem")
    assert isinstance(public, Sm2PublicKey)
    Sm2Verifier(public).verify(b"x", Sm2Signer(sm2_key).sign(b"x"))
    der = run_tool([openssl, "x509", "-in", "c.pem", "-outform", "DER", "-out", "c.der"], tmp_path)
    assert der.returncode == 0
    assert load_certificate(tmp_path / "c.der").der == cert.der
    # The public key OpenSSL sees is byte for byte the one we write.
    spki = run_tool([openssl, "x509", "-in", "c.pem", "-noout", "-pubkey"], tmp_path)
    assert spki.returncode == 0
    assert spki.stdout.encode() == public_key_to_pem(sm2_key.public_key())


def test_generate_sm2_key_is_random() -> None:
    assert generate_sm2_key() != generate_sm2_key()


# --- legacy PEM encryption: the DEK-Info header is checked before cryptography ---


def _legacy_pem(key: rsa.RSAPrivateKey, dek_info: bytes | None) -> bytes:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.BestAvailableEncryption(b"pw"),
    )
    assert b"DEK-Info: AES-256-CBC," in pem
    lines = [line if not line.startswith(b"DEK-Info:") else dek_info for line in pem.split(b"\n")]
    return b"\n".join(line for line in lines if line is not None)


@pytest.mark.parametrize(
    "dek_info",
    [
        b"DEK-Info: AES-256-CBC,0011223344556677",  # 8-byte IV for a 16-byte block
        b"DEK-Info: AES-128-CBC,00",
        b"DEK-Info: DES-EDE3-CBC,00112233445566778899AABBCCDDEEFF",
        b"DEK-Info: AES-256-CBC,zz112233445566778899aabbccddeeff",
        b"DEK-Info: AES-256-CBC",
        b"DEK-Info: RC2-40-CBC,0011223344556677",
        b"DEK-Info: \xff\xfe,00",
        None,  # Proc-Type ENCRYPTED without DEK-Info
    ],
)
def test_legacy_pem_with_bad_dek_info(rsa_key: rsa.RSAPrivateKey, dek_info: bytes | None) -> None:
    with pytest.raises(KeyLoadError) as info:
        load_private_key(_legacy_pem(rsa_key, dek_info), "pw")
    assert info.value.code == "key.pem"


def test_legacy_pem_still_loads(rsa_key: rsa.RSAPrivateKey) -> None:
    pem = _legacy_pem(rsa_key, b"DEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF")
    # Another IV decrypts to garbage: a wrong-password error, not a crash.
    with pytest.raises(KeyLoadError):
        load_private_key(pem, "pw")
    good = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.BestAvailableEncryption(b"pw"),
    )
    assert key_fingerprint(load_private_key(good, "pw")) == key_fingerprint(rsa_key)


class PanicException(BaseException):
    """Stands in for ``pyo3_runtime.PanicException`` (Rust panics in cryptography)."""


PanicException.__module__ = "pyo3_runtime"


@pytest.mark.parametrize("escape", [PanicException, KeyboardInterrupt])
def test_a_panic_in_cryptography_is_a_key_error(
    monkeypatch: pytest.MonkeyPatch,
    rsa_key: rsa.RSAPrivateKey,
    escape: type[BaseException],
) -> None:
    def panic(*args: object, **kwargs: object) -> None:
        raise escape("assertion failed: iv_len <= iv.len()")

    pem = _rsa_forms(rsa_key)["pkcs1-pem"]
    monkeypatch.setattr(serialization, "load_pem_private_key", panic)
    if escape is KeyboardInterrupt:
        with pytest.raises(KeyboardInterrupt):
            load_private_key(pem)
        return
    with pytest.raises(KeyLoadError) as info:
        load_private_key(pem)
    assert info.value.code == "key.format"


# --- work bounded by the input's size -------------------------------------------------

_BOUNDED = """
import sys
from ningxia_yikatong.errors import KeyLoadError
from ningxia_yikatong.signing import load_certificate, load_private_key, load_public_key
loader = {"key": load_private_key, "pub": load_public_key, "cert": load_certificate}[sys.argv[1]]
data = {
    "ff": b"\\xff" * 1_000_000,
    "nested-ff": b"\\x30\\x83\\x0f\\x42\\x45" + b"\\xff" * 1_000_000,
    "begins": b"-----BEGIN PRIVATE KEY-----\\n" * 35_000,
    "begins-no-newline": b"-----BEGIN PRIVATE KEY-----" * 35_000,
    "deep": b"\\x30\\x80" * 400_000,
}[sys.argv[2]]
try:
    loader(data)
except KeyLoadError as exc:
    print(exc.code)
"""


@pytest.mark.parametrize(
    ("loader", "case"),
    [
        ("key", "ff"),
        ("pub", "ff"),
        ("cert", "ff"),
        ("key", "nested-ff"),
        ("cert", "nested-ff"),
        ("key", "begins"),
        ("pub", "begins-no-newline"),
        ("cert", "begins"),
        ("key", "deep"),
    ],
)
def test_loaders_on_large_junk_finish(loader: str, case: str) -> None:
    # In a child process with a timeout: a parser whose work grows faster than
    # its input (seconds to minutes on these inputs before) fails the test
    # instead of hanging the suite. The limit allows for a loaded machine.
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _BOUNDED, loader, case],
        capture_output=True,
        text=True,
        check=False,
        timeout=20,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() in {"key.format", "key.pem", "cert.format"}


def test_key_files_over_the_limit_are_refused(tmp_path: Path) -> None:
    from ningxia_yikatong.signing._keys import MAX_KEY_FILE_BYTES

    big = tmp_path / "big.pem"
    big.write_bytes(b"A" * (MAX_KEY_FILE_BYTES + 1))
    for load in (load_private_key, load_public_key, load_certificate):
        with pytest.raises(KeyLoadError) as info:
            load(big)
        assert info.value.code == "key.size"
        with pytest.raises(KeyLoadError) as info:
            load(big.read_bytes())
        assert info.value.code == "key.size"


def _nested(depth: int) -> bytes:
    der = b"\x05\x00"
    for _ in range(depth):
        der = b"\x30" + bytes([len(der)]) + der
    return der


@pytest.mark.parametrize(
    "der",
    [
        b"\x30\x80\x02\x01\x01\x00\x00",  # BER indefinite length
        b"\x30\x03\x02\x01\x01\x00",  # trailing byte
        b"\x30\x04\x02\x01\x01",  # length beyond the data
        b"\x30\x06\x1f\xff\xff\xff\x01\x00",  # tag number of 4+ bytes
        b"\x30\x45\x06\x43" + b"\x2a" * 67,  # 67-byte object identifier
        _nested(40),  # nested too deep
        b"\x02\x01\x01",  # not a SEQUENCE
    ],
)
def test_der_structure_refused_before_parsing(der: bytes) -> None:
    from ningxia_yikatong.signing._keys import _check_der

    with pytest.raises(ValueError, match=r"\w"):
        _check_der(der)
    for load in (load_private_key, load_public_key, load_certificate):
        with pytest.raises(KeyLoadError):
            load(der)


def test_der_structure_of_real_keys_passes(
    sm2_key: Sm2PrivateKey, rsa_key: rsa.RSAPrivateKey
) -> None:
    from ningxia_yikatong.signing._keys import _check_der

    for der in (
        sm2_key.to_der(),
        sm2_key.public_key().to_der(),
        *(data for form, data in _rsa_forms(rsa_key).items() if form.endswith("der")),
        make_certificate(rsa_key).public_bytes(serialization.Encoding.DER),
        _nested(32),
    ):
        _check_der(der)


def test_pem_blocks_in_one_pass(sm2_key: Sm2PrivateKey) -> None:
    pem = private_key_to_pem(sm2_key)
    cert_junk = b"Bag Attributes\n    localKeyID: 01\n"
    assert load_private_key(cert_junk + pem + b"trailing text\n") == sm2_key
    public = public_key_to_pem(sm2_key.public_key())
    assert load_private_key(public + pem) == sm2_key
    for bad in (
        pem.replace(b"-----END PRIVATE KEY-----", b""),
        pem[:40] + public + pem[40:],  # a BEGIN inside an open block
        b"-----BEGIN private key-----\nAAAA\n-----END private key-----\n",
        b"-----BEGIN PRIVATE KEY-----AAAA-----END PRIVATE KEY-----",
    ):
        with pytest.raises(KeyLoadError) as info:
            load_private_key(bad)
        assert info.value.code == "key.pem"


def test_pbkdf2_iterations_are_capped(sm2_key: Sm2PrivateKey) -> None:
    from asn1crypto import keys as asn1_keys

    from ningxia_yikatong.signing._keys import _MAX_PBKDF2_ITERATIONS

    pem = private_key_to_pem(sm2_key, "pw")
    der = base64.b64decode(b"".join(pem.splitlines()[1:-1]))
    info = asn1_keys.EncryptedPrivateKeyInfo.load(der)
    kdf = info["encryption_algorithm"]["parameters"]["key_derivation_func"]["parameters"]
    kdf["iteration_count"] = _MAX_PBKDF2_ITERATIONS * 2  # seconds of PBKDF2 before failing
    with pytest.raises(KeyLoadError) as info_error:
        load_private_key(info.dump(force=True), "pw")
    assert info_error.value.code == "key.pkcs8"
