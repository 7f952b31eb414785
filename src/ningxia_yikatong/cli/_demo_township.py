"""The demo's township batch (乡镇批次): a few people of one township of
贺兰县, declared by the township, paid through a bank the demo already uses.

It shows the roles the region-wide batches do not need (村/乡镇经办, 乡镇审核,
a county's 主管部门审核 and 财政审批), and the bank freezes one account: that
item stays unpaid, awaiting the account's unfreezing, so the overdue report
has an item past its due date (超时未发).
"""

from __future__ import annotations

from collections.abc import Set
from typing import Final

from ..banks import OutcomeRules, ReturnStatus
from ..checks import CheckContext, run_checks
from ..payout import PayoutBatch
from ..policy import SubsidyPolicy
from ..regions import RegionCode
from ..testing import SyntheticData
from ._demo_actors import PAY_DATE, PERIOD, TOWN_COUNTY
from ._demo_bank import BankDesk
from ._demo_runs import TownRun, say

__all__ = ["TOWN_FOLDER", "pay_township"]

#: People of the township batch (at most; those of the township drawn).
TOWN_SIZE: Final = 5
#: The county finance bureau's account the township batch is paid from.
TOWN_PAYER_ACCOUNT: Final = "10400101040067890"
TOWN_FOLDER: Final = "05-乡镇批次"


def township_batch(
    seed: int, policy: SubsidyPolicy, bank: str, *, taken: Set[str] = frozenset()
) -> PayoutBatch:
    """A batch of up to :data:`TOWN_SIZE` people of one township of
    :data:`TOWN_COUNTY`, the same for a seed whatever the roster's size: people
    of the county drawn, those of the first one's township (9 digits) kept, but
    not anyone whose ID number is ``taken`` (on the roster already)."""
    data = SyntheticData(seed=seed, counties=[TOWN_COUNTY], banks=[bank], yikatong_share=1.0)
    drawn = [
        item
        for item in data.items(8 * TOWN_SIZE, policy=policy, period=PERIOD, bank=bank)
        if str(item.beneficiary.id_number) not in taken
    ]
    township = str(drawn[0].beneficiary.region)[:9]
    mine = [i for i in drawn if str(i.beneficiary.region).startswith(township)][:TOWN_SIZE]
    county = RegionCode(TOWN_COUNTY)
    return PayoutBatch(
        batch_id=f"TK{PERIOD.replace('-', '')}-{township}",
        policy_code=policy.code,
        period=PERIOD,
        region=township,
        agent_bank=bank,
        payer_account=TOWN_PAYER_ACCOUNT,
        payer_name=f"{county.name}财政局",
        pay_date=PAY_DATE,
        items=[item.model_copy(update={"seq": n}) for n, item in enumerate(mine, 1)],
    )


def pay_township(
    desk: BankDesk,
    *,
    seed: int,
    policy: SubsidyPolicy,
    context: CheckContext,
    taken: Set[str] = frozenset(),
) -> TownRun:
    """Draw the township batch (nobody ``taken``), check it, and pay it through
    ``desk``, whose bank freezes the last person's account."""
    batch = township_batch(seed, policy, desk.code, taken=taken)
    folder = f"{TOWN_FOLDER}/{batch.batch_id}"
    report = run_checks(batch, policy, context)
    desk.out.write(f"{folder}/{batch.batch_id}-比对结果.json", report.to_json(indent=2))
    reportable = desk.adapter.reportable_statuses
    frozen = next(
        (s for s in (ReturnStatus.FROZEN, ReturnStatus.ACCOUNT_NOT_FOUND) if s in reportable),
        None,
    )
    last = batch.items[-1]
    if frozen is not None:
        desk.simulator.rules = OutcomeRules(accounts={str(last.beneficiary.account.number): frozen})
    round_ = desk.pay(batch, folder, 1)
    held = tuple(r.seq for r in round_.reconciliation.failed)
    desk.out.write(
        f"{folder}/逐项告知短信.txt", "\n".join(f"{n.phone}\t{n.text}" for n in round_.notices)
    )
    status = "账户冻结" if frozen is ReturnStatus.FROZEN else "发放失败"
    say(
        f"乡镇批次 {batch.batch_id}（{RegionCode(TOWN_COUNTY).name}乡镇 {batch.region}，"
        f"{batch.count} 人、{batch.total:,} 元）经同一代发银行发放："
        + (
            f"第 {'、'.join(map(str, held))} 条{status}，待解冻后再发，本期不补发。"
            if held
            else "全部到账。"
        )
    )
    return TownRun(report=report, round=round_, held=held)
