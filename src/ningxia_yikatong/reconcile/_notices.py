"""Recipient notices (逐项告知): one text per paid item, for an SMS gateway.

The library never sends anything: it gives the embedding system the phone
number and the text, and the system passes them to its gateway.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from ..errors import ReconcileError
from ..identity import Phone, mask_phone
from ..policy import SubsidyPolicy
from ._matching import Reconciliation

__all__ = ["DEFAULT_NOTICE_TEMPLATE", "RecipientNotice", "recipient_notices"]

#: The default text. Placeholders: ``{subsidy}`` (policy name), ``{period}``
#: (period label), ``{amount}`` (yuan, 2 decimals), ``{last4}`` (last 4 digits
#: of the card), ``{card}`` (社会保障卡 or 银行卡), ``{date}`` (the day the bank
#: settled it, or empty when the return does not say).
DEFAULT_NOTICE_TEMPLATE: Final = (
    "您{period}的{subsidy}{amount}元已发放至尾号{last4}的{card}账户，请注意查收。"
)
_FIELDS: Final = frozenset({"subsidy", "period", "amount", "last4", "card", "date"})


@dataclass(frozen=True, slots=True)
class RecipientNotice:
    """The notice for one paid item: where to send it and what it says.

    ``phone`` is ``None`` when the beneficiary has no number on record, and a
    landline cannot take an SMS (:attr:`sendable` says which can).
    """

    seq: int
    phone: Phone | None
    text: str

    @property
    def sendable(self) -> bool:
        """Whether an SMS can go to :attr:`phone` (a mobile number)."""
        return self.phone is not None and self.phone.is_mobile

    def __repr__(self) -> str:
        phone = None if self.phone is None else mask_phone(self.phone)
        return f"RecipientNotice(seq={self.seq}, phone={phone!r}, text={self.text!r})"


def _check_template(template: object) -> None:
    if not isinstance(template, str):
        raise ReconcileError("告知短信模板应为文本", code="reconcile.notice_template")
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        raise ReconcileError("告知短信模板格式错误", code="reconcile.notice_template") from None
    unknown = names - _FIELDS
    if unknown:
        raise ReconcileError(
            f"告知短信模板中有未知的占位符：{'、'.join(sorted(unknown))}",
            code="reconcile.notice_template",
        )


def recipient_notices(
    reconciliation: Reconciliation,
    policy: SubsidyPolicy,
    *,
    template: str = DEFAULT_NOTICE_TEMPLATE,
) -> list[RecipientNotice]:
    """One :class:`RecipientNotice` per paid item, in ``seq`` order.

    The amount is the one the bank reports paying; the card is named by its
    last 4 digits only. ``policy`` must be the batch's policy.

    >>> text = DEFAULT_NOTICE_TEMPLATE.format(
    ...     subsidy="高龄津贴", period="2026年第1季度", amount="300.00",
    ...     last4="9012", card="社会保障卡", date="")
    >>> text
    '您2026年第1季度的高龄津贴300.00元已发放至尾号9012的社会保障卡账户，请注意查收。'
    """
    if not isinstance(reconciliation, Reconciliation):
        raise ReconcileError(
            "逐项告知需要对账结果（Reconciliation）", code="reconcile.not_reconciled"
        )
    if not isinstance(policy, SubsidyPolicy):
        raise ReconcileError(
            "逐项告知需要补贴政策（SubsidyPolicy）", code="reconcile.notice_policy"
        )
    if policy.code != reconciliation.batch.policy_code:
        raise ReconcileError(
            f"批次 {reconciliation.batch.batch_id} 属于政策 "
            f"{reconciliation.batch.policy_code}，不是 {policy.code}",
            code="reconcile.notice_policy",
        )
    _check_template(template)
    period = reconciliation.batch.period.label
    notices = []
    for result in reconciliation.paid:
        record = result.record
        beneficiary = result.item.beneficiary
        account = beneficiary.account
        amount: Decimal = result.item.amount if record is None else record.amount
        settled = None if record is None else record.settled_at
        values: Mapping[str, str] = {
            "subsidy": policy.name,
            "period": period,
            "amount": f"{amount:.2f}",
            "last4": account.number[-4:],
            "card": "社会保障卡" if account.is_yikatong else "银行卡",
            "date": "" if settled is None else f"{settled:%Y年%m月%d日}",
        }
        notices.append(RecipientNotice(result.seq, beneficiary.phone, template.format(**values)))
    return notices
