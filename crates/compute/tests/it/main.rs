//! Integration tests of blaze-compute: expressions over real files, computed by DataFusion.

mod combine;
mod files;
mod group_by;
mod order;
mod pushdown;
mod text;
mod top;

use arrow::record_batch::RecordBatch;
use arrow::util::display::array_value_to_string;
use blaze_compute::{Session, SessionOptions};

/// The repository's examples directory.
pub(crate) fn example(name: &str) -> String {
    format!("{}/../../examples/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A session with `bindings` (name, URI) bound.
pub(crate) fn session(bindings: &[(&str, &str)]) -> Session {
    let mut session = Session::new(SessionOptions::default()).unwrap();
    for (name, uri) in bindings {
        session.bind(name, uri).unwrap();
    }
    session
}

/// A session with a CSV file of `contents` bound as `name`; the file lives as long as the
/// directory returned.
pub(crate) fn csv_session(name: &str, contents: &str) -> (tempfile::TempDir, Session) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.csv"));
    std::fs::write(&path, contents).unwrap();
    let s = session(&[(name, path.to_str().unwrap())]);
    (dir, s)
}

/// The rows of `text`'s result, each cell as Arrow displays it (nulls empty).
pub(crate) fn rows(session: &Session, text: &str) -> Vec<Vec<String>> {
    try_rows(session, text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The rows of `text`'s result, or the error parsing or computing it.
pub(crate) fn try_rows(session: &Session, text: &str) -> Result<Vec<Vec<String>>, String> {
    let expr = session.parse(text).map_err(|e| e.to_string())?;
    let batches: Vec<RecordBatch> = session.collect(&expr).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for batch in &batches {
        for row in 0..batch.num_rows() {
            out.push(
                batch
                    .columns()
                    .iter()
                    .map(|c| array_value_to_string(c, row).unwrap())
                    .collect(),
            );
        }
    }
    Ok(out)
}

/// The one column of `text`'s result.
pub(crate) fn values(session: &Session, text: &str) -> Vec<String> {
    rows(session, text)
        .into_iter()
        .map(|mut row| {
            assert_eq!(row.len(), 1, "{text} has one column");
            row.remove(0)
        })
        .collect()
}
