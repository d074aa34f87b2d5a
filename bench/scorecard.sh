#!/usr/bin/env bash
# The scorecard at about 1M handoffs: generate seeded history, import it into
# a fresh SQLite database, then time the scorecard (all contracts, 12 months
# of trend) in process. Usage: bench/scorecard.sh [ACCOUNTS] (default 350000,
# about 1M handoffs; 35000 gives about 100k). Needs a few GB of RAM for the
# import, which is decided in memory before its one transaction.
set -euo pipefail
cd "$(dirname "$0")/.."
accounts="${1:-350000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --release -q
baton=target/release/baton
db="sqlite://$work/bench.db"
$baton demo generate --accounts "$accounts" --months 12 --end 2026-11-01T00:00:00Z --out "$work/h.jsonl"
$baton --database-url "$db" init --org Bench --admin-email admin@bench.test --admin-password benchmark-pass >/dev/null
$baton --database-url "$db" import events "$work/h.jsonl"
$baton --database-url "$db" bench scorecard --period 2026-10 --periods 12 --runs 20
