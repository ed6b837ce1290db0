//! Blaze expressions over n-d arrays, computed by blaze-array: names bound to array resources
//! stand for lazy chunked arrays, and the expression becomes array operations (element-wise
//! steps fused per block, reductions as trees, slices and transposes as views).

use std::collections::HashMap;

use blaze_array::{
    Array, BinaryOp as ABinary, Block, ChunkSpec, Index as AIndex, Operand,
    Reduction as AReduction, Scalar, UnaryOp as AUnary,
};
use blaze_expr::{AxisIndex, BinaryOp, Expr, Index, MathFn, Op, Reduction, UnaryOp, Value};
use serde_json::{Value as Json, json};

use crate::error::{Error, Result};

/// What an operand becomes: an array, or a scalar broadcast against one.
enum Term {
    Array(Array),
    Scalar(Scalar),
}

impl Term {
    fn operand(self) -> Operand {
        match self {
            Term::Array(a) => Operand::Array(a),
            Term::Scalar(s) => Operand::Scalar(s),
        }
    }

    fn array(self, what: &Expr) -> Result<Array> {
        match self {
            Term::Array(a) => Ok(a),
            Term::Scalar(_) => Err(Error::Unsupported(format!(
                "{what} is a constant, not an array"
            ))),
        }
    }
}

fn failed(e: blaze_array::Error) -> Error {
    Error::Engine(e.to_string())
}

/// Whether the array key `key` is a member of the file or store bound as `name`
/// (`name.group.x`).
pub(crate) fn is_member_of(key: &str, name: &str) -> bool {
    key.strip_prefix(name)
        .is_some_and(|rest| rest.starts_with('.'))
}

/// `expr` as a lazy array over `arrays` (name → array), or `None` when it uses no array.
pub(crate) fn lower(expr: &Expr, arrays: &HashMap<String, Array>) -> Result<Option<Array>> {
    let names = symbol_names(expr);
    let is_array = |n: &str| arrays.contains_key(n) || arrays.keys().any(|k| is_member_of(k, n));
    let (array_names, table_names): (Vec<&str>, Vec<&str>) =
        names.iter().partition(|n| is_array(n));
    match (array_names.first(), table_names.first()) {
        (None, _) => Ok(None),
        (Some(a), Some(t)) => Err(Error::Unsupported(format!(
            "tables and n-d arrays do not mix in one expression ('{a}' is an array, '{t}' a table)"
        ))),
        (Some(_), None) => {
            // The result has the element type the expression's typing rules give (Blaze's,
            // which can be wider than numpy's: `int32 * 2` is int64).
            let array = term(expr, arrays)?.array(expr)?;
            match element_dtype(expr) {
                Some(dtype) if dtype != array.dtype() => {
                    array.astype(dtype).map(Some).map_err(failed)
                }
                _ => Ok(Some(array)),
            }
        }
    }
}

/// The element type of `expr`'s datashape, as an array's (none for types arrays do not hold).
fn element_dtype(expr: &Expr) -> Option<blaze_array::DType> {
    let element = expr.dshape().measure().to_string();
    blaze_array::DType::from_name(element.trim_start_matches('?'))
}

/// The names of the symbols `expr` reads.
pub(crate) fn symbol_names(expr: &Expr) -> Vec<&str> {
    expr.leaves()
        .iter()
        .filter_map(|leaf| match leaf.op() {
            Op::Symbol { name } => Some(name.as_str()),
            _ => None,
        })
        .collect()
}

/// `d.group.x` for a chain of fields of a symbol.
fn member_path(expr: &Expr) -> Option<String> {
    match expr.op() {
        Op::Symbol { name } => Some(name.clone()),
        Op::Field { child, field } => Some(format!("{}.{field}", member_path(child)?)),
        _ => None,
    }
}

fn term(expr: &Expr, arrays: &HashMap<String, Array>) -> Result<Term> {
    let array = |e: &Expr| term(e, arrays)?.array(e);
    if let Some(path) = member_path(expr) {
        return match arrays.get(&path) {
            Some(array) => Ok(Term::Array(array.clone())),
            None => Err(Error::Binding(format!(
                "'{path}' is a group of arrays ({}); name one of them",
                expr.dshape()
            ))),
        };
    }
    Ok(match expr.op() {
        Op::Literal(Value::Int(i)) => Term::Scalar(Scalar::Int(*i)),
        Op::Literal(Value::Float(f)) => Term::Scalar(Scalar::Float(*f)),
        Op::Literal(Value::Bool(b)) => Term::Scalar(Scalar::Bool(*b)),
        Op::Label { child, .. } => term(child, arrays)?,
        Op::Binary { op, lhs, rhs } => {
            // Arithmetic is done in the result's type, where Blaze's typing makes it wider
            // than an operand's (`uint8 + 1` is int64), so that it says what is computed:
            // numpy would wrap around in uint8.
            let result = element_dtype(expr);
            let widened = |side: &Expr| -> Result<Operand> {
                Ok(match (term(side, arrays)?, result) {
                    (Term::Array(a), Some(to))
                        if to != a.dtype()
                            && to != blaze_array::DType::Bool
                            && !matches!(op, BinaryOp::Ldexp) =>
                    {
                        Operand::Array(a.astype(to).map_err(failed)?)
                    }
                    (t, _) => t.operand(),
                })
            };
            Term::Array(
                blaze_array::binary(widened(lhs)?, binary_op(*op), widened(rhs)?)
                    .map_err(failed)?,
            )
        }
        Op::Unary { op, child } => {
            let mut a = array(child)?;
            // A function of reals is computed in the float type the datashape gives (Blaze's
            // `float64` for `sqrt` of `int16`, where numpy would compute in `float32`).
            if let Some(to) = element_dtype(expr)
                && to.is_float()
                && to != a.dtype()
            {
                a = a.astype(to).map_err(failed)?;
            }
            Term::Array(
                match op {
                    UnaryOp::Math(MathFn::Radians) => a.mul(std::f64::consts::PI / 180.0),
                    UnaryOp::Math(MathFn::Degrees) => a.mul(180.0 / std::f64::consts::PI),
                    UnaryOp::IsNull => a.unary(AUnary::IsNan),
                    UnaryOp::NotNull => a.unary(AUnary::IsNan).and_then(|n| n.unary(AUnary::Not)),
                    op => a.unary(unary_op(*op, expr)?),
                }
                .map_err(failed)?,
            )
        }
        Op::Reduction { op, child } => Term::Array(reduce(array(child)?, *op, None, false, expr)?),
        Op::AxisReduction {
            op,
            child,
            axes,
            keepdims,
        } => {
            let axes: Vec<i64> = axes.iter().map(|&a| a as i64).collect();
            Term::Array(reduce(array(child)?, *op, Some(&axes), *keepdims, expr)?)
        }
        Op::Cumulative {
            child,
            axis,
            product,
        } => {
            let a = array(child)?;
            // Without an axis, over the elements in order: the array flattened first.
            let (a, axis) = match axis {
                Some(axis) => (a, *axis as i64),
                None => (a.reshape(&[-1]).map_err(failed)?, 0),
            };
            Term::Array(
                if *product {
                    a.cumprod(axis)
                } else {
                    a.cumsum(axis)
                }
                .map_err(failed)?,
            )
        }
        Op::Transpose { child, axes } => {
            let axes: Vec<i64> = axes.iter().map(|&a| a as i64).collect();
            Term::Array(array(child)?.transpose(Some(&axes)).map_err(failed)?)
        }
        Op::TensorDot {
            lhs,
            rhs,
            left_axes,
            right_axes,
        } => {
            let l: Vec<i64> = left_axes.iter().map(|&a| a as i64).collect();
            let r: Vec<i64> = right_axes.iter().map(|&a| a as i64).collect();
            Term::Array(
                array(lhs)?
                    .tensordot(&array(rhs)?, &l, &r)
                    .map_err(failed)?,
            )
        }
        Op::Slice { child, index } => {
            Term::Array(array(child)?.index(&[array_index(index)]).map_err(failed)?)
        }
        Op::Take { child, positions } => Term::Array(
            array(child)?
                .index(&[AIndex::Take(positions.clone())])
                .map_err(failed)?,
        ),
        Op::SliceAxes { child, indices } => {
            let indices: Vec<AIndex> = indices
                .iter()
                .map(|i| match i {
                    AxisIndex::Index(index) => array_index(index),
                    AxisIndex::NewAxis => AIndex::NewAxis,
                    AxisIndex::Take(positions) => AIndex::Take(positions.clone()),
                })
                .collect();
            Term::Array(array(child)?.index(&indices).map_err(failed)?)
        }
        Op::Selection { child, predicate } => Term::Array(
            array(child)?
                .mask(&array(predicate)?, &blaze_tasks::Scheduler::threaded())
                .map_err(failed)?,
        ),
        Op::Head { child, n } => {
            let index = AIndex::Slice {
                start: None,
                stop: Some(*n as i64),
                step: 1,
            };
            Term::Array(array(child)?.index(&[index]).map_err(failed)?)
        }
        Op::Coerce { child, to } | Op::Cast { child, to } => {
            let name = to.to_string();
            let dtype =
                blaze_array::DType::from_name(name.trim_start_matches('?')).ok_or_else(|| {
                    Error::Unsupported(format!(
                        "arrays of {to} (arrays hold {})",
                        blaze_array::DType::NAMES
                    ))
                })?;
            Term::Array(array(child)?.astype(dtype).map_err(failed)?)
        }
        _ => return Err(Error::Unsupported(format!("{expr} on n-d arrays"))),
    })
}

fn array_index(index: &Index) -> AIndex {
    match *index {
        Index::At(i) => AIndex::At(i),
        Index::Range { start, stop, step } => AIndex::Slice {
            start,
            stop,
            step: step.unwrap_or(1),
        },
    }
}

fn reduce(
    a: Array,
    op: Reduction,
    axes: Option<&[i64]>,
    keepdims: bool,
    expr: &Expr,
) -> Result<Array> {
    let kind = match op {
        Reduction::Sum => AReduction::Sum,
        Reduction::Min => AReduction::Min,
        Reduction::Max => AReduction::Max,
        Reduction::Mean => AReduction::Mean,
        Reduction::Var { unbiased } => AReduction::Var {
            ddof: u32::from(unbiased),
        },
        Reduction::Std { unbiased } => AReduction::Std {
            ddof: u32::from(unbiased),
        },
        Reduction::Any => AReduction::Any,
        Reduction::All => AReduction::All,
        Reduction::Prod => AReduction::Prod,
        Reduction::ArgMin => AReduction::ArgMin,
        Reduction::ArgMax => AReduction::ArgMax,
        // Count leaves out NaN, as Blaze's numpy backend counts (`pd.notnull(x).sum()`).
        Reduction::Count if a.dtype().is_float() => {
            return a
                .unary(AUnary::IsNan)
                .and_then(|nan| nan.unary(AUnary::Not))
                .and_then(|present| present.reduce(AReduction::Sum, axes, keepdims))
                .map_err(failed);
        }
        Reduction::Count | Reduction::Nelements => return elements(&a, axes, keepdims),
        _ => return Err(Error::Unsupported(format!("{expr} on n-d arrays"))),
    };
    a.reduce(kind, axes, keepdims).map_err(failed)
}

/// How many elements `a` has along `axes` (all when `None`; the expression checked them): an
/// array of the reduced shape, known without reading `a`.
fn elements(a: &Array, axes: Option<&[i64]>, keepdims: bool) -> Result<Array> {
    let shape = a.shape();
    let ndim = shape.len() as i64;
    let reduced = |axis: usize| {
        axes.is_none_or(|axes| {
            axes.iter()
                .any(|&x| x.rem_euclid(ndim.max(1)) == axis as i64)
        })
    };
    let mut kept = Vec::with_capacity(shape.len());
    let mut count: usize = 1;
    for (axis, &n) in shape.iter().enumerate() {
        if reduced(axis) {
            count *= n;
            if keepdims {
                kept.push(1);
            }
        } else {
            kept.push(n);
        }
    }
    Array::full(
        &kept,
        count as i64,
        blaze_array::DType::Int64,
        ChunkSpec::Auto,
    )
    .map_err(failed)
}

fn binary_op(op: BinaryOp) -> ABinary {
    match op {
        BinaryOp::Add => ABinary::Add,
        BinaryOp::Sub => ABinary::Sub,
        BinaryOp::Mul => ABinary::Mul,
        BinaryOp::Div => ABinary::Div,
        BinaryOp::FloorDiv => ABinary::FloorDiv,
        BinaryOp::Mod => ABinary::Rem,
        BinaryOp::Pow => ABinary::Pow,
        BinaryOp::Eq => ABinary::Eq,
        BinaryOp::Ne => ABinary::Ne,
        BinaryOp::Lt => ABinary::Lt,
        BinaryOp::Le => ABinary::Le,
        BinaryOp::Gt => ABinary::Gt,
        BinaryOp::Ge => ABinary::Ge,
        BinaryOp::And => ABinary::And,
        BinaryOp::Or => ABinary::Or,
        BinaryOp::Xor => ABinary::Xor,
        BinaryOp::Greatest => ABinary::Maximum,
        BinaryOp::Least => ABinary::Minimum,
        BinaryOp::Atan2 => ABinary::Arctan2,
        BinaryOp::Copysign => ABinary::Copysign,
        BinaryOp::Fmod => ABinary::Fmod,
        BinaryOp::Hypot => ABinary::Hypot,
        BinaryOp::Ldexp => ABinary::Ldexp,
    }
}

fn unary_op(op: UnaryOp, expr: &Expr) -> Result<AUnary> {
    Ok(match op {
        UnaryOp::Neg => AUnary::Neg,
        UnaryOp::Not => AUnary::Not,
        UnaryOp::Math(f) => match f {
            MathFn::Abs => AUnary::Abs,
            MathFn::Sqrt => AUnary::Sqrt,
            MathFn::Exp => AUnary::Exp,
            MathFn::Log => AUnary::Log,
            MathFn::Log10 => AUnary::Log10,
            MathFn::Log1p => AUnary::Log1p,
            MathFn::Expm1 => AUnary::Expm1,
            MathFn::Sin => AUnary::Sin,
            MathFn::Cos => AUnary::Cos,
            MathFn::Tan => AUnary::Tan,
            MathFn::Asin => AUnary::Arcsin,
            MathFn::Acos => AUnary::Arccos,
            MathFn::Atan => AUnary::Arctan,
            MathFn::Sinh => AUnary::Sinh,
            MathFn::Cosh => AUnary::Cosh,
            MathFn::Tanh => AUnary::Tanh,
            MathFn::Ceil => AUnary::Ceil,
            MathFn::Floor => AUnary::Floor,
            MathFn::IsNan => AUnary::IsNan,
            MathFn::Asinh => AUnary::Arcsinh,
            MathFn::Acosh => AUnary::Arccosh,
            MathFn::Atanh => AUnary::Arctanh,
            MathFn::Radians => AUnary::Deg2rad,
            MathFn::Degrees => AUnary::Rad2deg,
            MathFn::Trunc => AUnary::Trunc,
        },
        UnaryOp::IsNull
        | UnaryOp::NotNull
        | UnaryOp::Str(_)
        | UnaryOp::DatePart(_)
        | UnaryOp::FromTimestamp => {
            return Err(Error::Unsupported(format!("{expr} on n-d arrays")));
        }
    })
}

/// A computed array as nested JSON lists, as Blaze answers arrays (a scalar for a 0-d array);
/// NaN and infinities are `null`.
pub fn array_json(block: &Block) -> Json {
    let flat: Vec<Json> = match block {
        Block::Bool(a) => a.iter().map(|&v| Json::Bool(v)).collect(),
        Block::Int8(a) => a.iter().map(|&v| json!(v)).collect(),
        Block::UInt8(a) => a.iter().map(|&v| json!(v)).collect(),
        Block::Int16(a) => a.iter().map(|&v| json!(v)).collect(),
        Block::UInt16(a) => a.iter().map(|&v| json!(v)).collect(),
        Block::Int32(a) => a.iter().map(|&v| json!(v)).collect(),
        Block::UInt32(a) => a.iter().map(|&v| json!(v)).collect(),
        Block::Int64(a) => a.iter().map(|&v| json!(v)).collect(),
        Block::UInt64(a) => a.iter().map(|&v| json!(v)).collect(),
        Block::Float32(a) => a.iter().map(|&v| float(f64::from(v))).collect(),
        Block::Float64(a) => a.iter().map(|&v| float(v)).collect(),
    };
    fold(flat, block.shape())
}

fn float(v: f64) -> Json {
    serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number)
}

/// Flat values in C order, grouped into nested lists of `shape`.
fn fold(values: Vec<Json>, shape: &[usize]) -> Json {
    fn build(shape: &[usize], values: &mut impl Iterator<Item = Json>) -> Json {
        match shape {
            [] => values.next().unwrap_or(Json::Null),
            [n, rest @ ..] => Json::Array((0..*n).map(|_| build(rest, values)).collect()),
        }
    }
    build(shape, &mut values.into_iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_nest_as_numpy_lists() {
        let b = Block::new(
            ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[2, 3]), vec![1i64, 2, 3, 4, 5, 6])
                .unwrap(),
        );
        assert_eq!(array_json(&b), json!([[1, 2, 3], [4, 5, 6]]));
        let s = Block::new(ndarray::ArrayD::from_elem(ndarray::IxDyn(&[]), f64::NAN));
        assert_eq!(array_json(&s), Json::Null);
        let v = Block::new(
            ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[2]), vec![true, false]).unwrap(),
        );
        assert_eq!(array_json(&v), json!([true, false]));
    }
}
