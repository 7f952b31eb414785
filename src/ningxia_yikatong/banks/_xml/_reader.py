"""The streaming reader: one pass, flat memory, the digest of the canonical
form computed on the way."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from lxml import etree

from ...errors import BankFileError
from ._canonical import escape_attr, escape_text
from ._parse import (
    _NS_IN_MESSAGE,
    _SIGNATURE_TAG,
    _element_path,
    _err,
    _local,
    _masked,
    _schema_error,
    _str,
    _syntax_error,
    check_prolog,
)

__all__ = ["MAX_NAMESPACES", "Item", "XmlReader"]

_ABSOLUTE_URI = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*"
)
#: Most namespace declarations a document may make (the bank messages make one
#: or two): every element's in-scope namespaces are looked at while reading,
#: so their number must stay small for the work to stay linear in the input.
MAX_NAMESPACES: Final = 32
#: Events of the reader other than element starts and ends.
_OTHER_EVENTS: Final = frozenset({"comment", "pi", "start-ns"})


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
