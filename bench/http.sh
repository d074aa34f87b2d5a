#!/usr/bin/env bash
# HTTP load with wrk on a real `baton serve` and on the floor's bare route
# (../shared/floors `bare`), one tool for both so their ratio compares
# servers: req/s and p50/p99 latency of the bare route, Baton's
# `GET /healthz`, gate checks rotating over accounts (one in four for a
# deal), the scorecard, and the write path (create + submit + accept, one
# handoff per iteration, handoffs/s), at 16 and 64 connections, plus the
# server's memory idle and at its peak under load.
#
# Usage: bench/http.sh [sqlite|postgres]
#
# Needs the built binary (cargo build --release), wrk, python3, and for
# postgres a server at postgres://postgres@127.0.0.1:5432 with psql: a
# uniquely named database is created and dropped at the end.
#
# Environment:
#   BATON                  the binary (default: $CARGO_TARGET_DIR or target, /release/baton)
#   BATON_FLOORS_BIN       the floors' bin directory (default: built by ../shared/floors/run)
#   BATON_BENCH_DB         a database URL to serve as it is (default: a fresh demo org)
#   BATON_BENCH_LOGIN      the sender (default ae1@demo.test)
#   BATON_BENCH_RECEIVER   the receiver (default onboarding1@demo.test)
#   BATON_BENCH_PASSWORD   their password (default: the demo's)
#   BATON_BENCH_ADMIN, BATON_BENCH_ADMIN_PASSWORD
#                          an admin of BATON_BENCH_DB's org who first adds the
#                          sender (team ae) and receiver (team onboarding)
#   BATON_BENCH_DURATION   seconds measured per run (default 10)
#   BATON_BENCH_WARMUP     seconds of warm-up per run (default 2, a wrk run of its own)
#   BATON_BENCH_CONNECTIONS  e.g. "16 64" (default)
#   BATON_BENCH_SCENARIOS    e.g. "floor healthz gates scorecard write" (default;
#                            write last: it adds handoffs, which later reads would see)
#   BATON_BENCH_KEEP       a file to keep the JSON results in (one object a line)
#   BATON_BENCH_STRICT     1: exit 1 when any request of any run failed (CI's
#                          smoke run: BATON_BENCH_SCENARIOS without floor needs
#                          no ../shared/floors)
#   BATON_LOG              the server's log filter (default: its own, every
#                          request at info, written to a file)
set -euo pipefail
mode="${1:-sqlite}"
cd "$(dirname "$0")/.."
baton="${BATON:-${CARGO_TARGET_DIR:-target}/release/baton}"
if [[ ! -x "$baton" ]]; then
  echo "no binary at $baton: run cargo build --release (or set BATON)" >&2
  exit 1
fi
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
duration="${BATON_BENCH_DURATION:-10}"
warmup="${BATON_BENCH_WARMUP:-2}"
connections="${BATON_BENCH_CONNECTIONS:-16 64}"
scenarios="${BATON_BENCH_SCENARIOS:-floor healthz gates scorecard write}"
sender="${BATON_BENCH_LOGIN:-ae1@demo.test}"
receiver="${BATON_BENCH_RECEIVER:-onboarding1@demo.test}"
export BATON_BENCH_PASSWORD="${BATON_BENCH_PASSWORD:-baton-demo-password}"
pg_admin="postgres://postgres@127.0.0.1:5432/postgres"
floors="${BATON_FLOORS_BIN:-}"
with_floor=0
[[ " $scenarios " == *" floor "* ]] && with_floor=1
[[ -n "$floors" || "$with_floor" == 0 ]] || floors="$(../shared/floors/run)"

work="$(mktemp -d)"
server=""
bare=""
pg_db=""
cleanup() {
  for p in "$server" "$bare"; do
    if [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p"
      wait "$p" 2>/dev/null || true
    fi
  done
  if [[ -n "$pg_db" ]]; then
    psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

case "$mode" in
  sqlite) url="${BATON_BENCH_DB:-sqlite://$work/bench.db}" ;;
  postgres)
    if [[ -n "${BATON_BENCH_DB:-}" ]]; then
      url="$BATON_BENCH_DB"
    else
      pg_db="baton_bench_$$_$(date +%s)"
      psql -q "$pg_admin" -c "CREATE DATABASE $pg_db" >/dev/null
      url="postgres://postgres@127.0.0.1:5432/$pg_db"
    fi
    ;;
  *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;;
esac

# The demo org is made by its own process, so the server's peak memory is
# that of serving, not of generating history.
if [[ -z "${BATON_BENCH_DB:-}" ]]; then
  "$baton" --database-url "$url" demo >"$work/demo.out"
  head -n 1 "$work/demo.out"
fi

# shellcheck source=bench/serve.sh
source bench/serve.sh
start_server

# Memory and CPU of a process, from /proc (Linux).
status_kb() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
idle_rss="$(status_kb "$server" VmRSS)"

# The floor: a bare axum route on a free port of its own.
bare_port="-"
if [[ "$with_floor" == 1 ]]; then
  bare_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "$floors/bare" "$bare_port" &
  bare=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$bare_port/" >/dev/null 2>&1 && break
    sleep 0.1
  done
fi

prep="$work/prep"
admin=()
[[ -n "${BATON_BENCH_ADMIN:-}" ]] && admin=(--admin "$BATON_BENCH_ADMIN")
python3 bench/prepare.py --base "$base" --out "$prep" --sender "$sender" --receiver "$receiver" "${admin[@]}"


echo "Baton $("$baton" --version | cut -d' ' -f2) on $mode, $(nproc) cores, $base; floor $bare_port; wrk -t2, ${duration} s per run after ${warmup} s warm-up"
printf '%-10s %5s %10s %10s %8s %8s %8s %7s %8s\n' \
  scenario conns req/s handoffs/s p50_ms p99_ms max_ms errors srv_cpu
: >"$work/results.jsonl"
# wrk's JSON (bench/load.lua's done()) with the backend, scenario and server
# CPU added; and one line of the table from it.
tag='
import json, sys
r = json.load(open(sys.argv[1]))
r.update(backend=sys.argv[2], scenario=sys.argv[3], server_cpu_pct=int(sys.argv[4]))
print(json.dumps(r))'
show='
import json, sys
r = json.loads(sys.stdin.read())
print("%-10s %5s %10.0f %10s %8.2f %8.2f %8.2f %7s %7s%%" % (r["scenario"], r["connections"],
      r["req_per_s"], r.get("handoffs_per_s", "-"), r["p50_ms"], r["p99_ms"], r["max_ms"],
      r["errors"], r["server_cpu_pct"]))
if r["errors"]:
    print("  first error: %s" % r["first_error"])'
# Scenario by scenario, so every read runs before write adds handoffs.
for s in $scenarios; do
  pid="$server" target="$base" path="/"
  vars=(BATON_WRK_MODE=get BATON_WRK_TOKEN="$(cat "$prep/sender.token")")
  case "$s" in
    floor) pid="$bare" target="http://127.0.0.1:$bare_port" vars=(BATON_WRK_MODE=get) ;;
    healthz) path="/healthz" vars=(BATON_WRK_MODE=get) ;;
    gates) vars+=(BATON_WRK_PATHS="$prep/gates.paths") ;;
    scorecard) path="$(cat "$prep/scorecard.path")" ;;
    write)
      vars=(BATON_WRK_MODE=write BATON_WRK_TOKEN="$(cat "$prep/sender.token")"
        BATON_WRK_RECEIVER_TOKEN="$(cat "$prep/receiver.token")"
        BATON_WRK_CREATES="$prep/creates.jsonl" BATON_WRK_ACCEPT="$prep/accept.json")
      ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
  esac
  for c in $connections; do
    wrk_run() {
      env "${vars[@]}" BATON_WRK_CONNECTIONS="$c" BATON_WRK_OUT="$work/one.json" \
        wrk -t2 -c"$c" -d"$1s" --timeout 10s --latency -s bench/load.lua "$target$path" >"$work/wrk.txt"
    }
    [[ "$warmup" == 0 ]] || wrk_run "$warmup"
    before="$(cpu_ticks "$pid")"
    started="$(date +%s.%N)"
    wrk_run "$duration"
    ended="$(date +%s.%N)"
    after="$(cpu_ticks "$pid")"
    srv_cpu="$(awk -v a="$before" -v b="$after" -v s="$started" -v e="$ended" \
      'BEGIN { printf "%.0f", (b - a) / 100 / (e - s) * 100 }')"
    python3 -c "$tag" "$work/one.json" "$mode" "$s" "$srv_cpu" >>"$work/results.jsonl"
    tail -n 1 "$work/results.jsonl" | python3 -c "$show"
  done
done
peak_rss="$(status_kb "$server" VmHWM)"
echo "server memory: idle RSS $((idle_rss / 1024)) MiB, peak RSS (VmHWM) $((peak_rss / 1024)) MiB"
echo "(srv_cpu: the server's CPU over the measured run, 100% = one core; wrk shares the same cores)"
echo "{\"backend\":\"$mode\",\"scenario\":\"memory\",\"idle_rss_mib\":$((idle_rss / 1024)),\"peak_rss_mib\":$((peak_rss / 1024))}" >>"$work/results.jsonl"
if [[ -n "${BATON_BENCH_KEEP:-}" ]]; then
  cp "$work/results.jsonl" "$BATON_BENCH_KEEP"
fi
failed='import json, sys; sys.exit(0 if any(json.loads(l).get("errors") for l in open(sys.argv[1])) else 1)'
if [[ "${BATON_BENCH_STRICT:-0}" == 1 ]] && python3 -c "$failed" "$work/results.jsonl"; then
  echo "http.sh: requests failed (see errors above)" >&2
  exit 1
fi
