//! Loading CSV into Arrow record batches, typed by a datashape.
//!
//! Every cell is parsed by the same text parsers discovery uses, so whatever discovery typed as
//! a date, time or duration loads as one. A cell that does not fit its column's type stops the
//! load with an error naming the file, line, column, value and expected type. Files are typed
//! on every core, a chunk of rows per worker.

use std::collections::VecDeque;
use std::sync::Arc;

use super::builder::Column;
use arrow::array::ArrayRef;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use blaze_datashape::discover::TextClassifier;

use crate::csv_chunks::{Chunks, RowChunk, map_chunks};
use crate::csv_file::CsvFile;
use crate::error::{Error, Result};
use crate::rejects::Rejects;

/// Where the column types came from: said in errors so the user knows what to change.
#[derive(Clone, Copy, Debug)]
pub(crate) enum TypedFrom {
    /// Discovery over this many rows.
    Inferred { rows: u64, complete: bool },
    /// The user's `--dshape`.
    User,
}

impl TypedFrom {
    /// Where the types came from and how to change them, for error messages.
    pub(crate) fn hint(self) -> String {
        match self {
            TypedFrom::User => "types as --dshape says".into(),
            TypedFrom::Inferred {
                rows,
                complete: false,
            } => format!(
                "types inferred from the first {rows} rows; give them with --dshape, or infer from more rows with --sample-rows"
            ),
            TypedFrom::Inferred { .. } => {
                "types inferred from the data; give them with --dshape".into()
            }
        }
    }
}

/// Reads an opened CSV file as batches of up to `batch_rows` rows, typed on every core (see
/// [`map_chunks`]): the `columns` of `schema` (indices), or all of them. Rows set aside for
/// `rejects` are recorded in file order.
pub(crate) fn csv_batches(
    file: CsvFile,
    schema: SchemaRef,
    columns: Option<&[usize]>,
    classifier: TextClassifier,
    batch_rows: usize,
    typed_from: TypedFrom,
    rejects: Option<Rejects>,
) -> Result<CsvBatches> {
    if schema.fields().len() != file.names.len() {
        return Err(Error::InvalidOption(format!(
            "{}: the datashape has {} columns but the file has {}",
            file.path().display(),
            schema.fields().len(),
            file.names.len()
        )));
    }
    let columns: Vec<usize> = match columns {
        Some(columns) => columns.to_vec(),
        None => (0..schema.fields().len()).collect(),
    };
    let schema = Arc::new(
        schema
            .project(&columns)
            .map_err(|e| Error::InvalidOption(format!("{}: {e}", file.path().display())))?,
    );
    // Every column type must load from text: checked here, once, rather than in each chunk.
    for field in schema.fields() {
        Column::new(field, 0).map_err(|message| {
            Error::InvalidOption(format!("{}: {message}", file.path().display()))
        })?;
    }
    let typer = ChunkTyper {
        schema: schema.clone(),
        columns,
        classifier,
        typed_from,
        skip: rejects.is_some(),
    };
    Ok(CsvBatches {
        schema,
        chunks: map_chunks(file, batch_rows, None, move |chunk| typer.type_rows(chunk)),
        ready: VecDeque::new(),
        rejects,
    })
}

/// Batches of a CSV file, in file order.
pub(crate) struct CsvBatches {
    /// The schema of the batches: the columns typed.
    schema: SchemaRef,
    chunks: Chunks<Typed>,
    /// Batches of a chunk not yet handed out.
    ready: VecDeque<RecordBatch>,
    rejects: Option<Rejects>,
}

impl CsvBatches {
    /// The schema of the batches.
    pub(crate) fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

impl Iterator for CsvBatches {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(batch) = self.ready.pop_front() {
                return Some(Ok(batch));
            }
            let typed = match self.chunks.next()? {
                Ok(typed) => typed,
                Err(error) => return Some(Err(error)),
            };
            if let Some(rejects) = &self.rejects {
                for row in typed.rejected {
                    if let Err(error) = rejects.record(&row.error, &row.column, row.cells) {
                        return Some(Err(error));
                    }
                }
            }
            self.ready.extend(typed.batches);
        }
    }
}

/// The problem of an empty cell in a column that cannot hold missing values.
const MISSING: &str = "a missing value";

/// A chunk of rows, typed.
struct Typed {
    /// Usually one batch; a rejected row ends one batch and starts the next.
    batches: Vec<RecordBatch>,
    rejected: Vec<Rejected>,
}

/// A row set aside, and why.
struct Rejected {
    error: Error,
    column: String,
    cells: Vec<String>,
}

/// Turns chunks of text rows into typed columns; shared by every worker.
struct ChunkTyper {
    /// The columns typed.
    schema: SchemaRef,
    /// Where each of them is in the file's rows.
    columns: Vec<usize>,
    classifier: TextClassifier,
    typed_from: TypedFrom,
    /// Set rows with a bad cell aside rather than stopping.
    skip: bool,
}

impl ChunkTyper {
    fn type_rows(&self, chunk: &RowChunk) -> Result<Typed> {
        let mut columns = self
            .schema
            .fields()
            .iter()
            .map(|f| Column::new(f, chunk.len()))
            .collect::<Result<Vec<_>, String>>()
            .map_err(Error::InvalidOption)?;
        let mut typed = Typed {
            batches: Vec::with_capacity(1),
            rejected: Vec::new(),
        };
        // Rows in `columns` since the last batch.
        let mut rows = 0;
        for row in 0..chunk.len() {
            let Some((i, problem)) = self.push_row(chunk, row, &mut columns)? else {
                rows += 1;
                continue;
            };
            let error = self.cell_error(chunk, row, i, &problem);
            if !self.skip {
                return Err(error);
            }
            typed.rejected.push(Rejected {
                error,
                column: self.schema.field(i).name().clone(),
                cells: chunk.cells(row),
            });
            // The columns before `i` took a cell of the rejected row: end the batch before
            // that row.
            typed
                .batches
                .extend(self.finish_batch(chunk, &mut columns, rows)?);
            rows = 0;
        }
        typed
            .batches
            .extend(self.finish_batch(chunk, &mut columns, rows)?);
        Ok(typed)
    }

    /// Appends the cells of `row` to `columns`; stops at the first that does not fit, and
    /// says which and why.
    fn push_row(
        &self,
        chunk: &RowChunk,
        row: usize,
        columns: &mut [Column],
    ) -> Result<Option<(usize, String)>> {
        for (i, column) in columns.iter_mut().enumerate() {
            let text = chunk.text(row, self.columns[i])?;
            let result = if !self.classifier.is_null(text) {
                column.push(text)
            } else if self.schema.field(i).is_nullable() {
                column.push_null();
                Ok(())
            } else {
                Err(MISSING.to_owned())
            };
            if let Err(problem) = result {
                return Ok(Some((i, problem)));
            }
        }
        Ok(None)
    }

    /// The first `rows` rows the columns hold, as a batch (none when `rows` is 0); the
    /// columns start over empty.
    fn finish_batch(
        &self,
        chunk: &RowChunk,
        columns: &mut [Column],
        rows: usize,
    ) -> Result<Option<RecordBatch>> {
        let arrays: Vec<ArrayRef> = columns
            .iter_mut()
            .map(|c| c.finish().slice(0, rows))
            .collect();
        if rows == 0 {
            return Ok(None);
        }
        RecordBatch::try_new(self.schema.clone(), arrays)
            .map(Some)
            .map_err(|e| Error::Format {
                path: chunk.path().to_owned(),
                message: e.to_string(),
            })
    }

    fn cell_error(&self, chunk: &RowChunk, row: usize, index: usize, problem: &str) -> Error {
        let field = self.schema.field(index);
        let expected = blaze_datashape::arrow::from_arrow_field(field)
            .map(|t| t.to_string())
            .unwrap_or_else(|_| field.data_type().to_string());
        let hint = self.typed_from.hint();
        let shown = if problem == MISSING {
            MISSING.to_owned()
        } else {
            // The cell was read as text before it failed to parse.
            format!(
                "'{}'",
                chunk.text(row, self.columns[index]).unwrap_or_default()
            )
        };
        chunk.malformed(
            row,
            Some(self.columns[index]),
            format!(
                "{shown} in column '{}' is not a valid {expected} ({hint}){}",
                field.name(),
                if problem.is_empty() || problem == MISSING {
                    String::new()
                } else {
                    format!(": {problem}")
                }
            ),
        )
    }
}
