//! Nodes of n-d arrays (`spec/blaze.md`, "N-d arrays"): `x.T` and `x.transpose(axes)`,
//! `x.dot(y)` and `tensordot(x, y, axes)`, and reductions along some axes or keeping their
//! dimensions (`x.sum(axis=1)`, `x.sum(keepdims=True)`). Typed here; computed by the arrays
//! crate.

use blaze_datashape::{DataShape, Dim, Measure};

use crate::build::sliced_dim;
use crate::error::{Error, Result};
use crate::expr::{AxisIndex, BinaryOp, Expr, Index, Op, Reduction};
use crate::types::{binary_element, element, record_of, reduction, reduction_name, with_dims};

impl Expr {
    /// This array indexed along its leading axes, one index each (`x[10:20, ::2]`); an
    /// integer drops its axis, axes after the indices are kept. One index is [`Expr::slice`]
    /// or [`Expr::take`].
    pub fn slice_axes(&self, indices: Vec<AxisIndex>) -> Result<Expr> {
        match indices.as_slice() {
            [AxisIndex::Index(index)] => return self.slice(*index),
            [AxisIndex::Take(positions)] => return self.take(positions.clone()),
            _ => {}
        }
        let dims = self.array_dims("indexing several axes")?;
        let given = indices.iter().filter(|i| **i != AxisIndex::NewAxis).count();
        if given > dims.len() {
            return Err(Error::typing(format!(
                "too many indices for {self}: it has {} dimensions, {given} were given",
                dims.len(),
            )));
        }
        check_take_placement(&indices)?;
        let mut kept_dims = Vec::with_capacity(dims.len() + indices.len() - given);
        let mut axes = dims.iter().enumerate();
        for index in &indices {
            if *index == AxisIndex::NewAxis {
                kept_dims.push(Dim::Fixed(1));
                continue;
            }
            let (axis, dim) = axes.next().expect("no more indices than axes");
            let out_of_bounds = |i: i64| {
                Error::typing(format!(
                    "index {i} is out of bounds for axis {axis} with size {dim}"
                ))
            };
            let within = |i: i64| match dim {
                Dim::Fixed(n) => i < *n as i64 && i >= -(*n as i64),
                _ => true,
            };
            match index {
                AxisIndex::NewAxis => unreachable!("new axes were taken above"),
                AxisIndex::Index(Index::At(i)) => {
                    if !within(*i) {
                        return Err(out_of_bounds(*i));
                    }
                }
                AxisIndex::Index(Index::Range { step: Some(0), .. }) => {
                    return Err(Error::typing("slice step cannot be zero"));
                }
                AxisIndex::Index(Index::Range { start, stop, step }) => {
                    kept_dims.push(sliced_dim(dim, *start, *stop, *step));
                }
                AxisIndex::Take(positions) => {
                    if let Some(&i) = positions.iter().find(|&&i| !within(i)) {
                        return Err(out_of_bounds(i));
                    }
                    kept_dims.push(Dim::Fixed(positions.len() as u64));
                }
            }
        }
        kept_dims.extend(axes.map(|(_, dim)| dim.clone()));
        Ok(Expr::new(
            Op::SliceAxes {
                child: self.clone(),
                indices,
            },
            with_dims(&kept_dims, element(self.dshape())),
            self.name().map(str::to_owned),
        ))
    }

    /// The axes of this array permuted: axis `i` of the result is axis `axes[i]` of this one.
    pub fn transpose(&self, axes: Vec<i64>) -> Result<Expr> {
        let ndim = self.array_dims("transpose")?.len();
        let axes = if axes.is_empty() {
            (0..ndim).rev().collect()
        } else {
            normalize_axes(&axes, ndim, "transpose")?
        };
        if axes.len() != ndim {
            return Err(Error::typing(format!(
                "transpose takes a permutation of all {ndim} axes of {self}, not {} of them",
                axes.len()
            )));
        }
        let dims = self.dshape().dims();
        let permuted: Vec<Dim> = axes.iter().map(|&a| dims[a].clone()).collect();
        Ok(Expr::new(
            Op::Transpose {
                child: self.clone(),
                axes,
            },
            with_dims(&permuted, element(self.dshape())),
            self.name().map(str::to_owned),
        ))
    }

    /// The running sum (or product) along `axis`, or over the flattened array without one,
    /// as numpy's `cumsum` (`cumprod`): floats stay of their width, integers and booleans
    /// become int64.
    pub fn cumulative(&self, axis: Option<i64>, product: bool) -> Result<Expr> {
        let name = if product { "cumprod" } else { "cumsum" };
        let dims = self.array_dims(name)?;
        let (axis, dims) = match axis {
            Some(axis) => {
                let [axis] = normalize_axes(&[axis], dims.len(), name)?[..] else {
                    unreachable!("one axis in, one out")
                };
                (Some(axis), dims.to_vec())
            }
            None => {
                let size = dims.iter().try_fold(1, |size, dim| match dim {
                    Dim::Fixed(n) => Some(size * n),
                    _ => None,
                });
                (None, vec![size.map_or(Dim::Var, Dim::Fixed)])
            }
        };
        let element = element(self.dshape());
        let measure = match element.measure() {
            m @ (Measure::Float32 | Measure::Float64) => m.clone(),
            // As their sums: unsigned integers to `uint64`, others to `int64` (numpy's).
            m if m.is_integer() => {
                let (signed, _) = m.integer_bits().expect("an integer");
                Measure::integer(signed, 64).expect("64-bit integers exist")
            }
            Measure::Bool => Measure::Int64,
            _ => {
                return Err(Error::typing(format!(
                    "{name}() needs numbers, not {element}"
                )));
            }
        };
        Ok(Expr::new(
            Op::Cumulative {
                child: self.clone(),
                axis,
                product,
            },
            with_dims(&dims, DataShape::scalar(measure)),
            self.name().map(str::to_owned),
        ))
    }

    /// The sum of products over pairs of axes: axis `left[i]` of this array with axis
    /// `right[i]` of `other`. The result's axes are this one's others, then `other`'s.
    pub fn tensordot(&self, other: &Expr, left: Vec<i64>, right: Vec<i64>) -> Result<Expr> {
        let (ldims, rdims) = (
            self.array_dims("tensordot")?,
            other.array_dims("tensordot")?,
        );
        let left = normalize_axes(&left, ldims.len(), "tensordot")?;
        let right = normalize_axes(&right, rdims.len(), "tensordot")?;
        if left.len() != right.len() {
            return Err(Error::typing(format!(
                "tensordot pairs axes: {} of {self} with {} of {other}",
                left.len(),
                right.len()
            )));
        }
        for (&l, &r) in left.iter().zip(&right) {
            if let (Dim::Fixed(a), Dim::Fixed(b)) = (&ldims[l], &rdims[r])
                && a != b
            {
                return Err(Error::typing(format!(
                    "shapes do not align: axis {l} of {self} has {a} elements, axis {r} of {other} has {b}"
                )));
            }
        }
        let product = binary_element(
            BinaryOp::Mul,
            &element(self.dshape()),
            &element(other.dshape()),
        )?;
        let summed = reduction(Reduction::Sum, &with_dims(&[Dim::Var], product))?;
        let dims: Vec<Dim> = kept(ldims, &left).chain(kept(rdims, &right)).collect();
        Ok(Expr::new(
            Op::TensorDot {
                lhs: self.clone(),
                rhs: other.clone(),
                left_axes: left,
                right_axes: right,
            },
            with_dims(&dims, summed),
            self.name().map(str::to_owned),
        ))
    }

    /// `x.dot(y)`, as NumPy: the last axis of `x` with the only axis of a 1-d `y`, or with the
    /// second to last of `y`.
    pub fn dot(&self, other: &Expr) -> Result<Expr> {
        let (l, r) = (
            self.array_dims("dot")?.len() as i64,
            other.array_dims("dot")?.len() as i64,
        );
        self.tensordot(other, vec![l - 1], vec![(r - 2).max(0)])
    }

    /// A reduction along `axes` (all when empty), keeping them as dimensions of length 1 when
    /// `keepdims`: `x.sum(axis=1)`. Reducing every axis without keeping them is
    /// [`Expr::reduce`].
    pub fn reduce_axes(&self, op: Reduction, axes: Vec<i64>, keepdims: bool) -> Result<Expr> {
        let ndim = self.dshape().dims().len();
        let axes = if axes.is_empty() {
            (0..ndim).collect()
        } else {
            normalize_axes(&axes, ndim, reduction_name(op))?
        };
        if matches!(op, Reduction::ArgMin | Reduction::ArgMax) {
            if axes.len() > 1 && axes.len() < ndim {
                return Err(Error::typing(format!(
                    "{}() takes one axis or none, as numpy's",
                    reduction_name(op)
                )));
            }
            if axes.len() == ndim && ndim > 1 && keepdims {
                return Err(Error::typing(format!(
                    "{}() of every axis is a position in the flattened array, which keeps no dimensions",
                    reduction_name(op)
                )));
            }
        }
        if axes.len() == ndim && !keepdims {
            return self.reduce(op);
        }
        let measure = reduction(op, self.dshape())?;
        let dims = self.dshape().dims();
        let dims: Vec<Dim> = if keepdims {
            (0..ndim)
                .map(|i| {
                    if axes.contains(&i) {
                        Dim::Fixed(1)
                    } else {
                        dims[i].clone()
                    }
                })
                .collect()
        } else {
            kept(dims, &axes).collect()
        };
        let name = self.reduce(op)?.name().map(str::to_owned);
        Ok(Expr::new(
            Op::AxisReduction {
                op,
                child: self.clone(),
                axes,
                keepdims,
            },
            with_dims(&dims, measure),
            name,
        ))
    }

    /// The dimensions of this expression, which `doing` needs to be an array (not a table).
    /// Whether this is computed over n-d arrays only: no part of it is a table (rows of
    /// records) or has a dimension of variable length. Arrays combine element-wise by
    /// broadcasting, where columns must be over the same rows.
    pub fn is_over_arrays(&self) -> bool {
        let dims = self.dshape().dims();
        dims.iter().all(|d| matches!(d, Dim::Fixed(_)))
            && (dims.is_empty() || record_of(self.dshape()).is_none())
            && self.children().into_iter().all(Expr::is_over_arrays)
    }

    fn array_dims(&self, doing: &str) -> Result<&[Dim]> {
        let dims = self.dshape().dims();
        if dims.is_empty() || record_of(self.dshape()).is_some() {
            return Err(Error::typing(format!(
                "{doing} works on n-d arrays, and {self} is {}",
                self.dshape()
            )));
        }
        Ok(dims)
    }
}

/// One list of positions per index, and not where numpy would lay the result out other than
/// in the axes' order: with integers apart from the list (`x[1, :, [0, 2]]`), numpy puts the
/// picked axis first.
fn check_take_placement(indices: &[AxisIndex]) -> Result<()> {
    let takes: Vec<usize> = (0..indices.len())
        .filter(|&p| matches!(indices[p], AxisIndex::Take(_)))
        .collect();
    let Some(&take) = takes.first() else {
        return Ok(());
    };
    if takes.len() > 1 {
        return Err(Error::typing(
            "only one axis can be indexed by a list of positions",
        ));
    }
    let advanced: Vec<usize> = (0..indices.len())
        .filter(|&p| {
            matches!(
                indices[p],
                AxisIndex::Take(_) | AxisIndex::Index(Index::At(_))
            )
        })
        .collect();
    let together = advanced.last().map_or(0, |last| last + 1 - advanced[0]) == advanced.len();
    let axes_before = indices[..take]
        .iter()
        .filter(|i| !matches!(i, AxisIndex::Index(Index::At(_))))
        .count();
    if together || axes_before == 0 {
        return Ok(());
    }
    Err(Error::typing(
        "integers apart from a list of positions (as in x[1, :, [0, 2]]) are not supported: \
         index in two steps (x[1][:, [0, 2]])",
    ))
}

/// The dimensions not in `axes`, in order.
fn kept<'a>(dims: &'a [Dim], axes: &'a [usize]) -> impl Iterator<Item = Dim> + 'a {
    dims.iter()
        .enumerate()
        .filter(|(i, _)| !axes.contains(i))
        .map(|(_, d)| d.clone())
}

/// Axes counted from the end when negative, checked to be axes of an `ndim`-d array and
/// distinct.
fn normalize_axes(axes: &[i64], ndim: usize, doing: &str) -> Result<Vec<usize>> {
    let mut out = Vec::with_capacity(axes.len());
    for &axis in axes {
        let normal = if axis < 0 { axis + ndim as i64 } else { axis };
        if !(0..ndim as i64).contains(&normal) {
            return Err(Error::typing(format!(
                "{doing}: axis {axis} is out of bounds for {ndim} dimension{}",
                if ndim == 1 { "" } else { "s" }
            )));
        }
        if out.contains(&(normal as usize)) {
            return Err(Error::typing(format!("{doing}: axis {axis} is repeated")));
        }
        out.push(normal as usize);
    }
    Ok(out)
}

/// Whether `left`/`right` are the axes `x.dot(y)` pairs for arrays of `l` and `r` dimensions.
pub(crate) fn is_dot(left: &[usize], right: &[usize], l: usize, r: usize) -> bool {
    left == [l - 1] && right == [r.saturating_sub(2)]
}
