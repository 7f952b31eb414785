"""``yikatong keys generate``, ``sign``, ``verify``, ``seal`` and ``unseal``.

Passwords and shared keys are read from environment variables named on the
command line (``--password-env``), never from arguments, which other users of
the machine can see in the process list.

A signature file (``.sig``) is Base64 text everywhere: ``sign`` writes it by
default, as ``render`` and every bank adapter do. ``verify`` reads Base64 and
binary files alike (``--format auto``, the default); see
:func:`read_signature_file` for the rule that tells them apart.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

import click
from cryptography.hazmat.primitives.asymmetric import rsa

from ..errors import CryptoError, KeyLoadError, SignatureError
from ..signing import (
    DEFAULT_SIGNER_ID,
    HmacSigner,
    HmacVerifier,
    PrivateKey,
    PublicKey,
    RsaSigner,
    RsaVerifier,
    Signer,
    Sm2PrivateKey,
    Sm2PublicKey,
    Sm2Signer,
    Sm2Verifier,
    Verifier,
    b64decode_canonical,
    file_digest,
    generate_rsa_key,
    generate_sm2_key,
    load_certificate,
    load_private_key,
    load_public_key,
    open_sealed,
    private_key_to_pem,
    public_key_to_pem,
    read_sealed_header,
    seal,
)
from ._app import console, handle_errors, main
from ._output import ensure_folder, refuse_existing, write_file

__all__ = ["keys"]

SigFormat = Literal["auto", "der", "raw", "base64"]
_SIGN_FORMATS = ("base64", "der", "raw")
_VERIFY_FORMATS = ("auto", "base64", "der", "raw")
_BASE64_ALPHABET: Final = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
)
F = TypeVar("F", bound=Callable[..., Any])


def _env(name: str | None, what: str) -> str | None:
    if name is None:
        return None
    value = os.environ.get(name)
    if value is None:
        raise KeyLoadError(f"环境变量 {name} 未设置（{what}）", code="key.env")
    return value


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CryptoError(
            f"无法读取{what}：{exc.strerror or type(exc).__name__}", code="cli.file", file=path.name
        ) from None


def _say(text: str) -> None:
    # File names may contain brackets; print them as they are, not as markup.
    console.print(text, markup=False, soft_wrap=True)


def _signer_id(text: str) -> bytes:
    return text.encode("utf-8")


@main.group("keys")
def keys() -> None:
    """密钥管理。"""


@keys.command("generate")
@click.option("--scheme", type=click.Choice(["sm2", "rsa"]), required=True, help="密钥算法")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    show_default=True,
    help="输出目录",
)
@click.option("--name", default="yikatong", show_default=True, help="文件名前缀")
@click.option("--bits", type=int, default=2048, show_default=True, help="RSA 密钥位数")
@click.option("--password-env", default=None, help="保存私钥口令的环境变量名（加密私钥）")
@click.option("--force", is_flag=True, help="覆盖已有文件")
@handle_errors
def generate(
    *, scheme: str, out_dir: Path, name: str, bits: int, password_env: str | None, force: bool
) -> None:
    """生成密钥对：<name>.key.pem（私钥，权限 600）和 <name>.pub.pem（公钥）。"""
    password = _env(password_env, "私钥口令")
    key: PrivateKey = generate_sm2_key() if scheme == "sm2" else generate_rsa_key(bits)
    key_path, pub_path = out_dir / f"{name}.key.pem", out_dir / f"{name}.pub.pem"
    refuse_existing([key_path, pub_path], force=force)  # both files or neither
    ensure_folder(out_dir)
    public = key.public_key()
    # The private key's temporary file is owner-only before any byte is written.
    write_file(key_path, private_key_to_pem(key, password), force=True, private=True)
    write_file(pub_path, public_key_to_pem(public), force=True)
    fingerprint = (
        key.fingerprint if isinstance(key, Sm2PrivateKey) else RsaSigner(key).key_fingerprint
    )
    _say(f"已生成{scheme.upper()}密钥对：{key_path.name}、{pub_path.name}")
    _say(f"公钥指纹（SHA-256）：{fingerprint}")
    if password is None:
        _say("注意：私钥未加密，请妥善保管；可用 --password-env 指定口令。")


def _make_signer(
    *,
    key_path: Path | None,
    password_env: str | None,
    hmac_env: str | None,
    digest: str,
    signer_id: str,
    fmt: SigFormat,
) -> Signer:
    if (key_path is None) == (hmac_env is None):
        raise CryptoError("请指定 --key 或 --hmac-key-env 之一", code="cli.usage")
    if hmac_env is not None:
        return HmacSigner(_hex_key(hmac_env), digest="sm3" if digest == "sm3" else "sha256")
    assert key_path is not None
    key = load_private_key(key_path, _env(password_env, "私钥口令"))
    if isinstance(key, Sm2PrivateKey):
        return Sm2Signer(
            key, signer_id=_signer_id(signer_id), encoding="raw" if fmt == "raw" else "der"
        )
    if fmt == "raw":
        raise CryptoError("raw 格式仅适用于SM2签名", code="cli.usage")
    return RsaSigner(key)


def _hex_key(variable: str) -> bytes:
    text = _env(variable, "HMAC共享密钥（十六进制）")
    assert text is not None
    try:
        return bytes.fromhex(text.strip())
    except ValueError:
        raise KeyLoadError(f"环境变量 {variable} 不是十六进制密钥", code="key.hmac") from None


def _scheme_options(formats: tuple[str, ...], help_text: str) -> Callable[[F], F]:
    """Options shared by ``sign`` and ``verify``; the first of ``formats`` is
    the default of ``--format``."""

    def decorate(func: F) -> F:
        func = click.option(
            "--digest",
            type=click.Choice(["sm3", "sha256"]),
            default="sm3",
            show_default=True,
            help="HMAC 摘要算法",
        )(func)
        func = click.option(
            "--hmac-key-env", default=None, help="保存 HMAC 共享密钥（十六进制）的环境变量名"
        )(func)
        func = click.option(
            "--format",
            "fmt",
            type=click.Choice(formats),
            default=formats[0],
            show_default=True,
            help=help_text,
        )(func)
        return click.option(
            "--signer-id",
            default=DEFAULT_SIGNER_ID.decode(),
            show_default=True,
            help="SM2 签名者标识",
        )(func)

    return decorate


@main.command("sign")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path), help="私钥文件")
@click.option("--password-env", default=None, help="保存私钥口令的环境变量名")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="签名文件（默认 FILE.sig）"
)
@click.option("--force", is_flag=True, help="覆盖已有签名文件")
@_scheme_options(
    _SIGN_FORMATS, "签名文件格式：base64（Base64 文本）、der（二进制）或 raw（SM2 r||s 二进制）"
)
@handle_errors
def sign_command(
    *,
    file: Path,
    key_path: Path | None,
    password_env: str | None,
    out: Path | None,
    force: bool,
    signer_id: str,
    fmt: SigFormat,
    hmac_key_env: str | None,
    digest: str,
) -> None:
    """对文件签名（SM2 或 RSA 私钥，或 HMAC 共享密钥）。"""
    signer = _make_signer(
        key_path=key_path,
        password_env=password_env,
        hmac_env=hmac_key_env,
        digest=digest,
        signer_id=signer_id,
        fmt=fmt,
    )
    signature = signer.sign(_read(file, "待签名文件"))
    if fmt == "base64":
        signature = base64.b64encode(signature) + b"\n"
    target = out or file.with_name(file.name + ".sig")
    write_file(target, signature, force=force)
    _say(f"已签名：{file.name} → {target.name}（{signer.algorithm}）")
    _say(f"密钥指纹：{signer.key_fingerprint}")


def _make_verifier(
    *,
    pubkey: Path | None,
    cert: Path | None,
    check_validity: bool,
    hmac_env: str | None,
    digest: str,
    signer_id: str,
    fmt: SigFormat,
    allow_sha1: bool,
) -> Verifier:
    given = [x for x in (pubkey, cert, hmac_env) if x is not None]
    if len(given) != 1:
        raise CryptoError("请指定 --pubkey、--cert 或 --hmac-key-env 之一", code="cli.usage")
    if hmac_env is not None:
        return HmacVerifier(_hex_key(hmac_env), digest="sm3" if digest == "sm3" else "sha256")
    public: PublicKey
    if cert is not None:
        public = load_certificate(cert, check_validity=check_validity).public_key
    else:
        assert pubkey is not None
        public = load_public_key(pubkey)
    if isinstance(public, Sm2PublicKey):
        return Sm2Verifier(
            public, signer_id=_signer_id(signer_id), encoding="raw" if fmt == "raw" else "der"
        )
    assert isinstance(public, rsa.RSAPublicKey)
    if allow_sha1:
        return RsaVerifier(public, digest="sha1", allow_sha1=True)
    return RsaVerifier(public)


def _binary_length(verifier: Verifier) -> int | None:
    """The length of every binary signature of ``verifier``'s scheme, or
    ``None`` when it varies (SM2 DER)."""
    if isinstance(verifier, HmacVerifier):
        return 32  # HMAC-SM3 and HMAC-SHA256
    if isinstance(verifier, RsaVerifier):
        return verifier.signature_size
    if isinstance(verifier, Sm2Verifier) and verifier.encoding == "raw":
        return 64
    return None


def read_signature_file(
    content: bytes, fmt: SigFormat, binary_length: int | None, *, file: str | None = None
) -> bytes:
    """The signature bytes of a signature file's ``content``.

    ``base64``: canonical Base64, one final line break allowed. ``der`` and
    ``raw``: the bytes as they are. ``auto``: Base64 when every byte is a Base64
    character (``A-Z a-z 0-9 + / =``, one final line break aside) and the file
    is not exactly ``binary_length`` bytes long; binary otherwise. The two
    cannot be confused: a DER signature always holds the byte 0x02 (the tag of
    its INTEGERs), which is no Base64 character, and a binary RSA or HMAC
    signature is exactly ``binary_length`` bytes long, which the Base64 text
    of one (4 characters per 3 bytes) never is.
    """
    if fmt == "auto":
        text = content.removesuffix(b"\n").removesuffix(b"\r")
        is_text = bool(text) and _BASE64_ALPHABET.issuperset(text)
        if not is_text or len(content) == binary_length:
            return content
    elif fmt != "base64":
        return content
    try:
        return b64decode_canonical(content, whitespace="line")
    except ValueError:
        raise SignatureError(
            "签名文件不是规范的Base64文本（文件可能被改动）", code="signature.base64", file=file
        ) from None


@main.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--sig",
    "sig_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="签名文件（默认 FILE.sig）",
)
@click.option("--pubkey", type=click.Path(dir_okay=False, path_type=Path), help="公钥文件")
@click.option("--cert", type=click.Path(dir_okay=False, path_type=Path), help="证书文件")
@click.option("--check-validity", is_flag=True, help="同时检查证书有效期")
@click.option("--allow-sha1", is_flag=True, help="按 SHA1withRSA 验签（仅限旧银行回盘）")
@_scheme_options(
    _VERIFY_FORMATS, "签名文件格式：auto（自动识别 Base64 或二进制）、base64、der 或 raw"
)
@handle_errors
def verify_command(
    *,
    file: Path,
    sig_path: Path | None,
    pubkey: Path | None,
    cert: Path | None,
    check_validity: bool,
    allow_sha1: bool,
    signer_id: str,
    fmt: SigFormat,
    hmac_key_env: str | None,
    digest: str,
) -> None:
    """验证文件签名；通过时退出码为 0，否则为 1。"""
    verifier = _make_verifier(
        pubkey=pubkey,
        cert=cert,
        check_validity=check_validity,
        hmac_env=hmac_key_env,
        digest=digest,
        signer_id=signer_id,
        fmt=fmt,
        allow_sha1=allow_sha1,
    )
    sig_file = sig_path or file.with_name(file.name + ".sig")
    signature = read_signature_file(
        _read(sig_file, "签名文件"), fmt, _binary_length(verifier), file=sig_file.name
    )
    data = _read(file, "待验签文件")
    try:
        verifier.verify(data, signature)
    except SignatureError as exc:
        raise exc.at(file=sig_file.name) from None
    _say(f"验签通过：{file.name}（{verifier.algorithm}）")
    _say(f"密钥指纹：{verifier.key_fingerprint}")
    _say(f"文件SM3摘要：{file_digest(file)}")


@main.command("seal")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--recipient",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="接收方公钥或证书",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="数字信封文件（默认 FILE.sealed）",
)
@click.option("--force", is_flag=True, help="覆盖已有文件")
@handle_errors
def seal_command(file: Path, recipient: Path, out: Path | None, force: bool) -> None:
    """用接收方公钥封装文件（数字信封）。"""
    public = load_public_key(recipient)
    blob = seal(_read(file, "待封装文件"), public)
    target = out or file.with_name(file.name + ".sealed")
    write_file(target, blob, force=force)
    header = read_sealed_header(blob)
    _say(f"已封装：{file.name} → {target.name}（{header.scheme}）")
    _say(f"接收方公钥指纹：{header.recipient_fingerprint}")


@main.command("unseal")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--key",
    "key_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="接收方私钥文件",
)
@click.option("--password-env", default=None, help="保存私钥口令的环境变量名")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="解封后的文件"
)
@click.option("--force", is_flag=True, help="覆盖已有文件")
@handle_errors
def unseal_command(
    file: Path, key_path: Path, password_env: str | None, out: Path, force: bool
) -> None:
    """用私钥打开数字信封，并校验其完整性。"""
    key = load_private_key(key_path, _env(password_env, "私钥口令"))
    blob = _read(file, "数字信封")
    data = open_sealed(blob, key)
    write_file(out, data, force=force)
    _say(f"已解封：{file.name} → {out.name}（{len(data)} 字节，完整性校验通过）")
