"""Times `blaze odo` against DuckDB and Polars on the same conversions and writes a table of
medians and ratios (blaze time / peer time: below 1.0 means blaze is faster).

Peers run in this Python process (their import time is not counted); blaze runs as a separate
process, so its timings include process start-up.
"""
import argparse
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

import duckdb
import polars as pl

DATA = Path(__file__).parent / "data"


def generate_mixed(rows: int) -> Path:
    """A CSV of mixed types: integers, text, floats, booleans, dates, timestamps, some nulls."""
    path = DATA / f"mixed_{rows}.csv"
    if path.exists():
        return path
    DATA.mkdir(exist_ok=True)
    duckdb.sql(
        f"""
        COPY (
          SELECT i AS id,
                 'name_' || (hash(i) % 100000) AS name,
                 round((hash(i * 7) % 1000000) / 100.0, 2) AS amount,
                 CASE WHEN i % 50 = 0 THEN NULL ELSE (hash(i * 3) % 1000)::INTEGER - 500 END AS qty,
                 i % 3 = 0 AS flag,
                 DATE '2020-01-01' + (i % 1500)::INTEGER AS day,
                 TIMESTAMP '2020-01-01 00:00:00' + to_seconds(i * 17) AS ts
          FROM range({rows}) t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )
    return path


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def blaze_odo(blaze: str, source: Path, target: Path):
    def run():
        subprocess.run(
            [blaze, "odo", str(source), str(target), "--if-exists", "replace", "--quiet"],
            check=True,
        )
    return run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--blaze", required=True)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    csv = generate_mixed(args.rows)
    size_mb = csv.stat().st_size / 1e6
    out = DATA / "out"
    out.mkdir(exist_ok=True)
    rows = []

    ours = timed(blaze_odo(args.blaze, csv, out / "blaze.parquet"), args.runs)
    duck = timed(
        lambda: duckdb.sql(
            f"COPY (SELECT * FROM read_csv('{csv}')) TO '{out / 'duckdb.parquet'}' (FORMAT parquet)"
        ),
        args.runs,
    )
    polars = timed(
        lambda: pl.scan_csv(csv).sink_parquet(out / "polars.parquet"), args.runs
    )
    rows.append(("CSV → Parquet", ours, [("DuckDB COPY ... TO", duck), ("Polars sink_parquet", polars)]))

    lines = [
        "# Benchmark results",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
        f"DuckDB {duckdb.__version__}, Polars {pl.__version__}.",
        f"Input: {args.rows:,} rows of mixed types, {size_mb:,.0f} MB of CSV (`bench/data/`). "
        f"Median of {args.runs} runs, warm page cache.",
        "",
        "Produced by `bash bench/run.sh` "
        f"(ROWS={args.rows}, RUNS={args.runs}). Ratio = blaze time / peer time (below 1.0: blaze faster).",
        "",
        "| task | blaze | peer | peer time | ratio |",
        "| --- | --- | --- | --- | --- |",
    ]
    for task, ours_s, peers in rows:
        for name, peer_s in peers:
            lines.append(f"| {task} | {ours_s:.2f} s | {name} | {peer_s:.2f} s | {ours_s / peer_s:.2f} |")
    text = "\n".join(lines) + "\n"
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
