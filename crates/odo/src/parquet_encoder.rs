//! Encoding record batches as Parquet, with dictionary encoding only for the columns whose
//! values repeat. Dictionary-encoding a column of distinct values (ids, amounts, timestamps)
//! costs a hash lookup per value before the writer gives up on it; deciding from the first
//! batch keeps the dictionary for the columns it shrinks and saves that work for the others.

use std::collections::HashSet;

use arrow::array::ArrayRef;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use arrow::row::{RowConverter, SortField};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::errors::Result;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use crate::target::Sink;

/// Rows of the first batch looked at to decide on dictionaries.
const SAMPLE_ROWS: usize = 64 * 1024;

/// A Parquet file being encoded into a [`Sink`]; the writer starts at the first batch.
pub(crate) struct ParquetEncoder {
    state: State,
}

enum State {
    Waiting(Box<(Sink, SchemaRef)>),
    Writing(Box<ArrowWriter<Sink>>),
    /// Only while changing state.
    Moving,
}

impl ParquetEncoder {
    pub(crate) fn new(sink: Sink, schema: SchemaRef) -> Self {
        Self {
            state: State::Waiting(Box::new((sink, schema))),
        }
    }

    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if matches!(self.state, State::Waiting(_)) {
            self.start(Some(batch))?;
        }
        match &mut self.state {
            State::Writing(writer) => writer.write(batch),
            _ => unreachable!("the writer has started"),
        }
    }

    /// Writes the footer and returns the sink.
    pub(crate) fn finish(mut self) -> Result<Sink> {
        if matches!(self.state, State::Waiting(_)) {
            self.start(None)?;
        }
        match self.state {
            State::Writing(writer) => writer.into_inner(),
            _ => unreachable!("the writer has started"),
        }
    }

    /// Starts the writer with properties chosen from the first batch, if any.
    fn start(&mut self, first: Option<&RecordBatch>) -> Result<()> {
        let State::Waiting(waiting) = std::mem::replace(&mut self.state, State::Moving) else {
            unreachable!("started once")
        };
        let (sink, schema) = *waiting;
        let mut props = WriterProperties::builder().set_compression(Compression::SNAPPY);
        if let Some(batch) = first {
            for (field, column) in schema.fields().iter().zip(batch.columns()) {
                if !field.data_type().is_nested() && !repeats(column) {
                    props = props.set_column_dictionary_enabled(
                        ColumnPath::from(field.name().as_str()),
                        false,
                    );
                }
            }
        }
        self.state = State::Writing(Box::new(ArrowWriter::try_new(
            sink,
            schema,
            Some(props.build()),
        )?));
        Ok(())
    }
}

/// Whether the first values of `column` repeat enough for a dictionary to pay: at most half of
/// them distinct. Types the row format cannot hold keep the dictionary.
fn repeats(column: &ArrayRef) -> bool {
    let sample = column.slice(0, column.len().min(SAMPLE_ROWS));
    let Ok(converter) = RowConverter::new(vec![SortField::new(sample.data_type().clone())]) else {
        return true;
    };
    let Ok(rows) = converter.convert_columns(std::slice::from_ref(&sample)) else {
        return true;
    };
    let distinct: HashSet<_> = rows.iter().collect();
    distinct.len() * 2 <= sample.len()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int64Array, StringArray};

    use super::*;

    #[test]
    fn dictionaries_for_repeating_columns_only() {
        let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(0..1000));
        let codes: ArrayRef = Arc::new(StringArray::from_iter_values(
            (0..1000).map(|i| ["a", "b", "c"][i % 3]),
        ));
        assert!(!repeats(&ids));
        assert!(repeats(&codes));
    }
}
