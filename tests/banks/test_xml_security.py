"""XML attacks: XXE, entity expansion, signature wrapping; xmlsec1 as an independent verifier."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from ningxia_yikatong.banks._xml import (
    DSIG_NS,
    CanonicalWriter,
    XmlReader,
    hardened_parser,
    parse_small,
)
from ningxia_yikatong.banks._xmldsig import signature_xml, verify
from ningxia_yikatong.banks.boc import BocAdapter
from ningxia_yikatong.banks.ccb import CcbAdapter
from ningxia_yikatong.errors import BankFileError, SignatureError, YikatongError
from ningxia_yikatong.signing import (
    RsaSigner,
    RsaVerifier,
    generate_rsa_key,
    load_public_key,
    public_key_to_pem,
)
from ningxia_yikatong.testing.conformance import KitKeys, kit_batch

ATTACKS = Path(__file__).parent / "attacks"
DAY = dt.date(2026, 3, 10)

PARSER_ATTACKS = [
    ("xxe_file.xml", "xml.doctype"),
    ("xxe_parameter.xml", "xml.doctype"),
    ("xxe_external_dtd.xml", "xml.doctype"),
    ("xxe_after_comment_gb18030.xml", "xml.doctype"),
    ("utf16_doctype.xml", "xml.encoding"),
    ("billion_laughs.xml", "xml.doctype"),
    ("quadratic_blowup.xml", "xml.doctype"),
]


@pytest.fixture(scope="module")
def attack_verifier() -> RsaVerifier:
    key = load_public_key((ATTACKS / "attack_signer.pub.pem").read_bytes())
    assert not isinstance(key, bytes)
    verifier = RsaVerifier(key)  # type: ignore[arg-type]
    return verifier


def _calls(verifier: RsaVerifier) -> list[Callable[[str, bytes], object]]:
    ccb, boc = CcbAdapter(), BocAdapter()
    return [
        lambda n, d: ccb.read_instructions({n: d}, verifier),
        lambda n, d: ccb.parse_return({n: d}, verifier),
        lambda n, d: boc.read_instructions({n: d}, verifier),
        lambda n, d: boc.parse_return({n: d}, verifier),
        lambda n, d: list(XmlReader(d, n, items=frozenset())),
        lambda n, d: parse_small(d, n),
    ]


@pytest.mark.parametrize(("name", "code"), PARSER_ATTACKS)
def test_parser_attacks_refused_before_parsing(
    name: str, code: str, attack_verifier: RsaVerifier
) -> None:
    data = (ATTACKS / name).read_bytes()
    for call in _calls(attack_verifier):
        with pytest.raises(BankFileError) as info:
            call(name, data)
        assert info.value.code == code
        assert info.value.location.file == name
        assert "root:" not in str(info.value)


@pytest.mark.parametrize(
    "name", ["xxe_file.xml", "xxe_external_dtd.xml", "billion_laughs.xml", "quadratic_blowup.xml"]
)
def test_hardened_parser_alone_neither_reads_nor_expands(name: str) -> None:
    """Defence in depth: even past the prolog check the parser resolves nothing."""
    data = (ATTACKS / name).read_bytes()
    if name in ("billion_laughs.xml", "quadratic_blowup.xml"):
        # libxml2 2.12+ refuses the amplification outright even without expanding
        with pytest.raises(etree.XMLSyntaxError, match="amplification"):
            etree.fromstring(data, hardened_parser())
        return
    root = etree.fromstring(data, hardened_parser())
    text = "".join(str(t) for t in root.itertext())
    assert "root:" not in text
    assert len(text) < 1000
    assert len(etree.tostring(root)) < len(data)


def test_signed_controls_are_accepted(attack_verifier: RsaVerifier) -> None:
    ccb = CcbAdapter().read_instructions(
        {"c.xml": (ATTACKS / "ccb_signed.xml").read_bytes()}, attack_verifier
    )
    boc = BocAdapter().read_instructions(
        {"b.xml": (ATTACKS / "boc_signed.xml").read_bytes()}, attack_verifier
    )
    assert (ccb.batch_id, ccb.count, boc.batch_id, boc.count) == ("ATTACK-CCB", 2, "ATTACK-BOC", 2)


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("ccb_moved_signature.xml", {"xml.signature_position"}),
        ("ccb_added_detail.xml", {"signature.digest_mismatch"}),
        ("ccb_wrapped_document.xml", {"xml.signature_position", "xml.duplicate"}),
        ("ccb_second_signature.xml", {"xml.signature_position"}),
        ("boc_second_document.xml", {"xml.schema", "xml.duplicate"}),
        ("boc_wrapped_documents.xml", {"xml.root", "xml.schema"}),
        ("boc_moved_signature.xml", {"xml.signature_position"}),
        ("boc_reference_by_id.xml", {"signature.reference"}),
    ],
)
def test_signature_wrapping_refused(
    name: str, codes: set[str], attack_verifier: RsaVerifier
) -> None:
    adapter = CcbAdapter() if name.startswith("ccb") else BocAdapter()
    with pytest.raises(YikatongError) as info:
        adapter.read_instructions({name: (ATTACKS / name).read_bytes()}, attack_verifier)
    assert info.value.code in codes
    assert info.value.location.file == name
    assert "冒领人" not in str(info.value)


# -- the XML-DSig profile -------------------------------------------------------------


def _signed_doc(signer: RsaSigner, certificate_der: bytes | None = None) -> bytes:
    w = CanonicalWriter("utf-8")
    w.raw("<R><V>1</V>")
    w.unsigned(signature_xml(w.digest_with("</R>"), signer, certificate_der=certificate_der))
    w.raw("</R>")
    return w.getvalue()


def _check(data: bytes, verifier: RsaVerifier) -> None:
    reader = XmlReader(data, "s.xml", items=frozenset(), signature_path="/R/Signature")
    list(reader)
    verify(reader.signature, reader.digest, verifier, file="s.xml", path="/R/Signature")


@pytest.fixture(scope="module")
def rsa() -> KitKeys:
    return KitKeys.for_scheme("RSA-SHA256")


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("xmldsig-more#rsa-sha256", "xmldsig#rsa-sha1", "signature.algorithm"),
        (
            'xml-exc-c14n#"></CanonicalizationMethod>',
            'xml-c14n11"></CanonicalizationMethod>',
            "signature.algorithm",
        ),
        (
            "</Transforms>",
            '<Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"></Transform></Transforms>',
            "signature.structure",
        ),
        ("</KeyInfo>", "</KeyInfo><Object>x</Object>", "signature.structure"),
        ("<KeyName>", "<KeyName>0", "signature.key_mismatch"),
        ("</KeyName>", "</KeyName><RetrievalMethod></RetrievalMethod>", "signature.structure"),
        ("<SignatureValue>", "<SignatureValue>!!", "signature.format"),
        ("#sha256", "#sha512", "signature.algorithm"),
        ('<Reference URI="">', '<Reference URI="" Id="x">', "signature.reference"),
    ],
)
def test_signature_profile_is_strict(rsa: KitKeys, old: str, new: str, code: str) -> None:
    signer = rsa.department
    assert isinstance(signer, RsaSigner)
    data = _signed_doc(signer).decode()
    assert old in data
    changed = data.replace(old, new, 1).encode()
    with pytest.raises(SignatureError) as info:
        _check(changed, signer.verifier())
    assert info.value.code == code
    assert info.value.location.path is not None
    assert info.value.location.path.startswith("/R/Signature")


def test_relative_namespace_in_signed_info_is_a_library_error(rsa: KitKeys) -> None:
    """lxml's canonicalization refuses a relative namespace URI: the reader
    refuses it first, and ``verify`` itself turns lxml's refusal into an error."""
    signer = rsa.department
    assert isinstance(signer, RsaSigner)
    original = _signed_doc(signer)
    data = original.replace(b"<SignedInfo>", b'<SignedInfo xmlns:p="r">')
    with pytest.raises(BankFileError) as read:
        _check(data, signer.verifier())
    assert read.value.code == "xml.namespace"
    assert read.value.location.path == "/R/Signature"
    ccb = CcbAdapter()
    batch = kit_batch(ccb, 2)
    payment = ccb.render(batch, rsa.department, created=DAY)
    signed = payment.content.replace(b"<SignedInfo>", b'<SignedInfo xmlns:p="r">')
    with pytest.raises(BankFileError) as info:
        ccb.read_instructions({payment.main: signed}, rsa.department_verifier)
    assert info.value.code == "xml.namespace"
    reader = XmlReader(original, "s.xml", items=frozenset(), signature_path="/R/Signature")
    list(reader)
    signature = etree.fromstring(data)[1]
    with pytest.raises(SignatureError) as direct:
        verify(signature, reader.digest, signer.verifier(), file="s.xml", path="/R/Signature")
    assert direct.value.code == "signature.structure"
    assert direct.value.location.path == "/R/Signature/SignedInfo"


def test_signature_value_and_missing_signature(rsa: KitKeys) -> None:
    signer = rsa.department
    assert isinstance(signer, RsaSigner)
    _check(_signed_doc(signer), signer.verifier())
    data = _signed_doc(signer).replace(b"<SignatureValue>", b"<SignatureValue>AAAA", 1)
    with pytest.raises(SignatureError) as info:
        _check(data, signer.verifier())
    assert info.value.code in {"signature.format", "signature.mismatch"}
    with pytest.raises(SignatureError) as missing:
        verify(None, b"", signer.verifier(), file="s.xml", path="/R/Signature")
    assert missing.value.code == "signature.missing"


def _certificate(key: object) -> bytes:
    private = generate_rsa_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "测试银行")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key)  # type: ignore[arg-type]
        .serial_number(1)
        .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
        .sign(private, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def test_certificate_in_key_info_is_pinned(rsa: KitKeys) -> None:
    signer = rsa.department
    assert isinstance(signer, RsaSigner)
    own = _certificate(signer.public_key())
    _check(_signed_doc(signer, own), signer.verifier())
    other = _certificate(generate_rsa_key().public_key())
    with pytest.raises(SignatureError) as info:
        _check(_signed_doc(signer, other), signer.verifier())
    assert info.value.code == "signature.key_mismatch"


def test_signature_namespace_is_dsig() -> None:
    assert DSIG_NS == "http://www.w3.org/2000/09/xmldsig#"


# -- xmlsec1, an independent verifier --------------------------------------------------


def _xmlsec1() -> str:
    path = shutil.which("xmlsec1")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("xmlsec1 is required in CI (apt-get install xmlsec1)")
        pytest.skip("xmlsec1 not installed")
    return path


@pytest.mark.oracle
@pytest.mark.parametrize("bank", ["ccb", "boc"])
def test_xmlsec1_verifies_our_signatures(bank: str, tmp_path: Path) -> None:
    xmlsec1 = _xmlsec1()
    signer = RsaSigner(generate_rsa_key())
    adapter = CcbAdapter() if bank == "ccb" else BocAdapter()
    payment = adapter.render(kit_batch(adapter, 3), signer, created=DAY)
    key = tmp_path / "key.pem"
    key.write_bytes(public_key_to_pem(signer.public_key()))
    good = tmp_path / "good.xml"
    good.write_bytes(payment.content)
    ok = subprocess.run(
        [xmlsec1, "--verify", f"--pubkey-pem:{signer.key_fingerprint}", str(key), str(good)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "OK" in ok.stdout + ok.stderr
    # and the return the simulated bank signs
    bank_signer = RsaSigner(generate_rsa_key())
    from ningxia_yikatong.banks import BankSimulator

    files = BankSimulator(adapter, bank_signer, signer.verifier()).process(payment, created=DAY)
    ret = tmp_path / "ret.xml"
    ret.write_bytes(next(iter(files.values())))
    bank_key = tmp_path / "bank.pem"
    bank_key.write_bytes(public_key_to_pem(bank_signer.public_key()))
    ok = subprocess.run(
        [xmlsec1, "--verify", "--pubkey-pem", str(bank_key), str(ret)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    # a changed amount: xmlsec1 refuses it too
    bad = tmp_path / "bad.xml"
    amount = f"{kit_batch(adapter, 3).items[0].amount:.2f}".encode()
    assert amount in payment.content
    bad.write_bytes(payment.content.replace(amount, b"9" + amount, 1))
    refused = subprocess.run(
        [xmlsec1, "--verify", "--pubkey-pem", str(key), str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0


# -- junk -------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    name=st.sampled_from(["ccb_signed.xml", "boc_signed.xml"]),
    edits=st.lists(
        st.tuples(st.integers(min_value=0), st.binary(max_size=3)), min_size=1, max_size=4
    ),
)
def test_mutated_messages_give_only_library_errors(
    name: str, edits: list[tuple[int, bytes]], attack_verifier: RsaVerifier
) -> None:
    data = bytearray((ATTACKS / name).read_bytes())
    for position, junk in edits:
        at = position % (len(data) + 1)
        data[at : at + len(junk)] = junk
    adapter = CcbAdapter() if name.startswith("ccb") else BocAdapter()
    # anything but a library error fails the test
    with contextlib.suppress(YikatongError):
        adapter.read_instructions({name: bytes(data)}, attack_verifier)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("<SignedInfo>", "<SignedInfo><:/>"),
        ("<KeyInfo>", "<KeyInfo><p:KeyName/>"),
        ("<SignatureValue>", '<SignatureValue :="">'),
        ("<DigestValue>", '<DigestValue p:a="1">'),
    ],
)
def test_bad_names_inside_the_signature_are_library_errors(
    rsa: KitKeys, old: str, new: str
) -> None:
    signer = rsa.department
    assert isinstance(signer, RsaSigner)
    data = _signed_doc(signer).decode()
    assert old in data
    with pytest.raises(BankFileError) as info:
        _check(data.replace(old, new, 1).encode(), signer.verifier())
    assert info.value.code == "xml.syntax"
    assert info.value.location.path is not None
    assert info.value.location.path.startswith("/R/Signature")
