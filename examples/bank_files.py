"""Render one synthetic batch for each of the four built-in agent banks, let the
bank simulator answer, and read the return files (回盘).

Run: python examples/bank_files.py [OUT_DIR]

With OUT_DIR, the payment and return files (with their .sig files) are written
there so that they can be opened and inspected.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from ningxia_yikatong.banks import BankSimulator, OutcomeRules, ReturnStatus, get_adapter
from ningxia_yikatong.signing import (
    RsaSigner,
    Sm2Signer,
    generate_rsa_key,
    generate_sm2_key,
    native_stderr_silenced,
)
from ningxia_yikatong.testing import SyntheticData


def keys(scheme: str) -> tuple[Sm2Signer | RsaSigner, Sm2Signer | RsaSigner]:
    """The department's and the bank's signing keys for a scheme."""
    if scheme == "SM2-SM3":
        return Sm2Signer(generate_sm2_key()), Sm2Signer(generate_sm2_key())
    return RsaSigner(generate_rsa_key()), RsaSigner(generate_rsa_key())


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    rules = OutcomeRules(
        shares={
            ReturnStatus.CLOSED: "0.04",
            ReturnStatus.NAME_MISMATCH: "0.02",
            ReturnStatus.CARD_NOT_ACTIVATED: "0.02",
        }
    )
    for code in ("nxrcb", "psbc", "abc", "icbc"):
        adapter = get_adapter(code)
        department, bank = keys(adapter.signature_scheme)
        batch = SyntheticData(seed=2026).batch(100, bank=code, batch_id=f"DEMO-{code.upper()}")
        payment = adapter.render(batch, department)
        simulator = BankSimulator(adapter, bank, department.verifier(), seed=1, rules=rules)
        with native_stderr_silenced():
            returned = simulator.process(payment)
        result = adapter.parse_return(returned, bank.verifier(), batch_id=batch.batch_id)
        print(f"== {adapter.name}（{code}）")
        print(f"付款文件：{payment.main}，{payment.count} 笔，{payment.total} 元")
        print(f"签名：{payment.signature_algorithm}")
        main_return = next(name for name in returned if not name.endswith(".sig"))
        print(f"回盘文件：{main_return}，{result.count} 笔，{result.total} 元")
        counts = Counter(record.status for record in result.records)
        for status in ReturnStatus:
            if counts[status]:
                print(f"  {status.label}：{counts[status]} 笔")
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            for name, data in {**payment.files, **returned}.items():
                (out / name).write_bytes(data)


if __name__ == "__main__":
    main()
