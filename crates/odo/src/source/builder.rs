//! Building Arrow columns from text and from typed values, one cell at a time. Used by every
//! row-oriented reader (CSV, SQLite), so a value means the same wherever it comes from: dates,
//! times and durations are read by the same parsers discovery uses.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder,
    DurationMicrosecondBuilder, DurationMillisecondBuilder, DurationNanosecondBuilder,
    DurationSecondBuilder, Float32Builder, Float64Builder, Int8Builder, Int16Builder, Int32Builder,
    Int64Builder, StringBuilder, Time64MicrosecondBuilder, TimestampMicrosecondBuilder,
    UInt8Builder, UInt16Builder, UInt32Builder, UInt64Builder,
};
use arrow::datatypes::{DataType, Field, TimeUnit as ArrowUnit};
use blaze_datashape::TimeUnit;
use blaze_datashape::discover::{parse_datetime, parse_time_of_day, parse_timedelta};

/// A column being built, by Arrow type. Parsing dispatches once per cell on this enum.
pub(crate) enum Column {
    Bool(BooleanBuilder),
    Int8(Int8Builder),
    Int16(Int16Builder),
    Int32(Int32Builder),
    Int64(Int64Builder),
    UInt8(UInt8Builder),
    UInt16(UInt16Builder),
    UInt32(UInt32Builder),
    UInt64(UInt64Builder),
    Float32(Float32Builder),
    Float64(Float64Builder),
    Decimal(Decimal128Builder, u8, i8),
    Utf8(StringBuilder),
    Binary(BinaryBuilder),
    Date(Date32Builder),
    /// Microsecond timestamps; `true` when the column has a zone (values are UTC instants).
    Timestamp(TimestampMicrosecondBuilder, Option<Arc<str>>),
    Time(Time64MicrosecondBuilder),
    DurationS(DurationSecondBuilder, TimeUnit),
    DurationMs(DurationMillisecondBuilder, TimeUnit),
    DurationUs(DurationMicrosecondBuilder, TimeUnit),
    DurationNs(DurationNanosecondBuilder, TimeUnit),
}

impl Column {
    pub(crate) fn new(field: &Field, capacity: usize) -> Result<Self, String> {
        // The datashape's unit for durations stored coarser than Arrow can (days as seconds).
        let declared_unit = blaze_datashape::arrow::from_arrow_field(field)
            .ok()
            .and_then(|t| match t.non_option().measure() {
                blaze_datashape::Measure::TimeDelta { unit } => Some(*unit),
                _ => None,
            });
        Ok(match field.data_type() {
            DataType::Boolean => Column::Bool(BooleanBuilder::with_capacity(capacity)),
            DataType::Int8 => Column::Int8(Int8Builder::with_capacity(capacity)),
            DataType::Int16 => Column::Int16(Int16Builder::with_capacity(capacity)),
            DataType::Int32 => Column::Int32(Int32Builder::with_capacity(capacity)),
            DataType::Int64 => Column::Int64(Int64Builder::with_capacity(capacity)),
            DataType::UInt8 => Column::UInt8(UInt8Builder::with_capacity(capacity)),
            DataType::UInt16 => Column::UInt16(UInt16Builder::with_capacity(capacity)),
            DataType::UInt32 => Column::UInt32(UInt32Builder::with_capacity(capacity)),
            DataType::UInt64 => Column::UInt64(UInt64Builder::with_capacity(capacity)),
            DataType::Float32 => Column::Float32(Float32Builder::with_capacity(capacity)),
            DataType::Float64 => Column::Float64(Float64Builder::with_capacity(capacity)),
            DataType::Decimal128(p, s) => Column::Decimal(
                Decimal128Builder::with_capacity(capacity)
                    .with_precision_and_scale(*p, *s)
                    .map_err(|e| e.to_string())?,
                *p,
                *s,
            ),
            DataType::Utf8 => Column::Utf8(StringBuilder::with_capacity(capacity, capacity * 8)),
            DataType::Binary => {
                Column::Binary(BinaryBuilder::with_capacity(capacity, capacity * 8))
            }
            DataType::Date32 => Column::Date(Date32Builder::with_capacity(capacity)),
            DataType::Timestamp(ArrowUnit::Microsecond, tz) => Column::Timestamp(
                TimestampMicrosecondBuilder::with_capacity(capacity).with_timezone_opt(tz.clone()),
                tz.clone(),
            ),
            DataType::Time64(ArrowUnit::Microsecond) => {
                Column::Time(Time64MicrosecondBuilder::with_capacity(capacity))
            }
            DataType::Duration(unit) => {
                let declared = declared_unit.unwrap_or(match unit {
                    ArrowUnit::Second => TimeUnit::Second,
                    ArrowUnit::Millisecond => TimeUnit::Millisecond,
                    ArrowUnit::Microsecond => TimeUnit::Microsecond,
                    ArrowUnit::Nanosecond => TimeUnit::Nanosecond,
                });
                match unit {
                    ArrowUnit::Second => {
                        Column::DurationS(DurationSecondBuilder::with_capacity(capacity), declared)
                    }
                    ArrowUnit::Millisecond => Column::DurationMs(
                        DurationMillisecondBuilder::with_capacity(capacity),
                        declared,
                    ),
                    ArrowUnit::Microsecond => Column::DurationUs(
                        DurationMicrosecondBuilder::with_capacity(capacity),
                        declared,
                    ),
                    ArrowUnit::Nanosecond => Column::DurationNs(
                        DurationNanosecondBuilder::with_capacity(capacity),
                        declared,
                    ),
                }
            }
            other => {
                return Err(format!(
                    "column '{}': CSV text cannot be loaded as {other}",
                    field.name()
                ));
            }
        })
    }

    pub(crate) fn push_null(&mut self) {
        match self {
            Column::Bool(b) => b.append_null(),
            Column::Int8(b) => b.append_null(),
            Column::Int16(b) => b.append_null(),
            Column::Int32(b) => b.append_null(),
            Column::Int64(b) => b.append_null(),
            Column::UInt8(b) => b.append_null(),
            Column::UInt16(b) => b.append_null(),
            Column::UInt32(b) => b.append_null(),
            Column::UInt64(b) => b.append_null(),
            Column::Float32(b) => b.append_null(),
            Column::Float64(b) => b.append_null(),
            Column::Decimal(b, ..) => b.append_null(),
            Column::Utf8(b) => b.append_null(),
            Column::Binary(b) => b.append_null(),
            Column::Date(b) => b.append_null(),
            Column::Timestamp(b, _) => b.append_null(),
            Column::Time(b) => b.append_null(),
            Column::DurationS(b, _) => b.append_null(),
            Column::DurationMs(b, _) => b.append_null(),
            Column::DurationUs(b, _) => b.append_null(),
            Column::DurationNs(b, _) => b.append_null(),
        }
    }

    /// Parses `text` and appends it; on failure, says why (empty when "not a valid T" says all).
    pub(crate) fn push(&mut self, text: &str) -> Result<(), String> {
        let t = trim(text);
        let bad = || String::new();
        match self {
            Column::Bool(b) => b.append_value(parse_bool(t).ok_or_else(bad)?),
            Column::Int8(b) => b.append_value(int(t)?),
            Column::Int16(b) => b.append_value(int(t)?),
            Column::Int32(b) => b.append_value(int(t)?),
            Column::Int64(b) => b.append_value(int(t)?),
            Column::UInt8(b) => b.append_value(int(t)?),
            Column::UInt16(b) => b.append_value(int(t)?),
            Column::UInt32(b) => b.append_value(int(t)?),
            Column::UInt64(b) => b.append_value(t.parse().map_err(|_| bad())?),
            Column::Float32(b) => b.append_value(t.parse().map_err(|_| bad())?),
            Column::Float64(b) => b.append_value(t.parse().map_err(|_| bad())?),
            Column::Decimal(b, p, s) => b.append_value(parse_decimal(t, *p, *s)?),
            Column::Utf8(b) => b.append_value(text),
            Column::Binary(b) => b.append_value(text.as_bytes()),
            Column::Date(b) => {
                let v = parse_datetime(t).ok_or_else(bad)?;
                if v.nanos_of_day.unwrap_or(0) != 0 || v.offset_seconds.is_some() {
                    return Err("it has a time of day".into());
                }
                let days = i32::try_from(v.days_since_epoch()).map_err(|_| bad())?;
                b.append_value(days);
            }
            Column::Timestamp(b, tz) => {
                let v = parse_datetime(t).ok_or_else(bad)?;
                if tz.is_some() && v.offset_seconds.is_none() && v.nanos_of_day.is_some() {
                    // A wall-clock time in a zoned column: read as UTC only when the zone is UTC.
                    if !matches!(tz.as_deref(), Some("UTC" | "utc" | "Z" | "+00:00")) {
                        return Err("it has no UTC offset, and the column's zone is not UTC".into());
                    }
                }
                b.append_value(v.micros_since_epoch());
            }
            Column::Time(b) => {
                let nanos = parse_time_of_day(t).ok_or_else(bad)?;
                b.append_value((nanos / 1000) as i64);
            }
            Column::DurationS(b, unit) => b.append_value(duration(t, *unit, 1_000_000_000)?),
            Column::DurationMs(b, unit) => b.append_value(duration(t, *unit, 1_000_000)?),
            Column::DurationUs(b, unit) => b.append_value(duration(t, *unit, 1_000)?),
            Column::DurationNs(b, unit) => b.append_value(duration(t, *unit, 1)?),
        }
        Ok(())
    }

    /// Appends an integer value; columns that do not hold integers read its decimal text.
    pub(crate) fn push_i64(&mut self, value: i64) -> Result<(), String> {
        let out_of_range = || "out of range".to_owned();
        match self {
            Column::Int64(b) => b.append_value(value),
            Column::Int32(b) => b.append_value(i32::try_from(value).map_err(|_| out_of_range())?),
            Column::Int16(b) => b.append_value(i16::try_from(value).map_err(|_| out_of_range())?),
            Column::Float64(b) => b.append_value(value as f64),
            Column::Bool(b) => b.append_value(value != 0),
            Column::Decimal(b, _, s) => {
                let factor = 10i128.pow(u32::try_from(*s).unwrap_or(0));
                b.append_value(
                    i128::from(value)
                        .checked_mul(factor)
                        .ok_or_else(out_of_range)?,
                );
            }
            _ => return self.push(&value.to_string()),
        }
        Ok(())
    }

    /// Appends a floating-point value; columns that do not hold floats read its text.
    pub(crate) fn push_f64(&mut self, value: f64) -> Result<(), String> {
        match self {
            Column::Float64(b) => b.append_value(value),
            Column::Float32(b) => b.append_value(value as f32),
            Column::Int64(b) if value.fract() == 0.0 && value.abs() < 9.2e18 => {
                b.append_value(value as i64);
            }
            _ => return self.push(&value.to_string()),
        }
        Ok(())
    }

    /// Appends a boolean.
    pub(crate) fn push_bool(&mut self, value: bool) -> Result<(), String> {
        match self {
            Column::Bool(b) => b.append_value(value),
            _ => return self.push(if value { "true" } else { "false" }),
        }
        Ok(())
    }

    /// Appends a date as days since 1970-01-01.
    pub(crate) fn push_days(&mut self, days: i32) -> Result<(), String> {
        match self {
            Column::Date(b) => b.append_value(days),
            _ => return Err("a date does not fit".into()),
        }
        Ok(())
    }

    /// Appends microseconds: since 1970-01-01 for timestamps, since midnight for times, or a
    /// duration.
    pub(crate) fn push_micros(&mut self, micros: i64) -> Result<(), String> {
        match self {
            Column::Timestamp(b, _) => b.append_value(micros),
            Column::Time(b) => b.append_value(micros),
            Column::DurationUs(b, _) => b.append_value(micros),
            Column::DurationMs(b, _) => b.append_value(micros / 1_000),
            Column::DurationS(b, _) => b.append_value(micros / 1_000_000),
            Column::DurationNs(b, _) => {
                b.append_value(micros.checked_mul(1_000).ok_or("out of range")?);
            }
            _ => return Err("a time value does not fit".into()),
        }
        Ok(())
    }

    /// Appends an exact decimal given as an unscaled integer and its scale.
    pub(crate) fn push_decimal(&mut self, unscaled: i128, scale: u32) -> Result<(), String> {
        match self {
            Column::Decimal(b, _, s) => {
                let target = u32::try_from(*s).map_err(|_| "negative scale".to_owned())?;
                let value = if target >= scale {
                    unscaled.checked_mul(10i128.pow(target - scale))
                } else {
                    let factor = 10i128.pow(scale - target);
                    (unscaled % factor == 0).then(|| unscaled / factor)
                };
                b.append_value(value.ok_or("does not fit the column's scale")?);
            }
            Column::Float64(b) => b.append_value(unscaled as f64 / 10f64.powi(scale as i32)),
            _ => {
                let negative = unscaled < 0;
                let digits = format!(
                    "{:0>width$}",
                    unscaled.unsigned_abs(),
                    width = scale as usize + 1
                );
                let (whole, fraction) = digits.split_at(digits.len() - scale as usize);
                let sign = if negative { "-" } else { "" };
                let text = if scale == 0 {
                    format!("{sign}{whole}")
                } else {
                    format!("{sign}{whole}.{fraction}")
                };
                return self.push(&text);
            }
        }
        Ok(())
    }

    /// Appends raw bytes: as they are to a binary column, as UTF-8 text to any other.
    pub(crate) fn push_bytes(&mut self, value: &[u8]) -> Result<(), String> {
        match self {
            Column::Binary(b) => {
                b.append_value(value);
                Ok(())
            }
            _ => self.push(std::str::from_utf8(value).map_err(|_| "not UTF-8 text".to_owned())?),
        }
    }

    pub(crate) fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Bool(b) => Arc::new(b.finish()),
            Column::Int8(b) => Arc::new(b.finish()),
            Column::Int16(b) => Arc::new(b.finish()),
            Column::Int32(b) => Arc::new(b.finish()),
            Column::Int64(b) => Arc::new(b.finish()),
            Column::UInt8(b) => Arc::new(b.finish()),
            Column::UInt16(b) => Arc::new(b.finish()),
            Column::UInt32(b) => Arc::new(b.finish()),
            Column::UInt64(b) => Arc::new(b.finish()),
            Column::Float32(b) => Arc::new(b.finish()),
            Column::Float64(b) => Arc::new(b.finish()),
            Column::Decimal(b, ..) => Arc::new(b.finish()),
            Column::Utf8(b) => Arc::new(b.finish()),
            Column::Binary(b) => Arc::new(b.finish()),
            Column::Date(b) => Arc::new(b.finish()),
            Column::Timestamp(b, _) => Arc::new(b.finish()),
            Column::Time(b) => Arc::new(b.finish()),
            Column::DurationS(b, _) => Arc::new(b.finish()),
            Column::DurationMs(b, _) => Arc::new(b.finish()),
            Column::DurationUs(b, _) => Arc::new(b.finish()),
            Column::DurationNs(b, _) => Arc::new(b.finish()),
        }
    }
}

/// `text` without surrounding whitespace; checks the ends first, since most cells have none.
fn trim(text: &str) -> &str {
    match text.as_bytes() {
        [first, .., last] if !first.is_ascii_whitespace() && !last.is_ascii_whitespace() => text,
        [only] if !only.is_ascii_whitespace() => text,
        _ => text.trim(),
    }
}

fn parse_bool(t: &str) -> Option<bool> {
    if t.eq_ignore_ascii_case("true") || t == "1" {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") || t == "0" {
        Some(false)
    } else {
        None
    }
}

/// An integer that fits `T`.
fn int<T: TryFrom<i64>>(t: &str) -> Result<T, String> {
    let n: i64 = t.parse().map_err(|_| String::new())?;
    T::try_from(n).map_err(|_| "out of range".to_owned())
}

/// `123.45` as an unscaled `i128` at `scale`.
fn parse_decimal(t: &str, precision: u8, scale: i8) -> Result<i128, String> {
    let (negative, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits_ok(whole) || !digits_ok(fraction) {
        return Err(String::new());
    }
    let scale = usize::try_from(scale).map_err(|_| "negative scale".to_owned())?;
    if fraction.len() > scale {
        return Err(format!("more than {scale} digits after the point"));
    }
    let mut value: i128 = 0;
    let mut digits = 0usize;
    for b in whole
        .bytes()
        .chain(fraction.bytes())
        .chain(std::iter::repeat_n(b'0', scale - fraction.len()))
    {
        value = value * 10 + i128::from(b - b'0');
        if value != 0 {
            digits += 1;
        }
        if digits > usize::from(precision) {
            return Err(format!("more than {precision} digits"));
        }
    }
    Ok(if negative { -value } else { value })
}

/// A duration like `3 seconds` in a column of datashape unit `declared`, stored in an Arrow unit
/// of `arrow_nanos` nanoseconds. A bare number counts in the declared unit.
fn duration(t: &str, declared: TimeUnit, arrow_nanos: i64) -> Result<i64, String> {
    let (count, unit) = match parse_timedelta(t) {
        Some(found) => found,
        None => (t.parse::<i64>().map_err(|_| String::new())?, declared),
    };
    let nanos = unit_nanos(unit).ok_or("calendar months and years have no fixed length")?;
    count
        .checked_mul(nanos)
        .map(|n| n / arrow_nanos)
        .ok_or_else(|| "out of range".to_owned())
}

fn unit_nanos(unit: TimeUnit) -> Option<i64> {
    Some(match unit {
        TimeUnit::Nanosecond => 1,
        TimeUnit::Microsecond => 1_000,
        TimeUnit::Millisecond => 1_000_000,
        TimeUnit::Second => 1_000_000_000,
        TimeUnit::Minute => 60_000_000_000,
        TimeUnit::Hour => 3_600_000_000_000,
        TimeUnit::Day => 86_400_000_000_000,
        TimeUnit::Week => 604_800_000_000_000,
        TimeUnit::Month | TimeUnit::Year => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("123.45", 10, 2), Ok(12345));
        assert_eq!(parse_decimal("-1.5", 10, 2), Ok(-150));
        assert_eq!(parse_decimal("7", 3, 0), Ok(7));
        assert!(
            parse_decimal("1.234", 10, 2)
                .unwrap_err()
                .contains("more than 2 digits after")
        );
        assert!(
            parse_decimal("12345", 4, 0)
                .unwrap_err()
                .contains("more than 4 digits")
        );
        assert!(parse_decimal("1e5", 10, 2).is_err());
        assert!(parse_decimal(".", 10, 2).is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(
            duration("3 seconds", TimeUnit::Second, 1_000_000_000),
            Ok(3)
        );
        assert_eq!(duration("1 day", TimeUnit::Day, 1_000_000_000), Ok(86_400));
        assert_eq!(duration("2", TimeUnit::Millisecond, 1_000_000), Ok(2));
    }
}
