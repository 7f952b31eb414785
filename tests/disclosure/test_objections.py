"""Objections and requests: received, answered in time, blocking the items they object to."""

from __future__ import annotations

import datetime as _dt

import pytest

from ningxia_yikatong.disclosure import (
    Objection,
    ObjectionStatus,
    blocking_seqs,
    unanswered,
)
from ningxia_yikatong.errors import DisclosureError

T = _dt.datetime(2026, 3, 26, 10, tzinfo=_dt.UTC)


def _objection(oid: str, seq: int | None = 7, kind: str = "objection", days: int = 15) -> Objection:
    return Objection.receive(
        objection_id=oid, kind=kind, channel="in_person", batch_id="GS2", seq=seq,
        text="此人户籍已迁出", at=T, answer_days=days,
    )  # fmt: skip


def test_an_open_or_upheld_objection_blocks_its_item() -> None:
    open_one = _objection("YY-1", 7)
    upheld = _objection("YY-2", 8).answer(reply="属实", upheld=True, by="李审核", at=T)
    rejected = _objection("YY-3", 9).answer(reply="不属实", upheld=False, by="李审核", at=T)
    consult = _objection("ZX-1", 10, kind="consultation")
    whole = _objection("YY-4", None)
    assert blocking_seqs([open_one, upheld, rejected, consult, whole], "GS2") == {7, 8}
    assert blocking_seqs([open_one], "OTHER") == frozenset()
    assert rejected.status is ObjectionStatus.REJECTED
    assert consult.answer(reply="按政策执行", by="王", at=T).status.label == "已答复"


def test_answers_are_checked() -> None:
    o = _objection("YY-1")
    cases = [
        ({"reply": " ", "by": "李", "at": T, "upheld": True}, "disclosure.objection_reply"),
        ({"reply": "属实", "by": "李", "at": T}, "disclosure.objection_reply"),
        (
            {"reply": "x", "by": "李", "at": T - _dt.timedelta(1), "upheld": True},
            "disclosure.clock",
        ),
    ]
    for kwargs, code in cases:
        with pytest.raises(DisclosureError) as excinfo:
            o.answer(**kwargs)  # type: ignore[arg-type]
        assert excinfo.value.code == code
    done = o.answer(reply="属实", upheld=True, by="李", at=T)
    with pytest.raises(DisclosureError) as excinfo:
        done.answer(reply="再答", upheld=False, by="李", at=T)
    assert excinfo.value.code == "disclosure.objection_closed"
    with pytest.raises(DisclosureError) as excinfo:
        _objection("ZX-1", kind="complaint").answer(reply="x", upheld=True, by="李", at=T)
    assert excinfo.value.code == "disclosure.objection_reply"


def test_receiving_is_checked() -> None:
    for kwargs, code in (
        ({"text": " "}, "disclosure.objection_text"),
        ({"at": _dt.datetime(2026, 3, 26)}, "disclosure.clock"),
        ({"answer_days": 0}, "disclosure.objection_due"),
    ):
        args = {"objection_id": "Y", "kind": "objection", "channel": "phone", "batch_id": "GS2",
                "text": "x", "at": T} | kwargs  # fmt: skip
        with pytest.raises(DisclosureError) as excinfo:
            Objection.receive(**args)  # type: ignore[arg-type]
        assert excinfo.value.code == code


def test_unanswered_in_time_is_late() -> None:
    a = _objection("YY-1", days=5)
    b = _objection("YY-2", days=10)
    c = _objection("YY-3", days=5).answer(reply="属实", upheld=True, by="李", at=T)
    on = _dt.date(2026, 4, 9)
    assert [o.objection_id for o in unanswered([a, b, c], on=on)] == ["YY-1", "YY-2"]
    assert a.days_late(on) == 9
    assert c.days_late(on) == 0
