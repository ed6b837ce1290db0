//! CSV discovery: every column typed over the whole file (up to the byte budget), on every core,
//! streaming in bounded memory.

use std::path::Path;

use blaze_datashape::discover::TextColumn;
use blaze_datashape::{DataShape, Dim, Measure, Record};

use super::{CsvDialect, DiscoverOptions, Discovery};
use crate::csv_chunks::{Limit, RowChunk, map_chunks};
use crate::csv_file::CsvFile;
use crate::error::{Error, Result};
use crate::format::Compression;

/// Rows per chunk handed to a discovery thread.
const DISCOVERY_CHUNK_ROWS: usize = 16 * 1024;

pub(super) fn discover(
    path: &Path,
    compression: Compression,
    name_delimiter: Option<u8>,
    options: &DiscoverOptions,
) -> Result<Discovery> {
    let classifier = options.classifier();
    let file = CsvFile::open(
        path,
        compression,
        name_delimiter,
        options,
        &classifier,
        None,
    )?;
    let (names, delimiter, header) = (file.names.clone(), file.delimiter, file.header);
    let width = names.len();
    let limit = Limit {
        rows: options.sample_rows.unwrap_or(u64::MAX),
        bytes: options.byte_budget,
    };
    let mut chunks = map_chunks(
        file,
        DISCOVERY_CHUNK_ROWS,
        Some(limit),
        move |chunk: &RowChunk| {
            let mut columns = vec![TextColumn::default(); width];
            for row in 0..chunk.len() {
                for (i, column) in columns.iter_mut().enumerate() {
                    column.add_cell(&classifier, chunk.text(row, i)?);
                }
            }
            Ok((chunk.len() as u64, columns))
        },
    );
    let mut columns = vec![TextColumn::default(); width];
    let mut rows_read = 0u64;
    for chunk in chunks.by_ref() {
        let (rows, chunk_columns) = chunk?;
        rows_read += rows;
        for (column, other) in columns.iter_mut().zip(chunk_columns) {
            column.merge(other);
        }
    }
    let complete = chunks.complete();
    let fields = names
        .iter()
        .zip(&columns)
        .map(|(name, column)| (name.clone(), column.datashape()))
        .collect();
    let record = Record::try_new(fields).map_err(|source| Error::Datashape {
        path: path.to_owned(),
        source,
    })?;
    Ok(Discovery {
        datashape: DataShape::new(vec![Dim::Var], Measure::Record(record))
            .expect("one var dimension"),
        rows_read,
        complete,
        csv: Some(CsvDialect {
            delimiter,
            header,
            marker_nulls: columns.iter().any(TextColumn::has_marker_nulls),
        }),
    })
}
