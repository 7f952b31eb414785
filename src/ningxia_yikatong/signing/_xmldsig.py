"""XML signatures (XMLDSig), enveloped, RSA-SHA256, for banks' XML files.

Signing and verification are ``signxml``'s. This module fixes the choices a
bank file needs and closes the usual holes:

* one algorithm only: RSA-SHA256 with SHA-256 digests, Canonical XML 1.0
  (what Java's Apache Santuario and ``xmlsec1`` speak by default);
* verification pins the expected certificate: a document signed by any other
  key fails, whatever certificate it carries in ``KeyInfo``;
* :func:`verify_xml` returns only what the signature covers. Code must read
  the data from that element, never from the document it passed in: a
  signature-wrapping attack adds unsigned elements beside the signed ones;
* documents are parsed without DTDs, entities or network access.

SM2 XMLDSig has no W3C algorithm identifier that ``signxml`` or ``xmlsec1``
implement; banks that use SM2 sign the XML file's bytes as a detached
signature instead (see :class:`~ningxia_yikatong.signing.Sm2Signer`).
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from ..errors import CryptoError, KeyLoadError, SignatureError, YikatongError
from ._base64 import b64decode_canonical
from ._keys import Certificate, key_fingerprint

__all__ = ["XMLDSIG_ALGORITHM", "safe_xml_parser", "sign_xml", "verify_xml"]

XMLDSIG_ALGORITHM: Final = "XMLDSIG-RSA-SHA256"
#: Largest XML document accepted for verification.
MAX_XML_BYTES: Final = 256 << 20


def safe_xml_parser() -> etree.XMLParser:
    """An lxml parser that loads no DTD, expands no entity and never touches the
    network; defaults changed across lxml versions, so every flag is explicit."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


_EMPTY_DEFAULT_NS: Final = re.compile(rb"<[^>]*>")


class _Verifier(XMLVerifier):
    """signxml's verifier with one correction to canonicalisation.

    lxml 6.1 with its bundled libxml2 2.14 canonicalises a *subtree* whose
    default namespace is inherited with spurious ``xmlns=""`` on grandchildren
    (``<a xmlns="urn:x"><b><c xmlns="">``). Signatures written with a default
    namespace (``<Signature xmlns="...xmldsig#">``, as xmlsec1 templates and
    .NET write them) then never verify. A ``xmlns=""`` undeclaration can only be
    right where some element is in no namespace; when every element of the
    canonicalised subtree has a namespace, it is removed again. Only tags are
    edited, so text that happens to contain the same characters is untouched.
    """

    def _c14n(self, nodes: Any, algorithm: Any, inclusive_ns_prefixes: Any = None) -> bytes:
        result: bytes = super()._c14n(nodes, algorithm, inclusive_ns_prefixes=inclusive_ns_prefixes)
        items = nodes if isinstance(nodes, list) else [nodes]
        if b' xmlns=""' in result and all(_all_namespaced(node) for node in items):
            result = _EMPTY_DEFAULT_NS.sub(lambda m: m.group(0).replace(b' xmlns=""', b""), result)
        return result


def _all_namespaced(node: Any) -> bool:
    if not isinstance(node, etree._Element):
        return False
    return all(el.tag.startswith("{") for el in node.iter(etree.Element))


def _config(verification_time: _dt.datetime) -> SignatureConfiguration:
    return SignatureConfiguration(
        verification_time=verification_time,
        require_x509=True,
        expect_references=1,
        signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
    )


def _rsa_certificate(certificate: Certificate) -> rsa.RSAPublicKey:
    if not isinstance(certificate, Certificate):
        raise KeyLoadError("XML签名需要X.509证书", code="key.type")
    if not isinstance(certificate.public_key, rsa.RSAPublicKey):
        raise KeyLoadError("XML签名仅支持RSA证书", code="key.algorithm")
    return certificate.public_key


def sign_xml(
    document: etree._Element | bytes,
    private_key: rsa.RSAPrivateKey,
    certificate: Certificate,
) -> etree._Element:
    """Add an enveloped RSA-SHA256 signature (with the certificate in
    ``KeyInfo``) to ``document`` and return the signed root element.

    ``document`` is a root element (left unchanged) or XML bytes.
    """
    public = _rsa_certificate(certificate)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise KeyLoadError("XML签名需要RSA私钥", code="key.type")
    if key_fingerprint(private_key) != key_fingerprint(public):
        raise KeyLoadError("私钥与证书不匹配", code="key.mismatch")
    if isinstance(document, bytes):
        root = _parse(document, error=CryptoError, code="xml.format")
    elif isinstance(document, etree._Element):
        root = document
    else:
        raise SignatureError("待签名的XML必须是lxml元素或字节串", code="xml.type")
    signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    signed: etree._Element = signer.sign(
        root, key=private_key, cert=[certificate.to_pem().decode("ascii")]
    )
    return signed


def _parse(data: bytes, *, error: type[YikatongError], code: str) -> etree._Element:
    if len(data) > MAX_XML_BYTES:
        raise error("XML文件过大", code=code)
    try:
        return etree.fromstring(data, parser=safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise error(f"XML格式错误：{exc.msg}", code=code, line=exc.lineno or None) from None


_DSIG_VALUES: Final = tuple(
    f"{{http://www.w3.org/2000/09/xmldsig#}}{name}" for name in ("SignatureValue", "DigestValue")
)


def _check_base64_values(root: etree._Element) -> None:
    """Every ``SignatureValue`` and ``DigestValue`` must be canonical Base64
    (XML whitespace aside): signxml's decoder ignores unused bits and stray
    characters, so a changed character would otherwise go unnoticed."""
    for element in root.iter(*_DSIG_VALUES):
        try:
            b64decode_canonical(element.text or "", whitespace="xml")
        except ValueError:
            name = etree.QName(element).localname
            raise SignatureError(
                f"XML签名的{name}不是规范的Base64文本", code="signature.base64"
            ) from None


def verify_xml(
    document: etree._Element | bytes,
    certificate: Certificate,
    *,
    check_validity: bool = False,
    at: _dt.datetime | None = None,
) -> etree._Element:
    """Verify the enveloped signature of ``document`` against the pinned
    ``certificate`` and return the signed element (signature removed).

    Every failure (bad XML, missing or extra signature, other key, changed
    content, other algorithm) is a :class:`SignatureError`. With
    ``check_validity=True`` an expired certificate is a :class:`KeyLoadError`.
    """
    _rsa_certificate(certificate)
    if check_validity:
        certificate.check_validity(at)
        moment = at or _dt.datetime.now(_dt.UTC)
    else:
        # signxml always checks the validity period; a moment inside it turns
        # that check off when the caller has not asked for it.
        moment = certificate.not_before
    if isinstance(document, bytes | bytearray):
        data = bytes(document)
        root = _parse(data, error=SignatureError, code="xml.format")
    elif isinstance(document, etree._Element):
        data = etree.tostring(document)
        root = document
    else:
        raise SignatureError("待验签的XML必须是lxml元素或字节串", code="xml.type")
    _check_base64_values(root)
    try:
        result = _Verifier().verify(
            data,
            x509_cert=certificate.to_pem().decode("ascii"),
            parser=safe_xml_parser(),
            expect_config=_config(moment),
        )
    except Exception as exc:  # signxml raises several types; all mean "not verified"
        raise SignatureError(
            f"XML签名验证失败：{type(exc).__name__}", code="signature.xml"
        ) from None
    if isinstance(result, list):  # pragma: no cover - expect_references=1 gives one
        raise SignatureError("XML中有多个签名引用", code="signature.xml")
    signed = result.signed_xml
    if signed is None:  # pragma: no cover - signxml always sets it for enveloped
        raise SignatureError("XML签名未覆盖任何内容", code="signature.xml")
    return signed
