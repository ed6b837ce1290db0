#!/usr/bin/env bash
# Benchmarks blaze side by side with its peers and writes bench/RESULTS.md.
#
#   bash bench/run.sh                 # 10M rows, 3 runs per tool
#   ROWS=1000000 RUNS=5 bash bench/run.sh
#
# Creates bench/.venv (the peers, from the Python package registry) and bench/data (generated
# inputs); both are ignored by git.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=bench/.venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r bench/requirements.txt
cargo build --release --quiet -p blaze-cli
eval "$(scripts/services.sh start)"
trap 'scripts/services.sh stop' EXIT
"$venv/bin/python" bench/odo_bench.py \
  --blaze target/release/blaze \
  --rows "${ROWS:-10000000}" \
  --runs "${RUNS:-3}" \
  --out bench/RESULTS.md
