//! `odo(source, target)`: move data from one resource to another along the cheapest path.

mod direct;
mod open;

use direct::{copy_within, csv_to_postgres, postgres_to_csv};
mod summary;

pub use open::{discover, open};
pub(crate) use open::{open_source, open_staged};
pub use summary::Summary;

use std::cell::RefCell;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use blaze_array::ChunkSpec;
use blaze_datashape::arrow::to_arrow_schema;
use blaze_datashape::{DataShape, unify};

use arrow::datatypes::Schema;
use arrow::record_batch::RecordBatch;

use crate::array::ArrayFormat;
use crate::array_table::holds_records;
use crate::discover::DiscoverOptions;
use crate::error::{Error, Result};
use crate::fileset::{self, DEFAULT_PART_ROWS, PartsWriter};
use crate::format::{Compression, FileFormat};
use crate::graph::{Conversion, Graph, Kind, Plan, Step};
use crate::read::ReadProgress;
use crate::rejects::Rejects;
use crate::resource::{FileSet, Resource};
use crate::source::{BatchSource, DEFAULT_BATCH_ROWS, conform, read_ahead};
use crate::target::FileWriter;
use crate::{mongo, postgres, remote, sqlite};

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

/// What a load does with the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoadMode {
    /// The target does not exist: create it.
    Create,
    /// Add rows to the existing target.
    Append,
    /// Drop and re-create the target (in the same transaction, for databases).
    Replace,
}

/// How far a move has got: given to the [`ProgressFn`] as rows are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Rows written so far.
    pub rows: u64,
    /// Bytes of the source's files read so far (0 for databases).
    pub bytes: u64,
    /// Bytes of the source's files in all, when the source is made of files: with `bytes`,
    /// the fraction done and the time left.
    pub total_bytes: Option<u64>,
}

/// Called as rows move, with how far the move has got.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

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
    /// Instead of stopping at a CSV row with a cell that does not fit its column, load the
    /// good rows and write each rejected row, with its place and reason, to this JSON-lines
    /// file (`--errors skip:PATH`). Other sources still stop at their first bad value.
    pub rejects: Option<PathBuf>,
    /// Rows per part file when the target is a directory (default 1,048,576).
    pub part_rows: Option<u64>,
    /// Progress callback.
    pub progress: Option<ProgressFn>,
    /// Block lengths of an n-d array stored into a Zarr store or an HDF5 dataset: its chunks
    /// there. By default, the blocks it is read in (or, from a table, its whole length).
    pub chunks: Option<ChunkSpec>,
}

/// The plan [`odo`] would follow, without moving data. A `.npy` target's plan depends on the
/// source's columns, which are discovered for it.
pub fn explain(source: &str, target: &str) -> Result<Plan> {
    let source_resource = Resource::parse(source)?;
    let target = Resource::parse(target)?;
    let to = target_kind(source_resource.kind(), &target, || {
        let shape = discover(source, &DiscoverOptions::default())?.datashape;
        to_arrow_schema(&shape).map_err(|e| Error::Datashape {
            path: source_resource.location(),
            source: e,
        })
    })?;
    Graph::default().plan(source_resource.kind(), to)
}

/// The node of the conversion graph that `to` is as a target of a move from a `from`. A
/// `.npy` file holds an n-d array, or a numpy record array when a table has columns other
/// than numbers and booleans (whatever the file held before): `columns` gives the source's
/// columns when that is to be decided.
fn target_kind(
    from: Kind,
    to: &Resource,
    columns: impl FnOnce() -> Result<Schema>,
) -> Result<Kind> {
    let npy = Kind::Array(ArrayFormat::Npy);
    if !matches!(
        to,
        Resource::Array {
            format: ArrayFormat::Npy,
            ..
        }
    ) {
        return Ok(to.kind());
    }
    if matches!(from, Kind::Array(_) | Kind::ArrayBlocks) {
        return Ok(npy);
    }
    Ok(if holds_records(&columns()?) {
        Kind::NpyRecords
    } else {
        npy
    })
}

/// Moves the data of `source` into `target`, both resource URIs. The target is complete and
/// correctly typed afterwards, or untouched and an error says why.
///
/// The cheapest path of the conversion graph is taken; if one of its conversions cannot handle
/// this case, the cheapest path without it is tried next, as the original odo did.
pub fn odo(source: &str, target: &str, options: &OdoOptions) -> Result<Summary> {
    let started = Instant::now();
    let from = Resource::parse(source)?;
    let to = Resource::parse(target)?;
    drive(Input::Resource(&from), &to, options, started)
}

/// Writes record batches a library user holds (`source`, e.g. from [`open`] or built in
/// memory) into `target`, as [`odo`] writes any source: typed by `source.datashape`,
/// atomically, with [`OdoOptions::if_exists`] obeyed (`dshape` and the reading options do not
/// apply).
pub fn odo_batches(source: BatchSource, target: &str, options: &OdoOptions) -> Result<Summary> {
    let started = Instant::now();
    let to = Resource::parse(target)?;
    drive(
        Input::Batches(RefCell::new(Some(source))),
        &to,
        options,
        started,
    )
}

/// What a move reads.
enum Input<'a> {
    /// A resource, which direct edges may read on their own.
    Resource(&'a Resource),
    /// Batches handed over by a library user, read once.
    Batches(RefCell<Option<BatchSource>>),
}

impl Input<'_> {
    fn kind(&self) -> Kind {
        match self {
            Input::Resource(resource) => resource.kind(),
            Input::Batches(_) => Kind::ArrowBatches,
        }
    }

    /// The rows, typed by `dshape` (for resources that are discovered) or as they are.
    fn open(
        &self,
        dshape: Option<&DataShape>,
        read: &DiscoverOptions,
        batch_rows: usize,
    ) -> Result<BatchSource> {
        match self {
            Input::Resource(resource) => open_source(resource, dshape, read, batch_rows),
            Input::Batches(batches) => batches.borrow_mut().take().ok_or_else(|| {
                Error::InvalidOption("the batches were already read by a failed attempt".into())
            }),
        }
    }
}

impl fmt::Display for Input<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Resource(resource) => resource.fmt(f),
            Input::Batches(_) => f.write_str("Arrow record batches"),
        }
    }
}

/// Follows the cheapest plan from `from` to `to`, avoiding conversions that decline, and
/// tells what was done.
fn drive(
    from: Input<'_>,
    to: &Resource,
    options: &OdoOptions,
    started: Instant,
) -> Result<Summary> {
    if matches!(to, Resource::Blaze { .. }) {
        return Err(Error::InvalidOption(format!(
            "{to}: a Blaze server's datasets are read-only"
        )));
    }
    if options.chunks.is_some() {
        crate::array::check_chunked(to)?;
    }
    let graph = Graph::default();
    let mut options = options.clone();
    let rejects = match &options.rejects {
        Some(path) => Some(Rejects::create(path)?),
        None => None,
    };
    options.read.rejects = rejects.clone();
    if options.progress.is_some() {
        options.read.progress = Some(ReadProgress::default());
    }
    let (from_kind, source) = (from.kind(), from.to_string());
    // A table going into a `.npy` file: its columns decide the plan, so it is opened first.
    let from = match from {
        Input::Resource(resource)
            if matches!(
                to,
                Resource::Array {
                    format: ArrayFormat::Npy,
                    ..
                }
            ) && !matches!(from_kind, Kind::Array(_)) =>
        {
            // Refused before the source is read (an S3 object downloaded) for nothing.
            existing_target(to, &options)?;
            let batch_rows = options.batch_rows.unwrap_or(DEFAULT_BATCH_ROWS).max(1);
            let opened = open_source(resource, options.dshape.as_ref(), &options.read, batch_rows)?;
            Input::Batches(RefCell::new(Some(opened)))
        }
        from => from,
    };
    let to_kind = target_kind(from_kind, to, || match &from {
        Input::Batches(batches) => Ok(batches
            .borrow()
            .as_ref()
            .map(|b| b.schema.as_ref().clone())
            .expect("opened above")),
        Input::Resource(_) => unreachable!("a table going into a .npy file is opened above"),
    })?;
    let mut avoid = Vec::new();
    loop {
        let plan = graph.plan_avoiding(from_kind, to_kind, &avoid)?;
        match run(&plan, &from, to, &options) {
            Err(Error::Unsupported { conversion, .. }) => avoid.push(conversion),
            Err(error) => return Err(error),
            Ok((rows, datashape)) => {
                let rejected = match &rejects {
                    Some(rejects) => Some((rejects.count(), rejects.commit()?)),
                    None => None,
                };
                return Ok(Summary {
                    source,
                    target: to.to_string(),
                    rows,
                    datashape,
                    rejected,
                    elapsed: started.elapsed(),
                    plan,
                });
            }
        }
    }
}

/// Whether `to` exists; an error if it does and [`OdoOptions::if_exists`] says to fail.
fn existing_target(to: &Resource, options: &OdoOptions) -> Result<bool> {
    let exists = target_exists(to)?;
    if exists && options.if_exists == IfExists::Fail {
        return Err(Error::InvalidOption(format!(
            "{to} already exists; use --if-exists replace to overwrite it or --if-exists append to add to it"
        )));
    }
    Ok(exists)
}

/// Follows `plan`; returns the rows moved and their datashape.
fn run(
    plan: &Plan,
    from: &Input<'_>,
    to: &Resource,
    options: &OdoOptions,
) -> Result<(u64, DataShape)> {
    let exists = existing_target(to, options)?;
    let mode = match (exists, options.if_exists) {
        (false, _) | (_, IfExists::Fail) => LoadMode::Create,
        (true, IfExists::Append) => LoadMode::Append,
        (true, IfExists::Replace) => LoadMode::Replace,
    };
    if matches!(to, Resource::Remote { .. } | Resource::Mongo { .. }) {
        return into_staged(plan, from, to, mode, options);
    }
    if let Resource::RemoteZarr { url, node } = to {
        if mode == LoadMode::Append {
            return Err(Error::InvalidOption(format!(
                "{to}: arrays cannot be appended to; use --if-exists replace"
            )));
        }
        let mut local_options = options.clone();
        local_options.if_exists = IfExists::Fail;
        return crate::remote_zarr::write_through(url, node.as_deref(), |local| {
            let local = Resource::Array {
                path: local.to_path_buf(),
                format: ArrayFormat::Zarr,
                node: node.clone(),
            };
            run(plan, from, &local, &local_options)
        });
    }
    if let (
        Some(Step {
            conversion: Conversion::ReadArray,
            ..
        }),
        Input::Resource(source @ (Resource::Array { .. } | Resource::RemoteZarr { .. })),
        Resource::Array {
            path: to_path,
            format: to_format,
            node: to_node,
        },
    ) = (plan.steps.first(), from, to)
    {
        if mode == LoadMode::Append {
            return Err(Error::InvalidOption(format!(
                "{to}: arrays cannot be appended to; use --if-exists replace"
            )));
        }
        let (rows, shape) = crate::array::copy(
            &crate::array::open_resource(source)?,
            &source.location(),
            crate::array::Location {
                path: to_path,
                format: *to_format,
                node: to_node.as_deref(),
            },
            options.chunks.as_ref(),
        )?;
        report(options, rows);
        return Ok((rows, shape));
    }
    if let ([step], Input::Resource(from)) = (plan.steps.as_slice(), from) {
        let direct = match step.conversion {
            Conversion::CopyWithinDatabase => Some(copy_within(from, to, mode, options)?),
            Conversion::CsvToPostgres => Some(csv_to_postgres(from, to, mode, options)?),
            Conversion::PostgresToCsv => Some(postgres_to_csv(from, to, mode, options)?),
            _ => None,
        };
        if let Some((rows, shape)) = direct {
            report(options, rows);
            return Ok((rows, shape));
        }
    }
    let batch_rows = options.batch_rows.unwrap_or(DEFAULT_BATCH_ROWS).max(1);
    let input = from.open(options.dshape.as_ref(), &options.read, batch_rows)?;
    // Appending: the target keeps its types; the source must fit them.
    let existing = if mode == LoadMode::Append {
        let shape = discover(&to.to_string(), &DiscoverOptions::default())?.datashape;
        check_appendable(&to.to_string(), &shape, &input.datashape)?;
        Some(shape)
    } else {
        None
    };
    let schema = match &existing {
        Some(shape) => Arc::new(to_arrow_schema(shape).map_err(|source| Error::Datashape {
            path: to.location(),
            source,
        })?),
        None => input.schema.clone(),
    };
    let target_path = to.location();
    let mut batches = read_ahead(input.batches, 2).map(|batch| {
        let batch = batch?;
        if batch.schema() == schema {
            return Ok(batch);
        }
        conform(&batch, &schema).map_err(|e| Error::Format {
            path: target_path.clone(),
            message: e.to_string(),
        })
    });
    let progress = |rows: u64| report(options, rows);
    let rows = match to {
        Resource::File {
            path,
            format,
            compression,
        } => {
            let mut writer = FileWriter::create(path, *format, *compression, &schema, exists)?;
            if mode == LoadMode::Append {
                for batch in open_source(
                    to,
                    existing.as_ref(),
                    &DiscoverOptions::default(),
                    batch_rows,
                )?
                .batches
                {
                    writer.write(&batch?)?;
                }
            }
            let rows = write_all(batches, |b| writer.write(b), &progress)?;
            writer.commit()?;
            rows
        }
        Resource::Files {
            set,
            format,
            compression,
        } => {
            let mut writer = PartsWriter::create(
                &fileset::target_directory(set)?,
                *format,
                *compression,
                schema.clone(),
                options.part_rows.unwrap_or(DEFAULT_PART_ROWS),
                mode == LoadMode::Append,
            )?;
            let rows = write_all(batches, |b| writer.write(b), &progress)?;
            writer.commit()?;
            rows
        }
        Resource::Remote { .. } | Resource::Mongo { .. } => {
            unreachable!("remote targets and collections are staged in a local file above")
        }
        Resource::Blaze { .. } => unreachable!("no conversion writes to a Blaze server"),
        Resource::RemoteZarr { .. } => unreachable!("a Zarr store in S3 is written above"),
        Resource::Array { path, format, node } => {
            if mode == LoadMode::Append {
                return Err(Error::InvalidOption(format!(
                    "{to}: arrays cannot be appended to; use --if-exists replace"
                )));
            }
            let at = crate::array::Location {
                path,
                format: *format,
                node: node.as_deref(),
            };
            crate::array_table::write_table(
                &schema,
                batches,
                at,
                options.chunks.as_ref(),
                &progress,
            )?
        }
        Resource::Sqlite { path, table } => {
            let table = require_table(to, table)?;
            let shape = existing.as_ref().unwrap_or(&input.datashape);
            sqlite::write(path, table, shape, mode, &mut batches, &progress)?
        }
        Resource::Postgres { url, table } => {
            let table = postgres::split_table(url, require_table(to, table)?);
            let shape = existing.as_ref().unwrap_or(&input.datashape);
            postgres::write(&table, shape, &schema, mode, &mut batches, &progress)?
        }
    };
    Ok((rows, input.datashape))
}

/// Writes a target through a local file: an S3 object is uploaded when the file is complete
/// (with the object's own rows first when appending), a MongoDB collection imported.
fn into_staged(
    plan: &Plan,
    from: &Input<'_>,
    to: &Resource,
    mode: LoadMode,
    options: &OdoOptions,
) -> Result<(u64, DataShape)> {
    let dir = tempfile::Builder::new()
        .prefix(".blaze-staged.")
        .tempdir()
        .map_err(|source| Error::Io {
            path: std::env::temp_dir(),
            source,
        })?;
    let mut local_options = options.clone();
    local_options.if_exists = IfExists::Fail;
    let local = match to {
        Resource::Remote {
            url,
            format,
            compression,
        } => {
            let path = dir.path().join(url.rsplit('/').next().unwrap_or("object"));
            if mode == LoadMode::Append {
                let staged = remote::download(url)?;
                std::fs::rename(&staged.files[0], &path).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
                local_options.if_exists = IfExists::Append;
            }
            Resource::File {
                path,
                format: *format,
                compression: *compression,
            }
        }
        _ => Resource::File {
            path: dir.path().join("documents.jsonl"),
            format: FileFormat::JsonLines,
            compression: Compression::None,
        },
    };
    let moved = run(plan, from, &local, &local_options)?;
    let path = local.location();
    match to {
        Resource::Remote { url, .. } => remote::upload(&path, url)?,
        Resource::Mongo { url, collection } => {
            let collection = mongo_collection(to, url, collection)?;
            mongo::import(&path, &collection, mode)?;
        }
        _ => unreachable!("only remote targets and collections are staged"),
    }
    Ok(moved)
}

pub(crate) fn mongo_collection(
    resource: &Resource,
    url: &str,
    collection: &Option<String>,
) -> Result<mongo::Collection> {
    Ok(mongo::Collection {
        url: url.to_owned(),
        db: mongo::database_name(url)?,
        name: collection.clone().ok_or_else(|| {
            Error::InvalidOption(format!(
                "{resource}: name the collection, as in {resource}::collection"
            ))
        })?,
    })
}

/// Tells the progress callback, if any, that `rows` rows are written.
fn report(options: &OdoOptions, rows: u64) {
    if let Some(progress) = &options.progress {
        let read = options.read.progress.as_ref();
        progress(Progress {
            rows,
            bytes: read.map_or(0, ReadProgress::read),
            total_bytes: read.and_then(ReadProgress::total),
        });
    }
}

/// Writes every batch with `write`, reporting progress; returns the rows written.
fn write_all(
    batches: impl Iterator<Item = Result<RecordBatch>>,
    mut write: impl FnMut(&RecordBatch) -> Result<()>,
    progress: &impl Fn(u64),
) -> Result<u64> {
    let mut rows = 0u64;
    for batch in batches {
        let batch = batch?;
        write(&batch)?;
        rows += batch.num_rows() as u64;
        progress(rows);
    }
    Ok(rows)
}

fn require_table<'a>(resource: &Resource, table: &'a Option<String>) -> Result<&'a str> {
    table.as_deref().ok_or_else(|| {
        Error::InvalidOption(format!(
            "{resource}: name the table, as in {resource}::table"
        ))
    })
}

fn target_exists(resource: &Resource) -> Result<bool> {
    match resource {
        Resource::File { path, .. } => Ok(path.exists()),
        Resource::Array { path, format, node } => Ok(crate::array::Location {
            path,
            format: *format,
            node: node.as_deref(),
        }
        .exists()),
        Resource::Files { set, format, .. } => {
            let dir = fileset::target_directory(set)?;
            Ok(dir.is_dir() && fileset::list(&FileSet::Directory(dir), *format).is_ok())
        }
        Resource::Remote { url, .. } => remote::exists(url),
        Resource::RemoteZarr { url, node } => crate::remote_zarr::exists(url, node.as_deref()),
        Resource::Blaze { .. } => Err(Error::InvalidOption(format!(
            "{resource}: a Blaze server's datasets are read-only"
        ))),
        Resource::Mongo { url, collection } => {
            mongo::exists(&mongo_collection(resource, url, collection)?)
        }
        Resource::Sqlite { path, table } => {
            sqlite::table_exists(path, require_table(resource, table)?)
        }
        Resource::Postgres { url, table } => {
            postgres::table_exists(&postgres::split_table(url, require_table(resource, table)?))
        }
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
