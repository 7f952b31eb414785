"""Eight processes approve overlapping batches at once, 20 rounds on each backend:
exactly one claim per person, every batch fully approved or refused naming the
clashing people, nothing lost, the audit chain whole."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ningxia_yikatong.codes import Period
from ningxia_yikatong.ledger import BatchStatus, GovernmentLevel, Ledger, PayMode
from ningxia_yikatong.ledger._pii import DataKey, PiiCipher
from ningxia_yikatong.ledger._schema import claims
from ningxia_yikatong.payout import PayoutBatch
from ningxia_yikatong.testing import SyntheticData

WORKERS = 8
ROUNDS = 20
# Every spelling covers March 2026: each pair overlaps.
PERIODS = ("2026-03", "2026-Q1", "2026-H1", "2026")

# One approver process: reads a batch id per line, approves it, prints the outcome.
_WORKER = textwrap.dedent(
    """
    import json, sys
    from ningxia_yikatong.errors import LedgerError
    from ningxia_yikatong.ledger import Ledger
    from ningxia_yikatong.ledger._pii import DataKey, PiiCipher
    url, key_file, name = sys.argv[1:4]
    ledger = Ledger.open(url, cipher=PiiCipher(DataKey.from_file(key_file)))
    print(json.dumps({"ready": name}), flush=True)
    for line in sys.stdin:
        batch_id = line.strip()
        try:
            made = ledger.approve(batch_id, actor=name)
            out = {"batch": batch_id, "claims": made}
        except LedgerError as exc:
            out = {"batch": batch_id, "code": exc.code, "message": exc.message,
                   "records": [d.location.record for d in exc.details]}
        print(json.dumps(out), flush=True)
    ledger.close()
    """
)


@pytest.fixture
def workers(
    ledger_url: str, tmp_path: Path
) -> Iterator[tuple[Ledger, list[subprocess.Popen[str]]]]:
    key = DataKey.generate()
    key_file = key.write_file(tmp_path / "data.key")
    ledger = Ledger.init(ledger_url, cipher=PiiCipher(key))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, ledger_url, str(key_file), f"approver-{n}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert json.loads(proc.stdout.readline())["ready"]
        yield ledger, procs
    finally:
        for proc in procs:
            if proc.stdin is not None:
                proc.stdin.close()
        for proc in procs:
            proc.wait(timeout=60)
            if proc.stdout is not None:
                proc.stdout.close()
        ledger.close()


def _batches(round_no: int) -> list[PayoutBatch]:
    rng = random.Random(round_no)
    pool = SyntheticData(seed=100 + round_no).batch(12, bank="psbc", batch_id="POOL").items
    out = []
    for n in range(WORKERS):
        chosen = sorted(rng.sample(range(12), rng.randint(2, 5)))
        items = tuple(pool[i].model_copy(update={"seq": j}) for j, i in enumerate(chosen, 1))
        out.append(
            PayoutBatch(
                batch_id=f"R{round_no:02d}-B{n}",
                policy_code=f"NX-R{round_no:02d}",
                period=Period(rng.choice(PERIODS)),
                region="640000",
                agent_bank="psbc",
                payer_account="6228480000000000018",
                payer_name="宁夏回族自治区财政厅",
                items=items,
            )
        )
    return out


def test_concurrent_approvals(workers: tuple[Ledger, list[subprocess.Popen[str]]]) -> None:
    ledger, procs = workers
    refused = approved = 0
    for round_no in range(ROUNDS):
        batches = _batches(round_no)
        for batch in batches:
            ledger.record_batch(
                batch,
                department="自治区民政厅",
                pay_mode=PayMode.FISCAL_DIRECT,
                level=GovernmentLevel.REGION,
                actor="录入员",
            )
        for proc, batch in zip(procs, batches, strict=True):
            assert proc.stdin is not None
            proc.stdin.write(f"{batch.batch_id}\n")
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.flush()
        outcomes = {}
        for proc in procs:
            assert proc.stdout is not None
            out = json.loads(proc.stdout.readline())
            outcomes[out["batch"]] = out
        _check_round(ledger, batches, outcomes)
        refused += sum("code" in out for out in outcomes.values())
        approved += sum("claims" in out for out in outcomes.values())
    assert refused > ROUNDS  # the batches did clash
    assert approved >= ROUNDS
    assert ledger.audit.verify() is None
    assert len(ledger.audit.events()) == 1 + ROUNDS * WORKERS + approved


def _check_round(
    ledger: Ledger, batches: list[PayoutBatch], outcomes: dict[str, dict[str, Any]]
) -> None:
    by_id = {str(b.batch_id): b for b in batches}
    holder: dict[str, str] = {}  # ID number -> approved batch
    for batch_id, out in outcomes.items():
        batch = by_id[batch_id]
        state = ledger.claims_of(batch_id)
        if "claims" in out:
            assert out["claims"] == batch.count
            assert state == dict.fromkeys(range(1, batch.count + 1), True)
            assert ledger.record(batch_id).status is BatchStatus.APPROVED
            for item in batch.items:
                rid = str(item.beneficiary.id_number)
                assert rid not in holder, (rid, holder.get(rid), batch_id)
                holder[rid] = batch_id
        else:
            assert out["code"] == "ledger.claim_overlap", out
            assert state == {}
            assert ledger.record(batch_id).status is BatchStatus.RECORDED
            assert out["records"], out
            for seq in out["records"]:
                assert batch.item(seq).beneficiary.id_number.masked() in out["message"]
    # Every refused batch clashed with approved batches on the people it named
    # (others of its people may have been claimed after it was refused).
    for batch_id, out in outcomes.items():
        if "claims" in out:
            continue
        batch = by_id[batch_id]
        for seq in out["records"]:
            other = holder.get(str(batch.item(seq).beneficiary.id_number))
            assert other is not None, (batch_id, seq)
            assert by_id[other].period.overlaps(batch.period)
            assert other in out["message"]
    # Exactly one active claim per person paid, none lost.
    policy = str(batches[0].policy_code)
    with ledger.engine.connect() as conn:
        rows = conn.execute(
            sa.select(claims.c.subject, sa.func.count())
            .where(claims.c.policy_code == policy, claims.c.active.is_(True))
            .group_by(claims.c.subject)
        ).all()
    assert all(n == 1 for _, n in rows)
    assert len(rows) == len(holder)
