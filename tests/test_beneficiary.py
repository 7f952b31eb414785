"""Beneficiaries: the optional disability grade and care level."""

from __future__ import annotations

from typing import Any

import pytest

from ningxia_yikatong import Beneficiary
from ningxia_yikatong.beneficiary import CareLevel, DisabilityGrade
from ningxia_yikatong.errors import ModelError

PERSON: dict[str, Any] = {
    "id_number": "640122194603150018",
    "name": "马兰",
    "region": "640122101001",
    "account": {"number": "6217000012345678901", "bank": "psbc", "holder_name": "马兰"},
}


def test_grade_and_care_level_are_optional_chinese_values() -> None:
    plain = Beneficiary.model_validate(PERSON)
    assert plain.disability_grade is None
    assert plain.care_level is None
    person = Beneficiary.model_validate(
        {**PERSON, "disability_grade": "二级", "care_level": "全护理"}
    )
    assert person.disability_grade is DisabilityGrade.SECOND
    assert person.care_level is CareLevel.FULL_CARE
    assert person.model_dump(mode="json")["disability_grade"] == "二级"
    assert Beneficiary.model_validate_json(person.model_dump_json()) == person
    assert [g.value for g in DisabilityGrade] == ["一级", "二级", "三级", "四级"]
    assert [c.value for c in CareLevel] == ["全自理", "半护理", "全护理"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("disability_grade", "五级"), ("disability_grade", 1), ("care_level", "自理")],
)
def test_bad_grade_or_care_level(field: str, value: object) -> None:
    with pytest.raises(ModelError) as info:
        Beneficiary.model_validate({**PERSON, field: value})
    assert info.value.code == "model.enum"
    assert info.value.location.path == field
    assert "取值应为" in info.value.message
