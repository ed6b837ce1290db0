//! Computing in SQL databases: one corpus of expressions computed over CSV files by the local
//! engine, over the same tables in a real SQLite file, and in the real PostgreSQL server that
//! `scripts/services.sh start` runs (its URL in `BLAZE_TEST_POSTGRES`), must give the same
//! results; and the SQL sent is checked to be what was meant to be pushed down.

use blaze_compute::Session;
use blaze_odo::{IfExists, OdoOptions, odo};

use crate::{rows, session, try_rows};

/// Accounts with missing values of every type, two names that differ only in case, equal
/// names, negative numbers, and date-times on both sides of 2024-01-01.
const ACCOUNTS: &str = "\
id,name,amount,n,flag,when
1,Alice,100.5,3,true,2024-01-15T10:30:00
2,Bob,-20.25,,false,2024-02-29T23:59:59
3,Charlie,300.0,7,true,2023-12-31T00:00:00
4,,45.75,2,,2024-03-01T08:15:30
5,Edith,,11,false,
6,alice,12.0,-4,true,2024-01-15T10:30:00
7,Bob,99.5,5,true,2022-07-04T12:00:00
8,Zoë,0.0,0,false,2024-06-30T18:45:10
9,Charlie,-5.5,-9,,2024-01-01T00:00:01
10,bob,1000.25,13,true,2025-05-05T05:05:05
";
const ACCOUNTS_SHAPE: &str =
    "var * {id: int64, name: ?string, amount: ?float64, n: ?int64, flag: ?bool, when: ?datetime}";

/// Cities of some of the names (and of one missing name, which matches nothing).
const CITIES: &str = "\
name,city
Alice,Paris
Bob,Berlin
Charlie,Paris
Dora,Rome
,Nowhere
";
const CITIES_SHAPE: &str = "var * {name: ?string, city: string}";

/// Where an expression is computed when its tables are in a database.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Pushed {
    /// Whole, in SQLite and in PostgreSQL.
    Both,
    /// Whole in PostgreSQL; partly locally with SQLite (which lacks the function).
    Postgres,
    /// Partly locally everywhere (window functions need every row in order).
    Partly,
}

/// The corpus: expressions over `t` (accounts) and `c` (cities), where they are computed,
/// and whether their rows come in an order the expression fixes.
const CORPUS: &[(&str, Pushed)] = &[
    // Selections and projections.
    ("t", Pushed::Both),
    ("t[t.amount > 50]", Pushed::Both),
    ("t[t.amount > 50].name", Pushed::Both),
    (
        "t[(t.n >= 3) | t.name.isnull()][['id', 'name']]",
        Pushed::Both,
    ),
    ("t[t.name == 'Bob'][['id', 'n']]", Pushed::Both),
    ("t[t.when > '2024-01-01'].id", Pushed::Both),
    ("t[t.when == '2024-01-15 10:30:00'].id", Pushed::Both),
    ("t[t.when >= 'Jan 15 2024 10:30AM'].id", Pushed::Both),
    ("t[t.when < '2024-01-15 10:30'].id", Pushed::Both),
    ("t[t.name > 'Bob'].name", Pushed::Both),
    ("t[t.name.like('*li*')].id", Pushed::Both),
    ("t[t.name.like('B?b')].id", Pushed::Both),
    ("t[t.name.isin(['Bob', 'Zoë'])].id", Pushed::Both),
    ("t[t.name.isin(c.name)].id", Pushed::Both),
    (
        "t[t.name.isin(c[c.city == 'Paris'].name)][['id', 'name']]",
        Pushed::Both,
    ),
    ("t[~t.name.isin(c[c.name.notnull()].name)].id", Pushed::Both),
    ("t.name.isin(c.name)", Pushed::Both),
    // Membership is true or false, never missing; `None` in the list matches missing values.
    ("t.amount.isin([100.5, -5.5])", Pushed::Both),
    ("t[~t.amount.isin([100.5, -5.5])].id", Pushed::Both),
    ("t.name.isin(['Bob', None])", Pushed::Both),
    (
        "t[~t.n.isin(c[c.city == 'Paris'].name.str.len())].id",
        Pushed::Both,
    ),
    // A boolean with a number counts as 0 or 1, as in NumPy (PostgreSQL refuses it).
    ("t[t.n + True > 7].id", Pushed::Partly),
    ("by(t.name.isin(c.name), total=t.n.sum())", Pushed::Both),
    ("t[t.flag].id", Pushed::Both),
    ("t[~t.flag].id", Pushed::Both),
    ("t[t.amount.notnull() & (t.n != 3)].id", Pushed::Both),
    ("t[t.amount > 0][t[t.amount > 0].n > 4].id", Pushed::Both),
    // Arithmetic and functions, Python's semantics.
    ("t.amount + t.n", Pushed::Both),
    ("t.amount * 2 - 1", Pushed::Both),
    ("t.n / 4", Pushed::Both),
    ("t.n // 4", Pushed::Both),
    ("t.n % 4", Pushed::Both),
    ("-t.n", Pushed::Both),
    ("t.amount ** 2", Pushed::Both),
    ("abs(t.n)", Pushed::Both),
    ("sqrt(abs(t.amount))", Pushed::Postgres),
    ("sqrt(t.amount)", Pushed::Postgres),
    ("log(t.n)", Pushed::Postgres),
    ("exp(t.amount / 100)", Pushed::Both),
    ("floor(t.amount)", Pushed::Both),
    ("ceil(t.amount)", Pushed::Both),
    ("sin(t.n)", Pushed::Both),
    ("atan2(t.amount, t.n)", Pushed::Both),
    ("greatest(t.amount, t.n)", Pushed::Postgres),
    ("least(t.n, 3)", Pushed::Postgres),
    ("hypot(t.amount, t.n) + fmod(t.amount, 3)", Pushed::Partly),
    ("t[t.flag ^ (t.n > 3)].id", Pushed::Both),
    ("t.amount.coerce(to='int64')", Pushed::Both),
    ("coalesce(t.amount, 0.0)", Pushed::Both),
    ("t.name + '!'", Pushed::Both),
    ("t.name.str.upper()", Pushed::Postgres),
    ("t.name.str.strip()", Pushed::Both),
    ("t.name.str.len()", Pushed::Both),
    ("t.name.isnull()", Pushed::Both),
    ("t.amount > t.n", Pushed::Both),
    ("t.when.year", Pushed::Both),
    ("t.when.month", Pushed::Both),
    ("t.when.day", Pushed::Both),
    ("t.when.hour", Pushed::Both),
    ("t.when.minute", Pushed::Both),
    ("t.when.date", Pushed::Both),
    ("t.when.second", Pushed::Postgres),
    ("t.when.dt.week()", Pushed::Postgres),
    ("t.when.dt.dayofyear()", Pushed::Both),
    ("t.when.dt.quarter()", Pushed::Both),
    ("t[['id', 'amount']].relabel(amount='money')", Pushed::Both),
    (
        "transform(t, double=t.amount * 2)[['id', 'double']]",
        Pushed::Both,
    ),
    // Every reduction.
    ("t.amount.sum()", Pushed::Both),
    ("t.n.sum()", Pushed::Both),
    ("t.amount.min()", Pushed::Both),
    ("t.amount.max()", Pushed::Both),
    ("t.name.min()", Pushed::Both),
    ("t.name.max()", Pushed::Both),
    ("t.amount.mean()", Pushed::Both),
    ("t.n.mean()", Pushed::Both),
    ("t.n.var()", Pushed::Postgres),
    ("t.n.var(unbiased=True)", Pushed::Postgres),
    ("t.amount.std()", Pushed::Postgres),
    ("t.amount.std(unbiased=True)", Pushed::Postgres),
    ("t.amount.count()", Pushed::Both),
    ("t.name.count()", Pushed::Both),
    ("t.name.nunique()", Pushed::Both),
    ("t.nrows", Pushed::Both),
    ("t.count()", Pushed::Both),
    ("t.flag.any()", Pushed::Both),
    ("t.flag.all()", Pushed::Both),
    ("t[t.amount > 0].flag.all()", Pushed::Both),
    ("t.flag.sum()", Pushed::Both),
    ("t.amount.median()", Pushed::Postgres),
    ("t.amount.quantile(0.25)", Pushed::Postgres),
    ("t.n.nunique()", Pushed::Both),
    ("t.n.sum() + t.amount.max()", Pushed::Both),
    // Single values of different rows: each computed in the database, combined locally.
    ("t[t.amount > 0].n.count() / t.n.count()", Pushed::Partly),
    (
        "t.sort('id').n[1] - t.n.sum() + c.city.nunique()",
        Pushed::Partly,
    ),
    ("t[t.amount > 0].n.mean()", Pushed::Both),
    (
        "summary(total=t.amount.sum(), most=t.n.max())",
        Pushed::Both,
    ),
    // Group-bys.
    ("by(t.name, total=t.amount.sum())", Pushed::Both),
    (
        "by(t.name, total=t.amount.sum(), count=t.id.count())",
        Pushed::Both,
    ),
    (
        "by(t[['name', 'flag']], s=t.n.sum(), m=t.amount.max())",
        Pushed::Both,
    ),
    ("by(t.flag, names=t.name.nunique())", Pushed::Both),
    ("by(t.when.year, total=t.amount.sum())", Pushed::Both),
    ("by(t.name.str.lower(), total=t.n.sum())", Pushed::Postgres),
    (
        "by(t[t.amount > 0].name, c=t[t.amount > 0].id.count())",
        Pushed::Both,
    ),
    (
        "by(t.name, spread=t.amount.max() - t.amount.min())",
        Pushed::Both,
    ),
    ("by(t.name, sd=t.amount.std())", Pushed::Postgres),
    (
        "by(t.name, total=t.amount.sum())[by(t.name, total=t.amount.sum()).total > 50]",
        Pushed::Both,
    ),
    (
        "by(by(t.name, total=t.amount.sum()).total, k=by(t.name, total=t.amount.sum()).name.count())",
        Pushed::Both,
    ),
    // Joins of every kind, over filtered and grouped tables.
    ("join(t, c, 'name')", Pushed::Both),
    ("join(t, c, 'name', how='left')", Pushed::Both),
    ("join(t, c, 'name', how='right')", Pushed::Both),
    ("join(t, c, 'name', how='outer')", Pushed::Both),
    ("join(t[t.amount > 0], c, 'name')", Pushed::Both),
    (
        "join(by(t.name, total=t.amount.sum()), c, 'name')",
        Pushed::Both,
    ),
    (
        "join(t[['id', 'name']], t[['id', 'amount']], 'id')",
        Pushed::Both,
    ),
    (
        "join(c, t[['name', 'id']].relabel(name='who'), 'name', 'who')",
        Pushed::Both,
    ),
    (
        "by(join(t, c, 'name').city, total=join(t, c, 'name').amount.sum())",
        Pushed::Both,
    ),
    // Order, head, tail, slices.
    ("t.sort('amount')", Pushed::Both),
    ("t.sort('amount', ascending=False)", Pushed::Both),
    ("t.sort(['name', 'id'])", Pushed::Both),
    (
        "t.sort('name', ascending=False)[['name']].distinct().count()",
        Pushed::Both,
    ),
    ("t.sort('id').head(3)", Pushed::Both),
    ("t.sort('id').tail(3)", Pushed::Both),
    ("t.sort('id')[2:5]", Pushed::Both),
    ("t.sort('id')[7:]", Pushed::Both),
    ("t.sort('id')[2:8][1:3]", Pushed::Both),
    (
        "t.sort('amount', ascending=False).name.head(4)",
        Pushed::Both,
    ),
    ("t.amount.sort().head(3)", Pushed::Both),
    (
        "t.sort('id').head(5)[t.sort('id').head(5).amount > 0]",
        Pushed::Both,
    ),
    ("t.sort(t.amount * -1).id", Pushed::Both),
    ("t.sort('id').head(4).n.sum()", Pushed::Both),
    // Distinct rows.
    ("t.name.distinct()", Pushed::Both),
    ("t[['name', 'flag']].distinct()", Pushed::Both),
    ("t.name.distinct().count()", Pushed::Both),
    ("t.nunique()", Pushed::Both),
    ("t[['name', 'flag']].nunique()", Pushed::Both),
    ("t[t.amount > 0][['flag']].nunique()", Pushed::Both),
    ("t.name.str.lower().distinct()", Pushed::Postgres),
    // Concatenation.
    ("concat(t[t.id < 3], t[t.id > 8])", Pushed::Both),
    // Window functions: the rows come from the database, the windows are computed locally.
    ("t.sort('id').n.cumsum()", Pushed::Partly),
    ("t.sort('id').amount.shift(1)", Pushed::Partly),
    // Rows picked by position: the rows come from the database, the picking is local.
    ("t.sort('id')[[3, 0, -1, 3]]", Pushed::Partly),
];

/// The expressions whose rows come in an order they fix: sorted ones, and group-bys (sorted
/// by their keys, wherever computed).
fn is_ordered(text: &str) -> bool {
    let by = text.starts_with("by(") && text.ends_with(')');
    by || text.contains("sort(") && !text.contains("distinct") && !text.ends_with(".sum()")
}

/// Whether two cells agree: equal text, or numbers equal to 12 significant digits (engines
/// add floats in different orders).
fn same_cell(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= 1e-12 * x.abs().max(y.abs()),
        _ => false,
    }
}

fn same_rows(a: &[Vec<String>], b: &[Vec<String>]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_cell(p, q)))
}

/// The PostgreSQL server's URL.
pub(crate) fn postgres_url() -> String {
    std::env::var("BLAZE_TEST_POSTGRES").expect(
        "BLAZE_TEST_POSTGRES is not set: run the tests with `bash scripts/test.sh`, or \
         `eval \"$(scripts/services.sh start)\"` first",
    )
}

/// Runs SQL with the server's own client.
pub(crate) fn psql(url: &str, sql: &str) -> String {
    let output = std::process::Command::new("psql")
        .args([url, "-qtAX", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("psql runs");
    assert!(
        output.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Loads the CSV file `csv` typed by `dshape` into `target` (replacing it).
fn load(csv: &std::path::Path, target: &str, dshape: &str) {
    let options = OdoOptions {
        dshape: Some(blaze_datashape::parse(dshape).unwrap()),
        if_exists: IfExists::Replace,
        ..OdoOptions::default()
    };
    odo(csv.to_str().unwrap(), target, &options).unwrap_or_else(|e| panic!("{target}: {e}"));
}

/// The three sessions, each with `t` and `c` bound: over CSV files, SQLite tables and
/// PostgreSQL tables (in a schema named `schema`). The directory holds the files.
fn three_sessions(schema: &str) -> (tempfile::TempDir, [(&'static str, Session); 3]) {
    let dir = tempfile::tempdir().unwrap();
    let accounts = dir.path().join("t.csv");
    let cities = dir.path().join("c.csv");
    std::fs::write(&accounts, ACCOUNTS).unwrap();
    std::fs::write(&cities, CITIES).unwrap();
    let db = dir.path().join("data.db");
    let sqlite = format!("sqlite:///{}", db.display());
    load(&accounts, &format!("{sqlite}::t"), ACCOUNTS_SHAPE);
    load(&cities, &format!("{sqlite}::c"), CITIES_SHAPE);
    let url = postgres_url();
    psql(
        &url,
        &format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"),
    );
    load(&accounts, &format!("{url}::{schema}.t"), ACCOUNTS_SHAPE);
    load(&cities, &format!("{url}::{schema}.c"), CITIES_SHAPE);
    let files = session(&[
        ("t", &format!("csv://{}", accounts.display())),
        ("c", &format!("csv://{}", cities.display())),
    ]);
    let lite = session(&[
        ("t", &format!("{sqlite}::t")),
        ("c", &format!("{sqlite}::c")),
    ]);
    let pg = session(&[
        ("t", &format!("{url}::{schema}.t")),
        ("c", &format!("{url}::{schema}.c")),
    ]);
    (dir, [("CSV", files), ("SQLite", lite), ("PostgreSQL", pg)])
}

/// How many queries the plan of `text` sends to databases, and whether part of it is
/// computed locally.
fn pushdown(session: &Session, text: &str) -> Result<(usize, bool), String> {
    let plan = session
        .parse(text)
        .and_then(|e| session.explain(&e))
        .map_err(|e| e.to_string())?;
    Ok((
        plan.matches("Sent to ").count(),
        plan.contains("Computed locally"),
    ))
}

#[test]
fn rows_counted_from_the_end_are_counted_in_the_database() {
    let (_dir, sessions) = three_sessions("it_pushdown_count");
    for (backend, s) in &sessions[1..] {
        for text in [
            "t.tail(2)",
            "t[-2:]",
            "t[[3, 0, -1]]",
            "t[[3, 0]]",
            "t.sample(frac=0.5)",
        ] {
            let plan = s.explain(&s.parse(text).unwrap()).unwrap();
            assert!(
                plan.lines()
                    .any(|sql| sql.contains("SELECT") && sql.contains("COUNT(*)")),
                "{text} on {backend}: {plan}"
            );
        }
    }
}

#[test]
fn explain_shows_the_columns_a_partly_local_query_asks_for() {
    let (_dir, sessions) = three_sessions("it_pushdown_explain");
    for (backend, s) in &sessions[1..] {
        // The window function runs locally, over the two columns it needs.
        let plan = s
            .explain(&s.parse("t.sort('id').n.cumsum()").unwrap())
            .unwrap();
        let sent: Vec<&str> = plan.lines().filter(|l| l.contains("SELECT")).collect();
        assert_eq!(sent.len(), 1, "{backend}: {plan}");
        let (columns, _) = sent[0].split_once(" FROM ").unwrap();
        assert!(
            columns.ends_with(r#" AS "id", "q1"."n" AS "n""#)
                || columns.ends_with(r#" AS "id", CAST("q1"."n" AS BIGINT) AS "n""#),
            "{backend}: {plan}"
        );
        for unread in ["name", "amount", "flag", "when"] {
            assert!(!columns.contains(unread), "{backend}: {plan}");
        }
    }
}

#[test]
fn the_corpus_agrees_on_files_sqlite_and_postgres() {
    let (_dir, sessions) = three_sessions("it_pushdown_corpus");
    let mut failures = Vec::new();
    for (text, pushed) in CORPUS {
        let computed = sessions
            .iter()
            .map(|(backend, s)| {
                Ok((
                    *backend,
                    try_rows(s, text).map_err(|e| format!("{text} on {backend}: {e}"))?,
                ))
            })
            .collect::<Result<Vec<(&str, Vec<Vec<String>>)>, String>>();
        let mut results = match computed {
            Ok(results) => results,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        if !is_ordered(text) {
            results.iter_mut().for_each(|(_, r)| r.sort());
        }
        let (_, expected) = &results[0];
        assert!(!expected.is_empty(), "{text} gives rows");
        for (backend, got) in &results[1..] {
            if !same_rows(expected, got) {
                failures.push(format!("{text} on {backend}: {got:?}, not {expected:?}"));
            }
        }
        for (backend, s) in &sessions[1..] {
            let whole = match pushed {
                Pushed::Both => true,
                Pushed::Postgres => *backend == "PostgreSQL",
                Pushed::Partly => false,
            };
            let (queries, local) = match pushdown(s, text) {
                Ok(found) => found,
                Err(e) => {
                    failures.push(format!("{text} on {backend}: explain: {e}"));
                    continue;
                }
            };
            if whole && (queries != 1 || local) {
                failures.push(format!(
                    "{text} on {backend}: {queries} queries, partly local: {local}; \
                     expected pushed down whole"
                ));
            }
            if !whole && (queries == 0 || !local) {
                failures.push(format!(
                    "{text} on {backend}: {queries} queries, partly local: {local}; \
                     expected partly local"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_database_bound_whole_pushes_its_tables_and_mixed_sources_push_each_side() {
    let (dir, sessions) = three_sessions("it_pushdown_mixed");
    let [(_, files), ..] = &sessions;
    let db = dir.path().join("data.db");
    let cities = dir.path().join("c.csv");
    // A database bound as a record of its tables.
    let whole = session(&[("db", &format!("sqlite:///{}", db.display()))]);
    let text = "by(db.t[db.t.amount > 0].name, total=db.t[db.t.amount > 0].n.sum())";
    let mut got = rows(&whole, text);
    got.sort();
    let mut expected = rows(
        files,
        "by(t[t.amount > 0].name, total=t[t.amount > 0].n.sum())",
    );
    expected.sort();
    assert_eq!(got, expected);
    assert_eq!(pushdown(&whole, text), Ok((1, false)));

    // A PostgreSQL table joined with a CSV file: the filter and the aggregation run in
    // PostgreSQL, the join locally.
    let url = postgres_url();
    let mixed = session(&[
        ("t", &format!("{url}::it_pushdown_mixed.t")),
        ("c", &format!("csv://{}", cities.display())),
    ]);
    for text in [
        "join(t[t.amount > 0][['name', 'amount']], c, 'name')",
        "join(by(t.name, total=t.amount.sum()), c, 'name')",
    ] {
        let mut got = rows(&mixed, text);
        got.sort();
        let mut expected = rows(files, text);
        expected.sort();
        assert!(
            same_rows(&got, &expected),
            "{text}: {got:?}, not {expected:?}"
        );
        let plan = mixed.explain(&mixed.parse(text).unwrap()).unwrap();
        assert_eq!(plan.matches("Sent to postgresql://").count(), 1, "{plan}");
        assert!(
            plan.contains("WHERE") || plan.contains("GROUP BY"),
            "{plan}"
        );
        // The join is in the local plan.
        assert!(plan.contains("Inner Join"), "{plan}");
    }
}

#[test]
fn hostile_names_and_values_are_quoted_and_bound() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("hostile.csv");
    std::fs::write(
        &csv,
        "id,\"co\"\"l; --\",naïve ☃\n\
         1,\"it's; DROP TABLE t; --\",a\n\
         2,\"/* x */ \"\"q\"\"\",b\n\
         3,☃ Zoë,c\n",
    )
    .unwrap();
    let dshape = "var * {id: int64, \"co\\\"l; --\": string, \"naïve ☃\": string}";
    let table = "we\"ird; DROP TABLE x; --";
    let sqlite = format!("sqlite:///{}", dir.path().join("hostile.db").display());
    load(&csv, &format!("{sqlite}::{table}"), dshape);
    let url = postgres_url();
    let schema = "it_pushdown_hostile";
    psql(
        &url,
        &format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"),
    );
    load(&csv, &format!("{url}::{schema}.{table}"), dshape);
    let cases = [
        (
            r#"t[t['co"l; --'] == "it's; DROP TABLE t; --"]['naïve ☃']"#,
            vec!["a"],
        ),
        (r#"t[t['co"l; --'] == '/* x */ "q"']['naïve ☃']"#, vec!["b"]),
        (r#"t[t['co"l; --'].like('☃*')].id"#, vec!["3"]),
        (r#"t[t['co"l; --'] != "it's"].id.count()"#, vec!["3"]),
        (
            r#"t['co"l; --'] + "'; --""#,
            vec![
                "it's; DROP TABLE t; --'; --",
                "/* x */ \"q\"'; --",
                "☃ Zoë'; --",
            ],
        ),
    ];
    for uri in [
        format!("{sqlite}::{table}"),
        format!("{url}::{schema}.{table}"),
    ] {
        let s = session(&[("t", &uri)]);
        for (text, expected) in &cases {
            assert_eq!(crate::values(&s, text), *expected, "{text} on {uri}");
            let plan = s.explain(&s.parse(text).unwrap()).unwrap();
            let sql = plan.lines().nth(1).unwrap();
            assert!(plan.starts_with("Sent to "), "{plan}");
            // The values travel as parameters, never in the SQL text.
            assert!(
                !sql.contains("it's") && !sql.contains("/* x") && !sql.contains("☃*"),
                "{sql}"
            );
        }
        // Nothing was dropped.
        assert_eq!(crate::values(&s, "t.nrows"), ["3"]);
    }
}

#[test]
fn results_from_postgresql_keep_the_catalogues_types() {
    use arrow::datatypes::{DataType, TimeUnit};
    let url = postgres_url();
    let schema = "it_pushdown_types";
    psql(
        &url,
        &format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};
             CREATE TABLE {schema}.typed (id int2 NOT NULL, price numeric(10, 2),
                                          at timestamptz, day date, ok boolean);
             INSERT INTO {schema}.typed VALUES
               (1, 12.50, '2024-01-15 10:30:00+01', '2024-01-15', true),
               (2, NULL, '2023-06-01 00:00:00+00', NULL, false),
               (3, 99.99, NULL, '2024-02-29', NULL);"
        ),
    );
    let s = session(&[("t", &format!("{url}::{schema}.typed"))]);
    let expr = s.parse("t[t.price > 10].sort('id')").unwrap();
    let batches = s.collect(&expr).unwrap();
    let types: Vec<DataType> = batches[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    assert_eq!(
        types,
        [
            DataType::Int16,
            DataType::Decimal128(10, 2),
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            DataType::Date32,
            DataType::Boolean,
        ]
    );
    assert_eq!(
        rows(&s, "t[t.price > 10].sort('id')"),
        [
            ["1", "12.50", "2024-01-15T09:30:00Z", "2024-01-15", "true"],
            ["3", "99.99", "", "2024-02-29", ""],
        ]
    );
    for (text, expected) in [
        ("t.price.sum()", vec!["112.49"]),
        ("t[t.at > '2024-01-01'].id", vec!["1"]),
        ("t[t.day.year == 2024].sort('id').id", vec!["1", "3"]),
        ("t[t.ok.isnull()].id", vec!["3"]),
    ] {
        assert_eq!(crate::values(&s, text), expected, "{text}");
        assert_eq!(pushdown(&s, text), Ok((1, false)), "{text}");
    }
}

/// Accounts for MongoDB: fields that are never missing, and one that is.
const PEOPLE: &str = "\
id,name,city,amount,score
1,Alice,Paris,100,1.5
2,Bob,Berlin,-20,
3,Charlie,Paris,300,2.5
4,Dora,Rome,45,
5,Edith,Berlin,0,4.0
";
const PEOPLE_SHAPE: &str =
    "var * {id: int64, name: string, city: string, amount: int64, score: ?float64}";

/// Expressions over a MongoDB collection and whether its pipeline computes them whole.
const MONGO_CORPUS: &[(&str, bool)] = &[
    ("t[t.amount > 10].name", true),
    ("t[(t.amount >= 0) & (t.city != 'Paris')].id", true),
    ("t[(t.amount < 0) | (t.city == 'Rome')].id", true),
    ("t[t.city.isin(['Rome', 'Berlin'])][['id', 'city']]", true),
    ("t[t.score.isnull()].id", true),
    ("t[t.score.notnull()].name", true),
    ("t[t.score > 2].id", true),
    ("t[t.name != 'Bob'].id", true),
    ("t[10 < t.amount].id", true),
    ("t.sort('amount', ascending=False).name", true),
    ("t.sort('id').head(2)[['id', 'name', 'score']]", true),
    ("t.sort('id')[1:3].name", true),
    (
        "by(t.city, total=t.amount.sum(), n=t.id.count(), best=t.score.max(), avg=t.amount.mean())",
        true,
    ),
    (
        "by(t[t.amount > 0].city, total=t[t.amount > 0].amount.sum())",
        true,
    ),
    ("t.amount.sum()", true),
    ("t.amount.mean()", true),
    ("t.score.mean()", false),
    ("t.score.min()", true),
    ("t.count()", true),
    ("summary(total=t.amount.sum(), top=t.amount.max())", true),
    // Computed locally over what the pipeline gives.
    ("t.amount * 2", false),
    ("t[t.amount > 0].score.sum()", false),
    ("t.name.nunique()", false),
    ("t.sort('score').id", false),
    ("t[t.amount > 0].amount.sum() / t.amount.sum()", false),
];

#[test]
fn the_mongodb_corpus_agrees_with_files() {
    // MongoDB is the nx-27017 emulator here (no MongoDB server can be installed on this
    // machine): a wire-protocol server on SQLite, which scripts/services.sh starts.
    let mongo = std::env::var("BLAZE_TEST_MONGO").expect(
        "BLAZE_TEST_MONGO is not set: run the tests with `bash scripts/test.sh`, or \
         `eval \"$(scripts/services.sh start)\"` first",
    );
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("people.csv");
    std::fs::write(&csv, PEOPLE).unwrap();
    let collection = format!("{mongo}::pushdown_people");
    load(&csv, &collection, PEOPLE_SHAPE);
    let files = session(&[("t", &format!("csv://{}", csv.display()))]);
    let pipelines = session(&[("t", &collection)]);
    let mut failures = Vec::new();
    for (text, whole) in MONGO_CORPUS {
        let mut expected = rows(&files, text);
        let mut got = match try_rows(&pipelines, text) {
            Ok(got) => got,
            Err(e) => {
                failures.push(format!("{text}: {e}"));
                continue;
            }
        };
        if !text.contains("sort(") {
            expected.sort();
            got.sort();
        }
        if !same_rows(&expected, &got) {
            failures.push(format!("{text}: {got:?}, not {expected:?}"));
        }
        match pushdown(&pipelines, text) {
            Ok((queries, local)) if *whole && (queries != 1 || local) => {
                failures.push(format!("{text}: not pushed whole ({queries}, {local})"));
            }
            Ok((queries, local)) if !*whole && (queries == 0 || !local) => {
                failures.push(format!(
                    "{text}: expected partly local ({queries}, {local})"
                ));
            }
            Ok(_) => {}
            Err(e) => failures.push(format!("{text}: explain: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sqlite_date_times_in_sqlites_own_form_compare_in_time_order() {
    // SQLite's own functions write `2024-01-01 10:30:00` (odo writes a `T`): a table made by
    // Python's sqlite3 module, as users make them.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("log.db");
    let made = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys\n\
             c = sqlite3.connect(sys.argv[1])\n\
             c.execute('CREATE TABLE log (id INTEGER NOT NULL, at TIMESTAMP)')\n\
             c.executemany('INSERT INTO log VALUES (?, ?)', [(1, '2024-01-01 09:00:00'), \
             (2, '2024-01-01 10:30:00.250'), (3, '2024-01-02 00:00:00'), (4, None)])\n\
             c.commit()",
            db.to_str().unwrap(),
        ])
        .status()
        .expect("python3 runs");
    assert!(made.success());
    let s = session(&[("t", &format!("sqlite:///{}::log", db.display()))]);
    for (text, expected) in [
        ("t[t.at > '2024-01-01T10:00:00'].id", vec!["2", "3"]),
        ("t[t.at == '2024-01-01 10:30:00.25'].id", vec!["2"]),
        ("t[t.at <= '2024-01-01 09:00:00'].id", vec!["1"]),
        ("t[t.at.isin(['2024-01-02'])].id", vec!["3"]),
        ("t[t.at.notnull()].at.hour.sum()", vec!["19"]),
    ] {
        let mut got = crate::values(&s, text);
        got.sort();
        assert_eq!(got, expected, "{text}");
        assert_eq!(pushdown(&s, text), Ok((1, false)), "{text}");
    }
}

#[test]
fn membership_is_true_or_false_in_every_backend() {
    let (_dir, sessions) = three_sessions("it_pushdown_membership");
    for (backend, s) in &sessions {
        for (text, expected) in [
            // Ids 5 (missing amount), 2..4, 6..8 and 10: all but the two found.
            (
                "t[~t.amount.isin([100.5, -5.5])].id",
                vec!["10", "2", "3", "4", "5", "6", "7", "8"],
            ),
            ("t[t.name.isin(['Zoë', None])].id", vec!["4", "8"]),
            ("t[t.n == True].id", vec![]),
            ("t[t.flag == 1].id", vec!["1", "10", "3", "6", "7"]),
        ] {
            let mut got = crate::values(s, text);
            got.sort();
            assert_eq!(got, expected, "{text} on {backend}");
        }
        let missing = crate::values(s, "t.amount.isin([100.5])");
        assert_eq!(
            missing[4], "false",
            "a missing amount is not in the list, on {backend}"
        );
    }
}
