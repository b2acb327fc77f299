#!/usr/bin/env bash
# Random faults among seald instances on one PostgreSQL archive, ROUNDS times (default 50): kill -9
# of an instance, kill -9 of the primary with promotion of the standby, or a stopped standby, each
# under load from eight clients. Reports acknowledged against archived seals per round; exit 1 if
# any acknowledged seal is missing or the log has a gap. Not part of CI (it takes minutes).
#
#   Scripts/faults-postgres.sh [ROUNDS]        needs PostgreSQL 15 (apt-get install postgresql)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .build/release/seal-bench ] && [ -x .build/release/seald ] || swift build -c release >&2
exec .build/release/seal-bench postgres-faults --rounds "${1:-50}"
