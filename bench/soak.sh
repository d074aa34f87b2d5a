#!/usr/bin/env bash
# Soak (issue 8): a real `baton serve` (release binary) on a fresh SQLite
# database with the demo org, under mixed traffic over loopback for
# SOAK_SECONDS: gate checks, scorecards, handoff reads, writes (create +
# submit + accept) and sign-ins (wrk with bench/load.lua in its `mixed`
# mode, set up by bench/prepare.py). The server's RSS is sampled every 10 s.
#
# Fails when any request got an unexpected answer (anything but 2xx, or a
# broken connection), when the server logged an ERROR, or when memory
# grows: the mean RSS of the last minute must stay within
# SOAK_RSS_GROWTH (default 1.2) × the mean of the second minute (the first
# is warm-up: caches and pools fill). Runs shorter than 3 minutes compare
# the last third with the second third instead.
#
# Usage: bench/soak.sh
#
# Environment:
#   BATON             the binary (default: $CARGO_TARGET_DIR or target, /release/baton)
#   SOAK_SECONDS      how long the traffic runs (default 600)
#   SOAK_CONNECTIONS  concurrent connections (default 8)
#   SOAK_RSS_GROWTH   the allowed growth factor (default 1.2)
#   BATON_LOG         the server's log filter (default warn: a log line per
#                     request for 10 minutes is not what is measured)
set -euo pipefail
cd "$(dirname "$0")/.."
baton="${BATON:-${CARGO_TARGET_DIR:-target}/release/baton}"
if [[ ! -x "$baton" ]]; then
  echo "no binary at $baton: run cargo build --release (or set BATON)" >&2
  exit 1
fi
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
seconds="${SOAK_SECONDS:-600}"
connections="${SOAK_CONNECTIONS:-8}"
growth="${SOAK_RSS_GROWTH:-1.2}"
sender="ae1@demo.test"
receiver="onboarding1@demo.test"
export BATON_BENCH_PASSWORD="baton-demo-password"
export BATON_LOG="${BATON_LOG:-warn}"

work="$(mktemp -d)"
server=""
sampler=""
cleanup() {
  if [[ -n "$sampler" ]] && kill -0 "$sampler" 2>/dev/null; then
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
  fi
  if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server"
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

url="sqlite://$work/soak.db"
# The demo org is made by its own process, so the server's memory is that
# of serving, not of generating history.
"$baton" --database-url "$url" demo >"$work/demo.out"
head -n 1 "$work/demo.out"

# shellcheck source=bench/serve.sh
source bench/serve.sh
start_server
prep="$work/prep"
python3 bench/prepare.py --base "$base" --out "$prep" --sender "$sender" --receiver "$receiver"

# RSS every 10 s, as "seconds-since-start KiB", until stopped.
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$server/status"; }
(
  start=$SECONDS
  while kill -0 "$server" 2>/dev/null; do
    echo "$((SECONDS - start)) $(rss_kb)" >>"$work/rss"
    sleep 10
  done
) &
sampler=$!

echo "Baton $("$baton" --version | cut -d' ' -f2) soak: $base, $(nproc) cores, ${seconds} s of mixed traffic on $connections connections"
status=0
BATON_WRK_MODE=mixed BATON_WRK_CONNECTIONS="$connections" BATON_WRK_OUT="$work/load.json" \
  BATON_WRK_TOKEN="$(cat "$prep/sender.token")" BATON_WRK_RECEIVER_TOKEN="$(cat "$prep/receiver.token")" \
  BATON_WRK_PATHS="$prep/gates.paths" BATON_WRK_CREATES="$prep/creates.jsonl" \
  BATON_WRK_ACCEPT="$prep/accept.json" BATON_WRK_READS="$prep/reads.paths" \
  BATON_WRK_SCORECARD="$(cat "$prep/scorecard.path")" BATON_WRK_SIGNIN="$(cat "$prep/signin.json")" \
  wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s --latency -s bench/load.lua "$base/" \
  >"$work/wrk.txt" 2>&1 || status=$?
out="$(cat "$work/load.json" 2>/dev/null || true)"
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=""

if [[ $status -ne 0 || -z "$out" ]]; then
  echo "FAIL: the load generator stopped (exit $status)" >&2
  cat "$work/wrk.txt" >&2
  tail -n 20 "$work/serve.log" >&2
  exit 1
fi

# The summary, the verdict on errors and memory: one small Python, as
# bench/report.py does for the benchmark.
python3 - "$out" "$work/rss" "$seconds" "$growth" "$work/serve.log" <<'PY'
import json, re, sys
out, rss_file, seconds, growth, log = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
r = json.loads(out)
kinds = ["gate", "scorecard", "read", "create", "submit", "accept", "signin"]
print(f"requests: {r['requests']} in {r['duration_s']:.0f} s ({r['req_per_s']:.0f}/s), "
      f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms (every kind together)")
print("by kind (sent):  " + ", ".join(f"{k} {r['kinds'][k]}" for k in kinds))
print(f"writes:   {r['handoffs']} handoffs created, submitted and accepted")
print(f"errors:   {r['errors']}" + (f"; first: {r['first_error']}" if r["errors"] else ""))
samples = []
for line in open(rss_file):
    parts = line.split()
    if len(parts) == 2 and parts[1].isdigit():
        samples.append((int(parts[0]), int(parts[1]) / 1024))
print("RSS (MiB) every 10 s: " + " ".join(f"{m:.0f}" for _, m in samples))
if seconds >= 180:
    base = [m for t, m in samples if 60 <= t < 120]
    last = [m for t, m in samples if t >= seconds - 60]
    names = ("second minute", "last minute")
else:
    third = seconds / 3
    base = [m for t, m in samples if third <= t < 2 * third]
    last = [m for t, m in samples if t >= 2 * third]
    names = ("second third", "last third")
failed = []
if base and last:
    b, l = sum(base) / len(base), sum(last) / len(last)
    verdict = "ok" if l <= growth * b else "GROWS"
    print(f"memory:   mean of the {names[0]} {b:.1f} MiB, of the {names[1]} {l:.1f} MiB "
          f"(ratio {l / b:.3f}, bound {growth}): {verdict}")
    if l > growth * b:
        failed.append(f"RSS grew from {b:.1f} to {l:.1f} MiB")
else:
    failed.append("too few RSS samples to judge memory")
ansi = re.compile(r"\x1b\[[0-9;]*m")
errors_logged = [l for l in (ansi.sub("", x) for x in open(log, errors="replace")) if " ERROR " in l]
print(f"server log: {len(errors_logged)} ERROR line(s)")
if r["errors"]:
    failed.append(f"{r['errors']} request(s) failed")
if errors_logged:
    failed.append("the server logged errors, e.g. " + errors_logged[0].strip())
if failed:
    print("FAIL: " + "; ".join(failed))
    sys.exit(1)
print("PASS: no errors, memory flat")
PY
