#!/usr/bin/env python3
"""Validates a detached CMS seal with pyHanko and prints the result as JSON.

usage: pyhanko_verify.py DOCUMENT SEAL TRUST_PEM
"""
import asyncio
import json
import sys

from asn1crypto import cms, pem, x509
from pyhanko.sign.validation import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext


def roots(path):
    with open(path, "rb") as handle:
        data = handle.read()
    return [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]


async def main(document_path, seal_path, trust_path):
    context = ValidationContext(trust_roots=roots(trust_path))
    with open(seal_path, "rb") as handle:
        content_info = cms.ContentInfo.load(handle.read())
    with open(document_path, "rb") as handle:
        document = handle.read()
    status = await async_validate_detached_cms(
        document, content_info["content"], signer_validation_context=context, ts_validation_context=context
    )
    stamp = status.timestamp_validity
    print(json.dumps({
        "intact": status.intact,
        "valid": status.valid,
        "trusted": status.trusted,
        "bottomLine": status.bottom_line,
        "timestamp": None if stamp is None else {
            "intact": stamp.intact, "valid": stamp.valid, "trusted": stamp.trusted,
        },
    }))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
