//! Discovering the datashape of a file.

mod columnar;
mod csv;
mod json;

use std::path::Path;

use blaze_datashape::DataShape;
use blaze_datashape::discover::{DEFAULT_NULL_MARKERS, TextClassifier};

use crate::error::{Error, Result};
use crate::format::{Compression, FileFormat};

pub use crate::csv_file::CsvOptions;

/// How much to read and how to read text files.
#[derive(Clone, Debug)]
pub struct DiscoverOptions {
    /// Stop after this many rows (records); `None` reads until the byte budget.
    pub sample_rows: Option<u64>,
    /// Stop after this many (decompressed) bytes. The original read 1,000 rows and guessed
    /// wrong on real files, so the default is generous: 512 MiB.
    pub byte_budget: u64,
    /// CSV reading options.
    pub csv: CsvOptions,
    /// Text encoding of text formats (a WHATWG label such as `latin1`); UTF-8 when `None`.
    pub encoding: Option<String>,
    /// Cells read as missing values besides the empty cell (CSV only).
    pub null_markers: Vec<String>,
    /// When loading, where CSV rows with a cell that does not fit its column go instead of
    /// stopping the load (see [`OdoOptions::rejects`](crate::OdoOptions::rejects)).
    pub rejects: Option<crate::rejects::Rejects>,
    /// When loading, where the bytes read from the source's files are counted (for progress
    /// bars); discovery does not count.
    pub progress: Option<crate::read::ReadProgress>,
    /// When reading CSV files, the only columns typed (indices into the datashape's fields):
    /// their batches hold these columns alone, in this order, and the other cells are split
    /// out but never parsed (nor checked). Other formats read every column. `None`: all.
    pub columns: Option<Vec<usize>>,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        Self {
            sample_rows: None,
            byte_budget: 512 << 20,
            csv: CsvOptions::default(),
            encoding: None,
            null_markers: DEFAULT_NULL_MARKERS.iter().map(|s| s.to_string()).collect(),
            rejects: None,
            progress: None,
            columns: None,
        }
    }
}

impl DiscoverOptions {
    pub(crate) fn classifier(&self) -> TextClassifier {
        TextClassifier::with_null_markers(self.null_markers.clone())
    }
}

/// What discovery found.
#[derive(Clone, Debug, PartialEq)]
pub struct Discovery {
    /// The datashape, e.g. `var * {sepal_length: float64, ...}`.
    pub datashape: DataShape,
    /// Rows (records) examined.
    pub rows_read: u64,
    /// Whether the whole file was examined; `false` when a row limit or the byte budget
    /// stopped the scan early, so later rows might not fit the datashape.
    pub complete: bool,
    /// For CSV files, the dialect that was read.
    pub csv: Option<CsvDialect>,
}

/// How a CSV file was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsvDialect {
    /// The field delimiter.
    pub delimiter: u8,
    /// Whether the first row is a header.
    pub header: bool,
    /// Whether a missing value was written as a marker (`NA`, `NULL`...) rather than as the
    /// empty cell, in the rows examined.
    pub marker_nulls: bool,
}

/// Discovers the datashape of the file at `path`, whose format is known from its name (or, for
/// Parquet and Arrow files with other names, from its first bytes).
pub fn discover_path(path: &Path, options: &DiscoverOptions) -> Result<Discovery> {
    let (format, compression) = match FileFormat::from_path(path) {
        Some(found) => found,
        None => (sniff_magic(path)?, Compression::None),
    };
    match format {
        FileFormat::Csv { delimiter } => csv::discover(path, compression, delimiter, options),
        FileFormat::Json => json::discover_document(path, compression, options),
        FileFormat::JsonLines => json::discover_lines(path, compression, options),
        FileFormat::Parquet | FileFormat::ArrowIpc if compression != Compression::None => {
            Err(Error::InvalidOption(format!(
                "{}: Parquet and Arrow files compress internally; an outer .gz/.zst is not supported",
                path.display()
            )))
        }
        FileFormat::Parquet => columnar::discover_parquet(path),
        FileFormat::ArrowIpc => columnar::discover_ipc(path),
    }
}

pub(crate) fn sniff_magic(path: &Path) -> Result<FileFormat> {
    use std::io::Read;
    let mut head = [0u8; 8];
    let mut file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let n = file.read(&mut head).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    FileFormat::from_magic(&head[..n]).ok_or_else(|| Error::UnknownFormat {
        path: path.to_owned(),
    })
}
