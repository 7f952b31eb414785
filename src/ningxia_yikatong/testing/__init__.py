"""Test helpers: synthetic data and sample policies for tests, examples and benchmarks.

* :mod:`.synthetic`: seeded beneficiaries, payout items, batches and roster
  files (花名册, CSV and XLSX) -- re-exported here;
* :mod:`.policies`: sample subsidy policies (``sample_policies()``);
* :mod:`.strategies`: hypothesis strategies (needs the ``test`` extra).

>>> from ningxia_yikatong.testing import SyntheticData
>>> SyntheticData(seed=1).batch(3).count
3
"""

from __future__ import annotations

from .synthetic import (
    BANK_BINS,
    DEFAULT_AS_OF,
    RARE_CHARACTERS,
    ROSTER_HEADERS,
    RosterRow,
    SyntheticData,
    SyntheticPerson,
    card_number,
    valid_id_number,
    write_roster_csv,
    write_roster_xlsx,
)

__all__ = [
    "BANK_BINS",
    "DEFAULT_AS_OF",
    "RARE_CHARACTERS",
    "ROSTER_HEADERS",
    "RosterRow",
    "SyntheticData",
    "SyntheticPerson",
    "card_number",
    "valid_id_number",
    "write_roster_csv",
    "write_roster_xlsx",
]
