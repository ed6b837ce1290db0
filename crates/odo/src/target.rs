//! Writing Arrow record batches to files, atomically: everything goes to a temporary file in the
//! target's directory, which replaces the target only when the last byte is written and synced.
//! A failure or a kill at any moment leaves the target as it was.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use arrow::datatypes::Schema;
use arrow::record_batch::RecordBatch;

use crate::error::{Error, Result};
use crate::format::{Compression, FileFormat};
use crate::parquet_encoder::ParquetEncoder;

/// Bytes on their way to the temporary file, compressed as the target's name says.
pub(crate) enum Sink {
    Plain(BufWriter<File>),
    Gzip(flate2::write::GzEncoder<BufWriter<File>>),
    Zstd(zstd::stream::write::Encoder<'static, BufWriter<File>>),
}

impl Sink {
    fn new(file: File, compression: Compression) -> io::Result<Self> {
        let file = BufWriter::with_capacity(1 << 20, file);
        Ok(match compression {
            Compression::None => Sink::Plain(file),
            Compression::Gzip => Sink::Gzip(flate2::write::GzEncoder::new(
                file,
                flate2::Compression::fast(),
            )),
            Compression::Zstd => Sink::Zstd(zstd::stream::write::Encoder::new(file, 3)?),
        })
    }

    /// Flushes every layer and returns the file, synced to disk.
    fn finish(self) -> io::Result<File> {
        let buffered = match self {
            Sink::Plain(w) => w,
            Sink::Gzip(w) => w.finish()?,
            Sink::Zstd(w) => w.finish()?,
        };
        let file = buffered.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(file)
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Gzip(w) => w.write(buf),
            Sink::Zstd(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
            Sink::Zstd(w) => w.flush(),
        }
    }
}

/// The encoder of one file format over a [`Sink`].
enum Encoder {
    Csv(arrow::csv::Writer<Sink>),
    JsonLines(arrow::json::LineDelimitedWriter<Sink>),
    JsonArray(arrow::json::ArrayWriter<Sink>),
    Parquet(ParquetEncoder),
    Ipc(arrow::ipc::writer::FileWriter<Sink>),
}

/// A temporary file beside a target, which takes the target's place in
/// [`AtomicFile::commit`]; dropped uncommitted, it vanishes.
pub(crate) struct AtomicFile {
    target: PathBuf,
    temp: tempfile::NamedTempFile,
    replace: bool,
}

impl AtomicFile {
    /// Starts a file that will become `target`, and the sink to write its bytes to. With
    /// `replace` false, committing fails if the target appeared meanwhile.
    pub(crate) fn create(
        target: &Path,
        compression: Compression,
        replace: bool,
    ) -> Result<(Self, Sink)> {
        let io_error = |source| Error::Io {
            path: target.to_owned(),
            source,
        };
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(io_error)?;
        let sink = Sink::new(temp.as_file().try_clone().map_err(io_error)?, compression)
            .map_err(io_error)?;
        let file = Self {
            target: target.to_owned(),
            temp,
            replace,
        };
        Ok((file, sink))
    }

    /// Finishes `sink` (this file's) and moves the file into place.
    pub(crate) fn commit(self, sink: Sink) -> Result<()> {
        let target = self.target;
        let io_error = |source| Error::Io {
            path: target.clone(),
            source,
        };
        let file = sink.finish().map_err(io_error)?;
        // A temporary file is private (0600); the target gets the replaced file's permissions,
        // or the usual 0644 when new.
        let permissions = match std::fs::metadata(&target) {
            Ok(old) => old.permissions(),
            Err(_) => default_permissions(),
        };
        file.set_permissions(permissions).map_err(io_error)?;
        if self.replace {
            self.temp.persist(&target).map_err(|e| io_error(e.error))?;
        } else {
            self.temp
                .persist_noclobber(&target)
                .map_err(|e| io_error(e.error))?;
        }
        Ok(())
    }
}

/// A file being written: batches go to a temporary file until [`FileWriter::commit`].
pub(crate) struct FileWriter {
    file: AtomicFile,
    encoder: Encoder,
}

impl FileWriter {
    /// Starts writing `target` in `format` with `schema`. With `replace` false, committing fails
    /// if the target appeared meanwhile.
    pub(crate) fn create(
        target: &Path,
        format: FileFormat,
        compression: Compression,
        schema: &Schema,
        replace: bool,
    ) -> Result<Self> {
        if matches!(format, FileFormat::Csv { .. })
            && let Some(field) = schema.fields().iter().find(|f| f.data_type().is_nested())
        {
            return Err(Error::InvalidOption(format!(
                "{}: CSV cannot hold the nested column '{}' ({}); write JSON lines, Parquet or Arrow instead",
                target.display(),
                field.name(),
                blaze_datashape::arrow::from_arrow_field(field)
                    .map(|t| t.to_string())
                    .unwrap_or_else(|_| field.data_type().to_string())
            )));
        }
        let (file, sink) = AtomicFile::create(target, compression, replace)?;
        let encoder = match format {
            FileFormat::Csv { delimiter } => Encoder::Csv(
                arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .with_delimiter(delimiter.unwrap_or(b','))
                    .build(sink),
            ),
            FileFormat::JsonLines => {
                Encoder::JsonLines(arrow::json::LineDelimitedWriter::new(sink))
            }
            FileFormat::Json => Encoder::JsonArray(arrow::json::ArrayWriter::new(sink)),
            FileFormat::Parquet => Encoder::Parquet(ParquetEncoder::new(
                sink,
                std::sync::Arc::new(schema.clone()),
            )),
            FileFormat::ArrowIpc => Encoder::Ipc(
                arrow::ipc::writer::FileWriter::try_new(sink, schema)
                    .map_err(|e| format_error(target, e))?,
            ),
        };
        Ok(Self { file, encoder })
    }

    /// Appends one batch.
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let result = match &mut self.encoder {
            Encoder::Csv(w) => w.write(batch),
            Encoder::JsonLines(w) => w.write(batch),
            Encoder::JsonArray(w) => w.write(batch),
            Encoder::Parquet(w) => w.write(batch).map_err(Into::into),
            Encoder::Ipc(w) => w.write(batch),
        };
        result.map_err(|e| format_error(&self.file.target, e))
    }

    /// Finishes the file and moves it into place.
    pub(crate) fn commit(self) -> Result<()> {
        let target = &self.file.target;
        let sink = match self.encoder {
            Encoder::Csv(w) => Ok(w.into_inner()),
            Encoder::JsonLines(mut w) => w.finish().map(|()| w.into_inner()),
            Encoder::JsonArray(mut w) => w.finish().map(|()| w.into_inner()),
            Encoder::Parquet(w) => w.finish().map_err(Into::into),
            Encoder::Ipc(mut w) => w.finish().and_then(|()| w.into_inner()),
        }
        .map_err(|e| format_error(target, e))?;
        self.file.commit(sink)
    }
}

#[cfg(unix)]
fn default_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(0o644)
}

#[cfg(not(unix))]
fn default_permissions() -> std::fs::Permissions {
    tempfile::tempfile()
        .and_then(|f| f.metadata())
        .map(|m| m.permissions())
        .expect("a temporary file has permissions")
}

fn format_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Format {
        path: path.to_owned(),
        message: e.to_string(),
    }
}
