"""Chunked arrays: blaze-array beside numpy and dask.array on the same problems.

  sum / mean axis 0   a 2 GB float64 array in memory (250,000 x 1,000); numpy in one call,
                      blaze over 16 blocks of rows
  elementwise         ((x + 1) * y - x.T).sum(axis=1) over two random N x N arrays in
                      1000 x 1000 blocks, generated as part of the computation (dask.array and
                      blaze; numpy has no chunking to compare)
  matmul              two 4096 x 4096 float64 matrices in memory; numpy's BLAS, blaze in
                      1024 x 1024 blocks, each product by OpenBLAS

Both sides use 2 threads (blaze's scheduler, dask's threaded scheduler, numpy's BLAS through
OPENBLAS_NUM_THREADS=2). blaze's blocked matmul calls OpenBLAS (Debian's single-threaded
libopenblas-serial-dev, linked statically) for each pair of blocks, two at a time. Times are
medians of the runs of the timed call only. blaze's side is
crates/array/examples/array_bench.rs, run as its own process. Writes a Markdown section.
"""
import argparse
import json
import os
import subprocess

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")  # before numpy loads its BLAS

import numpy as np  # noqa: E402

from timing import timed  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bench", required=True)
    p.add_argument("--gb", type=float, default=2.0)
    p.add_argument("--n", type=int, default=8000)
    p.add_argument("--matmul", type=int, default=4096)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--out", required=True)
    a = p.parse_args()

    ours = subprocess.run(
        [a.bench, "--gb", str(a.gb), "--n", str(a.n), "--matmul", str(a.matmul), "--runs", str(a.runs), "--workers", "2"],
        check=True, capture_output=True, text=True,
    ).stdout
    ours = {r["case"]: r["seconds"] for r in map(json.loads, ours.splitlines())}

    import dask
    import dask.array as da

    rows, cols = int(a.gb * 1e9 / 8 / 1000), 1000
    k = np.arange(rows * cols, dtype=np.int64)
    x = ((k // cols * 31 + k % cols * 17) % 1000) / 1000.0
    x = x.reshape(rows, cols)
    del k
    results = []
    results.append(("sum axis 0 (2 GB in memory)", ours["sum axis 0"], "numpy", timed(lambda: x.sum(axis=0), a.runs)))
    results.append(("mean axis 0 (2 GB in memory)", ours["mean axis 0"], "numpy", timed(lambda: x.mean(axis=0), a.runs)))
    del x

    with dask.config.set(scheduler="threads", num_workers=2):
        dx = da.random.random((a.n, a.n), chunks=(1000, 1000))
        dy = da.random.random((a.n, a.n), chunks=(1000, 1000))
        expr = ((dx + 1) * dy - dx.T).sum(axis=1)
        results.append((f"((x + 1) * y - x.T).sum(axis=1), {a.n} x {a.n}",
                        ours["((x + 1) * y - x.T).sum(axis=1)"], "dask.array", timed(expr.compute, a.runs)))

    m = a.matmul
    k = np.arange(m * m, dtype=np.int64)
    mat = (((k // m * 31 + k % m * 17) % 1000) / 1000.0).reshape(m, m)
    q = np.ascontiguousarray(mat.T)
    results.append((f"matmul {m} x {m}", ours[f"matmul {m}"], "numpy (BLAS)", timed(lambda: mat @ q, a.runs)))

    lines = [
        "## Chunked arrays (blaze-array vs numpy and dask.array)",
        "",
        "`bash bench/run.sh arrays`: 2 threads on each side, median of "
        f"{a.runs} runs (numpy {np.__version__}, dask {dask.__version__}). A ratio above 1 means blaze is faster.",
        "",
        "| case | blaze s | peer | peer s | peer/blaze |",
        "|---|---:|---|---:|---:|",
    ]
    for case, mine, peer, theirs in results:
        lines.append(f"| {case} | {mine:.3f} | {peer} | {theirs:.3f} | {theirs / mine:.2f}x |")
        print(lines[-1], flush=True)
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
