#!/usr/bin/env bash
# Installs (idempotently, as root, from Debian) and starts on 127.0.0.1 the real servers the
# test suite talks to; `stop` takes them down. State lives in .test-services/ and is thrown away.
#   scripts/test-services.sh start   -> writes .test-services/env (exported URLs for the tests)
#   scripts/test-services.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/.test-services"
pg_port=${TEST_PG_PORT:-55432}
# chromium and CJK fonts: the browser tests (Chinese screens, screenshots).
packages=(postgresql mosquitto mosquitto-clients victoria-metrics chromium fonts-noto-cjk)

install_packages() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "test-services: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then echo "test-services: need root to apt-get install ${missing[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1; }

start_postgres() {
  local bin; bin=$(pg_bin)
  local data="$root/pg"
  rm -rf "$data"; mkdir -p "$data"
  chown postgres:postgres "$data"
  runuser -u postgres -- "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
  # fsync off: test databases are thrown away; the product's own durability is tested on SQLite FULL.
  runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$data/log" -w -o \
    "-h 127.0.0.1 -p $pg_port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
  echo "export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/postgres" >> "$root/env"
}

stop_postgres() {
  local bin; bin=$(pg_bin)
  [ -f "$root/pg/postmaster.pid" ] && runuser -u postgres -- "$bin/pg_ctl" -D "$root/pg" -m fast -w stop >/dev/null || true
}

case "${1:-}" in
  start)
    install_packages
    "$0" stop >/dev/null 2>&1 || true
    mkdir -p "$root"; : > "$root/env"
    start_postgres
    echo "test-services: PostgreSQL on 127.0.0.1:$pg_port"
    ;;
  stop)
    stop_postgres
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
