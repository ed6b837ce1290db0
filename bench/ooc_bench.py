"""Out of core: a sum over axis 0 of a Zarr array larger than the memory the process may use,
beside the disk's sequential read rate measured in the same run.

  1. makes bench/data/ooc.zarr (random float64, 4096 columns, --gb of it, zstd Zarr v3 in
     chunks of --chunk-mb) with crates/array/examples/ooc_bench.rs, unless it is there;
  2. drops the page cache and times `cat` of the store's chunk files in key order: the disk's
     sequential read rate for exactly the bytes the sum reads;
  3. drops the page cache and runs the sum (2 worker threads) in a memory cgroup capped at
     --cap-mb, which the page cache counts against too; optionally dask.array (from_zarr,
     threaded scheduler, 2 workers) under the same cap.

Dropping caches and the cgroup need root (as on this machine); without root the steps run
uncapped on a warm cache and the report says so. Writes a Markdown section.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

CGROUPS = [
    # (directory, limit file, peak file): cgroup v1's memory controller, then v2.
    ("/sys/fs/cgroup/memory/blaze-bench", "memory.limit_in_bytes", "memory.max_usage_in_bytes"),
    ("/sys/fs/cgroup/unified/blaze-bench", "memory.max", "memory.peak"),
    ("/sys/fs/cgroup/blaze-bench", "memory.max", "memory.peak"),
]


def make_cgroup(cap_bytes):
    """A memory cgroup limited to cap_bytes, as (directory, peak file), or None."""
    for directory, limit, peak in CGROUPS:
        d = Path(directory)
        try:
            d.mkdir(exist_ok=True)
            (d / limit).write_text(str(cap_bytes))
            return d, peak
        except OSError:
            continue
    return None


def drop_caches():
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


# glibc's malloc serves each 32 MiB chunk buffer from a fresh mmap, so every block costs page
# faults on several new buffers; these settings keep freed buffers for reuse instead.
MALLOC_REUSE = {
    "MALLOC_MMAP_THRESHOLD_": str(256 << 20),
    "MALLOC_TRIM_THRESHOLD_": str(1 << 30),
    "MALLOC_TOP_PAD_": str(256 << 20),
    "MALLOC_ARENA_MAX": "2",
}


def run_capped(cmd, cgroup, env=None):
    def enter():
        if cgroup:
            (cgroup[0] / "cgroup.procs").write_text(str(os.getpid()))
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, preexec_fn=enter,
                         env={**os.environ, **(env or {})})
    return time.perf_counter() - start, out.stdout


def chunk_files(store):
    files = [p for p in Path(store).rglob("*") if p.is_file() and p.name != "zarr.json"]
    # Chunk keys c/i/j in numeric order: the order of the blocks read.
    return sorted(files, key=lambda p: [int(s) if s.isdigit() else -1 for s in p.relative_to(store).parts])


DASK_SUM = """
import sys, time, dask, dask.array as da
dask.config.set(scheduler="threads", num_workers=2)
start = time.perf_counter()
x = da.from_zarr(sys.argv[1])
s = x.sum(axis=0).compute()
print(time.perf_counter() - start, float(s.sum()))
"""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bench", required=True, help="target/release/examples/ooc_bench")
    p.add_argument("--store", default="bench/data/ooc.zarr")
    p.add_argument("--gb", type=float, default=4.0)
    p.add_argument("--chunk-mb", type=float, default=32.0)
    p.add_argument("--cap-mb", type=int, default=1024)
    p.add_argument("--dask", action="store_true", help="also run dask.array under the same cap")
    p.add_argument("--out", required=True)
    a = p.parse_args()

    store = Path(a.store)
    if not (store / "zarr.json").exists():
        store.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([a.bench, "make", str(store), "--gb", str(a.gb), "--chunk-mb", str(a.chunk_mb)], check=True)
    files = chunk_files(store)
    stored = sum(f.stat().st_size for f in files)

    cold = drop_caches()
    start = time.perf_counter()
    for f in files:
        with open(f, "rb") as h:
            while h.read(1 << 20):
                pass
    disk_seconds = time.perf_counter() - start
    disk_rate = stored / disk_seconds

    cap = a.cap_mb << 20
    cgroup = make_cgroup(cap)
    drop_caches()
    _, out = run_capped([a.bench, "sum", str(store)], cgroup)
    ours = json.loads(out.strip().splitlines()[-1])
    peak = None
    if cgroup:
        try:
            peak = int((cgroup[0] / cgroup[1]).read_text()) / 2**20
        except OSError:
            pass
    our_rate = stored / ours["seconds"]
    drop_caches()
    _, out = run_capped([a.bench, "sum", str(store)], cgroup, MALLOC_REUSE)
    tuned = json.loads(out.strip().splitlines()[-1])
    tuned_rate = stored / tuned["seconds"]

    dask_line = ""
    if a.dask:
        drop_caches()
        _, out = run_capped([sys.executable, "-c", DASK_SUM, str(store)], cgroup)
        seconds, check = out.split()
        dask_line = (
            f"| dask.array (from_zarr, threads) | {float(seconds):.2f} s | {stored / float(seconds) / 1e6:.0f} MB/s "
            f"| {stored / float(seconds) / disk_rate:.2f} |\n"
        )

    conditions = (
        f"page cache dropped before each step; sum run in a memory cgroup capped at {a.cap_mb} MiB (page cache included)"
        if cold and cgroup
        else "NOT root: caches not dropped and no memory cap, so these figures are not out of core"
    )
    text = (
        "## Out-of-core Zarr sum (`bash bench/run.sh ooc`)\n\n"
        f"`x.sum(axis=0)` over a Zarr v3 array of {ours['bytes'] / 1e9:.2f} GB of float64 "
        f"({len(files)} zstd chunks, {stored / 1e9:.2f} GB on disk), {conditions}. "
        "Rates are on-disk bytes per second; the disk's rate is `cat`-like sequential reads of the same chunk "
        "files in key order, measured in the same run.\n\n"
        "| | time | read rate | of disk rate |\n|---|---:|---:|---:|\n"
        f"| disk, sequential read | {disk_seconds:.2f} s | {disk_rate / 1e6:.0f} MB/s | 1.00 |\n"
        f"| blaze-array (2 workers) | {ours['seconds']:.2f} s | {our_rate / 1e6:.0f} MB/s | {our_rate / disk_rate:.2f} |\n"
        f"| blaze-array, malloc keeping freed buffers ({' '.join(f'{k}={v}' for k, v in MALLOC_REUSE.items())}) "
        f"| {tuned['seconds']:.2f} s | {tuned_rate / 1e6:.0f} MB/s | {tuned_rate / disk_rate:.2f} |\n"
        + dask_line
        + f"\nblaze's peak resident memory: {ours['peak_rss_mib']:.0f} MiB"
        + (f"; the cgroup's peak (with page cache): {peak:.0f} MiB" if peak is not None else "")
        + f". Target: ≥ 0.80 of the disk's rate.\n"
    )
    Path(a.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
