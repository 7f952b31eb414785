"""``yikatong keys generate``, ``sign``, ``verify``, ``seal``, ``unseal``.

Errors are checked by their Chinese message, which the command prints.
"""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from ningxia_yikatong.cli import main
from ningxia_yikatong.signing import load_private_key


def _run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.parametrize("scheme", ["sm2", "rsa"])
def test_generate_sign_verify(tmp_path: Path, scheme: str) -> None:
    code, out = _run(["keys", "generate", "--scheme", scheme, "--out-dir", str(tmp_path)])
    assert code == 0, out
    assert "公钥指纹" in out
    key, pub = tmp_path / "yikatong.key.pem", tmp_path / "yikatong.pub.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    data = tmp_path / "pay.txt"
    data.write_bytes("批次 2026-001 合计 1200.50\n".encode("gb18030"))
    code, out = _run(["sign", str(data), "--key", str(key)])
    assert code == 0, out
    assert (tmp_path / "pay.txt.sig").exists()
    code, out = _run(["verify", str(data), "--pubkey", str(pub)])
    assert code == 0, out
    assert "验签通过" in out
    data.write_bytes(data.read_bytes() + b" ")
    code, out = _run(["verify", str(data), "--pubkey", str(pub)])
    assert code == 1
    assert "签名验证失败" in out
    # An existing signature is not overwritten silently.
    code, out = _run(["sign", str(data), "--key", str(key)])
    assert code == 1
    assert "文件已存在" in out
    assert "--force" in out


def test_sm2_formats_and_signer_id(tmp_path: Path) -> None:
    _run(["keys", "generate", "--scheme", "sm2", "--out-dir", str(tmp_path), "--name", "b"])
    key, pub = tmp_path / "b.key.pem", tmp_path / "b.pub.pem"
    data = tmp_path / "d.bin"
    data.write_bytes(b"\x00\x01")
    for fmt in ("raw", "base64"):
        sig = tmp_path / f"d.{fmt}"
        code, out = _run(["sign", str(data), "--key", str(key), "--format", fmt, "--out", str(sig)])
        assert code == 0, out
        if fmt == "raw":
            assert len(sig.read_bytes()) == 64
        else:
            base64.b64decode(sig.read_bytes().strip(), validate=True)
        args = ["verify", str(data), "--pubkey", str(pub), "--format", fmt, "--sig", str(sig)]
        assert _run(args)[0] == 0
        assert _run([*args, "--signer-id", "ALICE123@YAHOO.COM"])[0] == 1


def test_encrypted_key_and_password_env(tmp_path: Path) -> None:
    env = {"BANK_KEY_PW": "口令123"}
    code, out = _run(
        ["keys", "generate", "--scheme", "sm2", "--out-dir", str(tmp_path),
         "--password-env", "BANK_KEY_PW"],
        env=env,
    )  # fmt: skip
    assert code == 0, out
    key = tmp_path / "yikatong.key.pem"
    assert b"ENCRYPTED PRIVATE KEY" in key.read_bytes()
    assert load_private_key(key, "口令123")
    data = tmp_path / "f.txt"
    data.write_text("x")
    code, out = _run(["sign", str(data), "--key", str(key)])
    assert code == 1
    assert "私钥已加密，需要密码" in out
    code, out = _run(["sign", str(data), "--key", str(key), "--password-env", "BANK_KEY_PW"], env)
    assert code == 0, out
    code, out = _run(["sign", str(data), "--key", str(key), "--password-env", "NOPE", "--force"])
    assert code == 1
    assert "环境变量 NOPE 未设置" in out


def test_hmac(tmp_path: Path) -> None:
    env = {"MAC_KEY": "00112233445566778899aabbccddeeff"}
    data = tmp_path / "f.txt"
    data.write_text("mac me")
    code, out = _run(["sign", str(data), "--hmac-key-env", "MAC_KEY"], env)
    assert code == 0, out
    assert "HMAC-SM3" in out
    assert _run(["verify", str(data), "--hmac-key-env", "MAC_KEY"], env)[0] == 0
    code, out = _run(["verify", str(data), "--hmac-key-env", "MAC_KEY", "--digest", "sha256"], env)
    assert code == 1
    assert "00112233" not in out


@pytest.mark.parametrize("scheme", ["sm2", "rsa"])
def test_seal_unseal(tmp_path: Path, scheme: str) -> None:
    _run(["keys", "generate", "--scheme", scheme, "--out-dir", str(tmp_path)])
    key, pub = tmp_path / "yikatong.key.pem", tmp_path / "yikatong.pub.pem"
    data = tmp_path / "roster.csv"
    data.write_bytes("姓名,金额\n马小明,1200.50\n".encode())
    code, out = _run(["seal", str(data), "--recipient", str(pub)])
    assert code == 0, out
    sealed = tmp_path / "roster.csv.sealed"
    assert "马小明".encode() not in sealed.read_bytes()
    plain = tmp_path / "back.csv"
    code, out = _run(["unseal", str(sealed), "--key", str(key), "--out", str(plain)])
    assert code == 0, out
    assert plain.read_bytes() == data.read_bytes()
    blob = bytearray(sealed.read_bytes())
    blob[-1] ^= 1
    sealed.write_bytes(bytes(blob))
    code, out = _run(["unseal", str(sealed), "--key", str(key), "--out", str(plain), "--force"])
    assert code == 1
    assert "数字信封认证失败" in out


def test_usage_errors(tmp_path: Path) -> None:
    data = tmp_path / "f.txt"
    data.write_text("x")
    code, out = _run(["sign", str(data)])
    assert code == 1
    assert "请指定 --key 或 --hmac-key-env 之一" in out
    code, out = _run(["verify", str(data)])
    assert code == 1
    assert "请指定 --pubkey、--cert 或 --hmac-key-env 之一" in out
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"\x00garbage")
    code, out = _run(["sign", str(data), "--key", str(junk)])
    assert code == 1
    assert "junk.pem" in out


def test_verify_with_certificate_and_sha1(tmp_path: Path) -> None:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.x509.oid import NameOID

    from ningxia_yikatong.signing import generate_rsa_key, private_key_to_pem

    key = generate_rsa_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old-bank")])
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    cert_path = tmp_path / "bank.cer"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "k.pem").write_bytes(private_key_to_pem(key))
    data = tmp_path / "return.txt"
    data.write_bytes(b"0001|0000|ok\n")
    sig = tmp_path / "return.txt.sig"
    sig.write_bytes(key.sign(data.read_bytes(), padding.PKCS1v15(), hashes.SHA1()))  # noqa: S303
    args = ["verify", str(data), "--cert", str(cert_path)]
    code, out = _run(args)
    assert code == 1  # SHA-1 is off unless asked for
    assert _run([*args, "--allow-sha1"])[0] == 0
    code, out = _run([*args, "--allow-sha1", "--check-validity"])
    assert code == 1
    assert "证书已过期" in out


@pytest.mark.parametrize("scheme", ["sm2", "rsa"])
def test_verify_checks_what_render_writes(tmp_path: Path, scheme: str) -> None:
    code, out = _run(["keys", "generate", "--scheme", scheme, "--out-dir", str(tmp_path)])
    assert code == 0, out
    key, pub = tmp_path / "yikatong.key.pem", tmp_path / "yikatong.pub.pem"
    bank = "nxrcb" if scheme == "sm2" else "abc"
    args = ["render", "--bank", bank, "--synthetic", "2", "--key", str(key)]
    code, out = _run([*args, "--out-dir", str(tmp_path), "--date", "2026-03-10"])
    assert code == 0, out
    (sig,) = tmp_path.glob("*.sig")
    payment = sig.with_name(sig.name.removesuffix(".sig"))
    code, out = _run(["verify", str(payment), "--pubkey", str(pub)])
    assert code == 0, out
    assert "验签通过" in out
    # The same Base64 form as `sign` writes by default.
    data = tmp_path / "own.txt"
    data.write_bytes(payment.read_bytes())
    assert _run(["sign", str(data), "--key", str(key)])[0] == 0
    own = (tmp_path / "own.txt.sig").read_bytes()
    assert base64.b64decode(own.rstrip(b"\n"), validate=True)
    assert own.endswith(b"\n")


@pytest.mark.parametrize("scheme", ["sm2", "rsa", "hmac"])
def test_verify_detects_binary_and_base64(tmp_path: Path, scheme: str) -> None:
    env = {"MAC_KEY": "00112233445566778899aabbccddeeff"}
    if scheme == "hmac":
        sign_key, verify_key = ["--hmac-key-env", "MAC_KEY"], ["--hmac-key-env", "MAC_KEY"]
    else:
        _run(["keys", "generate", "--scheme", scheme, "--out-dir", str(tmp_path)])
        sign_key = ["--key", str(tmp_path / "yikatong.key.pem")]
        verify_key = ["--pubkey", str(tmp_path / "yikatong.pub.pem")]
    data = tmp_path / "f.txt"
    data.write_text("x")
    for fmt in ("der", "base64"):
        sig = tmp_path / f"f.{fmt}"
        code, out = _run(["sign", str(data), *sign_key, "--format", fmt, "--out", str(sig)], env)
        assert code == 0, out
        for form in ("auto", fmt):
            args = ["verify", str(data), *verify_key, "--sig", str(sig), "--format", form]
            code, out = _run(args, env)
            assert code == 0, (fmt, form, out)
        other = "base64" if fmt == "der" else "der"
        args = ["verify", str(data), *verify_key, "--sig", str(sig), "--format", other]
        assert _run(args, env)[0] == 1


def test_read_signature_file_rule() -> None:
    from ningxia_yikatong.cli._keys import read_signature_file

    binary = bytes(range(256))
    text = base64.b64encode(binary)
    assert read_signature_file(text, "auto", 256) == binary
    assert read_signature_file(text + b"\r\n", "auto", 256) == binary
    assert read_signature_file(binary, "auto", 256) == binary
    # A binary signature that happens to be all Base64 characters, of the
    # scheme's length, is binary; the Base64 text of one is never that long.
    lucky = b"A" * 32
    assert read_signature_file(lucky, "auto", 32) == lucky
    assert read_signature_file(lucky, "der", None) == lucky
    assert read_signature_file(b"\x30\x44\x02\x20" + bytes(68), "auto", None)[:2] == b"\x30\x44"


@settings(max_examples=100, deadline=None)
@given(position=st.integers(0), byte=st.integers(0, 255))
def test_any_single_byte_change_to_a_sig_file_is_refused(
    tmp_path_factory: pytest.TempPathFactory, position: int, byte: int
) -> None:
    folder = _signed_folder(tmp_path_factory)
    sig = bytearray((folder / "pay.txt.sig").read_bytes())
    position %= len(sig)
    sig[position] = byte if sig[position] != byte else byte ^ 1
    changed = folder / "changed.sig"
    changed.write_bytes(bytes(sig))
    args = ["verify", str(folder / "pay.txt"), "--pubkey", str(folder / "yikatong.pub.pem")]
    code, out = _run([*args, "--sig", str(changed)])
    assert code == 1, out


_FOLDERS: dict[str, Path] = {}


def _signed_folder(factory: pytest.TempPathFactory) -> Path:
    if "rsa" not in _FOLDERS:
        folder = factory.mktemp("signed")
        _run(["keys", "generate", "--scheme", "rsa", "--out-dir", str(folder)])
        (folder / "pay.txt").write_text("H|1|1|1.00\n")
        _run(["sign", str(folder / "pay.txt"), "--key", str(folder / "yikatong.key.pem")])
        _FOLDERS["rsa"] = folder
    return _FOLDERS["rsa"]


def test_changed_pad_bits_of_a_sig_file_are_refused(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    folder = _signed_folder(tmp_path_factory)
    text = (folder / "pay.txt.sig").read_bytes()
    assert text.endswith(b"==\n")  # 256 bytes: 4 unused bits in the last character
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(text[-4])
    changed = folder / "pad.sig"
    changed.write_bytes(text[:-4] + bytes([alphabet[last | 1]]) + b"==\n")
    args = ["verify", str(folder / "pay.txt"), "--pubkey", str(folder / "yikatong.pub.pem")]
    assert _run([*args, "--sig", str(folder / "pay.txt.sig")])[0] == 0
    code, out = _run([*args, "--sig", str(changed), "--format", "base64"])
    assert code == 1
    assert "pad.sig" in out


_WRONG_KEY = """
import sys
from ningxia_yikatong.cli import main
sys.argv = ["yikatong", *sys.argv[1:]]
main()
"""


def test_verify_and_unseal_with_a_wrong_key_print_no_gmssl_trace(tmp_path: Path) -> None:
    import subprocess
    import sys

    def yikatong(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", _WRONG_KEY, *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
            timeout=120,
        )

    for name in ("a", "b"):
        assert yikatong("keys", "generate", "--scheme", "sm2", "--name", name).returncode == 0
    (tmp_path / "f.txt").write_text("x")
    assert yikatong("sign", "f.txt", "--key", "a.key.pem").returncode == 0
    out = yikatong("verify", "f.txt", "--pubkey", "b.pub.pem")
    assert out.returncode == 1
    assert "签名验证失败" in out.stderr
    assert "GmSSL" not in out.stderr
    assert "sm2" not in out.stderr
    assert yikatong("seal", "f.txt", "--recipient", "a.pub.pem").returncode == 0
    out = yikatong("unseal", "f.txt.sealed", "--key", "b.key.pem", "--out", "g.txt")
    assert out.returncode == 1
    assert "GmSSL" not in out.stderr
    assert "sm2" not in out.stderr


_RECONCILE_WRONG_KEY = """
from pathlib import Path
from ningxia_yikatong.banks import BankSimulator, get_adapter
from ningxia_yikatong.cli import main
from ningxia_yikatong.signing import Sm2Signer, generate_sm2_key, public_key_to_pem
from ningxia_yikatong.testing import SyntheticData
batch = SyntheticData(seed=1).batch(3, bank="nxrcb", batch_id="WRONGKEY1")
adapter = get_adapter("nxrcb")
department, bank = Sm2Signer(generate_sm2_key()), Sm2Signer(generate_sm2_key())
simulator = BankSimulator(adapter, bank, department.verifier(), seed=1)
returns = []
for name, content in simulator.process(adapter.render(batch, department)).items():
    Path(name).write_bytes(content)
    if not name.endswith(".sig"):
        returns.append(name)
Path("batch.json").write_text(batch.model_dump_json(), encoding="utf-8")
Path("other.pem").write_bytes(public_key_to_pem(generate_sm2_key().public_key()))
args = ["reconcile", "batch.json", *returns, "--bank", "nxrcb", "--verify-key", "other.pem"]
main(args)
"""


def test_reconcile_with_a_wrong_key_prints_no_gmssl_trace(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _RECONCILE_WRONG_KEY],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=120,
    )
    assert out.returncode == 1, out.stderr
    assert "签名验证失败" in out.stderr
    assert "GmSSL" not in out.stderr
    assert "sm2" not in out.stderr


def test_keys_generate_writes_both_files_or_neither(tmp_path: Path) -> None:
    args = ["keys", "generate", "--scheme", "sm2", "--name", "k", "--out-dir", str(tmp_path)]
    code, out = _run(args)
    assert code == 0, out
    (tmp_path / "k.key.pem").unlink()
    public = (tmp_path / "k.pub.pem").read_bytes()
    code, out = _run(args)
    assert code == 1
    assert "--force" in out
    assert not (tmp_path / "k.key.pem").exists()  # no private key without its public key
    assert (tmp_path / "k.pub.pem").read_bytes() == public
    code, out = _run([*args, "--force"])
    assert code == 0, out
    assert (tmp_path / "k.key.pem").stat().st_mode & 0o777 == 0o600
