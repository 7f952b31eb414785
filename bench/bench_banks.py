"""Bank adapters: render + sign and read + verify per bank, beside a floor.

The floor writes (or reads) the same records with the simplest code: a plain
bytes-formatting loop for the fixed-width banks, ``csv.writer``/``csv.reader``
for the delimited one, bare openpyxl for the XLSX one; it signs and verifies
with the same SM2/RSA key, so the ratio measures the format engine and its
checks. Batches share 1,000 synthetic beneficiaries between their items (seq
and amount differ per item), so that building a million-item batch stays
outside the measured memory as far as possible.
"""

from __future__ import annotations

import base64
import csv
import io
import os
from collections.abc import Callable
from decimal import Decimal
from functools import cache

from openpyxl import Workbook, load_workbook

from bench._harness import Stage
from ningxia_yikatong.banks import BankAdapter, PaymentFile, get_adapter
from ningxia_yikatong.money import Amount
from ningxia_yikatong.payout import PayoutBatch, PayoutItem
from ningxia_yikatong.signing import (
    RsaSigner,
    Signer,
    Sm2Signer,
    Verifier,
    generate_rsa_key,
    generate_sm2_key,
)
from ningxia_yikatong.testing import SyntheticData

SIZES = (100_000, 1_000_000)


@cache
def _signer(scheme: str) -> Signer:
    return Sm2Signer(generate_sm2_key()) if scheme == "SM2-SM3" else RsaSigner(generate_rsa_key())


def _verifier(signer: Signer) -> Verifier:
    assert isinstance(signer, Sm2Signer | RsaSigner)
    return signer.verifier()


def _batch(bank: str, n: int) -> PayoutBatch:
    template = SyntheticData(seed=1).batch(1_000, bank=bank)
    people = [item.beneficiary for item in template]
    items = tuple(
        PayoutItem.model_construct(
            seq=seq,
            beneficiary=people[seq % len(people)],
            amount=Amount.from_fen(100 + seq % 500_000),
            quantity=None,
            memo="2026年耕地地力保护补贴",
        )
        for seq in range(1, n + 1)
    )
    fields = {name: getattr(template, name) for name in type(template).model_fields}
    fields["items"] = items
    return PayoutBatch.model_construct(**fields)


def _render(bank: str) -> Callable[[int], Callable[[], int]]:
    def prepare(n: int) -> Callable[[], int]:
        adapter = get_adapter(bank)
        batch = _batch(bank, n)
        signer = _signer(adapter.signature_scheme)

        def run() -> int:
            return adapter.render(batch, signer).count

        return run

    return prepare


def _read(bank: str) -> Callable[[int], Callable[[], int]]:
    def prepare(n: int) -> Callable[[], int]:
        adapter = get_adapter(bank)
        signer = _signer(adapter.signature_scheme)
        payment = adapter.render(_batch(bank, n), signer)
        files = dict(payment.files)
        verifier = _verifier(signer)
        del payment

        def run() -> int:
            return len(adapter.read_instructions(files, verifier).records)

        return run

    return prepare


# -- floors ------------------------------------------------------------------------


def _fixed_bytes(adapter: BankAdapter, batch: PayoutBatch) -> bytes:
    enc = adapter.encoding
    out = []
    if adapter.code == "nxrcb":
        for i in batch.items:
            a = i.beneficiary.account
            out.append(
                b"D%08d%-32s%s%-18s%013d%s\r\n"
                % (
                    i.seq,
                    a.number.encode(),
                    a.holder_name.encode(enc).ljust(60),
                    i.beneficiary.id_number.encode(),
                    int(i.amount * 100),
                    (i.memo or "").encode(enc).ljust(60),
                )
            )
    else:
        for i in batch.items:
            a = i.beneficiary.account
            out.append(
                b"02%010d%-32s%s%-18s%015d%s\r\n"
                % (
                    i.seq,
                    a.number.encode(),
                    a.holder_name.encode(enc).ljust(40),
                    i.beneficiary.id_number.encode(),
                    int(i.amount * 100),
                    (i.memo or "").encode(enc).ljust(40),
                )
            )
    return b"H\r\n" + b"".join(out) + b"T\r\n"


def _csv_bytes(batch: PayoutBatch) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="|", lineterminator="\r\n")
    writer.writerow([batch.batch_id, batch.count, batch.total])
    for i in batch.items:
        a = i.beneficiary.account
        writer.writerow([i.seq, a.number, a.holder_name, i.beneficiary.id_number, i.amount, i.memo])
    return buffer.getvalue().encode("gbk")


def _xlsx_bytes(batch: PayoutBatch) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("批量支付")
    sheet.append(["付款账号", "收款账号", "收款账号名称", "金额", "证件号码", "序号"])
    for i in batch.items:
        a = i.beneficiary.account
        sheet.append(
            [
                batch.payer_account,
                a.number,
                a.holder_name,
                f"{i.amount:.2f}",
                i.beneficiary.id_number,
                str(i.seq),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _floor_bytes(adapter: BankAdapter, batch: PayoutBatch) -> bytes:
    if adapter.code in ("nxrcb", "psbc"):
        return _fixed_bytes(adapter, batch)
    if adapter.code == "abc":
        return _csv_bytes(batch)
    return _xlsx_bytes(batch)


def _render_floor(bank: str) -> Callable[[int], Callable[[], int]]:
    def prepare(n: int) -> Callable[[], int]:
        adapter = get_adapter(bank)
        batch = _batch(bank, n)
        signer = _signer(adapter.signature_scheme)

        def run() -> int:
            data = _floor_bytes(adapter, batch)
            base64.b64encode(signer.sign(data))
            return batch.count

        return run

    return prepare


def _read_floor(bank: str) -> Callable[[int], Callable[[], int]]:
    def prepare(n: int) -> Callable[[], int]:
        adapter = get_adapter(bank)
        signer = _signer(adapter.signature_scheme)
        payment: PaymentFile = adapter.render(_batch(bank, n), signer)
        data, sig = payment.content, base64.b64decode(payment.files[payment.main + ".sig"])
        verifier = _verifier(signer)
        enc = adapter.encoding
        del payment

        def run() -> int:
            verifier.verify(data, sig)
            rows: list[tuple[object, ...]] = []
            if bank == "nxrcb":
                for line in data.split(b"\r\n")[1:-2]:
                    rows.append(  # noqa: PERF401 - the plain loop is the floor
                        (
                            int(line[1:9]),
                            line[9:41].rstrip().decode(),
                            line[41:101].decode(enc).rstrip(),
                            line[101:119].decode(),
                            Decimal(int(line[119:132])).scaleb(-2),
                        )
                    )
            elif bank == "psbc":
                for line in data.split(b"\r\n")[1:-2]:
                    rows.append(  # noqa: PERF401 - the plain loop is the floor
                        (
                            int(line[2:12]),
                            line[12:44].rstrip().decode(),
                            line[44:84].decode(enc).rstrip(),
                            line[84:102].decode(),
                            Decimal(int(line[102:117])).scaleb(-2),
                        )
                    )
            elif bank == "abc":
                reader = csv.reader(io.StringIO(data.decode(enc)), delimiter="|")
                next(reader)
                for seq, account, name, id_number, amount, _memo in reader:
                    row = (int(seq), account, name, id_number, Decimal(amount))
                    rows.append(row)
            else:
                book = load_workbook(io.BytesIO(data), read_only=True)
                rows.extend(book.worksheets[0].iter_rows(min_row=2, values_only=True))
                book.close()
                rows.pop()
            return len(rows)

        return run

    return prepare


#: ``YIKATONG_BENCH_BANKS=nxrcb,abc`` runs only those banks (the XLSX one takes
#: the longest by far).
_ONLY = {b for b in os.environ.get("YIKATONG_BENCH_BANKS", "").split(",") if b}

STAGES: list[Stage] = []
for _bank, _label in (
    ("nxrcb", "bytes %-format loop"),
    ("psbc", "bytes %-format loop"),
    ("abc", "csv.writer / csv.reader"),
    ("icbc", "bare openpyxl"),
):
    if _ONLY and _bank not in _ONLY:
        continue
    STAGES.append(
        Stage(f"{_bank} render+sign", _render(_bank), _render_floor(_bank), SIZES, _label)
    )
    STAGES.append(Stage(f"{_bank} read+verify", _read(_bank), _read_floor(_bank), SIZES, _label))
