"""The published list of subsidy policies (补贴政策清单, "一张清单管制度").

The plan asks every level to list its subsidy policies, merge those with the
same or similar goals (整合), publish the list and adjust it every year. A
:class:`PolicyCatalog` is that list over time: an immutable sequence of
:class:`CatalogRevision` objects (版本), each with a version number, the date it takes
effect, the date it was published, a note, and its policies keyed by code.

* :meth:`PolicyCatalog.revise` / :meth:`PolicyCatalog.with_revision` return a
  new catalog with one more revision; nothing is changed in place;
* :meth:`PolicyCatalog.revision_on` is the revision in force on a day;
* :func:`diff` lists added, removed and changed policies between two revisions,
  field by field;
* :func:`overlaps` finds pairs of policies with the same category and target
  whose regions and periods overlap: candidates for merging;
* exports: JSON (exact round trip), CSV (UTF-8 with BOM, for Excel) and XLSX,
  with Chinese headers (:data:`PUBLIC_COLUMNS`).

>>> from ningxia_yikatong.testing.policies import sample_catalog
>>> catalog = sample_catalog()
>>> [r.version for r in catalog.revisions]
[1, 2]
>>> import datetime
>>> catalog.revision_on(datetime.date(2023, 6, 1)).version
1
>>> d = catalog.diff()
>>> [p.name for p in d.added], [p.name for p in d.removed]
(['实际种粮农民一次性补贴'], ['畜牧良种补贴'])
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Annotated, Final, Self

from pydantic import Field, JsonValue, model_validator

from ._model import DomainModel
from .codes import PolicyCode
from .errors import CatalogError, ErrorDetail, Location, YikatongError
from .policy import (
    DeclaredStandard,
    FixedStandard,
    Frequency,
    FundingShares,
    PerUnitStandard,
    PolicyCategory,
    SubsidyPolicy,
    Target,
    Tier,
    TieredStandard,
)
from .regions import RegionCode

__all__ = [
    "PUBLIC_COLUMNS",
    "CatalogDiff",
    "CatalogRevision",
    "FieldChange",
    "Overlap",
    "PolicyCatalog",
    "PolicyChange",
    "diff",
    "overlaps",
    "public_rows",
    "render_age_limits",
    "render_funding",
    "render_regions",
    "render_standard",
]


# --------------------------------------------------------------------------- errors


def _raise_problems(problems: list[ErrorDetail], summary: str, code: str) -> None:
    if not problems:
        return
    if len(problems) == 1:
        only = problems[0]
        raise CatalogError(only.message, code=only.code, location=only.location)
    raise CatalogError(f"{summary}：{len(problems)}处问题", code=code, details=problems)


class _CatalogModel(DomainModel):
    """A domain model whose errors are :class:`CatalogError` with every problem kept."""

    _error_class = CatalogError


# --------------------------------------------------------------------------- revisions


class CatalogRevision(_CatalogModel):
    """One published version (版本) of the list.

    ``policies`` keep their published order; codes are unique. Refused with a
    :class:`CatalogError` (all problems of a revision are listed in
    ``details``): a repeated code (``catalog.duplicate_code``); a policy whose
    ``exclusive_with`` names a code not in this revision
    (``catalog.unknown_exclusive``) or that does not name it back
    (``catalog.exclusive_asymmetric``: exclusion is mutual, and the published
    list must say so on both policies); a policy that expired before the
    revision takes effect (``catalog.policy_expired``).
    """

    version: Annotated[int, Field(ge=1)]
    effective_from: _dt.date
    published_on: _dt.date
    note: Annotated[str, Field(max_length=500)] = ""
    policies: tuple[SubsidyPolicy, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems: list[ErrorDetail] = []
        seen: dict[str, int] = {}
        for index, policy in enumerate(self.policies):
            if policy.code in seen:
                problems.append(
                    ErrorDetail(
                        "catalog.duplicate_code",
                        f"政策编码 {policy.code} 重复"
                        f"（第{seen[policy.code] + 1}项与第{index + 1}项）",
                        Location(path=f"policies[{index}].code"),
                    )
                )
            else:
                seen[policy.code] = index
        by_code = {p.code: p for p in self.policies}
        for index, policy in enumerate(self.policies):
            for j, other in enumerate(policy.exclusive_with):
                where = Location(path=f"policies[{index}].exclusive_with[{j}]")
                partner = by_code.get(other)
                if partner is None:
                    problems.append(
                        ErrorDetail(
                            "catalog.unknown_exclusive",
                            f"政策 {policy.code}（{policy.name}）的互斥政策 {other} 不在本版清单中",
                            where,
                        )
                    )
                elif policy.code not in partner.exclusive_with:
                    problems.append(
                        ErrorDetail(
                            "catalog.exclusive_asymmetric",
                            f"政策 {policy.code} 与 {other} 互斥，但 {other}（{partner.name}）"
                            f"未列出 {policy.code}",
                            where,
                        )
                    )
            if policy.effective_to is not None and policy.effective_to < self.effective_from:
                problems.append(
                    ErrorDetail(
                        "catalog.policy_expired",
                        f"政策 {policy.code}（{policy.name}）已于{policy.effective_to.isoformat()}"
                        f"失效，早于本版清单生效日期{self.effective_from.isoformat()}",
                        Location(path=f"policies[{index}].effective_to"),
                    )
                )
        _raise_problems(problems, f"第{self.version}版清单", "catalog.revision_invalid")
        return self

    @property
    def by_code(self) -> Mapping[PolicyCode, SubsidyPolicy]:
        """The policies keyed by code (read-only), in published order.

        Built on each access rather than cached: ``model_copy(update=...)``
        copies an instance's cached values, which would then be stale.
        """
        return MappingProxyType({p.code: p for p in self.policies})

    @property
    def codes(self) -> tuple[PolicyCode, ...]:
        """The policy codes in published order."""
        return tuple(p.code for p in self.policies)

    def get(self, code: str) -> SubsidyPolicy | None:
        """The policy with ``code`` (any case), or ``None``."""
        try:
            return self.by_code.get(PolicyCode(code))
        except YikatongError:
            return None

    def policy(self, code: str) -> SubsidyPolicy:
        """The policy with ``code``; ``catalog.unknown_code`` if the revision has none."""
        found = self.get(code)
        if found is None:
            raise CatalogError(
                f"第{self.version}版清单中没有政策 {code}",
                code="catalog.unknown_code",
                field="code",
            )
        return found

    def overlaps(self) -> list[Overlap]:
        """Merge candidates in this revision (see :func:`overlaps`)."""
        return overlaps(self)

    def export_csv(self) -> bytes:
        """The public list as CSV: UTF-8 with BOM (so Excel opens it), CRLF line ends.

        A text cell that would start with ``= + - @``, a tab or a carriage return
        (a formula to a spreadsheet) is written with a leading apostrophe, the usual guard
        against formula injection; no other value is changed.
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(PUBLIC_COLUMNS)
        writer.writerows([_csv_safe(cell) for cell in row] for row in public_rows(self))
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")

    def export_xlsx(self, *, title: str = "补贴政策清单") -> bytes:
        """The public list as an XLSX workbook (bytes).

        Sheet ``补贴政策清单``: the header row (:data:`PUBLIC_COLUMNS`) and one
        row per policy, every cell text; sheet ``版本信息``: title, version,
        effective and publication dates, note.
        """
        return _write_xlsx(self, title)


#: First characters that make a spreadsheet read a cell as a formula.
_FORMULA_STARTS: Final = frozenset("=+-@\t\r")


def _csv_safe(cell: str) -> str:
    return "'" + cell if cell[:1] in _FORMULA_STARTS else cell


# --------------------------------------------------------------------------- catalog


class PolicyCatalog(_CatalogModel):
    """The published list over time: revisions ordered by effective date.

    Versions and effective dates both increase strictly from one revision to
    the next (``catalog.version_order``, ``catalog.effective_order``); each
    revision is checked as :class:`CatalogRevision` says. The catalog is
    immutable: :meth:`revise` and :meth:`with_revision` return a new one.
    """

    title: Annotated[str, Field(min_length=1, max_length=100)] = "惠民惠农财政补贴政策清单"
    revisions: tuple[CatalogRevision, ...] = ()

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        problems: list[ErrorDetail] = []
        for index, (before, after) in enumerate(
            zip(self.revisions, self.revisions[1:], strict=False), 1
        ):
            if after.version <= before.version:
                problems.append(
                    ErrorDetail(
                        "catalog.version_order",
                        f"版本号应逐版递增：第{index + 1}项为第{after.version}版，"
                        f"前一项为第{before.version}版",
                        Location(path=f"revisions[{index}].version"),
                    )
                )
            if after.effective_from <= before.effective_from:
                problems.append(
                    ErrorDetail(
                        "catalog.effective_order",
                        f"第{after.version}版的生效日期{after.effective_from.isoformat()}"
                        f"应晚于第{before.version}版的{before.effective_from.isoformat()}",
                        Location(path=f"revisions[{index}].effective_from"),
                    )
                )
        _raise_problems(problems, "补贴政策清单版本顺序有误", "catalog.order")
        return self

    # ----------------------------------------------------------------- building

    def with_revision(self, revision: CatalogRevision) -> PolicyCatalog:
        """A new catalog with ``revision`` appended (it must come after the last)."""
        return PolicyCatalog(title=self.title, revisions=(*self.revisions, revision))

    def revise(
        self,
        effective_from: _dt.date,
        *,
        published_on: _dt.date | None = None,
        note: str = "",
        add: Iterable[SubsidyPolicy] = (),
        change: Iterable[SubsidyPolicy] = (),
        remove: Iterable[str] = (),
    ) -> PolicyCatalog:
        """A new catalog with the next revision, made from the latest one.

        ``remove`` drops policies by code, ``change`` replaces policies with
        new versions of the same code, ``add`` appends new ones. Naming a code
        the latest revision lacks (in ``remove`` or ``change``) is
        ``catalog.unknown_code``; adding one it has is ``catalog.duplicate_code``.
        ``published_on`` defaults to ``effective_from``.
        """
        base = self.revisions[-1] if self.revisions else None
        current: dict[PolicyCode, SubsidyPolicy] = dict(base.by_code) if base else {}
        problems: list[ErrorDetail] = []
        for code in remove:
            key = _code_or_problem(code, "remove", problems)
            if key is None:
                continue
            if current.pop(key, None) is None:
                problems.append(
                    ErrorDetail(
                        "catalog.unknown_code",
                        f"要删除的政策 {key} 不在当前清单中",
                        Location(field="remove"),
                    )
                )
        for policy in change:
            if policy.code not in current:
                problems.append(
                    ErrorDetail(
                        "catalog.unknown_code",
                        f"要修改的政策 {policy.code} 不在当前清单中",
                        Location(field="change"),
                    )
                )
            else:
                current[policy.code] = policy
        for policy in add:
            if policy.code in current:
                problems.append(
                    ErrorDetail(
                        "catalog.duplicate_code",
                        f"要新增的政策 {policy.code} 已在清单中",
                        Location(field="add"),
                    )
                )
            else:
                current[policy.code] = policy
        _raise_problems(problems, "清单修订内容有误", "catalog.revise")
        revision = CatalogRevision(
            version=base.version + 1 if base else 1,
            effective_from=effective_from,
            published_on=published_on or effective_from,
            note=note,
            policies=tuple(current.values()),
        )
        return self.with_revision(revision)

    # ----------------------------------------------------------------- looking up

    @property
    def latest(self) -> CatalogRevision:
        """The last revision (possibly not yet in force); ``catalog.empty`` if none."""
        if not self.revisions:
            raise CatalogError("补贴政策清单还没有任何版本", code="catalog.empty")
        return self.revisions[-1]

    @property
    def current(self) -> CatalogRevision:
        """The revision in force today (:meth:`revision_on` of today's date)."""
        return self.revision_on(_dt.date.today())

    def revision_on(self, day: _dt.date) -> CatalogRevision:
        """The revision in force on ``day``: the last one effective on or before it.

        ``catalog.not_in_force`` when ``day`` precedes the first revision.
        """
        found = None
        for revision in self.revisions:
            if revision.effective_from > day:
                break
            found = revision
        if found is None:
            raise CatalogError(
                f"{day.isoformat()}没有生效的补贴政策清单", code="catalog.not_in_force"
            )
        return found

    def revision(self, version: int) -> CatalogRevision:
        """The revision with this version number; ``catalog.unknown_version`` otherwise."""
        for revision in self.revisions:
            if revision.version == version:
                return revision
        raise CatalogError(f"补贴政策清单没有第{version}版", code="catalog.unknown_version")

    def policy(self, code: str, *, on: _dt.date | None = None) -> SubsidyPolicy:
        """The policy ``code`` as listed in the revision in force ``on`` (default today)."""
        return self.revision_on(on or _dt.date.today()).policy(code)

    def diff(self, old: int | None = None, new: int | None = None) -> CatalogDiff:
        """:func:`diff` between two versions; by default the last two revisions.

        With a single revision, everything in it is "added".
        """
        new_rev = self.latest if new is None else self.revision(new)
        if old is None:
            index = self.revisions.index(new_rev)
            old_rev = self.revisions[index - 1] if index > 0 else None
        else:
            old_rev = self.revision(old)
        return diff(old_rev, new_rev)

    def export_json(self, *, indent: int | None = 2) -> str:
        """The whole catalog as JSON; :meth:`model_validate_json` reads it back equal."""
        return self.model_dump_json(indent=indent)


def _code_or_problem(value: str, field: str, problems: list[ErrorDetail]) -> PolicyCode | None:
    try:
        return PolicyCode(value)
    except YikatongError as exc:
        problems.append(ErrorDetail(exc.code, exc.message, Location(field=field)))
        return None


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
    "standard.condition": "补贴标准（分档条件）",
    "standard.tiers": "补贴标准（档次）",
    "standard.cap": "补贴标准（上限）",
    "funding.central": "资金分担（中央）",
    "funding.region": "资金分担（自治区）",
    "funding.city": "资金分担（市）",
    "funding.county": "资金分担（县）",
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


def diff(old: CatalogRevision | None, new: CatalogRevision) -> CatalogDiff:
    """Added, removed and changed policies from ``old`` to ``new``.

    Policies are matched by code; a change of order alone is no difference.
    Fields are compared by their JSON values;
    ``standard`` and ``funding`` are compared per subfield
    (``standard.rate``, ``funding.county`` ...), except that a standard whose
    kind changed (fixed → tiered, say) is one change of the whole
    ``standard``; tuples (``tiers``, ``regions``) are compared as a whole.
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
    value = getattr(std, part, None)
    if value is None:
        return "不限"
    if part in ("amount", "cap", "rate"):
        return f"{_yuan(value)}元"
    return str(value)


# --------------------------------------------------------------------------- overlaps


class Overlap(DomainModel):
    """Two policies with the same category and target whose regions and periods
    overlap: a candidate for merging (整合).

    ``regions`` are where both apply (the narrower code of each overlapping
    pair); ``period_start``/``period_end`` the days both are in force
    (``period_end`` ``None``: open-ended).
    """

    first: PolicyCode
    second: PolicyCode
    first_name: str
    second_name: str
    category: PolicyCategory
    target: Target
    regions: tuple[RegionCode, ...]
    period_start: _dt.date
    period_end: _dt.date | None
    reason: str


def overlaps(revision: CatalogRevision) -> list[Overlap]:
    """Pairs of policies in ``revision`` with the same or similar goals.

    Two policies overlap when they have the same category and target, some
    applicable region of one contains (or is) one of the other's
    (:meth:`RegionCode.contains`), and their effective periods share a day.
    Pairs are listed in the revision's order. Overlap is a prompt to review,
    not an error: 困难残疾人生活补贴 and 重度残疾人护理补贴, for instance,
    overlap by this measure and are kept apart on purpose.
    """
    found: list[Overlap] = []
    policies = revision.policies
    for i, a in enumerate(policies):
        for b in policies[i + 1 :]:
            if a.category is not b.category or a.target is not b.target:
                continue
            shared = _shared_regions(a.regions, b.regions)
            if not shared:
                continue
            start = max(a.effective_from, b.effective_from)
            ends = [d for d in (a.effective_to, b.effective_to) if d is not None]
            end = min(ends) if ends else None
            if end is not None and end < start:
                continue
            period = f"{start.isoformat()}至{end.isoformat() if end else '长期'}"
            reason = (
                f"“{a.name}”与“{b.name}”同属{a.category.label}类、均按{a.target.label}补贴，"
                f"在{render_regions(shared)}的执行期间（{period}）重叠，可研究整合"
            )
            if b.code in a.exclusive_with:
                reason += "（两项政策已设为互斥）"
            found.append(
                Overlap(
                    first=a.code,
                    second=b.code,
                    first_name=a.name,
                    second_name=b.name,
                    category=a.category,
                    target=a.target,
                    regions=shared,
                    period_start=start,
                    period_end=end,
                    reason=reason,
                )
            )
    return found


def _shared_regions(
    left: tuple[RegionCode, ...], right: tuple[RegionCode, ...]
) -> tuple[RegionCode, ...]:
    shared: dict[RegionCode, None] = {}
    for a in left:
        for b in right:
            if a.contains(b):
                shared[b] = None
            elif b.contains(a):
                shared[a] = None
    return tuple(shared)


# --------------------------------------------------------------------------- rendering

#: Column headers of the public list (CSV and XLSX), in order.
PUBLIC_COLUMNS: Final = (
    "政策编码",
    "政策名称",
    "类别",
    "主管部门",
    "政策依据",
    "补贴对象",
    "补贴标准",
    "资金分担",
    "发放频次",
    "办理时限（天）",
    "适用区域",
    "年龄条件",
    "生效日期",
    "失效日期",
    "是否通过一卡通发放",
    "是否排除财政供养人员",
    "互斥政策",
    "政策目标",
    "清单版本",
)

_PER_PERIOD: Final[Mapping[Frequency, str]] = {
    Frequency.MONTHLY: "每月",
    Frequency.QUARTERLY: "每季度",
    Frequency.HALF_YEARLY: "每半年",
    Frequency.YEARLY: "每年",
    Frequency.ONCE: "一次性",
}


def _yuan(value: Decimal) -> str:
    """Yuan for display: whole yuan without decimals, else at least two places."""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    text = f"{value:f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def _number(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _percent(share: Decimal) -> str:
    return f"{_number(share * 100)}%"


def _render_tiers(tiers: tuple[Tier, ...], frequency: Frequency) -> str:
    per = _PER_PERIOD[frequency]
    parts = []
    for tier in sorted(tiers, key=lambda t: t.min_age or 0):
        lo, hi = tier.min_age, tier.max_age
        if lo is not None and hi is not None:
            band = f"{lo}-{hi}岁" if lo != hi else f"{lo}岁"
        elif lo is not None:
            band = f"{lo}岁及以上"
        elif hi is not None:
            band = f"{hi}岁及以下"
        else:
            band = "不限年龄"
        parts.append(f"{band}{per}{_yuan(tier.amount)}元")
    return "；".join(parts)


def render_standard(policy: SubsidyPolicy) -> str:
    """The policy's standard in Chinese, as the public list shows it.

    >>> from ningxia_yikatong.testing.policies import sample_policies
    >>> [render_standard(p) for p in sample_policies()[2:4]]
    ['80-89岁每月100元；90-99岁每月200元；100岁及以上每月500元', '据实申报，上限每月800元']
    """
    std = policy.standard
    per = _PER_PERIOD[policy.frequency]
    if isinstance(std, FixedStandard):
        return f"{per}{_yuan(std.amount)}元"
    if isinstance(std, PerUnitStandard):
        text = f"每{std.unit}{_yuan(std.rate)}元"
        if std.max_quantity is not None:
            who = "每户" if policy.target is Target.HOUSEHOLD else "每人"
            text += f"，{who}最多{_number(std.max_quantity)}{std.unit}"
        return text
    if isinstance(std, TieredStandard):
        return _render_tiers(std.tiers, policy.frequency)
    assert isinstance(std, DeclaredStandard)
    per = "" if policy.frequency is Frequency.ONCE else per
    return f"据实申报，上限{per}{_yuan(std.cap)}元"


def render_funding(funding: FundingShares) -> str:
    """Funding shares in Chinese, levels with a zero share left out.

    >>> from decimal import Decimal
    >>> render_funding(FundingShares(central=Decimal("0.8"), region=Decimal("0.2")))
    '中央80%、自治区20%'
    """
    parts = [
        f"{label}{_percent(share)}"
        for label, share in (
            ("中央", funding.central),
            ("自治区", funding.region),
            ("市", funding.city),
            ("县", funding.county),
        )
        if share
    ]
    return "、".join(parts)


def render_regions(regions: Iterable[RegionCode]) -> str:
    """Region names; codes below county level are shown as county name and code.

    >>> render_regions([RegionCode("640000")]), render_regions([RegionCode("640122101")])
    ('宁夏回族自治区', '贺兰县640122101')
    """
    return "、".join(r.name if len(r) == 6 else f"{r.name}{r}" for r in regions)


def render_age_limits(min_age: int | None, max_age: int | None) -> str:
    """Age limits in Chinese: ``80岁及以上``, ``18-60岁``, ``不限``."""
    if min_age is not None and max_age is not None:
        return f"{min_age}-{max_age}岁"
    if min_age is not None:
        return f"{min_age}岁及以上"
    if max_age is not None:
        return f"{max_age}岁及以下"
    return "不限"


def public_rows(revision: CatalogRevision) -> list[tuple[str, ...]]:
    """One row of text per policy, in the order of :data:`PUBLIC_COLUMNS`."""
    by_code = revision.by_code
    rows: list[tuple[str, ...]] = []
    for p in revision.policies:
        exclusive = "、".join(
            f"{by_code[c].name}（{c}）" if c in by_code else str(c) for c in p.exclusive_with
        )
        rows.append(
            (
                str(p.code),
                p.name,
                p.category.label,
                p.department,
                p.legal_basis,
                p.target.label,
                render_standard(p),
                render_funding(p.funding),
                p.frequency.label,
                str(p.time_limit_days),
                render_regions(p.regions),
                render_age_limits(p.min_age, p.max_age),
                p.effective_from.isoformat(),
                p.effective_to.isoformat() if p.effective_to else "长期有效",
                "是" if p.requires_yikatong else "否",
                "是" if p.excludes_public_payroll else "否",
                exclusive or "无",
                p.goal,
                str(revision.version),
            )
        )
    return rows


#: Characters XML 1.0 (so XLSX) cannot hold: C0 controls other than tab, LF, CR.
_XML_ILLEGAL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XLSX_CELL_MAX: Final = 32767


def _check_xlsx_text(
    sheet: str, rows: list[tuple[str, ...]], header: tuple[str, ...], first_row: int
) -> list[ErrorDetail]:
    """Text that XLSX cannot hold as it is (openpyxl would raise, or cut a cell at
    32,767 characters), found before anything is written."""
    problems: list[ErrorDetail] = []
    for number, row in enumerate(rows, first_row):
        for column, value in zip(header, row, strict=True):
            where = Location(row=number, column=column)
            bad = _XML_ILLEGAL.search(value)
            if bad is not None:
                problems.append(
                    ErrorDetail(
                        "catalog.xlsx_character",
                        f"工作表“{sheet}”中有XLSX无法保存的控制字符 U+{ord(bad.group()):04X}",
                        where,
                    )
                )
            if len(value) > _XLSX_CELL_MAX:
                problems.append(
                    ErrorDetail(
                        "catalog.xlsx_cell_too_long",
                        f"工作表“{sheet}”中的内容有{len(value)}个字符，"
                        f"超过XLSX单元格上限{_XLSX_CELL_MAX}",
                        where,
                    )
                )
    return problems


def _write_xlsx(revision: CatalogRevision, title: str) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 - only needed for this export
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
    from openpyxl.cell.cell import Cell  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415

    rows = public_rows(revision)
    info_rows = [
        ("清单名称", title),
        ("版本", str(revision.version)),
        ("生效日期", revision.effective_from.isoformat()),
        ("发布日期", revision.published_on.isoformat()),
        ("说明", revision.note),
        ("政策数", str(len(revision.policies))),
    ]
    _raise_problems(
        _check_xlsx_text("补贴政策清单", rows, PUBLIC_COLUMNS, 2)
        + _check_xlsx_text("版本信息", [(v,) for _, v in info_rows], ("B",), 1),
        "清单无法导出为XLSX",
        "catalog.xlsx_text",
    )

    book = Workbook(write_only=True)
    sheet = book.create_sheet("补贴政策清单")
    widths = (14, 26, 14, 18, 40, 8, 36, 24, 8, 12, 24, 12, 12, 12, 16, 18, 24, 36, 8)
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def text_cell(value: str, *, header: bool = False) -> Cell:
        cell = WriteOnlyCell(sheet, value=value)
        # Always text: a value starting with "=" must not become a formula.
        cell.data_type = "s"
        if header:
            cell.font = bold
        return cell

    sheet.append([text_cell(h, header=True) for h in PUBLIC_COLUMNS])
    for row in rows:
        sheet.append([text_cell(v) for v in row])
    info = book.create_sheet("版本信息")
    for key, value in info_rows:
        info.append([text_cell(key, header=True), text_cell(value)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
