"""Import a roster (花名册): generate a small synthetic one, read it, make a batch.

Run it with ``python examples/roster_import.py``. It writes a roster of
synthetic people (fictitious ID and card numbers) to a temporary directory,
adds one deliberately bad row, reads the file back, prints rows and totals and
the errors of the bad row, and turns the valid rows into a payout batch.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ningxia_yikatong import read_roster
from ningxia_yikatong.testing import SyntheticData, write_roster_csv
from ningxia_yikatong.testing.policies import ELDERLY_ALLOWANCE, sample_policies


def main() -> None:
    policy = next(p for p in sample_policies() if p.code == ELDERLY_ALLOWANCE)
    data = SyntheticData(seed=2026, rare_name_share=0.05)
    rows = list(data.roster_rows(8, policy=policy, bank="psbc", period="2026-03"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "高龄津贴花名册.csv"
        write_roster_csv(path, rows, encoding="gb18030")
        # A row typed by hand: a digit in the name, a wrong check digit, no region
        # code, a card number failing its Luhn check and an amount with 3 decimals.
        with path.open("a", encoding="gb18030", newline="") as fh:
            fh.write(
                "马小2,640122193001010011,,,,6217991234567890123,"
                "中国邮政储蓄银行,是,,100.005,2026年3月高龄津贴\r\n"
            )
        result = read_roster(path)

    print(f"encoding: {result.encoding}")
    print(f"rows read: {result.rows_read}, valid: {result.valid_count}, "
          f"rejected: {result.rejected_count}")  # fmt: skip
    print(f"total of valid rows: {result.total} yuan")
    for item in result.items[:3]:
        b = item.beneficiary
        print(f"  #{item.seq} {b.name.masked()} {b.id_number.masked()} {item.amount}")
    for rejected in result.rejected:
        for error in rejected.errors:
            print(f"row {rejected.row}, column {error.location.column}: "
                  f"{error.code} {error.message}")  # fmt: skip

    batch = result.to_batch(
        batch_id="GLJT-2026-03",
        policy_code=policy.code,
        period="2026-03",
        region="640000",
        payer_account="64001234567890123",
        payer_name="宁夏回族自治区财政厅惠民惠农补贴专户",
        allow_rejected=True,  # the bad row goes back to the village for correction
    )
    print(
        f"batch {batch.batch_id}: {batch.count} items, {batch.total} yuan, bank {batch.agent_bank}"
    )
    wrong = sum(batch.expected_amount(item, policy) != item.amount for item in batch)
    print(f"items not at the policy's standard: {wrong}")


if __name__ == "__main__":
    main()
