"""Task scheduler overhead: the same graphs of trivial tasks run by blaze-tasks' threaded
scheduler and by dask's threaded scheduler (`dask.threaded.get`), both with 2 workers.

Shapes (SCALE = 100,000 by default):
  wide map-reduce  SCALE tasks x_i = i, y_i = x_i + 1, a tree of sums with fan-in 8
  chains           8 chains of SCALE/8 increments, summed
  tree reduction   SCALE leaves summed pairwise

Both sides time the call that computes the root from the built graph (ordering and running it),
median of the runs; graph construction is not timed. blaze's side is
crates/tasks/examples/tasks_bench.rs, run as its own process. Writes a Markdown section.
"""
import argparse
import json
import subprocess

import dask
import dask.threaded

from timing import timed


def const(i):
    return i


def inc(x):
    return x + 1


def add_all(*xs):
    return sum(xs)


def tree(dsk, level, fan_in):
    depth = 0
    while len(level) > 1:
        depth += 1
        nxt = []
        for j in range(0, len(level), fan_in):
            key = (f"sum-{depth}", j // fan_in)
            dsk[key] = (add_all, *level[j:j + fan_in])
            nxt.append(key)
        level = nxt
    return level[0]


def wide(n):
    dsk = {}
    for i in range(n):
        dsk[("x", i)] = (const, i)
        dsk[("y", i)] = (inc, ("x", i))
    return dsk, tree(dsk, [("y", i) for i in range(n)], 8)


def chains(count, length):
    dsk = {}
    for c in range(count):
        dsk[(f"c{c}", 0)] = (const, 0)
        for i in range(1, length):
            dsk[(f"c{c}", i)] = (inc, (f"c{c}", i - 1))
    dsk["total"] = (add_all, *[(f"c{c}", length - 1) for c in range(count)])
    return dsk, "total"


def binary_tree(n):
    dsk = {(f"leaf", i): (const, i) for i in range(n)}
    return dsk, tree(dsk, [("leaf", i) for i in range(n)], 2)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bench", required=True, help="the tasks_bench example binary")
    p.add_argument("--scale", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", required=True)
    a = p.parse_args()

    ours = subprocess.run(
        [a.bench, "--workers", str(a.workers), "--runs", str(a.runs), "--scale", str(a.scale)],
        check=True, capture_output=True, text=True,
    ).stdout
    ours = {r["shape"]: r for r in map(json.loads, ours.splitlines())}

    graphs = {
        "wide map-reduce": wide(a.scale),
        "chains": chains(8, a.scale // 8),
        "tree reduction": binary_tree(a.scale),
    }
    rows = []
    for shape, (dsk, root) in graphs.items():
        mine = ours[shape]
        assert mine["tasks"] == len(dsk), (shape, mine["tasks"], len(dsk))
        value = dask.threaded.get(dsk, root, num_workers=a.workers)
        assert value == mine["value"], (shape, value, mine["value"])
        seconds = timed(lambda: dask.threaded.get(dsk, root, num_workers=a.workers), a.runs, budget=60)
        rows.append((shape, len(dsk), mine["seconds"], seconds))
        print(f"{shape}: blaze {mine['seconds']:.3f} s, dask {seconds:.3f} s", flush=True)

    lines = [
        "## Task scheduler overhead (blaze-tasks vs dask.threaded)",
        "",
        f"`bash bench/run.sh tasks`: graphs of trivial tasks (SCALE = {a.scale:,}), "
        f"{a.workers} worker threads on each side, median of {a.runs} runs of the call that "
        "orders and runs the built graph (dask " + dask.__version__ + ").",
        "",
        "| graph | tasks | blaze s | blaze tasks/s | dask s | dask tasks/s | dask/blaze |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for shape, tasks, ours_s, dask_s in rows:
        lines.append(
            f"| {shape} | {tasks:,} | {ours_s:.3f} | {tasks / ours_s:,.0f} | {dask_s:.2f} | "
            f"{tasks / dask_s:,.0f} | {dask_s / ours_s:.0f}x |"
        )
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
