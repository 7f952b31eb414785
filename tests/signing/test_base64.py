"""The one canonical Base64 decoder, and every signature text that goes through it:
``verify_base64``, ``.sig`` files, the bonx ``sign`` parameter and the XML-DSig
``SignatureValue``. A single changed byte of any of them is refused."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ningxia_yikatong.banks import BankConfig, get_adapter
from ningxia_yikatong.banks.bonx import BonxAdapter
from ningxia_yikatong.errors import CryptoError, SignatureError, YikatongError
from ningxia_yikatong.signing import (
    RsaSigner,
    Sm2PrivateKey,
    b64decode_canonical,
    generate_rsa_key,
    generate_sm2_key,
    sign_base64,
    verify_base64,
)
from ningxia_yikatong.testing.conformance import KitKeys, kit_batch

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
DAY = dt.date(2026, 3, 10)


def _pad_bits_changed(text: str) -> str:
    """``text`` (padded Base64) with an unused bit of its last character set."""
    stripped = text.rstrip("=")
    unused = {1: 2, 2: 4}[len(text) - len(stripped)]  # "=" leaves 2 bits, "==" leaves 4
    last = _ALPHABET.index(stripped[-1])
    assert last % (1 << unused) == 0  # canonical text has them clear
    changed = _ALPHABET[last | 1]
    return stripped[:-1] + changed + text[len(stripped) :]


@settings(max_examples=200)
@given(st.binary(max_size=100))
def test_round_trip(data: bytes) -> None:
    text = base64.b64encode(data)
    assert b64decode_canonical(text) == data
    assert b64decode_canonical(text.decode()) == data
    assert b64decode_canonical(text + b"\n", whitespace="line") == data
    assert b64decode_canonical(text + b"\r\n", whitespace="line") == data
    spaced = b"\n ".join(text[i : i + 5] for i in range(0, len(text), 5))
    assert b64decode_canonical(b"\t" + spaced + b"\r\n", whitespace="xml") == data


@settings(max_examples=300)
@given(data=st.binary(min_size=1, max_size=60), position=st.integers(0), byte=st.integers(0, 255))
def test_no_single_byte_change_decodes_the_same(data: bytes, position: int, byte: int) -> None:
    text = bytearray(base64.b64encode(data))
    position %= len(text)
    if text[position] == byte:
        byte ^= 1
    text[position] = byte
    for rule in ("none", "line", "xml"):
        try:
            decoded = b64decode_canonical(bytes(text), whitespace=rule)
        except ValueError:
            continue
        assert decoded != data


@pytest.mark.parametrize("size", [1, 2, 4, 5, 70, 71])
def test_unused_pad_bits_are_refused(size: int) -> None:
    text = base64.b64encode(bytes(range(size))).decode()
    changed = _pad_bits_changed(text)
    assert base64.b64decode(changed, validate=True) == bytes(range(size))  # the slack
    for rule in ("none", "line", "xml"):
        with pytest.raises(ValueError, match="canonical"):
            b64decode_canonical(changed, whitespace=rule)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("QUI", "none"),  # padding missing
        ("QUI==", "none"),  # too much padding
        ("QU=I", "none"),  # padding inside
        ("QUI=\n", "none"),  # no line break unless allowed
        ("QUI=\n\n", "line"),  # one line break only
        (" QUI=", "line"),
        ("QU I=", "line"),
        ("QU\u00a0I=", "xml"),  # not XML whitespace
        ("QUI=\x0b", "xml"),
        ("QUI-", "none"),  # URL-safe alphabet is another encoding
        ("ＱＵＩ=", "none"),
    ],
)
def test_refused(text: str, rule: str) -> None:
    with pytest.raises(ValueError, match=r"Base64|ASCII"):
        b64decode_canonical(text, whitespace=rule)  # type: ignore[arg-type]


def test_bad_arguments() -> None:
    with pytest.raises(CryptoError, match="text") as info:
        b64decode_canonical(42)  # type: ignore[arg-type]
    assert info.value.code == "signing.argument_type"
    with pytest.raises(ValueError, match="whitespace"):
        b64decode_canonical("QUI=", whitespace="all")  # type: ignore[arg-type]


def test_verify_base64_refuses_changed_pad_bits() -> None:
    signer = RsaSigner(generate_rsa_key())  # 256-byte signatures: always "=="
    text = sign_base64(signer, b"data")
    verify_base64(signer.verifier(), b"data", text)
    with pytest.raises(SignatureError) as info:
        verify_base64(signer.verifier(), b"data", _pad_bits_changed(text))
    assert info.value.code == "signature.base64"


# --- the bank formats --------------------------------------------------------------


@pytest.fixture(scope="module")
def sm2_keys() -> KitKeys:
    return KitKeys.for_scheme("SM2-SM3")


@pytest.fixture(scope="module")
def rsa_keys() -> KitKeys:
    return KitKeys.for_scheme("RSA-SHA256")


@pytest.fixture(scope="module")
def sig_files(rsa_keys: KitKeys) -> dict[str, bytes]:
    adapter = get_adapter("nxrcb", BankConfig(signature_scheme="RSA-SHA256"))
    payment = adapter.render(kit_batch(adapter, 2), rsa_keys.department, created=DAY)
    return dict(payment.files)


@pytest.fixture(scope="module")
def bank_key() -> Sm2PrivateKey:
    return generate_sm2_key()


@pytest.fixture(scope="module")
def bonx_request(sm2_keys: KitKeys, bank_key: Sm2PrivateKey) -> dict[str, str]:
    adapter = BonxAdapter(bank_public_key=bank_key.public_key())
    for seed in range(50):  # a DER signature of 70 or 71 bytes: padded Base64
        payment = adapter.render(kit_batch(adapter, 1, seed=seed), sm2_keys.department)
        params: dict[str, str] = json.loads(payment.content)
        if params["sign"].endswith("="):
            return params
    raise AssertionError("no padded signature in 50 tries")  # pragma: no cover


@pytest.fixture(scope="module")
def xml_payment(rsa_keys: KitKeys) -> tuple[str, bytes]:
    adapter = get_adapter("ccb")
    payment = adapter.render(kit_batch(adapter, 2), rsa_keys.department, created=DAY)
    ((name, content),) = payment.files.items()
    return name, content


def _sig_name(files: dict[str, bytes]) -> str:
    return next(name for name in files if name.endswith(".sig"))


def test_sig_file_pad_bits(sig_files: dict[str, bytes], rsa_keys: KitKeys) -> None:
    adapter = get_adapter("nxrcb", BankConfig(signature_scheme="RSA-SHA256"))
    adapter.read_instructions(sig_files, rsa_keys.department_verifier)
    name = _sig_name(sig_files)
    changed = _pad_bits_changed(sig_files[name].decode()).encode()
    with pytest.raises(SignatureError) as info:
        adapter.read_instructions({**sig_files, name: changed}, rsa_keys.department_verifier)
    assert info.value.location.file == name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(0), byte=st.integers(0, 255))
def test_sig_file_any_byte_change(
    sig_files: dict[str, bytes], rsa_keys: KitKeys, position: int, byte: int
) -> None:
    adapter = get_adapter("nxrcb", BankConfig(signature_scheme="RSA-SHA256"))
    name = _sig_name(sig_files)
    sig = bytearray(sig_files[name])
    position %= len(sig)
    sig[position] = byte if sig[position] != byte else byte ^ 1
    with pytest.raises(SignatureError):
        adapter.read_instructions({**sig_files, name: bytes(sig)}, rsa_keys.department_verifier)


def _bonx_read(params: dict[str, str], bank_key: Sm2PrivateKey, keys: KitKeys) -> None:
    adapter = BonxAdapter(bank_public_key=bank_key.public_key(), bank_private_key=bank_key)
    content = json.dumps(params, ensure_ascii=False).encode()
    adapter.read_instructions({"request.json": content}, keys.department_verifier)


def test_bonx_sign_pad_bits(
    bonx_request: dict[str, str], bank_key: Sm2PrivateKey, sm2_keys: KitKeys
) -> None:
    _bonx_read(bonx_request, bank_key, sm2_keys)
    changed = {**bonx_request, "sign": _pad_bits_changed(bonx_request["sign"])}
    with pytest.raises(SignatureError) as info:
        _bonx_read(changed, bank_key, sm2_keys)
    assert info.value.location.path == "/sign"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(0), char=st.characters(codec="ascii"))
def test_bonx_sign_any_change(
    bonx_request: dict[str, str],
    bank_key: Sm2PrivateKey,
    sm2_keys: KitKeys,
    position: int,
    char: str,
) -> None:
    sign = list(bonx_request["sign"])
    position %= len(sign)
    sign[position] = char if sign[position] != char else chr(ord(char) ^ 1)
    with pytest.raises(SignatureError):
        _bonx_read({**bonx_request, "sign": "".join(sign)}, bank_key, sm2_keys)


def _signature_value_span(content: bytes) -> tuple[int, int]:
    match = re.search(rb"<SignatureValue>([^<]*)</SignatureValue>", content)
    assert match is not None
    return match.start(1), match.end(1)


def test_xml_signature_value_pad_bits(xml_payment: tuple[str, bytes], rsa_keys: KitKeys) -> None:
    name, content = xml_payment
    adapter = get_adapter("ccb")
    adapter.read_instructions({name: content}, rsa_keys.department_verifier)
    start, end = _signature_value_span(content)
    changed = _pad_bits_changed(content[start:end].decode()).encode()
    with pytest.raises(SignatureError):
        adapter.read_instructions(
            {name: content[:start] + changed + content[end:]}, rsa_keys.department_verifier
        )
    # Line breaks inside the value are allowed (base64Binary), the rest must be canonical.
    value = content[start:end]
    wrapped = b"\n" + b"\n".join(value[i : i + 76] for i in range(0, len(value), 76)) + b"\n"
    adapter.read_instructions(
        {name: content[:start] + wrapped + content[end:]}, rsa_keys.department_verifier
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(0), byte=st.integers(0, 255))
def test_xml_signature_value_any_byte_change(
    xml_payment: tuple[str, bytes], rsa_keys: KitKeys, position: int, byte: int
) -> None:
    name, content = xml_payment
    start, end = _signature_value_span(content)
    position = start + position % (end - start)
    changed = bytearray(content)
    changed[position] = byte if changed[position] != byte else byte ^ 1
    with pytest.raises(YikatongError):  # not XML any more, or a refused signature
        get_adapter("ccb").read_instructions({name: bytes(changed)}, rsa_keys.department_verifier)
