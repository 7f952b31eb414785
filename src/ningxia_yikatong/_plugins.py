"""Entry-point discovery shared by the bank adapter and check rule registries.

Plugins are found lazily through :mod:`importlib.metadata`. Built-in plugins use
the same entry points as third-party ones, so a bank integrator's package is a
first-class citizen. A plugin that fails to load is recorded with the
distribution that provides it and never stops the others from loading.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

__all__ = ["LoadedPlugin", "PluginFailure", "load_entry_points"]


@dataclass(frozen=True, slots=True)
class LoadedPlugin:
    """An entry point that loaded: its name, the object, and who provides it."""

    name: str
    obj: Any
    distribution: str | None
    value: str


@dataclass(frozen=True, slots=True)
class PluginFailure:
    """An entry point that could not be loaded, and why."""

    name: str
    distribution: str | None
    value: str
    error: str


def _distribution(ep: metadata.EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    return None if dist is None else f"{dist.metadata['Name']} {dist.version}"


def load_entry_points(
    group: str,
    *,
    entry_points: Iterable[metadata.EntryPoint] | None = None,
    blocked: Iterable[str] = (),
) -> tuple[list[LoadedPlugin], list[PluginFailure]]:
    """Load every entry point of ``group``.

    Duplicated names keep the first one found (later ones are reported as
    failures); names in ``blocked`` are skipped. ``entry_points`` replaces the
    installed ones (tests pass fakes here).
    """
    found = metadata.entry_points(group=group) if entry_points is None else entry_points
    skip = set(blocked)
    loaded: list[LoadedPlugin] = []
    failed: list[PluginFailure] = []
    seen: dict[str, str | None] = {}
    for ep in found:
        if ep.name in skip:
            continue
        dist = _distribution(ep)
        if ep.name in seen:
            failed.append(
                PluginFailure(ep.name, dist, ep.value, f"名称重复，已由 {seen[ep.name]} 提供")
            )
            continue
        try:
            obj = ep.load()
        except Exception as exc:
            failed.append(PluginFailure(ep.name, dist, ep.value, f"{type(exc).__name__}: {exc}"))
            continue
        seen[ep.name] = dist
        loaded.append(LoadedPlugin(ep.name, obj, dist, ep.value))
    return loaded, failed
