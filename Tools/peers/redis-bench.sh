#!/usr/bin/env bash
# Peer comparison: durable event appends into a throwaway local Redis.
#
# Starts a private redis-server in a temporary directory with appendonly yes and
# appendfsync always (every acknowledged write is fsynced), no TCP listener
# (port 0) and a Unix socket in that directory, then drives it with
# redis-benchmark: 64 clients XADDing a ~300-byte event to one stream,
# (a) one request at a time, (b) pipelined 100 at a time (-P 100). Prints one
# JSON line per workload on stdout (format in README.md). Everything is removed
# on exit.
#
# Usage: redis-bench.sh [--seconds S] [--clients C] [--workloads single,batch100] [--install]
#   --install   apt-get install -y redis-server (then redis-tools) if missing
set -euo pipefail

SECONDS_PER_RUN=10
CLIENTS=64
WORKLOADS="single,batch100"
INSTALL=0

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
        --clients) CLIENTS="$2"; shift 2 ;;
        --workloads) WORKLOADS="$2"; shift 2 ;;
        --install) INSTALL=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "redis-bench: unknown argument: $1" >&2; usage; exit 2 ;;
    esac
done
case "$SECONDS_PER_RUN" in ''|*[!0-9]*) echo "redis-bench: --seconds must be a positive integer" >&2; exit 2 ;; esac
case "$CLIENTS" in ''|*[!0-9]*) echo "redis-bench: --clients must be a positive integer" >&2; exit 2 ;; esac
[ "$SECONDS_PER_RUN" -gt 0 ] && [ "$CLIENTS" -gt 0 ] || { echo "redis-bench: values must be > 0" >&2; exit 2; }

skip() { printf '{"peer":"redis","skipped":"%s"}\n' "$1"; exit 0; }

have_redis() { command -v redis-server >/dev/null 2>&1 && command -v redis-benchmark >/dev/null 2>&1; }
if ! have_redis && [ "$INSTALL" -eq 1 ]; then
    SUDO=()
    [ "$(id -u)" -eq 0 ] || SUDO=(sudo -n)
    if command -v apt-get >/dev/null 2>&1; then
        # The package's own service is not wanted; policy-rc.d or the lack of
        # systemd usually keeps it from starting, and it would listen on TCP only.
        DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y redis-server >&2 ||
            { DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get update -qq >&2 &&
              DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y redis-server >&2; } || true
    fi
fi
have_redis || skip "not installed"
REDIS_SERVER="$(command -v redis-server)"
REDIS_BENCHMARK="$(command -v redis-benchmark)"
REDIS_CLI="$(command -v redis-cli 2>/dev/null || true)"

DIR="$(mktemp -d "${TMPDIR:-/tmp}/cxpeer-redis.XXXXXX")"
chmod 700 "$DIR"
SOCK="$DIR/redis.sock"
SERVER_PID=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$DIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
    echo "redis-bench: $1" >&2
    [ -f "$DIR/redis.log" ] && tail -n 20 "$DIR/redis.log" >&2
    exit 1
}

cat >"$DIR/redis.conf" <<CONF
port 0
bind 127.0.0.1
unixsocket $SOCK
unixsocketperm 700
dir $DIR
daemonize no
save ""
appendonly yes
appendfsync always
appendfilename "appendonly.aof"
no-appendfsync-on-rewrite no
auto-aof-rewrite-percentage 0
maxclients $((CLIENTS + 32))
logfile $DIR/redis.log
CONF

"$REDIS_SERVER" "$DIR/redis.conf" </dev/null >/dev/null 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    [ -S "$SOCK" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || fail "redis-server exited at start"
    sleep 0.1
done
[ -S "$SOCK" ] || fail "redis-server did not open its socket"
if [ -n "$REDIS_CLI" ]; then
    for _ in $(seq 1 50); do
        [ "$("$REDIS_CLI" -s "$SOCK" PING 2>/dev/null)" = PONG ] && break
        sleep 0.1
    done
    # Refuse to report figures from a non-durable configuration.
    [ "$("$REDIS_CLI" -s "$SOCK" CONFIG GET appendfsync 2>/dev/null | tail -n 1)" = always ] ||
        fail "appendfsync is not 'always'"
fi

# The same shape as cxledger-bench's synthetic interaction event (~300 bytes).
# redis-benchmark expands __rand_int__ (with -r) per request, so ids and case
# streams vary like the ledger's.
EVENT='{"id":"9f0c1d2e-0000-4000-8000-__rand_int__","type":"interaction.recorded","customerId":"cust-1234","caseId":"case-bench-123","occurredAt":"2026-03-02T10:15:00Z","source":"contact-centre","data":{"channel":"email","direction":"inbound","public":false,"summary":"Second invoice this month charged twice to the same card; asks for a refund and an apology","agent":"agent-17","sentiment":-0.4}}'

# One benchmark run; prints "rps avg_ms p50_ms p99_ms elapsed_s".
bench() {
    local n="$1" pipeline="$2" out="$DIR/bench.csv" t0 t1
    t0="$(date +%s.%N)"
    if ! "$REDIS_BENCHMARK" -s "$SOCK" -c "$CLIENTS" -n "$n" -P "$pipeline" -r 1000000000000 --csv \
            XADD cxevents '*' event "$EVENT" >"$out" 2>"$DIR/bench.err"; then
        tail -n 20 "$DIR/bench.err" >&2
        fail "redis-benchmark failed"
    fi
    t1="$(date +%s.%N)"
    # CSV: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",
    #      "p95_latency_ms","p99_latency_ms","max_latency_ms". The test name is
    # the command line (it contains commas), so count fields from the end.
    tail -n 1 "$out" | tr -d '"\r' | awk -F, -v t0="$t0" -v t1="$t1" '
        NF >= 8 && $(NF-6) ~ /^[0-9.]+$/ { printf "%s %s %s %s %.3f\n", $(NF-6), $(NF-5), $(NF-3), $(NF-1), t1 - t0; ok = 1 }
        END { exit !ok }' || { cat "$out" >&2; fail "could not parse redis-benchmark output"; }
}

run_workload() {
    local name="$1" pipeline="$2" pilot rps n result
    # redis-benchmark runs a fixed number of requests, not a fixed time: a short
    # pilot run sizes the real run to last about --seconds.
    pilot=$((CLIENTS * pipeline * 30))
    [ "$pilot" -lt 5000 ] && pilot=5000
    rps="$(bench "$pilot" "$pipeline" | awk '{ print $1 }')"
    n="$(awk -v r="$rps" -v s="$SECONDS_PER_RUN" -v c="$CLIENTS" -v p="$pipeline" \
        'BEGIN { n = int(r * s); m = c * p * 4; if (n < m) n = m; print n }')"
    result="$(bench "$n" "$pipeline")"
    # shellcheck disable=SC2086
    set -- $result
    awk -v name="$name" -v clients="$CLIENTS" -v rps="$1" -v avg="$2" -v p50="$3" -v p99="$4" \
        -v secs="$5" -v n="$n" -v per="$pipeline" 'BEGIN {
        printf "{\"peer\":\"redis\",\"workload\":\"%s\",\"clients\":%d,\"eventsPerSecond\":%.1f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"avgMs\":%.3f,\"seconds\":%.1f,\"requests\":%d,\"pipeline\":%d}\n",
            name, clients, rps, p50, p99, avg, secs, n, per }'
    # Start each workload from an empty stream and AOF of similar size.
    [ -n "$REDIS_CLI" ] && "$REDIS_CLI" -s "$SOCK" DEL cxevents >/dev/null 2>&1 || true
}

IFS=',' read -r -a WL <<<"$WORKLOADS"
for w in "${WL[@]}"; do
    case "$w" in
        single) run_workload single 1 ;;
        batch100) run_workload batch100 100 ;;
        *) fail "unknown workload: $w" ;;
    esac
done
