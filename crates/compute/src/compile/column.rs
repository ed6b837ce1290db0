//! Element-wise expressions as DataFusion column expressions over the frame of their rows,
//! with Python's semantics where SQL's differ (`/` is true division, `//` floors, `%` takes
//! the divisor's sign).

use arrow::datatypes::{DataType, Field};
use blaze_datashape::discover::parse_datetime;
use blaze_datashape::{DataShape, Measure};
use blaze_expr::{BinaryOp, Expr, MathFn, Op, RankMethod, UnaryOp, Value, WindowFn};
use datafusion::common::ScalarValue;
use datafusion::functions::core::expr_fn as core;
use datafusion::functions::math::expr_fn as math;
use datafusion::functions::string::expr_fn as string;
use datafusion::functions_aggregate::min_max::{max_udaf, min_udaf};
use datafusion::functions_aggregate::sum::sum_udaf;
use datafusion::functions_window::expr_fn as window;
use datafusion::logical_expr::expr::WindowFunction;
use datafusion::logical_expr::{ExprFunctionExt, WindowFrame, WindowFrameBound, WindowFrameUnits};
use datafusion::logical_expr::{Operator, binary_expr};
use datafusion::prelude::{Expr as DfExpr, cast, ident, lit, when};
use tokio::task::LocalKey;

use super::computed_first::{Values, isin_computed_first};
use super::int_pow::int_pow;
use super::{output_name, text};
use crate::error::{Error, Result};

/// `expr` as a column expression over the frame of `rows` (an expression whose rows it has).
pub(crate) fn column(expr: &Expr, rows: &Expr) -> Result<DfExpr> {
    if expr == rows {
        return Ok(ident(output_name(expr)));
    }
    if let Some(value) = single_value(expr) {
        return Ok(value);
    }
    let recurse = |e: &Expr| column(e, rows);
    Ok(match expr.op() {
        Op::Field { child, field } => field_of(child, field, rows)?,
        Op::Literal(value) => literal(value, expr.dshape())?,
        Op::Label { child, .. } => recurse(child)?,
        Op::Binary { op, lhs, rhs } => binary(*op, lhs, recurse(lhs)?, rhs, recurse(rhs)?)?,
        Op::Unary { op, child } => unary(*op, recurse(child)?)?,
        Op::Func { child, func } => text::func(func, recurse(child)?, child.dshape())?,
        Op::StrCat { lhs, rhs, sep } => text::str_cat(recurse(lhs)?, recurse(rhs)?, sep),
        Op::IsIn { child, values } => {
            let x = recurse(child)?;
            let keys = values
                .iter()
                .filter(|v| **v != Value::Null)
                .map(|v| literal(v, child.dshape()))
                .collect::<Result<Vec<_>>>()?;
            membership(x, keys, values.contains(&Value::Null))
        }
        Op::IsInColumn { child, values } => {
            let values = computed_before(&super::VALUE_COLUMNS, values)
                .ok_or_else(|| Error::Unsupported(format!("{expr} here")))?;
            match values {
                Values::Computed(list) => membership(recurse(child)?, list, false),
                Values::Planned(what) => isin_computed_first(recurse(child)?, &what),
            }
        }
        Op::Like { child, pattern } => recurse(child)?.like(lit(glob_to_like(pattern))),
        Op::Coerce { child, to } | Op::Cast { child, to } => cast(recurse(child)?, arrow_type(to)?),
        Op::Coalesce { lhs, rhs } => core::coalesce(vec![recurse(lhs)?, recurse(rhs)?]),
        Op::Window { func, child, by } => window(*func, recurse(child)?, by, rows)?,
        // A reduction combined with each row (`t.a - t.a.mean()`): the aggregate over all
        // the rows, as a window.
        Op::Reduction { child, .. } if child.rows() == rows => {
            over_all_rows(super::reduction(expr, rows, &[])?, expr)?
        }
        _ => {
            return Err(Error::Unsupported(format!(
                "{expr} as a column of {rows} (combine a reduction with a column after computing it)"
            )));
        }
    })
}

/// The column numbering the rows of a frame in their order, where window functions need it
/// (see `in_row_order`).
pub(crate) const ROW: &str = "__blaze_row";

/// `func` of the column `x` over the frame of `rows`, in row order (the [`ROW`] column), within
/// the groups of equal `by` values.
fn window(func: WindowFn, x: DfExpr, by: &[Expr], rows: &Expr) -> Result<DfExpr> {
    let partition = by
        .iter()
        .map(|key| column(key, rows))
        .collect::<Result<Vec<_>>>()?;
    let row_order = vec![ident(ROW).sort(true, false)];
    let so_far = WindowFrame::new_bounds(
        WindowFrameUnits::Rows,
        WindowFrameBound::Preceding(ScalarValue::UInt64(None)),
        WindowFrameBound::CurrentRow,
    );
    let aggregate = |udaf| {
        DfExpr::WindowFunction(Box::new(WindowFunction::new(udaf, vec![x.clone()])))
            .partition_by(partition.clone())
            .order_by(row_order.clone())
            .window_frame(so_far.clone())
            .build()
    };
    let built = match func {
        WindowFn::Shift(0) => return Ok(x),
        WindowFn::Shift(n) if n > 0 => window::lag(x, Some(n), None)
            .partition_by(partition)
            .order_by(row_order)
            .build(),
        WindowFn::Shift(n) => window::lead(x, Some(-n), None)
            .partition_by(partition)
            .order_by(row_order)
            .build(),
        WindowFn::CumSum => aggregate(sum_udaf()),
        WindowFn::CumMin => aggregate(min_udaf()),
        WindowFn::CumMax => aggregate(max_udaf()),
        WindowFn::Rank { ascending, method } => {
            // Equal values share a rank, except with 'first', where row order decides.
            let by_value = x.sort(ascending, !ascending);
            let (ranking, order) = match method {
                RankMethod::Min => (window::rank(), vec![by_value]),
                RankMethod::Dense => (window::dense_rank(), vec![by_value]),
                RankMethod::First => (
                    window::row_number(),
                    vec![by_value, ident(ROW).sort(true, false)],
                ),
            };
            ranking.partition_by(partition).order_by(order).build()
        }
    };
    Ok(built?)
}

/// An aggregate as a window over all the rows of the frame, so that each row sees it.
fn over_all_rows(aggregate: DfExpr, reduced: &Expr) -> Result<DfExpr> {
    match aggregate {
        DfExpr::AggregateFunction(f) if f.params.order_by.is_empty() => {
            let mut window = WindowFunction::new(f.func, f.params.args);
            window.params.distinct = f.params.distinct;
            Ok(DfExpr::WindowFunction(Box::new(window)))
        }
        _ => Err(Error::Unsupported(format!(
            "{reduced} combined with the rows it reduces"
        ))),
    }
}

/// The column `field` of `record` (rows themselves, a record-valued column of them, or a
/// projection, relabelling or merge of columns of them).
pub(crate) fn field_of(record: &Expr, field: &str, rows: &Expr) -> Result<DfExpr> {
    if record == rows {
        return Ok(ident(field));
    }
    match record.op() {
        Op::Merge { columns } => {
            let column_of = |c: &Expr| {
                if c.fields().is_empty() {
                    (c.name() == Some(field)).then(|| column(c, rows))
                } else {
                    c.fields()
                        .contains(&field)
                        .then(|| field_of(c, field, rows))
                }
            };
            columns
                .iter()
                .find_map(column_of)
                .expect("a merge's fields are its columns'")
        }
        Op::Projection { child, .. } => field_of(child, field, rows),
        // A field of a nested record (`e.user.name`): the struct column's field.
        Op::Field {
            child,
            field: outer,
        } => Ok(core::get_field(field_of(child, outer, rows)?, field)),
        Op::Relabel { child, labels } => {
            let old = labels
                .iter()
                .find(|(_, new)| new == field)
                .map_or(field, |(old, _)| old);
            field_of(child, old, rows)
        }
        _ => Err(Error::Unsupported(format!(
            "the field {field} of {record} as a column of {rows}"
        ))),
    }
}

/// `expr` as the constant it was computed to before the expression it is in, if it was
/// (see `SINGLE_VALUES`).
fn single_value(expr: &Expr) -> Option<DfExpr> {
    computed_before(&super::SINGLE_VALUES, expr)
}

/// What `expr` was computed to before the expression it is in, as the task-local `computed`
/// holds it (`VALUE_COLUMNS`, `SINGLE_VALUES`), if it was.
fn computed_before<T: Clone + 'static>(
    computed: &'static LocalKey<Vec<(Expr, T)>>,
    expr: &Expr,
) -> Option<T> {
    computed
        .try_with(|all| all.iter().find(|(e, _)| e == expr).map(|(_, v)| v.clone()))
        .ok()
        .flatten()
}

/// A scalar expression over aggregates already computed: each reduction in `value` is the
/// aggregate column named beside it in `aggregates`.
pub(crate) fn over_aggregates(value: &Expr, aggregates: &[(Expr, String)]) -> Result<DfExpr> {
    if let Some((_, alias)) = aggregates.iter().find(|(e, _)| e == value) {
        return Ok(ident(alias));
    }
    if let Some(constant) = single_value(value) {
        return Ok(constant);
    }
    let recurse = |e: &Expr| over_aggregates(e, aggregates);
    match value.op() {
        Op::Literal(v) => literal(v, value.dshape()),
        Op::Label { child, .. } => recurse(child),
        Op::Binary { op, lhs, rhs } => binary(*op, lhs, recurse(lhs)?, rhs, recurse(rhs)?),
        Op::Unary { op, child } => unary(*op, recurse(child)?),
        Op::Func { child, func } => text::func(func, recurse(child)?, child.dshape()),
        Op::Coerce { child, to } | Op::Cast { child, to } => {
            Ok(cast(recurse(child)?, arrow_type(to)?))
        }
        Op::Coalesce { lhs, rhs } => Ok(core::coalesce(vec![recurse(lhs)?, recurse(rhs)?])),
        Op::StrCat { lhs, rhs, sep } => Ok(text::str_cat(recurse(lhs)?, recurse(rhs)?, sep)),
        _ => Err(Error::Unsupported(format!("{value} in a summary"))),
    }
}

/// Whether `x` is one of `keys`, true or false as pandas' `isin` answers, never missing: a
/// missing `x` is one only where `missing_is_key` (the list held `None`).
fn membership(x: DfExpr, keys: Vec<DfExpr>, missing_is_key: bool) -> DfExpr {
    let found = if keys.is_empty() {
        lit(false)
    } else {
        core::coalesce(vec![x.clone().in_list(keys, false), lit(false)])
    };
    if missing_is_key {
        found.or(x.is_null())
    } else {
        found
    }
}

pub(crate) fn literal(value: &Value, dshape: &DataShape) -> Result<DfExpr> {
    let scalar = match value {
        Value::Null => ScalarValue::Null,
        Value::Bool(b) => ScalarValue::Boolean(Some(*b)),
        Value::Int(i) => ScalarValue::Int64(Some(*i)),
        Value::Float(x) => ScalarValue::Float64(Some(*x)),
        Value::Str(s) => ScalarValue::Utf8(Some(s.clone())),
    };
    // A string compared with dates was typed as a date: read it as one.
    Ok(match (value, dshape.measure()) {
        (Value::Str(text), Measure::Date | Measure::DateTime { .. }) => {
            lit(temporal(text, dshape)?)
        }
        _ => lit(scalar),
    })
}

/// `text` read as the date or date-time `dshape` says, in any of the layouts the typing of a
/// comparison accepted (`'2012-01-02 10:30'`, `'Jan 2 2012'`), which the engine's own reading
/// of text does not all know.
pub(crate) fn temporal(text: &str, dshape: &DataShape) -> Result<ScalarValue> {
    let measure = dshape.measure();
    let Some(when) = parse_datetime(text.trim()) else {
        return Err(Error::Unsupported(format!(
            "'{text}' is not a valid {measure}"
        )));
    };
    let scalar = match measure {
        Measure::Date => ScalarValue::Date32(Some(when.days_since_epoch() as i32)),
        // An instant where an offset was given; a wall time, read in the column's zone,
        // where not.
        _ => ScalarValue::TimestampMicrosecond(
            Some(when.micros_since_epoch()),
            when.offset_seconds.map(|_| "+00:00".into()),
        ),
    };
    Ok(scalar.cast_to(&arrow_type(dshape)?)?)
}

fn binary(op: BinaryOp, lhs: &Expr, l: DfExpr, rhs: &Expr, r: DfExpr) -> Result<DfExpr> {
    let is_string = |e: &Expr| matches!(base(e.dshape()), Measure::String { .. });
    let is_integer = |e: &Expr| base(e.dshape()).is_integer();
    let float = |e: DfExpr| cast(e, DataType::Float64);
    // A boolean with a number counts as 0 or 1, as in NumPy (`t.id == True`, `t.x + t.ok`).
    let is_bool = |e: &Expr| matches!(base(e.dshape()), Measure::Bool);
    let (l, r) = match (is_bool(lhs), is_bool(rhs)) {
        (true, false) if base(rhs.dshape()).is_numeric() => (cast(l, DataType::Int64), r),
        (false, true) if base(lhs.dshape()).is_numeric() => (l, cast(r, DataType::Int64)),
        _ => (l, r),
    };
    Ok(match op {
        BinaryOp::Add if is_string(lhs) => binary_expr(l, Operator::StringConcat, r),
        BinaryOp::Mul if is_string(lhs) => string::repeat(l, r),
        BinaryOp::Mul if is_string(rhs) => string::repeat(r, l),
        BinaryOp::Mod if is_string(lhs) => {
            let value_type = match base(rhs.dshape()) {
                Measure::String { .. } => DataType::Utf8,
                Measure::Bool => DataType::Boolean,
                m if m.is_integer() => DataType::Int64,
                _ => DataType::Float64,
            };
            text::interp(l, r, value_type)
        }
        BinaryOp::Add => l + r,
        BinaryOp::Sub => l - r,
        BinaryOp::Mul => l * r,
        BinaryOp::Div => float(l) / float(r),
        // Python's floor of integers, exact beyond 2^53: the quotient cut toward zero, one
        // less where a remainder has the other sign than the divisor.
        BinaryOp::FloorDiv if is_integer(lhs) && is_integer(rhs) => {
            let (l, r) = (cast(l, DataType::Int64), cast(r, DataType::Int64));
            let remainder = l.clone() % r.clone();
            let floored = remainder
                .clone()
                .not_eq(lit(0_i64))
                .and(remainder.lt(lit(0_i64)).not_eq(r.clone().lt(lit(0_i64))));
            let quotient = l / r;
            when(floored, quotient.clone() - lit(1_i64)).otherwise(quotient)?
        }
        BinaryOp::FloorDiv => math::floor(l / r),
        // Python's remainder has the divisor's sign: ((l % r) + r) % r.
        BinaryOp::Mod => ((l % r.clone()) + r.clone()) % r,
        BinaryOp::Pow if is_integer(lhs) && is_integer(rhs) => int_pow(l, r),
        BinaryOp::Pow => math::power(l, r),
        BinaryOp::Eq => l.eq(r),
        BinaryOp::Ne => l.not_eq(r),
        BinaryOp::Lt => l.lt(r),
        BinaryOp::Le => l.lt_eq(r),
        BinaryOp::Gt => l.gt(r),
        BinaryOp::Ge => l.gt_eq(r),
        BinaryOp::And => l.and(r),
        BinaryOp::Or => l.or(r),
        BinaryOp::Xor => l.not_eq(r),
        BinaryOp::Atan2 => math::atan2(float(l), float(r)),
        // The magnitude of `l`, negative where `r` is negative (-0.0 too, as in C).
        BinaryOp::Copysign => {
            let (l, r) = (math::abs(float(l)), float(r));
            let negative = r
                .clone()
                .lt(lit(0.0))
                .or(r.clone().eq(lit(0.0)).and((lit(1.0) / r).lt(lit(0.0))));
            when(negative, -l.clone()).otherwise(l)?
        }
        // Arrow's remainder of floats is C's fmod (the dividend's sign; NaN for 0).
        BinaryOp::Fmod => float(l) % float(r),
        BinaryOp::Hypot => {
            let (l, r) = (float(l), float(r));
            math::sqrt(l.clone() * l + r.clone() * r)
        }
        BinaryOp::Ldexp => float(l) * math::power(lit(2.0), float(r)),
        BinaryOp::Greatest => core::greatest(vec![l, r]),
        BinaryOp::Least => core::least(vec![l, r]),
    })
}

fn unary(op: UnaryOp, x: DfExpr) -> Result<DfExpr> {
    Ok(match op {
        UnaryOp::Neg => -x,
        UnaryOp::Not => !x,
        UnaryOp::IsNull => x.is_null(),
        UnaryOp::NotNull => x.is_not_null(),
        UnaryOp::Math(f) => {
            // Functions with real results compute on floats, so that `sqrt` of a negative
            // integer is NaN, as in NumPy, rather than an error.
            let real = !matches!(
                f,
                MathFn::Abs | MathFn::Ceil | MathFn::Floor | MathFn::Trunc | MathFn::IsNan
            );
            let x = if real { cast(x, DataType::Float64) } else { x };
            math_fn(f, x)?
        }
        UnaryOp::Str(f) => text::str_fn(f, x),
        UnaryOp::DatePart(part) => text::date_part(part, x)?,
        // Microseconds (to the nearest), read as a datetime.
        UnaryOp::FromTimestamp => cast(
            cast(
                math::round(vec![cast(x, DataType::Float64) * lit(1e6)]),
                DataType::Int64,
            ),
            DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, None),
        ),
    })
}

fn math_fn(f: MathFn, x: DfExpr) -> Result<DfExpr> {
    Ok(match f {
        MathFn::Abs => math::abs(x),
        // DataFusion refuses negative numbers; NumPy gives NaN.
        MathFn::Sqrt => when(x.clone().lt(lit(0.0)), lit(f64::NAN)).otherwise(math::sqrt(x))?,
        MathFn::Exp => math::exp(x),
        MathFn::Log => math::ln(x),
        MathFn::Log10 => math::log10(x),
        MathFn::Log1p => math::ln(x + lit(1.0)),
        MathFn::Expm1 => math::exp(x) - lit(1.0),
        MathFn::Sin => math::sin(x),
        MathFn::Cos => math::cos(x),
        MathFn::Tan => math::tan(x),
        MathFn::Asin => math::asin(x),
        MathFn::Acos => math::acos(x),
        MathFn::Atan => math::atan(x),
        MathFn::Asinh => math::asinh(x),
        MathFn::Acosh => math::acosh(x),
        MathFn::Atanh => math::atanh(x),
        MathFn::Sinh => math::sinh(x),
        MathFn::Cosh => math::cosh(x),
        MathFn::Tanh => math::tanh(x),
        MathFn::Radians => math::radians(x),
        MathFn::Degrees => math::degrees(x),
        MathFn::Ceil => math::ceil(x),
        MathFn::Floor => math::floor(x),
        MathFn::Trunc => math::trunc(vec![x]),
        MathFn::IsNan => math::isnan(x),
    })
}

/// `*` and `?` of a glob as SQL's `%` and `_`, with SQL's own wildcards escaped.
fn glob_to_like(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        match c {
            '*' => out.push('%'),
            '?' => out.push('_'),
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The measure under any option (`int32` of `?int32`).
pub(crate) fn base(dshape: &DataShape) -> &Measure {
    match dshape.measure() {
        Measure::Option(inner) => inner.measure(),
        measure => measure,
    }
}

/// The Arrow type of the elements of `dshape`.
pub(crate) fn arrow_type(dshape: &DataShape) -> Result<DataType> {
    let element = DataShape::scalar(dshape.measure().clone());
    Ok(blaze_datashape::arrow::to_arrow_field("_", &element)
        .map_err(|e| Error::Unsupported(e.to_string()))?
        .data_type()
        .clone())
}

/// The Arrow fields of `expr`'s result columns: a record's fields, or one named column.
pub(crate) fn arrow_element(expr: &Expr) -> Result<Vec<Field>> {
    let to_field = |name: &str, shape: &DataShape| {
        blaze_datashape::arrow::to_arrow_field(name, shape)
            .map_err(|e| Error::Unsupported(format!("{expr}: {e}")))
    };
    let element = DataShape::scalar(expr.dshape().measure().clone());
    match element.as_record() {
        Some(record) => record
            .fields()
            .iter()
            .map(|(name, shape)| to_field(name, shape))
            .collect(),
        // A column's elements keep their inner dimensions (`var * var * string`: lists).
        None => {
            let element = expr.dshape().subarray(1).unwrap_or(element);
            Ok(vec![to_field(output_name(expr), &element)?])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_become_like_patterns() {
        assert_eq!(glob_to_like("Al*"), "Al%");
        assert_eq!(glob_to_like("a?c"), "a_c");
        assert_eq!(glob_to_like("100%_*"), "100\\%\\_%");
    }
}
