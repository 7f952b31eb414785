"""Sign a payment file with SM2, verify it as the bank would, and seal it.

Run: ``python examples/sign_file.py [FILE]``. Without FILE a small payment file
is written to a temporary directory. Keys are generated on the spot; in
production they come from files or environment variables (see docs/signing.md).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from ningxia_yikatong.errors import SignatureError
from ningxia_yikatong.signing import (
    file_digest,
    generate_sm2_key,
    load_private_key,
    load_public_key,
    open_sealed,
    private_key_to_pem,
    public_key_to_pem,
    seal,
    signer_for,
    verifier_for,
)


def main(argv: list[str]) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="yikatong-example-"))
    if argv:
        payment = Path(argv[0])
    else:
        payment = workdir / "payment.txt"
        lines = "H|20260001|2|2400.00\nD|1|马小明|1200.00\nD|2|李梅|1200.00\n"
        payment.write_bytes(lines.encode("gb18030"))

    # The agency's key pair; the public key goes to the bank once.
    (workdir / "agency.key.pem").write_bytes(private_key_to_pem(generate_sm2_key(), "demo-pw"))
    key = load_private_key(workdir / "agency.key.pem", "demo-pw")
    (workdir / "agency.pub.pem").write_bytes(public_key_to_pem(key.public_key()))

    data = payment.read_bytes()
    signer = signer_for(key)  # SM2 key: signer ID 1234567812345678, DER signature
    signature = signer.sign(data)
    print(f"signed {payment.name}: {signer.algorithm}, {len(data)} bytes")
    print(f"SM3 of file: {file_digest(payment)}")

    # The bank's side: its copy of our public key, the same signer ID.
    bank_view = verifier_for(load_public_key(workdir / "agency.pub.pem"))
    bank_view.verify(data, signature)
    print("bank verifies: ok")
    print(f"same fingerprint: {bank_view.key_fingerprint == signer.key_fingerprint}")

    # One changed byte (an amount 1200.00 made 9200.00, say) breaks the signature.
    tampered = data[:-1] + bytes([data[-1] ^ 0x01]) if data else b"\x00"
    try:
        bank_view.verify(tampered, signature)
    except SignatureError as exc:
        print(f"tampered file rejected: {exc.code}")

    # A sealed copy for transit, opened by the holder of the private key.
    sealed = seal(data, key.public_key())
    print(f"sealed and opened intact: {open_sealed(sealed, key) == data}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
