//! PostgreSQL → CSV with `COPY (SELECT ...) TO STDOUT (FORMAT csv)`: the server formats every
//! value and we only move bytes, into a temporary file that replaces the target when complete.

use std::io::Write;
use std::path::Path;

use blaze_datashape::DataShape;
use futures_util::StreamExt;

use super::{
    CatalogColumn, Table, catalog, connect, pg_error, quote_identifier, runtime, shape_of,
};
use crate::error::{Error, Result};
use crate::format::Compression;
use crate::graph::Conversion;
use crate::target::AtomicFile;

/// How a column is selected so that the server's CSV text reads back as the same value and
/// type: most types as they are (dates ISO, floats shortest round-trip), booleans as
/// `true`/`false`, zoned timestamps in UTC with a `Z`. `None` for types whose text we would not
/// read back as they were (intervals, arrays, JSON...): those tables take the path through Arrow.
fn csv_expression(column: &CatalogColumn) -> Option<String> {
    let quoted = quote_identifier(&column.name);
    Some(match column.type_name.as_str() {
        "int2" | "int4" | "int8" | "float4" | "float8" | "numeric" | "text" | "varchar"
        | "bpchar" | "date" | "timestamp" => quoted,
        "bool" => format!("CASE WHEN {quoted} THEN 'true' WHEN NOT {quoted} THEN 'false' END"),
        "timestamptz" => {
            format!("to_char({quoted} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
        }
        _ => return None,
    })
}

/// Counts CSV records (line ends outside quotes) across the chunks of a stream.
#[derive(Default)]
struct RecordCounter {
    in_quotes: bool,
    records: u64,
}

impl RecordCounter {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'"' => self.in_quotes = !self.in_quotes,
                b'\n' if !self.in_quotes => self.records += 1,
                _ => {}
            }
        }
    }
}

/// Writes the table to the CSV file `target` (with a header, `delimiter` between fields,
/// compressed as `compression` says), replacing it if `replace`. Returns the rows written and
/// the table's datashape. Declines ([`Error::Unsupported`]) tables with columns whose text
/// would not read back the same.
pub(crate) fn copy_to_csv(
    table: &Table,
    target: &Path,
    compression: Compression,
    delimiter: u8,
    replace: bool,
) -> Result<(u64, DataShape)> {
    let delimiter = match delimiter {
        b'\'' => "''''".to_owned(),
        d => format!("'{}'", d as char),
    };
    runtime()?.block_on(async {
        let client = connect(&table.url).await?;
        let columns = catalog(&client, table).await?;
        let mut selected = Vec::with_capacity(columns.len());
        for column in &columns {
            let expression = csv_expression(column).ok_or_else(|| Error::Unsupported {
                conversion: Conversion::PostgresToCsv,
                reason: format!(
                    "column '{}' is of type {}, whose text would not read back the same",
                    column.name, column.type_name
                ),
            })?;
            selected.push(format!(
                "{expression} AS {}",
                quote_identifier(&column.name)
            ));
        }
        client
            .batch_execute("SET DateStyle = 'ISO'; SET extra_float_digits = 1")
            .await
            .map_err(|e| pg_error(&table.url, e))?;
        let query = format!(
            "COPY (SELECT {} FROM {}) TO STDOUT (FORMAT csv, HEADER true, DELIMITER {delimiter})",
            selected.join(", "),
            table.quoted()
        );
        let stream = client
            .copy_out(&query)
            .await
            .map_err(|e| pg_error(&table.url, e))?;
        futures_util::pin_mut!(stream);
        let (file, mut sink) = AtomicFile::create(target, compression, replace)?;
        let mut counter = RecordCounter::default();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| pg_error(&table.url, e))?;
            counter.feed(&chunk);
            sink.write_all(&chunk).map_err(|source| Error::Io {
                path: target.to_owned(),
                source,
            })?;
        }
        file.commit(sink)?;
        let shape = shape_of(&table.url, &columns)?;
        Ok((counter.records.saturating_sub(1), shape))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_records_not_quoted_line_ends() {
        let mut counter = RecordCounter::default();
        counter.feed(b"a,b\n1,\"two\nlines\"\n2,\"x");
        counter.feed(b"\"\"y\"\n");
        assert_eq!(counter.records, 3);
    }
}
