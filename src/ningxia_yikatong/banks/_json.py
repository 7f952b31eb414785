"""Strict JSON reading for the open-API banks, with errors that name the JSON pointer.

* :class:`_Json` reads a whole text: duplicate members, numbers
  with fractions, NaN and Infinity refused (amounts are strings), a size limit,
  deep nesting refused, lone surrogates refused, exact member sets checked.
* :class:`_Streamed` reads the elements of one long array member one at a time,
  so that a million items never stand as JSON objects at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final, NoReturn

from ..errors import BankFileError, YikatongError

__all__ = ["MAX_MESSAGE"]

#: Largest request or response accepted (bytes).
MAX_MESSAGE: Final = 1 << 30


def _pointer(*parts: object) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class _Json:
    """Strict JSON reading with errors that name the JSON pointer."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, message: str, code: str, pointer: str) -> NoReturn:
        raise BankFileError(message, code=code, file=self.file, path=pointer or "/")

    def load(self, data: bytes | str, pointer: str = "") -> Any:
        if isinstance(data, bytes):
            if len(data) > MAX_MESSAGE:
                self.fail("报文过大", "bankfile.too_large", pointer)
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                self.fail("报文不是有效的UTF-8文本", "bankfile.encoding", pointer)

        decoder = self.decoder(pointer)
        try:
            value = json.loads(
                data,
                object_pairs_hook=decoder.object_pairs_hook,
                parse_float=decoder.parse_float,
                parse_constant=decoder.parse_constant,
            )
        except YikatongError:
            raise
        except (ValueError, RecursionError) as exc:
            self.fail(f"JSON格式错误：{str(exc)[:80]}", "bankfile.json", pointer)
        if _may_have_lone_surrogate(data):
            self.check_unicode(value, pointer)
        return value

    def check_unicode(self, value: Any, pointer: str) -> None:
        r"""Refuse a string (or member name) with a lone surrogate (``"\ud800"``):
        valid JSON syntax, but no Unicode text; UTF-8 cannot carry it."""
        stack = [(value, pointer)]
        while stack:
            node, where = stack.pop()
            if isinstance(node, str):
                if _SURROGATE.search(node) is not None:
                    self.fail(
                        "JSON字符串含有不成对的代理项（如 \\ud800），不是有效的Unicode文本",
                        "bankfile.encoding",
                        where,
                    )
            elif isinstance(node, dict):
                for key, item in node.items():
                    stack.append((key, where))
                    stack.append((item, _join(where, key)))
            elif isinstance(node, list):
                stack.extend((item, _join(where, i)) for i, item in enumerate(node))

    def decoder(self, pointer: str) -> json.JSONDecoder:
        """The strict decoder: no duplicate members, no fractions, no constants."""

        def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for key, value in items:
                if key in out:
                    self.fail(f"成员 {key} 重复", "bankfile.json_duplicate", pointer)
                out[key] = value
            return out

        def no_float(text: str) -> NoReturn:
            self.fail(
                f"不接受小数形式的JSON数字（{text[:20]}），金额应写为字符串",
                "bankfile.json_number",
                pointer,
            )

        def no_constant(text: str) -> NoReturn:
            self.fail(f"不接受 {text}", "bankfile.json_number", pointer)

        return json.JSONDecoder(
            object_pairs_hook=pairs, parse_float=no_float, parse_constant=no_constant
        )

    def obj(self, value: Any, keys: frozenset[str], pointer: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail("应为JSON对象", "bankfile.json_type", pointer)
        missing = keys - value.keys()
        if missing:
            name = sorted(missing)[0]
            self.fail(f"缺少成员 {name}", "bankfile.missing", _join(pointer, name))
        extra = value.keys() - keys
        if extra:
            name = sorted(extra)[0]
            self.fail(f"不认识的成员 {name}", "bankfile.unexpected", _join(pointer, name))
        return value

    def text(self, obj: Mapping[str, Any], key: str, pointer: str) -> str:
        value = obj[key]
        if not isinstance(value, str):
            self.fail(f"成员 {key} 应为字符串", "bankfile.json_type", _join(pointer, key))
        return value

    def integer(self, obj: Mapping[str, Any], key: str, pointer: str) -> int:
        value = obj[key]
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**12:
            self.fail(f"成员 {key} 应为非负整数", "bankfile.json_type", _join(pointer, key))
        return value

    def array(self, obj: Mapping[str, Any], key: str, pointer: str) -> list[Any]:
        value = obj[key]
        if not isinstance(value, list):
            self.fail(f"成员 {key} 应为数组", "bankfile.json_type", _join(pointer, key))
        return value


def _join(pointer: str, *parts: object) -> str:
    return pointer + _pointer(*parts)


#: A JSON escape of a surrogate code point that is not half of an escaped pair
#: (or looks so: an escaped backslash before ``u`` matches too, harmlessly).
_ESCAPED_SURROGATE: Final = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _may_have_lone_surrogate(text: str) -> bool:
    """Whether the JSON ``text`` may escape a lone surrogate (a quick look first)."""
    return ("\\ud" in text or "\\uD" in text) and _ESCAPED_SURROGATE.search(text) is not None


_scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_WS: Final = re.compile(r"[ \t\n\r]*")
_SPACE: Final = frozenset(" \t\n\r")


def _skip(s: str, i: int) -> int:
    """The index of the first character at or after ``i`` that is not JSON whitespace."""
    match = _WS.match(s, i)
    return i if match is None else match.end()


class _Streamed:
    """A JSON object text whose ``key`` member is a (long) array: iterating
    gives the array's elements one at a time; :attr:`head` then holds the
    other members (and an empty list for ``key``).

    Only well-formed text is read this way: anything unusual (a duplicate
    member, trailing text, a syntax error) raises ``ValueError`` or a library
    error, and the caller reads the whole text with :meth:`_Json.load`.
    """

    def __init__(self, j: _Json, text: str, key: str, pointer: str) -> None:
        self.text = text
        self.key = key
        self._scan: Callable[[str, int], tuple[Any, int]] = j.decoder(pointer).scan_once  # type: ignore[attr-defined]
        self.head: dict[str, Any] = {}

    def __iter__(self) -> Iterator[Any]:
        try:
            s, ws, scan, head = self.text, _skip, self._scan, self.head
            if _may_have_lone_surrogate(s):
                raise ValueError("a lone surrogate: read as a whole, and refused")
            i = ws(s, 0)
            if s[i : i + 1] != "{":
                raise ValueError("not an object")
            i = ws(s, i + 1)
            closed = s[i : i + 1] == "}"
            if closed:
                i += 1
            while not closed:
                if s[i : i + 1] != '"':
                    raise ValueError("member name expected")
                name, i = _scanstring(s, i + 1, True)
                i = ws(s, i)
                if s[i : i + 1] != ":" or name in head:
                    raise ValueError("':' expected or duplicate member")
                i = ws(s, i + 1)
                if name == self.key and s[i : i + 1] == "[":
                    head[name] = []
                    i = ws(s, i + 1)
                    if s[i : i + 1] == "]":
                        i += 1
                    else:
                        while True:
                            value, i = scan(s, i)
                            yield value
                            c = s[i : i + 1]
                            if c in _SPACE:
                                i = ws(s, i)
                                c = s[i : i + 1]
                            if c == ",":
                                i += 1
                                if s[i : i + 1] in _SPACE:
                                    i = ws(s, i)
                            elif c == "]":
                                i += 1
                                break
                            else:
                                raise ValueError("',' or ']' expected")
                else:
                    head[name], i = scan(s, i)
                i = ws(s, i)
                if s[i : i + 1] == "}":
                    i += 1
                    closed = True
                elif s[i : i + 1] == ",":
                    i = ws(s, i + 1)
                else:
                    raise ValueError("',' or '}' expected")
            if ws(s, i) != len(s):
                raise ValueError("extra data")
        except StopIteration:
            # no value where one should be (StopIteration may not leave a generator)
            raise ValueError("value expected") from None
