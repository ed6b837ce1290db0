#!/usr/bin/env bash
# Runs every check the project has: formatting, lints, and all tests.
# This is the README's test command, and what CI runs (through .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> system libraries (scripts/system-deps.sh)"
scripts/system-deps.sh

echo "==> cargo fmt --check"
cargo fmt --all --check

echo "==> cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "==> services (scripts/services.sh)"
# Assigned first, so that a server that does not start stops the run here.
services_env=$(scripts/services.sh start)
eval "$services_env"
trap 'scripts/services.sh stop' EXIT

echo "==> tests (cargo nextest)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  echo "cargo-nextest not found; using cargo test" >&2
  cargo test --workspace --locked --no-fail-fast
fi

echo "==> doc tests"
cargo test --workspace --locked --doc
