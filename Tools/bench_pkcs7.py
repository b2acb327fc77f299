#!/usr/bin/env python3
"""Peer figure for seal-bench: detached PKCS#7 signatures per second with Python's
`cryptography` (ECDSA P-256, SHA-256, 4 KiB document, no time-stamp, no archive), one core.

    python3 Tools/bench_pkcs7.py --seconds 3        -> {"perSecond": 12345.6}
"""
import argparse
import datetime
import json
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    seconds = parser.parse_args().seconds

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench Office")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now)
                   .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    document = bytes((i * 31) & 0xFF for i in range(4096))
    options = [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.NoCapabilities]

    def sign() -> bytes:
        return (pkcs7.PKCS7SignatureBuilder().set_data(document).add_signer(certificate, key, hashes.SHA256())
                .sign(serialization.Encoding.DER, options))

    for _ in range(50):
        sign()
    count = 0
    start = time.perf_counter()
    while True:
        for _ in range(50):
            sign()
        count += 50
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            break
    print(json.dumps({"perSecond": count / elapsed}))


if __name__ == "__main__":
    main()
