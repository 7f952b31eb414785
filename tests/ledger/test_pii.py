"""Personal data at rest: the data key, keyed digests and SM4-GCM blobs."""

from __future__ import annotations

import base64
import os
import pickle
import shutil
import subprocess
from pathlib import Path

import gmssl_pyx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong.errors import CryptoError, KeyLoadError
from ningxia_yikatong.ledger._pii import (
    BLOB_VERSION,
    DATA_KEY_BYTES,
    PII_KINDS,
    DataKey,
    PiiCipher,
)
from ningxia_yikatong.signing import HmacSigner

RAW = bytes(range(32))
KEY = DataKey.from_bytes(RAW)
CIPHER = PiiCipher(KEY)
KINDS = sorted(PII_KINDS)
ID_NUMBER = "64010219900101123X"


def _openssl() -> str:
    path = shutil.which("openssl")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("openssl is required for the oracle tests in CI")
        pytest.skip("openssl not installed")
    return path


# --- the data key ---------------------------------------------------------------


def test_key_from_bytes_text_file_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hex_file = tmp_path / "key.hex"
    hex_file.write_text(RAW.hex() + "\n", encoding="ascii")
    b64_file = tmp_path / "key.b64"
    b64_file.write_bytes(base64.b64encode(RAW) + b"\r\n")
    upper_file = tmp_path / "key.HEX"
    upper_file.write_text(RAW.hex().upper(), encoding="ascii")
    monkeypatch.setenv("YIKATONG_TEST_DATA_KEY", base64.b64encode(RAW).decode())
    keys = [
        DataKey.from_file(hex_file),
        DataKey.from_file(b64_file),
        DataKey.from_file(upper_file),
        DataKey.from_env("YIKATONG_TEST_DATA_KEY"),
        DataKey.from_text(RAW.hex()),
    ]
    assert all(k == KEY for k in keys)
    assert {k.key_id for k in keys} == {KEY.key_id}
    assert len(KEY.key_id) == 16
    assert DataKey.generate() != KEY
    assert len({DataKey.generate().key_id for _ in range(20)}) == 20


def test_key_id_is_one_way_and_separate_from_subkeys() -> None:
    # The key id is HMAC-SM3 of a label under the key, not the key or a plain hash of it.
    expected = HmacSigner(RAW).sign(b"ningxia_yikatong/ledger/key-id/v1")[:8].hex()
    assert KEY.key_id == expected
    assert KEY.key_id not in RAW.hex()
    # Digests are not made with the master key itself (key separation).
    plain = HmacSigner(RAW).sign(b"phone\x0013912345678").hex()
    assert CIPHER.digest("phone", "13912345678") != plain


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\n",
        RAW.hex()[:-2].encode(),
        RAW.hex().encode() + b"00",
        RAW.hex().encode() + b"\n\n",
        b" " + RAW.hex().encode(),
        RAW.hex().encode() + b"\nsecond line\n",
        base64.b64encode(RAW[:31]),
        base64.b64encode(RAW).rstrip(b"="),
        base64.urlsafe_b64encode(b"\xff" * 32),
        b"\xff\xfe" * 40,
        b"a" * 5000,
    ],
)
def test_key_file_of_another_form_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "key"
    path.write_bytes(content)
    with pytest.raises(KeyLoadError) as info:
        DataKey.from_file(path)
    assert info.value.code == "ledger.data_key_invalid"
    assert str(path) in str(info.value)


def test_missing_key_file_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(KeyLoadError) as info:
        DataKey.from_file(tmp_path / "absent.key")
    assert info.value.code == "ledger.data_key_missing"
    assert "absent.key" in str(info.value)
    monkeypatch.delenv("YIKATONG_TEST_NO_KEY", raising=False)
    with pytest.raises(KeyLoadError) as info:
        DataKey.from_env("YIKATONG_TEST_NO_KEY")
    assert info.value.code == "ledger.data_key_missing"
    monkeypatch.setenv("YIKATONG_TEST_NO_KEY", "")
    with pytest.raises(KeyLoadError, match="YIKATONG_TEST_NO_KEY"):
        DataKey.from_env("YIKATONG_TEST_NO_KEY")
    monkeypatch.setenv("YIKATONG_TEST_NO_KEY", "00" * 31)
    with pytest.raises(KeyLoadError) as info:
        DataKey.from_env("YIKATONG_TEST_NO_KEY")
    assert info.value.code == "ledger.data_key_invalid"


@pytest.mark.parametrize("raw", [b"", bytes(16), bytes(31), bytes(33), "0" * 32])
def test_key_of_wrong_length_or_type(raw: object) -> None:
    with pytest.raises(KeyLoadError) as info:
        DataKey.from_bytes(raw)  # type: ignore[arg-type]
    assert info.value.code == "ledger.data_key_invalid"


def test_write_file_round_trip_and_never_overwrites(tmp_path: Path) -> None:
    key = DataKey.generate()
    path = key.write_file(tmp_path / "data.key")
    assert DataKey.from_file(path) == key
    assert path.stat().st_mode & 0o777 == 0o600
    before = path.read_bytes()
    with pytest.raises(KeyLoadError) as info:
        DataKey.generate().write_file(path)
    assert info.value.code == "ledger.data_key_exists"
    assert path.read_bytes() == before


def test_key_never_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets_shown = {RAW.hex(), RAW.hex().upper(), base64.b64encode(RAW).decode(), repr(RAW)}
    texts = [repr(KEY), str(KEY), repr(CIPHER), str(CIPHER), f"{KEY}", f"{KEY!r}"]
    # Errors that involve the key never quote it either.
    bad = tmp_path / "bad.key"
    bad.write_text(RAW.hex()[:-1], encoding="ascii")
    monkeypatch.setenv("YIKATONG_TEST_BAD_KEY", RAW.hex() + "00")
    for action in (
        lambda: DataKey.from_file(bad),
        lambda: DataKey.from_env("YIKATONG_TEST_BAD_KEY"),
        lambda: DataKey.from_text(RAW.hex()[:-1]),
        lambda: PiiCipher(DataKey.generate()).decrypt("phone", CIPHER.encrypt("phone", "1")),
    ):
        with pytest.raises(CryptoError) as info:
            action()
        texts += [str(info.value), repr(info.value)]
    for text in texts:
        for secret in secrets_shown:
            assert secret[:-2] not in text
            assert secret[2:] not in text
    assert KEY.key_id in repr(KEY)
    with pytest.raises(TypeError):
        pickle.dumps(KEY)
    with pytest.raises(TypeError):
        pickle.dumps(CIPHER)


# --- digests --------------------------------------------------------------------


def test_digest_is_stable_and_differs_between_kinds_and_keys() -> None:
    other = PiiCipher(DataKey.generate())
    value = "13912345678"
    digests = {CIPHER.digest(kind, value) for kind in KINDS}
    assert len(digests) == len(KINDS)
    assert CIPHER.digest("phone", value) == PiiCipher(DataKey.from_bytes(RAW)).digest(
        "phone", value
    )
    assert CIPHER.digest("phone", value) != other.digest("phone", value)
    assert CIPHER.digest("phone", value) != CIPHER.digest("phone", "13912345679")
    digest = CIPHER.digest("id_number", ID_NUMBER)
    assert len(digest) == 64
    assert digest == digest.lower()
    assert int(digest, 16) >= 0


@settings(max_examples=200, deadline=None)
@given(a=st.text(max_size=40), b=st.text(max_size=40), kind=st.sampled_from(KINDS))
def test_digest_matches_exactly_equal_values(a: str, b: str, kind: str) -> None:
    assert (CIPHER.digest(kind, a) == CIPHER.digest(kind, b)) == (a == b)


def test_hmac_sm3_matches_openssl_and_gmssl() -> None:
    # The digest subkey is HMAC-SM3(master, label); the digest HMAC-SM3(subkey, kind NUL value).
    subkey = gmssl_pyx.sm3_hmac(RAW, b"ningxia_yikatong/ledger/pii-digest/v1")
    message = b"id_number\x00" + ID_NUMBER.encode()
    assert CIPHER.digest("id_number", ID_NUMBER) == gmssl_pyx.sm3_hmac(subkey, message).hex()
    mac = crypto_hmac.HMAC(subkey, hashes.SM3())  # OpenSSL's HMAC-SM3
    mac.update(message)
    assert CIPHER.digest("id_number", ID_NUMBER) == mac.finalize().hex()


@pytest.mark.oracle
def test_hmac_sm3_against_openssl(tmp_path: Path) -> None:
    openssl = _openssl()
    subkey = HmacSigner(RAW).sign(b"ningxia_yikatong/ledger/pii-digest/v1")
    message = tmp_path / "message"
    message.write_bytes(b"phone\x0013912345678")
    result = subprocess.run(
        [
            openssl,
            "mac",
            "-digest",
            "SM3",
            "-macopt",
            f"hexkey:{subkey.hex()}",
            "-in",
            message,
            "HMAC",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().lower() == CIPHER.digest("phone", "13912345678")


def test_unknown_kind_and_bad_value() -> None:
    for action in (
        lambda: CIPHER.digest("email", "a@b"),
        lambda: CIPHER.encrypt("ID_NUMBER", ID_NUMBER),
        lambda: CIPHER.decrypt("", CIPHER.encrypt("phone", "1")),
    ):
        with pytest.raises(CryptoError) as info:
            action()
        assert info.value.code == "ledger.pii_kind"
    with pytest.raises(CryptoError) as info:
        CIPHER.digest("phone", 13912345678)  # type: ignore[arg-type]
    assert info.value.code == "ledger.pii_value"
    with pytest.raises(CryptoError) as info:
        CIPHER.encrypt("phone", "\ud800")
    assert info.value.code == "ledger.pii_value"


# --- encryption -----------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(KINDS), value=st.text(max_size=200))
def test_round_trip_every_kind(kind: str, value: str) -> None:
    blob = CIPHER.encrypt(kind, value)
    assert CIPHER.decrypt(kind, blob) == value
    assert blob[0] == BLOB_VERSION
    assert blob[1:9].hex() == KEY.key_id
    assert len(blob) == 1 + 8 + 12 + len(value.encode()) + 16
    assert PiiCipher.key_id_of(blob) == KEY.key_id


def test_fresh_nonce_every_time() -> None:
    blobs = {CIPHER.encrypt("id_number", ID_NUMBER) for _ in range(50)}
    assert len(blobs) == 50
    assert all(ID_NUMBER.encode() not in b for b in blobs)


@settings(max_examples=300, deadline=None)
@given(value=st.text(min_size=1, max_size=40), data=st.data())
def test_any_single_bit_change_is_refused(value: str, data: st.DataObject) -> None:
    blob = bytearray(CIPHER.encrypt("account", value))
    bit = data.draw(st.integers(0, len(blob) * 8 - 1))
    blob[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(CryptoError) as info:
        CIPHER.decrypt("account", bytes(blob))
    if 1 <= bit // 8 < 9:
        # A changed key id names another key.
        assert info.value.code == "ledger.data_key_wrong"
    else:
        assert info.value.code == "ledger.ciphertext"


def test_truncated_and_foreign_blobs_are_refused() -> None:
    blob = CIPHER.encrypt("phone", "13912345678")
    for bad in (b"", blob[:1], blob[:36], blob[:-1], blob + b"\x00", b"\x02" + blob[1:]):
        with pytest.raises(CryptoError) as info:
            CIPHER.decrypt("phone", bad)
        assert info.value.code == "ledger.ciphertext"
    with pytest.raises(CryptoError) as info:
        CIPHER.decrypt("phone", "not bytes")  # type: ignore[arg-type]
    assert info.value.code == "ledger.ciphertext"


def test_blob_of_another_kind_is_refused() -> None:
    # The kind is bound in the additional data: a phone blob in the account column fails.
    blob = CIPHER.encrypt("phone", "6217000000000000000")
    with pytest.raises(CryptoError) as info:
        CIPHER.decrypt("account", blob)
    assert info.value.code == "ledger.ciphertext"


def test_wrong_key_is_refused_with_its_id() -> None:
    blob = CIPHER.encrypt("id_number", ID_NUMBER)
    other = PiiCipher(DataKey.generate())
    with pytest.raises(CryptoError) as info:
        other.decrypt("id_number", blob)
    assert info.value.code == "ledger.data_key_wrong"
    assert KEY.key_id in str(info.value)
    assert other.key_id in str(info.value)


def test_rotation_reads_old_blobs_and_writes_new_ones() -> None:
    new = DataKey.generate()
    rotating = PiiCipher(new, previous=[KEY])
    old_blob = CIPHER.encrypt("account", "6217000000000000000")
    assert rotating.decrypt("account", old_blob) == "6217000000000000000"
    fresh = rotating.reencrypt("account", old_blob)
    assert PiiCipher.key_id_of(fresh) == new.key_id
    assert PiiCipher(new).decrypt("account", fresh) == "6217000000000000000"
    with pytest.raises(CryptoError) as info:
        CIPHER.decrypt("account", fresh)
    assert info.value.code == "ledger.data_key_wrong"
    with pytest.raises(KeyLoadError):
        PiiCipher(RAW)  # type: ignore[arg-type]
    with pytest.raises(KeyLoadError):
        PiiCipher(new, previous=[RAW])  # type: ignore[list-item]


def test_require_key_id() -> None:
    CIPHER.require_key_id(KEY.key_id)
    other = DataKey.generate()
    with pytest.raises(CryptoError) as info:
        CIPHER.require_key_id(other.key_id)
    assert info.value.code == "ledger.data_key_wrong"
    assert other.key_id in str(info.value)
    PiiCipher(other, previous=[KEY]).require_key_id(KEY.key_id)


def _parts(blob: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    aad = b"ningxia_yikatong/ledger/pii/v1\x00" + blob[:9] + b"\x00"
    return aad, blob[9:21], blob[21:-16], blob[-16:]


@pytest.mark.parametrize("value", [ID_NUMBER, "", "宁夏回族自治区 " * 20])
def test_sm4_gcm_matches_gmssl_and_openssl(value: str) -> None:
    # The cipher seals with GmSSL (OpenSSL for an empty text); OpenSSL's SM4-GCM
    # (cryptography) and GmSSL's each open the blob and, given the same nonce,
    # make the same ciphertext and tag; a blob OpenSSL made opens with the cipher.
    enc_key = HmacSigner(RAW).sign(b"ningxia_yikatong/ledger/pii-encrypt/v1")[:16]
    blob = CIPHER.encrypt("id_number", value)
    aad, nonce, body, tag = _parts(blob)
    aad += b"id_number"
    decryptor = Cipher(algorithms.SM4(enc_key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    assert decryptor.update(body) + decryptor.finalize() == value.encode()
    encryptor = Cipher(algorithms.SM4(enc_key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    assert encryptor.update(value.encode()) + encryptor.finalize() == body
    assert encryptor.tag == tag
    if value:
        assert gmssl_pyx.sm4_gcm_decrypt(enc_key, nonce, aad, body, tag) == value.encode()
        assert gmssl_pyx.sm4_gcm_encrypt(enc_key, nonce, aad, value.encode()) == (body, tag)
    other = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(enc_key), modes.GCM(other)).encryptor()
    encryptor.authenticate_additional_data(aad)
    sealed = encryptor.update(value.encode()) + encryptor.finalize() + encryptor.tag
    assert CIPHER.decrypt("id_number", blob[:9] + other + sealed) == value


def test_many_at_once_equal_one_by_one() -> None:
    values = [ID_NUMBER, "", "13912345678", "马小明"] * 5
    blobs = CIPHER.encrypt_many("phone", values)
    assert [CIPHER.decrypt("phone", b) for b in blobs] == values
    assert len({b[9:21] for b in blobs}) == len(values)  # a nonce of its own each
    assert CIPHER.digest_many("account", values) == [CIPHER.digest("account", v) for v in values]
    assert CIPHER.encrypt_many("phone", []) == []
    with pytest.raises(CryptoError) as info:
        CIPHER.encrypt_many("email", values)
    assert info.value.code == "ledger.pii_kind"
    with pytest.raises(CryptoError) as info:
        CIPHER.digest_many("phone", ["ok", 5])  # type: ignore[list-item]
    assert info.value.code == "ledger.pii_value"


def test_decrypt_many_equals_decrypt_and_refuses_alike() -> None:
    values = [ID_NUMBER, "", "13912345678", "马小明"] * 5
    blobs = CIPHER.encrypt_many("id_number", values)
    assert CIPHER.decrypt_many("id_number", blobs) == values
    assert CIPHER.decrypt_many("id_number", []) == []
    # Blobs of a previous key (rotation) open through the slow path.
    new = DataKey.generate()
    rotating = PiiCipher(new, previous=[KEY])
    mixed = [*blobs[:3], *rotating.encrypt_many("id_number", values[:3])]
    assert rotating.decrypt_many("id_number", mixed) == values[:3] * 2
    # A changed body, another kind, another key: the errors of decrypt.
    changed = bytearray(blobs[0])
    changed[-1] ^= 1
    for bad, kind, code in (
        (bytes(changed), "id_number", "ledger.ciphertext"),
        (blobs[0], "phone", "ledger.ciphertext"),
        (
            PiiCipher(DataKey.generate()).encrypt("id_number", "x"),
            "id_number",
            "ledger.data_key_wrong",
        ),
        (blobs[0][:30], "id_number", "ledger.ciphertext"),
    ):
        with pytest.raises(CryptoError) as info:
            CIPHER.decrypt_many(kind, [blobs[1], bad])
        assert info.value.code == code
    with pytest.raises(CryptoError) as info:
        CIPHER.decrypt_many("email", blobs)
    assert info.value.code == "ledger.pii_kind"


@pytest.mark.oracle
def test_sm4_keystream_against_openssl_ctr(tmp_path: Path) -> None:
    # OpenSSL 3's `enc` has no SM4-GCM, but GCM encrypts with CTR from J0 + 1,
    # J0 = nonce || 00000001 for a 12-byte nonce: `enc -sm4-ctr` must give the
    # same ciphertext body (the tag is checked against GmSSL above).
    openssl = _openssl()
    enc_key = HmacSigner(RAW).sign(b"ningxia_yikatong/ledger/pii-encrypt/v1")[:16]
    value = "宁夏回族自治区银川市兴庆区 6217000000000000000 " * 3
    blob = CIPHER.encrypt("name", value)
    _aad, nonce, body, _tag = _parts(blob)
    plain = tmp_path / "plain"
    plain.write_bytes(value.encode())
    result = subprocess.run(
        [
            openssl,
            "enc",
            "-sm4-ctr",
            "-K",
            enc_key.hex(),
            "-iv",
            (nonce + (2).to_bytes(4, "big")).hex(),
            "-in",
            plain,
        ],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == body


def test_key_length_constant() -> None:
    assert DATA_KEY_BYTES == 32
    assert len(CIPHER.encrypt("phone", "")) == 37
