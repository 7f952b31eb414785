"""The adapter registry: every bank adapter is found through one entry-point group.

The built-in banks register through the entry-point group
``ningxia_yikatong.banks`` exactly as a bank integrator's package does::

    [project.entry-points."ningxia_yikatong.banks"]
    psbc = "ningxia_yikatong.banks.psbc:PsbcAdapter"

An entry point names a :class:`~._adapter.BankAdapter` subclass whose ``code``
equals the entry point's name. One that fails to import, names something else,
or repeats a code is reported by :func:`registry_failures` and does not stop the
others. Discovery is lazy (on the first call) and can be redone with
:func:`discover_adapters`, which tests use with fake entry points.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata

from .._arguments import checked
from .._plugins import PluginFailure, load_entry_points
from ..bank import AgentBankInfo, agent_banks, register_agent_bank
from ..errors import AdapterError, YikatongError
from ._adapter import BankAdapter, BankConfig

__all__ = [
    "ENTRY_POINT_GROUP",
    "AdapterInfo",
    "available_adapters",
    "discover_adapters",
    "ensure_discovered",
    "get_adapter",
    "registry_failures",
]

ENTRY_POINT_GROUP = "ningxia_yikatong.banks"


@dataclass(frozen=True, slots=True)
class AdapterInfo:
    """What the registry knows of an adapter, without instantiating it."""

    code: str
    name: str
    cnaps: str | None
    encoding: str
    signature_scheme: str
    adapter: type[BankAdapter]
    distribution: str | None
    entry_point: str


class _Adapters(Mapping[str, AdapterInfo]):
    """Read-only view of the registered adapters, in code order."""

    def __init__(self, found: dict[str, AdapterInfo]) -> None:
        self._found = dict(sorted(found.items()))

    def __getitem__(self, code: str) -> AdapterInfo:
        return self._found[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._found)

    def __len__(self) -> int:
        return len(self._found)

    def __repr__(self) -> str:
        return f"<adapters {', '.join(self._found)}>"


_lock = threading.Lock()
_state: tuple[_Adapters, tuple[PluginFailure, ...]] | None = None
# Set while entry points load, so that a plugin importing a bank code does not
# start a second discovery from inside the first.
_discovering = threading.local()


def _check(name: str, obj: object) -> type[BankAdapter]:
    if not (isinstance(obj, type) and issubclass(obj, BankAdapter)):
        raise TypeError(f"{obj!r} 不是 BankAdapter 的子类")
    if getattr(obj, "__abstractmethods__", None):
        missing = ", ".join(sorted(obj.__abstractmethods__))
        raise TypeError(f"{obj.__name__} 未实现 {missing}")
    code = getattr(obj, "code", None)
    if code != name:
        raise TypeError(f"{obj.__name__}.code 为 {code!r}，与入口点名称 {name!r} 不符")
    for attr in ("name", "encoding", "signature_scheme", "return_codes", "status_codes"):
        if not hasattr(obj, attr):
            raise TypeError(f"{obj.__name__} 缺少属性 {attr}")
    return obj


@checked(AdapterError, "adapter")
def discover_adapters(
    entry_points: Iterable[metadata.EntryPoint] | None = None,
) -> tuple[Mapping[str, AdapterInfo], tuple[PluginFailure, ...]]:
    """Find the adapters again (``entry_points`` replaces the installed ones).

    Returns the adapters found and the failures; both are also what
    :func:`available_adapters` and :func:`registry_failures` return afterwards.
    """
    global _state  # noqa: PLW0603 - the registry is process-wide by design
    _discovering.active = True
    try:
        loaded, failures = load_entry_points(ENTRY_POINT_GROUP, entry_points=entry_points)
    finally:
        _discovering.active = False
    found: dict[str, AdapterInfo] = {}
    failed = list(failures)
    for plugin in loaded:
        try:
            cls = _check(plugin.name, plugin.obj)
            if cls.code not in {info.code for info in agent_banks()}:
                register_agent_bank(AgentBankInfo(cls.code, cls.name, cls.name, cls.cnaps))
        except (TypeError, YikatongError) as exc:
            failed.append(PluginFailure(plugin.name, plugin.distribution, plugin.value, str(exc)))
            continue
        found[plugin.name] = AdapterInfo(
            code=cls.code,
            name=cls.name,
            cnaps=cls.cnaps,
            encoding=cls.encoding,
            signature_scheme=cls.signature_scheme,
            adapter=cls,
            distribution=plugin.distribution,
            entry_point=plugin.value,
        )
    with _lock:
        _state = (_Adapters(found), tuple(failed))
        return _state


def _current() -> tuple[_Adapters, tuple[PluginFailure, ...]]:
    state = _state
    if state is None:
        adapters, failures = discover_adapters()
        assert isinstance(adapters, _Adapters)
        return adapters, failures
    return state


def ensure_discovered() -> bool:
    """Discover the adapters unless that was done; whether it was done by this call.

    :func:`~ningxia_yikatong.bank.agent_bank_info` calls it for a bank code it
    does not know, so that the banks of installed adapter packages are known
    without anyone asking for an adapter first.
    """
    if _state is not None or getattr(_discovering, "active", False):
        return False
    _current()
    return True


def available_adapters() -> Mapping[str, AdapterInfo]:
    """Every adapter that loaded, by bank code.

    >>> {"abc", "icbc", "nxrcb", "psbc"} <= set(available_adapters())
    True
    """
    return _current()[0]


def registry_failures() -> tuple[PluginFailure, ...]:
    """Entry points that could not be loaded, with their distribution and reason."""
    return _current()[1]


@checked(AdapterError, "adapter")
def get_adapter(code: str, config: BankConfig | None = None) -> BankAdapter:
    """An adapter for the bank ``code`` with a deployment's ``config``.

    >>> get_adapter("psbc").name
    '中国邮政储蓄银行'
    >>> get_adapter("xyz")
    Traceback (most recent call last):
    ...
    ningxia_yikatong.errors.AdapterError: 没有代码为 xyz 的代发银行适配器...[adapter.unknown]
    """
    adapters, failures = _current()
    key = code.strip().lower() if isinstance(code, str) else code
    info = adapters.get(key)
    if info is None:
        broken = next((f for f in failures if f.name == key), None)
        if broken is not None:
            provider = broken.distribution or "未知发行包"
            raise AdapterError(
                f"代发银行适配器 {key} 加载失败（{provider}）：{broken.error}",
                code="adapter.broken",
            )
        known = "、".join(adapters) or "无"
        raise AdapterError(
            f"没有代码为 {key} 的代发银行适配器，已登记：{known}", code="adapter.unknown"
        )
    if config is not None and not isinstance(config, BankConfig):
        raise AdapterError("config 应为 BankConfig", code="adapter.config")
    return info.adapter(config)
