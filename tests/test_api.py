"""The public API of the package root."""

from __future__ import annotations

import inspect

import pytest
from pydantic import BaseModel, TypeAdapter

import ningxia_yikatong

REQUIRED = {
    "Amount",
    "ResidentIdNumber",
    "PersonName",
    "RegionCode",
    "BankAccount",
    "Beneficiary",
    "SubsidyPolicy",
    "PolicyCatalog",
    "PayoutItem",
    "PayoutBatch",
    "read_roster",
    "YikatongError",
}


def test_all_is_complete_and_exact() -> None:
    public = {
        name
        for name, obj in vars(ningxia_yikatong).items()
        if not name.startswith("_") and not inspect.ismodule(obj) and name != "annotations"
    }
    assert set(ningxia_yikatong.__all__) - {"__version__"} == public
    assert sorted(ningxia_yikatong.__all__) == list(ningxia_yikatong.__all__)


def test_required_names_exported() -> None:
    assert set(ningxia_yikatong.__all__) >= REQUIRED


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("Amount", "12.50"),
        ("ResidentIdNumber", "11010519491231002X"),
        ("PersonName", "马兰"),
        ("RegionCode", "640122"),
    ],
)
def test_value_types_work_with_type_adapter_and_as_fields(name: str, raw: str) -> None:
    cls = getattr(ningxia_yikatong, name)
    value = TypeAdapter(cls).validate_python(raw)
    assert isinstance(value, cls)
    assert TypeAdapter(cls).dump_json(value) == f'"{raw}"'.encode()
    model = type("M", (BaseModel,), {"__annotations__": {"v": cls}})
    assert model.model_validate_json(model(v=value).model_dump_json()).v == value  # type: ignore[attr-defined]
    schema = TypeAdapter(cls).json_schema()
    kinds = {schema["type"]} if "type" in schema else {s["type"] for s in schema["anyOf"]}
    assert kinds == ({"string", "integer"} if name == "Amount" else {"string"})


def test_descriptions_claim_only_what_exists() -> None:
    """Public disclosure (公示) is not part of the library yet: no description says so."""
    import tomllib
    from pathlib import Path

    from click.testing import CliRunner

    from ningxia_yikatong.cli import main

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    description = tomllib.loads(pyproject.read_text("utf-8"))["project"]["description"]
    help_text = CliRunner().invoke(main, ["--help"]).output
    for text in (ningxia_yikatong.__doc__ or "", description, help_text):
        assert "公示" not in text
        assert "disclosure" not in text.lower()
    assert "reconciliation" in description
    assert "对账" in help_text
