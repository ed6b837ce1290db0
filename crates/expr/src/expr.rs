//! The expression tree: immutable nodes, each typed (a datashape) and named when built.

use std::fmt;
use std::sync::Arc;

use blaze_datashape::DataShape;

use crate::func::Func;

/// An expression: a tree of operations over named symbols, typed and named when built, so an
/// invalid expression never exists. Cheap to clone (nodes are shared); equality is
/// structural.
#[derive(Clone, PartialEq)]
pub struct Expr(Arc<Node>);

#[derive(Debug, PartialEq)]
struct Node {
    op: Op,
    dshape: DataShape,
    name: Option<String>,
}

/// A constant inside an expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `None`: a missing value.
    Null,
    /// `True` / `False`
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// Text.
    Str(String),
}

/// One operation of the tree, with its operands.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// Named data of a known datashape: a leaf, bound to a resource when computed.
    Symbol {
        /// The symbol's name.
        name: String,
    },
    /// A constant.
    Literal(Value),
    /// One field of a record (a column of a table, a table of a database).
    Field {
        /// The record-typed expression.
        child: Expr,
        /// The field's name.
        field: String,
    },
    /// Some fields of a record, in the order given.
    Projection {
        /// The record-typed expression.
        child: Expr,
        /// The fields kept.
        fields: Vec<String>,
    },
    /// The rows for which a boolean expression is true.
    Selection {
        /// The collection filtered.
        child: Expr,
        /// A boolean expression over `child`.
        predicate: Expr,
    },
    /// Rows by position: one row, or a range with a step.
    Slice {
        /// The collection.
        child: Expr,
        /// Which rows.
        index: Index,
    },
    /// Rows picked by their positions, in the order given and repeated if given again
    /// (numpy's `x[[3, 0, 3]]`; negative positions count from the end).
    Take {
        /// The collection.
        child: Expr,
        /// The positions of the rows picked.
        positions: Vec<i64>,
    },
    /// An n-d array indexed along several axes at once, one index per leading axis:
    /// `x[10:20, ::2]`, `x[3, :]` (an integer drops its axis).
    SliceAxes {
        /// The array.
        child: Expr,
        /// One index per axis, from the first, or a new axis of length 1 (`None` in the
        /// text, numpy's `newaxis`); axes after them are kept whole.
        indices: Vec<AxisIndex>,
    },
    /// The first `n` rows.
    Head {
        /// The collection.
        child: Expr,
        /// How many rows.
        n: u64,
    },
    /// The last `n` rows.
    Tail {
        /// The collection.
        child: Expr,
        /// How many rows.
        n: u64,
    },
    /// Rows ordered by keys.
    Sort {
        /// The collection.
        child: Expr,
        /// Expressions over `child` to order by, most significant first; a column named by
        /// the user is a [`Op::Field`] of `child`.
        keys: Vec<Expr>,
        /// Ascending (`true`) or descending order.
        ascending: bool,
    },
    /// Rows without repeats, optionally judged on some columns only.
    Distinct {
        /// The collection.
        child: Expr,
        /// Columns that decide what repeats; all when empty.
        on: Vec<String>,
    },
    /// An expression under another name.
    Label {
        /// The expression renamed.
        child: Expr,
        /// Its new name.
        label: String,
    },
    /// A record with some fields renamed.
    Relabel {
        /// The record-typed expression.
        child: Expr,
        /// `(old, new)` pairs, in the order given.
        labels: Vec<(String, String)>,
    },
    /// An operator applied element-wise to two operands.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// The left operand.
        lhs: Expr,
        /// The right operand.
        rhs: Expr,
    },
    /// A function applied element-wise: `-x`, `~x`, `abs(x)`, `x.str.upper()`, `x.year`.
    Unary {
        /// The function.
        op: UnaryOp,
        /// Its operand.
        child: Expr,
    },
    /// A whole collection reduced to one value.
    Reduction {
        /// Which reduction.
        op: Reduction,
        /// The collection.
        child: Expr,
    },
    /// Named reductions of one collection, as a record.
    Summary {
        /// The collection reduced.
        child: Expr,
        /// Names and reductions, in the order written.
        values: Vec<(String, Expr)>,
    },
    /// Split-apply-combine: `summary` computed for each group of equal `grouper` values.
    By {
        /// What the rows are grouped by: a column, or several (a projection).
        grouper: Expr,
        /// An [`Op::Summary`] of the grouped collection.
        summary: Expr,
    },
    /// Whether each element is one of some values.
    IsIn {
        /// The column.
        child: Expr,
        /// The values.
        values: Vec<Value>,
    },
    /// Whether each element is one of the values of another column (`t.name.isin(c.name)`),
    /// as SQL's `IN (SELECT ...)`.
    IsInColumn {
        /// The column.
        child: Expr,
        /// The values, a column of other rows.
        values: Expr,
    },
    /// Whether each string matches a glob pattern (`*`, `?`).
    Like {
        /// The string column.
        child: Expr,
        /// The pattern.
        pattern: String,
    },
    /// Values converted to another type.
    Coerce {
        /// The expression converted.
        child: Expr,
        /// The type converted to.
        to: DataShape,
    },
    /// The same values under another type: a claim about them, not a conversion
    /// (`s.cast('?int32')`). Computed as a conversion where the representation differs.
    Cast {
        /// The expression retyped.
        child: Expr,
        /// Its new element type.
        to: DataShape,
    },
    /// Element-wise, the first operand unless it is missing, else the second.
    Coalesce {
        /// The preferred values.
        lhs: Expr,
        /// The values used where `lhs` is missing.
        rhs: Expr,
    },
    /// Columns over the same rows, side by side, as one table: `merge(t.name, z=t.x + t.y)`;
    /// also what `transform` builds.
    Merge {
        /// The columns, each named (keyword arguments are labels), in the order written.
        columns: Vec<Expr>,
    },
    /// Rows of two tables matched on equal keys.
    Join {
        /// The left table.
        lhs: Expr,
        /// The right table.
        rhs: Expr,
        /// Key columns of the left table.
        on_left: Vec<String>,
        /// Key columns of the right table, one per left key.
        on_right: Vec<String>,
        /// Which unmatched rows are kept.
        how: JoinKind,
        /// Appended to the names of non-key columns both tables have: left, right.
        suffixes: [String; 2],
    },
    /// The rows of one collection followed by those of another of the same type.
    Concat {
        /// The first rows.
        lhs: Expr,
        /// The rows after them.
        rhs: Expr,
    },
    /// Rows drawn at random, without repeats.
    Sample {
        /// The collection.
        child: Expr,
        /// How many.
        size: SampleSize,
    },
    /// A function of each element with constant arguments: `x.str.find('a')`,
    /// `x.truncate(10, 'minutes')`.
    Func {
        /// The column.
        child: Expr,
        /// The function and its arguments.
        func: Func,
    },
    /// `x.str.cat(y, sep=' ')`: two strings joined, with `sep` between.
    StrCat {
        /// The first string.
        lhs: Expr,
        /// The string after the separator.
        rhs: Expr,
        /// The separator.
        sep: String,
    },
    /// The axes of an n-d array permuted: `x.T`, `x.transpose((2, 0, 1))`.
    Transpose {
        /// The array.
        child: Expr,
        /// Axis `i` of the result is axis `axes[i]` of the child.
        axes: Vec<usize>,
    },
    /// Sums of products over pairs of axes of two arrays: `x.dot(y)`,
    /// `tensordot(x, y, axes=((1,), (0,)))`.
    TensorDot {
        /// The left array.
        lhs: Expr,
        /// The right array.
        rhs: Expr,
        /// Axes of the left array, each paired with the right one's at the same place.
        left_axes: Vec<usize>,
        /// Axes of the right array.
        right_axes: Vec<usize>,
    },
    /// The running sum or product along one axis of an n-d array, as numpy's:
    /// `x.cumsum(axis=0)`, `x.cumprod(axis=1)`, or over its elements in order, flattened
    /// (`x.cumsum()`).
    Cumulative {
        /// The array.
        child: Expr,
        /// The axis run along; none: the flattened array.
        axis: Option<usize>,
        /// A product rather than a sum.
        product: bool,
    },
    /// A reduction along some axes of an array, or keeping the reduced axes as dimensions of
    /// length 1: `x.sum(axis=1)`, `x.sum(keepdims=True)`. (Reducing every axis without keeping
    /// them is [`Op::Reduction`].)
    AxisReduction {
        /// The reduction.
        op: Reduction,
        /// The array.
        child: Expr,
        /// The axes reduced, in increasing order of appearance as given.
        axes: Vec<usize>,
        /// Whether reduced axes stay as dimensions of length 1.
        keepdims: bool,
    },
    /// A function of each element and its neighbours in row order, within groups of rows:
    /// `t.amount.shift(1)`, `t.amount.cumsum(by=t.name)`, `t.amount.rank()`.
    Window {
        /// The function.
        func: WindowFn,
        /// The column.
        child: Expr,
        /// Columns over the same rows whose equal values form the groups; one group when empty.
        by: Vec<Expr>,
    },
}

/// Which rows of a join are kept besides those whose keys match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JoinKind {
    /// Matched rows only.
    Inner,
    /// Every row of the left table (its unmatched rows with missing right columns).
    Left,
    /// Every row of the right table.
    Right,
    /// Every row of both.
    Outer,
}

/// How many rows a sample draws.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SampleSize {
    /// This many rows (all of them when there are fewer).
    Rows(u64),
    /// This fraction of the rows, between 0 and 1.
    Fraction(f64),
}

/// Functions of a column in row order (see [`Op::Window`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WindowFn {
    /// `shift(n)`: the value `n` rows earlier (later when negative); missing at the edge.
    Shift(i64),
    /// `cumsum()`: the sum of the values so far.
    CumSum,
    /// `cummin()`: the least value so far.
    CumMin,
    /// `cummax()`: the greatest value so far.
    CumMax,
    /// `rank(ascending, method)`: the position of each value in sorted order, from 1.
    Rank {
        /// Smallest first (`true`) or greatest first.
        ascending: bool,
        /// How equal values are ranked.
        method: RankMethod,
    },
}

impl RankMethod {
    /// The method named `name`: `min`, `dense` or `first`.
    pub fn from_name(name: &str) -> Option<RankMethod> {
        match name {
            "min" => Some(RankMethod::Min),
            "dense" => Some(RankMethod::Dense),
            "first" => Some(RankMethod::First),
            _ => None,
        }
    }

    /// The method's name, as written in `method=...`.
    pub fn name(self) -> &'static str {
        match self {
            RankMethod::Min => "min",
            RankMethod::Dense => "dense",
            RankMethod::First => "first",
        }
    }
}

/// How `rank` ranks equal values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RankMethod {
    /// `'min'`: equal values share the lowest rank, and ranks after them skip (SQL's `rank`).
    Min,
    /// `'dense'`: equal values share a rank, and the next rank follows without a gap.
    Dense,
    /// `'first'`: every row its own rank, equal values in row order (SQL's `row_number`).
    First,
}

/// Positions selected by a slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Index {
    /// One element (negative counts from the end).
    At(i64),
    /// `start:stop:step`, as in Python.
    Range {
        /// First position, if given.
        start: Option<i64>,
        /// Position after the last, if given.
        stop: Option<i64>,
        /// Step, if given (never 0).
        step: Option<i64>,
    },
}

/// One entry of an index of several axes: `x[3, 1:5, None, [0, 2]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AxisIndex {
    /// A position (dropping the axis) or a slice of the next axis.
    Index(Index),
    /// `None`: a new axis of length 1.
    NewAxis,
    /// A list of positions of the next axis, in the order given (numpy's fancy indexing, one
    /// list per index).
    Take(Vec<i64>),
}

/// Element-wise operators of two operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `+` (also string concatenation, and datetime plus timedelta)
    Add,
    /// `-`
    Sub,
    /// `*` (also string repetition)
    Mul,
    /// `/` (always floating point)
    Div,
    /// `//`
    FloorDiv,
    /// `%`
    Mod,
    /// `**`
    Pow,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `&`
    And,
    /// `|`
    Or,
    /// `^`
    Xor,
    /// `atan2(y, x)`: the angle of the point `(x, y)`, in radians.
    Atan2,
    /// `copysign(x, y)`: `x`'s magnitude with `y`'s sign.
    Copysign,
    /// `fmod(x, y)`: C's remainder, with the dividend's sign (unlike `%`).
    Fmod,
    /// `hypot(x, y)`: the length of the hypotenuse, `sqrt(x*x + y*y)`.
    Hypot,
    /// `ldexp(x, i)`: `x * 2**i`.
    Ldexp,
    /// `greatest(a, b)`: the larger of the two; the other where one is missing.
    Greatest,
    /// `least(a, b)`: the smaller of the two; the other where one is missing.
    Least,
}

/// Element-wise functions of one operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `~x`: boolean not
    Not,
    /// `x.isnull()`
    IsNull,
    /// `x.notnull()`
    NotNull,
    /// A math function: `abs(x)`, `sqrt(x)`, `x.floor()`...
    Math(MathFn),
    /// A string method: `x.str.upper()`...
    Str(StrFn),
    /// A part of a date or datetime: `x.year`, `x.date`...
    DatePart(DatePart),
    /// `x.utcfromtimestamp`: seconds since 1970-01-01 00:00 UTC as a datetime (UTC, without
    /// a time zone), to the microsecond, as Python's `datetime.utcfromtimestamp`.
    FromTimestamp,
}

/// Math functions of one number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MathFn {
    /// `abs`
    Abs,
    /// `sqrt`
    Sqrt,
    /// `exp`
    Exp,
    /// `log` (natural)
    Log,
    /// `log10`
    Log10,
    /// `log1p`
    Log1p,
    /// `expm1`
    Expm1,
    /// `sin`
    Sin,
    /// `cos`
    Cos,
    /// `tan`
    Tan,
    /// `asin`
    Asin,
    /// `acos`
    Acos,
    /// `atan`
    Atan,
    /// `asinh`
    Asinh,
    /// `acosh`
    Acosh,
    /// `atanh`
    Atanh,
    /// `sinh`
    Sinh,
    /// `cosh`
    Cosh,
    /// `tanh`
    Tanh,
    /// `radians`
    Radians,
    /// `degrees`
    Degrees,
    /// `ceil`
    Ceil,
    /// `floor`
    Floor,
    /// `trunc`
    Trunc,
    /// `isnan`
    IsNan,
}

/// String methods of the `.str` namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StrFn {
    /// `len()`: length in characters
    Len,
    /// `upper()`
    Upper,
    /// `lower()`
    Lower,
    /// `strip()`
    Strip,
    /// `lstrip()`
    Lstrip,
    /// `rstrip()`
    Rstrip,
    /// `capitalize()`: the first character upper case, the others lower case
    Capitalize,
    /// `isalnum()`: letters and digits only, and at least one
    IsAlnum,
    /// `isalpha()`: letters only, and at least one
    IsAlpha,
    /// `isdecimal()`: decimal digits only, and at least one
    IsDecimal,
    /// `isdigit()`: digits only, and at least one
    IsDigit,
    /// `islower()`: some cased characters, all lower case
    IsLower,
    /// `isnumeric()`: numeric characters only, and at least one
    IsNumeric,
    /// `isspace()`: white space only, and at least one
    IsSpace,
    /// `istitle()`: title case (upper case only at the start of words), some cased characters
    IsTitle,
    /// `isupper()`: some cased characters, all upper case
    IsUpper,
}

/// Parts of dates and datetimes, and of timedeltas (`dt.days()`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DatePart {
    /// `year` (int32)
    Year,
    /// `month` (int64)
    Month,
    /// `day` (int64)
    Day,
    /// `hour` (int64)
    Hour,
    /// `minute` (int64)
    Minute,
    /// `second` (float64: seconds with their fraction)
    Second,
    /// `millisecond` (int64)
    Millisecond,
    /// `microsecond` (int64)
    Microsecond,
    /// `date`: the calendar date
    Date,
    /// `time`: the time of day
    Time,
    /// `dt.nanosecond()` (int64, within the microsecond: always 0 for microsecond datetimes)
    Nanosecond,
    /// `dt.week()`: the ISO week of the year (int64)
    Week,
    /// `dt.weekday()`: the day of the week, Monday = 0 (int64)
    Weekday,
    /// `dt.weekday_name()`: `Monday`...
    WeekdayName,
    /// `dt.dayofyear()`: 1 for January 1st (int64)
    DayOfYear,
    /// `dt.days_in_month()` (int64)
    DaysInMonth,
    /// `dt.quarter()`: 1 to 4 (int64)
    Quarter,
    /// `dt.is_month_start()`
    IsMonthStart,
    /// `dt.is_month_end()`
    IsMonthEnd,
    /// `dt.is_quarter_start()`
    IsQuarterStart,
    /// `dt.is_quarter_end()`
    IsQuarterEnd,
    /// `dt.is_year_start()`
    IsYearStart,
    /// `dt.is_year_end()`
    IsYearEnd,
    /// `dt.days()` of a timedelta: whole days, rounded down as pandas does (int64; minus
    /// one and a half days is -2 days and 12 hours)
    Days,
    /// `dt.seconds()` of a timedelta: the seconds beyond its whole days, 0 to 86399 (int64)
    Seconds,
    /// `dt.microseconds()` of a timedelta: the microseconds beyond its whole seconds (int64)
    Microseconds,
    /// `dt.nanoseconds()` of a timedelta: the nanoseconds beyond its whole microseconds (int64)
    Nanoseconds,
    /// `dt.total_seconds()` of a timedelta: its length in whole seconds, cut toward zero
    /// (int64, as Blaze types it)
    TotalSeconds,
}

/// Reductions of a collection to one value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reduction {
    /// `sum()`
    Sum,
    /// `min()`
    Min,
    /// `max()`
    Max,
    /// `mean()`
    Mean,
    /// `var(unbiased=...)`: population variance unless unbiased
    Var {
        /// Divide by n − 1 (sample variance) rather than n.
        unbiased: bool,
    },
    /// `std(unbiased=...)`
    Std {
        /// Divide by n − 1 rather than n.
        unbiased: bool,
    },
    /// `any()`
    Any,
    /// `all()`
    All,
    /// `count()`: elements that are not missing
    Count,
    /// `nunique()`: distinct values (distinct rows of a table)
    Nunique,
    /// `nelements()`: elements, missing ones included (`nrows`)
    Nelements,
    /// `median()`: the middle value (the mean of the two middle ones for an even count)
    Median,
    /// `quantile(q)`: the value below which a fraction `q` of the values lie, interpolated
    /// linearly between neighbours (numpy's default)
    Quantile {
        /// The fraction, between 0 and 1.
        q: f64,
    },
    /// `prod()`: the product (computed over n-d arrays, as numpy's)
    Prod,
    /// `argmin()`: the position of the smallest element, the first on ties, along one axis or
    /// in the flattened array (computed over n-d arrays, as numpy's)
    ArgMin,
    /// `argmax()`: the position of the largest element, as `argmin`
    ArgMax,
}

impl Expr {
    pub(crate) fn new(op: Op, dshape: DataShape, name: Option<String>) -> Self {
        Expr(Arc::new(Node { op, dshape, name }))
    }

    /// The operation at the root of the tree.
    pub fn op(&self) -> &Op {
        &self.0.op
    }

    /// The datashape of the result.
    pub fn dshape(&self) -> &DataShape {
        &self.0.dshape
    }

    /// The result's name (a column's name when this is a column), if it has one.
    pub fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// The names of the result's fields, when its elements are records.
    pub fn fields(&self) -> Vec<&str> {
        crate::types::record_of(self.dshape())
            .map(|r| r.names().collect())
            .unwrap_or_default()
    }

    /// The expressions this one is built on, left to right.
    pub fn children(&self) -> Vec<&Expr> {
        match self.op() {
            Op::Symbol { .. } | Op::Literal(_) => vec![],
            Op::Field { child, .. }
            | Op::Projection { child, .. }
            | Op::Slice { child, .. }
            | Op::Take { child, .. }
            | Op::SliceAxes { child, .. }
            | Op::Head { child, .. }
            | Op::Tail { child, .. }
            | Op::Distinct { child, .. }
            | Op::Label { child, .. }
            | Op::Relabel { child, .. }
            | Op::Unary { child, .. }
            | Op::Reduction { child, .. }
            | Op::IsIn { child, .. }
            | Op::Like { child, .. }
            | Op::Coerce { child, .. }
            | Op::Cast { child, .. }
            | Op::Func { child, .. }
            | Op::Transpose { child, .. }
            | Op::AxisReduction { child, .. }
            | Op::Cumulative { child, .. }
            | Op::Sample { child, .. } => vec![child],
            Op::Selection { child, predicate } => vec![child, predicate],
            Op::IsInColumn { child, values } => vec![child, values],
            Op::Sort { child, keys, .. } => std::iter::once(child).chain(keys).collect(),
            Op::Binary { lhs, rhs, .. }
            | Op::Coalesce { lhs, rhs }
            | Op::StrCat { lhs, rhs, .. }
            | Op::TensorDot { lhs, rhs, .. }
            | Op::Join { lhs, rhs, .. }
            | Op::Concat { lhs, rhs } => vec![lhs, rhs],
            Op::Merge { columns } => columns.iter().collect(),
            Op::Window { child, by, .. } => std::iter::once(child).chain(by).collect(),
            Op::Summary { child, values } => std::iter::once(child)
                .chain(values.iter().map(|(_, v)| v))
                .collect(),
            Op::By { grouper, summary } => vec![grouper, summary],
        }
    }

    /// The symbols the expression reads, left to right, each once.
    pub fn leaves(&self) -> Vec<&Expr> {
        let mut leaves: Vec<&Expr> = Vec::new();
        self.collect_leaves(&mut leaves);
        leaves
    }

    fn collect_leaves<'a>(&'a self, leaves: &mut Vec<&'a Expr>) {
        if let Op::Symbol { .. } = self.op() {
            if !leaves.contains(&self) {
                leaves.push(self);
            }
            return;
        }
        for child in self.children() {
            child.collect_leaves(leaves);
        }
    }
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{self} :: {}>", self.dshape())
    }
}
