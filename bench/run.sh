#!/usr/bin/env bash
# Benchmarks blaze side by side with its peers; each part writes its section of results under
# bench/results/, and bench/RESULTS.md is all the sections.
#
#   bash bench/run.sh                 # every part: 10M rows, 3 runs per tool
#   bash bench/run.sh odo             # odo conversions (needs PostgreSQL: started here)
#   bash bench/run.sh groupby         # db-benchmark group-by q1-q10
#   bash bench/run.sh pushdown        # a group-by in PostgreSQL (needs PostgreSQL: started here)
#   bash bench/run.sh order           # what keeping rows in order costs, beside DuckDB
#   bash bench/run.sh server          # blaze serve under wrk's load (installs Debian's wrk)
#   bash bench/run.sh tasks           # task scheduler overhead beside dask's threaded scheduler
#   bash bench/run.sh arrays          # chunked arrays beside numpy and dask.array
#   bash bench/run.sh ooc             # an out-of-core Zarr sum beside the disk's read rate
#   ROWS=1000000 RUNS=5 bash bench/run.sh groupby
#   SCALE=1000000 bash bench/run.sh tasks
#
# Creates bench/.venv (the peers, from the Python package registry) and bench/data (generated
# inputs); both are ignored by git.
set -euo pipefail
cd "$(dirname "$0")/.."
part="${1:-all}"
case "$part" in
  all|odo|groupby|pushdown|order|server|tasks|arrays|ooc) ;;
  *) echo "usage: bash bench/run.sh [all|odo|groupby|pushdown|order|server|tasks|arrays|ooc]" >&2; exit 2 ;;
esac
venv=bench/.venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r bench/requirements.txt
if [ "$part" != tasks ] && [ "$part" != arrays ] && [ "$part" != ooc ]; then
  # One build of both, so that they share one set of compiled dependencies.
  cargo build --release --quiet -p blaze-cli -p blaze-compute --bins --example datafusion_direct
fi
if [ "$part" = all ] || [ "$part" = odo ] || [ "$part" = pushdown ]; then
  eval "$(scripts/services.sh start)"
  trap 'scripts/services.sh stop' EXIT
fi
if [ "$part" = all ] || [ "$part" = odo ]; then
  "$venv/bin/python" bench/odo_bench.py \
    --blaze target/release/blaze \
    --rows "${ROWS:-10000000}" \
    --runs "${RUNS:-3}" \
    --out bench/results/odo.md
fi
if [ "$part" = all ] || [ "$part" = groupby ]; then
  "$venv/bin/python" bench/groupby_bench.py \
    --blaze target/release/blaze \
    --direct target/release/examples/datafusion_direct \
    --rows "${ROWS:-10000000}" \
    --runs "${RUNS:-3}" \
    --out bench/results/groupby.md
fi
if [ "$part" = all ] || [ "$part" = pushdown ]; then
  "$venv/bin/python" bench/pushdown_bench.py \
    --blaze target/release/blaze \
    --rows "${ROWS:-10000000}" \
    --runs "${RUNS:-3}" \
    --out bench/results/pushdown.md
fi
if [ "$part" = all ] || [ "$part" = order ]; then
  "$venv/bin/python" bench/order_bench.py \
    --blaze target/release/blaze \
    --rows "${ROWS:-10000000}" \
    --runs "${RUNS:-7}" \
    --out bench/results/order.md
fi
if [ "$part" = all ] || [ "$part" = server ]; then
  if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >&2
    else
      sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >&2
    fi
  fi
  python3 bench/server_bench.py \
    --blaze target/release/blaze \
    --duration "${DURATION:-10}" \
    --out bench/results/server.md
fi
if [ "$part" = all ] || [ "$part" = tasks ]; then
  cargo build --release --quiet -p blaze-tasks --example tasks_bench
  "$venv/bin/python" bench/tasks_bench.py \
    --bench target/release/examples/tasks_bench \
    --scale "${SCALE:-100000}" \
    --runs "${RUNS:-3}" \
    --out bench/results/tasks.md
fi
if [ "$part" = all ] || [ "$part" = arrays ]; then
  cargo build --release --quiet -p blaze-array --example array_bench
  "$venv/bin/python" bench/array_bench.py \
    --bench target/release/examples/array_bench \
    --runs "${RUNS:-3}" \
    --out bench/results/arrays.md
fi
if [ "$part" = all ] || [ "$part" = ooc ]; then
  cargo build --release --quiet -p blaze-array --example ooc_bench
  "$venv/bin/python" bench/ooc_bench.py \
    --bench target/release/examples/ooc_bench \
    --gb "${OOC_GB:-4}" \
    --cap-mb "${OOC_CAP_MB:-1024}" \
    --dask \
    --out bench/results/ooc.md
fi
{
  echo "# Benchmark results"
  for section in bench/results/odo.md bench/results/groupby.md bench/results/pushdown.md bench/results/order.md \
      bench/results/server.md \
      bench/results/tasks.md bench/results/arrays.md bench/results/ooc.md; do
    if [ -f "$section" ]; then
      echo
      cat "$section"
    fi
  done
} > bench/RESULTS.md
