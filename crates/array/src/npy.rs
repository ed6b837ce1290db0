//! numpy's `.npy` files, read and written block by block with positioned I/O, so that neither a
//! source nor a result larger than memory is ever held whole.

use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use blaze_tasks::{BoxError, Scheduler};
use ndarray::{ArrayD, IxDyn};

use crate::array::Source;
use crate::block::{with_block, with_dtype};
use crate::chunks::grid;
use crate::store::write_then_rename;
use crate::{Array, Block, ChunkSpec, Chunks, DType, Element, Error, Result};

/// Elements encoded as bytes: written little-endian, as `.npy` files on every machine this runs
/// on store them, and read in either order.
trait Bytes: Element {
    fn decode(bytes: &[u8], big_endian: bool) -> Vec<Self>;
    fn encode(values: impl Iterator<Item = Self>, out: &mut Vec<u8>);
}

macro_rules! bytes {
    ($t:ty) => {
        impl Bytes for $t {
            fn decode(bytes: &[u8], big_endian: bool) -> Vec<Self> {
                let from = if big_endian {
                    <$t>::from_be_bytes
                } else {
                    <$t>::from_le_bytes
                };
                bytes
                    .chunks_exact(size_of::<$t>())
                    .map(|c| from(c.try_into().unwrap_or_default()))
                    .collect()
            }
            fn encode(values: impl Iterator<Item = Self>, out: &mut Vec<u8>) {
                for v in values {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
    };
}

bytes!(i8);
bytes!(u8);
bytes!(i16);
bytes!(u16);
bytes!(i32);
bytes!(u32);
bytes!(i64);
bytes!(u64);
bytes!(f32);
bytes!(f64);

impl Bytes for bool {
    fn decode(bytes: &[u8], _: bool) -> Vec<Self> {
        bytes.iter().map(|&b| b != 0).collect()
    }
    fn encode(values: impl Iterator<Item = Self>, out: &mut Vec<u8>) {
        out.extend(values.map(u8::from));
    }
}

/// What a `.npy` header says: element type, shape, and where the data starts.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyHeader {
    /// The element type.
    pub dtype: DType,
    /// Whether the elements are stored big-endian (`>i4`, as written on a big-endian machine).
    pub big_endian: bool,
    /// The array's shape.
    pub shape: Vec<usize>,
    /// The byte offset of the first element.
    pub offset: u64,
    /// Whether the elements are in Fortran (column-major) order.
    pub fortran_order: bool,
}

/// Reads the header of the `.npy` file at `path`.
pub fn read_npy_header(path: &Path) -> Result<NpyHeader> {
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut start = [0u8; 10];
    file.read_exact(&mut start)
        .map_err(|_| Error::format(path, "not a .npy file (too short)"))?;
    if &start[..6] != b"\x93NUMPY" {
        return Err(Error::format(path, "not a .npy file (no \\x93NUMPY magic)"));
    }
    let (len, skip) = match start[6] {
        1 => (u16::from_le_bytes([start[8], start[9]]) as usize, 10),
        2 | 3 => {
            let mut more = [0u8; 2];
            file.read_exact(&mut more).map_err(|e| Error::io(path, e))?;
            (
                u32::from_le_bytes([start[8], start[9], more[0], more[1]]) as usize,
                12,
            )
        }
        v => return Err(Error::format(path, format!("unsupported .npy version {v}"))),
    };
    let mut text = vec![0u8; len];
    file.read_exact(&mut text).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8_lossy(&text);
    let field = |name: &str| -> Option<&str> {
        let at = text.find(&format!("'{name}'"))? + name.len() + 2;
        Some(text[at..].trim_start().strip_prefix(':')?.trim_start())
    };
    if field("descr").is_some_and(|v| v.starts_with('[')) {
        return Err(Error::format(
            path,
            format!(
                "a structured (record) .npy file; arrays of one element type ({}) are read",
                DType::NAMES
            ),
        ));
    }
    let d = field("descr")
        .and_then(|v| v.strip_prefix('\'')?.split('\'').next())
        .ok_or_else(|| Error::format(path, "the .npy header has no 'descr'"))?;
    // A byte order (`<` little, `>` big, `=` the writer's, `|` none), then the type (`i4`).
    let (big_endian, code) = match d.split_at_checked(1) {
        Some((">", code)) => (true, code),
        Some(("<" | "=" | "|", code)) => (false, code),
        _ => (false, d),
    };
    let dtype = DType::ALL
        .into_iter()
        .find(|&t| t.numpy_descr()[1..] == *code)
        .ok_or_else(|| {
            Error::format(
                path,
                format!("unsupported element type '{d}' ({} are)", DType::NAMES),
            )
        })?;
    let fortran_order = field("fortran_order").is_some_and(|v| v.starts_with("True"));
    let shape_text = field("shape")
        .and_then(|v| v.strip_prefix('(')?.split(')').next())
        .ok_or_else(|| Error::format(path, "the .npy header has no 'shape'"))?;
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| Error::format(path, format!("bad shape ({shape_text})")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(NpyHeader {
        dtype,
        big_endian,
        shape,
        offset: (skip + len) as u64,
        fortran_order,
    })
}

/// A version 1.0 header for `dtype` and `shape`, padded to a multiple of 64 bytes.
fn header_bytes(dtype: DType, shape: &[usize]) -> Vec<u8> {
    header_bytes_at_least(dtype, shape, 0)
}

/// A version 1.0 header for `dtype` and `shape`, padded with spaces to a multiple of 64
/// bytes and to at least `len` bytes.
fn header_bytes_at_least(dtype: DType, shape: &[usize], len: usize) -> Vec<u8> {
    let shape = match shape {
        [n] => format!("({n},)"),
        s => format!(
            "({})",
            s.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape}, }}",
        dtype.numpy_descr()
    );
    let unpadded = 10 + dict.len() + 1;
    let total = unpadded.next_multiple_of(64).max(len);
    dict.push_str(&" ".repeat(total - unpadded));
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// The contiguous byte runs of the block at `ranges` in a C-ordered file of `shape`: for each,
/// the byte offset in the file and the number of elements.
fn runs(
    shape: &[usize],
    ranges: &[Range<usize>],
    itemsize: usize,
    offset: u64,
) -> Vec<(u64, usize)> {
    let ndim = shape.len();
    if ndim == 0 {
        return vec![(offset, 1)];
    }
    let mut strides = vec![1usize; ndim];
    for axis in (0..ndim - 1).rev() {
        strides[axis] = strides[axis + 1] * shape[axis + 1];
    }
    // Trailing axes taken whole merge into one run.
    let mut inner = ndim - 1;
    while inner > 0 && ranges[inner].start == 0 && ranges[inner].end == shape[inner] {
        inner -= 1;
    }
    let run_len: usize = ranges[inner].len() * strides[inner];
    let outer: Vec<usize> = ranges[..inner].iter().map(Range::len).collect();
    if run_len == 0 || outer.contains(&0) {
        return Vec::new();
    }
    grid(&outer)
        .into_iter()
        .map(|i| {
            let mut element = ranges[inner].start * strides[inner];
            for (axis, &k) in i.iter().enumerate() {
                element += (ranges[axis].start + k) * strides[axis];
            }
            (offset + (element * itemsize) as u64, run_len)
        })
        .collect()
}

struct NpySource {
    path: PathBuf,
    header: NpyHeader,
}

impl Source for NpySource {
    fn name(&self) -> &str {
        "npy"
    }

    fn read(&self, ranges: &[Range<usize>]) -> Result<Block, BoxError> {
        let file = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let size = self.header.dtype.size();
        let shape: Vec<usize> = ranges.iter().map(Range::len).collect();
        let mut bytes = Vec::with_capacity(shape.iter().product::<usize>() * size);
        for (at, n) in runs(&self.header.shape, ranges, size, self.header.offset) {
            let start = bytes.len();
            bytes.resize(start + n * size, 0);
            file.read_exact_at(&mut bytes[start..], at).map_err(|e| {
                Error::format(
                    &self.path,
                    format!("the file is shorter than its header says ({e})"),
                )
            })?;
        }
        Ok(with_dtype!(self.header.dtype, T => {
            let values = T::decode(&bytes, self.header.big_endian);
            Block::new(ArrayD::from_shape_vec(IxDyn(&shape), values).map_err(|e| Error::Internal(e.to_string()))?)
        }))
    }
}

impl Array {
    /// The array in the `.npy` file at `path`, read block by block as it is computed. A
    /// Fortran-ordered file is read as the transpose of its C-ordered reverse, so its blocks
    /// are still contiguous reads.
    pub fn from_npy(path: impl AsRef<Path>, chunks: impl Into<ChunkSpec>) -> Result<Array> {
        let path = path.as_ref();
        let mut header = read_npy_header(path)?;
        let dtype = header.dtype;
        let chunks = Chunks::from_spec(&chunks.into(), &header.shape, dtype)?;
        if !header.fortran_order {
            return Ok(Array::from_source(
                Arc::new(NpySource {
                    path: path.to_path_buf(),
                    header,
                }),
                dtype,
                chunks,
            ));
        }
        header.shape.reverse();
        let mut dims = chunks.dims().to_vec();
        dims.reverse();
        let reversed = Chunks::explicit(&header.shape, dims)?;
        let stored = Array::from_source(
            Arc::new(NpySource {
                path: path.to_path_buf(),
                header,
            }),
            dtype,
            reversed,
        );
        Ok(stored.t())
    }

    /// Computes the array into a `.npy` file, writing each block where it belongs as soon as it
    /// is computed: a result larger than memory is never held whole. The file appears complete
    /// or not at all (it is written under a temporary name and renamed).
    pub fn to_npy(&self, path: impl AsRef<Path>, scheduler: &Scheduler<'_>) -> Result<()> {
        write_then_rename(path.as_ref(), |tmp| self.write_npy(tmp, scheduler))
    }

    fn write_npy(&self, path: &Path, scheduler: &Scheduler<'_>) -> Result<()> {
        let header = header_bytes(self.dtype(), &self.shape());
        let file = File::create(path).map_err(|e| Error::io(path, e))?;
        file.write_all_at(&header, 0)
            .map_err(|e| Error::io(path, e))?;
        file.set_len(header.len() as u64 + self.nbytes() as u64)
            .map_err(|e| Error::io(path, e))?;
        let file = Arc::new(file);
        let (writer, shape, offset, at_path) = (
            Arc::clone(&file),
            self.shape(),
            header.len() as u64,
            path.to_path_buf(),
        );
        let write = move |ranges: &[Range<usize>], block: &Block| -> Result<(), BoxError> {
            let mut bytes = Vec::new();
            with_block!(block, a => encode_standard(a, &mut bytes));
            let size = block.dtype().size();
            let mut at = 0;
            for (pos, n) in runs(&shape, ranges, size, offset) {
                writer
                    .write_all_at(&bytes[at..at + n * size], pos)
                    .map_err(|e| Error::io(&at_path, e))?;
                at += n * size;
            }
            Ok(())
        };
        self.store_blocks(Arc::new(write), scheduler)?;
        file.sync_all().map_err(|e| Error::io(path, e))
    }
}

/// Writes a `.npy` file whose length along the first axis is not known in advance: blocks
/// are appended along that axis, and [`finish`](NpyWriter::finish) writes the final shape into
/// the header and renames the file into place. Until then the file has a temporary name, which
/// is removed if the writer is dropped unfinished, so a failed write leaves nothing behind.
pub struct NpyWriter {
    file: File,
    path: PathBuf,
    tmp: PathBuf,
    dtype: DType,
    /// The shape after the first axis.
    trailing: Vec<usize>,
    rows: usize,
    header_len: usize,
    finished: bool,
}

impl NpyWriter {
    /// Starts `path` for elements of `dtype`, each row (one index along the first axis) of
    /// shape `trailing`.
    pub fn create(path: impl AsRef<Path>, dtype: DType, trailing: &[usize]) -> Result<NpyWriter> {
        let path = path.as_ref().to_path_buf();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        // Room for any final length: the header is rewritten in place by `finish`.
        let widest: Vec<usize> = std::iter::once(usize::MAX)
            .chain(trailing.iter().copied())
            .collect();
        let header = header_bytes(dtype, &widest);
        let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let writer = NpyWriter {
            file,
            path,
            tmp,
            dtype,
            trailing: trailing.to_vec(),
            rows: 0,
            header_len: header.len(),
            finished: false,
        };
        writer
            .file
            .write_all_at(&header, 0)
            .map_err(|e| Error::io(&writer.tmp, e))?;
        Ok(writer)
    }

    /// Appends `block`, of this writer's element type and shape `[n, trailing...]`.
    pub fn append(&mut self, block: &Block) -> Result<()> {
        let shape = block.shape();
        if block.dtype() != self.dtype || shape.get(1..) != Some(&self.trailing[..]) {
            return Err(Error::Internal(format!(
                "appending a {} block of shape {shape:?} to a .npy file of {} rows of shape {:?}",
                block.dtype().name(),
                self.dtype.name(),
                self.trailing
            )));
        }
        let mut bytes = Vec::new();
        with_block!(block, a => encode_standard(a, &mut bytes));
        let row_bytes = self.trailing.iter().product::<usize>() * self.dtype.size();
        let at = self.header_len + self.rows * row_bytes;
        self.file
            .write_all_at(&bytes, at as u64)
            .map_err(|e| Error::io(&self.tmp, e))?;
        self.rows += shape[0];
        Ok(())
    }

    /// The rows appended so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Writes the final shape into the header, syncs the file and renames it into place
    /// (replacing a file there).
    pub fn finish(mut self) -> Result<()> {
        let shape: Vec<usize> = std::iter::once(self.rows)
            .chain(self.trailing.iter().copied())
            .collect();
        let header = header_bytes_at_least(self.dtype, &shape, self.header_len);
        debug_assert_eq!(header.len(), self.header_len);
        self.file
            .write_all_at(&header, 0)
            .and_then(|()| self.file.sync_all())
            .and_then(|()| std::fs::rename(&self.tmp, &self.path))
            .map_err(|e| Error::io(&self.path, e))?;
        self.finished = true;
        Ok(())
    }
}

impl Drop for NpyWriter {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn encode_standard<T: Bytes>(a: &ndarray::ArcArray<T, IxDyn>, out: &mut Vec<u8>) {
    out.reserve(a.len() * size_of::<T>());
    T::encode(a.iter().copied(), out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_padded_to_64_bytes() {
        let h = header_bytes(DType::Float64, &[3, 4]);
        assert_eq!(h.len() % 64, 0);
        assert!(String::from_utf8_lossy(&h).contains("'shape': (3, 4), "));
        assert_eq!(header_bytes(DType::Int32, &[5]).len() % 64, 0);
    }

    #[test]
    fn appended_rows_read_back_with_their_final_shape() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.npy");
        let mut writer = NpyWriter::create(&path, DType::Int64, &[2]).unwrap();
        for start in [0i64, 6] {
            let rows =
                ArrayD::from_shape_vec(IxDyn(&[3, 2]), (start..start + 6).collect()).unwrap();
            writer.append(&Block::new(rows)).unwrap();
        }
        assert!(!path.exists(), "the file appears only when finished");
        writer.finish().unwrap();
        let header = read_npy_header(&path).unwrap();
        assert_eq!(header.shape, [6, 2]);
        assert_eq!(header.offset % 64, 0);
        let back = Array::from_npy(&path, ChunkSpec::Auto)
            .unwrap()
            .compute()
            .unwrap();
        let expected = ArrayD::from_shape_vec(IxDyn(&[6, 2]), (0i64..12).collect()).unwrap();
        assert_eq!(back, Block::new(expected));
    }

    #[test]
    fn an_unfinished_writer_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gone.npy");
        let mut writer = NpyWriter::create(&path, DType::Float64, &[]).unwrap();
        let wrong = Block::new(ArrayD::from_shape_vec(IxDyn(&[2]), vec![1i32, 2]).unwrap());
        assert!(writer.append(&wrong).is_err());
        drop(writer);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn runs_merge_whole_trailing_axes() {
        assert_eq!(runs(&[4, 5], &[1..3, 0..5], 8, 128), [(128 + 40, 10)]);
        assert_eq!(runs(&[4, 5], &[1..3, 1..3], 8, 0), [(48, 2), (88, 2)]);
        assert_eq!(runs(&[], &[], 8, 64), [(64, 1)]);
    }
}
