"""SM3 and SHA-256 digests, in memory and streamed from files."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import gmssl_pyx
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong.errors import CryptoError, FileFormatError
from ningxia_yikatong.signing import digest, file_digest

# GB/T 32905-2016 (SM3) Appendix A, example 1: the message "abc".
SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
# GB/T 32905-2016 Appendix A, example 2: "abcd" repeated 16 times (512 bits).
SM3_ABCD16 = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_sm3_known_answers() -> None:
    assert digest(b"abc") == SM3_ABC
    assert digest(b"abcd" * 16, "sm3") == SM3_ABCD16


def test_sm4_block_known_answer() -> None:
    # GB/T 32907-2016 (SM4) Appendix A, example 1: key = plaintext =
    # 0123456789abcdeffedcba9876543210. Sealing uses this cipher (in GCM mode).
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 - one block
    assert encryptor.update(key).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sha256_known_answer() -> None:
    # FIPS 180-2 Appendix B.1.
    expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert digest(b"abc", "sha256") == expected


def test_file_digest_streams(tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000  # crosses the 1 MiB chunk boundary
    path = tmp_path / "payment.txt"
    path.write_bytes(data)
    assert file_digest(path) == gmssl_pyx.sm3_hash(data).hex()
    assert file_digest(str(path), "sha256") == hashlib.sha256(data).hexdigest()
    assert file_digest(io.BytesIO(data), "sm3") == digest(data)
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert file_digest(empty) == digest(b"")


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(CryptoError):
        digest(b"x", "md5")  # type: ignore[arg-type]
    with pytest.raises(FileFormatError) as info:
        file_digest(tmp_path / "missing.txt")
    assert info.value.code == "digest.file"
    assert info.value.location.file == "missing.txt"


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=5000))
def test_sm3_matches_gmssl(data: bytes) -> None:
    assert digest(data) == gmssl_pyx.sm3_hash(data).hex()
