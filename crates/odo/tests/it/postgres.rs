//! PostgreSQL as source and target, against the real server `scripts/services.sh start` runs
//! (its URL in `BLAZE_TEST_POSTGRES`). Each test works in a schema of its own.

use blaze_odo::{IfExists, OdoOptions, discover, odo};

use crate::Files;

/// The server's URL and a fresh schema named for the test.
fn database(test: &str) -> (String, String) {
    let url = std::env::var("BLAZE_TEST_POSTGRES").expect(
        "BLAZE_TEST_POSTGRES is not set: run the tests with `bash scripts/test.sh`, or \
         `eval \"$(scripts/services.sh start)\"` first",
    );
    let schema = format!("it_{test}");
    psql(
        &url,
        &format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"),
    );
    (url, schema)
}

/// Runs SQL with the server's own client, the way a user would check our work.
fn psql(url: &str, sql: &str) -> String {
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

#[test]
fn types_survive_csv_to_postgres_to_parquet_and_back() {
    let (url, schema) = database("types");
    let files = Files::new();
    let csv = files.write(
        "mixed.csv",
        "id,small,name,price,flag,day,at,at_utc,wake,took\n\
         9223372036854775807,-32768,Ålesund ☃,1.50,true,2024-02-29,2024-01-31 10:00:00.25,2024-01-31T10:00:00+01:00,07:30:00,3 seconds\n\
         -9223372036854775808,32767,,,false,,1969-12-31 23:59:59,1969-12-31T23:59:59Z,,\n",
    );
    let dshape = "var * {id: int64, small: int16, name: ?string, price: ?decimal[10, 2], flag: bool, \
                  day: ?date, at: datetime, at_utc: datetime[tz='UTC'], wake: ?time, took: ?timedelta[unit='us']}";
    let options = OdoOptions {
        dshape: Some(blaze_datashape::parse(dshape).unwrap()),
        ..OdoOptions::default()
    };
    let table = format!("{url}::{schema}.mixed");
    let summary = odo(csv.to_str().unwrap(), &table, &options).unwrap();
    assert_eq!(summary.rows, 2);
    // The direct path: one step, the server parsed the CSV.
    assert_eq!(summary.plan.steps.len(), 1);
    assert_eq!(
        psql(
            &url,
            &format!(
                "SELECT id, small, name, price, flag, day, at, at_utc AT TIME ZONE 'UTC', wake, took FROM {schema}.mixed ORDER BY id"
            )
        ),
        "-9223372036854775808|32767|||f||1969-12-31 23:59:59|1969-12-31 23:59:59||\n\
         9223372036854775807|-32768|Ålesund ☃|1.50|t|2024-02-29|2024-01-31 10:00:00.25|2024-01-31 09:00:00|07:30:00|00:00:03\n"
    );
    // The catalogue gives back the datashape (varchar-free text, numeric precision, zones).
    let found = discover(&table, &Default::default()).unwrap().datashape;
    assert_eq!(
        found.to_string(),
        blaze_datashape::parse(dshape).unwrap().to_string()
    );

    // Out through binary COPY, and in again through binary COPY: the same rows.
    let parquet = files.path("mixed.parquet");
    odo(&table, parquet.to_str().unwrap(), &OdoOptions::default()).unwrap();
    let again = format!("{url}::{schema}.again");
    let summary = odo(parquet.to_str().unwrap(), &again, &OdoOptions::default()).unwrap();
    assert_eq!((summary.rows, summary.plan.steps.len()), (2, 2));
    let query = |t: &str| psql(&url, &format!("SELECT * FROM {schema}.{t} ORDER BY id"));
    assert_eq!(query("again"), query("mixed"));
    assert_eq!(
        discover(&again, &Default::default()).unwrap().datashape,
        found
    );

    // Inside one database: INSERT ... SELECT.
    let copy = format!("{url}::{schema}.copy");
    let summary = odo(&table, &copy, &OdoOptions::default()).unwrap();
    assert_eq!((summary.rows, summary.plan.steps.len()), (2, 1));
    assert_eq!(query("copy"), query("mixed"));
}

#[test]
fn a_bad_value_falls_back_to_a_precise_error_and_leaves_the_table() {
    let (url, schema) = database("bad_value");
    let files = Files::new();
    let table = format!("{url}::{schema}.t");
    let good = files.write("good.csv", "id,amount\n1,10\n2,20\n");
    odo(good.to_str().unwrap(), &table, &OdoOptions::default()).unwrap();
    let mut text = String::from("id,amount\n");
    for i in 0..50_000 {
        text.push_str(&format!("{i},{i}\n"));
    }
    text.push_str("50000,lots\n");
    let bad = files.write("bad.csv", &text);
    let options = OdoOptions {
        if_exists: IfExists::Replace,
        read: blaze_odo::DiscoverOptions {
            sample_rows: Some(1000),
            ..Default::default()
        },
        ..OdoOptions::default()
    };
    let err = odo(bad.to_str().unwrap(), &table, &options).unwrap_err();
    assert!(
        err.to_string().contains(
            "bad.csv: line 50002, column 2: 'lots' in column 'amount' is not a valid int64"
        ),
        "{err}"
    );
    assert_eq!(
        psql(
            &url,
            &format!("SELECT id, amount FROM {schema}.t ORDER BY id")
        ),
        "1|10\n2|20\n"
    );

    // Null markers other than the empty cell: the CSV path declines, the Arrow path reads NA as
    // missing.
    let markers = files.write("markers.csv", "id,amount\n1,NA\n2,5\n");
    let summary = odo(
        markers.to_str().unwrap(),
        &table,
        &OdoOptions {
            if_exists: IfExists::Replace,
            ..OdoOptions::default()
        },
    )
    .unwrap();
    assert_eq!(summary.plan.steps.len(), 2);
    assert_eq!(
        psql(
            &url,
            &format!("SELECT id, coalesce(amount::text, 'NULL') FROM {schema}.t ORDER BY id")
        ),
        "1|NULL\n2|5\n"
    );
}

#[test]
fn fail_append_replace_and_hostile_names() {
    let (url, schema) = database("modes");
    let files = Files::new();
    let name = "Robert'); DROP TABLE students;--";
    let table = format!("{url}::{schema}.{name}");
    let first = files.write(
        "a.jsonl",
        "{\"id\": 1, \"note\": \"it's \\\"quoted\\\"; --\"}\n",
    );
    odo(first.to_str().unwrap(), &table, &OdoOptions::default()).unwrap();
    let err = odo(first.to_str().unwrap(), &table, &OdoOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("already exists; use --if-exists replace"),
        "{err}"
    );
    // The password never appears in messages.
    assert!(!err.to_string().contains(":postgres@"), "{err}");
    odo(
        first.to_str().unwrap(),
        &table,
        &OdoOptions {
            if_exists: IfExists::Append,
            ..OdoOptions::default()
        },
    )
    .unwrap();
    let quoted = format!("{schema}.\"{}\"", name.replace('"', "\"\""));
    assert_eq!(
        psql(&url, &format!("SELECT count(*), min(note) FROM {quoted}")),
        "2|it's \"quoted\"; --\n"
    );
    let second = files.write("b.jsonl", "{\"id\": 7, \"note\": null}\n");
    let err = odo(
        second.to_str().unwrap(),
        &table,
        &OdoOptions {
            if_exists: IfExists::Append,
            ..OdoOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("column 'note' is string there, but the source's is ?string"),
        "{err}"
    );
    odo(
        second.to_str().unwrap(),
        &table,
        &OdoOptions {
            if_exists: IfExists::Replace,
            ..OdoOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        psql(&url, &format!("SELECT id, note IS NULL FROM {quoted}")),
        "7|t\n"
    );

    let err = discover(&format!("{url}::{schema}.missing"), &Default::default()).unwrap_err();
    assert!(err.to_string().contains("no table"), "{err}");
}

#[test]
fn tables_export_to_csv_with_copy_and_read_back_the_same() {
    let (url, schema) = database("export");
    psql(
        &url,
        &format!(
            "CREATE TABLE {schema}.t (id int8 NOT NULL, ok bool, at timestamptz, price numeric(10,2), \
                                      note text, x float8);
             INSERT INTO {schema}.t VALUES
               (1, true, '2024-01-31 10:00:00.25+01', 1.50, 'a \"quoted\", two-line
             note', 0.1),
               (2, NULL, NULL, NULL, NULL, NULL);
             CREATE TABLE {schema}.spans (id int8 NOT NULL, took interval);
             INSERT INTO {schema}.spans VALUES (1, '3 seconds');"
        ),
    );
    let files = Files::new();
    let csv = files.path("t.csv");
    let source = format!("{url}::{schema}.t");
    let summary = odo(&source, csv.to_str().unwrap(), &OdoOptions::default()).unwrap();
    assert_eq!(summary.rows, 2);
    assert_eq!(summary.plan.steps.len(), 1, "{}", summary.plan);
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        "id,ok,at,price,note,x\n\
         1,true,2024-01-31T09:00:00.250000Z,1.50,\"a \"\"quoted\"\", two-line\n             note\",0.1\n\
         2,,,,,\n"
    );
    assert_eq!(
        discover(csv.to_str().unwrap(), &Default::default())
            .unwrap()
            .datashape
            .pretty(usize::MAX),
        "var * {id: int64, ok: ?bool, at: ?datetime[tz='UTC'], price: ?float64, note: ?string, x: ?float64}"
    );

    // An interval's text would not read back as a timedelta: the path through Arrow instead.
    let spans = files.path("spans.csv");
    let summary = odo(
        &format!("{url}::{schema}.spans"),
        spans.to_str().unwrap(),
        &OdoOptions::default(),
    )
    .unwrap();
    assert_eq!(summary.plan.steps.len(), 2, "{}", summary.plan);
    assert_eq!(summary.rows, 1);
}
