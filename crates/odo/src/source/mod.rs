//! Reading resources as streams of Arrow record batches typed by a datashape.

pub(crate) mod builder;
mod csv;
mod json;

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::ArrayRef;
use arrow::datatypes::{Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use blaze_datashape::DataShape;
use blaze_datashape::arrow::to_arrow_schema;

pub(crate) use self::csv::TypedFrom;
use crate::csv_file::CsvFile;
use crate::discover::{DiscoverOptions, discover_path};
use crate::error::{Error, Result};
use crate::format::{Compression, FileFormat};
use crate::read::{self, Counted};

/// Rows per batch when reading text formats.
pub const DEFAULT_BATCH_ROWS: usize = 64 * 1024;

/// A resource opened for reading: its datashape and its rows as Arrow record batches.
pub struct BatchSource {
    /// The datashape of the data (`var * {...}`).
    pub datashape: DataShape,
    /// The Arrow schema every batch has (from the datashape).
    pub schema: SchemaRef,
    /// The rows.
    pub batches: Box<dyn Iterator<Item = Result<RecordBatch>> + Send>,
}

impl BatchSource {
    /// Record batches held in memory, all of `schema`, as a source for
    /// [`odo_batches`](crate::odo_batches); the datashape is the schema's.
    pub fn from_batches(
        schema: SchemaRef,
        batches: impl IntoIterator<Item = RecordBatch, IntoIter: Send + 'static>,
    ) -> Result<Self> {
        let datashape = blaze_datashape::arrow::from_arrow_schema(&schema).map_err(|source| {
            Error::Datashape {
                path: "Arrow record batches".into(),
                source,
            }
        })?;
        Ok(Self {
            datashape,
            schema,
            batches: Box::new(batches.into_iter().map(Ok)),
        })
    }
}

/// Opens the file at `path` for reading as batches, typed by `dshape` or else by discovery.
pub(crate) fn open_file(
    path: &Path,
    format: FileFormat,
    compression: Compression,
    dshape: Option<&DataShape>,
    options: &DiscoverOptions,
    batch_rows: usize,
) -> Result<BatchSource> {
    let (datashape, typed_from) = match dshape {
        Some(d) => (d.clone(), TypedFrom::User),
        None => {
            let found = discover_path(path, options)?;
            let typed_from = TypedFrom::Inferred {
                rows: found.rows_read,
                complete: found.complete,
            };
            (found.datashape, typed_from)
        }
    };
    let schema = Arc::new(
        to_arrow_schema(&datashape).map_err(|source| Error::Datashape {
            path: path.to_owned(),
            source,
        })?,
    );
    let format_error = {
        let path = path.to_owned();
        move |e: arrow::error::ArrowError| Error::Format {
            path: path.clone(),
            message: e.to_string(),
        }
    };
    let batches: Box<dyn Iterator<Item = Result<RecordBatch>> + Send> = match format {
        FileFormat::Csv { delimiter } => {
            let classifier = options.classifier();
            let file = CsvFile::open(
                path,
                compression,
                delimiter,
                options,
                &classifier,
                options.progress.as_ref(),
            )?;
            let csv = csv::csv_batches(
                file,
                schema.clone(),
                options.columns.as_deref(),
                classifier,
                batch_rows,
                typed_from,
                options.rejects.clone(),
            )?;
            if options.columns.is_some() {
                let schema = csv.schema();
                return Ok(BatchSource {
                    datashape: blaze_datashape::arrow::from_arrow_schema(&schema).map_err(
                        |source| Error::Datashape {
                            path: path.to_owned(),
                            source,
                        },
                    )?,
                    schema,
                    batches: Box::new(csv),
                });
            }
            Box::new(csv)
        }
        FileFormat::Json | FileFormat::JsonLines => {
            let mut input = read::open(path, compression, options.progress.as_ref())?;
            if let Some(label) = &options.encoding {
                let encoding = read::encoding(label)?;
                if encoding != encoding_rs::UTF_8 {
                    input = Box::new(read::Transcoder::new(input, encoding));
                }
            }
            let reader = json::batches(
                input,
                schema.clone(),
                batch_rows,
                format == FileFormat::Json,
            )
            .map_err(format_error.clone())?;
            let hint = typed_from.hint();
            let path = path.to_owned();
            Box::new(reader.map(move |b| {
                b.map_err(|e| Error::Format {
                    path: path.clone(),
                    message: format!("{e} ({hint})"),
                })
            }))
        }
        FileFormat::Parquet => {
            let file = open(path, options)?;
            let reader =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .map_err(|e| Error::Format {
                        path: path.to_owned(),
                        message: e.to_string(),
                    })?
                    .with_batch_size(batch_rows)
                    .build()
                    .map_err(|e| Error::Format {
                        path: path.to_owned(),
                        message: e.to_string(),
                    })?;
            conformed(reader, schema.clone(), format_error)
        }
        FileFormat::ArrowIpc => {
            let reader: Box<
                dyn Iterator<Item = Result<RecordBatch, arrow::error::ArrowError>> + Send,
            > = match arrow::ipc::reader::FileReader::try_new(open(path, options)?, None) {
                Ok(reader) => Box::new(reader),
                Err(_) => Box::new(
                    arrow::ipc::reader::StreamReader::try_new(
                        std::io::BufReader::new(open(path, options)?),
                        None,
                    )
                    .map_err(format_error.clone())?,
                ),
            };
            conformed(reader, schema.clone(), format_error)
        }
    };
    Ok(BatchSource {
        datashape,
        schema,
        batches,
    })
}

/// The batches `produce` hands to the function it is given (which returns false once the
/// reader has stopped reading), produced on a thread of its own up to two ahead of the reader;
/// the error `produce` returns, if any, comes last.
pub(crate) fn produced_on_thread(
    produce: impl FnOnce(&dyn Fn(RecordBatch) -> bool) -> Result<()> + Send + 'static,
) -> Box<dyn Iterator<Item = Result<RecordBatch>> + Send> {
    let (sender, receiver) = std::sync::mpsc::sync_channel(2);
    std::thread::spawn(move || {
        if let Err(e) = produce(&|batch| sender.send(Ok(batch)).is_ok()) {
            let _ = sender.send(Err(e));
        }
    });
    Box::new(receiver.into_iter())
}

/// Runs `batches` on a thread of its own, up to `depth` batches ahead of the consumer, so that
/// reading (parsing, decompressing) and writing (encoding, compressing) use two cores.
pub(crate) fn read_ahead(
    batches: Box<dyn Iterator<Item = Result<RecordBatch>> + Send>,
    depth: usize,
) -> impl Iterator<Item = Result<RecordBatch>> {
    let (sender, receiver) = std::sync::mpsc::sync_channel(depth);
    std::thread::spawn(move || {
        for batch in batches {
            let failed = batch.is_err();
            // A closed channel means the consumer stopped: stop reading too.
            if sender.send(batch).is_err() || failed {
                break;
            }
        }
    });
    receiver.into_iter()
}

/// Opens a columnar file; the bytes its reader reads count into the options' progress.
fn open(path: &Path, options: &DiscoverOptions) -> Result<Counted<File>> {
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(Counted::new(
        file,
        options.progress.clone().unwrap_or_default(),
    ))
}

/// Batches from a columnar reader, cast to `schema` (the datashape's Arrow form: microsecond
/// timestamps, nullability as discovered or declared).
fn conformed<I, F>(
    reader: I,
    schema: SchemaRef,
    error: F,
) -> Box<dyn Iterator<Item = Result<RecordBatch>> + Send>
where
    I: Iterator<Item = Result<RecordBatch, arrow::error::ArrowError>> + Send + 'static,
    F: Fn(arrow::error::ArrowError) -> Error + Send + 'static,
{
    Box::new(reader.map(move |batch| conform(&batch.map_err(&error)?, &schema).map_err(&error)))
}

/// `batch` with the columns of `schema`, by name, each cast to its field's type where needed.
pub(crate) fn conform(
    batch: &RecordBatch,
    schema: &Schema,
) -> Result<RecordBatch, arrow::error::ArrowError> {
    let columns = schema
        .fields()
        .iter()
        .map(|field| {
            let column = batch.column_by_name(field.name()).ok_or_else(|| {
                arrow::error::ArrowError::SchemaError(format!("no column '{}'", field.name()))
            })?;
            if column.data_type() == field.data_type() {
                Ok(column.clone())
            } else {
                arrow::compute::cast(column, field.data_type())
            }
        })
        .collect::<Result<Vec<ArrayRef>, _>>()?;
    RecordBatch::try_new(Arc::new(schema.clone()), columns)
}
