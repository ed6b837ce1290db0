//! Rechunking: the same array cut differently. Each new block is a view of an old block when it
//! fits in one, else it is assembled from the pieces of the old blocks it overlaps.

use std::ops::Range;
use std::sync::Arc;

use blaze_tasks::Key;

use crate::array::Op;
use crate::chunks::grid;
use crate::lower::{Lower, Value, blocks, key};
use crate::{Array, Block, ChunkSpec, Chunks, Error, Result};

impl Array {
    /// The same array cut into `chunks` (anything [`ChunkSpec`] accepts).
    pub fn rechunk(&self, chunks: impl Into<ChunkSpec>) -> Result<Array> {
        let chunks = Chunks::from_spec(&chunks.into(), &self.shape(), self.dtype())?;
        if &chunks == self.chunks() {
            return Ok(self.clone());
        }
        if chunks.shape() != self.shape() {
            return Err(Error::Chunks("rechunking cannot change the shape".into()));
        }
        Ok(Array::from_op(
            self.dtype(),
            chunks,
            Op::Rechunk {
                input: self.clone(),
            },
        ))
    }
}

/// The old blocks along one axis that overlap `range`, each with the part of it inside.
fn overlaps(bounds: &[usize], range: &Range<usize>) -> Vec<(usize, Range<usize>)> {
    if range.is_empty() {
        let b = bounds
            .partition_point(|&x| x <= range.start)
            .saturating_sub(1)
            .min(bounds.len() - 2);
        return vec![(b, 0..0)];
    }
    let first = bounds.partition_point(|&x| x <= range.start) - 1;
    let mut out = Vec::new();
    let mut b = first;
    while b + 1 < bounds.len() && bounds[b] < range.end {
        let lo = range.start.max(bounds[b]);
        let hi = range.end.min(bounds[b + 1]);
        if lo < hi {
            out.push((b, lo - bounds[b]..hi - bounds[b]));
        }
        b += 1;
    }
    out
}

pub(crate) fn lower(
    lower: &mut Lower,
    array: &Array,
    name: &Arc<str>,
    input: &Array,
) -> Result<()> {
    let source = lower.array(input)?;
    let old = input.chunks();
    let new = array.chunks();
    let ndim = array.ndim();
    let bounds: Vec<Vec<usize>> = (0..ndim).map(|a| old.bounds(a)).collect();
    let dtype = array.dtype();
    for out in new.indices() {
        let ranges = new.ranges(&out);
        let per_axis: Vec<Vec<(usize, Range<usize>)>> = (0..ndim)
            .map(|a| overlaps(&bounds[a], &ranges[a]))
            .collect();
        let counts: Vec<usize> = per_axis.iter().map(Vec::len).collect();
        let mut deps: Vec<Key> = Vec::new();
        let mut pieces: Vec<(Vec<usize>, Vec<Range<usize>>)> = Vec::new();
        for combo in grid(&counts) {
            let at: Vec<usize> = combo
                .iter()
                .enumerate()
                .map(|(a, &i)| per_axis[a][i].0)
                .collect();
            let local: Vec<Range<usize>> = combo
                .iter()
                .enumerate()
                .map(|(a, &i)| per_axis[a][i].1.clone())
                .collect();
            // Where the piece goes in the new block.
            let offset: Vec<usize> = (0..ndim)
                .map(|a| bounds[a][at[a]] + local[a].start - ranges[a].start)
                .collect();
            deps.push(key(&source, &at));
            pieces.push((offset, local));
        }
        let shape = new.block_shape(&out);
        lower.graph.insert_task(key(name, &out), deps, move |v| {
            let inputs = blocks(v)?;
            if let ([only], [(_, local)]) = (inputs.as_slice(), pieces.as_slice()) {
                return Ok(Value::Block(only.slice(local)));
            }
            let parts: Vec<(Vec<usize>, Block)> = inputs
                .iter()
                .zip(&pieces)
                .map(|(b, (offset, local))| (offset.clone(), b.slice(local)))
                .collect();
            let refs: Vec<(Vec<usize>, &Block)> =
                parts.iter().map(|(o, b)| (o.clone(), b)).collect();
            Ok(Value::Block(Block::assemble(dtype, &shape, &refs)?))
        });
    }
    Ok(())
}
