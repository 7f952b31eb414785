"""recipient_notices(): one 逐项告知 text per paid item."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from ningxia_yikatong import PolicyCode
from ningxia_yikatong.banks._model import ReturnStatus
from ningxia_yikatong.errors import ReconcileError
from ningxia_yikatong.policy import SubsidyPolicy
from ningxia_yikatong.reconcile import DEFAULT_NOTICE_TEMPLATE, recipient_notices, reconcile
from ningxia_yikatong.testing.policies import sample_policies

S = ReturnStatus


def policy(code: str = "NX-GLJT") -> SubsidyPolicy:
    base = next(p for p in sample_policies() if p.code == PolicyCode("NX-GLJT"))
    return base.model_copy(update={"code": PolicyCode(code)})


def test_one_notice_per_paid_item(kit: Any) -> None:
    batch = kit.batch(5)
    rec = reconcile(batch, kit.answer(batch, {2: S.FROZEN, 3: S.PENDING}))
    notices = recipient_notices(rec, policy())
    assert [n.seq for n in notices] == [1, 4, 5]
    first = notices[0]
    account = batch.items[0].beneficiary.account.number
    assert first.text == (
        f"您2026年第1季度的{policy().name}101.50元已发放至尾号{account[-4:]}的社会保障卡账户，"
        "请注意查收。"
    )
    assert str(account) not in first.text
    assert first.phone == batch.items[0].beneficiary.phone
    assert first.sendable
    # item 3 has no phone on record; item 4 is paid to an ordinary bank card
    assert "银行卡" in notices[1].text
    assert str(first.phone) not in repr(first)


def test_amount_is_what_the_bank_paid_and_date_is_available(kit: Any) -> None:
    batch = kit.batch(1)
    record = dataclasses.replace(
        kit.record(batch.items[0]),
        amount=Decimal("99.00"),
        settled_at=dt.datetime(2026, 3, 21, 9, 30),
    )
    rec = reconcile(batch, kit.bank_return(batch, [record]))
    (notice,) = recipient_notices(rec, policy(), template="{date}{subsidy}{amount}元")
    assert notice.text == f"2026年03月21日{policy().name}99.00元"


def test_without_phone(kit: Any) -> None:
    batch = kit.batch(3)
    rec = reconcile(batch, kit.answer(batch))
    notices = recipient_notices(rec, policy())
    assert notices[2].phone is None
    assert not notices[2].sendable


def test_policy_must_be_the_batch_policy(kit: Any) -> None:
    batch = kit.batch(1)
    rec = reconcile(batch, kit.answer(batch))
    with pytest.raises(ReconcileError) as info:
        recipient_notices(rec, policy("NX-OTHER"))
    assert info.value.code == "reconcile.notice_policy"
    with pytest.raises(ReconcileError):
        recipient_notices(rec, "NX-GLJT")  # type: ignore[arg-type]


@pytest.mark.parametrize("template", ["{name}", "{subsidy.__class__}", "{", "{0}"])
def test_bad_templates(kit: Any, template: str) -> None:
    batch = kit.batch(1)
    rec = reconcile(batch, kit.answer(batch))
    with pytest.raises(ReconcileError) as info:
        recipient_notices(rec, policy(), template=template)
    assert info.value.code == "reconcile.notice_template"


def test_default_template_names_every_part() -> None:
    for part in ("{subsidy}", "{period}", "{amount}", "{last4}"):
        assert part in DEFAULT_NOTICE_TEMPLATE
