"""Region codes against the bundled GB/T 2260 table of Ningxia."""

from __future__ import annotations

import pytest

from ningxia_yikatong import RegionCode
from ningxia_yikatong.errors import InvalidRegion
from ningxia_yikatong.regions import NINGXIA, RegionLevel, counties, region_table


def test_table_has_region_prefectures_and_22_counties() -> None:
    table = region_table()
    levels = [r.level for r in table.values()]
    assert levels.count(RegionLevel.REGION) == 1
    assert levels.count(RegionLevel.PREFECTURE) == 5
    assert len(counties()) == 22
    for region in table.values():
        if region.parent is not None:
            assert region.parent in table


@pytest.mark.parametrize(
    ("code", "level", "name"),
    [
        ("640000", RegionLevel.REGION, "宁夏回族自治区"),
        ("640400", RegionLevel.PREFECTURE, "固原市"),
        ("640422", RegionLevel.COUNTY, "西吉县"),
        ("640422100", RegionLevel.TOWNSHIP, "西吉县"),
        ("640422100201", RegionLevel.VILLAGE, "西吉县"),
        (640303, RegionLevel.COUNTY, "红寺堡区"),
    ],
)
def test_levels_and_names(code: object, level: RegionLevel, name: str) -> None:
    region = RegionCode(code)
    assert region.level is level
    assert region.name == name


def test_hierarchy() -> None:
    village = RegionCode("640122101001")
    assert village.county == RegionCode("640122")
    assert village.prefecture == RegionCode("640100")
    assert NINGXIA.contains(village)
    assert RegionCode("640100").contains(village)
    assert RegionCode("640122").contains(village)
    assert not RegionCode("640121").contains(village)
    assert not RegionCode("640200").contains(village)
    assert RegionCode("640122101").contains(village)
    assert NINGXIA.prefecture == NINGXIA
    with pytest.raises(InvalidRegion):
        _ = RegionCode("640100").county


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ("64012", "region.format"),
        ("6401221", "region.format"),
        ("64012a", "region.format"),
        ("６４０１２２", "region.format"),
        ("110105", "region.unknown"),  # a valid code, but not Ningxia's
        ("640199", "region.unknown"),
        ("640100001", "region.unknown"),  # a prefecture has no townships of its own
        (None, "region.type"),
    ],
)
def test_refuses(bad: object, code: str) -> None:
    with pytest.raises(InvalidRegion) as info:
        RegionCode(bad)
    assert info.value.code == code
