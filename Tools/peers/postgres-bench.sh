#!/usr/bin/env bash
# Peer comparison: durable event appends into a throwaway local PostgreSQL.
#
# Starts a private PostgreSQL instance in a temporary directory, reachable ONLY
# through a Unix socket in that directory (listen_addresses=''), with fsync and
# synchronous_commit on, creates the usual event-store table and drives it with
# pgbench: 64 clients, (a) one event per transaction, (b) 100 events per
# transaction. Prints one JSON line per workload on stdout (format in README.md).
# Everything (instance, data, logs) is removed on exit.
#
# Usage: postgres-bench.sh [--seconds S] [--clients C] [--workloads single,batch100]
# Env:   PEER_BENCH_USER  unprivileged OS user to run postgres as when invoked as
#                         root (default: cxbench if it exists, else nobody)
#        PG_BINDIR        directory holding initdb/pg_ctl/postgres (auto-detected)
set -euo pipefail

SECONDS_PER_RUN=10
CLIENTS=64
THREADS=2
WORKLOADS="single,batch100"

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
        --clients) CLIENTS="$2"; shift 2 ;;
        --workloads) WORKLOADS="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "postgres-bench: unknown argument: $1" >&2; usage; exit 2 ;;
    esac
done
case "$SECONDS_PER_RUN" in ''|*[!0-9]*) echo "postgres-bench: --seconds must be a positive integer" >&2; exit 2 ;; esac
case "$CLIENTS" in ''|*[!0-9]*) echo "postgres-bench: --clients must be a positive integer" >&2; exit 2 ;; esac
[ "$SECONDS_PER_RUN" -gt 0 ] && [ "$CLIENTS" -gt 0 ] || { echo "postgres-bench: values must be > 0" >&2; exit 2; }
[ "$CLIENTS" -lt "$THREADS" ] && THREADS="$CLIENTS"

skip() { printf '{"peer":"postgresql","skipped":"%s"}\n' "$1"; exit 0; }

# --- locate binaries ---------------------------------------------------------
find_bindir() {
    local d c
    for d in "${PG_BINDIR:-}" \
             "$(dirname "$(readlink -f "$(command -v pg_ctl 2>/dev/null || echo /nonexistent)")")" \
             /usr/local/pgsql/bin /usr/lib/postgresql/*/bin /usr/pgsql-*/bin; do
        [ -n "$d" ] || continue
        for c in initdb pg_ctl postgres; do [ -x "$d/$c" ] || continue 2; done
        echo "$d"; return 0
    done
    return 1
}
BINDIR="$(find_bindir)" || skip "not installed"
PGBENCH="$(command -v pgbench 2>/dev/null || true)"
[ -n "$PGBENCH" ] || { [ -x "$BINDIR/pgbench" ] && PGBENCH="$BINDIR/pgbench"; } || skip "not installed"
[ -n "$PGBENCH" ] || skip "not installed"
PSQL="$(command -v psql 2>/dev/null || true)"
[ -n "$PSQL" ] || PSQL="$BINDIR/psql"
[ -x "$PSQL" ] || skip "not installed"

# --- unprivileged user when running as root ----------------------------------
RUN_AS=()
OS_USER="$(id -un)"
if [ "$(id -u)" -eq 0 ]; then
    OS_USER="${PEER_BENCH_USER:-}"
    if [ -z "$OS_USER" ]; then
        if id cxbench >/dev/null 2>&1; then OS_USER=cxbench; else OS_USER=nobody; fi
    fi
    id "$OS_USER" >/dev/null 2>&1 || { echo "postgres-bench: user $OS_USER does not exist" >&2; exit 1; }
    if command -v runuser >/dev/null 2>&1; then
        RUN_AS=(runuser -u "$OS_USER" --)
    else
        RUN_AS=(su -s /bin/sh "$OS_USER" -c '"$0" "$@"')
    fi
fi
as_pg() { "${RUN_AS[@]}" "$@"; }

# --- throwaway instance --------------------------------------------------------
DIR="$(mktemp -d "${TMPDIR:-/tmp}/cxpeer-pg.XXXXXX")"
DATA="$DIR/data"
STARTED=0
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ "$STARTED" -eq 1 ]; then
        as_pg "$BINDIR/pg_ctl" stop -D "$DATA" -m fast -w -t 30 >/dev/null 2>&1 ||
            as_pg "$BINDIR/pg_ctl" stop -D "$DATA" -m immediate -w -t 30 >/dev/null 2>&1 || true
    fi
    rm -rf "$DIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
    echo "postgres-bench: $1" >&2
    [ -f "$DIR/postgres.log" ] && tail -n 20 "$DIR/postgres.log" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] && chown "$OS_USER" "$DIR"
chmod 700 "$DIR"
cd "$DIR"   # the unprivileged user may not be able to read the caller's cwd

as_pg "$BINDIR/initdb" -D "$DATA" -U bench --auth=trust --locale=C --encoding=UTF8 \
    --no-sync >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; fail "initdb failed"; }

# Durable like the ledger: fsync and synchronous commit on (the defaults, stated
# explicitly). No TCP at all: listen_addresses is empty, the socket lives in $DIR.
cat >>"$DATA/postgresql.conf" <<CONF

# cxledger peer benchmark
listen_addresses = ''
unix_socket_directories = '$DIR'
unix_socket_permissions = 0700
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = $((CLIENTS + 20))
max_wal_size = 4GB
logging_collector = off
CONF

as_pg "$BINDIR/pg_ctl" start -D "$DATA" -l "$DIR/postgres.log" -w -t 60 >/dev/null 2>&1 ||
    fail "could not start PostgreSQL"
STARTED=1

export PGHOST="$DIR" PGUSER=bench PGDATABASE=postgres
unset PGPORT PGHOSTADDR PGSERVICE PGPASSWORD || true

"$PSQL" -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || fail "schema creation failed"
CREATE TABLE events (
    position    bigserial   PRIMARY KEY,
    id          uuid        UNIQUE NOT NULL,
    stream      text        NOT NULL,
    version     int         NOT NULL,
    type        text        NOT NULL,
    data        jsonb       NOT NULL,
    recorded_at timestamptz DEFAULT now(),
    UNIQUE (stream, version)
);
-- Versions come from one sequence, so (stream, version) never collides whatever
-- the interleaving of clients; each client appends to its own stream.
CREATE SEQUENCE event_version AS int CACHE 1;
SQL

# The same shape as cxledger-bench's synthetic interaction event (id and type are
# columns of their own; the rest of the envelope is the jsonb payload). It is
# handed to pgbench as a variable (-D), so with -M prepared it travels as a bound
# parameter, as a real client's payload would.
PAYLOAD='{"customerId":"cust-1234","caseId":"case-bench-123","occurredAt":"2026-03-02T10:15:00Z","source":"contact-centre","data":{"channel":"email","direction":"inbound","public":false,"summary":"Second invoice this month charged twice to the same card; asks for a refund and an apology","agent":"agent-17","sentiment":-0.4}}'

cat >"$DIR/single.sql" <<'SQL'
INSERT INTO events (id, stream, version, type, data)
VALUES (gen_random_uuid(), 'case-bench-' || :client_id::text, nextval('event_version'),
        'interaction.recorded', :payload::jsonb);
SQL

cat >"$DIR/batch100.sql" <<'SQL'
INSERT INTO events (id, stream, version, type, data)
SELECT gen_random_uuid(), 'case-bench-' || :client_id::text, nextval('event_version'),
       'interaction.recorded', :payload::jsonb
FROM generate_series(1, 100);
SQL

run_workload() {
    local name="$1" per_txn="$2" out="$DIR/$1.out" prefix="$DIR/log-$1"
    "$PSQL" -X -q -c 'CHECKPOINT' >/dev/null
    if ! "$PGBENCH" -n -M prepared -c "$CLIENTS" -j "$THREADS" -T "$SECONDS_PER_RUN" \
            -D payload="$PAYLOAD" -f "$DIR/$name.sql" --log --log-prefix="$prefix" >"$out" 2>"$DIR/$name.err"; then
        tail -n 20 "$DIR/$name.err" >&2; cat "$out" >&2
        fail "pgbench ($name) failed"
    fi
    local tps failed
    tps="$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time).*/\1/p' "$out")"
    [ -n "$tps" ] || { cat "$out" >&2; fail "could not parse pgbench output ($name)"; }
    failed="$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")"
    # Per-transaction log: client_id transaction_no latency_us script_no epoch epoch_us
    cat "$prefix".* 2>/dev/null | awk '$3 ~ /^[0-9]+$/ { print $3 }' | sort -n >"$DIR/$name.lat"
    awk -v tps="$tps" -v per="$per_txn" -v name="$name" -v clients="$CLIENTS" \
        -v secs="$SECONDS_PER_RUN" -v failed="${failed:-0}" '
        { lat[NR] = $1; sum += $1 }
        function pct(p,   i) { i = int(p * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; return lat[i] / 1000 }
        END {
            if (NR == 0) { print "no latency samples" > "/dev/stderr"; exit 1 }
            printf "{\"peer\":\"postgresql\",\"workload\":\"%s\",\"clients\":%d,\"eventsPerSecond\":%.1f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"avgMs\":%.3f,\"seconds\":%d,\"transactions\":%d,\"eventsPerTransaction\":%d,\"failed\":%d}\n",
                name, clients, tps * per, pct(0.50), pct(0.99), sum / NR / 1000, secs, NR, per, failed
        }' "$DIR/$name.lat"
    rm -f "$prefix".* "$DIR/$name.lat"
}

IFS=',' read -r -a WL <<<"$WORKLOADS"
for w in "${WL[@]}"; do
    case "$w" in
        single) run_workload single 1 ;;
        batch100) run_workload batch100 100 ;;
        *) fail "unknown workload: $w" ;;
    esac
done
