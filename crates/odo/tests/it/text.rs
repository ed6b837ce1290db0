//! CSV, TSV, JSON and JSON-lines discovery.

use std::io::Write;

use blaze_odo::{DiscoverOptions, discover_path};

use crate::{Files, error_of, shape_of, shape_with};

const PEOPLE: &str = "\
name,age,joined,last_seen,score,active,wake_up,session
Alice,31,2014-01-01,2014-01-01 10:00:00,1.5,True,07:30:00,3 seconds
Bob,,2015-06-30,2015-07-01 00:00:01,,False,06:45:00,1 day
\"Smith, Carol\",45,NA,2016-03-04T05:06:07,2,true,,
";

#[test]
fn csv_types_nulls_dates_and_quoting() {
    let files = Files::new();
    let path = files.write("people.csv", PEOPLE);
    assert_eq!(
        shape_of(&path),
        "var * {name: string, age: ?int64, joined: ?date, last_seen: datetime, score: ?float64, \
         active: bool, wake_up: ?time, session: ?timedelta[unit='s']}"
    );
}

#[test]
fn compressed_and_tab_separated() {
    let files = Files::new();
    let tsv = PEOPLE
        .replace(',', "\t")
        .replace("\"Smith\t Carol\"", "Carol");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(tsv.as_bytes()).unwrap();
    let gz_path = files.write("people.tsv.gz", gz.finish().unwrap());
    let zst_path = files.write(
        "people.csv.zst",
        zstd::encode_all(PEOPLE.as_bytes(), 3).unwrap(),
    );
    let plain = shape_of(&files.write("people.csv", PEOPLE));
    assert_eq!(shape_of(&zst_path), plain);
    assert_eq!(shape_of(&gz_path), plain);
}

#[test]
fn sniffs_semicolons_and_pipes() {
    let files = Files::new();
    let semi = files.write("eu.csv", "id;price;label\n1;2,50;a\n2;3,75;b\n");
    assert_eq!(
        shape_of(&semi),
        "var * {id: int64, price: string, label: string}"
    );
    let pipe = files.write("p.csv", "a|b\n1|x\n2|y\n");
    assert_eq!(shape_of(&pipe), "var * {a: int64, b: string}");
    let mut options = DiscoverOptions::default();
    options.csv.delimiter = Some(b',');
    let message = error_of(&semi, &options);
    assert!(
        message.ends_with("eu.csv: line 2: 2 fields, but the header has 1"),
        "{message}"
    );
}

#[test]
fn header_detection_and_names() {
    let files = Files::new();
    let headerless = files.write("nums.csv", "1,2.5,x\n3,4.5,y\n");
    assert_eq!(
        shape_of(&headerless),
        "var * {column_1: int64, column_2: float64, column_3: string}"
    );
    let repeated = files.write("rep.csv", "a, a ,b\n1,2,3\n");
    let mut options = DiscoverOptions::default();
    options.csv.header = Some(true);
    assert_eq!(
        shape_with(&repeated, &options),
        "var * {a: int64, a_2: int64, b: int64}"
    );
    let all_text = files.write("names.csv", "Alice,Paris\nBob,Rome\n");
    options.csv.header = Some(false);
    assert_eq!(
        shape_with(&all_text, &options),
        "var * {column_1: string, column_2: string}"
    );
}

#[test]
fn reads_the_whole_file_not_a_sample() {
    let files = Files::new();
    let mut text = String::from("id,code\n");
    for i in 0..5000 {
        text.push_str(&format!("{i},{i}\n"));
    }
    text.push_str("5000,X-1\n");
    let path = files.write("late.csv", &text);
    assert_eq!(shape_of(&path), "var * {id: int64, code: string}");
    let found = discover_path(
        &path,
        &DiscoverOptions {
            sample_rows: Some(100),
            ..DiscoverOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        found.datashape.to_string(),
        "var * {id: int64, code: int64}"
    );
    assert_eq!(found.rows_read, 100);
    assert!(!found.complete);
    let whole = discover_path(&path, &DiscoverOptions::default()).unwrap();
    assert_eq!((whole.rows_read, whole.complete), (5001, true));
}

#[test]
fn bad_bytes_and_ragged_rows_name_the_line() {
    let files = Files::new();
    let latin1 = files.write("latin1.csv", b"name,city\nJos\xe9,Le\xf3n\n".as_slice());
    let message = error_of(&latin1, &DiscoverOptions::default());
    assert!(
        message.ends_with(
            "latin1.csv: line 2, column 1: invalid UTF-8 (byte 0xE9 in field 1); if the file is in \
             another encoding, name it with --encoding (for example --encoding latin1)"
        ),
        "{message}"
    );
    let options = DiscoverOptions {
        encoding: Some("latin1".into()),
        ..DiscoverOptions::default()
    };
    assert_eq!(
        shape_with(&latin1, &options),
        "var * {name: string, city: string}"
    );

    let ragged = files.write("ragged.csv", "a,b,c\n1,2,3\n4,5\n");
    let message = error_of(&ragged, &DiscoverOptions::default());
    assert!(
        message.ends_with("ragged.csv: line 3: 2 fields, but the header has 3"),
        "{message}"
    );
    let empty = files.write("empty.csv", "");
    assert!(
        error_of(&empty, &DiscoverOptions::default())
            .ends_with("line 1: the file is empty: no header and no rows")
    );
    let missing = files.path("missing.csv");
    assert!(error_of(&missing, &DiscoverOptions::default()).contains("missing.csv: No such file"));
}

#[test]
fn json_lines_nested_and_null() {
    let files = Files::new();
    let path = files.write(
        "events.jsonl",
        concat!(
            r#"{"id": 1, "user": {"name": "a", "email": "x@y"}, "tags": ["t"], "at": "2024-01-03T09:15:00Z"}"#,
            "\n\n",
            r#"{"id": 2, "user": {"name": "b", "email": null}, "tags": [], "at": "2024-01-04T09:15:00Z", "extra": 1.5}"#,
            "\n",
            r#"{"id": 3, "user": {"name": "c"}, "tags": ["u", "v"], "at": null}"#,
            "\n"
        ),
    );
    assert_eq!(
        shape_of(&path),
        "var * {id: int64, user: {name: string, email: ?string}, tags: var * string, \
         at: ?datetime[tz='UTC'], extra: ?float64}"
    );
    let broken = files.write("broken.jsonl", "{\"a\": 1}\n{\"a\": 2,}\n");
    let message = error_of(&broken, &DiscoverOptions::default());
    assert!(
        message.ends_with("broken.jsonl: line 2, column 9: trailing comma"),
        "{message}"
    );
}

#[test]
fn json_array_of_records() {
    let files = Files::new();
    let path = files.write(
        "accounts.json",
        r#"[{"name": "Alice", "amount": 100},
            {"name": "Bob", "amount": -200.5},
            {"name": null, "amount": 3}]"#,
    );
    assert_eq!(shape_of(&path), "var * {name: ?string, amount: float64}");
    let broken = files.write("broken.json", "[{\"a\": 1},\n {\"a\": }]");
    let message = error_of(&broken, &DiscoverOptions::default());
    assert!(
        message.ends_with("broken.json: line 2, column 8: expected value"),
        "{message}"
    );
}

#[test]
fn unknown_extension() {
    let files = Files::new();
    let path = files.write("data.xyz", "a,b\n1,2\n");
    assert!(error_of(&path, &DiscoverOptions::default()).contains("cannot tell the file format"));
}
