//! Errors of chunked arrays: shapes and types that do not fit, bad chunks and indices, files
//! that cannot be read or written, and failures while computing.

use std::path::PathBuf;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong building or computing an array.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Shapes that do not combine: broadcasting, matrix products, reshapes, concatenation.
    #[error("{0}")]
    Shape(String),
    /// Chunks that do not cut the array.
    #[error("invalid chunks: {0}")]
    Chunks(String),
    /// An axis that the array does not have.
    #[error("axis {axis} is out of bounds for an array of {ndim} dimensions")]
    Axis {
        /// The axis asked for.
        axis: i64,
        /// The array's number of dimensions.
        ndim: usize,
    },
    /// An index or slice that does not fit.
    #[error("{0}")]
    Index(String),
    /// An operation the element type does not support.
    #[error("{0}")]
    Type(String),
    /// A file that could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A file that is not in the format expected.
    #[error("{}: {message}", .path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Computing the graph failed; the error names the task.
    #[error(transparent)]
    Task(#[from] blaze_tasks::Error),
    /// A broken invariant of this crate.
    #[error("internal error: {0} (this is a bug in blaze)")]
    Internal(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A file or directory that is not there.
    pub(crate) fn not_found(path: impl Into<PathBuf>, what: &str) -> Self {
        Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, what),
        )
    }

    pub(crate) fn format(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Format {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Checks `axis` (negative counts from the end) against `ndim` and returns it as an index.
pub(crate) fn normalize_axis(axis: i64, ndim: usize) -> Result<usize> {
    let n = ndim as i64;
    let a = if axis < 0 { axis + n } else { axis };
    if a < 0 || a >= n {
        return Err(Error::Axis { axis, ndim });
    }
    Ok(a as usize)
}

/// A shape as numpy prints it: `(3, 4)`, `(5,)`, `()`.
pub(crate) fn shape_text(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
