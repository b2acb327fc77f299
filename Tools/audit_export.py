#!/usr/bin/env python3
"""Independent check of a Seal archive export (`seal log export DIR`), sharing no code with Seal.

Recomputes the RFC 9162 Merkle tree from entries.bin and checks that every checkpoint in
checkpoints/ is signed by the key in log-key.txt (C2SP signed note, Ed25519) and that its root is
the root of the first N leaves. Prints a JSON summary; exits 0 only when everything holds.

usage: audit_export.py EXPORT_DIR
needs: python3 with the `cryptography` package
"""
import base64
import hashlib
import json
import os
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_of(frontier):
    """frontier: list of (level, hash), largest subtree first."""
    if not frontier:
        return hashlib.sha256(b"").digest()
    result = frontier[-1][1]
    for _, h in reversed(frontier[:-1]):
        result = node_hash(h, result)
    return result


def parse_vkey(text):
    name, key_id, key = text.strip().split("+", 2)
    raw = base64.b64decode(key)
    if len(raw) != 33 or raw[0] != 1:
        raise ValueError("not an Ed25519 verifier key")
    expected = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex()
    if expected != key_id:
        raise ValueError("key ID does not match")
    return name, bytes.fromhex(key_id), Ed25519PublicKey.from_public_bytes(raw[1:])


def open_checkpoint(note, vkey):
    name, key_id, public = vkey
    text, _, signatures = note.partition("\n\n")
    text += "\n"
    for line in signatures.splitlines():
        if not line.startswith("\u2014 "):
            raise ValueError("malformed signature line")
        signer, _, b64 = line[2:].partition(" ")
        blob = base64.b64decode(b64)
        if signer == name and blob[:4] == key_id:
            public.verify(blob[4:], text.encode())  # raises InvalidSignature
            origin, size, root = text.split("\n")[:3]
            if origin != name:
                raise ValueError("origin does not match the log key")
            return int(size), base64.b64decode(root)
    raise ValueError("no signature by the log key")


def main(folder):
    problems = []
    vkey = parse_vkey(open(os.path.join(folder, "log-key.txt")).read())
    checkpoints = {}
    for name in sorted(os.listdir(os.path.join(folder, "checkpoints"))):
        note = open(os.path.join(folder, "checkpoints", name), encoding="utf-8").read()
        try:
            size, root = open_checkpoint(note, vkey)
            checkpoints[size] = root
        except (ValueError, InvalidSignature) as error:
            problems.append(f"checkpoint {name}: {error or 'bad signature'}")

    frontier = []
    size = 0
    data = open(os.path.join(folder, "entries.bin"), "rb").read()
    offset = 0
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        entry = data[offset + 4:offset + 4 + length]
        offset += 4 + length
        level, h = 0, leaf_hash(entry)
        while frontier and frontier[-1][0] == level:
            h = node_hash(frontier.pop()[1], h)
            level += 1
        frontier.append((level, h))
        size += 1
        if size in checkpoints and checkpoints[size] != root_of(frontier):
            problems.append(f"checkpoint {size}: root differs from the recomputed tree")
    if 0 in checkpoints and checkpoints[0] != hashlib.sha256(b"").digest():
        problems.append("checkpoint 0: not the empty root")
    for checkpoint_size in checkpoints:
        if checkpoint_size > size:
            problems.append(f"checkpoint {checkpoint_size}: more entries than the export holds ({size})")
    if checkpoints and max(checkpoints) < size:
        problems.append(f"entries after {max(checkpoints)} are not covered by a checkpoint")

    print(json.dumps({"ok": not problems, "entries": size, "checkpoints": len(checkpoints),
                      "root": base64.b64encode(root_of(frontier)).decode(), "problems": problems}))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
