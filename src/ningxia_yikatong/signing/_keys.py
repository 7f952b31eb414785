"""Loading and writing keys and certificates, RSA and SM2, PEM and DER.

``cryptography`` reads RSA keys in every usual form; it cannot load SM2 keys (its
OpenSSL build rejects curve 1.2.156.10197.1.301), so SM2 structures are parsed
with ``asn1crypto`` and encrypted PKCS#8 SM2 keys are decrypted here (PBES2 with
PBKDF2 and AES-CBC, as OpenSSL 3 writes them).

Every failure is a :class:`~ningxia_yikatong.errors.KeyLoadError` with a stable
code; no message ever quotes key material.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from asn1crypto import algos as asn1_algos
from asn1crypto import core as asn1_core
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.serialization import pkcs12

from .._arguments import argument_error, checked
from ..errors import CryptoError, KeyLoadError, YikatongError
from ._rsa import rsa_fingerprint
from ._sm2 import SM2_CURVE_OID, Sm2PrivateKey, Sm2PublicKey

__all__ = [
    "Certificate",
    "Pkcs12Bundle",
    "PrivateKey",
    "PublicKey",
    "key_fingerprint",
    "load_certificate",
    "load_pkcs12",
    "load_private_key",
    "load_private_key_from_env",
    "load_public_key",
    "private_key_to_pem",
    "public_key_to_pem",
]

PrivateKey = Sm2PrivateKey | rsa.RSAPrivateKey
PublicKey = Sm2PublicKey | rsa.RSAPublicKey
KeySource = bytes | str | os.PathLike[str]
Password = bytes | str | None

#: Key files larger than this are refused before parsing (a key is a few KiB).
MAX_KEY_FILE_BYTES: Final = 1 << 20
_PBKDF2_ITERATIONS: Final = 200_000
#: Most PBKDF2 iterations accepted when decrypting (OpenSSL writes 2048, this
#: library 200 000, current advice is 600 000); more would let a small key file
#: keep the loader busy for many seconds.
_MAX_PBKDF2_ITERATIONS: Final = 2_000_000
_PEM_BEGIN: Final = b"-----BEGIN "
_PEM_LABEL: Final = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,64})-----[ \t]*\r?\n")
_PEM_HEADER: Final = re.compile(rb"^[A-Za-z-]+:.*$", re.MULTILINE)
#: Legacy PEM encryption (``DEK-Info``): the ciphers ``cryptography`` reads and
#: the IV length (the block size) each needs.
_DEK_IV_BYTES: Final = {
    "AES-128-CBC": 16,
    "AES-192-CBC": 16,
    "AES-256-CBC": 16,
    "DES-EDE3-CBC": 8,
    "DES-CBC": 8,
}
#: Deepest nesting of ASN.1 structures accepted in a key or certificate.
_DER_MAX_DEPTH: Final = 32


def key_fingerprint(key: PrivateKey | PublicKey) -> str:
    """SHA-256 of the public key's DER SubjectPublicKeyInfo, lowercase hex.

    The same for a private key and its public key, and for every signer and
    verifier built on them.
    """
    if isinstance(key, Sm2PrivateKey | Sm2PublicKey):
        return key.fingerprint
    if isinstance(key, rsa.RSAPrivateKey):
        return rsa_fingerprint(key.public_key())
    if isinstance(key, rsa.RSAPublicKey):
        return rsa_fingerprint(key)
    raise KeyLoadError("不支持的密钥类型", code="key.type")


# --- reading the source ---------------------------------------------------------


def _read(source: KeySource, what: str) -> tuple[bytes, str | None]:
    """Bytes of ``source`` and, for a file, its name for error locations."""
    if isinstance(source, bytes | bytearray):
        data, name = bytes(source), None
    elif isinstance(source, str):
        if "-----BEGIN" not in source:
            raise KeyLoadError(
                f"{what}文本不是PEM格式；从文件读取请传入 pathlib.Path", code="key.source"
            )
        data, name = source.encode("ascii", "replace"), None
    elif isinstance(source, os.PathLike):
        path = Path(source)
        name = path.name
        try:
            with path.open("rb") as fh:
                data = fh.read(MAX_KEY_FILE_BYTES + 1)
        except OSError as exc:
            raise KeyLoadError(
                f"无法读取{what}文件：{exc.strerror or type(exc).__name__}",
                code="key.file",
                file=name,
            ) from None
    else:
        raise KeyLoadError(f"{what}应为字节串、PEM文本或文件路径", code="key.source")
    if len(data) > MAX_KEY_FILE_BYTES:
        raise KeyLoadError(f"{what}文件过大", code="key.size", file=name)
    if not data.strip():
        raise KeyLoadError(f"{what}为空", code="key.empty", file=name)
    return data, name


def _password_bytes(password: Password) -> bytes | None:
    if password is None:
        return None
    if isinstance(password, str):
        return password.encode("utf-8")
    if isinstance(password, bytes | bytearray):
        return bytes(password)
    raise KeyLoadError("密码应为文本或字节串", code="key.password")


@dataclass(frozen=True, slots=True)
class _Block:
    label: str
    der: bytes
    text: bytes  # the whole armoured block, for loaders that want PEM
    encrypted_legacy: bool  # "Proc-Type: 4,ENCRYPTED" headers


def _pem_blocks(data: bytes) -> list[_Block] | None:
    """The PEM blocks of ``data``, or ``None`` when it is not PEM at all.

    One pass over the data, whatever it holds: each ``BEGIN`` line is matched
    with the next ``END`` line of the same label, and a ``BEGIN`` before that
    ``END`` is an error (``key.pem``).
    """
    if _PEM_BEGIN not in data:
        return None
    blocks = []
    pos = data.find(_PEM_BEGIN)
    while pos != -1:
        match = _PEM_LABEL.match(data, pos)
        if match is None:
            raise KeyLoadError("PEM格式错误：BEGIN行不完整", code="key.pem")
        label = match.group(1)
        end_marker = b"-----END " + label + b"-----"
        end = data.find(end_marker, match.end())
        following = data.find(_PEM_BEGIN, match.end())
        if end == -1 or (following != -1 and following < end):
            raise KeyLoadError("PEM格式错误：缺少完整的BEGIN/END块", code="key.pem")
        body = data[match.end() : end]
        blocks.append(_block(label.decode("ascii"), body, data[pos : end + len(end_marker)]))
        pos = data.find(_PEM_BEGIN, end + len(end_marker))
    return blocks


def _block(label: str, body: bytes, text: bytes) -> _Block:
    headers = _PEM_HEADER.findall(body)
    legacy = any(h.startswith(b"Proc-Type:") and b"ENCRYPTED" in h for h in headers)
    if legacy:
        _check_dek_info(headers)
    payload = _PEM_HEADER.sub(b"", body)
    try:
        der = binascii.a2b_base64(b"".join(payload.split()), strict_mode=True)
    except (binascii.Error, ValueError):
        raise KeyLoadError("PEM内容不是有效的Base64", code="key.pem") from None
    return _Block(label, der, text + b"\n", legacy)


def _check_dek_info(headers: list[bytes]) -> None:
    """A legacy-encrypted block names one cipher ``cryptography`` knows and an
    IV of exactly that cipher's block size (``cryptography`` panics on a short
    one)."""
    dek = [h for h in headers if h.startswith(b"DEK-Info:")]
    if len(dek) != 1:
        raise KeyLoadError("旧式加密PEM缺少DEK-Info头或有多个", code="key.pem")
    cipher, _, iv_hex = dek[0][len(b"DEK-Info:") :].strip().partition(b",")
    name = cipher.strip().upper().decode("ascii", "replace")
    size = _DEK_IV_BYTES.get(name)
    if size is None:
        raise KeyLoadError("旧式加密PEM使用了不支持的加密算法", code="key.pem")
    try:
        iv = bytes.fromhex(iv_hex.strip().decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise KeyLoadError("旧式加密PEM的DEK-Info初始向量不是十六进制", code="key.pem") from None
    if len(iv) != size:
        raise KeyLoadError(f"旧式加密PEM的初始向量长度错误（{name}应为{size}字节）", code="key.pem")


# --- ASN.1 structure, checked before asn1crypto or cryptography parse it --------


def _der_header(data: bytes, pos: int, end: int) -> tuple[bool, int, int]:
    """``(constructed, start of contents, end of contents)`` of the TLV at
    ``pos``; :class:`ValueError` unless it is DER within ``data[:end]``."""
    if pos >= end:
        raise ValueError("truncated tag")
    tag = data[pos]
    pos += 1
    if tag & 0x1F == 0x1F:  # high tag number: at most 3 more bytes
        for _ in range(3):
            if pos >= end:
                raise ValueError("truncated tag")
            pos += 1
            if not data[pos - 1] & 0x80:
                break
        else:
            raise ValueError("tag number too long")
    if pos >= end:
        raise ValueError("truncated length")
    first = data[pos]
    pos += 1
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > end:
            raise ValueError("indefinite or oversized length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > end:
        raise ValueError("length beyond the data")
    return bool(tag & 0x20), pos, pos + length


def _check_der(data: bytes) -> None:
    """Walk every TLV of ``data``, once, without building anything.

    The parsers behind key loading spend time that grows faster than their
    input on some junk (a long run of ``0xFF`` reads as one huge tag number);
    this walk costs one step per TLV and refuses what no key or certificate
    holds: anything but one SEQUENCE, BER indefinite lengths, tag numbers and
    lengths of more than 4 bytes, nesting deeper than 32, and object
    identifiers of more than 64 bytes.
    """
    if not data or data[0] != 0x30:
        raise ValueError("not a SEQUENCE")
    _, pos, end = _der_header(data, 0, len(data))
    if end != len(data):
        raise ValueError("data after the outer SEQUENCE")
    stack = [end]
    while pos < len(data):
        while pos == stack[-1]:
            stack.pop()
        constructed, start, end = _der_header(data, pos, stack[-1])
        if data[pos] == 0x06 and end - start > 64:
            raise ValueError("object identifier too long")
        if constructed:
            if len(stack) > _DER_MAX_DEPTH:
                raise ValueError("nested too deep")
            stack.append(end)
            pos = start
        else:
            pos = end


def _asn1(spec: Any, der: bytes) -> Any:
    """``spec.load(der, strict=True)`` after :func:`_check_der`."""
    _check_der(der)
    return spec.load(der, strict=True)


def _guarded(loader: Any, *args: Any, **kwargs: Any) -> Any:
    """Call one of ``cryptography``'s loaders, turning a Rust panic
    (``pyo3_runtime.PanicException``, which derives from ``BaseException`` and
    passes every ``except Exception``) into a :class:`KeyLoadError`;
    ``KeyboardInterrupt`` and ``SystemExit`` pass."""
    try:
        return loader(*args, **kwargs)
    except Exception:
        raise
    except BaseException as exc:
        if type(exc).__module__ != "pyo3_runtime":
            raise
        raise KeyLoadError("密钥解析库内部错误：文件格式异常", code="key.format") from None


# --- SM2 structures --------------------------------------------------------------


def _curve_oid(params: Any) -> str | None:
    if params is None or params.name != "named":
        return None
    return str(params.chosen.dotted)


def _sm2_from_ec_private(ec: asn1_keys.ECPrivateKey, outer_curve: str | None) -> Sm2PrivateKey:
    params = ec["parameters"]
    inner_curve = None if params.native is None else _curve_oid(params)
    curve = inner_curve or outer_curve
    if curve != SM2_CURVE_OID:
        raise KeyLoadError(f"不支持的椭圆曲线（{curve or '未指明'}），仅支持SM2", code="key.curve")
    scalar = int(ec["private_key"].native)
    if scalar.bit_length() > 256:
        raise KeyLoadError("SM2私钥数值超出范围", code="key.sm2.private")
    public = None
    if ec["public_key"].native is not None:
        public = Sm2PublicKey(bytes(ec["public_key"].native))
    return Sm2PrivateKey(scalar.to_bytes(32, "big"), public)


def _from_pkcs8(der: bytes) -> PrivateKey:
    info = _asn1(asn1_keys.PrivateKeyInfo, der)
    algorithm = info["private_key_algorithm"]["algorithm"].native
    if algorithm == "rsa":
        key = _guarded(serialization.load_der_private_key, der, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):  # pragma: no cover - OID said RSA
            raise KeyLoadError("不支持的密钥类型", code="key.type")
        return key
    if algorithm in ("ec", "1.2.156.10197.1.301"):
        params = info["private_key_algorithm"]["parameters"]
        outer = _curve_oid(params) if algorithm == "ec" else SM2_CURVE_OID
        ec = _asn1(asn1_keys.ECPrivateKey, info["private_key"].contents)
        return _sm2_from_ec_private(ec, outer)
    raise KeyLoadError(f"不支持的密钥算法：{algorithm}", code="key.algorithm")


def _from_sec1(der: bytes) -> Sm2PrivateKey:
    ec = _asn1(asn1_keys.ECPrivateKey, der)
    # Lazy parsing accepts any SEQUENCE: make sure this is an ECPrivateKey
    # (version 1 and an OCTET STRING) before judging its curve.
    if ec["version"].native != "ecPrivkeyVer1" or not isinstance(ec["private_key"].native, int):
        raise ValueError("not SEC1")
    return _sm2_from_ec_private(ec, None)


def _from_spki(der: bytes) -> PublicKey:
    info = _asn1(asn1_keys.PublicKeyInfo, der)
    algorithm = info["algorithm"]["algorithm"].native
    if algorithm == "rsa":
        key = _guarded(serialization.load_der_public_key, der)
        if not isinstance(key, rsa.RSAPublicKey):  # pragma: no cover - OID said RSA
            raise KeyLoadError("不支持的密钥类型", code="key.type")
        return key
    if algorithm == "ec":
        curve = _curve_oid(info["algorithm"]["parameters"])
        if curve != SM2_CURVE_OID:
            raise KeyLoadError(
                f"不支持的椭圆曲线（{curve or '未指明'}），仅支持SM2", code="key.curve"
            )
        return Sm2PublicKey(bytes(info["public_key"].native))
    raise KeyLoadError(f"不支持的公钥算法：{algorithm}", code="key.algorithm")


# --- encrypted PKCS#8 -----------------------------------------------------------


def _decrypt_pkcs8(der: bytes, password: bytes | None) -> bytes | None:
    """The PrivateKeyInfo inside an EncryptedPrivateKeyInfo (PBES2, PBKDF2,
    AES-CBC); ``None`` for another scheme (left to ``cryptography``)."""
    info = _asn1(asn1_keys.EncryptedPrivateKeyInfo, der)
    # Lazy parsing accepts any SEQUENCE: touch both fields so that another
    # structure (a PKCS#1 key) fails here, before the password is asked for.
    if not isinstance(info["encrypted_data"].native, bytes):
        raise ValueError("not an EncryptedPrivateKeyInfo")
    info["encryption_algorithm"]["algorithm"].native  # noqa: B018
    if password is None:
        raise KeyLoadError("私钥已加密，需要密码", code="key.password_required")
    alg = info["encryption_algorithm"]
    if alg["algorithm"].native != "pbes2" or alg.kdf != "pbkdf2":
        return None
    if alg.encryption_cipher != "aes" or alg.encryption_mode != "cbc":
        return None
    prf = {"sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}.get(
        alg.kdf_hmac
    )
    if prf is None:
        return None
    iterations = int(alg.kdf_iterations)
    if not 1 <= iterations <= _MAX_PBKDF2_ITERATIONS:
        raise KeyLoadError("加密私钥的迭代次数不合理", code="key.pkcs8")
    key = hashlib.pbkdf2_hmac(prf, password, alg.kdf_salt, iterations, alg.key_length)
    iv = alg.encryption_iv
    data = info["encrypted_data"].native
    if len(data) == 0 or len(data) % 16 or len(iv) != 16:
        raise KeyLoadError("加密私钥格式错误", code="key.pkcs8")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = sym_padding.PKCS7(128).unpadder()
    try:
        plain = unpadder.update(padded) + unpadder.finalize()
        _asn1(asn1_keys.PrivateKeyInfo, plain)["private_key_algorithm"].native  # noqa: B018
    except Exception:  # a wrong password yields garbage of any shape
        raise KeyLoadError("私钥密码错误", code="key.password") from None
    return plain


def _encrypt_pkcs8(der: bytes, password: bytes) -> bytes:
    salt = secrets.token_bytes(16)
    iv = secrets.token_bytes(16)
    key = PBKDF2HMAC(
        algorithm=hashes.SHA256(),
        length=32,
        salt=salt,
        iterations=_PBKDF2_ITERATIONS,
    ).derive(password)
    padder = sym_padding.PKCS7(128).padder()
    padded = padder.update(der) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    encrypted = encryptor.update(padded) + encryptor.finalize()
    info = asn1_keys.EncryptedPrivateKeyInfo(
        {
            "encryption_algorithm": {
                "algorithm": "pbes2",
                "parameters": {
                    "key_derivation_func": {
                        "algorithm": "pbkdf2",
                        "parameters": {
                            "salt": asn1_algos.Pbkdf2Salt(name="specified", value=salt),
                            "iteration_count": _PBKDF2_ITERATIONS,
                            "prf": {"algorithm": "sha256", "parameters": asn1_core.Null()},
                        },
                    },
                    "encryption_scheme": {"algorithm": "aes256_cbc", "parameters": iv},
                },
            },
            "encrypted_data": encrypted,
        }
    )
    return bytes(info.dump())


# --- loaders --------------------------------------------------------------------


def _crypto_private(loader: Any, data: bytes, password: bytes | None) -> PrivateKey:
    try:
        key = _guarded(loader, data, password=password)
    except TypeError as exc:
        text = str(exc)
        if "not encrypted" in text:
            return _crypto_private(loader, data, None)
        raise KeyLoadError("私钥已加密，需要密码", code="key.password_required") from None
    except ValueError as exc:
        if password is not None and ("password" in str(exc).lower() or "decrypt" in str(exc)):
            raise KeyLoadError("私钥密码错误", code="key.password") from None
        raise KeyLoadError("私钥格式错误或不受支持", code="key.format") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyLoadError("不支持的私钥类型（仅支持RSA和SM2）", code="key.algorithm")
    return key


def _private_from_der(der: bytes, password: bytes | None) -> PrivateKey:
    """Try each DER private key form in turn."""
    for parse in (_from_pkcs8, _from_sec1):
        try:
            return parse(der)
        except YikatongError:
            raise
        except Exception:  # noqa: S112 - not this form; try the next
            continue
    try:
        plain = _decrypt_pkcs8(der, password)
    except YikatongError:
        raise
    except Exception:  # not an EncryptedPrivateKeyInfo
        plain = None
        encrypted = False
    else:
        encrypted = True
    if plain is not None:
        return _from_pkcs8(plain)
    if encrypted:
        return _crypto_private(serialization.load_der_private_key, der, password)
    try:
        _asn1(asn1_keys.RSAPrivateKey, der).native  # noqa: B018
    except Exception:  # noqa: S110 - not PKCS#1 either
        pass
    else:
        return _crypto_private(serialization.load_der_private_key, der, None)
    try:
        return load_pkcs12(der, password).private_key
    except KeyLoadError as exc:
        if exc.code != "key.pkcs12":
            raise  # a PKCS#12 file: wrong password, no key, not RSA
    raise KeyLoadError(
        "私钥格式错误或不受支持（不是PKCS#8、SEC1、PKCS#1或PKCS#12）", code="key.format"
    )


def load_private_key(source: KeySource, password: Password = None) -> PrivateKey:
    """Load an RSA or SM2 private key.

    ``source`` is the key's bytes (PEM or DER), PEM text, or a path. Accepted:
    PKCS#8 (plain or encrypted), PKCS#1 (``RSA PRIVATE KEY``, also with legacy
    PEM encryption), SEC1 (``EC PRIVATE KEY`` / ``SM2 PRIVATE KEY``) and PKCS#12
    (the private key of the bundle). ``password`` is ``str`` (UTF-8) or bytes.

    >>> from ningxia_yikatong.signing import generate_sm2_key
    >>> key = load_private_key(private_key_to_pem(generate_sm2_key()))
    >>> type(key).__name__
    'Sm2PrivateKey'
    """
    data, name = _read(source, "私钥")
    secret = _password_bytes(password)
    try:
        blocks = _pem_blocks(data)
        if blocks is None:
            return _private_from_der(data, secret)
        for block in blocks:
            if block.label in ("CERTIFICATE", "PUBLIC KEY", "RSA PUBLIC KEY", "EC PARAMETERS"):
                continue
            if block.label == "RSA PRIVATE KEY":
                return _crypto_private(
                    serialization.load_pem_private_key,
                    block.text,
                    secret if block.encrypted_legacy else None,
                )
            if block.label in ("EC PRIVATE KEY", "SM2 PRIVATE KEY"):
                if block.encrypted_legacy:
                    raise KeyLoadError(
                        "不支持旧式PEM加密的SM2私钥，请转换为加密PKCS#8", code="key.format"
                    )
                return _from_sec1(block.der)
            if block.label == "PRIVATE KEY":
                return _from_pkcs8(block.der)
            if block.label == "ENCRYPTED PRIVATE KEY":
                plain = _decrypt_pkcs8(block.der, secret)
                if plain is not None:
                    return _from_pkcs8(plain)
                return _crypto_private(serialization.load_der_private_key, block.der, secret)
            if block.label == "PKCS12":
                return load_pkcs12(block.der, password).private_key
        raise KeyLoadError("文件中没有私钥", code="key.missing")
    except YikatongError as exc:
        raise exc.at(file=name) if name else exc from None
    except Exception:  # any parser failure on junk is a key error
        raise KeyLoadError("私钥格式错误或不受支持", code="key.format", file=name) from None


def _public_from_der(der: bytes) -> PublicKey:
    try:
        return _from_spki(der)
    except YikatongError:
        raise
    except Exception:  # noqa: S110 - not SPKI; try PKCS#1, then a certificate
        pass
    try:
        _asn1(asn1_keys.RSAPublicKey, der).native  # noqa: B018
    except Exception:
        return _certificate_from_der(der).public_key
    key = _guarded(
        serialization.load_der_public_key,
        asn1_keys.PublicKeyInfo.wrap(asn1_keys.RSAPublicKey.load(der), "rsa").dump(),
    )
    if not isinstance(key, rsa.RSAPublicKey):  # pragma: no cover - wrapped as RSA
        raise KeyLoadError("不支持的密钥类型", code="key.type")
    return key


def load_public_key(source: KeySource) -> PublicKey:
    """Load an RSA or SM2 public key: SubjectPublicKeyInfo (``PUBLIC KEY``),
    PKCS#1 (``RSA PUBLIC KEY``) or the key of an X.509 certificate; PEM or DER.

    >>> from ningxia_yikatong.signing import generate_sm2_key
    >>> pem = public_key_to_pem(generate_sm2_key().public_key())
    >>> type(load_public_key(pem)).__name__
    'Sm2PublicKey'
    """
    data, name = _read(source, "公钥")
    try:
        blocks = _pem_blocks(data)
        if blocks is None:
            return _public_from_der(data)
        for block in blocks:
            if block.label in ("PUBLIC KEY", "RSA PUBLIC KEY"):
                return _public_from_der(block.der)
            if block.label == "CERTIFICATE":
                return _certificate_from_der(block.der).public_key
        raise KeyLoadError("文件中没有公钥或证书", code="key.missing")
    except YikatongError as exc:
        raise exc.at(file=name) if name else exc from None
    except Exception:  # any parser failure on junk is a key error
        raise KeyLoadError("公钥格式错误或不受支持", code="key.format", file=name) from None


@checked(CryptoError, "signing")
def load_private_key_from_env(
    variable: str, *, password_variable: str | None = None, environ: Any = None
) -> PrivateKey:
    """Load a private key from an environment variable holding PEM text or
    Base64 DER; the password, if any, from another variable.

    Neither value is ever quoted in an error. ``environ`` replaces
    ``os.environ`` (for tests).
    """
    if environ is not None and not isinstance(environ, Mapping):
        raise argument_error(
            CryptoError,
            "signing",
            "load_private_key_from_env",
            "environ",
            expected="Mapping[str, str] | None",
            value=environ,
        )
    env = os.environ if environ is None else environ
    value = env.get(variable)
    if not value:
        raise KeyLoadError(f"环境变量 {variable} 未设置或为空", code="key.env")
    password = None
    if password_variable is not None:
        password = env.get(password_variable)
        if password is None:
            raise KeyLoadError(f"环境变量 {password_variable} 未设置", code="key.env")
    if "-----BEGIN" in value:
        # Variables set through some tools carry literal "\n" for new lines.
        return load_private_key(value.replace("\\n", "\n").encode("ascii", "replace"), password)
    try:
        der = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyLoadError(f"环境变量 {variable} 既不是PEM也不是Base64", code="key.env") from None
    return load_private_key(der, password)


# --- certificates ----------------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class Certificate:
    """An X.509 certificate (RSA or SM2 key); only what signing needs.

    ``fingerprint`` is SHA-256 of the certificate's DER; ``key_fingerprint``
    that of its public key (as for signers and verifiers).
    """

    der: bytes
    subject: str
    issuer: str
    serial_number: int
    not_before: _dt.datetime
    not_after: _dt.datetime
    public_key: PublicKey

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the certificate's DER, lowercase hex."""
        return hashlib.sha256(self.der).hexdigest()

    @property
    def key_fingerprint(self) -> str:
        """Fingerprint of the certified public key."""
        return key_fingerprint(self.public_key)

    def to_pem(self) -> bytes:
        """The certificate as PEM."""
        return _armor("CERTIFICATE", self.der)

    @checked(CryptoError, "signing")
    def check_validity(self, at: _dt.datetime | None = None) -> None:
        """Raise :class:`KeyLoadError` unless ``at`` (default: now) lies in the
        certificate's validity period."""
        moment = at or _dt.datetime.now(_dt.UTC)
        if moment.tzinfo is None:
            raise KeyLoadError("检查证书有效期需要带时区的时间", code="cert.time")
        if moment < self.not_before:
            raise KeyLoadError(
                f"证书尚未生效（生效时间 {self.not_before:%Y-%m-%d %H:%M:%S}Z）",
                code="cert.not_yet_valid",
            )
        if moment > self.not_after:
            raise KeyLoadError(
                f"证书已过期（到期时间 {self.not_after:%Y-%m-%d %H:%M:%S}Z）", code="cert.expired"
            )

    def __repr__(self) -> str:
        return f"Certificate(subject={self.subject!r}, fingerprint={self.fingerprint[:16]}…)"


def _certificate_from_der(der: bytes) -> Certificate:
    cert = _asn1(asn1_x509.Certificate, der)
    tbs = cert["tbs_certificate"]
    validity = tbs["validity"]
    public = _from_spki(tbs["subject_public_key_info"].dump())
    return Certificate(
        der=bytes(der),
        subject=str(tbs["subject"].human_friendly),
        issuer=str(tbs["issuer"].human_friendly),
        serial_number=int(tbs["serial_number"].native),
        not_before=validity["not_before"].native,
        not_after=validity["not_after"].native,
        public_key=public,
    )


def load_certificate(
    source: KeySource, *, check_validity: bool = False, at: _dt.datetime | None = None
) -> Certificate:
    """Load an X.509 certificate (PEM or DER; the first of a PEM chain).

    With ``check_validity=True`` an expired or not yet valid certificate (at
    ``at``, default now) is a :class:`KeyLoadError` (``cert.expired``,
    ``cert.not_yet_valid``).
    """
    data, name = _read(source, "证书")
    try:
        blocks = _pem_blocks(data)
        if blocks is None:
            cert = _certificate_from_der(data)
        else:
            ders = [b.der for b in blocks if b.label in ("CERTIFICATE", "X509 CERTIFICATE")]
            if not ders:
                raise KeyLoadError("文件中没有证书", code="cert.missing")
            cert = _certificate_from_der(ders[0])
        if check_validity:
            cert.check_validity(at)
        return cert
    except YikatongError as exc:
        raise exc.at(file=name) if name else exc from None
    except Exception:  # any parser failure on junk is a key error
        raise KeyLoadError("证书格式错误或不受支持", code="cert.format", file=name) from None


# --- PKCS#12 ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class Pkcs12Bundle:
    """What a PKCS#12 (.pfx/.p12) file holds: a key, its certificate, and CA
    certificates."""

    private_key: PrivateKey
    certificate: Certificate | None
    additional_certificates: tuple[Certificate, ...]

    def __repr__(self) -> str:
        key = key_fingerprint(self.private_key)[:16]
        return f"Pkcs12Bundle(key={key}…, certificate={self.certificate!r})"


def load_pkcs12(source: KeySource, password: Password) -> Pkcs12Bundle:
    """Load a PKCS#12 file with an RSA key (as banks and CAs issue them).

    A wrong password is ``key.password``; a bundle without a private key is
    ``key.missing``.
    """
    data, name = _read(source, "PKCS#12")
    secret = _password_bytes(password)
    try:
        try:
            key, cert, extra = _guarded(pkcs12.load_key_and_certificates, data, secret)
        except ValueError as exc:
            if "password" in str(exc).lower():
                raise KeyLoadError("PKCS#12 密码错误", code="key.password") from None
            raise KeyLoadError("PKCS#12 格式错误或不受支持", code="key.pkcs12") from None
        if key is None:
            raise KeyLoadError("PKCS#12 文件中没有私钥", code="key.missing")
        if not isinstance(key, rsa.RSAPrivateKey):
            raise KeyLoadError("PKCS#12 中的私钥不是RSA密钥", code="key.algorithm")
        der = serialization.Encoding.DER
        return Pkcs12Bundle(
            private_key=key,
            certificate=None if cert is None else _certificate_from_der(cert.public_bytes(der)),
            additional_certificates=tuple(
                _certificate_from_der(c.public_bytes(der)) for c in extra
            ),
        )
    except YikatongError as exc:
        raise exc.at(file=name) if name else exc from None
    except Exception:  # any parser failure on junk is a key error
        raise KeyLoadError("PKCS#12 格式错误或不受支持", code="key.pkcs12", file=name) from None


# --- writing ---------------------------------------------------------------------


def _armor(label: str, der: bytes) -> bytes:
    body = base64.b64encode(der)
    lines = b"\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    tag = label.encode("ascii")
    return b"-----BEGIN " + tag + b"-----\n" + lines + b"\n-----END " + tag + b"-----\n"


def private_key_to_pem(key: PrivateKey, password: Password = None) -> bytes:
    """PKCS#8 PEM; with ``password``, encrypted PKCS#8 (PBES2, PBKDF2-SHA256,
    AES-256-CBC) that OpenSSL reads."""
    secret = _password_bytes(password)
    if isinstance(key, Sm2PrivateKey):
        if secret is None:
            return _armor("PRIVATE KEY", key.to_der())
        return _armor("ENCRYPTED PRIVATE KEY", _encrypt_pkcs8(key.to_der(), secret))
    if isinstance(key, rsa.RSAPrivateKey):
        encryption: serialization.KeySerializationEncryption = (
            serialization.NoEncryption()
            if secret is None
            else serialization.BestAvailableEncryption(secret)
        )
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )
    raise KeyLoadError("不支持的私钥类型", code="key.type")


def public_key_to_pem(key: PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM (``PUBLIC KEY``)."""
    if isinstance(key, Sm2PublicKey):
        return _armor("PUBLIC KEY", key.to_der())
    if isinstance(key, rsa.RSAPublicKey):
        return key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    raise KeyLoadError("不支持的公钥类型", code="key.type")
