//! Element-wise operations with numpy's broadcasting and type rules. Chains of them fuse into
//! one expression per block, evaluated in one pass by [`kernel`].

mod kernel;
mod ops;

use std::collections::HashMap;
use std::sync::Arc;

use blaze_tasks::{BoxError, Key};

pub use ops::{BinaryOp, UnaryOp};

use crate::array::Op;
use crate::error::shape_text;
use crate::lower::{Lower, Value, blocks, key};
use crate::{Array, Block, Chunks, DType, Error, Result, Scalar};

/// An element-wise expression over the inputs of one block, typed at every node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expr {
    pub(crate) dtype: DType,
    pub(crate) kind: ExprKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ExprKind {
    /// The input array at this position.
    Input(usize),
    /// A constant, already of the node's type.
    Const(Scalar),
    Cast(Box<Expr>),
    Unary(UnaryOp, Box<Expr>),
    /// Both operands have the same type; the node's type is theirs or `bool`.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// A `bool` condition, then two operands of the node's type.
    Where(Box<Expr>, Box<Expr>, Box<Expr>),
}

/// Expressions bigger than this are not inlined into their users (inlining copies them).
const MAX_INLINE: usize = 64;

impl Expr {
    fn size(&self) -> usize {
        match &self.kind {
            ExprKind::Input(_) | ExprKind::Const(_) => 1,
            ExprKind::Cast(a) | ExprKind::Unary(_, a) => 1 + a.size(),
            ExprKind::Binary(_, a, b) => 1 + a.size() + b.size(),
            ExprKind::Where(c, a, b) => 1 + c.size() + a.size() + b.size(),
        }
    }

    fn cast(self, dtype: DType) -> Expr {
        if self.dtype == dtype {
            return self;
        }
        match self.kind {
            ExprKind::Const(s) => Expr {
                dtype,
                kind: ExprKind::Const(s),
            },
            kind => Expr {
                dtype,
                kind: ExprKind::Cast(Box::new(Expr {
                    dtype: self.dtype,
                    kind,
                })),
            },
        }
    }

    fn renumber(self, map: &[usize]) -> Expr {
        let kind = match self.kind {
            ExprKind::Input(i) => ExprKind::Input(map[i]),
            ExprKind::Const(s) => ExprKind::Const(s),
            ExprKind::Cast(a) => ExprKind::Cast(Box::new(a.renumber(map))),
            ExprKind::Unary(op, a) => ExprKind::Unary(op, Box::new(a.renumber(map))),
            ExprKind::Binary(op, a, b) => {
                ExprKind::Binary(op, Box::new(a.renumber(map)), Box::new(b.renumber(map)))
            }
            ExprKind::Where(c, a, b) => ExprKind::Where(
                Box::new(c.renumber(map)),
                Box::new(a.renumber(map)),
                Box::new(b.renumber(map)),
            ),
        };
        Expr {
            dtype: self.dtype,
            kind,
        }
    }
}

/// An operand of an element-wise operation: an array or a Python-style scalar.
#[derive(Clone, Debug)]
pub enum Operand {
    /// An array, broadcast against the other operands.
    Array(Array),
    /// A scalar, weakly typed (NEP 50): `x + 1` keeps `x`'s integer type.
    Scalar(Scalar),
}

impl From<&Array> for Operand {
    fn from(a: &Array) -> Self {
        Operand::Array(a.clone())
    }
}

impl From<Array> for Operand {
    fn from(a: Array) -> Self {
        Operand::Array(a)
    }
}

impl From<Scalar> for Operand {
    fn from(s: Scalar) -> Self {
        Operand::Scalar(s)
    }
}

impl From<f64> for Operand {
    fn from(v: f64) -> Self {
        Operand::Scalar(Scalar::Float(v))
    }
}

impl From<i64> for Operand {
    fn from(v: i64) -> Self {
        Operand::Scalar(Scalar::Int(v))
    }
}

impl From<bool> for Operand {
    fn from(v: bool) -> Self {
        Operand::Scalar(Scalar::Bool(v))
    }
}

/// Collects the arrays of a new element-wise node and the expressions standing for operands.
#[derive(Default)]
struct Builder {
    inputs: Vec<Array>,
    positions: HashMap<u64, usize>,
}

/// An operand's expression before typing against the others: scalars stay weak.
enum Term {
    Expr(Expr),
    Scalar(Scalar),
}

impl Builder {
    fn input(&mut self, a: &Array) -> usize {
        *self.positions.entry(a.0.id).or_insert_with(|| {
            self.inputs.push(a.clone());
            self.inputs.len() - 1
        })
    }

    fn term(&mut self, operand: &Operand) -> Term {
        match operand {
            Operand::Scalar(s) => Term::Scalar(*s),
            Operand::Array(a) => {
                if let Op::Elementwise { inputs, expr } = &a.0.op
                    && expr.size() <= MAX_INLINE
                {
                    let map: Vec<usize> = inputs.iter().map(|i| self.input(i)).collect();
                    return Term::Expr(Expr::clone(expr).renumber(&map));
                }
                Term::Expr(Expr {
                    dtype: a.dtype(),
                    kind: ExprKind::Input(self.input(a)),
                })
            }
        }
    }

    fn finish(self, expr: Expr) -> Result<Array> {
        let shapes: Vec<Vec<usize>> = self.inputs.iter().map(Array::shape).collect();
        let shape = broadcast_shapes(&shapes)?;
        let chunks = unify_chunks(&self.inputs, &shape)?;
        let inputs = self
            .inputs
            .iter()
            .map(|a| align(a, &chunks))
            .collect::<Result<Vec<_>>>()?;
        Ok(Array::from_op(
            expr.dtype,
            chunks,
            Op::Elementwise {
                inputs,
                expr: Arc::new(expr),
            },
        ))
    }
}

fn typed(term: Term, dtype: DType) -> Expr {
    match term {
        Term::Expr(e) => e.cast(dtype),
        Term::Scalar(s) => Expr {
            dtype,
            kind: ExprKind::Const(s),
        },
    }
}

fn term_dtype(term: &Term) -> Option<DType> {
    match term {
        Term::Expr(e) => Some(e.dtype),
        Term::Scalar(_) => None,
    }
}

/// The common type of operands, scalars weak; `None` when all are scalars.
fn common_type(terms: &[&Term]) -> DType {
    let arrays: Vec<DType> = terms.iter().filter_map(|t| term_dtype(t)).collect();
    let mut dtype = arrays.iter().copied().reduce(DType::promote);
    for t in terms {
        if let Term::Scalar(s) = t {
            dtype = Some(match dtype {
                Some(d) => d.promote_scalar(*s),
                None => scalar_dtype(*s),
            });
        }
    }
    dtype.unwrap_or(DType::Float64)
}

fn scalar_dtype(s: Scalar) -> DType {
    match s {
        Scalar::Bool(_) => DType::Bool,
        Scalar::Int(_) => DType::Int64,
        Scalar::Float(_) => DType::Float64,
    }
}

/// `lhs op rhs`, element by element, with broadcasting: `binary(&x, BinaryOp::Sub, 1.0)` or
/// `binary(1.0, BinaryOp::Sub, &x)`.
pub fn binary(lhs: impl Into<Operand>, op: BinaryOp, rhs: impl Into<Operand>) -> Result<Array> {
    let (lhs, rhs) = (lhs.into(), rhs.into());
    let mut b = Builder::default();
    let (l, r) = (b.term(&lhs), b.term(&rhs));
    if b.inputs.is_empty() {
        return Err(Error::Type(format!(
            "'{}' needs at least one array operand",
            op.symbol()
        )));
    }
    let common = common_type(&[&l, &r]);
    let operand_type = op.operand_type(common)?;
    let dtype = op.result_type(operand_type);
    let expr = Expr {
        dtype,
        kind: ExprKind::Binary(
            op,
            Box::new(typed(l, operand_type)),
            Box::new(typed(r, operand_type)),
        ),
    };
    b.finish(expr)
}

/// `where(cond, a, b)`: elements of `a` where `cond` is true, of `b` elsewhere, broadcast
/// together (numpy's three-argument `where`).
pub fn where_(
    cond: impl Into<Operand>,
    a: impl Into<Operand>,
    b: impl Into<Operand>,
) -> Result<Array> {
    let (cond, a, b) = (cond.into(), a.into(), b.into());
    let mut builder = Builder::default();
    let (c, x, y) = (builder.term(&cond), builder.term(&a), builder.term(&b));
    if builder.inputs.is_empty() {
        return Err(Error::Type(
            "'where' needs at least one array operand".into(),
        ));
    }
    let dtype = common_type(&[&x, &y]);
    let expr = Expr {
        dtype,
        kind: ExprKind::Where(
            Box::new(typed(c, DType::Bool)),
            Box::new(typed(x, dtype)),
            Box::new(typed(y, dtype)),
        ),
    };
    builder.finish(expr)
}

impl Array {
    /// `op` applied to every element (`-x`, `~x`, `abs(x)`, `sqrt(x)`, …).
    pub fn unary(&self, op: UnaryOp) -> Result<Array> {
        let mut b = Builder::default();
        let Term::Expr(e) = b.term(&Operand::from(self)) else {
            return Err(Error::Internal("an array operand became a scalar".into()));
        };
        let (operand_type, dtype) = op.types(e.dtype)?;
        let expr = Expr {
            dtype,
            kind: ExprKind::Unary(op, Box::new(e.cast(operand_type))),
        };
        b.finish(expr)
    }

    /// `self op other`, element by element, with broadcasting.
    pub fn binary(&self, op: BinaryOp, other: impl Into<Operand>) -> Result<Array> {
        binary(self, op, other)
    }

    /// `self + other`.
    pub fn add(&self, other: impl Into<Operand>) -> Result<Array> {
        binary(self, BinaryOp::Add, other)
    }

    /// `self - other`.
    pub fn sub(&self, other: impl Into<Operand>) -> Result<Array> {
        binary(self, BinaryOp::Sub, other)
    }

    /// `self * other`.
    pub fn mul(&self, other: impl Into<Operand>) -> Result<Array> {
        binary(self, BinaryOp::Mul, other)
    }

    /// `self / other` (true division: integers give `float64`).
    pub fn div(&self, other: impl Into<Operand>) -> Result<Array> {
        binary(self, BinaryOp::Div, other)
    }

    /// The elements converted to `dtype`, as numpy's `astype` converts them.
    pub fn astype(&self, dtype: DType) -> Result<Array> {
        if dtype == self.dtype() {
            return Ok(self.clone());
        }
        let mut b = Builder::default();
        let Term::Expr(e) = b.term(&Operand::from(self)) else {
            return Err(Error::Internal("an array operand became a scalar".into()));
        };
        b.finish(e.cast(dtype))
    }
}

/// numpy's broadcast of several shapes: aligned from the right, each axis equal or 1.
pub(crate) fn broadcast_shapes(shapes: &[Vec<usize>]) -> Result<Vec<usize>> {
    let ndim = shapes.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = vec![1; ndim];
    for shape in shapes {
        let pad = ndim - shape.len();
        for (i, &n) in shape.iter().enumerate() {
            let o = &mut out[pad + i];
            if *o == 1 {
                *o = n;
            } else if n != 1 && n != *o {
                let text: Vec<String> = shapes.iter().map(|s| shape_text(s)).collect();
                return Err(Error::Shape(format!(
                    "operands could not be broadcast together with shapes {}",
                    text.join(" ")
                )));
            }
        }
    }
    Ok(out)
}

/// The output chunks of an element-wise operation: along each axis, the common refinement of
/// the chunks of the inputs that span it (dask's `unify_chunks`).
fn unify_chunks(inputs: &[Array], shape: &[usize]) -> Result<Chunks> {
    let ndim = shape.len();
    let mut dims = Vec::with_capacity(ndim);
    for (axis, &n) in shape.iter().enumerate() {
        let mut cuts: Vec<usize> = vec![0, n];
        for a in inputs {
            let pad = ndim - a.ndim();
            if axis < pad || a.shape()[axis - pad] != n {
                continue;
            }
            cuts.extend(a.chunks().bounds(axis - pad));
        }
        cuts.sort_unstable();
        cuts.dedup();
        let lengths: Vec<usize> = cuts.windows(2).map(|w| w[1] - w[0]).collect();
        dims.push(if lengths.is_empty() { vec![n] } else { lengths });
    }
    Chunks::explicit(shape, dims)
}

/// `a` rechunked so that every axis it spans has the output's chunks.
fn align(a: &Array, out: &Chunks) -> Result<Array> {
    let pad = out.ndim() - a.ndim();
    let shape = a.shape();
    let wanted: Vec<Vec<usize>> = (0..a.ndim())
        .map(|axis| {
            if shape[axis] == out.shape()[pad + axis] {
                out.axis(pad + axis).to_vec()
            } else {
                a.chunks().axis(axis).to_vec()
            }
        })
        .collect();
    if wanted.as_slice() == a.chunks().dims() {
        return Ok(a.clone());
    }
    a.rechunk(Chunks::explicit(&shape, wanted)?)
}

/// One task per output block: the expression evaluated over the inputs' matching blocks.
pub(crate) fn lower(
    lower: &mut Lower,
    array: &Array,
    name: &Arc<str>,
    inputs: &[Array],
    expr: &Arc<Expr>,
) -> Result<()> {
    let expr = Arc::clone(expr);
    lower_blocks(lower, array, name, inputs, move |blocks, shape| {
        Ok(Value::Block(kernel::evaluate(&expr, blocks, shape)?))
    })
}

/// If `array` is a float64 element-wise operation, one task per block of it (named `name`):
/// the block's values summed over `axes` (kept with length 1) as they are computed, with no
/// block of them made, then handed to `finish` with the block's shape. `false` (nothing
/// lowered) for any other array.
///
/// For a sum or mean of an element-wise result (`(x + 1).sum()`), this saves writing and
/// reading back every block. The tasks are the reduction's own: were `array` also needed
/// whole by something lowered after the reduction, its blocks would be computed again there.
pub(crate) fn lower_sums(
    lower: &mut Lower,
    array: &Array,
    name: &Arc<str>,
    axes: &[usize],
    finish: impl Fn(ndarray::ArrayD<f64>, &[usize]) -> Value + Send + Sync + 'static,
) -> Result<bool> {
    let Op::Elementwise { inputs, expr } = &array.0.op else {
        return Ok(false);
    };
    if array.dtype() != DType::Float64 {
        return Ok(false);
    }
    let (expr, axes) = (Arc::clone(expr), axes.to_vec());
    lower_blocks(lower, array, name, inputs, move |blocks, shape| {
        Ok(finish(kernel::sums(&expr, blocks, shape, &axes)?, shape))
    })?;
    Ok(true)
}

/// One task per block of `array` (named `name`), giving `task` the matching blocks of
/// `inputs` (broadcast along their axes of length 1) and the block's shape.
fn lower_blocks(
    lower: &mut Lower,
    array: &Array,
    name: &Arc<str>,
    inputs: &[Array],
    task: impl Fn(&[&Block], &[usize]) -> Result<Value, BoxError> + Send + Sync + 'static,
) -> Result<()> {
    let names = inputs
        .iter()
        .map(|a| lower.array(a))
        .collect::<Result<Vec<_>>>()?;
    let ndim = array.ndim();
    let out_shape = array.shape();
    let task = Arc::new(task);
    for index in array.chunks().indices() {
        let deps: Vec<Key> = inputs
            .iter()
            .zip(&names)
            .map(|(a, n)| {
                let pad = ndim - a.ndim();
                let shape = a.shape();
                let at: Vec<usize> = (0..a.ndim())
                    .map(|i| {
                        if shape[i] == 1 && out_shape[pad + i] != 1 {
                            0
                        } else {
                            index[pad + i]
                        }
                    })
                    .collect();
                key(n, &at)
            })
            .collect();
        let block_shape = array.chunks().block_shape(&index);
        let task = Arc::clone(&task);
        lower
            .graph
            .insert_task(key(name, &index), deps, move |values| {
                task(&blocks(values)?, &block_shape)
            });
    }
    Ok(())
}
