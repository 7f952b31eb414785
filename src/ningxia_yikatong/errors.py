"""The library's exceptions.

Every error the library raises is a :class:`YikatongError`, which is a
:class:`ValueError`, so ``except ValueError`` keeps working in code that does not
know this library. Each error carries:

* ``code``: a stable, dotted identifier (``"amount.float"``, ``"id.checksum"``)
  that programs can branch on; it never changes between releases;
* ``message``: what is wrong, in Chinese for data-facing errors, so that it can be
  shown to department staff as it is;
* ``location``: where (file, line, row, record, column, field, element path),
  filled in by whichever layer knows it.

Messages never contain keys, and never contain full identity or account numbers:
where a value must be named it is masked.

The tree::

    YikatongError (ValueError)
    ├── InvalidValue                a value type refused its input
    │   ├── InvalidAmount           Amount: float, 3 decimals, <= 0, too large
    │   ├── InvalidIdNumber         ResidentIdNumber: length, date, checksum
    │   ├── InvalidName             PersonName: empty, digits, control characters
    │   ├── InvalidRegion           RegionCode: format, unknown code
    │   ├── InvalidAccount          account number, bank code
    │   ├── InvalidPhone            mobile phone number
    │   ├── InvalidPeriod           payout period (2026, 2026-Q1, 2026-03 ...)
    │   └── InvalidCode             policy code, batch id and other codes
    ├── ModelError                  a model as a whole is inconsistent
    │   └── CatalogError            policy catalog and its revisions
    ├── FileFormatError             a file could not be read or written
    │   ├── RosterError             roster (花名册) files
    │   ├── BankFileError           payment and return files of agent banks
    │   └── ReferenceDataError      reference data for the cross-checks
    ├── CryptoError                 signing, keys and sealed files
    │   ├── SignatureError          a signature did not verify
    │   ├── KeyLoadError            a key or certificate could not be loaded
    │   └── SealError               a sealed file could not be made or opened
    ├── AdapterError                bank adapter registry and configuration
    ├── CheckError                  cross-check (比对) engine
    ├── ReconcileError              reconciliation and reissue
    ├── LedgerError                 the payout ledger (台账): schema, claims, keys
    ├── WorkflowError               the payout lifecycle (流程): transitions, roles, time limits
    └── DisclosureError             public disclosure (公示): profiles, masks, windows
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar, Self

__all__ = [
    "AdapterError",
    "BankFileError",
    "CatalogError",
    "CheckError",
    "CryptoError",
    "DisclosureError",
    "ErrorDetail",
    "FileFormatError",
    "InvalidAccount",
    "InvalidAmount",
    "InvalidCode",
    "InvalidIdNumber",
    "InvalidName",
    "InvalidPeriod",
    "InvalidPhone",
    "InvalidRegion",
    "InvalidValue",
    "KeyLoadError",
    "LedgerError",
    "Location",
    "ModelError",
    "ReconcileError",
    "ReferenceDataError",
    "RosterError",
    "SealError",
    "SignatureError",
    "WorkflowError",
    "YikatongError",
]

_LABELS = {
    "file": "文件",
    "line": "第{}行",
    "row": "第{}行",
    "record": "第{}条记录",
    "column": "列“{}”",
    "field": "字段“{}”",
    "path": "位置 {}",
}


@dataclass(frozen=True, slots=True)
class Location:
    """Where an error happened; every part is optional.

    ``line`` counts physical lines of a text file, ``row`` rows of a table
    (spreadsheet or CSV, header row = 1), ``record`` records of a bank file,
    ``path`` an element path or JSON pointer.

    >>> str(Location(file="roster.csv", row=7, column="金额"))
    '文件 roster.csv 第7行 列“金额”'
    """

    file: str | None = None
    line: int | None = None
    row: int | None = None
    record: int | None = None
    column: str | None = None
    field: str | None = None
    path: str | None = None

    def merged(self, other: Location) -> Location:
        """This location with the parts ``other`` has and this one lacks."""
        changes = {
            f.name: getattr(other, f.name)
            for f in fields(self)
            if getattr(self, f.name) is None and getattr(other, f.name) is not None
        }
        return replace(self, **changes) if changes else self

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def __str__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            label = _LABELS[f.name]
            parts.append(f"{label} {value}" if "{}" not in label else label.format(value))
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One problem inside a larger error (a field of a model, a row of a file)."""

    code: str
    message: str
    location: Location = Location()

    def __str__(self) -> str:
        where = f"{self.location}：" if self.location else ""
        return f"{where}{self.message} [{self.code}]"


class YikatongError(ValueError):
    """Root of every error the library raises."""

    code: str = "yikatong"
    default_message: ClassVar[str] = "一卡通数据错误"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        location: Location | None = None,
        details: Iterable[ErrorDetail] = (),
        **where: Any,
    ) -> None:
        self.message = message or self.default_message
        if code is not None:
            self.code = code
        loc = location or Location()
        if where:
            loc = Location(**where).merged(loc)
        self.location = loc
        self.details: tuple[ErrorDetail, ...] = tuple(details)
        super().__init__(str(self))

    def at(self, location: Location | None = None, **where: Any) -> Self:
        """Add location parts this error does not have yet; returns ``self``.

        Used by outer layers: the amount parser knows the value was bad, the
        roster reader knows the row and column.
        """
        extra = Location(**where) if where else Location()
        if location is not None:
            extra = extra.merged(location)
        self.location = self.location.merged(extra)
        self.args = (str(self),)
        return self

    @property
    def detail(self) -> ErrorDetail:
        """This error as an :class:`ErrorDetail` (code, message, location)."""
        return ErrorDetail(self.code, self.message, self.location)

    def __str__(self) -> str:
        where = f"{self.location}：" if self.location else ""
        text = f"{where}{self.message} [{self.code}]"
        if self.details:
            shown = self.details[:20]
            text += "".join(f"\n  - {d}" for d in shown)
            if len(self.details) > len(shown):
                text += f"\n  …… 另有 {len(self.details) - len(shown)} 处错误"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild,
            (type(self), self.message, self.code, self.location, self.details),
        )


def _rebuild(
    cls: type[YikatongError],
    message: str,
    code: str,
    location: Location,
    details: tuple[ErrorDetail, ...],
) -> YikatongError:
    return cls(message, code=code, location=location, details=details)


class InvalidValue(YikatongError):
    """A value type refused its input."""

    code = "value.invalid"
    default_message = "数值无效"


class InvalidAmount(InvalidValue):
    code = "amount.invalid"
    default_message = "金额无效"


class InvalidIdNumber(InvalidValue):
    code = "id.invalid"
    default_message = "公民身份号码无效"


class InvalidName(InvalidValue):
    code = "name.invalid"
    default_message = "姓名无效"


class InvalidRegion(InvalidValue):
    code = "region.invalid"
    default_message = "行政区划代码无效"


class InvalidAccount(InvalidValue):
    code = "account.invalid"
    default_message = "银行账号无效"


class InvalidPhone(InvalidValue):
    code = "phone.invalid"
    default_message = "联系电话无效"


class InvalidPeriod(InvalidValue):
    code = "period.invalid"
    default_message = "发放期间无效"


class InvalidCode(InvalidValue):
    code = "code.invalid"
    default_message = "编码无效"


class ModelError(YikatongError):
    """A model as a whole is inconsistent, or its fields failed validation.

    When a model is built from data, every field problem is one entry of
    ``details``, with the field path as ``location.path``.
    """

    code = "model.invalid"
    default_message = "数据校验未通过"


class CatalogError(ModelError):
    code = "catalog.invalid"
    default_message = "补贴政策清单无效"


class FileFormatError(YikatongError):
    code = "file.invalid"
    default_message = "文件格式错误"


class RosterError(FileFormatError):
    code = "roster.invalid"
    default_message = "花名册格式错误"


class BankFileError(FileFormatError):
    code = "bankfile.invalid"
    default_message = "银行文件格式错误"


class ReferenceDataError(FileFormatError):
    code = "refdata.invalid"
    default_message = "比对参考数据错误"


class CryptoError(YikatongError):
    code = "crypto.error"
    default_message = "密码运算失败"


class SignatureError(CryptoError):
    code = "signature.invalid"
    default_message = "签名验证失败"


class KeyLoadError(CryptoError):
    code = "key.invalid"
    default_message = "密钥或证书无法加载"


class SealError(CryptoError):
    code = "seal.invalid"
    default_message = "数字信封无法打开"


class AdapterError(YikatongError):
    code = "adapter.error"
    default_message = "代发银行适配器错误"


class CheckError(YikatongError):
    code = "check.error"
    default_message = "比对规则错误"


class ReconcileError(YikatongError):
    code = "reconcile.error"
    default_message = "对账错误"


class LedgerError(YikatongError):
    """The payout ledger (发放台账): a database at another schema revision, a
    batch recorded twice with other content, an overlapping claim, a wrong data
    key, a broken audit chain."""

    code = "ledger.error"
    default_message = "发放台账错误"


class WorkflowError(YikatongError):
    """The payout lifecycle (发放流程): a step not allowed in the batch's state,
    an actor outside its role or region, a maker acting as checker, an approval
    of a changed batch, a time limit or calendar that cannot be used."""

    code = "workflow.error"
    default_message = "发放流程错误"


class DisclosureError(YikatongError):
    """Public disclosure (公示): a profile that would show too much, a notice
    window too short, a disclosure of a batch not at the right step."""

    code = "disclosure.error"
    default_message = "公示错误"
