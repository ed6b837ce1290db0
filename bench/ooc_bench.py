"""Out of core: a sum over axis 0 of a Zarr array larger than the memory the process may use,
beside the disk's sequential read rate measured in the same run.

  1. makes bench/data/ooc.zarr (random float64, 4096 columns, --gb of it, zstd Zarr v3 in
     chunks of --chunk-mb) with crates/array/examples/ooc_bench.rs, unless it is there;
  2. drops the page cache and times reading the store's chunk files in key order, once as `cat`
     does (buffered, into one reused buffer), twice with direct I/O (into small pages, and into
     huge pages, which let the disk take larger requests), and once with direct I/O into huge
     pages by IN_FLIGHT threads taking the files in turn, so that the disk holds as many
     requests as blaze-array's read-ahead gives it; and keeps the fastest: the disk's
     sequential read rate for exactly the bytes the sum reads;
  3. drops the page cache and runs the sum (2 worker threads) in a memory cgroup capped at
     --cap-mb, which the page cache counts against too; steps 2 and 3 are repeated by turns
     (--rounds) and their medians kept; optionally dask.array (from_zarr, threaded scheduler,
     2 workers), once, under the same cap;
  4. does the same over a copy of the array stored uncompressed (made with zarr-python), where
     the disk rather than zstd's decompression on two cores sets the pace.

Dropping caches and the cgroup need root (as on this machine); without root the steps run
uncapped on a warm cache and the report says so. Writes a Markdown section.
"""
import argparse
import json
import mmap
import os
import statistics
import subprocess
import sys
import threading
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


def run_capped(cmd, cgroup):
    def enter():
        if cgroup:
            (cgroup[0] / "cgroup.procs").write_text(str(os.getpid()))
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, preexec_fn=enter)
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


MAKE_RAW = """
import sys, zarr
src = zarr.open_array(sys.argv[1], mode="r")
dst = zarr.create_array(sys.argv[2], shape=src.shape, chunks=src.chunks, dtype=src.dtype,
                        compressors=None, overwrite=True)
step = src.chunks[0] * 8
for i in range(0, src.shape[0], step):
    dst[i:i + step] = src[i:i + step]
"""


def read_buffered(files):
    """Reads `files` in order as `cat` does: through the page cache, into one reused buffer."""
    buf = bytearray(1 << 20)
    for f in files:
        with open(f, "rb", buffering=0) as h:
            while h.readinto(buf):
                pass


def read_direct(files, huge_pages=False, size=None):
    """Reads `files` in order with direct I/O (O_DIRECT, no page cache), each whole into one
    reused page-aligned buffer; of huge pages if `huge_pages` (where the kernel has them), so
    that a request to the disk can be as large as the disk takes (blaze-array reads so).
    `files` may be an iterator others take from too, if `size` (the largest file's) is given."""
    size = size or max(f.stat().st_size for f in files)
    buf = mmap.mmap(-1, max(4096, (size + 4095) // 4096 * 4096))
    if huge_pages and hasattr(mmap, "MADV_HUGEPAGE"):
        buf.madvise(mmap.MADV_HUGEPAGE)
    for f in files:
        fd = os.open(f, os.O_RDONLY | os.O_DIRECT)
        try:
            at = 0
            while True:
                n = os.preadv(fd, [buf], at)
                at += n
                if n < len(buf):
                    break
        finally:
            os.close(fd)


# Files read at once by read_direct_in_flight: blaze-array's read-ahead keeps up to 8 pending.
IN_FLIGHT = 8


def read_direct_in_flight(files):
    """Reads `files` with direct I/O into huge pages, IN_FLIGHT at a time: threads take the next
    file in key order in turn, so the files are requested in order with several in flight."""
    size = max(f.stat().st_size for f in files)
    queue, lock, errors = iter(files), threading.Lock(), []

    def take():
        while True:
            with lock:
                f = next(queue, None)
            if f is None:
                return
            yield f

    def reader():
        try:
            read_direct(take(), huge_pages=True, size=size)
        except OSError as e:
            errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(IN_FLIGHT)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def disk_seconds(files):
    """Seconds to read `files` in order from a dropped page cache: the fastest of buffered reads,
    direct reads into small or huge pages, and direct reads of several files at once, so that
    the disk's rate is what the disk can give, not what a reader costs."""
    times = []
    huge = lambda files: read_direct(files, huge_pages=True)  # noqa: E731
    for read in (read_buffered, read_direct, huge, read_direct_in_flight):
        drop_caches()
        start = time.perf_counter()
        try:
            read(files)
        except OSError:  # no O_DIRECT on this file system
            continue
        times.append(time.perf_counter() - start)
    return min(times)


def measure(bench, store, cgroup, dask, rounds):
    """Rows (name, seconds) for the disk, blaze-array and dask on `store`, its on-disk bytes,
    our JSON report and the cgroup's peak. The disk and blaze-array are timed by turns, `rounds`
    times, and their medians taken: this disk's rate drifts by a third from one run to the next."""
    files = chunk_files(store)
    stored = sum(f.stat().st_size for f in files)
    disk, sums, peak = [], [], None
    for _ in range(rounds):
        disk.append(disk_seconds(files))
        drop_caches()
        _, out = run_capped([bench, "sum", str(store)], cgroup)
        ours = json.loads(out.strip().splitlines()[-1])
        sums.append(ours["seconds"])
        if cgroup:
            try:
                peak = max(peak or 0, int((cgroup[0] / cgroup[1]).read_text()) / 2**20)
            except OSError:
                pass
    rows = [("disk, sequential read", statistics.median(disk)),
            ("blaze-array (2 workers)", statistics.median(sums))]
    if dask:
        drop_caches()
        _, out = run_capped([sys.executable, "-c", DASK_SUM, str(store)], cgroup)
        rows.append(("dask.array (from_zarr, threads)", float(out.split()[0])))
    return rows, stored, ours, peak


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bench", required=True, help="target/release/examples/ooc_bench")
    p.add_argument("--store", default="bench/data/ooc.zarr")
    p.add_argument("--raw-store", default="bench/data/ooc_raw.zarr",
                   help="the same array stored uncompressed (made from --store with zarr-python)")
    p.add_argument("--gb", type=float, default=4.0)
    p.add_argument("--chunk-mb", type=float, default=32.0)
    p.add_argument("--cap-mb", type=int, default=1024)
    p.add_argument("--dask", action="store_true", help="also run dask.array under the same cap")
    p.add_argument("--rounds", type=int, default=3, help="times the disk and blaze-array are timed")
    p.add_argument("--out", required=True)
    a = p.parse_args()

    store, raw = Path(a.store), Path(a.raw_store)
    if not (store / "zarr.json").exists():
        store.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([a.bench, "make", str(store), "--gb", str(a.gb), "--chunk-mb", str(a.chunk_mb)], check=True)
    if not (raw / "zarr.json").exists():
        subprocess.run([sys.executable, "-c", MAKE_RAW, str(store), str(raw)], check=True)

    cold = drop_caches()
    cgroup = make_cgroup(a.cap_mb << 20)
    conditions = (
        f"page cache dropped before each step; sums run in a memory cgroup capped at {a.cap_mb} MiB (page cache included)"
        if cold and cgroup
        else "NOT root: caches not dropped and no memory cap, so these figures are not out of core"
    )
    text = "## Out-of-core Zarr sum (`bash bench/run.sh ooc`)\n\n"
    peaks = []
    for title, path in (("zstd (level 1), as written by blaze-array", store), ("uncompressed", raw)):
        rows, stored, ours, peak = measure(a.bench, path, cgroup, a.dask, a.rounds)
        peaks.append((title, ours["peak_rss_mib"], peak))
        disk_rate = stored / rows[0][1]
        text += (
            f"### {title}\n\n"
            f"`x.sum(axis=0)` over a Zarr v3 array of {ours['bytes'] / 1e9:.2f} GB of float64 "
            f"({ours['blocks']} chunks, {stored / 1e9:.2f} GB on disk), {conditions}. Rates are on-disk bytes per "
            "second; the disk's rate is that of sequential reads of the same chunk files in key order, "
            "the fastest of buffered (`cat`-like) reads, direct (O_DIRECT) reads into small or huge pages, and direct reads "
            f"of {IN_FLIGHT} files at a time as blaze-array's read-ahead reads them, measured in the same run. "
            f"Disk and blaze-array: medians of {a.rounds} runs taken by turns; dask.array: one run.\n\n"
            "| | time | read rate | of disk rate |\n|---|---:|---:|---:|\n"
        )
        for name, seconds in rows:
            rate = stored / seconds
            text += f"| {name} | {seconds:.2f} s | {rate / 1e6:.0f} MB/s | {rate / disk_rate:.2f} |\n"
        text += "\n"
    text += "; ".join(
        f"{title}: blaze's peak resident memory {rss:.0f} MiB"
        + (f", the cgroup's peak (with page cache) {peak:.0f} MiB" if peak is not None else "")
        for title, rss, peak in peaks
    )
    text += ". Target: ≥ 0.80 of the disk's rate.\n"
    Path(a.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
