"""Golden files of the XML and JSON banks (ccb, boc, bonx): the bytes each adapter
writes, and what it reads back, for one fixed batch, fixed dates and fixed keys.

The files in ``tests/banks/golden/`` were written by the adapters before they
were declared as layouts (``banks/_xmllayout``, ``banks/_jsonlayout``); the
declarative adapters must write the same bytes and read the same values.

Both sides use :class:`_FixedKey`, a deterministic stand-in for the agreed key
(its "signature" is the SHA-256 of the signed bytes), so that a signature is
the same on every run; bonx's sealing key and nonce are fixed the same way.
``YIKATONG_WRITE_GOLDEN=1`` writes the files afresh instead of comparing.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ningxia_yikatong.bank import CnapsCode
from ningxia_yikatong.banks import (
    BankAdapter,
    BankReturn,
    Instructions,
    ReturnRecord,
    ReturnStatus,
    get_adapter,
)
from ningxia_yikatong.banks.bonx import BonxAdapter
from ningxia_yikatong.errors import SignatureError
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.signing import Sm2PrivateKey, load_private_key
from ningxia_yikatong.signing import _seal as seal_module
from ningxia_yikatong.testing.conformance import kit_batch

GOLDEN = Path(__file__).parent / "golden"
WRITE = os.environ.get("YIKATONG_WRITE_GOLDEN") == "1"
DAY = dt.date(2026, 3, 10)
SETTLED = dt.datetime(2026, 3, 10, 10, 30, 5)
#: The bank's SM2 sealing key of bonx, fixed (PEM in the golden directory).
BONX_SEAL_KEY = GOLDEN / "bonx_seal_key.pem"


class _FixedKey:
    """Signer and verifier in one, deterministic: the signature of ``data`` is
    ``SHA-256(name || data)``."""

    def __init__(self, algorithm: str, name: str) -> None:
        self._algorithm = algorithm
        self._name = name.encode()

    @property
    def algorithm(self) -> str:
        return self._algorithm

    @property
    def key_fingerprint(self) -> str:
        return hashlib.sha256(self._name).hexdigest()

    def sign(self, data: bytes) -> bytes:
        return hashlib.sha256(self._name + data).digest()

    def verify(self, data: bytes, signature: bytes) -> None:
        if not hmac.compare_digest(self.sign(data), signature):
            raise SignatureError("签名验证失败", code="signature.invalid")


def _scheme(code: str) -> str:
    return "SM2-SM3" if code == "bonx" else "RSA-SHA256"


def _adapter(code: str) -> BankAdapter:
    if code == "bonx":
        key = load_private_key(BONX_SEAL_KEY.read_bytes())
        assert isinstance(key, Sm2PrivateKey)
        return BonxAdapter(bank_private_key=key)
    return get_adapter(code)


def _batch(adapter: BankAdapter) -> PayoutBatch:
    """Seven items: middle-dot and rare-character names, memos with XML's special
    characters, one empty memo, one without memo, a branch on two accounts."""
    batch = kit_batch(adapter, 7, seed=3, batch_id="GOLD2026-0001")
    memos = ["耕地地力保护补贴", "A&B <特> \"'", "", None, "养老金 2026年3月", "x", "补贴"]
    items = []
    for item, memo in zip(batch.items, memos, strict=True):
        account = item.beneficiary.account
        if item.seq in (2, 5):
            account = account.model_copy(update={"branch": CnapsCode("104871000019")})
        beneficiary = item.beneficiary.model_copy(update={"account": account})
        items.append(item.model_copy(update={"memo": memo, "beneficiary": beneficiary}))
    return batch.model_copy(update={"items": tuple(items)})


def _records(adapter: BankAdapter, batch: PayoutBatch) -> list[ReturnRecord]:
    statuses = [
        ReturnStatus.SUCCESS,
        ReturnStatus.NAME_MISMATCH,
        ReturnStatus.SUCCESS,
        ReturnStatus.PENDING,
        ReturnStatus.CLOSED,
        ReturnStatus.OTHER,
        ReturnStatus.SUCCESS,
    ]
    records = []
    for item, status in zip(batch.items, statuses, strict=True):
        code, message = adapter.code_for(status)
        done = status is ReturnStatus.SUCCESS
        records.append(
            ReturnRecord(
                item.seq,
                str(item.beneficiary.account.number),
                str(item.beneficiary.account.holder_name),
                item.amount,
                status,
                code,
                message,
                f"T{item.seq:012d}" if done else None,
                SETTLED if done else None,
            )
        )
    return records


@pytest.fixture
def fixed_seal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fix the content key, the nonce and the SM2 key wrapping of the sealed body."""
    counter = iter(range(1, 1000))

    def token_bytes(n: int) -> bytes:
        return bytes([next(counter)]) * n

    def wrap(public: object, content_key: bytes) -> bytes:
        return b"WRAPPED:" + content_key

    def unwrap(private: object, wrapped: bytes) -> bytes:
        assert wrapped.startswith(b"WRAPPED:")
        return wrapped[len(b"WRAPPED:") :]

    monkeypatch.setattr(secrets, "token_bytes", token_bytes)
    monkeypatch.setattr(seal_module, "sm2_wrap_key", wrap)
    monkeypatch.setattr(seal_module, "sm2_unwrap_key", unwrap)


def _plain(value: Any) -> Any:
    """What was read, as JSON values (amounts and times as text)."""
    if isinstance(value, Decimal | dt.date | dt.datetime | ReturnStatus):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return {name: _plain(getattr(value, name)) for name in value._fields}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _read(result: Instructions | BankReturn) -> str:
    return json.dumps(_plain(result), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _compare(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if WRITE:
        path.write_bytes(data)
        return
    assert path.exists(), f"{name} is missing; write it with YIKATONG_WRITE_GOLDEN=1"
    assert data == path.read_bytes(), f"{name} differs from the golden file"


@pytest.mark.parametrize("code", ["ccb", "boc", "bonx"])
def test_payment_file_and_what_the_bank_reads(code: str, fixed_seal: None) -> None:
    adapter = _adapter(code)
    department = _FixedKey(_scheme(code), "department")
    payment = adapter.render(_batch(adapter), department, created=DAY)
    ((name, data),) = payment.files.items()
    _compare(f"{code}_payment_name.txt", name.encode() + b"\n")
    _compare(f"{code}_payment{Path(name).suffix}", data)
    _compare(
        f"{code}_payment_read.json", _read(adapter.read_instructions(payment, department)).encode()
    )


@pytest.mark.parametrize("code", ["ccb", "boc", "bonx"])
def test_return_file_and_what_the_department_reads(code: str) -> None:
    adapter = _adapter(code)
    bank = _FixedKey(_scheme(code), "bank")
    batch = _batch(adapter)
    files = adapter.write_return(batch.batch_id, _records(adapter, batch), bank, created=DAY)
    ((name, data),) = files.items()
    _compare(f"{code}_return_name.txt", name.encode() + b"\n")
    _compare(f"{code}_return{Path(name).suffix}", data)
    parsed = adapter.parse_return(files, bank, batch_id=batch.batch_id)
    _compare(f"{code}_return_read.json", _read(parsed).encode())


def test_bonx_sealed_body(fixed_seal: None) -> None:
    """The business content inside bonx's sealed ``biz_content``, byte for byte."""
    adapter = _adapter("bonx")
    assert isinstance(adapter, BonxAdapter)
    assert adapter.bank_private_key is not None
    department = _FixedKey("SM2-SM3", "department")
    payment = adapter.render(_batch(adapter), department, created=DAY)
    ((_, data),) = payment.files.items()
    sealed = base64.b64decode(json.loads(data)["biz_content"])
    plain = seal_module.open_sealed(sealed, adapter.bank_private_key)
    _compare("bonx_biz_content.json", plain)
