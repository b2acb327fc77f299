#!/usr/bin/env bash
# Makes the compatibility fixture in Vectors/compat/v0.4 with a `seal` binary of an earlier
# release (the one named in Vectors/compat/README.md), so that later releases are tested against
# what it wrote: keys, seals, the archive (schema 2), a revocation and a CRL.
#
#     Vectors/compat/make.sh /path/to/old/seal
set -euo pipefail
seal=$(realpath "$1")
out="$(cd "$(dirname "$0")" && pwd)/v0.4"
rm -rf "$out" && mkdir -p "$out" && cd "$out"
export SEAL_PASSPHRASE="compatibility fixture, test only"
"$seal" init --data data --name "Compatibility Test Authority" --origin compat.test/seal
"$seal" enroll civil --data data --department "Civil Registry" --org-id 11110000MB0000000X --days 3650
"$seal" enroll land --data data --department "Land Office" --days 3650
printf 'Birth certificate No. 1 (issued in error)\n' > birth.txt
printf 'Birth certificate No. 1 (corrected)\n' > birth-corrected.txt
printf 'Business permit No. 7\n' > permit.txt
printf 'Land deed, plot 17\n' > deed.txt
"$seal" sign birth.txt birth-corrected.txt permit.txt --seal civil --data data
"$seal" sign deed.txt --seal land --data data
"$seal" revoke birth.txt.p7s --reason error --replaced-by birth-corrected.txt.p7s --data data
"$seal" revoke-seal land --reason cessation --data data
"$seal" trust export --data data -o trust.pem
"$seal" audit --data data
# One self-contained file: fold the write-ahead log into the database.
python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA wal_checkpoint(TRUNCATE)")' data/archive.sqlite
rm -f data/archive.sqlite-wal data/archive.sqlite-shm data/seald.lock
