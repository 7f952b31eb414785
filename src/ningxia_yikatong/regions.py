"""Administrative divisions (行政区划代码, GB/T 2260) of Ningxia.

Codes are 6 digits for the region (640000), its five prefecture-level cities
(640100 ...) and its 22 county-level units (640104 ...); township and village
statistical codes (统计用区划代码) are 9 and 12 digits and begin with their
county's code. The table is bundled as ``data/regions.csv``.

A code in an ID number is the one in force when it was issued and is never
checked against this table (see :mod:`ningxia_yikatong.identity`).

>>> code = RegionCode("640122101001")
>>> code.county, code.county.name, code.prefecture.name
(RegionCode('640122'), '贺兰县', '银川市')
>>> RegionCode("640100").contains(code)
True
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Final

from ._arguments import checked_on_failure
from ._types import StrValue
from .errors import InvalidRegion, InvalidValue

__all__ = ["NINGXIA", "Region", "RegionCode", "RegionLevel", "counties", "region_table"]

_LENGTHS: Final = frozenset({6, 9, 12})
# Validated codes by their input text: a province's rosters use a few thousand
# village codes, so a batch shares one object per code instead of holding a
# copy per person (and skips the checks). Bounded, so junk cannot grow it.
_INTERNED: dict[str, RegionCode] = {}
_INTERNED_MAX: Final = 200_000


class RegionLevel(StrEnum):
    """Level of a division."""

    REGION = "region"  # 自治区
    PREFECTURE = "prefecture"  # 地级市
    COUNTY = "county"  # 县级
    TOWNSHIP = "township"  # 乡镇（街道）
    VILLAGE = "village"  # 村（社区）


@dataclass(frozen=True, slots=True)
class Region:
    """One row of the bundled table."""

    code: str
    name: str
    level: RegionLevel
    parent: str | None


@cache
def region_table() -> dict[str, Region]:
    """The bundled table, code to :class:`Region`, loaded once."""
    text = resources.files(__package__).joinpath("data/regions.csv").read_text("utf-8")
    return {
        row["code"]: Region(
            row["code"], row["name"], RegionLevel(row["level"]), row["parent"] or None
        )
        for row in csv.DictReader(io.StringIO(text))
    }


def counties() -> tuple[RegionCode, ...]:
    """The county-level codes of the table, in code order."""
    return tuple(
        RegionCode(r.code) for r in region_table().values() if r.level is RegionLevel.COUNTY
    )


class RegionCode(StrValue):
    """A division code: 6-digit codes of the table, or 9/12-digit codes below a county.

    Refused: anything but 6, 9 or 12 ASCII digits (``region.format``), a
    6-digit code not in the table or a longer code under no county of it
    (``region.unknown``).
    """

    __slots__ = ()

    def __new__(cls, value: object) -> RegionCode:
        if type(value) is cls:
            return value
        if cls is RegionCode and type(value) is str:
            known = _INTERNED.get(value)
            if known is not None:
                return known
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise InvalidRegion("行政区划代码必须是文本", code="region.type")
        code = value.strip()
        if len(code) not in _LENGTHS or not (code.isascii() and code.isdigit()):
            raise InvalidRegion(
                "行政区划代码应为6位（县级以上）、9位（乡镇）或12位（村）数字",
                code="region.format",
            )
        table = region_table()
        if len(code) == 6:
            if code not in table:
                raise InvalidRegion(f"未知的行政区划代码：{code}", code="region.unknown")
        else:
            county = table.get(code[:6])
            if county is None or county.level is not RegionLevel.COUNTY:
                raise InvalidRegion(
                    f"行政区划代码 {code} 不属于已知的县级行政区", code="region.unknown"
                )
        region = str.__new__(cls, code)
        if cls is RegionCode and type(value) is str and len(_INTERNED) < _INTERNED_MAX:
            _INTERNED[value] = region
        return region

    @property
    def level(self) -> RegionLevel:
        """The level of this division."""
        if len(self) == 12:
            return RegionLevel.VILLAGE
        if len(self) == 9:
            return RegionLevel.TOWNSHIP
        return region_table()[self].level

    @property
    def county(self) -> RegionCode:
        """The county-level code this code belongs to (itself for a county).

        A prefecture or the region has no county: ``region.level``.
        """
        if self.level in (RegionLevel.REGION, RegionLevel.PREFECTURE):
            raise InvalidRegion(f"{self} 不是县级及以下区划", code="region.level")
        return RegionCode(self[:6])

    @property
    def prefecture(self) -> RegionCode:
        """The prefecture-level city (地级市); the region itself for 640000."""
        if self.level is RegionLevel.REGION:
            return self
        return RegionCode(self[:4] + "00")

    @property
    def name(self) -> str:
        """Name from the table; for a township or village, its county's name."""
        return region_table()[self[:6]].name

    @property
    def _prefix(self) -> str:
        level = self.level
        if level is RegionLevel.REGION:
            return self[:2]
        if level is RegionLevel.PREFECTURE:
            return self[:4]
        return str(self)

    @checked_on_failure(InvalidValue, "value")
    def contains(self, other: str) -> bool:
        """Whether ``other`` is this division or lies inside it."""
        return other.startswith(self._prefix)


#: The whole region, 宁夏回族自治区.
NINGXIA: Final = RegionCode("640000")
