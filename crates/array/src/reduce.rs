//! Reductions over any axes, as dask computes them (`spec/dask.md` §2.3): each block is
//! reduced on its own (keeping the reduced axes with length 1), the partial results are
//! combined in a tree with at most `split_every` inputs per task, and the last step finishes
//! (a mean divides, a standard deviation takes a root) and drops the reduced axes.

use std::sync::Arc;

use blaze_tasks::{BoxError, Inputs, Key};
use ndarray::{ArcArray, ArrayD, Axis, IxDyn, Zip};

use crate::block::with_block;
use crate::chunks::grid;
use crate::error::normalize_axis;
use crate::lower::{Lower, Value, key};
use crate::{Array, Block, Chunks, DType, Element, Error, Result};

/// What a reduction computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    /// The sum (integers and `bool` sum as `int64`).
    Sum,
    /// The product (integers and `bool` as `int64`).
    Prod,
    /// The smallest element (NaN wins).
    Min,
    /// The largest element (NaN wins).
    Max,
    /// The mean (`float32` stays `float32`, everything else is `float64`).
    Mean,
    /// The variance with `ddof` degrees of freedom removed (numpy's default is 0).
    Var {
        /// Delta degrees of freedom.
        ddof: u32,
    },
    /// The standard deviation with `ddof` degrees of freedom removed.
    Std {
        /// Delta degrees of freedom.
        ddof: u32,
    },
    /// Whether any element is true (non-zero).
    Any,
    /// Whether every element is true (non-zero).
    All,
    /// The position of the smallest element (the first one on ties; the first NaN if any).
    ArgMin,
    /// The position of the largest element (the first one on ties; the first NaN if any).
    ArgMax,
}

impl Reduction {
    /// numpy's name for it: `sum`, `argmax`, …
    pub fn name(self) -> &'static str {
        match self {
            Reduction::Sum => "sum",
            Reduction::Prod => "prod",
            Reduction::Min => "min",
            Reduction::Max => "max",
            Reduction::Mean => "mean",
            Reduction::Var { .. } => "var",
            Reduction::Std { .. } => "std",
            Reduction::Any => "any",
            Reduction::All => "all",
            Reduction::ArgMin => "argmin",
            Reduction::ArgMax => "argmax",
        }
    }

    /// The result's element type for an input of `dtype`.
    pub fn result_type(self, dtype: DType) -> DType {
        match self {
            // numpy's: floats keep their type, unsigned integers widen to `uint64`, and
            // other integers (and `bool`) to `int64`.
            Reduction::Sum | Reduction::Prod if dtype.is_float() => dtype,
            Reduction::Sum | Reduction::Prod if dtype.is_unsigned() => DType::UInt64,
            Reduction::Sum | Reduction::Prod => DType::Int64,
            Reduction::Min | Reduction::Max => dtype,
            Reduction::Mean | Reduction::Var { .. } | Reduction::Std { .. } => {
                if dtype == DType::Float32 {
                    DType::Float32
                } else {
                    DType::Float64
                }
            }
            Reduction::Any | Reduction::All => DType::Bool,
            Reduction::ArgMin | Reduction::ArgMax => DType::Int64,
        }
    }

    fn is_arg(self) -> bool {
        matches!(self, Reduction::ArgMin | Reduction::ArgMax)
    }
}

/// The partial result of reducing some blocks; reduced axes have length 1.
#[derive(Debug)]
pub(crate) enum Partial {
    /// Sums, products, extremes, any/all: already in the result's type.
    Block(Block),
    /// A mean's running sum over `count` elements per position.
    Mean { sum: ArrayD<f64>, count: f64 },
    /// Count, mean and sum of squared deviations (Chan et al.'s parallel variance).
    Moments {
        count: f64,
        mean: ArrayD<f64>,
        m2: ArrayD<f64>,
    },
    /// The best value so far and its position along the reduced axis (or in the flattened
    /// array).
    Arg { value: Block, index: ArrayD<i64> },
}

pub(crate) struct Reduce {
    input: Array,
    kind: Reduction,
    /// Sorted, distinct.
    axes: Vec<usize>,
    keepdims: bool,
    split_every: usize,
}

impl Reduce {
    pub(crate) fn name(&self) -> &'static str {
        self.kind.name()
    }
}

impl Array {
    /// Reduces over `axes` (all axes when `None`; negative axes count from the end), keeping
    /// them with length 1 when `keepdims`. `argmin`/`argmax` take one axis or none (positions
    /// in the flattened array, as numpy).
    pub fn reduce(&self, kind: Reduction, axes: Option<&[i64]>, keepdims: bool) -> Result<Array> {
        self.reduce_with(kind, axes, keepdims, 4)
    }

    /// [`reduce`](Array::reduce) with at most `split_every` partial results combined per task
    /// (dask's default is 4).
    pub fn reduce_with(
        &self,
        kind: Reduction,
        axes: Option<&[i64]>,
        keepdims: bool,
        split_every: usize,
    ) -> Result<Array> {
        let ndim = self.ndim();
        let mut axes: Vec<usize> = match axes {
            None => (0..ndim).collect(),
            Some(a) => a
                .iter()
                .map(|&x| normalize_axis(x, ndim))
                .collect::<Result<_>>()?,
        };
        axes.sort_unstable();
        axes.dedup();
        if kind.is_arg() && axes.len() > 1 && axes.len() != ndim {
            return Err(Error::Shape(format!(
                "{} takes one axis or none",
                kind.name()
            )));
        }
        if matches!(
            kind,
            Reduction::Min | Reduction::Max | Reduction::ArgMin | Reduction::ArgMax
        ) && axes.iter().any(|&a| self.shape()[a] == 0)
        {
            return Err(Error::Shape(format!(
                "zero-size array to reduction operation {} which has no identity",
                kind.name()
            )));
        }
        if kind.is_arg() && axes.len() == ndim && ndim > 1 && keepdims {
            return Err(Error::Shape(format!(
                "{} without an axis cannot keep dimensions",
                kind.name()
            )));
        }
        let in_chunks = self.chunks();
        let dims: Vec<Vec<usize>> = (0..ndim)
            .filter_map(|a| match (axes.contains(&a), keepdims) {
                (false, _) => Some(in_chunks.axis(a).to_vec()),
                (true, true) => Some(vec![1]),
                (true, false) => None,
            })
            .collect();
        let shape: Vec<usize> = dims.iter().map(|d| d.iter().sum()).collect();
        let chunks = Chunks::explicit(&shape, dims)?;
        let reduce = Reduce {
            input: self.clone(),
            kind,
            axes,
            keepdims,
            split_every: split_every.max(2),
        };
        Ok(Array::from_op(
            kind.result_type(self.dtype()),
            chunks,
            crate::array::Op::Reduce(reduce),
        ))
    }

    /// The sum over `axes` (all when `None`).
    pub fn sum(&self, axes: Option<&[i64]>, keepdims: bool) -> Result<Array> {
        self.reduce(Reduction::Sum, axes, keepdims)
    }

    /// The mean over `axes` (all when `None`).
    pub fn mean(&self, axes: Option<&[i64]>, keepdims: bool) -> Result<Array> {
        self.reduce(Reduction::Mean, axes, keepdims)
    }
}

impl Reduce {
    pub(crate) fn lower(&self, lower: &mut Lower, array: &Array, name: &Arc<str>) -> Result<()> {
        let in_chunks = self.input.chunks();
        let ndim = self.input.ndim();
        let numblocks = in_chunks.numblocks();
        let flat = self.kind.is_arg() && self.axes.len() == ndim && ndim > 1;
        let chunk_name: Arc<str> = format!("{name}-chunk").into();
        let in_shape = self.input.shape();
        // Each block of an element-wise result is summed as it is computed, unless its
        // blocks are made for another use already.
        let (mean, axes) = (self.kind == Reduction::Mean, self.axes.clone());
        let summed = matches!(self.kind, Reduction::Sum | Reduction::Mean)
            && !lower.has(&self.input)
            && crate::elementwise::lower_sums(
                lower,
                &self.input,
                &chunk_name,
                &self.axes,
                move |sum, shape| {
                    Value::Partial(if mean {
                        let count = axes.iter().map(|&a| shape[a]).product::<usize>() as f64;
                        Partial::Mean { sum, count }
                    } else {
                        Partial::Block(Block::new(sum))
                    })
                },
            )?;
        if !summed {
            let input = lower.array(&self.input)?;
            for index in in_chunks.indices() {
                let offsets: Vec<usize> =
                    in_chunks.ranges(&index).iter().map(|r| r.start).collect();
                let (kind, axes, in_shape) = (self.kind, self.axes.clone(), in_shape.clone());
                lower.graph.insert_task(
                    key(&chunk_name, &index),
                    [key(&input, &index)],
                    move |v| {
                        let block = v[0].block()?;
                        Ok(Value::Partial(chunk(
                            kind, block, &axes, &offsets, &in_shape, flat,
                        )?))
                    },
                );
            }
        }
        // Outputs range over the kept axes; reduced axes have one block.
        let kept_counts: Vec<usize> = (0..ndim)
            .map(|a| {
                if self.axes.contains(&a) {
                    1
                } else {
                    numblocks[a]
                }
            })
            .collect();
        let reduced_counts: Vec<usize> = self.axes.iter().map(|&a| numblocks[a]).collect();
        let out_dtype = array.dtype();
        for out in grid(&kept_counts) {
            let mut parts: Vec<Key> = grid(&reduced_counts)
                .into_iter()
                .map(|r| {
                    let mut index = out.clone();
                    for (&a, &i) in self.axes.iter().zip(&r) {
                        index[a] = i;
                    }
                    key(&chunk_name, &index)
                })
                .collect();
            let mut depth = 0;
            while parts.len() > self.split_every {
                depth += 1;
                let level: Arc<str> = format!("{name}-combine{depth}").into();
                parts = parts
                    .chunks(self.split_every)
                    .enumerate()
                    .map(|(j, group)| {
                        let mut at: Vec<usize> = out.clone();
                        at.push(j);
                        let k = key(&level, &at);
                        let kind = self.kind;
                        lower
                            .graph
                            .insert_task(k.clone(), group.to_vec(), move |v| {
                                Ok(Value::Partial(combine(kind, v)?))
                            });
                        k
                    })
                    .collect();
            }
            let out_index: Vec<usize> = if self.keepdims {
                out.clone()
            } else {
                (0..ndim)
                    .filter(|a| !self.axes.contains(a))
                    .map(|a| out[a])
                    .collect()
            };
            let (kind, axes, keepdims) = (self.kind, self.axes.clone(), self.keepdims);
            lower
                .graph
                .insert_task(key(name, &out_index), parts, move |v| {
                    let partial = combine(kind, v)?;
                    Ok(Value::Block(finish(
                        kind, partial, out_dtype, &axes, keepdims, flat,
                    )?))
                });
        }
        Ok(())
    }
}

/// Reduces one block over `axes`, keeping them with length 1.
fn chunk(
    kind: Reduction,
    block: &Block,
    axes: &[usize],
    offsets: &[usize],
    shape: &[usize],
    flat: bool,
) -> Result<Partial, BoxError> {
    let out = kind.result_type(block.dtype());
    Ok(match kind {
        Reduction::Sum => {
            let cast = block.cast(out);
            Partial::Block(match &cast {
                // Integers wrap on overflow, as numpy's do (and as a release build would).
                Block::Int64(a) => Block::new(fold_axes(a, axes, |v, axis| {
                    v.fold_axis(axis, 0, |&acc, &x| acc.wrapping_add(x))
                })),
                Block::UInt64(a) => Block::new(fold_axes(a, axes, |v, axis| {
                    v.fold_axis(axis, 0, |&acc, &x| acc.wrapping_add(x))
                })),
                Block::Float32(a) => Block::new(fold_axes(a, axes, |v, axis| v.sum_axis(axis))),
                Block::Float64(a) => Block::new(fold_axes(a, axes, |v, axis| v.sum_axis(axis))),
                other => return Err(Error::Internal(format!("a sum of {}", other.dtype())).into()),
            })
        }
        Reduction::Prod => {
            let cast = block.cast(out);
            with_block!(&cast, a => Partial::Block(Block::new(fold_axes(a, axes, |v, axis| {
                v.map_axis(axis, |lane| lane.iter().fold(one_of(v), |acc, &x| mul(acc, x)))
            }))))
        }
        Reduction::Min | Reduction::Max => {
            let max = kind == Reduction::Max;
            with_block!(block, a => Partial::Block(Block::new(fold_axes(a, axes, |v, axis| {
                v.map_axis(axis, |lane| extreme(lane.iter().copied(), max))
            }))))
        }
        Reduction::Any | Reduction::All => {
            let b = block.cast(DType::Bool);
            let a = b.expect::<bool>()?;
            let all = kind == Reduction::All;
            Partial::Block(Block::new(fold_axes(a, axes, |v, axis| {
                v.map_axis(axis, |lane| {
                    if all {
                        lane.iter().all(|&x| x)
                    } else {
                        lane.iter().any(|&x| x)
                    }
                })
            })))
        }
        Reduction::Mean => {
            let f = block.cast(DType::Float64);
            let a = f.expect::<f64>()?;
            let count = axes.iter().map(|&ax| a.shape()[ax]).product::<usize>() as f64;
            Partial::Mean {
                sum: fold_axes(a, axes, |v, axis| v.sum_axis(axis)).into_owned(),
                count,
            }
        }
        Reduction::Var { .. } | Reduction::Std { .. } => {
            let f = block.cast(DType::Float64);
            let a = f.expect::<f64>()?;
            let count = axes.iter().map(|&ax| a.shape()[ax]).product::<usize>() as f64;
            let sum = fold_axes(a, axes, |v, axis| v.sum_axis(axis));
            let mean = sum.mapv(|s| if count > 0.0 { s / count } else { f64::NAN });
            let dev = a.to_owned() - &mean.broadcast(a.raw_dim()).ok_or("broadcast of a mean")?;
            let sq = dev.mapv(|d| d * d).into_shared();
            let m2 = fold_axes(&sq, axes, |v, axis| v.sum_axis(axis));
            Partial::Moments {
                count,
                mean: mean.into_owned(),
                m2: m2.into_owned(),
            }
        }
        Reduction::ArgMin | Reduction::ArgMax => {
            let max = kind == Reduction::ArgMax;
            with_block!(block, a => arg_chunk(a, axes, offsets, shape, flat, max))
        }
    })
}

fn one_of<T: Element>(_: &ArcArray<T, IxDyn>) -> T {
    T::from_i64(1)
}

/// `a * b`, wrapping for integers as numpy's multiplication does.
pub(crate) fn mul<T: Element>(a: T, b: T) -> T {
    if T::DTYPE.is_float() {
        T::from_f64(a.to_f64() * b.to_f64())
    } else {
        T::from_i64(a.to_i64().wrapping_mul(b.to_i64()))
    }
}

/// NaN counts as the extreme, as numpy's `min`/`max` propagate it.
fn extreme<T: Element>(values: impl Iterator<Item = T>, max: bool) -> T {
    let mut best: Option<T> = None;
    for v in values {
        best = Some(match best {
            None => v,
            Some(b) if v.is_nan() || (!b.is_nan() && (if max { v > b } else { v < b })) => v,
            Some(b) => b,
        });
    }
    best.unwrap_or_default()
}

/// `f` applied over each of `axes`, each kept with length 1.
fn fold_axes<T: Element>(
    a: &ArcArray<T, IxDyn>,
    axes: &[usize],
    f: impl Fn(&ArcArray<T, IxDyn>, Axis) -> ArrayD<T>,
) -> ArcArray<T, IxDyn> {
    let mut v = a.clone();
    for &axis in axes {
        v = f(&v, Axis(axis)).insert_axis(Axis(axis)).into_shared();
    }
    v
}

fn arg_chunk<T: Element>(
    a: &ArcArray<T, IxDyn>,
    axes: &[usize],
    offsets: &[usize],
    shape: &[usize],
    flat: bool,
    max: bool,
) -> Partial {
    if flat || a.ndim() <= 1 {
        // One best value for the block and its position in the flattened array.
        let mut best: Option<(T, i64)> = None;
        let mut strides = vec![1i64; shape.len()];
        for axis in (0..shape.len().saturating_sub(1)).rev() {
            strides[axis] = strides[axis + 1] * shape[axis + 1] as i64;
        }
        for (idx, &v) in a.indexed_iter() {
            let pos: i64 = (0..shape.len())
                .map(|ax| (idx[ax] + offsets[ax]) as i64 * strides[ax])
                .sum();
            best = Some(match best {
                None => (v, pos),
                Some(b) => pick((v, pos), b, max),
            });
        }
        let (value, index) = best.unwrap_or((T::default(), 0));
        let ones = vec![1usize; a.ndim()];
        return Partial::Arg {
            value: Block::new(ArrayD::from_elem(IxDyn(&ones), value)),
            index: ArrayD::from_elem(IxDyn(&ones), index),
        };
    }
    let axis = axes[0];
    let offset = offsets[axis] as i64;
    let pairs = a.map_axis(Axis(axis), |lane| {
        lane.iter()
            .enumerate()
            .fold(None, |best: Option<(T, i64)>, (i, &v)| {
                let here = (v, offset + i as i64);
                Some(match best {
                    None => here,
                    Some(b) => pick(here, b, max),
                })
            })
            .unwrap_or((T::default(), 0))
    });
    Partial::Arg {
        value: Block::new(pairs.mapv(|p| p.0).insert_axis(Axis(axis))),
        index: pairs.mapv(|p| p.1).insert_axis(Axis(axis)),
    }
}

/// The better of two (value, position) pairs: a NaN beats everything, then the extreme value,
/// then the smaller position.
fn pick<T: Element>(a: (T, i64), b: (T, i64), max: bool) -> (T, i64) {
    let (a_nan, b_nan) = (a.0.is_nan(), b.0.is_nan());
    let a_wins = match (a_nan, b_nan) {
        (true, true) => a.1 < b.1,
        (true, false) => true,
        (false, true) => false,
        (false, false) => {
            let better = if max { a.0 > b.0 } else { a.0 < b.0 };
            better || (a.0 == b.0 && a.1 < b.1)
        }
    };
    if a_wins { a } else { b }
}

/// Combines partial results of the same shape into one.
fn combine(kind: Reduction, values: &Inputs<'_, Value>) -> Result<Partial, BoxError> {
    let parts: Vec<&Partial> = values.iter().map(Value::partial).collect::<Result<_>>()?;
    let (first, rest) = parts.split_first().ok_or("a reduction with no blocks")?;
    let mut acc = clone_partial(first);
    for p in rest {
        acc = merge(kind, acc, p)?;
    }
    Ok(acc)
}

fn clone_partial(p: &Partial) -> Partial {
    match p {
        Partial::Block(b) => Partial::Block(b.clone()),
        Partial::Mean { sum, count } => Partial::Mean {
            sum: sum.clone(),
            count: *count,
        },
        Partial::Moments { count, mean, m2 } => Partial::Moments {
            count: *count,
            mean: mean.clone(),
            m2: m2.clone(),
        },
        Partial::Arg { value, index } => Partial::Arg {
            value: value.clone(),
            index: index.clone(),
        },
    }
}

fn merge(kind: Reduction, acc: Partial, p: &Partial) -> Result<Partial, BoxError> {
    Ok(match (acc, p) {
        (Partial::Block(a), Partial::Block(b)) => Partial::Block(with_block!(&a, x => {
            let y = b.expect()?;
            let mut out = x.to_owned();
            match kind {
                Reduction::Sum => Zip::from(&mut out).and(y).for_each(|o, &v| *o = add(*o, v)),
                Reduction::Prod => Zip::from(&mut out).and(y).for_each(|o, &v| *o = mul(*o, v)),
                Reduction::Min | Reduction::Max | Reduction::Any | Reduction::All => {
                    let max = matches!(kind, Reduction::Max | Reduction::Any);
                    Zip::from(&mut out).and(y).for_each(|o, &v| *o = extreme([*o, v].into_iter(), max));
                }
                _ => return Err(Error::Internal("a block partial for a moment".into()).into()),
            }
            Block::new(out)
        })),
        (Partial::Mean { sum, count }, Partial::Mean { sum: s2, count: c2 }) => Partial::Mean {
            sum: sum + s2,
            count: count + c2,
        },
        (
            Partial::Moments {
                count: na,
                mean: ma,
                m2: m2a,
            },
            Partial::Moments {
                count: nb,
                mean: mb,
                m2: m2b,
            },
        ) => {
            let n = na + nb;
            if n == 0.0 {
                Partial::Moments {
                    count: 0.0,
                    mean: ma,
                    m2: m2a,
                }
            } else {
                let delta = mb - &ma;
                let mean = &ma + &(&delta * (nb / n));
                let m2 = m2a + m2b + &(delta.mapv(|d| d * d) * (na * nb / n));
                Partial::Moments { count: n, mean, m2 }
            }
        }
        (
            Partial::Arg { value, index },
            Partial::Arg {
                value: v2,
                index: i2,
            },
        ) => {
            let max = kind == Reduction::ArgMax;
            with_block!(&value, a => {
                let b = v2.expect()?;
                let mut values = a.to_owned();
                let mut positions = index;
                Zip::from(&mut values).and(&mut positions).and(b).and(i2).for_each(|v, i, &w, &j| {
                    let (bv, bi) = pick((*v, *i), (w, j), max);
                    *v = bv;
                    *i = bi;
                });
                Partial::Arg { value: Block::new(values), index: positions }
            })
        }
        _ => return Err(Error::Internal("partial results of different kinds".into()).into()),
    })
}

/// `a + b`, wrapping for integers as numpy's addition does.
pub(crate) fn add<T: Element>(a: T, b: T) -> T {
    if T::DTYPE.is_float() {
        T::from_f64(a.to_f64() + b.to_f64())
    } else {
        T::from_i64(a.to_i64().wrapping_add(b.to_i64()))
    }
}

/// The final block: the partial finished, converted to `dtype`, reduced axes dropped unless
/// kept.
fn finish(
    kind: Reduction,
    partial: Partial,
    dtype: DType,
    axes: &[usize],
    keepdims: bool,
    flat: bool,
) -> Result<Block, BoxError> {
    let block = match (kind, partial) {
        (_, Partial::Block(b)) => b,
        (_, Partial::Mean { sum, count }) => Block::new(sum.mapv(|s| s / count)).cast(dtype),
        (Reduction::Std { ddof }, Partial::Moments { count, m2, .. }) => {
            Block::new(m2.mapv(|m| (m / (count - f64::from(ddof))).sqrt())).cast(dtype)
        }
        (_, Partial::Moments { count, m2, .. }) => {
            let ddof = if let Reduction::Var { ddof } = kind {
                ddof
            } else {
                0
            };
            Block::new(m2.mapv(|m| m / (count - f64::from(ddof)))).cast(dtype)
        }
        (_, Partial::Arg { index, .. }) => Block::new(index),
    };
    if keepdims {
        return Ok(block);
    }
    let mut b = block;
    if flat {
        return b.reshape(&[]).map_err(Into::into);
    }
    for &axis in axes.iter().rev() {
        b = b.index_axis(axis, 0);
    }
    Ok(b)
}
