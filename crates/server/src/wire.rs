//! Results in the Blaze server's JSON shape (`spec/blaze.md` §4.5–4.6):
//! `{"datashape": ..., "names": [...], "data": ...}`, a single value as itself, a column as a
//! list, a table as a list of rows, datetimes and durations tagged (`{"__!datetime": ...}`,
//! `{"__!timedelta": seconds}`), nested lists as arrays and nested records as objects.
//! `blaze query --format json` prints the same.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{
    DataType, DurationMicrosecondType, DurationMillisecondType, DurationNanosecondType,
    DurationSecondType, Schema, TimeUnit,
};
use arrow::record_batch::RecordBatch;
use arrow::util::display::array_value_to_string;
use blaze_datashape::DataShape;
use serde_json::{Value, json};

/// The response to a computation of datashape `dshape` whose result is `batches` of
/// `schema` (whose columns name the result, rows or none).
pub fn response_json(dshape: &DataShape, schema: &Schema, batches: &[RecordBatch]) -> Value {
    let record = !field_names(dshape).is_empty();
    // Blaze's `expr.fields`: a record's fields, or the one name of a column or value; none
    // for a result Blaze names nothing (`t.a + t.b`), computed as a column named `_`.
    let names: Vec<&String> = schema
        .fields()
        .iter()
        .map(|f| f.name())
        .filter(|name| record || name.as_str() != UNNAMED)
        .collect();
    let rows = batches.iter().flat_map(|batch| {
        (0..batch.num_rows()).map(move |row| {
            batch
                .columns()
                .iter()
                .map(|c| cell(c, row))
                .collect::<Vec<Value>>()
        })
    });
    let data = match (dshape.dims().is_empty(), record) {
        (true, false) => rows
            .map(|mut r| r.swap_remove(0))
            .next()
            .unwrap_or(Value::Null),
        (true, true) => rows.map(Value::from).next().unwrap_or(Value::Null),
        (false, false) => Value::from(rows.map(|mut r| r.swap_remove(0)).collect::<Vec<_>>()),
        (false, true) => Value::from(rows.map(Value::from).collect::<Vec<_>>()),
    };
    json!({
        // As the Blaze server prints it: `pprint(expr.dshape, width=0)`, every record on
        // several lines.
        "datashape": dshape.pretty(0),
        "names": names,
        "data": data,
    })
}

/// The name of the column computing a result that Blaze names nothing.
const UNNAMED: &str = "_";

/// The names of the fields of a datashape's records (none when its elements are not records).
fn field_names(dshape: &DataShape) -> Vec<String> {
    DataShape::scalar(dshape.measure().clone())
        .as_record()
        .map(|r| r.names().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// One value as JSON, with the Blaze server's tags for datetimes and durations.
pub fn cell(column: &ArrayRef, row: usize) -> Value {
    // A column of the null type has no validity buffer: every value is missing.
    if column.is_null(row) || column.data_type() == &DataType::Null {
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
        DataType::List(_) => list(&column.as_list::<i32>().value(row)),
        DataType::LargeList(_) => list(&column.as_list::<i64>().value(row)),
        DataType::FixedSizeList(..) => list(&column.as_fixed_size_list().value(row)),
        DataType::Struct(fields) => Value::Object(
            fields
                .iter()
                .zip(column.as_struct().columns())
                .map(|(field, values)| (field.name().clone(), cell(values, row)))
                .collect(),
        ),
        _ => Value::String(text()),
    }
}

/// The values of a list as a JSON array.
fn list(values: &ArrayRef) -> Value {
    Value::Array((0..values.len()).map(|i| cell(values, i)).collect())
}
