"""The library's conformance kit, run for this adapter by the pytest plugin
(``pyproject.toml`` limits it to ``--yikatong-bank=demo_vb``)."""

from __future__ import annotations

from ningxia_yikatong.testing.conformance import ConformanceCase


def test_conforms(conformance_case: ConformanceCase) -> None:
    conformance_case.run()
