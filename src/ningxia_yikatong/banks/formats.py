"""The format engines and typed fields, for declaring a bank's layouts.

A bank module (or a bank integrator's package) declares each file as records
of typed fields sized in bytes of the bank's encoding, and the engine derives
both the writer and the reader from that one declaration:

* :class:`FixedWidthFormat`: header / detail / trailer records, every field
  padded to its width (text with spaces, numbers with zeros);
* :class:`DelimitedFormat`: a summary line, one line per item, an optional
  trailer line, fields separated by a delimiter (widths are maxima);
* :class:`XlsxFormat`: an Excel upload template, one sheet, a title row, one
  row per item and a summary (合计) row;
* :class:`XmlMessage`: an XML message as a tree of :class:`El` and
  :class:`Leaf`, its repeated :class:`Items` and where its ``SIGNATURE`` sits;
* :class:`JsonMessage`: an open-API JSON message, its envelope's parameters
  (:class:`Leaf`, the :class:`Body` that carries the business content, sealed
  or not, and the :class:`Sign` member) and the business content's members.

Fields: :class:`Text` (``C(n)``), :class:`Code` (ASCII account, ID, batch id),
:class:`Integer` (``N(n)``), :class:`Fen` (amount in fen), :class:`Yuan`
(amount with two decimals), :class:`Date`, :class:`DateTime`, :class:`Const`
(record type, version) and :class:`Filler`.

>>> fmt = DelimitedFormat(
...     encoding="gbk",
...     summary=[Code("batch_id", 8), Integer("count", 4)],
...     detail=[Integer("seq", 4), Text("name", 10), Yuan("amount", 10)],
...     columns=("seq", "name", "amount"),
... )
>>> from decimal import Decimal
>>> data = fmt.write({"batch_id": "B1", "count": 1}, [(1, "马·阿里", Decimal("12.50"))])
>>> data.decode("gbk")
'B1|1\\r\\n1|马·阿里|12.50\\r\\n'
>>> fmt.read(data, "demo.txt").rows
[(1, '马·阿里', Decimal('12.50'))]
"""

from __future__ import annotations

from ._fields import (
    Code,
    Const,
    Date,
    DateTime,
    Fen,
    Field,
    FieldError,
    Filler,
    Integer,
    Text,
    Yuan,
    byte_length,
)
from ._jsonlayout import Body, JsonMessage, Sign, signing_string
from ._text import Decoded, DelimitedFormat, FixedWidthFormat, RowError, RowErrors
from ._xlsx import XlsxFormat
from ._xmllayout import SIGNATURE, El, Items, Leaf, XmlMessage

__all__ = [
    "SIGNATURE",
    "Body",
    "Code",
    "Const",
    "Date",
    "DateTime",
    "Decoded",
    "DelimitedFormat",
    "El",
    "Fen",
    "Field",
    "FieldError",
    "Filler",
    "FixedWidthFormat",
    "Integer",
    "Items",
    "JsonMessage",
    "Leaf",
    "RowError",
    "RowErrors",
    "Sign",
    "Text",
    "XlsxFormat",
    "XmlMessage",
    "Yuan",
    "byte_length",
    "signing_string",
]
