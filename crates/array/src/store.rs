//! Storing an array block by block: one task per block writes it where it belongs as soon as
//! it is computed, so a result larger than memory is never held whole, and a store that fails
//! leaves nothing behind.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use blaze_tasks::{BoxError, Key, Scheduler};

use crate::lower::{Lower, Value, key};
use crate::{Array, Block, Error, Result};

/// Writes one computed block, given the ranges it covers in the whole array.
pub(crate) type WriteBlock = dyn Fn(&[Range<usize>], &Block) -> Result<(), BoxError> + Send + Sync;

impl Array {
    /// Computes every block of the array and hands it to `write` with its place in the array,
    /// on `scheduler`: each block is freed once written.
    pub(crate) fn store_blocks(
        &self,
        write: Arc<WriteBlock>,
        scheduler: &Scheduler<'_>,
    ) -> Result<()> {
        let mut lower = Lower::default();
        let source = lower.array(self)?;
        let store: Arc<str> = format!("store-{source}").into();
        let mut keys: Vec<Key> = Vec::new();
        for index in self.chunks().indices() {
            let ranges = self.chunks().ranges(&index);
            let write = Arc::clone(&write);
            let k = key(&store, &index);
            lower
                .graph
                .insert_task(k.clone(), [key(&source, &index)], move |v| {
                    write(&ranges, v[0].block()?)?;
                    Ok(Value::Done)
                });
            keys.push(k);
        }
        let graph = lower.graph.fuse_linear(&keys);
        scheduler.get(&graph, &keys)?;
        Ok(())
    }
}

/// Runs `write` on a temporary path beside `path` (`.name.tmp-PID`), then renames it to
/// `path`: the file or directory appears complete or not at all. Whatever `write` left is
/// removed if it fails.
pub(crate) fn write_then_rename(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    remove(&tmp);
    let outcome = write(&tmp).and_then(|()| {
        if path.is_dir() {
            std::fs::remove_dir_all(path).map_err(|e| Error::io(path, e))?;
        }
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    });
    if outcome.is_err() {
        remove(&tmp);
    }
    outcome
}

fn remove(path: &Path) {
    if path.is_dir() {
        let _ = std::fs::remove_dir_all(path);
    } else {
        let _ = std::fs::remove_file(path);
    }
}
