//! Parquet and Arrow IPC discovery: the schema maps to a datashape, and a column is optional
//! only where nulls occur (Parquet: the row groups' null counts; Arrow: the batches' null counts).
//! A Parquet column without statistics stays optional if its schema says so.

use std::fs::File;
use std::path::Path;

use arrow::datatypes::{Field, Schema};
use blaze_datashape::arrow::{DATASHAPE_METADATA_KEY, from_arrow_schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::Discovery;
use crate::error::{Error, Result};

fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

fn format_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Format {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

/// `schema` with fields marked non-nullable where `has_nulls` says no value is missing.
fn tighten(schema: &Schema, has_nulls: impl Fn(usize) -> bool) -> Schema {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let keeps_exact_shape = f.metadata().contains_key(DATASHAPE_METADATA_KEY);
            if f.is_nullable() && !keeps_exact_shape && !has_nulls(i) {
                f.as_ref().clone().with_nullable(false)
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    Schema::new(fields)
}

pub(super) fn discover_parquet(path: &Path) -> Result<Discovery> {
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(open(path)?).map_err(|e| format_error(path, e))?;
    let metadata = builder.metadata().clone();
    let schema = builder.schema().clone();
    let parquet_schema = builder.parquet_schema();
    let rows: i64 = metadata.row_groups().iter().map(|rg| rg.num_rows()).sum();
    // Top-level Arrow field i maps to the Parquet leaf columns under it.
    let leaves_of = |field: usize| -> Vec<usize> {
        (0..parquet_schema.num_columns())
            .filter(|&c| parquet_schema.get_column_root_idx(c) == field)
            .collect()
    };
    let tightened = tighten(&schema, |i| {
        leaves_of(i).iter().any(|&c| {
            metadata.row_groups().iter().any(|rg| {
                rg.column(c)
                    .statistics()
                    .and_then(|s| s.null_count_opt())
                    .is_none_or(|n| n > 0)
            })
        })
    });
    let datashape = from_arrow_schema(&tightened).map_err(|source| Error::Datashape {
        path: path.to_owned(),
        source,
    })?;
    Ok(Discovery {
        datashape,
        rows_read: rows as u64,
        complete: true,
        csv: None,
    })
}

pub(super) fn discover_ipc(path: &Path) -> Result<Discovery> {
    use arrow::ipc::reader::{FileReader, StreamReader};
    let batches: Box<
        dyn Iterator<Item = Result<arrow::record_batch::RecordBatch, arrow::error::ArrowError>>,
    >;
    let schema;
    match FileReader::try_new(open(path)?, None) {
        Ok(reader) => {
            schema = reader.schema();
            batches = Box::new(reader);
        }
        Err(_) => {
            let reader = StreamReader::try_new(std::io::BufReader::new(open(path)?), None)
                .map_err(|e| format_error(path, e))?;
            schema = reader.schema();
            batches = Box::new(reader);
        }
    }
    let mut nulls = vec![false; schema.fields().len()];
    let mut rows = 0u64;
    for batch in batches {
        let batch = batch.map_err(|e| format_error(path, e))?;
        rows += batch.num_rows() as u64;
        for (i, column) in batch.columns().iter().enumerate() {
            nulls[i] |= column.null_count() > 0;
        }
    }
    let tightened = tighten(&schema, |i| nulls[i]);
    let datashape = from_arrow_schema(&tightened).map_err(|source| Error::Datashape {
        path: path.to_owned(),
        source,
    })?;
    Ok(Discovery {
        datashape,
        rows_read: rows,
        complete: true,
        csv: None,
    })
}
