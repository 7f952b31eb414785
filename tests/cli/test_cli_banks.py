"""``yikatong banks list``, ``render`` and ``bank-simulate``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ningxia_yikatong.banks import get_adapter
from ningxia_yikatong.cli import main
from ningxia_yikatong.signing import (
    RsaSigner,
    Sm2PrivateKey,
    Sm2Signer,
    generate_rsa_key,
    generate_sm2_key,
    load_private_key,
    private_key_to_pem,
    public_key_to_pem,
)
from ningxia_yikatong.testing import SyntheticData


def _run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def sm2_keys(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    paths = []
    for name in ("dept", "bank"):
        key = generate_sm2_key()
        (tmp_path / f"{name}.key.pem").write_bytes(private_key_to_pem(key))
        (tmp_path / f"{name}.pub.pem").write_bytes(public_key_to_pem(key.public_key()))
        paths += [tmp_path / f"{name}.key.pem", tmp_path / f"{name}.pub.pem"]
    return paths[0], paths[1], paths[2], paths[3]


def test_banks_list() -> None:
    code, out = _run(["banks", "list"])
    assert code == 0, out
    for text in ("psbc", "中国邮政储蓄银行", "nxrcb", "SM2-SM3", "RSA-SHA256"):
        assert text in out


def test_render_and_simulate(tmp_path: Path, sm2_keys: tuple[Path, Path, Path, Path]) -> None:
    dept_key, dept_pub, bank_key, _bank_pub = sm2_keys
    batch = SyntheticData(seed=3).batch(12, bank="nxrcb")
    batch_file = tmp_path / "batch.json"
    batch_file.write_text(batch.model_dump_json(), "utf-8")
    pay = tmp_path / "pay"
    args = ["render", "--bank", "nxrcb", "--batch", str(batch_file), "--key", str(dept_key)]
    code, out = _run([*args, "--out-dir", str(pay), "--date", "2026-03-10"])
    assert code == 0, out
    assert "笔数：12" in out
    assert f"{batch.total}" in out
    files = sorted(pay.iterdir())
    assert [f.suffix for f in files] == [".dat", ".sig"]
    code, out = _run([*args, "--out-dir", str(pay), "--date", "2026-03-10"])
    assert code == 1
    assert "已存在" in out
    ret = tmp_path / "ret"
    account = str(batch.items[0].beneficiary.account.number)
    code, out = _run(
        [
            "bank-simulate", "--bank", "nxrcb", *map(str, files),
            "--bank-key", str(bank_key), "--department-pubkey", str(dept_pub),
            "--share", "closed=0.25", "--account", f"{account}=frozen", "--out-dir", str(ret),
        ]
    )  # fmt: skip
    assert code == 0, out
    assert "账户冻结" in out
    assert "账户已销户" in out
    assert "成功" in out
    returned = {p.name: p.read_bytes() for p in ret.iterdir()}
    adapter = get_adapter("nxrcb")
    result = adapter.parse_return(returned, Sm2Signer(_load(bank_key)).verifier())
    assert result.count == 12
    assert result.total == batch.total
    assert result.records[0].status.value == "frozen"


def _load(path: Path) -> Sm2PrivateKey:
    key = load_private_key(path.read_bytes())
    assert isinstance(key, Sm2PrivateKey)
    return key


def test_errors_are_messages(tmp_path: Path, sm2_keys: tuple[Path, Path, Path, Path]) -> None:
    dept_key, _dept_pub, _bank_key, _ = sm2_keys
    code, out = _run(["render", "--bank", "nope", "--synthetic", "2", "--key", str(dept_key)])
    assert code == 1
    assert "adapter.unknown" in out
    code, out = _run(["render", "--bank", "abc", "--synthetic", "2", "--key", str(dept_key)])
    assert code == 1
    assert "RSA-SHA256" in out
    assert "adapter.signature_scheme" in out
    code, out = _run(["render", "--bank", "abc", "--key", str(dept_key)])
    assert code == 1
    assert "--batch" in out
    rsa = generate_rsa_key()
    (tmp_path / "rsa.pem").write_bytes(private_key_to_pem(rsa))
    (tmp_path / "rsa.pub").write_bytes(public_key_to_pem(rsa.public_key()))
    code, out = _run(
        ["render", "--bank", "abc", "--synthetic", "3", "--key", str(tmp_path / "rsa.pem"),
         "--out-dir", str(tmp_path / "p")]
    )  # fmt: skip
    assert code == 0, out
    files = [str(p) for p in sorted((tmp_path / "p").iterdir())]
    code, out = _run(
        ["bank-simulate", "--bank", "abc", *files, "--bank-key", str(tmp_path / "rsa.pem"),
         "--department-pubkey", str(tmp_path / "rsa.pub"), "--share", "nope=0.1"]
    )  # fmt: skip
    assert code == 1
    assert "cli.share" in out
    assert RsaSigner(rsa).algorithm == "RSA-SHA256"
    tampered = Path(files[0])
    tampered.write_bytes(tampered.read_bytes().replace(b"|", b"!", 1))
    code, out = _run(
        ["bank-simulate", "--bank", "abc", *files, "--bank-key", str(tmp_path / "rsa.pem"),
         "--department-pubkey", str(tmp_path / "rsa.pub"), "--out-dir", str(tmp_path / "r")]
    )  # fmt: skip
    assert code == 1
    assert "signature" in out


def test_key_and_file_errors_name_the_file_and_the_option(
    tmp_path: Path, sm2_keys: tuple[Path, Path, Path, Path]
) -> None:
    _dept_key, dept_pub, _bank_key, _ = sm2_keys
    batch_file = tmp_path / "batch.json"
    batch_file.write_text(SyntheticData(seed=3).batch(2, bank="psbc").model_dump_json(), "utf-8")
    not_a_key = tmp_path / "roster.csv"
    not_a_key.write_text("姓名,金额\n马兰,100\n", "utf-8")
    args = ["render", "--bank", "psbc", "--batch", str(batch_file), "--out-dir", str(tmp_path)]
    code, out = _run([*args, "--key", str(not_a_key)])
    assert code == 1
    assert str(not_a_key) in out
    assert "--key 指定的" in out
    code, out = _run([*args, "--key", str(tmp_path / "none.pem")])
    assert code == 1
    assert "none.pem" in out
    assert "--key 指定的私钥：文件不存在" in out
    code, out = _run(
        ["bank-simulate", "--bank", "psbc", str(tmp_path / "missing.txt"),
         "--bank-key", str(not_a_key), "--department-pubkey", str(dept_pub)]
    )  # fmt: skip
    assert code == 1
    assert "--bank-key 指定的" in out
    assert str(not_a_key) in out


def test_simulate_remembers_paid_batches_between_runs(
    tmp_path: Path, sm2_keys: tuple[Path, Path, Path, Path]
) -> None:
    dept_key, dept_pub, bank_key, _bank_pub = sm2_keys
    pay = tmp_path / "pay"
    code, out = _run(
        ["render", "--bank", "psbc", "--synthetic", "4", "--key", str(dept_key),
         "--out-dir", str(pay)]
    )  # fmt: skip
    assert code == 0, out
    files = [str(p) for p in sorted(pay.iterdir())]
    base = ["bank-simulate", "--bank", "psbc", *files, "--bank-key", str(bank_key)]
    base += ["--department-pubkey", str(dept_pub)]
    code, out = _run([*base, "--out-dir", str(tmp_path / "r1")])
    assert code == 0, out
    state = bank_key.with_name(bank_key.name + ".simulator-state.json")
    assert state.exists()
    code, out = _run([*base, "--out-dir", str(tmp_path / "r2")])
    assert code == 1
    assert "已经付款，不能重复付款" in out
    assert "bankfile.batch_already_paid" in out
    assert not (tmp_path / "r2").exists() or not list((tmp_path / "r2").iterdir())
    # without a state file the bank forgets, as asked
    code, out = _run([*base, "--no-state", "--out-dir", str(tmp_path / "r3")])
    assert code == 0, out
    notes = tmp_path / "notes.json"
    notes.write_text('{"mine": true}', "utf-8")
    code, out = _run([*base, "--state", str(notes), "--out-dir", str(tmp_path / "r4")])
    assert code == 1
    assert "不是模拟银行的状态文件" in out
    assert notes.read_text("utf-8") == '{"mine": true}'
