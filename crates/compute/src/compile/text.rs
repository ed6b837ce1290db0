//! The `.str` and `.dt` functions and `truncate` as DataFusion expressions, with Python's and
//! pandas' semantics (positions from 0, negative positions from the end, `find` giving -1,
//! padding that never cuts) and Blaze's rounding of dates.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StringArray, StringBuilder};
use arrow::datatypes::{DataType, TimeUnit};
use blaze_datashape::{DataShape, Measure};
use blaze_expr::{DatePart, DateUnit, Func, Index, PadSide, RoundMode, StrFn};
use datafusion::common::{Result as DfResult, ScalarValue, exec_err};
use datafusion::functions::core::expr_fn as core;
use datafusion::functions::datetime::expr_fn as dt;
use datafusion::functions::regex::expr_fn as regex;
use datafusion::functions::string::expr_fn as string;
use datafusion::functions::unicode::expr_fn as unicode;
use datafusion::logical_expr::{
    ColumnarValue, Operator, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
    binary_expr, when,
};
use datafusion::prelude::{Expr as DfExpr, cast, lit};

use crate::error::Result;

/// A string method without arguments.
pub(super) fn str_fn(f: StrFn, x: DfExpr) -> DfExpr {
    let matches = |pattern: &str| regex::regexp_like(x.clone(), lit(pattern), None);
    match f {
        StrFn::Len => unicode::character_length(x),
        StrFn::Upper => string::upper(x),
        StrFn::Lower => string::lower(x),
        StrFn::Strip => string::btrim(vec![x]),
        StrFn::Lstrip => string::ltrim(vec![x]),
        StrFn::Rstrip => string::rtrim(vec![x]),
        StrFn::Capitalize => concat(
            string::upper(unicode::left(x.clone(), lit(1i64))),
            string::lower(unicode::substr(x, lit(2i64))),
        ),
        StrFn::IsAlnum => matches(r"^[\p{L}\p{N}]+$"),
        StrFn::IsAlpha => matches(r"^\p{L}+$"),
        StrFn::IsDecimal | StrFn::IsDigit => matches(r"^\p{Nd}+$"),
        StrFn::IsNumeric => matches(r"^\p{N}+$"),
        StrFn::IsSpace => matches(r"^\s+$"),
        // Some cased character, and none of the other case.
        StrFn::IsLower => matches(r"\p{Ll}").and(matches(r"^[^\p{Lu}\p{Lt}]*$")),
        StrFn::IsUpper => matches(r"\p{Lu}").and(matches(r"^[^\p{Ll}\p{Lt}]*$")),
        // Upper case only where a word starts, lower case only inside words, some cased.
        StrFn::IsTitle => {
            matches(r"^[^\p{L}]*[\p{Lu}\p{Lt}]\p{Ll}*([^\p{L}]+[\p{Lu}\p{Lt}]\p{Ll}*)*[^\p{L}]*$")
        }
    }
}

/// A function with constant arguments of `x`, a column of type `of`.
pub(super) fn func(f: &Func, x: DfExpr, of: &DataShape) -> Result<DfExpr> {
    Ok(match f {
        Func::Find { sub } => unicode::strpos(x, lit(sub.as_str())) - lit(1i64),
        Func::Replace {
            old,
            new,
            max: None,
        } => string::replace(x, lit(old.as_str()), lit(new.as_str())),
        Func::Replace {
            old,
            new,
            max: Some(max),
        } => ScalarUDF::new_from_impl(ReplaceN {
            old: old.clone(),
            new: new.clone(),
            max: *max,
            signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
        })
        .call(vec![cast(x, DataType::Utf8)]),
        Func::Pad {
            width,
            side,
            fillchar,
        } => pad(x, *width as i64, *side, *fillchar)?,
        Func::Substring(Index::At(i)) => {
            let length = unicode::character_length(x.clone());
            // Python's position: from the end when negative; missing when past either end.
            let position = if *i < 0 {
                length.clone() + lit(*i)
            } else {
                lit(*i)
            };
            when(
                position
                    .clone()
                    .gt_eq(lit(0i64))
                    .and(position.clone().lt(length)),
                unicode::substring(x, position + lit(1i64), lit(1i64)),
            )
            .otherwise(lit(ScalarValue::Utf8(None)))?
        }
        Func::Substring(Index::Range { start, stop, .. }) => python_slice(x, *start, *stop),
        Func::SliceReplace { start, stop, repl } => {
            // pandas: x[:start] + repl + x[stop:], where stop falls back to start if
            // x[start:stop] is empty.
            let mut out = lit(repl.as_str());
            if start.is_some() {
                out = concat(python_slice(x.clone(), None, *start), out);
            }
            if stop.is_some() {
                let replaced = python_slice(x.clone(), *start, *stop);
                let after = when(
                    unicode::character_length(replaced).eq(lit(0i64)),
                    python_slice(x.clone(), *start, None),
                )
                .otherwise(python_slice(x, *stop, None))?;
                out = concat(out, after);
            }
            out
        }
        Func::Strftime { format } => {
            // A date formats as its midnight, so that `%H` is `00` as in Python.
            let x = if is_date(of) {
                cast(x, DataType::Timestamp(TimeUnit::Second, None))
            } else {
                x
            };
            dt::to_char(x, lit(chrono_format(format, zone(of).as_deref())))
        }
        Func::Truncate { measure, unit } => truncate(x, *measure as i64, *unit, zone(of))?,
        Func::RoundTime { mode, micros } => round_time(x, *mode, *micros as i64, zone(of))?,
    })
}

/// A date part of dates or datetimes.
pub(super) fn date_part(part: DatePart, x: DfExpr) -> Result<DfExpr> {
    let of = |name: &str| cast(dt::date_part(lit(name), x.clone()), DataType::Int64);
    let days_in_month = || {
        let month_start = dt::date_trunc(lit("month"), x.clone());
        let next = month_start.clone() + lit(ScalarValue::IntervalYearMonth(Some(1)));
        cast(
            dt::date_part(lit("day"), next - lit(ScalarValue::new_interval_dt(1, 0))),
            DataType::Int64,
        )
    };
    let month_in = |months: [i64; 4]| of("month").in_list(months.map(lit).to_vec(), false);
    let day_is = |day: DfExpr| of("day").eq(day);
    Ok(match part {
        DatePart::Year => of("year"),
        DatePart::Month => of("month"),
        DatePart::Day => of("day"),
        DatePart::Hour => of("hour"),
        DatePart::Minute => of("minute"),
        // Seconds with their fraction; milli-, micro- and nanoseconds within their unit.
        DatePart::Second => cast(of("millisecond"), DataType::Float64) / lit(1000.0),
        DatePart::Millisecond => of("millisecond") % lit(1000i64),
        DatePart::Microsecond => of("microsecond") % lit(1_000_000i64),
        DatePart::Nanosecond => of("nanosecond") % lit(1000i64),
        DatePart::Date => cast(x, DataType::Date32),
        DatePart::Time => cast(x, DataType::Time64(TimeUnit::Microsecond)),
        DatePart::Week => of("week"),
        // SQL counts from Sunday = 0, pandas from Monday = 0.
        DatePart::Weekday => (of("dow") + lit(6i64)) % lit(7i64),
        DatePart::WeekdayName => dt::to_char(x, lit("%A")),
        DatePart::DayOfYear => of("doy"),
        DatePart::DaysInMonth => days_in_month(),
        DatePart::Quarter => of("quarter"),
        DatePart::IsMonthStart => day_is(lit(1i64)),
        DatePart::IsMonthEnd => day_is(days_in_month()),
        DatePart::IsQuarterStart => month_in([1, 4, 7, 10]).and(day_is(lit(1i64))),
        DatePart::IsQuarterEnd => month_in([3, 6, 9, 12]).and(day_is(days_in_month())),
        DatePart::IsYearStart => of("month").eq(lit(1i64)).and(day_is(lit(1i64))),
        DatePart::IsYearEnd => of("month").eq(lit(12i64)).and(day_is(lit(31i64))),
        DatePart::Days
        | DatePart::Seconds
        | DatePart::Microseconds
        | DatePart::Nanoseconds
        | DatePart::TotalSeconds => timedelta_part(part, x),
    })
}

/// A part of a timedelta, as pandas' `Series.dt` reads it: days rounded down, the other
/// components the rest after them (so never negative), computed on whole nanoseconds.
fn timedelta_part(part: DatePart, x: DfExpr) -> DfExpr {
    const SECOND: i64 = 1_000_000_000;
    const DAY: i64 = 86_400 * SECOND;
    let nanos = cast(
        cast(x, DataType::Duration(TimeUnit::Nanosecond)),
        DataType::Int64,
    );
    // The remainder of a division rounded down, which has the divisor's sign.
    let rest = |by: i64| ((nanos.clone() % lit(by)) + lit(by)) % lit(by);
    match part {
        DatePart::Days => (nanos.clone() - rest(DAY)) / lit(DAY),
        DatePart::Seconds => rest(DAY) / lit(SECOND),
        DatePart::Microseconds => rest(SECOND) / lit(1000i64),
        DatePart::Nanoseconds => rest(1000),
        // `total_seconds`: the division cuts toward zero, as Python's `int()` does.
        _ => nanos / lit(SECOND),
    }
}

/// `x.str.cat(y, sep)`: missing where either side is.
pub(super) fn str_cat(x: DfExpr, y: DfExpr, sep: &str) -> DfExpr {
    if sep.is_empty() {
        concat(x, y)
    } else {
        concat(concat(x, lit(sep)), y)
    }
}

fn concat(a: DfExpr, b: DfExpr) -> DfExpr {
    binary_expr(a, Operator::StringConcat, b)
}

/// `x[start:stop]` of strings, as Python slices them (in characters; negative positions count
/// from the end; positions past either end are clamped).
fn python_slice(x: DfExpr, start: Option<i64>, stop: Option<i64>) -> DfExpr {
    let length = || unicode::character_length(x.clone());
    let position = |p: i64| {
        if p >= 0 {
            lit(p)
        } else {
            core::greatest(vec![length() + lit(p), lit(0i64)])
        }
    };
    let from = start.map_or(lit(0i64), position);
    match stop {
        None => unicode::substr(x.clone(), from + lit(1i64)),
        Some(stop) => {
            let count = core::greatest(vec![position(stop) - from.clone(), lit(0i64)]);
            unicode::substring(x.clone(), from + lit(1i64), count)
        }
    }
}

/// Filled with `fillchar` up to `width` characters; longer strings are kept whole (SQL's
/// `lpad` would cut them). Both sides as Python's `str.center`: the odd character goes left
/// when the width is odd and the fill is odd.
fn pad(x: DfExpr, width: i64, side: PadSide, fillchar: char) -> Result<DfExpr> {
    let fill = || lit(fillchar.to_string());
    let length = unicode::character_length(x.clone());
    let padded = match side {
        PadSide::Left => unicode::lpad(vec![x.clone(), lit(width), fill()]),
        PadSide::Right => unicode::rpad(vec![x.clone(), lit(width), fill()]),
        PadSide::Both => {
            let margin = lit(width) - length.clone();
            let left = margin.clone() / lit(2i64)
                + binary_expr(
                    binary_expr(margin, Operator::BitwiseAnd, lit(width)),
                    Operator::BitwiseAnd,
                    lit(1i64),
                );
            let left_padded = unicode::lpad(vec![x.clone(), length.clone() + left, fill()]);
            unicode::rpad(vec![left_padded, lit(width), fill()])
        }
    };
    Ok(when(length.gt_eq(lit(width)), x).otherwise(padded)?)
}

/// Days from 0001-01-01 (day 1, as Python's `date.toordinal`) to 1970-01-01.
const EPOCH_ORDINAL: i64 = 719_163;

/// Python's `strftime` format as chrono's, which DataFusion's `to_char` reads, so that it
/// prints what Python and pandas print: `%f` is microseconds (chrono's is nanoseconds), `%Z`
/// of UTC is `UTC` and of a datetime without a zone nothing, and a directive that glibc does
/// not know, or a lone `%` at the end, is written as it is (chrono would fail instead).
fn chrono_format(python: &str, zone: Option<&str>) -> String {
    /// The directives Python hands to glibc that chrono prints the same way.
    const SHARED: &str = "aAbBcCdDeFgGhHIjklmMnpPrRsStTuUVwWxXyYz%";
    let mut out = String::with_capacity(python.len() + 8);
    let mut rest = python;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let directive = &rest[at + 1..];
        let flag_len = usize::from(directive.starts_with(['-', '_', '0']));
        let letter = directive[flag_len..].chars().next();
        let len = 1 + flag_len + letter.map_or(0, char::len_utf8);
        match letter {
            Some('f') => out.push_str("%6f"),
            Some('Z') => match zone {
                Some("UTC") => out.push_str("UTC"),
                Some(_) => out.push_str("%Z"),
                None => {}
            },
            Some(c) if SHARED.contains(c) => out.push_str(&rest[at..at + len]),
            // Unknown: the text itself, its `%` escaped.
            _ => {
                out.push('%');
                out.push_str(&rest[at..at + len]);
            }
        }
        rest = &rest[at + len..];
    }
    out.push_str(rest);
    out
}

/// Whether `of` holds dates (not datetimes).
fn is_date(of: &DataShape) -> bool {
    match of.measure() {
        Measure::Option(inner) => matches!(inner.measure(), Measure::Date),
        measure => matches!(measure, Measure::Date),
    }
}

/// The time zone of datetimes of type `of`.
fn zone(of: &DataShape) -> Option<Arc<str>> {
    let measure = match of.measure() {
        Measure::Option(inner) => inner.measure(),
        measure => measure,
    };
    match measure {
        Measure::DateTime { tz } => tz.as_deref().map(Arc::from),
        _ => None,
    }
}

/// Microseconds since 1970 of datetimes in `zone`.
fn micros_of(x: DfExpr, zone: &Option<Arc<str>>) -> DfExpr {
    cast(
        cast(x, DataType::Timestamp(TimeUnit::Microsecond, zone.clone())),
        DataType::Int64,
    )
}

/// Datetimes in `zone` from microseconds since 1970.
fn datetime_of(micros: DfExpr, zone: Option<Arc<str>>) -> DfExpr {
    cast(micros, DataType::Timestamp(TimeUnit::Microsecond, zone))
}

/// Datetimes to a multiple of `step` microseconds from 1970, as pandas' `dt.floor`, `dt.ceil`
/// and `dt.round` (halves to the even multiple).
fn round_time(x: DfExpr, mode: RoundMode, step: i64, zone: Option<Arc<str>>) -> Result<DfExpr> {
    let micros = micros_of(x, &zone);
    let step = lit(step);
    // Python's `%` (the divisor's sign), so that times before 1970 round the same way.
    let rest = (micros.clone() % step.clone() + step.clone()) % step.clone();
    let floor = micros - rest.clone();
    let up = floor.clone() + step.clone();
    let rounded = match mode {
        RoundMode::Floor => floor,
        RoundMode::Ceil => when(rest.eq(lit(0i64)), floor).otherwise(up)?,
        RoundMode::Round => {
            let twice = rest * lit(2i64);
            let even = ((floor.clone() / step.clone()) % lit(2i64)).eq(lit(0i64));
            when(twice.clone().lt(step.clone()), floor.clone())
                .when(twice.gt(step), up.clone())
                .when(even, floor)
                .otherwise(up)?
        }
    };
    Ok(datetime_of(rounded, zone))
}

/// Rounded down to a multiple of `measure` units, as Blaze's Python backend does (datetimes
/// in `zone`, days counted in UTC).
fn truncate(x: DfExpr, measure: i64, unit: DateUnit, zone: Option<Arc<str>>) -> Result<DfExpr> {
    let int = |e: DfExpr| cast(e, DataType::Int64);
    let part = |name: &str| int(dt::date_part(lit(name), x.clone()));
    let date =
        |days_since_epoch: DfExpr| cast(cast(days_since_epoch, DataType::Int32), DataType::Date32);
    let first_of = |year: DfExpr, month: DfExpr| dt::make_date(year, month, lit(1i64));
    Ok(match unit {
        DateUnit::Year => first_of(part("year") / lit(measure) * lit(measure), lit(1i64)),
        DateUnit::Month => {
            // Blaze counts months as year * 12 + month, from 1.
            let months = (part("year") * lit(12i64) + part("month")) / lit(measure) * lit(measure);
            first_of(
                (months.clone() - lit(1i64)) / lit(12i64),
                (months - lit(1i64)) % lit(12i64) + lit(1i64),
            )
        }
        DateUnit::Week | DateUnit::Day => {
            let days = if unit == DateUnit::Week {
                measure * 7
            } else {
                measure
            };
            let since_epoch = int(cast(cast(x, DataType::Date32), DataType::Int32));
            let ordinal = since_epoch + lit(EPOCH_ORDINAL);
            date(ordinal / lit(days) * lit(days) - lit(EPOCH_ORDINAL))
        }
        DateUnit::Hour
        | DateUnit::Minute
        | DateUnit::Second
        | DateUnit::Millisecond
        | DateUnit::Microsecond => {
            let micros_per_unit: i64 = match unit {
                DateUnit::Hour => 3_600_000_000,
                DateUnit::Minute => 60_000_000,
                DateUnit::Second => 1_000_000,
                DateUnit::Millisecond => 1_000,
                _ => 1,
            };
            let step = lit(micros_per_unit * measure);
            let day = lit(86_400_000_000i64);
            let micros = micros_of(x, &zone);
            // Within the day (Python's `%` for times before 1970), floored to the step.
            let of_day = (micros.clone() % day.clone() + day.clone()) % day;
            let floored = micros - of_day.clone() + of_day.clone() / step.clone() * step;
            datetime_of(floored, zone)
        }
    })
}

/// `str.replace(old, new, max)`: the first `max` occurrences replaced, as Python's
/// `str.replace` with a count (SQL's `replace` replaces all).
#[derive(Debug, PartialEq, Eq, Hash)]
struct ReplaceN {
    old: String,
    new: String,
    max: u64,
    signature: Signature,
}

impl ScalarUDFImpl for ReplaceN {
    fn name(&self) -> &str {
        "replacen"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let [x] = args.args.as_slice() else {
            return exec_err!("replacen takes one argument");
        };
        let array = x.to_array(args.number_rows)?;
        let Some(strings) = array.as_any().downcast_ref::<StringArray>() else {
            return exec_err!("replacen takes strings, not {}", array.data_type());
        };
        let max = usize::try_from(self.max).unwrap_or(usize::MAX);
        let mut out = StringBuilder::with_capacity(strings.len(), strings.value_data().len());
        let mut buffer = String::new();
        for value in strings.iter() {
            match value {
                None => out.append_null(),
                Some(s) => {
                    buffer.clear();
                    let mut rest = s;
                    for _ in 0..max {
                        let Some(at) = rest.find(self.old.as_str()) else {
                            break;
                        };
                        buffer.push_str(&rest[..at]);
                        buffer.push_str(&self.new);
                        rest = &rest[at + self.old.len()..];
                        if self.old.is_empty() {
                            // An empty pattern matches before every character, as in Python.
                            let Some(c) = rest.chars().next() else { break };
                            buffer.push(c);
                            rest = &rest[c.len_utf8()..];
                        }
                    }
                    buffer.push_str(rest);
                    out.append_value(&buffer);
                }
            }
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish()) as ArrayRef))
    }
}

/// `format % value` of text: Python's interpolation of one value (Blaze's `Interp`), the format
/// a literal or a column of formats. `value` is read as `value_type`: `Int64`, `Float64`,
/// `Boolean` or `Utf8`.
pub(super) fn interp(format: DfExpr, value: DfExpr, value_type: DataType) -> DfExpr {
    ScalarUDF::new_from_impl(Interp {
        signature: Signature::exact(
            vec![DataType::Utf8, value_type.clone()],
            Volatility::Immutable,
        ),
    })
    .call(vec![cast(format, DataType::Utf8), cast(value, value_type)])
}

/// The function [`interp`] calls: formats read once for a literal, again only where a column
/// of them changes from row to row.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Interp {
    signature: Signature,
}

impl ScalarUDFImpl for Interp {
    fn name(&self) -> &str {
        "interp"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        use arrow::array::AsArray;
        use arrow::datatypes::{Float64Type, Int64Type};
        use blaze_expr::interp::Format;

        let [formats, values] = args.args.as_slice() else {
            return exec_err!("interp takes a format and a value");
        };
        let rows = args.number_rows;
        let formats = formats.to_array(rows)?;
        let formats = formats.as_string::<i32>();
        let values = values.to_array(rows)?;
        // The signature has made the value one of these types: the array is looked at once,
        // not for each row.
        let typed = match values.data_type() {
            DataType::Int64 => Values::Int(values.as_primitive::<Int64Type>()),
            DataType::Float64 => Values::Float(values.as_primitive::<Float64Type>()),
            DataType::Boolean => Values::Bool(values.as_boolean()),
            _ => Values::Str(values.as_string::<i32>()),
        };
        let mut out = StringBuilder::with_capacity(rows, rows * 16);
        let mut text = String::new();
        // The format last read, and its parse: a literal's is read once.
        let mut parsed: Option<(String, Format)> = None;
        for i in 0..rows {
            if formats.is_null(i) || values.is_null(i) {
                out.append_null();
                continue;
            }
            let (format, arg) = (formats.value(i), typed.arg(i));
            let (last, f) = match parsed.take() {
                Some((last, f)) if last == format => (last, f),
                _ => match Format::parse(format) {
                    Ok(f) => (format.to_owned(), f),
                    Err(e) => return exec_err!("'{format}' % ...: {e}"),
                },
            };
            if let Err(e) = f.apply(arg, &mut text) {
                return exec_err!("'{format}' % ...: {e}");
            }
            out.append_value(&text);
            parsed = Some((last, f));
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish()) as ArrayRef))
    }
}

/// The values [`Interp`] reads, by their type.
enum Values<'a> {
    Int(&'a arrow::array::Int64Array),
    Float(&'a arrow::array::Float64Array),
    Bool(&'a arrow::array::BooleanArray),
    Str(&'a StringArray),
}

impl Values<'_> {
    fn arg(&self, i: usize) -> blaze_expr::interp::Arg<'_> {
        use blaze_expr::interp::Arg;
        match self {
            Values::Int(a) => Arg::Int(a.value(i)),
            Values::Float(a) => Arg::Float(a.value(i)),
            Values::Bool(a) => Arg::Bool(a.value(i)),
            Values::Str(a) => Arg::Str(a.value(i)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::chrono_format;

    #[test]
    fn pythons_strftime_formats_become_chronos() {
        assert_eq!(chrono_format("%H:%M:%S.%f", None), "%H:%M:%S.%6f");
        assert_eq!(chrono_format("%Z|%z", Some("UTC")), "UTC|%z");
        assert_eq!(chrono_format("%Z", Some("Europe/Paris")), "%Z");
        assert_eq!(chrono_format("[%Z]", None), "[]");
        assert_eq!(chrono_format("%Q %-d %_m %%", None), "%%Q %-d %_m %%");
        assert_eq!(chrono_format("100%", None), "100%%");
        assert_eq!(chrono_format("é%-", None), "é%%-");
    }
}
