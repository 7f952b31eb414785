"""One strict Base64 decoder for every signature and envelope the library reads.

Base64 has slack: the last character of a group that ends in ``=`` or ``==``
carries 2 or 4 bits that no byte uses, and ``base64.b64decode`` ignores them.
A signature file whose last character is changed within that slack decodes to
the same bytes, so a one-byte change would go unnoticed. Only the *canonical*
text is accepted here: the text is decoded, encoded again, and must come back
exactly as it was.

What may surround or interleave the text depends on where it comes from:

``"none"``
    nothing; the whole value is Base64 (a JSON ``sign`` parameter);
``"line"``
    one line break (``\\n`` or ``\\r\\n``) may follow the text, as a text
    editor or ``yikatong sign --format base64`` leaves it (a ``.sig`` file);
``"xml"``
    XML whitespace (space, tab, CR, LF) may appear anywhere, as
    ``base64Binary`` allows in an XML-DSig ``SignatureValue`` or
    ``DigestValue``; it is removed first, then the rest must be canonical.

>>> b64decode_canonical("QUJD")
b'ABC'
>>> b64decode_canonical("QUI=")
b'AB'
>>> b64decode_canonical("QUJ=")
Traceback (most recent call last):
...
ValueError: not canonical Base64
>>> b64decode_canonical("QUI=\\n", whitespace="line")
b'AB'
>>> b64decode_canonical(" QU\\n I= ", whitespace="xml")
b'AB'
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final, Literal

from .._arguments import checked
from ..errors import CryptoError

__all__ = ["Base64Whitespace", "b64decode_canonical"]

Base64Whitespace = Literal["none", "line", "xml"]

_XML_SPACE: Final = re.compile(rb"[ \t\r\n]+")


@checked(CryptoError, "signing")
def b64decode_canonical(text: str | bytes, *, whitespace: Base64Whitespace = "none") -> bytes:
    """The bytes of canonical standard Base64 ``text`` (RFC 4648 section 4,
    padded), or :class:`ValueError` (``binascii.Error`` is one).

    Refused: characters outside the alphabet, missing or extra padding, and
    unused bits that are not zero; see the module documentation for
    ``whitespace``.
    """
    if isinstance(text, str):
        if not text.isascii():
            raise ValueError("not ASCII")
        raw = text.encode("ascii")
    elif isinstance(text, bytes | bytearray | memoryview):
        raw = bytes(text)
    else:
        raise TypeError("Base64 text must be str or bytes")
    if whitespace == "line":
        if raw.endswith(b"\r\n"):
            raw = raw[:-2]
        elif raw.endswith(b"\n"):
            raw = raw[:-1]
    elif whitespace == "xml":
        raw = _XML_SPACE.sub(b"", raw)
    elif whitespace != "none":
        raise ValueError(f"unknown whitespace rule {whitespace!r}")
    try:
        decoded = base64.b64decode(raw, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not Base64: {exc}") from None
    if base64.b64encode(decoded) != raw:
        raise ValueError("not canonical Base64")
    return decoded
