//! Errors of the odo crate. Every error names the resource, and the line where one applies.

use std::path::PathBuf;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong reading or discovering a resource.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file's format is not known from its name or first bytes.
    #[error(
        "{}: cannot tell the file format; expected a name ending in .csv, .tsv, .json, .jsonl, .parquet or .arrow (optionally followed by .gz or .zst)",
        .path.display()
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// Malformed content at a known place.
    #[error("{}: line {line}{}: {message}", .path.display(), column_suffix(*.column))]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// 1-based column or field number, where known.
        column: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// An error from a columnar reader (Parquet, Arrow IPC).
    #[error("{}: {message}", .path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// The reader's message.
        message: String,
    },
    /// A datashape could not be built or mapped.
    #[error("{}: {source}", .path.display())]
    Datashape {
        /// The file.
        path: PathBuf,
        /// The datashape error.
        source: blaze_datashape::Error,
    },
    /// A conversion cannot handle this particular case (say, copying between two different
    /// databases inside one); the next cheapest path is tried instead.
    #[error("{reason}")]
    Unsupported {
        /// The conversion that declined.
        conversion: crate::graph::Conversion,
        /// Why.
        reason: String,
    },
    /// A database refused or failed; `resource` is its URI without the password.
    #[error("{resource}: {message}")]
    Database {
        /// The database or table.
        resource: String,
        /// The server's message.
        message: String,
    },
    /// A remote store (S3, HTTP) refused or failed, or remote data was malformed.
    #[error("{message}")]
    Remote {
        /// The URL.
        uri: String,
        /// What went wrong, naming the URL.
        message: String,
    },
    /// An option given by the user is invalid.
    #[error("{0}")]
    InvalidOption(String),
}

fn column_suffix(column: Option<u64>) -> String {
    column.map(|c| format!(", column {c}")).unwrap_or_default()
}
