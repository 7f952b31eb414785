"""The XML engine: hardened reading, streaming canonical writing and reading.

Everything the library reads as XML goes through here. The rules:

* **No DTD at all.** A document whose prolog has a ``<!DOCTYPE`` is refused
  before the parser sees it (``xml.doctype``), so neither external entities
  (XXE) nor entity expansion (billion laughs, quadratic blowup) can happen; the
  parser is configured besides with ``resolve_entities=False``,
  ``no_network=True``, ``load_dtd=False``, ``dtd_validation=False`` and
  ``huge_tree=False`` (lxml's defaults changed across versions).
* **ASCII-compatible encodings only** (UTF-8, GB18030, GBK): a UTF-16/32
  document is refused, so that the prolog check cannot be dodged.
* **No comments, no processing instructions** inside a document: machine
  messages have none, and refusing them keeps what is signed and what is read
  the same.
* **Streaming.** :class:`XmlReader` reads with ``iterparse`` and frees each
  item as soon as it is read, so a million items keep memory flat;
  :class:`CanonicalWriter` writes item after item. Both compute, on the way,
  the SHA-256 digest of the document's exclusive canonical form (exc-c14n)
  without its enveloped ``Signature``: the digest an enveloped XMLDSig
  signature covers, in one pass.

Errors are :class:`~ningxia_yikatong.errors.BankFileError` with the file, the
line and the element path (``/TX/TX_INFO/DETAIL_LIST/DETAIL[3]/AMOUNT``).

>>> w = CanonicalWriter("utf-8")
>>> w.start("Doc", xmlns="urn:example")
>>> w.leaf("Nm", "马·阿里 & Co")
>>> w.end("Doc")
>>> print(w.getvalue().decode())
<?xml version="1.0" encoding="UTF-8"?>
<Doc xmlns="urn:example"><Nm>马·阿里 &amp; Co</Nm></Doc>
>>> r = XmlReader(w.getvalue(), "doc.xml", items=frozenset())
>>> list(r)
[]
>>> r.fields["/Doc/Nm"]
'马·阿里 & Co'
>>> r.digest_hex == w.digest_hex
True
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Final, cast

from lxml import etree

from ..errors import BankFileError
from ..identity import mask_account
from ._model import ReturnRecord

__all__ = [
    "DSIG_NS",
    "CanonicalWriter",
    "Item",
    "XmlReader",
    "check_chars",
    "check_prolog",
    "check_return_records",
    "escape_attr",
    "escape_text",
    "hardened_parser",
    "load_schema",
    "parse_datetime",
    "parse_int",
    "parse_small",
    "parse_yuan",
    "unique_seq",
    "validate_stream",
    "yuan",
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


# --- canonical form ----------------------------------------------------------------

_TEXT_ESC = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"})
_ATTR_ESC = str.maketrans(
    {"&": "&amp;", "<": "&lt;", '"': "&quot;", "\t": "&#x9;", "\n": "&#xA;", "\r": "&#xD;"}
)
_NEEDS_TEXT_ESC = re.compile(r"[&<>\r]")


def escape_text(text: str) -> str:
    """Text content as exc-c14n writes it."""
    return text.translate(_TEXT_ESC) if _NEEDS_TEXT_ESC.search(text) else text


def escape_attr(value: str) -> str:
    """An attribute value as exc-c14n writes it."""
    return value.translate(_ATTR_ESC)


#: A namespace URI that canonical XML can carry: absolute (a scheme, then URI
#: characters), as exclusive c14n requires; relative URIs are refused.
_ABSOLUTE_URI = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*"
)
#: Most namespace declarations a document may make (the bank messages make one
#: or two): every element's in-scope namespaces are looked at while reading,
#: so their number must stay small for the work to stay linear in the input.
MAX_NAMESPACES: Final = 32
#: Events of the reader other than element starts and ends.
_OTHER_EVENTS: Final = frozenset({"comment", "pi", "start-ns"})

_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class CanonicalWriter:
    """Writes a document already in exclusive canonical form, item after item.

    The output is the XML declaration and the canonical text encoded in
    ``encoding``; :attr:`digest_hex` / :attr:`digest_b64` are SHA-256 of the
    canonical UTF-8 bytes of everything written except :meth:`unsigned` parts
    (the enveloped signature). Only what the bank formats need: elements
    without prefixes, a default namespace on the root, attributes written by
    the caller in sorted order.

    Text goes through :meth:`leaf` (escaped here) or :meth:`raw` (a chunk the
    caller built with :func:`escape_text`; the fast path for large batches).
    """

    __slots__ = ("_buf", "_chunks", "_encoding", "_hash", "_out", "_size")

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._out = io.BytesIO()
        self._hash = hashlib.sha256()
        self._chunks: list[str] = []
        self._size = 0
        label = "GB18030" if encoding == "gb18030" else encoding.upper()
        self._out.write(f'<?xml version="1.0" encoding="{label}"?>\n'.encode("ascii"))

    def start(self, tag: str, attrs: str = "", *, xmlns: str | None = None) -> None:
        """Open ``tag``; ``attrs`` is the pre-sorted, escaped attribute text."""
        ns = f' xmlns="{escape_attr(xmlns)}"' if xmlns is not None else ""
        self.raw(f"<{tag}{ns}{attrs}>")

    def end(self, tag: str) -> None:
        """Close ``tag``."""
        self.raw(f"</{tag}>")

    def leaf(self, tag: str, text: str) -> None:
        """``<tag>text</tag>`` with the text escaped."""
        self.raw(f"<{tag}>{escape_text(text)}</{tag}>")

    def raw(self, chunk: str) -> None:
        """Append canonical text as it is."""
        self._chunks.append(chunk)
        self._size += len(chunk)
        if self._size > 1 << 16:
            self.flush()

    def flush(self) -> None:
        """Encode and hash what is buffered."""
        if not self._chunks:
            return
        text = "".join(self._chunks)
        self._chunks.clear()
        self._size = 0
        self._hash.update(text.encode("utf-8"))
        self._write(text)

    def _write(self, text: str) -> None:
        try:
            self._out.write(text.encode(self._encoding))
        except UnicodeEncodeError as exc:
            raise BankFileError(
                f"字符“{exc.object[exc.start : exc.end]}”无法以{self._encoding}编码写入",
                code="xml.encode",
            ) from None

    def unsigned(self, chunk: str) -> None:
        """Write ``chunk`` without hashing it (the enveloped signature)."""
        self.flush()
        self._write(chunk)

    @property
    def digest(self) -> bytes:
        """SHA-256 of the canonical form written so far (signature excluded)."""
        self.flush()
        return self._hash.digest()

    @property
    def digest_hex(self) -> str:
        """:attr:`digest` as hex."""
        return self.digest.hex()

    def digest_with(self, tail: str) -> bytes:
        """The digest once ``tail`` (the closing tags after an enveloped
        signature) is written too; the writer itself is unchanged."""
        self.flush()
        h = self._hash.copy()
        h.update(tail.encode("utf-8"))
        return h.digest()

    def getvalue(self) -> bytes:
        """The document's bytes."""
        self.flush()
        return self._out.getvalue()


def check_chars(text: str) -> str | None:
    """The first character XML 1.0 cannot carry in ``text``, or ``None``."""
    match = _XML_CHARS.search(text)
    return None if match is None else match.group()


def check_return_records(records: Sequence[ReturnRecord]) -> None:
    """Refuse, before anything is written, return records with text XML cannot carry."""
    for index, r in enumerate(records, 1):
        for text in (r.name, r.raw_message, r.account, r.raw_code, r.bank_txn_id or ""):
            if check_chars(text) is not None:
                raise BankFileError(
                    "回盘内容含有XML不能携带的字符",
                    code="bankfile.unrepresentable",
                    record=index,
                )


# --- streaming reader --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """One repeated element (a transaction, a detail) as read.

    ``values`` maps the path of each leaf below the item, relative to it
    (``"Amt/InstdAmt"``), to its text; attributes appear as ``"Amt/InstdAmt/@Ccy"``.
    ``index`` counts the items from 1, ``line`` is where the item began.
    """

    path: str
    index: int
    line: int | None
    values: Mapping[str, str]

    def where(self, field: str) -> dict[str, Any]:
        """Location parts for an error in ``field`` of this item."""
        return {"record": self.index, "line": self.line, "path": f"{self.path}/{field}"}


def _str(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.decode("utf-8")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2] if tag[:1] == "{" else tag


class XmlReader:
    """Reads a document in one pass, hardened, with flat memory.

    Iterating yields an :class:`Item` for every element whose absolute path
    (local names, ``/TX/TX_INFO/DETAIL_LIST/DETAIL``) is in ``items``; each
    item's subtree is freed once yielded. Every other leaf lands in
    :attr:`fields` by its path (a path seen twice is an error). With
    ``signature_path`` the ``Signature`` element (XML-DSig namespace) must be
    there and nowhere else; it is kept in :attr:`signature`, and
    :attr:`digest_hex` is SHA-256 of the exclusive canonical form of the
    document without it. ``schema`` validates while reading.

    Everything read is only trustworthy after the caller has checked the
    signature against :attr:`digest_hex`.
    """

    def __init__(
        self,
        data: bytes,
        file: str | None,
        *,
        items: frozenset[str],
        signature_path: str | None = None,
        schema: etree.XMLSchema | None = None,
        root: str | None = None,
        namespace: str | None = None,
    ) -> None:
        self.encoding = check_prolog(data, file)
        self._data = bytes(data)
        self.file = file
        self._items = items
        self._signature_path = signature_path
        self._schema = schema
        self._root = root
        self._namespace = namespace
        self.fields: dict[str, str] = {}
        self.signature: etree._Element | None = None
        self._run: Iterator[Item] | None = None
        self._hash = hashlib.sha256()
        self._done = False
        self._context: Any = None  # the running iterparse, for its error log

    @property
    def digest(self) -> bytes:
        """SHA-256 of the canonical document without its signature."""
        if not self._done:
            raise BankFileError("文件尚未读完", code="xml.not_read", file=self.file)
        return self._hash.digest()

    @property
    def digest_hex(self) -> str:
        """:attr:`digest` as hex."""
        return self.digest.hex()

    def read_all(self) -> list[Item]:
        """Every item (for small documents)."""
        return list(self)

    def __iter__(self) -> Iterator[Item]:
        if self._run is not None:
            raise BankFileError("文件只能读取一次", code="xml.reread", file=self.file)
        self._run = self._guarded()
        return self._run

    def drain(self) -> None:
        """Read the rest of the document without keeping anything; raises the
        syntax or schema error it holds, if any."""
        if self._run is None:
            self._run = self._guarded()
        for _ in self._run:
            pass

    def _guarded(self) -> Iterator[Item]:
        try:
            yield from self._events()
        except etree.XMLSyntaxError as exc:
            if self._schema is None:
                raise _syntax_error(exc, self.file, False) from None
            raise _schema_error(self._data, self._schema, self.file, exc) from None
        self._done = True

    def _events(self) -> Iterator[Item]:
        file = self.file
        context = etree.iterparse(
            io.BytesIO(self._data),
            events=("start", "end", "comment", "pi", "start-ns"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_blank_text=False,
            strip_cdata=True,
            schema=self._schema,
        )
        out: list[str] = []
        update = self._hash.update
        # rendered namespace bindings of output ancestors, one dict per level
        rendered: list[dict[str | None, str]] = [{}]
        paths: list[str] = []
        counts: list[dict[str, int]] = [{}]
        depth = 0  # inside an item (1 = the item element itself)
        item_index = 0
        item_path = ""
        in_sig = 0
        signature_seen = False
        # the path of the signature's parent once the signature has ended:
        # nothing may follow it there (it is the last child)
        after_signature: str | None = None
        # a namespace URI declared with the element whose start comes next
        bad_uri: str | None = None
        declared = 0  # namespace declarations so far
        items = self._items
        self._context = context
        for event, el in context:
            if depth and event == "start":
                if bad_uri is not None:
                    raise self._uri_error(bad_uri, el, item_path)
                if el.tag == _SIGNATURE_TAG:
                    raise _err(
                        "签名元素的位置不对（可能是签名包装攻击）",
                        "xml.signature_position",
                        file,
                        line=el.sourceline,
                        path=self._path_in_item(el, depth, item_path),
                    )
                depth += 1
                continue
            if event in _OTHER_EVENTS:
                if event == "start-ns":
                    uri = el[1]
                    if uri and _ABSOLUTE_URI.fullmatch(uri) is None:
                        bad_uri = uri
                    declared += 1
                    if declared > MAX_NAMESPACES:
                        raise _err(
                            f"命名空间声明过多（超过{MAX_NAMESPACES}个）",
                            "xml.namespace",
                            file,
                            path=paths[-1] if paths else None,
                        )
                    continue
                raise _err(
                    "XML文件不接受注释或处理指令",
                    "xml.node",
                    file,
                    line=getattr(el, "sourceline", None),
                )
            if depth:  # an end inside an item
                depth -= 1
                if depth:
                    continue
                path = paths.pop()
                counts.pop()
                values = self._values(el, path)
                out.append(self._canonical_item(el, rendered[-1]))
                if len(out) > 256:
                    update("".join(out).encode("utf-8"))
                    out.clear()
                yield Item(item_path, item_index, el.sourceline, values)
                el.clear(keep_tail=True)
                continue
            tag = el.tag
            if event == "start":
                local = _local(tag)
                parent = el.getparent()
                above = "" if parent is None else paths[-1]
                if bad_uri is not None:
                    raise self._uri_error(bad_uri, el, above or None)
                self._check_names(el, local, above or None)
                if parent is None:
                    path = "/" + local
                    self._check_root(el, local, path)
                else:
                    path = above + "/" + local
                    if above == after_signature and not in_sig:
                        raise _err(
                            "签名元素应为其上级元素的最后一个子元素，其后不应再有元素",
                            "xml.signature_position",
                            file,
                            line=el.sourceline,
                            path=path,
                        )
                if tag == _SIGNATURE_TAG and not in_sig:
                    if path != self._signature_path or signature_seen:
                        raise _err(
                            "签名元素的位置不对或出现多次（可能是签名包装攻击）",
                            "xml.signature_position",
                            file,
                            line=el.sourceline,
                            path=path,
                        )
                    signature_seen = True
                if in_sig:
                    in_sig += 1
                    paths.append(path)
                    continue
                if parent is not None:
                    prev = el.getprevious()
                    text = parent.text if prev is None else prev.tail
                    if text:
                        if not text.isspace():
                            raise _err(
                                "元素之间不应有文本内容",
                                "xml.mixed_content",
                                file,
                                line=el.sourceline,
                                path=paths[-1],
                            )
                        out.append(escape_text(text))
                    while parent[0] is not el:
                        del parent[0]
                paths.append(path)
                if tag == _SIGNATURE_TAG:
                    in_sig = 1
                    continue
                if path in items:
                    depth = 1
                    item_index += 1
                    counter = counts[-1]
                    counter[local] = counter.get(local, 0) + 1
                    item_path = f"{path}[{counter[local]}]"
                    counts.append({})
                    continue
                out.append(self._start_tag(el, rendered))
                counts.append({})
                continue
            # the end of an element outside the items
            path = paths.pop()
            if in_sig:
                in_sig -= 1
                if in_sig == 0:
                    self.signature = el
                    after_signature = paths[-1] if paths else None
                continue
            counts.pop()
            rendered.pop()
            if len(el):
                last = el[-1]
                text = last.tail
                if text and not text.isspace():
                    raise _err(
                        "元素之间不应有文本内容",
                        "xml.mixed_content",
                        file,
                        line=last.sourceline,
                        path=path,
                    )
            else:
                text = el.text
                if path in self.fields:
                    raise _err("元素重复出现", "xml.duplicate", file, line=el.sourceline, path=path)
                self.fields[path] = text or ""
                for name, value in el.attrib.items():
                    self.fields[f"{path}/@{_local(_str(name))}"] = _str(value)
            if text:
                out.append(escape_text(text))
            out.append(f"</{self._qname(el)}>")
        if out:
            update("".join(out).encode("utf-8"))
        if self._signature_path is not None and not signature_seen:
            raise _err("缺少签名元素", "xml.signature_missing", file, path=self._signature_path)
        self._done = True

    def _check_root(self, el: etree._Element, local: str, path: str) -> None:
        if self._root is not None and local != self._root:
            raise _err(
                f"根元素应为 {self._root}，实际为 {local}",
                "xml.root",
                self.file,
                line=el.sourceline,
                path=path,
            )
        if self._namespace is not None and etree.QName(el).namespace != (self._namespace or None):
            raise _err(
                f"根元素的命名空间应为 {self._namespace or '（无）'}",
                "xml.namespace",
                self.file,
                line=el.sourceline,
                path=path,
            )

    @staticmethod
    def _path_in_item(el: etree._Element, depth: int, item_path: str) -> str:
        """The path of ``el``, ``depth`` levels below the start of the item at
        ``item_path``, from the element's ancestors as far as they go."""
        names: list[str] = []
        node: etree._Element | None = el
        while node is not None and len(names) < depth:
            names.append(_local(node.tag))
            node = node.getparent()
        return "/".join([item_path, *reversed(names)])

    def _uri_error(self, uri: str, el: etree._Element, path: str | None) -> BankFileError:
        return _err(
            f"命名空间URI“{uri[:60]}”无效（应为带协议名的绝对URI，如 urn:… 或 http://…）",
            "xml.namespace",
            self.file,
            line=el.sourceline,
            path=path,
        )

    def _name_error(self, el: etree._Element, path: str | None) -> BankFileError:
        """A name lxml cannot carry (an unbound prefix, a lone colon): the error
        libxml2 logged for it, which it would raise later in the document."""
        message = "元素或属性名称无效（名称有未声明的命名空间前缀或不合法）"
        log = () if self._context is None else self._context.error_log
        for entry in log:
            if entry.domain_name == "NAMESPACE" and entry.level_name in ("ERROR", "FATAL"):
                message = f"XML格式错误：{_masked(_NS_IN_MESSAGE.sub('', entry.message).strip())}"
                break
        return _err(message, "xml.syntax", self.file, line=el.sourceline, path=path)

    def _check_names(self, el: etree._Element, local: str, path: str | None) -> None:
        """Refuse names that are not namespace-well-formed (``p:a`` with ``p``
        undeclared, ``:``): libxml2 only logs these, and lxml cannot handle them."""
        if not local or ":" in local or "}" in local:
            raise self._name_error(el, path)
        for name in el.attrib:
            text = _str(name)
            attr = text.rpartition("}")[2] if text[:1] == "{" else text
            if not attr or ":" in attr or "}" in attr:
                raise self._name_error(el, path)

    def _canonical_item(self, el: etree._Element, above: dict[str | None, str]) -> str:
        """Exclusive canonical form of an item's subtree in its document context.

        lxml canonicalizes the subtree in C; as an apex it declares the default
        namespace the document's ancestors already rendered, which is removed.
        Prefixed bindings in force (rare in bank messages) take the slow path.
        """
        tag = el.tag
        ns = tag[1 : tag.index("}")] if tag[:1] == "{" else ""
        default = above.get(None, "")
        if (
            ns != default
            or any(p is not None for p in above)
            or any(n.prefix is not None for n in el.iter(etree.Element))
        ):
            rendered = [above]
            parts: list[str] = []
            self._walk(el, rendered, parts)
            return "".join(parts)
        try:
            canonical = etree.tostring(el, method="c14n", exclusive=True, with_comments=False)
        except etree.C14NError:
            raise _err(
                "XML元素无法规范化（exc-c14n）",
                "xml.c14n",
                self.file,
                line=el.sourceline,
                path=_element_path(el),
            ) from None
        text = canonical.decode("utf-8")
        if default:
            local = _local(el.tag)
            decl = f'<{local} xmlns="{escape_attr(default)}"'
            if text.startswith(decl):
                text = f"<{local}" + text[len(decl) :]
        return text

    def _walk(
        self, el: etree._Element, rendered: list[dict[str | None, str]], parts: list[str]
    ) -> None:
        parts.append(self._start_tag(el, rendered))
        if el.text:
            parts.append(escape_text(el.text))
        for child in el:
            self._walk(child, rendered, parts)
            if child.tail:
                parts.append(escape_text(child.tail))
        parts.append(f"</{self._qname(el)}>")
        rendered.pop()

    @staticmethod
    def _qname(el: etree._Element) -> str:
        prefix = el.prefix
        local = _local(el.tag)
        return f"{prefix}:{local}" if prefix else local

    def _start_tag(self, el: etree._Element, rendered: list[dict[str | None, str]]) -> str:
        above = rendered[-1]
        mine = above
        decls: list[tuple[str, str]] = []
        nsmap = el.nsmap
        uri = etree.QName(el).namespace or ""
        prefix = el.prefix
        needed: list[tuple[str | None, str]] = [(prefix, uri)]
        attrs: list[tuple[str, str, str]] = []
        for raw_name, raw_value in el.attrib.items():
            q = etree.QName(_str(raw_name))
            value = _str(raw_value)
            if not q.namespace:
                attrs.append(("", q.localname, f' {q.localname}="{escape_attr(value)}"'))
                continue
            if q.namespace == "http://www.w3.org/XML/1998/namespace":
                attrs.append(
                    (q.namespace, q.localname, f' xml:{q.localname}="{escape_attr(value)}"')
                )
                continue
            owners = [p for p, u in nsmap.items() if u == q.namespace and p is not None]
            if len(owners) != 1:
                raise _err(
                    "属性的命名空间前缀不明确", "xml.namespace", self.file, line=el.sourceline
                )
            needed.append((owners[0], q.namespace))
            attrs.append(
                (q.namespace, q.localname, f' {owners[0]}:{q.localname}="{escape_attr(value)}"')
            )
        for p, u in needed:
            current = mine.get(p, "")
            if current != u and not (p is None and u == "" and current == ""):
                if mine is above:
                    mine = dict(above)
                mine[p] = u
                decls.append((p or "", u))
        rendered.append(mine)
        parts = [f"<{self._qname(el)}"]
        for p, u in sorted(set(decls)):
            parts.append(f' xmlns:{p}="{escape_attr(u)}"' if p else f' xmlns="{escape_attr(u)}"')
        for _, _, text in sorted(attrs):
            parts.append(text)
        parts.append(">")
        return "".join(parts)

    def _values(self, el: etree._Element, path: str) -> dict[str, str]:
        values: dict[str, str] = {}
        self._check_names(el, _local(el.tag), path)
        for name, value in el.attrib.items():
            values[f"@{_local(_str(name))}"] = _str(value)
        self._collect(el, "", path, values, {})
        return values

    def _collect(
        self,
        node: etree._Element,
        rel: str,
        path: str,
        values: dict[str, str],
        repeats: dict[str, int],
    ) -> None:
        """Leaves below ``node`` by relative path; text between elements is refused.

        A leaf seen again is kept as ``key#2``, ``key#3``...; ``repeats``
        counts them, so that many repeats cost no more than their number.
        """
        text = node.text
        if text and not text.isspace():
            raise BankFileError(
                "元素之间不应有文本内容",
                code="xml.mixed_content",
                file=self.file,
                line=node.sourceline,
                path=path,
            )
        for child in node:
            tail = child.tail
            if tail and not tail.isspace():
                raise BankFileError(
                    "元素之间不应有文本内容",
                    code="xml.mixed_content",
                    file=self.file,
                    line=child.sourceline,
                    path=path,
                )
            tag = child.tag
            local = tag[tag.index("}") + 1 :] if tag[:1] == "{" else tag
            if ":" in local or "}" in local or not local:
                raise self._name_error(child, path)
            key = f"{rel}/{local}" if rel else local
            if child.attrib:
                self._check_names(child, local, path)
                for name, value in child.attrib.items():
                    values[f"{key}/@{_local(_str(name))}"] = _str(value)
            if len(child):
                self._collect(child, key, f"{path}/{local}", values, repeats)
            else:
                if key in values:
                    n = repeats[key] = repeats.get(key, 1) + 1
                    key = f"{key}#{n}"
                values[key] = child.text or ""


# --- values shared by the message formats ---------------------------------------------

_YUAN = re.compile(r"(0|[1-9][0-9]{0,14})\.[0-9]{2}")


def yuan(value: Any) -> str:
    """An amount as yuan with 2 decimals (``"1234.50"``)."""
    return f"{value:.2f}"


def parse_yuan(text: str, file: str | None, *, positive: bool = True, **where: Any) -> Decimal:
    """Yuan with exactly 2 decimals, as the message formats write them."""
    if not isinstance(text, str) or _YUAN.fullmatch(text) is None:
        raise BankFileError(
            "金额应为以元为单位、两位小数的数字", code="bankfile.amount", file=file, **where
        )
    value = Decimal(text)
    if positive and value <= 0:
        raise BankFileError("金额应大于零", code="bankfile.amount", file=file, **where)
    return value


def parse_int(text: str, file: str | None, *, what: str, **where: Any) -> int:
    """A non-negative decimal integer (counts, seq)."""
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise BankFileError(f"{what}应为整数", code="bankfile.integer", file=file, **where)
    return int(text)


def unique_seq(item: Item, key: str, file: str, seen: set[int], *, in_return: bool) -> int:
    """The item's seq (序号) at ``key``, added to ``seen``.

    Refused when it repeats; in instructions also when it is below 1.
    """
    seq = parse_int(item.values[key], file, what="序号", **item.where(key))
    if seq in seen or (not in_return and seq < 1):
        message = f"回盘中序号{seq}重复" if in_return else f"序号{seq}重复或无效"
        raise BankFileError(message, code="bankfile.seq_duplicate", file=file, **item.where(key))
    seen.add(seq)
    return seq


_DASHED_TIME: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


def parse_datetime(text: str, fmt: str, file: str | None, **where: Any) -> _dt.datetime | None:
    """A timestamp in ``fmt`` (``"iso"`` for ISO 8601); empty is ``None``."""
    if text == "":
        return None
    try:
        if fmt == "%Y%m%d%H%M%S" and len(text) == 14 and text.isascii() and text.isdigit():
            # the common case, ten times faster than strptime
            return _dt.datetime(
                int(text[:4]),
                int(text[4:6]),
                int(text[6:8]),
                int(text[8:10]),
                int(text[10:12]),
                int(text[12:]),
            )
        if fmt == "%Y-%m-%d %H:%M:%S" and _DASHED_TIME.fullmatch(text):
            # the common case of the JSON banks, as above
            return _dt.datetime(
                int(text[:4]),
                int(text[5:7]),
                int(text[8:10]),
                int(text[11:13]),
                int(text[14:16]),
                int(text[17:]),
            )
        if fmt == "iso":
            return _dt.datetime.fromisoformat(text)
        return _dt.datetime.strptime(text, fmt)
    except ValueError:
        raise BankFileError(
            f"时间“{text[:32]}”格式错误", code="bankfile.datetime", file=file, **where
        ) from None


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
