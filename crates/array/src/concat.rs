//! Joining arrays along an axis: `concatenate` and `stack`. Blocks are reused as they are.

use std::sync::Arc;

use crate::array::Op;
use crate::error::{normalize_axis, shape_text};
use crate::index::Index;
use crate::lower::{Lower, key};
use crate::{Array, Chunks, DType, Error, Result};

/// The arrays joined along `axis`: the other axes must have the same lengths; the element type
/// is the common type of all.
pub fn concatenate(arrays: &[Array], axis: i64) -> Result<Array> {
    let first = arrays
        .first()
        .ok_or_else(|| Error::Shape("need at least one array to concatenate".into()))?;
    let ndim = first.ndim();
    if ndim == 0 {
        return Err(Error::Shape(
            "zero-dimensional arrays cannot be concatenated".into(),
        ));
    }
    let axis = normalize_axis(axis, ndim)?;
    let dtype = arrays
        .iter()
        .map(Array::dtype)
        .reduce(DType::promote)
        .unwrap_or(first.dtype());
    let shape = first.shape();
    let mut inputs = Vec::with_capacity(arrays.len());
    let mut along = Vec::new();
    for a in arrays {
        let s = a.shape();
        let same = s.len() == ndim && (0..ndim).all(|i| i == axis || s[i] == shape[i]);
        if !same {
            return Err(Error::Shape(format!(
                "all the input array dimensions except for the concatenation axis must match exactly, \
                 but {} and {} differ",
                shape_text(&shape),
                shape_text(&s)
            )));
        }
        // Other axes take the first array's chunks.
        let dims: Vec<Vec<usize>> = (0..ndim)
            .map(|i| {
                if i == axis {
                    a.chunks().axis(i).to_vec()
                } else {
                    first.chunks().axis(i).to_vec()
                }
            })
            .collect();
        let a = a.astype(dtype)?.rechunk(Chunks::explicit(&s, dims)?)?;
        along.extend_from_slice(a.chunks().axis(axis));
        inputs.push(a);
    }
    let mut dims: Vec<Vec<usize>> = first.chunks().dims().to_vec();
    dims[axis] = along;
    let mut out_shape = shape;
    out_shape[axis] = dims[axis].iter().sum();
    let chunks = Chunks::explicit(&out_shape, dims)?;
    Ok(Array::from_op(dtype, chunks, Op::Concat { inputs, axis }))
}

/// The arrays (all of one shape) stacked along a new axis `axis`.
pub fn stack(arrays: &[Array], axis: i64) -> Result<Array> {
    let first = arrays
        .first()
        .ok_or_else(|| Error::Shape("need at least one array to stack".into()))?;
    let axis = normalize_axis(axis, first.ndim() + 1)?;
    let expanded = arrays
        .iter()
        .map(|a| {
            if a.shape() != first.shape() {
                return Err(Error::Shape(format!(
                    "all input arrays must have the same shape, but {} and {} differ",
                    shape_text(&first.shape()),
                    shape_text(&a.shape())
                )));
            }
            let mut index = vec![Index::full(); axis];
            index.push(Index::NewAxis);
            a.index(&index)
        })
        .collect::<Result<Vec<_>>>()?;
    concatenate(&expanded, axis as i64)
}

/// Each output block is an alias of one input block.
pub(crate) fn lower(
    lower: &mut Lower,
    array: &Array,
    name: &Arc<str>,
    inputs: &[Array],
    axis: usize,
) -> Result<()> {
    let mut block_of = Vec::new();
    for (i, a) in inputs.iter().enumerate() {
        let n = lower.array(a)?;
        for b in 0..a.chunks().numblocks()[axis] {
            block_of.push((Arc::clone(&n), i, b));
        }
    }
    for out in array.chunks().indices() {
        let (source, _, b) = &block_of[out[axis]];
        let mut at = out.clone();
        at[axis] = *b;
        lower.graph.insert_alias(key(name, &out), key(source, &at));
    }
    Ok(())
}
