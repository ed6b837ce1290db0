//! HDF5 datasets (through hdf5-metno and the system's libhdf5): read block by block as
//! hyperslabs, and written one block at a time into a chunked dataset, so neither a source nor
//! a result larger than memory is ever held whole.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use blaze_tasks::{BoxError, Scheduler};
use hdf5_metno::filters::Filter;
use hdf5_metno::types::{FloatSize, IntSize, TypeDescriptor};
use hdf5_metno::{File, Group, Hyperslab, SliceOrIndex};
use ndarray::{ArrayD, IxDyn};

use crate::array::Source;
use crate::block::{with_block, with_dtype};
use crate::store::write_then_rename;
use crate::{Array, Block, ChunkSpec, Chunks, DType, Error, Result};

fn h5_error(file: &Path, dataset: &str, e: impl std::fmt::Display) -> Error {
    Error::format(file, format!("hdf5 dataset {dataset}: {e}"))
}

/// The name of an HDF5 filter, by its registered identifier (those of HDF5 itself and the
/// plugins h5py and hdf5plugin write with).
fn filter_name(filter: &Filter) -> String {
    match filter {
        Filter::Deflate(_) => "gzip".into(),
        Filter::Shuffle => "shuffle".into(),
        Filter::Fletcher32 => "fletcher32".into(),
        Filter::SZip(..) => "szip".into(),
        Filter::NBit => "n-bit".into(),
        Filter::ScaleOffset(_) => "scale-offset".into(),
        Filter::User(id, _) => match id {
            307 => "bzip2".into(),
            32000 => "LZF (h5py's own)".into(),
            32001 => "Blosc".into(),
            32004 => "LZ4".into(),
            32008 => "bitshuffle".into(),
            32013 => "ZFP".into(),
            32015 => "Zstandard".into(),
            id => format!("the filter numbered {id}"),
        },
    }
}

/// An error naming the first of `filters` this HDF5 library cannot decode, if any: reading
/// would fail at the first block otherwise, deep in HDF5 ("can't open directory: .../plugins").
fn undecodable(filters: &[Filter]) -> Option<String> {
    let filter = filters.iter().find(|f| !f.decode_enabled())?;
    Some(format!(
        "its chunks are compressed with {}, which this HDF5 library cannot decode (gzip, shuffle, fletcher32, scale-offset, n-bit and szip it can); rewrite the dataset with gzip, as h5py's compression='gzip' does",
        filter_name(filter)
    ))
}

fn dtype_of(descriptor: &TypeDescriptor) -> Option<DType> {
    Some(match descriptor {
        TypeDescriptor::Boolean => DType::Bool,
        TypeDescriptor::Integer(IntSize::U1) => DType::Int8,
        TypeDescriptor::Unsigned(IntSize::U1) => DType::UInt8,
        TypeDescriptor::Integer(IntSize::U2) => DType::Int16,
        TypeDescriptor::Unsigned(IntSize::U2) => DType::UInt16,
        TypeDescriptor::Integer(IntSize::U4) => DType::Int32,
        TypeDescriptor::Unsigned(IntSize::U4) => DType::UInt32,
        TypeDescriptor::Integer(IntSize::U8) => DType::Int64,
        TypeDescriptor::Unsigned(IntSize::U8) => DType::UInt64,
        TypeDescriptor::Float(FloatSize::U4) => DType::Float32,
        TypeDescriptor::Float(FloatSize::U8) => DType::Float64,
        _ => return None,
    })
}

fn hyperslab(ranges: &[Range<usize>]) -> Hyperslab {
    Hyperslab::from(
        ranges
            .iter()
            .map(|r| SliceOrIndex::from(r.clone()))
            .collect::<Vec<_>>(),
    )
}

/// A dataset read block by block. The file is opened for each read rather than held open, so
/// that a store into the same file (which needs it open for writing) is not refused.
struct Hdf5Source {
    file: PathBuf,
    name: String,
    dtype: DType,
}

impl Source for Hdf5Source {
    fn name(&self) -> &str {
        "hdf5"
    }

    fn read(&self, ranges: &[Range<usize>]) -> Result<Block, BoxError> {
        let failed = |e: hdf5_metno::Error| h5_error(&self.file, &self.name, e);
        let dataset = File::open(&self.file)
            .and_then(|f| f.dataset(&self.name))
            .map_err(failed)?;
        Ok(with_dtype!(self.dtype, T => {
            let values: ArrayD<T> = if ranges.is_empty() {
                dataset.read_dyn::<T>().map_err(failed)?
            } else {
                dataset.read_slice::<T, _, IxDyn>(hyperslab(ranges)).map_err(failed)?
            };
            Block::new(values)
        }))
    }
}

impl Array {
    /// The dataset `dataset` (`/path/to/data`) of the HDF5 file `file`, read block by block as
    /// it is computed. [`ChunkSpec::Auto`] reads whole HDF5 chunks per block when the dataset
    /// is chunked (several along the first axis when they are small).
    pub fn from_hdf5(
        file: impl AsRef<Path>,
        dataset: &str,
        chunks: impl Into<ChunkSpec>,
    ) -> Result<Array> {
        let path = file.as_ref();
        if !path.is_file() {
            return Err(Error::not_found(path, "no such HDF5 file"));
        }
        let failed = |e: hdf5_metno::Error| h5_error(path, dataset, e);
        let opened = File::open(path).map_err(|e| Error::format(path, format!("hdf5: {e}")))?;
        let ds = opened.dataset(dataset).map_err(failed)?;
        if let Some(why) = undecodable(&ds.filters()) {
            return Err(h5_error(path, dataset, why));
        }
        let descriptor = ds.dtype().and_then(|t| t.to_descriptor()).map_err(failed)?;
        let dtype = dtype_of(&descriptor).ok_or_else(|| {
            h5_error(
                path,
                dataset,
                format!(
                    "unsupported element type {descriptor} ({} are)",
                    DType::NAMES
                ),
            )
        })?;
        let shape = ds.shape();
        let spec = match (chunks.into(), ds.chunk()) {
            (ChunkSpec::Auto, Some(chunk)) => ChunkSpec::stored(&shape, &chunk, dtype),
            (spec, _) => spec,
        };
        let chunks = Chunks::from_spec(&spec, &shape, dtype)?;
        Ok(Array::from_source(
            Arc::new(Hdf5Source {
                file: path.to_path_buf(),
                name: dataset.to_owned(),
                dtype,
            }),
            dtype,
            chunks,
        ))
    }

    /// Computes the array into the dataset `dataset` of the HDF5 file `file`, chunked like the
    /// array's blocks, writing each block as soon as it is computed. A new file appears
    /// complete or not at all; in an existing file the dataset is written under a temporary
    /// name and moved into place at the end (replacing a dataset of that name), so a failure
    /// leaves the file's other contents and any old dataset as they were.
    pub fn to_hdf5(
        &self,
        file: impl AsRef<Path>,
        dataset: &str,
        scheduler: &Scheduler<'_>,
    ) -> Result<()> {
        let path = file.as_ref();
        let dataset = format!("/{}", dataset.trim_matches('/'));
        if !path.exists() {
            return write_then_rename(path, |tmp| {
                let created =
                    File::create(tmp).map_err(|e| Error::format(tmp, format!("hdf5: {e}")))?;
                self.write_hdf5(&created, tmp, &dataset, scheduler)
            });
        }
        let failed = |e: hdf5_metno::Error| h5_error(path, &dataset, e);
        let opened = File::open_rw(path).map_err(|e| Error::format(path, format!("hdf5: {e}")))?;
        let tmp = format!("{dataset}.tmp-{}", std::process::id());
        if opened.link_exists(&tmp) {
            opened.unlink(&tmp).map_err(failed)?;
        }
        let outcome = self
            .write_hdf5(&opened, path, &tmp, scheduler)
            .and_then(|()| {
                if opened.link_exists(&dataset) {
                    opened.unlink(&dataset).map_err(failed)?;
                }
                opened.relink(&tmp, &dataset).map_err(failed)
            });
        if outcome.is_err() && opened.link_exists(&tmp) {
            let _ = opened.unlink(&tmp);
        }
        outcome
    }

    fn write_hdf5(
        &self,
        file: &File,
        path: &Path,
        dataset: &str,
        scheduler: &Scheduler<'_>,
    ) -> Result<()> {
        let failed = |e: hdf5_metno::Error| h5_error(path, dataset, e);
        let parent = parent_group(file, dataset).map_err(failed)?;
        let shape = self.shape();
        let chunk: Vec<usize> = self
            .chunks()
            .dims()
            .iter()
            .map(|d| d.iter().copied().max().unwrap_or(1).max(1))
            .collect();
        let created = with_dtype!(self.dtype(), T => {
            let builder = parent.new_dataset::<T>();
            let builder = if shape.is_empty() || self.size() == 0 {
                builder
            } else {
                builder.chunk(chunk.clone())
            };
            builder.shape(shape.clone()).create(dataset)
        })
        .map_err(failed)?;
        let (created, at, name) = (Arc::new(created), path.to_path_buf(), dataset.to_owned());
        let write = move |ranges: &[Range<usize>], block: &Block| -> Result<(), BoxError> {
            let failed = |e: hdf5_metno::Error| h5_error(&at, &name, e);
            with_block!(block, a => {
                let a = a.as_standard_layout();
                if ranges.is_empty() {
                    created.write(&a).map_err(failed)?;
                } else {
                    created.write_slice(&a, hyperslab(ranges)).map_err(failed)?;
                }
            });
            Ok(())
        };
        self.store_blocks(Arc::new(write), scheduler)?;
        file.flush()
            .map_err(|e| Error::format(path, format!("hdf5: {e}")))
    }
}

/// The group that holds `dataset` (`/a/b/data` → `/a/b`), made if it does not exist.
fn parent_group(file: &File, dataset: &str) -> hdf5_metno::Result<Group> {
    let mut group: Group = file.group("/")?;
    let parts: Vec<&str> = dataset.split('/').filter(|p| !p.is_empty()).collect();
    for part in parts.iter().take(parts.len().saturating_sub(1)) {
        group = if group.link_exists(part) {
            group.group(part)?
        } else {
            group.create_group(part)?
        };
    }
    Ok(group)
}

/// The paths of every dataset in the HDF5 file at `path` (`/x`, `/group/y`), in name order.
pub fn hdf5_datasets(path: &Path) -> Result<Vec<String>> {
    fn walk(group: &Group, out: &mut Vec<String>) -> hdf5_metno::Result<()> {
        out.extend(group.datasets()?.iter().map(|d| d.name()));
        for inner in group.groups()? {
            walk(&inner, out)?;
        }
        Ok(())
    }
    if !path.is_file() {
        return Err(Error::not_found(path, "no such HDF5 file"));
    }
    let mut out = Vec::new();
    File::open(path)
        .and_then(|f| walk(&f, &mut out))
        .map_err(|e| Error::format(path, format!("hdf5: {e}")))?;
    out.sort();
    Ok(out)
}
