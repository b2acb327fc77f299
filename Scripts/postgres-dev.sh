#!/usr/bin/env bash
# A throwaway PostgreSQL 15 primary with a streaming synchronous standby, on Unix sockets only, for
# development and the test suite. Nothing is installed or left outside DIR.
#
#   Scripts/postgres-dev.sh start DIR [PORT]   start both; print the archive URL
#   Scripts/postgres-dev.sh stop DIR           stop both (immediate) and remove DIR
#   Scripts/postgres-dev.sh standby-stop DIR   stop the standby only (seals must then stall)
#   Scripts/postgres-dev.sh standby-start DIR
#   Scripts/postgres-dev.sh primary-kill DIR    kill -9 the primary's postmaster (a lost host)
#   Scripts/postgres-dev.sh primary-restart DIR restart the primary (its clients' connections close)
#   Scripts/postgres-dev.sh promote DIR         promote the standby; print its archive URL
#
# The primary listens on PORT (default: a free one from 20000), the standby on PORT+1, both in
# DIR/sock. synchronous_standby_names is 'FIRST 1 (standby1)' and fsync stays on, so a commit
# returns only once the standby has flushed it. New WAL segments are not zero-filled
# (wal_init_zero=off): a young cluster creates rather than recycles them, and each 16 MB fill
# held the commits behind it for about 10 ms (seal-bench postgres, p99 at half load). As root
# the servers run as the postgres user (initdb refuses root).
set -euo pipefail
# The servers outlive this script: they must not inherit any descriptor but 0-2 (pg_ctl points
# those at its log), or a caller reading our output to its end would wait for them forever.
for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
done

BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
command=${1:-}
dir=${2:-}
[ -n "$command" ] && [ -n "$dir" ] || { sed -n '2,11p' "$0" >&2; exit 2; }
[ -x "$BIN/initdb" ] || { echo "postgres-dev: no PostgreSQL at $BIN (apt-get install postgresql)" >&2; exit 3; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
start)
    port=${3:-}
    if [ -z "$port" ]; then
        port=$((20000 + RANDOM % 20000))
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_owner mkdir -p "$dir/sock"
    as_owner "$BIN/initdb" -D "$dir/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
    as_owner bash -c "printf '%s\n' \"port=$port\" \"unix_socket_directories='$dir/sock'\" \"listen_addresses=''\" 'wal_level=replica' 'max_connections=200' 'wal_init_zero=off' >> '$dir/primary/postgresql.conf'"
    as_owner "$BIN/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -w start >/dev/null
    as_owner "$BIN/pg_basebackup" -h "$dir/sock" -p "$port" -U postgres -D "$dir/standby" -R -X stream -c fast -d 'application_name=standby1'
    as_owner bash -c "echo port=$((port + 1)) >> '$dir/standby/postgresql.conf'"
    as_owner "$BIN/pg_ctl" -D "$dir/standby" -l "$dir/standby.log" -w start >/dev/null
    as_owner "$BIN/psql" -q -h "$dir/sock" -p "$port" -U postgres -d postgres \
        -c "ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (standby1)'" -c 'SELECT pg_reload_conf()' >/dev/null
    # The standby must be streaming and synchronous before the first commit is made to wait.
    for _ in $(seq 1 100); do
        state=$(as_owner "$BIN/psql" -Atq -h "$dir/sock" -p "$port" -U postgres -d postgres -c "SELECT sync_state FROM pg_stat_replication" || true)
        [ "$state" = sync ] && break
        sleep 0.1
    done
    [ "$state" = sync ] || { echo "postgres-dev: the standby did not become synchronous" >&2; exit 1; }
    echo "postgresql://postgres@localhost:$port/postgres?host=$dir/sock"
    ;;
stop)
    for server in standby primary; do
        [ -d "$dir/$server" ] && as_owner "$BIN/pg_ctl" -D "$dir/$server" -m immediate -w stop >/dev/null 2>&1 || true
    done
    rm -rf "$dir"
    ;;
standby-stop)
    as_owner "$BIN/pg_ctl" -D "$dir/standby" -m fast -w stop >/dev/null
    ;;
standby-start)
    as_owner "$BIN/pg_ctl" -D "$dir/standby" -l "$dir/standby.log" -w start >/dev/null
    ;;
primary-kill)
    kill -9 "$(head -1 "$dir/primary/postmaster.pid")"
    ;;
primary-restart)
    as_owner "$BIN/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -m fast -w restart >/dev/null
    ;;
promote)
    as_owner "$BIN/pg_ctl" -D "$dir/standby" -w promote >/dev/null
    port=$(grep '^port=' "$dir/standby/postgresql.conf" | tail -1 | cut -d= -f2)
    echo "postgresql://postgres@localhost:$port/postgres?host=$dir/sock"
    ;;
*)
    sed -n '2,11p' "$0" >&2; exit 2
    ;;
esac
