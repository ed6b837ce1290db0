//! N-d array resources: `.npy` files, Zarr stores (`data.zarr`, `store.zarr::group/array`) and
//! HDF5 datasets (`file.h5::/path/to/dataset`), read and written block by block through
//! blaze-array, so that an array larger than memory moves in bounded memory.

use std::path::Path;

use blaze_array::{Array, ChunkSpec};
use blaze_datashape::DataShape;

use crate::discover::Discovery;
use crate::{Error, Resource, Result};

/// How an n-d array is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArrayFormat {
    /// numpy's `.npy` file.
    Npy,
    /// A Zarr store (v2 or v3; a directory `*.zarr`, or a prefix of keys in S3), or an array in
    /// its groups; written as Zarr v3.
    Zarr,
    /// A dataset in an HDF5 file (`*.h5`, `*.hdf5`).
    Hdf5,
}

impl ArrayFormat {
    /// The format named by `path`'s extension, if it names an array format.
    pub fn from_path(path: &Path) -> Option<ArrayFormat> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let (_, extension) = name.rsplit_once('.')?;
        match extension {
            "npy" => Some(ArrayFormat::Npy),
            "zarr" => Some(ArrayFormat::Zarr),
            "h5" | "hdf5" | "he5" => Some(ArrayFormat::Hdf5),
            _ => None,
        }
    }

    /// The format a scheme hint names (`npy://`, `zarr://`, `hdf5://`).
    pub fn from_scheme(scheme: &str) -> Option<ArrayFormat> {
        match scheme {
            "npy" => Some(ArrayFormat::Npy),
            "zarr" => Some(ArrayFormat::Zarr),
            "hdf5" | "h5" => Some(ArrayFormat::Hdf5),
            _ => None,
        }
    }

    /// Every array format, for the conversion graph.
    pub const ALL: [ArrayFormat; 3] = [ArrayFormat::Npy, ArrayFormat::Zarr, ArrayFormat::Hdf5];

    /// The format's name, as the conversion graph shows it.
    pub fn name(self) -> &'static str {
        match self {
            ArrayFormat::Npy => ".npy array",
            ArrayFormat::Zarr => "Zarr array",
            ArrayFormat::Hdf5 => "HDF5 dataset",
        }
    }
}

/// An array error as odo's, naming `what` (a file, or an expression) unless the error names
/// its file itself.
pub(crate) fn array_error(what: impl std::fmt::Display, e: blaze_array::Error) -> Error {
    match e {
        blaze_array::Error::Io { path, source } => Error::Io { path, source },
        e @ blaze_array::Error::Format { .. } => Error::InvalidOption(e.to_string()),
        other => Error::InvalidOption(format!("{what}: {other}")),
    }
}

/// Where an array is: a file or store, its format, and the array inside it (an HDF5 dataset's
/// path, or a Zarr array's path in its store's groups).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Location<'a> {
    pub(crate) path: &'a Path,
    pub(crate) format: ArrayFormat,
    pub(crate) node: Option<&'a str>,
}

impl Location<'_> {
    /// The HDF5 dataset named, or the file's only dataset.
    fn dataset(&self) -> Result<String> {
        if let Some(node) = self.node {
            return Ok(node.to_owned());
        }
        let datasets = blaze_array::hdf5_datasets(self.path)
            .map_err(|e| array_error(self.path.display(), e))?;
        match datasets.as_slice() {
            [only] => Ok(only.clone()),
            [] => Err(Error::InvalidOption(format!(
                "{}: the HDF5 file has no datasets",
                self.path.display()
            ))),
            many => Err(Error::InvalidOption(format!(
                "{}: name the HDF5 dataset, as in {}::{} (it has {})",
                self.path.display(),
                self.path.display(),
                many[0],
                many.join(", ")
            ))),
        }
    }

    /// The array, lazily: nothing is read until it is computed.
    pub(crate) fn open(&self) -> Result<Array> {
        let path = self.path;
        match self.format {
            ArrayFormat::Npy => Array::from_npy(path, ChunkSpec::Auto),
            ArrayFormat::Zarr => Array::from_zarr(path, self.node.unwrap_or(""), ChunkSpec::Auto),
            ArrayFormat::Hdf5 => Array::from_hdf5(path, &self.dataset()?, ChunkSpec::Auto),
        }
        .map_err(|e| array_error(path.display(), e))
    }

    /// Computes `array` into this place block by block, in blocks of `chunks` when given.
    pub(crate) fn store(
        &self,
        array: &Array,
        chunks: Option<&ChunkSpec>,
        scheduler: &blaze_tasks::Scheduler<'_>,
    ) -> Result<()> {
        let path = self.path;
        let rechunked;
        let array = match chunks {
            Some(chunks) => {
                rechunked = array
                    .rechunk(chunks.clone())
                    .map_err(|e| array_error(path.display(), e))?;
                &rechunked
            }
            None => array,
        };
        match (self.format, self.node) {
            (ArrayFormat::Npy, _) => array.to_npy(path, scheduler),
            (ArrayFormat::Zarr, None) => array.to_zarr(path, scheduler),
            (ArrayFormat::Zarr, Some(node)) => array.to_zarr_node(path, node, scheduler),
            (ArrayFormat::Hdf5, Some(node)) => array.to_hdf5(path, node, scheduler),
            (ArrayFormat::Hdf5, None) => {
                return Err(Error::InvalidOption(format!(
                    "{}: name the dataset to write, as in {}::/data",
                    path.display(),
                    path.display()
                )));
            }
        }
        .map_err(|e| array_error(path.display(), e))
    }

    /// Whether the array is there already (for an HDF5 dataset, in its file).
    pub(crate) fn exists(&self) -> bool {
        match (self.format, self.node) {
            (ArrayFormat::Hdf5, Some(node)) if self.path.is_file() => {
                blaze_array::hdf5_datasets(self.path).is_ok_and(|all| {
                    all.iter()
                        .any(|d| d.trim_start_matches('/') == node.trim_matches('/'))
                })
            }
            (ArrayFormat::Zarr, Some(node)) => self.path.join(node.trim_matches('/')).exists(),
            _ => self.path.exists(),
        }
    }
}

/// The array a resource URI names, lazily (for `blaze query` over arrays).
pub fn open_array(uri: &str) -> Result<Array> {
    open_resource(&Resource::parse(uri)?)
}

/// The array `resource` names, lazily; an error if it names none.
pub(crate) fn open_resource(resource: &Resource) -> Result<Array> {
    match resource {
        Resource::Array { path, format, node } => Location {
            path,
            format: *format,
            node: node.as_deref(),
        }
        .open(),
        Resource::RemoteZarr { url, node } => crate::remote_zarr::open(url, node.as_deref()),
        other => Err(Error::InvalidOption(format!("{other} is not an n-d array"))),
    }
}

/// An array's datashape: its dimensions, then its element type (`1000 * 1000 * float64`).
pub(crate) fn datashape(array: &Array, path: &Path) -> Result<DataShape> {
    blaze_datashape::parse(&array.datashape()).map_err(|source| Error::Datashape {
        path: path.to_path_buf(),
        source,
    })
}

/// The arrays of a file or store that holds several (an HDF5 file of more than one dataset, a
/// Zarr store whose root is a group), each with its path (`group/name`), lazily; `None` when
/// `uri` names one array. Datasets of element types blaze-array does not read (strings,
/// records) are left out.
pub fn array_members(uri: &str) -> Result<Option<Vec<(String, Array)>>> {
    match Resource::parse(uri)? {
        Resource::Array {
            path,
            format,
            node: None,
        } => members(&path, format),
        Resource::RemoteZarr { url, node: None } => crate::remote_zarr::members(&url),
        _ => Ok(None),
    }
}

fn members(path: &Path, format: ArrayFormat) -> Result<Option<Vec<(String, Array)>>> {
    let names: Vec<String> = match format {
        ArrayFormat::Npy => return Ok(None),
        ArrayFormat::Hdf5 => {
            blaze_array::hdf5_datasets(path).map_err(|e| array_error(path.display(), e))?
        }
        ArrayFormat::Zarr => blaze_array::zarr_arrays(path),
    };
    if names.len() < 2 && (format == ArrayFormat::Hdf5 || names.is_empty()) {
        return Ok(None);
    }
    let arrays = names
        .iter()
        .filter_map(|name| {
            let at = Location {
                path,
                format,
                node: Some(name),
            };
            Some((name.trim_start_matches('/').to_owned(), at.open().ok()?))
        })
        .collect();
    Ok(Some(arrays))
}

/// The datashape of several arrays by path: a record with a field per array, nested by group
/// (`{raw: {x: 10 * float64}, y: 5 * int64}`).
pub fn members_datashape(members: &[(String, Array)], path: &Path) -> Result<DataShape> {
    fn record(entries: &[(Vec<&str>, DataShape)]) -> blaze_datashape::Result<DataShape> {
        let mut fields: Vec<(String, DataShape)> = Vec::new();
        let mut i = 0;
        while i < entries.len() {
            let (parts, shape) = &entries[i];
            let head = parts[0];
            if parts.len() == 1 {
                fields.push((head.to_owned(), shape.clone()));
                i += 1;
                continue;
            }
            let group: Vec<(Vec<&str>, DataShape)> = entries[i..]
                .iter()
                .take_while(|(p, _)| p.len() > 1 && p[0] == head)
                .map(|(p, s)| (p[1..].to_vec(), s.clone()))
                .collect();
            i += group.len();
            fields.push((head.to_owned(), record(&group)?));
        }
        DataShape::record(fields)
    }
    let entries = members
        .iter()
        .map(|(name, array)| Ok((name.split('/').collect(), datashape(array, path)?)))
        .collect::<Result<Vec<_>>>()?;
    record(&entries).map_err(|source| Error::Datashape {
        path: path.to_path_buf(),
        source,
    })
}

/// Whether the array resource at `uri` holds records (a `.npy` file of a structured dtype, as
/// numpy saves a record array): it is then a table, one column per field.
pub fn holds_records(uri: &str) -> Result<bool> {
    Ok(match Resource::parse(uri)? {
        Resource::Array {
            path,
            format: ArrayFormat::Npy,
            ..
        } => crate::npy_records::is_record_npy(&path),
        _ => false,
    })
}

pub(crate) fn discover(at: Location<'_>) -> Result<Discovery> {
    if at.format == ArrayFormat::Npy && crate::npy_records::is_record_npy(at.path) {
        return Ok(Discovery {
            datashape: crate::npy_records::discover(at.path)?,
            rows_read: 0,
            complete: true,
            csv: None,
        });
    }
    if at.node.is_none()
        && let Some(members) = members(at.path, at.format)?
    {
        return Ok(Discovery {
            datashape: members_datashape(&members, at.path)?,
            rows_read: 0,
            complete: true,
            csv: None,
        });
    }
    let array = at.open()?;
    Ok(Discovery {
        datashape: datashape(&array, at.path)?,
        rows_read: 0,
        complete: true,
        csv: None,
    })
}

/// Stores `array`, read from `from`, into `to`, block by block (of `chunks` when given);
/// returns the length of its first axis and its datashape.
pub(crate) fn copy(
    array: &Array,
    from: &Path,
    to: Location<'_>,
    chunks: Option<&ChunkSpec>,
) -> Result<(u64, DataShape)> {
    to.store(array, chunks, &blaze_tasks::Scheduler::threaded())?;
    Ok((first_axis(array), datashape(array, from)?))
}

fn first_axis(array: &Array) -> u64 {
    array.shape().first().copied().unwrap_or(1) as u64
}

/// Computes `array` into the array resource `target` (`out.npy`, `out.zarr`, `out.h5::/x`)
/// block by block, so that a result larger than memory is never held whole; the file appears
/// complete or not at all. A Zarr store or an HDF5 dataset is chunked in the array's blocks,
/// or in `chunks` when given. Returns the length of the array's first axis.
pub fn write_array(
    array: &Array,
    target: &str,
    if_exists: crate::IfExists,
    chunks: Option<&ChunkSpec>,
    scheduler: &blaze_tasks::Scheduler<'_>,
) -> Result<u64> {
    let resource = Resource::parse(target)?;
    if chunks.is_some() {
        check_chunked(&resource)?;
    }
    let exists = match &resource {
        Resource::Array { path, format, node } => Location {
            path,
            format: *format,
            node: node.as_deref(),
        }
        .exists(),
        Resource::RemoteZarr { url, node } => crate::remote_zarr::exists(url, node.as_deref())?,
        _ => {
            return Err(Error::InvalidOption(format!(
                "{target} is not an array format; an n-d array goes into a .npy file, a Zarr store (.zarr) or an HDF5 dataset (file.h5::/data)"
            )));
        }
    };
    if exists {
        match if_exists {
            crate::IfExists::Fail => {
                return Err(Error::InvalidOption(format!(
                    "{target} already exists; use --if-exists replace to overwrite it"
                )));
            }
            crate::IfExists::Append => {
                return Err(Error::InvalidOption(format!(
                    "{target}: arrays cannot be appended to; use --if-exists replace"
                )));
            }
            crate::IfExists::Replace => {}
        }
    }
    match resource {
        Resource::RemoteZarr { url, node } => {
            crate::remote_zarr::write_through(&url, node.as_deref(), |local| {
                Location {
                    path: local,
                    format: ArrayFormat::Zarr,
                    node: node.as_deref(),
                }
                .store(array, chunks, scheduler)
            })?;
        }
        Resource::Array { path, format, node } => Location {
            path: &path,
            format,
            node: node.as_deref(),
        }
        .store(array, chunks, scheduler)?,
        _ => unreachable!("refused above"),
    }
    Ok(first_axis(array))
}

/// Refuses chunks for `target` unless it is a Zarr store or an HDF5 dataset, which have them.
pub(crate) fn check_chunked(target: &Resource) -> Result<()> {
    match target {
        Resource::Array {
            format: ArrayFormat::Zarr | ArrayFormat::Hdf5,
            ..
        }
        | Resource::RemoteZarr { .. } => Ok(()),
        _ => Err(Error::InvalidOption(format!(
            "{target} is not chunked: chunks are for a Zarr store or an HDF5 dataset"
        ))),
    }
}
