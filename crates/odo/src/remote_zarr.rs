//! Zarr stores in S3 (`s3://bucket/path/data.zarr`), read chunk by chunk where they are, and
//! written through a local directory.
//!
//! A computation reads only the blocks it needs (`x[:100].sum()` over a large store fetches the
//! block of whole chunks, at least 16 MiB, that holds its first hundred rows), with a GET per
//! chunk as a worker reaches it; nothing is staged on local disk. zarrs asks for the store's
//! keys (`zarr.json`, `c/0/0`) through [`ReadableStorageTraits`], answered here from the object
//! store under the store's prefix.
//!
//! A store is written into a local temporary directory, block by block, then uploaded file by
//! file, its metadata last: until then, readers find no array there (an array it replaces is
//! deleted first, its metadata first).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use blaze_array::zarr_storage::byte_range::{ByteRange, ByteRangeIterator};
use blaze_array::zarr_storage::{
    Bytes, MaybeBytesIterator, ReadableStorageTraits, StorageError, StoreKey,
};
use blaze_array::{Array, ChunkSpec};
use futures_util::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt};

use crate::array::array_error;
use crate::error::{Error, Result};
use crate::remote::{Location, locate, remote_error, runtime};

/// The array at `node` (the store's root if `None`) of the Zarr store at `url`, lazily.
pub(crate) fn open(url: &str, node: Option<&str>) -> Result<Array> {
    open_in(&Arc::new(ObjectStorage::open(url)?), url, node)
}

/// The array at `node` of the store at `url`, read through `storage` (the store's, which
/// arrays of one store share, and with it its connections and its thread).
fn open_in(storage: &Arc<ObjectStorage>, url: &str, node: Option<&str>) -> Result<Array> {
    let storage = Arc::clone(storage);
    Array::from_zarr_storage(storage, url, node.unwrap_or(""), ChunkSpec::Auto).map_err(|e| {
        match e {
            // An object store's errors name no file: the URL says which store.
            blaze_array::Error::Io { source, .. } => Error::Remote {
                uri: url.to_owned(),
                message: format!("{url}: {source}"),
            },
            e => array_error(url, e),
        }
    })
}

/// The arrays in the groups of the store at `url`, each with its path (`group/name`), lazily;
/// `None` if the store's root is an array, or no group there holds one. The store is walked
/// group by group (a listing with a delimiter each), never into an array, so a store of many
/// chunks costs a request per node, not per thousand chunks. Arrays of element types
/// blaze-array does not read are left out.
pub(crate) fn members(url: &str) -> Result<Option<Vec<(String, Array)>>> {
    let storage = Arc::new(ObjectStorage::open(url)?);
    if open_in(&storage, url, None).is_ok() {
        return Ok(None);
    }
    let location = locate(url)?;
    let store = location.key.trim_end_matches('/').to_owned();
    let runtime = runtime(url)?;
    let mut arrays = Vec::new();
    let mut nodes = vec![String::new()];
    while let Some(node) = nodes.pop() {
        let prefix = match node.as_str() {
            "" => store.clone(),
            node => format!("{store}/{node}"),
        };
        let children = runtime
            .block_on(group_children(&*location.store, &prefix))
            .map_err(|e| remote_error(url, e))?;
        for name in children {
            let child = match node.as_str() {
                "" => name,
                node => format!("{node}/{name}"),
            };
            match open_in(&storage, url, Some(&child)) {
                Ok(array) => arrays.push((child, array)),
                Err(_) => nodes.push(child),
            }
        }
    }
    arrays.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((!arrays.is_empty()).then_some(arrays))
}

/// The names of the nodes under the group at `prefix` (Zarr v3 `zarr.json` of node type
/// `group`, or v2 `.zgroup`); none if a group is not there.
async fn group_children(
    store: &dyn ObjectStore,
    prefix: &str,
) -> object_store::Result<Vec<String>> {
    let listed = store
        .list_with_delimiter(Some(&ObjectPath::from(prefix)))
        .await?;
    let has = |name: &str| {
        listed
            .objects
            .iter()
            .any(|object| object.location.filename() == Some(name))
    };
    let is_group = has(".zgroup")
        || (has("zarr.json") && {
            let metadata = store
                .get(&ObjectPath::from(format!("{prefix}/zarr.json")))
                .await?
                .bytes()
                .await?;
            serde_json::from_slice::<serde_json::Value>(&metadata)
                .is_ok_and(|json| json["node_type"] == "group")
        });
    Ok(match is_group {
        true => listed
            .common_prefixes
            .iter()
            .filter_map(|child| child.filename().map(str::to_owned))
            .collect(),
        false => Vec::new(),
    })
}

/// The object key of the array at `node` of the store at `url`, without a trailing slash.
fn array_key(location: &Location, node: Option<&str>) -> String {
    let store = location.key.trim_end_matches('/');
    match node.map(|n| n.trim_matches('/')).filter(|n| !n.is_empty()) {
        Some(node) => format!("{store}/{node}"),
        None => store.to_owned(),
    }
}

/// Whether an array (Zarr v3 or v2) is at `node` of the store at `url`.
pub(crate) fn exists(url: &str, node: Option<&str>) -> Result<bool> {
    let location = locate(url)?;
    let key = array_key(&location, node);
    runtime(url)?.block_on(async {
        for metadata in ["zarr.json", ".zarray"] {
            match location
                .store
                .head(&ObjectPath::from(format!("{key}/{metadata}")))
                .await
            {
                Ok(_) => return Ok(true),
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(remote_error(url, e)),
            }
        }
        Ok(false)
    })
}

/// Writes the array at `node` of the Zarr store at `url`: `write` makes it in a local store
/// (the directory it is given, which holds nothing yet), which is then uploaded. An array
/// already there is replaced: its objects are deleted before the new ones are uploaded.
pub(crate) fn write_through<T>(
    url: &str,
    node: Option<&str>,
    write: impl FnOnce(&Path) -> Result<T>,
) -> Result<T> {
    let location = locate(url)?;
    let dir = tempfile::Builder::new()
        .prefix(".blaze-staged.")
        .tempdir()
        .map_err(|e| remote_error(url, e))?;
    let local = dir.path().join("store.zarr");
    let written = write(&local)?;
    let key = array_key(&location, node);
    let mut files = Vec::new();
    list_files(&local, &mut files).map_err(|e| remote_error(url, e))?;
    // Metadata last, the store's root last of all: a reader finds the array complete or not.
    let is_metadata = |path: &Path| {
        path.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| matches!(n, "zarr.json" | ".zarray" | ".zgroup" | ".zattrs"))
    };
    files.sort_by_key(|path| {
        (
            is_metadata(path),
            std::cmp::Reverse(path.components().count()),
        )
    });
    runtime(url)?.block_on(async {
        // The array replaced goes first, its metadata before its chunks: a reader finds it
        // whole, or finds no array, never an array whose chunks are missing (fill values).
        let mut old = Vec::new();
        let mut listed = location.store.list(Some(&ObjectPath::from(key.as_str())));
        while let Some(meta) = listed.next().await {
            old.push(meta.map_err(|e| remote_error(url, e))?.location);
        }
        old.sort_by_key(|path| !is_metadata(Path::new(path.as_ref())));
        for path in &old {
            location
                .store
                .delete(path)
                .await
                .map_err(|e| remote_error(url, e))?;
        }
        let own = node.map_or("", |n| n.trim_matches('/'));
        for path in &files {
            let relative = path
                .strip_prefix(&local)
                .map_err(|e| remote_error(url, e))?;
            let object = ObjectPath::from(format!(
                "{}/{}",
                location.key.trim_end_matches('/'),
                relative.to_string_lossy()
            ));
            // The groups on the way to the array are made only where the store has none: an
            // existing group keeps its metadata (its attributes, its Zarr version).
            if !relative.starts_with(own) && location.store.head(&object).await.is_ok() {
                continue;
            }
            let bytes = std::fs::read(path).map_err(|e| remote_error(url, e))?;
            location
                .store
                .put(&object, bytes.into())
                .await
                .map_err(|e| remote_error(url, e))?;
        }
        Ok(written)
    })
}

/// The files under `dir`, recursively.
fn list_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            list_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// The keys of a Zarr store under a prefix of an object store, read with blocking calls (the
/// array's workers are threads, not tasks).
pub(crate) struct ObjectStorage {
    store: Arc<dyn ObjectStore>,
    /// The store's own prefix (`path/data.zarr/`).
    prefix: String,
    runtime: tokio::runtime::Runtime,
}

impl ObjectStorage {
    /// The store at `url` (`s3://bucket/path/data.zarr`).
    pub(crate) fn open(url: &str) -> Result<ObjectStorage> {
        let location = locate(url)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("blaze-zarr-s3")
            .enable_all()
            .build()
            .map_err(|e| remote_error(url, e))?;
        Ok(ObjectStorage {
            store: location.store,
            prefix: format!("{}/", location.key.trim_end_matches('/')),
            runtime,
        })
    }

    fn path(&self, key: &StoreKey) -> ObjectPath {
        ObjectPath::from(format!("{}{}", self.prefix, key.as_str()))
    }
}

fn storage_error(e: object_store::Error) -> StorageError {
    StorageError::Other(e.to_string())
}

impl ReadableStorageTraits for ObjectStorage {
    fn get_partial_many<'a>(
        &'a self,
        key: &StoreKey,
        byte_ranges: ByteRangeIterator<'a>,
    ) -> std::result::Result<MaybeBytesIterator<'a>, StorageError> {
        let path = self.path(key);
        let ranges: Vec<ByteRange> = byte_ranges.collect();
        let parts = self.runtime.block_on(async {
            let mut parts = Vec::with_capacity(ranges.len());
            for range in ranges {
                let range = match range {
                    ByteRange::FromStart(_, Some(0)) | ByteRange::Suffix(0) => {
                        parts.push(Ok(Bytes::new()));
                        continue;
                    }
                    ByteRange::FromStart(0, None) => None,
                    ByteRange::FromStart(start, None) => Some(GetRange::Offset(start)),
                    ByteRange::FromStart(start, Some(len)) => {
                        Some(GetRange::Bounded(start..start + len))
                    }
                    ByteRange::Suffix(len) => Some(GetRange::Suffix(len)),
                };
                let options = GetOptions {
                    range,
                    ..GetOptions::default()
                };
                match self.store.get_opts(&path, options).await {
                    Ok(got) => parts.push(got.bytes().await.map_err(storage_error)),
                    Err(object_store::Error::NotFound { .. }) => return Ok(None),
                    Err(e) => return Err(storage_error(e)),
                }
            }
            Ok(Some(parts))
        })?;
        Ok(parts.map(|parts| Box::new(parts.into_iter()) as _))
    }

    fn size_key(&self, key: &StoreKey) -> std::result::Result<Option<u64>, StorageError> {
        let path = self.path(key);
        self.runtime.block_on(async {
            match self.store.head(&path).await {
                Ok(meta) => Ok(Some(meta.size)),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(storage_error(e)),
            }
        })
    }

    fn supports_get_partial(&self) -> bool {
        true
    }
}
