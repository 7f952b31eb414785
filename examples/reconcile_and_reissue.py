"""Reconcile a bank return, correct accounts, reissue the failures, reconcile again.

Runs on synthetic data with the bank simulator playing 宁夏黄河农村商业银行
(NXRCB); nothing leaves the machine. Usage::

    python examples/reconcile_and_reissue.py [OUTPUT_DIR]

With OUTPUT_DIR, the reconciliation of each round is written there as XLSX,
CSV and JSON, and the reissue batch as JSON.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from ningxia_yikatong import BankAccount, PayoutBatch
from ningxia_yikatong.banks import BankSimulator, OutcomeRules, ReturnStatus, get_adapter
from ningxia_yikatong.reconcile import (
    AccountCorrection,
    Reconciliation,
    recipient_notices,
    reconcile,
    reconcile_chain,
    reissue,
    summary_rows,
    to_csv,
    to_json,
    to_xlsx,
)
from ningxia_yikatong.signing import Sm2Signer, generate_sm2_key
from ningxia_yikatong.testing import SyntheticData
from ningxia_yikatong.testing.policies import ELDERLY_ALLOWANCE, sample_policies

S = ReturnStatus


def show(title: str, rec: Reconciliation) -> None:
    print(f"== {title}：批次 {rec.batch.batch_id}（第{rec.batch.round}轮）")
    for label, count, amount in summary_rows(rec.totals):
        print(f"{label.strip()}：{count} 笔，{amount} 元")
    print(f"异常 {len(rec.anomalies)} 处")


def save(out: Path | None, rec: Reconciliation) -> None:
    if out is None:
        return
    stem = f"{rec.batch.batch_id}-对账"
    (out / f"{stem}.xlsx").write_bytes(to_xlsx(rec))
    (out / f"{stem}.csv").write_bytes(to_csv(rec))
    (out / f"{stem}.json").write_text(to_json(rec, indent=2), encoding="utf-8")


def pay(bank: BankSimulator, batch: PayoutBatch, department: Sm2Signer) -> dict[str, bytes]:
    """Render and sign the payment file, and let the simulated bank pay it."""
    payment = bank.adapter.render(batch, department)
    return bank.process(payment)


def main(out: Path | None) -> None:
    policy = next(p for p in sample_policies() if p.code == ELDERLY_ALLOWANCE)
    data = SyntheticData(seed=2026)
    batch = data.batch(200, policy=policy, bank="nxrcb", period="2026-Q1", batch_id="GLJT2026Q1")
    adapter = get_adapter("nxrcb")
    department = Sm2Signer(generate_sm2_key())  # the finance department's key
    bank_key = Sm2Signer(generate_sm2_key())  # the bank's key, known to us by its public half
    verifier = bank_key.verifier()

    # Round 1: the bank bounces some accounts.
    closed = {str(batch.items[i].beneficiary.account.number) for i in (3, 17, 42)}
    rules = OutcomeRules(
        accounts=dict.fromkeys(closed, S.CLOSED),
        shares={S.ACCOUNT_NOT_FOUND: Decimal("0.02"), S.FROZEN: Decimal("0.01")},
    )
    bank = BankSimulator(adapter, bank_key, department.verifier(), seed=1, rules=rules)
    files = pay(bank, batch, department)
    bank_return = adapter.parse_return(files, verifier, batch_id=batch.batch_id)
    first = reconcile(batch, bank_return, trusted_keys={verifier.key_fingerprint})
    show("第一轮对账", first)
    save(out, first)

    # Staff correct the accounts that do not exist or were closed (the person
    # brings a new social-security-card account); frozen ones are paid as they are.
    corrections = []
    for n, result in enumerate(first.failed):
        if result.status in (S.ACCOUNT_NOT_FOUND, S.CLOSED):
            old = result.item.beneficiary.account
            new = BankAccount(
                number=data.account("nxrcb"), bank=old.bank, holder_name=old.holder_name
            )
            corrections.append(AccountCorrection(result.seq, new, note=f"更正{n + 1}"))
    second_batch = reissue(first, corrections, batch_id="GLJT2026Q1-R2")
    reissued = second_batch.batch
    print(
        f"补发批次 {reissued.batch_id}：{reissued.count} 笔，"
        f"更正账户 {len(second_batch.corrections)} 笔，上级批次 {reissued.parent_batch_id}"
    )
    # A closed or non-existent account is never sent again unchanged: without a
    # correction such an item would be held here, with the reason.
    for held in second_batch.held:
        print(f"  待更正：第{held.seq}笔（{held.status.label}）{held.reason}")
    if out is not None:
        (out / "GLJT2026Q1-R2.json").write_text(
            second_batch.batch.model_dump_json(indent=2), encoding="utf-8"
        )

    # Round 2: the corrected accounts are paid; the same bank refuses a batch id twice.
    bank2 = BankSimulator(adapter, bank_key, department.verifier(), seed=2)
    files2 = pay(bank2, second_batch.batch, department)
    second = reconcile(second_batch.batch, adapter.parse_return(files2, verifier))
    show("第二轮对账", second)
    save(out, second)

    chain = reconcile_chain(first, [(second_batch, second)])
    t = chain.totals
    print(
        f"== 合并对账：已发放 {t.paid.count} 笔 {t.paid.amount} 元，"
        f"仍失败 {t.failed.count} 笔，重复发放 {len(chain.double_payments)} 笔"
    )
    notices = recipient_notices(first, policy) + recipient_notices(second, policy)
    sendable = [n for n in notices if n.sendable]
    print(f"逐项告知短信 {len(sendable)} 条（无手机号 {len(notices) - len(sendable)} 人）")
    print(f"示例：{notices[0].text}")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    if target is not None:
        target.mkdir(parents=True, exist_ok=True)
    main(target)
