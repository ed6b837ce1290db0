//! Printing query results: a preview table, the Blaze server's JSON shape, JSON lines, CSV or
//! an Arrow IPC stream.

use std::io::Write;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{
    DataType, DurationMicrosecondType, DurationMillisecondType, DurationNanosecondType,
    DurationSecondType, SchemaRef, TimeUnit,
};
use arrow::record_batch::RecordBatch;
use arrow::util::display::array_value_to_string;
use blaze_datashape::DataShape;
use serde_json::{Value, json};

/// The first `n` rows of `batches`.
pub(crate) fn first_rows(batches: &[RecordBatch], n: usize) -> Vec<RecordBatch> {
    let mut left = n;
    let mut out = Vec::new();
    for batch in batches {
        if left == 0 {
            break;
        }
        let take = left.min(batch.num_rows());
        out.push(batch.slice(0, take));
        left -= take;
    }
    out
}

/// The datashape, then the rows as a table (a single value alone); `more` adds a line saying
/// that only the first rows are shown.
pub(crate) fn write_table(
    out: &mut impl Write,
    dshape: &DataShape,
    batches: &[RecordBatch],
    more: bool,
) -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    if dshape.dims().is_empty() && dshape.as_record().is_none() {
        let value = batches
            .iter()
            .find(|b| b.num_rows() > 0)
            .map(|b| array_value_to_string(b.column(0), 0).map_err(|e| e.to_string()))
            .transpose()?
            .unwrap_or_default();
        return writeln!(out, "{value}").map_err(io);
    }
    writeln!(out, "{dshape}").map_err(io)?;
    let table = arrow::util::pretty::pretty_format_batches(batches).map_err(|e| e.to_string())?;
    writeln!(out, "{table}").map_err(io)?;
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    if more {
        writeln!(
            out,
            "... (first {rows} rows shown; --limit N for more, --format for all)"
        )
        .map_err(io)?;
    }
    Ok(())
}

/// `{"datashape": ..., "names": [...], "data": ...}`: a single value as itself, a column as a
/// list, a table as a list of rows, as the Blaze server answers `/compute`.
pub(crate) fn write_json(
    out: &mut impl Write,
    dshape: &DataShape,
    batches: &[RecordBatch],
) -> Result<(), String> {
    let names: Vec<String> = match batches.first() {
        Some(batch) => batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect(),
        None => field_names(dshape),
    };
    let rows = batches.iter().flat_map(|batch| {
        (0..batch.num_rows()).map(move |row| {
            batch
                .columns()
                .iter()
                .map(|c| cell(c, row))
                .collect::<Vec<Value>>()
        })
    });
    let record = !field_names(dshape).is_empty();
    let data = match (dshape.dims().is_empty(), record) {
        (true, false) => rows
            .map(|mut r| r.swap_remove(0))
            .next()
            .unwrap_or(Value::Null),
        (true, true) => rows.map(Value::from).next().unwrap_or(Value::Null),
        (false, false) => Value::from(rows.map(|mut r| r.swap_remove(0)).collect::<Vec<_>>()),
        (false, true) => Value::from(rows.map(Value::from).collect::<Vec<_>>()),
    };
    let body = json!({
        "datashape": dshape.to_string(),
        "names": names,
        "data": data,
    });
    writeln!(out, "{body}").map_err(|e| e.to_string())
}

/// The names of the fields of a datashape's records (none when its elements are not records).
fn field_names(dshape: &DataShape) -> Vec<String> {
    DataShape::scalar(dshape.measure().clone())
        .as_record()
        .map(|r| r.names().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// One JSON object per row.
pub(crate) fn write_ndjson(out: &mut impl Write, batches: &[RecordBatch]) -> Result<(), String> {
    for batch in batches {
        let schema = batch.schema();
        for row in 0..batch.num_rows() {
            let object: serde_json::Map<String, Value> = schema
                .fields()
                .iter()
                .zip(batch.columns())
                .map(|(field, column)| (field.name().clone(), cell(column, row)))
                .collect();
            writeln!(out, "{}", Value::Object(object)).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// CSV with a header.
pub(crate) fn write_csv(out: &mut impl Write, batches: &[RecordBatch]) -> Result<(), String> {
    let mut writer = arrow::csv::WriterBuilder::new()
        .with_header(true)
        .build(out);
    for batch in batches {
        writer.write(batch).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// An Arrow IPC stream.
pub(crate) fn write_arrow(
    out: &mut impl Write,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<(), String> {
    let mut writer =
        arrow::ipc::writer::StreamWriter::try_new(out, schema).map_err(|e| e.to_string())?;
    for batch in batches {
        writer.write(batch).map_err(|e| e.to_string())?;
    }
    writer.finish().map_err(|e| e.to_string())
}

/// One value as JSON, with the Blaze server's tags for datetimes (`{"__!datetime": ...}`) and
/// durations (`{"__!timedelta": seconds}`).
fn cell(column: &ArrayRef, row: usize) -> Value {
    if column.is_null(row) {
        return Value::Null;
    }
    let text = || array_value_to_string(column, row).unwrap_or_default();
    match column.data_type() {
        DataType::Boolean => Value::Bool(column.as_boolean().value(row)),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => text()
            .parse::<serde_json::Number>()
            .map_or(Value::Null, Value::Number),
        DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Decimal128(..) => {
            text()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number)
        }
        DataType::Timestamp(..) => json!({ "__!datetime": text() }),
        DataType::Duration(unit) => {
            let (value, per_second) = match unit {
                TimeUnit::Second => (column.as_primitive::<DurationSecondType>().value(row), 1.0),
                TimeUnit::Millisecond => (
                    column.as_primitive::<DurationMillisecondType>().value(row),
                    1e3,
                ),
                TimeUnit::Microsecond => (
                    column.as_primitive::<DurationMicrosecondType>().value(row),
                    1e6,
                ),
                TimeUnit::Nanosecond => (
                    column.as_primitive::<DurationNanosecondType>().value(row),
                    1e9,
                ),
            };
            json!({ "__!timedelta": value as f64 / per_second })
        }
        _ => Value::String(text()),
    }
}
