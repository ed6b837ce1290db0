//! Integration tests of file discovery, on real files written to a temporary directory.

mod columnar;
mod fileset;
mod flights;
mod mongo;
mod odo;
mod postgres;
mod remote;
mod sqlite;
mod text;

use std::path::PathBuf;

use blaze_odo::{DiscoverOptions, discover_path};

/// A temporary directory holding test files.
pub(crate) struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    pub(crate) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub(crate) fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// The datashape discovered for `path` with default options, printed on one line.
pub(crate) fn shape_of(path: &std::path::Path) -> String {
    shape_with(path, &DiscoverOptions::default())
}

pub(crate) fn shape_with(path: &std::path::Path, options: &DiscoverOptions) -> String {
    discover_path(path, options)
        .unwrap_or_else(|e| panic!("discovering {}: {e}", path.display()))
        .datashape
        .pretty(usize::MAX)
}

pub(crate) fn error_of(path: &std::path::Path, options: &DiscoverOptions) -> String {
    discover_path(path, options)
        .expect_err("discovery should fail")
        .to_string()
}

/// Every row of the resource at `uri` as JSON lines, in order.
pub(crate) fn json_lines_of(uri: &str) -> String {
    let source = blaze_odo::open(uri, None, &Default::default()).unwrap();
    let mut writer = arrow::json::LineDelimitedWriter::new(Vec::new());
    for batch in source.batches {
        writer.write(&batch.unwrap()).unwrap();
    }
    writer.finish().unwrap();
    String::from_utf8(writer.into_inner()).unwrap()
}
