//! Printing query results: a preview table, the Blaze server's JSON shape, JSON lines, CSV or
//! an Arrow IPC stream.

use std::io::Write;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use arrow::util::display::array_value_to_string;
use blaze_datashape::DataShape;
use blaze_server::{cell, response_json};
use serde_json::Value;

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
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<(), String> {
    writeln!(out, "{}", response_json(dshape, schema, batches)).map_err(|e| e.to_string())
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

/// CSV with a header. Nested columns (lists, records) are refused, naming the column.
pub(crate) fn write_csv(out: &mut impl Write, batches: &[RecordBatch]) -> Result<(), String> {
    if let Some(batch) = batches.first()
        && let Some(nested) = batch
            .schema()
            .fields()
            .iter()
            .find(|f| f.data_type().is_nested())
    {
        return Err(format!(
            "CSV cannot hold the nested column '{}'; use --format json, ndjson or arrow",
            nested.name()
        ));
    }
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
