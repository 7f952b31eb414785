"""``yikatong ledger``: init, status, record, history, audit verify and export-head."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ningxia_yikatong.cli import main
from ningxia_yikatong.codes import Period
from ningxia_yikatong.ledger import DataKey
from ningxia_yikatong.ledger._audit import AuditTrail
from ningxia_yikatong.signing import Sm2Signer, generate_sm2_key, private_key_to_pem
from ningxia_yikatong.testing import SyntheticData


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_ledger_commands(tmp_path: Path) -> None:
    key = ["--data-key-file", "data.key"]
    code, out = _run(["ledger", "init", "--new-data-key", *key], tmp_path)
    assert code == 0, out
    assert "已新建台账" in out
    assert (tmp_path / "yikatong-ledger.sqlite").is_file()  # the default, in the working folder
    march = SyntheticData(seed=51).batch(3, bank="psbc", period="2026-03", batch_id="B-MAR")
    (tmp_path / "march.json").write_text(march.model_dump_json(), encoding="utf-8")
    quarter = march.model_copy(update={"batch_id": "B-Q1", "period": Period("2026-Q1")})
    (tmp_path / "q1.json").write_text(quarter.model_dump_json(), encoding="utf-8")
    record = ["ledger", "record", "--department", "自治区民政厅", "--approve", "--actor", "张三"]
    code, out = _run([*record, "march.json", *key], tmp_path)
    assert code == 0, out
    assert "已登记批次 B-MAR：3 笔" in out
    assert "占用 3 个" in out
    code, out = _run([*record, "q1.json", *key], tmp_path)
    assert code == 1
    assert "ledger.claim_overlap" in out
    assert "B-MAR" in out
    person = march.items[0].beneficiary
    assert str(person.id_number) not in out
    assert person.id_number.masked() in out
    code, out = _run(["ledger", "history", str(person.id_number), *key], tmp_path)
    assert code == 0, out
    assert "B-MAR" in out
    assert "B-Q1" in out
    assert str(person.id_number) not in out
    code, out = _run(["ledger", "status"], tmp_path)
    assert code == 0, out
    assert "批次 2 个，明细 6 笔，有效占用 3 个" in out
    code, out = _run(["ledger", "audit", "verify"], tmp_path)
    assert code == 0, out
    assert "审计链完整：共 4 条事件" in out
    signer_key = generate_sm2_key()
    (tmp_path / "sm2.key.pem").write_bytes(private_key_to_pem(signer_key))
    head = ["ledger", "audit", "export-head", "--key", "sm2.key.pem", "--out", "head.json"]
    code, out = _run(head, tmp_path)
    assert code == 0, out
    fields = AuditTrail.verify_head(
        (tmp_path / "head.json").read_bytes(), Sm2Signer(signer_key).verifier()
    )
    assert fields["seq"] == 4
    code, out = _run(head, tmp_path)  # never overwrites without --force
    assert code == 1


def test_data_key_from_env_and_missing(tmp_path: Path) -> None:
    env_key = DataKey.generate()
    key_file = env_key.write_file(tmp_path / "k")
    env = {"YIKATONG_DATA_KEY": key_file.read_text().strip()}
    url = ["--ledger", f"sqlite:///{tmp_path / 'l.sqlite'}"]
    code, out = _run(["ledger", "init", *url], tmp_path, env)
    assert code == 0, out
    batch = SyntheticData(seed=52).batch(2, bank="psbc")
    (tmp_path / "b.json").write_text(batch.model_dump_json(), encoding="utf-8")
    args = ["ledger", "record", "b.json", "--department", "县民政局", *url]
    code, out = _run(args, tmp_path, {"YIKATONG_DATA_KEY": ""})
    assert code == 1
    assert "ledger.data_key_missing" in out
    other = DataKey.generate().write_file(tmp_path / "other.key")
    code, out = _run([*args, "--data-key-file", str(other)], tmp_path)
    assert code == 1
    assert "ledger.data_key_wrong" in out
    code, out = _run(args, tmp_path, env)
    assert code == 0, out


def test_unknown_ledger_is_refused(tmp_path: Path) -> None:
    code, out = _run(
        ["ledger", "status", "--ledger", f"sqlite:///{tmp_path / 'x.sqlite'}"], tmp_path
    )
    assert code == 1
    assert "ledger.schema_missing" in out
