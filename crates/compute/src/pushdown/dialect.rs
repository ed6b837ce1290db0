//! What differs between the SQL of SQLite and of PostgreSQL: parameters, types, functions,
//! date parts, pattern matching and text ordering.

use arrow::datatypes::{DataType, TimeUnit};
use blaze_expr::{DatePart, MathFn, StrFn};

/// The SQL dialect of a database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// SQLite 3 (as bundled by rusqlite: math functions, `FULL JOIN`, `NULLS LAST`).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Dialect {
    /// The database's name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "SQLite",
            Dialect::Postgres => "PostgreSQL",
        }
    }

    /// The placeholder of parameter `n` (from 1).
    pub(crate) fn parameter(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}"),
        }
    }

    /// A boolean constant.
    pub(crate) fn boolean(self, value: bool) -> &'static str {
        match (self, value) {
            (Dialect::Sqlite, true) => "1",
            (Dialect::Sqlite, false) => "0",
            (Dialect::Postgres, true) => "TRUE",
            (Dialect::Postgres, false) => "FALSE",
        }
    }

    /// `x` as a floating-point number.
    pub(crate) fn float(self, x: &str) -> String {
        match self {
            Dialect::Sqlite => format!("CAST({x} AS REAL)"),
            Dialect::Postgres => format!("CAST({x} AS DOUBLE PRECISION)"),
        }
    }

    /// Text ordered and compared by its bytes (as the local engine does), whatever the
    /// database's collation.
    pub(crate) fn bytewise(self, x: &str) -> String {
        match self {
            Dialect::Sqlite => x.to_owned(),
            Dialect::Postgres => format!("({x} COLLATE \"C\")"),
        }
    }

    /// Date-times `x` as values that compare in time order. SQLite holds them as text, written
    /// `2024-01-15T10:30:00` by odo and `2024-01-15 10:30:00` by SQLite's own functions: both
    /// are read the same way (to the millisecond).
    pub(crate) fn instant(self, x: &str) -> String {
        match self {
            Dialect::Sqlite => format!("strftime('%Y-%m-%d %H:%M:%f', {x})"),
            Dialect::Postgres => x.to_owned(),
        }
    }

    /// The type `x` is cast to for an Arrow type; `None` where the dialect has no exact one.
    pub(crate) fn type_name(self, to: &DataType) -> Option<String> {
        if let (Dialect::Postgres, DataType::Decimal128(precision, scale)) = (self, to) {
            return Some(format!("NUMERIC({precision}, {scale})"));
        }
        Some(
            match (self, to) {
                (Dialect::Sqlite, t) if t.is_integer() => "INTEGER",
                (Dialect::Sqlite, t) if t.is_floating() => "REAL",
                (Dialect::Sqlite, DataType::Utf8 | DataType::LargeUtf8) => "TEXT",
                (Dialect::Postgres, DataType::Int8 | DataType::Int16 | DataType::UInt8) => {
                    "SMALLINT"
                }
                (Dialect::Postgres, DataType::Int32 | DataType::UInt16) => "INTEGER",
                (Dialect::Postgres, DataType::Int64 | DataType::UInt32) => "BIGINT",
                (Dialect::Postgres, DataType::Float16 | DataType::Float32) => "REAL",
                (Dialect::Postgres, DataType::Float64) => "DOUBLE PRECISION",
                (Dialect::Postgres, DataType::Boolean) => "BOOLEAN",
                (Dialect::Postgres, DataType::Utf8 | DataType::LargeUtf8) => "TEXT",
                (Dialect::Postgres, DataType::Date32) => "DATE",
                (Dialect::Postgres, DataType::Timestamp(TimeUnit::Microsecond, None)) => {
                    "TIMESTAMP"
                }
                (Dialect::Postgres, DataType::Timestamp(TimeUnit::Microsecond, Some(_))) => {
                    "TIMESTAMPTZ"
                }
                (Dialect::Postgres, DataType::Time64(TimeUnit::Microsecond)) => "TIME",
                (Dialect::Postgres, DataType::Binary) => "BYTEA",
                _ => return None,
            }
            .to_owned(),
        )
    }

    /// The number of characters of `x`.
    pub(crate) fn length(self, x: &str) -> String {
        match self {
            Dialect::Sqlite => format!("length({x})"),
            Dialect::Postgres => format!("char_length({x})"),
        }
    }

    /// A string function of `x`, where the database computes it as the local engine does.
    pub(crate) fn str_fn(self, f: StrFn, x: &str) -> Option<String> {
        Some(match f {
            StrFn::Len => self.length(x),
            // SQLite changes the case of ASCII letters only.
            StrFn::Upper if self == Dialect::Postgres => format!("upper({x})"),
            StrFn::Lower if self == Dialect::Postgres => format!("lower({x})"),
            // Spaces only, as the local engine trims.
            StrFn::Strip => match self {
                Dialect::Sqlite => format!("trim({x}, ' ')"),
                Dialect::Postgres => format!("btrim({x}, ' ')"),
            },
            StrFn::Lstrip => format!("ltrim({x}, ' ')"),
            StrFn::Rstrip => format!("rtrim({x}, ' ')"),
            _ => return None,
        })
    }

    /// Whether `x` matches the glob `pattern` (`*` and `?`), given as the parameter `p` once
    /// [`Dialect::like_pattern`] has rewritten it.
    pub(crate) fn like(self, x: &str, p: &str) -> String {
        match self {
            // SQLite's LIKE ignores case; GLOB does not, and takes `*` and `?` as they are.
            Dialect::Sqlite => format!("({x} GLOB {p})"),
            Dialect::Postgres => format!("({x} LIKE {p})"),
        }
    }

    /// A glob pattern as [`Dialect::like`] takes it: every other character literal.
    pub(crate) fn like_pattern(self, glob: &str) -> String {
        let mut out = String::with_capacity(glob.len());
        for c in glob.chars() {
            match (self, c) {
                (Dialect::Sqlite, '[') => out.push_str("[[]"),
                (Dialect::Sqlite, c) => out.push(c),
                (Dialect::Postgres, '*') => out.push('%'),
                (Dialect::Postgres, '?') => out.push('_'),
                (Dialect::Postgres, '%' | '_' | '\\') => {
                    out.push('\\');
                    out.push(c);
                }
                (Dialect::Postgres, c) => out.push(c),
            }
        }
        out
    }

    /// A math function of `x`, where the database computes it as the local engine does
    /// (NaN for `sqrt` and logarithms outside their domain, where PostgreSQL would fail).
    pub(crate) fn math_fn(self, f: MathFn, x: &str) -> Option<String> {
        let real = self.float(x);
        // PostgreSQL refuses what is outside the domain; SQLite has no NaN (it gives NULL),
        // so these stay local there.
        let guarded = |name: &str, at_zero: &str| match self {
            Dialect::Postgres => format!(
                "(CASE WHEN {real} < 0 THEN 'NaN'::float8 WHEN {real} = 0 THEN {at_zero} \
                 ELSE {name}({real}) END)"
            ),
            Dialect::Sqlite => String::new(),
        };
        let out = match f {
            MathFn::Abs => format!("abs({x})"),
            MathFn::Ceil => format!("ceil({x})"),
            MathFn::Floor => format!("floor({x})"),
            MathFn::Trunc => format!("trunc({x})"),
            MathFn::Exp => format!("exp({real})"),
            MathFn::Sin => format!("sin({real})"),
            MathFn::Cos => format!("cos({real})"),
            MathFn::Tan => format!("tan({real})"),
            MathFn::Atan => format!("atan({real})"),
            MathFn::Radians => format!("radians({real})"),
            MathFn::Degrees => format!("degrees({real})"),
            MathFn::Sqrt => guarded("sqrt", "0.0"),
            MathFn::Log => guarded("ln", "'-Infinity'::float8"),
            MathFn::Log10 => guarded("log10", "'-Infinity'::float8"),
            _ => String::new(),
        };
        (!out.is_empty()).then_some(out)
    }

    /// A part of the date or date-time `x`, where the database computes it as the local
    /// engine does (integers; `second` with its milliseconds).
    pub(crate) fn date_part(self, part: DatePart, x: &str) -> Option<String> {
        let integer = |sql: String| format!("CAST({sql} AS BIGINT)");
        Some(match self {
            Dialect::Postgres => {
                let extract = |field: &str| integer(format!("EXTRACT({field} FROM {x})"));
                match part {
                    DatePart::Year => extract("YEAR"),
                    DatePart::Month => extract("MONTH"),
                    DatePart::Day => extract("DAY"),
                    DatePart::Hour => extract("HOUR"),
                    DatePart::Minute => extract("MINUTE"),
                    DatePart::Second => {
                        format!("(FLOOR(EXTRACT(MILLISECONDS FROM {x})) / 1000.0)")
                    }
                    DatePart::Week => extract("WEEK"),
                    DatePart::Quarter => extract("QUARTER"),
                    DatePart::DayOfYear => extract("DOY"),
                    // Monday = 0, as pandas counts.
                    DatePart::Weekday => format!("(({} + 6) % 7)", extract("DOW")),
                    DatePart::Date => format!("CAST({x} AS DATE)"),
                    _ => return None,
                }
            }
            Dialect::Sqlite => {
                let format = |f: &str| format!("CAST(strftime('{f}', {x}) AS INTEGER)");
                match part {
                    DatePart::Year => format("%Y"),
                    DatePart::Month => format("%m"),
                    DatePart::Day => format("%d"),
                    DatePart::Hour => format("%H"),
                    DatePart::Minute => format("%M"),
                    DatePart::DayOfYear => format("%j"),
                    DatePart::Quarter => format!("(({} + 2) / 3)", format("%m")),
                    DatePart::Weekday => format!("(({} + 6) % 7)", format("%w")),
                    DatePart::Date => format!("date({x})"),
                    _ => return None,
                }
            }
        })
    }
}
