//! Blocks: the in-memory pieces of a chunked array, one n-d array of one element type each.
//!
//! Blocks share their memory (`ArcArray`), so slicing, transposing and taking blocks of an
//! in-memory array copy nothing.

use std::ops::Range;

use ndarray::{ArcArray, ArrayD, Axis, IxDyn, Slice};

use crate::dtype::convert;
use crate::{DType, Element, Error, Result};

/// One block of an array: an n-d array of one of the element types.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// `bool` elements.
    Bool(ArcArray<bool, IxDyn>),
    /// `int8` elements.
    Int8(ArcArray<i8, IxDyn>),
    /// `uint8` elements.
    UInt8(ArcArray<u8, IxDyn>),
    /// `int16` elements.
    Int16(ArcArray<i16, IxDyn>),
    /// `uint16` elements.
    UInt16(ArcArray<u16, IxDyn>),
    /// `int32` elements.
    Int32(ArcArray<i32, IxDyn>),
    /// `uint32` elements.
    UInt32(ArcArray<u32, IxDyn>),
    /// `int64` elements.
    Int64(ArcArray<i64, IxDyn>),
    /// `uint64` elements.
    UInt64(ArcArray<u64, IxDyn>),
    /// `float32` elements.
    Float32(ArcArray<f32, IxDyn>),
    /// `float64` elements.
    Float64(ArcArray<f64, IxDyn>),
}

/// Runs `$body` with `$a` bound to the array inside block `$b`, whatever its element type.
macro_rules! with_block {
    ($b:expr, $a:ident => $body:expr) => {
        match $b {
            $crate::Block::Bool($a) => $body,
            $crate::Block::Int8($a) => $body,
            $crate::Block::UInt8($a) => $body,
            $crate::Block::Int16($a) => $body,
            $crate::Block::UInt16($a) => $body,
            $crate::Block::Int32($a) => $body,
            $crate::Block::UInt32($a) => $body,
            $crate::Block::Int64($a) => $body,
            $crate::Block::UInt64($a) => $body,
            $crate::Block::Float32($a) => $body,
            $crate::Block::Float64($a) => $body,
        }
    };
}
pub(crate) use with_block;

/// Runs `$body` with `$t` the Rust element type of `$dtype`.
macro_rules! with_dtype {
    ($dtype:expr, $t:ident => $body:expr) => {
        match $dtype {
            $crate::DType::Bool => {
                type $t = bool;
                $body
            }
            $crate::DType::Int8 => {
                type $t = i8;
                $body
            }
            $crate::DType::UInt8 => {
                type $t = u8;
                $body
            }
            $crate::DType::Int16 => {
                type $t = i16;
                $body
            }
            $crate::DType::UInt16 => {
                type $t = u16;
                $body
            }
            $crate::DType::Int32 => {
                type $t = i32;
                $body
            }
            $crate::DType::UInt32 => {
                type $t = u32;
                $body
            }
            $crate::DType::Int64 => {
                type $t = i64;
                $body
            }
            $crate::DType::UInt64 => {
                type $t = u64;
                $body
            }
            $crate::DType::Float32 => {
                type $t = f32;
                $body
            }
            $crate::DType::Float64 => {
                type $t = f64;
                $body
            }
        }
    };
}
pub(crate) use with_dtype;

impl Block {
    /// A block holding `array`.
    pub fn new<T: Element>(array: impl Into<ArcArray<T, IxDyn>>) -> Block {
        T::into_block(array.into())
    }

    /// A block of zeros (`false` for `bool`).
    pub fn zeros(dtype: DType, shape: &[usize]) -> Block {
        with_dtype!(dtype, T => Block::new(ArrayD::<T>::default(IxDyn(shape))))
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            Block::Bool(_) => DType::Bool,
            Block::Int8(_) => DType::Int8,
            Block::UInt8(_) => DType::UInt8,
            Block::Int16(_) => DType::Int16,
            Block::UInt16(_) => DType::UInt16,
            Block::Int32(_) => DType::Int32,
            Block::UInt32(_) => DType::UInt32,
            Block::Int64(_) => DType::Int64,
            Block::UInt64(_) => DType::UInt64,
            Block::Float32(_) => DType::Float32,
            Block::Float64(_) => DType::Float64,
        }
    }

    /// The block's shape.
    pub fn shape(&self) -> &[usize] {
        with_block!(self, a => a.shape())
    }

    /// The array inside, if it holds `T`.
    pub fn as_array<T: Element>(&self) -> Option<&ArcArray<T, IxDyn>> {
        T::from_block(self)
    }

    /// The array inside as `T`, or an error naming both types.
    pub(crate) fn expect<T: Element>(&self) -> Result<&ArcArray<T, IxDyn>> {
        T::from_block(self).ok_or_else(|| {
            Error::Internal(format!(
                "a block of {} where {} was expected",
                self.dtype(),
                T::DTYPE
            ))
        })
    }

    /// The elements converted to `dtype` as numpy's `astype` converts them.
    pub fn cast(&self, dtype: DType) -> Block {
        if dtype == self.dtype() {
            return self.clone();
        }
        with_block!(self, a => with_dtype!(dtype, T => Block::new(cast_array::<_, T>(a))))
    }

    /// The part of the block in `ranges` (one per axis), sharing its memory.
    pub fn slice(&self, ranges: &[Range<usize>]) -> Block {
        with_block!(self, a => {
            let mut a = a.clone();
            for (axis, r) in ranges.iter().enumerate() {
                a.slice_axis_inplace(Axis(axis), Slice::from(r.clone()));
            }
            Block::new(a)
        })
    }

    /// The block sliced along each axis by `slices` (steps and negative steps allowed),
    /// sharing its memory.
    pub fn slice_steps(&self, slices: &[Slice]) -> Block {
        with_block!(self, a => {
            let mut a = a.clone();
            for (axis, s) in slices.iter().enumerate() {
                a.slice_axis_inplace(Axis(axis), *s);
            }
            Block::new(a)
        })
    }

    /// The block with axis `axis` (of length 1 or more) replaced by its element `index`.
    pub fn index_axis(&self, axis: usize, index: usize) -> Block {
        with_block!(self, a => Block::new(a.clone().index_axis_move(Axis(axis), index)))
    }

    /// The elements at `positions` along `axis`, in that order (a copy).
    pub fn select(&self, axis: usize, positions: &[usize]) -> Block {
        with_block!(self, a => Block::new(a.select(Axis(axis), positions)))
    }

    /// The block with a new axis of length 1 at `axis`.
    pub fn insert_axis(&self, axis: usize) -> Block {
        with_block!(self, a => Block::new(a.clone().insert_axis(Axis(axis))))
    }

    /// The block with its axes reordered: axis `i` of the result is axis `perm[i]` of this one.
    pub fn permute(&self, perm: &[usize]) -> Block {
        with_block!(self, a => Block::new(a.clone().permuted_axes(perm.to_vec())))
    }

    /// The block with a new shape of the same size (elements in C order); copies only when
    /// the block is not contiguous.
    pub fn reshape(&self, shape: &[usize]) -> Result<Block> {
        with_block!(self, a => {
            let standard = if a.is_standard_layout() {
                a.clone()
            } else {
                a.as_standard_layout().into_owned().into_shared()
            };
            standard
                .into_shape_with_order(IxDyn(shape))
                .map(Block::new)
                .map_err(|e| Error::Internal(format!("reshape of a block: {e}")))
        })
    }

    /// A new block of `shape` made of `parts`, each placed at its offset (one per axis).
    pub fn assemble(
        dtype: DType,
        shape: &[usize],
        parts: &[(Vec<usize>, &Block)],
    ) -> Result<Block> {
        with_dtype!(dtype, T => {
            let mut out = ArrayD::<T>::default(IxDyn(shape));
            for (offset, part) in parts {
                let part = part.expect::<T>()?;
                let mut target = out.view_mut();
                for (axis, (&start, &len)) in offset.iter().zip(part.shape()).enumerate() {
                    target.slice_axis_inplace(Axis(axis), Slice::from(start..start + len));
                }
                target.assign(part);
            }
            Ok(Block::new(out))
        })
    }
}

/// `a` converted element by element to `U`.
pub(crate) fn cast_array<T: Element, U: Element>(a: &ArcArray<T, IxDyn>) -> ArrayD<U> {
    a.map(|&v| convert(v))
}
