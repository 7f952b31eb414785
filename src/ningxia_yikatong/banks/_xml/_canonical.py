"""Exclusive canonical XML (exc-c14n), written as it streams."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence

from ...errors import BankFileError
from .._model import ReturnRecord

__all__ = [
    "CanonicalWriter",
    "check_chars",
    "check_return_records",
    "escape_attr",
    "escape_text",
]

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
