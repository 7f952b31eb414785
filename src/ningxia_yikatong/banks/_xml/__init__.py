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

from ._canonical import (
    CanonicalWriter,
    check_chars,
    check_return_records,
    escape_attr,
    escape_text,
)
from ._parse import (
    DSIG_NS,
    LOCATE_LIMIT,
    SMALL_LIMIT,
    check_prolog,
    hardened_parser,
    load_schema,
    parse_small,
    validate_stream,
)
from ._reader import MAX_NAMESPACES, Item, XmlReader
from ._values import parse_datetime, parse_int, parse_yuan, unique_seq, yuan

__all__ = [
    "DSIG_NS",
    "LOCATE_LIMIT",
    "MAX_NAMESPACES",
    "SMALL_LIMIT",
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
