"""Enveloped XML-DSig for bank messages, in one streaming pass.

One profile, the one the XML banks use, and nothing else is accepted:

* ``Reference URI=""`` (the whole document), transforms exactly
  ``enveloped-signature`` then exclusive canonicalization (exc-c14n), digest
  SHA-256;
* ``SignedInfo`` canonicalized with exc-c14n, signed with RSA-SHA256
  (PKCS#1 v1.5) through any :class:`~ningxia_yikatong.signing.Signer`;
* ``KeyInfo`` carries ``KeyName``, the signer's key fingerprint (SHA-256 of
  its SubjectPublicKeyInfo), and optionally the signer's certificate.

The digest of the document comes from
:class:`~ningxia_yikatong.banks._xml.CanonicalWriter` (writing) or
:class:`~ningxia_yikatong.banks._xml.XmlReader` (reading), which compute it
while streaming; the reader only accepts the ``Signature`` at the one place the
bank's layout puts it.

Verification pins the key: the signature must verify under the verifier the
caller holds (built from the bank's certificate); a ``KeyName`` or certificate
in the document that names another key is refused. Because the reference is
the whole document and every value the adapters return was read in the same
pass that computed the digest, nothing unsigned is ever trusted: a wrapped,
moved or second ``Signature``, a second ``Document`` or any added element
fails.

The signing package's :func:`~ningxia_yikatong.signing.sign_xml` (on signxml)
builds the whole tree; a bank message of a million items needs this streaming
profile instead. Both follow the same rules (exclusive c14n, RSA-SHA256, the
key pinned, only the signed content trusted), and ``xmlsec1`` verifies what
this module signs.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Final

from lxml import etree

from ..errors import BankFileError, ErrorDetail, Location, SignatureError
from ..identity import mask_id_number
from ..payout import PayoutBatch
from ..signing._base64 import b64decode_canonical
from ..signing._keys import load_certificate
from ..signing._protocols import Signer, Verifier
from ._declared import MessageAdapter
from ._xml import DSIG_NS, CanonicalWriter, XmlReader, check_chars, escape_attr

__all__ = [
    "C14N_EXC",
    "DIGEST_SHA256",
    "ENVELOPED",
    "SIGNATURE_METHODS",
    "SignedXmlAdapter",
    "signature_xml",
    "verify",
]

C14N_EXC: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED: Final = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
DIGEST_SHA256: Final = "http://www.w3.org/2001/04/xmlenc#sha256"
#: ``Signer.algorithm`` → SignatureMethod URI.
SIGNATURE_METHODS: Final = {
    "RSA-SHA256": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "RSA-SHA1": "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
}

_D = f"{{{DSIG_NS}}}"


def _signed_info(method: str, digest: bytes) -> str:
    """Canonical SignedInfo as its own apex (it carries the namespace)."""
    return (
        f'<SignedInfo xmlns="{DSIG_NS}">'
        f'<CanonicalizationMethod Algorithm="{C14N_EXC}"></CanonicalizationMethod>'
        f'<SignatureMethod Algorithm="{method}"></SignatureMethod>'
        '<Reference URI=""><Transforms>'
        f'<Transform Algorithm="{ENVELOPED}"></Transform>'
        f'<Transform Algorithm="{C14N_EXC}"></Transform>'
        f'</Transforms><DigestMethod Algorithm="{DIGEST_SHA256}"></DigestMethod>'
        f"<DigestValue>{base64.b64encode(digest).decode('ascii')}</DigestValue>"
        "</Reference></SignedInfo>"
    )


def signature_xml(digest: bytes, signer: Signer, *, certificate_der: bytes | None = None) -> str:
    """The ``Signature`` element over a document whose canonical digest is ``digest``."""
    method = SIGNATURE_METHODS.get(signer.algorithm)
    if method is None or signer.algorithm == "RSA-SHA1":
        raise SignatureError(
            f"XML签名不支持 {signer.algorithm} 算法", code="signature.xml_algorithm"
        )
    signed_info = _signed_info(method, digest)
    value = base64.b64encode(signer.sign(signed_info.encode("utf-8"))).decode("ascii")
    cert = ""
    if certificate_der is not None:
        b64 = base64.b64encode(certificate_der).decode("ascii")
        cert = f"<X509Data><X509Certificate>{b64}</X509Certificate></X509Data>"
    # Inside Signature the namespace is inherited, so SignedInfo drops its own.
    inner = signed_info.replace(f' xmlns="{DSIG_NS}"', "", 1)
    return (
        f'<Signature xmlns="{DSIG_NS}">{inner}<SignatureValue>{value}</SignatureValue>'
        f"<KeyInfo><KeyName>{escape_attr(signer.key_fingerprint)}</KeyName>{cert}</KeyInfo>"
        "</Signature>"
    )


def _fail(message: str, code: str, file: str | None, path: str) -> SignatureError:
    return SignatureError(message, code=code, file=file, path=path)


def _children(el: etree._Element, names: tuple[str, ...], file: str | None, path: str) -> None:
    got = tuple(etree.QName(c).localname if c.tag.startswith(_D) else c.tag for c in el)
    if got != names:
        raise _fail(
            f"签名元素 {etree.QName(el).localname} 的结构不符合约定",
            "signature.structure",
            file,
            path,
        )


def _algorithm(el: etree._Element, expected: str, file: str | None, path: str) -> None:
    if el.get("Algorithm") != expected or len(el) or (el.text or "").strip():
        raise _fail(
            f"签名算法 {el.get('Algorithm')} 不符合约定（应为 {expected}）",
            "signature.algorithm",
            file,
            path,
        )


def verify(
    signature: etree._Element | None,
    digest: bytes,
    verifier: Verifier,
    *,
    file: str | None,
    path: str,
) -> None:
    """Check the ``Signature`` element against the document ``digest`` and the
    pinned ``verifier``; every failure is a :class:`SignatureError`."""
    if signature is None:
        raise _fail("缺少XML签名", "signature.missing", file, path)
    method = SIGNATURE_METHODS.get(verifier.algorithm)
    if method is None:
        raise _fail(
            f"XML签名不支持 {verifier.algorithm} 算法", "signature.xml_algorithm", file, path
        )
    kids = [etree.QName(c).localname for c in signature]
    if kids not in (["SignedInfo", "SignatureValue"], ["SignedInfo", "SignatureValue", "KeyInfo"]):
        raise _fail("签名元素的结构不符合约定", "signature.structure", file, path)
    if any(not c.tag.startswith(_D) for c in signature.iter()) or signature.attrib:
        raise _fail("签名元素中有不属于XML签名的内容", "signature.structure", file, path)
    signed_info, value_el = signature[0], signature[1]
    si_path = f"{path}/SignedInfo"
    _children(
        signed_info, ("CanonicalizationMethod", "SignatureMethod", "Reference"), file, si_path
    )
    _algorithm(signed_info[0], C14N_EXC, file, si_path + "/CanonicalizationMethod")
    _algorithm(signed_info[1], method, file, si_path + "/SignatureMethod")
    ref = signed_info[2]
    ref_path = si_path + "/Reference"
    if len(ref.attrib) != 1 or ref.get("URI") != "":
        raise _fail('签名引用应覆盖整个文档（URI=""）', "signature.reference", file, ref_path)
    _children(ref, ("Transforms", "DigestMethod", "DigestValue"), file, ref_path)
    transforms = ref[0]
    _children(transforms, ("Transform", "Transform"), file, ref_path + "/Transforms")
    _algorithm(transforms[0], ENVELOPED, file, ref_path + "/Transforms/Transform[1]")
    _algorithm(transforms[1], C14N_EXC, file, ref_path + "/Transforms/Transform[2]")
    _algorithm(ref[1], DIGEST_SHA256, file, ref_path + "/DigestMethod")
    try:
        claimed = b64decode_canonical(ref[2].text or "", whitespace="xml")
        sig_value = b64decode_canonical(value_el.text or "", whitespace="xml")
    except (binascii.Error, ValueError):
        raise _fail("签名值或摘要值不是有效的Base64", "signature.format", file, path) from None
    if len(signature) == 3:
        _check_key_info(signature[2], verifier, file, path + "/KeyInfo")
    if not hmac.compare_digest(claimed, digest):
        raise _fail(
            "文档内容与签名中的摘要不符（文件在签名后被改动）",
            "signature.digest_mismatch",
            file,
            ref_path + "/DigestValue",
        )
    try:
        canonical = etree.tostring(signed_info, method="c14n", exclusive=True, with_comments=False)
    except etree.C14NError:
        # libxml2 refuses, for one, a relative namespace URI declared in SignedInfo
        raise _fail(
            "SignedInfo 无法规范化（exc-c14n）", "signature.structure", file, si_path
        ) from None
    try:
        verifier.verify(canonical, sig_value)
    except SignatureError as exc:
        raise exc.at(file=file, path=path + "/SignatureValue") from None


def _check_key_info(
    key_info: etree._Element, verifier: Verifier, file: str | None, path: str
) -> None:
    pinned = verifier.key_fingerprint
    for child in key_info:
        name = etree.QName(child).localname
        if name == "KeyName":
            if (child.text or "").strip() != pinned:
                raise _fail(
                    "签名使用的密钥不是约定的（已固定的）证书密钥",
                    "signature.key_mismatch",
                    file,
                    path + "/KeyName",
                )
        elif name == "X509Data":
            for cert_el in child:
                if etree.QName(cert_el).localname != "X509Certificate":
                    continue
                try:
                    der = b64decode_canonical(cert_el.text or "", whitespace="xml")
                except (binascii.Error, ValueError):
                    raise _fail(
                        "签名中的证书不是有效的Base64", "signature.format", file, path
                    ) from None
                try:
                    cert = load_certificate(der)
                except Exception:  # any certificate problem is a key mismatch here
                    raise _fail(
                        "签名中的证书无法读取", "signature.certificate", file, path
                    ) from None
                if cert.key_fingerprint != pinned:
                    raise _fail(
                        "签名中的证书不是约定的（已固定的）证书",
                        "signature.key_mismatch",
                        file,
                        path + "/X509Data",
                    )
        else:
            raise _fail(f"不接受的密钥信息 {name}", "signature.structure", file, path)


class SignedXmlAdapter(MessageAdapter):
    """What the XML banks share: one file per message, signed with an enveloped
    XML-DSig signature, digests computed while streaming."""

    digest_algorithm: ClassVar[str] = "SHA256"

    one_file_message: ClassVar[str] = "{what}应为一个XML文件（签名在文件内），实际收到{count}个文件"

    def _check_text(self, batch: PayoutBatch) -> None:
        """Refuse, naming every item, text that XML cannot carry."""
        details = []
        for item in batch.items:
            for field, text in (
                ("name", item.beneficiary.account.holder_name),
                ("memo", item.memo or ""),
            ):
                bad = check_chars(text)
                if bad is not None:
                    details.append(
                        ErrorDetail(
                            "bankfile.unrepresentable",
                            f"序号{item.seq}（{mask_id_number(item.beneficiary.id_number)}）"
                            f"{'户名' if field == 'name' else '摘要'}含有XML不能携带的字符"
                            f" U+{ord(bad):04X}",
                            Location(record=item.seq, field=field),
                        )
                    )
        if details:
            raise BankFileError(
                f"{len(details)}处内容无法写入{self.name}报文，整批未生成",
                code="bankfile.unrepresentable",
                details=details,
            )

    @staticmethod
    def _sign_and_close(writer: CanonicalWriter, signer: Signer, before: str, after: str) -> bytes:
        """Write ``before`` + Signature + ``after``: the signature covers everything
        but itself (enveloped)."""
        writer.raw(before)
        signature = signature_xml(writer.digest_with(after), signer)
        writer.unsigned(signature)
        writer.raw(after)
        return writer.getvalue()

    @staticmethod
    @contextlib.contextmanager
    def _schema_first(reader: XmlReader) -> Iterator[None]:
        """A problem found in an item yields to a schema or syntax error later
        in the same document: the XSD's verdict comes first."""
        try:
            yield
        except BankFileError as exc:
            if not exc.code.startswith("xml."):
                reader.drain()
            raise

    @staticmethod
    def _verify_read(reader: XmlReader, verifier: Verifier, signature_path: str) -> None:
        """Check the signature of what ``reader`` has read: the adapters call it
        after their last item and before anything they read is returned."""
        verify(
            reader.signature,
            reader.digest,
            verifier,
            file=reader.file,
            path=signature_path,
        )

    @staticmethod
    def _exact_keys(
        values: Mapping[str, str],
        expected: frozenset[str],
        optional: frozenset[str],
        file: str,
        where: Mapping[str, Any],
    ) -> None:
        keys = set(values)
        missing = expected - keys
        extra = keys - expected - optional
        base = str(where.get("path", ""))
        if missing:
            field = sorted(missing)[0]
            raise BankFileError(
                f"缺少元素 {field}",
                code="bankfile.missing",
                file=file,
                **{**where, "path": f"{base}/{field}" if base else field},
            )
        if extra:
            field = sorted(extra)[0]
            raise BankFileError(
                f"不认识的元素 {field}",
                code="bankfile.unexpected",
                file=file,
                **{**where, "path": f"{base}/{field}" if base else field},
            )
