"""Byte-level fuzzing of every bank's parsers: only library errors, or success.

Valid payment and return files of every bank (XML, ISO 20022, open-API JSON,
fixed-width, delimited, XLSX) are mutated byte by byte: flips, overwrites,
insertions of random bytes and of format tokens, deletions, splices from other
valid files, repeats. Where the signature would refuse the change before the
parser meets it, the mutated file is signed anew (detached signatures; the
enveloped XML signature; the open-API envelope and its sealed body), so that
the parsers themselves meet the junk. Whatever comes in, what comes out is a
:class:`~ningxia_yikatong.errors.YikatongError` or a result.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ningxia_yikatong.banks import (
    BankAdapter,
    BankSimulator,
    OutcomeRules,
    RecordFileAdapter,
    ReturnStatus,
    get_adapter,
)
from ningxia_yikatong.banks._xml import XmlReader
from ningxia_yikatong.banks._xmldsig import signature_xml
from ningxia_yikatong.banks.bonx import BonxAdapter, signing_string
from ningxia_yikatong.errors import YikatongError
from ningxia_yikatong.signing import Signer, native_stderr_silenced, open_sealed, seal
from ningxia_yikatong.testing.conformance import KitKeys, kit_batch

DAY = dt.date(2026, 3, 10)
BANKS = ("ccb", "boc", "bonx", "nxrcb", "psbc", "abc", "icbc")
#: Examples per parser (payment side and return side of each bank).
EXAMPLES = 300

TOKENS = (
    b"<",
    b">",
    b"</",
    b"/>",
    b"&",
    b"&#0;",
    b"<!--x-->",
    b"<?p?>",
    b'xmlns="r"',
    b' xmlns:p="r"',
    b' p:a="1"',
    b' :=""',
    b"<:/>",
    b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/>',
    b"<![CDATA[x]]>",
    b'"',
    b"\\ud800",
    b"\\u0000",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"1e400",
    b"1.5",
    b"null",
    b"|",
    b"\t",
    b"\r\n",
    b"\x00",
    b"\xff",
    b"\x80",
    b"\x81\x30\x81\x30",
    b"9999999999999999999999",
)


@dataclass(frozen=True)
class Corpus:
    """An adapter, its keys, and valid files of each side."""

    adapter: BankAdapter
    keys: KitKeys
    payments: tuple[dict[str, bytes], ...]
    returns: tuple[dict[str, bytes], ...]

    @property
    def pieces(self) -> list[bytes]:
        return [data for files in (*self.payments, *self.returns) for data in files.values()]


@functools.cache
def corpus(code: str) -> Corpus:
    cls = type(get_adapter(code))
    keys = KitKeys.for_scheme(cls.signature_scheme)
    adapter = cls.for_conformance(department=keys.department, bank=keys.bank)
    statuses = [s for s in adapter.reportable_statuses if s is not ReturnStatus.SUCCESS]
    rules = OutcomeRules(shares=dict.fromkeys(statuses, "0.05"))
    payments, returns = [], []
    for n in (1, 3):
        payment = adapter.render(kit_batch(adapter, n, seed=n), keys.department, created=DAY)
        simulator = BankSimulator(adapter, keys.bank, keys.department_verifier, rules=rules)
        payments.append(dict(payment.files))
        returns.append(simulator.process(payment, created=DAY))
    return Corpus(adapter, keys, tuple(payments), tuple(returns))


@st.composite
def mutations(draw: st.DrawFn, valid: bytes, pieces: list[bytes]) -> bytes:
    """``valid`` with one to four byte-level changes."""
    data = bytearray(valid)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "set", "token", "bytes", "delete", "splice", "repeat"]))
        pos = draw(st.integers(0, len(data)))
        if op in ("flip", "set") and pos < len(data):
            if op == "flip":
                data[pos] ^= 1 << draw(st.integers(0, 7))
            else:
                data[pos] = draw(st.integers(0, 255))
        elif op == "token":
            data[pos:pos] = draw(st.sampled_from(TOKENS))
        elif op == "bytes":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            data[pos : pos + draw(st.sampled_from([1, 2, 5, 20, 200]))] = b""
        elif op == "splice":
            other = draw(st.sampled_from(pieces))
            start = draw(st.integers(0, max(0, len(other) - 1)))
            data[pos:pos] = other[start : start + draw(st.integers(1, 400))]
        elif data:
            start = draw(st.integers(0, len(data) - 1))
            data[pos:pos] = data[start : start + draw(st.integers(1, 300))]
    return bytes(data)


_SIGNATURE = re.compile(
    rb'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">.*?</Signature>', re.S
)
_ITEMS = {
    "ccb": frozenset({"/TX/TX_INFO/DETAIL_LIST/DETAIL"}),
    "boc": frozenset(
        {
            "/Document/CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf",
            "/Document/CstmrPmtStsRpt/OrgnlPmtInfAndSts/TxInfAndSts",
        }
    ),
}


def _xml_signed_anew(code: str, data: bytes, signer: Signer) -> bytes | None:
    """A mutated XML message with its enveloped signature made anew (where the
    mutated message still reads), so that the checks after the signature run."""
    found = _SIGNATURE.search(data)
    if found is None:
        return None
    body = _SIGNATURE.sub(b"", data)
    try:
        reader = XmlReader(body, None, items=_ITEMS[code])
        reader.drain()
        digest = reader.digest
    except YikatongError:
        return None
    signature = signature_xml(digest, signer).encode("utf-8")
    return body[: found.start()] + signature + body[found.start() :]


def _bonx_signed_anew(
    adapter: BonxAdapter,
    data: bytes,
    signer: Signer,
    request: bool,
    change: Callable[[bytes], bytes],
) -> bytes:
    """A valid open-API message whose business content went through ``change``,
    sealed (requests) and signed anew."""
    params: dict[str, Any] = json.loads(data)
    if request:
        private, public = adapter.bank_private_key, adapter.bank_public_key
        assert private is not None
        assert public is not None
        plain = open_sealed(base64.b64decode(params["biz_content"]), private)
        params["biz_content"] = base64.b64encode(seal(change(plain), public)).decode()
        path = adapter.api_path
    else:
        text = change(params["response_biz_content"].encode())
        params["response_biz_content"] = text.decode("utf-8", "replace")
        path = adapter.return_path
    params.pop("sign")
    params["sign"] = base64.b64encode(signer.sign(signing_string(path, params))).decode()
    return json.dumps(params, ensure_ascii=False).encode()


def _only_library_errors(call: Callable[[], object]) -> None:
    try:
        with native_stderr_silenced():
            call()
    except YikatongError:
        pass


@pytest.mark.parametrize("side", ["read_instructions", "parse_return"])
@pytest.mark.parametrize("code", BANKS)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_mutated_files_give_only_library_errors(code: str, side: str, data: st.DataObject) -> None:
    c = corpus(code)
    adapter, keys = c.adapter, c.keys
    request = side == "read_instructions"
    files = data.draw(st.sampled_from(c.payments if request else c.returns))
    signer = keys.department if request else keys.bank
    verifier = keys.department_verifier if request else keys.bank_verifier
    detached = isinstance(adapter, RecordFileAdapter)
    suffix = adapter.signature_suffix if isinstance(adapter, RecordFileAdapter) else None
    main = next(n for n in files if suffix is None or not n.endswith(suffix))
    changed = dict(files)
    if isinstance(adapter, BonxAdapter) and data.draw(st.booleans()):
        # the business content mutated, the envelope valid
        changed[main] = _bonx_signed_anew(
            adapter,
            files[main],
            signer,
            request,
            lambda plain: data.draw(mutations(plain, c.pieces)),
        )
    else:
        junk = data.draw(mutations(files[main], c.pieces))
        if code in _ITEMS and data.draw(st.booleans()):
            junk = _xml_signed_anew(code, junk, signer) or junk
        changed[main] = junk
        if detached:
            # signed properly, so that the parser, not the signature, meets the junk
            changed[main + (suffix or "")] = base64.b64encode(signer.sign(junk))
    call = getattr(adapter, side)
    _only_library_errors(lambda: call(changed, verifier))


@pytest.mark.parametrize("code", ["ccb", "boc"])
def test_concatenated_files_with_corrupted_end_tags(code: str) -> None:
    """About forty payment files one after the other (over 100 KB, so the
    parser reads them in several chunks), end tags corrupted here and there."""
    import random

    c = corpus(code)
    rng = random.Random(f"concatenated/{code}")
    pieces = [data for files in c.payments for data in files.values()]
    for _ in range(20):
        data = bytearray(b"".join(rng.choice(pieces) for _ in range(40)))
        ends = [m.start() for m in re.finditer(rb"</[A-Za-z]", bytes(data))]
        for pos in sorted(rng.sample(ends, rng.randint(1, 40)), reverse=True):
            kind = rng.randrange(3)
            if kind == 0:
                data[pos + 1] = rng.choice(b"XY:_ ")  # the end tag becomes a start tag
            elif kind == 1:
                data[pos + 2] = rng.choice(b"XY:_/<")  # another name, or none
            else:
                del data[pos : data.index(b">", pos) + 1]  # the end tag gone
        files = {"x.xml": bytes(data)}
        verifier = c.keys.department_verifier
        _only_library_errors(lambda: c.adapter.read_instructions(files, verifier))  # noqa: B023
        _only_library_errors(lambda: c.adapter.parse_return(files, verifier))  # noqa: B023
