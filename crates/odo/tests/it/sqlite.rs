//! SQLite tables as sources and targets: real database files on disk.

use blaze_odo::{IfExists, OdoOptions, discover, explain, odo};
use rusqlite::Connection;

use crate::Files;

fn db(files: &Files) -> (std::path::PathBuf, String) {
    let path = files.path("test.db");
    let uri = format!("sqlite:///{}", path.display());
    (path, uri)
}

#[test]
fn discovers_declared_types_and_whole_databases() {
    let files = Files::new();
    let (path, uri) = db(&files);
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, balance DECIMAL(12, 2), opened DATE, seen TIMESTAMP);
         CREATE TABLE \"odd \"\"name\"\"\" (x REAL NOT NULL, flag BOOLEAN);",
    )
    .unwrap();
    let shape = |u: &str| {
        discover(u, &Default::default())
            .unwrap()
            .datashape
            .pretty(usize::MAX)
    };
    assert_eq!(
        shape(&format!("{uri}::accounts")),
        "var * {id: int64, name: string, balance: ?decimal[precision=12, scale=2], opened: ?date, seen: ?datetime}"
    );
    assert_eq!(
        shape(&uri),
        "{accounts: var * {id: int64, name: string, balance: ?decimal[precision=12, scale=2], opened: ?date, seen: ?datetime}, \
         'odd \"name\"': var * {x: float64, flag: ?bool}}"
    );
    let err = discover(&format!("{uri}::acounts"), &Default::default()).unwrap_err();
    assert!(
        err.to_string().ends_with(
            "no table 'acounts'; did you mean 'accounts'? (tables: accounts, odd \"name\")"
        ),
        "{err}"
    );
}

#[test]
fn hostile_names_and_values_are_stored_verbatim() {
    let files = Files::new();
    let (path, uri) = db(&files);
    let csv = files.write(
        "hostile.csv",
        "\"we\"\"ird; DROP TABLE x;--\",ok\n\"'); DELETE FROM t; --\",\"☃ \"\"quoted\"\"\"\n",
    );
    let table = format!("{uri}::Robert'); DROP TABLE students;--");
    odo(csv.to_str().unwrap(), &table, &OdoOptions::default()).unwrap();
    let conn = Connection::open(&path).unwrap();
    let (a, b): (String, String) = conn
        .query_row(
            "SELECT \"we\"\"ird; DROP TABLE x;--\", ok FROM \"Robert'); DROP TABLE students;--\"",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (a.as_str(), b.as_str()),
        ("'); DELETE FROM t; --", "☃ \"quoted\"")
    );
}

#[test]
fn loads_are_one_transaction() {
    let files = Files::new();
    let (path, uri) = db(&files);
    let table = format!("{uri}::t");
    let good = files.write("good.csv", "id,amount\n1,10\n2,20\n");
    odo(good.to_str().unwrap(), &table, &OdoOptions::default()).unwrap();

    // A bad value late in the source: the replace is rolled back, the old rows stay.
    let mut text = String::from("id,amount\n");
    for i in 0..200_000 {
        text.push_str(&format!("{i},{i}\n"));
    }
    text.push_str("200000,lots\n");
    let bad = files.write("bad.csv", &text);
    let options = OdoOptions {
        if_exists: IfExists::Replace,
        dshape: Some(blaze_datashape::parse("var * {id: int64, amount: int64}").unwrap()),
        ..OdoOptions::default()
    };
    let err = odo(bad.to_str().unwrap(), &table, &options).unwrap_err();
    assert!(
        err.to_string()
            .contains("line 200002, column 2: 'lots' in column 'amount' is not a valid int64"),
        "{err}"
    );
    let conn = Connection::open(&path).unwrap();
    let rows: Vec<(i64, i64)> = conn
        .prepare("SELECT id, amount FROM t ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows, vec![(1, 10), (2, 20)]);

    // Append adds; a source that does not fit is refused before anything is written.
    let more = files.write("more.csv", "id,amount\n3,30\n");
    let append = OdoOptions {
        if_exists: IfExists::Append,
        ..OdoOptions::default()
    };
    odo(more.to_str().unwrap(), &table, &append).unwrap();
    let wrong = files.write("wrong.csv", "id,amount\n4,4.5\n");
    let err = odo(wrong.to_str().unwrap(), &table, &append).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("column 'amount' is int64 there, but the source's is float64"),
        "{err}"
    );
    let count: i64 = conn
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 3);
}

#[test]
fn copies_inside_one_database_and_falls_back_across_two() {
    let files = Files::new();
    let (_, uri) = db(&files);
    let source = files.write("s.csv", "id,name\n1,a\n2,\n");
    odo(
        source.to_str().unwrap(),
        &format!("{uri}::a"),
        &OdoOptions::default(),
    )
    .unwrap();

    let plan = explain(&format!("{uri}::a"), &format!("{uri}::b")).unwrap();
    assert_eq!(plan.steps.len(), 1);
    let summary = odo(
        &format!("{uri}::a"),
        &format!("{uri}::b"),
        &OdoOptions::default(),
    )
    .unwrap();
    assert_eq!((summary.rows, summary.plan.steps.len()), (2, 1));

    // Another database: the direct edge declines and the path through Arrow is taken.
    let other = format!("sqlite:///{}::c", files.path("other.db").display());
    let summary = odo(&format!("{uri}::b"), &other, &OdoOptions::default()).unwrap();
    assert_eq!((summary.rows, summary.plan.steps.len()), (2, 2));
    let shape = discover(&other, &Default::default()).unwrap().datashape;
    assert_eq!(shape.to_string(), "var * {id: int64, name: ?string}");
}
