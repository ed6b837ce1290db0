//! Rows set aside instead of stopping a move (`--errors skip:PATH`): each rejected row goes to
//! a JSON-lines file with where it was, why it was rejected, and its cells as read.
//!
//! The file is written under a temporary name beside PATH and renamed into place when the move
//! succeeds, like any other target.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

/// Where rejected rows go; cheap to clone, shared by every reader of one move.
#[derive(Clone)]
pub struct Rejects(Arc<Mutex<Log>>);

struct Log {
    target: PathBuf,
    /// The file being written; `None` once committed.
    temp: Option<tempfile::NamedTempFile>,
    out: BufWriter<std::fs::File>,
    count: u64,
}

impl std::fmt::Debug for Rejects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let log = self.0.lock().expect("the reject log is not poisoned");
        write!(f, "Rejects({}, {} rows)", log.target.display(), log.count)
    }
}

impl Rejects {
    /// Starts a reject file that will be `target` once committed.
    pub(crate) fn create(target: &Path) -> Result<Self> {
        let io_error = |source| Error::Io {
            path: target.to_owned(),
            source,
        };
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(".rejects.")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(io_error)?;
        let out = BufWriter::new(temp.as_file().try_clone().map_err(io_error)?);
        Ok(Self(Arc::new(Mutex::new(Log {
            target: target.to_owned(),
            temp: Some(temp),
            out,
            count: 0,
        }))))
    }

    /// Sets a row aside: `error` says where and why; `cells` are the row as read.
    pub(crate) fn record(&self, error: &Error, column: &str, cells: Vec<String>) -> Result<()> {
        let (source, line) = match error {
            Error::Malformed { path, line, .. } => (path.display().to_string(), Some(*line)),
            _ => (String::new(), None),
        };
        let entry = serde_json::json!({
            "source": source,
            "line": line,
            "column": column,
            "error": error.to_string(),
            "row": cells,
        });
        let mut log = self.0.lock().expect("the reject log is not poisoned");
        let Log {
            target, out, count, ..
        } = &mut *log;
        serde_json::to_writer(&mut *out, &entry)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"))
            .map_err(|source| Error::Io {
                path: target.clone(),
                source,
            })?;
        *count += 1;
        Ok(())
    }

    /// Rows set aside so far.
    pub fn count(&self) -> u64 {
        self.0.lock().expect("the reject log is not poisoned").count
    }

    /// Moves the file into place; returns its path.
    pub(crate) fn commit(&self) -> Result<PathBuf> {
        let mut log = self.0.lock().expect("the reject log is not poisoned");
        let target = log.target.clone();
        let io_error = |source| Error::Io {
            path: target.clone(),
            source,
        };
        log.out.flush().map_err(io_error)?;
        if let Some(temp) = log.temp.take() {
            temp.persist(&target).map_err(|e| io_error(e.error))?;
        }
        Ok(target)
    }
}
