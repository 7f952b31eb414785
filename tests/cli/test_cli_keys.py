"""``yikatong keys generate``, ``sign``, ``verify``, ``seal``, ``unseal``.

Errors are checked by their Chinese message, which the command prints.
"""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

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
