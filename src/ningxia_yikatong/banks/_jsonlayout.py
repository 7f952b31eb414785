"""Declarative layouts of JSON open-API messages (开放接口报文布局).

An open-API bank (bonx) posts one JSON object of string parameters, the
envelope (报文信封), signed over a signing string (待签名串), with the
business content (业务内容) as one parameter: its JSON text, or that text
sealed (数字信封) and Base64-encoded. A bank module declares each message once,
with the same :class:`~._xmllayout.Leaf` / :class:`~._xmllayout.El` /
:class:`~._xmllayout.Items` as the XML banks, a leaf's tag being the member
name::

    JsonMessage(
        "/api/pay",
        envelope=(
            Leaf("msg_id", Code("msg_id", 0)),
            Leaf("format", Const("format", 0, value="json")),
            Leaf("timestamp", DateTime("created"), fmt="%Y-%m-%d %H:%M:%S"),
            Body("biz_content", sealed=True),
            Sign("sign"),
        ),
        body=(
            Leaf("batch_id", Code("batch_id", 0)),
            Leaf("total_num", Integer("count", 0)),
            Leaf("total_amount", Yuan("total", 0)),
            Items(El("items", Leaf("seq", Integer("seq", 0)), Leaf("amount", Yuan("amount", 0)))),
        ),
    )

The rules the engine derives from it:

* Every member is required and no other is accepted (an empty string stands
  for no value). An :class:`~._fields.Integer` is a JSON number (whole, not
  negative); every other field is a JSON string: amounts in yuan (``"12.50"``)
  or fen (``"1250"``), dates in the leaf's ``fmt``, codes and text. A width
  other than 0 is a limit in UTF-8 bytes, checked when writing and reading.
* The envelope is one JSON object with its members sorted by name and no
  whitespace; its parameters are all strings. The signing string is
  :func:`signing_string`: ``path?k1=v1&k2=v2`` over every parameter but the
  signature, sorted by name, empty ones skipped; the :class:`Sign` member is
  the Base64 of the signature over it.
* The body is compact JSON with its members in the declared order; the
  :class:`~._xmllayout.Items` member (at the body's top level) is the array
  of items. A :class:`~._xmllayout.Const` that differs, a missing or extra
  member and a value of the wrong type are refused naming the JSON pointer
  (``/biz_content/items/3/amount``).
* The body's ``count`` and ``total`` are checked against the items read, the
  item ``seq`` must be unique (and from 1 in instructions).

:func:`compile_json_items` turns the item into one function per message that
writes an item's JSON text, and :class:`JsonReadPlan` holds the checks of a
message for reading, with one compiled function per message for the items
that pass every check (the common case).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Any, Final, TypeAlias

from ..errors import BankFileError
from ._adapter import argument_error
from ._fields import Code, Const, Date, DateTime, Fen, Field, Integer, Text, Yuan
from ._json import _join, _Json, _pointer
from ._xml import parse_yuan
from ._xmllayout import (
    El,
    Items,
    Leaf,
    Placed,
    format_value,
    fstring_literal,
    leaf_decoder,
    width_check,
)

__all__ = [
    "Body",
    "JsonMessage",
    "JsonReadPlan",
    "Sign",
    "compile_json_items",
    "json_value",
    "signing_string",
]

#: Values of the records' sources that are never ``None`` (validated text).
_NEVER_NONE: Final = frozenset({"account", "name", "id_number", "code", "message"})
#: A JSON integer the layouts accept (seq, counts): 0 to 10**12 - 1.
_INT_LIMIT: Final = 10**12


@dataclass(frozen=True)
class Body:
    """The envelope parameter that carries the business content: its JSON text,
    or with ``sealed`` the Base64 of that text sealed for the bank's SM2 key."""

    key: str
    sealed: bool = False


@dataclass(frozen=True)
class Sign:
    """The envelope parameter that carries the signature (Base64) over the
    signing string."""

    key: str = "sign"


EnvelopeNode: TypeAlias = "Leaf | Body | Sign"
BodyNode: TypeAlias = "Leaf | El | Items"


def signing_string(path: str, params: Mapping[str, str]) -> bytes:
    """``path?k1=v1&k2=v2`` over the parameters but ``sign``, sorted, empty ones skipped.

    >>> signing_string("/p", {"b": "2", "a": "1", "c": "", "sign": "x"})
    b'/p?a=1&b=2'
    """
    if not isinstance(path, str):
        raise argument_error("signing_string", "path", "str", path)
    if not isinstance(params, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in params.items()
    ):
        raise argument_error("signing_string", "params", "Mapping[str, str]", params)
    return b"".join(signing_parts(path, params.items(), "sign"))


def signing_parts(
    path: str, params: Iterable[tuple[str, str | list[bytes]]], sign_key: str
) -> list[bytes]:
    """The pieces of the signing string; a value may be given as ASCII pieces
    (a long Base64 text), which are joined in without a whole-text copy."""
    parts = [f"{path}?".encode()]
    sep = b""
    for k, v in sorted(params, key=lambda kv: kv[0]):
        if k == sign_key:
            continue
        if isinstance(v, list):
            if any(v):
                parts.append(sep + f"{k}=".encode())
                parts.extend(v)
                sep = b"&"
        elif v != "":
            try:
                parts.append(sep + f"{k}=".encode())
                parts.append(v.encode())
            except UnicodeEncodeError:
                raise BankFileError(
                    f"参数 {k[:40]!r} 含有UTF-8不能表示的字符（不成对的代理项）",
                    code="bankfile.encoding",
                    path=_pointer(k),
                ) from None
            sep = b"&"
    return parts


@dataclass(frozen=True)
class JsonMessage:
    """One open-API message: the API path its signing string starts with, the
    envelope's parameters, the business content's members, and what the
    message is called in errors."""

    path: str
    envelope: tuple[EnvelopeNode, ...]
    body: tuple[BodyNode, ...]
    kind: str = "报文"
    #: filled in from the declaration
    body_key: str = field(init=False)
    sealed: bool = field(init=False)
    sign_key: str = field(init=False)
    params: tuple[Leaf, ...] = field(init=False)
    envelope_keys: frozenset[str] = field(init=False)
    #: (pointer below the body, member names) of every object of the body but the items
    objects: tuple[tuple[str, frozenset[str]], ...] = field(init=False)
    #: the body's leaves outside the items, with their pointers below the body
    head: tuple[Placed, ...] = field(init=False)
    items: Items = field(init=False)
    items_key: str = field(init=False)
    #: the item's leaves, with their member names as paths
    item: tuple[Placed, ...] = field(init=False)

    def __post_init__(self) -> None:
        bodies = [n for n in self.envelope if isinstance(n, Body)]
        signs = [n for n in self.envelope if isinstance(n, Sign)]
        if len(bodies) != 1 or len(signs) != 1:
            raise ValueError("a JSON message needs one Body(...) and one Sign(...)")
        params = tuple(n for n in self.envelope if isinstance(n, Leaf))
        keys = [n.tag if isinstance(n, Leaf) else n.key for n in self.envelope]
        if len(set(keys)) != len(keys):
            raise ValueError("a JSON envelope names each parameter once")
        objects: list[tuple[str, frozenset[str]]] = []
        head: list[Placed] = []
        items: list[Items] = []

        def walk(nodes: Sequence[BodyNode], pointer: str) -> None:
            names = [_key(n) for n in nodes]
            if len(set(names)) != len(names) or any("/" in n or "~" in n for n in names):
                raise ValueError("a JSON object names each member once, without '/' or '~'")
            objects.append((pointer, frozenset(names)))
            for node in nodes:
                if isinstance(node, Leaf):
                    head.append(Placed(_join(pointer, node.tag), node, optional=False))
                elif isinstance(node, Items):
                    if pointer or items:
                        raise ValueError("a JSON body has one Items(...), at its top level")
                    items.append(node)
                else:
                    walk(node.children, _join(pointer, node.tag))  # type: ignore[arg-type]

        walk(self.body, "")
        if not items:
            raise ValueError("a JSON body needs Items(...)")
        element = items[0].element
        leaves = [c for c in element.children if isinstance(c, Leaf)]
        if len(leaves) != len(element.children):
            raise ValueError("a JSON item holds leaves only")
        item = tuple(Placed(c.tag, c, optional=False) for c in leaves)
        if not any(p.leaf.name == "seq" for p in item):
            raise ValueError("the item of a JSON message needs a seq leaf")
        set_ = object.__setattr__
        set_(self, "body_key", bodies[0].key)
        set_(self, "sealed", bodies[0].sealed)
        set_(self, "sign_key", signs[0].key)
        set_(self, "params", params)
        set_(self, "envelope_keys", frozenset(keys))
        set_(self, "objects", tuple(objects))
        set_(self, "head", tuple(head))
        set_(self, "items", items[0])
        set_(self, "items_key", element.tag)
        set_(self, "item", item)

    def envelope_values(self, values: Mapping[str, Any]) -> dict[str, str]:
        """The envelope's parameters (but the body and the signature) by member name."""
        return {leaf.tag: format_value(leaf, values.get(leaf.name)) for leaf in self.params}

    def body_parts(self, values: Mapping[str, Any]) -> tuple[str, str]:
        """The body's JSON text before its items and after them."""
        before: list[str] = []
        after: list[str] = []
        into = before

        def members(nodes: Sequence[BodyNode]) -> list[str]:
            out = []
            for node in nodes:
                if isinstance(node, Leaf):
                    text = json.dumps(json_value(node, values.get(node.name)), ensure_ascii=False)
                    out.append(f"{json.dumps(node.tag)}:{text}")
                elif isinstance(node, El):
                    inner = ",".join(members(node.children))  # type: ignore[arg-type]
                    out.append(f"{json.dumps(node.tag)}:{{{inner}}}")
            return out

        for node in self.body:
            if isinstance(node, Items):
                into = after
            else:
                into.extend(members((node,)))
        opening = "{" + "".join(m + "," for m in before) + json.dumps(self.items_key) + ":["
        closing = "]" + "".join("," + m for m in after) + "}"
        return opening, closing


def _key(node: BodyNode) -> str:
    return node.element.tag if isinstance(node, Items) else node.tag


def json_value(leaf: Leaf, value: Any) -> Any:
    """The JSON value of ``value`` in ``leaf``: a number for an integer, else a string."""
    if isinstance(leaf.field, Integer):
        return value
    return format_value(leaf, value)


# -- writing items ------------------------------------------------------------------------


def compile_json_items(
    element: El,
    sources: Mapping[str, str],
    derived: Mapping[str, Callable[[Any], Any]],
) -> Callable[[Any], str]:
    """One function ``x -> str`` writing the JSON object of item ``x`` (a
    ``PayoutItem`` or a ``ReturnRecord``) as ``json.dumps(..., ensure_ascii=False,
    separators=(",", ":"))`` writes it."""
    namespace: dict[str, Any] = {"enc": encode_basestring, "format_value": format_value}
    lines: list[str] = []
    members: list[str] = []
    for index, leaf in enumerate(element.children):
        assert isinstance(leaf, Leaf)  # checked by JsonMessage
        f = leaf.field
        name = leaf.source or leaf.name
        key = fstring_literal(json.dumps(leaf.tag) + ":")
        if isinstance(f, Const):
            members.append(key + fstring_literal(encode_basestring(f.value)))
            continue
        if name in sources:
            src = sources[name]
        elif name in derived:
            namespace[f"d_{name}"] = derived[name]
            src = f"d_{name}(x)"
        else:
            raise ValueError(f"no source for the value {name!r}")
        var = f"v{index}"
        if isinstance(f, Integer):
            lines.append(f"    {var} = int.__repr__({src})")
        elif isinstance(f, Yuan):
            lines.append(f"    {var} = '\"' + format({src}, '.2f') + '\"'")
        elif isinstance(f, Text | Code) and name in _NEVER_NONE and name in sources:
            lines.append(f"    {var} = enc({src})")
        elif isinstance(f, Text | Code):
            lines.append(f"    {var} = {src}")
            lines.append(f"    {var} = enc('' if {var} is None else {var})")
        else:  # dates, times, fen: their text
            namespace[f"l_{var}"] = leaf
            lines.append(f"    {var} = enc(format_value(l_{var}, {src}))")
        members.append(key + "{" + var + "}")
    body = "{{" + ",".join(members) + "}}"
    source_text = "def write(x):\n" + "\n".join(lines) + f'\n    return f"{body}"\n'
    exec(compile(source_text, f"<json item {element.tag}>", "exec"), namespace)  # noqa: S102
    write: Callable[[Any], str] = namespace["write"]
    return write


# -- reading ------------------------------------------------------------------------------

_Decoder: TypeAlias = Callable[[str, str | None, dict[str, Any]], Any]
#: The values of one item by name, and its line, to the record (``make``).
Make: TypeAlias = Callable[[int, Mapping[str, Any], int], Any]


def _const(placed: Placed) -> str:
    f = placed.leaf.field
    assert isinstance(f, Const)
    return f.value


def _refusal(placed: Placed, default: str) -> tuple[str, str]:
    f = placed.leaf.field
    assert isinstance(f, Const)
    if placed.leaf.refuse is not None:
        return placed.leaf.refuse
    if default == "bankfile.parameter":
        return default, f"{placed.leaf.tag} 应为 {f.value}"
    return default, f"{placed.path} 应为“{f.value}”"


class JsonReadPlan:
    """The checks a :class:`JsonMessage` derives for reading, in this order:
    the envelope (members, types, constants, then the signature), the body's
    members and its ``batch_id`` and constants, the items, the figures, then
    the body's other values."""

    def __init__(self, message: JsonMessage, *, in_return: bool) -> None:
        self.message = message
        self.in_return = in_return
        self.param_consts = [
            (p.leaf.tag, _const(p), _refusal(p, "bankfile.parameter"))
            for p in (Placed(_pointer(leaf.tag), leaf, False) for leaf in message.params)
            if isinstance(p.leaf.field, Const)
        ]
        self.param_steps = [
            (
                leaf.tag,
                leaf.name,
                leaf_decoder(Placed(_pointer(leaf.tag), leaf, False), in_item=False),
            )
            for leaf in message.params
            if not isinstance(leaf.field, Const)
        ]
        #: the pointer of the envelope's request id (the ``msg_id`` value), if any
        self.msg_id_pointer = next(
            (_pointer(leaf.tag) for leaf in message.params if leaf.name == "msg_id"), None
        )
        self.seq = next(p for p in message.item if p.leaf.name == "seq")
        self.item_keys = frozenset(p.path for p in message.item)
        self.item_consts = [
            (p.path, _const(p), _refusal(p, "bankfile.const"))
            for p in message.item
            if isinstance(p.leaf.field, Const)
        ]
        self.item_steps = [
            (p.path, p.leaf.name, isinstance(p.leaf.field, Integer), _decode(p, in_item=True))
            for p in message.item
            if p is not self.seq and not isinstance(p.leaf.field, Const)
        ]
        head = message.head
        self.batch = [p for p in head if p.leaf.name == "batch_id"]
        if len(self.batch) != 1:
            raise ValueError("the body of a JSON message needs one batch_id leaf")
        self.consts = [p for p in head if isinstance(p.leaf.field, Const)]
        self.figures = [p for p in head if p.leaf.name in ("count", "total")]
        self.rest = [p for p in head if p not in self.batch + self.consts and p not in self.figures]

    # -- the envelope ----------------------------------------------------------------------
    def envelope(self, j: _Json, data: bytes) -> dict[str, str]:
        """The envelope's parameters, every member a string, constants checked."""
        params = j.obj(j.load(data), self.message.envelope_keys, "")
        for key in params:
            j.text(params, key, "")
        for key, value, (code, message) in self.param_consts:
            if params[key] != value:
                j.fail(message, code, _pointer(key))
        return params

    def envelope_values(self, params: Mapping[str, str], file: str) -> dict[str, Any]:
        """The envelope's values by name (after the signature is verified)."""
        out: dict[str, Any] = {}
        for key, name, decode in self.param_steps:
            text = params[key]
            out[name] = text if decode is None else decode(text, file, {"path": _pointer(key)})
        return out

    # -- the body --------------------------------------------------------------------------
    def body(self, j: _Json, value: Any, p: str) -> dict[str, Any]:
        """The body's object with every member present and no other."""
        body = j.obj(value, self.message.objects[0][1], p)
        for pointer, keys in self.message.objects[1:]:
            j.obj(_at(body, pointer), keys, p + pointer)
        return body

    def values(
        self, j: _Json, body: Mapping[str, Any], placed: Sequence[Placed], p: str
    ) -> dict[str, Any]:
        """The values of the body leaves ``placed`` by name (``count`` and
        ``total`` as lists of ``(value, pointer)``); constants checked."""
        out: dict[str, Any] = {}
        for leaf_at in placed:
            leaf = leaf_at.leaf
            parent = leaf_at.path.rsplit("/", 1)[0]
            obj = _at(body, parent)
            where = p + leaf_at.path
            if isinstance(leaf.field, Integer):
                value: Any = j.integer(obj, leaf.tag, p + parent)
            else:
                text = j.text(obj, leaf.tag, p + parent)
                if isinstance(leaf.field, Const):
                    if text != leaf.field.value:
                        code, message = _refusal(leaf_at, "bankfile.const")
                        j.fail(message, code, where)
                    continue
                decode = _decode(leaf_at, in_item=False)
                value = text if decode is None else decode(text, j.file, {"path": where})
            if leaf.name in ("count", "total"):
                out.setdefault(leaf.name, []).append((value, where))
            else:
                out[leaf.name] = value
        return out

    # -- the items -------------------------------------------------------------------------
    def checked_item(
        self, j: _Json, raw: Any, index: int, p: str, seen: set[int]
    ) -> tuple[int, dict[str, Any]]:
        """One item, every check naming the JSON pointer of what fails."""
        ip = _join(p, self.message.items_key, index)
        it = j.obj(raw, self.item_keys, ip)
        seq = j.integer(it, self.seq.path, ip)
        if self.in_return:
            if seq in seen:
                j.fail(f"回盘中序号{seq}重复", "bankfile.seq_duplicate", f"{ip}/{self.seq.path}")
        elif seq in seen or seq < 1:
            j.fail(f"序号{seq}重复或无效", "bankfile.seq_duplicate", f"{ip}/{self.seq.path}")
        for key, value, (code, message) in self.item_consts:
            if j.text(it, key, ip) != value:
                j.fail(message, code, f"{ip}/{key}")
        out: dict[str, Any] = {}
        where = {"record": index + 1}
        for key, name, integer, decode in self.item_steps:
            if integer:
                out[name] = j.integer(it, key, ip)
                continue
            text = j.text(it, key, ip)
            out[name] = (
                text if decode is None else decode(text, j.file, {**where, "path": f"{ip}/{key}"})
            )
        return seq, out

    def records(
        self,
        j: _Json,
        items: Iterable[Any],
        p: str,
        make: Make,
        fast: Callable[[Any, int, set[int]], Any],
    ) -> list[Any]:
        """The records of ``items``: each through ``fast`` (see
        :meth:`compile_reader`), and one that fails any check through
        :meth:`checked_item`, which names the problem."""
        records: list[Any] = []
        seen: set[int] = set()
        add = seen.add
        checked = self.checked_item
        for index, raw in enumerate(items):
            try:
                record = fast(raw, index, seen)
            except (ValueError, BankFileError):
                seq, values = checked(j, raw, index, p, seen)
                record = make(seq, values, index + 1)
            add(record.seq)
            records.append(record)
        return records

    def compile_reader(self, file: str, make: Make) -> Callable[[Any, int, set[int]], Any]:
        """One function ``(item, index, seen) -> record`` for an item that passes
        every check; any other raises ``ValueError`` (or a library error) and is
        read again by :meth:`checked_item`. Repeated codes and messages share one
        object, and a repeated time is read once."""
        namespace: dict[str, Any] = {
            "KEYS": self.item_keys,
            "make": make,
            "file": file,
            "parse_yuan": parse_yuan,
            "shared": {},
        }
        seq_key = self.seq.path
        low = 0 if self.in_return else 1
        cond = [
            "type(raw) is dict",
            "raw.keys() == KEYS",
            f"type(seq := raw[{seq_key!r}]) is int",
            f"{low} <= seq < {_INT_LIMIT}",
            "seq not in seen",
        ]
        cond += [f"raw[{key!r}] == {value!r}" for key, value, _ in self.item_consts]
        lines: list[str] = []
        names: list[str] = []
        for n, (key, name, integer, decode) in enumerate(self.item_steps):
            v = f"v{n}"
            names.append(f"{name!r}: {v}")
            if integer:
                cond.append(f"type(raw[{key!r}]) is int and 0 <= raw[{key!r}] < {_INT_LIMIT}")
                lines.append(f"    {v} = raw[{key!r}]")
                continue
            cond.append(f"type(raw[{key!r}]) is str")
            lines.append(f"    {v} = raw[{key!r}]")
            placed = next(p for p in self.message.item if p.path == key)
            f = placed.leaf.field
            if isinstance(f, Yuan):
                lines.append(f"    {v} = parse_yuan({v}, file)")
            elif isinstance(f, DateTime):
                namespace[f"d{n}"] = decode
                namespace[f"last{n}"] = ["", None]
                lines.append(f"    if {v} != last{n}[0]:")
                lines.append(f"        last{n}[:] = {v}, d{n}({v}, file, {{}})")
                lines.append(f"    {v} = last{n}[1]")
            elif decode is not None:
                namespace[f"d{n}"] = decode
                lines.append(f"    {v} = d{n}({v}, file, {{}})")
            elif name in ("code", "message"):
                lines.append(f"    {v} = shared.setdefault({v}, {v})")
                lines.append("    if len(shared) > 256:")
                lines.append(f"        shared.clear(); shared[{v}] = {v}")
        source = (
            "def fast(raw, index, seen):\n"
            f"    if not ({' and '.join(cond)}):\n"
            "        raise ValueError(index)\n"
            + "\n".join(lines)
            + f"\n    return make(seq, {{{', '.join(names)}}}, index + 1)\n"
        )
        exec(compile(source, "<json items>", "exec"), namespace)  # noqa: S102
        fast: Callable[[Any, int, set[int]], Any] = namespace["fast"]
        return fast


def _decode(placed: Placed, *, in_item: bool) -> _Decoder | None:
    f: Field = placed.leaf.field
    if isinstance(f, Fen | Yuan | DateTime | Date):
        return leaf_decoder(placed, in_item=in_item)
    return width_check(placed, "utf-8")


def _at(body: Mapping[str, Any], pointer: str) -> Any:
    """The member of ``body`` at ``pointer`` (member names without ``/`` or ``~``)."""
    node: Any = body
    for key in pointer.split("/")[1:]:
        node = node[key]
    return node
