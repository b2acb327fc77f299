#!/usr/bin/env bash
# Fuzzes every parser of outside input with libFuzzer for a fixed number of executions.
#
#   Scripts/fuzz.sh [RUNS] [TARGET...]      (default 200000 runs, every target)
#
# Builds seal-fuzz with --sanitize=fuzzer (and AddressSanitizer) in .build-fuzz, starts each target
# from its committed seed corpus (Fuzz/corpus/TARGET, copied so the seeds stay small), and puts any
# crashing input in Fuzz/findings/TARGET. A finding becomes a regression by moving it to
# Fuzz/regressions/ (named TARGET-*), which the test suite replays.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200000}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(seal receipt checkpoint trust-bundle crl status-list verifier-key request ses ofd pdf)

# SwiftPM hands swiftc `-sanitize=fuzzer -sanitize=address` as two flags, in an order that varies
# from run to run, and swiftc 6.3 given them in that order keeps only AddressSanitizer: the Swift
# code gets no coverage counters and libFuzzer mutates blind. The combined flag keeps both.
swift build -c release --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address \
    --scratch-path .build-fuzz --product seal-fuzz >&2
binary=$(find .build-fuzz -path '*release/seal-fuzz' -type f | head -1)
export SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0
# A binary whose Swift code is not instrumented covers a handful of edges on the seeds.
edges=$(SEAL_FUZZ_TARGET=pdf "$binary" -runs=0 Fuzz/corpus/pdf 2>&1 | grep -oE 'INITED cov: [0-9]+' | grep -oE '[0-9]+$' || echo 0)
if [ "$edges" -lt 500 ]; then
    echo "fuzz.sh: the pdf seeds reach only $edges edges: the Swift code is not instrumented" >&2
    exit 1
fi

for target in "${targets[@]}"; do
    work=$(mktemp -d)
    cp Fuzz/corpus/"$target"/* "$work"/
    mkdir -p Fuzz/findings/"$target"
    start=$(date +%s)
    status=0
    SEAL_FUZZ_TARGET="$target" "$binary" -runs="$runs" -max_len=32768 -timeout=10 \
        -artifact_prefix=Fuzz/findings/"$target"/ "$work" > "$work.log" 2>&1 || status=$?
    executions=$(grep -oE '^Done [0-9]+ runs' "$work.log" | grep -oE '[0-9]+' || echo "?")
    crashes=$(find Fuzz/findings/"$target" -type f | wc -l)
    echo "$target: $executions executions in $(( $(date +%s) - start ))s, exit $status, $crashes finding(s)"
    rm -rf "$work" "$work.log"
done
