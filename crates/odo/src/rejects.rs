//! Rows set aside instead of stopping a move (`--errors skip:PATH`): each rejected row goes to
//! a JSON-lines file with where it was, why it was rejected, and its cells as read.
//!
//! The file is written under a temporary name beside PATH and renamed into place when the move
//! succeeds, like any other target.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::format::Compression;
use crate::target::{AtomicFile, Sink};

/// Where rejected rows go; cheap to clone, shared by every reader of one move.
#[derive(Clone)]
pub struct Rejects(Arc<Mutex<Log>>);

struct Log {
    target: PathBuf,
    /// The file being written; `None` once committed.
    file: Option<(AtomicFile, Sink)>,
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
        let file = AtomicFile::create(target, Compression::None, true)?;
        Ok(Self(Arc::new(Mutex::new(Log {
            target: target.to_owned(),
            file: Some(file),
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
            target,
            file,
            count,
        } = &mut *log;
        let Some((_, out)) = file else {
            return Ok(());
        };
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
        if let Some((file, sink)) = log.file.take() {
            file.commit(sink)?;
        }
        Ok(target)
    }
}
