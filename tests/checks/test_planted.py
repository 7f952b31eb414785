"""Planted problems: the checks find exactly what was planted."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong.checks import run_checks
from ningxia_yikatong.errors import InvalidValue
from ningxia_yikatong.testing.planted import PLANTABLE, plant_problems


@settings(max_examples=25, deadline=None)
@given(
    counts=st.dictionaries(st.sampled_from(PLANTABLE), st.integers(0, 3)),
    seed=st.integers(0, 10_000),
    clean=st.integers(3, 20),
)
def test_exactly_the_planted_findings(counts: dict[str, int], seed: int, clean: int) -> None:
    planted = plant_problems(counts, seed=seed, clean=clean)
    report = run_checks(planted.batch, planted.policy, planted.context)
    assert not report.failures
    found = [(f.rule, f.seq) for f in report.findings]
    assert len(found) == len(set(found))  # one finding per rule and item
    assert set(found) == planted.expected
    per_rule = Counter(rule for rule, _ in found)
    for kind in PLANTABLE:
        planted_n = counts.get(kind, 0) * (2 if kind == "shared_account" else 1)
        assert per_rule[kind] == planted_n


def test_every_kind_at_once_with_a_large_clean_part() -> None:
    planted = plant_problems(dict.fromkeys(PLANTABLE, 5), seed=99, clean=500)
    report = run_checks(planted.batch, planted.policy, planted.context)
    assert {(f.rule, f.seq) for f in report.findings} == planted.expected
    assert len(planted.expected) == 5 * (len(PLANTABLE) + 1)


def test_bad_requests() -> None:
    with pytest.raises(InvalidValue):
        plant_problems({"nonsense": 1})
    with pytest.raises(InvalidValue):
        plant_problems({"deceased": -1})
