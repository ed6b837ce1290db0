//! Chunking: how an array is cut into blocks, one list of block lengths per axis (dask's
//! "blockdims" form, `spec/dask.md` §2.1).

use std::ops::Range;

use crate::{DType, Error, Result};

/// The block lengths along each axis: `((4, 4, 2), (3, 3, 3, 1))` cuts a 10 × 10 array into 3 × 4
/// blocks. A zero-length axis has one block of length 0.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Chunks(Vec<Vec<usize>>);

/// How a user asks for chunks; [`Chunks::from_spec`] turns it into [`Chunks`] for a shape.
#[derive(Clone, Debug, PartialEq)]
pub enum ChunkSpec {
    /// Blocks of about 128 MiB (dask's `array.chunk-size`), as square as the shape allows.
    Auto,
    /// The same block length on every axis.
    Uniform(usize),
    /// One block length per axis; `None` keeps the axis whole.
    Shape(Vec<Option<usize>>),
    /// Every block length of every axis.
    Explicit(Vec<Vec<usize>>),
}

/// Blocks of a stored array are whole storage chunks, grown along the first axis to at least
/// this many bytes so that small chunks do not make one task each.
const MIN_STORED_BLOCK_BYTES: usize = 16 << 20;

impl ChunkSpec {
    /// Blocks for reading an array of `shape` stored in chunks of `chunk` (Zarr, HDF5): whole
    /// stored chunks, several of them along the first axis when one is small, so that no read
    /// decodes a chunk twice.
    pub(crate) fn stored(shape: &[usize], chunk: &[usize], dtype: DType) -> ChunkSpec {
        let mut lengths: Vec<Option<usize>> = chunk.iter().map(|&c| Some(c.max(1))).collect();
        if let (Some(first), Some(&n)) = (lengths.first_mut(), shape.first()) {
            let bytes = chunk.iter().product::<usize>().max(1) * dtype.size();
            let grow = MIN_STORED_BLOCK_BYTES.div_ceil(bytes);
            *first = first.map(|c| (c * grow).min(n.max(1)));
        }
        ChunkSpec::Shape(lengths)
    }
}

impl From<usize> for ChunkSpec {
    fn from(n: usize) -> Self {
        ChunkSpec::Uniform(n)
    }
}

impl From<&[usize]> for ChunkSpec {
    fn from(shape: &[usize]) -> Self {
        ChunkSpec::Shape(shape.iter().map(|&n| Some(n)).collect())
    }
}

impl<const N: usize> From<[usize; N]> for ChunkSpec {
    fn from(shape: [usize; N]) -> Self {
        ChunkSpec::from(&shape[..])
    }
}

impl From<Vec<Vec<usize>>> for ChunkSpec {
    fn from(dims: Vec<Vec<usize>>) -> Self {
        ChunkSpec::Explicit(dims)
    }
}

impl From<Chunks> for ChunkSpec {
    fn from(chunks: Chunks) -> Self {
        ChunkSpec::Explicit(chunks.0)
    }
}

/// dask's default target block size in bytes.
const AUTO_BYTES: usize = 128 << 20;

impl Chunks {
    /// The chunks `spec` asks for on an array of `shape` and `dtype`.
    pub fn from_spec(spec: &ChunkSpec, shape: &[usize], dtype: DType) -> Result<Chunks> {
        match spec {
            ChunkSpec::Auto => Ok(Chunks::auto(shape, dtype.size())),
            ChunkSpec::Uniform(n) => Chunks::regular(shape, &vec![Some(*n); shape.len()]),
            ChunkSpec::Shape(lengths) => Chunks::regular(shape, lengths),
            ChunkSpec::Explicit(dims) => Chunks::explicit(shape, dims.clone()),
        }
    }

    /// One block holding the whole array.
    pub fn single(shape: &[usize]) -> Chunks {
        Chunks(shape.iter().map(|&n| vec![n]).collect())
    }

    /// Blocks of `lengths` along each axis, the last block of an axis shorter when the length
    /// does not divide it (`(10, 10)` by `(4, 3)` is `((4, 4, 2), (3, 3, 3, 1))`).
    pub fn regular(shape: &[usize], lengths: &[Option<usize>]) -> Result<Chunks> {
        if lengths.len() != shape.len() {
            return Err(Error::Chunks(format!(
                "{} block lengths for an array of {} dimensions",
                lengths.len(),
                shape.len()
            )));
        }
        let mut dims = Vec::with_capacity(shape.len());
        for (&n, &len) in shape.iter().zip(lengths) {
            let len = len.unwrap_or(n);
            if len == 0 && n > 0 {
                return Err(Error::Chunks("a block length must be at least 1".into()));
            }
            dims.push(split(n, len.min(n.max(1))));
        }
        Ok(Chunks(dims))
    }

    /// Exactly these block lengths; each axis's lengths must add up to its size.
    pub fn explicit(shape: &[usize], dims: Vec<Vec<usize>>) -> Result<Chunks> {
        if dims.len() != shape.len() {
            return Err(Error::Chunks(format!(
                "chunks for {} dimensions given for an array of {} dimensions",
                dims.len(),
                shape.len()
            )));
        }
        for (axis, (&n, d)) in shape.iter().zip(&dims).enumerate() {
            let total: usize = d.iter().sum();
            if total != n || d.is_empty() {
                return Err(Error::Chunks(format!(
                    "the blocks of axis {axis} add up to {total}, not its length {n}"
                )));
            }
        }
        Ok(Chunks(dims))
    }

    fn auto(shape: &[usize], itemsize: usize) -> Chunks {
        let mut lengths: Vec<usize> = shape.iter().map(|&n| n.max(1)).collect();
        let bytes = |l: &[usize]| l.iter().product::<usize>().saturating_mul(itemsize);
        while bytes(&lengths) > AUTO_BYTES {
            let Some((axis, _)) = lengths.iter().enumerate().max_by_key(|(_, l)| **l) else {
                break;
            };
            lengths[axis] = lengths[axis].div_ceil(2);
        }
        Chunks(
            shape
                .iter()
                .zip(lengths)
                .map(|(&n, l)| split(n, l))
                .collect(),
        )
    }

    /// The number of dimensions.
    pub fn ndim(&self) -> usize {
        self.0.len()
    }

    /// The block lengths of axis `axis`.
    pub fn axis(&self, axis: usize) -> &[usize] {
        &self.0[axis]
    }

    /// The block lengths of every axis.
    pub fn dims(&self) -> &[Vec<usize>] {
        &self.0
    }

    /// The number of blocks along each axis.
    pub fn numblocks(&self) -> Vec<usize> {
        self.0.iter().map(Vec::len).collect()
    }

    /// The number of blocks.
    pub fn len(&self) -> usize {
        self.0.iter().map(Vec::len).product()
    }

    /// Whether there are no blocks (never: a zero-length axis still has one empty block).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The array shape these chunks cut.
    pub fn shape(&self) -> Vec<usize> {
        self.0.iter().map(|d| d.iter().sum()).collect()
    }

    /// Where each block of axis `axis` starts, and the axis length at the end.
    pub fn bounds(&self, axis: usize) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.0[axis].len() + 1);
        let mut at = 0;
        out.push(0);
        for &len in &self.0[axis] {
            at += len;
            out.push(at);
        }
        out
    }

    /// The element ranges of block `index` along each axis.
    pub fn ranges(&self, index: &[usize]) -> Vec<Range<usize>> {
        self.0
            .iter()
            .zip(index)
            .map(|(d, &i)| {
                let start: usize = d[..i].iter().sum();
                start..start + d[i]
            })
            .collect()
    }

    /// The shape of block `index`.
    pub fn block_shape(&self, index: &[usize]) -> Vec<usize> {
        self.0.iter().zip(index).map(|(d, &i)| d[i]).collect()
    }

    /// Every block index, in C order (last axis fastest).
    pub fn indices(&self) -> Vec<Vec<usize>> {
        grid(&self.numblocks())
    }

    /// These chunks with axes reordered: axis `i` of the result is axis `perm[i]` of these.
    pub(crate) fn permuted(&self, perm: &[usize]) -> Chunks {
        Chunks(perm.iter().map(|&p| self.0[p].clone()).collect())
    }
}

/// Where the blocks of [`Chunks`] start along each axis, to find a block by its element ranges
/// and the blocks after it in a time that does not grow with the number of blocks.
pub(crate) struct BlockBounds(Vec<Vec<usize>>);

impl BlockBounds {
    pub(crate) fn new(chunks: &Chunks) -> BlockBounds {
        BlockBounds((0..chunks.ndim()).map(|axis| chunks.bounds(axis)).collect())
    }

    /// The index of the block whose element ranges are exactly `ranges`, if one is.
    pub(crate) fn index_of(&self, ranges: &[Range<usize>]) -> Option<Vec<usize>> {
        if ranges.len() != self.0.len() {
            return None;
        }
        ranges
            .iter()
            .zip(&self.0)
            .map(|(r, bounds)| {
                let i = bounds.binary_search(&r.start).ok()?;
                (bounds.get(i + 1) == Some(&r.end)).then_some(i)
            })
            .collect()
    }

    /// The block after `index` in C order (last axis fastest), if there is one.
    pub(crate) fn next_index(&self, index: &[usize]) -> Option<Vec<usize>> {
        let mut next = index.to_vec();
        for (i, bounds) in next.iter_mut().zip(&self.0).rev() {
            *i += 1;
            if *i + 1 < bounds.len() {
                return Some(next);
            }
            *i = 0;
        }
        None
    }

    /// The element ranges of block `index` along each axis.
    pub(crate) fn ranges(&self, index: &[usize]) -> Vec<Range<usize>> {
        index
            .iter()
            .zip(&self.0)
            .map(|(&i, bounds)| bounds[i]..bounds[i + 1])
            .collect()
    }
}

/// `n` cut into pieces of `len`, the last one shorter; `[0]` for an empty axis.
fn split(n: usize, len: usize) -> Vec<usize> {
    if n == 0 {
        return vec![0];
    }
    let mut out = vec![len; n / len];
    if !n.is_multiple_of(len) {
        out.push(n % len);
    }
    out
}

/// Every index of a grid of `counts`, in C order.
pub(crate) fn grid(counts: &[usize]) -> Vec<Vec<usize>> {
    let total: usize = counts.iter().product();
    let mut out = Vec::with_capacity(total);
    let mut index = vec![0; counts.len()];
    for _ in 0..total {
        out.push(index.clone());
        for axis in (0..counts.len()).rev() {
            index[axis] += 1;
            if index[axis] < counts[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_found_by_its_ranges_and_followed_in_c_order() {
        let chunks = Chunks::explicit(&[10, 6], vec![vec![4, 4, 2], vec![3, 3]]).unwrap();
        let blocks = BlockBounds::new(&chunks);
        assert_eq!(blocks.index_of(&[4..8, 3..6]), Some(vec![1, 1]));
        assert_eq!(blocks.index_of(&[8..10, 0..3]), Some(vec![2, 0]));
        // Part of a block, more than one, or ranges of another number of axes are no block.
        assert_eq!(blocks.index_of(&[4..6, 3..6]), None);
        assert_eq!(blocks.index_of(&[0..8, 0..3]), None);
        assert_eq!(blocks.index_of(&[0..4, 0..3, 0..1]), None);
        assert_eq!(blocks.next_index(&[0, 0]), Some(vec![0, 1]));
        assert_eq!(blocks.next_index(&[0, 1]), Some(vec![1, 0]));
        assert_eq!(blocks.next_index(&[2, 1]), None);
        let all: Vec<Vec<usize>> =
            std::iter::successors(Some(vec![0, 0]), |i| blocks.next_index(i)).collect();
        assert_eq!(all, chunks.indices());
        for index in &all {
            assert_eq!(blocks.ranges(index), chunks.ranges(index));
            assert_eq!(blocks.index_of(&chunks.ranges(index)).as_ref(), Some(index));
        }
    }

    #[test]
    fn regular_chunks_match_dask_blockdims() {
        let c = Chunks::regular(&[10, 10], &[Some(4), Some(3)]).unwrap();
        assert_eq!(c.dims(), &[vec![4, 4, 2], vec![3, 3, 3, 1]]);
        assert_eq!(c.numblocks(), [3, 4]);
        assert_eq!(c.ranges(&[2, 3]), [8..10, 9..10]);
        assert_eq!(c.indices().len(), 12);
        assert_eq!(c.indices()[5], [1, 1]);
    }

    #[test]
    fn explicit_chunks_must_add_up() {
        let err = Chunks::explicit(&[10], vec![vec![4, 4]]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid chunks: the blocks of axis 0 add up to 8, not its length 10"
        );
    }

    #[test]
    fn auto_chunks_stay_under_128_mib() {
        let c = Chunks::auto(&[100_000, 1000], 8);
        let biggest: usize = c.dims().iter().map(|d| d[0]).product::<usize>() * 8;
        assert!(biggest <= AUTO_BYTES, "{c:?}");
        assert_eq!(c.shape(), [100_000, 1000]);
        assert_eq!(Chunks::auto(&[10, 10], 8), Chunks::single(&[10, 10]));
    }

    #[test]
    fn an_empty_axis_has_one_empty_block() {
        let c = Chunks::regular(&[0, 5], &[Some(2), Some(2)]).unwrap();
        assert_eq!(c.dims(), &[vec![0], vec![2, 2, 1]]);
    }
}
