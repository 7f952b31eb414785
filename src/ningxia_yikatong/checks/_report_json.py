"""Reading a check report (比对报告) back from its JSON data (``CheckReport.to_dict``)."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from typing import Any, Final

from ..errors import CheckError
from ._model import Finding, MissingDataOverride, RuleFailure, Severity

__all__ = ["report_fields"]

_HEX64: Final = re.compile(r"[0-9a-f]{64}")


def _bad(what: str) -> CheckError:
    return CheckError(f"比对报告数据有误：{what}", code="check.report_invalid")


def _get(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = data.get(key)
    if isinstance(value, bool) and kind is int:
        raise _bad(f"{where}{key} 应为整数")
    if not isinstance(value, kind):
        raise _bad(f"{where}{key} 缺失或类型不对")
    return value


def _opt(data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    return None if data.get(key) is None else _get(data, key, kind, where)


def _list(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise _bad(f"{key} 应为对象的列表")
    return value


def _severity(value: object, where: str) -> Severity:
    try:
        return Severity(str(value))
    except ValueError:
        raise _bad(f"{where}严重程度 {value!r} 无效") from None


def _evidence(value: object, where: str) -> dict[str, str | int]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str | int) and not isinstance(v, bool)
        for k, v in value.items()
    ):
        raise _bad(f"{where}evidence 应为文本或整数的对象")
    return dict(value)


def _at(value: object, where: str) -> _dt.datetime:
    try:
        at = _dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise _bad(f"{where}豁免时间 {value!r} 无效") from None
    return at


def report_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a :class:`CheckReport` from its ``to_dict`` data
    (``check.report_invalid`` naming what is wrong)."""
    if not isinstance(data, Mapping):
        raise _bad("应为对象")
    from ._report import RuleOutcome, RuleStatus  # noqa: PLC0415 - the module imports this one

    digest = _opt(data, "batch_digest", str, "")
    if digest is not None and not _HEX64.fullmatch(digest):
        raise _bad("batch_digest 应为64位小写十六进制")
    rules = []
    for n, r in enumerate(_list(data, "rules")):
        where = f"rules[{n}]."
        try:
            status = RuleStatus(_get(r, "status", str, where))
        except ValueError:
            raise _bad(f"{where}status 无效") from None
        rules.append(
            RuleOutcome(
                _get(r, "code", str, where),
                _get(r, "title", str, where),
                _severity(r.get("severity"), where),
                status,
                _get(r, "findings", int, where),
            )
        )
    findings = tuple(
        Finding(
            _get(f, "rule", str, f"findings[{n}]."),
            _get(f, "title", str, f"findings[{n}]."),
            _severity(f.get("severity"), f"findings[{n}]."),
            _get(f, "seq", int, f"findings[{n}]."),
            _get(f, "masked_id", str, f"findings[{n}]."),
            _get(f, "name", str, f"findings[{n}]."),
            _get(f, "message", str, f"findings[{n}]."),
            _evidence(f.get("evidence", {}), f"findings[{n}]."),
        )
        for n, f in enumerate(_list(data, "findings"))
    )
    failures = tuple(
        RuleFailure(
            _get(f, "rule", str, f"failures[{n}]."),
            _get(f, "title", str, f"failures[{n}]."),
            _get(f, "stage", str, f"failures[{n}]."),
            _get(f, "error", str, f"failures[{n}]."),
            _opt(f, "seq", int, f"failures[{n}]."),
        )
        for n, f in enumerate(_list(data, "failures"))
    )
    missing = tuple(
        (_get(m, "rule", str, f"missing_data[{n}]."), _get(m, "data", str, f"missing_data[{n}]."))
        for n, m in enumerate(_list(data, "missing_data"))
    )
    overrides = tuple(
        MissingDataOverride(
            _get(o, "rule", str, f"overrides[{n}]."),
            _get(o, "reason", str, f"overrides[{n}]."),
            _get(o, "by", str, f"overrides[{n}]."),
            _at(o.get("at"), f"overrides[{n}]."),
        )
        for n, o in enumerate(_list(data, "overrides"))
    )
    return {
        "batch_id": _get(data, "batch_id", str, ""),
        "policy_code": _get(data, "policy_code", str, ""),
        "period": _get(data, "period", str, ""),
        "item_count": _get(data, "item_count", int, ""),
        "rules": tuple(rules),
        "findings": findings,
        "failures": failures,
        "missing_data": missing,
        "overrides": overrides,
        "batch_digest": digest,
    }
