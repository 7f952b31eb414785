"""宁夏黄河农村商业银行: fixed-width GB18030, SM3 digest of the details, SM2."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from ningxia_yikatong.banks import BankAdapter, ReturnStatus
from ningxia_yikatong.banks.nxrcb import NxrcbAdapter
from ningxia_yikatong.errors import BankFileError
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.signing import Sm2Signer, digest, generate_sm2_key

MakeBatch = Callable[..., PayoutBatch]


def test_layout(make_batch: MakeBatch, hmac_adapter: Callable[..., BankAdapter], keys: Any) -> None:
    batch = make_batch(3, "nxrcb")
    payment = hmac_adapter("nxrcb").render(batch, keys.department)
    lines = payment.content.split(b"\r\n")
    assert [len(line) for line in lines] == [137, 192, 192, 192, 88, 0]
    assert lines[0].startswith(b"HDF01" + batch.batch_id.encode())
    assert lines[1][:9] == b"D00000001"
    details = b"".join(line + b"\r\n" for line in lines[1:4])
    assert lines[4][24:].decode() == digest(details, "sm3")
    assert lines[4][1:9] == b"00000003"
    assert int(lines[4][9:24]) == batch.total.scaleb(2)
    assert payment.main.startswith(f"NXRCB_DF_{batch.batch_id}_20260310_001")


def test_rare_characters_are_written_in_gb18030(
    make_batch: MakeBatch, hmac_adapter: Callable[..., BankAdapter], keys: Any
) -> None:
    from ningxia_yikatong.testing.conformance import kit_batch

    adapter = hmac_adapter("nxrcb")
    batch = kit_batch(adapter, 3, names={3: "王𠮷䶮"})
    payment = adapter.render(batch, keys.department)
    assert "王𠮷䶮".encode("gb18030") in payment.content
    assert b"?" not in payment.content
    read = adapter.read_instructions(payment, keys.department_verifier)
    assert read.records[2].name == "王𠮷䶮"


def test_digest_mismatch_is_found_even_when_signed(
    make_batch: MakeBatch, hmac_adapter: Callable[..., BankAdapter], keys: Any
) -> None:
    adapter = hmac_adapter("nxrcb")
    payment = adapter.render(make_batch(3, "nxrcb"), keys.department)
    lines = payment.content.split(b"\r\n")
    lines[4] = lines[4][:24] + b"0" * 64
    data = b"\r\n".join(lines)
    files = {
        payment.main: data,
        payment.main + ".sig": base64.b64encode(keys.department.sign(data)),
    }
    with pytest.raises(BankFileError) as info:
        adapter.read_instructions(files, keys.department_verifier)
    assert (info.value.code, info.value.location.line, info.value.location.field) == (
        "bankfile.digest_mismatch",
        5,
        "digest",
    )


def test_real_sm2_signature(make_batch: MakeBatch) -> None:
    signer = Sm2Signer(generate_sm2_key())
    adapter = NxrcbAdapter()
    payment = adapter.render(make_batch(2, "nxrcb"), signer)
    assert payment.signature_algorithm == "SM2-SM3"
    assert len(adapter.read_instructions(payment, signer.verifier()).records) == 2


def test_codes() -> None:
    adapter = NxrcbAdapter()
    assert adapter.status_of("1010") is ReturnStatus.ACCOUNT_NOT_FOUND
    assert adapter.status_of("1011") is ReturnStatus.STOPPED
    assert adapter.status_of("0000") is ReturnStatus.SUCCESS
    assert adapter.status_of("7777") is ReturnStatus.OTHER
