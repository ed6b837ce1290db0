"""What a fixed row order costs: rows picked from the group-by benchmark's 10M-row Parquet file
come in the file's order (as DuckDB keeps them), and a group-by of few groups comes sorted by
its keys. Each is timed beside `blaze sql` with the same SQL, which keeps no order (so the
ratio is the price of the order), and beside DuckDB, which keeps the file's order too.

blaze runs as a process of its own (start-up included), writing CSV to /dev/null or Parquet to
a file; DuckDB runs in this process, writing the same. The answers are checked to agree first:
the same rows, and blaze's in DuckDB's order. Writes a Markdown section (medians and ratios).
"""
import argparse
import os
import subprocess
import tempfile
from pathlib import Path

import duckdb

from groupby_bench import DATA, generate
from timing import timed

# (what, Blaze expression over `x`, the same in SQL over the table `x`, how the answer is written)
CASES = [
    ("rows picked: id4 == 7 (1% of the rows), to CSV",
     "x[x.id4 == 7][['id6', 'v3']]", "SELECT id6, v3 FROM x WHERE id4 = 7", "csv"),
    ("rows picked: v1 > 1 (80% of the rows), into Parquet",
     "x[x.v1 > 1]", "SELECT * FROM x WHERE v1 > 1", "parquet"),
    ("group-by of 10,000 groups (q2), sorted by its keys, to CSV",
     "by(x[['id1', 'id2']], v1=x.v1.sum())",
     "SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2", "csv"),
]


def blaze_command(blaze: str, parquet: Path, query: list[str], out: str, target: Path) -> list[str]:
    command = [blaze, *query[:1], f"x={parquet}", *query[1:]]
    if out == "csv":
        return command + ["--format", "csv"]
    return command + ["--into", str(target), "--if-exists", "replace"]


def run(command: list[str], out: str) -> str:
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return result.stdout if out == "csv" else ""


def duckdb_answer(parquet: Path, sql: str, out: str, target: Path, order: bool) -> None:
    con = duckdb.connect()
    con.execute(f"CREATE VIEW x AS SELECT * FROM read_parquet('{parquet}')")
    query = sql + (" ORDER BY id1, id2" if order else "")
    if out == "csv":
        con.execute(f"COPY ({query}) TO '/dev/null' (FORMAT csv)")
    else:
        con.execute(f"COPY ({query}) TO '{target}' (FORMAT parquet)")
    con.close()


def cell(value) -> object:
    """A value as both answers can be compared: numbers as numbers, the rest as text."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def check(parquet: Path, blaze: str, expr: str, sql: str, out: str, tmp: Path) -> None:
    """blaze's answer has DuckDB's rows in DuckDB's order (its file order, or sorted keys): all
    of them for CSV, the count and the first 1,000 for Parquet."""
    target = tmp / "check.parquet"
    got = run(blaze_command(blaze, parquet, ["query", expr], out, target), out)
    con = duckdb.connect()
    con.execute(f"CREATE VIEW x AS SELECT * FROM read_parquet('{parquet}')")
    order = " ORDER BY id1, id2" if "GROUP BY" in sql else ""
    if out == "csv":
        have = [tuple(map(cell, line.split(","))) for line in got.strip().splitlines()[1:]]
        want = [tuple(map(cell, row)) for row in con.execute(sql + order).fetchall()]
    else:
        count = f"SELECT count(*) FROM ({sql})"
        first = "SELECT * FROM {} LIMIT 1000"
        have = (con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchall(),
                con.execute(first.format(f"read_parquet('{target}')")).fetchall())
        want = (con.execute(count).fetchall(), con.execute(first.format(f"({sql})")).fetchall())
    con.close()
    if have != want:
        raise SystemExit(f"{expr}: blaze's answer differs from DuckDB's")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--blaze", required=True)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    _, parquet = generate(args.rows)
    lines = [
        "## Row order: what keeping it costs",
        "",
        f"Input: the group-by benchmark's Parquet file ({args.rows:,} rows, `{parquet.name}`). "
        f"Median of {args.runs} runs, each tool in turn. DuckDB {duckdb.__version__} (in this "
        "process; it keeps the file's order). Produced by `bash bench/run.sh order`.",
        "",
        "| case | blaze query (ordered) | blaze sql (no order) | ratio | DuckDB | ratio |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        target = tmp / "out.parquet"
        for what, expr, sql, out in CASES:
            check(parquet, args.blaze, expr, sql, out, tmp)
            ordered = blaze_command(args.blaze, parquet, ["query", expr], out, target)
            unordered = blaze_command(args.blaze, parquet, ["sql", sql], out, target)
            order = "GROUP BY" in sql
            times = {"ordered": [], "unordered": [], "duckdb": []}
            # By turns, so that the machine's changes of pace fall on all three alike.
            for _ in range(args.runs):
                times["ordered"].append(timed(lambda: run(ordered, out), 1))
                times["unordered"].append(timed(lambda: run(unordered, out), 1))
                times["duckdb"].append(
                    timed(lambda: duckdb_answer(parquet, sql, out, target, order), 1))
            med = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
            lines.append(
                f"| {what} | {med['ordered']:.2f} s | {med['unordered']:.2f} s | "
                f"{med['ordered'] / med['unordered']:.2f} | {med['duckdb']:.2f} s | "
                f"{med['ordered'] / med['duckdb']:.2f} |")
    os.makedirs(args.out.parent, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
