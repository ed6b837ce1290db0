"""The db-benchmark group-by questions q1-q10 (shared/spec/benchmarks.md §1.1) written as Blaze
expressions, timed side by side with DuckDB, Polars, pandas and dask.dataframe on the same
Parquet file (and on the same CSV file for q1, q5 and q10), and with the same SQL run on
DataFusion directly (no Blaze code: `crates/compute/examples/datafusion_direct.rs`) to measure
what Blaze adds over its engine.

Every tool reads the file for every question (nothing is loaded in memory beforehand) and
materialises the whole answer. blaze and the DataFusion baseline run as processes of their own
writing Arrow IPC to /dev/null, so their times include process start-up; the Python peers run
in this process. Writes a Markdown section (medians and ratios).
"""
import argparse
import math
import subprocess
from pathlib import Path

import dask
import dask.dataframe as dd
import duckdb
import pandas as pd
import polars as pl

from timing import timed

DATA = Path(__file__).parent / "data"

# (question, Blaze expression over `x`, the same in SQL as db-benchmark's DuckDB solution).
QUESTIONS = [
    ("q1 sum v1 by id1",
     "by(x.id1, v1=x.v1.sum())",
     "SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1"),
    ("q2 sum v1 by id1:id2",
     "by(x[['id1', 'id2']], v1=x.v1.sum())",
     "SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2"),
    ("q3 sum v1 mean v3 by id3",
     "by(x.id3, v1=x.v1.sum(), v3=x.v3.mean())",
     "SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM x GROUP BY id3"),
    ("q4 mean v1:v3 by id4",
     "by(x.id4, v1=x.v1.mean(), v2=x.v2.mean(), v3=x.v3.mean())",
     "SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4"),
    ("q5 sum v1:v3 by id6",
     "by(x.id6, v1=x.v1.sum(), v2=x.v2.sum(), v3=x.v3.sum())",
     "SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6"),
    ("q6 median v3 sd v3 by id4 id5",
     "by(x[['id4', 'id5']], median_v3=x.v3.median(), sd_v3=x.v3.std(unbiased=True))",
     "SELECT id4, id5, median(v3) AS median_v3, stddev(v3) AS sd_v3 FROM x GROUP BY id4, id5"),
    ("q7 max v1 - min v2 by id3",
     "by(x.id3, range_v1_v2=x.v1.max() - x.v2.min())",
     "SELECT id3, max(v1) - min(v2) AS range_v1_v2 FROM x GROUP BY id3"),
    ("q8 largest two v3 by id6",
     "x[x.v3.rank(ascending=False, method='first', by=x.id6) <= 2][['id6', 'v3']]",
     "SELECT id6, v3 FROM (SELECT id6, v3, row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS r "
     "FROM x WHERE v3 IS NOT NULL) WHERE r <= 2"),
    ("q9 regression v1 v2 by id2 id4",
     # Blaze has no corr() reduction yet: r² from sums, as the definition of the correlation.
     "by(x[['id2', 'id4']], r2=((x.v1 * x.v2).sum() * x.v1.count() - x.v1.sum() * x.v2.sum()) ** 2"
     " / (((x.v1 * x.v1).sum() * x.v1.count() - x.v1.sum() ** 2)"
     " * ((x.v2 * x.v2).sum() * x.v2.count() - x.v2.sum() ** 2)))",
     "SELECT id2, id4, power(corr(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4"),
    ("q10 sum v3 count by id1:id6",
     "by(x[['id1', 'id2', 'id3', 'id4', 'id5', 'id6']], v3=x.v3.sum(), count=x.count())",
     "SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS count FROM x "
     "GROUP BY id1, id2, id3, id4, id5, id6"),
]

# Questions also timed on the CSV file (every tool parses the whole file each time).
CSV_QUESTIONS = {"q1", "q5", "q10"}


def generate(rows: int) -> tuple[Path, Path]:
    """G1_{rows}_1e2_0_0 as db-benchmark's generator makes it (K = 100 groups, no missing
    values, unsorted), drawn with DuckDB's seeded random numbers; as CSV and as Parquet."""
    csv = DATA / f"G1_{rows}_1e2_0_0.csv"
    parquet = csv.with_suffix(".parquet")
    if csv.exists() and parquet.exists():
        return csv, parquet
    DATA.mkdir(exist_ok=True)
    k, groups = 100, max(rows // 100, 1)
    con = duckdb.connect()
    con.sql("SET enable_progress_bar = false")
    con.sql("SELECT setseed(0.108)")
    con.sql(
        f"""
        COPY (
          SELECT 'id' || lpad((1 + floor(random() * {k}))::INT::VARCHAR, 3, '0') AS id1,
                 'id' || lpad((1 + floor(random() * {k}))::INT::VARCHAR, 3, '0') AS id2,
                 'id' || lpad((1 + floor(random() * {groups}))::INT::VARCHAR, 10, '0') AS id3,
                 (1 + floor(random() * {k}))::INT AS id4,
                 (1 + floor(random() * {k}))::INT AS id5,
                 (1 + floor(random() * {groups}))::INT AS id6,
                 (1 + floor(random() * 5))::INT AS v1,
                 (1 + floor(random() * 15))::INT AS v2,
                 round(random() * 100, 6) AS v3
          FROM range({rows})
        ) TO '{csv}' (HEADER, DELIMITER ',')
        """
    )
    con.sql(f"COPY (SELECT * FROM read_csv('{csv}')) TO '{parquet}' (FORMAT parquet)")
    return csv, parquet


def process(argv: list[str]):
    def run():
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return run


def polars_question(q: str, x: pl.LazyFrame) -> pl.LazyFrame:
    c = pl.col
    return {
        "q1": lambda: x.group_by("id1").agg(c("v1").sum()),
        "q2": lambda: x.group_by("id1", "id2").agg(c("v1").sum()),
        "q3": lambda: x.group_by("id3").agg(c("v1").sum(), c("v3").mean()),
        "q4": lambda: x.group_by("id4").agg(c("v1").mean(), c("v2").mean(), c("v3").mean()),
        "q5": lambda: x.group_by("id6").agg(c("v1").sum(), c("v2").sum(), c("v3").sum()),
        "q6": lambda: x.group_by("id4", "id5").agg(
            c("v3").median().alias("median_v3"), c("v3").std().alias("sd_v3")),
        "q7": lambda: x.group_by("id3").agg((c("v1").max() - c("v2").min()).alias("range_v1_v2")),
        "q8": lambda: x.drop_nulls("v3").group_by("id6").agg(c("v3").top_k(2)).explode("v3"),
        "q9": lambda: x.group_by("id2", "id4").agg((pl.corr("v1", "v2") ** 2).alias("r2")),
        "q10": lambda: x.group_by("id1", "id2", "id3", "id4", "id5", "id6").agg(
            c("v3").sum(), pl.len().alias("count")),
    }[q]()


def pandas_question(q: str, x):
    """db-benchmark's pandas solution; `x` is a pandas or dask frame."""
    g = lambda keys: x.groupby(keys, dropna=False, observed=True)  # noqa: E731
    return {
        "q1": lambda: g("id1").agg({"v1": "sum"}),
        "q2": lambda: g(["id1", "id2"]).agg({"v1": "sum"}),
        "q3": lambda: g("id3").agg({"v1": "sum", "v3": "mean"}),
        "q4": lambda: g("id4").agg({"v1": "mean", "v2": "mean", "v3": "mean"}),
        "q5": lambda: g("id6").agg({"v1": "sum", "v2": "sum", "v3": "sum"}),
        "q6": lambda: g(["id4", "id5"]).agg({"v3": ["median", "std"]}),
        "q7": lambda: g("id3").agg({"v1": "max", "v2": "min"}).assign(
            range_v1_v2=lambda t: t["v1"] - t["v2"])[["range_v1_v2"]],
        "q8": lambda: x[["id6", "v3"]].sort_values("v3", ascending=False)
        .groupby("id6", dropna=False, observed=True).head(2),
        "q9": lambda: g(["id2", "id4"])[["v1", "v2"]].corr().iloc[0::2][["v2"]] ** 2,
        "q10": lambda: g(["id1", "id2", "id3", "id4", "id5", "id6"]).agg(
            {"v3": "sum", "v1": "size"}),
    }[q]()


def dask_question(q: str, x):
    if q == "q6":  # dask has no exact grouped median; its approximate one is what users get.
        return x.groupby(["id4", "id5"], dropna=False, observed=True).agg(
            {"v3": ["median", "std"]}, shuffle_method="tasks")
    if q == "q8":
        return x[["id6", "v3"]].groupby("id6", dropna=False, observed=True).apply(
            lambda t: t.nlargest(2, columns="v3"), meta={"v3": "float64"})
    if q == "q9":
        return x[["id2", "id4", "v1", "v2"]].groupby(["id2", "id4"], dropna=False, observed=True).apply(
            lambda t: pd.Series({"r2": t.corr()["v1"]["v2"] ** 2}), meta={"r2": "float64"})
    return pandas_question(q, x)


def geometric_mean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--blaze", required=True)
    parser.add_argument("--direct", required=True, help="the datafusion_direct example binary")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    dask.config.set(scheduler="threads")
    duckdb.sql("SET enable_progress_bar = false")
    csv, parquet = generate(args.rows)

    results = []  # (question, file kind, {tool: seconds})
    for title, expr, sql in QUESTIONS:
        q = title.split()[0]
        for kind, path in [("Parquet", parquet), ("CSV", csv)]:
            if kind == "CSV" and q not in CSV_QUESTIONS:
                continue
            times = {}
            times["blaze"] = timed(process(
                [args.blaze, "query", f"x={path}", expr, "--format", "arrow"]), args.runs, at_least=1.0)
            if kind == "Parquet":
                times["DataFusion direct"] = timed(
                    process([args.direct, f"x={path}", sql]), args.runs, at_least=1.0)
            reader = f"read_parquet('{path}')" if kind == "Parquet" else f"read_csv('{path}')"
            times["DuckDB"] = timed(
                lambda: duckdb.sql(sql.replace("FROM x", f"FROM {reader}")).to_arrow_table(), args.runs, at_least=1.0)
            scan = pl.scan_parquet if kind == "Parquet" else pl.scan_csv
            times["Polars"] = timed(lambda: polars_question(q, scan(path)).collect(), args.runs, at_least=1.0)
            read = pd.read_parquet if kind == "Parquet" else pd.read_csv
            # pandas and dask are slow on some questions: once 60 s are spent, one run will do.
            times["pandas"] = timed(lambda: pandas_question(q, read(path)), args.runs, 60)
            dread = dd.read_parquet if kind == "Parquet" else dd.read_csv
            times["dask"] = timed(
                lambda: dask_question(q, dread(path)).compute(), args.runs, 60)
            print(title, kind, {k: round(v, 2) for k, v in times.items()}, flush=True)
            results.append((title, kind, times))

    peers = ["DuckDB", "Polars", "pandas", "dask"]
    lines = [
        "## Group-by: db-benchmark q1–q10",
        "",
        f"Input: `G1_{args.rows}_1e2_0_0` ({args.rows:,} rows, K = 100; db-benchmark's generator, "
        f"drawn with DuckDB): {csv.stat().st_size / 1e6:,.0f} MB of CSV, "
        f"{parquet.stat().st_size / 1e6:,.0f} MB of Parquet. Median of {args.runs} runs (blaze, "
        "DataFusion, DuckDB and Polars: of more, up to 25, until 1 s has been spent, so that quick "
        "answers are timed often enough; pandas and dask: fewer once a question has taken them "
        "60 s); every "
        "tool reads the file for each question and materialises the whole answer. "
        f"DuckDB {duckdb.__version__}, Polars {pl.__version__}, pandas {pd.__version__}, "
        f"dask {dask.__version__} (threaded scheduler).",
        "",
        f"Produced by `bash bench/run.sh groupby` (ROWS={args.rows}, RUNS={args.runs}). Ratios are "
        "blaze time / peer time (below 1.0: blaze faster). \"DataFusion direct\" is the same "
        "question as SQL on DataFusion with no Blaze code (`crates/compute/examples/"
        "datafusion_direct.rs`): its ratio is Blaze's overhead over its engine.",
        "",
        "| question | file | blaze | DataFusion direct | " + " | ".join(peers) + " |",
        "| --- | --- | --- | --- | " + " | ".join("---" for _ in peers) + " |",
    ]
    for title, kind, times in results:
        ours = times["blaze"]

        def cell(tool):
            if tool not in times:
                return "–"
            return f"{times[tool]:.2f} s ({ours / times[tool]:.2f})"
        lines.append(f"| {title} | {kind} | {ours:.2f} s | {cell('DataFusion direct')} | "
                     + " | ".join(cell(p) for p in peers) + " |")
    lines += ["", "Geometric means of the ratios (blaze / peer time), Parquet, q1–q10:", ""]
    parquet_results = [t for _, kind, t in results if kind == "Parquet"]
    for tool in ["DataFusion direct"] + peers:
        ratio = geometric_mean([t["blaze"] / t[tool] for t in parquet_results])
        lines.append(f"- {tool}: {ratio:.2f}")
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
