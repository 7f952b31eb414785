"""ningxia_yikatong: subsidy payouts through the social-security-card account.

惠民惠农财政补贴资金"一卡通": policies (补贴政策) and their published list
(补贴政策清单), rosters (花名册), cross-checks before payment (比对), agent-bank
files with SM2/RSA signatures, reconciliation of bank returns (回盘) with reissue
of failures (补发) and notices to recipients (逐项告知).
"""

from __future__ import annotations

from .bank import AccountNumber, AgentBank, BankAccount, BankCode
from .beneficiary import Beneficiary
from .catalog import PolicyCatalog
from .codes import BatchId, Period, PolicyCode
from .errors import YikatongError
from .identity import PersonName, Phone, ResidentIdNumber
from .money import Amount
from .payout import PayoutBatch, PayoutItem
from .policy import SubsidyPolicy
from .regions import RegionCode
from .roster import RosterResult, read_roster

__version__ = "0.1.0"

__all__ = [
    "AccountNumber",
    "AgentBank",
    "Amount",
    "BankAccount",
    "BankCode",
    "BatchId",
    "Beneficiary",
    "PayoutBatch",
    "PayoutItem",
    "Period",
    "PersonName",
    "Phone",
    "PolicyCatalog",
    "PolicyCode",
    "RegionCode",
    "ResidentIdNumber",
    "RosterResult",
    "SubsidyPolicy",
    "YikatongError",
    "__version__",
    "read_roster",
]
