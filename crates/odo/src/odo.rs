//! `odo(source, target)`: move data from one resource to another along the cheapest path.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use blaze_datashape::{DataShape, unify};

use crate::discover::DiscoverOptions;
use crate::error::{Error, Result};
use crate::graph::{Graph, Plan};
use crate::resource::Resource;
use crate::source::{BatchSource, DEFAULT_BATCH_ROWS, conform, open_file, read_ahead};
use crate::target::FileWriter;

/// What to do when the target already exists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IfExists {
    /// Stop with an error, leaving the target alone (the default).
    #[default]
    Fail,
    /// Add the rows after the target's own; the source must fit the target's datashape.
    Append,
    /// Replace the target, atomically.
    Replace,
}

/// Called as rows move: the number of rows written so far.
pub type ProgressFn = Arc<dyn Fn(u64) + Send + Sync>;

/// Options of [`odo`].
#[derive(Clone, Default)]
pub struct OdoOptions {
    /// The source's datashape, instead of discovering it.
    pub dshape: Option<DataShape>,
    /// What to do when the target exists.
    pub if_exists: IfExists,
    /// How to read text sources (dialect, encoding, nulls) and how much to read to infer types.
    pub read: DiscoverOptions,
    /// Rows per batch (default 65,536).
    pub batch_rows: Option<usize>,
    /// Progress callback.
    pub progress: Option<ProgressFn>,
}

/// What [`odo`] did.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The source, as given.
    pub source: String,
    /// The target, as given.
    pub target: String,
    /// Rows moved from the source (not counting rows the target already had).
    pub rows: u64,
    /// The datashape of the moved data.
    pub datashape: DataShape,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// The path taken.
    pub plan: Plan,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.elapsed.as_secs_f64();
        let rate = if seconds > 0.0 {
            self.rows as f64 / seconds
        } else {
            0.0
        };
        write!(
            f,
            "{} rows → {} in {} ({} rows/s)",
            thousands(self.rows),
            self.target,
            human_duration(seconds),
            human_count(rate)
        )
    }
}

/// `1234567` → `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn human_duration(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{:.0} ms", seconds * 1000.0)
    } else {
        format!("{seconds:.1} s")
    }
}

fn human_count(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.1}M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.0}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

/// The plan [`odo`] would follow, without moving data.
pub fn explain(source: &str, target: &str) -> Result<Plan> {
    let source = Resource::parse(source)?;
    let target = Resource::parse(target)?;
    Graph::default().plan(source.kind(), target.kind())
}

/// Moves the data of `source` into `target`, both resource URIs. The target is complete and
/// correctly typed afterwards, or untouched and an error says why.
pub fn odo(source: &str, target: &str, options: &OdoOptions) -> Result<Summary> {
    let started = Instant::now();
    let source_resource = Resource::parse(source)?;
    let target_resource = Resource::parse(target)?;
    let plan = Graph::default().plan(source_resource.kind(), target_resource.kind())?;
    let Resource::File {
        path: target_path,
        format: target_format,
        compression: target_compression,
    } = &target_resource;
    let target_exists = target_path.exists();
    if target_exists && options.if_exists == IfExists::Fail {
        return Err(Error::InvalidOption(format!(
            "{target} already exists; use --if-exists replace to overwrite it or --if-exists append to add to it"
        )));
    }
    let batch_rows = options.batch_rows.unwrap_or(DEFAULT_BATCH_ROWS).max(1);
    let input = open(
        &source_resource,
        options.dshape.as_ref(),
        &options.read,
        batch_rows,
    )?;
    // When appending, the target's own rows are written first, then the source's in its types.
    let existing = if target_exists && options.if_exists == IfExists::Append {
        let old = open(
            &target_resource,
            None,
            &DiscoverOptions::default(),
            batch_rows,
        )?;
        check_appendable(target, &old.datashape, &input.datashape)?;
        Some(old)
    } else {
        None
    };
    let schema = existing
        .as_ref()
        .map_or_else(|| input.schema.clone(), |old| old.schema.clone());
    let mut writer = FileWriter::create(
        target_path,
        *target_format,
        *target_compression,
        &schema,
        target_exists,
    )?;
    if let Some(old) = existing {
        for batch in old.batches {
            writer.write(&batch?)?;
        }
    }
    let mut rows = 0u64;
    for batch in read_ahead(input.batches, 2) {
        let batch = batch?;
        let batch = if batch.schema() == schema {
            batch
        } else {
            conform(&batch, &schema).map_err(|e| Error::Format {
                path: target_path.clone(),
                message: e.to_string(),
            })?
        };
        writer.write(&batch)?;
        rows += batch.num_rows() as u64;
        if let Some(progress) = &options.progress {
            progress(rows);
        }
    }
    writer.commit()?;
    Ok(Summary {
        source: source.to_owned(),
        target: target.to_owned(),
        rows,
        datashape: input.datashape,
        elapsed: started.elapsed(),
        plan,
    })
}

fn open(
    resource: &Resource,
    dshape: Option<&DataShape>,
    read: &DiscoverOptions,
    batch_rows: usize,
) -> Result<BatchSource> {
    match resource {
        Resource::File {
            path,
            format,
            compression,
        } => open_file(path, *format, *compression, dshape, read, batch_rows),
    }
}

/// The source's rows fit the target's columns: same names in the same order, and each source
/// type unifies into the target's type without widening it.
fn check_appendable(target: &str, existing: &DataShape, incoming: &DataShape) -> Result<()> {
    let (Some(old), Some(new)) = (existing.table_record(), incoming.table_record()) else {
        return Err(Error::InvalidOption(format!(
            "cannot append to {target}: it is {existing}, the source is {incoming}"
        )));
    };
    let old_names: Vec<&str> = old.names().collect();
    let new_names: Vec<&str> = new.names().collect();
    if old_names != new_names {
        return Err(Error::InvalidOption(format!(
            "cannot append to {target}: its columns are {old_names:?}, the source's are {new_names:?}"
        )));
    }
    for ((name, old_type), (_, new_type)) in old.fields().iter().zip(new.fields()) {
        if unify(old_type, new_type) != *old_type {
            return Err(Error::InvalidOption(format!(
                "cannot append to {target}: column '{name}' is {old_type} there, but the source's is {new_type}"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(human_count(476_123.0), "476k");
        assert_eq!(human_duration(2.13), "2.1 s");
    }
}
