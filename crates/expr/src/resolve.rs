//! Turning a syntax tree into a typed expression: names are looked up among the bound symbols
//! and the known functions, attributes become fields or methods (methods win over fields of
//! the same name, which `t['count']` still reaches), and every error points at its place in
//! the text.

use blaze_datashape::{DataShape, Span, closest_name};

use crate::build::by;
use crate::combine::{JoinSpec, coalesce, concat, join, merge, transform};
use crate::error::{Error, Result};
use crate::expr::{
    AxisIndex, BinaryOp, DatePart, Expr, Index, JoinKind, MathFn, Op, RankMethod, Reduction,
    SampleSize, StrFn, UnaryOp, Value, WindowFn,
};
use crate::func::{DateUnit, Func, PadSide, RoundMode, parse_frequency};
use crate::syntax::{BINARY_FUNCTIONS, Syntax, SyntaxKind, UnaryOperator, parse_syntax};
use crate::types::{is_datelike, is_numeric, is_string, is_timedelta, record_of};

/// Names that expression text may refer to, each bound to an expression (usually a symbol).
#[derive(Clone, Debug, Default)]
pub struct Namespace {
    names: Vec<(String, Expr)>,
}

impl Namespace {
    /// An empty namespace.
    pub fn new() -> Self {
        Self::default()
    }

    /// Binds `name` to `expr`, replacing an earlier binding of the name.
    pub fn bind(&mut self, name: &str, expr: Expr) {
        self.names.retain(|(n, _)| n != name);
        self.names.push((name.to_owned(), expr));
    }

    /// The expression bound to `name`.
    pub fn get(&self, name: &str) -> Option<&Expr> {
        self.names.iter().find(|(n, _)| n == name).map(|(_, e)| e)
    }

    /// The bound names, in the order bound.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|(n, _)| n.as_str())
    }
}

/// Parses expression text and types it against `namespace`.
pub fn parse(text: &str, namespace: &Namespace) -> Result<Expr> {
    let syntax = parse_syntax(text)?;
    let term = Resolver { namespace }.resolve(&syntax)?;
    term.into_expr(syntax.span)
}

/// Math functions by name.
pub(crate) const MATH: [(&str, MathFn); 25] = [
    ("abs", MathFn::Abs),
    ("sqrt", MathFn::Sqrt),
    ("exp", MathFn::Exp),
    ("log", MathFn::Log),
    ("log10", MathFn::Log10),
    ("log1p", MathFn::Log1p),
    ("expm1", MathFn::Expm1),
    ("sin", MathFn::Sin),
    ("cos", MathFn::Cos),
    ("tan", MathFn::Tan),
    ("asin", MathFn::Asin),
    ("acos", MathFn::Acos),
    ("atan", MathFn::Atan),
    ("asinh", MathFn::Asinh),
    ("acosh", MathFn::Acosh),
    ("atanh", MathFn::Atanh),
    ("sinh", MathFn::Sinh),
    ("cosh", MathFn::Cosh),
    ("tanh", MathFn::Tanh),
    ("radians", MathFn::Radians),
    ("degrees", MathFn::Degrees),
    ("ceil", MathFn::Ceil),
    ("floor", MathFn::Floor),
    ("trunc", MathFn::Trunc),
    ("isnan", MathFn::IsNan),
];

/// String methods of `.str` by name, those without arguments.
pub(crate) const STR: [(&str, StrFn); 16] = [
    ("len", StrFn::Len),
    ("upper", StrFn::Upper),
    ("lower", StrFn::Lower),
    ("strip", StrFn::Strip),
    ("lstrip", StrFn::Lstrip),
    ("rstrip", StrFn::Rstrip),
    ("capitalize", StrFn::Capitalize),
    ("isalnum", StrFn::IsAlnum),
    ("isalpha", StrFn::IsAlpha),
    ("isdecimal", StrFn::IsDecimal),
    ("isdigit", StrFn::IsDigit),
    ("islower", StrFn::IsLower),
    ("isnumeric", StrFn::IsNumeric),
    ("isspace", StrFn::IsSpace),
    ("istitle", StrFn::IsTitle),
    ("isupper", StrFn::IsUpper),
];

/// String methods of `.str` that take arguments. (`like` is also a method of the strings
/// themselves, `t.name.like('A*')`; Blaze's tests write it both ways.)
const STR_CALLS: [&str; 6] = ["find", "replace", "pad", "slice_replace", "cat", "like"];

/// Date parts by name, as methods of `.dt` (`t.when.dt.week()`), under pandas' names and
/// aliases, then the parts of timedeltas. The first ten are also properties (`t.when.year`,
/// no parentheses), as in Blaze; each part's first name is the one printed.
pub(crate) const DT_PARTS: [(&str, DatePart); 31] = [
    ("year", DatePart::Year),
    ("month", DatePart::Month),
    ("day", DatePart::Day),
    ("hour", DatePart::Hour),
    ("minute", DatePart::Minute),
    ("second", DatePart::Second),
    ("millisecond", DatePart::Millisecond),
    ("microsecond", DatePart::Microsecond),
    ("date", DatePart::Date),
    ("time", DatePart::Time),
    ("nanosecond", DatePart::Nanosecond),
    ("week", DatePart::Week),
    ("weekofyear", DatePart::Week),
    ("weekday", DatePart::Weekday),
    ("dayofweek", DatePart::Weekday),
    ("weekday_name", DatePart::WeekdayName),
    ("dayofyear", DatePart::DayOfYear),
    ("days_in_month", DatePart::DaysInMonth),
    ("daysinmonth", DatePart::DaysInMonth),
    ("quarter", DatePart::Quarter),
    ("is_month_start", DatePart::IsMonthStart),
    ("is_month_end", DatePart::IsMonthEnd),
    ("is_quarter_start", DatePart::IsQuarterStart),
    ("is_quarter_end", DatePart::IsQuarterEnd),
    ("is_year_start", DatePart::IsYearStart),
    ("is_year_end", DatePart::IsYearEnd),
    ("days", DatePart::Days),
    ("seconds", DatePart::Seconds),
    ("microseconds", DatePart::Microseconds),
    ("nanoseconds", DatePart::Nanoseconds),
    ("total_seconds", DatePart::TotalSeconds),
];

/// The date parts read as properties (`t.when.year`).
pub(crate) const DATE_PARTS: &[(&str, DatePart)] = DT_PARTS.split_at(10).0;

/// Methods of `.dt` besides the date parts.
const DT_CALLS: [&str; 5] = ["strftime", "truncate", "floor", "ceil", "round"];

/// Reductions by name.
const REDUCTIONS: [(&str, Reduction); 14] = [
    ("sum", Reduction::Sum),
    ("min", Reduction::Min),
    ("max", Reduction::Max),
    ("mean", Reduction::Mean),
    ("var", Reduction::Var { unbiased: false }),
    ("std", Reduction::Std { unbiased: false }),
    ("any", Reduction::Any),
    ("all", Reduction::All),
    ("count", Reduction::Count),
    ("nunique", Reduction::Nunique),
    ("nelements", Reduction::Nelements),
    ("prod", Reduction::Prod),
    ("argmin", Reduction::ArgMin),
    ("argmax", Reduction::ArgMax),
];

/// Methods other than reductions.
const METHODS: [&str; 14] = [
    "sample",
    "drop_field",
    "head",
    "tail",
    "sort",
    "distinct",
    "label",
    "relabel",
    "isin",
    "like",
    "isnull",
    "notnull",
    "coerce",
    "count_values",
];

/// Methods of columns only (a table's field of the same name stays reachable as `t.rank`).
const COLUMN_METHODS: [&str; 19] = [
    "cast",
    "isnan",
    "vnorm",
    "shift",
    "lag",
    "lead",
    "cumsum",
    "cumprod",
    "cummin",
    "cummax",
    "rank",
    "median",
    "quantile",
    "coalesce",
    "truncate",
    "map",
    "apply",
    "transpose",
    "dot",
];

/// Functions called by name (besides the math functions and the reductions).
const FUNCTIONS: [&str; 12] = [
    "by",
    "distinct",
    "summary",
    "label",
    "join",
    "concat",
    "merge",
    "transform",
    "coalesce",
    "transpose",
    "dot",
    "tensordot",
];

/// Blaze's functions that are its methods written with the receiver first (`head(t, 5)` is
/// `t.head(5)`, `str_len(t.name)` is `t.name.str.len()`), and the path of members each reaches.
const METHOD_FUNCTIONS: [(&str, &[&str]); 24] = [
    ("head", &["head"]),
    ("tail", &["tail"]),
    ("sort", &["sort"]),
    ("sample", &["sample"]),
    ("shift", &["shift"]),
    ("lag", &["lag"]),
    ("lead", &["lead"]),
    ("isin", &["isin"]),
    ("like", &["like"]),
    ("cast", &["cast"]),
    ("coerce", &["coerce"]),
    ("relabel", &["relabel"]),
    ("drop_field", &["drop_field"]),
    ("apply", &["apply"]),
    ("count_values", &["count_values"]),
    ("nrows", &["nrows"]),
    ("vnorm", &["vnorm"]),
    ("notnull", &["notnull"]),
    ("isnull", &["isnull"]),
    ("str_len", &["str", "len"]),
    ("str_upper", &["str", "upper"]),
    ("str_lower", &["str", "lower"]),
    ("selection", &[]),
    ("projection", &[]),
];

/// Whether `name` after a dot on a record or table means a method or property rather than a
/// field. (Date parts and `.str` are methods of dates and strings only, so a table's `day`
/// field is reached with `t.day`.)
pub(crate) fn is_method_name(name: &str) -> bool {
    // Reductions of n-d arrays only leave a table's fields of their names reachable.
    let of_tables = REDUCTIONS.iter().any(|(n, op)| {
        *n == name && !matches!(op, Reduction::Prod | Reduction::ArgMin | Reduction::ArgMax)
    });
    name == "nrows" || METHODS.contains(&name) || of_tables
}

/// What a piece of text means once names are looked up: an expression, a plain value (an
/// argument such as a column name or a count), or something still to be called.
#[derive(Clone, Debug)]
enum Term {
    Expr(Expr),
    Value(Value),
    List(Vec<(Term, Span)>),
    Dict(Vec<((Term, Span), (Term, Span))>),
    Slice(Index),
    Function(&'static str),
    Method {
        receiver: Expr,
        name: String,
    },
    /// `x.str`, waiting for a string method or an index.
    StrMethods(Expr),
    /// `x.dt`, waiting for a date method.
    DtMethods(Expr),
}

impl Term {
    fn describe(&self) -> String {
        match self {
            Term::Expr(e) => e.to_string(),
            Term::Value(v) => v.to_string(),
            Term::List(_) => "a list".into(),
            Term::Dict(_) => "a dictionary".into(),
            Term::Slice(_) => "a slice".into(),
            Term::Function(name) => format!("the function {name}"),
            Term::Method { receiver, name } => format!("the method {receiver}.{name}"),
            Term::StrMethods(e) => format!("{e}.str"),
            Term::DtMethods(e) => format!("{e}.dt"),
        }
    }

    /// The term as an operand: an expression, or a constant.
    fn into_expr(self, span: Span) -> Result<Expr> {
        match self {
            Term::Expr(e) => Ok(e),
            Term::Value(v) => Ok(crate::build::literal(v)),
            Term::Method { receiver, name } => Err(Error::typing(format!(
                "{receiver}.{name} is a method: call it, as in {receiver}.{name}()"
            ))
            .at(span)),
            other => {
                Err(Error::typing(format!("{} is not an expression", other.describe())).at(span))
            }
        }
    }
}

struct Resolver<'a> {
    namespace: &'a Namespace,
}

impl Resolver<'_> {
    fn resolve(&self, syntax: &Syntax) -> Result<Term> {
        self.resolve_kind(syntax).map_err(|e| e.at(syntax.span))
    }

    fn expr(&self, syntax: &Syntax) -> Result<Expr> {
        self.resolve(syntax)?.into_expr(syntax.span)
    }

    fn resolve_kind(&self, syntax: &Syntax) -> Result<Term> {
        Ok(match &syntax.kind {
            SyntaxKind::Name(name) => self.name(name)?,
            SyntaxKind::Int(i) => Term::Value(Value::Int(*i)),
            SyntaxKind::Float(x) => Term::Value(Value::Float(*x)),
            SyntaxKind::Str(s) => Term::Value(Value::Str(s.clone())),
            SyntaxKind::Bool(b) => Term::Value(Value::Bool(*b)),
            SyntaxKind::None => Term::Value(Value::Null),
            SyntaxKind::List(items) | SyntaxKind::Tuple(items) => Term::List(
                items
                    .iter()
                    .map(|item| Ok((self.resolve(item)?, item.span)))
                    .collect::<Result<_>>()?,
            ),
            SyntaxKind::Dict(pairs) => Term::Dict(
                pairs
                    .iter()
                    .map(|(k, v)| Ok(((self.resolve(k)?, k.span), (self.resolve(v)?, v.span))))
                    .collect::<Result<_>>()?,
            ),
            SyntaxKind::Slice { start, stop, step } => {
                let bound = |part: &Option<Box<Syntax>>| -> Result<Option<i64>> {
                    part.as_deref().map(|p| self.int(p)).transpose()
                };
                Term::Slice(Index::Range {
                    start: bound(start)?,
                    stop: bound(stop)?,
                    step: bound(step)?,
                })
            }
            SyntaxKind::Attribute { value, name } => self.attribute(value, name)?,
            SyntaxKind::Call { func, args, kwargs } => self.call(func, args, kwargs)?,
            SyntaxKind::Subscript { value, index } => self.subscript(value, index)?,
            SyntaxKind::Unary { op, operand } => {
                let term = self.resolve(operand)?;
                match (op, term) {
                    (UnaryOperator::Pos, term) => term,
                    (UnaryOperator::Neg, Term::Value(Value::Int(i))) => Term::Value(Value::Int(
                        i.checked_neg()
                            .ok_or_else(|| Error::typing("the integer is too large"))?,
                    )),
                    (UnaryOperator::Neg, Term::Value(Value::Float(x))) => {
                        Term::Value(Value::Float(-x))
                    }
                    (op, term) => {
                        let expr = term.into_expr(operand.span)?;
                        let op = match op {
                            UnaryOperator::Neg => UnaryOp::Neg,
                            _ => UnaryOp::Not,
                        };
                        Term::Expr(expr.unary(op)?)
                    }
                }
            }
            SyntaxKind::Binary { op, lhs, rhs } => {
                let (l, r) = (self.expr(lhs)?, self.expr(rhs)?);
                Term::Expr(Expr::binary(*op, &l, &r)?)
            }
        })
    }

    fn name(&self, name: &str) -> Result<Term> {
        if let Some(expr) = self.namespace.get(name) {
            return Ok(Term::Expr(expr.clone()));
        }
        if let Some(f) = FUNCTIONS
            .iter()
            .chain(METHOD_FUNCTIONS.iter().map(|(n, _)| n))
            .chain(MATH.iter().map(|(n, _)| n))
            .chain(BINARY_FUNCTIONS.iter().map(|(n, _)| n))
            .chain(REDUCTIONS.iter().map(|(n, _)| n))
            .find(|f| **f == name)
        {
            return Ok(Term::Function(f));
        }
        let bound: Vec<&str> = self.namespace.names().collect();
        let suggestion = closest_name(name, bound.iter().copied())
            .map(|n| format!("; did you mean '{n}'?"))
            .unwrap_or_default();
        Err(Error::typing(format!(
            "unknown name '{name}'{suggestion} (bound: {})",
            if bound.is_empty() {
                "nothing".to_owned()
            } else {
                bound.join(", ")
            }
        )))
    }

    fn attribute(&self, value: &Syntax, name: &str) -> Result<Term> {
        let term = self.resolve(value)?;
        self.member(term, value.span, name)
    }

    /// `value.name` for a resolved `value` written at `span`: a field, a property, or a method
    /// still to be called.
    fn member(&self, value: Term, span: Span, name: &str) -> Result<Term> {
        let receiver = match value {
            Term::StrMethods(expr) => {
                let known = STR.iter().map(|(n, _)| *n).chain(STR_CALLS);
                return namespace_method(expr, "str", name, known, "string");
            }
            Term::DtMethods(expr) => {
                let known = DT_PARTS.iter().map(|(n, _)| *n).chain(DT_CALLS);
                return namespace_method(expr, "dt", name, known, "date");
            }
            term => term.into_expr(span)?,
        };
        // Methods depend on the type, as in the original: `.str` and the date parts are there
        // for strings and dates only.
        if name == "str" && record_of(receiver.dshape()).is_none() {
            if !is_string(receiver.dshape()) {
                return Err(Error::typing(format!(
                    ".str methods need strings, and {receiver} is {}",
                    receiver.dshape()
                )));
            }
            return Ok(Term::StrMethods(receiver));
        }
        if name == "dt" && record_of(receiver.dshape()).is_none() {
            if !is_datelike(receiver.dshape()) && !is_timedelta(receiver.dshape()) {
                return Err(Error::typing(format!(
                    ".dt methods need dates, datetimes or timedeltas, and {receiver} is {}",
                    receiver.dshape()
                )));
            }
            return Ok(Term::DtMethods(receiver));
        }
        if name == "T" && record_of(receiver.dshape()).is_none() {
            return Ok(Term::Expr(receiver.transpose(Vec::new())?));
        }
        // Properties of the datashape, as Blaze's `expr.ndim` and `expr.shape` are Python
        // values: `ndim` is a number, `shape` is printed by `blaze discover`.
        if name == "ndim" && !receiver.fields().contains(&"ndim") {
            let ndim = receiver.dshape().dims().len() as i64;
            return Ok(Term::Expr(crate::build::literal(Value::Int(ndim))));
        }
        if name == "shape" && !receiver.fields().contains(&"shape") {
            return Err(Error::typing(format!(
                "{receiver}.shape is not an expression: {receiver} is {} (its dimensions are its \
                 shape; `blaze discover` prints it, and .nrows counts its rows)",
                receiver.dshape()
            )));
        }
        if name == "nrows" {
            // Blaze's `nrows(x)` is `nelements(x, axis=0)`: of an n-d array, an array.
            return Ok(Term::Expr(if receiver.dshape().dims().len() > 1 {
                receiver.reduce_axes(Reduction::Nelements, vec![0], false)?
            } else {
                receiver.reduce(Reduction::Nelements)?
            }));
        }
        // A property of numbers, as in Blaze.
        if name == "utcfromtimestamp" && is_numeric(receiver.dshape()) {
            return Ok(Term::Expr(receiver.unary(UnaryOp::FromTimestamp)?));
        }
        if let Some((_, part)) = DATE_PARTS.iter().find(|(n, _)| *n == name)
            && record_of(receiver.dshape()).is_none()
        {
            return Ok(Term::Expr(receiver.unary(UnaryOp::DatePart(*part))?));
        }
        let of_columns =
            COLUMN_METHODS.contains(&name) || REDUCTIONS.iter().any(|(n, _)| *n == name);
        if is_method_name(name) || (of_columns && record_of(receiver.dshape()).is_none()) {
            return Ok(Term::Method {
                receiver,
                name: name.to_owned(),
            });
        }
        if record_of(receiver.dshape()).is_none() {
            let known = METHODS
                .iter()
                .chain(&COLUMN_METHODS)
                .chain(REDUCTIONS.iter().map(|(n, _)| n))
                .copied();
            let suggestion = closest_name(name, known)
                .map(|n| format!("; did you mean '{n}'?"))
                .unwrap_or_default();
            return Err(Error::typing(format!(
                "{receiver} ({}) has no method or field '{name}'{suggestion}",
                receiver.dshape()
            )));
        }
        Ok(Term::Expr(receiver.field(name)?))
    }

    fn subscript(&self, value: &Syntax, index: &Syntax) -> Result<Term> {
        /// A list of integers, slices, `None`s (new axes) and lists of integers, as in
        /// `x[10:20, ::2]` or `x[:, [0, 2]]`: indices of several axes.
        fn positions(items: &[(Term, Span)]) -> Option<Vec<AxisIndex>> {
            let indices: Option<Vec<AxisIndex>> = items
                .iter()
                .map(|(item, _)| match item {
                    Term::Value(Value::Int(i)) => Some(AxisIndex::Index(Index::At(*i))),
                    Term::Slice(range) => Some(AxisIndex::Index(*range)),
                    Term::Value(Value::Null) => Some(AxisIndex::NewAxis),
                    Term::List(inner) => inner
                        .iter()
                        .map(|(item, _)| match item {
                            Term::Value(Value::Int(i)) => Some(*i),
                            _ => None,
                        })
                        .collect::<Option<Vec<_>>>()
                        .map(AxisIndex::Take),
                    _ => None,
                })
                .collect();
            indices.filter(|i| !i.is_empty())
        }
        let receiver = match self.resolve(value)? {
            Term::StrMethods(strings) => {
                let position = match self.resolve(index)? {
                    Term::Value(Value::Int(i)) => Index::At(i),
                    Term::Slice(range) => range,
                    other => {
                        return Err(Error::typing(format!(
                            "{strings}.str[...] takes a position or a slice, not {}",
                            other.describe()
                        ))
                        .at(index.span));
                    }
                };
                return strings
                    .func(Func::Substring(position))
                    .map(Term::Expr)
                    .map_err(|e| e.at(index.span));
            }
            term => term.into_expr(value.span)?,
        };
        let term = self.resolve(index)?;
        let result = match term {
            Term::Value(Value::Str(name)) => receiver.field(&name),
            Term::Value(Value::Int(i)) => receiver.slice(Index::At(i)),
            Term::Slice(range) => receiver.slice(range),
            Term::Value(Value::Null) => receiver.slice_axes(vec![AxisIndex::NewAxis]),
            // `x[[0, 2]]`, a list (not a tuple) of positions, is numpy's fancy indexing.
            // An empty list picks no rows of an array, as numpy's `x[[]]` (of a table it
            // would be a projection of no fields).
            Term::List(items)
                if matches!(index.kind, SyntaxKind::List(_))
                    && (items
                        .iter()
                        .any(|(item, _)| matches!(item, Term::Value(Value::Int(_))))
                        || items.is_empty() && receiver.fields().is_empty()) =>
            {
                let picked = items
                    .iter()
                    .map(|(item, span)| match item {
                        Term::Value(Value::Int(i)) => Ok(*i),
                        other => Err(Error::typing(format!(
                            "a list of positions holds integers, not {}",
                            other.describe()
                        ))
                        .at(*span)),
                    })
                    .collect::<Result<Vec<_>>>()?;
                receiver.take(picked)
            }
            Term::List(items) if positions(&items).is_some() => {
                receiver.slice_axes(positions(&items).unwrap_or_default())
            }
            Term::List(items) => {
                // `x[1:3, [8, 'a']]`: positions that are not all integers.
                if let Some((_, span)) = items.iter().find(|(i, _)| matches!(i, Term::List(_))) {
                    return Err(Error::typing("a list of positions holds integers").at(*span));
                }
                let names = items
                    .into_iter()
                    .map(|(item, span)| match item {
                        Term::Value(Value::Str(s)) => Ok(s),
                        other => Err(Error::typing(format!(
                            "a list in [...] names fields, and {} is not a field name",
                            other.describe()
                        ))
                        .at(span)),
                    })
                    .collect::<Result<Vec<_>>>()?;
                receiver.project(&names)
            }
            Term::Expr(predicate) => receiver.select(&predicate),
            other => Err(Error::typing(format!(
                "not understood: {receiver}[{}]; index with a field name, a list of names, a boolean expression, a position or a slice",
                other.describe()
            ))),
        };
        result.map(Term::Expr).map_err(|e| e.at(index.span))
    }

    fn call(&self, func: &Syntax, args: &[Syntax], kwargs: &[(String, Syntax)]) -> Result<Term> {
        let call = Call {
            resolver: self,
            args,
            kwargs,
        };
        match self.resolve(func)? {
            Term::Method { receiver, name } => self.method(&receiver, &name, call),
            Term::Function(name) => self.function(name, call),
            other => match &func.kind {
                // `t.nrows()`, `t.when.year()`: a property, written as a call.
                SyntaxKind::Attribute { value, name } if matches!(other, Term::Expr(_)) => {
                    Err(Error::typing(format!(
                        "{name} is not a method: write {}.{name}, without ()",
                        self.resolve(value)?.describe()
                    )))
                }
                _ => Err(Error::typing(format!(
                    "{} cannot be called",
                    other.describe()
                ))),
            },
        }
    }

    fn method(&self, receiver: &Expr, name: &str, call: Call<'_, '_>) -> Result<Term> {
        if let Some(str_method) = name.strip_prefix("str.") {
            return str_method_call(receiver, str_method, call).map(Term::Expr);
        }
        if let Some(dt_method) = name.strip_prefix("dt.") {
            if let Some((_, part)) = DT_PARTS.iter().find(|(n, _)| *n == dt_method) {
                call.bind(name, &[])?;
                return Ok(Term::Expr(receiver.unary(UnaryOp::DatePart(*part))?));
            }
            if dt_method == "strftime" {
                let [format] = call.bind(name, &["format"])?;
                let format = required(format, name, "format")?.string("a format string")?;
                return Ok(Term::Expr(receiver.func(Func::Strftime { format })?));
            }
            let mode = match dt_method {
                "floor" => RoundMode::Floor,
                "ceil" => RoundMode::Ceil,
                "round" => RoundMode::Round,
                _ => return truncate(receiver, call).map(Term::Expr),
            };
            let [freq] = call.bind(name, &["freq"])?;
            let freq = required(freq, name, "freq")?.string("a frequency such as '10min'")?;
            let micros = parse_frequency(&freq)?;
            return Ok(Term::Expr(receiver.func(Func::RoundTime { mode, micros })?));
        }
        if let Some((_, op)) = REDUCTIONS.iter().find(|(n, _)| *n == name) {
            return reduction(receiver, *op, name, call);
        }
        let expr = match name {
            "head" | "tail" => {
                let [n] = call.bind(name, &["n"])?;
                let n = n.map(|n| n.count(name)).transpose()?.unwrap_or(10);
                if name == "head" {
                    receiver.head(n)?
                } else {
                    receiver.tail(n)?
                }
            }
            "sort" => {
                let [key, ascending] = call.bind(name, &["key", "ascending"])?;
                let keys = match key {
                    None => vec![],
                    Some(key) => key.sort_keys(receiver)?,
                };
                let ascending = match ascending {
                    None => true,
                    Some(a) => a.boolean("ascending must be True or False")?,
                };
                receiver.sort(keys, ascending)?
            }
            "distinct" => {
                let on = call.variadic_names(name)?;
                receiver.distinct(on)?
            }
            "drop_field" => {
                let dropped = call.variadic_names(name)?;
                for field in &dropped {
                    // An unknown name gets the error (and the did-you-mean) of `t.name`.
                    receiver.field(field)?;
                }
                let kept: Vec<String> = receiver
                    .fields()
                    .into_iter()
                    .filter(|f| !dropped.iter().any(|d| d == f))
                    .map(str::to_owned)
                    .collect();
                receiver.project(&kept)?
            }
            "isnan" => {
                call.bind(name, &[])?;
                receiver.unary(UnaryOp::Math(MathFn::IsNan))?
            }
            "vnorm" => {
                let [ord, axis, keepdims] = call.bind(name, &["ord", "axis", "keepdims"])?;
                let ord = match ord {
                    None => Norm::Power(2.0),
                    Some(ord) => Norm::from_arg(ord)?,
                };
                let (axes, keepdims) = axes_and_keepdims(axis, keepdims)?;
                ord.of(receiver, axes, keepdims)?
            }
            "label" => {
                let [label] = call.bind(name, &["label"])?;
                receiver.label(&required(label, name, "label")?.string("a label")?)
            }
            "relabel" => receiver.relabel(call.relabels()?)?,
            "isin" => {
                let [values] = call.bind(name, &["values"])?;
                let values = required(values, name, "values")?;
                if matches!(values.term, Term::List(_)) {
                    receiver.isin(values.values()?)?
                } else {
                    let span = values.span;
                    receiver
                        .isin_column(&values.expr()?)
                        .map_err(|e| e.at(span))?
                }
            }
            "like" => {
                let [pattern] = call.bind(name, &["pattern"])?;
                receiver.like(&required(pattern, name, "pattern")?.string("a pattern")?)?
            }
            "isnull" | "notnull" => {
                call.bind(name, &[])?;
                receiver.unary(if name == "isnull" {
                    UnaryOp::IsNull
                } else {
                    UnaryOp::NotNull
                })?
            }
            "coerce" => {
                let [to] = call.bind(name, &["to"])?;
                let text = required(to, name, "to")?.string("a datashape")?;
                let to = blaze_datashape::parse(&text)
                    .map_err(|e| Error::typing(format!("coerce to '{text}': {e}")))?;
                receiver.coerce(to)?
            }
            "count_values" => {
                let [sort] = call.bind(name, &["sort"])?;
                let sort = match sort {
                    None => true,
                    Some(s) => s.boolean("sort must be True or False")?,
                };
                let counts = by(
                    receiver,
                    vec![("count".to_owned(), receiver.reduce(Reduction::Count)?)],
                )?;
                if sort {
                    let key = counts.field("count")?;
                    counts.sort(vec![key], false)?
                } else {
                    counts
                }
            }
            "sample" => {
                let [n, frac] = call.bind(name, &["n", "frac"])?;
                let size = match (n, frac) {
                    (Some(n), None) => SampleSize::Rows(n.count(name)?),
                    (None, Some(frac)) => SampleSize::Fraction(frac.number("a fraction")?),
                    _ => {
                        return Err(Error::typing(
                            "sample takes exactly one of n (a count of rows) and frac (a fraction of them)",
                        ));
                    }
                };
                receiver.sample(size)?
            }
            "cast" => {
                let [to] = call.bind(name, &["to"])?;
                let text = required(to, name, "to")?.string("a datashape")?;
                let to = blaze_datashape::parse(&text)
                    .map_err(|e| Error::typing(format!("cast to '{text}': {e}")))?;
                receiver.cast(to)?
            }
            "coalesce" => {
                let [other] = call.bind(name, &["other"])?;
                coalesce(receiver, &required(other, name, "other")?.expr()?)?
            }
            "median" => {
                call.bind(name, &[])?;
                receiver.reduce(Reduction::Median)?
            }
            "quantile" => {
                let [q] = call.bind(name, &["q"])?;
                let span = q.as_ref().map(|q| q.span);
                let q = required(q, name, "q")?.number("a fraction")?;
                if !(0.0..=1.0).contains(&q) {
                    return Err(Error::typing(format!(
                        "quantile's q is a fraction between 0 and 1, not {q}"
                    ))
                    .at(span.expect("given")));
                }
                receiver.reduce(Reduction::Quantile { q })?
            }
            // Along an axis of an n-d array, numpy's; else a window function of a column.
            "cumsum" | "cumprod"
                if name == "cumprod"
                    || call.has_keyword("axis")
                    || receiver.dshape().dims().len() > 1 =>
            {
                let [axis] = call.bind(name, &["axis"])?;
                let axis = match axis {
                    Some(axis) => Some(axis.integer("an axis")?),
                    // Along the one axis there is.
                    None if receiver.dshape().dims().len() == 1 => Some(0),
                    None => None,
                };
                receiver.cumulative(axis, name == "cumprod")?
            }
            // SQL's `lag(n)` is `shift(n)`, the value n rows back; `lead(n)` is `shift(-n)`.
            "shift" | "lag" | "lead" | "cumsum" | "cummin" | "cummax" => {
                let (func, by_arg) = if matches!(name, "shift" | "lag" | "lead") {
                    let [n, by_arg] = call.bind(name, &["n", "by"])?;
                    let n = match n {
                        None => 1,
                        Some(n) => n.integer("a number of rows")?,
                    };
                    let n = if name == "lead" { n.wrapping_neg() } else { n };
                    (WindowFn::Shift(n), by_arg)
                } else {
                    let [by_arg] = call.bind(name, &["by"])?;
                    let func = match name {
                        "cumsum" => WindowFn::CumSum,
                        "cummin" => WindowFn::CumMin,
                        _ => WindowFn::CumMax,
                    };
                    (func, by_arg)
                };
                let by = by_arg.map(|b| b.exprs()).transpose()?.unwrap_or_default();
                receiver.window(func, by)?
            }
            "truncate" => truncate(receiver, call)?,
            "transpose" => {
                let [axes] = call.bind(name, &["axes"])?;
                let axes = axes.map(Arg::axes).transpose()?.unwrap_or_default();
                receiver.transpose(axes)?
            }
            "dot" => {
                let [other] = call.bind(name, &["other"])?;
                receiver.dot(&required(other, name, "other")?.expr()?)?
            }
            "map" => {
                let [func, schema, label] = call.bind(name, &["func", "schema", "name"])?;
                let func = required(func, name, "func")?.string("the name of a function")?;
                let mapped = checked_schema(map_by_name(receiver, &func)?, schema, &func)?;
                match label {
                    None => mapped,
                    Some(label) => mapped.label(&label.string("a name")?),
                }
            }
            "apply" => {
                let [func, dshape] = call.bind(name, &["func", "dshape"])?;
                let func = required(func, name, "func")?.string("the name of a reduction")?;
                let Some((_, op)) = REDUCTIONS.iter().find(|(n, _)| *n == func) else {
                    let known: Vec<&str> = REDUCTIONS.iter().map(|(n, _)| *n).collect();
                    return Err(Error::typing(format!(
                        "apply takes the name of a reduction ({}), not '{func}'; Python functions cannot run here",
                        known.join(", ")
                    )));
                };
                checked_schema(receiver.reduce(*op)?, dshape, &func)?
            }
            "rank" => {
                let [ascending, method, by_arg] =
                    call.bind(name, &["ascending", "method", "by"])?;
                let ascending = match ascending {
                    None => true,
                    Some(a) => a.boolean("ascending must be True or False")?,
                };
                let method = match method {
                    None => RankMethod::Min,
                    Some(m) => {
                        let span = m.span;
                        let text = m.string("a rank method")?;
                        RankMethod::from_name(&text).ok_or_else(|| {
                            Error::typing(format!(
                                "rank's method is one of 'min', 'dense', 'first', not '{text}'"
                            ))
                            .at(span)
                        })?
                    }
                };
                let by = by_arg.map(|b| b.exprs()).transpose()?.unwrap_or_default();
                receiver.window(WindowFn::Rank { ascending, method }, by)?
            }
            _ => unreachable!("every method name is handled"),
        };
        Ok(Term::Expr(expr))
    }

    fn function(&self, name: &str, call: Call<'_, '_>) -> Result<Term> {
        if let Some((_, f)) = MATH.iter().find(|(n, _)| *n == name) {
            let [x] = call.bind(name, &["x"])?;
            let x = required(x, name, "x")?.expr()?;
            return Ok(Term::Expr(x.unary(UnaryOp::Math(*f))?));
        }
        if let Some((_, op)) = BINARY_FUNCTIONS.iter().find(|(n, _)| *n == name) {
            let [lhs, rhs] = call.bind(name, &["x", "y"])?;
            let lhs = required(lhs, name, "x")?.expr()?;
            let rhs = required(rhs, name, "y")?.expr()?;
            return Ok(Term::Expr(Expr::binary(*op, &lhs, &rhs)?));
        }
        if let Some((_, op)) = REDUCTIONS.iter().find(|(n, _)| *n == name) {
            let (first, rest) = call.split_first(name)?;
            return reduction(&first, *op, name, rest);
        }
        if let Some((_, path)) = METHOD_FUNCTIONS.iter().find(|(n, _)| *n == name) {
            return self.method_function(name, path, call);
        }
        match name {
            "distinct" => {
                let (table, rest) = call.split_first(name)?;
                Ok(Term::Expr(table.distinct(rest.variadic_names(name)?)?))
            }
            "label" => {
                let [expr, label] = call.bind(name, &["expr", "label"])?;
                let expr = required(expr, name, "expr")?.expr()?;
                Ok(Term::Expr(expr.label(
                    &required(label, name, "label")?.string("a label")?,
                )))
            }
            "by" => {
                let (grouper, rest) = call.split_first(name)?;
                let values = match rest.args {
                    [] => rest.named_exprs(name)?,
                    [summary] => rest.summary_values(summary)?,
                    _ => {
                        return Err(Error::typing(format!(
                            "by takes 2 positional arguments but {} were given",
                            call.args.len()
                        )));
                    }
                };
                Ok(Term::Expr(by(&grouper, values)?))
            }
            "summary" => {
                if !call.args.is_empty() {
                    return Err(Error::typing(
                        "summary takes named reductions only, as in summary(total=t.amount.sum())",
                    ));
                }
                let values = call.named_exprs(name)?;
                let table = values
                    .iter()
                    .find_map(|(_, v)| first_reduced(v))
                    .ok_or_else(|| {
                        Error::typing(
                            "summary needs reductions, as in summary(total=t.amount.sum())",
                        )
                    })?
                    .rows()
                    .clone();
                Ok(Term::Expr(table.summary(values)?))
            }
            "join" => {
                let [lhs, rhs, on_left, on_right, how, suffixes] = call.bind(
                    name,
                    &["lhs", "rhs", "on_left", "on_right", "how", "suffixes"],
                )?;
                let lhs = required(lhs, name, "lhs")?.expr()?;
                let rhs = required(rhs, name, "rhs")?.expr()?;
                let how = match how {
                    None => None,
                    Some(how) => {
                        let span = how.span;
                        Some(
                            JoinKind::from_name(&how.string("a join kind")?)
                                .map_err(|e| e.at(span))?,
                        )
                    }
                };
                let suffixes = match suffixes {
                    None => None,
                    Some(s) => {
                        let span = s.span;
                        let [left, right]: [String; 2] =
                            s.strings("suffixes")?.try_into().map_err(|_| {
                                Error::typing("suffixes are two strings, as in ('_x', '_y')")
                                    .at(span)
                            })?;
                        Some([left, right])
                    }
                };
                let spec = JoinSpec {
                    on_left: on_left.map(Arg::names).transpose()?.unwrap_or_default(),
                    on_right: on_right.map(Arg::names).transpose()?.unwrap_or_default(),
                    how,
                    suffixes,
                };
                Ok(Term::Expr(join(&lhs, &rhs, spec)?))
            }
            "transpose" => {
                let [x, axes] = call.bind(name, &["x", "axes"])?;
                let axes = axes.map(Arg::axes).transpose()?.unwrap_or_default();
                Ok(Term::Expr(required(x, name, "x")?.expr()?.transpose(axes)?))
            }
            "dot" => {
                let [lhs, rhs] = call.bind(name, &["lhs", "rhs"])?;
                let lhs = required(lhs, name, "lhs")?.expr()?;
                Ok(Term::Expr(lhs.dot(&required(rhs, name, "rhs")?.expr()?)?))
            }
            "tensordot" => {
                let [lhs, rhs, axes] = call.bind(name, &["lhs", "rhs", "axes"])?;
                let lhs = required(lhs, name, "lhs")?.expr()?;
                let rhs = required(rhs, name, "rhs")?.expr()?;
                let (left, right) = match axes {
                    None => last_and_first(&lhs, &rhs, 2)?,
                    Some(axes) => axes.axis_pairs(&lhs, &rhs)?,
                };
                Ok(Term::Expr(lhs.tensordot(&rhs, left, right)?))
            }
            "concat" => {
                let [lhs, rhs, axis] = call.bind(name, &["lhs", "rhs", "axis"])?;
                check_rows_axis(axis)?;
                let lhs = required(lhs, name, "lhs")?.expr()?;
                let rhs = required(rhs, name, "rhs")?.expr()?;
                Ok(Term::Expr(concat(&lhs, &rhs)?))
            }
            "coalesce" => {
                let [lhs, rhs] = call.bind(name, &["lhs", "rhs"])?;
                let lhs = required(lhs, name, "lhs")?.expr()?;
                let rhs = required(rhs, name, "rhs")?.expr()?;
                Ok(Term::Expr(coalesce(&lhs, &rhs)?))
            }
            "merge" => {
                let mut columns = call
                    .args
                    .iter()
                    .map(|syntax| call.arg(syntax)?.expr())
                    .collect::<Result<Vec<_>>>()?;
                for (label, syntax) in call.kwargs {
                    columns.push(call.arg(syntax)?.expr()?.label(label));
                }
                Ok(Term::Expr(merge(columns)?))
            }
            "transform" => {
                let (table, rest) = call.split_first(name)?;
                let (replace, columns) = rest.flag_and_named_exprs(name, "replace", true)?;
                Ok(Term::Expr(transform(&table, columns, replace)?))
            }
            _ => unreachable!("every function name is handled"),
        }
    }

    /// `name(x, ...)`, one of [`METHOD_FUNCTIONS`]: `x`'s members along `path`, called with the
    /// rest of the arguments (`selection(t, predicate)` and `projection(t, fields)` are `t[...]`).
    fn method_function(&self, name: &str, path: &[&str], call: Call<'_, '_>) -> Result<Term> {
        let span = call.args.first().map(|a| a.span);
        let (receiver, rest) = call.split_first(name)?;
        if name == "selection" {
            let [predicate] = rest.bind(name, &["predicate"])?;
            let predicate = required(predicate, name, "predicate")?.expr()?;
            return receiver.select(&predicate).map(Term::Expr);
        }
        if name == "projection" {
            let [fields] = rest.bind(name, &["fields"])?;
            let fields = required(fields, name, "fields")?.names()?;
            return receiver.project(&fields).map(Term::Expr);
        }
        let mut term = Term::Expr(receiver);
        for member in path {
            term = self.member(term, span.unwrap_or_default(), member)?;
        }
        match term {
            Term::Method { receiver, name } => self.method(&receiver, &name, rest),
            property => {
                rest.bind(name, &[])?;
                Ok(property)
            }
        }
    }

    fn int(&self, syntax: &Syntax) -> Result<i64> {
        match self.resolve(syntax)? {
            Term::Value(Value::Int(i)) => Ok(i),
            other => Err(
                Error::typing(format!("expected an integer, found {}", other.describe()))
                    .at(syntax.span),
            ),
        }
    }
}

/// `receiver.sum()`, `sum(receiver)`, `receiver.var(unbiased=True)`: the reduction, with the
/// original's `axis` and `keepdims` accepted at their defaults.
fn reduction(receiver: &Expr, op: Reduction, name: &str, call: Call<'_, '_>) -> Result<Term> {
    let (op, axis, keepdims) = match op {
        Reduction::Var { .. } | Reduction::Std { .. } => {
            let [unbiased, axis, keepdims] = call.bind(name, &["unbiased", "axis", "keepdims"])?;
            let unbiased = match unbiased {
                None => false,
                Some(u) => u.boolean("unbiased must be True or False")?,
            };
            let op = if matches!(op, Reduction::Var { .. }) {
                Reduction::Var { unbiased }
            } else {
                Reduction::Std { unbiased }
            };
            (op, axis, keepdims)
        }
        _ => {
            let [axis, keepdims] = call.bind(name, &["axis", "keepdims"])?;
            (op, axis, keepdims)
        }
    };
    let (axes, keepdims) = axes_and_keepdims(axis, keepdims)?;
    Ok(Term::Expr(receiver.reduce_axes(op, axes, keepdims)?))
}

/// Which vector norm `vnorm` computes (`ord=`), as Blaze defines it: the largest or smallest
/// magnitude for `inf`/`-inf`, else `sum(abs(x) ** p) ** (1 / p)`.
enum Norm {
    Largest,
    Smallest,
    Power(f64),
}

impl Norm {
    /// `ord=2`, `ord=1`, `ord='inf'`, `ord='-inf'` or `ord='fro'` (2, for a vector).
    fn from_arg(ord: Arg) -> Result<Norm> {
        let span = ord.span;
        let bad = |what: String| {
            Error::typing(format!(
                "vnorm's ord is a number, 'inf', '-inf' or 'fro', not {what}"
            ))
            .at(span)
        };
        match ord.term {
            Term::Value(Value::Str(s)) => match s.as_str() {
                "inf" => Ok(Norm::Largest),
                "-inf" => Ok(Norm::Smallest),
                "fro" => Ok(Norm::Power(2.0)),
                _ => Err(bad(format!("'{s}'"))),
            },
            Term::Value(Value::Int(0)) => Err(bad("0".into())),
            Term::Value(Value::Int(p)) => Ok(Norm::Power(p as f64)),
            Term::Value(Value::Float(p)) if p.is_finite() && p != 0.0 => Ok(Norm::Power(p)),
            other => Err(bad(other.describe())),
        }
    }

    /// The norm of `x` along `axes` (all when empty), built from reductions and arithmetic as
    /// Blaze builds it.
    fn of(&self, x: &Expr, axes: Vec<i64>, keepdims: bool) -> Result<Expr> {
        let magnitude = x.unary(UnaryOp::Math(MathFn::Abs))?;
        match *self {
            Norm::Largest => magnitude.reduce_axes(Reduction::Max, axes, keepdims),
            Norm::Smallest => magnitude.reduce_axes(Reduction::Min, axes, keepdims),
            Norm::Power(p) => {
                let literal = |v: f64| crate::build::literal(Value::Float(v));
                // Even powers need no abs (as Blaze writes them: `sum(x ** 2) ** 0.5`).
                let base = if p.fract() == 0.0 && p % 2.0 == 0.0 {
                    x.clone()
                } else {
                    magnitude
                };
                let powered = if p == 1.0 {
                    base
                } else {
                    Expr::binary(BinaryOp::Pow, &base, &literal(p))?
                };
                let summed = powered.reduce_axes(Reduction::Sum, axes, keepdims)?;
                if p == 1.0 {
                    Ok(summed)
                } else {
                    Expr::binary(BinaryOp::Pow, &summed, &literal(1.0 / p))
                }
            }
        }
    }
}

/// The last `n` axes of `lhs` and the first `n` of `rhs`, paired in order (`tensordot`'s
/// `axes=n`).
fn last_and_first(lhs: &Expr, rhs: &Expr, n: i64) -> Result<(Vec<i64>, Vec<i64>)> {
    let l = lhs.dshape().dims().len() as i64;
    if n < 0 || n > l || n > rhs.dshape().dims().len() as i64 {
        return Err(Error::typing(format!(
            "tensordot: cannot pair {n} axes of {lhs} and {rhs}"
        )));
    }
    Ok(((l - n..l).collect(), (0..n).collect()))
}

/// A reduction's `axis=` (none, one, or a tuple of them) and `keepdims=`.
fn axes_and_keepdims(axis: Option<Arg>, keepdims: Option<Arg>) -> Result<(Vec<i64>, bool)> {
    let axes = match axis {
        None => Vec::new(),
        Some(axis) => axis.axes()?,
    };
    let keepdims = match keepdims {
        None => false,
        Some(k) => k.boolean("keepdims must be True or False")?,
    };
    Ok((axes, keepdims))
}

/// The method `name` of the namespace `x.str` or `x.dt`, waiting for its call; an error
/// listing the `known` ones if there is none of that name.
fn namespace_method<'a>(
    receiver: Expr,
    namespace: &str,
    name: &str,
    known: impl Iterator<Item = &'a str>,
    what: &str,
) -> Result<Term> {
    let known: Vec<&str> = known.collect();
    if !known.contains(&name) {
        return Err(Error::typing(format!(
            "'{name}' is not a {what} method (known: {})",
            known.join(", ")
        )));
    }
    Ok(Term::Method {
        receiver,
        name: format!("{namespace}.{name}"),
    })
}

/// A string method of `.str` called with its arguments: `x.str.upper()`, `x.str.find('a')`.
fn str_method_call(receiver: &Expr, method: &str, call: Call<'_, '_>) -> Result<Expr> {
    let name = format!("str.{method}");
    let name = name.as_str();
    if let Some((_, f)) = STR.iter().find(|(n, _)| *n == method) {
        call.bind(name, &[])?;
        return receiver.unary(UnaryOp::Str(*f));
    }
    let func = match method {
        "find" => {
            let [sub] = call.bind(name, &["sub"])?;
            Func::Find {
                sub: required(sub, name, "sub")?.string("the text to find")?,
            }
        }
        "replace" => {
            let [old, new, max] = call.bind(name, &["old", "new", "max"])?;
            let max = match max {
                None => None,
                Some(max) => match max.integer("a count of replacements")? {
                    n if n < 0 => None,
                    n => Some(n as u64),
                },
            };
            Func::Replace {
                old: required(old, name, "old")?.string("the text to replace")?,
                new: required(new, name, "new")?.string("the replacement text")?,
                max,
            }
        }
        "pad" => {
            let [width, side, fillchar] = call.bind(name, &["width", "side", "fillchar"])?;
            let width = required(width, name, "width")?.count(name)?;
            let side = match side {
                None => PadSide::Left,
                Some(side) => PadSide::from_name(&side.string("'left', 'right' or 'both'")?)?,
            };
            let fillchar = match fillchar {
                None => ' ',
                Some(fill) => {
                    let span = fill.span;
                    let text = fill.string("one character")?;
                    let mut chars = text.chars();
                    match (chars.next(), chars.next()) {
                        (Some(c), None) => c,
                        _ => {
                            return Err(Error::typing(format!(
                                "pad's fillchar is one character, not '{text}'"
                            ))
                            .at(span));
                        }
                    }
                }
            };
            Func::Pad {
                width,
                side,
                fillchar,
            }
        }
        "like" => {
            let [pattern] = call.bind(name, &["pattern"])?;
            return receiver.like(&required(pattern, name, "pattern")?.string("a pattern")?);
        }
        "slice_replace" => {
            let [start, stop, repl] = call.bind(name, &["start", "stop", "repl"])?;
            let position = |arg: Option<Arg>| -> Result<Option<i64>> {
                match arg {
                    None => Ok(None),
                    Some(Arg {
                        term: Term::Value(Value::Null),
                        ..
                    }) => Ok(None),
                    Some(arg) => arg.integer("a position").map(Some),
                }
            };
            Func::SliceReplace {
                start: position(start)?,
                stop: position(stop)?,
                repl: match repl {
                    None => String::new(),
                    Some(repl) => repl.string("the replacement text")?,
                },
            }
        }
        _ => {
            let [other, sep] = call.bind(name, &["others", "sep"])?;
            let other = required(other, name, "others")?.expr()?;
            let sep = match sep {
                None => String::new(),
                Some(sep) => sep.string("a separator")?,
            };
            return receiver.str_cat(&other, &sep);
        }
    };
    receiver.func(func)
}

/// `x.truncate(10, 'minutes')`, `x.truncate(minutes=10)`; of numbers, `x.truncate(10)` is
/// `x // 10 * 10`, as in Blaze.
fn truncate(receiver: &Expr, call: Call<'_, '_>) -> Result<Expr> {
    if is_numeric(receiver.dshape()) && !is_datelike(receiver.dshape()) {
        let [measure] = call.bind("truncate", &["measure"])?;
        let measure = required(measure, "truncate", "measure")?.expr()?;
        let floored = Expr::binary(BinaryOp::FloorDiv, receiver, &measure)?;
        return Expr::binary(BinaryOp::Mul, &floored, &measure);
    }
    let (measure, unit) = match (call.args, call.kwargs) {
        ([], [(unit, measure)]) => (call.arg(measure)?, DateUnit::from_name(unit)?),
        _ => {
            let [measure, unit] = call.bind("truncate", &["measure", "unit"])?;
            let unit = required(unit, "truncate", "unit")?.string("a unit of time")?;
            (
                required(measure, "truncate", "measure")?,
                DateUnit::from_name(&unit)?,
            )
        }
    };
    let measure = measure.count("truncate")?;
    receiver.func(Func::Truncate { measure, unit })
}

/// `x.map('sqrt')`: the element-wise built-in function of that name (a math function, a
/// string method or a date part), as Blaze's `map` with a function.
fn map_by_name(receiver: &Expr, func: &str) -> Result<Expr> {
    if let Some((_, f)) = MATH.iter().find(|(n, _)| *n == func) {
        return receiver.unary(UnaryOp::Math(*f));
    }
    if let Some((_, f)) = STR.iter().find(|(n, _)| *n == func) {
        return receiver.unary(UnaryOp::Str(*f));
    }
    if let Some((_, part)) = DT_PARTS.iter().find(|(n, _)| *n == func) {
        return receiver.unary(UnaryOp::DatePart(*part));
    }
    Err(Error::typing(format!(
        "map takes the name of a built-in function of one value (a math function such as 'sqrt', a string method such as 'upper', a date part such as 'year'), not '{func}'; Python functions cannot run here"
    )))
}

/// `expr`, checked to have the element type a `map`'s schema or an `apply`'s dshape claims.
fn checked_schema(expr: Expr, claimed: Option<Arg>, func: &str) -> Result<Expr> {
    let Some(claimed) = claimed else {
        return Ok(expr);
    };
    let span = claimed.span;
    let text = claimed.string("a datashape")?;
    let claimed = blaze_datashape::parse(&text)
        .map_err(|e| Error::typing(format!("datashape '{text}': {e}")).at(span))?;
    let actual = DataShape::scalar(expr.dshape().measure().clone());
    if claimed != actual && &claimed != expr.dshape() {
        return Err(Error::typing(format!("'{func}' gives {actual}, not {claimed}")).at(span));
    }
    Ok(expr)
}

/// `concat`'s axis: rows only.
fn check_rows_axis(axis: Option<Arg>) -> Result<()> {
    if let Some(axis) = axis
        && !matches!(axis.term, Term::Value(Value::Null | Value::Int(0)))
    {
        return Err(Error::typing("concat joins rows: axis 0 only").at(axis.span));
    }
    Ok(())
}

/// The first collection reduced inside `expr`.
fn first_reduced(expr: &Expr) -> Option<&Expr> {
    match expr.op() {
        Op::Reduction { child, .. } => Some(child),
        _ => expr.children().into_iter().find_map(first_reduced),
    }
}

fn required(arg: Option<Arg>, function: &str, parameter: &str) -> Result<Arg> {
    arg.ok_or_else(|| Error::typing(format!("{function} needs the argument '{parameter}'")))
}

/// The arguments of a call, not yet resolved.
struct Call<'r, 's> {
    resolver: &'r Resolver<'r>,
    args: &'s [Syntax],
    kwargs: &'s [(String, Syntax)],
}

/// One resolved argument and where it was written.
struct Arg {
    term: Term,
    span: Span,
}

impl Call<'_, '_> {
    fn arg(&self, syntax: &Syntax) -> Result<Arg> {
        Ok(Arg {
            term: self.resolver.resolve(syntax)?,
            span: syntax.span,
        })
    }

    /// The arguments matched to `params` by position or keyword, as Python matches them.
    fn bind<const N: usize>(&self, function: &str, params: &[&str; N]) -> Result<[Option<Arg>; N]> {
        if self.args.len() > N {
            return Err(Error::typing(format!(
                "{function} takes {N} positional argument{} but {} {} given",
                if N == 1 { "" } else { "s" },
                self.args.len(),
                if self.args.len() == 1 { "was" } else { "were" }
            )));
        }
        let unknown: Vec<&str> = self
            .kwargs
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| !params.contains(k))
            .collect();
        if !unknown.is_empty() {
            return Err(Error::typing(format!(
                "{function} got unknown keywords: {}",
                unknown.join(", ")
            )));
        }
        let mut bound: [Option<Arg>; N] = std::array::from_fn(|_| None);
        for (slot, syntax) in bound.iter_mut().zip(self.args) {
            *slot = Some(self.arg(syntax)?);
        }
        for (name, syntax) in self.kwargs {
            let i = params
                .iter()
                .position(|p| p == name)
                .expect("checked above");
            if bound[i].is_some() {
                return Err(Error::typing(format!(
                    "{function} got multiple values for argument '{name}'"
                )));
            }
            bound[i] = Some(self.arg(syntax)?);
        }
        Ok(bound)
    }

    /// The first positional argument as an expression, and the rest of the call.
    fn split_first(&self, function: &str) -> Result<(Expr, Self)> {
        let Some((first, rest)) = self.args.split_first() else {
            return Err(Error::typing(format!(
                "{function} needs an expression to work on"
            )));
        };
        let expr = self.arg(first)?.expr()?;
        Ok((
            expr,
            Call {
                resolver: self.resolver,
                args: rest,
                kwargs: self.kwargs,
            },
        ))
    }

    /// Whether `name=` is among the keyword arguments.
    fn has_keyword(&self, name: &str) -> bool {
        self.kwargs.iter().any(|(k, _)| k == name)
    }

    /// Keyword arguments that are all expressions (`by`, `summary`), in the order written.
    fn named_exprs(&self, function: &str) -> Result<Vec<(String, Expr)>> {
        if !self.args.is_empty() {
            return Err(Error::typing(format!(
                "{function} takes its reductions as keyword arguments, as in total=t.amount.sum()"
            )));
        }
        self.kwargs
            .iter()
            .map(|(name, syntax)| Ok((name.clone(), self.arg(syntax)?.expr()?)))
            .collect()
    }

    /// The named reductions of `by(grouper, summary(...))`, Blaze's other form of
    /// `by(grouper, name=reduction, ...)`; any other second argument is the removed
    /// `by(grouper, reduction)`.
    fn summary_values(&self, summary: &Syntax) -> Result<Vec<(String, Expr)>> {
        let span = summary.span;
        let expr = self.arg(summary)?.expr()?;
        let Op::Summary { values, .. } = expr.op() else {
            return Err(Error::typing(
                "by(grouper, reduction) has been removed: name each reduction with a keyword, as in by(t.name, total=t.amount.sum())",
            )
            .at(span));
        };
        if !self.kwargs.is_empty() {
            return Err(Error::typing("by takes a summary or named reductions, not both").at(span));
        }
        Ok(values.clone())
    }

    /// `flag=True|False` (else `default`) and the other keyword arguments as expressions:
    /// `transform(t, replace=False, z=...)`.
    fn flag_and_named_exprs(
        &self,
        function: &str,
        flag: &str,
        default: bool,
    ) -> Result<(bool, Vec<(String, Expr)>)> {
        if !self.args.is_empty() {
            return Err(Error::typing(format!(
                "{function} takes its columns as keyword arguments, as in z=t.x + t.y"
            )));
        }
        let mut value = default;
        let mut exprs = Vec::new();
        for (name, syntax) in self.kwargs {
            let arg = self.arg(syntax)?;
            if name == flag {
                value = arg.boolean(&format!("{function}'s {flag} must be True or False"))?;
            } else {
                exprs.push((name.clone(), arg.expr()?));
            }
        }
        Ok((value, exprs))
    }

    /// Positional arguments that are all names: `distinct('a', 'b')`.
    fn variadic_names(&self, function: &str) -> Result<Vec<String>> {
        if let Some((name, _)) = self.kwargs.first() {
            return Err(Error::typing(format!(
                "{function} got unknown keywords: {name}"
            )));
        }
        self.args
            .iter()
            .map(|syntax| self.arg(syntax)?.string("a field name"))
            .collect()
    }

    /// `relabel(old='new', ...)` or `relabel({'old': 'new'})`.
    fn relabels(&self) -> Result<Vec<(String, String)>> {
        match (self.args, self.kwargs) {
            ([], kwargs) => kwargs
                .iter()
                .map(|(old, syntax)| Ok((old.clone(), self.arg(syntax)?.string("a field name")?)))
                .collect(),
            ([dict], []) => match self.arg(dict)?.term {
                Term::Dict(pairs) => pairs
                    .into_iter()
                    .map(|((old, old_span), (new, new_span))| {
                        let old = Arg {
                            term: old,
                            span: old_span,
                        }
                        .string("a field name")?;
                        let new = Arg {
                            term: new,
                            span: new_span,
                        }
                        .string("a field name")?;
                        Ok((old, new))
                    })
                    .collect(),
                other => Err(Error::typing(format!(
                    "relabel takes a dictionary or keyword arguments, not {}",
                    other.describe()
                ))),
            },
            _ => Err(Error::typing(
                "relabel takes a dictionary or keyword arguments: relabel(amount='balance')",
            )),
        }
    }
}

impl Arg {
    fn wrong(&self, expected: &str) -> Error {
        Error::typing(format!(
            "expected {expected}, found {}",
            self.term.describe()
        ))
        .at(self.span)
    }

    fn expr(self) -> Result<Expr> {
        self.term.into_expr(self.span)
    }

    fn string(self, expected: &str) -> Result<String> {
        match self.term {
            Term::Value(Value::Str(s)) => Ok(s),
            _ => Err(self.wrong(expected)),
        }
    }

    fn boolean(self, message: &str) -> Result<bool> {
        match self.term {
            Term::Value(Value::Bool(b)) => Ok(b),
            _ => Err(
                Error::typing(format!("{message}, given {}", self.term.describe())).at(self.span),
            ),
        }
    }

    fn count(self, function: &str) -> Result<u64> {
        match self.term {
            Term::Value(Value::Int(n)) if n >= 0 => Ok(n as u64),
            _ => Err(self.wrong(&format!("a count of rows for {function}"))),
        }
    }

    fn integer(self, expected: &str) -> Result<i64> {
        match self.term {
            Term::Value(Value::Int(i)) => Ok(i),
            _ => Err(self.wrong(expected)),
        }
    }

    fn number(self, expected: &str) -> Result<f64> {
        match self.term {
            Term::Value(Value::Int(i)) => Ok(i as f64),
            Term::Value(Value::Float(x)) => Ok(x),
            _ => Err(self.wrong(expected)),
        }
    }

    /// Strings, given as a list or tuple of them.
    fn strings(self, expected: &str) -> Result<Vec<String>> {
        match self.term {
            Term::List(items) => items
                .into_iter()
                .map(|(term, span)| Arg { term, span }.string(expected))
                .collect(),
            _ => Err(self.wrong(expected)),
        }
    }

    /// Column names: one name, or a list of them.
    fn names(self) -> Result<Vec<String>> {
        match self.term {
            Term::Value(Value::Str(name)) => Ok(vec![name]),
            Term::List(_) => self.strings("a column name"),
            _ => Err(self.wrong("a column name or a list of them")),
        }
    }

    /// Expressions: one, or a list of them.
    fn exprs(self) -> Result<Vec<Expr>> {
        match self.term {
            Term::List(items) => items
                .into_iter()
                .map(|(term, span)| term.into_expr(span))
                .collect(),
            _ => Ok(vec![self.expr()?]),
        }
    }

    /// Axes: one, a list or tuple of them, or None (all).
    fn axes(self) -> Result<Vec<i64>> {
        match self.term {
            Term::Value(Value::Null) => Ok(Vec::new()),
            Term::Value(Value::Int(i)) => Ok(vec![i]),
            Term::List(items) => items
                .into_iter()
                .map(|(term, span)| Arg { term, span }.integer("an axis"))
                .collect(),
            _ => Err(self.wrong("an axis or a tuple of axes")),
        }
    }

    /// `tensordot`'s axes: `n` (the last `n` of `lhs` with the first `n` of `rhs`), or a
    /// pair of axes or of lists of them.
    fn axis_pairs(self, lhs: &Expr, rhs: &Expr) -> Result<(Vec<i64>, Vec<i64>)> {
        let span = self.span;
        match self.term {
            Term::Value(Value::Int(n)) => last_and_first(lhs, rhs, n).map_err(|e| e.at(span)),
            Term::List(pair) if pair.len() == 2 => {
                let mut sides = pair
                    .into_iter()
                    .map(|(term, span)| Arg { term, span }.axes());
                Ok((sides.next().expect("two")?, sides.next().expect("two")?))
            }
            _ => Err(self.wrong("a number of axes, or a pair of axes or of lists of axes")),
        }
    }

    /// A list of constants (`isin([1, 2])`).
    fn values(self) -> Result<Vec<Value>> {
        match self.term {
            Term::List(items) => items
                .into_iter()
                .map(|(term, span)| match term {
                    Term::Value(v) => Ok(v),
                    other => Err(Error::typing(format!(
                        "isin takes constants, and {} is not one",
                        other.describe()
                    ))
                    .at(span)),
                })
                .collect(),
            _ => Err(self.wrong("a list of values")),
        }
    }

    /// Sort keys over `receiver`: a column name, a list of names, or an expression.
    fn sort_keys(self, receiver: &Expr) -> Result<Vec<Expr>> {
        let span = self.span;
        match self.term {
            Term::Value(Value::Str(name)) => {
                Ok(vec![receiver.field(&name).map_err(|e| e.at(span))?])
            }
            Term::List(items) => items
                .into_iter()
                .map(|(term, span)| match term {
                    Term::Value(Value::Str(name)) => receiver.field(&name).map_err(|e| e.at(span)),
                    other => other.into_expr(span),
                })
                .collect(),
            Term::Expr(e) => Ok(vec![e]),
            _ => Err(self.wrong("a column name, a list of names or an expression")),
        }
    }
}
