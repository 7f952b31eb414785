"""Hardened parsing: the prolog check, the parser's options, small documents,
XSD schemas and validation while streaming, and the errors of the parser
turned into :class:`~ningxia_yikatong.errors.BankFileError`."""

from __future__ import annotations

import io
import re
from functools import cache
from importlib import resources
from typing import Any, Final, cast

from lxml import etree

from ...errors import BankFileError
from ...identity import mask_account

__all__ = [
    "DSIG_NS",
    "LOCATE_LIMIT",
    "SMALL_LIMIT",
    "check_prolog",
    "hardened_parser",
    "load_schema",
    "parse_small",
    "validate_stream",
]

DSIG_NS: Final = "http://www.w3.org/2000/09/xmldsig#"
_SIGNATURE_TAG: Final = f"{{{DSIG_NS}}}Signature"

#: Largest document :func:`parse_small` reads whole (signatures, API bodies).
SMALL_LIMIT: Final = 4 * 1024 * 1024

_ENCODING_DECL = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ALLOWED_ENCODINGS: Final = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "gb18030": "gb18030",
    "gbk": "gbk",
    "gb2312": "gbk",
}


def _str(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.decode("utf-8")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2] if tag[:1] == "{" else tag


def _err(message: str, code: str, file: str | None, **where: Any) -> BankFileError:
    return BankFileError(message, code=code, file=file, **where)


def check_prolog(data: bytes, file: str | None = None) -> str:
    """Refuse what must never reach the parser; return the declared encoding.

    The prolog (everything before the root element) must not contain a
    ``<!DOCTYPE``; the document must be in an ASCII-compatible encoding that the
    library accepts.

    >>> check_prolog(b'<?xml version="1.0" encoding="GB18030"?><TX/>')
    'gb18030'
    >>> check_prolog(b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    Traceback (most recent call last):
    ...
    ningxia_yikatong.errors.BankFileError: ...不接受DTD（DOCTYPE）... [xml.doctype]
    """
    if not isinstance(data, bytes | bytearray):
        raise _err("XML文件内容应为字节串", "xml.type", file)
    if not data:
        raise _err("XML文件为空", "xml.empty", file)
    head = bytes(data[:4])
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise _err("XML文件应为UTF-8或GB18030编码，不接受UTF-16/UTF-32", "xml.encoding", file)
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    encoding = "utf-8"
    match = _ENCODING_DECL.match(bytes(data[start : start + 200]))
    if match is not None:
        declared = match.group(1).decode("ascii").lower()
        if declared not in _ALLOWED_ENCODINGS:
            raise _err(
                f"XML声明的编码 {declared} 不受支持（应为UTF-8或GB18030）", "xml.encoding", file
            )
        encoding = _ALLOWED_ENCODINGS[declared]
    # The prolog ends at the first "<" that opens an element.
    pos = start
    while True:
        lt = data.find(b"<", pos)
        if lt < 0 or lt + 1 >= len(data):
            break
        nxt = data[lt + 1 : lt + 2]
        if nxt == b"?":
            end = data.find(b"?>", lt)
            pos = len(data) if end < 0 else end + 2
        elif nxt == b"!":
            if data.startswith(b"<!--", lt):
                end = data.find(b"-->", lt)
                pos = len(data) if end < 0 else end + 3
            else:
                raise _err("XML文件不接受DTD（DOCTYPE）或实体声明", "xml.doctype", file, line=1)
        else:
            break
    return encoding


def hardened_parser(*, schema: etree.XMLSchema | None = None) -> etree.XMLParser:
    """A parser that loads no DTD, resolves no entity and touches no network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
        strip_cdata=True,
        schema=schema,
    )


def parse_small(
    data: bytes, file: str | None = None, *, schema: etree.XMLSchema | None = None
) -> etree._Element:
    """Parse a small document whole (at most 4 MiB), hardened; its root."""
    check_prolog(data, file)
    if len(data) > SMALL_LIMIT:
        raise _err("XML文件过大", "xml.too_large", file)
    try:
        root = etree.fromstring(bytes(data), hardened_parser(schema=schema))
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc, file, schema is not None) from None
    for node in root.iter(etree.Comment, etree.ProcessingInstruction, etree.Entity):
        raise _err("XML文件不接受注释、处理指令或实体引用", "xml.node", file, line=node.sourceline)
    return root


_NS_IN_MESSAGE = re.compile(r"\{[^{}]*\}")
_ELEMENT_IN_MESSAGE = re.compile(r"Element '(?:\{[^{}]*\})?([^']+)'")
#: Largest document re-read whole to locate a schema error exactly.
LOCATE_LIMIT: Final = 64 * 1024 * 1024


_LONG_NUMBER = re.compile(r"[0-9]{6,}[0-9Xx]*")


def _masked(message: str) -> str:
    """The parser's message with long numbers (accounts, ID numbers) masked."""
    return _LONG_NUMBER.sub(lambda m: mask_account(m.group()), message)


def _syntax_error(exc: etree.XMLSyntaxError, file: str | None, validating: bool) -> BankFileError:
    line = exc.position[0] if exc.position and exc.position[0] else None
    msg = _masked(_NS_IN_MESSAGE.sub("", str(exc.msg or exc)).strip())
    if validating and (
        "Schemas validity" in msg or "Element '" in msg or exc.position in (None, (0, 0))
    ):
        return _err(f"XML不符合报文XSD：{msg}", "xml.schema", file, line=line)
    return _err(f"XML格式错误：{msg}", "xml.syntax", file, line=line)


def _element_path(el: etree._Element) -> str:
    parts = []
    node: etree._Element | None = el
    while node is not None:
        parent = node.getparent()
        local = _local(node.tag)
        if parent is not None:
            same = [c for c in parent if c.tag == node.tag]
            if len(same) > 1:
                local += f"[{same.index(node) + 1}]"
        parts.append(local)
        node = parent
    return "/" + "/".join(reversed(parts))


def _schema_error(
    data: bytes, schema: etree.XMLSchema, file: str | None, exc: etree.XMLSyntaxError
) -> BankFileError:
    """The schema error of ``exc``, with line and element path where the
    document is small enough to re-read whole."""
    error = _syntax_error(exc, file, True)
    if error.code != "xml.schema" or len(data) > LOCATE_LIMIT:
        return error
    try:
        root = etree.fromstring(data, hardened_parser())
    except etree.XMLSyntaxError:
        return error
    if schema.validate(root):
        return error
    entry = cast(Any, schema.error_log)[0]  # the first error is the cause
    name = _ELEMENT_IN_MESSAGE.search(entry.message)
    for el in root.iter():
        if el.sourceline == entry.line and (name is None or _local(el.tag) == name.group(1)):
            return error.at(line=entry.line, path=_element_path(el))
    return error.at(line=entry.line)


@cache
def load_schema(name: str) -> etree.XMLSchema:
    """An XSD shipped in ``ningxia_yikatong/banks/xsd`` (parsed once)."""
    data = resources.files("ningxia_yikatong.banks").joinpath("xsd", name).read_bytes()
    return etree.XMLSchema(etree.fromstring(data, hardened_parser()))


def validate_stream(
    data: bytes, schema: etree.XMLSchema, file: str | None = None, *, item_tag: str | None = None
) -> None:
    """Validate ``data`` against ``schema`` while streaming (memory stays flat).

    ``item_tag`` (Clark notation) names the repeated element: only its ends
    reach Python, where each is freed, so validation runs at libxml2's speed.
    """
    check_prolog(data, file)
    context = etree.iterparse(
        io.BytesIO(data),
        events=("end",),
        tag=item_tag,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        schema=schema,
    )
    try:
        for _, el in context:
            el.clear(keep_tail=True)
            parent = el.getparent()
            if parent is not None:
                while parent[0] is not el:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        raise _schema_error(data, schema, file, exc) from None
