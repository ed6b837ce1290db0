//! The datashape type tree: dimensions, measures, records.

use crate::error::{Error, Result};

/// A datashape: zero or more dimensions followed by exactly one measure, as in
/// `var * {name: string, amount: ?float64}`.
///
/// ```text
/// 3 * var * ?int32
/// └dims──┘  └measure (Option of int32)
/// ```
///
/// Invariant: at most one [`Dim::Ellipsis`] among the dimensions. Two shapes are equal when they
/// print the same canonical text (aliases such as `int` are resolved when parsed).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DataShape {
    dims: Vec<Dim>,
    measure: Measure,
}

/// One dimension of a datashape.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Dim {
    /// A dimension of known length: `3`.
    Fixed(u64),
    /// A dimension whose length varies or is not known: `var`.
    Var,
    /// A symbolic dimension matched by pattern: `N`.
    TypeVar(String),
    /// Any number of dimensions: `...`, or named `Dims...`.
    Ellipsis(Option<String>),
}

/// The element type of a datashape: a scalar, or a record, tuple, option and so on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Measure {
    /// `bool`
    Bool,
    /// `int8`
    Int8,
    /// `int16`
    Int16,
    /// `int32` (alias `int`)
    Int32,
    /// `int64` (alias `intptr`)
    Int64,
    /// `uint8`
    UInt8,
    /// `uint16`
    UInt16,
    /// `uint32`
    UInt32,
    /// `uint64` (alias `uintptr`)
    UInt64,
    /// `float16`
    Float16,
    /// `float32`
    Float32,
    /// `float64` (alias `real`)
    Float64,
    /// `complex[float32]` (alias `complex64`)
    Complex64,
    /// `complex[float64]` (aliases `complex`, `complex128`)
    Complex128,
    /// `string`, `string[10]`, `string['A']`, `string[10, 'U16']`
    String {
        /// Fixed length in characters, if any.
        fixlen: Option<u64>,
        /// Character encoding.
        encoding: Encoding,
    },
    /// `bytes` or `bytes[16]`
    Bytes {
        /// Fixed length in bytes, if any.
        fixlen: Option<u64>,
    },
    /// `date`: a calendar date.
    Date,
    /// `time` or `time[tz='UTC']`: a time of day.
    Time {
        /// Time zone name, if any.
        tz: Option<String>,
    },
    /// `datetime` or `datetime[tz='UTC']`: a point in time.
    DateTime {
        /// Time zone name, if any. A datetime with a zone is an absolute instant.
        tz: Option<String>,
    },
    /// `timedelta[unit='us']`: a duration.
    TimeDelta {
        /// Resolution of the duration.
        unit: TimeUnit,
    },
    /// `decimal[precision=10, scale=2]`: an exact decimal number.
    Decimal {
        /// Total number of significant digits.
        precision: u32,
        /// Digits after the decimal point.
        scale: u32,
    },
    /// `categorical[['a', 'b'], type=string, ordered=False]`
    Categorical(Categorical),
    /// `null`: the type of a value that is always missing.
    Null,
    /// `void`
    Void,
    /// `object`: an opaque value.
    Object,
    /// `json`: a JSON document stored as text.
    Json,
    /// `?T`: a value of type `T` or missing. Binds everything to its right: `?3 * int32` is an
    /// optional array. Never directly nested (`??T` is `?T`).
    Option(Box<DataShape>),
    /// `{name: string, amount: int64}`
    Record(Record),
    /// `(int64, string)`
    Tuple(Vec<DataShape>),
    /// `map[K, V]`
    Map(Box<DataShape>, Box<DataShape>),
    /// `units['second', int32]`: a number with a physical unit (default type `float64`).
    Units {
        /// The unit's name.
        unit: String,
        /// The numeric type of the quantity.
        ty: Box<DataShape>,
    },
    /// `(int32, float64) -> bool`
    Function {
        /// Argument types.
        args: Vec<DataShape>,
        /// Result type.
        ret: Box<DataShape>,
    },
    /// `T`: a type variable matched by pattern.
    TypeVar(String),
}

/// Character encodings of `string`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// ASCII (`'A'`, alias `'ascii'`).
    Ascii,
    /// UTF-8 (`'U8'`, the default).
    Utf8,
    /// UTF-16 (`'U16'`).
    Utf16,
    /// UTF-32 (`'U32'`).
    Utf32,
}

impl Encoding {
    /// The canonical short name: `A`, `U8`, `U16`, `U32`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Ascii => "A",
            Encoding::Utf8 => "U8",
            Encoding::Utf16 => "U16",
            Encoding::Utf32 => "U32",
        }
    }

    /// Resolves an encoding name or alias (`'ascii'`, `'utf-8'`, `'U16'`...).
    pub fn from_name(name: &str) -> Option<Encoding> {
        Some(match name {
            "A" | "ascii" => Encoding::Ascii,
            "U8" | "utf-8" | "utf_8" | "utf8" => Encoding::Utf8,
            "U16" | "utf-16" | "utf_16" | "utf16" => Encoding::Utf16,
            "U32" | "utf-32" | "utf_32" | "utf32" => Encoding::Utf32,
            _ => return None,
        })
    }
}

/// Units of time for `timedelta[unit=...]`, coarsest last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimeUnit {
    /// `ns`
    Nanosecond,
    /// `us`
    Microsecond,
    /// `ms`
    Millisecond,
    /// `s`
    Second,
    /// `m`
    Minute,
    /// `h`
    Hour,
    /// `D`
    Day,
    /// `W`
    Week,
    /// `M` (calendar month)
    Month,
    /// `Y` (calendar year)
    Year,
}

impl TimeUnit {
    /// The canonical short name: `ns`, `us`, `ms`, `s`, `m`, `h`, `D`, `W`, `M`, `Y`.
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Nanosecond => "ns",
            TimeUnit::Microsecond => "us",
            TimeUnit::Millisecond => "ms",
            TimeUnit::Second => "s",
            TimeUnit::Minute => "m",
            TimeUnit::Hour => "h",
            TimeUnit::Day => "D",
            TimeUnit::Week => "W",
            TimeUnit::Month => "M",
            TimeUnit::Year => "Y",
        }
    }

    /// Resolves a unit name or English word (`'s'`, `'second'`, `'seconds'`, `'day'`...).
    ///
    /// As in the original, a trailing `s` is dropped from words longer than two characters.
    pub fn from_name(name: &str) -> Option<TimeUnit> {
        let word = if name.len() > 2 {
            name.strip_suffix('s').unwrap_or(name)
        } else {
            name
        };
        Some(match word {
            "ns" | "nanosecond" => TimeUnit::Nanosecond,
            "us" | "microsecond" => TimeUnit::Microsecond,
            "ms" | "millisecond" => TimeUnit::Millisecond,
            "s" | "second" => TimeUnit::Second,
            "m" | "minute" => TimeUnit::Minute,
            "h" | "hour" => TimeUnit::Hour,
            "D" | "day" | "date" => TimeUnit::Day,
            "W" | "week" => TimeUnit::Week,
            "M" | "month" => TimeUnit::Month,
            "Y" | "year" => TimeUnit::Year,
            _ => return None,
        })
    }
}

/// A value listed in a type constructor, such as a category of a `categorical`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Literal {
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
    /// `True` or `False`.
    Bool(bool),
}

/// The measure `categorical[[values...], type=T, ordered=False]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Categorical {
    categories: Vec<Literal>,
    ty: Box<DataShape>,
    ordered: bool,
}

impl Categorical {
    /// A categorical over `categories` with values of type `ty`.
    pub fn new(categories: Vec<Literal>, ty: DataShape, ordered: bool) -> Self {
        Self {
            categories,
            ty: Box::new(ty),
            ordered,
        }
    }

    /// The categories, in order.
    pub fn categories(&self) -> &[Literal] {
        &self.categories
    }

    /// The type of the category values.
    pub fn value_type(&self) -> &DataShape {
        &self.ty
    }

    /// Whether the categories are ordered.
    pub fn ordered(&self) -> bool {
        self.ordered
    }
}

/// An ordered list of named fields with distinct names: `{name: string, amount: int64}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Record {
    fields: Vec<(String, DataShape)>,
}

impl Record {
    /// A record of `fields`; fails if two fields share a name.
    pub fn try_new(fields: Vec<(String, DataShape)>) -> Result<Self> {
        for (i, (name, _)) in fields.iter().enumerate() {
            if fields[..i].iter().any(|(other, _)| other == name) {
                return Err(Error::DuplicateField(name.clone()));
            }
        }
        Ok(Self { fields })
    }

    /// The fields in order.
    pub fn fields(&self) -> &[(String, DataShape)] {
        &self.fields
    }

    /// The fields in order, by value.
    pub fn into_fields(self) -> Vec<(String, DataShape)> {
        self.fields
    }

    /// The field names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|(name, _)| name.as_str())
    }

    /// The type of field `name`, if there is one.
    pub fn get(&self, name: &str) -> Option<&DataShape> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the record has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

impl DataShape {
    /// A datashape with no dimensions.
    pub fn scalar(measure: Measure) -> Self {
        Self {
            dims: Vec::new(),
            measure,
        }
    }

    /// A datashape from dimensions and a measure; fails on more than one ellipsis.
    pub fn new(dims: Vec<Dim>, measure: Measure) -> Result<Self> {
        if dims
            .iter()
            .filter(|d| matches!(d, Dim::Ellipsis(_)))
            .count()
            > 1
        {
            return Err(Error::MultipleEllipses);
        }
        Ok(Self { dims, measure })
    }

    /// A record datashape; fails if two fields share a name.
    pub fn record(fields: Vec<(String, DataShape)>) -> Result<Self> {
        Ok(Self::scalar(Measure::Record(Record::try_new(fields)?)))
    }

    /// The dimensions, outermost first.
    pub fn dims(&self) -> &[Dim] {
        &self.dims
    }

    /// The measure.
    pub fn measure(&self) -> &Measure {
        &self.measure
    }

    /// The dimensions and the measure, by value.
    pub fn into_parts(self) -> (Vec<Dim>, Measure) {
        (self.dims, self.measure)
    }

    /// This shape with `dim` added as the new outermost dimension.
    pub fn with_leading_dim(mut self, dim: Dim) -> Result<Self> {
        if matches!(dim, Dim::Ellipsis(_))
            && self.dims.iter().any(|d| matches!(d, Dim::Ellipsis(_)))
        {
            return Err(Error::MultipleEllipses);
        }
        self.dims.insert(0, dim);
        Ok(self)
    }

    /// The shape of one element along the outermost `n` dimensions (`subarray(1)` of
    /// `3 * 4 * int32` is `4 * int32`); `None` if there are fewer than `n` dimensions.
    pub fn subarray(&self, n: usize) -> Option<DataShape> {
        (n <= self.dims.len()).then(|| DataShape {
            dims: self.dims[n..].to_vec(),
            measure: self.measure.clone(),
        })
    }

    /// This shape made optional: `?T`. Optional shapes are returned unchanged.
    pub fn into_option(self) -> DataShape {
        if self.is_option() {
            self
        } else {
            DataShape::scalar(Measure::Option(Box::new(self)))
        }
    }

    /// The shape inside a top-level option (`T` for `?T`), or the shape itself.
    pub fn non_option(&self) -> &DataShape {
        match (&self.dims[..], &self.measure) {
            ([], Measure::Option(inner)) => inner,
            _ => self,
        }
    }

    /// Whether this shape is `?T` at the top level.
    pub fn is_option(&self) -> bool {
        self.dims.is_empty() && matches!(self.measure, Measure::Option(_))
    }

    /// Whether this shape has no dimensions (options looked through).
    pub fn is_scalar(&self) -> bool {
        let inner = self.non_option();
        inner.dims.is_empty()
    }

    /// The record of a scalar record shape (`{...}` or `?{...}`).
    pub fn as_record(&self) -> Option<&Record> {
        match (&self.non_option().dims[..], &self.non_option().measure) {
            ([], Measure::Record(r)) => Some(r),
            _ => None,
        }
    }

    /// The rows' record of a one-dimensional table shape (`var * {...}` or `10 * {...}`).
    pub fn table_record(&self) -> Option<&Record> {
        match (&self.dims[..], &self.measure) {
            ([Dim::Fixed(_) | Dim::Var], Measure::Record(r)) => Some(r),
            _ => None,
        }
    }
}

impl Measure {
    /// The `string` measure (variable length, UTF-8).
    pub const STRING: Measure = Measure::String {
        fixlen: None,
        encoding: Encoding::Utf8,
    };

    /// `datetime` without a time zone.
    pub const DATETIME: Measure = Measure::DateTime { tz: None };

    /// Whether this is a signed or unsigned integer.
    pub fn is_integer(&self) -> bool {
        self.integer_bits().is_some()
    }

    /// `(signed, bits)` for integer measures.
    pub fn integer_bits(&self) -> Option<(bool, u8)> {
        Some(match self {
            Measure::Int8 => (true, 8),
            Measure::Int16 => (true, 16),
            Measure::Int32 => (true, 32),
            Measure::Int64 => (true, 64),
            Measure::UInt8 => (false, 8),
            Measure::UInt16 => (false, 16),
            Measure::UInt32 => (false, 32),
            Measure::UInt64 => (false, 64),
            _ => return None,
        })
    }

    /// Bits of a floating-point measure.
    pub fn float_bits(&self) -> Option<u8> {
        Some(match self {
            Measure::Float16 => 16,
            Measure::Float32 => 32,
            Measure::Float64 => 64,
            _ => return None,
        })
    }

    /// Whether this is a number: integer, float, complex or decimal (not bool).
    pub fn is_numeric(&self) -> bool {
        self.is_integer()
            || self.float_bits().is_some()
            || matches!(
                self,
                Measure::Complex64 | Measure::Complex128 | Measure::Decimal { .. }
            )
    }

    /// The integer measure with this signedness and width.
    pub fn integer(signed: bool, bits: u8) -> Option<Measure> {
        Some(match (signed, bits) {
            (true, 8) => Measure::Int8,
            (true, 16) => Measure::Int16,
            (true, 32) => Measure::Int32,
            (true, 64) => Measure::Int64,
            (false, 8) => Measure::UInt8,
            (false, 16) => Measure::UInt16,
            (false, 32) => Measure::UInt32,
            (false, 64) => Measure::UInt64,
            _ => return None,
        })
    }

    /// The float measure with this width.
    pub fn float(bits: u8) -> Option<Measure> {
        Some(match bits {
            16 => Measure::Float16,
            32 => Measure::Float32,
            64 => Measure::Float64,
            _ => return None,
        })
    }
}

impl From<Measure> for DataShape {
    fn from(measure: Measure) -> Self {
        DataShape::scalar(measure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_rejects_duplicate_names() {
        let err = Record::try_new(vec![
            ("a".into(), Measure::Int32.into()),
            ("a".into(), Measure::Bool.into()),
        ])
        .unwrap_err();
        assert_eq!(err.to_string(), "duplicate field name 'a' in record");
    }

    #[test]
    fn option_is_idempotent() {
        let t: DataShape = Measure::Int32.into();
        let once = t.clone().into_option();
        assert_eq!(once.clone().into_option(), once);
        assert_eq!(once.non_option(), &t);
    }

    #[test]
    fn time_unit_words() {
        assert_eq!(TimeUnit::from_name("seconds"), Some(TimeUnit::Second));
        assert_eq!(TimeUnit::from_name("days"), Some(TimeUnit::Day));
        assert_eq!(TimeUnit::from_name("ms"), Some(TimeUnit::Millisecond));
        assert_eq!(TimeUnit::from_name("hours"), Some(TimeUnit::Hour));
        assert_eq!(TimeUnit::from_name("buzz light-year"), None);
    }

    #[test]
    fn at_most_one_ellipsis() {
        let t = DataShape::new(vec![Dim::Ellipsis(None)], Measure::Int32).unwrap();
        assert!(t.with_leading_dim(Dim::Ellipsis(None)).is_err());
    }
}
