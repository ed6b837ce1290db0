"""A filtered group-by over a PostgreSQL table of 10M rows, three ways: blaze computing it in
PostgreSQL (the expression compiled to one SQL query), blaze computing it locally over the whole
table read out of PostgreSQL (`--no-pushdown`), and the same query hand-written, run by psql.

All three run as processes of their own (blaze writing Arrow IPC to /dev/null, psql its text),
so every time includes process start-up and connecting. The results of the three are checked
to agree before anything is timed. Writes a Markdown section (medians and ratios).
"""
import argparse
import os
import subprocess
from pathlib import Path

from timing import timed

EXPR = "by(x[x.v1 > 2].id1, v3=x[x.v1 > 2].v3.sum(), n=x[x.v1 > 2].v3.count())"
SQL = "SELECT id1, sum(v3) AS v3, count(v3) AS n FROM {table} WHERE v1 > 2 GROUP BY id1"


def psql(url: str, sql: str) -> str:
    return subprocess.run(
        ["psql", url, "-qtAX", "-v", "ON_ERROR_STOP=1", "-F", ",", "-c", sql],
        check=True, capture_output=True, text=True,
    ).stdout


def generate(url: str, rows: int) -> str:
    """db-benchmark's G1 columns (K = 100 groups) drawn by PostgreSQL's seeded random numbers,
    as the table bench_g1_{rows} (made once)."""
    table = f"bench_g1_{rows}"
    if psql(url, f"SELECT to_regclass('{table}') IS NOT NULL").strip() == "t":
        return table
    psql(url, f"""
        SELECT setseed(0.108);
        CREATE TABLE {table} AS
        SELECT 'id' || lpad((1 + floor(random() * 100))::int::text, 3, '0') AS id1,
               (1 + floor(random() * 100))::int AS id4,
               (1 + floor(random() * 5))::int AS v1,
               (1 + floor(random() * 15))::int AS v2,
               round((random() * 100)::numeric, 6)::float8 AS v3
        FROM generate_series(1, {rows});
        ANALYZE {table};
    """)
    return table


def rows_of(text: str) -> list[tuple[str, float, int]]:
    out = []
    for line in text.strip().splitlines():
        name, total, count = line.split(",")
        out.append((name, float(total), int(count)))
    return sorted(out)


def agree(a, b) -> bool:
    return len(a) == len(b) and all(
        x[0] == y[0] and x[2] == y[2] and abs(x[1] - y[1]) <= 1e-9 * abs(x[1]) for x, y in zip(a, b)
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--blaze", required=True)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    url = os.environ["BLAZE_TEST_POSTGRES"]
    table = generate(url, args.rows)
    sql = SQL.format(table=table)
    query = [args.blaze, "query", f"x={url}::{table}", EXPR]

    # The three agree.
    expected = rows_of(psql(url, sql))
    for extra in ([], ["--no-pushdown"]):
        csv = subprocess.run(query + extra + ["--format", "csv"], check=True,
                             capture_output=True, text=True).stdout
        got = rows_of(csv.split("\n", 1)[1])
        assert agree(got, expected), f"blaze {extra} disagrees with psql"

    def process(argv):
        return lambda: subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)

    times = {
        "blaze, pushed down": timed(process(query + ["--format", "arrow"]), args.runs),
        "blaze, computed locally (--no-pushdown)": timed(
            process(query + ["--no-pushdown", "--format", "arrow"]), args.runs),
        "hand-written SQL in psql": timed(
            process(["psql", url, "-qtAX", "-c", sql]), args.runs),
    }
    hand = times["hand-written SQL in psql"]
    version = psql(url, "SHOW server_version").strip()
    lines = [
        "## Pushdown: a filtered group-by over a PostgreSQL table",
        "",
        f"Table: {args.rows:,} rows of db-benchmark's G1 columns (`id1` with 100 groups, `v1`, "
        f"`v3`), made by PostgreSQL {version} on this machine (loopback). Median of {args.runs} "
        "runs, each a process of its own (start-up and connecting included); the three results "
        "are checked to agree first.",
        "",
        f"Produced by `bash bench/run.sh pushdown` (ROWS={args.rows}, RUNS={args.runs}).",
        "",
        f"Blaze: `{EXPR}`",
        "",
        f"SQL: `{sql}`",
        "",
        "| way | time | ratio to hand-written SQL |",
        "| --- | --- | --- |",
    ]
    for name, seconds in times.items():
        lines.append(f"| {name} | {seconds:.2f} s | {seconds / hand:.2f} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
