"""Subsidy policies (补贴政策) and their standards (补贴标准).

A policy says who may receive what, how much, how often, from which levels of
government's money, where, and through which account. Its standard is one of:

* :class:`FixedStandard`: the same amount per period (e.g. 80 yuan a month);
* :class:`PerUnitStandard`: a rate per unit (亩, 头, 人) times the item's quantity;
* :class:`TieredStandard`: an amount chosen by the beneficiary's tier: age
  band, city or county, disability grade (残疾等级), care level (护理等级);
* :class:`DeclaredStandard`: the amount the roster declares, up to a cap;
* :class:`CappedStandard`: one of the above per payment, plus a cap on what one
  person may receive in a year or in all (每人每年/累计封顶).

Funding shares (资金分担) may differ by county (:class:`CountyFunding`).

>>> from decimal import Decimal
>>> std = PerUnitStandard(unit="亩", rate=Decimal("105.5"))
>>> std.amount_for(quantity=Decimal("12.5"))
Amount('1318.75')
"""

from __future__ import annotations

from ._policy import (
    CountyFunding,
    Frequency,
    FundingShares,
    GovernmentLevel,
    PayMode,
    PolicyCategory,
    SubsidyPolicy,
    Target,
)
from ._standards import (
    ROUNDING,
    TIER_CONDITIONS,
    CappedStandard,
    CapScope,
    DeclaredStandard,
    FixedStandard,
    PaymentStandard,
    PerUnitStandard,
    Standard,
    Tier,
    TieredStandard,
    payment_standard,
)

__all__ = [
    "ROUNDING",
    "TIER_CONDITIONS",
    "CapScope",
    "CappedStandard",
    "CountyFunding",
    "DeclaredStandard",
    "FixedStandard",
    "Frequency",
    "FundingShares",
    "GovernmentLevel",
    "PayMode",
    "PaymentStandard",
    "PerUnitStandard",
    "PolicyCategory",
    "Standard",
    "SubsidyPolicy",
    "Target",
    "Tier",
    "TieredStandard",
    "payment_standard",
]
