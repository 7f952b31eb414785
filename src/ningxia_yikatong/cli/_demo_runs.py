"""What ``yikatong demo`` carries from one step to the next: the checks of a
bank's batch, each round at the bank, and the whole run at one bank, with what
the ledger records of them; and how the demo prints a line."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..checks import CheckReport, Finding
from ..payout import PayoutBatch
from ..reconcile import RecipientNotice, Reconciliation, Reissue
from ._app import console

__all__ = ["ACCEPTED_WARNINGS", "BankRun", "Checked", "Round", "TownRun", "heading", "say"]

#: Warnings that staff accept after looking into them (人工核定), with the reason.
ACCEPTED_WARNINGS = {
    "household_region": "已电话核实：本人已迁入花名册所在区划，户籍登记尚未更新",
}


@dataclass(frozen=True)
class Checked:
    """The cross-checks of one bank's batch: the checked batch, its report, the
    warnings staff accepted (finding and reason), and the batch paid after it
    (``None`` when every item was blocked) with its own report (the checks run
    again on the cleared content, which is what its approval is bound to)."""

    batch: PayoutBatch
    report: CheckReport
    accepted: tuple[tuple[Finding, str], ...]
    cleared: PayoutBatch | None
    cleared_report: CheckReport | None = None


@dataclass(frozen=True)
class Round:
    """One round at the bank, as the ledger records it: the payment file
    (SHA-256 of its bytes, the department's signing key and the bank key
    expected on the return), the return (SHA-256 of its data file, the key that
    verified it), the reconciliation and the notices sent."""

    payment_digest: str
    signing_key_fingerprint: str
    bank_key_fingerprint: str
    return_digest: str
    verifying_key_fingerprint: str
    reconciliation: Reconciliation
    notices: tuple[RecipientNotice, ...] = ()

    @property
    def batch(self) -> PayoutBatch:
        """The batch paid in this round."""
        return self.reconciliation.batch


@dataclass
class BankRun:
    """What happened at one bank."""

    bank: str
    name: str
    rounds: tuple[Round, ...]
    paid_count: int
    paid_amount: Decimal
    double_payments: int
    checked: Checked | None = None
    reissue: Reissue | None = None
    reissue_report: CheckReport | None = None

    @property
    def batch(self) -> PayoutBatch:
        """The batch paid in the first round."""
        return self.rounds[0].batch

    @property
    def first(self) -> Reconciliation:
        """The first round's reconciliation."""
        return self.rounds[0].reconciliation

    @property
    def items(self) -> int:
        """Items paid in the first round."""
        return self.batch.count

    @property
    def amount(self) -> Decimal:
        """Amount of the first round."""
        return self.batch.total

    @property
    def reissued(self) -> int:
        """Items reissued in the second round."""
        return sum(r.batch.count for r in self.rounds[1:])


@dataclass(frozen=True)
class TownRun:
    """The township batch: its check report and its one round at the bank, in
    which the accounts ``held`` were frozen (冻结): left to be paid once
    unfrozen, not reissued in the period."""

    report: CheckReport
    round: Round
    held: tuple[int, ...]

    @property
    def batch(self) -> PayoutBatch:
        """The township batch."""
        return self.round.batch


def say(text: str) -> None:
    """A line of prose: long lines wrap in the terminal, not in the text."""
    console.print(text, soft_wrap=True)


def heading(title: str) -> None:
    """A numbered part of the demo, as a rule across the terminal."""
    console.rule(f"[bold]{title}")
