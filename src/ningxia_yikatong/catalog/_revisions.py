"""Revisions (版本) of the published list and the list over time."""

from __future__ import annotations

import csv
import datetime as _dt
import io
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Final, Self

from pydantic import Field, model_validator

from .._arguments import checked
from ..codes import PolicyCode
from ..errors import CatalogError, ErrorDetail, Location, YikatongError
from ..policy import SubsidyPolicy
from ._base import _CatalogModel, _raise_problems
from ._diff import diff
from ._overlaps import overlaps
from ._render import PUBLIC_COLUMNS, public_rows
from ._xlsx import _write_xlsx

if TYPE_CHECKING:
    from ._diff import CatalogDiff
    from ._overlaps import Overlap

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

    @checked(CatalogError, "catalog")
    def get(self, code: str) -> SubsidyPolicy | None:
        """The policy with ``code`` (any case), or ``None``."""
        try:
            return self.by_code.get(PolicyCode(code))
        except YikatongError:
            return None

    @checked(CatalogError, "catalog")
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

    @checked(CatalogError, "catalog")
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

    @checked(CatalogError, "catalog")
    def with_revision(self, revision: CatalogRevision) -> PolicyCatalog:
        """A new catalog with ``revision`` appended (it must come after the last)."""
        return PolicyCatalog(title=self.title, revisions=(*self.revisions, revision))

    @checked(CatalogError, "catalog")
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

    @checked(CatalogError, "catalog")
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

    @checked(CatalogError, "catalog")
    def revision(self, version: int) -> CatalogRevision:
        """The revision with this version number; ``catalog.unknown_version`` otherwise."""
        for revision in self.revisions:
            if revision.version == version:
                return revision
        raise CatalogError(f"补贴政策清单没有第{version}版", code="catalog.unknown_version")

    @checked(CatalogError, "catalog")
    def policy(self, code: str, *, on: _dt.date | None = None) -> SubsidyPolicy:
        """The policy ``code`` as listed in the revision in force ``on`` (default today)."""
        return self.revision_on(on or _dt.date.today()).policy(code)

    @checked(CatalogError, "catalog")
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

    @checked(CatalogError, "catalog")
    def export_json(self, *, indent: int | None = 2) -> str:
        """The whole catalog as JSON; :meth:`model_validate_json` reads it back equal."""
        return self.model_dump_json(indent=indent)


def _code_or_problem(value: str, field: str, problems: list[ErrorDetail]) -> PolicyCode | None:
    try:
        return PolicyCode(value)
    except YikatongError as exc:
        problems.append(ErrorDetail(exc.code, exc.message, Location(field=field)))
        return None
