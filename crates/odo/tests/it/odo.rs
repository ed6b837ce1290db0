//! Moving data between file formats: content survives every round trip; targets are atomic.

use arrow::array::{Array, AsArray};
use arrow::datatypes::{Decimal128Type, Float64Type, Int64Type, TimestampMicrosecondType};
use arrow::record_batch::RecordBatch;
use blaze_odo::{IfExists, OdoOptions, odo};

use crate::Files;

const MIXED: &str = "\
id,name,amount,price,day,at,at_utc,flag
1,Ålesund ☃,100,1.50,2024-01-31,2024-01-31 10:00:00,2024-01-31T10:00:00Z,true
9223372036854775807,\"quote \"\"this\"\", comma\",,2.25,,2024-02-01 00:00:01,2024-02-01T01:00:00+01:00,false
-9223372036854775808,,-3,,1970-01-01,1969-12-31 23:59:59.5,1969-12-31T23:59:59Z,
";

fn read_all(uri: &str) -> Vec<RecordBatch> {
    let source = blaze_odo::open(uri, None, &Default::default()).unwrap();
    source.batches.map(Result::unwrap).collect()
}

/// The URI of a resource named `stem` of `format` in `files`: a file, or a SQLite table.
fn uri(files: &Files, stem: &str, format: &str) -> String {
    match format {
        "sqlite" => format!("sqlite:///{}::{stem}", files.path("test.db").display()),
        _ => files
            .path(&format!("{stem}.{format}"))
            .display()
            .to_string(),
    }
}

fn concat(batches: &[RecordBatch]) -> RecordBatch {
    arrow::compute::concat_batches(&batches[0].schema(), batches).unwrap()
}

#[test]
fn every_pair_of_formats_keeps_the_content() {
    let files = Files::new();
    let csv = files.write("mixed.csv", MIXED);
    let dshape = "var * {id: int64, name: ?string, amount: ?int64, price: ?decimal[10, 2], \
                  day: ?date, at: datetime, at_utc: datetime[tz='UTC'], flag: ?bool}";
    let options = OdoOptions {
        dshape: Some(blaze_datashape::parse(dshape).unwrap()),
        ..OdoOptions::default()
    };
    let parquet = uri(&files, "mixed", "parquet");
    let summary = odo(csv.to_str().unwrap(), &parquet, &options).unwrap();
    assert_eq!(summary.rows, 3);
    let reference = concat(&read_all(&parquet));
    assert_eq!(reference.num_rows(), 3);

    // The values themselves, as loaded from the CSV.
    let ids = reference.column(0).as_primitive::<Int64Type>();
    assert_eq!(ids.values().to_vec(), vec![1, i64::MAX, i64::MIN]);
    let names = reference.column(1).as_string::<i32>();
    assert_eq!(names.value(0), "Ålesund ☃");
    assert_eq!(names.value(1), "quote \"this\", comma");
    assert!(names.is_null(2));
    let prices = reference.column(3).as_primitive::<Decimal128Type>();
    assert_eq!(
        (prices.value(0), prices.value(1), prices.is_null(2)),
        (150, 225, true)
    );
    let at = reference
        .column(5)
        .as_primitive::<TimestampMicrosecondType>();
    assert_eq!(at.value(2), -500_000);
    let at_utc = reference
        .column(6)
        .as_primitive::<TimestampMicrosecondType>();
    assert_eq!(at_utc.value(1) - at_utc.value(0), 14 * 3_600_000_000);
    assert_eq!(at_utc.value(2), -1_000_000);

    // Every format to every other, compared with the reference.
    let formats = [
        "parquet",
        "arrow",
        "jsonl",
        "json",
        "csv",
        "csv.gz",
        "jsonl.zst",
        "sqlite",
    ];
    for from in formats {
        let start = uri(&files, "start", from);
        odo(
            &parquet,
            &start,
            &OdoOptions {
                if_exists: IfExists::Replace,
                ..OdoOptions::default()
            },
        )
        .unwrap();
        for to in formats {
            let end = uri(&files, &format!("end_{from}_{}", to.replace('.', "_")), to);
            // The schema travels through text formats as the datashape says.
            let summary = odo(&start, &end, &options_for(from, dshape)).unwrap();
            assert_eq!(summary.rows, 3, "{from} → {to}");
            let back = concat(&read_all_typed(&end, dshape));
            assert_eq!(back, reference, "{from} → {to}");
        }
    }
}

fn options_for(format: &str, dshape: &str) -> OdoOptions {
    OdoOptions {
        dshape: format
            .starts_with(['c', 'j'])
            .then(|| blaze_datashape::parse(dshape).unwrap()),
        ..OdoOptions::default()
    }
}

fn read_all_typed(uri: &str, dshape: &str) -> Vec<RecordBatch> {
    let dshape = blaze_datashape::parse(dshape).unwrap();
    let source = blaze_odo::open(uri, Some(&dshape), &Default::default()).unwrap();
    source.batches.map(Result::unwrap).collect()
}

#[test]
fn inferred_types_survive_a_round_trip() {
    let files = Files::new();
    let csv = files.write("mixed.csv", MIXED);
    let jsonl = files.path("mixed.jsonl");
    let summary = odo(
        csv.to_str().unwrap(),
        jsonl.to_str().unwrap(),
        &OdoOptions::default(),
    )
    .unwrap();
    assert_eq!(
        summary.datashape.pretty(usize::MAX),
        "var * {id: int64, name: ?string, amount: ?int64, price: ?float64, day: ?date, at: datetime, \
         at_utc: datetime[tz='UTC'], flag: ?bool}"
    );
    let parquet = uri(&files, "mixed", "parquet");
    odo(jsonl.to_str().unwrap(), &parquet, &OdoOptions::default()).unwrap();
    let found = blaze_odo::discover(&parquet, &Default::default()).unwrap();
    assert_eq!(found.datashape, summary.datashape);
    // Through SQLite the declared column types carry the same datashape.
    let table = uri(&files, "mixed", "sqlite");
    odo(&parquet, &table, &OdoOptions::default()).unwrap();
    let found = blaze_odo::discover(&table, &Default::default()).unwrap();
    assert_eq!(found.datashape, summary.datashape);
    let amounts = concat(&read_all(&parquet));
    let amounts = amounts.column(3).as_primitive::<Float64Type>();
    assert_eq!(amounts.value(1), 2.25);
}

#[test]
fn a_bad_row_names_its_place_and_writes_nothing() {
    let files = Files::new();
    let mut text = String::from("id,amount\n");
    for i in 0..500 {
        text.push_str(&format!("{i},{i}.5\n"));
    }
    text.push_str("500,twelve\n");
    let csv = files.write("late.csv", &text);
    let target = files.path("late.parquet");
    let options = OdoOptions {
        read: blaze_odo::DiscoverOptions {
            sample_rows: Some(100),
            ..Default::default()
        },
        ..OdoOptions::default()
    };
    let err = odo(csv.to_str().unwrap(), target.to_str().unwrap(), &options).unwrap_err();
    assert!(
        err.to_string().ends_with(
            "late.csv: line 502, column 2: 'twelve' in column 'amount' is not a valid float64 \
             (types inferred from the first 100 rows; give them with --dshape, or infer from more rows with --sample-rows)"
        ),
        "{err}"
    );
    // No target, and no temporary file left beside it.
    let left: Vec<_> = std::fs::read_dir(csv.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(left, vec!["late.csv".to_owned()]);
}

#[test]
fn fail_append_replace() {
    let files = Files::new();
    let first = files.write("a.csv", "id,name\n1,x\n2,y\n");
    let second = files.write("b.csv", "id,name\n3,\n");
    let target = files.path("t.jsonl");
    let (first, second, target) = (
        first.to_str().unwrap(),
        second.to_str().unwrap(),
        target.to_str().unwrap(),
    );
    odo(first, target, &OdoOptions::default()).unwrap();
    let before = std::fs::read_to_string(target).unwrap();
    let err = odo(second, target, &OdoOptions::default()).unwrap_err();
    assert!(err.to_string().ends_with("t.jsonl already exists; use --if-exists replace to overwrite it or --if-exists append to add to it"));
    assert_eq!(std::fs::read_to_string(target).unwrap(), before);

    // b's name column is all-null (?string), which fits a's string column only if optional.
    let err = odo(
        second,
        target,
        &OdoOptions {
            if_exists: IfExists::Append,
            ..OdoOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("column 'name' is string there, but the source's is ?string"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(target).unwrap(), before);

    let third = files.write("c.csv", "id,name\n3,z\n");
    let summary = odo(
        third.to_str().unwrap(),
        target,
        &OdoOptions {
            if_exists: IfExists::Append,
            ..OdoOptions::default()
        },
    )
    .unwrap();
    assert_eq!(summary.rows, 1);
    assert_eq!(
        std::fs::read_to_string(target).unwrap(),
        "{\"id\":1,\"name\":\"x\"}\n{\"id\":2,\"name\":\"y\"}\n{\"id\":3,\"name\":\"z\"}\n"
    );

    odo(
        second,
        target,
        &OdoOptions {
            if_exists: IfExists::Replace,
            ..OdoOptions::default()
        },
    )
    .unwrap();
    assert_eq!(std::fs::read_to_string(target).unwrap(), "{\"id\":3}\n");
}

#[test]
fn nested_data_cannot_go_to_csv() {
    let files = Files::new();
    let source = files.write("n.jsonl", "{\"a\": {\"b\": 1}}\n");
    let target = files.path("n.csv");
    let err = odo(
        source.to_str().unwrap(),
        target.to_str().unwrap(),
        &OdoOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().ends_with("n.csv: CSV cannot hold the nested column 'a' ({b: int64}); write JSON lines, Parquet or Arrow instead"), "{err}");
    assert!(!target.exists());
}

#[test]
fn bad_rows_can_be_set_aside_with_their_reasons() {
    let files = Files::new();
    // Row 3 (line 4) is bad in its second column after a good first cell; row 4 (line 5) opens
    // a batch of two rows and is bad in its first column.
    let csv = files.write(
        "in.csv",
        "id,amount\n1,1.5\n2,2.5\n3,lots\nfour,4.0\n5,5.5\n",
    );
    let target = files.path("out.jsonl");
    let rejects = files.path("rejects.jsonl");
    let summary = odo(
        csv.to_str().unwrap(),
        target.to_str().unwrap(),
        &OdoOptions {
            dshape: Some(blaze_datashape::parse("var * {id: int64, amount: float64}").unwrap()),
            rejects: Some(rejects.clone()),
            batch_rows: Some(2),
            ..OdoOptions::default()
        },
    )
    .unwrap();
    assert_eq!(summary.rows, 3);
    assert_eq!(summary.rejected, Some((2, rejects.clone())));
    assert!(
        summary
            .to_string()
            .ends_with(&format!("; 2 rows rejected → {}", rejects.display()))
    );
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "{\"id\":1,\"amount\":1.5}\n{\"id\":2,\"amount\":2.5}\n{\"id\":5,\"amount\":5.5}\n"
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&rejects)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["line"], 4);
    assert_eq!(lines[0]["column"], "amount");
    assert_eq!(lines[0]["row"], serde_json::json!(["3", "lots"]));
    assert!(
        lines[0]["error"]
            .as_str()
            .unwrap()
            .contains("line 4, column 2: 'lots' in column 'amount' is not a valid float64"),
        "{}",
        lines[0]["error"]
    );
    assert_eq!(lines[1]["line"], 5);
    assert_eq!(lines[1]["column"], "id");
    assert_eq!(lines[1]["source"], csv.display().to_string());

    // Without skipping, the same file stops the move and leaves no reject file or target.
    std::fs::remove_file(&rejects).unwrap();
    let err = odo(
        csv.to_str().unwrap(),
        files.path("other.jsonl").to_str().unwrap(),
        &OdoOptions {
            dshape: Some(blaze_datashape::parse("var * {id: int64, amount: float64}").unwrap()),
            ..OdoOptions::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("line 4, column 2"), "{err}");
    assert!(!files.path("other.jsonl").exists() && !rejects.exists());
}

#[test]
fn batches_in_memory_go_to_any_target() {
    use std::sync::Arc;

    use arrow::array::{Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};

    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("name", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int64Array::from(vec![1, 2])),
            Arc::new(StringArray::from(vec![Some("a"), None])),
        ],
    )
    .unwrap();
    let files = Files::new();
    for target in [
        uri(&files, "memory", "sqlite"),
        uri(&files, "memory", "csv"),
    ] {
        let source = blaze_odo::BatchSource::from_batches(
            schema.clone(),
            vec![batch.clone(), batch.clone()],
        )
        .unwrap();
        assert_eq!(
            source.datashape.to_string(),
            "var * {id: int64, name: ?string}"
        );
        let summary = blaze_odo::odo_batches(source, &target, &OdoOptions::default()).unwrap();
        assert_eq!(summary.rows, 4);
        assert_eq!(summary.source, "Arrow record batches");
        assert_eq!(summary.plan.steps.len(), 1, "{}", summary.plan);
        let back = concat(&read_all(&target));
        let ids = back.column(0).as_primitive::<Int64Type>();
        assert_eq!(ids.values().to_vec(), vec![1, 2, 1, 2]);
        assert_eq!(back.column(1).null_count(), 2);
    }
}

/// A CSV file is typed a chunk per worker: rows, errors and rejected rows still come in file
/// order, with the lines of a single reader, including rows with quoted line breaks.
#[test]
fn chunks_typed_in_parallel_keep_file_order() {
    let files = Files::new();
    let mut text = String::from("id,note\n");
    let mut line = 2;
    let mut bad_lines = Vec::new();
    for i in 0..20_000 {
        if i % 3_001 == 1_000 {
            text.push_str(&format!("x{i},bad\n"));
            bad_lines.push(line);
            line += 1;
        } else if i % 7 == 0 {
            text.push_str(&format!("{i},\"two\nlines\"\n"));
            line += 2;
        } else {
            text.push_str(&format!("{i},n{i}\n"));
            line += 1;
        }
    }
    let csv = files.write("many.csv", &text);
    let dshape = blaze_datashape::parse("var * {id: int64, note: string}").unwrap();

    // Stopping: the first bad row in the file is the one named, whatever chunk it is in.
    let err = odo(
        csv.to_str().unwrap(),
        files.path("stopped.parquet").to_str().unwrap(),
        &OdoOptions {
            dshape: Some(dshape.clone()),
            batch_rows: Some(100),
            ..OdoOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        err.to_string().contains(&format!(
            "many.csv: line {}, column 1: 'x1000' in column 'id' is not a valid int64",
            bad_lines[0]
        )),
        "{err}"
    );
    assert!(!files.path("stopped.parquet").exists());

    // Skipping: every other row arrives in order; the rejects are in file order.
    let rejects = files.path("rejects.jsonl");
    let target = files.path("kept.parquet");
    let summary = odo(
        csv.to_str().unwrap(),
        target.to_str().unwrap(),
        &OdoOptions {
            dshape: Some(dshape),
            batch_rows: Some(100),
            rejects: Some(rejects.clone()),
            ..OdoOptions::default()
        },
    )
    .unwrap();
    assert_eq!(summary.rows, 20_000 - bad_lines.len() as u64);
    let back = concat(&read_all(target.to_str().unwrap()));
    let ids = back.column(0).as_primitive::<Int64Type>().values().to_vec();
    let expected: Vec<i64> = (0..20_000).filter(|i| i % 3_001 != 1_000).collect();
    assert_eq!(ids, expected);
    assert_eq!(back.column(1).as_string::<i32>().value(7), "two\nlines");
    let rejected_lines: Vec<u64> = std::fs::read_to_string(&rejects)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["line"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(rejected_lines, bad_lines);
}

/// The progress callback sees rows written and bytes read of the source's size.
#[test]
fn progress_counts_rows_and_bytes() {
    use std::sync::{Arc, Mutex};

    let files = Files::new();
    let mut text = String::from("id,name\n");
    for i in 0..50_000 {
        text.push_str(&format!("{i},name {i}\n"));
    }
    let size = text.len() as u64;
    let source = files.write("p.csv", text);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let summary = odo(
        source.to_str().unwrap(),
        files.path("p.parquet").to_str().unwrap(),
        &OdoOptions {
            batch_rows: Some(10_000),
            progress: Some(Arc::new(move |p| record.lock().unwrap().push(p))),
            ..OdoOptions::default()
        },
    )
    .unwrap();
    assert_eq!(summary.rows, 50_000);
    let seen = seen.lock().unwrap().clone();
    let rows: Vec<u64> = seen.iter().map(|p| p.rows).collect();
    assert_eq!(rows, vec![10_000, 20_000, 30_000, 40_000, 50_000]);
    assert!(seen.iter().all(|p| p.total_bytes == Some(size)), "{seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0].bytes <= w[1].bytes),
        "{seen:?}"
    );
    assert_eq!(seen.last().unwrap().bytes, size);

    // Reading a Parquet file counts its bytes too.
    let parquet = files.path("p.parquet");
    let size = std::fs::metadata(&parquet).unwrap().len();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    odo(
        parquet.to_str().unwrap(),
        files.path("p.jsonl").to_str().unwrap(),
        &OdoOptions {
            progress: Some(Arc::new(move |p| record.lock().unwrap().push(p))),
            ..OdoOptions::default()
        },
    )
    .unwrap();
    let last = *seen.lock().unwrap().last().unwrap();
    assert_eq!((last.rows, last.total_bytes), (50_000, Some(size)));
    assert!(last.bytes > 0 && last.bytes <= size, "{last:?}");
}
