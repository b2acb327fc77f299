#!/usr/bin/env bash
# Regenerates Vectors/ (and, with --new-keys, Keys/) from the repository root.
# Needs the openssl CLI for the openssl-made case.
set -euo pipefail
cd "$(dirname "$0")/.."
swift run -c release seal-vectors --keys Keys --out Vectors "$@"
