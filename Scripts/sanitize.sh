#!/usr/bin/env bash
# Runs the whole test suite under a sanitizer: `address` (default; the README's test command, so
# CI runs it) or `thread`.
#
#   Scripts/sanitize.sh [address|thread]
#
# Each sanitizer builds into its own scratch directory (.build-address, .build-thread): switching
# flags in one .build leaves uninstrumented objects behind. The tests start the sanitized `seal`
# and `seald` binaries, which inherit the options below. LeakSanitizer is off: Foundation and
# Process keep allocations alive when a child exits, which it reports as leaks. Scripts/asan.supp
# names the one report from the toolchain's Foundation that is suppressed, and why.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-address}
case "$kind" in
    address) export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:suppressions=$PWD/Scripts/asan.supp} ;;
    thread) export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1} ;;
    *) echo "usage: Scripts/sanitize.sh [address|thread]" >&2; exit 64 ;;
esac
swift build --build-tests --sanitize="$kind" --scratch-path ".build-$kind"
swift test --skip-build --sanitize="$kind" --scratch-path ".build-$kind"
