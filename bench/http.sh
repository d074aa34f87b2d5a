#!/usr/bin/env bash
# HTTP load on a real `baton serve` (issue 7): req/s and p50/p99 latency of
# the bare route (GET /healthz), gate checks, the scorecard and the write
# path (create + submit + accept), at 16 and 64 connections, plus the
# server's memory idle and at its peak under load.
#
# Usage: bench/http.sh [sqlite|postgres]
#
# Needs only the built binary (cargo build --release), and for postgres a
# server at postgres://postgres@127.0.0.1:5432 with psql: a uniquely named
# database is created and dropped at the end.
#
# Environment:
#   BATON                  the binary (default: $CARGO_TARGET_DIR or target, /release/baton)
#   BATON_BENCH_DB         a database URL to serve as it is (default: a fresh demo org)
#   BATON_BENCH_LOGIN      the sender (default ae1@demo.test)
#   BATON_BENCH_RECEIVER   the receiver (default onboarding1@demo.test)
#   BATON_BENCH_PASSWORD   their password (default: the demo's)
#   BATON_BENCH_ADMIN, BATON_BENCH_ADMIN_PASSWORD
#                          an admin of BATON_BENCH_DB's org who first adds the
#                          sender (team ae) and receiver (team onboarding)
#   BATON_BENCH_DURATION   seconds measured per run (default 10)
#   BATON_BENCH_WARMUP     seconds of warm-up per run (default 2)
#   BATON_BENCH_CONNECTIONS  e.g. "16 64" (default)
#   BATON_BENCH_SCENARIOS    e.g. "bare gates scorecard write" (default; write
#                            last: it adds handoffs, which later reads would see)
#   BATON_BENCH_KEEP       a file to keep the JSON results in
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
duration="${BATON_BENCH_DURATION:-10}"
warmup="${BATON_BENCH_WARMUP:-2}"
connections="${BATON_BENCH_CONNECTIONS:-16 64}"
scenarios="${BATON_BENCH_SCENARIOS:-bare gates scorecard write}"
sender="${BATON_BENCH_LOGIN:-ae1@demo.test}"
receiver="${BATON_BENCH_RECEIVER:-onboarding1@demo.test}"
export BATON_BENCH_PASSWORD="${BATON_BENCH_PASSWORD:-baton-demo-password}"
pg_admin="postgres://postgres@127.0.0.1:5432/postgres"

work="$(mktemp -d)"
server=""
pg_db=""
cleanup() {
  if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server"
    wait "$server" 2>/dev/null || true
  fi
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

# An imported org has no one who can sign in: an admin adds the two people
# the load signs in as (BATON_BENCH_ADMIN and BATON_BENCH_ADMIN_PASSWORD).
if [[ -n "${BATON_BENCH_ADMIN:-}" ]]; then
  jar="$work/cookies"
  curl -sf -c "$jar" -H 'content-type: application/json' -X POST "$base/api/v1/session" \
    -d "{\"email\":\"$BATON_BENCH_ADMIN\",\"password\":\"$BATON_BENCH_ADMIN_PASSWORD\"}" >/dev/null
  add_user() {
    curl -sf -b "$jar" -H 'content-type: application/json' -H "origin: $base" -X POST "$base/api/v1/users" \
      -d "{\"email\":\"$1\",\"name\":\"$1\",\"password\":\"$BATON_BENCH_PASSWORD\",\"teams\":[{\"team\":\"$2\",\"role\":\"member\"}]}" >/dev/null \
      || echo "note: could not add $1 (already there?)" >&2
  }
  add_user "$sender" "${BATON_BENCH_SENDER_TEAM:-ae}"
  add_user "$receiver" "${BATON_BENCH_RECEIVER_TEAM:-onboarding}"
fi

# Memory and CPU of the server, from /proc (Linux).
status_kb() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$server/status"; }
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$server/stat"; }
idle_rss="$(status_kb VmRSS)"

# The first match of "key":value in a JSON object (top-level keys come
# first in the generator's output).
field() { grep -o "\"$2\":[^,}]*" <<<"$1" | head -n 1 | cut -d: -f2-; }
step() { field "$(grep -o "\"$2\":{[^}]*}" <<<"$1")" "$3"; }

echo "Baton $("$baton" --version | cut -d' ' -f2) on $mode, $(nproc) cores, $base; ${duration} s per run after ${warmup} s warm-up"
printf '%-10s %5s %9s %8s %8s %8s %8s %7s %9s %9s %7s %7s\n' \
  scenario conns req/s iter/s p50_ms p99_ms max_ms errors acc_p50 acc_p99 cli_cpu srv_cpu
# Scenario by scenario, so every read runs before write adds handoffs.
for s in $scenarios; do
  for c in $connections; do
    args=(bench http --url "$base" --scenario "$s" --connections "$c"
      --duration "$duration" --warmup "$warmup" --login "$sender" --json)
    [[ "$s" == write ]] && args+=(--receiver-login "$receiver")
    before="$(cpu_ticks)"
    started="$(date +%s.%N)"
    out="$("$baton" "${args[@]}")"
    ended="$(date +%s.%N)"
    after="$(cpu_ticks)"
    echo "$out" >>"$work/results.jsonl"
    srv_cpu="$(awk -v a="$before" -v b="$after" -v s="$started" -v e="$ended" \
      'BEGIN { printf "%.0f%%", (b - a) / 100 / (e - s) * 100 }')"
    iter="-"; acc50="-"; acc99="-"
    if [[ "$s" == write ]]; then
      iter="$(field "$out" iter_per_s)"
      acc50="$(step "$out" accept p50_ms)"
      acc99="$(step "$out" accept p99_ms)"
    fi
    printf '%-10s %5s %9s %8s %8s %8s %8s %7s %9s %9s %6s%% %7s\n' "$s" "$c" \
      "$(field "$out" req_per_s)" "$iter" "$(field "$out" p50_ms)" \
      "$(field "$out" p99_ms)" "$(field "$out" max_ms)" "$(field "$out" errors)" \
      "$acc50" "$acc99" "$(field "$out" client_cpu_pct | cut -d. -f1)" "$srv_cpu"
    if [[ "$(field "$out" errors)" != 0 ]]; then
      echo "  first error: $(field "$out" first_error)"
    fi
  done
done
peak_rss="$(status_kb VmHWM)"
echo "server memory: idle RSS $((idle_rss / 1024)) MiB, peak RSS under load $((peak_rss / 1024)) MiB"
echo "(cli_cpu: the generator's CPU over the measured window; srv_cpu: the server's over the whole run, warm-up and setup included; 100% = one core)"
if [[ -n "${BATON_BENCH_KEEP:-}" ]]; then
  echo "{\"scenario\":\"memory\",\"idle_rss_mib\":$((idle_rss / 1024)),\"peak_rss_mib\":$((peak_rss / 1024))}" >>"$work/results.jsonl"
  cp "$work/results.jsonl" "$BATON_BENCH_KEEP"
fi
