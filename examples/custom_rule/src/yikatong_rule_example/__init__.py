"""A department's own cross-check (比对规则), registered through an entry point.

The plan asks that every recipient be told of each payment (逐项告知), usually
by SMS. A recipient without a mobile number cannot be told; this rule lists
them so that the village can collect a number before the batch is paid. It is
an ``info`` finding by default: it does not stop the batch.
"""

from __future__ import annotations

from typing import ClassVar

from ningxia_yikatong.checks import CheckContext, Problem, RuleRun, Severity
from ningxia_yikatong.payout import PayoutBatch, PayoutItem
from ningxia_yikatong.policy import SubsidyPolicy

__all__ = ["SMS_NOTICE", "SmsNoticeRule"]


class SmsNoticeRule:
    """Recipients without a mobile phone for the SMS notice (无法短信告知)."""

    code: ClassVar[str] = "sms_notice"
    title: ClassVar[str] = "无法短信告知"
    default_severity: ClassVar[Severity] = Severity.INFO

    def begin(self, batch: PayoutBatch, policy: SubsidyPolicy, context: CheckContext) -> RuleRun:
        """Prepare once per batch; the check below runs once per item."""
        what = f"{batch.period.label}{policy.name}"

        def check(item: PayoutItem) -> Problem | None:
            phone = item.beneficiary.phone
            if phone is not None and phone.is_mobile:
                return None
            reason = "未登记联系电话" if phone is None else "登记的是固定电话"
            return Problem(
                f"{reason}，无法短信告知{what}的发放情况；请补充本人手机号码",
                {"phone": "none" if phone is None else "landline"},
            )

        return RuleRun(check=check)


#: The instance the entry point names.
SMS_NOTICE = SmsNoticeRule()
