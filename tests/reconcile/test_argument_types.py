"""Every public function of ningxia_yikatong.reconcile refuses an argument of the wrong type
with a ReconcileError and a stable code, never a bare TypeError or AttributeError."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ningxia_yikatong.banks import PaymentFile, ReturnStatus
from ningxia_yikatong.errors import ReconcileError
from ningxia_yikatong.reconcile import (
    as_reversal,
    recipient_notices,
    reconcile,
    reconcile_chain,
    reissue,
    reissue_by_bank,
    summary_rows,
    to_csv,
    to_dict,
    to_json,
    to_xlsx,
)
from ningxia_yikatong.testing.policies import sample_policies

PAYMENT = PaymentFile(
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


def cases(kit: Any) -> list[tuple[str, Callable[[], object], str]]:
    batch: Any = kit.batch(2)
    rec: Any = reconcile(batch, kit.answer(batch, {2: ReturnStatus.FROZEN}))
    policy = next(p for p in sample_policies() if p.code == batch.policy_code)
    pay: Any = PAYMENT
    five: Any = 5
    raw: Any = [b"H|x"]
    return [
        ("reconcile/batch", lambda: reconcile(pay, []), "not_batch"),
        ("reconcile/returns", lambda: reconcile(batch, pay), "not_parsed"),
        ("reconcile/bytes", lambda: reconcile(batch, raw), "not_parsed"),
        ("reconcile/keys", lambda: reconcile(batch, [], trusted_keys=five), "trusted_keys_type"),
        ("merge", lambda: rec.merge(pay), "not_parsed"),
        ("as_reversal", lambda: as_reversal(pay), "not_parsed"),
        ("reissue/rec", lambda: reissue(batch, batch_id="R2"), "not_reconciled"),
        ("reissue/corrections", lambda: reissue(rec, five, batch_id="R2"), "correction_type"),
        ("reissue/batch_id", lambda: reissue(rec, batch_id=five), "batch_id_type"),
        ("reissue/seqs", lambda: reissue(rec, batch_id="R2", seqs=five), "seqs_type"),
        ("reissue/previous", lambda: reissue(rec, batch_id="R2", previous=[rec]), "previous_type"),
        ("reissue/pay_date", lambda: reissue(rec, batch_id="R2", pay_date=pay), "pay_date_type"),
        (
            "reissue/accept",
            lambda: reissue(rec, batch_id="R", accept_anomalies=five),
            "acceptance_type",
        ),
        ("reissue/payers", lambda: reissue(rec, batch_id="R2", payers=five), "payer_type"),
        ("reissue_by_bank", lambda: reissue_by_bank(pay, batch_id="R2"), "not_reconciled"),
        ("chain/original", lambda: reconcile_chain(batch), "chain_type"),
        ("chain/rounds", lambda: reconcile_chain(rec, five), "chain_type"),
        ("notices/rec", lambda: recipient_notices(pay, policy), "not_reconciled"),
        ("notices/policy", lambda: recipient_notices(rec, pay), "notice_policy"),
        (
            "notices/template",
            lambda: recipient_notices(rec, policy, template=five),
            "notice_template",
        ),
        ("to_xlsx", lambda: to_xlsx(pay), "not_reconciled"),
        ("to_csv", lambda: to_csv(batch), "not_reconciled"),
        ("to_csv/encoding", lambda: to_csv(rec, encoding=five), "export_encoding"),
        ("to_csv/no codec", lambda: to_csv(rec, encoding="no-such-codec"), "export_encoding"),
        ("to_csv/ascii", lambda: to_csv(rec, encoding="ascii"), "export_encoding"),
        ("to_dict", lambda: to_dict(pay), "not_reconciled"),
        ("to_json", lambda: to_json(five), "not_reconciled"),
        ("summary_rows", lambda: summary_rows(rec), "totals_type"),
    ]


def test_every_wrong_argument_gets_a_library_error(kit: Any) -> None:
    wrong = []
    for name, call, code in cases(kit):
        try:
            call()
        except ReconcileError as exc:
            if exc.code != f"reconcile.{code}" or not exc.message:
                wrong.append((name, exc.code))
        except Exception as exc:
            wrong.append((name, type(exc).__name__))
        else:
            wrong.append((name, "no error"))
    assert wrong == []
