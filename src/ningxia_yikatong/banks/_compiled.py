"""Compiled fast paths of the text engines: one function per detail layout.

A million-line file cannot afford a method call per field, so the engines
compile each detail declaration into one Python function (as
:mod:`dataclasses` and :func:`collections.namedtuple` do) that encodes a row
into its bytes with a single ``bytes % tuple`` operation, or decodes a line
with constant slices. The fast path only takes inputs it is sure of (the
library's own value types, ASCII codes, text its encoding can write); anything
else raises :class:`Slow`, and the engine redoes that row through the fields'
own methods, which give the exact error. Both paths give the same bytes and
values; the tests compare them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Final

from ..money import Amount
from ._fields import Code, Const, Fen, Field, Filler, Integer, Text, Yuan

__all__ = ["Slow", "compile_decoder", "compile_encoder", "compile_splitter"]

_YUAN: Final = re.compile(r"[0-9]{1,13}\.[0-9]{2}")


class Slow(Exception):
    """The fast path does not take this row; the engine uses the fields' methods."""


def compile_encoder(
    plan: Sequence[tuple[int, Field]],
    encoding: str,
    newline: bytes,
    *,
    fixed: bool,
    delimiter: str = "",
) -> Callable[[Sequence[Any]], bytes]:
    """A function ``row -> bytes`` (line end included) for the detail ``plan``."""
    body: list[str] = []
    pieces: list[bytes] = []
    args: list[str] = []
    for i, (pos, f) in enumerate(plan):
        kind = type(f)
        width = f.width
        src = f"row[{pos}]" if pos >= 0 else "None"
        var = f"v{i}"
        if kind is Const:
            assert isinstance(f, Const)
            pieces.append(f.value.encode(encoding).replace(b"%", b"%%"))
            continue
        if kind is Filler:
            pieces.append(b" " * width if fixed else b"")
            continue
        if kind is Integer:
            body += [
                f"    {var} = {src}",
                f"    if type({var}) is not int or not 0 <= {var} < {10**width}: raise Slow",
            ]
            pieces.append(f"%0{width}d".encode() if fixed else b"%d")
        elif kind is Fen:
            body += [
                f"    {var} = {src}",
                f"    if type({var}) is not Amount: raise Slow",
                f"    {var} = int({var}.scaleb(2))",
                f"    if {var} >= {10**width}: raise Slow",
            ]
            pieces.append(f"%0{width}d".encode() if fixed else b"%d")
        elif kind is Yuan:
            body += [
                f"    {var} = {src}",
                f"    if type({var}) is not Amount: raise Slow",
                f"    {var} = str({var}).encode('ascii')",
                f"    if len({var}) > {width}: raise Slow",
            ]
            pieces.append(f"%-{width}s".encode() if fixed else b"%s")
        elif kind is Code:
            body += [
                f"    {var} = {src}",
                f"    if {var} is None: {var} = b''",
                f"    elif (not isinstance({var}, str) or not {var}.isascii()"
                f" or not {var}.isalnum() or len({var}) > {width}): raise Slow",
                f"    else: {var} = {var}.encode('ascii')",
            ]
            pieces.append(f"%-{width}s".encode() if fixed else b"%s")
        elif kind is Text:
            assert isinstance(f, Text)
            banned = f.forbidden + delimiter
            check = " or ".join(f"{ch!r} in {var}" for ch in banned)
            body += [
                f"    {var} = {src}",
                f"    if {var} is None: {var} = b''",
                "    else:",
                f"        if not isinstance({var}, str) or not {var}.isprintable()"
                f" or {var}[-1:] == ' '{' or ' + check if check else ''}: raise Slow",
                f"        {var} = {var}.encode(ENCODING)",
                f"        if len({var}) > {width}: raise Slow",
            ]
            pieces.append(f"%-{width}s".encode() if fixed else b"%s")
        else:
            # No fast path for this kind: its own methods, checked and padded.
            body += [f"    {var} = SLOW[{i}]({src})"]
            pieces.append(b"%s")
        args.append(var)
    joiner = b"" if fixed else delimiter.encode(encoding).replace(b"%", b"%%")
    template = joiner.join(pieces) + newline.replace(b"%", b"%%")
    source = ["def encode(row):", *body, f"    return {template!r} % ({', '.join(args)},)"]
    slow = {
        i: _slow_field(f, encoding, fixed)
        for i, (_, f) in enumerate(plan)
        if type(f) not in (Const, Filler, Integer, Fen, Yuan, Code, Text)
    }
    namespace: dict[str, Any] = {"Slow": Slow, "Amount": Amount, "ENCODING": encoding}
    namespace["SLOW"] = slow
    # Generated from the declaration only (field kinds, widths, constants), never from data.
    exec("\n".join(source), namespace)  # noqa: S102
    encode: Callable[[Sequence[Any]], bytes] = namespace["encode"]
    return encode


def _slow_field(f: Field, encoding: str, fixed: bool) -> Callable[[Any], bytes]:
    def encode(value: Any) -> bytes:
        try:
            text = f.encode(value, encoding)
            size = f.size(text, encoding)
        except Exception:
            raise Slow from None
        if fixed and size < f.width:
            gap = f.width - size
            text = "0" * gap + text if f.pad_left else text + " " * gap
        return text.encode(encoding)

    return encode


def compile_decoder(
    fields: Sequence[Field], source: Sequence[int], encoding: str
) -> Callable[[bytes], tuple[Any, ...]]:
    """A function ``line -> row`` for a fixed-width detail record (line end removed).

    ``source`` gives, per column of the row, the index of its field (or -1).
    """
    body: list[str] = []
    start = 0
    for i, f in enumerate(fields):
        end = start + f.width
        kind = type(f)
        raw = f"line[{start}:{end}]"
        var = f"v{i}"
        if kind is Const:
            assert isinstance(f, Const)
            body.append(f"    if {raw} != {f.value.encode(encoding)!r}: raise Slow")
            body.append(f"    {var} = {f.value!r}")
        elif kind is Filler:
            body.append(f"    if {raw} != {b' ' * f.width!r}: raise Slow")
            body.append(f"    {var} = None")
        elif kind is Integer:
            body += [f"    {var} = {raw}", f"    if not {var}.isdigit(): raise Slow",
                     f"    {var} = int({var})"]  # fmt: skip
        elif kind is Fen:
            body += [f"    {var} = {raw}", f"    if not {var}.isdigit(): raise Slow",
                     f"    {var} = Decimal(int({var})).scaleb(-2)"]  # fmt: skip
        elif kind is Code:
            body += [f"    {var} = {raw}.rstrip(b' ')", f"    if not {var}.isalnum(): raise Slow",
                     f"    {var} = {var}.decode('ascii')"]  # fmt: skip
        elif kind is Text:
            # 0x20 is never part of a multi-byte character in GBK or GB18030.
            body += [
                f"    {var} = {raw}.rstrip(b' ').decode(ENCODING)",
                f"    if not {var}.isprintable(): raise Slow",
            ]
        else:
            body += [f"    {var} = SLOW[{i}]({raw})"]
        start = end
    values = ", ".join(f"v{i}" if i >= 0 else "None" for i in source)
    lines = ["def decode(line):", *body, f"    return ({values},)"]
    slow = {
        i: _slow_decode(f, encoding)
        for i, f in enumerate(fields)
        if type(f) not in (Const, Filler, Integer, Fen, Code, Text)
    }
    namespace: dict[str, Any] = {
        "Slow": Slow,
        "Decimal": Decimal,
        "ENCODING": encoding,
        "SLOW": slow,
    }
    # Generated from the declaration only (field kinds, widths, constants), never from data.
    exec("\n".join(lines), namespace)  # noqa: S102
    decode: Callable[[bytes], tuple[Any, ...]] = namespace["decode"]
    return decode


def compile_splitter(
    fields: Sequence[Field], source: Sequence[int], encoding: str
) -> Callable[[list[str]], tuple[Any, ...]]:
    """A function ``parts -> row`` for a delimited detail line split into its fields."""
    body: list[str] = []
    for i, f in enumerate(fields):
        kind = type(f)
        var = f"v{i}"
        part = f"parts[{i}]"
        width = f.width
        if kind is Const:
            assert isinstance(f, Const)
            body += [f"    {var} = {part}", f"    if {var} != {f.value!r}: raise Slow"]
        elif kind is Filler:
            body += [f"    if {part}: raise Slow", f"    {var} = None"]
        elif kind is Integer:
            body += [f"    {var} = {part}",
                     f"    if not ({var}.isascii() and {var}.isdigit()) or len({var}) > {width}:"
                     " raise Slow",
                     f"    {var} = int({var})"]  # fmt: skip
        elif kind is Fen:
            body += [f"    {var} = {part}",
                     f"    if not ({var}.isascii() and {var}.isdigit()) or len({var}) > {width}:"
                     " raise Slow",
                     f"    {var} = Decimal(int({var})).scaleb(-2)"]  # fmt: skip
        elif kind is Yuan:
            body += [f"    {var} = {part}",
                     f"    if len({var}) > {width} or YUAN({var}) is None: raise Slow",
                     f"    {var} = Decimal({var})"]  # fmt: skip
        elif kind is Code:
            body += [f"    {var} = {part}",
                     f"    if len({var}) > {width} or not ({var}.isascii() and {var}.isalnum()):"
                     " raise Slow"]  # fmt: skip
        elif kind is Text:
            # 4 bytes is the most any character takes in the encodings used here.
            body += [f"    {var} = {part}",
                     f"    if len({var}) * 4 > {width} and len({var}.encode(ENCODING)) > {width}:"
                     " raise Slow",
                     f"    if not {var}.isprintable(): raise Slow"]  # fmt: skip
        else:
            body += [f"    {var} = SLOW[{i}]({part})"]
    values = ", ".join(f"v{i}" if i >= 0 else "None" for i in source)
    lines = ["def split(parts):", *body, f"    return ({values},)"]
    slow = {
        i: _slow_text_decode(f, encoding)
        for i, f in enumerate(fields)
        if type(f) not in (Const, Filler, Integer, Fen, Yuan, Code, Text)
    }
    namespace: dict[str, Any] = {
        "Slow": Slow,
        "Decimal": Decimal,
        "ENCODING": encoding,
        "SLOW": slow,
        "YUAN": _YUAN.fullmatch,
    }
    # Generated from the declaration only (field kinds, widths, constants), never from data.
    exec("\n".join(lines), namespace)  # noqa: S102
    split: Callable[[list[str]], tuple[Any, ...]] = namespace["split"]
    return split


def _slow_decode(f: Field, encoding: str) -> Callable[[bytes], Any]:
    def decode(raw: bytes) -> Any:
        try:
            text = raw.decode("ascii" if f.ascii_only else encoding)
            return f.decode(text if f.pad_left else text.rstrip(" "))
        except Exception:
            raise Slow from None

    return decode


def _slow_text_decode(f: Field, encoding: str) -> Callable[[str], Any]:
    def decode(text: str) -> Any:
        try:
            f.size(text, encoding)
            return f.decode(text)
        except Exception:
            raise Slow from None

    return decode
