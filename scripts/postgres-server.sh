#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on 127.0.0.1 for the test suite and prints the DATABASE_URL to use.
# Installs Debian's postgresql when no server binaries are found. Stop it with: scripts/postgres-server.sh stop DIR
set -euo pipefail

if [[ "${1:-}" == "stop" ]]; then
  dir="$2"
  bin="$(cat "$dir/.bin")"
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  exit 0
fi

find_bin() { { ls -d /usr/lib/postgresql/*/bin 2>/dev/null || true; } | sort -V | tail -n 1; }
bin="$(find_bin)"
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
  echo "installing Debian's postgresql" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
  bin="$(find_bin)"
fi

port="${PGPORT_TEST:-55432}"
# Another server (an earlier run, a second checkout) may hold the port: take the next free one.
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
dir="$(mktemp -d /tmp/ocpi-sdk-pg.XXXXXX)"
echo "$bin" > "$dir/.bin"
chown postgres "$dir"
# The server refuses to run as root: it runs as the postgres user, on loopback only, with its socket in its folder.
runuser -u postgres -- "$bin/initdb" -D "$dir/data" -A trust -U ocpi -E UTF8 >/dev/null
runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null
echo "$dir postgres://ocpi@127.0.0.1:$port/postgres"
