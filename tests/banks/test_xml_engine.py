"""The XML engine: prolog checks, canonical writing, streaming reading, XSD validation."""

from __future__ import annotations

import datetime as dt
import hashlib
import string
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from ningxia_yikatong.banks._xml import (
    DSIG_NS,
    CanonicalWriter,
    XmlReader,
    check_chars,
    check_prolog,
    escape_attr,
    escape_text,
    load_schema,
    parse_datetime,
    parse_int,
    parse_small,
    parse_yuan,
    validate_stream,
)
from ningxia_yikatong.errors import BankFileError


def _exc_c14n_without_signature(data: bytes) -> bytes:
    """The reference: lxml's exclusive c14n of the document, Signature removed."""
    root = etree.fromstring(data)
    for sig in root.iter(f"{{{DSIG_NS}}}Signature"):
        parent = sig.getparent()
        assert parent is not None
        prev = sig.getprevious()
        if sig.tail:
            if prev is not None:
                prev.tail = (prev.tail or "") + sig.tail
            else:
                parent.text = (parent.text or "") + sig.tail
        parent.remove(sig)
        break
    return etree.tostring(root, method="c14n", exclusive=True, with_comments=False)


# -- prolog ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "xml.empty"),
        (b'<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>', "xml.doctype"),
        (
            b'<?xml version="1.0"?>\n<!-- c --><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
            "xml.doctype",
        ),
        ("<a/>".encode("utf-16"), "xml.encoding"),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><a/>', "xml.encoding"),
        (b"<\x00a/>", "xml.encoding"),
    ],
)
def test_prolog_refused(data: bytes, code: str) -> None:
    with pytest.raises(BankFileError) as info:
        check_prolog(data, "x.xml")
    assert info.value.code == code
    assert info.value.location.file == "x.xml"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"<a/>", "utf-8"),
        (b"\xef\xbb\xbf<a/>", "utf-8"),
        (b'<?xml version="1.0" encoding="GB18030"?><!-- note --><a/>', "gb18030"),
        (b"<?xml version='1.0' encoding='gbk'?><a/>", "gbk"),
    ],
)
def test_prolog_accepted(data: bytes, encoding: str) -> None:
    assert check_prolog(data) == encoding


def test_parse_small_refuses_comments_and_bad_xml() -> None:
    assert parse_small(b"<a><b>1</b></a>").findtext("b") == "1"
    with pytest.raises(BankFileError) as info:
        parse_small(b"<a><!-- x --></a>", "f.xml")
    assert info.value.code == "xml.node"
    with pytest.raises(BankFileError) as info:
        parse_small(b"<a><b></a>", "f.xml")
    assert info.value.code == "xml.syntax"
    assert info.value.location.line == 1


# -- canonical writer and streaming reader ---------------------------------------------

_TEXT = st.text(
    alphabet=st.sampled_from([*string.ascii_letters, *"&<>\"' \t\n·马𠮷䶮"]), max_size=12
)


@st.composite
def _documents(draw: st.DrawFn) -> tuple[bytes, str, list[str]]:
    """A document written by CanonicalWriter, with items, a signature and the
    encoding; also the item texts."""
    encoding = draw(st.sampled_from(["utf-8", "gb18030"]))
    w = CanonicalWriter(encoding)
    w.start("Root", f' a="{escape_attr(draw(_TEXT))}"', xmlns="urn:x")
    w.leaf("Head", draw(_TEXT))
    texts = draw(st.lists(_TEXT, max_size=6))
    for text in texts:
        w.raw(f'<Item n="1"><V>{escape_text(text)}</V><E></E></Item>')
    data = w.getvalue()  # unsigned variant is checked below too
    w2 = CanonicalWriter(encoding)
    w2.raw(data.decode(encoding).split("\n", 1)[1])
    tail = "</Root>"
    w2.unsigned(f'<Signature xmlns="{DSIG_NS}"><SignedInfo></SignedInfo></Signature>')
    w2.raw(tail)
    return w2.getvalue(), encoding, texts


@settings(max_examples=60, deadline=None)
@given(_documents())
def test_writer_and_reader_digest_match_lxml_exc_c14n(doc: tuple[bytes, str, list[str]]) -> None:
    data, encoding, texts = doc
    reference = hashlib.sha256(_exc_c14n_without_signature(data)).hexdigest()
    reader = XmlReader(
        data, "d.xml", items=frozenset({"/Root/Item"}), signature_path="/Root/Signature"
    )
    items = list(reader)
    assert [i.values["V"] for i in items] == texts
    assert [i.values["@n"] for i in items] == ["1"] * len(texts)
    assert reader.digest_hex == reference
    assert reader.encoding == encoding
    assert reader.signature is not None


@pytest.mark.parametrize(
    "doc",
    [
        # whitespace, attribute quoting, empty elements, CDATA, char refs, prefixes
        b"<r:R xmlns:r='urn:r' xmlns='urn:d' b='x&#10;y' a='1'>\n  <I><x><![CDATA[<&>]]></x>"
        b"<y q='2'/></I>\n  <H xmlns=''>t&#x4E2D;</H>\n</r:R>",
        b'<?xml version="1.0" encoding="GB18030"?>\r\n<R><I><x>\xd5\xc5\xc8\xfd</x></I></R>',
        b"<R xmlns:p='urn:p'><I p:k='v'><x>1</x></I><H>\r\n</H></R>",
    ],
)
def test_reader_digest_matches_lxml_on_foreign_documents(doc: bytes) -> None:
    reader = XmlReader(doc, None, items=frozenset({"/R/I"}))
    list(reader)
    assert reader.digest_hex == hashlib.sha256(_exc_c14n_without_signature(doc)).hexdigest()


def test_reader_fields_items_and_paths() -> None:
    doc = b"<R><H>head</H><L><I><a>1</a><b k='v'/></I><I><a>2</a><b/></I></L></R>"
    reader = XmlReader(doc, "r.xml", items=frozenset({"/R/L/I"}), root="R", namespace="")
    items = list(reader)
    assert [(i.index, i.path, dict(i.values)) for i in items] == [
        (1, "/R/L/I[1]", {"a": "1", "b": "", "b/@k": "v"}),
        (2, "/R/L/I[2]", {"a": "2", "b": ""}),
    ]
    assert reader.fields == {"/R/H": "head"}
    assert items[1].where("a") == {"record": 2, "line": 1, "path": "/R/L/I[2]/a"}
    with pytest.raises(BankFileError) as info:
        list(reader)
    assert info.value.code == "xml.reread"


@pytest.mark.parametrize(
    ("doc", "code", "path"),
    [
        (b"<R><H>1</H><H>2</H></R>", "xml.duplicate", "/R/H"),
        (b"<R>text<H>1</H></R>", "xml.mixed_content", "/R"),
        (b"<R><H>1</H>tail</R>", "xml.mixed_content", "/R"),
        (b"<R><!-- c --><H>1</H></R>", "xml.node", None),
        (b"<R><?pi x?><H>1</H></R>", "xml.node", None),
        (b"<X><H>1</H></X>", "xml.root", "/X"),
        (b"<R xmlns='urn:other'><H>1</H></R>", "xml.namespace", "/R"),
        (b"<R><H>1</H>", "xml.syntax", None),
        (b"<R><H>&undefined;</H></R>", "xml.syntax", None),
        (
            b"<R><Signature xmlns='http://www.w3.org/2000/09/xmldsig#'/></R>",
            "xml.signature_position",
            "/R/Signature",
        ),
    ],
)
def test_reader_refuses(doc: bytes, code: str, path: str | None) -> None:
    reader = XmlReader(doc, "r.xml", items=frozenset(), root="R", namespace="")
    with pytest.raises(BankFileError) as info:
        list(reader)
    assert info.value.code == code
    assert info.value.location.file == "r.xml"
    if path is not None:
        assert info.value.location.path == path


def test_reader_requires_the_signature_where_expected() -> None:
    reader = XmlReader(
        b"<R><H>1</H></R>", "r.xml", items=frozenset(), signature_path="/R/Signature"
    )
    with pytest.raises(BankFileError) as info:
        list(reader)
    assert info.value.code == "xml.signature_missing"
    reader = XmlReader(b"<R/>", None, items=frozenset())
    with pytest.raises(BankFileError):
        _ = reader.digest


def test_writer_refuses_unencodable_text() -> None:
    w = CanonicalWriter("gbk")
    w.leaf("N", "𠮷")
    with pytest.raises(BankFileError) as info:
        w.getvalue()
    assert info.value.code == "xml.encode"


def test_escaping_and_xml_characters() -> None:
    assert escape_text("a&b<c>d\re") == "a&amp;b&lt;c&gt;d&#xD;e"
    assert escape_text("马·阿里") == "马·阿里"
    assert escape_attr('"\t\n\r<&') == "&quot;&#x9;&#xA;&#xD;&lt;&amp;"
    assert check_chars("马\x01") == "\x01"
    assert check_chars("马 𠮷") is None


# -- schema validation ----------------------------------------------------------------


def test_validate_stream_reports_schema_errors_with_line() -> None:
    schema = load_schema("pain.002.001.12.xsd")
    assert load_schema("pain.002.001.12.xsd") is schema  # parsed once
    bad = (
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.12">\n'
        b"<CstmrPmtStsRpt><GrpHdr><MsgId>1</MsgId></GrpHdr></CstmrPmtStsRpt></Document>"
    )
    with pytest.raises(BankFileError) as info:
        validate_stream(bad, schema, "r.xml")
    assert info.value.code == "xml.schema"
    assert info.value.location.line == 2
    assert info.value.location.path == "/Document/CstmrPmtStsRpt/GrpHdr"
    assert "{urn" not in info.value.message


# -- values -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1.5", "01.00", "1e3", "-1.00", "1,000.00", "", "１.００"])
def test_parse_yuan_refuses(text: str) -> None:
    with pytest.raises(BankFileError) as info:
        parse_yuan(text, "f", path="/a")
    assert info.value.code == "bankfile.amount"
    assert info.value.location.path == "/a"


def test_parse_values() -> None:
    assert parse_yuan("1234.50", None) == Decimal("1234.50")
    assert parse_yuan("0.00", None, positive=False) == Decimal("0.00")
    with pytest.raises(BankFileError):
        parse_yuan("0.00", None)
    assert parse_int("42", None, what="序号") == 42
    with pytest.raises(BankFileError):
        parse_int("4x", None, what="序号")
    assert parse_datetime("", "iso", None) is None
    assert parse_datetime("20260310101500", "%Y%m%d%H%M%S", None) is not None
    with pytest.raises(BankFileError) as info:
        parse_datetime("2026-13-01", "iso", "f", path="/t")
    assert info.value.code == "bankfile.datetime"


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(
        st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")),
        st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}", fullmatch=True),
        st.text(alphabet="0123456789-: ", max_size=21),
        st.sampled_from(["2026-3-1 1:2:3", "2026-02-30 10:00:00", "２０２６-03-10 10:00:00"]),
    )
)
def test_dashed_timestamps_read_as_strptime_reads_them(text: str) -> None:
    fmt = "%Y-%m-%d %H:%M:%S"
    try:
        expected = None if text == "" else dt.datetime.strptime(text, fmt)
    except ValueError:
        with pytest.raises(BankFileError) as info:
            parse_datetime(text, fmt, "f", path="/t")
        assert (info.value.code, info.value.location.path) == ("bankfile.datetime", "/t")
    else:
        assert parse_datetime(text, fmt, "f", path="/t") == expected


def test_schema_errors_never_show_full_numbers() -> None:
    schema = load_schema("pain.002.001.12.xsd")
    bad = (
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.12"><CstmrPmtStsRpt>'
        b"<GrpHdr><MsgId>1</MsgId><CreDtTm>6222021234567890123</CreDtTm></GrpHdr>"
        b"</CstmrPmtStsRpt></Document>"
    )
    with pytest.raises(BankFileError) as info:
        validate_stream(bad, schema, "r.xml")
    assert info.value.code == "xml.schema"
    assert "6222021234567890123" not in str(info.value)
    assert "0123" in str(info.value)


@pytest.mark.parametrize(
    ("doc", "code", "path"),
    [
        (b'<R><L><I><a xmlns="r"/></I></L></R>', "xml.namespace", "/R/L/I[1]"),
        (b'<R><H xmlns:p="rel"/></R>', "xml.namespace", "/R"),
        (b'<R xmlns="}"/>', "xml.namespace", None),
        (b'<R xmlns="urn:x%zz"/>', "xml.namespace", None),
        (b'<R :=""/>', "xml.syntax", None),
        (b"<R><p:H/></R>", "xml.syntax", "/R"),
        (b'<R><H p:a="1"/></R>', "xml.syntax", "/R"),
        (b"<R><L><I><p:a/></I></L></R>", "xml.syntax", "/R/L/I"),
        (b'<R><L><I><a><b p:c="1"/></a></I></L></R>', "xml.syntax", "/R/L/I/a"),
        (b'<R><L><I p:c="1"/></L></R>', "xml.syntax", "/R/L"),
    ],
)
def test_reader_refuses_names_and_namespaces_lxml_cannot_carry(
    doc: bytes, code: str, path: str | None
) -> None:
    reader = XmlReader(doc, "r.xml", items=frozenset({"/R/L/I"}), root="R", namespace=None)
    with pytest.raises(BankFileError) as info:
        list(reader)
    assert info.value.code == code
    assert info.value.location.file == "r.xml"
    assert info.value.location.line == 1
    if path is not None:
        assert info.value.location.path == path


def test_reader_accepts_absolute_namespaces_and_prefixes() -> None:
    doc = (
        b'<R xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09" xmlns:p="http://x.example/a%20b">'
        b'<L><I><a p:k="v">1</a></I></L><p:H>2</p:H></R>'
    )
    reader = XmlReader(doc, "r.xml", items=frozenset({"/R/L/I"}))
    assert [dict(i.values) for i in reader] == [{"a": "1", "a/@k": "v"}]
    assert reader.fields == {"/R/H": "2"}
    assert reader.digest_hex == hashlib.sha256(_exc_c14n_without_signature(doc)).hexdigest()


def test_signature_inside_an_item_is_named_by_its_path() -> None:
    doc = (
        b"<R><L><I><a>1</a></I><I><a><b><Signature xmlns='http://www.w3.org/2000/09/xmldsig#'/>"
        b"</b></a></I></L></R>"
    )
    reader = XmlReader(doc, "r.xml", items=frozenset({"/R/L/I"}), signature_path="/R/Signature")
    with pytest.raises(BankFileError) as info:
        list(reader)
    assert info.value.code == "xml.signature_position"
    assert info.value.location.path == "/R/L/I[2]/a/b/Signature"


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        (b"<R><Signature xmlns='http://www.w3.org/2000/09/xmldsig#'/><H>1</H></R>", "/R/H"),
        (
            b"<R><H>1</H><Signature xmlns='http://www.w3.org/2000/09/xmldsig#'/><L><I/></L></R>",
            "/R/L",
        ),
    ],
)
def test_signature_must_be_the_last_child(doc: bytes, path: str) -> None:
    reader = XmlReader(doc, "r.xml", items=frozenset({"/R/L/I"}), signature_path="/R/Signature")
    with pytest.raises(BankFileError) as info:
        list(reader)
    assert info.value.code == "xml.signature_position"
    assert info.value.location.path == path


def test_repeated_leaves_in_an_item_are_numbered() -> None:
    leaves = b"".join(b"<a>%d</a>" % n for n in range(1, 2001))
    reader = XmlReader(b"<R><L><I>" + leaves + b"</I></L></R>", None, items=frozenset({"/R/L/I"}))
    (item,) = list(reader)
    assert item.values["a"] == "1"
    assert item.values["a#2"] == "2"
    assert item.values["a#2000"] == "2000"
    assert len(item.values) == 2000


def test_namespace_declarations_are_bounded() -> None:
    """Every element's in-scope namespaces are looked at: a document declaring
    thousands would cost time growing with their number times the elements."""
    from ningxia_yikatong.banks._xml import MAX_NAMESPACES

    def doc(n: int) -> bytes:
        decls = "".join(f' xmlns:p{i}="urn:x:{i}"' for i in range(n))
        return f"<R{decls}><L><I><a>1</a></I><I><a>2</a></I></L></R>".encode()

    assert len(list(XmlReader(doc(MAX_NAMESPACES), None, items=frozenset({"/R/L/I"})))) == 2
    with pytest.raises(BankFileError) as info:
        list(XmlReader(doc(MAX_NAMESPACES + 1), "r.xml", items=frozenset({"/R/L/I"})))
    assert info.value.code == "xml.namespace"
    nested = "".join(f'<a{i} xmlns:q{i}="urn:y:{i}">' for i in range(MAX_NAMESPACES + 1))
    with pytest.raises(BankFileError) as info:
        list(XmlReader(f"<R>{nested}".encode(), "r.xml", items=frozenset()))
    assert info.value.code == "xml.namespace"


def test_canonicalization_refused_by_lxml_is_a_library_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever lxml's canonicalization refuses in an item (the reader refuses
    the known causes before) comes out as a library error naming the item."""

    def refuse(*args: object, **kwargs: object) -> bytes:
        raise etree.C14NError("C14N failed")

    monkeypatch.setattr(etree, "tostring", refuse)
    reader = XmlReader(b"<R><L><I><a>1</a></I></L></R>", "r.xml", items=frozenset({"/R/L/I"}))
    with pytest.raises(BankFileError) as info:
        list(reader)
    assert (info.value.code, info.value.location.path) == ("xml.c14n", "/R/L/I")
