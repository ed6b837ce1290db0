//! N-d array resources: `.npy` files, read and written block by block through blaze-array, so
//! that an array larger than memory moves in bounded memory.

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
}

impl ArrayFormat {
    /// The format named by `path`'s extension, if it names an array format.
    pub fn from_path(path: &Path) -> Option<ArrayFormat> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        name.ends_with(".npy").then_some(ArrayFormat::Npy)
    }

    /// The format's name, as the conversion graph shows it.
    pub fn name(self) -> &'static str {
        match self {
            ArrayFormat::Npy => ".npy array",
        }
    }
}

fn array_error(path: &Path, e: blaze_array::Error) -> Error {
    match e {
        blaze_array::Error::Io { path, source } => Error::Io { path, source },
        e @ blaze_array::Error::Format { .. } => Error::InvalidOption(e.to_string()),
        other => Error::InvalidOption(format!("{}: {other}", path.display())),
    }
}

/// The array stored at `path`, lazily: nothing is read until it is computed.
pub(crate) fn open(path: &Path, format: ArrayFormat) -> Result<Array> {
    match format {
        ArrayFormat::Npy => {
            Array::from_npy(path, ChunkSpec::Auto).map_err(|e| array_error(path, e))
        }
    }
}

/// The array a resource URI names, lazily (for `blaze query` over arrays).
pub fn open_array(uri: &str) -> Result<Array> {
    match Resource::parse(uri)? {
        Resource::Array { path, format } => open(&path, format),
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

pub(crate) fn discover(path: &Path, format: ArrayFormat) -> Result<Discovery> {
    let array = open(path, format)?;
    Ok(Discovery {
        datashape: datashape(&array, path)?,
        rows_read: 0,
        complete: true,
        csv: None,
    })
}

/// Stores the array at `from` into `to`, block by block; returns the length of its first axis
/// and its datashape.
pub(crate) fn copy(
    from: &Path,
    from_format: ArrayFormat,
    to: &Path,
    to_format: ArrayFormat,
) -> Result<(u64, DataShape)> {
    let array = open(from, from_format)?;
    store(&array, to, to_format, &blaze_tasks::Scheduler::threaded())?;
    Ok((first_axis(&array), datashape(&array, from)?))
}

fn first_axis(array: &Array) -> u64 {
    array.shape().first().copied().unwrap_or(1) as u64
}

fn store(
    array: &Array,
    to: &Path,
    format: ArrayFormat,
    scheduler: &blaze_tasks::Scheduler<'_>,
) -> Result<()> {
    match format {
        ArrayFormat::Npy => array.to_npy(to, scheduler).map_err(|e| array_error(to, e)),
    }
}

/// Computes `array` into the array resource `target` (`out.npy`) block by block, so that a
/// result larger than memory is never held whole; the file appears complete or not at all.
/// Returns the length of the array's first axis.
pub fn write_array(
    array: &Array,
    target: &str,
    if_exists: crate::IfExists,
    scheduler: &blaze_tasks::Scheduler<'_>,
) -> Result<u64> {
    let Resource::Array { path, format } = Resource::parse(target)? else {
        return Err(Error::InvalidOption(format!(
            "{target} is not an array format; an n-d array goes into a .npy file"
        )));
    };
    if path.exists() {
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
    store(array, &path, format, scheduler)?;
    Ok(first_axis(array))
}
