"""Fixtures of the ledger tests (the backends, ``ledger_url``, are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from ningxia_yikatong.testing.paid import PaidRun


@pytest.fixture(scope="session")
def paid_run() -> PaidRun:
    """One paid batch with failures (six of thirty accounts closed)."""
    return PaidRun()
