"""Agent banks (代发金融机构): adapters, format engines and the bank simulator.

Every bank is an adapter (:class:`BankAdapter`) found through the entry-point
group ``ningxia_yikatong.banks``; the built-in banks register there like any
bank integrator's package:

>>> {"abc", "icbc", "nxrcb", "psbc"} <= set(available_adapters())
True
>>> adapter = get_adapter("nxrcb")
>>> adapter.encoding, adapter.signature_scheme
('gb18030', 'SM2-SM3')

An adapter renders a :class:`~ningxia_yikatong.payout.PayoutBatch` into a signed
:class:`PaymentFile` and parses the bank's return file (回盘) into a
:class:`BankReturn`; :class:`BankSimulator` plays the bank in tests and demos.
"""

from __future__ import annotations

from ._adapter import (
    INSTRUCTION_COLUMNS,
    RETURN_COLUMNS,
    BankAdapter,
    BankConfig,
    RecordFileAdapter,
    RecordFormat,
)
from ._jsonbank import JsonBankAdapter
from ._model import (
    BankReturn,
    InstructionRecord,
    Instructions,
    PaymentFile,
    ReturnRecord,
    ReturnStatus,
    status_table,
)
from ._registry import (
    ENTRY_POINT_GROUP,
    AdapterInfo,
    available_adapters,
    discover_adapters,
    get_adapter,
    registry_failures,
)
from ._xmlbank import XmlBankAdapter
from .simulator import BankSimulator, OutcomeRules

__all__ = [
    "ENTRY_POINT_GROUP",
    "INSTRUCTION_COLUMNS",
    "RETURN_COLUMNS",
    "AdapterInfo",
    "BankAdapter",
    "BankConfig",
    "BankReturn",
    "BankSimulator",
    "InstructionRecord",
    "Instructions",
    "JsonBankAdapter",
    "OutcomeRules",
    "PaymentFile",
    "RecordFileAdapter",
    "RecordFormat",
    "ReturnRecord",
    "ReturnStatus",
    "XmlBankAdapter",
    "available_adapters",
    "discover_adapters",
    "get_adapter",
    "registry_failures",
    "status_table",
]
