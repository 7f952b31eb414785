"""Beneficiaries (补贴对象): a person, where they live, and the account to pay."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ._model import DomainModel
from .bank import BankAccount
from .identity import PersonName, Phone, ResidentIdNumber
from .regions import RegionCode

__all__ = ["Beneficiary", "HouseholdId"]

#: Household number (户编号) as the competent department keeps it.
HouseholdId = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]


class Beneficiary(DomainModel):
    """A person who receives a subsidy, or the representative of a household.

    ``region`` is where the person is registered (a county, township or village
    code); ``household_id`` groups members of one household for household
    policies.
    """

    id_number: ResidentIdNumber
    name: PersonName
    region: RegionCode
    household_id: HouseholdId | None = None
    phone: Phone | None = None
    account: BankAccount
