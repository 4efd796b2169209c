#!/usr/bin/env bash
# Provides on 127.0.0.1 the servers and programs the full test suite needs; `stop` takes down what it started.
# Each comes from its environment variable when set, else from where Debian puts it
# (test/support/preflight.ts finds them, as the tests do):
#   TEST_DATABASE_URL          a PostgreSQL server the tests may create databases on (else one is started
#                              on 127.0.0.1:$TEST_PG_PORT, default 15432 (below the ephemeral port range, which a busy machine's own connections may hold), in .test-services/, thrown away)
#   TEST_PG_BIN                the directory of PostgreSQL's initdb and pg_ctl
#   TEST_MOSQUITTO_BIN         the directory of mosquitto_pub, mosquitto_sub, mosquitto_rr
#   TEST_VICTORIA_METRICS_BIN  the victoria-metrics program
#   TEST_CHROMIUM_PATH         a Chromium program
#   TEST_PROMTOOL              Prometheus's promtool
#   TEST_REDIS_SERVER          Redis's redis-server (the cluster tests start their own, one per file)
#   TEST_HAPROXY_BIN           HAProxy's haproxy (deploy/haproxy/yiyang.cfg run in front of hubs)
# What is missing is installed with apt-get when this is root (idempotent); otherwise it is named, with
# its variable, and `start` fails.
#   scripts/test-services.sh start   -> writes .test-services/env (exported URLs for the tests)
#   scripts/test-services.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/.test-services"
pg_port=${TEST_PG_PORT:-15432}
# Debian's packages for each need, by the name preflight.ts gives it. With chromium, CJK fonts (Chinese
# screens, screenshots); with the clients, mosquitto's broker (the bench's yardstick).
declare -A packages=(
  [postgresql]="postgresql"
  [mosquitto-clients]="mosquitto mosquitto-clients"
  [victoria-metrics]="victoria-metrics"
  [chromium]="chromium fonts-noto-cjk"
  [dbus-daemon]="dbus-daemon"
  [promtool]="prometheus"
  [redis-server]="redis-server"
  [nginx]="nginx"
  [systemd-analyze]="systemd"
  [haproxy]="haproxy"
)

preflight() { node --import tsx test/support/preflight.ts "$@"; }

provide() {
  local missing debs=()
  missing=$(preflight missing 2>/dev/null)
  [ -z "$missing" ] && return 0
  for need in $missing; do read -ra more <<< "${packages[$need]:-}"; debs+=("${more[@]}"); done
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "test-services: installing ${debs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${debs[@]}" >/dev/null
    missing=$(preflight missing 2>/dev/null)
    [ -z "$missing" ] && return 0
  fi
  echo "test-services: the full suite needs what is not here:" >&2
  preflight missing >/dev/null
  echo "  (Debian: apt-get install ${debs[*]}; npm run test:unit runs the tests that need none of it)" >&2
  exit 1
}

start_postgres() {
  if [ -n "${TEST_DATABASE_URL:-}" ]; then
    echo "export TEST_DATABASE_URL=$TEST_DATABASE_URL" >> "$root/env"
    echo "test-services: PostgreSQL from TEST_DATABASE_URL"
    return
  fi
  local bin data="$root/pg"
  bin=$(preflight path postgresql)
  echo "$bin" > "$root/pg-bin"
  rm -rf "$data"; mkdir -p "$data"
  # PostgreSQL refuses to run as root: root runs it as the postgres user, anyone else as themselves.
  local as=()
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$data"; as=(runuser -u postgres --); fi
  "${as[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
  # fsync off: test databases are thrown away; the product's own durability is tested on SQLite FULL.
  "${as[@]}" "$bin/pg_ctl" -D "$data" -l "$data/log" -w -o \
    "-h 127.0.0.1 -p $pg_port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null || {
    echo "test-services: PostgreSQL did not start on 127.0.0.1:$pg_port (another program on that port? set TEST_PG_PORT):" >&2
    tail -n 3 "$data/log" >&2
    exit 1
  }
  echo "export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/postgres" >> "$root/env"
  echo "test-services: PostgreSQL on 127.0.0.1:$pg_port"
}

stop_postgres() {
  [ -f "$root/pg/postmaster.pid" ] || return 0
  local bin as=()
  bin=$(cat "$root/pg-bin" 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$bin/pg_ctl" -D "$root/pg" -m fast -w stop >/dev/null || true
}

case "${1:-}" in
  start)
    provide
    "$0" stop >/dev/null 2>&1 || true
    mkdir -p "$root"; : > "$root/env"
    start_postgres
    ;;
  stop)
    stop_postgres
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
