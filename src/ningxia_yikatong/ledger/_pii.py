"""Personal data at rest (个人信息落库保护): keyed digests and SM4-GCM ciphertexts.

The ledger never stores an ID number (身份证号), an account number (账号) or a
phone number (手机号) in clear. Each is kept twice:

* a keyed digest (HMAC-SM3, 带密钥摘要) for matching and uniqueness: the same
  value of the same kind always gives the same 64 hex characters under one
  deployment's data key, and nothing without the key;
* an SM4-GCM ciphertext (密文) for what must be read back, bound to its kind and
  to the key id, so that a blob cannot be moved to another column or read with
  another key.

The deployment's data key (数据密钥) is 32 random bytes that the embedding system
holds (a file or an environment variable); two subkeys are derived from it with
HMAC-SM3 over fixed labels, one for digests and one for encryption, so neither
use can leak into the other. :attr:`DataKey.key_id` is a one-way id of the key,
safe to store beside the data so that a wrong key is recognised at once.

>>> key = DataKey.generate()
>>> cipher = PiiCipher(key)
>>> blob = cipher.encrypt("phone", "13912345678")
>>> cipher.decrypt("phone", blob)
'13912345678'
>>> cipher.digest("phone", "13912345678") == cipher.digest("phone", "13912345678")
True
>>> repr(cipher) == f"PiiCipher(key_id={key.key_id})"
True

A blob is ``version (1 byte) || key id (8 bytes) || nonce (12 bytes) ||
ciphertext || tag (16 bytes)``; its additional authenticated data is a fixed
label, the version, the key id and the kind.

Speed: SM4-GCM and HMAC-SM3 run as one-shot calls into GmSSL (``gmssl_pyx``,
the same library that signs with SM2), which gives byte-for-byte the blobs and
digests of OpenSSL's SM4-GCM and HMAC-SM3 (a test holds both to each other);
only an empty text, which GmSSL refuses, goes through OpenSSL
(``cryptography``). :meth:`PiiCipher.encrypt_many` and
:meth:`PiiCipher.digest_many` do a whole column at once, with one draw from
the random source for all the nonces; :meth:`PiiCipher.decrypt_many` opens a
column (the blobs of the current key straight through GmSSL, any other
through :meth:`PiiCipher.decrypt` and its errors).
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final, Literal

import gmssl_pyx
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ..errors import CryptoError, KeyLoadError
from ..signing import HmacSigner, b64decode_canonical

__all__ = [
    "BLOB_VERSION",
    "DATA_KEY_BYTES",
    "PII_KINDS",
    "DataKey",
    "PiiCipher",
    "PiiKind",
]

#: Length of a deployment's data key.
DATA_KEY_BYTES: Final = 32
#: First byte of every ciphertext blob.
BLOB_VERSION: Final = 1

PiiKind = Literal["id_number", "account", "phone", "name"]
#: The kinds of personal data the ledger protects; a kind is bound into every
#: digest and ciphertext, so the same text of two kinds never matches.
PII_KINDS: Final = frozenset({"id_number", "account", "phone", "name"})

_KEY_ID_BYTES: Final = 8
_NONCE_BYTES: Final = 12
_TAG_BYTES: Final = 16
_HEADER_BYTES: Final = 1 + _KEY_ID_BYTES + _NONCE_BYTES
_MIN_BLOB: Final = _HEADER_BYTES + _TAG_BYTES
_MAX_KEY_FILE: Final = 256

_LABEL_KEY_ID: Final = b"ningxia_yikatong/ledger/key-id/v1"
_LABEL_DIGEST: Final = b"ningxia_yikatong/ledger/pii-digest/v1"
_LABEL_ENCRYPT: Final = b"ningxia_yikatong/ledger/pii-encrypt/v1"
_AAD_LABEL: Final = b"ningxia_yikatong/ledger/pii/v1\x00"

_HEX_KEY = re.compile(r"[0-9A-Fa-f]{64}")


def _parse_key_text(text: str, where: str) -> bytes:
    """The key in a line of text: 64 hex characters or canonical Base64 of 32 bytes."""
    if _HEX_KEY.fullmatch(text):
        return bytes.fromhex(text)
    try:
        raw = b64decode_canonical(text)
    except (TypeError, ValueError):
        raw = b""
    if len(raw) != DATA_KEY_BYTES:
        raise KeyLoadError(
            f"{where}中的数据密钥格式不对：应为64位十六进制或32字节的Base64，一行",
            code="ledger.data_key_invalid",
        )
    return raw


class DataKey:
    """A deployment's data key (数据密钥): 32 random bytes, never shown.

    >>> key = DataKey.from_bytes(bytes(range(32)))
    >>> key.key_id
    '...'
    >>> len(key.key_id), "000102" in repr(key)
    (16, False)
    """

    __slots__ = ("_digest_key", "_encrypt_key", "_key_id", "_raw")

    def __init__(self, raw: bytes) -> None:
        if not isinstance(raw, bytes | bytearray):
            raise KeyLoadError("数据密钥必须是字节串", code="ledger.data_key_invalid")
        if len(raw) != DATA_KEY_BYTES:
            raise KeyLoadError(
                f"数据密钥应为{DATA_KEY_BYTES}字节，实际为{len(raw)}字节",
                code="ledger.data_key_invalid",
            )
        self._raw = bytes(raw)
        master = HmacSigner(self._raw)
        self._key_id = master.sign(_LABEL_KEY_ID)[:_KEY_ID_BYTES].hex()
        self._digest_key = master.sign(_LABEL_DIGEST)
        # SM4 takes a 128-bit key: the first half of the derived block.
        self._encrypt_key = master.sign(_LABEL_ENCRYPT)[:16]

    @classmethod
    def generate(cls) -> DataKey:
        """A fresh key from the operating system's random source."""
        return cls(secrets.token_bytes(DATA_KEY_BYTES))

    @classmethod
    def from_bytes(cls, raw: bytes) -> DataKey:
        """A key from its 32 bytes."""
        return cls(raw)

    @classmethod
    def from_text(cls, text: str) -> DataKey:
        """A key from 64 hex characters or the canonical Base64 of 32 bytes."""
        if not isinstance(text, str):
            raise KeyLoadError("数据密钥文本必须是字符串", code="ledger.data_key_invalid")
        return cls(_parse_key_text(text.strip(), "数据密钥文本"))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> DataKey:
        """A key from a file holding it on one line (64 hex characters or Base64).

        A final line break is allowed; anything else (more lines, spaces, another
        length) is refused with ``ledger.data_key_invalid``; a missing file is
        ``ledger.data_key_missing``.
        """
        p = Path(path)
        try:
            with p.open("rb") as handle:
                data = handle.read(_MAX_KEY_FILE + 1)
        except FileNotFoundError:
            raise KeyLoadError(f"找不到数据密钥文件：{p}", code="ledger.data_key_missing") from None
        except OSError as exc:
            raise KeyLoadError(
                f"无法读取数据密钥文件：{p}（{exc.strerror}）", code="ledger.data_key_missing"
            ) from None
        if len(data) > _MAX_KEY_FILE:
            raise KeyLoadError(
                f"数据密钥文件{p}过大：应只有一行密钥", code="ledger.data_key_invalid"
            )
        if data.endswith(b"\r\n"):
            data = data[:-2]
        elif data.endswith(b"\n"):
            data = data[:-1]
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            text = "\x00"
        return cls(_parse_key_text(text, f"数据密钥文件{p}"))

    @classmethod
    def from_env(cls, name: str) -> DataKey:
        """A key from an environment variable (64 hex characters or Base64)."""
        value = os.environ.get(name)
        if not value:
            raise KeyLoadError(f"环境变量{name}未设置数据密钥", code="ledger.data_key_missing")
        return cls(_parse_key_text(value.strip(), f"环境变量{name}"))

    def write_file(self, path: str | os.PathLike[str]) -> Path:
        """Write the key as 64 hex characters to a NEW file readable only by its
        owner (mode 0600); an existing file is never overwritten."""
        p = Path(path)
        try:
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise KeyLoadError(
                f"数据密钥文件已存在，不会覆盖：{p}", code="ledger.data_key_exists"
            ) from None
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(self._raw.hex() + "\n")
        return p

    @property
    def key_id(self) -> str:
        """16 hex characters derived one way from the key (HMAC-SM3 of a label):
        safe to store, different for every key."""
        return self._key_id

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DataKey):
            return NotImplemented
        return hmac.compare_digest(self._raw, other._raw)

    def __hash__(self) -> int:
        return hash(self._key_id)

    def __repr__(self) -> str:
        return f"DataKey(key_id={self._key_id})"

    __str__ = __repr__

    def __getstate__(self) -> None:
        raise TypeError("数据密钥不能被序列化（pickle）")


def _kind(kind: str) -> bytes:
    if kind not in PII_KINDS:
        raise CryptoError(
            f"未知的个人信息类型：{kind!r}（应为 {'、'.join(sorted(PII_KINDS))}）",
            code="ledger.pii_kind",
        )
    return kind.encode("ascii")


def _text(value: str) -> bytes:
    if not isinstance(value, str):
        raise CryptoError("个人信息必须是字符串", code="ledger.pii_value")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise CryptoError("个人信息含有无法编码为UTF-8的字符", code="ledger.pii_value") from None


class PiiCipher:
    """Keyed digests and SM4-GCM encryption of personal data under a data key.

    ``previous`` keys are accepted for :meth:`decrypt` only (while a deployment
    re-encrypts under a new key, see :meth:`reencrypt`); :meth:`encrypt` and
    :meth:`digest` always use ``key``.
    """

    __slots__ = ("_aads", "_digest_key", "_encrypt_key", "_header", "_key_id", "_keys", "_primary")

    def __init__(self, key: DataKey, *, previous: Iterable[DataKey] = ()) -> None:
        if not isinstance(key, DataKey):
            raise KeyLoadError("PiiCipher需要DataKey", code="ledger.data_key_invalid")
        self._primary = key
        self._keys: dict[bytes, DataKey] = {}
        for k in (key, *previous):
            if not isinstance(k, DataKey):
                raise KeyLoadError("PiiCipher需要DataKey", code="ledger.data_key_invalid")
            self._keys.setdefault(bytes.fromhex(k.key_id), k)
        self._digest_key = key._digest_key
        self._encrypt_key = key._encrypt_key
        self._key_id = bytes.fromhex(key.key_id)
        self._header = bytes([BLOB_VERSION]) + self._key_id
        self._aads = {
            kind: self._aad(kind.encode("ascii"), self._key_id) for kind in sorted(PII_KINDS)
        }

    @property
    def key_id(self) -> str:
        """The id of the key that encrypts and digests."""
        return self._primary.key_id

    def require_key_id(self, key_id: str) -> None:
        """Refuse (``ledger.data_key_wrong``) when the database was written under
        another key: ``key_id`` is the id stored with the data."""
        if key_id not in {k.key_id for k in self._keys.values()}:
            raise CryptoError(
                f"数据库使用编号为{key_id}的数据密钥，所给密钥编号为{self.key_id}",
                code="ledger.data_key_wrong",
            )

    def digest(self, kind: str, value: str) -> str:
        """HMAC-SM3 (digest subkey) of ``kind``, a zero byte and ``value`` (UTF-8),
        64 lowercase hex characters. The caller passes the canonical text (e.g.
        ``str(IdNumber(...))``), so that one person always gives one digest."""
        return self.digest_many(kind, (value,))[0]

    def digest_many(self, kind: str, values: Iterable[str]) -> list[str]:
        """:meth:`digest` of every value, in order."""
        prefix = _kind(kind) + b"\x00"
        key = self._digest_key
        mac = gmssl_pyx.sm3_hmac
        return [mac(key, prefix + _text(value)).hex() for value in values]

    @staticmethod
    def _aad(kind: bytes, key_id: bytes) -> bytes:
        return _AAD_LABEL + bytes([BLOB_VERSION]) + key_id + b"\x00" + kind

    def encrypt(self, kind: str, value: str) -> bytes:
        """SM4-GCM of ``value`` with a fresh 12-byte nonce; see the module doc
        for the layout of the blob."""
        return self.encrypt_many(kind, (value,))[0]

    def encrypt_many(self, kind: str, values: Sequence[str]) -> list[bytes]:
        """:meth:`encrypt` of every value, in order, each with its own fresh
        nonce (all drawn from the operating system's random source at once)."""
        _kind(kind)
        aad = self._aads[kind]
        key = self._encrypt_key
        header = self._header
        nonces = secrets.token_bytes(_NONCE_BYTES * len(values))
        seal = gmssl_pyx.sm4_gcm_encrypt
        out = []
        at = 0
        for value in values:
            plain = _text(value)
            nonce = nonces[at : at + _NONCE_BYTES]
            at += _NONCE_BYTES
            if plain:
                body, tag = seal(key, nonce, aad, plain)
            else:  # GmSSL refuses an empty text; OpenSSL seals it alike
                encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
                encryptor.authenticate_additional_data(aad)
                body = encryptor.update(plain) + encryptor.finalize()
                tag = encryptor.tag
            out.append(header + nonce + body + tag)
        return out

    @staticmethod
    def key_id_of(blob: bytes) -> str:
        """The key id a blob was made with (no key needed)."""
        if not isinstance(blob, bytes | bytearray | memoryview) or len(blob) < _MIN_BLOB:
            raise CryptoError("密文不完整（被截断或不是本库的密文）", code="ledger.ciphertext")
        raw = bytes(blob)
        if raw[0] != BLOB_VERSION:
            raise CryptoError(
                f"密文版本{raw[0]}不受支持（应为{BLOB_VERSION}）", code="ledger.ciphertext"
            )
        return raw[1 : 1 + _KEY_ID_BYTES].hex()

    def decrypt(self, kind: str, blob: bytes) -> str:
        """The text of a blob made by :meth:`encrypt` for the same kind.

        A blob of another key is ``ledger.data_key_wrong``; a changed, truncated
        or moved (other kind) blob is ``ledger.ciphertext``.
        """
        kind_b = _kind(kind)
        key_id_hex = self.key_id_of(blob)
        raw = bytes(blob)
        key_id = raw[1 : 1 + _KEY_ID_BYTES]
        key = self._keys.get(key_id)
        if key is None:
            raise CryptoError(
                f"密文由另一数据密钥（编号{key_id_hex}）加密，当前密钥编号为{self.key_id}",
                code="ledger.data_key_wrong",
            )
        nonce = raw[1 + _KEY_ID_BYTES : _HEADER_BYTES]
        body, tag = raw[_HEADER_BYTES:-_TAG_BYTES], raw[-_TAG_BYTES:]
        aad = self._aads[kind] if key is self._primary else self._aad(kind_b, key_id)
        plain: bytes
        try:
            if body:
                plain = gmssl_pyx.sm4_gcm_decrypt(key._encrypt_key, nonce, aad, body, tag)
            else:  # GmSSL refuses an empty text; OpenSSL opens it alike
                decryptor = Cipher(
                    algorithms.SM4(key._encrypt_key), modes.GCM(nonce, tag)
                ).decryptor()
                decryptor.authenticate_additional_data(aad)
                plain = decryptor.update(body) + decryptor.finalize()
        except (InvalidTag, gmssl_pyx.GmsslInnerError):
            raise CryptoError(
                "密文校验失败（被改动、截断，或不属于该类型的字段）", code="ledger.ciphertext"
            ) from None
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError:  # pragma: no cover - authenticated text is ours
            raise CryptoError("密文内容不是UTF-8文本", code="ledger.ciphertext") from None

    def decrypt_many(self, kind: str, blobs: Sequence[bytes]) -> list[str]:
        """:meth:`decrypt` of every blob, in order: the blobs of the current key
        go straight to GmSSL; any other blob (an older key, an empty text, a
        damaged blob) through :meth:`decrypt`, with its errors."""
        _kind(kind)
        aad = self._aads[kind]
        key = self._encrypt_key
        header = self._header
        start = len(header)
        body_at = _HEADER_BYTES
        tag_at = -_TAG_BYTES
        open_ = gmssl_pyx.sm4_gcm_decrypt
        out = []
        for blob in blobs:
            if type(blob) is bytes and len(blob) > _MIN_BLOB and blob.startswith(header):
                try:
                    out.append(
                        open_(
                            key, blob[start:body_at], aad, blob[body_at:tag_at], blob[tag_at:]
                        ).decode("utf-8")
                    )
                    continue
                except (gmssl_pyx.GmsslInnerError, UnicodeDecodeError):
                    pass  # decrypt below names what is wrong
            out.append(self.decrypt(kind, blob))
        return out

    def reencrypt(self, kind: str, blob: bytes) -> bytes:
        """A blob under the current key with the same text (key rotation)."""
        return self.encrypt(kind, self.decrypt(kind, blob))

    def __repr__(self) -> str:
        return f"PiiCipher(key_id={self.key_id})"

    def __getstate__(self) -> None:
        raise TypeError("PiiCipher不能被序列化（pickle）")
