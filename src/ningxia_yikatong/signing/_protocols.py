"""The two interfaces every signing scheme implements."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["Signer", "Verifier"]


@runtime_checkable
class Signer(Protocol):
    """Makes signatures (or MACs) over bytes."""

    @property
    def algorithm(self) -> str:
        """Scheme name, e.g. ``"SM2-SM3"``, ``"RSA-SHA256"``, ``"HMAC-SM3"``."""
        ...

    @property
    def key_fingerprint(self) -> str:
        """Hex fingerprint of the key for the audit trail; never the key itself."""
        ...

    def sign(self, data: bytes) -> bytes:
        """The signature of ``data`` in the scheme's binary form."""
        ...


@runtime_checkable
class Verifier(Protocol):
    """Checks signatures (or MACs) over bytes."""

    @property
    def algorithm(self) -> str:
        """Scheme name, as for :class:`Signer`."""
        ...

    @property
    def key_fingerprint(self) -> str:
        """Hex fingerprint of the key for the audit trail."""
        ...

    def verify(self, data: bytes, signature: bytes) -> None:
        """Return if ``signature`` is valid for ``data``; raise
        :class:`~ningxia_yikatong.errors.SignatureError` otherwise, never any
        other exception and never a boolean."""
        ...
