"""Pytest plugin of the adapter conformance kit (registered through ``pytest11``).

Any test that asks for the ``conformance_case`` fixture is run once per check
of the kit and per registered bank adapter (built-in or third-party)::

    def test_my_bank_conforms(conformance_case):
        conformance_case.run()

``--yikatong-bank CODE`` (repeatable) limits the run to some banks. The plugin
imports nothing of the library until a test asks for the fixture, so loading it
cannot disturb any other pytest run.
"""

from __future__ import annotations

from typing import Any

import pytest

__all__ = ["pytest_addoption", "pytest_configure", "pytest_generate_tests"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--yikatong-bank``: the bank codes the conformance cases run for."""
    group = parser.getgroup("yikatong", "ningxia_yikatong adapter conformance kit")
    group.addoption(
        "--yikatong-bank",
        action="append",
        default=[],
        metavar="CODE",
        help="run the adapter conformance cases only for this bank code (repeatable)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker the kit puts on its large cases."""
    config.addinivalue_line(
        "markers", "yikatong_large: conformance case with 10,000 items (adapter kit)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise ``conformance_case`` over every check and registered adapter."""
    if "conformance_case" not in metafunc.fixturenames:
        return
    # Imported here, only for a test that wants the kit.
    from ningxia_yikatong.testing.conformance import conformance_cases  # noqa: PLC0415

    codes: list[str] = metafunc.config.getoption("--yikatong-bank") or []
    params: list[Any] = []
    for case in conformance_cases(codes or None):
        marks = [pytest.mark.yikatong_large] if case.large else []
        params.append(pytest.param(case, id=case.id, marks=marks))
    metafunc.parametrize("conformance_case", params)
