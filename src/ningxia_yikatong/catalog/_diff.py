"""Differences between two revisions, field by field."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from pydantic import JsonValue

from .._arguments import checked
from .._model import DomainModel
from ..codes import PolicyCode
from ..errors import CatalogError
from ..policy import (
    CappedStandard,
    DeclaredStandard,
    Frequency,
    PolicyCategory,
    SubsidyPolicy,
    Target,
    TieredStandard,
)
from ._render import (
    _percent,
    _render_payment,
    _render_tiers,
    _yuan,
    render_county_funding,
    render_regions,
    render_standard,
)

if TYPE_CHECKING:
    from ._revisions import CatalogRevision

# --------------------------------------------------------------------------- diff


class FieldChange(DomainModel):
    """One changed field of a policy: dotted path, Chinese label, old and new values.

    ``old`` and ``new`` are the JSON values (as in ``model_dump(mode="json")``);
    ``old_text`` and ``new_text`` are the same rendered for staff, in Chinese.
    """

    field: str
    label: str
    old: JsonValue
    new: JsonValue
    old_text: str
    new_text: str


class PolicyChange(DomainModel):
    """A policy present in both revisions whose fields differ."""

    code: PolicyCode
    name: str
    fields: tuple[FieldChange, ...]


class CatalogDiff(DomainModel):
    """What changed from one revision to another.

    ``old_version`` is ``None`` when comparing against nothing (a first list).
    ``added`` follow the new revision's order, ``removed`` and ``changed`` the
    old one's.
    """

    old_version: int | None
    new_version: int
    added: tuple[SubsidyPolicy, ...] = ()
    removed: tuple[SubsidyPolicy, ...] = ()
    changed: tuple[PolicyChange, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when the two revisions list the same policies with the same fields."""
        return not (self.added or self.removed or self.changed)

    def lines(self) -> list[str]:
        """The difference as lines of Chinese text, for staff and for the CLI."""
        old = "（无）" if self.old_version is None else f"第{self.old_version}版"
        out = [f"{old} → 第{self.new_version}版"]
        if self.is_empty:
            out.append("无变化")
        out.extend(f"新增：{p.code} {p.name}" for p in self.added)
        out.extend(f"删除：{p.code} {p.name}" for p in self.removed)
        for change in self.changed:
            out.append(f"修改：{change.code} {change.name}")
            out.extend(f"  {f.label}：{f.old_text} → {f.new_text}" for f in change.fields)
        return out


_FIELD_LABELS: Final[Mapping[str, str]] = {
    "code": "政策编码",
    "name": "政策名称",
    "category": "类别",
    "department": "主管部门",
    "legal_basis": "政策依据",
    "target": "补贴对象",
    "standard": "补贴标准",
    "standard.amount": "补贴标准（金额）",
    "standard.unit": "补贴标准（计量单位）",
    "standard.rate": "补贴标准（单价）",
    "standard.max_quantity": "补贴标准（数量上限）",
    "standard.tiers": "补贴标准（档次）",
    "standard.cap": "补贴标准（上限）",
    "standard.base": "补贴标准（单次标准）",
    "standard.scope": "补贴标准（累计上限范围）",
    "funding.central": "资金分担（中央）",
    "funding.region": "资金分担（自治区）",
    "funding.city": "资金分担（市）",
    "funding.county": "资金分担（县）",
    "county_funding": "分县资金分担",
    "frequency": "发放频次",
    "time_limit_days": "办理时限（天）",
    "regions": "适用区域",
    "min_age": "最低年龄",
    "max_age": "最高年龄",
    "effective_from": "生效日期",
    "effective_to": "失效日期",
    "requires_yikatong": "是否通过一卡通发放",
    "excludes_public_payroll": "是否排除财政供养人员",
    "exclusive_with": "互斥政策",
    "exclusion_registries": "比对名单",
    "goal": "政策目标",
}

#: Nested models compared subfield by subfield (a change of standard kind is
#: reported as the whole ``standard`` field).
_NESTED: Final = ("standard", "funding")


@checked(CatalogError, "catalog")
def diff(old: CatalogRevision | None, new: CatalogRevision) -> CatalogDiff:
    """Added, removed and changed policies from ``old`` to ``new``.

    Policies are matched by code; a change of order alone is no difference.
    Fields are compared by their JSON values;
    ``standard`` and ``funding`` are compared per subfield
    (``standard.rate``, ``funding.county`` ...), except that a standard whose
    kind changed (fixed → tiered, say) is one change of the whole
    ``standard``; tuples (``tiers``, ``regions``, ``county_funding``) and a
    capped standard's ``base`` are compared as a whole.
    """
    old_by = dict(old.by_code) if old is not None else {}
    new_by = new.by_code
    added = tuple(p for p in new.policies if p.code not in old_by)
    removed = tuple(p for p in old_by.values() if p.code not in new_by)
    changed = []
    for code, before in old_by.items():
        after = new_by.get(code)
        if after is None or after == before:
            continue
        fields = _field_changes(before, after)
        if fields:
            changed.append(PolicyChange(code=code, name=after.name, fields=tuple(fields)))
    return CatalogDiff(
        old_version=None if old is None else old.version,
        new_version=new.version,
        added=added,
        removed=removed,
        changed=tuple(changed),
    )


def _field_changes(before: SubsidyPolicy, after: SubsidyPolicy) -> list[FieldChange]:
    old_json = before.model_dump(mode="json")
    new_json = after.model_dump(mode="json")
    out: list[FieldChange] = []
    for name in SubsidyPolicy.model_fields:
        a, b = old_json[name], new_json[name]
        if a == b:
            continue
        if name in _NESTED and (name != "standard" or a["kind"] == b["kind"]):
            for sub in dict.fromkeys([*a, *b]):
                sa, sb = a.get(sub), b.get(sub)
                if sa != sb:
                    path = f"{name}.{sub}"
                    out.append(_change(path, sa, sb, before, after))
        else:
            out.append(_change(name, a, b, before, after))
    return out


def _change(
    path: str, old: JsonValue, new: JsonValue, before: SubsidyPolicy, after: SubsidyPolicy
) -> FieldChange:
    return FieldChange(
        field=path,
        label=_FIELD_LABELS.get(path, path),
        old=old,
        new=new,
        old_text=_render_path(before, path),
        new_text=_render_path(after, path),
    )


def _render_path(policy: SubsidyPolicy, path: str) -> str:
    if path == "standard":
        return render_standard(policy)
    if path.startswith("standard."):
        return _render_standard_part(policy, path.removeprefix("standard."))
    if path.startswith("funding."):
        share: Decimal = getattr(policy.funding, path.removeprefix("funding."))
        return _percent(share)
    value = getattr(policy, path)
    if isinstance(value, PolicyCategory | Target | Frequency):
        return value.label
    if path == "regions":
        return render_regions(policy.regions)
    if path == "county_funding":
        return render_county_funding(policy.county_funding)
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "长期有效" if path == "effective_to" else "不限"
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return "、".join(map(str, value)) if value else "无"
    text = str(value)
    return text if text else "（空）"


def _render_standard_part(policy: SubsidyPolicy, part: str) -> str:
    std = policy.standard
    if part == "tiers" and isinstance(std, TieredStandard):
        return _render_tiers(std.tiers, policy.frequency)
    if part == "tiers" and isinstance(std, DeclaredStandard):
        return render_standard(policy)
    if isinstance(std, CappedStandard):
        if part == "base":
            return _render_payment(std.base, policy)
        if part == "scope":
            return std.scope.label
    value = getattr(std, part, None)
    if value is None:
        return "不限"
    if part in ("amount", "cap", "rate"):
        return f"{_yuan(value)}元"
    return str(value)
