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
    let no_bucket = "s3://no-such-bucket-here/x.csv";
    let err = discover(no_bucket, &Default::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{no_bucket}: The specified bucket does not exist (NoSuchBucket)")
    );
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

/// Puts `bytes` as the object at `url` (`s3://bucket/key`), as another S3 client would.
fn put_object(url: &str, bytes: &[u8]) {
    use object_store::ObjectStoreExt;
    let (bucket, key) = url.trim_start_matches("s3://").split_once('/').unwrap();
    let store = object_store::aws::AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .build()
        .unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(store.put(&key.into(), bytes.to_vec().into()))
        .unwrap();
}

/// The keys of the objects under `url` (`s3://bucket/prefix`), relative to it, sorted.
fn objects_under(url: &str) -> Vec<String> {
    use futures_util::TryStreamExt;
    let (bucket, prefix) = url.trim_start_matches("s3://").split_once('/').unwrap();
    let store = object_store::aws::AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .build()
        .unwrap();
    let prefix = object_store::path::Path::from(prefix);
    let listed: Vec<object_store::ObjectMeta> = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(object_store::ObjectStore::list(&store, Some(&prefix)).try_collect())
        .unwrap();
    let mut keys: Vec<String> = listed
        .iter()
        .map(|m| m.location.as_ref()[prefix.as_ref().len() + 1..].to_owned())
        .collect();
    keys.sort();
    keys
}

/// The values of the array that `uri` names, computed, as float64s in C order.
fn values_of(uri: &str) -> Vec<f64> {
    let block = blaze_odo::open_array(uri).unwrap().compute().unwrap();
    let block = block.cast(blaze_array::DType::Float64);
    block.as_array::<f64>().unwrap().iter().copied().collect()
}

#[test]
fn s3_zarr_stores_are_read_where_they_are_and_written_whole() {
    use blaze_array::{Array, DType};
    let files = Files::new();
    let scheduler = blaze_tasks::Scheduler::threaded();
    let shape = |uri: &str| {
        discover(uri, &Default::default())
            .unwrap()
            .datashape
            .to_string()
    };
    let base = bucket("zarr");
    let (store, group) = (format!("{base}/x.zarr"), format!("{base}/g.zarr"));

    // An array computed into a store's root: 12 x 5 float64 in blocks of 3 rows.
    let x = Array::arange(0.0, 60.0, 1.0, DType::Float64, [15])
        .unwrap()
        .reshape(&[12, 5])
        .unwrap();
    let rows = blaze_odo::write_array(&x, &store, IfExists::Fail, None, &scheduler).unwrap();
    assert_eq!(rows, 12);
    assert_eq!(shape(&store), "12 * 5 * float64");
    assert_eq!(
        values_of(&store),
        (0..60).map(f64::from).collect::<Vec<_>>()
    );
    let err = blaze_odo::write_array(&x, &store, IfExists::Fail, None, &scheduler)
        .unwrap_err()
        .to_string();
    assert!(err.contains("already exists"), "{err}");

    // Replaced by a smaller array: nothing of the old one is left to be read.
    let y = Array::arange(0.0, 3.0, 1.0, DType::Int64, [1]).unwrap();
    blaze_odo::write_array(&y, &store, IfExists::Replace, None, &scheduler).unwrap();
    assert_eq!(shape(&store), "3 * int64");
    assert_eq!(values_of(&store), [0.0, 1.0, 2.0]);
    // The old chunk c/0/0 is gone; c/0, all fill value (0), is not stored, as Zarr allows.
    assert_eq!(objects_under(&store), ["c/1", "c/2", "zarr.json"]);

    // Arrays in groups, moved in with odo from a local store, then back into a .npy file.
    let local = files.path("g.zarr");
    Array::arange(0.0, 4.0, 1.0, DType::Int64, [2])
        .unwrap()
        .to_zarr_node(&local, "raw/counts", &scheduler)
        .unwrap();
    let local = local.to_str().unwrap();
    let counts = format!("{group}::raw/counts");
    odo(
        &format!("{local}::raw/counts"),
        &counts,
        &OdoOptions::default(),
    )
    .unwrap();
    odo(
        &store,
        &format!("{group}::raw/more"),
        &OdoOptions::default(),
    )
    .unwrap();
    assert_eq!(shape(&counts), "4 * int64");
    // The store's root, a group: a record of its arrays, by group.
    assert_eq!(shape(&group), "{raw: {counts: 4 * int64, more: 3 * int64}}");
    let members = blaze_odo::array_members(&group).unwrap().unwrap();
    let names: Vec<&str> = members.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["raw/counts", "raw/more"]);
    assert!(blaze_odo::array_members(&store).unwrap().is_none());
    assert_eq!(
        values_of(&format!("{group}::/raw/counts/")),
        [0.0, 1.0, 2.0, 3.0]
    );
    assert_eq!(values_of(&format!("{group}::raw/more")), [0.0, 1.0, 2.0]);
    let npy = files.path("back.npy");
    let summary = odo(&counts, npy.to_str().unwrap(), &OdoOptions::default()).unwrap();
    assert_eq!(summary.rows, 4);
    assert_eq!(values_of(npy.to_str().unwrap()), [0.0, 1.0, 2.0, 3.0]);

    // Nothing but the metadata is read until the array is computed: with a chunk's object
    // garbled, the store is still described, and computing it fails naming the store.
    put_object(&format!("{group}/raw/counts/c/0"), b"not zstd");
    assert_eq!(shape(&counts), "4 * int64");
    let err = blaze_odo::open_array(&counts)
        .unwrap()
        .compute()
        .unwrap_err()
        .to_string();
    assert!(err.contains(&group) && err.contains("zarr"), "{err}");

    // Errors: no store there, appending, a .npy file in S3.
    let missing = format!("{base}/none.zarr");
    let err = discover(&missing, &Default::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&missing) && err.contains("no Zarr array at the store's root"),
        "{err}"
    );
    // A bucket that is not there: the server's words, not its XML.
    let err = discover("s3://no-such-bucket-here/x.zarr", &Default::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("s3://no-such-bucket-here/x.zarr: ")
            && err.ends_with("The specified bucket does not exist (NoSuchBucket)"),
        "{err}"
    );
    let append = OdoOptions {
        if_exists: IfExists::Append,
        ..OdoOptions::default()
    };
    let err = odo(npy.to_str().unwrap(), &store, &append)
        .unwrap_err()
        .to_string();
    assert!(err.contains("arrays cannot be appended to"), "{err}");
    let err = discover(&format!("{base}/x.npy"), &Default::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("read remotely from Zarr stores"), "{err}");
}
