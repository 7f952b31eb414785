"""RSA signatures, PKCS#1 v1.5 (cryptography): RSA-SHA256 ("RSA2" at open-API
banks) for signing and verifying, SHA1withRSA for verifying old bank returns
only, and only when explicitly enabled."""

from __future__ import annotations

from typing import Final, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .._arguments import checked
from ..errors import CryptoError, KeyLoadError, SignatureError
from ._util import spki_fingerprint

__all__ = [
    "MIN_RSA_BITS",
    "MIN_RSA_VERIFY_BITS",
    "RsaSigner",
    "RsaVerifier",
    "generate_rsa_key",
    "rsa_fingerprint",
]

#: Smallest modulus this library signs with or generates.
MIN_RSA_BITS: Final = 2048
#: Smallest modulus accepted for verification (old bank keys are 1024 bits).
MIN_RSA_VERIFY_BITS: Final = 1024


def rsa_fingerprint(key: rsa.RSAPublicKey) -> str:
    """SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex."""
    spki = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return spki_fingerprint(spki)


def generate_rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    """A new RSA key (public exponent 65537); ``bits`` at least 2048."""
    if not isinstance(bits, int) or bits < MIN_RSA_BITS or bits > 16384:
        raise CryptoError(f"RSA密钥长度应在{MIN_RSA_BITS}至16384位之间", code="key.rsa.size")
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


class RsaSigner:
    """RSA-SHA256 signatures, PKCS#1 v1.5.

    >>> signer = RsaSigner(generate_rsa_key())
    >>> sig = signer.sign(b"payment file")
    >>> len(sig), signer.algorithm
    (256, 'RSA-SHA256')
    >>> signer.verifier().verify(b"payment file", sig)
    """

    algorithm: Final = "RSA-SHA256"

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise KeyLoadError("RSA签名需要RSA私钥", code="key.type")
        if private_key.key_size < MIN_RSA_BITS:
            raise KeyLoadError(
                f"RSA签名密钥至少需要{MIN_RSA_BITS}位，此密钥为{private_key.key_size}位",
                code="key.rsa.size",
            )
        self._key = private_key
        self._fingerprint = rsa_fingerprint(private_key.public_key())

    @property
    def key_fingerprint(self) -> str:
        """Fingerprint of the public key."""
        return self._fingerprint

    def public_key(self) -> rsa.RSAPublicKey:
        """The public key a bank needs to check these signatures."""
        return self._key.public_key()

    def verifier(self) -> RsaVerifier:
        """A verifier for this signer's signatures."""
        return RsaVerifier(self._key.public_key())

    @checked(CryptoError, "signing")
    def sign(self, data: bytes) -> bytes:
        """PKCS#1 v1.5 signature over SHA-256 of ``data``."""
        return self._key.sign(bytes(data), padding.PKCS1v15(), hashes.SHA256())

    def __repr__(self) -> str:
        return f"RsaSigner(fingerprint={self._fingerprint[:16]}…)"


class RsaVerifier:
    """Checks RSA PKCS#1 v1.5 signatures; any failure is a :class:`SignatureError`.

    ``digest="sha1"`` (SHA1withRSA, for old bank returns) needs
    ``allow_sha1=True`` as well: SHA-1 is broken for collisions and accepting it
    must be a visible decision.
    """

    def __init__(
        self,
        public_key: rsa.RSAPublicKey,
        *,
        digest: Literal["sha256", "sha1"] = "sha256",
        allow_sha1: bool = False,
    ) -> None:
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise KeyLoadError("RSA验签需要RSA公钥", code="key.type")
        if public_key.key_size < MIN_RSA_VERIFY_BITS:
            raise KeyLoadError(f"RSA验签密钥至少需要{MIN_RSA_VERIFY_BITS}位", code="key.rsa.size")
        self._hash: hashes.HashAlgorithm
        if digest == "sha256":
            self._hash = hashes.SHA256()
        elif digest == "sha1":
            if allow_sha1 is not True:
                raise CryptoError(
                    "SHA1withRSA 已停用，仅在明确启用（allow_sha1=True）时可用于验签",
                    code="signature.sha1_disabled",
                )
            self._hash = hashes.SHA1()  # noqa: S303 - verification of old returns, opt-in
        else:
            raise CryptoError("RSA摘要算法只能是 sha256 或 sha1", code="signature.digest")
        self._key = public_key
        self._fingerprint = rsa_fingerprint(public_key)
        self.algorithm: Final = "RSA-SHA256" if digest == "sha256" else "RSA-SHA1"

    @property
    def key_fingerprint(self) -> str:
        """Fingerprint of the public key."""
        return self._fingerprint

    @property
    def signature_size(self) -> int:
        """The length in bytes of every signature under this key (the modulus')."""
        return (self._key.key_size + 7) // 8

    def verify(self, data: bytes, signature: bytes) -> None:
        """Return if valid; raise :class:`SignatureError` otherwise."""
        if not isinstance(signature, bytes | bytearray) or not isinstance(
            data, bytes | bytearray | memoryview
        ):
            raise SignatureError("数据和签名必须是字节串", code="signature.type")
        if len(signature) != self.signature_size:
            raise SignatureError("RSA签名长度与密钥不符", code="signature.format")
        try:
            self._key.verify(bytes(signature), bytes(data), padding.PKCS1v15(), self._hash)
        except InvalidSignature:
            raise SignatureError(
                "RSA签名验证失败（数据被改动或密钥不符）", code="signature.mismatch"
            ) from None

    def __repr__(self) -> str:
        return f"RsaVerifier({self.algorithm}, fingerprint={self._fingerprint[:16]}…)"
