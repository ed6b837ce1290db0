"""Times `blaze odo` against DuckDB and Polars on the same conversions and writes a table of
medians and ratios (blaze time / peer time: below 1.0 means blaze is faster).

Peers run in this Python process (their import time is not counted); blaze runs as a separate
process, so its timings include process start-up.
"""
import argparse
import os
import platform
import subprocess
import time
from pathlib import Path

import duckdb
import polars as pl

from timing import timed

PG = os.environ.get("BLAZE_TEST_POSTGRES")

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


def blaze_odo(blaze: str, source: Path, target: Path):
    def run():
        subprocess.run(
            [blaze, "odo", str(source), str(target), "--if-exists", "replace", "--quiet"],
            check=True,
        )
    return run


def psql(sql: str):
    subprocess.run(["psql", PG, "-qtAX", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True)


def postgres_cases(args, csv: Path, out: Path):
    """CSV → PostgreSQL against psql's \\copy and pandas; PostgreSQL → Parquet against
    ConnectorX + pyarrow."""
    import connectorx as cx
    import pandas as pd
    import pyarrow.parquet as pq
    import sqlalchemy

    cases = []
    table = f"{PG}::bench_blaze"
    ours = timed(
        lambda: subprocess.run(
            [args.blaze, "odo", str(csv), table, "--if-exists", "replace", "--quiet"], check=True
        ),
        args.runs,
    )

    def psql_copy():
        psql("DROP TABLE IF EXISTS bench_psql; CREATE TABLE bench_psql (LIKE bench_blaze)")
        psql(f"\\copy bench_psql FROM '{csv}' CSV HEADER")

    peer = timed(psql_copy, args.runs)
    cases.append(("CSV → PostgreSQL (time)", ours, [("psql \\copy into the same table", peer)]))

    # pandas is slow: time it on the first million rows and scale to the whole file.
    subset_rows = min(args.rows, 1_000_000)
    engine = sqlalchemy.create_engine(PG.replace("postgresql://", "postgresql+psycopg://"))

    def copy_method(table, conn, keys, data_iter):
        with conn.connection.cursor() as cur:
            columns = ", ".join(f'"{k}"' for k in keys)
            with cur.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
                for row in data_iter:
                    copy.write_row(row)

    def pandas_load():
        frame = pd.read_csv(csv, nrows=subset_rows, parse_dates=["day", "ts"])
        frame.to_sql("bench_pandas", engine, if_exists="replace", index=False, method=copy_method)

    pandas_time = timed(pandas_load, 1) * args.rows / subset_rows
    cases.append(
        (
            "CSV → PostgreSQL (time)",
            ours,
            [(f"pandas read_csv + to_sql(COPY), {subset_rows:,} rows scaled", pandas_time)],
        )
    )

    ours = timed(
        lambda: subprocess.run(
            [args.blaze, "odo", table, str(out / "pg.parquet"), "--if-exists", "replace", "--quiet"],
            check=True,
        ),
        args.runs,
    )

    def connectorx_parquet():
        arrow = cx.read_sql(PG, "SELECT * FROM bench_blaze", return_type="arrow")
        pq.write_table(arrow, out / "cx.parquet")

    peer = timed(connectorx_parquet, args.runs)
    cases.append(("PostgreSQL → Parquet (time)", ours, [("ConnectorX + pyarrow", peer)]))
    return cases


def peak_memory_mb(blaze: str, source: Path, target: Path, limit: int | None = None):
    """Peak resident memory (MB, GNU time's maximum RSS) and seconds of one `blaze odo` run,
    inside a memory cgroup of `limit` bytes when given. None when the cgroup cannot be made
    (not root, no memory controller)."""
    group = None
    if limit is not None:
        v2 = Path("/sys/fs/cgroup/cgroup.controllers").exists()
        group = Path("/sys/fs/cgroup/blaze-bench" if v2 else "/sys/fs/cgroup/memory/blaze-bench")
        try:
            group.mkdir(exist_ok=True)
            (group / ("memory.max" if v2 else "memory.limit_in_bytes")).write_text(str(limit))
        except OSError:
            return None

    def enter_group():
        if group is not None:
            (group / "cgroup.procs").write_text(str(os.getpid()))

    try:
        start = time.perf_counter()
        result = subprocess.run(
            ["/usr/bin/time", "-f", "%M", blaze, "odo", str(source), str(target),
             "--if-exists", "replace", "--quiet"],
            check=True, capture_output=True, text=True, preexec_fn=enter_group,
        )
        seconds = time.perf_counter() - start
    finally:
        if group is not None:
            group.rmdir()
    return int(result.stderr.strip().splitlines()[-1]) / 1e3, seconds


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
    rows.append(("CSV → Parquet (time)", ours, [("DuckDB COPY ... TO", duck), ("Polars sink_parquet", polars)]))

    if PG:
        rows.extend(postgres_cases(args, csv, out))

    # Bounded memory: CSV → Parquet with the process confined to a quarter of the file's size.
    limit = csv.stat().st_size // 4
    limited = peak_memory_mb(args.blaze, csv, out / "blaze.parquet", limit)
    peak, _ = peak_memory_mb(args.blaze, csv, out / "blaze.parquet")

    lines = [
        "## odo: moving data",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
        f"DuckDB {duckdb.__version__}, Polars {pl.__version__}.",
        f"Input: {args.rows:,} rows of mixed types, {size_mb:,.0f} MB of CSV (`bench/data/`). "
        f"Median of {args.runs} runs, warm page cache.",
        "",
        "Produced by `bash bench/run.sh odo` "
        f"(ROWS={args.rows}, RUNS={args.runs}). Ratio = blaze time / peer time (below 1.0: blaze faster).",
        "",
        "| task | blaze | peer | peer time | ratio (blaze / peer time) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for task, ours_s, peers in rows:
        for name, peer_s in peers:
            lines.append(
                f"| {task} | {ours_s:.2f} s | {name} | {peer_s:.2f} s | {ours_s / peer_s:.2f} |"
            )
    lines += [
        "",
        f"Peak memory of CSV → Parquet: {peak:,.0f} MB resident for a {size_mb:,.0f} MB file "
        f"(the file is {size_mb / peak:,.1f}× the memory the process used; GNU time's maximum RSS).",
    ]
    if limited is None:
        lines.append("Memory-limited run skipped: no memory cgroup could be made (run as root).")
    else:
        lines.append(
            f"Confined to a memory cgroup of {limit / 1e6:,.0f} MB (the file is 4× that), the same "
            f"conversion finished in {limited[1]:.2f} s with {limited[0]:,.0f} MB resident."
        )
    text = "\n".join(lines) + "\n"
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
