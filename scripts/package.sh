#!/usr/bin/env bash
# Baton's Debian package, end to end on this machine (as root, as CI runs
# it): build it with cargo-deb, install it with apt, run `baton serve
# --demo` as the package's `baton` user against /var/lib/baton, check
# /healthz, the man page, the completions and the settings file's
# permissions, then purge the package. Fails on the first thing wrong.
#
#   scripts/package.sh            # leaves target/debian/baton_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

if dpkg-query -W -f='${Status}' baton 2>/dev/null | grep -q "ok installed"; then
  echo "package: baton is already installed here; remove it first" >&2
  exit 1
fi
if ! command -v cargo-deb >/dev/null 2>&1; then
  echo "package: installing cargo-deb"
  cargo install cargo-deb --locked
fi

target="${CARGO_TARGET_DIR:-target}"
cargo build --release --locked -p baton
bin="$target/release/baton"
# The man pages and completions come from the binary's own command line.
assets="$target/release/deb"
rm -rf "$assets"
mkdir -p "$assets/man" "$assets/completions"
"$bin" man --dir "$assets/man"
gzip -9n "$assets"/man/*.1
"$bin" completions bash > "$assets/completions/baton"
"$bin" completions zsh > "$assets/completions/_baton"
"$bin" completions fish > "$assets/completions/baton.fish"
rm -rf "$target/debian"
# Stripped: line tables serve backtraces in development, not the package.
cargo deb -p baton --no-build --strip --output "$target/debian/"
deb="$(ls "$target"/debian/baton_*.deb)"
echo "package: built $deb"
dpkg-deb --contents "$deb"

port="${BATON_PACKAGE_PORT:-18473}"
server=""
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null || true
  if dpkg-query -W baton >/dev/null 2>&1; then
    apt-get purge -y -q baton >/dev/null 2>&1 || true
    rm -rf /var/lib/baton
    userdel baton 2>/dev/null || true
  fi
}
trap cleanup EXIT

apt-get install -y -q "$(realpath "$deb")"
fail() { echo "package: $*" >&2; exit 1; }
[[ -x /usr/bin/baton ]] || fail "no /usr/bin/baton"
getent passwd baton >/dev/null || fail "no baton user"
[[ "$(stat -c %U /var/lib/baton)" == baton ]] || fail "/var/lib/baton is not the baton user's"
[[ "$(stat -c %a:%G /etc/baton/baton.toml)" == 640:baton ]] \
  || fail "/etc/baton/baton.toml is $(stat -c %a:%G /etc/baton/baton.toml), not 640:baton"
[[ -f /usr/lib/systemd/system/baton.service || -f /lib/systemd/system/baton.service ]] \
  || fail "no systemd unit"
man -w baton >/dev/null || fail "man baton finds no page"
man -w baton-serve >/dev/null || fail "man baton-serve finds no page"
grep -q "complete -F _baton" /usr/share/bash-completion/completions/baton \
  || fail "no bash completion"
[[ -s /usr/share/zsh/vendor-completions/_baton ]] || fail "no zsh completion"
[[ -s /usr/share/fish/vendor_completions.d/baton.fish ]] || fail "no fish completion"

# As the unit runs it: the baton user, the packaged settings, /var/lib/baton
# as its working directory (only the port differs, to stay off 8080).
log="$(mktemp)"
(cd /var/lib/baton && exec runuser -u baton -- /usr/bin/baton --config /etc/baton/baton.toml \
  serve --demo --bind "127.0.0.1:$port" --no-jobs) > "$log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$log"; fail "baton serve exited"; }
  sleep 0.5
done
[[ "$(curl -fsS "http://127.0.0.1:$port/healthz")" == ok ]] || { cat "$log"; fail "/healthz did not answer ok"; }
[[ "$(stat -c %U /var/lib/baton/baton.db)" == baton ]] || fail "the database is not in /var/lib/baton, owned by baton"
curl -fsS "http://127.0.0.1:$port/api/docs/" | grep -q swagger-ui || fail "no API reference"
kill "$server"
wait "$server" || true
server=""
echo "package: served as baton from /var/lib/baton; /healthz ok"

apt-get purge -y -q baton
[[ ! -e /usr/bin/baton ]] || fail "/usr/bin/baton is still there after purge"
[[ ! -e /etc/baton/baton.toml ]] || fail "/etc/baton/baton.toml is still there after purge"
# Purging never deletes data: the database and the user stay until an
# operator removes them, as this machine's cleanup does now.
[[ -f /var/lib/baton/baton.db ]] || fail "purging deleted the database"
rm -rf /var/lib/baton
userdel baton
echo "package: removed; $deb is good"
