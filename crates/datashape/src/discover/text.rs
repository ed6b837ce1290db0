//! Discovering the type of text cells (CSV fields), one cell at a time and across a column.
//!
//! The order of attempts is the original's (spec §2.2): null, integer, float, boolean,
//! timedelta, time, then words, then dates. Deliberate differences:
//!
//! * the common missing-value markers (`NA`, `N/A`, `NULL`, `None`, ...) are null, not only the
//!   empty cell, as pandas did when odo read CSVs; the list is configurable;
//! * `HH:MM` is a `time` (the original turned it into today's date at that time);
//! * integers beyond `uint64` are `string` (no silent rounding through floats);
//! * a column of only nulls is `?string`.
//!
//! Classifying a cell borrows it and allocates nothing.

use super::datetime::{self, DateKind};
use crate::types::{DataShape, Measure, TimeUnit};

/// The type of one text cell, and of a column of them: a small lattice that mirrors
/// [`crate::unify`] on the corresponding datashapes (tested to agree).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// A missing value.
    Null,
    /// `True`, `true`, `False`, `false`.
    Bool,
    /// An integer that fits `int64`.
    Int64,
    /// A non-negative integer above `int64`'s range that fits `uint64`.
    UInt64,
    /// A decimal or scientific number, `nan`, `inf`.
    Float64,
    /// A calendar date.
    Date,
    /// A date and time without a zone.
    DateTime,
    /// A date and time with a zone or offset.
    DateTimeTz,
    /// A time of day: `HH:MM`, `HH:MM:SS`, `HH:MM:SS.ffffff`.
    Time,
    /// A duration such as `3 seconds`.
    TimeDelta(TimeUnit),
    /// Anything else.
    String,
}

impl TextKind {
    /// The narrowest kind holding values of both kinds (`Null` is absorbed).
    pub fn join(self, other: TextKind) -> TextKind {
        use TextKind as K;
        match (self, other) {
            (a, b) if a == b => a,
            (K::Null, x) | (x, K::Null) => x,
            (K::Int64, K::Float64) | (K::Float64, K::Int64) => K::Float64,
            (K::UInt64, K::Float64 | K::Int64) | (K::Float64 | K::Int64, K::UInt64) => K::Float64,
            (K::Date, K::DateTime) | (K::DateTime, K::Date) => K::DateTime,
            (K::TimeDelta(u), K::TimeDelta(v)) => K::TimeDelta(u.min(v)),
            _ => K::String,
        }
    }

    /// The datashape measure of this kind (`null` for `Null`).
    pub fn measure(self) -> Measure {
        match self {
            TextKind::Null => Measure::Null,
            TextKind::Bool => Measure::Bool,
            TextKind::Int64 => Measure::Int64,
            TextKind::UInt64 => Measure::UInt64,
            TextKind::Float64 => Measure::Float64,
            TextKind::Date => Measure::Date,
            TextKind::DateTime => Measure::DATETIME,
            TextKind::DateTimeTz => Measure::DateTime {
                tz: Some("UTC".to_owned()),
            },
            TextKind::Time => Measure::Time { tz: None },
            TextKind::TimeDelta(unit) => Measure::TimeDelta { unit },
            TextKind::String => Measure::STRING,
        }
    }
}

/// The markers read as missing values by default, besides the empty cell.
pub const DEFAULT_NULL_MARKERS: &[&str] = &[
    "NA", "N/A", "n/a", "NULL", "null", "None", "<NA>", "#N/A", "nil",
];

/// Classifies text cells; holds the null markers.
#[derive(Clone, Debug)]
pub struct TextClassifier {
    null_markers: Vec<String>,
    /// The longest marker's length, and which bytes start a marker: most cells are rejected by
    /// these two checks without comparing strings.
    longest_marker: usize,
    marker_starts: [bool; 256],
}

impl Default for TextClassifier {
    fn default() -> Self {
        Self::with_null_markers(DEFAULT_NULL_MARKERS.iter().map(|s| s.to_string()).collect())
    }
}

impl TextClassifier {
    /// A classifier reading the empty cell and exactly `markers` as missing values.
    pub fn with_null_markers(null_markers: Vec<String>) -> Self {
        let longest_marker = null_markers.iter().map(String::len).max().unwrap_or(0);
        let mut marker_starts = [false; 256];
        for marker in &null_markers {
            if let Some(&first) = marker.as_bytes().first() {
                marker_starts[usize::from(first)] = true;
            }
        }
        Self {
            null_markers,
            longest_marker,
            marker_starts,
        }
    }

    /// Whether `cell` is a missing value.
    pub fn is_null(&self, cell: &str) -> bool {
        match cell.as_bytes().first() {
            None => true,
            Some(&first) => {
                cell.len() <= self.longest_marker
                    && self.marker_starts[usize::from(first)]
                    && self.null_markers.iter().any(|m| m == cell)
            }
        }
    }

    /// The kind of one cell.
    pub fn classify(&self, cell: &str) -> TextKind {
        if self.is_null(cell) {
            return TextKind::Null;
        }
        let trimmed = cell.trim();
        if let Some(kind) = integer(trimmed) {
            return kind;
        }
        if looks_like_float(trimmed) && trimmed.parse::<f64>().is_ok() {
            return TextKind::Float64;
        }
        match cell {
            "True" | "true" | "False" | "false" => return TextKind::Bool,
            _ => {}
        }
        if let Some((_, unit)) = parse_timedelta(trimmed) {
            return TextKind::TimeDelta(unit);
        }
        if parse_time_of_day(trimmed).is_some() {
            return TextKind::Time;
        }
        if cell.chars().all(char::is_alphabetic) || cell.chars().all(char::is_whitespace) {
            return TextKind::String;
        }
        datetime::classify(trimmed).map_or(TextKind::String, kind_of)
    }
}

fn kind_of(kind: DateKind) -> TextKind {
    match kind {
        DateKind::Date => TextKind::Date,
        DateKind::DateTime => TextKind::DateTime,
        DateKind::DateTimeTz => TextKind::DateTimeTz,
    }
}

/// `int64` or `uint64` if `s` is an optionally signed run of digits that fits.
fn integer(s: &str) -> Option<TextKind> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.parse::<i64>().is_ok() {
        Some(TextKind::Int64)
    } else if !s.starts_with('-') && digits.parse::<u64>().is_ok() {
        Some(TextKind::UInt64)
    } else {
        Some(TextKind::String)
    }
}

/// Cheap pre-check so that words like `infinity` or `nan` are the only letters `f64` parsing sees.
fn looks_like_float(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    body.bytes().any(|b| b.is_ascii_digit())
        || body.eq_ignore_ascii_case("nan")
        || body.eq_ignore_ascii_case("inf")
        || body.eq_ignore_ascii_case("infinity")
}

/// Reads a duration `"<integer> <unit>"`, e.g. `3 seconds` or `1 day`: the count and its unit.
pub fn parse_timedelta(s: &str) -> Option<(i64, TimeUnit)> {
    let mut parts = s.split_whitespace();
    let (number, unit) = (parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some((number.parse().ok()?, TimeUnit::from_name(unit)?))
}

/// Reads a time of day `H:MM`, `H:MM:SS` or `H:MM:SS.fffffffff`: nanoseconds since midnight.
pub fn parse_time_of_day(s: &str) -> Option<u64> {
    let (clock, fraction) = match s.split_once('.') {
        Some((c, f)) => (c, Some(f)),
        None => (s, None),
    };
    if let Some(f) = fraction
        && (f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut fields = [0u64; 3];
    let mut count = 0;
    for part in clock.split(':') {
        let width_ok = if count == 0 {
            (1..=2).contains(&part.len())
        } else {
            part.len() == 2
        };
        if count == 3 || !width_ok || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        fields[count] = part.parse().ok()?;
        count += 1;
    }
    let [h, m, sec] = fields;
    let valid = count >= 2 && !(fraction.is_some() && count < 3) && h < 24 && m < 60 && sec <= 60;
    valid.then(|| {
        (h * 3600 + m * 60 + sec) * 1_000_000_000 + fraction.map_or(0, datetime::fraction_to_nanos)
    })
}

/// The type of a column of text cells, built one cell at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextColumn {
    kind: TextKind,
    has_nulls: bool,
    marker_nulls: bool,
}

impl Default for TextColumn {
    fn default() -> Self {
        Self {
            kind: TextKind::Null,
            has_nulls: false,
            marker_nulls: false,
        }
    }
}

impl TextColumn {
    /// Adds one cell's kind.
    pub fn add(&mut self, kind: TextKind) {
        if kind == TextKind::Null {
            self.has_nulls = true;
        } else if kind != self.kind {
            self.kind = self.kind.join(kind);
        }
    }

    /// Adds one cell, classifying it only as far as needed: once a column is `string` every
    /// further value fits, and a number that fits the column's numeric type needs no more checks.
    pub fn add_cell(&mut self, classifier: &TextClassifier, cell: &str) {
        if classifier.is_null(cell) {
            self.has_nulls = true;
            self.marker_nulls |= !cell.is_empty();
            return;
        }
        let fits = match self.kind {
            TextKind::String => true,
            TextKind::Int64 => integer(cell.trim()) == Some(TextKind::Int64),
            TextKind::Float64 => {
                let t = cell.trim();
                match integer(t) {
                    Some(kind) => kind != TextKind::String,
                    None => looks_like_float(t) && t.parse::<f64>().is_ok(),
                }
            }
            TextKind::Date | TextKind::DateTime | TextKind::DateTimeTz => {
                let t = cell.trim();
                // Digits alone are integers to `classify`, even when they read as a date.
                integer(t).is_none()
                    && datetime::parse_datetime(t)
                        .is_some_and(|v| self.kind.join(kind_of(v.kind())) == self.kind)
            }
            _ => false,
        };
        if !fits {
            self.add(classifier.classify(cell));
        }
    }

    /// Merges another column's findings (for discovery split across threads).
    pub fn merge(&mut self, other: TextColumn) {
        self.kind = self.kind.join(other.kind);
        self.has_nulls |= other.has_nulls;
        self.marker_nulls |= other.marker_nulls;
    }

    /// Whether a missing value was written as a marker (`NA`, `NULL`...) rather than as the
    /// empty cell.
    pub fn has_marker_nulls(&self) -> bool {
        self.marker_nulls
    }

    /// The kind of the non-null cells so far (`Null` if there were none).
    pub fn kind(&self) -> TextKind {
        self.kind
    }

    /// Whether any cell was null.
    pub fn has_nulls(&self) -> bool {
        self.has_nulls
    }

    /// The column's datashape: optional where a null occurred; `?string` when all were null.
    pub fn datashape(&self) -> DataShape {
        let kind = match self.kind {
            TextKind::Null => TextKind::String,
            k => k,
        };
        let shape = DataShape::scalar(kind.measure());
        if self.has_nulls || self.kind == TextKind::Null {
            shape.into_option()
        } else {
            shape
        }
    }
}

/// The datashape of one text cell, as the original's `discover(str)`: `null` for a missing value.
pub fn discover_text(cell: &str) -> DataShape {
    DataShape::scalar(TextClassifier::default().classify(cell).measure())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unify;

    #[test]
    fn cells_of_the_spec() {
        let cases = [
            ("", "null"),
            ("NA", "null"),
            ("100", "int64"),
            ("20140101", "int64"),
            ("-7", "int64"),
            ("18446744073709551615", "uint64"),
            ("99999999999999999999999", "string"),
            ("1e5", "float64"),
            ("1.5", "float64"),
            ("nan", "float64"),
            ("inf", "float64"),
            ("True", "bool"),
            ("false", "bool"),
            ("TRUE", "string"),
            ("1 day", "timedelta[unit='D']"),
            ("3 seconds", "timedelta[unit='s']"),
            ("12:00:01", "time"),
            ("12:00:01.5", "time"),
            ("7:30", "time"),
            ("sunday", "string"),
            ("now", "string"),
            (" ", "string"),
            ("2014-01-01", "date"),
            ("2014-01-01 00:00:00", "date"),
            ("1991-02-03 04:05:06", "datetime"),
            ("2014-01-01T12:00:00Z", "datetime[tz='UTC']"),
            ("Alice Smith", "string"),
            ("A1", "string"),
        ];
        for (cell, expected) in cases {
            assert_eq!(discover_text(cell).to_string(), expected, "{cell:?}");
        }
    }

    #[test]
    fn columns_unify_and_mark_nulls() {
        let c = TextClassifier::default();
        let column = |cells: &[&str]| {
            let mut col = TextColumn::default();
            let mut fast = TextColumn::default();
            for cell in cells {
                col.add(c.classify(cell));
                fast.add_cell(&c, cell);
            }
            assert_eq!(fast.datashape(), col.datashape(), "{cells:?}");
            col.datashape().to_string()
        };
        assert_eq!(column(&["1", "2", ""]), "?int64");
        assert_eq!(column(&["1", "2.5"]), "float64");
        assert_eq!(column(&["2014-01-01", "2014-01-01 10:00:00"]), "datetime");
        assert_eq!(column(&["True", "1"]), "string");
        assert_eq!(column(&["12:00:01", ""]), "?time");
        assert_eq!(column(&["", "NA"]), "?string");
        assert_eq!(column(&["1 day", "3 seconds"]), "timedelta[unit='s']");
        assert_eq!(column(&["1.5", "2", "99999999999999999999999"]), "string");
        assert_eq!(column(&["1", "2", "x", "3"]), "string");
        assert_eq!(column(&["1", "2.5", "nan", "True"]), "string");
        assert_eq!(column(&["2014-01-01", "20140102"]), "string");
        assert_eq!(
            column(&["2014-01-01", "2014-01-01T10:00:00", "Jan 3 2014"]),
            "datetime"
        );
        assert_eq!(
            column(&["2014-01-01T10:00:00Z", "2014-01-01T10:00:00"]),
            "string"
        );
    }

    #[test]
    fn join_agrees_with_unify() {
        use TimeUnit::*;
        let kinds = [
            TextKind::Null,
            TextKind::Bool,
            TextKind::Int64,
            TextKind::UInt64,
            TextKind::Float64,
            TextKind::Date,
            TextKind::DateTime,
            TextKind::DateTimeTz,
            TextKind::Time,
            TextKind::TimeDelta(Second),
            TextKind::TimeDelta(Day),
            TextKind::String,
        ];
        for a in kinds {
            for b in kinds {
                let by_unify = unify(&a.measure().into(), &b.measure().into());
                let mut by_join: DataShape = a.join(b).measure().into();
                if (a == TextKind::Null) != (b == TextKind::Null) {
                    by_join = by_join.into_option();
                }
                assert_eq!(by_join, by_unify, "{a:?} ∨ {b:?}");
            }
        }
    }
}
