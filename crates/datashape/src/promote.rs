//! Combining types: [`promote`] for expression typing (NumPy's rules, as the original), and
//! [`unify`] for discovery, which always succeeds.
//!
//! `unify` follows the original's lattice (spec §2.4: `int32 < int64 < float64 < string`,
//! `date < datetime < string`, `null` makes things optional) and makes it total where the original
//! raised or surprised:
//!
//! * every integer and float width, unsigned included, widens as NumPy does (`int8 ∨ uint8` is
//!   `int16`, `int64 ∨ uint64` is `float64`); decimals widen to hold both sides;
//! * `bool ∨ int64` is `string`, as in the original: a column holding both `True` and `1` is not
//!   a typed column of either, and guessing would change values;
//! * `time` and `timedelta` unify with themselves (the finer unit wins for timedeltas); a blank
//!   among times makes `?time` rather than an error;
//! * a naive `datetime` with a zoned one, or two different zones, is `string` (no silent shift);
//! * any other pair of distinct scalars (`int64 ∨ date`, `string ∨ float64`) is `string`;
//! * records unify field by field; a field missing on one side becomes optional; field order is
//!   the order of first appearance (the original silently dropped fields that appeared late);
//! * arrays with the same number of dimensions unify element-wise and differing lengths become
//!   `var` (ragged lists: `2 * int64 ∨ 3 * int64` is `var * int64`); arrays of different depth,
//!   or an array with a scalar, are `json`.

use crate::error::{Error, Result};
use crate::types::{DataShape, Dim, Encoding, Measure, Record};

/// The type of an expression combining values of types `a` and `b` (arithmetic, `coalesce`,
/// concatenation): NumPy's `result_type` for numbers, `string` for two strings, optional when
/// either side is. Fails when the two have no common type.
pub fn promote(a: &DataShape, b: &DataShape) -> Result<DataShape> {
    let optional = a.is_option() || b.is_option();
    let (a_inner, b_inner) = (a.non_option(), b.non_option());
    let measure = match (a_inner.measure(), b_inner.measure()) {
        _ if !a_inner.dims().is_empty() || !b_inner.dims().is_empty() => None,
        (x, y) if x == y => Some(x.clone()),
        (Measure::String { .. }, Measure::String { .. }) => Some(Measure::STRING),
        (Measure::Bool, n) | (n, Measure::Bool) if n.is_numeric() => Some(n.clone()),
        (x, y) => numeric(x, y),
    };
    let Some(measure) = measure else {
        return Err(Error::NoCommonType {
            left: a.to_string(),
            right: b.to_string(),
        });
    };
    let result = DataShape::scalar(measure);
    Ok(if optional {
        result.into_option()
    } else {
        result
    })
}

/// The narrowest type that holds every value of `a` and of `b`. Total: see the module docs for
/// the rules where the original had none.
pub fn unify(a: &DataShape, b: &DataShape) -> DataShape {
    if a == b {
        return a.clone();
    }
    if is_null(a) {
        return b.clone().into_option();
    }
    if is_null(b) {
        return a.clone().into_option();
    }
    if a.is_option() || b.is_option() {
        return unify(a.non_option(), b.non_option()).into_option();
    }
    if let Some(t) = empty_array_with(a, b).or_else(|| empty_array_with(b, a)) {
        return t;
    }
    if a.dims().len() != b.dims().len() {
        return DataShape::scalar(Measure::Json);
    }
    let dims: Vec<Dim> = a
        .dims()
        .iter()
        .zip(b.dims())
        .map(|(x, y)| if x == y { x.clone() } else { Dim::Var })
        .collect();
    let measure = unify_measures(a.measure(), b.measure());
    DataShape::new(dims, measure).unwrap_or_else(|_| DataShape::scalar(Measure::Json))
}

/// [`unify`] over many types; `null` for none.
pub fn unify_all<'a>(types: impl IntoIterator<Item = &'a DataShape>) -> DataShape {
    let mut types = types.into_iter();
    let Some(first) = types.next() else {
        return DataShape::scalar(Measure::Null);
    };
    types.fold(first.clone(), |acc, t| unify(&acc, t))
}

/// An empty array (`0 * null`, as discovered from `[]`) unifies with any array: it contributes no
/// element type, only a length.
fn empty_array_with(empty: &DataShape, other: &DataShape) -> Option<DataShape> {
    let is_empty = empty.dims() == [Dim::Fixed(0)] && empty.measure() == &Measure::Null;
    let (first, rest) = other.dims().split_first()?;
    is_empty.then(|| {
        let dim = if *first == Dim::Fixed(0) {
            Dim::Fixed(0)
        } else {
            Dim::Var
        };
        let mut dims = vec![dim];
        dims.extend_from_slice(rest);
        DataShape::new(dims, other.measure().clone()).expect("same dims as a valid shape")
    })
}

fn is_null(t: &DataShape) -> bool {
    t.dims().is_empty() && t.measure() == &Measure::Null
}

fn unify_measures(a: &Measure, b: &Measure) -> Measure {
    use Measure as M;
    match (a, b) {
        (x, y) if x == y => x.clone(),
        (M::Json, _) | (_, M::Json) => M::Json,
        (M::Object, _) | (_, M::Object) => M::Object,
        (M::Option(_) | M::Null, _) | (_, M::Option(_) | M::Null) => {
            let (a, b) = (DataShape::scalar(a.clone()), DataShape::scalar(b.clone()));
            unify(&a, &b).into_parts().1
        }
        (M::Record(x), M::Record(y)) => M::Record(unify_records(x, y)),
        (M::Tuple(x), M::Tuple(y)) if x.len() == y.len() => {
            M::Tuple(x.iter().zip(y).map(|(x, y)| unify(x, y)).collect())
        }
        (M::Record(_) | M::Tuple(_), _) | (_, M::Record(_) | M::Tuple(_)) => M::Json,
        (M::Date, M::DateTime { tz: None }) | (M::DateTime { tz: None }, M::Date) => M::DATETIME,
        (M::TimeDelta { unit: u }, M::TimeDelta { unit: v }) => M::TimeDelta { unit: (*u).min(*v) },
        (
            M::String {
                fixlen: f,
                encoding: e,
            },
            M::String {
                fixlen: g,
                encoding: h,
            },
        ) => M::String {
            fixlen: f.zip(*g).map(|(f, g)| f.max(g)),
            encoding: if e == h { *e } else { Encoding::Utf8 },
        },
        (x, y) => numeric(x, y).unwrap_or(M::STRING),
    }
}

/// Fields of both records in order of first appearance; one-sided fields become optional.
fn unify_records(a: &Record, b: &Record) -> Record {
    let mut fields: Vec<(String, DataShape)> = a
        .fields()
        .iter()
        .map(|(name, ty)| {
            let ty = match b.get(name) {
                Some(other) => unify(ty, other),
                None => ty.clone().into_option(),
            };
            (name.clone(), ty)
        })
        .collect();
    for (name, ty) in b.fields() {
        if a.get(name).is_none() {
            fields.push((name.clone(), ty.clone().into_option()));
        }
    }
    Record::try_new(fields).expect("names come from two records without duplicates")
}

/// NumPy's `result_type` for two numbers; `None` if either is not a number.
fn numeric(a: &Measure, b: &Measure) -> Option<Measure> {
    use Measure as M;
    let complex_bits = |m: &Measure| match m {
        M::Complex64 => Some(32),
        M::Complex128 => Some(64),
        _ => None,
    };
    if !a.is_numeric() || !b.is_numeric() {
        return None;
    }
    // Complex absorbs everything; its component must hold the other side's float equivalent.
    if complex_bits(a).is_some() || complex_bits(b).is_some() {
        let bits = [a, b]
            .iter()
            .map(|m| complex_bits(m).unwrap_or_else(|| float_bits_for(m)))
            .max()?;
        return Some(if bits <= 32 {
            M::Complex64
        } else {
            M::Complex128
        });
    }
    match (a, b) {
        (
            M::Decimal {
                precision: p,
                scale: s,
            },
            M::Decimal {
                precision: q,
                scale: t,
            },
        ) => {
            let scale = (*s).max(*t);
            let integer_digits = (p - s).max(q - t);
            Some(M::Decimal {
                precision: (integer_digits + scale).min(76),
                scale,
            })
        }
        (M::Decimal { precision, scale }, other) | (other, M::Decimal { precision, scale }) => {
            // An integer fits a decimal with enough integer digits; a float does not.
            Some(match other.integer_bits() {
                Some((_, bits)) => M::Decimal {
                    precision: ((precision - scale).max(decimal_digits(bits)) + scale).min(76),
                    scale: *scale,
                },
                None => M::Float64,
            })
        }
        _ => match (a.integer_bits(), b.integer_bits()) {
            (Some(x), Some(y)) => Some(integer_union(x, y)),
            _ => M::float(float_bits_for(a).max(float_bits_for(b))),
        },
    }
}

/// The integer type holding both `(signed, bits)` kinds, or `float64` for `int64 ∨ uint64`.
fn integer_union((s1, b1): (bool, u8), (s2, b2): (bool, u8)) -> Measure {
    if s1 == s2 {
        return Measure::integer(s1, b1.max(b2)).expect("widths come from integer types");
    }
    let (signed_bits, unsigned_bits) = if s1 { (b1, b2) } else { (b2, b1) };
    if signed_bits > unsigned_bits {
        Measure::integer(true, signed_bits).expect("widths come from integer types")
    } else if unsigned_bits < 64 {
        Measure::integer(true, unsigned_bits * 2).expect("widths come from integer types")
    } else {
        Measure::Float64
    }
}

/// The float width that holds every value of a numeric measure exactly enough (NumPy's rule).
fn float_bits_for(m: &Measure) -> u8 {
    match (m.float_bits(), m.integer_bits()) {
        (Some(bits), _) => bits,
        (_, Some((_, 8))) => 16,
        (_, Some((_, 16))) => 32,
        _ => 64,
    }
}

/// Decimal digits needed for any integer of `bits` bits.
fn decimal_digits(bits: u8) -> u32 {
    match bits {
        8 => 3,
        16 => 5,
        32 => 10,
        _ => 20,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn u(a: &str, b: &str) -> String {
        unify(&parse(a).unwrap(), &parse(b).unwrap()).to_string()
    }

    fn p(a: &str, b: &str) -> String {
        match promote(&parse(a).unwrap(), &parse(b).unwrap()) {
            Ok(t) => t.to_string(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn lattice_of_the_original() {
        assert_eq!(u("int32", "int64"), "int64");
        assert_eq!(u("int64", "float64"), "float64");
        assert_eq!(u("date", "datetime"), "datetime");
        assert_eq!(u("bool", "int64"), "string");
        assert_eq!(u("int64", "date"), "string");
        assert_eq!(u("null", "int64"), "?int64");
        assert_eq!(u("null", "null"), "null");
        assert_eq!(u("?int32", "float64"), "?float64");
    }

    #[test]
    fn totality_where_the_original_raised() {
        assert_eq!(u("time", "null"), "?time");
        assert_eq!(
            u("timedelta[unit='s']", "timedelta[unit='ms']"),
            "timedelta[unit='ms']"
        );
        assert_eq!(u("uint8", "int8"), "int16");
        assert_eq!(u("uint64", "int64"), "float64");
        assert_eq!(u("string[3]", "string[5]"), "string[5]");
        assert_eq!(u("datetime", "datetime[tz='UTC']"), "string");
        assert_eq!(u("2 * int64", "3 * int64"), "var * int64");
        assert_eq!(u("2 * int64", "string"), "json");
        assert_eq!(
            u("(int64, string)", "(float64, string)"),
            "(float64, string)"
        );
    }

    #[test]
    fn records_union_fields_in_first_appearance_order() {
        assert_eq!(
            u("{a: int64, b: string}", "{c: bool, a: float64}"),
            "{a: float64, b: ?string, c: ?bool}"
        );
    }

    #[test]
    fn promote_follows_numpy() {
        assert_eq!(p("int64", "float32"), "float64");
        assert_eq!(p("int8", "float32"), "float32");
        assert_eq!(p("int32", "uint32"), "int64");
        assert_eq!(p("?int32", "int64"), "?int64");
        assert_eq!(p("bool", "int8"), "int8");
        assert_eq!(p("string", "string['A']"), "string");
        assert_eq!(
            p("decimal[10, 2]", "int32"),
            "decimal[precision=12, scale=2]"
        );
        assert_eq!(p("decimal[10, 2]", "float32"), "float64");
        assert_eq!(p("complex64", "float64"), "complex[float64]");
        assert_eq!(
            p("string", "int32"),
            "cannot combine 'string' and 'int32': no common type"
        );
    }
}
