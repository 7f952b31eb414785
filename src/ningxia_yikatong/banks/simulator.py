"""A bank simulator (模拟代发银行) that plays an agent bank for tests, examples and demos.

It reads a payment file exactly as the bank would, through the adapter's bank
side: the department's signature is verified, the file's count and total are
checked against its records, and a batch id it has already paid is refused.
Then it decides each item's outcome (deterministic for a seed) and writes the
return file (回盘) in the bank's format, signed with the bank's key.

Outcomes come from :class:`OutcomeRules`: a rule per account number ("this
account is closed"), the names the bank holds for accounts (a different name is
a name mismatch), and shares of the remaining items per failure status, drawn
with a seeded generator so that the same seed gives the same return.

Like a real bank it refuses a batch id it has paid: the same batch again
(``bankfile.batch_already_paid``) and another batch under a used id
(``bankfile.batch_id_reused``). With ``state_file`` it remembers its paid
batches between runs in a JSON file of its own (see :data:`STATE_FORMAT`),
written atomically; a file there that is not such a state file is refused and
never overwritten.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import random
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from ..errors import AdapterError, BankFileError, FileFormatError
from ..signing._protocols import Signer, Verifier
from ._adapter import BankAdapter, argument_error
from ._model import Instructions, PaymentFile, ReturnRecord, ReturnStatus

__all__ = ["STATE_FORMAT", "STATE_VERSION", "BankSimulator", "OutcomeRules", "instructions_digest"]

#: The ``format`` member that marks a simulator's state file; nothing else is read or replaced.
STATE_FORMAT: Final = "ningxia_yikatong.bank_simulator.state"
#: The version of the state file's layout this simulator reads and writes.
STATE_VERSION: Final = 1
#: Largest state file read (bytes).
MAX_STATE_BYTES: Final = 64 * 1024 * 1024


def instructions_digest(instructions: Instructions) -> str:
    """SHA-256 (hex) of what a payment file asks the bank to pay.

    It covers the bank, batch id, payer, figures and every item (seq, account,
    name, ID number, amount, memo), not file names, dates or signatures: the
    same payments rendered again digest the same.
    """
    payload = [
        instructions.bank,
        instructions.batch_id,
        instructions.payer_account,
        instructions.payer_name,
        instructions.count,
        str(instructions.total),
        [
            [r.seq, r.account, r.name, r.id_number, str(r.amount), r.memo or ""]
            for r in instructions.records
        ],
    ]
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _state_error(path: Path, message: str, code: str) -> FileFormatError:
    return FileFormatError(message, code=code, file=str(path))


def _read_state(path: Path) -> dict[str, Any] | None:
    """The state in ``path`` (``None`` when there is no file); refuses anything else."""
    try:
        if path.is_dir():
            raise _state_error(path, "模拟银行状态文件的位置是一个目录", "simulator.state_foreign")
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _state_error(
            path, f"无法读取模拟银行状态文件：{type(exc).__name__}", "simulator.state_unreadable"
        ) from None
    if size > MAX_STATE_BYTES:
        raise _state_error(
            path, f"文件过大（{size}字节），不是模拟银行的状态文件", "simulator.state_foreign"
        )
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise _state_error(
            path, f"无法读取模拟银行状态文件：{type(exc).__name__}", "simulator.state_unreadable"
        ) from None
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
        raise _state_error(
            path,
            "该文件不是模拟银行的状态文件（没有其格式标记），不会读取，也不会覆盖；请另指定状态文件",
            "simulator.state_foreign",
        )
    if data.get("version") != STATE_VERSION:
        raise _state_error(
            path,
            f"模拟银行状态文件的版本为 {data.get('version')!r}，本程序只读写版本 {STATE_VERSION}",
            "simulator.state_version",
        )
    banks = data.get("banks")
    ok = isinstance(banks, dict) and all(
        isinstance(b, dict)
        and isinstance(b.get("last_txn"), int)
        and isinstance(b.get("batches"), dict)
        and all(
            isinstance(k, str) and isinstance(v, dict) and isinstance(v.get("digest"), str)
            for k, v in b["batches"].items()
        )
        for b in banks.values()
    )
    if not ok:
        raise _state_error(path, "模拟银行状态文件的内容不完整或已损坏", "simulator.state_invalid")
    return data


def _write_state(path: Path, state: dict[str, Any]) -> None:
    """Replace ``path`` with ``state`` atomically (a temporary file, then ``os.replace``)."""
    _read_state(path)  # refuses a file that appeared in the meantime and is not ours
    text = json.dumps(state, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _state_error(
            path, f"无法写入模拟银行状态文件：{type(exc).__name__}", "simulator.state_unwritable"
        ) from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)  # the temporary file is this function's own
        raise _state_error(
            path, f"无法写入模拟银行状态文件：{type(exc).__name__}", "simulator.state_unwritable"
        ) from None


def _share(value: object, status: ReturnStatus) -> Decimal:
    try:
        share = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        share = Decimal(-1)
    if isinstance(value, bool) or not share.is_finite() or not 0 <= share <= 1:
        raise AdapterError(f"“{status.label}”的比例应为0至1之间的数", code="simulator.share")
    return share


@dataclass(frozen=True)
class OutcomeRules:
    """How the simulated bank answers.

    * ``accounts``: account number → status, applied first;
    * ``holder_names``: account number → the name the bank holds; an instruction
      with another name gets ``NAME_MISMATCH``;
    * ``shares``: status → share (0..1) of the remaining items that get it, the
      rest succeed; the number of items is rounded half up, per status.
    """

    accounts: Mapping[str, ReturnStatus] = field(default_factory=dict)
    holder_names: Mapping[str, str] = field(default_factory=dict)
    shares: Mapping[ReturnStatus, Decimal | str | float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        total = sum((_share(v, ReturnStatus(k)) for k, v in self.shares.items()), Decimal(0))
        if total > 1:
            raise AdapterError("各结果的比例之和不能超过1", code="simulator.share")


class BankSimulator:
    """Plays the bank of ``adapter`` (an adapter or a bank code).

    ``signer`` is the bank's key (it signs the return), ``verifier`` checks the
    department's signature on payment files. ``paid_batches`` are batch ids
    already paid before this simulator started. ``state_file`` keeps the paid
    batches (id and :func:`instructions_digest`) and the last transaction
    number between runs: read when the simulator starts and before each
    payment, created or replaced atomically after each payment; an existing
    file that is not a simulator's state file is refused
    (``simulator.state_foreign``) and left as it is.
    """

    def __init__(
        self,
        adapter: BankAdapter | str,
        signer: Signer,
        verifier: Verifier,
        *,
        seed: int = 0,
        rules: OutcomeRules | None = None,
        clock: Callable[[], _dt.datetime] | None = None,
        paid_batches: Iterable[str] = (),
        state_file: str | os.PathLike[str] | None = None,
    ) -> None:
        for name, value, kind, expected in (
            ("adapter", adapter, BankAdapter | str, "BankAdapter | str"),
            ("signer", signer, Signer, "Signer"),
            ("verifier", verifier, Verifier, "Verifier"),
            ("seed", seed, int, "int"),
            ("rules", rules, OutcomeRules | None, "OutcomeRules | None"),
        ):
            if not isinstance(value, kind) or (name == "seed" and isinstance(value, bool)):
                raise argument_error("BankSimulator", name, expected, value)
        if clock is not None and not callable(clock):
            raise argument_error("BankSimulator", "clock", "Callable[[], datetime] | None", clock)
        if isinstance(paid_batches, str | bytes) or not isinstance(paid_batches, Iterable):
            raise argument_error("BankSimulator", "paid_batches", "Iterable[str]", paid_batches)
        paid = set(paid_batches)
        if not all(isinstance(b, str) for b in paid):
            raise argument_error("BankSimulator", "paid_batches", "Iterable[str]", paid_batches)
        if state_file is not None and not isinstance(state_file, str | os.PathLike):
            raise argument_error("BankSimulator", "state_file", "str | PathLike | None", state_file)
        if isinstance(adapter, str):
            from ._registry import get_adapter  # noqa: PLC0415 - registry imports this package

            adapter = get_adapter(adapter)
        self.adapter = adapter
        self.signer = signer
        self.verifier = verifier
        self.seed = seed
        self.rules = rules or OutcomeRules()
        self.clock = clock
        self._paid: set[str] = paid
        self._digests: dict[str, str] = {}
        self._txn = 0
        self.state_file = None if state_file is None else Path(state_file)
        self._load_state()
        reportable = set(adapter.reportable_statuses)
        wanted = set(self.rules.accounts.values()) | {ReturnStatus(s) for s in self.rules.shares}
        if self.rules.holder_names:
            wanted.add(ReturnStatus.NAME_MISMATCH)
        unknown = wanted - reportable
        if unknown:
            labels = "、".join(sorted(s.label for s in unknown))
            raise AdapterError(
                f"{adapter.name}不报告这些结果：{labels}", code="simulator.status_unsupported"
            )

    def _load_state(self) -> dict[str, Any] | None:
        if self.state_file is None:
            return None
        state = _read_state(self.state_file)
        if state is None:
            return None
        mine = state["banks"].get(self.adapter.code)
        if mine is not None:
            for batch_id, paid in mine["batches"].items():
                self._paid.add(batch_id)
                self._digests[batch_id] = paid["digest"]
            self._txn = max(self._txn, mine["last_txn"])
        return state

    def _save_state(self, instructions: Instructions, digest: str, day: _dt.date) -> None:
        if self.state_file is None:
            return
        state = self._load_state() or {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "banks": {},
        }
        mine = state["banks"].setdefault(self.adapter.code, {"batches": {}, "last_txn": 0})
        mine["batches"][instructions.batch_id] = {
            "digest": digest,
            "count": instructions.count,
            "total": str(instructions.total),
            "paid_on": day.isoformat(),
        }
        mine["last_txn"] = max(mine["last_txn"], self._txn)
        _write_state(self.state_file, state)

    @property
    def paid_batches(self) -> frozenset[str]:
        """Batch ids this bank has paid."""
        return frozenset(self._paid)

    def outcomes(self, instructions: Instructions) -> dict[int, ReturnStatus]:
        """The status of every item of ``instructions``, by seq (deterministic)."""
        if not isinstance(instructions, Instructions):
            raise argument_error(
                "BankSimulator.outcomes", "instructions", "Instructions", instructions
            )
        rules = self.rules
        result: dict[int, ReturnStatus] = {}
        rest: list[int] = []
        for record in instructions.records:
            status = rules.accounts.get(record.account)
            held = rules.holder_names.get(record.account)
            if status is None and held is not None and held != record.name:
                status = ReturnStatus.NAME_MISMATCH
            if status is None:
                rest.append(record.seq)
            else:
                result[record.seq] = status
        # Reproducible outcomes for a seed, not secrets.
        rng = random.Random(f"{self.seed}/{instructions.bank}/{instructions.batch_id}")  # noqa: S311
        rng.shuffle(rest)
        start = 0
        n = len(rest)
        for key, value in rules.shares.items():
            status = ReturnStatus(key)
            k = int((_share(value, status) * n).to_integral_value(ROUND_HALF_UP))
            for seq in rest[start : start + k]:
                result[seq] = status
            start += k
        for seq in rest[start:]:
            result[seq] = ReturnStatus.SUCCESS
        return result

    def process(
        self,
        payment: PaymentFile | Mapping[str, bytes],
        *,
        created: _dt.date | None = None,
        deliver: Callable[[dict[str, bytes]], None] | None = None,
    ) -> dict[str, bytes]:
        """Read, check and pay ``payment``; the signed return file's names and bytes.

        ``deliver`` is called with the return files before the payment is
        recorded: if it raises (the files could not be written), the batch is
        not taken as paid and may be submitted again.
        """
        if created is not None and not isinstance(created, _dt.date):
            raise argument_error(
                "BankSimulator.process", "created", "datetime.date | None", created
            )
        adapter = self.adapter
        instructions = adapter.read_instructions(payment, self.verifier)
        main = next(iter(n for n in instructions.files if not n.endswith(".sig")), None)
        if isinstance(payment, PaymentFile) and (
            payment.count != instructions.count or payment.total != instructions.total
        ):
            raise BankFileError(
                f"付款文件登记的笔数、金额（{payment.count}笔，{payment.total}元）与文件内容"
                f"（{instructions.count}笔，{instructions.total}元）不符",
                code="bankfile.figures_mismatch",
                file=main,
            )
        digest = instructions_digest(instructions)
        self._load_state()  # another run may have paid since
        if self.state_file is not None and not self.state_file.parent.is_dir():
            raise _state_error(
                self.state_file, "模拟银行状态文件所在的目录不存在", "simulator.state_unwritable"
            )
        if instructions.batch_id in self._paid:
            known = self._digests.get(instructions.batch_id)
            if known is not None and known != digest:
                raise BankFileError(
                    f"批次号 {instructions.batch_id} 已用于另一批已付款的代发（内容不同），"
                    "不能再用；请换用新的批次号",
                    code="bankfile.batch_id_reused",
                    file=main,
                    line=1,
                    field="batch_id",
                )
            raise BankFileError(
                f"批次 {instructions.batch_id} 已经付款，不能重复付款",
                code="bankfile.batch_already_paid",
                file=main,
                line=1,
                field="batch_id",
            )
        now = self.clock() if self.clock is not None else None
        day = created or (now.date() if now else None) or instructions.pay_date
        day = day or _dt.date.today()
        settled = now or _dt.datetime.combine(day, _dt.time(10, 0))
        outcomes = self.outcomes(instructions)
        records = []
        prefix = f"{adapter.code.upper()[:6]}{day:%Y%m%d}"
        for record in instructions.records:
            status = outcomes[record.seq]
            code, message = adapter.code_for(status)
            txn = None
            if status is not ReturnStatus.PENDING:
                self._txn += 1
                txn = f"{prefix}{self._txn:012d}"
            records.append(
                ReturnRecord(
                    seq=record.seq,
                    account=record.account,
                    name=record.name,
                    amount=record.amount,
                    status=status,
                    raw_code=code,
                    raw_message=message,
                    bank_txn_id=txn,
                    settled_at=None if status is ReturnStatus.PENDING else settled,
                )
            )
        files = adapter.write_return(instructions.batch_id, records, self.signer, created=day)
        if deliver is not None:
            deliver(files)
        self._save_state(instructions, digest, day)
        self._paid.add(instructions.batch_id)
        self._digests[instructions.batch_id] = digest
        return files
