#!/usr/bin/env python3
"""Load for Scripts/faults.sh: N threads seal distinct documents through seald's socket until it
dies, and append the SHA-256 of every acknowledged seal's signature value to a file, one hex line
each, flushed before the next request. Exits 0 when the daemon goes away.

    python3 Tools/fault_client.py SOCKET SEAL ACKNOWLEDGED_FILE [THREADS]
"""
import hashlib
import os
import socket
import sys
import threading

from asn1crypto import cms


def worker(path: str, seal: str, out, lock: threading.Lock, number: int) -> None:
    try:
        connection = socket.socket(socket.AF_UNIX)
        connection.connect(path)
    except OSError:
        return
    sequence = 0
    while True:
        document = f"fault client {number} document {sequence} {os.urandom(8).hex()}".encode()
        sequence += 1
        head = f"POST /v1/seals/{seal} HTTP/1.1\r\nHost: seald\r\nContent-Length: {len(document)}\r\n\r\n".encode()
        try:
            connection.sendall(head + document)
            buffer = b""
            while b"\r\n\r\n" not in buffer:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            header, body = buffer.split(b"\r\n\r\n", 1)
            lines = header.split(b"\r\n")
            length = int(next(line for line in lines if line.lower().startswith(b"content-length")).split(b":")[1])
            while len(body) < length:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                body += chunk
        except OSError:
            return
        if b" 201 " not in lines[0]:
            return
        signature = cms.ContentInfo.load(body)["content"]["signer_infos"][0]["signature"].native
        with lock:
            out.write(hashlib.sha256(signature).hexdigest() + "\n")
            out.flush()


def main() -> None:
    path, seal, acknowledged = sys.argv[1], sys.argv[2], sys.argv[3]
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 8
    lock = threading.Lock()
    with open(acknowledged, "a") as out:
        workers = [threading.Thread(target=worker, args=(path, seal, out, lock, n)) for n in range(threads)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()


if __name__ == "__main__":
    main()
