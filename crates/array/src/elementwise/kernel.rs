//! Evaluating a fused element-wise expression over one block in a single pass: the block is
//! walked in tiles of a few thousand elements, and each tile goes through every step of the
//! expression while it is in cache. Dispatch on types happens once per step and tile, never
//! per element.

use std::borrow::Cow;

use blaze_tasks::BoxError;
use ndarray::{ArrayD, IxDyn};

use super::{BinaryOp, Expr, ExprKind, UnaryOp};
use crate::block::{with_block, with_dtype};
use crate::dtype::convert;
use crate::{Block, DType, Element, Error, Scalar};

/// Elements per tile: small enough that a tile of every step stays in the L1/L2 cache.
const TILE: usize = 2048;

/// Rows of the output per tile where an input is gathered from a transposed block, at most
/// [`MAX_GATHER_TILE`] elements.
const GATHERED_ROWS: usize = 8;
const MAX_GATHER_TILE: usize = 8 * TILE;

/// A contiguous input: in the output's element order (a broadcast input is copied into that
/// order first), or column by column where it is transposed (see [`Layout`]).
enum Col<'a> {
    Bool(Cow<'a, [bool]>),
    Int8(Cow<'a, [i8]>),
    UInt8(Cow<'a, [u8]>),
    Int16(Cow<'a, [i16]>),
    UInt16(Cow<'a, [u16]>),
    Int32(Cow<'a, [i32]>),
    UInt32(Cow<'a, [u32]>),
    Int64(Cow<'a, [i64]>),
    UInt64(Cow<'a, [u64]>),
    Float32(Cow<'a, [f32]>),
    Float64(Cow<'a, [f64]>),
}

/// The values of one step for the current tile.
enum Reg {
    Bool(Vec<bool>),
    Int8(Vec<i8>),
    UInt8(Vec<u8>),
    Int16(Vec<i16>),
    UInt16(Vec<u16>),
    Int32(Vec<i32>),
    UInt32(Vec<u32>),
    Int64(Vec<i64>),
    UInt64(Vec<u64>),
    Float32(Vec<f32>),
    Float64(Vec<f64>),
}

/// Typed access to columns and registers.
trait Slot: Element {
    fn col<'a>(c: &'a Col<'_>) -> Option<&'a [Self]>;
    fn reg(r: &Reg) -> Option<&Vec<Self>>;
    fn reg_mut(r: &mut Reg) -> Option<&mut Vec<Self>>;
    fn new_reg(v: Vec<Self>) -> Reg;
    fn new_col(v: Cow<'_, [Self]>) -> Col<'_>;
}

macro_rules! slot {
    ($t:ty, $v:ident) => {
        impl Slot for $t {
            fn col<'a>(c: &'a Col<'_>) -> Option<&'a [Self]> {
                match c {
                    Col::$v(s) => Some(s),
                    _ => None,
                }
            }
            fn reg(r: &Reg) -> Option<&Vec<Self>> {
                match r {
                    Reg::$v(s) => Some(s),
                    _ => None,
                }
            }
            fn reg_mut(r: &mut Reg) -> Option<&mut Vec<Self>> {
                match r {
                    Reg::$v(s) => Some(s),
                    _ => None,
                }
            }
            fn new_reg(v: Vec<Self>) -> Reg {
                Reg::$v(v)
            }
            fn new_col(v: Cow<'_, [Self]>) -> Col<'_> {
                Col::$v(v)
            }
        }
    };
}

slot!(bool, Bool);
slot!(i8, Int8);
slot!(u8, UInt8);
slot!(i16, Int16);
slot!(u16, UInt16);
slot!(i32, Int32);
slot!(u32, UInt32);
slot!(i64, Int64);
slot!(u64, UInt64);
slot!(f32, Float32);
slot!(f64, Float64);

/// Runs `$body` with `$o` bound to the vector inside register `$r`, whatever its type.
macro_rules! with_reg {
    ($r:expr, $o:ident => $body:expr) => {
        match $r {
            Reg::Bool($o) => $body,
            Reg::Int8($o) => $body,
            Reg::UInt8($o) => $body,
            Reg::Int16($o) => $body,
            Reg::UInt16($o) => $body,
            Reg::Int32($o) => $body,
            Reg::UInt32($o) => $body,
            Reg::Int64($o) => $body,
            Reg::UInt64($o) => $body,
            Reg::Float32($o) => $body,
            Reg::Float64($o) => $body,
        }
    };
}

#[derive(Clone, Copy)]
enum Src {
    Input(usize),
    Reg(usize),
}

enum Step {
    Cast {
        dst: usize,
        src: Src,
        from: DType,
    },
    Unary {
        dst: usize,
        src: Src,
        op: UnaryOp,
        dtype: DType,
    },
    Binary {
        dst: usize,
        a: Src,
        b: Src,
        op: BinaryOp,
        dtype: DType,
    },
    Where {
        dst: usize,
        c: Src,
        a: Src,
        b: Src,
    },
}

/// A transposed input's elements for the current tile, gathered into a register in the
/// output's order: `input` holds a `rows × cols` matrix column by column.
struct Gather {
    input: usize,
    reg: usize,
    rows: usize,
    cols: usize,
}

struct Program {
    /// Run first for each tile.
    gathers: Vec<Gather>,
    steps: Vec<Step>,
    /// Each register's type; constants are registers filled once.
    regs: Vec<(DType, Option<Scalar>)>,
}

impl Program {
    fn compile(expr: &Expr, layouts: &[Layout], input_types: &[DType]) -> (Program, Src) {
        let mut p = Program {
            gathers: Vec::new(),
            steps: Vec::new(),
            regs: Vec::new(),
        };
        let out = p.node(expr, layouts, input_types);
        (p, out)
    }

    fn reg(&mut self, dtype: DType, constant: Option<Scalar>) -> usize {
        self.regs.push((dtype, constant));
        self.regs.len() - 1
    }

    fn node(&mut self, e: &Expr, layouts: &[Layout], types: &[DType]) -> Src {
        match &e.kind {
            ExprKind::Input(i) => match layouts[*i] {
                Layout::InOrder => Src::Input(*i),
                Layout::Splat(s) => Src::Reg(self.reg(types[*i], Some(s))),
                Layout::Transposed { rows, cols } => {
                    let found = self.gathers.iter().find(|g| g.input == *i).map(|g| g.reg);
                    let reg = found.unwrap_or_else(|| {
                        let reg = self.reg(types[*i], None);
                        self.gathers.push(Gather {
                            input: *i,
                            reg,
                            rows,
                            cols,
                        });
                        reg
                    });
                    Src::Reg(reg)
                }
            },
            ExprKind::Const(s) => Src::Reg(self.reg(e.dtype, Some(*s))),
            ExprKind::Cast(a) => {
                let src = self.node(a, layouts, types);
                let dst = self.reg(e.dtype, None);
                self.steps.push(Step::Cast {
                    dst,
                    src,
                    from: a.dtype,
                });
                Src::Reg(dst)
            }
            ExprKind::Unary(op, a) => {
                let src = self.node(a, layouts, types);
                let dst = self.reg(e.dtype, None);
                self.steps.push(Step::Unary {
                    dst,
                    src,
                    op: *op,
                    dtype: a.dtype,
                });
                Src::Reg(dst)
            }
            ExprKind::Binary(op, a, b) => {
                let (sa, sb) = (self.node(a, layouts, types), self.node(b, layouts, types));
                let dst = self.reg(e.dtype, None);
                self.steps.push(Step::Binary {
                    dst,
                    a: sa,
                    b: sb,
                    op: *op,
                    dtype: a.dtype,
                });
                Src::Reg(dst)
            }
            ExprKind::Where(c, a, b) => {
                let sc = self.node(c, layouts, types);
                let (sa, sb) = (self.node(a, layouts, types), self.node(b, layouts, types));
                let dst = self.reg(e.dtype, None);
                self.steps.push(Step::Where {
                    dst,
                    c: sc,
                    a: sa,
                    b: sb,
                });
                Src::Reg(dst)
            }
        }
    }
}

/// The expression evaluated over `inputs`, broadcast to `shape`.
pub(super) fn evaluate(expr: &Expr, inputs: &[&Block], shape: &[usize]) -> Result<Block, BoxError> {
    with_dtype!(expr.dtype, T => {
        let mut result: Vec<T> = Vec::with_capacity(shape.iter().product());
        each_tile::<T>(expr, inputs, shape, |_, values| result.extend_from_slice(values))?;
        let array = ArrayD::from_shape_vec(IxDyn(shape), result)
            .map_err(|e| Error::Internal(format!("an element-wise result: {e}")))?;
        Ok(Block::new(array))
    })
}

/// The sums over `axes` (kept with length 1) of the float64 expression evaluated over
/// `inputs`, broadcast to `shape`: each tile is added up while it is in cache, so the block of
/// values is never made. A run along the last axis is summed as `ndarray`'s `sum` sums a row
/// (or added element by element when the last axis is kept), as a block's sum would be,
/// except that a row split between two tiles is summed in two parts.
pub(super) fn sums(
    expr: &Expr,
    inputs: &[&Block],
    shape: &[usize],
    axes: &[usize],
) -> Result<ArrayD<f64>, BoxError> {
    let kept: Vec<usize> = (0..shape.len())
        .map(|a| if axes.contains(&a) { 1 } else { shape[a] })
        .collect();
    let mut out = ArrayD::<f64>::zeros(IxDyn(&kept));
    let sums = out
        .as_slice_mut()
        .ok_or_else(|| Error::Internal("sums not in C order".into()))?;
    // Where each row (a position along all axes but the last) adds into `sums`.
    let row_axes = shape.len().saturating_sub(1);
    let strides: Vec<usize> = (0..shape.len())
        .map(|a| kept[a + 1..].iter().product())
        .collect();
    let row_at = |mut row: usize| -> usize {
        let mut at = 0;
        for a in (0..row_axes).rev() {
            if kept[a] > 1 {
                at += (row % shape[a]) * strides[a];
            }
            row /= shape[a];
        }
        at
    };
    let width = shape.last().copied().unwrap_or(1);
    let last_summed = shape.is_empty() || axes.contains(&(shape.len() - 1));
    each_tile::<f64>(expr, inputs, shape, |start, mut values| {
        let mut k = start;
        while !values.is_empty() {
            let (row, col) = (k / width, k % width);
            let (run, rest) = values.split_at((width - col).min(values.len()));
            let at = row_at(row);
            if last_summed {
                sums[at] += ndarray::ArrayView1::from(run).sum();
            } else {
                for (s, v) in sums[at + col..at + col + run.len()].iter_mut().zip(run) {
                    *s += v;
                }
            }
            k += run.len();
            values = rest;
        }
    })?;
    Ok(out)
}

/// Evaluates the expression over `inputs`, broadcast to `shape`, a tile at a time, and hands
/// `each` the tile's first position (in C order) and its values.
fn each_tile<T: Slot>(
    expr: &Expr,
    inputs: &[&Block],
    shape: &[usize],
    mut each: impl FnMut(usize, &[T]),
) -> Result<(), BoxError> {
    let n: usize = shape.iter().product();
    let mut cols = Vec::with_capacity(inputs.len());
    let mut layouts = Vec::with_capacity(inputs.len());
    for block in inputs {
        let (col, layout) = column(block, shape)?;
        cols.push(col);
        layouts.push(layout);
    }
    let types: Vec<DType> = inputs.iter().map(|b| b.dtype()).collect();
    let (program, out) = Program::compile(expr, &layouts, &types);
    // A transposed input is gathered 8 rows at a time, so that each cache line read of its
    // columns (8 values of a column) serves the tile whole, whatever else evicts it after.
    let tile = program
        .gathers
        .iter()
        .map(|g| (GATHERED_ROWS * g.cols).clamp(TILE, MAX_GATHER_TILE))
        .max()
        .unwrap_or(TILE)
        .min(n.max(1));
    let mut regs: Vec<Reg> = program
        .regs
        .iter()
        .map(|&(dtype, constant)| {
            with_dtype!(dtype, R => {
                let fill = constant.map_or(R::default(), scalar_as::<R>);
                R::new_reg(vec![fill; tile])
            })
        })
        .collect();
    let mut start = 0;
    while start < n {
        let end = (start + tile).min(n);
        for g in &program.gathers {
            gather(g, types[g.input], &cols, &mut regs, start, end)?;
        }
        for step in &program.steps {
            run(step, &cols, &mut regs, start, end)?;
        }
        each(start, get::<T>(out, &cols, &regs, start, end)?);
        start = end;
    }
    Ok(())
}

/// How an input's elements are laid out, against the output's order.
#[derive(Clone, Copy)]
enum Layout {
    /// In the output's order.
    InOrder,
    /// One value, repeated.
    Splat(Scalar),
    /// A `rows × cols` matrix held column by column (`x.T` of a block of `x`): each tile's
    /// elements are gathered from it, rather than copying the whole block into order first.
    Transposed { rows: usize, cols: usize },
}

/// An input's elements, and how they are laid out against the output's order (a broadcast
/// input is copied into that order).
fn column<'a>(block: &'a Block, shape: &[usize]) -> Result<(Col<'a>, Layout), BoxError> {
    with_block!(block, a => column_of(a, shape))
}

fn column_of<'a, T: Slot>(
    a: &'a ndarray::ArcArray<T, IxDyn>,
    shape: &[usize],
) -> Result<(Col<'a>, Layout), BoxError> {
    if a.len() == 1 {
        let v = *a
            .iter()
            .next()
            .ok_or_else(|| Error::Internal("an empty one-element block".into()))?;
        let s = if T::DTYPE.is_float() {
            Scalar::Float(v.to_f64())
        } else {
            Scalar::Int(v.to_i64())
        };
        return Ok((T::new_col(Cow::Borrowed(&[])), Layout::Splat(s)));
    }
    let view = a.broadcast(IxDyn(shape)).ok_or_else(|| {
        Error::Internal(format!(
            "a block of shape {:?} does not broadcast to {shape:?}",
            a.shape()
        ))
    })?;
    if let Some(s) = view.to_slice() {
        return Ok((T::new_col(Cow::Borrowed(s)), Layout::InOrder));
    }
    // Column by column in memory: the strides of a transposed C-order block.
    let column_major =
        a.shape() == shape && matches!(*a.shape(), [rows, _] if a.strides() == [1, rows as isize]);
    Ok(match (a.shape(), a.as_slice_memory_order()) {
        (&[rows, cols], Some(columns)) if column_major => (
            T::new_col(Cow::Borrowed(columns)),
            Layout::Transposed { rows, cols },
        ),
        _ => (
            T::new_col(Cow::Owned(view.iter().copied().collect())),
            Layout::InOrder,
        ),
    })
}

/// The elements `start..end` (in the output's order) of the transposed input of `g`, into its
/// register: along each output row, every `rows`-th element of the input's memory.
fn gather(
    g: &Gather,
    dtype: DType,
    cols: &[Col<'_>],
    regs: &mut [Reg],
    start: usize,
    end: usize,
) -> Result<(), BoxError> {
    with_dtype!(dtype, T => {
        let (Some(columns), Some(out)) = (T::col(&cols[g.input]), T::reg_mut(&mut regs[g.reg])) else {
            return Err(Error::Internal("a gathered input of another type".into()).into());
        };
        out.clear();
        let mut k = start;
        while k < end {
            let (row, col) = (k / g.cols, k % g.cols);
            let take = (g.cols - col).min(end - k);
            out.extend((col..col + take).map(|c| columns[c * g.rows + row]));
            k += take;
        }
        Ok(())
    })
}

fn scalar_as<T: Element>(s: Scalar) -> T {
    match s {
        Scalar::Bool(b) => T::from_i64(i64::from(b)),
        Scalar::Int(i) if !T::DTYPE.is_float() => T::from_i64(i),
        s => T::from_f64(s.as_f64()),
    }
}

fn get<'a, T: Slot>(
    src: Src,
    cols: &'a [Col<'_>],
    regs: &'a [Reg],
    start: usize,
    end: usize,
) -> Result<&'a [T], BoxError> {
    let slice = match src {
        Src::Input(i) => T::col(&cols[i]).map(|c| &c[start..end]),
        Src::Reg(r) => T::reg(&regs[r]).map(|v| &v[..end - start]),
    };
    slice.ok_or_else(|| Error::Internal(format!("an operand is not {}", T::DTYPE)).into())
}

fn run(
    step: &Step,
    cols: &[Col<'_>],
    regs: &mut [Reg],
    start: usize,
    end: usize,
) -> Result<(), BoxError> {
    let dst = match step {
        Step::Cast { dst, .. }
        | Step::Unary { dst, .. }
        | Step::Binary { dst, .. }
        | Step::Where { dst, .. } => *dst,
    };
    // The destination is taken out so that the sources can be read while it is written.
    let mut out = std::mem::replace(&mut regs[dst], Reg::Bool(Vec::new()));
    let result = run_into(step, cols, regs, &mut out, start, end);
    regs[dst] = out;
    result
}

fn run_into(
    step: &Step,
    cols: &[Col<'_>],
    regs: &[Reg],
    out: &mut Reg,
    start: usize,
    end: usize,
) -> Result<(), BoxError> {
    match *step {
        Step::Cast { src, from, .. } => with_dtype!(from, A => {
            let a = get::<A>(src, cols, regs, start, end)?;
            cast_into(a, out)
        }),
        Step::Unary { src, op, dtype, .. } => with_dtype!(dtype, A => {
            let a = get::<A>(src, cols, regs, start, end)?;
            A::unary(op, a, out)
        }),
        Step::Binary {
            a, b, op, dtype, ..
        } => with_dtype!(dtype, A => {
            let (x, y) = (get::<A>(a, cols, regs, start, end)?, get::<A>(b, cols, regs, start, end)?);
            if op.is_comparison() {
                let o = bool::reg_mut(out).ok_or_else(|| Error::Internal("a comparison into a non-bool register".into()))?;
                compare(op, x, y, o);
                Ok(())
            } else {
                A::binary(op, x, y, out)
            }
        }),
        Step::Where { c, a, b, .. } => {
            let cond = get::<bool>(c, cols, regs, start, end)?;
            with_reg!(out, o => select(
                cond,
                get(a, cols, regs, start, end)?,
                get(b, cols, regs, start, end)?,
                o,
            ));
            Ok(())
        }
    }
}

fn fill<T, U: Copy>(out: &mut Vec<U>, a: &[T], f: impl Fn(&T) -> U) {
    out.clear();
    out.extend(a.iter().map(f));
}

fn fill2<T, U: Copy>(out: &mut Vec<U>, a: &[T], b: &[T], f: impl Fn(&T, &T) -> U) {
    out.clear();
    out.extend(a.iter().zip(b).map(|(x, y)| f(x, y)));
}

fn select<T: Copy>(c: &[bool], a: &[T], b: &[T], out: &mut Vec<T>) {
    out.clear();
    out.extend(
        c.iter()
            .zip(a.iter().zip(b))
            .map(|(&c, (&x, &y))| if c { x } else { y }),
    );
}

fn compare<T: PartialOrd>(op: BinaryOp, a: &[T], b: &[T], out: &mut Vec<bool>) {
    match op {
        BinaryOp::Eq => fill2(out, a, b, |x, y| x == y),
        BinaryOp::Ne => fill2(out, a, b, |x, y| x != y),
        BinaryOp::Lt => fill2(out, a, b, |x, y| x < y),
        BinaryOp::Le => fill2(out, a, b, |x, y| x <= y),
        BinaryOp::Gt => fill2(out, a, b, |x, y| x > y),
        _ => fill2(out, a, b, |x, y| x >= y),
    }
}

fn cast_into<A: Element>(a: &[A], out: &mut Reg) -> Result<(), BoxError> {
    with_reg!(out, o => fill(o, a, |&v| convert(v)));
    Ok(())
}

fn wrong(op: &str, dtype: DType) -> BoxError {
    Error::Internal(format!("'{op}' reached the kernel for {dtype}")).into()
}

/// The operations each element type supports.
trait Ops: Slot {
    fn unary(op: UnaryOp, a: &[Self], out: &mut Reg) -> Result<(), BoxError>;
    fn binary(op: BinaryOp, a: &[Self], b: &[Self], out: &mut Reg) -> Result<(), BoxError>;
}

fn dst<T: Slot>(out: &mut Reg) -> Result<&mut Vec<T>, BoxError> {
    T::reg_mut(out).ok_or_else(|| Error::Internal(format!("a register is not {}", T::DTYPE)).into())
}

impl Ops for bool {
    fn unary(op: UnaryOp, a: &[bool], out: &mut Reg) -> Result<(), BoxError> {
        let o = dst::<bool>(out)?;
        match op {
            UnaryOp::Not => fill(o, a, |v| !v),
            UnaryOp::IsNan | UnaryOp::IsInf => fill(o, a, |_| false),
            _ => return Err(wrong(op.name(), DType::Bool)),
        }
        Ok(())
    }

    fn binary(op: BinaryOp, a: &[bool], b: &[bool], out: &mut Reg) -> Result<(), BoxError> {
        let o = dst::<bool>(out)?;
        match op {
            BinaryOp::And | BinaryOp::Minimum => fill2(o, a, b, |x, y| *x && *y),
            BinaryOp::Or | BinaryOp::Maximum => fill2(o, a, b, |x, y| *x || *y),
            BinaryOp::Xor => fill2(o, a, b, |x, y| x != y),
            _ => return Err(wrong(op.symbol(), DType::Bool)),
        }
        Ok(())
    }
}

macro_rules! int_ops {
    ($t:ty) => {
        impl Ops for $t {
            fn unary(op: UnaryOp, a: &[$t], out: &mut Reg) -> Result<(), BoxError> {
                if matches!(op, UnaryOp::IsNan | UnaryOp::IsInf) {
                    fill(dst::<bool>(out)?, a, |_| false);
                    return Ok(());
                }
                let o = dst::<$t>(out)?;
                match op {
                    UnaryOp::Neg => fill(o, a, |v| v.wrapping_neg()),
                    UnaryOp::Not => fill(o, a, |v| !v),
                    #[allow(unused_comparisons)]
                    UnaryOp::Abs => fill(o, a, |&v| if v < 0 { v.wrapping_neg() } else { v }),
                    #[allow(unused_comparisons)]
                    UnaryOp::Sign => fill(o, a, |&v| {
                        if v > 0 {
                            1
                        } else if v < 0 {
                            (0 as $t).wrapping_sub(1)
                        } else {
                            0
                        }
                    }),
                    _ => return Err(wrong(op.name(), <$t>::DTYPE)),
                }
                Ok(())
            }

            fn binary(op: BinaryOp, a: &[$t], b: &[$t], out: &mut Reg) -> Result<(), BoxError> {
                let o = dst::<$t>(out)?;
                match op {
                    BinaryOp::Add => fill2(o, a, b, |x, y| x.wrapping_add(*y)),
                    BinaryOp::Sub => fill2(o, a, b, |x, y| x.wrapping_sub(*y)),
                    BinaryOp::Mul => fill2(o, a, b, |x, y| x.wrapping_mul(*y)),
                    BinaryOp::FloorDiv => fill2(o, a, b, |&x, &y| {
                        if y == 0 {
                            0
                        } else {
                            let q = x.wrapping_div(y);
                            #[allow(unused_comparisons)]
                            let adjust = (x % y != 0) && ((x < 0) != (y < 0));
                            if adjust { q.wrapping_sub(1) } else { q }
                        }
                    }),
                    BinaryOp::Rem => fill2(o, a, b, |&x, &y| {
                        if y == 0 {
                            0
                        } else {
                            let r = x.wrapping_rem(y);
                            #[allow(unused_comparisons)]
                            let adjust = r != 0 && ((r < 0) != (y < 0));
                            if adjust { r.wrapping_add(y) } else { r }
                        }
                    }),
                    BinaryOp::Pow => {
                        #[allow(unused_comparisons)]
                        if b.iter().any(|&e| e < 0) {
                            return Err(
                                "integers to negative integer powers are not allowed".into()
                            );
                        }
                        fill2(o, a, b, |&x, &y| x.wrapping_pow(y as u32))
                    }
                    BinaryOp::And => fill2(o, a, b, |x, y| x & y),
                    BinaryOp::Or => fill2(o, a, b, |x, y| x | y),
                    BinaryOp::Xor => fill2(o, a, b, |x, y| x ^ y),
                    BinaryOp::Maximum => fill2(o, a, b, |&x, &y| x.max(y)),
                    BinaryOp::Minimum => fill2(o, a, b, |&x, &y| x.min(y)),
                    _ => return Err(wrong(op.symbol(), <$t>::DTYPE)),
                }
                Ok(())
            }
        }
    };
}

int_ops!(i8);
int_ops!(u8);
int_ops!(i16);
int_ops!(u16);
int_ops!(i32);
int_ops!(u32);
int_ops!(i64);
int_ops!(u64);

macro_rules! float_ops {
    ($t:ty) => {
        impl Ops for $t {
            fn unary(op: UnaryOp, a: &[$t], out: &mut Reg) -> Result<(), BoxError> {
                match op {
                    UnaryOp::IsNan => {
                        fill(dst::<bool>(out)?, a, |v| v.is_nan());
                        return Ok(());
                    }
                    UnaryOp::IsInf => {
                        fill(dst::<bool>(out)?, a, |v| v.is_infinite());
                        return Ok(());
                    }
                    _ => {}
                }
                let o = dst::<$t>(out)?;
                match op {
                    UnaryOp::Neg => fill(o, a, |v| -v),
                    UnaryOp::Abs => fill(o, a, |v| v.abs()),
                    UnaryOp::Sign => fill(o, a, |&v| {
                        if v > 0.0 {
                            1.0
                        } else if v < 0.0 {
                            -1.0
                        } else {
                            v
                        }
                    }),
                    UnaryOp::Sqrt => fill(o, a, |v| v.sqrt()),
                    UnaryOp::Exp => fill(o, a, |v| v.exp()),
                    UnaryOp::Expm1 => fill(o, a, |v| v.exp_m1()),
                    UnaryOp::Log => fill(o, a, |v| v.ln()),
                    UnaryOp::Log2 => fill(o, a, |v| v.log2()),
                    UnaryOp::Log10 => fill(o, a, |v| v.log10()),
                    UnaryOp::Log1p => fill(o, a, |v| v.ln_1p()),
                    UnaryOp::Sin => fill(o, a, |v| v.sin()),
                    UnaryOp::Cos => fill(o, a, |v| v.cos()),
                    UnaryOp::Tan => fill(o, a, |v| v.tan()),
                    UnaryOp::Arcsin => fill(o, a, |v| v.asin()),
                    UnaryOp::Arccos => fill(o, a, |v| v.acos()),
                    UnaryOp::Arctan => fill(o, a, |v| v.atan()),
                    UnaryOp::Sinh => fill(o, a, |v| v.sinh()),
                    UnaryOp::Cosh => fill(o, a, |v| v.cosh()),
                    UnaryOp::Tanh => fill(o, a, |v| v.tanh()),
                    UnaryOp::Arcsinh => fill(o, a, |v| v.asinh()),
                    UnaryOp::Arccosh => fill(o, a, |v| v.acosh()),
                    UnaryOp::Arctanh => fill(o, a, |v| v.atanh()),
                    UnaryOp::Deg2rad => fill(o, a, |v| v.to_radians()),
                    UnaryOp::Rad2deg => fill(o, a, |v| v.to_degrees()),
                    UnaryOp::Floor => fill(o, a, |v| v.floor()),
                    UnaryOp::Ceil => fill(o, a, |v| v.ceil()),
                    UnaryOp::Rint => fill(o, a, |v| v.round_ties_even()),
                    UnaryOp::Trunc => fill(o, a, |v| v.trunc()),
                    UnaryOp::Not | UnaryOp::IsNan | UnaryOp::IsInf => {
                        return Err(wrong(op.name(), <$t>::DTYPE));
                    }
                }
                Ok(())
            }

            fn binary(op: BinaryOp, a: &[$t], b: &[$t], out: &mut Reg) -> Result<(), BoxError> {
                let o = dst::<$t>(out)?;
                match op {
                    BinaryOp::Add => fill2(o, a, b, |x, y| x + y),
                    BinaryOp::Sub => fill2(o, a, b, |x, y| x - y),
                    BinaryOp::Mul => fill2(o, a, b, |x, y| x * y),
                    BinaryOp::Div => fill2(o, a, b, |x, y| x / y),
                    BinaryOp::FloorDiv => fill2(o, a, b, |x, y| (x / y).floor()),
                    BinaryOp::Rem => fill2(o, a, b, |&x, &y| {
                        let r = x % y;
                        if r != 0.0 && ((r < 0.0) != (y < 0.0)) {
                            r + y
                        } else {
                            r
                        }
                    }),
                    BinaryOp::Pow => fill2(o, a, b, |x, y| x.powf(*y)),
                    BinaryOp::Arctan2 => fill2(o, a, b, |y, x| y.atan2(*x)),
                    BinaryOp::Copysign => fill2(o, a, b, |x, y| x.copysign(*y)),
                    // Rust's `%` on floats is C's fmod.
                    BinaryOp::Fmod => fill2(o, a, b, |x, y| x % y),
                    BinaryOp::Hypot => fill2(o, a, b, |x, y| x.hypot(*y)),
                    BinaryOp::Ldexp => {
                        fill2(o, a, b, |&x, &e| ldexp(f64::from(x), f64::from(e)) as $t)
                    }
                    BinaryOp::Maximum => fill2(o, a, b, |&x, &y| {
                        if x.is_nan() || x > y {
                            x
                        } else if y.is_nan() {
                            y
                        } else {
                            y.max(x)
                        }
                    }),
                    BinaryOp::Minimum => fill2(o, a, b, |&x, &y| {
                        if x.is_nan() || x < y {
                            x
                        } else if y.is_nan() {
                            y
                        } else {
                            y.min(x)
                        }
                    }),
                    _ => return Err(wrong(op.symbol(), <$t>::DTYPE)),
                }
                Ok(())
            }
        }
    };
}

float_ops!(f32);
float_ops!(f64);

/// `x * 2**e`, `e` taken towards zero (floats of either width are scaled in `f64`, where
/// a `float32` result is exact before its one rounding). Scaled in steps, so that no power of
/// two on the way overflows or underflows where the result would not.
fn ldexp(x: f64, e: f64) -> f64 {
    if e.is_nan() {
        return f64::NAN;
    }
    // Past ±2200 every finite non-zero `x` has overflowed or underflowed.
    let mut e = e.trunc().clamp(-2200.0, 2200.0) as i32;
    let mut x = x;
    while e > 1000 {
        x *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        x *= 2f64.powi(-1000);
        e += 1000;
    }
    x * 2f64.powi(e)
}
