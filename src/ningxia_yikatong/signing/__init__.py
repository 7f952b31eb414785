"""Signing, keys and sealed files (签名、密钥与数字信封).

Every bank adapter takes its signing and encryption from here.

Schemes, each a :class:`Signer` / :class:`Verifier` pair:

========================  ==============================  =====================
``algorithm``             signer / verifier               backed by
========================  ==============================  =====================
``SM2-SM3``               :class:`Sm2Signer`,             GmSSL (gmssl-pyx)
                          :class:`Sm2Verifier`
``RSA-SHA256``            :class:`RsaSigner`,             cryptography
                          :class:`RsaVerifier`
``RSA-SHA1``              ``RsaVerifier(digest="sha1",    cryptography
                          allow_sha1=True)``, verify only
``HMAC-SM3``,             :class:`HmacSigner`,            cryptography
``HMAC-SHA256``           :class:`HmacVerifier`
========================  ==============================  =====================

How an adapter uses them: ``signer.sign(data) -> bytes`` and
``verifier.verify(data, signature)``, which returns ``None`` or raises
:class:`~ningxia_yikatong.errors.SignatureError`, nothing else. Every concrete
signer has ``verifier()``, a verifier for its own signatures (the bank
simulator uses it), and, for public-key schemes, ``public_key()``.
``key_fingerprint`` is SHA-256 of the public key's DER SubjectPublicKeyInfo
(64 hex characters): it is the same on the signer, on its verifier, on
:func:`key_fingerprint` of either key and on a :class:`Certificate` of it, and
stable across processes. For HMAC it is SHA-256 of a fixed label and the key.

>>> key = generate_sm2_key()
>>> signer = Sm2Signer(key)
>>> sig = signer.sign(b"batch 2026-001")
>>> verifier = Sm2Verifier(load_public_key(public_key_to_pem(key.public_key())))
>>> verifier.verify(b"batch 2026-001", sig)
>>> verifier.key_fingerprint == signer.key_fingerprint == key_fingerprint(key)
True
>>> verifier.verify(b"batch 2026-002", sig)
Traceback (most recent call last):
...
ningxia_yikatong.errors.SignatureError: SM2签名验证失败...[signature.mismatch]

:func:`signer_for` and :func:`verifier_for` pick the scheme from a key's type
(for keys loaded from configuration); :func:`generate_signer` makes a signer
with a fresh key for a scheme name (tests, simulations). Keys:
:func:`load_private_key`, :func:`load_public_key`,
:func:`load_certificate`, :func:`load_pkcs12`, :func:`load_private_key_from_env`
(PEM or DER, RSA and SM2), :func:`generate_sm2_key`, :func:`generate_rsa_key`.
Files in transit: :func:`seal` / :func:`open_sealed`. Digests:
:func:`file_digest`. XML: :func:`sign_xml` / :func:`verify_xml`. Base64 text of
signatures: :func:`sign_base64` / :func:`verify_base64`, read back with the one
strict decoder :func:`b64decode_canonical`.
"""

from __future__ import annotations

from ._base64 import b64decode_canonical
from ._digest import DigestAlgorithm, digest, file_digest
from ._factory import generate_signer, signer_for, verifier_for
from ._hmac import HmacSigner, HmacVerifier
from ._keys import (
    Certificate,
    Pkcs12Bundle,
    PrivateKey,
    PublicKey,
    key_fingerprint,
    load_certificate,
    load_pkcs12,
    load_private_key,
    load_private_key_from_env,
    load_public_key,
    private_key_to_pem,
    public_key_to_pem,
)
from ._protocols import Signer, Verifier
from ._rsa import RsaSigner, RsaVerifier, generate_rsa_key
from ._seal import SealedHeader, open_sealed, read_sealed_header, seal
from ._sm2 import (
    DEFAULT_SIGNER_ID,
    Sm2PrivateKey,
    Sm2PublicKey,
    Sm2Signer,
    Sm2Verifier,
    generate_sm2_key,
)
from ._util import native_stderr_silenced, sign_base64, verify_base64
from ._xmldsig import XMLDSIG_ALGORITHM, safe_xml_parser, sign_xml, verify_xml

__all__ = [
    "DEFAULT_SIGNER_ID",
    "XMLDSIG_ALGORITHM",
    "Certificate",
    "DigestAlgorithm",
    "HmacSigner",
    "HmacVerifier",
    "Pkcs12Bundle",
    "PrivateKey",
    "PublicKey",
    "RsaSigner",
    "RsaVerifier",
    "SealedHeader",
    "Signer",
    "Sm2PrivateKey",
    "Sm2PublicKey",
    "Sm2Signer",
    "Sm2Verifier",
    "Verifier",
    "b64decode_canonical",
    "digest",
    "file_digest",
    "generate_rsa_key",
    "generate_signer",
    "generate_sm2_key",
    "key_fingerprint",
    "load_certificate",
    "load_pkcs12",
    "load_private_key",
    "load_private_key_from_env",
    "load_public_key",
    "native_stderr_silenced",
    "open_sealed",
    "private_key_to_pem",
    "public_key_to_pem",
    "read_sealed_header",
    "safe_xml_parser",
    "seal",
    "sign_base64",
    "sign_xml",
    "signer_for",
    "verifier_for",
    "verify_base64",
    "verify_xml",
]
