//! Basic indexing: integers, slices (with steps, negative ones too) and new axes, as numpy's
//! `x[3, 10:20, ::-2, None]`, and a list of positions along one axis (`x[[3, 0, 3]]`). Each
//! output block is a view of one input block, so indexing copies nothing until a later step
//! needs contiguous data; positions picked are copied out of their block.

use std::sync::Arc;

use ndarray::Slice;

use crate::lower::{Lower, Value, key};
use crate::{Array, Chunks, Error, Result};

/// One entry of an index, as numpy reads `x[...]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Index {
    /// An integer: picks one position and removes the axis (negative counts from the end).
    At(i64),
    /// `start:stop:step`, Python's slice semantics (`None` for an omitted bound).
    Slice {
        /// First position (included).
        start: Option<i64>,
        /// Last position (excluded).
        stop: Option<i64>,
        /// Step; negative walks backwards; never 0.
        step: i64,
    },
    /// A list of positions (negative count from the end), in any order and repeated at will:
    /// numpy's indexing by an integer array, along one axis of an index only.
    Take(Vec<i64>),
    /// `None` / `np.newaxis`: a new axis of length 1.
    NewAxis,
    /// `...`: as many full slices as the axes not otherwise indexed.
    Ellipsis,
}

impl Index {
    /// `:`, the whole axis.
    pub fn full() -> Index {
        Index::Slice {
            start: None,
            stop: None,
            step: 1,
        }
    }
}

/// What one input axis contributes.
enum AxisPlan {
    /// One position: block and position in it.
    At { block: usize, local: usize },
    /// Output blocks of this axis: input block, what is taken of it, and the output length.
    Pieces(Vec<(usize, Pick, usize)>),
}

/// What an output block takes of its input block along one axis.
#[derive(Clone, Debug)]
enum Pick {
    /// A slice: a view.
    Slice(Slice),
    /// Positions in the block, in order: a copy.
    Positions(Vec<usize>),
}

pub(crate) struct IndexPlan {
    input: Array,
    axes: Vec<AxisPlan>,
    /// For each output axis, the input axis it comes from, or `None` for a new axis.
    out_axes: Vec<Option<usize>>,
}

impl Array {
    /// The array indexed by `index` (numpy's basic indexing).
    pub fn index(&self, index: &[Index]) -> Result<Array> {
        let ndim = self.ndim();
        let used = index
            .iter()
            .filter(|i| matches!(i, Index::At(_) | Index::Slice { .. } | Index::Take(_)))
            .count();
        if used > ndim {
            return Err(Error::Index(format!(
                "too many indices for array: array is {ndim}-dimensional, but {used} were indexed"
            )));
        }
        if index.iter().filter(|i| **i == Index::Ellipsis).count() > 1 {
            return Err(Error::Index(
                "an index can only have a single ellipsis ('...')".into(),
            ));
        }
        if index.iter().filter(|i| matches!(i, Index::Take(_))).count() > 1 {
            return Err(Error::Index(
                "only one axis can be indexed by a list of positions".into(),
            ));
        }
        let mut expanded: Vec<Index> = Vec::with_capacity(ndim + index.len());
        for i in index {
            if *i == Index::Ellipsis {
                expanded.extend(std::iter::repeat_n(Index::full(), ndim - used));
            } else {
                expanded.push(i.clone());
            }
        }
        let given = expanded.iter().filter(|i| **i != Index::NewAxis).count();
        expanded.extend(std::iter::repeat_n(Index::full(), ndim - given));
        check_take_placement(&expanded)?;

        let shape = self.shape();
        let mut axes = Vec::with_capacity(ndim);
        let mut out_axes = Vec::new();
        let mut dims = Vec::new();
        let mut axis = 0;
        for i in &expanded {
            match i {
                Index::NewAxis => {
                    out_axes.push(None);
                    dims.push(vec![1]);
                }
                &Index::At(at) => {
                    let n = shape[axis] as i64;
                    let pos = if at < 0 { at + n } else { at };
                    if pos < 0 || pos >= n {
                        return Err(Error::Index(format!(
                            "index {at} is out of bounds for axis {axis} with size {n}"
                        )));
                    }
                    let bounds = self.chunks().bounds(axis);
                    let block = bounds.partition_point(|&b| b <= pos as usize) - 1;
                    axes.push(AxisPlan::At {
                        block,
                        local: pos as usize - bounds[block],
                    });
                    axis += 1;
                }
                &Index::Slice { start, stop, step } => {
                    if step == 0 {
                        return Err(Error::Index("slice step cannot be zero".into()));
                    }
                    let pieces = slice_pieces(&self.chunks().bounds(axis), start, stop, step)
                        .into_iter()
                        .map(|(block, slice, len)| (block, Pick::Slice(slice), len))
                        .collect();
                    axes.push(pieces_of(pieces, &mut dims));
                    out_axes.push(Some(axis));
                    axis += 1;
                }
                Index::Take(positions) => {
                    let pieces = take_pieces(&self.chunks().bounds(axis), positions, axis)?;
                    axes.push(pieces_of(pieces, &mut dims));
                    out_axes.push(Some(axis));
                    axis += 1;
                }
                Index::Ellipsis => unreachable!("ellipses were expanded above"),
            }
        }
        let out_shape: Vec<usize> = dims.iter().map(|d| d.iter().sum()).collect();
        let chunks = Chunks::explicit(&out_shape, dims)?;
        let plan = IndexPlan {
            input: self.clone(),
            axes,
            out_axes,
        };
        Ok(Array::from_op(
            self.dtype(),
            chunks,
            crate::array::Op::Index(plan),
        ))
    }
}

/// Refuses the one index with a list of positions whose result numpy lays out differently
/// from the axes' order: integers apart from the list (`a[1, :, [0, 2]]`), for which numpy
/// puts the picked axis first.
fn check_take_placement(index: &[Index]) -> Result<()> {
    let Some(take) = index.iter().position(|i| matches!(i, Index::Take(_))) else {
        return Ok(());
    };
    let advanced: Vec<usize> = (0..index.len())
        .filter(|&p| matches!(index[p], Index::Take(_) | Index::At(_)))
        .collect();
    let together = advanced.last().map_or(0, |last| last + 1 - advanced[0]) == advanced.len();
    let axes_before = index[..take]
        .iter()
        .filter(|i| !matches!(i, Index::At(_)))
        .count();
    if together || axes_before == 0 {
        return Ok(());
    }
    Err(Error::Index(
        "integers apart from a list of positions (as in a[1, :, [0, 2]]) are not supported: \
         index in two steps (a[1][:, [0, 2]])"
            .into(),
    ))
}

/// The plan of an axis whose output blocks are `pieces`; their lengths are pushed onto
/// `dims` (an axis of length 0 has one empty block).
fn pieces_of(pieces: Vec<(usize, Pick, usize)>, dims: &mut Vec<Vec<usize>>) -> AxisPlan {
    if pieces.is_empty() {
        dims.push(vec![0]);
        return AxisPlan::Pieces(vec![(0, Pick::Slice(Slice::new(0, Some(0), 1)), 0)]);
    }
    dims.push(pieces.iter().map(|p| p.2).collect());
    AxisPlan::Pieces(pieces)
}

/// The output blocks of picking `positions` along `axis`, whose blocks have `bounds`: one
/// for each run of positions in the same input block.
fn take_pieces(
    bounds: &[usize],
    positions: &[i64],
    axis: usize,
) -> Result<Vec<(usize, Pick, usize)>> {
    let n = *bounds.last().unwrap_or(&0) as i64;
    let mut pieces: Vec<(usize, Vec<usize>)> = Vec::new();
    for &p in positions {
        let at = if p < 0 { p + n } else { p };
        if at < 0 || at >= n {
            return Err(Error::Index(format!(
                "index {p} is out of bounds for axis {axis} with size {n}"
            )));
        }
        let at = at as usize;
        let block = bounds.partition_point(|&b| b <= at) - 1;
        let local = at - bounds[block];
        match pieces.last_mut() {
            Some((b, locals)) if *b == block => locals.push(local),
            _ => pieces.push((block, vec![local])),
        }
    }
    Ok(pieces
        .into_iter()
        .map(|(block, locals)| {
            let len = locals.len();
            (block, Pick::Positions(locals), len)
        })
        .collect())
}

/// Python's `slice.indices(n)`: the first position, the stop, and the step.
fn resolve(n: i64, start: Option<i64>, stop: Option<i64>, step: i64) -> (i64, i64) {
    let clamp = |v: i64, lo: i64, hi: i64| v.max(lo).min(hi);
    let norm = |v: i64| if v < 0 { v + n } else { v };
    if step > 0 {
        (
            clamp(start.map_or(0, norm), 0, n),
            clamp(stop.map_or(n, norm), 0, n),
        )
    } else {
        (
            clamp(start.map_or(n - 1, norm), -1, n - 1),
            clamp(stop.map_or(-1, norm), -1, n - 1),
        )
    }
}

/// The output blocks of a slice over blocks with `bounds`: for each, the input block, the
/// block-local slice (ndarray's: a range walked backwards for a negative step) and its length.
fn slice_pieces(
    bounds: &[usize],
    start: Option<i64>,
    stop: Option<i64>,
    step: i64,
) -> Vec<(usize, Slice, usize)> {
    let n = *bounds.last().unwrap_or(&0) as i64;
    let (first, stop) = resolve(n, start, stop, step);
    let mut pieces = Vec::new();
    let blocks = bounds.len() - 1;
    if step > 0 {
        for b in 0..blocks {
            let (bs, be) = (bounds[b] as i64, bounds[b + 1] as i64);
            let lo = first.max(bs);
            let hi = stop.min(be);
            if lo >= hi {
                continue;
            }
            let at = first + (lo - first + step - 1) / step * step;
            if at >= hi {
                continue;
            }
            let count = (hi - at + step - 1) / step;
            pieces.push((
                b,
                Slice::new((at - bs) as isize, Some((hi - bs) as isize), step as isize),
                count as usize,
            ));
        }
    } else {
        let s = -step;
        for b in (0..blocks).rev() {
            let (bs, be) = (bounds[b] as i64, bounds[b + 1] as i64);
            let hi = first.min(be - 1);
            let lo = (stop + 1).max(bs);
            if hi < lo {
                continue;
            }
            let top = first - (first - hi + s - 1) / s * s;
            if top < lo {
                continue;
            }
            let count = (top - lo) / s + 1;
            let bottom = top - (count - 1) * s;
            pieces.push((
                b,
                Slice::new(
                    (bottom - bs) as isize,
                    Some((top + 1 - bs) as isize),
                    step as isize,
                ),
                count as usize,
            ));
        }
    }
    pieces
}

impl IndexPlan {
    pub(crate) fn lower(&self, lower: &mut Lower, name: &Arc<str>) -> Result<()> {
        let input = lower.array(&self.input)?;
        let counts: Vec<usize> = self
            .out_axes
            .iter()
            .map(|a| match a {
                None => 1,
                Some(axis) => match &self.axes[*axis] {
                    AxisPlan::Pieces(p) => p.len(),
                    AxisPlan::At { .. } => 1,
                },
            })
            .collect();
        for out in crate::chunks::grid(&counts) {
            let mut in_index = Vec::with_capacity(self.axes.len());
            let mut slices = Vec::with_capacity(self.axes.len());
            let mut picks = Vec::new();
            let mut taken = None;
            for (axis, plan) in self.axes.iter().enumerate() {
                match plan {
                    AxisPlan::At { block, local } => {
                        in_index.push(*block);
                        slices.push(Slice::new(*local as isize, Some(*local as isize + 1), 1));
                        picks.push(axis);
                    }
                    AxisPlan::Pieces(pieces) => {
                        let o = self
                            .out_axes
                            .iter()
                            .position(|a| *a == Some(axis))
                            .unwrap_or(0);
                        let (block, pick, _) = &pieces[out[o]];
                        in_index.push(*block);
                        match pick {
                            Pick::Slice(slice) => slices.push(*slice),
                            Pick::Positions(locals) => {
                                slices.push(Slice::from(..));
                                taken = Some((axis, locals.clone()));
                            }
                        }
                    }
                }
            }
            let new_axes: Vec<usize> = self
                .out_axes
                .iter()
                .enumerate()
                .filter(|(_, a)| a.is_none())
                .map(|(i, _)| i)
                .collect();
            lower
                .graph
                .insert_task(key(name, &out), [key(&input, &in_index)], move |v| {
                    let mut b = v[0].block()?.slice_steps(&slices);
                    if let Some((axis, locals)) = &taken {
                        b = b.select(*axis, locals);
                    }
                    for &axis in picks.iter().rev() {
                        b = b.index_axis(axis, 0);
                    }
                    for &axis in &new_axes {
                        b = b.insert_axis(axis);
                    }
                    Ok(Value::Block(b))
                });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lengths(
        bounds: &[usize],
        start: Option<i64>,
        stop: Option<i64>,
        step: i64,
    ) -> Vec<(usize, usize)> {
        slice_pieces(bounds, start, stop, step)
            .into_iter()
            .map(|(b, _, n)| (b, n))
            .collect()
    }

    #[test]
    fn positions_are_taken_in_runs_of_one_block() {
        let bounds = [0, 4, 8, 10];
        let runs = |positions: &[i64]| -> Vec<(usize, Vec<usize>)> {
            take_pieces(&bounds, positions, 0)
                .unwrap()
                .into_iter()
                .map(|(b, pick, n)| match pick {
                    Pick::Positions(locals) => {
                        assert_eq!(locals.len(), n);
                        (b, locals)
                    }
                    Pick::Slice(_) => panic!("positions are not a slice"),
                })
                .collect()
        };
        assert_eq!(
            runs(&[0, 3, 3, 4, -1, 1]),
            [(0, vec![0, 3, 3]), (1, vec![0]), (2, vec![1]), (0, vec![1])]
        );
        assert!(runs(&[]).is_empty());
        let message =
            |positions: &[i64]| take_pieces(&bounds, positions, 1).unwrap_err().to_string();
        assert!(message(&[2, 10]).contains("index 10 is out of bounds for axis 1 with size 10"));
        assert!(message(&[-11]).contains("index -11 is out of bounds"));
    }

    #[test]
    fn slices_follow_python() {
        let bounds = [0, 4, 8, 10];
        assert_eq!(lengths(&bounds, None, None, 1), [(0, 4), (1, 4), (2, 2)]);
        assert_eq!(lengths(&bounds, Some(3), Some(9), 2), [(0, 1), (1, 2)]);
        assert_eq!(lengths(&bounds, None, None, -1), [(2, 2), (1, 4), (0, 4)]);
        assert_eq!(lengths(&bounds, None, None, -3), [(2, 1), (1, 1), (0, 2)]);
        assert_eq!(lengths(&bounds, Some(-2), None, 1), [(2, 2)]);
        assert!(lengths(&bounds, Some(5), Some(2), 1).is_empty());
    }
}
