//! MongoDB collections, against nx-27017 (started by `scripts/services.sh start`). nx-27017 is
//! a MongoDB wire-protocol emulator on SQLite, not MongoDB: these tests keep to what it
//! implements (insert_many, find, listCollections, create, drop and renameCollection).

use blaze_odo::{IfExists, OdoOptions, discover, odo};

use crate::{Files, json_lines_of};

/// The test database's URL, with a collection name of the test's own.
fn collection(test: &str) -> (String, String) {
    let url = std::env::var("BLAZE_TEST_MONGO").unwrap_or_else(|_| {
        panic!("BLAZE_TEST_MONGO is not set: run the tests with `bash scripts/test.sh`, or `eval \"$(scripts/services.sh start)\"` first")
    });
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("{test}_{nonce}");
    (format!("{url}::{name}"), name)
}

#[test]
fn collections_round_trip_with_nested_values_and_nulls() {
    let files = Files::new();
    let events = files.write(
        "events.jsonl",
        "{\"id\": 1, \"user\": {\"name\": \"ann\", \"tags\": [\"a\", \"b\"]}, \"score\": 1.5}\n\
         {\"id\": 2, \"user\": {\"name\": \"bob\", \"tags\": []}, \"score\": null}\n",
    );
    let (uri, _) = collection("round_trip");
    let summary = odo(events.to_str().unwrap(), &uri, &OdoOptions::default()).unwrap();
    assert_eq!(summary.rows, 2);
    // Documents come back with their object ids first, as hex strings.
    let shape = discover(&uri, &Default::default()).unwrap().datashape;
    assert_eq!(
        shape.pretty(usize::MAX),
        "var * {_id: string, id: int64, user: {name: string, tags: var * string}, score: ?float64}"
    );
    let back = files.path("back.parquet");
    odo(
        &uri,
        back.to_str().unwrap(),
        &OdoOptions {
            dshape: Some(
                blaze_datashape::parse(
                    "var * {_id: string, id: int64, user: {name: string, tags: var * string}, score: ?float64}",
                )
                .unwrap(),
            ),
            ..OdoOptions::default()
        },
    )
    .unwrap();
    let text = json_lines_of(back.to_str().unwrap());
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0]["user"],
        serde_json::json!({"name": "ann", "tags": ["a", "b"]})
    );
    assert_eq!(rows[0]["score"], 1.5);
    assert_eq!(rows[1]["id"], 2);
    assert_eq!(rows[1].get("score"), None);
    assert_eq!(rows[1]["_id"].as_str().unwrap().len(), 24);
}

#[test]
fn fail_append_replace_on_a_collection() {
    let files = Files::new();
    let first = files.write("a.csv", "id,name\n1,x\n2,y\n");
    let more = files.write("b.csv", "id,name\n3,z\n");
    let (uri, name) = collection("modes");
    odo(first.to_str().unwrap(), &uri, &OdoOptions::default()).unwrap();
    let err = odo(more.to_str().unwrap(), &uri, &OdoOptions::default()).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");

    let ids = |uri: &str| {
        let dshape =
            blaze_datashape::parse("var * {id: int64, name: string, _id: string}").unwrap();
        let source = blaze_odo::open(uri, Some(&dshape), &Default::default()).unwrap();
        let mut ids = Vec::new();
        for batch in source.batches {
            let batch = batch.unwrap();
            let column = batch
                .column(0)
                .as_any()
                .downcast_ref::<arrow::array::Int64Array>()
                .unwrap();
            ids.extend(column.values().iter().copied());
        }
        ids.sort_unstable();
        ids
    };
    assert_eq!(ids(&uri), [1, 2]);
    odo(
        more.to_str().unwrap(),
        &uri,
        &OdoOptions {
            if_exists: IfExists::Append,
            ..OdoOptions::default()
        },
    )
    .unwrap();
    assert_eq!(ids(&uri), [1, 2, 3]);
    odo(
        more.to_str().unwrap(),
        &uri,
        &OdoOptions {
            if_exists: IfExists::Replace,
            ..OdoOptions::default()
        },
    )
    .unwrap();
    assert_eq!(ids(&uri), [3]);

    // The whole database: a record of its collections, ours among them; no temporary ones.
    let database = uri.rsplit_once("::").unwrap().0;
    let shape = discover(database, &Default::default()).unwrap().datashape;
    let printed = shape.pretty(usize::MAX);
    assert!(
        printed.contains(&format!(
            "{name}: var * {{_id: string, id: int64, name: string}}"
        )),
        "{printed}"
    );
    assert!(!printed.contains("tmp_blaze_"), "{printed}");

    let err = discover(
        &format!("{database}::no_such_collection"),
        &Default::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("no collection 'no_such_collection'"),
        "{err}"
    );
}
