#!/usr/bin/env bash
# The scorecard at about 1M handoffs: generate seeded history (12 months),
# import it into a fresh SQLite database, then time the scorecard (all six
# contracts, 12 months of trend) in process.
#
# Usage: bench/scorecard.sh [ACCOUNTS]   (default 205000: about 1M handoffs;
# 20000 gives about 100k). The import decides each file in memory before its
# one transaction (~3 KB per line), so the history is imported in parts of
# 400,000 lines; later parts continue the handoffs of earlier ones.
set -euo pipefail
cd "$(dirname "$0")/.."
accounts="${1:-205000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --release -q
baton=target/release/baton
db="sqlite://$work/bench.db"
$baton demo generate --accounts "$accounts" --months 12 --end 2026-11-01T00:00:00Z --out "$work/h.jsonl"
split -l 400000 -d -a 3 "$work/h.jsonl" "$work/part-"
rm "$work/h.jsonl"
$baton --database-url "$db" init --org Bench --admin-email admin@bench.test --admin-password benchmark-pass >/dev/null
for part in "$work"/part-*; do
  $baton --database-url "$db" import events "$part" | tail -n 1
done
$baton --database-url "$db" bench scorecard --period 2026-10 --periods 12 --runs 20
