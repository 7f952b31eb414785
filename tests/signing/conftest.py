"""Shared fixtures of the signing tests: the external oracles and a few keys."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from ningxia_yikatong.signing import Sm2PrivateKey, generate_rsa_key, generate_sm2_key


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required for the oracle tests in CI")
        pytest.skip(f"{name} not installed")
    return path


@pytest.fixture(scope="session")
def openssl() -> str:
    """Path of the openssl command (fails in CI, skips elsewhere when missing)."""
    return _tool("openssl")


@pytest.fixture(scope="session")
def xmlsec1() -> str:
    """Path of the xmlsec1 command (fails in CI, skips elsewhere when missing)."""
    return _tool("xmlsec1")


RunTool = Callable[[Sequence[str | Path], Path], "subprocess.CompletedProcess[str]"]


def _run_tool(args: Sequence[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
    )


@pytest.fixture(scope="session")
def run_tool() -> RunTool:
    """Run an oracle command in a directory; the caller checks returncode and output."""
    return _run_tool


@pytest.fixture(scope="session")
def sm2_key() -> Sm2PrivateKey:
    return generate_sm2_key()


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return generate_rsa_key()
