#!/usr/bin/env bash
# Starts and stops the servers the tests talk to, on loopback ports, with data under .services/.
#
#   scripts/services.sh start   # prints `export ...` lines for the tests' environment
#   scripts/services.sh stop
#   eval "$(scripts/services.sh start)"
#
# PostgreSQL: the machine's own installation (Debian's postgresql package), a throwaway cluster
# on port ${BLAZE_PG_PORT:-55432}, user postgres, password postgres, database blaze_test.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/.services"
pg_port="${BLAZE_PG_PORT:-55432}"
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
pg_data="$root/postgres"

# PostgreSQL refuses to run as root: run its tools as the postgres user when we are root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_postgres() {
  if [ -z "$pg_bin" ]; then
    echo "PostgreSQL is not installed (expected /usr/lib/postgresql/*/bin)" >&2
    exit 1
  fi
  mkdir -p "$root"
  if [ "$(id -u)" = 0 ]; then
    install -d -o postgres -g postgres -m 700 "$pg_data"
  else
    install -d -m 700 "$pg_data"
  fi
  if [ ! -f "$pg_data/PG_VERSION" ]; then
    as_pg "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$root/initdb.log" 2>&1 \
      || { cat "$root/initdb.log" >&2; exit 1; }
  fi
  if ! as_pg "$pg_bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w -t 60 \
      -o "-p $pg_port -k $pg_data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  fi
  as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qtA \
    -c "ALTER USER postgres PASSWORD 'postgres'" >/dev/null
  if ! as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qtA \
      -c "SELECT 1 FROM pg_database WHERE datname = 'blaze_test'" | grep -q 1; then
    as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres blaze_test
  fi
  echo "export BLAZE_TEST_POSTGRES=postgresql://postgres:postgres@127.0.0.1:$pg_port/blaze_test"
}

stop_postgres() {
  if [ -n "$pg_bin" ] && [ -f "$pg_data/PG_VERSION" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast stop >/dev/null 2>&1 || true
  fi
}

case "${1:-}" in
  start) start_postgres ;;
  stop) stop_postgres ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
