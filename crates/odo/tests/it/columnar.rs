//! Parquet and Arrow IPC discovery, on files written with the arrow and parquet crates.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Float64Array, Int32Array, ListArray, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Int32Type, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;

use crate::{Files, shape_of};

fn batch() -> RecordBatch {
    let schema = Schema::new(vec![
        Field::new("id", DataType::Int32, true),
        Field::new("name", DataType::Utf8, true),
        Field::new("score", DataType::Float64, true),
        Field::new(
            "at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new(
            "xs",
            DataType::List(Arc::new(Field::new("item", DataType::Int32, true))),
            true,
        ),
    ]);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from(vec![1, 2, 3])),
        Arc::new(StringArray::from(vec![Some("a"), None, Some("c")])),
        Arc::new(Float64Array::from(vec![1.0, 2.5, 3.0])),
        Arc::new(TimestampMicrosecondArray::from(vec![0, 1, 2]).with_timezone("UTC")),
        Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(1)]),
            Some(vec![]),
            None,
        ])),
    ];
    RecordBatch::try_new(Arc::new(schema), columns).unwrap()
}

/// Nullable columns without nulls print without `?`: the statistics say none occur.
const EXPECTED: &str =
    "var * {id: int32, name: ?string, score: float64, at: datetime[tz='UTC'], xs: ?var * ?int32}";

#[test]
fn parquet() {
    let files = Files::new();
    let path = files.path("t.parquet");
    let file = std::fs::File::create(&path).unwrap();
    let batch = batch();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    assert_eq!(shape_of(&path), EXPECTED);
    // The format is recognised from the magic bytes when the name says nothing.
    let renamed = files.path("t.data");
    std::fs::rename(&path, &renamed).unwrap();
    assert_eq!(shape_of(&renamed), EXPECTED);
}

#[test]
fn arrow_ipc_file_and_stream() {
    let files = Files::new();
    let batch = batch();
    let path = files.path("t.arrow");
    let mut writer = arrow::ipc::writer::FileWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        &batch.schema(),
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.finish().unwrap();
    assert_eq!(shape_of(&path), EXPECTED);

    let stream = files.path("t.arrows");
    let mut writer = arrow::ipc::writer::StreamWriter::try_new(
        std::fs::File::create(&stream).unwrap(),
        &batch.schema(),
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.finish().unwrap();
    assert_eq!(shape_of(&stream), EXPECTED);
}

#[test]
fn corrupt_parquet_is_a_clear_error() {
    let files = Files::new();
    let path = files.write("bad.parquet", b"PAR1 this is not parquet");
    let message = blaze_odo::discover_path(&path, &Default::default())
        .unwrap_err()
        .to_string();
    assert!(message.contains("bad.parquet: "), "{message}");
}
