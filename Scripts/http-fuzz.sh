#!/usr/bin/env bash
# HTTP fuzzing of seald with schemathesis against openapi.json: the public routes over the TCP
# listener, and every route (private ones included) over the Unix socket through a small proxy,
# as the admin. Passes when no response is a 5xx and every response matches the schema.
#
#   Scripts/http-fuzz.sh [EXAMPLES]     (default 100 per operation; needs: pip install schemathesis)
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-100}
bin=.build/release
[ -x "$bin/seald" ] || swift build -c release >&2
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin/seal" init --data "$work/authority" --name "Fuzz Authority" --insecure-no-passphrase >/dev/null 2>&1
for name in civil tax; do "$bin/seal" enroll --data "$work/authority" "$name" --department "Department $name" >/dev/null; done
echo "Fuzzed document" > "$work/doc.txt"
"$bin/seal" sign --data "$work/authority" "$work/doc.txt" --seal civil >/dev/null

public_port=$((20000 + RANDOM % 20000))
proxy_port=$((public_port + 1))
"$bin/seald" --data "$work/authority" --listen "127.0.0.1:$public_port" --log-level error 2>"$work/seald.log" &
for _ in $(seq 1 100); do [ -S "$work/authority/seald.sock" ] && break; sleep 0.1; done
python3 Tools/unix_proxy.py "$work/authority/seald.sock" "$proxy_port" &
sleep 0.5

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance
status=0
echo "== public routes over TCP"
schemathesis run openapi.json --url "http://127.0.0.1:$public_port" --checks "$checks" --max-examples "$examples" \
    --include-by '/x-seal-access == "public"' --suppress-health-check all || status=1
echo "== every route over the Unix socket (as the data directory's owner, an admin)"
schemathesis run openapi.json --url "http://127.0.0.1:$proxy_port" --checks "$checks" --max-examples "$examples" \
    --suppress-health-check all || status=1
"$bin/seal" audit --data "$work/authority" >/dev/null && echo "== the archive audits clean after fuzzing"
exit $status
