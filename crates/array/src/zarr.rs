//! Zarr arrays (format v2 and v3, through zarrs) in a directory store: read block by block, and
//! written one Zarr chunk per block, so neither a source nor a result larger than memory is
//! ever held whole.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use blaze_tasks::{BoxError, Scheduler};
use ndarray::{ArrayD, IxDyn};
use zarrs::array::{ArrayBuilder, ArraySubset, DataType, FillValue, data_type};
use zarrs::filesystem::FilesystemStore;
use zarrs::storage::ReadableStorageTraits;

use crate::array::Source;
use crate::block::{with_block, with_dtype};
use crate::chunks::BlockBounds;
use crate::read_ahead::{ReadAhead, into_page_cache};
use crate::reuse::Reuse;
use crate::store::write_then_rename;
use crate::zarr_direct::{Encoding, chunk_path, chunks_of, read_chunks};
use crate::{Array, Block, ChunkSpec, Chunks, DType, Error, Result};

type ZarrArray = zarrs::array::Array<FilesystemStore>;

/// A Zarr array as read, from a directory or any other store.
type StoredArray = zarrs::array::Array<dyn ReadableStorageTraits>;

fn zarr_type(dtype: DType) -> DataType {
    match dtype {
        DType::Bool => data_type::bool(),
        DType::Int8 => data_type::int8(),
        DType::UInt8 => data_type::uint8(),
        DType::Int16 => data_type::int16(),
        DType::UInt16 => data_type::uint16(),
        DType::Int32 => data_type::int32(),
        DType::UInt32 => data_type::uint32(),
        DType::Int64 => data_type::int64(),
        DType::UInt64 => data_type::uint64(),
        DType::Float32 => data_type::float32(),
        DType::Float64 => data_type::float64(),
    }
}

/// The node path inside the store: `/` for an array at the store's root.
fn node_path(node: &str) -> String {
    format!("/{}", node.trim_matches('/'))
}

/// The paths of the arrays in the Zarr store `store` (`group/name`, in name order) when its
/// root is a group; empty when it is an array.
pub fn zarr_arrays(store: &Path) -> Vec<String> {
    let mut arrays = Vec::new();
    if is_group(store) {
        arrays_in(store, "", &mut arrays);
    }
    arrays
}

/// Whether `dir` holds a Zarr group (v3's `zarr.json` of node type group, or v2's `.zgroup`).
fn is_group(dir: &Path) -> bool {
    dir.join(".zgroup").is_file()
        || std::fs::read_to_string(dir.join("zarr.json")).is_ok_and(|text| {
            serde_json::from_str::<serde_json::Value>(&text)
                .is_ok_and(|meta| meta.get("node_type").is_some_and(|t| t == "group"))
        })
}

/// The paths of the arrays under the group directory `dir`, each prefixed by `prefix`, in name
/// order.
fn arrays_in(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut children: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    children.sort();
    for child in children {
        let name = child.file_name().unwrap_or_default().to_string_lossy();
        let path = format!("{prefix}{name}");
        if is_group(&child) {
            arrays_in(&child, &format!("{path}/"), out);
        } else if child.join(".zarray").is_file() || child.join("zarr.json").is_file() {
            out.push(path);
        }
    }
}

/// The Zarr format of a store written into: that of its root group (v3 for a new store).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    V2,
    V3,
}

impl Format {
    fn of_store(store: &Path) -> Format {
        if store.join(".zgroup").is_file() || store.join(".zarray").is_file() {
            Format::V2
        } else {
            Format::V3
        }
    }

    /// Whether `dir` holds a node's metadata in this format.
    fn marks(self, dir: &Path) -> bool {
        match self {
            Format::V2 => dir.join(".zgroup").is_file() || dir.join(".zarray").is_file(),
            Format::V3 => dir.join("zarr.json").is_file(),
        }
    }

    fn other(self) -> Format {
        match self {
            Format::V2 => Format::V3,
            Format::V3 => Format::V2,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::V2 => "Zarr v2",
            Format::V3 => "Zarr v3",
        }
    }

    /// A new group's metadata: its file name and text.
    fn group_metadata(self) -> (&'static str, &'static str) {
        match self {
            Format::V2 => (".zgroup", "{\n  \"zarr_format\": 2\n}\n"),
            Format::V3 => (
                "zarr.json",
                "{\n  \"zarr_format\": 3,\n  \"node_type\": \"group\",\n  \"attributes\": {}\n}\n",
            ),
        }
    }
}

/// Makes `dir` a group of the store's `format` unless it is one (recording it in `created` if
/// it was not there); an array, or a node of the other format, there is an error naming
/// `store`.
fn ensure_group(
    store: &Path,
    dir: &Path,
    format: Format,
    created: &mut Vec<PathBuf>,
) -> Result<()> {
    let node = dir
        .strip_prefix(store)
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let named = if node.is_empty() {
        "the store".to_owned()
    } else {
        format!("'{node}'")
    };
    if format.other().marks(dir) {
        return Err(Error::format(
            store,
            format!(
                "{named} is {} in a {} store; a store's nodes are written in its format",
                format.other().name(),
                format.name()
            ),
        ));
    }
    if format.marks(dir) {
        return if is_group(dir) {
            Ok(())
        } else {
            Err(Error::format(
                store,
                format!("{named} is an array, not a group to write into"),
            ))
        };
    }
    if dir.exists()
        && dir
            .read_dir()
            .map_err(|e| Error::io(dir, e))?
            .next()
            .is_some()
    {
        return Err(Error::format(
            store,
            format!("{named} is a directory that is not a Zarr group"),
        ));
    }
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        created.push(dir.to_path_buf());
    }
    let (file, text) = format.group_metadata();
    std::fs::write(dir.join(file), text).map_err(|e| Error::io(dir, e))
}

fn store_error(store: &Path, e: impl std::fmt::Display) -> Error {
    Error::format(store, format!("zarr: {e}"))
}

fn subset(ranges: &[Range<usize>]) -> ArraySubset {
    ArraySubset::new_with_ranges(
        &ranges
            .iter()
            .map(|r| r.start as u64..r.end as u64)
            .collect::<Vec<_>>(),
    )
}

/// At most how many bytes of the blocks after the one being read are asked of the disk ahead.
const READ_AHEAD_BYTES: usize = 256 << 20;

/// Chunks smaller than this are not read ahead: a helper thread per file costs tens of
/// microseconds, as long as such a file takes to read from the page cache.
const MIN_READ_AHEAD_CHUNK: usize = 1 << 20;

struct ZarrSource {
    store: PathBuf,
    array: StoredArray,
    dtype: DType,
    /// The encoding and regular chunk shape, when whole chunks are read without zarrs.
    direct: Option<(Encoding, Vec<usize>)>,
    /// The array's blocks, read in C order by a computation over all of them.
    blocks: BlockBounds,
    /// How many blocks after the one being read are read ahead: one per core, as the other
    /// workers read the next ones, within [`READ_AHEAD_BYTES`]; none for small chunks (see
    /// [`MIN_READ_AHEAD_CHUNK`]).
    ahead: usize,
    /// The compressed chunk files being read ahead.
    read_ahead: Arc<ReadAhead>,
    /// The blocks read last, whose memory the next blocks of a whole-array read go into.
    reuse: Reuse,
}

impl ZarrSource {
    /// The files of the stored chunks that make the block `ranges`.
    fn chunk_paths(&self, ranges: &[Range<usize>], chunk: &[usize]) -> Option<Vec<PathBuf>> {
        let chunks = chunks_of(ranges, chunk)?;
        Some(
            chunks
                .iter()
                .map(|indices| chunk_path(&self.store, self.array.chunk_key(indices).as_str()))
                .collect(),
        )
    }

    /// The chunk files of the [`ZarrSource::ahead`] blocks after the block `ranges`, when
    /// `ranges` is one of the array's blocks (not a part of one, as a slice reads).
    fn paths_ahead(&self, ranges: &[Range<usize>], chunk: &[usize]) -> Vec<PathBuf> {
        let mut paths = Vec::new();
        let mut index = self.blocks.index_of(ranges);
        for _ in 0..self.ahead {
            index = index.and_then(|i| self.blocks.next_index(&i));
            let Some(i) = &index else { break };
            paths.extend(
                self.chunk_paths(&self.blocks.ranges(i), chunk)
                    .unwrap_or_default(),
            );
        }
        paths
    }
}

impl Source for ZarrSource {
    fn name(&self) -> &str {
        "zarr"
    }

    fn read(&self, ranges: &[Range<usize>]) -> Result<Block, BoxError> {
        if let Some((encoding, chunk)) = &self.direct
            && let Some(paths) = self.chunk_paths(ranges, chunk)
        {
            // Small chunks are read as they come (see MIN_READ_AHEAD_CHUNK): an extra open
            // of each would cost about as much as reading it, and their memory is the
            // allocator's to reuse.
            let mut reuse = None;
            if self.ahead > 0 {
                let next = self.paths_ahead(ranges, chunk);
                let last = next.is_empty();
                match encoding {
                    Encoding::Raw if !self.read_ahead.past_cache() => {
                        into_page_cache(&paths);
                        into_page_cache(&next);
                    }
                    Encoding::Raw | Encoding::Zstd => self.read_ahead.start(next),
                }
                // The blocks of a computation over the array go into the memory of those
                // before them; none follow the last one, so none are kept past it.
                if last {
                    self.reuse.clear();
                } else {
                    reuse = Some(&self.reuse);
                }
            }
            let shape: Vec<usize> = ranges.iter().map(Range::len).collect();
            let read = read_chunks(
                &paths,
                *encoding,
                self.dtype,
                &shape,
                &self.read_ahead,
                reuse,
            )?;
            if let Some(block) = read {
                return Ok(block);
            }
        }
        let subset = subset(ranges);
        let shape: Vec<usize> = ranges.iter().map(Range::len).collect();
        Ok(with_dtype!(self.dtype, T => {
            let values: Vec<T> = self
                .array
                .retrieve_array_subset(&subset)
                .map_err(|e| store_error(&self.store, e))?;
            Block::new(ArrayD::from_shape_vec(IxDyn(&shape), values).map_err(|e| Error::Internal(e.to_string()))?)
        }))
    }
}

impl Array {
    /// The array at `node` (`""` for the store's root) of the Zarr store (v2 or v3) in the
    /// directory `store`, read block by block as it is computed. [`ChunkSpec::Auto`] reads
    /// whole Zarr chunks per block (several along the first axis when they are small).
    pub fn from_zarr(
        store: impl AsRef<Path>,
        node: &str,
        chunks: impl Into<ChunkSpec>,
    ) -> Result<Array> {
        let store = store.as_ref();
        if !store.is_dir() {
            return Err(Error::not_found(store, "no such Zarr store (a directory)"));
        }
        let fs: Arc<dyn ReadableStorageTraits> =
            Arc::new(FilesystemStore::new(store).map_err(|e| store_error(store, e))?);
        let array = StoredArray::open(fs, &node_path(node)).map_err(|e| {
            let group = store.join(node.trim_matches('/'));
            if !is_group(&group) {
                return store_error(store, e);
            }
            let node = node.trim_matches('/');
            let (named, prefix) = if node.is_empty() {
                ("the store".to_owned(), String::new())
            } else {
                (format!("'{node}'"), format!("{node}/"))
            };
            let mut arrays = Vec::new();
            arrays_in(&group, &prefix, &mut arrays);
            match arrays.first() {
                Some(first) => Error::format(
                    store,
                    format!(
                        "{named} is a Zarr group; name an array in it, as in {}::{first} (it has {})",
                        store.display(),
                        arrays.join(", ")
                    ),
                ),
                None => Error::format(store, format!("{named} is a Zarr group without arrays")),
            }
        })?;
        source_array(array, store, true, chunks.into())
    }

    /// The array at `node` (`""` for the root) of the Zarr store (v2 or v3) that `storage`
    /// reads (an object store's, say), read chunk by chunk as it is computed; `name` (its URL)
    /// names it in errors.
    pub fn from_zarr_storage(
        storage: Arc<dyn ReadableStorageTraits>,
        name: &str,
        node: &str,
        chunks: impl Into<ChunkSpec>,
    ) -> Result<Array> {
        let at = Path::new(name);
        let array = StoredArray::open(storage, &node_path(node)).map_err(|e| match e {
            zarrs::array::ArrayCreateError::MissingMetadata => {
                let what = match node.trim_matches('/') {
                    "" => "no Zarr array at the store's root (name one inside it, as in URL::group/array)".to_owned(),
                    node => format!("no Zarr array '{node}' in the store"),
                };
                Error::not_found(at, &what)
            }
            e => store_error(at, e),
        })?;
        source_array(array, at, false, chunks.into())
    }
}

/// The array whose blocks are read from the Zarr array `array` of the store `store`: a
/// directory if `local` (whose chunk files are then read without zarrs where they can be), else
/// a name for errors.
fn source_array(array: StoredArray, store: &Path, local: bool, chunks: ChunkSpec) -> Result<Array> {
    let dtype = DType::ALL
        .into_iter()
        .find(|&t| zarr_type(t) == *array.data_type())
        .ok_or_else(|| {
            store_error(
                store,
                format!(
                    "unsupported element type {} ({} are)",
                    array.data_type(),
                    DType::NAMES
                ),
            )
        })?;
    let shape: Vec<usize> = array.shape().iter().map(|&n| n as usize).collect();
    let spec = match chunks {
        ChunkSpec::Auto => {
            let origin = vec![0; shape.len()];
            let chunk: Vec<usize> = array
                .chunk_shape(&origin)
                .map_err(|e| store_error(store, e))?
                .iter()
                .map(|c| c.get() as usize)
                .collect();
            ChunkSpec::stored(&shape, &chunk, dtype)
        }
        spec => spec,
    };
    let chunks = Chunks::from_spec(&spec, &shape, dtype)?;
    let direct = local
        .then(|| Encoding::of(&array.metadata().to_string_pretty(), dtype))
        .flatten()
        .and_then(|e| {
            let origin = vec![0; shape.len()];
            let chunk = array.chunk_shape(&origin).ok()?;
            Some((
                e,
                chunk
                    .iter()
                    .map(|c| c.get() as usize)
                    .collect::<Vec<usize>>(),
            ))
        });
    let block_bytes = chunks.dims().iter().map(|d| d[0]).product::<usize>() * dtype.size();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk_bytes = direct.as_ref().map_or(0, |(_, chunk)| {
        chunk.iter().product::<usize>() * dtype.size()
    });
    let ahead = if chunk_bytes < MIN_READ_AHEAD_CHUNK {
        0
    } else {
        cores.min(READ_AHEAD_BYTES / block_bytes.max(1)).max(1)
    };
    // An array larger than half the memory its files can be cached in would push itself
    // out of the cache as it is read: its chunks are read past the cache.
    let direct_io = crate::memory::for_page_cache()
        .is_some_and(|cache| (shape.iter().product::<usize>() * dtype.size()) as u64 > cache / 2);
    Ok(Array::from_source(
        Arc::new(ZarrSource {
            store: store.to_path_buf(),
            array,
            dtype,
            direct,
            blocks: BlockBounds::new(&chunks),
            ahead,
            read_ahead: Arc::new(ReadAhead::new(direct_io)),
            reuse: Reuse::default(),
        }),
        dtype,
        chunks,
    ))
}

impl Array {
    /// Computes the array into a new Zarr v3 store in the directory `store` (its root array,
    /// zstd-compressed, one Zarr chunk per block), writing each block as soon as it is computed.
    /// Blocks of uneven lengths are first rechunked to even ones, as Zarr's grid is regular. The
    /// store appears complete or not at all (it is written under a temporary name and renamed).
    pub fn to_zarr(&self, store: impl AsRef<Path>, scheduler: &Scheduler<'_>) -> Result<()> {
        let array = self.regular()?;
        write_then_rename(store.as_ref(), |tmp| {
            array.write_zarr(tmp, Format::V3, scheduler)
        })
    }

    /// Computes the array into the Zarr store `store` as the array at `node` (`group/name`),
    /// creating the store (Zarr v3) and the groups on the way that are not there yet; in a
    /// Zarr v2 store (as zarr-python 2 writes them) the groups and the array are written in
    /// v2. The array's directory appears complete or not at all, replacing an array already at
    /// `node`; groups created for it are removed again if writing fails. A store whose root is
    /// an array and a path through an array are errors.
    pub fn to_zarr_node(
        &self,
        store: impl AsRef<Path>,
        node: &str,
        scheduler: &Scheduler<'_>,
    ) -> Result<()> {
        let store = store.as_ref();
        let parts: Vec<&str> = node.split('/').filter(|p| !p.is_empty()).collect();
        if parts.is_empty() {
            return self.to_zarr(store, scheduler);
        }
        if let Some(bad) = parts
            .iter()
            .find(|p| p.starts_with('.') || p.contains('\\'))
        {
            return Err(Error::format(
                store,
                format!("'{bad}' cannot name a Zarr node (names do not start with '.')"),
            ));
        }
        let array = self.regular()?;
        let format = Format::of_store(store);
        let mut created = Vec::new();
        let mut groups = std::iter::once(store.to_path_buf())
            .chain((1..parts.len()).map(|n| store.join(parts[..n].join("/"))));
        let outcome = groups
            .try_for_each(|dir| ensure_group(store, &dir, format, &mut created))
            .and_then(|()| {
                let target = store.join(parts.join("/"));
                if target.is_dir() && is_group(&target) {
                    return Err(Error::format(
                        store,
                        format!(
                            "'{}' is a group; an array does not replace it",
                            parts.join("/")
                        ),
                    ));
                }
                write_then_rename(&target, |tmp| array.write_zarr(tmp, format, scheduler))
            });
        if outcome.is_err() {
            for dir in created.iter().rev() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
        outcome
    }

    /// This array if its blocks are even along every axis (all the length of the first but the
    /// last, which may be shorter), otherwise this array rechunked to the first blocks' lengths.
    fn regular(&self) -> Result<Array> {
        let dims = self.chunks().dims();
        let even = dims.iter().all(|d| match d.split_first() {
            Some((first, rest)) => rest
                .split_last()
                .is_none_or(|(last, middle)| middle.iter().all(|n| n == first) && last <= first),
            None => true,
        });
        if even {
            return Ok(self.clone());
        }
        let lengths = dims.iter().map(|d| d.iter().copied().max()).collect();
        self.rechunk(ChunkSpec::Shape(lengths))
    }

    /// Writes the array into `dir` as a Zarr array of `format`, zstd-compressed (level 1), one
    /// chunk per block.
    fn write_zarr(&self, dir: &Path, format: Format, scheduler: &Scheduler<'_>) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let fs = Arc::new(FilesystemStore::new(dir).map_err(|e| store_error(dir, e))?);
        let shape: Vec<u64> = self.shape().iter().map(|&n| n as u64).collect();
        let chunk: Vec<u64> = self
            .chunks()
            .dims()
            .iter()
            .map(|d| d.first().copied().unwrap_or(1).max(1) as u64)
            .collect();
        let zarr = match format {
            Format::V3 => ArrayBuilder::new(
                shape,
                chunk,
                zarr_type(self.dtype()),
                FillValue::from(vec![0u8; self.dtype().size()]),
            )
            .bytes_to_bytes_codecs(vec![Arc::new(zarrs::array::codec::ZstdCodec::new(
                1, false,
            ))])
            .build(fs, "/")
            .map_err(|e| store_error(dir, e))?,
            Format::V2 => {
                // As zarr-python 2 writes them, with numcodecs' zstd.
                let metadata = serde_json::json!({
                    "zarr_format": 2,
                    "shape": shape,
                    "chunks": chunk,
                    "dtype": self.dtype().numpy_descr(),
                    "fill_value": if self.dtype() == DType::Bool {
                        serde_json::json!(false)
                    } else {
                        serde_json::json!(0)
                    },
                    "order": "C",
                    "filters": null,
                    "dimension_separator": ".",
                    "compressor": {"id": "zstd", "level": 1},
                });
                let text = serde_json::to_string_pretty(&metadata)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                std::fs::write(dir.join(".zarray"), text).map_err(|e| Error::io(dir, e))?;
                ZarrArray::open(fs, "/").map_err(|e| store_error(dir, e))?
            }
        };
        if format == Format::V3 {
            zarr.store_metadata().map_err(|e| store_error(dir, e))?;
        }
        let (zarr, at) = (Arc::new(zarr), dir.to_path_buf());
        let write = move |ranges: &[Range<usize>], block: &Block| -> Result<(), BoxError> {
            let subset = subset(ranges);
            with_block!(block, a => zarr.store_array_subset(&subset, &a.as_standard_layout()))
                .map_err(|e| store_error(&at, e))?;
            Ok(())
        };
        self.store_blocks(Arc::new(write), scheduler)
    }
}
