//! The typing rules of expressions (the original's, `spec/blaze.md` §1.2): the datashape of
//! each operation's result, or why the operation means nothing.

use blaze_datashape::{DataShape, Dim, Measure, Record, TimeUnit, promote};

use crate::error::{Error, Result};
use crate::expr::{BinaryOp, DatePart, MathFn, Reduction, StrFn, UnaryOp, WindowFn};

/// The record of an expression's elements (`{...}` of `var * {...}` or of `?{...}`).
pub(crate) fn record_of(dshape: &DataShape) -> Option<&Record> {
    match dshape.measure() {
        Measure::Record(record) => Some(record),
        Measure::Option(inner) => inner.as_record(),
        _ => None,
    }
}

/// The type of one element: the measure as a scalar shape (`?int32` of `var * ?int32`).
pub(crate) fn element(dshape: &DataShape) -> DataShape {
    DataShape::scalar(dshape.measure().clone())
}

/// The measure under any option (`int32` of `?int32`).
pub(crate) fn base(dshape: &DataShape) -> &Measure {
    match dshape.measure() {
        Measure::Option(inner) => inner.measure(),
        measure => measure,
    }
}

/// Whether elements may be missing.
pub(crate) fn optional(dshape: &DataShape) -> bool {
    matches!(dshape.measure(), Measure::Option(_))
}

/// `dims` followed by the (possibly dimensioned) element type.
pub(crate) fn with_dims(dims: &[Dim], element: DataShape) -> DataShape {
    let (inner_dims, measure) = element.into_parts();
    let all: Vec<Dim> = dims.iter().cloned().chain(inner_dims).collect();
    DataShape::new(all, measure).expect("dimensions of valid shapes stay valid")
}

/// `measure` as a scalar, optional when `like` is.
fn scalar_like(like: &DataShape, measure: Measure) -> DataShape {
    let shape = DataShape::scalar(measure);
    if optional(like) {
        shape.into_option()
    } else {
        shape
    }
}

pub(crate) fn is_boolean(dshape: &DataShape) -> bool {
    matches!(base(dshape), Measure::Bool)
}

pub(crate) fn is_numeric(dshape: &DataShape) -> bool {
    let measure = base(dshape);
    measure.is_numeric() || matches!(measure, Measure::Bool)
}

pub(crate) fn is_string(dshape: &DataShape) -> bool {
    matches!(base(dshape), Measure::String { .. })
}

pub(crate) fn is_datelike(dshape: &DataShape) -> bool {
    matches!(base(dshape), Measure::Date | Measure::DateTime { .. })
}

pub(crate) fn is_timedelta(dshape: &DataShape) -> bool {
    matches!(base(dshape), Measure::TimeDelta { .. })
}

fn is_datetime(measure: &Measure) -> bool {
    matches!(measure, Measure::DateTime { .. })
}

/// The element type of `lhs op rhs`, both element types (scalars, possibly optional).
pub(crate) fn binary_element(op: BinaryOp, lhs: &DataShape, rhs: &DataShape) -> Result<DataShape> {
    let either_optional = optional(lhs) || optional(rhs);
    let like = |measure: Measure| {
        let shape = DataShape::scalar(measure);
        if either_optional {
            shape.into_option()
        } else {
            shape
        }
    };
    let mismatch = || {
        Error::typing(format!(
            "cannot apply {} to {lhs} and {rhs}",
            op_description(op)
        ))
    };
    let (l, r) = (base(lhs), base(rhs));
    match op {
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            comparable(l, r)
                .then(|| like(Measure::Bool))
                .ok_or_else(mismatch)
        }
        BinaryOp::And | BinaryOp::Or | BinaryOp::Xor => (matches!(l, Measure::Bool)
            && matches!(r, Measure::Bool))
        .then(|| like(Measure::Bool))
        .ok_or_else(mismatch),
        BinaryOp::Add | BinaryOp::Sub => match (l, r) {
            (Measure::String { .. }, Measure::String { .. }) if op == BinaryOp::Add => {
                Ok(like(Measure::STRING))
            }
            (Measure::DateTime { tz: a }, Measure::DateTime { tz: b }) if op == BinaryOp::Sub => {
                if a != b {
                    return Err(mismatch());
                }
                Ok(like(Measure::TimeDelta {
                    unit: TimeUnit::Microsecond,
                }))
            }
            (Measure::DateTime { .. } | Measure::Date, Measure::TimeDelta { .. }) => {
                Ok(like(l.clone()))
            }
            (Measure::TimeDelta { .. }, Measure::DateTime { .. } | Measure::Date)
                if op == BinaryOp::Add =>
            {
                Ok(like(r.clone()))
            }
            (Measure::TimeDelta { unit: a }, Measure::TimeDelta { unit: b }) => {
                Ok(like(Measure::TimeDelta { unit: (*a).min(*b) }))
            }
            _ => numeric(lhs, rhs).ok_or_else(mismatch),
        },
        BinaryOp::Mul => match (l, r) {
            (Measure::String { .. }, n) | (n, Measure::String { .. }) if n.is_integer() => {
                Ok(like(Measure::STRING))
            }
            _ => numeric(lhs, rhs).ok_or_else(mismatch),
        },
        BinaryOp::Div => {
            numeric(lhs, rhs).ok_or_else(mismatch)?;
            Ok(like(Measure::Float64))
        }
        BinaryOp::FloorDiv => {
            let promoted = numeric(lhs, rhs).ok_or_else(mismatch)?;
            Ok(if base(&promoted).is_integer() {
                promoted
            } else {
                like(Measure::Float64)
            })
        }
        // Text `%` a value is Python's interpolation (Blaze's `Interp`).
        BinaryOp::Mod if matches!(l, Measure::String { .. }) => {
            let value = r.is_numeric() || matches!(r, Measure::Bool | Measure::String { .. });
            value.then(|| like(Measure::STRING)).ok_or_else(mismatch)
        }
        BinaryOp::Mod | BinaryOp::Pow => numeric(lhs, rhs).ok_or_else(mismatch),
        BinaryOp::Atan2
        | BinaryOp::Copysign
        | BinaryOp::Fmod
        | BinaryOp::Hypot
        | BinaryOp::Ldexp => {
            numeric(lhs, rhs).ok_or_else(mismatch)?;
            Ok(like(Measure::Float64))
        }
        // Missing only where both are: a missing value gives way to the other.
        BinaryOp::Greatest | BinaryOp::Least => {
            let measure = match numeric(lhs, rhs) {
                Some(promoted) => base(&promoted).clone(),
                None if l == r && comparable(l, r) => l.clone(),
                None => return Err(mismatch()),
            };
            let shape = DataShape::scalar(measure);
            Ok(if optional(lhs) && optional(rhs) {
                shape.into_option()
            } else {
                shape
            })
        }
    }
}

/// The promoted numeric type of two numeric element types (booleans count as numbers).
fn numeric(lhs: &DataShape, rhs: &DataShape) -> Option<DataShape> {
    if !is_numeric(lhs) || !is_numeric(rhs) {
        return None;
    }
    let bool_as_int = |shape: &DataShape| {
        if matches!(base(shape), Measure::Bool) {
            scalar_like(shape, Measure::Int64)
        } else {
            shape.clone()
        }
    };
    promote(&bool_as_int(lhs), &bool_as_int(rhs)).ok()
}

/// Whether values of two measures can be compared: numbers with numbers, strings with strings,
/// dates and datetimes with each other, equal types otherwise.
pub(crate) fn comparable(a: &Measure, b: &Measure) -> bool {
    let number = |m: &Measure| m.is_numeric() || matches!(m, Measure::Bool);
    let datelike = |m: &Measure| matches!(m, Measure::Date | Measure::DateTime { .. });
    (number(a) && number(b))
        || (matches!(a, Measure::String { .. }) && matches!(b, Measure::String { .. }))
        || (datelike(a) && datelike(b))
        || matches!(a, Measure::Null)
        || matches!(b, Measure::Null)
        || a == b
}

fn op_description(op: BinaryOp) -> String {
    match op.function_name() {
        Some(name) => format!("{name}()"),
        None => format!("'{}'", op.symbol()),
    }
}

/// The element type of a function of one element.
pub(crate) fn unary_element(op: UnaryOp, child: &DataShape) -> Result<DataShape> {
    let measure = base(child);
    let wrong = |what: &str| {
        Error::typing(format!(
            "{} needs {what}, not {child}",
            crate::print::unary_description(op)
        ))
    };
    Ok(match op {
        UnaryOp::Neg => {
            if !(measure.is_numeric() || matches!(measure, Measure::TimeDelta { .. })) {
                return Err(wrong("numbers"));
            }
            child.clone()
        }
        UnaryOp::Not => {
            if !is_boolean(child) {
                return Err(wrong("booleans"));
            }
            child.clone()
        }
        UnaryOp::IsNull | UnaryOp::NotNull => DataShape::scalar(Measure::Bool),
        UnaryOp::FromTimestamp => {
            if !is_numeric(child) {
                return Err(wrong("numbers (seconds since 1970)"));
            }
            scalar_like(child, Measure::DateTime { tz: None })
        }
        UnaryOp::Math(f) => {
            if !is_numeric(child) {
                return Err(wrong("numbers"));
            }
            match f {
                MathFn::Abs => child.clone(),
                MathFn::IsNan => scalar_like(child, Measure::Bool),
                MathFn::Ceil | MathFn::Floor | MathFn::Trunc if measure.is_integer() => {
                    child.clone()
                }
                MathFn::Ceil | MathFn::Floor | MathFn::Trunc => scalar_like(child, Measure::Int64),
                _ => scalar_like(child, Measure::Float64),
            }
        }
        UnaryOp::Str(f) => {
            if !is_string(child) {
                return Err(wrong("strings"));
            }
            match f {
                StrFn::Len => scalar_like(child, Measure::Int64),
                StrFn::Upper
                | StrFn::Lower
                | StrFn::Strip
                | StrFn::Lstrip
                | StrFn::Rstrip
                | StrFn::Capitalize => scalar_like(child, Measure::STRING),
                _ => scalar_like(child, Measure::Bool),
            }
        }
        UnaryOp::DatePart(part) => {
            let has_date = matches!(measure, Measure::Date) || is_datetime(measure);
            let has_time = matches!(measure, Measure::Time { .. }) || is_datetime(measure);
            let result = match part {
                DatePart::Year if has_date => Measure::Int32,
                DatePart::Month | DatePart::Day if has_date => Measure::Int64,
                DatePart::Hour
                | DatePart::Minute
                | DatePart::Millisecond
                | DatePart::Microsecond
                    if has_time =>
                {
                    Measure::Int64
                }
                DatePart::Second if has_time => Measure::Float64,
                DatePart::Date if has_date => Measure::Date,
                DatePart::Time if is_datetime(measure) => Measure::Time { tz: None },
                DatePart::Nanosecond if has_time => Measure::Int64,
                DatePart::Week
                | DatePart::Weekday
                | DatePart::DayOfYear
                | DatePart::DaysInMonth
                | DatePart::Quarter
                    if has_date =>
                {
                    Measure::Int64
                }
                DatePart::WeekdayName if has_date => Measure::STRING,
                DatePart::IsMonthStart
                | DatePart::IsMonthEnd
                | DatePart::IsQuarterStart
                | DatePart::IsQuarterEnd
                | DatePart::IsYearStart
                | DatePart::IsYearEnd
                    if has_date =>
                {
                    Measure::Bool
                }
                DatePart::Days
                | DatePart::Seconds
                | DatePart::Microseconds
                | DatePart::Nanoseconds
                | DatePart::TotalSeconds => {
                    if !matches!(measure, Measure::TimeDelta { .. }) {
                        return Err(wrong("timedeltas"));
                    }
                    Measure::Int64
                }
                DatePart::Time => return Err(wrong("datetimes")),
                DatePart::Hour
                | DatePart::Minute
                | DatePart::Second
                | DatePart::Millisecond
                | DatePart::Microsecond
                | DatePart::Nanosecond => return Err(wrong("times or datetimes")),
                _ => return Err(wrong("dates or datetimes")),
            };
            scalar_like(child, result)
        }
    })
}

/// The type of a reduction of a collection of `child` (the whole shape, dimensions included).
pub(crate) fn reduction(op: Reduction, child: &DataShape) -> Result<DataShape> {
    if child.dims().is_empty() {
        return Err(Error::typing(format!(
            "{}() reduces a collection, and {child} is a single value",
            reduction_name(op)
        )));
    }
    if matches!(
        op,
        Reduction::Count | Reduction::Nunique | Reduction::Nelements
    ) {
        return Ok(DataShape::scalar(Measure::Int32));
    }
    let element = element(child);
    if record_of(child).is_some() {
        return Err(Error::typing(format!(
            "{}() is not defined for a table ({child}); reduce one of its columns",
            reduction_name(op)
        )));
    }
    let measure = base(&element);
    let wrong = |what: &str| {
        Error::typing(format!(
            "{}() needs {what}, not {element}",
            reduction_name(op)
        ))
    };
    let result = match op {
        Reduction::Sum | Reduction::Prod => match measure {
            Measure::Bool => Measure::Int64,
            m if m.is_integer() => {
                let (signed, _) = m.integer_bits().expect("an integer");
                Measure::integer(signed, 64).expect("64-bit integers exist")
            }
            Measure::Float16 | Measure::Float32 | Measure::Float64 => Measure::Float64,
            Measure::Decimal { scale, .. } => Measure::Decimal {
                precision: 38,
                scale: *scale,
            },
            Measure::TimeDelta { .. } => measure.clone(),
            _ => return Err(wrong("numbers")),
        },
        Reduction::Mean => match measure {
            Measure::TimeDelta { .. } => measure.clone(),
            _ if is_numeric(&element) => Measure::Float64,
            _ => return Err(wrong("numbers")),
        },
        Reduction::Var { .. }
        | Reduction::Std { .. }
        | Reduction::Median
        | Reduction::Quantile { .. } => {
            if !is_numeric(&element) {
                return Err(wrong("numbers"));
            }
            Measure::Float64
        }
        Reduction::Min | Reduction::Max => {
            if matches!(
                measure,
                Measure::Record(_) | Measure::Tuple(_) | Measure::Map(..) | Measure::Json
            ) {
                return Err(wrong("values that can be ordered"));
            }
            measure.clone()
        }
        Reduction::Any | Reduction::All => {
            if !is_boolean(&element) {
                return Err(wrong("booleans"));
            }
            Measure::Bool
        }
        Reduction::ArgMin | Reduction::ArgMax => {
            if !is_numeric(&element) && !is_boolean(&element) {
                return Err(wrong("numbers"));
            }
            Measure::Int64
        }
        Reduction::Count | Reduction::Nunique | Reduction::Nelements => {
            unreachable!("counted above")
        }
    };
    Ok(match op {
        // A position, never missing.
        Reduction::Any | Reduction::All | Reduction::ArgMin | Reduction::ArgMax => {
            DataShape::scalar(result)
        }
        _ => scalar_like(&element, result),
    })
}

/// The name of a reduction, as written: `sum`, `nunique`...
pub(crate) fn reduction_name(op: Reduction) -> &'static str {
    match op {
        Reduction::Sum => "sum",
        Reduction::Min => "min",
        Reduction::Max => "max",
        Reduction::Mean => "mean",
        Reduction::Var { .. } => "var",
        Reduction::Std { .. } => "std",
        Reduction::Any => "any",
        Reduction::All => "all",
        Reduction::Count => "count",
        Reduction::Nunique => "nunique",
        Reduction::Nelements => "nelements",
        Reduction::Median => "median",
        Reduction::Quantile { .. } => "quantile",
        Reduction::Prod => "prod",
        Reduction::ArgMin => "argmin",
        Reduction::ArgMax => "argmax",
    }
}

/// The element type of a window function of a column of `child` elements.
pub(crate) fn window_element(func: WindowFn, child: &DataShape) -> Result<DataShape> {
    let wrong =
        |what: &str| Error::typing(format!("{}() needs {what}, not {child}", window_name(func)));
    Ok(match func {
        WindowFn::Shift(0) => child.clone(),
        WindowFn::Shift(_) => child.clone().into_option(),
        WindowFn::CumSum => {
            let sum = reduction(Reduction::Sum, &with_dims(&[Dim::Var], child.clone()))
                .map_err(|_| wrong("numbers"))?;
            scalar_like(child, base(&sum).clone())
        }
        WindowFn::CumMin | WindowFn::CumMax => {
            reduction(Reduction::Min, &with_dims(&[Dim::Var], child.clone()))
                .map_err(|_| wrong("values that can be ordered"))?;
            child.clone()
        }
        WindowFn::Rank { .. } => {
            reduction(Reduction::Min, &with_dims(&[Dim::Var], child.clone()))
                .map_err(|_| wrong("values that can be ordered"))?;
            DataShape::scalar(Measure::Int64)
        }
    })
}

/// The name of a window function, as written: `shift`, `cumsum`...
pub(crate) fn window_name(func: WindowFn) -> &'static str {
    match func {
        WindowFn::Shift(_) => "shift",
        WindowFn::CumSum => "cumsum",
        WindowFn::CumMin => "cummin",
        WindowFn::CumMax => "cummax",
        WindowFn::Rank { .. } => "rank",
    }
}
