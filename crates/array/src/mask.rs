//! Boolean masks: numpy's `x[m]`. A mask of `x`'s shape keeps the elements where it is true,
//! in order, as a 1-d array; a 1-d mask along the first axis keeps those rows (`x[x[:, 0] >
//! 0]`).
//!
//! How many elements each block keeps is known only once the mask is computed, and every
//! array here has known chunks (so that everything built on it can plan its blocks). So
//! building a masked array computes the mask's count of trues per block first (one pass over
//! the mask, freeing each block as it goes); the result is then lazy like any other array, and
//! computing it computes the mask's blocks again beside the data's.

use std::sync::Arc;

use blaze_tasks::{Key, Scheduler};
use ndarray::{ArrayD, Axis, IxDyn};

use crate::array::Op;
use crate::block::with_block;
use crate::lower::{Lower, Value, key};
use crate::{Array, Block, ChunkSpec, Chunks, DType, Error, Result};

impl Array {
    /// The elements of this array where `mask`, a boolean array of the same shape, is true,
    /// as a 1-d array in row-major order (`x[x > 0]`); or, for a 1-d mask as long as the first
    /// axis, the rows where it is true (`x[x[:, 0] > 0]`). The mask's per-block counts are
    /// computed now with `scheduler`.
    pub fn mask(&self, mask: &Array, scheduler: &Scheduler<'_>) -> Result<Array> {
        if mask.dtype() != DType::Bool {
            return Err(Error::Index(format!(
                "a mask must be boolean, not {}",
                mask.dtype()
            )));
        }
        if mask.ndim() > 1 && mask.shape() == self.shape() {
            return self.reshape(&[-1])?.mask(&mask.reshape(&[-1])?, scheduler);
        }
        if self.ndim() == 0 || mask.ndim() != 1 {
            return Err(Error::Index(format!(
                "a boolean mask has the shape of the array, or is 1-d along its first axis \
                 (here an array of shape {:?} and a mask of shape {:?})",
                self.shape(),
                mask.shape()
            )));
        }
        let (n, m) = (self.shape()[0], mask.shape()[0]);
        if n != m {
            return Err(Error::Index(format!(
                "boolean index did not match indexed array along axis 0; size of axis is {n} but size of corresponding boolean axis is {m}"
            )));
        }
        let rows = &self.chunks().dims()[0];
        let mask = if &mask.chunks().dims()[0] == rows {
            mask.clone()
        } else {
            mask.rechunk(ChunkSpec::Explicit(vec![rows.clone()]))?
        };
        let counts = true_counts(&mask, scheduler)?;
        let mut shape = self.shape();
        shape[0] = counts.iter().sum();
        let mut dims = self.chunks().dims().to_vec();
        dims[0] = counts;
        Ok(Array::from_op(
            self.dtype(),
            Chunks::explicit(&shape, dims)?,
            Op::Mask {
                input: self.clone(),
                mask,
            },
        ))
    }
}

/// How many elements of each block of the 1-d boolean `mask` are true.
fn true_counts(mask: &Array, scheduler: &Scheduler<'_>) -> Result<Vec<usize>> {
    let mut lower = Lower::default();
    let source = lower.array(mask)?;
    let name: Arc<str> = format!("count-{source}").into();
    let keys: Vec<Key> = mask
        .chunks()
        .indices()
        .iter()
        .map(|index| {
            let k = key(&name, index);
            lower
                .graph
                .insert_task(k.clone(), [key(&source, index)], |v| {
                    let trues = v[0]
                        .block()?
                        .as_array::<bool>()
                        .map_or(0, |a| a.iter().filter(|&&t| t).count());
                    Ok(Value::Block(Block::new(ArrayD::from_elem(
                        IxDyn(&[]),
                        trues as i64,
                    ))))
                });
            k
        })
        .collect();
    let graph = lower.graph.fuse_linear(&keys);
    scheduler
        .get(&graph, &keys)?
        .iter()
        .map(|v| {
            let count = v
                .block()?
                .as_array::<i64>()
                .and_then(|a| a.first().copied());
            count
                .map(|c| c as usize)
                .ok_or_else(|| Error::Internal("a mask count is not a count".into()))
        })
        .collect()
}

pub(crate) fn lower(
    lower: &mut Lower,
    array: &Array,
    name: &Arc<str>,
    input: &Array,
    mask: &Array,
) -> Result<()> {
    let (data, keep) = (lower.array(input)?, lower.array(mask)?);
    for index in array.chunks().indices() {
        lower.graph.insert_task(
            key(name, &index),
            // The mask is cut along the first axis only.
            [key(&data, &index), key(&keep, &index[..1])],
            |v| {
                let (block, mask) = (v[0].block()?, v[1].block()?);
                let mask = mask
                    .as_array::<bool>()
                    .ok_or_else(|| Error::Internal("a mask block is not boolean".into()))?;
                let kept: Vec<usize> = (0..mask.len()).filter(|&i| mask[[i]]).collect();
                Ok(Value::Block(
                    with_block!(block, a => Block::new(a.select(Axis(0), &kept))),
                ))
            },
        );
    }
    Ok(())
}
