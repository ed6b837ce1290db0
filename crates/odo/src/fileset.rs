//! Several files read as one dataset (a glob such as `logs/2024-*.jsonl.gz`, or a directory),
//! and a directory written as numbered part files.
//!
//! A directory target is built complete in a staging directory beside it (new parts, plus hard
//! links to the existing parts when appending) and then swapped into place with one atomic
//! `rename` (`RENAME_EXCHANGE` when a directory is already there), so a reader or a kill at any
//! moment sees the old directory or the new one, never a mixture.

use std::path::{Path, PathBuf};

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use blaze_datashape::{DataShape, unify};

use crate::discover::{DiscoverOptions, Discovery, discover_path};
use crate::error::{Error, Result};
use crate::format::{Compression, FileFormat};
use crate::resource::FileSet;
use crate::source::{BatchSource, open_file};
use crate::target::FileWriter;

/// Rows per part file of a directory target, unless told otherwise.
pub const DEFAULT_PART_ROWS: u64 = 1 << 20;

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}

/// Hidden files (`.name`, and `_SUCCESS`-style markers) are not data.
fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') || n.starts_with('_'))
}

/// Every file under `dir`, at any depth, hidden ones excepted, in name order.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(io_error(dir))? {
        let path = entry.map_err(io_error(dir))?.path();
        if is_hidden(&path) {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// The format shared by the data files under `dir`; `None` when it has none (or does not
/// exist); an error when they disagree.
pub(crate) fn format_of_directory(dir: &Path) -> Result<Option<(FileFormat, Compression)>> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    let mut found: Option<(FileFormat, Compression, PathBuf)> = None;
    for file in files {
        let Some((format, compression)) = FileFormat::from_path(&file) else {
            continue;
        };
        match &found {
            None => found = Some((format, compression, file)),
            Some((f, c, first)) if (*f, *c) != (format, compression) => {
                return Err(Error::InvalidOption(format!(
                    "{}: holds files of different formats ('{}' and '{}'); name the files with a glob such as {}/*.parquet",
                    dir.display(),
                    first.display(),
                    file.display(),
                    dir.display()
                )));
            }
            Some(_) => {}
        }
    }
    Ok(found.map(|(f, c, _)| (f, c)))
}

/// The files of `set` that hold data of `format`, in name order; an error when there are none.
pub(crate) fn list(set: &FileSet, format: FileFormat) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    match set {
        FileSet::Glob(pattern) => {
            let paths = glob::glob(pattern).map_err(|e| {
                Error::InvalidOption(format!("invalid glob '{pattern}': {}", e.msg))
            })?;
            for path in paths {
                let path = path.map_err(|e| Error::Io {
                    path: e.path().to_owned(),
                    source: e.into(),
                })?;
                if path.is_file() {
                    files.push(path);
                }
            }
        }
        FileSet::Directory(dir) => {
            walk(dir, &mut files)?;
            files.retain(|f| FileFormat::from_path(f).is_some_and(|(found, _)| found == format));
        }
    }
    files.sort();
    if files.is_empty() {
        let what = match set {
            FileSet::Glob(pattern) => format!("no files match '{pattern}'"),
            FileSet::Directory(dir) => format!("{}: no data files in the directory", dir.display()),
        };
        return Err(Error::InvalidOption(what));
    }
    Ok(files)
}

/// The datashape of all the files together: each file's, unified. The files must have the same
/// columns; their types may differ where one unifies with the other (`int64` and `?int64`).
pub(crate) fn discover(files: &[PathBuf], options: &DiscoverOptions) -> Result<Discovery> {
    let mut all: Option<(Discovery, &Path)> = None;
    for file in files {
        let found = discover_path(file, options)?;
        all = Some(match all {
            None => (found, file),
            Some((mut acc, first)) => {
                let names = |d: &DataShape| {
                    d.table_record()
                        .map(|r| r.names().map(str::to_owned).collect::<Vec<_>>())
                };
                if names(&acc.datashape) != names(&found.datashape) {
                    return Err(Error::InvalidOption(format!(
                        "{}: its columns differ from those of {} ({} vs {}); files read as one dataset must have the same columns",
                        file.display(),
                        first.display(),
                        found.datashape,
                        acc.datashape
                    )));
                }
                acc.datashape = unify(&acc.datashape, &found.datashape);
                acc.rows_read += found.rows_read;
                acc.complete &= found.complete;
                acc.csv = acc.csv.or(found.csv);
                (acc, first)
            }
        });
    }
    all.map(|(d, _)| d)
        .ok_or_else(|| Error::InvalidOption("no files to read".to_owned()))
}

/// Opens `files` as one stream of batches, typed by `dshape` or else by discovering them all.
/// Each file is opened only when the one before it is finished.
pub(crate) fn open(
    files: Vec<PathBuf>,
    format: FileFormat,
    compression: Compression,
    dshape: Option<&DataShape>,
    options: &DiscoverOptions,
    batch_rows: usize,
) -> Result<BatchSource> {
    let datashape = match dshape {
        Some(d) => d.clone(),
        None => discover(&files, options)?.datashape,
    };
    let mut first = open_file(
        &files[0],
        format,
        compression,
        Some(&datashape),
        options,
        batch_rows,
    )?;
    let (schema, options) = (first.schema.clone(), options.clone());
    let rest_shape = datashape.clone();
    let rest = files.into_iter().skip(1).flat_map(move |file| {
        match open_file(
            &file,
            format,
            compression,
            Some(&rest_shape),
            &options,
            batch_rows,
        ) {
            Ok(source) => source.batches,
            Err(e) => Box::new(std::iter::once(Err(e))),
        }
    });
    first.batches = Box::new(first.batches.chain(rest));
    Ok(BatchSource {
        datashape,
        schema,
        batches: first.batches,
    })
}

/// The directory a [`FileSet`] target writes into: the directory itself, or the folder of a
/// glob whose wildcards are all in the file name (`out/*.parquet`).
pub(crate) fn target_directory(set: &FileSet) -> Result<PathBuf> {
    match set {
        FileSet::Directory(dir) => Ok(dir.clone()),
        FileSet::Glob(pattern) => {
            let path = Path::new(pattern);
            let parent = path.parent().unwrap_or(Path::new(""));
            if parent.to_string_lossy().contains(['*', '?', '[']) {
                return Err(Error::InvalidOption(format!(
                    "'{pattern}': as a target, only the file name may hold wildcards (out/*.parquet)"
                )));
            }
            Ok(parent.to_owned())
        }
    }
}

/// The extension of part files of `format`.
fn extension(format: FileFormat, compression: Compression) -> String {
    let base = match format {
        FileFormat::Csv {
            delimiter: Some(b'\t'),
        } => "tsv",
        FileFormat::Csv {
            delimiter: Some(b'|'),
        } => "psv",
        FileFormat::Csv { .. } => "csv",
        FileFormat::Json => "json",
        FileFormat::JsonLines => "jsonl",
        FileFormat::Parquet => "parquet",
        FileFormat::ArrowIpc => "arrow",
    };
    match compression {
        Compression::None => base.to_owned(),
        Compression::Gzip => format!("{base}.gz"),
        Compression::Zstd => format!("{base}.zst"),
    }
}

/// A directory target being written: part files go to a staging directory beside it, which
/// takes the target's place in [`PartsWriter::commit`].
pub(crate) struct PartsWriter {
    target: PathBuf,
    staging: tempfile::TempDir,
    format: FileFormat,
    compression: Compression,
    schema: SchemaRef,
    part_rows: u64,
    next_part: usize,
    current: Option<(FileWriter, u64)>,
}

impl PartsWriter {
    /// Starts writing the directory `target`. With `keep_existing`, the parts already there stay
    /// (appending); otherwise the new parts replace them.
    pub(crate) fn create(
        target: &Path,
        format: FileFormat,
        compression: Compression,
        schema: SchemaRef,
        part_rows: u64,
        keep_existing: bool,
    ) -> Result<Self> {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(parent).map_err(io_error(parent))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempdir_in(parent)
            .map_err(io_error(parent))?;
        let mut next_part = 0;
        if keep_existing {
            next_part = link_existing(target, staging.path())?;
        }
        Ok(Self {
            target: target.to_owned(),
            staging,
            format,
            compression,
            schema,
            part_rows: part_rows.max(1),
            next_part,
            current: None,
        })
    }

    /// Appends one batch, starting a new part file whenever the current one is full.
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let mut offset = 0;
        while offset < batch.num_rows() {
            let (writer, rows) = match &mut self.current {
                Some(current) => current,
                None => {
                    let part = self.staging.path().join(format!(
                        "part-{:05}.{}",
                        self.next_part,
                        extension(self.format, self.compression)
                    ));
                    self.next_part += 1;
                    let writer = FileWriter::create(
                        &part,
                        self.format,
                        self.compression,
                        &self.schema,
                        false,
                    )?;
                    self.current.insert((writer, 0))
                }
            };
            let room = (self.part_rows - *rows) as usize;
            let take = room.min(batch.num_rows() - offset);
            writer.write(&batch.slice(offset, take))?;
            *rows += take as u64;
            offset += take;
            if *rows == self.part_rows {
                let (writer, _) = self.current.take().expect("a part is open");
                writer.commit()?;
            }
        }
        Ok(())
    }

    /// Finishes the last part and puts the staging directory in the target's place.
    pub(crate) fn commit(mut self) -> Result<()> {
        if let Some((writer, _)) = self.current.take() {
            writer.commit()?;
        }
        let staging = self.staging.keep();
        swap_into_place(&staging, &self.target).inspect_err(|_| {
            let _ = std::fs::remove_dir_all(&staging);
        })
    }
}

/// Hard-links the part files of `target` into `staging` (same file system: no data is copied);
/// returns the number to give the next new part.
fn link_existing(target: &Path, staging: &Path) -> Result<usize> {
    let mut files = Vec::new();
    walk(target, &mut files)?;
    files.sort();
    for file in &files {
        let relative = file.strip_prefix(target).expect("walked under the target");
        let link = staging.join(relative);
        if let Some(dir) = link.parent() {
            std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        }
        std::fs::hard_link(file, &link).map_err(io_error(file))?;
    }
    let next = files
        .iter()
        .filter_map(|f| f.file_name()?.to_str()?.strip_prefix("part-")?.get(..5))
        .filter_map(|n| n.parse::<usize>().ok())
        .max()
        .map_or(0, |n| n + 1);
    Ok(next)
}

/// Moves `staging` to `target` atomically: a plain rename when no target exists, otherwise an
/// exchange of the two directories followed by removing the old one.
fn swap_into_place(staging: &Path, target: &Path) -> Result<()> {
    if !target.exists() {
        return std::fs::rename(staging, target).map_err(io_error(target));
    }
    if !target.is_dir() {
        return Err(Error::InvalidOption(format!(
            "{}: exists and is not a directory",
            target.display()
        )));
    }
    rustix::fs::renameat_with(
        rustix::fs::CWD,
        staging,
        rustix::fs::CWD,
        target,
        rustix::fs::RenameFlags::EXCHANGE,
    )
    .map_err(|e| io_error(target)(e.into()))?;
    // `staging` now holds the old directory.
    std::fs::remove_dir_all(staging).map_err(io_error(staging))
}
