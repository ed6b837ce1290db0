#!/usr/bin/env bash
# Installs the C libraries the build links against, from Debian's packages, when missing:
#   libhdf5-dev             HDF5 datasets in blaze-array (hdf5-metno links the system's libhdf5)
#   libopenblas-serial-dev  OpenBLAS for blaze-array's matrix products (ndarray's `blas`
#                           feature), single-threaded and linked statically by crates/array/build.rs
# Run before building (scripts/test.sh does); a no-op when they are already installed.
set -euo pipefail

packages=(libhdf5-dev libopenblas-serial-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing ${missing[*]} (Debian packages)" >&2
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
# A fresh machine's package lists may be stale: update them when the first try fails.
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 \
  || { $sudo apt-get update -q >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2; }
