//! `odo(source, target)`: move data from one resource to another along the cheapest path.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use blaze_datashape::arrow::to_arrow_schema;
use blaze_datashape::{DataShape, unify};

use arrow::record_batch::RecordBatch;

use crate::discover::{DiscoverOptions, Discovery, discover_path};
use crate::error::{Error, Result};
use crate::fileset::{self, DEFAULT_PART_ROWS, PartsWriter};
use crate::format::{Compression, FileFormat};
use crate::graph::{Conversion, Graph, Plan};
use crate::rejects::Rejects;
use crate::resource::{FileSet, Resource};
use crate::source::{BatchSource, DEFAULT_BATCH_ROWS, conform, open_file, read_ahead};
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
    /// Instead of stopping at a CSV row with a cell that does not fit its column, load the
    /// good rows and write each rejected row, with its place and reason, to this JSON-lines
    /// file (`--errors skip:PATH`). Other sources still stop at their first bad value.
    pub rejects: Option<PathBuf>,
    /// Rows per part file when the target is a directory (default 1,048,576).
    pub part_rows: Option<u64>,
    /// Progress callback.
    pub progress: Option<ProgressFn>,
}

/// What [`odo`] did.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The source (passwords hidden).
    pub source: String,
    /// The target (passwords hidden).
    pub target: String,
    /// Rows moved from the source (not counting rows the target already had).
    pub rows: u64,
    /// The datashape of the moved data.
    pub datashape: DataShape,
    /// Rows set aside as rejects, and the file they went to.
    pub rejected: Option<(u64, PathBuf)>,
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
        )?;
        if let Some((rows, path)) = &self.rejected {
            write!(
                f,
                "; {} rows rejected → {}",
                thousands(*rows),
                path.display()
            )?;
        }
        Ok(())
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
///
/// The cheapest path of the conversion graph is taken; if one of its conversions cannot handle
/// this case, the cheapest path without it is tried next, as the original odo did.
pub fn odo(source: &str, target: &str, options: &OdoOptions) -> Result<Summary> {
    let started = Instant::now();
    let from = Resource::parse(source)?;
    let to = Resource::parse(target)?;
    let graph = Graph::default();
    let mut options = options.clone();
    let rejects = match &options.rejects {
        Some(path) => Some(Rejects::create(path)?),
        None => None,
    };
    options.read.rejects = rejects.clone();
    let mut avoid = Vec::new();
    loop {
        let plan = graph.plan_avoiding(from.kind(), to.kind(), &avoid)?;
        match run(&plan, &from, &to, &options) {
            Err(Error::Unsupported { conversion, .. }) => avoid.push(conversion),
            Err(error) => return Err(error),
            Ok((rows, datashape)) => {
                let rejected = match &rejects {
                    Some(rejects) => Some((rejects.count(), rejects.commit()?)),
                    None => None,
                };
                return Ok(Summary {
                    source: from.to_string(),
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

/// Follows `plan`; returns the rows moved and their datashape.
fn run(
    plan: &Plan,
    from: &Resource,
    to: &Resource,
    options: &OdoOptions,
) -> Result<(u64, DataShape)> {
    let exists = target_exists(to)?;
    if exists && options.if_exists == IfExists::Fail {
        return Err(Error::InvalidOption(format!(
            "{to} already exists; use --if-exists replace to overwrite it or --if-exists append to add to it"
        )));
    }
    let mode = match (exists, options.if_exists) {
        (false, _) | (_, IfExists::Fail) => LoadMode::Create,
        (true, IfExists::Append) => LoadMode::Append,
        (true, IfExists::Replace) => LoadMode::Replace,
    };
    if matches!(to, Resource::Remote { .. } | Resource::Mongo { .. }) {
        return into_staged(plan, from, to, mode, options);
    }
    if let [step] = plan.steps.as_slice() {
        match step.conversion {
            Conversion::CopyWithinDatabase => return copy_within(from, to, mode, options),
            Conversion::CsvToPostgres => return csv_to_postgres(from, to, mode, options),
            Conversion::PostgresToCsv => return postgres_to_csv(from, to, mode, options),
            _ => {}
        }
    }
    let batch_rows = options.batch_rows.unwrap_or(DEFAULT_BATCH_ROWS).max(1);
    let input = open_source(from, options.dshape.as_ref(), &options.read, batch_rows)?;
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
    let progress = |rows: u64| {
        if let Some(progress) = &options.progress {
            progress(rows);
        }
    };
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
    from: &Resource,
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

fn mongo_collection(
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

fn copy_within(
    from: &Resource,
    to: &Resource,
    mode: LoadMode,
    options: &OdoOptions,
) -> Result<(u64, DataShape)> {
    let unsupported = |reason: &str| Error::Unsupported {
        conversion: Conversion::CopyWithinDatabase,
        reason: reason.to_owned(),
    };
    if options.dshape.is_some() {
        return Err(unsupported("--dshape asks for a conversion"));
    }
    let (rows, shape) = match (from, to) {
        (
            Resource::Sqlite {
                path: from_path,
                table: from_table,
            },
            Resource::Sqlite {
                path: to_path,
                table: to_table,
            },
        ) => {
            let same_file = match (from_path.canonicalize(), to_path.canonicalize()) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            };
            if !same_file {
                return Err(unsupported("the tables are in different databases"));
            }
            let from_table = require_table(from, from_table)?;
            let to_table = require_table(to, to_table)?;
            let shape = sqlite::discover_table(from_path, from_table)?;
            if mode == LoadMode::Append {
                let existing = sqlite::discover_table(to_path, to_table)?;
                check_appendable(&to.to_string(), &existing, &shape)?;
            }
            (
                sqlite::copy_within(from_path, from_table, to_table, mode)?,
                shape,
            )
        }
        (
            Resource::Postgres {
                url: from_url,
                table: from_table,
            },
            Resource::Postgres {
                url: to_url,
                table: to_table,
            },
        ) => {
            if from_url != to_url {
                return Err(unsupported("the tables are in different databases"));
            }
            let from_table = postgres::split_table(from_url, require_table(from, from_table)?);
            let to_table = postgres::split_table(to_url, require_table(to, to_table)?);
            let shape = postgres::discover_table(&from_table)?;
            if mode == LoadMode::Append {
                let existing = postgres::discover_table(&to_table)?;
                check_appendable(&to.to_string(), &existing, &shape)?;
            }
            (
                postgres::copy_within(&from_table, &to_table, &shape, mode)?,
                shape,
            )
        }
        _ => return Err(unsupported("not two tables of one kind of database")),
    };
    if let Some(progress) = &options.progress {
        progress(rows);
    }
    Ok((rows, shape))
}

/// CSV into PostgreSQL with `COPY ... FROM STDIN (FORMAT csv)`: the server parses. Declines
/// (for the path through Arrow) when the file is not UTF-8, writes missing values as markers
/// such as `NA`, or holds a value the server rejects; the Arrow path then names the bad cell.
fn csv_to_postgres(
    from: &Resource,
    to: &Resource,
    mode: LoadMode,
    options: &OdoOptions,
) -> Result<(u64, DataShape)> {
    let unsupported = |reason: &str| Error::Unsupported {
        conversion: Conversion::CsvToPostgres,
        reason: reason.to_owned(),
    };
    let (
        Resource::File {
            path, compression, ..
        },
        Resource::Postgres { url, table },
    ) = (from, to)
    else {
        return Err(unsupported("not a CSV file into a PostgreSQL table"));
    };
    let utf8 = options
        .read
        .encoding
        .as_deref()
        .is_none_or(|e| e.eq_ignore_ascii_case("utf-8") || e.eq_ignore_ascii_case("utf8"));
    if !utf8 {
        return Err(unsupported("the file is not UTF-8"));
    }
    if options.read.rejects.is_some() {
        return Err(unsupported(
            "rejected rows are to be set aside, which the server cannot do",
        ));
    }
    // With a datashape given, discovery only needs to settle the dialect.
    let mut read = options.read.clone();
    if options.dshape.is_some() {
        read.byte_budget = read.byte_budget.min(1 << 20);
    }
    let found = discover_path(path, &read)?;
    let dialect = found.csv.ok_or_else(|| unsupported("not a CSV file"))?;
    if dialect.marker_nulls {
        return Err(unsupported(
            "the file writes missing values as markers such as NA",
        ));
    }
    let shape = options.dshape.clone().unwrap_or(found.datashape);
    let table = postgres::split_table(url, require_table(to, table)?);
    if mode == LoadMode::Append {
        let existing = postgres::discover_table(&table)?;
        check_appendable(&to.to_string(), &existing, &shape)?;
    }
    let mut input = crate::read::open(path, *compression)?;
    let rows = postgres::copy_csv(
        &table,
        &shape,
        mode,
        &mut input,
        dialect.header,
        dialect.delimiter,
    )?;
    if let Some(progress) = &options.progress {
        progress(rows);
    }
    Ok((rows, shape))
}

/// A PostgreSQL table into a CSV file with `COPY ... TO STDOUT (FORMAT csv)`. Declines (for the
/// path through Arrow) appends, a given datashape, and tables whose text would not read back
/// the same.
fn postgres_to_csv(
    from: &Resource,
    to: &Resource,
    mode: LoadMode,
    options: &OdoOptions,
) -> Result<(u64, DataShape)> {
    let unsupported = |reason: &str| Error::Unsupported {
        conversion: Conversion::PostgresToCsv,
        reason: reason.to_owned(),
    };
    let (
        Resource::Postgres { url, table },
        Resource::File {
            path,
            format: FileFormat::Csv { delimiter },
            compression,
        },
    ) = (from, to)
    else {
        return Err(unsupported("not a PostgreSQL table into a CSV file"));
    };
    if mode == LoadMode::Append || options.dshape.is_some() {
        return Err(unsupported("appending, or converting to a given datashape"));
    }
    let table = postgres::split_table(url, require_table(from, table)?);
    let (rows, shape) = postgres::copy_to_csv(
        &table,
        path,
        *compression,
        delimiter.unwrap_or(b','),
        mode == LoadMode::Replace,
    )?;
    if let Some(progress) = &options.progress {
        progress(rows);
    }
    Ok((rows, shape))
}

fn target_exists(resource: &Resource) -> Result<bool> {
    match resource {
        Resource::File { path, .. } => Ok(path.exists()),
        Resource::Files { set, format, .. } => {
            let dir = fileset::target_directory(set)?;
            Ok(dir.is_dir() && fileset::list(&FileSet::Directory(dir), *format).is_ok())
        }
        Resource::Remote { url, .. } => remote::exists(url),
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

/// Opens the resource at `uri` for reading as Arrow record batches, typed by `dshape` or else
/// by discovery (with `options`).
pub fn open(
    uri: &str,
    dshape: Option<&DataShape>,
    options: &DiscoverOptions,
) -> Result<BatchSource> {
    open_source(&Resource::parse(uri)?, dshape, options, DEFAULT_BATCH_ROWS)
}

/// Opens any readable resource as a stream of batches.
pub(crate) fn open_source(
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
        Resource::Files {
            set,
            format,
            compression,
        } => fileset::open(
            fileset::list(set, *format)?,
            *format,
            *compression,
            dshape,
            read,
            batch_rows,
        ),
        Resource::Remote {
            url,
            format,
            compression,
        } => {
            let staged = remote::download(url)?;
            let files = staged.files.clone();
            let rename = move |e| staged.rename_error(e);
            open_staged(
                files,
                *format,
                *compression,
                dshape,
                read,
                batch_rows,
                rename,
            )
        }
        Resource::Mongo { url, collection } => {
            let export = mongo::export(&mongo_collection(resource, url, collection)?)?;
            let files = vec![export.file.clone()];
            let rename = move |e| export.rename_error(e);
            let (format, compression) = (FileFormat::JsonLines, Compression::None);
            open_staged(files, format, compression, dshape, read, batch_rows, rename)
        }
        Resource::Sqlite { path, table } => {
            sqlite::read(path, require_table(resource, table)?, dshape, batch_rows)
        }
        Resource::Postgres { url, table } => postgres::read(
            &postgres::split_table(url, require_table(resource, table)?),
            dshape,
            batch_rows,
        ),
    }
}

/// Opens local copies of remote data as batches. `rename` puts the remote names back into
/// errors; it owns the copies, which go when the reading is done.
fn open_staged(
    files: Vec<PathBuf>,
    format: FileFormat,
    compression: Compression,
    dshape: Option<&DataShape>,
    read: &DiscoverOptions,
    batch_rows: usize,
    rename: impl Fn(Error) -> Error + Send + 'static,
) -> Result<BatchSource> {
    let mut source =
        fileset::open(files, format, compression, dshape, read, batch_rows).map_err(&rename)?;
    source.batches = Box::new(source.batches.map(move |batch| batch.map_err(&rename)));
    Ok(source)
}

/// The datashape of any resource: a file, a table, or a whole database (a record of its
/// tables).
pub fn discover(uri: &str, options: &DiscoverOptions) -> Result<Discovery> {
    match Resource::parse(uri)? {
        Resource::File { path, .. } => discover_path(&path, options),
        Resource::Files { set, format, .. } => {
            fileset::discover(&fileset::list(&set, format)?, options)
        }
        Resource::Mongo {
            url,
            collection: None,
        } => {
            let db = mongo::database_name(&url)?;
            let mut fields = Vec::new();
            for name in mongo::collection_names(&url, &db)? {
                let uri = format!("{url}::{name}");
                fields.push((name, discover(&uri, options)?.datashape));
            }
            let datashape = DataShape::record(fields).map_err(|source| Error::Datashape {
                path: postgres::redact(&url).into(),
                source,
            })?;
            Ok(Discovery {
                datashape,
                rows_read: 0,
                complete: true,
                csv: None,
            })
        }
        Resource::Mongo {
            ref url,
            ref collection,
        } => {
            let resource = Resource::parse(uri)?;
            let export = mongo::export(&mongo_collection(&resource, url, collection)?)?;
            discover_path(&export.file, options).map_err(|e| export.rename_error(e))
        }
        Resource::Remote { url, .. } => {
            let staged = remote::download(&url)?;
            fileset::discover(&staged.files, options).map_err(|e| staged.rename_error(e))
        }
        Resource::Sqlite { path, table } => Ok(Discovery {
            datashape: match table {
                Some(table) => sqlite::discover_table(&path, &table)?,
                None => sqlite::discover_database(&path)?,
            },
            rows_read: 0,
            complete: true,
            csv: None,
        }),
        Resource::Postgres { url, table } => Ok(Discovery {
            datashape: match table {
                Some(table) => postgres::discover_table(&postgres::split_table(&url, &table))?,
                None => postgres::discover_database(&url)?,
            },
            rows_read: 0,
            complete: true,
            csv: None,
        }),
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
