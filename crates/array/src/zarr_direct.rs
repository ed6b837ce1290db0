//! Reading whole Zarr chunks of the two most common encodings straight into a block's memory.
//!
//! zarrs decodes a chunk through intermediate buffers: the file's bytes, the decoded bytes,
//! then a zero-filled copy as typed elements. For a 32 MiB chunk each fresh buffer costs
//! thousands of page faults, and together they took a third of an out-of-core sum's time.
//! A chunk that is stored uncompressed (codec `bytes`, little-endian) or with `zstd` alone is
//! read here instead: an uncompressed chunk is read from its file into the block's elements,
//! a zstd chunk is read (often ahead, see [`crate::read_ahead`]) into a reused buffer and
//! decompressed into them.
//! Every other encoding, and a block that is not a run of whole stored chunks along the first
//! axis (see [`chunks_of`]), goes through zarrs.

use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

use ndarray::{ArrayD, IxDyn};

use crate::read_ahead::ReadAhead;
use crate::reuse::Reuse;
use crate::{Block, DType, Element, Error};

/// How a chunk's stored bytes become its elements, when this module reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// The elements' little-endian bytes.
    Raw,
    /// The elements' little-endian bytes in one zstd frame.
    Zstd,
}

impl Encoding {
    /// The encoding of an array with this metadata (`zarr.json` or `.zarray`, as JSON), if it
    /// is one this module reads.
    pub(crate) fn of(metadata: &str, dtype: DType) -> Option<Encoding> {
        if !cfg!(target_endian = "little") || dtype == DType::Bool {
            return None;
        }
        let meta: serde_json::Value = serde_json::from_str(metadata).ok()?;
        match meta.get("zarr_format")?.as_u64()? {
            3 => {
                let transformers = meta.get("storage_transformers");
                if transformers.is_some_and(|t| t.as_array().is_none_or(|t| !t.is_empty())) {
                    return None;
                }
                if meta.pointer("/chunk_grid/name")? != "regular" {
                    return None;
                }
                let codecs = meta.get("codecs")?.as_array()?;
                let bytes = codecs.first()?;
                let endian = bytes.pointer("/configuration/endian");
                if bytes.get("name")? != "bytes" || endian.is_some_and(|e| e != "little") {
                    return None;
                }
                match &codecs[1..] {
                    [] => Some(Encoding::Raw),
                    [zstd] if zstd.get("name")? == "zstd" => Some(Encoding::Zstd),
                    _ => None,
                }
            }
            2 => {
                let filters = meta.get("filters");
                if filters.is_some_and(|f| !f.is_null())
                    || meta.get("order")? != "C"
                    || !meta.get("dtype")?.as_str()?.starts_with(['<', '|'])
                {
                    return None;
                }
                match meta.get("compressor")? {
                    serde_json::Value::Null => Some(Encoding::Raw),
                    c if c.get("id")? == "zstd" => Some(Encoding::Zstd),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// Reads the chunks stored at `paths`, one after another along the first axis, as a block of
/// `shape`; `None` if one has no file (zarrs then fills it with the fill value).
/// Compressed files are read through `ahead`; the block goes into memory from `reuse`, if given.
pub(crate) fn read_chunks(
    paths: &[PathBuf],
    encoding: Encoding,
    dtype: DType,
    shape: &[usize],
    ahead: &ReadAhead,
    reuse: Option<&Reuse>,
) -> Result<Option<Block>, Error> {
    match dtype {
        DType::Int8 => read::<i8>(paths, encoding, shape, ahead, reuse),
        DType::UInt8 => read::<u8>(paths, encoding, shape, ahead, reuse),
        DType::Int16 => read::<i16>(paths, encoding, shape, ahead, reuse),
        DType::UInt16 => read::<u16>(paths, encoding, shape, ahead, reuse),
        DType::Int32 => read::<i32>(paths, encoding, shape, ahead, reuse),
        DType::UInt32 => read::<u32>(paths, encoding, shape, ahead, reuse),
        DType::Int64 => read::<i64>(paths, encoding, shape, ahead, reuse),
        DType::UInt64 => read::<u64>(paths, encoding, shape, ahead, reuse),
        DType::Float32 => read::<f32>(paths, encoding, shape, ahead, reuse),
        DType::Float64 => read::<f64>(paths, encoding, shape, ahead, reuse),
        DType::Bool => Ok(None),
    }
}

fn read<T: Element + bytemuck::Pod>(
    paths: &[PathBuf],
    encoding: Encoding,
    shape: &[usize],
    ahead: &ReadAhead,
    reuse: Option<&Reuse>,
) -> Result<Option<Block>, Error> {
    if paths.iter().any(|p| !p.is_file()) {
        return Ok(None);
    }
    let len = shape.iter().product();
    // Reused memory, or new memory zeroed by the allocator (fresh pages, no writes); every
    // element is then written once.
    let mut values = match reuse {
        Some(reuse) => reuse.vec::<T>(len),
        None => vec![T::zeroed(); len],
    };
    let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut values);
    let each = bytes.len() / paths.len().max(1);
    for (path, out) in paths.iter().zip(bytes.chunks_mut(each)) {
        read_into(path, encoding, out, ahead)?;
    }
    let values =
        ArrayD::from_shape_vec(IxDyn(shape), values).map_err(|e| Error::Internal(e.to_string()))?;
    let block = Block::new(values);
    if let Some(reuse) = reuse {
        reuse.keep(&block);
    }
    Ok(Some(block))
}

/// Reads the chunk at `path` into `out`, which it must fill exactly.
fn read_into(
    path: &Path,
    encoding: Encoding,
    out: &mut [u8],
    ahead: &ReadAhead,
) -> Result<(), Error> {
    let expected = out.len();
    let got = match encoding {
        // Read ahead past the page cache, as compressed chunks are: copied from there.
        Encoding::Raw if ahead.past_cache() => {
            let read = ahead.read(path).map_err(|e| Error::io(path, e))?;
            let got = read.bytes().len();
            if got == expected {
                out.copy_from_slice(read.bytes());
            }
            ahead.recycle(read);
            got
        }
        Encoding::Raw => {
            let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            let got = read_full(&mut file, out).map_err(|e| Error::io(path, e))?;
            let more = file.read(&mut [0u8]).map_err(|e| Error::io(path, e))?;
            got + more
        }
        Encoding::Zstd => {
            let compressed = ahead.read(path).map_err(|e| Error::io(path, e))?;
            let got = zstd::bulk::decompress_to_buffer(compressed.bytes(), out)
                .map_err(|e| Error::format(path, format!("zarr: zstd: {e}")));
            ahead.recycle(compressed);
            got?
        }
    };
    if got != expected {
        return Err(Error::format(
            path,
            format!("zarr: the chunk holds {got} bytes, not the {expected} of its shape"),
        ));
    }
    Ok(())
}

/// Reads until `out` is full or the file ends; the bytes read.
fn read_full(file: &mut std::fs::File, out: &mut [u8]) -> std::io::Result<usize> {
    let mut at = 0;
    while at < out.len() {
        match file.read(&mut out[at..]) {
            Ok(0) => break,
            Ok(n) => at += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(at)
}

/// The stored chunks a block is made of, in order, if it is a run of whole chunks along the
/// first axis and one chunk along every other: then each chunk's elements are a contiguous
/// part of the block's. `chunk` is the regular chunk shape (a chunk at the array's edge is
/// stored whole, padded, so a block that ends there short of a whole chunk does not qualify).
pub(crate) fn chunks_of(ranges: &[Range<usize>], chunk: &[usize]) -> Option<Vec<Vec<u64>>> {
    let (first, rest) = ranges.split_first()?;
    let (c0, chunk_rest) = chunk.split_first()?;
    if first.start % c0 != 0 || first.len() % c0 != 0 || first.is_empty() {
        return None;
    }
    let trailing: Vec<u64> = rest
        .iter()
        .zip(chunk_rest)
        .map(|(r, &c)| (r.start % c == 0 && r.len() == c).then_some((r.start / c) as u64))
        .collect::<Option<_>>()?;
    Some(
        (first.start / c0..first.end / c0)
            .map(|i| {
                std::iter::once(i as u64)
                    .chain(trailing.iter().copied())
                    .collect()
            })
            .collect(),
    )
}

/// Where the chunk with `key` (a zarrs store key) lives in the directory store `store`.
pub(crate) fn chunk_path(store: &Path, key: &str) -> PathBuf {
    store.join(key.trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_read_directly_when_it_is_a_run_of_whole_chunks_along_the_first_axis() {
        let chunk = [4, 3];
        assert_eq!(
            chunks_of(&[4..12, 3..6], &chunk),
            Some(vec![vec![1, 1], vec![2, 1]])
        );
        assert_eq!(chunks_of(&[0..4, 0..3], &chunk), Some(vec![vec![0, 0]]));
        // Not aligned, short of a chunk, or spanning chunks along a later axis.
        assert_eq!(chunks_of(&[2..6, 0..3], &chunk), None);
        assert_eq!(chunks_of(&[12..13, 0..3], &chunk), None);
        assert_eq!(chunks_of(&[0..4, 0..6], &chunk), None);
    }

    #[test]
    fn plain_chunks_read_through_the_cache_or_past_it_give_their_bytes() {
        use std::sync::Arc;

        let dir = tempfile::tempdir().unwrap();
        let bytes: Vec<u8> = (0..3 * 4096 + 40).map(|i| (i * 7 % 251) as u8).collect();
        let path = dir.path().join("0.0");
        std::fs::write(&path, &bytes).unwrap();
        for past_cache in [false, true] {
            let ahead = Arc::new(ReadAhead::new(past_cache));
            ahead.start(vec![path.clone()]);
            let mut out = vec![0u8; bytes.len()];
            read_into(&path, Encoding::Raw, &mut out, &ahead).unwrap();
            assert_eq!(out, bytes, "past the cache: {past_cache}");
            // A chunk file of another length than its shape's is an error, either way.
            let mut longer = vec![0u8; bytes.len() + 8];
            let err = read_into(&path, Encoding::Raw, &mut longer, &ahead).unwrap_err();
            assert!(
                err.to_string()
                    .contains("the chunk holds 12328 bytes, not the 12336"),
                "{err}"
            );
        }
    }

    #[test]
    fn only_plain_and_zstd_encodings_are_read_directly() {
        let v3 = |codecs: &str| {
            format!(
                r#"{{"zarr_format": 3, "chunk_grid": {{"name": "regular"}}, "codecs": [{codecs}]}}"#
            )
        };
        let bytes = r#"{"name": "bytes", "configuration": {"endian": "little"}}"#;
        let zstd = r#"{"name": "zstd", "configuration": {"level": 1}}"#;
        let gzip = r#"{"name": "gzip", "configuration": {"level": 1}}"#;
        let of = |m: &str| Encoding::of(m, DType::Float64);
        assert_eq!(of(&v3(bytes)), Some(Encoding::Raw));
        assert_eq!(of(&v3(&format!("{bytes}, {zstd}"))), Some(Encoding::Zstd));
        assert_eq!(of(&v3(&format!("{bytes}, {gzip}"))), None);
        assert_eq!(
            of(&v3(
                r#"{"name": "bytes", "configuration": {"endian": "big"}}"#
            )),
            None
        );
        assert_eq!(Encoding::of(&v3(bytes), DType::Bool), None);
        let v2 = |compressor: &str, filters: &str| {
            format!(
                r#"{{"zarr_format": 2, "order": "C", "dtype": "<f8", "compressor": {compressor}, "filters": {filters}}}"#
            )
        };
        assert_eq!(of(&v2("null", "null")), Some(Encoding::Raw));
        assert_eq!(
            of(&v2(r#"{"id": "zstd", "level": 0}"#, "null")),
            Some(Encoding::Zstd)
        );
        assert_eq!(of(&v2(r#"{"id": "blosc"}"#, "null")), None);
        assert_eq!(of(&v2("null", r#"[{"id": "delta"}]"#)), None);
    }
}
