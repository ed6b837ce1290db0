//! Blocked linear algebra: `tensordot`, and `matmul`/`dot` on top of it. Each output block
//! accumulates the products of the matching blocks of both operands over the contracted axes
//! (matrixmultiply's kernels for floats), so no partial product is stored.

use std::sync::Arc;

use blaze_tasks::{BoxError, Key};
use ndarray::{Ix2, LinalgScalar, linalg::general_mat_mul};

use crate::array::Op;
use crate::chunks::grid;
use crate::error::{normalize_axis, shape_text};
use crate::lower::{Lower, Value, blocks, key};
use crate::{Array, Block, Chunks, DType, Element, Error, Result};

pub(crate) struct Tensordot {
    a: Array,
    b: Array,
    a_axes: Vec<usize>,
    b_axes: Vec<usize>,
}

impl Array {
    /// The sum of products over `a_axes` of this array and `b_axes` of `other` (numpy's
    /// `tensordot(a, b, axes=(a_axes, b_axes))`): the result's axes are this array's free axes,
    /// then `other`'s.
    pub fn tensordot(&self, other: &Array, a_axes: &[i64], b_axes: &[i64]) -> Result<Array> {
        if a_axes.len() != b_axes.len() {
            return Err(Error::Shape(
                "shape-mismatch for sum: the axis lists differ in length".into(),
            ));
        }
        let a_axes = a_axes
            .iter()
            .map(|&x| normalize_axis(x, self.ndim()))
            .collect::<Result<Vec<_>>>()?;
        let b_axes = b_axes
            .iter()
            .map(|&x| normalize_axis(x, other.ndim()))
            .collect::<Result<Vec<_>>>()?;
        let (sa, sb) = (self.shape(), other.shape());
        for (&i, &j) in a_axes.iter().zip(&b_axes) {
            if sa[i] != sb[j] {
                return Err(Error::Shape(format!(
                    "shapes {} and {} not aligned: {} (dim {i}) != {} (dim {j})",
                    shape_text(&sa),
                    shape_text(&sb),
                    sa[i],
                    sb[j]
                )));
            }
        }
        let dtype = DType::promote(self.dtype(), other.dtype());
        if dtype == DType::Bool {
            return Err(Error::Type(
                "matrix products of bool arrays are not supported".into(),
            ));
        }
        // Contracted axes get the common refinement of both operands' chunks.
        let mut a_dims = self.chunks().dims().to_vec();
        let mut b_dims = other.chunks().dims().to_vec();
        for (&i, &j) in a_axes.iter().zip(&b_axes) {
            let mut cuts = self.chunks().bounds(i);
            cuts.extend(other.chunks().bounds(j));
            cuts.sort_unstable();
            cuts.dedup();
            let lengths: Vec<usize> = cuts.windows(2).map(|w| w[1] - w[0]).collect();
            let lengths = if lengths.is_empty() { vec![0] } else { lengths };
            a_dims[i] = lengths.clone();
            b_dims[j] = lengths;
        }
        let a = self
            .astype(dtype)?
            .rechunk(Chunks::explicit(&sa, a_dims.clone())?)?;
        let b = other
            .astype(dtype)?
            .rechunk(Chunks::explicit(&sb, b_dims.clone())?)?;
        let mut dims: Vec<Vec<usize>> = (0..sa.len())
            .filter(|i| !a_axes.contains(i))
            .map(|i| a_dims[i].clone())
            .collect();
        dims.extend(
            (0..sb.len())
                .filter(|j| !b_axes.contains(j))
                .map(|j| b_dims[j].clone()),
        );
        let shape: Vec<usize> = dims.iter().map(|d| d.iter().sum()).collect();
        let chunks = Chunks::explicit(&shape, dims)?;
        Ok(Array::from_op(
            dtype,
            chunks,
            Op::Tensordot(Tensordot {
                a,
                b,
                a_axes,
                b_axes,
            }),
        ))
    }

    /// numpy's `matmul` (`@`) for 1-d and 2-d operands: a 1-d operand is a row (left) or a
    /// column (right) whose axis is dropped from the result.
    pub fn matmul(&self, other: &Array) -> Result<Array> {
        match (self.ndim(), other.ndim()) {
            (1 | 2, 1 | 2) => {
                self.tensordot(other, &[-1], &[if other.ndim() == 1 { 0 } else { -2 }])
            }
            (a, b) => Err(Error::Shape(format!(
                "matmul of {a}-d and {b}-d arrays is not supported (1-d and 2-d only)"
            ))),
        }
    }

    /// numpy's `dot`: `matmul` for 1-d and 2-d arrays, the last axis of this array with the
    /// second-to-last of `other` otherwise.
    pub fn dot(&self, other: &Array) -> Result<Array> {
        match (self.ndim(), other.ndim()) {
            (1 | 2, 1 | 2) => self.matmul(other),
            (_, 0) | (0, _) => self.mul(other),
            (_, 1) => self.tensordot(other, &[-1], &[0]),
            _ => self.tensordot(other, &[-1], &[-2]),
        }
    }
}

impl Tensordot {
    pub(crate) fn lower(&self, lower: &mut Lower, array: &Array, name: &Arc<str>) -> Result<()> {
        let (na, nb) = (lower.array(&self.a)?, lower.array(&self.b)?);
        let a_free: Vec<usize> = (0..self.a.ndim())
            .filter(|i| !self.a_axes.contains(i))
            .collect();
        let b_free: Vec<usize> = (0..self.b.ndim())
            .filter(|j| !self.b_axes.contains(j))
            .collect();
        let contracted: Vec<usize> = self
            .a_axes
            .iter()
            .map(|&i| self.a.chunks().numblocks()[i])
            .collect();
        // Operand axes reordered: free axes first for `a`, contracted first for `b`.
        let mut a_perm = a_free.clone();
        a_perm.extend(&self.a_axes);
        let mut b_perm = self.b_axes.clone();
        b_perm.extend(&b_free);
        let dtype = array.dtype();
        for out in array.chunks().indices() {
            let (oa, ob) = out.split_at(a_free.len());
            let mut deps: Vec<Key> = Vec::new();
            for c in grid(&contracted) {
                let mut ia = vec![0; self.a.ndim()];
                for (&axis, &i) in a_free.iter().zip(oa) {
                    ia[axis] = i;
                }
                for (&axis, &i) in self.a_axes.iter().zip(&c) {
                    ia[axis] = i;
                }
                let mut ib = vec![0; self.b.ndim()];
                for (&axis, &i) in b_free.iter().zip(ob) {
                    ib[axis] = i;
                }
                for (&axis, &i) in self.b_axes.iter().zip(&c) {
                    ib[axis] = i;
                }
                deps.push(key(&na, &ia));
                deps.push(key(&nb, &ib));
            }
            let shape = array.chunks().block_shape(&out);
            let (a_perm, b_perm) = (a_perm.clone(), b_perm.clone());
            let rows: usize = shape[..oa.len()].iter().product();
            let cols: usize = shape[oa.len()..].iter().product();
            let contracted_axes = self.a_axes.len();
            lower.graph.insert_task(key(name, &out), deps, move |v| {
                let inputs = blocks(v)?;
                let mut pairs: Vec<(Block, Block)> = Vec::with_capacity(inputs.len() / 2);
                for p in inputs.chunks(2) {
                    let a = p[0].permute(&a_perm);
                    let b = p[1].permute(&b_perm);
                    let k: usize = a.shape()[a.shape().len() - contracted_axes..]
                        .iter()
                        .product();
                    pairs.push((as_matrix(a, rows, k)?, as_matrix(b, k, cols)?));
                }
                let block = match dtype {
                    DType::Int8 => integer_product::<i8>(&pairs, rows, cols)?,
                    DType::UInt8 => integer_product::<u8>(&pairs, rows, cols)?,
                    DType::Int16 => integer_product::<i16>(&pairs, rows, cols)?,
                    DType::UInt16 => integer_product::<u16>(&pairs, rows, cols)?,
                    DType::Int32 => integer_product::<i32>(&pairs, rows, cols)?,
                    DType::UInt32 => integer_product::<u32>(&pairs, rows, cols)?,
                    DType::Int64 => integer_product::<i64>(&pairs, rows, cols)?,
                    DType::UInt64 => integer_product::<u64>(&pairs, rows, cols)?,
                    DType::Float32 => product::<f32>(&pairs, rows, cols)?,
                    DType::Float64 => product::<f64>(&pairs, rows, cols)?,
                    DType::Bool => {
                        return Err("matrix products of bool arrays are not supported".into());
                    }
                };
                Ok(Value::Block(block.reshape(&shape)?))
            });
        }
        Ok(())
    }
}

/// `block` as a `rows × cols` matrix. A block that is one already is kept as it is, strided or
/// not (a block of an array in memory is a view of the rows of a larger one), since BLAS reads
/// such a matrix in place; others are reshaped, copying when their elements are not in order.
fn as_matrix(block: Block, rows: usize, cols: usize) -> Result<Block> {
    if block.shape() == [rows, cols] {
        Ok(block)
    } else {
        block.reshape(&[rows, cols])
    }
}

/// The sum of `a · b` over the pairs, each `a` `rows × k`, each `b` `k × cols` (floats, by
/// matrixmultiply's or BLAS's kernels).
fn product<T: Element + LinalgScalar>(
    pairs: &[(Block, Block)],
    rows: usize,
    cols: usize,
) -> Result<Block, BoxError> {
    let mut out = ndarray::Array2::<T>::zeros((rows, cols));
    for (i, (a, b)) in pairs.iter().enumerate() {
        let a = a.expect::<T>()?.view().into_dimensionality::<Ix2>()?;
        let b = b.expect::<T>()?.view().into_dimensionality::<Ix2>()?;
        // The first product is written, not added: the zeros are then never read, so each of
        // their pages is first touched by a write (reading a fresh page, then writing it,
        // faults twice and stops the other cores to flush their address caches).
        let beta = if i == 0 { T::zero() } else { T::one() };
        general_mat_mul(T::one(), &a, &b, beta, &mut out);
    }
    Ok(Block::new(out.into_dyn()))
}

/// [`product`] for integers, wrapping on overflow as numpy's does: computed in `i64`, whose
/// wrapping sums and products agree with a narrower type's modulo its width.
fn integer_product<T: Element>(
    pairs: &[(Block, Block)],
    rows: usize,
    cols: usize,
) -> Result<Block, BoxError> {
    let mut out = vec![0i64; rows * cols];
    for (a, b) in pairs {
        let a = a.expect::<T>()?.view().into_dimensionality::<Ix2>()?;
        let b = b.expect::<T>()?.view().into_dimensionality::<Ix2>()?;
        for (a_row, out_row) in a.rows().into_iter().zip(out.chunks_exact_mut(cols.max(1))) {
            for (&x, b_row) in a_row.iter().zip(b.rows()) {
                let x = x.to_i64();
                if x == 0 {
                    continue;
                }
                for (o, &y) in out_row.iter_mut().zip(b_row) {
                    *o = o.wrapping_add(x.wrapping_mul(y.to_i64()));
                }
            }
        }
    }
    let values = out.into_iter().map(T::from_i64).collect();
    Ok(Block::new(
        ndarray::Array2::from_shape_vec((rows, cols), values)?.into_dyn(),
    ))
}
