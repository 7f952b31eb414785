"""SM2 with SM3 (GB/T 32918, GM/T 0003 and GM/T 0009): keys, signatures, encryption.

The signing and encryption arithmetic runs in GmSSL's C code through the
``gmssl-pyx`` binding, which draws the nonce ``k`` from the system's random
source; no API here lets a caller supply it. Python code only parses and checks
encodings and derives a public key from a private one when a key file lacks it.

The signer ID (签名者标识) goes into the Z value hashed before the message. Both
ends must use the same ID; the usual one is ``1234567812345678``
(:data:`DEFAULT_SIGNER_ID`). OpenSSL 3's command line uses an empty ID unless
given ``-pkeyopt distid:1234567812345678``.
"""

from __future__ import annotations

import hmac
from typing import Final, Literal

import gmssl_pyx

from .._arguments import checked
from ..errors import CryptoError, KeyLoadError, SealError, SignatureError
from ._util import (
    decode_der_signature,
    encode_der_signature,
    native_stderr_silenced,
    spki_fingerprint,
)

__all__ = [
    "DEFAULT_SIGNER_ID",
    "SM2_CURVE_OID",
    "Sm2PrivateKey",
    "Sm2PublicKey",
    "Sm2Signer",
    "Sm2Verifier",
    "generate_sm2_key",
]

#: The signer ID that GB/T 35276 and GM/T 0009 name as the default.
DEFAULT_SIGNER_ID: Final = b"1234567812345678"
#: Object identifier of the SM2 curve (sm2p256v1).
SM2_CURVE_OID: Final = "1.2.156.10197.1.301"

# Curve parameters, GB/T 32918.5 (sm2p256v1).
_P: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
_A: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
_B: Final = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
_N: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
_GX: Final = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
_GY: Final = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

# Fixed DER prefixes: SubjectPublicKeyInfo and PKCS#8 PrivateKeyInfo for an SM2
# key, laid out exactly as OpenSSL 3 writes them (id-ecPublicKey, curve SM2).
_SPKI_PREFIX: Final = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d03420004")
_PKCS8_PREFIX: Final = bytes.fromhex(
    "308187020100301306072a8648ce3d020106082a811ccf5501822d046d306b0201010420"
)
_PKCS8_MIDDLE: Final = bytes.fromhex("a14403420004")

_Point = tuple[int, int, int]  # Jacobian coordinates; Z == 0 is the point at infinity
_INFINITY: Final[_Point] = (1, 1, 0)


def _double(p: _Point) -> _Point:
    x, y, z = p
    if z == 0 or y == 0:
        return _INFINITY
    yy = y * y % _P
    s = 4 * x * yy % _P
    zz = z * z % _P
    m = (3 * x * x + _A * zz * zz) % _P
    x3 = (m * m - 2 * s) % _P
    y3 = (m * (s - x3) - 8 * yy * yy) % _P
    z3 = 2 * y * z % _P
    return (x3, y3, z3)


def _add(p: _Point, q: _Point) -> _Point:
    if p[2] == 0:
        return q
    if q[2] == 0:
        return p
    x1, y1, z1 = p
    x2, y2, z2 = q
    z1z1 = z1 * z1 % _P
    z2z2 = z2 * z2 % _P
    u1 = x1 * z2z2 % _P
    u2 = x2 * z1z1 % _P
    s1 = y1 * z2 * z2z2 % _P
    s2 = y2 * z1 * z1z1 % _P
    if u1 == u2:
        return _double(p) if s1 == s2 else _INFINITY
    h = (u2 - u1) % _P
    r = (s2 - s1) % _P
    hh = h * h % _P
    hhh = h * hh % _P
    v = u1 * hh % _P
    x3 = (r * r - hhh - 2 * v) % _P
    y3 = (r * (v - x3) - s1 * hhh) % _P
    z3 = h * z1 * z2 % _P
    return (x3, y3, z3)


def _base_multiply(k: int) -> tuple[int, int]:
    """``k * G`` in affine coordinates, by a Montgomery ladder over all 256 bits.

    Used only to derive a public key when a key file omits it; Python integers
    are not constant-time, which is acceptable for a one-off at load time.
    """
    r0: _Point = _INFINITY
    r1: _Point = (_GX, _GY, 1)
    for i in reversed(range(256)):
        if (k >> i) & 1:
            r0, r1 = _add(r0, r1), _double(r1)
        else:
            r0, r1 = _double(r0), _add(r0, r1)
    x, y, z = r0
    zinv = pow(z, -1, _P)
    zinv2 = zinv * zinv % _P
    return x * zinv2 % _P, y * zinv2 * zinv % _P


def _on_curve(x: int, y: int) -> bool:
    return 0 <= x < _P and 0 <= y < _P and (y * y - (x * x * x + _A * x + _B)) % _P == 0


class Sm2PublicKey:
    """An SM2 public key: a point on the SM2 curve, checked on construction.

    >>> key = generate_sm2_key().public_key()
    >>> len(key.xy), key.to_der()[:4].hex()
    (64, '30593013')
    """

    __slots__ = ("_fingerprint", "_xy")

    def __init__(self, point: bytes) -> None:
        """``point``: uncompressed ``04 || X || Y`` (65 bytes) or ``X || Y`` (64)."""
        if not isinstance(point, bytes | bytearray):
            raise KeyLoadError("SM2公钥必须是字节串", code="key.sm2.public")
        raw = bytes(point)
        if len(raw) == 65 and raw[0] == 4:
            raw = raw[1:]
        if len(raw) != 64:
            raise KeyLoadError("SM2公钥长度错误（应为未压缩的64或65字节）", code="key.sm2.public")
        x, y = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        if not _on_curve(x, y):
            raise KeyLoadError("SM2公钥不在SM2曲线上", code="key.sm2.public")
        self._xy = raw
        self._fingerprint = spki_fingerprint(_SPKI_PREFIX + raw)

    @property
    def xy(self) -> bytes:
        """``X || Y``, 64 bytes (the form GmSSL takes)."""
        return self._xy

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex."""
        return self._fingerprint

    def to_der(self) -> bytes:
        """DER SubjectPublicKeyInfo (id-ecPublicKey with the SM2 curve)."""
        return _SPKI_PREFIX + self._xy

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sm2PublicKey) and other._xy == self._xy

    def __hash__(self) -> int:
        return hash(self._xy)

    def __repr__(self) -> str:
        return f"Sm2PublicKey(fingerprint={self._fingerprint[:16]}…)"


class Sm2PrivateKey:
    """An SM2 private key. Its value never appears in ``repr`` or messages.

    >>> key = generate_sm2_key()
    >>> repr(key).startswith("Sm2PrivateKey(fingerprint=")
    True
    """

    __slots__ = ("_d", "_public")

    def __init__(self, scalar: bytes, public: Sm2PublicKey | None = None) -> None:
        """``scalar``: the 32-byte big-endian private value ``d``, 1 <= d <= n-2.

        When ``public`` is given (as key files usually carry it) it must match
        ``d``; otherwise it is derived.
        """
        if not isinstance(scalar, bytes | bytearray) or len(scalar) != 32:
            raise KeyLoadError("SM2私钥长度错误（应为32字节）", code="key.sm2.private")
        d = int.from_bytes(scalar, "big")
        if not 1 <= d <= _N - 2:
            raise KeyLoadError("SM2私钥数值超出范围", code="key.sm2.private")
        x, y = _base_multiply(d)
        derived = Sm2PublicKey(x.to_bytes(32, "big") + y.to_bytes(32, "big"))
        if public is not None and public != derived:
            raise KeyLoadError("SM2私钥与其中的公钥不匹配", code="key.sm2.mismatch")
        self._d = bytes(scalar)
        self._public = derived

    @classmethod
    def _trusted(cls, scalar: bytes, public_xy: bytes) -> Sm2PrivateKey:
        # A pair straight from GmSSL's key generation: skip the derivation.
        key = cls.__new__(cls)
        key._d = scalar
        key._public = Sm2PublicKey(public_xy)
        return key

    def public_key(self) -> Sm2PublicKey:
        """The matching public key."""
        return self._public

    @property
    def fingerprint(self) -> str:
        """Fingerprint of the public key (the private value is never hashed)."""
        return self._public.fingerprint

    def private_bytes_raw(self) -> bytes:
        """The 32-byte private value ``d``; handle with care."""
        return self._d

    def to_der(self) -> bytes:
        """Unencrypted PKCS#8 DER, laid out as OpenSSL 3 writes it."""
        return _PKCS8_PREFIX + self._d + _PKCS8_MIDDLE + self._public.xy

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sm2PrivateKey) and hmac.compare_digest(self._d, other._d)

    def __hash__(self) -> int:
        return hash(self._public)

    def __repr__(self) -> str:
        return f"Sm2PrivateKey(fingerprint={self.fingerprint[:16]}…)"

    def __getstate__(self) -> None:
        raise TypeError("Sm2PrivateKey cannot be pickled; store it as encrypted PKCS#8")


def generate_sm2_key() -> Sm2PrivateKey:
    """A new SM2 key pair from GmSSL's random source."""
    with native_stderr_silenced():
        public, private = gmssl_pyx.sm2_key_generate()
    return Sm2PrivateKey._trusted(private, public)


SignatureEncoding = Literal["der", "raw"]


def _check_signer_id(signer_id: bytes) -> bytes:
    if not isinstance(signer_id, bytes) or not 1 <= len(signer_id) <= 8191:
        raise SignatureError("SM2签名者标识必须是1至8191字节的字节串", code="signature.signer_id")
    return signer_id


def _check_encoding(encoding: str) -> SignatureEncoding:
    if encoding == "der":
        return "der"
    if encoding == "raw":
        return "raw"
    raise SignatureError("签名编码只能是 der 或 raw", code="signature.encoding")


class Sm2Signer:
    """SM2 signatures with SM3 over the Z value of ``signer_id``.

    ``encoding="der"`` (default) gives ``SEQUENCE { r, s }``; ``"raw"`` gives
    ``r || s``, 64 bytes, as some banks want.

    >>> signer = Sm2Signer(generate_sm2_key())
    >>> sig = signer.sign(b"payment file")
    >>> signer.verifier().verify(b"payment file", sig)
    >>> signer.algorithm
    'SM2-SM3'
    """

    algorithm: Final = "SM2-SM3"

    def __init__(
        self,
        private_key: Sm2PrivateKey,
        *,
        signer_id: bytes = DEFAULT_SIGNER_ID,
        encoding: SignatureEncoding = "der",
    ) -> None:
        if not isinstance(private_key, Sm2PrivateKey):
            raise KeyLoadError("SM2签名需要SM2私钥", code="key.type")
        self._key = private_key
        self._signer_id = _check_signer_id(signer_id)
        self._encoding = _check_encoding(encoding)

    @property
    def key_fingerprint(self) -> str:
        """Fingerprint of the public key."""
        return self._key.fingerprint

    @property
    def signer_id(self) -> bytes:
        """The signer ID hashed into Z."""
        return self._signer_id

    def public_key(self) -> Sm2PublicKey:
        """The public key a bank needs to check these signatures."""
        return self._key.public_key()

    def verifier(self) -> Sm2Verifier:
        """A verifier for this signer's signatures (same ID and encoding)."""
        return Sm2Verifier(self.public_key(), signer_id=self._signer_id, encoding=self._encoding)

    @checked(CryptoError, "signing")
    def sign(self, data: bytes) -> bytes:
        """Sign ``data``; a fresh random nonce each time."""
        with native_stderr_silenced():
            der: bytes = gmssl_pyx.sm2_sign(
                self._key.private_bytes_raw(),
                self._key.public_key().xy,
                bytes(data),
                self._signer_id,
            )
        if self._encoding == "der":
            return der
        r, s = decode_der_signature(der, _N)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def __repr__(self) -> str:
        return f"Sm2Signer(fingerprint={self.key_fingerprint[:16]}…, encoding={self._encoding!r})"


class Sm2Verifier:
    """Checks SM2-SM3 signatures; any failure is a :class:`SignatureError`.

    The signature is parsed strictly (DER or raw, as configured) before GmSSL
    sees it, so malformed input never reaches C code. GmSSL's trace of a
    well-formed but wrong signature is kept off standard error (see
    :func:`native_stderr_silenced`).
    """

    algorithm: Final = "SM2-SM3"

    def __init__(
        self,
        public_key: Sm2PublicKey,
        *,
        signer_id: bytes = DEFAULT_SIGNER_ID,
        encoding: SignatureEncoding = "der",
    ) -> None:
        if not isinstance(public_key, Sm2PublicKey):
            raise KeyLoadError("SM2验签需要SM2公钥", code="key.type")
        self._key = public_key
        self._signer_id = _check_signer_id(signer_id)
        self._encoding = _check_encoding(encoding)

    @property
    def key_fingerprint(self) -> str:
        """Fingerprint of the public key."""
        return self._key.fingerprint

    @property
    def signer_id(self) -> bytes:
        """The signer ID hashed into Z."""
        return self._signer_id

    @property
    def encoding(self) -> SignatureEncoding:
        """``"der"`` or ``"raw"`` (``r || s``, 64 bytes)."""
        return self._encoding

    def verify(self, data: bytes, signature: bytes) -> None:
        """Return if valid; raise :class:`SignatureError` otherwise."""
        if not isinstance(signature, bytes | bytearray) or not isinstance(
            data, bytes | bytearray | memoryview
        ):
            raise SignatureError("数据和签名必须是字节串", code="signature.type")
        signature = bytes(signature)
        if self._encoding == "raw":
            if len(signature) != 64:
                raise SignatureError("SM2签名应为64字节（r||s）", code="signature.format")
            r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            if not (0 < r < _N and 0 < s < _N):
                raise SignatureError("签名数值超出范围", code="signature.format")
            der = encode_der_signature(r, s)
        else:
            decode_der_signature(signature, _N)
            der = signature
        try:
            with native_stderr_silenced():
                ok = gmssl_pyx.sm2_verify(self._key.xy, bytes(data), der, self._signer_id)
        except gmssl_pyx.GmsslInnerError:
            ok = False
        if ok is not True:
            raise SignatureError(
                "SM2签名验证失败（数据被改动、密钥不符或签名者标识不符）", code="signature.mismatch"
            )

    def __repr__(self) -> str:
        return f"Sm2Verifier(fingerprint={self.key_fingerprint[:16]}…, encoding={self._encoding!r})"


def sm2_wrap_key(public_key: Sm2PublicKey, content_key: bytes) -> bytes:
    """SM2-encrypt a short content key (GM/T 0009 ``C1C3C2`` ASN.1 DER)."""
    try:
        with native_stderr_silenced():
            wrapped: bytes = gmssl_pyx.sm2_encrypt(public_key.xy, content_key)
    except gmssl_pyx.GmsslInnerError:
        raise SealError("SM2加密内容密钥失败", code="seal.wrap") from None
    return wrapped


def sm2_unwrap_key(private_key: Sm2PrivateKey, wrapped: bytes) -> bytes:
    """Decrypt what :func:`sm2_wrap_key` made; any failure is a :class:`SealError`."""
    if not 45 <= len(wrapped) <= 366 or wrapped[:1] != b"\x30":
        raise SealError("数字信封中的SM2密文格式错误", code="seal.format")
    try:
        with native_stderr_silenced():
            key: bytes = gmssl_pyx.sm2_decrypt(private_key.private_bytes_raw(), wrapped)
    except gmssl_pyx.GmsslInnerError:
        raise SealError("无法解开数字信封：私钥不符或信封已被改动", code="seal.key") from None
    return key
