#!/usr/bin/env bash
# kill -9 under load, ROUNDS times (default 100): seald on one authority, 8 clients sealing through
# its socket, SIGKILL at a random moment, restart. After every round: every acknowledged seal is
# in the archive, the restart succeeded, and `seal audit` passes. Not part of CI (it takes minutes).
#
#   Scripts/faults.sh [ROUNDS]          needs: swift build -c release; python3 with asn1crypto (pyHanko's)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-100}
bin=.build/release
[ -x "$bin/seald" ] && [ -x "$bin/seal" ] || swift build -c release >&2
work=$(mktemp -d)
trap 'pkill -9 -f "seald --data $work" 2>/dev/null || true; rm -rf "$work"' EXIT
data=$work/authority
acknowledged=$work/acknowledged.txt
touch "$acknowledged"
"$bin/seal" init --data "$data" --name "Fault Authority" --insecure-no-passphrase >/dev/null 2>&1
"$bin/seal" enroll --data "$data" civil --department "Civil Registry" >/dev/null

failures=0
for round in $(seq 1 "$rounds"); do
    "$bin/seald" --data "$data" --log-level error 2>>"$work/seald.log" &
    pid=$!
    for _ in $(seq 1 200); do [ -S "$data/seald.sock" ] && break; sleep 0.05; done
    if ! [ -S "$data/seald.sock" ]; then echo "round $round: seald did not start"; failures=$((failures + 1)); break; fi
    python3 Tools/fault_client.py "$data/seald.sock" civil "$acknowledged" 8 &
    client=$!
    sleep "0.$((RANDOM % 9 + 1))$((RANDOM % 10))"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
    wait "$client" || true
    # Every acknowledged seal must be in the archive, and the archive must audit clean.
    missing=$(python3 - "$data/archive.sqlite" "$acknowledged" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
hashes = [line.strip() for line in open(sys.argv[2]) if line.strip()]
print(sum(1 for h in hashes if db.execute("SELECT 1 FROM entries WHERE signature_hash = ?", (bytes.fromhex(h),)).fetchone() is None))
PY
)
    if ! "$bin/seal" audit --data "$data" --skip-signatures >/dev/null 2>"$work/audit.err"; then
        echo "round $round: audit failed: $(cat "$work/audit.err")"; failures=$((failures + 1))
    fi
    if [ "$missing" != "0" ]; then echo "round $round: $missing acknowledged seals missing"; failures=$((failures + 1)); fi
done
total=$(wc -l < "$acknowledged")
entries=$(python3 -c "import sqlite3,sys; print(sqlite3.connect('file:$data/archive.sqlite?mode=ro', uri=True).execute('SELECT COUNT(*) FROM entries').fetchone()[0])")
"$bin/seal" audit --data "$data" >/dev/null
echo "kill -9 rounds: $rounds; acknowledged seals: $total; archive entries: $entries; failures: $failures; final full audit: passed"
[ "$failures" -eq 0 ]
