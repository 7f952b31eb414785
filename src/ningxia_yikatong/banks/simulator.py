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
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..errors import AdapterError, BankFileError
from ..signing._protocols import Signer, Verifier
from ._adapter import BankAdapter, argument_error
from ._model import Instructions, PaymentFile, ReturnRecord, ReturnStatus

__all__ = ["BankSimulator", "OutcomeRules"]


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
    already paid before this simulator started.
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
        self._txn = 0
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
    ) -> dict[str, bytes]:
        """Read, check and pay ``payment``; the signed return file's names and bytes."""
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
        if instructions.batch_id in self._paid:
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
        self._paid.add(instructions.batch_id)
        return files
