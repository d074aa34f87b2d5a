# Sourced by bench/http.sh and bench/soak.sh: starts `baton serve` on a
# free loopback port and waits for the address it prints. Expects $baton,
# $url and $work; sets $server (the pid) and $base (http://127.0.0.1:PORT).
start_server() {
  "$baton" --database-url "$url" serve --bind 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.log" &
  server=$!
  base=""
  for _ in $(seq 600); do
    base="$(sed -n 's|^Baton is serving \(http://[^/]*\)/.*|\1|p' "$work/serve.out")"
    [[ -n "$base" ]] && return 0
    if ! kill -0 "$server" 2>/dev/null; then
      echo "baton serve stopped:" >&2
      cat "$work/serve.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "baton serve did not start" >&2
  exit 1
}
