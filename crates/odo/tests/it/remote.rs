//! S3 objects (against moto's S3 server, started by `scripts/services.sh start`) and HTTP
//! files (against a small HTTP server on loopback started by the test itself).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use blaze_odo::{IfExists, OdoOptions, discover, odo};

use crate::{Files, json_lines_of};

/// The test bucket, e.g. `s3://blaze-test`, with a prefix of the test's own.
fn bucket(test: &str) -> String {
    let bucket = std::env::var("BLAZE_TEST_S3").unwrap_or_else(|_| {
        panic!("BLAZE_TEST_S3 is not set: run the tests with `bash scripts/test.sh`, or `eval \"$(scripts/services.sh start)\"` first")
    });
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{bucket}/{test}-{nonce}")
}

#[test]
fn s3_round_trip_with_fail_append_replace() {
    let files = Files::new();
    let csv = files.write(
        "people.csv",
        "id,name,joined\n1,Ann,2024-01-31\n2,,2024-02-29\n",
    );
    let csv = csv.to_str().unwrap();
    let object = format!("{}/people.csv.gz", bucket("round-trip"));

    let summary = odo(csv, &object, &OdoOptions::default()).unwrap();
    assert_eq!(summary.rows, 2);
    assert_eq!(
        discover(&object, &Default::default())
            .unwrap()
            .datashape
            .to_string(),
        "var * {id: int64, name: ?string, joined: date}"
    );
    let back = files.path("back.parquet");
    odo(&object, back.to_str().unwrap(), &OdoOptions::default()).unwrap();
    let expected = "{\"id\":1,\"name\":\"Ann\",\"joined\":\"2024-01-31\"}\n\
                    {\"id\":2,\"joined\":\"2024-02-29\"}\n";
    assert_eq!(json_lines_of(back.to_str().unwrap()), expected);

    let err = odo(csv, &object, &OdoOptions::default()).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    let more = files.write("more.csv", "id,name,joined\n3,Cy,2024-03-01\n");
    odo(
        more.to_str().unwrap(),
        &object,
        &OdoOptions {
            if_exists: IfExists::Append,
            ..OdoOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        json_lines_of(&object),
        format!("{expected}{{\"id\":3,\"name\":\"Cy\",\"joined\":\"2024-03-01\"}}\n")
    );
    odo(
        more.to_str().unwrap(),
        &object,
        &OdoOptions {
            if_exists: IfExists::Replace,
            ..OdoOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        json_lines_of(&object),
        "{\"id\":3,\"name\":\"Cy\",\"joined\":\"2024-03-01\"}\n"
    );
}

#[test]
fn s3_globs_and_errors_name_the_object() {
    let files = Files::new();
    let prefix = bucket("glob");
    for (name, text) in [("a", "x\n1\n2\n"), ("b", "x\n3\n"), ("c", "x\nfour\n")] {
        let local = files.write(&format!("{name}.csv"), text);
        odo(
            local.to_str().unwrap(),
            &format!("{prefix}/logs/{name}.csv"),
            &OdoOptions::default(),
        )
        .unwrap();
    }
    let pattern = format!("{prefix}/logs/[ab].csv");
    assert_eq!(json_lines_of(&pattern), "{\"x\":1}\n{\"x\":2}\n{\"x\":3}\n");

    // A value that does not fit is named by its object, line and column.
    let err = odo(
        &format!("{prefix}/logs/*.csv"),
        files.path("out.parquet").to_str().unwrap(),
        &OdoOptions {
            dshape: Some(blaze_datashape::parse("var * {x: int64}").unwrap()),
            ..OdoOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{prefix}/logs/c.csv: line 2, column 1: 'four'")),
        "{err}"
    );
    assert!(!files.path("out.parquet").exists());

    let err = odo(
        files.path("a.csv").to_str().unwrap(),
        &format!("{prefix}/out/*.csv"),
        &OdoOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("a target is one object"), "{err}");

    let missing = format!("{prefix}/nothing.csv");
    let err = discover(&missing, &Default::default()).unwrap_err();
    assert_eq!(err.to_string(), format!("{missing}: no such object"));
    let none = format!("{prefix}/logs/*.parquet");
    assert_eq!(
        discover(&none, &Default::default())
            .unwrap_err()
            .to_string(),
        format!("no objects match '{none}'")
    );
}

/// Serves `body` at any path to `requests` requests, on a loopback port; returns the base URL.
fn serve(body: &'static [u8], requests: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                if header.trim().is_empty() {
                    break;
                }
            }
            let head = request_line.starts_with("HEAD");
            let found = request_line.contains("/data/");
            let status = if found { "200 OK" } else { "404 Not Found" };
            let body: &[u8] = if found { body } else { b"" };
            write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .unwrap();
            if !head {
                stream.write_all(body).unwrap();
            }
        }
    });
    format!("http://{address}")
}

#[test]
fn http_files_are_read_only_sources() {
    let base = serve(b"{\"a\": 1, \"b\": [1, 2]}\n{\"a\": null, \"b\": []}\n", 8);
    let url = format!("{base}/data/events.jsonl");
    assert_eq!(
        discover(&url, &Default::default())
            .unwrap()
            .datashape
            .to_string(),
        "var * {a: ?int64, b: var * int64}"
    );
    let files = Files::new();
    let out = files.path("events.parquet");
    let summary = odo(&url, out.to_str().unwrap(), &OdoOptions::default()).unwrap();
    assert_eq!(summary.rows, 2);
    assert_eq!(
        json_lines_of(out.to_str().unwrap()),
        "{\"a\":1,\"b\":[1,2]}\n{\"b\":[]}\n"
    );
    let err = odo(
        out.to_str().unwrap(),
        &format!("{base}/data/copy.jsonl"),
        &OdoOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
}
