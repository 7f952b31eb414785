"""Every public function and method refuses an argument of the wrong type with
the library's own error (a :class:`~ningxia_yikatong.errors.YikatongError`),
never a bare ``TypeError``, ``AttributeError``, ``KeyError`` or pydantic's
``ValidationError`` from deep inside.

The sweep is generic: for each public callable of the modules below it reads the
signature and the type hints, and calls it once per parameter and per wrong
value (an int, bytes, a str, an ``object()``, ``None``, a ``PaymentFile`` of the
wrong class), with every other required argument valid (from ``valid``).
A wrong value the hint accepts is skipped; a call that succeeds is fine.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import importlib
import inspect
import random
import types
import typing
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from pydantic import BaseModel

from ningxia_yikatong import Amount, Period, PersonName, Phone, RegionCode, ResidentIdNumber
from ningxia_yikatong.banks import PaymentFile
from ningxia_yikatong.checks import (
    CheckContext,
    Households,
    PriorPayouts,
    Severity,
    SeverityOverrides,
    default_rules,
    household_member,
    prior_payout,
    run_checks,
)
from ningxia_yikatong.disclosure import (
    DisclosureProfile,
    NoticeWindow,
    Objection,
    QueryScope,
    QueryToken,
)
from ningxia_yikatong.errors import YikatongError
from ningxia_yikatong.policy import CappedStandard
from ningxia_yikatong.roster import read_roster
from ningxia_yikatong.signing import (
    HmacSigner,
    RsaSigner,
    generate_rsa_key,
    generate_sm2_key,
    load_certificate,
    seal,
    signer_for,
)
from ningxia_yikatong.testing import RosterRow, SyntheticData, write_roster_csv
from ningxia_yikatong.testing.policies import (
    sample_catalog,
    sample_policies,
    sample_standard_policies,
)
from ningxia_yikatong.workflow import (
    Actor,
    Case,
    Lifecycle,
    LifecycleRules,
    PayoutSchedule,
    Role,
    TimeLimit,
    WorkCalendar,
)

MODULES = (
    "ningxia_yikatong",
    "ningxia_yikatong.roster",
    "ningxia_yikatong.checks",
    "ningxia_yikatong.catalog",
    "ningxia_yikatong.signing",
    "ningxia_yikatong.payout",
    "ningxia_yikatong.testing",
    "ningxia_yikatong.banks",
    "ningxia_yikatong.workflow",
    "ningxia_yikatong.disclosure",
)

# Not a valid file descriptor, so that an int taken for a file cannot write anywhere.
_INT = 1_000_003
_PAYMENT = PaymentFile(
    bank="psbc",
    batch_id="B1",
    main="PSBC_DF_B1.txt",
    files={"PSBC_DF_B1.txt": b"x"},
    count=1,
    total=Decimal("1.00"),
    digest="00",
    digest_algorithm="SM3",
    signature_algorithm="SM2-SM3",
    key_fingerprint="ab",
)
WRONG: tuple[object, ...] = (_INT, b"x", "x", object(), None, _PAYMENT)

# Covered by their own sweeps (tests/banks/test_adapter.py, tests/banks/test_simulator.py,
# tests/reconcile/test_argument_types.py): the adapter contract and the simulator.
_ELSEWHERE = {
    "BankAdapter",
    "RecordFileAdapter",
    "XmlBankAdapter",
    "JsonBankAdapter",
    "BankSimulator",
    "RecordFormat",
}
# Protocols and abstract bases: nothing to call.
_ABSTRACT = {"Signer", "Verifier", "Rule"}


def _cert(key: Any) -> Any:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sweep")])
    begin = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    built = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(begin)
        .not_valid_after(begin + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return load_certificate(built.public_bytes(serialization.Encoding.DER))


@dataclasses.dataclass
class World:
    """Valid arguments by parameter name, and an instance of each class to call methods on."""

    valid: dict[str, object]
    instances: dict[str, object]


def _world(tmp: Path) -> World:
    data = SyntheticData(seed=7)
    policy = next(p for p in sample_policies() if p.target.name == "PERSON")
    batch = data.batch(3, policy=policy)
    item = batch.items[0]
    catalog: Any = sample_catalog()
    revision = catalog.revisions[-1]
    roster_path = tmp / "roster.csv"
    write_roster_csv(roster_path, batch.items)
    result = read_roster(roster_path)
    ref_path = tmp / "ref.csv"
    ref_path.write_text("a,b\n1,2\n", encoding="utf-8")
    sm2 = generate_sm2_key()
    rsa_key = generate_rsa_key(2048)
    cert = _cert(rsa_key)
    sm2_signer: Any = signer_for(sm2)
    rsa_signer = RsaSigner(rsa_key)
    hmac = HmacSigner(b"k" * 32)
    capped = next(
        p.standard for p in sample_standard_policies() if isinstance(p.standard, CappedStandard)
    )
    report = run_checks(batch, policy)
    member = household_member("H1", str(item.beneficiary.id_number), "马兰", True)
    prior = prior_payout("P1", "2025", str(item.beneficiary.id_number), "10.00", "B0")
    rules: Any = default_rules()
    valid: dict[str, object] = {
        "source": roster_path,
        "path": ref_path,
        "required": ("a",),
        "optional": (),
        "batch": batch,
        "policy": policy,
        "context": CheckContext(),
        "item": item,
        "seq": 1,
        "seqs": [1],
        "batch_id": "B2",
        "revision": revision,
        "old": revision,
        "new": revision,
        "std": capped,
        "entries": (),
        "funding": policy.funding,
        "regions": (RegionCode("640000"),),
        "min_age": 60,
        "max_age": 80,
        "household_id": "H1",
        "id_number": str(item.beneficiary.id_number),
        "name": "马兰",
        "is_head": True,
        "policy_code": "P1",
        "period": Period("2025"),
        "amount": "10.00",
        "code": "R.1",
        "title": "标题",
        "severity": Severity.BLOCK,
        "text": "AAAA",
        "table": "success 0000 成功",
        "data": b"data",
        "algorithm": "sm3",
        "bits": 2048,
        "scheme": "SM2-SM3",
        "key": sm2,
        "private_key": sm2,
        "recipient": sm2.public_key(),
        "blob": seal(b"x", sm2.public_key()),
        "password": None,
        "variable": "NINGXIA_YIKATONG_NO_SUCH_VARIABLE",
        "signer": sm2_signer,
        "verifier": sm2_signer.verifier(),
        "signature": sm2_signer.sign(b"data"),
        "document": b"<a>1</a>",
        "certificate": cert,
        "rng": random.Random(1),
        "county": "640122",
        "birth_date": dt.date(1950, 1, 1),
        "target": tmp / "out.csv",
        "rows": (),
        "fen": 100,
        "other": "640122",
        "encoding": "gbk",
        "day": dt.date(2026, 1, 1),
        "effective_from": dt.date(2030, 1, 1),
        "version": 1,
        "region": "640122",
        "beneficiary": item.beneficiary,
        "on": dt.date(2026, 1, 1),
        "age": 70,
        "rule": "R.1",
        "reason": "理由",
        "by": "张三",
        "bank": "psbc",
        "members": (member,),
        "payouts": (prior,),
        "default": Severity.BLOCK,
        "n": 2,
        "surname": "马",
        "config": None,
        "payer_account": str(batch.payer_account),
        "payer_name": batch.payer_name,
        "scalar": sm2.private_bytes_raw(),
        "ningxia_yikatong.signing.RsaVerifier.public_key": rsa_key.public_key(),
        "ningxia_yikatong.signing.Sm2Verifier.public_key": sm2.public_key(),
        "at": None,
    }
    instances: dict[str, object] = {
        "AccountNumber": item.beneficiary.account.number,
        "Amount": Amount("1.00"),
        "PayoutBatch": batch,
        "Period": Period("2026"),
        "PersonName": PersonName("马兰"),
        "Phone": Phone("13900000000"),
        "PolicyCatalog": catalog,
        "RegionCode": RegionCode("640122"),
        "ResidentIdNumber": ResidentIdNumber(str(item.beneficiary.id_number)),
        "RosterResult": result,
        "SubsidyPolicy": policy,
        "CheckContext": CheckContext(),
        "CheckReport": report,
        "FunctionRule": rules.rules[0],
        "Households": Households.from_members([member]),
        "PriorPayouts": PriorPayouts([prior]),
        "RuleSet": rules,
        "SeverityOverrides": SeverityOverrides(),
        "CatalogRevision": revision,
        "CatalogDiff": catalog.diff(),
        "Certificate": cert,
        "HmacSigner": hmac,
        "HmacVerifier": hmac.verifier(),
        "RsaSigner": rsa_signer,
        "RsaVerifier": rsa_signer.verifier(),
        "Sm2PrivateKey": sm2,
        "Sm2PublicKey": sm2.public_key(),
        "Sm2Signer": sm2_signer,
        "Sm2Verifier": sm2_signer.verifier(),
        "RosterRow": RosterRow.from_item(item),
        "SyntheticData": data,
    }
    _add_lifecycle_world(valid, instances, batch, report)
    return World(valid, instances)


def _add_lifecycle_world(
    valid: dict[str, object], instances: dict[str, object], batch: Any, report: Any
) -> None:
    """Valid arguments and instances of the lifecycle and disclosure layers."""
    at = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    actor = Actor(actor_id="a1", name="李审核", role=Role.DEPT_REVIEWER, region="640000")
    rules = LifecycleRules(time_limit=TimeLimit(days=10))
    life = Lifecycle.of(batch, department="自治区民政厅", rules=rules)
    case = Case.open(
        case_id="ZG-1", source="finding", subject="B#1", description="d", region="640000",
        owner=actor, due=dt.date(2026, 3, 20), by=actor, at=at,
    )  # fmt: skip
    objection = Objection.receive(
        objection_id="Y1", kind="objection", channel="phone", batch_id=str(batch.batch_id),
        text="异议", at=at, seq=1,
    )  # fmt: skip
    profile = DisclosureProfile(policy_code=str(batch.policy_code))
    window = NoticeWindow(start=dt.date(2026, 3, 25), days=7)
    valid.update(
        {
            "actor": actor,
            "owner": actor,
            "rules": rules,
            "department": "自治区民政厅",
            "step": "declare",
            "due": dt.date(2026, 3, 20),
            "note": "说明",
            "accepted": True,
            "reply": "答复",
            "start": dt.date(2026, 1, 1),
            "end": dt.date(2026, 12, 31),
            "after": dt.date(2026, 1, 1),
            "count": 3,
            "lifecycles": (life,),
            "cases": (case,),
            "objections": (objection,),
            "report": report,
            "profile": profile,
            "window": window,
            "kind": "before_payment",
            "upper": None,
            "lowers": (),
            "disclosure": None,
            "url": "https://example.org/q",
            "token": "v1.batch.B1.1.x",
            "expires": at,
            "case_id": "ZG-2",
            "subject": "B#1",
            "description": "d",
            "objection_id": "Y2",
            "channel": "phone",
            "reconciliation": None,
            "lifecycle": life,
            "life": life,
            "ningxia_yikatong.workflow.Lifecycle.apply.at": at,
            "ningxia_yikatong.workflow.Case.open.at": at,
            "ningxia_yikatong.workflow.Case.fix.at": at,
            "ningxia_yikatong.workflow.Case.verify.at": at,
            "ningxia_yikatong.workflow.Case.assign.at": at,
            "ningxia_yikatong.disclosure.Objection.receive.at": at,
            "ningxia_yikatong.disclosure.Objection.answer.at": at,
            "ningxia_yikatong.disclosure.read_token.now": at,
            "ningxia_yikatong.disclosure.issue_token.key": bytes(32),
            "ningxia_yikatong.disclosure.read_token.key": bytes(32),
            "ningxia_yikatong.disclosure.issue_token.target": "B1",
            "ningxia_yikatong.disclosure.issue_token.scope": "batch",
        }
    )
    instances.update(
        {
            "Actor": actor,
            "Lifecycle": life,
            "LifecycleRules": rules,
            "TimeLimit": TimeLimit(days=10),
            "WorkCalendar": WorkCalendar(),
            "PayoutSchedule": PayoutSchedule(frequency="monthly"),
            "Case": case,
            "Objection": objection,
            "DisclosureProfile": profile,
            "NoticeWindow": window,
            "QueryToken": QueryToken(QueryScope.BATCH, "B1", at),
        }
    )


def _hints(func: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(func)
    except Exception:
        return {}


def _accepts(hint: Any, value: object) -> bool:
    """Whether ``hint`` admits ``value`` (unknown hints admit nothing, so every value is tried)."""
    if hint is Any or hint is object:
        return False
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        return _accepts(args[0], value)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(a, value) for a in args)
    if origin is typing.Literal:
        return value in args
    if hint is None or hint is type(None):
        return value is None
    if origin is not None and callable(hint) and "Callable" in str(hint):
        return callable(value)
    kind = origin if isinstance(origin, type) else hint
    if not isinstance(kind, type):
        return False
    try:
        return isinstance(value, kind)
    except TypeError:
        return False


def _callables(world: World) -> Iterator[tuple[str, Callable[..., Any], bool]]:
    """(name, callable, is a constructor of a pydantic model)."""
    seen: set[int] = set()
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if id(obj) in seen or name in _ELSEWHERE or name in _ABSTRACT:
                continue
            seen.add(id(obj))
            if inspect.isfunction(obj):
                yield f"{module_name}.{name}", obj, False
            elif inspect.isclass(obj):
                yield from _class_callables(world, module_name, name, obj)


def _class_callables(
    world: World, module_name: str, name: str, cls: type
) -> Iterator[tuple[str, Callable[..., Any], bool]]:
    if issubclass(cls, BaseException | enum.Enum):
        return
    if issubclass(cls, BaseModel):
        yield f"{module_name}.{name}", cls, True
    elif not (
        dataclasses.is_dataclass(cls)
        or issubclass(cls, tuple)
        or getattr(cls, "_is_protocol", False)
    ):
        yield f"{module_name}.{name}", cls, False
    instance = world.instances.get(name)
    for attr, raw in vars(cls).items():
        if attr.startswith("_"):
            continue
        if isinstance(raw, classmethod | staticmethod):
            yield f"{module_name}.{name}.{attr}", getattr(cls, attr), False
        elif inspect.isfunction(raw) and len(inspect.signature(raw).parameters) > 1:
            assert instance is not None, f"no instance of {name} for its method {attr}"
            yield f"{module_name}.{name}.{attr}", getattr(instance, attr), False


def _sweep(world: World) -> tuple[list[str], list[str]]:
    escapes: list[str] = []
    unsampled: list[str] = []
    for label, func, is_model in _callables(world):
        if is_model:
            model: Any = func
            for field in model.model_fields:
                for wrong in WRONG:
                    _call(
                        escapes,
                        f"{label}({field}={type(wrong).__name__})",
                        func,
                        (),
                        {field: wrong},
                    )
            continue
        signature = inspect.signature(func)
        hints = _hints(func.__init__ if inspect.isclass(func) else func)
        params = [
            p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD
        ]
        for target in params:
            for wrong in WRONG:
                hint = hints.get(target.name)
                if hint is not None and _accepts(hint, wrong):
                    continue
                args: list[object] = []
                kwargs: dict[str, object] = {}
                missing = False
                for p in params:
                    if p is target:
                        value = wrong
                    elif (
                        p.default is not inspect.Parameter.empty
                        or p.kind is inspect.Parameter.VAR_POSITIONAL
                    ):
                        continue
                    elif f"{label}.{p.name}" in world.valid:
                        value = world.valid[f"{label}.{p.name}"]
                    elif p.name in world.valid:
                        value = world.valid[p.name]
                    else:
                        missing = True
                        break
                    if p.kind is inspect.Parameter.KEYWORD_ONLY:
                        kwargs[p.name] = value
                    else:
                        args.append(value)
                if missing:
                    unsampled.append(f"{label}: {target.name}")
                    break
                _call(
                    escapes,
                    f"{label}({target.name}={type(wrong).__name__})",
                    func,
                    tuple(args),
                    kwargs,
                )
    return escapes, unsampled


def _call(
    escapes: list[str],
    label: str,
    func: Callable[..., Any],
    args: tuple[object, ...],
    kwargs: dict[str, object],
) -> None:
    try:
        result = func(*args, **kwargs)
        if inspect.isgenerator(result) or isinstance(result, Iterator):
            for _ in result:
                pass
        close = getattr(result, "close", None)
        if callable(close):
            close()
    except YikatongError:
        return
    except Exception as exc:
        escapes.append(f"{label}: {type(exc).__name__}: {str(exc)[:80]}")


def test_no_wrong_argument_type_escapes_as_a_foreign_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    world = _world(tmp_path)
    escapes, unsampled = _sweep(world)
    assert unsampled == []
    assert escapes == []
