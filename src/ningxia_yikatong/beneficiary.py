"""Beneficiaries (补贴对象): a person, where they live, and the account to pay."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ._model import DomainModel
from .bank import BankAccount
from .identity import PersonName, Phone, ResidentIdNumber
from .regions import RegionCode

__all__ = ["Beneficiary", "CareLevel", "DisabilityGrade", "HouseholdId"]

#: Household number (户编号) as the competent department keeps it.
HouseholdId = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]


class DisabilityGrade(StrEnum):
    """Disability grade (残疾等级) on the 残疾人证, GB/T 26341-2010: 一级 is the most severe."""

    FIRST = "一级"
    SECOND = "二级"
    THIRD = "三级"
    FOURTH = "四级"


class CareLevel(StrEnum):
    """Care level (护理等级) assessed for people in extreme poverty (特困人员)."""

    SELF_CARE = "全自理"
    PARTIAL_CARE = "半护理"
    FULL_CARE = "全护理"


class Beneficiary(DomainModel):
    """A person who receives a subsidy, or the representative of a household.

    ``region`` is where the person is registered (a county, township or village
    code); ``household_id`` groups members of one household for household
    policies. ``disability_grade`` (残疾等级) and ``care_level`` (护理等级)
    are known only for the policies that need them; tiered standards select
    on them.
    """

    id_number: ResidentIdNumber
    name: PersonName
    region: RegionCode
    household_id: HouseholdId | None = None
    phone: Phone | None = None
    account: BankAccount
    disability_grade: DisabilityGrade | None = None
    care_level: CareLevel | None = None
