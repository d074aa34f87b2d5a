#!/usr/bin/env bash
# Schemathesis, an outside conformance tool, against the API a demo server
# serves: every operation of /api/v1/openapi.json with every check, once as
# the demo admin and once as a plain member, each run bounded in time. Any
# failure it reports fails this script (and so CI).
#
#   scripts/schemathesis.sh            # builds `baton` (debug) first
#   BATON_BIN=path/to/baton scripts/schemathesis.sh
#
# Schemathesis comes from PyPI at the version pinned in
# scripts/schemathesis-requirements.txt (with all it depends on), into a
# virtualenv under target/ that is made once and reused while the pins hold.
# The server runs on a fresh SQLite database in a temporary directory, on a
# port the kernel picks, and is killed when this script exits.
set -euo pipefail
cd "$(dirname "$0")/.."

# Per run (admin, member): examples per operation and a time budget. Two
# runs of ST_MAX_TIME seconds plus the demo's creation stay well under ten
# minutes on two cores.
max_examples="${ST_MAX_EXAMPLES:-25}"
max_time="${ST_MAX_TIME:-150}"
seed="${ST_SEED:-16}"

requirements=scripts/schemathesis-requirements.txt
venv="${CARGO_TARGET_DIR:-target}/schemathesis-venv"
stamp="$venv/.requirements"
if ! cmp -s "$requirements" "$stamp" 2>/dev/null; then
  echo "schemathesis: making the virtualenv $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  # Every package pinned, so nothing unpinned is pulled in.
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$requirements"
  cp "$requirements" "$stamp"
fi
st="$venv/bin/schemathesis"
echo "schemathesis: $("$st" --version)"

bin="${BATON_BIN:-}"
if [[ -z "$bin" ]]; then
  cargo build --quiet -p baton
  bin="${CARGO_TARGET_DIR:-target}/debug/baton"
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The demo org on an empty database, served on a port the kernel picks;
# the address is read from the server's first line, never guessed. Jobs
# (webhook deliveries to URLs schemathesis invents, SLA rounds) are off.
BATON_DATABASE_URL="sqlite://$work/baton.db" RUST_LOG="${RUST_LOG:-warn}" \
  "$bin" serve --demo --bind 127.0.0.1:0 --no-jobs >"$work/server.log" 2>&1 &
server_pid=$!

origin=""
deadline=$((SECONDS + 300))
while [[ -z "$origin" ]]; do
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; echo "schemathesis: the server exited"; exit 1; }
  ((SECONDS < deadline)) || { cat "$work/server.log"; echo "schemathesis: the server did not start"; exit 1; }
  origin="$(sed -n 's|^Baton is serving \(http://[0-9.:]*\)/.*|\1|p' "$work/server.log" | head -n 1)"
  [[ -n "$origin" ]] || sleep 0.2
done
until curl -fsS "$origin/readyz" >/dev/null 2>&1; do
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; echo "schemathesis: the server exited"; exit 1; }
  ((SECONDS < deadline)) || { echo "schemathesis: $origin/readyz never answered"; exit 1; }
  sleep 0.2
done
echo "schemathesis: demo server ready at $origin"

# A bearer token for a demo login: sign in (session cookie), then make a
# token with it. The password is the demo's, printed by `baton serve --demo`.
password="$(sed -n 's/^Demo logins (password \(.*\)):$/\1/p' "$work/server.log" | head -n 1)"
[[ -n "$password" ]] || { cat "$work/server.log"; echo "schemathesis: no demo password in the server's output"; exit 1; }
token_for() {
  local email="$1" jar="$work/cookies-$1"
  curl -fsS -c "$jar" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$origin/api/v1/session" >/dev/null
  curl -fsS -b "$jar" -H 'Content-Type: application/json' \
    -d '{"name":"schemathesis"}' "$origin/api/v1/tokens" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
admin_token="$(token_for admin@demo.test)"
member_token="$(token_for ae1@demo.test)"

# One worker: CPython 3.11's ast module keeps its recursion depth in state
# shared by threads, so two workers describing Hypothesis strategies at the
# same moment can fail with "AST constructor recursion depth mismatch" (a
# tool error, not a finding); it did once here with two.
# Checks: all of them. See scripts/schemathesis.toml for the statuses the
# data checks accept, and why. One operation is left out: DELETE
# /tokens/{id} would revoke the very token the run authenticates with (its
# ids are listed by GET /tokens), and every later answer would be a 401;
# the tests in crates/web/tests/it cover revoking.
run() {
  local who="$1" token="$2" started=$SECONDS
  echo "schemathesis: as $who (at most $max_examples examples per operation, ${max_time}s)"
  "$st" --config-file scripts/schemathesis.toml run "$origin/api/v1/openapi.json" \
    --checks all \
    --exclude-operation-id tokens_revoke \
    --header "Authorization: Bearer $token" \
    --max-examples "$max_examples" \
    --max-time "$max_time" \
    --seed "$seed" \
    --workers 1 \
    --request-timeout 30 \
    --no-color \
    --report junit --report-dir "$work/report-$who" \
    || { echo "schemathesis: failures as $who"; return 1; }
  echo "schemathesis: as $who passed in $((SECONDS - started))s"
}
status=0
run admin "$admin_token" || status=1
run member "$member_token" || status=1
if ((status != 0)); then
  echo "schemathesis: FAILED; the server's log:"
  tail -n 50 "$work/server.log"
fi
exit "$status"
