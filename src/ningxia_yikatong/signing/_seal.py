"""Sealed files (数字信封) for data in transit to or from a bank.

A fresh random content key encrypts the data with an AEAD cipher, and the
recipient's public key encrypts (wraps) the content key:

* SM2 recipient: SM4-GCM content encryption, content key wrapped with SM2
  public-key encryption (GM/T 0009, ``C1C3C2`` ASN.1 DER, by GmSSL);
* RSA recipient: AES-256-GCM, content key wrapped with RSA-OAEP (SHA-256,
  MGF1-SHA-256).

Layout of a sealed blob (all integers big-endian)::

    magic      8 bytes   b"YKTSEAL" + version 0x01
    scheme     1 byte    0x01 SM2 + SM4-GCM, 0x02 RSA-OAEP + AES-256-GCM
    recipient 32 bytes   SHA-256 of the recipient's SubjectPublicKeyInfo
    length     2 bytes   length of the wrapped key
    wrapped    n bytes   the wrapped content key
    nonce     12 bytes
    payload              ciphertext, then the 16-byte GCM tag

Everything before the payload is authenticated as associated data, so any
change anywhere (header, wrapped key, nonce, ciphertext or tag) makes
:func:`open_sealed` fail with :class:`~ningxia_yikatong.errors.SealError`.
Opening holds the whole file in memory; sealing can also take the data in
pieces (:func:`seal_chunks`), so that no whole copy of the plaintext or the
ciphertext need exist.

>>> from ningxia_yikatong.signing import generate_sm2_key
>>> key = generate_sm2_key()
>>> blob = seal(b"roster", key.public_key())
>>> open_sealed(blob, key)
b'roster'
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import AEADEncryptionContext, Cipher, algorithms, modes

from .._arguments import checked
from ..errors import CryptoError, SealError
from ._keys import Certificate, PrivateKey, PublicKey, key_fingerprint
from ._sm2 import Sm2PrivateKey, Sm2PublicKey, sm2_unwrap_key, sm2_wrap_key

__all__ = ["SealedHeader", "open_sealed", "read_sealed_header", "seal", "seal_chunks"]

MAGIC: Final = b"YKTSEAL\x01"
SCHEME_SM2_SM4GCM: Final = 0x01
SCHEME_RSA_AESGCM: Final = 0x02
_SCHEME_NAMES: Final = {SCHEME_SM2_SM4GCM: "SM2+SM4-GCM", SCHEME_RSA_AESGCM: "RSA-OAEP+AES-256-GCM"}
_NONCE: Final = 12
_TAG: Final = 16


def _oaep() -> padding.OAEP:
    return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def _cipher(scheme: int, key: bytes, nonce: bytes, tag: bytes | None = None) -> Cipher[modes.GCM]:
    algorithm = algorithms.SM4(key) if scheme == SCHEME_SM2_SM4GCM else algorithms.AES(key)
    return Cipher(algorithm, modes.GCM(nonce, tag))


def _begin(recipient: PublicKey | Certificate) -> tuple[bytes, AEADEncryptionContext]:
    """A fresh content key for ``recipient``: the header and the GCM encryptor,
    the header already authenticated."""
    public = recipient.public_key if isinstance(recipient, Certificate) else recipient
    if isinstance(public, Sm2PublicKey):
        scheme = SCHEME_SM2_SM4GCM
        content_key = secrets.token_bytes(16)
        wrapped = sm2_wrap_key(public, content_key)
    elif isinstance(public, rsa.RSAPublicKey):
        if public.key_size < 2048:
            raise SealError("RSA接收方公钥至少需要2048位", code="seal.key_size")
        scheme = SCHEME_RSA_AESGCM
        content_key = secrets.token_bytes(32)
        wrapped = public.encrypt(content_key, _oaep())
    else:
        raise SealError("数字信封的接收方必须是SM2或RSA公钥", code="seal.key_type")
    nonce = secrets.token_bytes(_NONCE)
    header = (
        MAGIC
        + bytes([scheme])
        + bytes.fromhex(key_fingerprint(public))
        + len(wrapped).to_bytes(2, "big")
        + wrapped
        + nonce
    )
    encryptor = _cipher(scheme, content_key, nonce).encryptor()
    encryptor.authenticate_additional_data(header)
    return header, encryptor


@checked(CryptoError, "signing")
def seal(data: bytes, recipient: PublicKey | Certificate) -> bytes:
    """Encrypt ``data`` for the holder of ``recipient``'s private key."""
    header, encryptor = _begin(recipient)
    # Encrypt straight into the output buffer: one copy of the data, not three.
    out = bytearray(len(header) + len(data) + _TAG)
    out[: len(header)] = header
    view = memoryview(out)
    written = encryptor.update_into(data, view[len(header) :])
    encryptor.finalize()
    end = len(header) + written
    out[end : end + _TAG] = encryptor.tag
    return bytes(view[: end + _TAG])


def seal_chunks(chunks: Iterable[bytes], recipient: PublicKey | Certificate) -> Iterator[bytes]:
    """:func:`seal` of the concatenation of ``chunks``, produced piece by piece
    (header, ciphertext of each chunk, tag): the same layout, so that
    ``b"".join(seal_chunks(...))`` opens with :func:`open_sealed`, and neither
    the whole plaintext nor the whole ciphertext need be held at once.

    The key is drawn (and wrapped) when the first piece is asked for.
    """
    header, encryptor = _begin(recipient)
    yield header
    for chunk in chunks:
        out = encryptor.update(chunk)
        if out:
            yield out
    rest = encryptor.finalize()
    if rest:
        yield rest
    yield encryptor.tag


@dataclass(frozen=True, slots=True)
class SealedHeader:
    """The clear part of a sealed blob: scheme and intended recipient."""

    scheme: str
    recipient_fingerprint: str
    header_length: int
    wrapped_key: bytes
    nonce: bytes
    scheme_id: int


def read_sealed_header(blob: bytes) -> SealedHeader:
    """Parse the header of a sealed blob (nothing is authenticated yet)."""
    if not isinstance(blob, bytes | bytearray):
        raise SealError("数字信封必须是字节串", code="seal.format")
    if len(blob) < len(MAGIC) + 1 + 32 + 2 or not bytes(blob).startswith(MAGIC):
        if bytes(blob[:7]) == MAGIC[:7]:
            raise SealError("数字信封版本不受支持或内容不完整", code="seal.version")
        raise SealError("不是本系统的数字信封文件", code="seal.format")
    pos = len(MAGIC)
    scheme = blob[pos]
    if scheme not in _SCHEME_NAMES:
        raise SealError("数字信封的加密方案未知", code="seal.scheme")
    fingerprint = bytes(blob[pos + 1 : pos + 33]).hex()
    pos += 33
    length = int.from_bytes(blob[pos : pos + 2], "big")
    pos += 2
    wrapped = bytes(blob[pos : pos + length])
    pos += length
    nonce = bytes(blob[pos : pos + _NONCE])
    pos += _NONCE
    if len(wrapped) != length or len(nonce) != _NONCE or len(blob) < pos + _TAG:
        raise SealError("数字信封内容不完整（文件被截断）", code="seal.truncated")
    return SealedHeader(_SCHEME_NAMES[scheme], fingerprint, pos, wrapped, nonce, scheme)


def open_sealed(blob: bytes, private_key: PrivateKey) -> bytes:
    """Decrypt and authenticate what :func:`seal` made for ``private_key``'s
    public key. Any change to the blob, or another key, is a :class:`SealError`."""
    header = read_sealed_header(blob)
    if header.scheme_id == SCHEME_SM2_SM4GCM and not isinstance(private_key, Sm2PrivateKey):
        raise SealError("此数字信封需要SM2私钥打开", code="seal.key_type")
    if header.scheme_id == SCHEME_RSA_AESGCM and not isinstance(private_key, rsa.RSAPrivateKey):
        raise SealError("此数字信封需要RSA私钥打开", code="seal.key_type")
    if header.recipient_fingerprint != key_fingerprint(private_key):
        raise SealError("此数字信封不是发给该私钥的（接收方公钥指纹不符）", code="seal.recipient")
    if isinstance(private_key, Sm2PrivateKey):
        content_key = sm2_unwrap_key(private_key, header.wrapped_key)
        expected = 16
    else:
        try:
            content_key = private_key.decrypt(header.wrapped_key, _oaep())
        except ValueError:
            raise SealError("无法解开数字信封：私钥不符或信封已被改动", code="seal.key") from None
        expected = 32
    if len(content_key) != expected:
        raise SealError("数字信封中的内容密钥长度错误", code="seal.key")
    view = memoryview(blob)
    tag = bytes(view[len(blob) - _TAG :])
    decryptor = _cipher(header.scheme_id, content_key, header.nonce, tag).decryptor()
    decryptor.authenticate_additional_data(view[: header.header_length])
    plain = decryptor.update(view[header.header_length : len(blob) - _TAG])
    try:
        decryptor.finalize()
    except InvalidTag:
        raise SealError("数字信封认证失败：内容已被改动", code="seal.tampered") from None
    return plain
