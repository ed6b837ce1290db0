//! Creating arrays: from memory, constants, ranges, and seeded random numbers whose values do
//! not depend on the chunking.

use std::ops::Range;
use std::sync::Arc;

use blaze_tasks::BoxError;
use ndarray::{ArcArray, ArrayD, IxDyn};

use crate::array::Source;
use crate::block::with_dtype;
use crate::chunks::grid;
use crate::{Array, Block, ChunkSpec, Chunks, DType, Element, Error, Result, Scalar};

/// Blocks are slices of an array already in memory: nothing is copied.
struct InMemory(Block);

impl Source for InMemory {
    fn name(&self) -> &str {
        "from-ndarray"
    }

    fn read(&self, ranges: &[Range<usize>]) -> Result<Block, BoxError> {
        Ok(self.0.slice(ranges))
    }
}

/// Blocks whose element at flat (C-order) position `i` of the whole array is `f(i)`.
struct Generated<F> {
    name: &'static str,
    shape: Vec<usize>,
    dtype: DType,
    f: F,
}

impl<F: Fn(usize) -> f64 + Send + Sync> Source for Generated<F> {
    fn name(&self) -> &str {
        self.name
    }

    fn read(&self, ranges: &[Range<usize>]) -> Result<Block, BoxError> {
        Ok(with_dtype!(self.dtype, T => Block::new(generate::<T>(&self.shape, ranges, &self.f))))
    }
}

/// The block at `ranges` of an array of `shape` whose flat element `i` is `f(i)`.
fn generate<T: Element>(
    shape: &[usize],
    ranges: &[Range<usize>],
    f: &impl Fn(usize) -> f64,
) -> ArrayD<T> {
    let block_shape: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
    let n: usize = block_shape.iter().product();
    let mut data = Vec::with_capacity(n);
    if n > 0 {
        let ndim = shape.len();
        let mut strides = vec![1usize; ndim];
        for axis in (0..ndim.saturating_sub(1)).rev() {
            strides[axis] = strides[axis + 1] * shape[axis + 1];
        }
        let (outer, last) = block_shape.split_at(ndim.saturating_sub(1));
        let last_range = ranges.last().cloned().unwrap_or(0..1);
        for index in grid(outer) {
            let base: usize = index
                .iter()
                .zip(ranges)
                .zip(&strides)
                .map(|((i, r), s)| (r.start + i) * s)
                .sum();
            let width = last.first().copied().unwrap_or(1);
            for j in 0..width {
                data.push(T::from_f64(f(base + last_range.start + j)));
            }
        }
    }
    ArrayD::from_shape_vec(IxDyn(&block_shape), data)
        .unwrap_or_else(|_| ArrayD::default(IxDyn(&block_shape)))
}

fn generated(
    name: &'static str,
    shape: &[usize],
    dtype: DType,
    chunks: impl Into<ChunkSpec>,
    f: impl Fn(usize) -> f64 + Send + Sync + 'static,
) -> Result<Array> {
    let chunks = Chunks::from_spec(&chunks.into(), shape, dtype)?;
    let source = Generated {
        name,
        shape: shape.to_vec(),
        dtype,
        f,
    };
    Ok(Array::from_source(Arc::new(source), dtype, chunks))
}

/// SplitMix64's finaliser: a good 64-bit mix of a counter.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Uniform numbers in `[0, 1)`: position `i` of SplitMix64's stream for `seed`. The stream can
/// be entered at any position, so a block's values do not depend on the other blocks.
fn uniform(seed: u64) -> impl Fn(u64) -> f64 + Send + Sync + Copy {
    let start = mix(seed ^ 0x632b_e59b_d9b4_e019);
    move |i| {
        let bits = mix(start.wrapping_add(i.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15)));
        (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

impl Array {
    /// An array over `array`'s memory, cut into `chunks`; blocks share the memory, nothing is
    /// copied.
    pub fn from_ndarray<T: Element>(
        array: impl Into<ArcArray<T, IxDyn>>,
        chunks: impl Into<ChunkSpec>,
    ) -> Result<Array> {
        let array: ArcArray<T, IxDyn> = array.into();
        let chunks = Chunks::from_spec(&chunks.into(), array.shape(), T::DTYPE)?;
        Ok(Array::from_source(
            Arc::new(InMemory(Block::new(array))),
            T::DTYPE,
            chunks,
        ))
    }

    /// An array of `shape` filled with `value` converted to `dtype`.
    pub fn full(
        shape: &[usize],
        value: impl Into<Scalar>,
        dtype: DType,
        chunks: impl Into<ChunkSpec>,
    ) -> Result<Array> {
        let v = value.into().as_f64();
        generated("full", shape, dtype, chunks, move |_| v)
    }

    /// An array of zeros.
    pub fn zeros(shape: &[usize], dtype: DType, chunks: impl Into<ChunkSpec>) -> Result<Array> {
        generated("zeros", shape, dtype, chunks, |_| 0.0)
    }

    /// An array of ones.
    pub fn ones(shape: &[usize], dtype: DType, chunks: impl Into<ChunkSpec>) -> Result<Array> {
        generated("ones", shape, dtype, chunks, |_| 1.0)
    }

    /// `start, start + step, …` up to `stop` (excluded), as numpy's `arange`.
    pub fn arange(
        start: f64,
        stop: f64,
        step: f64,
        dtype: DType,
        chunks: impl Into<ChunkSpec>,
    ) -> Result<Array> {
        if step == 0.0 || !step.is_finite() {
            return Err(Error::Shape("arange needs a finite, non-zero step".into()));
        }
        let n = ((stop - start) / step).ceil().max(0.0) as usize;
        generated("arange", &[n], dtype, chunks, move |i| {
            start + i as f64 * step
        })
    }

    /// `num` evenly spaced numbers from `start` to `stop` (included), as numpy's `linspace`.
    pub fn linspace(
        start: f64,
        stop: f64,
        num: usize,
        chunks: impl Into<ChunkSpec>,
    ) -> Result<Array> {
        let step = if num > 1 {
            (stop - start) / (num - 1) as f64
        } else {
            0.0
        };
        generated("linspace", &[num], DType::Float64, chunks, move |i| {
            if num > 1 && i == num - 1 {
                stop
            } else {
                start + i as f64 * step
            }
        })
    }

    /// Uniform random numbers in `[0, 1)`. The value at each position depends only on `seed`
    /// and the position, never on the chunks (unlike dask's per-block seeds); they are not
    /// numpy's values.
    pub fn random(shape: &[usize], seed: u64, chunks: impl Into<ChunkSpec>) -> Result<Array> {
        let u = uniform(seed);
        generated(
            "random",
            shape,
            DType::Float64,
            chunks,
            move |i| u(i as u64),
        )
    }

    /// Normally distributed random numbers (Box–Muller over the same counter-based stream as
    /// [`Array::random`]), independent of the chunks.
    pub fn normal(
        shape: &[usize],
        mean: f64,
        std: f64,
        seed: u64,
        chunks: impl Into<ChunkSpec>,
    ) -> Result<Array> {
        let u = uniform(seed);
        generated("normal", shape, DType::Float64, chunks, move |i| {
            let u1 = 1.0 - u(2 * i as u64);
            let u2 = u(2 * i as u64 + 1);
            mean + std * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        })
    }

    /// Random integers in `[low, high)`, independent of the chunks.
    pub fn randint(
        shape: &[usize],
        low: i64,
        high: i64,
        seed: u64,
        chunks: impl Into<ChunkSpec>,
    ) -> Result<Array> {
        if high <= low {
            return Err(Error::Shape(format!(
                "randint needs low < high, got {low} and {high}"
            )));
        }
        let span = (high - low) as f64;
        let u = uniform(seed);
        generated("randint", shape, DType::Int64, chunks, move |i| {
            (low as f64 + (u(i as u64) * span).floor()).min((high - 1) as f64)
        })
    }
}
