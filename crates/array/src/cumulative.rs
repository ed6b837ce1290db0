//! Cumulative sums and products along an axis: each block's own running result plus the last
//! values of the block before it along the axis (dask's sequential method).

use std::sync::Arc;

use blaze_tasks::BoxError;
use ndarray::{ArcArray, Axis, IxDyn};

use crate::array::Op;
use crate::error::normalize_axis;
use crate::lower::{Lower, Value, key};
use crate::{Array, Block, Element, Error, Reduction, Result};

pub(crate) struct Cumulative {
    input: Array,
    axis: usize,
    product: bool,
}

impl Cumulative {
    pub(crate) fn name(&self) -> &'static str {
        if self.product { "cumprod" } else { "cumsum" }
    }
}

impl Array {
    /// The running sum along `axis` (in the type of its sum: `int64` for `bool` and signed
    /// integers, `uint64` for unsigned ones).
    pub fn cumsum(&self, axis: i64) -> Result<Array> {
        self.cumulative(axis, false)
    }

    /// The running product along `axis` (typed as the running sum).
    pub fn cumprod(&self, axis: i64) -> Result<Array> {
        self.cumulative(axis, true)
    }

    fn cumulative(&self, axis: i64, product: bool) -> Result<Array> {
        let axis = normalize_axis(axis, self.ndim())?;
        let dtype = Reduction::Sum.result_type(self.dtype());
        let input = self.astype(dtype)?;
        let chunks = input.chunks().clone();
        Ok(Array::from_op(
            dtype,
            chunks,
            Op::Cumulative(Cumulative {
                input,
                axis,
                product,
            }),
        ))
    }
}

impl Cumulative {
    pub(crate) fn lower(&self, lower: &mut Lower, array: &Array, name: &Arc<str>) -> Result<()> {
        let source = lower.array(&self.input)?;
        for out in array.chunks().indices() {
            let mut deps = vec![key(&source, &out)];
            if out[self.axis] > 0 {
                let mut before = out.clone();
                before[self.axis] -= 1;
                deps.push(key(name, &before));
            }
            let (axis, product) = (self.axis, self.product);
            lower.graph.insert_task(key(name, &out), deps, move |v| {
                let block = v[0].block()?;
                let carry = if v.len() > 1 {
                    Some(v[1].block()?)
                } else {
                    None
                };
                Ok(Value::Block(match block {
                    Block::Int64(a) => Block::new(running(a, carry, axis, product)?),
                    Block::UInt64(a) => Block::new(running(a, carry, axis, product)?),
                    Block::Float32(a) => Block::new(running(a, carry, axis, product)?),
                    Block::Float64(a) => Block::new(running(a, carry, axis, product)?),
                    other => {
                        return Err(Error::Internal(format!(
                            "a running total of {}",
                            other.dtype()
                        ))
                        .into());
                    }
                }))
            });
        }
        Ok(())
    }
}

/// The running total of `a` along `axis`, continuing from the last values of `carry`.
fn running<T: Element + ndarray::LinalgScalar>(
    a: &ArcArray<T, IxDyn>,
    carry: Option<&Block>,
    axis: usize,
    product: bool,
) -> Result<ArcArray<T, IxDyn>, BoxError> {
    let mut out = a.to_owned();
    let op = |x: T, y: T| {
        if product {
            crate::reduce::mul(x, y)
        } else {
            crate::reduce::add(x, y)
        }
    };
    if let Some(carry) = carry {
        let c = carry.expect::<T>()?;
        let n = c.shape()[axis];
        if n > 0 && out.shape()[axis] > 0 {
            let last = c.index_axis(Axis(axis), n - 1);
            let mut first = out.index_axis_mut(Axis(axis), 0);
            first.zip_mut_with(&last, |x, &y| *x = op(*x, y));
        }
    }
    out.accumulate_axis_inplace(Axis(axis), |&prev, cur| *cur = op(*cur, prev));
    Ok(out.into_shared())
}
