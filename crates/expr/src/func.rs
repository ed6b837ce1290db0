//! Element-wise functions that take constant arguments besides their column: the `.str`
//! methods with arguments (`find`, `replace`, `pad`, `str[1:3]`, `slice_replace`), `strftime`
//! and `truncate`; and `str.cat`, which joins two columns.

use blaze_datashape::{DataShape, Measure};

use crate::error::{Error, Result};
use crate::expr::{Expr, Index, Op};
use crate::types::{base, element, is_string, optional, record_of, with_dims};

/// A function of each element with constant arguments.
#[derive(Clone, Debug, PartialEq)]
pub enum Func {
    /// `x.str.find('ce')`: where `sub` first starts, counted in characters from 0; -1 where
    /// it does not occur (as pandas).
    Find {
        /// The text looked for.
        sub: String,
    },
    /// `x.str.replace('o', 'x')`: every occurrence of `old` (the first `max` when given)
    /// replaced by `new`.
    Replace {
        /// The text replaced.
        old: String,
        /// What replaces it.
        new: String,
        /// How many occurrences at most, from the start; all when `None`.
        max: Option<u64>,
    },
    /// `x.str.pad(10, 'right', '-')`: filled up to `width` characters (longer strings are
    /// kept whole).
    Pad {
        /// The width filled up to.
        width: u64,
        /// Where the fill goes.
        side: PadSide,
        /// The character filled with.
        fillchar: char,
    },
    /// `x.str[1:3]`, `x.str[0]`: characters by position, as Python slices strings (a
    /// position past the end gives a missing value).
    Substring(Index),
    /// `x.str.slice_replace(1, 3, 'x')`: the characters `start:stop` replaced by `repl`
    /// (as pandas).
    SliceReplace {
        /// First position replaced; the start when `None`.
        start: Option<i64>,
        /// Position after the last replaced; the end when `None`.
        stop: Option<i64>,
        /// The replacement.
        repl: String,
    },
    /// `x.dt.strftime('%Y-%m')`: dates and datetimes as text, in the format of C's (and
    /// Python's) `strftime`.
    Strftime {
        /// The format.
        format: String,
    },
    /// `x.dt.floor('10min')`, `ceil`, `round`: datetimes to a multiple of a fixed frequency,
    /// counted from 1970-01-01 (as pandas; `round` takes the even multiple at halves).
    RoundTime {
        /// Down, up or to the nearest.
        mode: RoundMode,
        /// The frequency, in microseconds.
        micros: u64,
    },
    /// `x.truncate(10, 'minutes')`: dates and datetimes rounded down to a multiple of
    /// `measure` units, counted as Blaze counts them (within the day for hours and shorter
    /// units, from year 1 for days and weeks, so weeks start on Sundays).
    Truncate {
        /// How many units.
        measure: u64,
        /// The unit.
        unit: DateUnit,
    },
}

/// Where `pad` puts the fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PadSide {
    /// Before the text (the default).
    Left,
    /// After the text.
    Right,
    /// On both sides, as Python's `str.center`.
    Both,
}

impl PadSide {
    /// The side named `name`: `left`, `right` or `both`.
    pub fn from_name(name: &str) -> Result<PadSide> {
        match name {
            "left" => Ok(PadSide::Left),
            "right" => Ok(PadSide::Right),
            "both" => Ok(PadSide::Both),
            _ => Err(Error::typing(format!(
                "pad's side is one of 'left', 'right', 'both', not '{name}'"
            ))),
        }
    }

    /// The side's name, as written.
    pub fn name(self) -> &'static str {
        match self {
            PadSide::Left => "left",
            PadSide::Right => "right",
            PadSide::Both => "both",
        }
    }
}

/// Which multiple `dt.floor`, `dt.ceil` and `dt.round` take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RoundMode {
    /// The one at or before.
    Floor,
    /// The one at or after.
    Ceil,
    /// The nearer; the even one at halves.
    Round,
}

impl RoundMode {
    /// The method's name: `floor`, `ceil` or `round`.
    pub fn name(self) -> &'static str {
        match self {
            RoundMode::Floor => "floor",
            RoundMode::Ceil => "ceil",
            RoundMode::Round => "round",
        }
    }
}

/// Fixed frequencies as pandas writes them, longest first, in microseconds.
const FREQUENCIES: [(&str, u64); 6] = [
    ("D", 86_400_000_000),
    ("h", 3_600_000_000),
    ("min", 60_000_000),
    ("s", 1_000_000),
    ("ms", 1_000),
    ("us", 1),
];

/// A pandas frequency (`'10min'`, `'h'`, `'2D'`, `'15s'`, `'ms'`; also `H`, `T`, `S`, `L`,
/// `U`) in microseconds.
pub fn parse_frequency(text: &str) -> Result<u64> {
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (count, unit) = text.split_at(digits);
    let unit = match unit {
        "H" => "h",
        "T" => "min",
        "S" => "s",
        "L" => "ms",
        "U" => "us",
        "d" => "D",
        other => other,
    };
    let count: u64 = if count.is_empty() {
        1
    } else {
        count.parse().unwrap_or(0)
    };
    match FREQUENCIES.iter().find(|(name, _)| *name == unit) {
        Some((_, micros)) if count > 0 => Ok(count * micros),
        _ => Err(Error::typing(format!(
            "'{text}' is not a fixed frequency (a count and one of D, h, min, s, ms, us, as in '10min')"
        ))),
    }
}

/// A frequency in microseconds as pandas writes it, in the longest unit that divides it.
pub(crate) fn frequency_text(micros: u64) -> String {
    let (name, unit) = FREQUENCIES
        .iter()
        .find(|(_, unit)| micros.is_multiple_of(*unit))
        .expect("microseconds divide everything");
    match micros / unit {
        1 => (*name).to_owned(),
        n => format!("{n}{name}"),
    }
}

/// Units of time that `truncate` rounds to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DateUnit {
    /// Years (the result is a date).
    Year,
    /// Months (a date).
    Month,
    /// Weeks, starting on Sundays (a date).
    Week,
    /// Days (a date).
    Day,
    /// Hours (a datetime).
    Hour,
    /// Minutes (a datetime).
    Minute,
    /// Seconds (a datetime).
    Second,
    /// Milliseconds (a datetime).
    Millisecond,
    /// Microseconds (a datetime).
    Microsecond,
}

/// Units by their names and Blaze's aliases (plurals are read as the singular).
const UNITS: [(&str, DateUnit); 17] = [
    ("year", DateUnit::Year),
    ("y", DateUnit::Year),
    ("month", DateUnit::Month),
    ("week", DateUnit::Week),
    ("w", DateUnit::Week),
    ("day", DateUnit::Day),
    ("d", DateUnit::Day),
    ("date", DateUnit::Day),
    ("hour", DateUnit::Hour),
    ("h", DateUnit::Hour),
    ("minute", DateUnit::Minute),
    ("second", DateUnit::Second),
    ("s", DateUnit::Second),
    ("millisecond", DateUnit::Millisecond),
    ("ms", DateUnit::Millisecond),
    ("microsecond", DateUnit::Microsecond),
    ("us", DateUnit::Microsecond),
];

impl DateUnit {
    /// The unit named `name`: `'minute'`, `'minutes'`, `'h'`, `'ms'`...
    pub fn from_name(name: &str) -> Result<DateUnit> {
        let singular = name.strip_suffix('s').filter(|s| s.len() > 1);
        UNITS
            .iter()
            .find(|(n, _)| *n == name || Some(*n) == singular)
            .map(|(_, unit)| *unit)
            .ok_or_else(|| {
                Error::typing(format!(
                    "'{name}' is not a unit of time (known: year, month, week, day, hour, minute, second, millisecond, microsecond)"
                ))
            })
    }

    /// The unit's name, as printed.
    pub fn name(self) -> &'static str {
        UNITS
            .iter()
            .find(|(_, u)| *u == self)
            .map(|(n, _)| *n)
            .expect("every unit has a name")
    }

    /// Whether truncating to this unit gives dates (days and longer) rather than datetimes.
    pub fn gives_dates(self) -> bool {
        matches!(
            self,
            DateUnit::Year | DateUnit::Month | DateUnit::Week | DateUnit::Day
        )
    }
}

impl Func {
    /// The function's name in messages and in Blaze's JSON trees.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Func::Find { .. } => "str.find",
            Func::Replace { .. } => "str.replace",
            Func::Pad { .. } => "str.pad",
            Func::Substring(_) => "str[...]",
            Func::SliceReplace { .. } => "str.slice_replace",
            Func::Strftime { .. } => "dt.strftime",
            Func::Truncate { .. } => "truncate",
            Func::RoundTime { mode, .. } => match mode {
                RoundMode::Floor => "dt.floor",
                RoundMode::Ceil => "dt.ceil",
                RoundMode::Round => "dt.round",
            },
        }
    }

    /// The type of the result for one element of type `child`.
    fn element(&self, child: &DataShape) -> Result<DataShape> {
        let like = |measure: Measure| {
            let shape = DataShape::scalar(measure);
            if optional(child) {
                shape.into_option()
            } else {
                shape
            }
        };
        let datelike = matches!(base(child), Measure::Date | Measure::DateTime { .. });
        let wrong =
            |what: &str| Error::typing(format!("{} needs {what}, not {child}", self.name()));
        match self {
            Func::Strftime { .. } if datelike => Ok(like(Measure::STRING)),
            Func::Strftime { .. } => Err(wrong("dates or datetimes")),
            Func::RoundTime { .. } if matches!(base(child), Measure::DateTime { .. }) => {
                Ok(element(child))
            }
            Func::RoundTime { .. } => Err(wrong("datetimes")),
            Func::Truncate { unit, .. } => match base(child) {
                Measure::Date if unit.gives_dates() => Ok(like(Measure::Date)),
                Measure::Date => Err(Error::typing(format!(
                    "truncate to {}s needs datetimes, and dates have no time of day",
                    unit.name()
                ))),
                Measure::DateTime { .. } if unit.gives_dates() => Ok(like(Measure::Date)),
                Measure::DateTime { .. } => Ok(element(child)),
                _ => Err(wrong("dates or datetimes")),
            },
            _ if !is_string(child) => Err(wrong("strings")),
            Func::Find { .. } => Ok(like(Measure::Int64)),
            Func::Substring(Index::At(_)) => Ok(DataShape::scalar(Measure::STRING).into_option()),
            _ => Ok(like(Measure::STRING)),
        }
    }
}

impl Expr {
    /// A function of each element with constant arguments: `x.str.find('a')`,
    /// `x.truncate(10, 'minutes')`. Keeps the column's name.
    pub fn func(&self, func: Func) -> Result<Expr> {
        if record_of(self.dshape()).is_some() {
            return Err(Error::typing(format!(
                "{} applies to a column, and {self} is a table",
                func.name()
            )));
        }
        match &func {
            Func::Substring(Index::Range { step: Some(s), .. }) if *s != 1 => {
                return Err(Error::typing(
                    "string slices take no step: str[start:stop] or str[i]",
                ));
            }
            Func::RoundTime { micros: 0, .. } => {
                return Err(Error::typing("a frequency is at least 1 microsecond"));
            }
            Func::Truncate { measure: 0, .. } => {
                return Err(Error::typing("truncate needs a measure of at least 1"));
            }
            Func::Pad { fillchar, .. } if fillchar.is_control() => {
                return Err(Error::typing("pad's fillchar is one printable character"));
            }
            _ => {}
        }
        let element = func.element(&element(self.dshape()))?;
        Ok(Expr::new(
            Op::Func {
                child: self.clone(),
                func,
            },
            with_dims(self.dshape().dims(), element),
            self.name().map(str::to_owned),
        ))
    }

    /// `x.str.cat(y, sep=' ')`: each string followed by `sep` and the other's string at the
    /// same row; missing where either is. Named as `x`.
    pub fn str_cat(&self, other: &Expr, sep: &str) -> Result<Expr> {
        for side in [self, other] {
            if !is_string(side.dshape()) || record_of(side.dshape()).is_some() {
                return Err(Error::typing(format!(
                    "str.cat joins strings, and {side} is {}",
                    side.dshape()
                )));
            }
        }
        let dims = crate::build::common_dims(self, other)?;
        let measure = DataShape::scalar(Measure::STRING);
        let element = if optional(self.dshape()) || optional(other.dshape()) {
            measure.into_option()
        } else {
            measure
        };
        Ok(Expr::new(
            Op::StrCat {
                lhs: self.clone(),
                rhs: other.clone(),
                sep: sep.to_owned(),
            },
            with_dims(&dims, element),
            self.name().map(str::to_owned),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_read_with_plurals_and_aliases() {
        assert_eq!(DateUnit::from_name("minutes").unwrap(), DateUnit::Minute);
        assert_eq!(DateUnit::from_name("h").unwrap(), DateUnit::Hour);
        assert_eq!(DateUnit::from_name("ms").unwrap(), DateUnit::Millisecond);
        assert_eq!(DateUnit::from_name("us").unwrap(), DateUnit::Microsecond);
        assert_eq!(DateUnit::from_name("date").unwrap(), DateUnit::Day);
        assert!(DateUnit::from_name("fortnight").is_err());
        assert_eq!(DateUnit::Week.name(), "week");
    }

    #[test]
    fn frequencies_are_read_and_written_as_pandas() {
        assert_eq!(parse_frequency("10min").unwrap(), 600_000_000);
        assert_eq!(parse_frequency("H").unwrap(), 3_600_000_000);
        assert_eq!(parse_frequency("2D").unwrap(), 172_800_000_000);
        assert!(parse_frequency("M").is_err());
        assert!(parse_frequency("0s").is_err());
        assert_eq!(frequency_text(600_000_000), "10min");
        assert_eq!(frequency_text(3_600_000_000), "h");
        assert_eq!(frequency_text(90_000_000), "90s");
        assert_eq!(frequency_text(1_500), "1500us");
    }
}
