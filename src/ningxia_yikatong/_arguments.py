"""One way for every public function to refuse an argument of the wrong type.

An argument of the wrong type is refused with the library's error of the
function's area and the code ``<area>.argument_type``; the message names the
function, the parameter, the expected type and the given type. Never a bare
``TypeError`` or ``AttributeError`` from deep inside.

Two forms, both built on :func:`argument_error`:

* :func:`checked` decorates an entry point that is called once per file or per
  batch: its arguments are tested against its type hints before it runs.
* :func:`checked_on_failure` decorates a method that is called once per item
  (a region test, an age): it runs unchecked, and only when it fails with a
  ``TypeError``, ``AttributeError`` or the like are its arguments tested, so
  that the message says which argument was wrong. A right call costs nothing
  more than before but one function call.
"""

from __future__ import annotations

import collections.abc
import contextlib
import decimal
import functools
import inspect
import numbers
import re
import sys
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import YikatongError

__all__ = ["argument_error", "check_argument", "checked", "checked_on_failure", "type_name"]

_E = TypeVar("_E", bound=YikatongError)
_F = TypeVar("_F", bound=Callable[..., Any])

#: The errors a wrong argument raises inside unchecked code.
_FOREIGN: typing.Final = (TypeError, AttributeError, KeyError, IndexError, ValueError)


def type_name(value: object) -> str:
    """The name of the type of ``value``, as the messages show it."""
    return type(value).__name__


def argument_error(
    error: type[_E], area: str, where: str, name: str, *, expected: str, value: object
) -> _E:
    """The error for an argument of the wrong type: what was expected, what came."""
    return error(
        f"{where} 的参数 {name} 应为 {expected}，实际为 {type_name(value)}",
        code=f"{area}.argument_type",
    )


def check_argument(
    value: object,
    kind: type | tuple[type, ...],
    *,
    error: type[YikatongError],
    area: str,
    where: str,
    name: str,
    expected: str | None = None,
) -> None:
    """Refuse ``value`` unless it is an instance of ``kind``."""
    if not isinstance(value, kind):
        if expected is None:
            kinds = kind if isinstance(kind, tuple) else (kind,)
            expected = " | ".join(k.__name__ for k in kinds)
        raise argument_error(error, area, where, name, expected=expected, value=value)


# -- tests derived from type hints ---------------------------------------------------------

_Test = Callable[[object], bool]
_COLLECTIONS: typing.Final = (
    collections.abc.Iterable,
    collections.abc.Collection,
    collections.abc.Sequence,
    collections.abc.Set,
    collections.abc.Iterator,
    list,
    tuple,
    set,
    frozenset,
)


def _always(value: object) -> bool:
    return True


def _hint_text(hint: object) -> str:
    """A hint as the messages show it: ``str | Path``, ``Iterable[int]``, ``None``."""
    if hint is None or hint is type(None):
        return "None"
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        return _hint_text(args[0])
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_hint_text(a) for a in args)
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in args)
    if isinstance(hint, type):
        return hint.__name__
    if origin is not None and args:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join(_hint_text(a) for a in args)}]"
    return re.sub(r"\b(?:[A-Za-z_]\w*\.)+", "", str(hint))


def _test(hint: object) -> _Test | None:
    """A test of values against ``hint``; ``None`` where the hint cannot be tested."""
    if hint is Any or hint is object or isinstance(hint, TypeVar | typing.ForwardRef | str):
        return None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        return _test(args[0])
    if hint is None or hint is type(None):
        return lambda v: v is None
    if origin in (typing.Union, types.UnionType):
        tests = [_test(a) for a in args]
        if any(t is None for t in tests):
            return None
        parts = [t for t in tests if t is not None]
        return lambda v: any(t(v) for t in parts)
    if origin is typing.Literal:
        return lambda v: any(type(v) is type(a) and v == a for a in args)
    if origin is collections.abc.Callable or hint is collections.abc.Callable:
        return callable
    kind = origin if isinstance(origin, type) else hint
    if not isinstance(kind, type):
        return None
    if kind in (typing.IO, typing.BinaryIO, typing.TextIO):
        return lambda v: hasattr(v, "read") or hasattr(v, "write")
    if getattr(kind, "_is_protocol", False) and not getattr(kind, "_is_runtime_protocol", False):
        return None
    if kind is float:
        # an int or a Decimal is a number too (the function says which it takes)
        return lambda v: isinstance(v, numbers.Real | decimal.Decimal)
    if issubclass(kind, _COLLECTIONS) and not issubclass(kind, str | bytes):
        # a text is an iterable of characters, but never the collection meant
        return lambda v: isinstance(v, kind) and not isinstance(v, str | bytes | bytearray)
    return lambda v: isinstance(v, kind)


def _package_names() -> dict[str, Any]:
    """The classes and aliases of the library's loaded modules, by name: the
    names a hint imports only for type checking."""
    names: dict[str, Any] = {}
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(__package__ or "ningxia_yikatong"):
            continue
        for name, obj in vars(module).items():
            if not name.startswith("__") and (isinstance(obj, type) or typing.get_origin(obj)):
                names.setdefault(name, obj)
    return names


def _resolve(func: Callable[..., Any]) -> dict[str, Any]:
    with contextlib.suppress(Exception):  # a name imported for type checking only
        return typing.get_type_hints(func)
    namespace = {**_package_names(), **getattr(func, "__globals__", {})}
    hints: dict[str, Any] = {}
    for name, raw in getattr(func, "__annotations__", {}).items():
        try:
            hints[name] = eval(raw, namespace) if isinstance(raw, str) else raw  # noqa: S307
        except Exception:  # noqa: S112 - a hint that cannot be resolved is not tested
            continue
    return hints


class _Checker:
    """The tests of one function's parameters, built on first use (hints may name
    types defined after the function)."""

    def __init__(
        self, func: Callable[..., Any], error: type[YikatongError], area: str, where: str | None
    ) -> None:
        self.func = func
        self.error = error
        self.area = area
        self.where = where or func.__qualname__
        self.signature = inspect.signature(func)
        self._tests: list[tuple[str, _Test, str]] | None = None

    @property
    def tests(self) -> list[tuple[str, _Test, str]]:
        if self._tests is None:
            hints = _resolve(self.func)
            tests = []
            for name, param in self.signature.parameters.items():
                if name in ("self", "cls") or param.kind in (
                    inspect.Parameter.VAR_POSITIONAL,
                    inspect.Parameter.VAR_KEYWORD,
                ):
                    continue
                if name not in hints:
                    continue
                test = _test(hints[name])
                if test is not None:
                    tests.append((name, test, _hint_text(hints[name])))
            self._tests = tests
        return self._tests

    def check(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError:
            return  # the interpreter's own message about a missing or extra argument
        arguments = bound.arguments
        for name, test, expected in self.tests:
            if name in arguments and not test(arguments[name]):
                raise argument_error(
                    self.error,
                    self.area,
                    self.where,
                    name,
                    expected=expected,
                    value=arguments[name],
                )


def checked(
    error: type[YikatongError], area: str, *, where: str | None = None
) -> Callable[[_F], _F]:
    """Decorate an entry point: its arguments are tested against its hints first."""

    def decorate(func: _F) -> _F:
        checker = _Checker(func, error, area, where)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            checker.check(args, kwargs)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def checked_on_failure(
    error: type[YikatongError], area: str, *, where: str | None = None
) -> Callable[[_F], _F]:
    """Decorate a method called per item: its arguments are tested only when it fails."""

    def decorate(func: _F) -> _F:
        checker = _Checker(func, error, area, where)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except YikatongError:
                raise
            except _FOREIGN:
                checker.check(args, kwargs)
                raise

        return wrapper  # type: ignore[return-value]

    return decorate
