"""XMLDSig: signxml signing and pinned verification, xmlsec1 as the oracle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from ningxia_yikatong.errors import CryptoError, KeyLoadError, SignatureError
from ningxia_yikatong.signing import (
    Certificate,
    generate_rsa_key,
    generate_sm2_key,
    load_certificate,
    private_key_to_pem,
    sign_xml,
    verify_xml,
)

RunTool = Callable[[list[str], Path], CompletedProcess[str]]
DOC = (
    "<TX><REQUEST_SN>20260001</REQUEST_SN>"
    "<TX_INFO><AMOUNT>1200.50</AMOUNT><NAME>马小明</NAME></TX_INFO></TX>"
)


def _cert(key: rsa.RSAPrivateKey, days: int = 30, start: dt.datetime | None = None) -> Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bank-xml")])
    begin = start or dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    built = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(begin)
        .not_valid_after(begin + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return load_certificate(built.public_bytes(serialization.Encoding.DER))


@pytest.fixture(scope="module")
def cert(rsa_key: rsa.RSAPrivateKey) -> Certificate:
    return _cert(rsa_key)


def test_round_trip_returns_signed_content(rsa_key: rsa.RSAPrivateKey, cert: Certificate) -> None:
    signed = sign_xml(DOC.encode(), rsa_key, cert)
    data = etree.tostring(signed)
    assert b"SignatureValue" in data
    content = verify_xml(data, cert)
    assert content.findtext("TX_INFO/AMOUNT") == "1200.50"
    assert content.find(".//{http://www.w3.org/2000/09/xmldsig#}Signature") is None
    assert etree.tostring(verify_xml(signed, cert)) == etree.tostring(content)


_DS = "{http://www.w3.org/2000/09/xmldsig#}"
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def test_signature_value_must_be_canonical_base64(
    rsa_key: rsa.RSAPrivateKey, cert: Certificate
) -> None:
    signed = sign_xml(DOC.encode(), rsa_key, cert)
    value = signed.find(f".//{_DS}SignatureValue")
    assert value is not None
    assert value.text is not None
    text = "".join(value.text.split())
    assert text.endswith("==")  # 256 bytes: the last character has 4 unused bits
    # Reflowed with XML whitespace, the value still verifies (base64Binary).
    value.text = "\n" + "\n".join(text[i : i + 64] for i in range(0, len(text), 64)) + "\n"
    verify_xml(etree.tostring(signed), cert)
    last = text[-3]
    value.text = text[:-3] + _B64[_B64.index(last) | 1] + "=="
    with pytest.raises(SignatureError) as info:
        verify_xml(etree.tostring(signed), cert)
    assert info.value.code == "signature.base64"
    value.text = text[:-3] + "!" + text[-3:]  # a stray character signxml would skip
    with pytest.raises(SignatureError):
        verify_xml(etree.tostring(signed), cert)


def test_tampered_content_fails(rsa_key: rsa.RSAPrivateKey, cert: Certificate) -> None:
    data = etree.tostring(sign_xml(DOC.encode(), rsa_key, cert))
    for bad in (
        data.replace(b"1200.50", b"9200.50"),
        data.replace(b"<ds:SignatureValue>", b"<ds:SignatureValue>AAAA"),
        data.replace(b"</TX>", b"<EXTRA/></TX>"),
        data[:-10],
        b"",
        b"<TX/>",
    ):
        assert bad != data
        with pytest.raises(SignatureError):
            verify_xml(bad, cert)


def test_pinned_certificate_rejects_other_signers(
    rsa_key: rsa.RSAPrivateKey, cert: Certificate
) -> None:
    other_key = generate_rsa_key()
    other = sign_xml(DOC.encode(), other_key, _cert(other_key))
    with pytest.raises(SignatureError):
        verify_xml(other, cert)


def test_signature_wrapping_cannot_smuggle_content(
    rsa_key: rsa.RSAPrivateKey, cert: Certificate
) -> None:
    signed = sign_xml(DOC.encode(), rsa_key, cert)
    wrapper = etree.Element("Wrapper")
    forged = etree.SubElement(wrapper, "TX")
    etree.SubElement(forged, "AMOUNT").text = "999999.00"
    wrapper.append(signed)
    try:
        content = verify_xml(etree.tostring(wrapper), cert)
    except SignatureError:
        return
    # If it verifies at all, what comes back is only the signed original.
    assert b"999999.00" not in etree.tostring(content)


def test_entities_are_not_expanded(rsa_key: rsa.RSAPrivateKey, cert: Certificate) -> None:
    evil = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    with pytest.raises(SignatureError):
        verify_xml(evil, cert)


def test_expired_certificate_and_wrong_keys(rsa_key: rsa.RSAPrivateKey) -> None:
    old = _cert(rsa_key, days=10, start=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    signed = sign_xml(DOC.encode(), rsa_key, old)
    verify_xml(signed, old)
    with pytest.raises(KeyLoadError) as info:
        verify_xml(signed, old, check_validity=True)
    assert info.value.code == "cert.expired"
    with pytest.raises(KeyLoadError):
        sign_xml(DOC.encode(), generate_rsa_key(), old)
    with pytest.raises(KeyLoadError):
        sign_xml(DOC.encode(), generate_sm2_key(), old)  # type: ignore[arg-type]
    with pytest.raises(CryptoError) as bad_xml:
        sign_xml(b"<not closed", rsa_key, old)
    assert bad_xml.value.code == "xml.format"


def _write(tmp_path: Path, rsa_key: rsa.RSAPrivateKey, cert: Certificate) -> None:
    (tmp_path / "key.pem").write_bytes(private_key_to_pem(rsa_key))
    (tmp_path / "cert.pem").write_bytes(cert.to_pem())


@pytest.mark.oracle
def test_xmlsec1_verifies_ours(
    xmlsec1: str, run_tool: RunTool, tmp_path: Path, rsa_key: rsa.RSAPrivateKey, cert: Certificate
) -> None:
    _write(tmp_path, rsa_key, cert)
    data = etree.tostring(
        sign_xml(DOC.encode(), rsa_key, cert), xml_declaration=True, encoding="UTF-8"
    )
    (tmp_path / "ok.xml").write_bytes(data)
    (tmp_path / "bad.xml").write_bytes(data.replace(b"1200.50", b"1200.51"))
    # --trusted-pem: the self-signed test certificate is the trust anchor.
    verify = [xmlsec1, "--verify", "--trusted-pem", "cert.pem"]
    out = run_tool([*verify, "ok.xml"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert run_tool([*verify, "bad.xml"], tmp_path).returncode != 0


# xmlsec1 signs a template. The signature element is written once with a
# default namespace (as .NET and many bank tools write it) and once with the
# usual ds: prefix (Apache Santuario).
_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<TX><REQUEST_SN>20260002</REQUEST_SN><AMOUNT>88.00</AMOUNT>
<P:Signature xmlns:P="http://www.w3.org/2000/09/xmldsig#"><P:SignedInfo>
<P:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>
<P:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
<P:Reference URI=""><P:Transforms>
<P:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></P:Transforms>
<P:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><P:DigestValue/></P:Reference>
</P:SignedInfo><P:SignatureValue/><P:KeyInfo><P:X509Data/></P:KeyInfo></P:Signature></TX>
"""


def _template(prefix: str) -> str:
    if prefix:
        return _TEMPLATE.replace("P:", f"{prefix}:").replace("xmlns:P=", f"xmlns:{prefix}=")
    return _TEMPLATE.replace("P:", "").replace("xmlns:P=", "xmlns=")


def test_default_namespace_canonicalisation_is_corrected() -> None:
    # lxml 6.1 / libxml2 2.14 canonicalise this subtree with a spurious
    # xmlns="" on <c>; the verifier corrects it only where every element has a
    # namespace. This test shows the correction stays right either way.
    from signxml.algorithms import CanonicalizationMethod

    from ningxia_yikatong.signing._xmldsig import _Verifier

    root = etree.fromstring(b'<r><s xmlns="urn:x"><a><b><c>xmlns="" stays</c></b></a></s></r>')
    out = _Verifier()._c14n(root[0][0], CanonicalizationMethod.CANONICAL_XML_1_0)
    assert out == b'<a xmlns="urn:x"><b><c>xmlns="" stays</c></b></a>'
    mixed = etree.fromstring(b'<r><s xmlns="urn:x"><a><b xmlns=""><c/></b></a></s></r>')
    out = _Verifier()._c14n(mixed[0][0], CanonicalizationMethod.CANONICAL_XML_1_0)
    assert b'<b xmlns="">' in out


@pytest.mark.oracle
@pytest.mark.parametrize("prefix", ["", "ds"])
def test_we_verify_xmlsec1_signature(  # noqa: PLR0917 - fixtures
    xmlsec1: str,
    run_tool: RunTool,
    tmp_path: Path,
    rsa_key: rsa.RSAPrivateKey,
    cert: Certificate,
    prefix: str,
) -> None:
    _write(tmp_path, rsa_key, cert)
    (tmp_path / "tmpl.xml").write_text(_template(prefix), encoding="utf-8")
    args = [xmlsec1, "--sign", "--privkey-pem", "key.pem,cert.pem", "--output", "s.xml", "tmpl.xml"]
    out = run_tool(args, tmp_path)
    assert out.returncode == 0, out.stderr
    data = (tmp_path / "s.xml").read_bytes()
    content = verify_xml(data, cert)
    assert content.findtext("AMOUNT") == "88.00"
    with pytest.raises(SignatureError):
        verify_xml(data.replace(b"88.00", b"89.00"), cert)


@settings(max_examples=60, deadline=None)
@given(junk=st.binary(max_size=300) | st.text(max_size=200).map(str.encode))
def test_junk_gives_only_signature_errors(cert: Certificate, junk: bytes) -> None:
    with pytest.raises(SignatureError):
        verify_xml(junk, cert)
