"""The conformance kit every bank adapter must pass, ours or a bank integrator's.

Each check takes a bank code, builds the adapter through the registry (so the
entry point is exercised too), makes fresh keys for the adapter's signing
scheme, and plays both sides with the
:class:`~ningxia_yikatong.banks.simulator.BankSimulator`:

==========================  ==========================================================
check                       what must hold
==========================  ==========================================================
``roundtrip``               render → read → simulate → parse gives back every item's
                            seq, ID, name, account and amount (1, 2 and 10,000 items;
                            middle-dot names, and rare characters where the
                            encoding has them)
``statuses``                every status the bank reports comes back as itself,
                            with the bank's raw code kept
``unknown_code``            an unknown raw code becomes ``OTHER``, the code kept
``unrepresentable``         names the encoding cannot write refuse the whole batch,
                            naming every such item with its ID masked
``tampered_instruction``    a flipped byte in the payment file or its signature
                            is refused
``tampered_return``         the same for the return file
``junk_instruction``        junk and mutated files (validly signed) give only
                            library errors
``junk_return``             the same for the return file
``totals``                  count or total disagreeing with the lines is refused,
                            in payment and return files
``duplicate_seq``           a return with a repeated seq is refused
``other_batch``             a return for another batch id is refused
``already_paid``            the simulator refuses a batch it has paid
==========================  ==========================================================

Use it from pytest through the plugin (:mod:`ningxia_yikatong.testing.plugin`)
or directly:

>>> from ningxia_yikatong.testing.conformance import run_conformance
>>> "roundtrip[2]" in run_conformance("abc", large=False)
True
"""

from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import functools
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from ..banks import (
    BankAdapter,
    BankSimulator,
    OutcomeRules,
    PaymentFile,
    RecordFileAdapter,
    ReturnRecord,
    ReturnStatus,
    available_adapters,
    get_adapter,
)
from ..errors import BankFileError, KeyLoadError, YikatongError
from ..identity import PersonName, mask_account, mask_id_number
from ..payout import PayoutBatch, PayoutItem
from ..signing import Signer, Verifier, generate_signer, native_stderr_silenced
from .synthetic import RARE_CHARACTERS, SyntheticData

__all__ = [
    "CHECKS",
    "ConformanceCase",
    "ConformanceFailure",
    "KitKeys",
    "conformance_cases",
    "kit_batch",
    "run_conformance",
]

#: Sizes of the round-trip check; the largest is marked ``large``.
ROUNDTRIP_SIZES: Final = (1, 2, 10_000)
_DAY: Final = _dt.date(2026, 3, 10)
_DOTTED: Final = ("阿依古丽·买买提", "穆罕默德·艾力")


class ConformanceFailure(AssertionError):
    """An adapter broke a rule of the kit; the message says which and how."""


@dataclass(frozen=True)
class KitKeys:
    """The department's and the bank's keys for one signing scheme."""

    department: Signer
    department_verifier: Verifier
    bank: Signer
    bank_verifier: Verifier

    @classmethod
    def for_scheme(cls, scheme: str) -> KitKeys:
        """Fresh keys for ``scheme``: SM2-SM3, RSA-SHA256, HMAC-SM3 or HMAC-SHA256."""
        return _keys(scheme)


def _pair(scheme: str) -> tuple[Signer, Verifier]:
    try:
        signer = generate_signer(scheme)
    except KeyLoadError:
        raise ConformanceFailure(f"the kit has no keys for the signing scheme {scheme!r}") from None
    return signer, signer.verifier()


@functools.cache
def _keys(scheme: str) -> KitKeys:
    department, department_verifier = _pair(scheme)
    bank, bank_verifier = _pair(scheme)
    return KitKeys(department, department_verifier, bank, bank_verifier)


def _fail(bank: str, check: str, message: str) -> ConformanceFailure:
    return ConformanceFailure(f"[{bank}] {check}: {message}")


def _encodes(encoding: str, text: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _rename(item: PayoutItem, name: str) -> PayoutItem:
    person = PersonName(name)
    ben = item.beneficiary
    account = ben.account.model_copy(update={"holder_name": person})
    return item.model_copy(
        update={"beneficiary": ben.model_copy(update={"name": person, "account": account})}
    )


def kit_batch(
    adapter: BankAdapter,
    n: int,
    *,
    seed: int = 0,
    names: Mapping[int, str] | None = None,
    batch_id: str | None = None,
) -> PayoutBatch:
    """A synthetic batch of ``n`` items for ``adapter``'s bank.

    The first items get middle-dot names and, where the bank's encoding has
    them, a rare character (生僻字); ``names`` (seq → name) overrides.
    """
    data = SyntheticData(seed=seed, dotted_name_share=0.05, banks=[adapter.code])
    batch = data.batch(n, bank=adapter.code, batch_id=batch_id)
    wanted: dict[int, str] = {}
    candidates = list(_DOTTED)
    rare = next((c for c in RARE_CHARACTERS if _encodes(adapter.encoding, c)), None)
    if rare is not None:
        candidates.insert(1, f"马{rare}")
    wanted.update(zip(range(1, n + 1), candidates, strict=False))
    wanted.update(names or {})
    items = tuple(_rename(item, wanted[item.seq]) if item.seq in wanted else item for item in batch)
    fields = {name: getattr(batch, name) for name in type(batch).model_fields}
    fields.update(items=items, pay_date=_DAY)
    return PayoutBatch(**fields)


def _key(record: Any) -> tuple[int, str, str, Decimal]:
    return (record.seq, str(record.account), str(record.name), Decimal(record.amount))


#: Fields compared by :func:`_key`, and by the round trip of the instructions.
_KEY_FIELDS: Final = ("seq", "account", "name", "amount")
_INSTRUCTION_FIELDS: Final = ("seq", "id_number", "name", "account", "amount")


def _shown(field: str, value: object) -> str:
    """A value for a failure message: ID and account numbers masked."""
    if field == "id_number":
        return repr(mask_id_number(str(value)))
    if field == "account":
        return repr(mask_account(str(value)))
    return repr(value)


def _difference(
    got: list[tuple[Any, ...]], want: list[tuple[Any, ...]], fields: tuple[str, ...]
) -> str:
    """Where ``got`` first differs from ``want``: the record (1-based, with its
    seq) and the field, with both values."""
    for index, (a, b) in enumerate(zip(got, want, strict=False), 1):
        if a != b:
            for field, x, y in zip(fields, a, b, strict=True):
                if x != y:
                    return (
                        f"record {index} (seq {b[0]}), field {field}: "
                        f"got {_shown(field, x)}, expected {_shown(field, y)}"
                    )
    n = min(len(got), len(want))
    extra = (got if len(got) > n else want)[n] if len(got) != len(want) else None
    where = "" if extra is None else f", first unmatched: record {n + 1} (seq {extra[0]})"
    return f"{len(got)} records, expected {len(want)}{where}"


@contextlib.contextmanager
def _refused(bank: str, check: str, what: str, code: str | None = None) -> Iterator[None]:
    try:
        with native_stderr_silenced():
            yield
    except YikatongError as exc:
        if code is not None and exc.code != code:
            raise _fail(
                bank, check, f"{what}: expected error {code}, got {exc.code}: {exc}"
            ) from exc
        return
    except Exception as exc:
        raise _fail(
            bank, check, f"{what}: raised {type(exc).__name__}, not a library error"
        ) from exc
    raise _fail(bank, check, f"{what}: was accepted")


def _only_library_errors(bank: str, check: str, what: str, call: Callable[[], object]) -> None:
    try:
        with native_stderr_silenced():
            call()
    except YikatongError:
        return
    except Exception as exc:
        raise _fail(bank, check, f"{what}: raised {type(exc).__name__}: {exc}") from exc


class _Context:
    """One adapter, its keys and a simulator."""

    def __init__(self, bank: str, check: str) -> None:
        self.bank = bank
        self.check = check
        cls = type(get_adapter(bank))
        self.keys = _keys(cls.signature_scheme)
        self.adapter = cls.for_conformance(department=self.keys.department, bank=self.keys.bank)

    def simulator(self, rules: OutcomeRules | None = None, seed: int = 0) -> BankSimulator:
        return BankSimulator(
            self.adapter,
            self.keys.bank,
            self.keys.department_verifier,
            seed=seed,
            rules=rules,
        )

    def render(self, batch: PayoutBatch) -> PaymentFile:
        return self.adapter.render(batch, self.keys.department, created=_DAY)

    def fail(self, message: str) -> ConformanceFailure:
        return _fail(self.bank, self.check, message)


def _roundtrip(ctx: _Context, n: int) -> None:
    adapter = ctx.adapter
    batch = kit_batch(adapter, n, seed=n)
    payment = ctx.render(batch)
    if payment.count != batch.count or payment.total != batch.total:
        raise ctx.fail("PaymentFile count/total differ from the batch")
    if payment.main not in payment.files:
        raise ctx.fail("PaymentFile.main is not one of its files")
    instructions = adapter.read_instructions(payment, ctx.keys.department_verifier)
    got = [(r.seq, r.id_number, r.name, r.account, r.amount) for r in instructions.records]
    want = [
        (
            i.seq,
            str(i.beneficiary.id_number),
            str(i.beneficiary.account.holder_name),
            str(i.beneficiary.account.number),
            Decimal(i.amount),
        )
        for i in batch
    ]
    if got != want:
        raise ctx.fail(
            "instructions read back differ from the batch: "
            + _difference(got, want, _INSTRUCTION_FIELDS)
        )
    if instructions.batch_id != batch.batch_id or instructions.total != batch.total:
        raise ctx.fail("instructions' batch id or total differ from the batch")
    statuses = [s for s in adapter.reportable_statuses if s is not ReturnStatus.SUCCESS]
    share = Decimal("0.5") / len(statuses) if statuses else Decimal(0)
    simulator = ctx.simulator(OutcomeRules(shares=dict.fromkeys(statuses, share)), seed=n)
    returned = simulator.process(payment, created=_DAY)
    result = adapter.parse_return(returned, ctx.keys.bank_verifier, batch_id=batch.batch_id)
    returned_keys = [_key(r) for r in result.records]
    instructed_keys = [_key(i) for i in instructions.records]
    if returned_keys != instructed_keys:
        raise ctx.fail(
            "return records differ from the instructions: "
            + _difference(returned_keys, instructed_keys, _KEY_FIELDS)
        )
    expected = simulator.outcomes(instructions)
    for index, r in enumerate(result.records, 1):
        if r.status is not expected.get(r.seq):
            raise ctx.fail(
                f"return statuses differ from the simulator's outcomes: record {index} "
                f"(seq {r.seq}), field status: got {r.status.value!r}, "
                f"expected {getattr(expected.get(r.seq), 'value', None)!r}"
            )
    if result.count != batch.count or result.total != batch.total:
        raise ctx.fail(
            f"return count/total ({result.count}, {result.total}) differ from the batch "
            f"({batch.count}, {batch.total})"
        )


def _statuses(ctx: _Context, _: int) -> None:
    adapter = ctx.adapter
    statuses = list(adapter.reportable_statuses)
    batch = kit_batch(adapter, 2 * len(statuses), seed=11)
    rules: dict[str, ReturnStatus] = {
        str(item.beneficiary.account.number): statuses[k % len(statuses)]
        for k, item in enumerate(batch)
    }
    payment = ctx.render(batch)
    returned = ctx.simulator(OutcomeRules(accounts=rules)).process(payment, created=_DAY)
    result = adapter.parse_return(returned, ctx.keys.bank_verifier)
    for record in result.records:
        status = rules[record.account]
        if record.status is not status:
            raise ctx.fail(f"{status} came back as {record.status}")
        if record.raw_code != adapter.code_for(status)[0] or not record.raw_message:
            raise ctx.fail(f"raw code/message of {status} not kept")
        if status.is_failure and record.status.label != status.label:
            raise ctx.fail("label mismatch")


def _return_records(ctx: _Context, batch: PayoutBatch) -> list[ReturnRecord]:
    settled = _dt.datetime.combine(_DAY, _dt.time(10))
    code, message = ctx.adapter.code_for(ReturnStatus.SUCCESS)
    return [
        ReturnRecord(
            seq=item.seq,
            account=str(item.beneficiary.account.number),
            name=str(item.beneficiary.account.holder_name),
            amount=Decimal(item.amount),
            status=ReturnStatus.SUCCESS,
            raw_code=code,
            raw_message=message,
            bank_txn_id=f"T{item.seq:08d}",
            settled_at=settled,
        )
        for item in batch
    ]


def _unknown_code(ctx: _Context, _: int) -> None:
    adapter = ctx.adapter
    batch = kit_batch(adapter, 3, seed=12)
    known = set(adapter.return_codes)
    records = _return_records(ctx, batch)
    width = max(len(code) for code in known)
    unknown = next(c for c in ("9" * width, "Z" * width, "X9" * width) if c[:width] not in known)[
        :width
    ]
    records[1] = ReturnRecord(
        **{**_record_fields(records[1]), "raw_code": unknown, "raw_message": "未知原因"}
    )
    files = adapter.write_return(batch.batch_id, records, ctx.keys.bank, created=_DAY)
    result = adapter.parse_return(files, ctx.keys.bank_verifier)
    odd = result.records[1]
    if odd.status is not ReturnStatus.OTHER or odd.raw_code != unknown:
        raise ctx.fail(f"unknown raw code {unknown!r} gave {odd.status} / {odd.raw_code!r}")
    if odd.raw_message != "未知原因":
        raise ctx.fail("raw message of an unknown code not kept")


def _record_fields(record: ReturnRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in ReturnRecord.__dataclass_fields__}


def _unrepresentable(ctx: _Context, _: int) -> None:
    adapter = ctx.adapter
    rare = [c for c in RARE_CHARACTERS if not _encodes(adapter.encoding, c)]
    # Longer than the name field of most layouts; a layout that takes it must
    # give it back exactly.
    long_name = "阿卜杜·热合曼" * 9
    names = {2: long_name}
    must = set()
    if rare:
        names.update({3: f"马{rare[0]}", 5: f"王{rare[-1]}明"})
        must = {3, 5}
    batch = kit_batch(adapter, 6, seed=13, names=names)
    try:
        payment = ctx.render(batch)
    except BankFileError as exc:
        refused = {d.location.record for d in exc.details}
        if not must <= refused or not refused <= set(names) or not refused:
            raise ctx.fail(
                f"refused items {sorted(map(str, refused))}, expected {sorted(names)}"
            ) from exc
        text = str(exc)
        for item in batch:
            if str(item.beneficiary.id_number) in text:
                raise ctx.fail("a full ID number appears in the error") from exc
        masked = [item.beneficiary.id_number.masked() for item in batch if item.seq in refused]
        if not all(m in text for m in masked):
            raise ctx.fail("the error does not name every refused item by masked ID") from exc
        return
    if must:
        raise ctx.fail("a batch with names the encoding cannot write was rendered")
    records = adapter.read_instructions(payment, ctx.keys.department_verifier).records
    if records[1].name != long_name:
        raise ctx.fail("a long name was rendered but not read back exactly")


def _flip(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def _tampered(
    files: Mapping[str, bytes], call: Callable[[Mapping[str, bytes]], object], ctx: _Context
) -> None:
    for name, data in files.items():
        for position in sorted({0, len(data) // 3, len(data) // 2, len(data) - 3}):
            if not 0 <= position < len(data):
                continue
            changed = dict(files)
            changed[name] = _flip(data, position)
            with _refused(ctx.bank, ctx.check, f"{name} byte {position} flipped"):
                call(changed)


def _tampered_instruction(ctx: _Context, _: int) -> None:
    payment = ctx.render(kit_batch(ctx.adapter, 4, seed=14))
    verifier = ctx.keys.department_verifier
    _tampered(payment.files, lambda f: ctx.adapter.read_instructions(f, verifier), ctx)


def _tampered_return(ctx: _Context, _: int) -> None:
    payment = ctx.render(kit_batch(ctx.adapter, 4, seed=15))
    returned = ctx.simulator().process(payment, created=_DAY)
    verifier = ctx.keys.bank_verifier
    _tampered(returned, lambda f: ctx.adapter.parse_return(f, verifier), ctx)


def _junk_inputs(valid: bytes, rng: random.Random) -> Iterator[bytes]:
    yield b""
    yield b"\x00"
    yield valid[: len(valid) // 2]
    yield valid[:-1]
    yield valid + valid
    yield rng.randbytes(200)
    yield b"PK\x03\x04" + rng.randbytes(100)
    for _ in range(30):
        data = bytearray(valid)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        yield bytes(data)
    for _ in range(10):
        cut = rng.randrange(len(valid))
        yield valid[:cut] + rng.randbytes(rng.randint(0, 20)) + valid[cut:]


def _junk(
    ctx: _Context,
    files: Mapping[str, bytes],
    signer: Signer,
    call: Callable[[Mapping[str, bytes]], object],
) -> None:
    rng = random.Random(f"junk/{ctx.bank}/{ctx.check}")  # noqa: S311 - reproducible junk
    adapter = ctx.adapter
    detached = isinstance(adapter, RecordFileAdapter)
    suffix = adapter.signature_suffix if isinstance(adapter, RecordFileAdapter) else "\0"
    main = next((name for name in files if not name.endswith(suffix)), next(iter(files)))
    for number, junk in enumerate(_junk_inputs(files[main], rng)):
        changed = dict(files)
        changed[main] = junk
        if detached:
            # Signed properly, so that the parser, not the signature, meets the junk.
            changed[main + suffix] = base64.b64encode(signer.sign(junk))
        _only_library_errors(ctx.bank, ctx.check, f"junk input {number}", _bind(call, changed))
    for name in files:
        for junk in (b"", b"\xff\xfe", b"not base64!"):
            changed = {**files, name: junk}
            _only_library_errors(ctx.bank, ctx.check, f"junk {name}", _bind(call, changed))
        rest = {k: v for k, v in files.items() if k != name}
        _only_library_errors(ctx.bank, ctx.check, f"without {name}", _bind(call, rest))
    _only_library_errors(ctx.bank, ctx.check, "no files", lambda: call({}))


def _bind(
    call: Callable[[Mapping[str, bytes]], object], files: Mapping[str, bytes]
) -> Callable[[], object]:
    return lambda: call(files)


def _junk_instruction(ctx: _Context, _: int) -> None:
    payment = ctx.render(kit_batch(ctx.adapter, 5, seed=16))
    verifier = ctx.keys.department_verifier
    _junk(
        ctx,
        payment.files,
        ctx.keys.department,
        lambda f: ctx.adapter.read_instructions(f, verifier),
    )


def _junk_return(ctx: _Context, _: int) -> None:
    payment = ctx.render(kit_batch(ctx.adapter, 5, seed=17))
    returned = ctx.simulator().process(payment, created=_DAY)
    verifier = ctx.keys.bank_verifier
    _junk(ctx, returned, ctx.keys.bank, lambda f: ctx.adapter.parse_return(f, verifier))


def _signed(adapter: RecordFileAdapter, name: str, data: bytes, signer: Signer) -> dict[str, bytes]:
    return {name: data, name + adapter.signature_suffix: base64.b64encode(signer.sign(data))}


def _totals(ctx: _Context, _: int) -> None:
    adapter = ctx.adapter
    if not isinstance(adapter, RecordFileAdapter):
        raise ctx.fail("the totals check needs a RecordFileAdapter")  # filtered out before
    batch = kit_batch(adapter, 4, seed=18)
    payment = ctx.render(batch)
    rows = adapter.instruction_rows(batch)
    values = adapter.instruction_values(batch, _DAY)
    digest = adapter._digest_of
    bad_total = adapter.instruction_format.write(
        {**values, "total": batch.total + Decimal("0.01")}, rows, digest
    )
    bad_count = adapter.instruction_format.write({**values, "count": batch.count + 1}, rows, digest)
    verifier = ctx.keys.department_verifier
    for data, code in (
        (bad_total, "bankfile.total_mismatch"),
        (bad_count, "bankfile.count_mismatch"),
    ):
        with _refused(ctx.bank, ctx.check, f"payment file ({code})", code):
            adapter.read_instructions(
                _signed(adapter, payment.main, data, ctx.keys.department), verifier
            )
    records = _return_records(ctx, batch)
    return_rows = [
        (r.seq, r.account, r.name, r.amount, r.raw_code, r.raw_message, r.bank_txn_id, r.settled_at)
        for r in records
    ]
    total = sum((r.amount for r in records), Decimal("0.00"))
    base = {"batch_id": batch.batch_id, "date": _DAY, "count": len(records), "total": total}
    for change, code in (
        ({"total": total + Decimal("0.01")}, "bankfile.total_mismatch"),
        ({"count": len(records) - 1}, "bankfile.count_mismatch"),
    ):
        data = adapter.return_format.write({**base, **change}, return_rows, digest)
        with _refused(ctx.bank, ctx.check, f"return file ({code})", code):
            adapter.parse_return(
                _signed(adapter, "return.dat", data, ctx.keys.bank), ctx.keys.bank_verifier
            )


def _duplicate_seq(ctx: _Context, _: int) -> None:
    adapter = ctx.adapter
    batch = kit_batch(adapter, 3, seed=19)
    records = _return_records(ctx, batch)
    records[2] = ReturnRecord(**{**_record_fields(records[2]), "seq": 1})
    files = adapter.write_return(batch.batch_id, records, ctx.keys.bank, created=_DAY)
    with _refused(ctx.bank, ctx.check, "return with a repeated seq", "bankfile.seq_duplicate"):
        adapter.parse_return(files, ctx.keys.bank_verifier)


def _other_batch(ctx: _Context, _: int) -> None:
    adapter = ctx.adapter
    batch = kit_batch(adapter, 2, seed=20)
    files = adapter.write_return(
        batch.batch_id, _return_records(ctx, batch), ctx.keys.bank, created=_DAY
    )
    with _refused(ctx.bank, ctx.check, "return for another batch", "bankfile.batch_mismatch"):
        adapter.parse_return(files, ctx.keys.bank_verifier, batch_id=f"{batch.batch_id}X")


def _already_paid(ctx: _Context, _: int) -> None:
    payment = ctx.render(kit_batch(ctx.adapter, 2, seed=21))
    simulator = ctx.simulator()
    simulator.process(payment, created=_DAY)
    with _refused(ctx.bank, ctx.check, "a batch paid twice", "bankfile.batch_already_paid"):
        simulator.process(payment, created=_DAY)


#: Checks that write files through the format engines of a RecordFileAdapter.
_RECORD_ONLY: Final = frozenset({"totals"})

#: Every check of the kit: name → function(context, size).
CHECKS: Final[dict[str, Callable[[_Context, int], None]]] = {
    "roundtrip": _roundtrip,
    "statuses": _statuses,
    "unknown_code": _unknown_code,
    "unrepresentable": _unrepresentable,
    "tampered_instruction": _tampered_instruction,
    "tampered_return": _tampered_return,
    "junk_instruction": _junk_instruction,
    "junk_return": _junk_return,
    "totals": _totals,
    "duplicate_seq": _duplicate_seq,
    "other_batch": _other_batch,
    "already_paid": _already_paid,
}


@dataclass(frozen=True)
class ConformanceCase:
    """One check of the kit for one bank (and size, for the round trip)."""

    bank: str
    check: str
    size: int = 0

    @property
    def large(self) -> bool:
        """True for the 10,000-item round trip."""
        return self.size >= 10_000

    @property
    def id(self) -> str:
        """Test id: ``psbc-roundtrip[2]``."""
        return f"{self.bank}-{self.name}"

    @property
    def name(self) -> str:
        """The check's name with its size."""
        return f"{self.check}[{self.size}]" if self.size else self.check

    def run(self) -> None:
        """Run the check; :class:`ConformanceFailure` if the adapter breaks it."""
        CHECKS[self.check](_Context(self.bank, self.check), self.size)


def conformance_cases(codes: list[str] | None = None) -> list[ConformanceCase]:
    """Every case for every registered adapter (or for ``codes``)."""
    adapters = available_adapters()
    banks = codes if codes is not None else list(adapters)
    cases: list[ConformanceCase] = []
    for bank in banks:
        info = adapters.get(bank)
        record_based = info is not None and issubclass(info.adapter, RecordFileAdapter)
        for check in CHECKS:
            if check in _RECORD_ONLY and not record_based:
                # Needs the adapter's format engines to write inconsistent files.
                continue
            sizes = ROUNDTRIP_SIZES if check == "roundtrip" else (0,)
            cases.extend(ConformanceCase(bank, check, size) for size in sizes)
    return cases


def run_conformance(bank: str, *, large: bool = True) -> list[str]:
    """Run every check for ``bank``; the names of the checks passed.

    Raises :class:`ConformanceFailure` at the first check that fails.
    """
    passed = []
    for case in conformance_cases([bank]):
        if case.large and not large:
            continue
        case.run()
        passed.append(case.name)
    return passed
