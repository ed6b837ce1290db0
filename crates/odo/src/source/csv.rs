//! Loading CSV into Arrow record batches, typed by a datashape.
//!
//! Every cell is parsed by the same text parsers discovery uses, so whatever discovery typed as
//! a date, time or duration loads as one. A cell that does not fit its column's type stops the
//! load with an error naming the file, line, column, value and expected type.

use arrow::array::ArrayRef;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use blaze_datashape::discover::TextClassifier;
use csv::ByteRecord;

use super::builder::Column;

use crate::csv_file::CsvFile;
use crate::error::{Error, Result};
use crate::rejects::Rejects;

/// Reads batches of `batch_rows` rows from an opened CSV file.
pub(crate) struct CsvBatches {
    file: CsvFile,
    schema: SchemaRef,
    columns: Vec<Column>,
    classifier: TextClassifier,
    batch_rows: usize,
    record: ByteRecord,
    /// How the types were decided, for error messages.
    typed_from: TypedFrom,
    /// Where rows that do not fit go, instead of stopping the load.
    rejects: Option<Rejects>,
    done: bool,
}

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

impl CsvBatches {
    pub(crate) fn new(
        file: CsvFile,
        schema: SchemaRef,
        classifier: TextClassifier,
        batch_rows: usize,
        typed_from: TypedFrom,
        rejects: Option<Rejects>,
    ) -> Result<Self> {
        if schema.fields().len() != file.names.len() {
            return Err(Error::InvalidOption(format!(
                "{}: the datashape has {} columns but the file has {}",
                file.path().display(),
                schema.fields().len(),
                file.names.len()
            )));
        }
        let columns = schema
            .fields()
            .iter()
            .map(|f| Column::new(f, batch_rows))
            .collect::<Result<Vec<_>, String>>()
            .map_err(|message| {
                Error::InvalidOption(format!("{}: {message}", file.path().display()))
            })?;
        Ok(Self {
            file,
            schema,
            columns,
            classifier,
            batch_rows,
            record: ByteRecord::new(),
            typed_from,
            rejects,
            done: false,
        })
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let mut rows = 0;
        'rows: while rows < self.batch_rows && self.file.next_row(&mut self.record)? {
            for i in 0..self.columns.len() {
                let text = self.file.text(&self.record, i)?;
                let result = if self.classifier.is_null(text) {
                    if self.schema.field(i).is_nullable() {
                        self.columns[i].push_null();
                        Ok(())
                    } else {
                        Err("a missing value".to_owned())
                    }
                } else {
                    self.columns[i].push(text)
                };
                if let Err(problem) = result {
                    let error = self.cell_error(i, text, &problem);
                    let Some(rejects) = &self.rejects else {
                        return Err(error);
                    };
                    let cells = self
                        .record
                        .iter()
                        .map(|cell| String::from_utf8_lossy(cell).into_owned())
                        .collect();
                    rejects.record(&error, self.schema.field(i).name(), cells)?;
                    // The columns before `i` took a cell of the rejected row: end the batch
                    // before that row.
                    if rows == 0 {
                        self.columns.iter_mut().for_each(|c| drop(c.finish()));
                        continue 'rows;
                    }
                    return self.finish_batch(rows).map(Some);
                }
            }
            rows += 1;
        }
        if rows == 0 {
            return Ok(None);
        }
        self.finish_batch(rows).map(Some)
    }

    /// The first `rows` rows the columns hold, as a batch; the columns start over empty.
    fn finish_batch(&mut self, rows: usize) -> Result<RecordBatch> {
        let arrays: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .map(|c| c.finish().slice(0, rows))
            .collect();
        RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| Error::Format {
            path: self.file.path().to_owned(),
            message: e.to_string(),
        })
    }

    fn cell_error(&self, index: usize, text: &str, problem: &str) -> Error {
        let field = self.schema.field(index);
        let expected = blaze_datashape::arrow::from_arrow_field(field)
            .map(|t| t.to_string())
            .unwrap_or_else(|_| field.data_type().to_string());
        let hint = self.typed_from.hint();
        let shown = if problem == "a missing value" {
            "a missing value".to_owned()
        } else {
            format!("'{text}'")
        };
        self.file.malformed(
            &self.record,
            Some(index),
            format!(
                "{shown} in column '{}' is not a valid {expected} ({hint}){}",
                field.name(),
                if problem.is_empty() || problem == "a missing value" {
                    String::new()
                } else {
                    format!(": {problem}")
                }
            ),
        )
    }
}

impl Iterator for CsvBatches {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let batch = self.next_batch();
        if !matches!(batch, Ok(Some(_))) {
            self.done = true;
        }
        batch.transpose()
    }
}
