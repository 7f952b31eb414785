"""Declarative layouts of XML bank messages (报文布局): the message as a tree.

A bank module declares each message once, as the tree of its elements, and
the engine derives from that one declaration both the streaming writer (with
the canonical digest the enveloped signature covers) and the checks of the
streaming reader::

    El("TX",
       Leaf("REQUEST_SN", Code("request_sn")),
       El("TX_INFO",
          Leaf("BATCH_ID", Code("batch_id")),
          Leaf("TOTAL_NUM", Integer("count", label="总笔数")),
          Leaf("TOTAL_AMOUNT", Yuan("total")),
          El("DETAIL_LIST",
             Items(El("DETAIL",
                      Leaf("SN", Integer("seq")),
                      Leaf("AMOUNT", Yuan("amount")))))),
       SIGNATURE)

* :class:`Leaf` is an element (or, under ``attrs``, an attribute) carrying one
  value; its field (the text formats' types: :class:`~._fields.Text`,
  :class:`~._fields.Code`, :class:`~._fields.Integer`, :class:`~._fields.Yuan`,
  :class:`~._fields.Fen`, :class:`~._fields.Date`, :class:`~._fields.DateTime`,
  :class:`~._fields.Const`) names the value and its type. A width of 0 means
  no limit; otherwise it is a limit in bytes of the message's encoding.
* :class:`El` groups elements; with ``when=<value name>`` it (and everything
  in it) is written only when that value is set, and may be absent when read.
  A :class:`Leaf` takes ``when`` the same way.
* :class:`Items` marks the repeated element (a detail, a transaction),
  :data:`SIGNATURE` where the enveloped ``Signature`` sits: the last child of
  its parent, referencing the whole document (``URI=""``).
* The same value name twice in a message must carry the same value (the
  second leaf's ``refuse`` gives the error), except the figures: every leaf
  named ``count`` (``total``) is checked against the items read.

The values an item leaf writes come from the engine's sources of the
direction (:data:`INSTRUCTION_SOURCES`, :data:`RETURN_SOURCES`) or from the
adapter's ``derived`` functions; :func:`compile_items` turns the item element
into one Python function per message (as :mod:`._compiled` does for the text
formats), so a million items cost one call each.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from typing import Any, Final, TypeAlias

from ..errors import BankFileError, ErrorDetail, Location
from ..identity import mask_id_number
from ..payout import PayoutBatch
from ._fields import Code, Const, Date, DateTime, Fen, Field, FieldError, Integer, Text, Yuan
from ._xml import Item, escape_attr, escape_text, parse_datetime, parse_int, parse_yuan

__all__ = [
    "INSTRUCTION_SOURCES",
    "RETURN_SOURCES",
    "SIGNATURE",
    "El",
    "Items",
    "Leaf",
    "Placed",
    "ReadPlan",
    "XmlMessage",
    "check_widths",
    "compile_items",
    "figures",
    "format_value",
    "fstring_literal",
    "leaf_decoder",
    "width_check",
]

#: Where the writer takes each instruction value from (``x`` is a ``PayoutItem``).
INSTRUCTION_SOURCES: Final = {
    "seq": "x.seq",
    "account": "x.beneficiary.account.number",
    "name": "x.beneficiary.account.holder_name",
    "id_number": "x.beneficiary.id_number",
    "amount": "x.amount",
    "memo": "x.memo",
    "branch": "x.beneficiary.account.branch",
}
#: Where the writer takes each return value from (``x`` is a ``ReturnRecord``).
RETURN_SOURCES: Final = {
    "seq": "x.seq",
    "account": "x.account",
    "name": "x.name",
    "amount": "x.amount",
    "code": "x.raw_code",
    "message": "x.raw_message",
    "txn_id": "x.bank_txn_id",
    "settled_at": "x.settled_at",
}
#: Values of a ``PayoutBatch`` item that are the library's validated types
#: (digits and letters only): written without escaping.
_TRUSTED: Final = frozenset({"seq", "account", "id_number", "branch"})


@dataclass(frozen=True)
class Leaf:
    """An element with one value (or an attribute, under another leaf's ``attrs``).

    ``fmt`` is the text form of a date or time (``"%Y-%m-%d"``, ``"iso"``;
    by default the field's own, ``YYYYMMDD`` / ``YYYYMMDDHHMMSS``). ``source``
    writes another value under this leaf's name (``EndToEndId`` repeats the
    seq). ``refuse`` is the error ``(code, message)`` when a constant or a
    repeated value differs from what it must be.
    """

    tag: str
    field: Field
    attrs: tuple[Leaf, ...] = ()
    when: str | None = None
    fmt: str = ""
    source: str | None = None
    refuse: tuple[str, str] | None = None

    @property
    def name(self) -> str:
        """The value's name."""
        return self.field.name


@dataclass(frozen=True)
class Items:
    """The repeated element of a message."""

    element: El


class _Signature:
    """Where the enveloped signature sits (the last child of its parent)."""

    def __repr__(self) -> str:
        return "SIGNATURE"


SIGNATURE: Final = _Signature()
Node: TypeAlias = "El | Leaf | Items | _Signature"


@dataclass(frozen=True)
class El:
    """An element that groups others; ``when`` makes it optional."""

    tag: str
    children: tuple[Node, ...]
    when: str | None = None

    def __init__(self, tag: str, *children: Node, when: str | None = None) -> None:
        object.__setattr__(self, "tag", tag)
        object.__setattr__(self, "children", children)
        object.__setattr__(self, "when", when)


@dataclass(frozen=True)
class Placed:
    """A leaf with its path (absolute in the header, relative in an item)."""

    path: str
    leaf: Leaf
    optional: bool


@dataclass(frozen=True)
class XmlMessage:
    """One message: its tree, namespace, XSD and what it is called in errors."""

    root: El
    namespace: str = ""
    schema: str | None = None
    kind: str = "报文"
    #: filled in from the tree
    item_path: str = field(init=False)
    signature_path: str = field(init=False)
    header: tuple[Placed, ...] = field(init=False)
    item: tuple[Placed, ...] = field(init=False)

    def __post_init__(self) -> None:
        header: list[Placed] = []
        item: list[Placed] = []
        found: dict[str, str] = {}

        def walk(node: Node, path: str, optional: bool, into: list[Placed]) -> None:
            if isinstance(node, Leaf):
                here = f"{path}/{node.tag}"
                opt = optional or node.when is not None
                into.append(Placed(here.lstrip("/") if into is item else here, node, opt))
                for attr in node.attrs:
                    at = f"{here}/@{attr.tag}"
                    into.append(Placed(at.lstrip("/") if into is item else at, attr, opt))
            elif isinstance(node, Items):
                found["items"] = f"{path}/{node.element.tag}"
                for child in node.element.children:
                    walk(child, "", False, item)
            elif isinstance(node, El):
                for child in node.children:
                    walk(child, f"{path}/{node.tag}", optional or node.when is not None, into)
            else:
                found["signature"] = f"{path}/Signature"

        walk(self.root, "", False, header)
        if "items" not in found or "signature" not in found:
            raise ValueError("an XML message needs Items(...) and SIGNATURE")
        object.__setattr__(self, "item_path", found["items"])
        object.__setattr__(self, "signature_path", found["signature"])
        object.__setattr__(self, "header", tuple(header))
        object.__setattr__(self, "item", tuple(item))

    @property
    def item_tag(self) -> str:
        """The repeated element in Clark notation (for streamed validation)."""
        local = self.item_path.rsplit("/", 1)[1]
        return f"{{{self.namespace}}}{local}" if self.namespace else local

    def write(self, values: Mapping[str, Any]) -> tuple[str, str, str, str]:
        """The message's text around its items and its signature, with the
        header ``values``: ``(before items, after items up to the signature,
        after the signature)``, and the root's opening tag apart (it carries the
        namespace)."""
        parts: list[str] = [""]

        def out(text: str) -> None:
            parts[-1] += text

        def walk(node: Node, top: bool = False) -> None:
            if isinstance(node, Leaf):
                if node.when is not None and not values.get(node.when):
                    return
                attrs = "".join(
                    f' {a.tag}="{escape_attr(format_value(a, values.get(a.source or a.name)))}"'
                    for a in sorted(node.attrs, key=lambda a: a.tag)
                )
                text = format_value(node, values.get(node.source or node.name))
                out(f"<{node.tag}{attrs}>{escape_text(text)}</{node.tag}>")
            elif isinstance(node, El):
                if node.when is not None and not values.get(node.when):
                    return
                if top:
                    parts.append("")
                else:
                    out(f"<{node.tag}>")
                for child in node.children:
                    walk(child)
                out(f"</{node.tag}>")
            else:  # the items, then the signature: each starts a new part
                parts.append("")

        walk(self.root, top=True)
        # parts: root tag (empty), before items, between, after signature
        _, before, between, after = parts
        return self.root.tag, before, between, after


def format_value(leaf: Leaf, value: Any) -> str:
    """The text of ``value`` in ``leaf`` (header values and attributes)."""
    f = leaf.field
    if isinstance(f, Const):
        return f.value
    if value is None:
        return ""
    if isinstance(f, Yuan):
        return f"{value:.2f}"
    if isinstance(f, Fen):
        return f.encode(value, "utf-8")
    if isinstance(f, DateTime | Date):
        if leaf.fmt == "iso":
            return (
                str(value.isoformat(timespec="seconds"))
                if isinstance(f, DateTime)
                else str(value.isoformat())
            )
        return f"{value:{leaf.fmt or ('%Y%m%d%H%M%S' if isinstance(f, DateTime) else '%Y%m%d')}}"
    return str(value)


def check_widths(placed: Sequence[Placed], batch: PayoutBatch, encoding: str, bank: str) -> None:
    """Refuse, naming every item of ``batch``, text longer than its leaf's byte
    limit (``placed``: the item leaves of an instruction message)."""
    limited = [
        (p, INSTRUCTION_SOURCES[p.leaf.source or p.leaf.name].removeprefix("x."))
        for p in placed
        if p.leaf.field.width
        and isinstance(p.leaf.field, Text | Code)
        and (p.leaf.source or p.leaf.name) in INSTRUCTION_SOURCES
    ]
    if not limited:
        return
    details = []
    for item in batch.items:
        for leaf_at, attribute in limited:
            value = attrgetter(attribute)(item)
            if value is None:
                continue
            try:
                leaf_at.leaf.field.size(str(value), encoding)
            except FieldError as exc:
                details.append(
                    ErrorDetail(
                        exc.code,
                        f"序号{item.seq}（{mask_id_number(item.beneficiary.id_number)}）"
                        f"{leaf_at.path}：{exc.message}",
                        Location(record=item.seq, path=leaf_at.path),
                    )
                )
    if details:
        raise BankFileError(
            f"{len(details)}处内容超过{bank}报文的字段长度，整批未生成",
            code="bankfile.field_too_long",
            details=details,
        )


# -- writing items ------------------------------------------------------------------------


def fstring_literal(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("{", "{{")
        .replace("}", "}}")
        .replace("\n", "\\n")
    )


def compile_items(
    element: El,
    sources: Mapping[str, str],
    derived: Mapping[str, Callable[[Any], Any]],
) -> Callable[[Any], str]:
    """One function ``x -> str`` writing the item element for ``x`` (a
    ``PayoutItem`` or a ``ReturnRecord``), every text escaped as exc-c14n writes it."""
    namespace: dict[str, Any] = {"esc": escape_text, "escattr": escape_attr, "Decimal": Decimal}
    lines: list[str] = []
    counter = iter(range(1_000_000))

    def source(name: str) -> str:
        if name in sources:
            return sources[name]
        if name not in derived:
            raise ValueError(f"no source for the value {name!r}")
        namespace[f"d_{name}"] = derived[name]
        return f"d_{name}(x)"

    def value(leaf: Leaf, attr: bool) -> str:
        f = leaf.field
        name = leaf.source or leaf.name
        if isinstance(f, Const):
            text = escape_attr(f.value) if attr else escape_text(f.value)
            return fstring_literal(text)
        src = source(name)
        var = f"v{next(counter)}"
        escape = "escattr" if attr else "esc"
        if isinstance(f, Integer):
            lines.append(f"    {var} = {src}")
        elif isinstance(f, Yuan):
            lines.append(f"    {var} = format({src}, '.2f')")
        elif isinstance(f, Fen):
            namespace[f"f_{var}"] = f
            lines.append(f"    {var} = f_{var}.encode({src}, 'utf-8')")
        elif isinstance(f, Date | DateTime):
            namespace[f"l_{var}"] = leaf
            namespace["format_value"] = format_value
            lines.append(f"    {var} = format_value(l_{var}, {src})")
        elif isinstance(f, Code) and name in _TRUSTED and sources is INSTRUCTION_SOURCES:
            lines.append(f"    {var} = {src}")
        else:
            lines.append(f"    {var} = {src}")
            lines.append(f"    {var} = '' if {var} is None else {escape}(str({var}))")
        return "{" + var + "}"

    def _optional(when: str, body: str) -> str:
        var = f"o{next(counter)}"
        # the optional part's own values are computed only when it is written
        inner_lines = lines[mark[-1] :]
        del lines[mark[-1] :]
        lines.append(f"    if {source(when)}:")
        lines.extend("    " + line for line in inner_lines)
        lines.append(f'        {var} = f"{body}"')
        lines.append("    else:")
        lines.append(f'        {var} = ""')
        return "{" + var + "}"

    mark: list[int] = [0]

    def leaf_text(node: Leaf) -> str:
        attrs = "".join(
            f' {a.tag}=\\"{value(a, True)}\\"' for a in sorted(node.attrs, key=lambda a: a.tag)
        )
        return f"<{node.tag}{attrs}>{value(node, False)}</{node.tag}>"

    def render_marked(node: Node) -> str:
        if isinstance(node, El | Leaf) and node.when:
            mark.append(len(lines))
            try:
                if isinstance(node, Leaf):
                    body = leaf_text(node)
                else:
                    body = (
                        f"<{node.tag}>{''.join(render_marked(c) for c in node.children)}"
                        f"</{node.tag}>"
                    )
                return _optional(node.when, body)
            finally:
                mark.pop()
        if isinstance(node, El):
            inner = "".join(render_marked(c) for c in node.children)
            return f"<{node.tag}>{inner}</{node.tag}>"
        if isinstance(node, Leaf):
            return leaf_text(node)
        raise ValueError("an item holds elements and leaves only")

    body = render_marked(element)
    source_text = "def write(x):\n" + "\n".join(lines) + f'\n    return f"{body}"\n'
    exec(compile(source_text, f"<xml item {element.tag}>", "exec"), namespace)  # noqa: S102
    write: Callable[[Any], str] = namespace["write"]
    return write


# -- reading ------------------------------------------------------------------------------

_Decoder: TypeAlias = Callable[[str, str | None, dict[str, Any]], Any]


def leaf_decoder(placed: Placed, *, in_item: bool) -> _Decoder | None:
    """The check and conversion of a leaf's text, or ``None`` for text kept as it is."""
    leaf = placed.leaf
    f = leaf.field
    if isinstance(f, Const):
        code, message = leaf.refuse or ("bankfile.const", f"{placed.path} 应为“{f.value}”")

        def const(text: str, file: str | None, where: dict[str, Any]) -> str:
            if text != f.value:
                raise BankFileError(message, code=code, file=file, **where)
            return text

        return const
    if isinstance(f, Integer):
        what = f.label or "整数"
        return lambda text, file, where: parse_int(text, file, what=what, **where)
    if isinstance(f, Yuan):
        return lambda text, file, where: parse_yuan(text, file, positive=in_item, **where)
    if isinstance(f, Fen):

        def fen(text: str, file: str | None, where: dict[str, Any]) -> Decimal:
            try:
                return Decimal(f.decode(text))
            except FieldError as exc:
                raise BankFileError(
                    exc.message, code="bankfile.amount", file=file, **where
                ) from None

        return fen
    if isinstance(f, DateTime):
        fmt = leaf.fmt or "%Y%m%d%H%M%S"
        return lambda text, file, where: parse_datetime(text, fmt, file, **where)
    if isinstance(f, Date):
        fmt = leaf.fmt or "%Y%m%d"
        fmt = "%Y-%m-%d" if fmt == "iso" else fmt

        def date(text: str, file: str | None, where: dict[str, Any]) -> _dt.date | None:
            when = parse_datetime(text, fmt, file, **where)
            return None if when is None else when.date()

        return date
    return None


def width_check(placed: Placed, encoding: str) -> _Decoder | None:
    f = placed.leaf.field
    if not f.width or not isinstance(f, Text | Code):
        return None

    def check(text: str, file: str | None, where: dict[str, Any]) -> str:
        try:
            if isinstance(f, Code):
                f.decode(text)
            f.size(text, encoding)
        except FieldError as exc:
            raise BankFileError(exc.message, code=exc.code, file=file, **where) from None
        return text

    return check


class ReadPlan:
    """The checks :class:`XmlMessage` derives for reading."""

    def __init__(self, message: XmlMessage, encoding: str = "utf-8") -> None:
        self.message = message
        self.item_keys = frozenset(p.path for p in message.item if not p.optional)
        self.item_optional = frozenset(p.path for p in message.item if p.optional)
        self.header_keys = frozenset(p.path for p in message.header if not p.optional)
        self.header_optional = frozenset(p.path for p in message.header if p.optional)
        seq = [p for p in message.item if p.leaf.name == "seq"]
        if not seq:
            raise ValueError("the item of an XML message needs a seq leaf")
        self.seq_path = seq[0].path
        self.item_steps = [
            (p.leaf.name, p.path, leaf_decoder(p, in_item=True) or width_check(p, encoding))
            for p in message.item
            if p is not seq[0]
        ]
        self.header_steps = [
            (p, leaf_decoder(p, in_item=False) or width_check(p, encoding)) for p in message.header
        ]

    def item_values(self, item: Item, file: str) -> dict[str, Any]:
        """The values of one item by name (its seq not included); optional
        leaves that are absent are not in it."""
        v = item.values
        out: dict[str, Any] = {}
        for name, path, decode in self.item_steps:
            text = v.get(path)
            if text is None:
                continue
            if decode is not None:
                out[name] = decode(text, file, item.where(path))
            elif name not in out:
                out[name] = text
        return out

    def header_values(
        self,
        fields: Mapping[str, str],
        file: str | None,
        amounts: Sequence[Decimal],
        *,
        batch_id: str | None = None,
    ) -> tuple[dict[str, Any], tuple[int, Decimal]]:
        """The header's values by name and its figures, checked in this order:
        the batch (with ``batch_id``, a message of another batch is refused
        first), the constants and repeated values, the counts and totals against
        the item ``amounts``, then the dates and times."""
        if batch_id is not None:
            placed = next(p for p, _ in self.header_steps if p.leaf.name == "batch_id")
            found = fields.get(placed.path)
            if found is not None and found != batch_id:
                raise BankFileError(
                    f"{self.message.kind}属于批次 {found}，不是批次 {batch_id}",
                    code="bankfile.batch_mismatch",
                    file=file,
                    path=placed.path,
                )
        out: dict[str, Any] = {"count": [], "total": []}
        steps = self.header_steps
        figured = [s for s in steps if s[0].leaf.name in ("count", "total")]
        timed = [s for s in steps if isinstance(s[0].leaf.field, Date | DateTime)]
        first = [s for s in steps if s not in figured and s not in timed]
        self._values(first, fields, file, out)
        self._values(figured, fields, file, out)
        counted = figures(out, amounts, file, self.message.kind)
        self._values(timed, fields, file, out)
        return out, counted

    @staticmethod
    def _values(
        steps: Sequence[tuple[Placed, _Decoder | None]],
        fields: Mapping[str, str],
        file: str | None,
        out: dict[str, Any],
    ) -> None:
        for placed, decode in steps:
            text = fields.get(placed.path)
            if text is None:
                continue
            name = placed.leaf.name
            value = text if decode is None else decode(text, file, {"path": placed.path})
            if name in ("count", "total"):
                out[name].append((value, placed.path))
            elif name in out:
                if out[name] != value:
                    code, message = placed.leaf.refuse or (
                        "bankfile.inconsistent",
                        f"{placed.path} 与报文中另一处的值不一致",
                    )
                    raise BankFileError(message, code=code, file=file, path=placed.path)
            else:
                out[name] = value


def figures(
    header: Mapping[str, Any], amounts: Sequence[Decimal], file: str | None, kind: str
) -> tuple[int, Decimal]:
    """Check every count and total of the header against the items; the first pair."""
    first: tuple[int, Decimal] | None = None
    for (count, count_path), (total, total_path) in zip(
        header["count"], header["total"], strict=True
    ):
        if count != len(amounts):
            raise BankFileError(
                f"{kind}笔数为{count}，明细实际为{len(amounts)}笔",
                code="bankfile.count_mismatch",
                file=file,
                path=count_path,
            )
        actual = sum(amounts, Decimal("0.00"))
        if total != actual:
            raise BankFileError(
                f"{kind}总金额为{total}元，明细合计为{actual}元",
                code="bankfile.total_mismatch",
                file=file,
                path=total_path,
            )
        first = first or (count, total)
    if first is None:
        raise ValueError("an XML message needs count and total leaves")
    return first
