//! Transposing and reshaping.

use std::sync::Arc;

use crate::array::Op;
use crate::error::{normalize_axis, shape_text};
use crate::lower::{Lower, Value, key};
use crate::{Array, Chunks, Error, Result};

impl Array {
    /// The array with its axes reordered: axis `i` of the result is axis `axes[i]` of this one
    /// (reversed when `None`, as numpy's `transpose`). Blocks are views: nothing is copied.
    pub fn transpose(&self, axes: Option<&[i64]>) -> Result<Array> {
        let ndim = self.ndim();
        let perm: Vec<usize> = match axes {
            None => (0..ndim).rev().collect(),
            Some(a) => {
                let p = a
                    .iter()
                    .map(|&x| normalize_axis(x, ndim))
                    .collect::<Result<Vec<_>>>()?;
                let mut sorted = p.clone();
                sorted.sort_unstable();
                if sorted != (0..ndim).collect::<Vec<_>>() {
                    return Err(Error::Shape(format!(
                        "axes don't match array: {a:?} for {ndim} dimensions"
                    )));
                }
                p
            }
        };
        if perm.iter().enumerate().all(|(i, &p)| i == p) {
            return Ok(self.clone());
        }
        let chunks = self.chunks().permuted(&perm);
        Ok(Array::from_op(
            self.dtype(),
            chunks,
            Op::Transpose {
                input: self.clone(),
                perm,
            },
        ))
    }

    /// `x.T`: the axes reversed.
    pub fn t(&self) -> Array {
        self.transpose(None).unwrap_or_else(|_| self.clone())
    }

    /// The same elements (in C order) in a new shape; one length may be `-1` (inferred).
    /// The leading axis stays chunked (rechunked so that blocks hold whole rows of the result);
    /// the other axes of the result are not cut.
    pub fn reshape(&self, shape: &[i64]) -> Result<Array> {
        let size = self.size();
        let known: i64 = shape.iter().filter(|&&n| n != -1).product();
        let unknown = shape.iter().filter(|&&n| n == -1).count();
        let bad = || {
            Error::Shape(format!(
                "cannot reshape array of size {size} into shape {}",
                shape_text(&shape.iter().map(|&n| n.max(0) as usize).collect::<Vec<_>>())
            ))
        };
        if unknown > 1 || shape.iter().any(|&n| n < -1) {
            return Err(bad());
        }
        let out: Vec<usize> = shape
            .iter()
            .map(|&n| {
                if n == -1 {
                    if known == 0 { 0 } else { size / known as usize }
                } else {
                    n as usize
                }
            })
            .collect();
        if out.iter().product::<usize>() != size {
            return Err(bad());
        }
        if out == self.shape() {
            return Ok(self.clone());
        }
        let in_shape = self.shape();
        let trailing_in: usize = in_shape.iter().skip(1).product();
        let trailing_out: usize = out.iter().skip(1).product();
        let (input, out_chunks) = if self.ndim() == 0
            || out.is_empty()
            || size == 0
            || trailing_in == 0
            || trailing_out == 0
        {
            (
                self.rechunk(Chunks::single(&in_shape))?,
                Chunks::single(&out),
            )
        } else {
            // Input blocks of a multiple of `m` rows hold whole rows of the output.
            let m = lcm(trailing_in, trailing_out) / trailing_in;
            let wanted = self.chunksize()[0].max(1).div_ceil(m) * m;
            let mut lengths = Vec::new();
            let mut left = in_shape[0];
            while left > 0 {
                let l = wanted.min(left);
                lengths.push(l);
                left -= l;
            }
            let mut dims = vec![lengths.clone()];
            dims.extend(in_shape.iter().skip(1).map(|&n| vec![n]));
            let input = self.rechunk(Chunks::explicit(&in_shape, dims)?)?;
            let mut out_dims = vec![
                lengths
                    .iter()
                    .map(|r| r * trailing_in / trailing_out)
                    .collect::<Vec<_>>(),
            ];
            out_dims.extend(out.iter().skip(1).map(|&n| vec![n]));
            (input, Chunks::explicit(&out, out_dims)?)
        };
        Ok(Array::from_op(
            self.dtype(),
            out_chunks,
            Op::Reshape { input },
        ))
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn lcm(a: usize, b: usize) -> usize {
    a / gcd(a, b) * b
}

pub(crate) fn lower_transpose(
    lower: &mut Lower,
    array: &Array,
    name: &Arc<str>,
    input: &Array,
    perm: &[usize],
) -> Result<()> {
    let source = lower.array(input)?;
    for out in array.chunks().indices() {
        let mut at = vec![0; perm.len()];
        for (i, &p) in perm.iter().enumerate() {
            at[p] = out[i];
        }
        let perm = perm.to_vec();
        lower
            .graph
            .insert_task(key(name, &out), [key(&source, &at)], move |v| {
                Ok(Value::Block(v[0].block()?.permute(&perm)))
            });
    }
    Ok(())
}

/// Block `i` of the input (rows along the first axis, the rest whole) is block `i` of the output.
pub(crate) fn lower_reshape(
    lower: &mut Lower,
    array: &Array,
    name: &Arc<str>,
    input: &Array,
) -> Result<()> {
    let source = lower.array(input)?;
    let in_blocks = input.chunks().indices();
    for (out, at) in array.chunks().indices().into_iter().zip(in_blocks) {
        let shape = array.chunks().block_shape(&out);
        lower
            .graph
            .insert_task(key(name, &out), [key(&source, &at)], move |v| {
                Ok(Value::Block(v[0].block()?.reshape(&shape)?))
            });
    }
    Ok(())
}
