//! CSV discovery: every column typed over the whole file (up to the byte budget), streaming in
//! bounded memory.

use std::path::Path;

use blaze_datashape::discover::TextColumn;
use blaze_datashape::{DataShape, Dim, Measure, Record};

use super::{CsvDialect, DiscoverOptions, Discovery};
use crate::csv_file::CsvFile;
use crate::error::{Error, Result};
use crate::format::Compression;

pub(super) fn discover(
    path: &Path,
    compression: Compression,
    name_delimiter: Option<u8>,
    options: &DiscoverOptions,
) -> Result<Discovery> {
    let classifier = options.classifier();
    let mut file = CsvFile::open(
        path,
        compression,
        name_delimiter,
        &options.csv,
        options.encoding.as_deref(),
        &classifier,
    )?;
    let mut columns = vec![TextColumn::default(); file.names.len()];
    let mut record = csv::ByteRecord::new();
    let mut rows_read = 0u64;
    let limit = options.sample_rows.unwrap_or(u64::MAX);
    let complete = loop {
        if rows_read == limit || file.bytes_read() >= options.byte_budget {
            break !file.next_row(&mut record)?;
        }
        if !file.next_row(&mut record)? {
            break true;
        }
        for (i, column) in columns.iter_mut().enumerate() {
            column.add_cell(&classifier, file.text(&record, i)?);
        }
        rows_read += 1;
    };
    let fields = file
        .names
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
            delimiter: file.delimiter,
            header: file.header,
            marker_nulls: columns.iter().any(TextColumn::has_marker_nulls),
        }),
    })
}
