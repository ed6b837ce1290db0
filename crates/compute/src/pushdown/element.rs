//! Element-wise expressions and aggregates as SQL over the columns of a select, with Python's
//! semantics where SQL's differ (`/` is true division, `//` floors, `%` takes the divisor's
//! sign), and the local engine's where databases differ from it (text compared by bytes,
//! missing values sorted last, NaN outside a function's domain).

use arrow::datatypes::DataType;
use blaze_datashape::{DataShape, Measure};
use blaze_expr::{BinaryOp, Expr, Op, Reduction, UnaryOp, Value};
use blaze_odo::SqlValue;

use super::dialect::Dialect;
use super::select::Select;
use super::sql::SqlCompiler;
use super::{Local, Pushdown};
use crate::compile::{arrow_type, base, output_name, temporal};

fn is_text(e: &Expr) -> bool {
    matches!(base(e.dshape()), Measure::String { .. })
}

fn is_integer(e: &Expr) -> bool {
    base(e.dshape()).is_integer()
}

/// A boolean with a number, which SQL databases do not all combine (PostgreSQL refuses
/// `bigint = boolean`), while NumPy counts the boolean as 0 or 1.
fn boolean_with_number(a: &Expr, b: &Expr) -> bool {
    let (a, b) = (base(a.dshape()), base(b.dshape()));
    (matches!(a, Measure::Bool) && b.is_numeric()) || (matches!(b, Measure::Bool) && a.is_numeric())
}

fn is_datetime(e: &Expr) -> bool {
    matches!(base(e.dshape()), Measure::DateTime { .. })
}

fn is_float(e: &Expr) -> bool {
    matches!(
        base(e.dshape()),
        Measure::Float16 | Measure::Float32 | Measure::Float64
    )
}

impl SqlCompiler<'_> {
    /// `expr`, an element-wise expression over the rows of `rows`, as SQL over `select` (the
    /// select of those rows).
    pub(super) fn element(
        &mut self,
        expr: &Expr,
        rows: &Expr,
        select: &Select,
    ) -> Pushdown<String> {
        if expr == rows {
            return column(select, output_name(expr));
        }
        Ok(match expr.op() {
            Op::Field { child, field } => self.field(child, field, rows, select)?,
            Op::Literal(value) => self.literal(value, expr.dshape())?,
            Op::Label { child, .. } => self.element(child, rows, select)?,
            Op::Binary { op, lhs, rhs } => {
                let (l, r) = (
                    self.element(lhs, rows, select)?,
                    self.element(rhs, rows, select)?,
                );
                self.binary(*op, lhs, &l, rhs, &r)?
            }
            Op::Unary { op, child } => {
                let x = self.element(child, rows, select)?;
                self.unary(*op, child, &x)?
            }
            // True or false as pandas' `isin` answers, never NULL: a missing value is in the
            // list only where it holds `None`.
            Op::IsIn { child, values } => {
                let x = self.element(child, rows, select)?;
                let mut keys = values
                    .iter()
                    .filter(|v| **v != Value::Null)
                    .map(|v| self.literal(v, child.dshape()))
                    .collect::<Pushdown<Vec<_>>>()?;
                let x = if is_datetime(child) {
                    keys = keys.iter().map(|v| self.dialect.instant(v)).collect();
                    self.dialect.instant(&x)
                } else {
                    x
                };
                let found = self.membership(&x, &keys.join(", "));
                if values.contains(&Value::Null) {
                    format!("({found} OR {x} IS NULL)")
                } else {
                    found
                }
            }
            Op::IsInColumn { child, values } => {
                if is_datetime(child) && self.dialect == Dialect::Sqlite {
                    return Err(Local("date-times of two tables in SQLite".into()));
                }
                let x = self.element(child, rows, select)?;
                let subquery = self.select(values)?;
                self.membership(&x, &subquery.render(self.dialect))
            }
            Op::Like { child, pattern } => {
                let x = self.element(child, rows, select)?;
                let p = self.bind(SqlValue::Text(self.dialect.like_pattern(pattern)));
                self.dialect.like(&x, &p)
            }
            Op::Coerce { child, to } | Op::Cast { child, to } => {
                let x = self.element(child, rows, select)?;
                self.cast(&x, child, to)?
            }
            Op::Coalesce { lhs, rhs } => {
                let (l, r) = (
                    self.element(lhs, rows, select)?,
                    self.element(rhs, rows, select)?,
                );
                format!("COALESCE({l}, {r})")
            }
            Op::StrCat { lhs, rhs, sep } => {
                let (l, r) = (
                    self.element(lhs, rows, select)?,
                    self.element(rhs, rows, select)?,
                );
                if sep.is_empty() {
                    format!("({l} || {r})")
                } else {
                    let sep = self.bind(SqlValue::Text(sep.clone()));
                    format!("({l} || {sep} || {r})")
                }
            }
            _ => return Err(Local(format!("no SQL for {expr}"))),
        })
    }

    /// The column `field` of `record` (the rows themselves, or a projection, relabelling or
    /// merge of their columns).
    pub(super) fn field(
        &mut self,
        record: &Expr,
        field: &str,
        rows: &Expr,
        select: &Select,
    ) -> Pushdown<String> {
        if record == rows {
            return column(select, field);
        }
        match record.op() {
            Op::Merge { columns } => {
                for c in columns {
                    if c.fields().is_empty() && c.name() == Some(field) {
                        return self.element(c, rows, select);
                    }
                    if c.fields().contains(&field) {
                        return self.field(c, field, rows, select);
                    }
                }
                Err(Local(format!("no column {field} in {record}")))
            }
            Op::Projection { child, .. } => self.field(child, field, rows, select),
            Op::Relabel { child, labels } => {
                let old = labels
                    .iter()
                    .find(|(_, new)| new == field)
                    .map_or(field, |(old, _)| old.as_str());
                self.field(child, old, rows, select)
            }
            _ => Err(Local(format!("the field {field} of {record}"))),
        }
    }

    /// Each named value (arithmetic on reductions of the columns of `rows`) as an aggregate
    /// over `select`.
    pub(super) fn aggregates(
        &mut self,
        values: &[(String, Expr)],
        rows: &Expr,
        select: &Select,
    ) -> Pushdown<Vec<(String, String)>> {
        values
            .iter()
            .map(|(name, value)| Ok((self.aggregate(value, rows, select)?, name.clone())))
            .collect()
    }

    fn aggregate(&mut self, value: &Expr, rows: &Expr, select: &Select) -> Pushdown<String> {
        Ok(match value.op() {
            Op::Reduction { op, child } => self.reduction(*op, child, rows, select)?,
            Op::Literal(v) => self.literal(v, value.dshape())?,
            Op::Label { child, .. } => self.aggregate(child, rows, select)?,
            Op::Binary { op, lhs, rhs } => {
                let (l, r) = (
                    self.aggregate(lhs, rows, select)?,
                    self.aggregate(rhs, rows, select)?,
                );
                self.binary(*op, lhs, &l, rhs, &r)?
            }
            Op::Unary { op, child } => {
                let x = self.aggregate(child, rows, select)?;
                self.unary(*op, child, &x)?
            }
            Op::Coerce { child, to } => {
                let x = self.aggregate(child, rows, select)?;
                self.cast(&x, child, to)?
            }
            _ => return Err(Local(format!("{value} in a summary"))),
        })
    }

    fn reduction(
        &mut self,
        op: Reduction,
        child: &Expr,
        rows: &Expr,
        select: &Select,
    ) -> Pushdown<String> {
        if !child.fields().is_empty() {
            return match op {
                Reduction::Count | Reduction::Nelements => Ok("COUNT(*)".into()),
                _ => Err(Local(format!("{op:?} of a whole table"))),
            };
        }
        if child.has_window() {
            return Err(Local("window functions need every row in order".into()));
        }
        let x = self.element(child, rows, select)?;
        // Booleans count as 0 and 1 in arithmetic, as in Python.
        let number = if matches!(base(child.dshape()), Measure::Bool) {
            format!("CAST({x} AS INTEGER)")
        } else {
            x.clone()
        };
        let ordered = if is_text(child) {
            self.dialect.bytewise(&x)
        } else {
            x.clone()
        };
        let postgres = self.dialect == Dialect::Postgres;
        Ok(match op {
            Reduction::Sum => format!("SUM({number})"),
            Reduction::Mean => format!("AVG({number})"),
            Reduction::Min => format!("MIN({ordered})"),
            Reduction::Max => format!("MAX({ordered})"),
            Reduction::Count => format!("COUNT({x})"),
            Reduction::Nunique => format!("COUNT(DISTINCT {x})"),
            Reduction::Nelements => "COUNT(*)".into(),
            Reduction::Any if postgres => format!("BOOL_OR({x})"),
            Reduction::All if postgres => format!("BOOL_AND({x})"),
            Reduction::Any => format!("MAX({x})"),
            Reduction::All => format!("MIN({x})"),
            Reduction::Var { unbiased } if postgres => {
                let name = if unbiased { "VAR_SAMP" } else { "VAR_POP" };
                format!("{name}({number})")
            }
            Reduction::Std { unbiased } if postgres => {
                let name = if unbiased {
                    "STDDEV_SAMP"
                } else {
                    "STDDEV_POP"
                };
                format!("{name}({number})")
            }
            // Interpolated, as the local engine computes them, on floats.
            Reduction::Median if postgres && is_float(child) => {
                format!("PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY {x})")
            }
            Reduction::Quantile { q } if postgres => {
                let q = self.bind(SqlValue::Float(q));
                format!(
                    "PERCENTILE_CONT({q}) WITHIN GROUP (ORDER BY {})",
                    self.dialect.float(&x)
                )
            }
            _ => {
                let name = self.dialect.name();
                return Err(Local(format!("{name} has no {op:?} as computed locally")));
            }
        })
    }

    /// Whether `x` is one of `keys` (a list of values, or a subquery, or nothing), TRUE or
    /// FALSE, never NULL: SQL's `IN` is NULL for a missing `x`, or where a NULL key may match.
    fn membership(&self, x: &str, keys: &str) -> String {
        let no = self.dialect.boolean(false);
        if keys.is_empty() {
            no.to_owned()
        } else {
            format!("COALESCE({x} IN ({keys}), {no})")
        }
    }

    /// A constant: numbers and text as parameters; text compared with dates as a date.
    pub(super) fn literal(&mut self, value: &Value, dshape: &DataShape) -> Pushdown<String> {
        Ok(match value {
            Value::Null => "NULL".into(),
            Value::Bool(b) => self.dialect.boolean(*b).into(),
            Value::Int(i) => self.bind(SqlValue::Int(*i)),
            Value::Float(x) => self.bind(SqlValue::Float(*x)),
            Value::Str(s) => match base(dshape) {
                Measure::Date | Measure::DateTime { .. } => self.temporal(s, dshape)?,
                _ => self.bind(SqlValue::Text(s.clone())),
            },
        })
    }

    /// Text read as a date or date-time, as it is locally, and written in ISO 8601: PostgreSQL
    /// casts it; SQLite holds them as ISO 8601 text, as odo writes it (date-times are compared
    /// through [`Dialect::instant`], which reads other forms too).
    fn temporal(&mut self, text: &str, dshape: &DataShape) -> Pushdown<String> {
        let canonical = temporal(text, dshape)
            .and_then(|when| Ok(when.cast_to(&DataType::Utf8)?))
            .map_err(|e| Local(e.to_string()))?
            .to_string();
        let p = self.bind(SqlValue::Text(canonical));
        match self.dialect {
            Dialect::Postgres => {
                let to = &arrow_type(dshape).map_err(|e| Local(e.to_string()))?;
                let name = self
                    .dialect
                    .type_name(to)
                    .ok_or_else(|| Local(format!("'{text}' as {to}")))?;
                Ok(format!("CAST({p} AS {name})"))
            }
            Dialect::Sqlite => Ok(p),
        }
    }

    fn cast(&mut self, x: &str, from: &Expr, to: &DataShape) -> Pushdown<String> {
        let target = &arrow_type(to).map_err(|e| Local(e.to_string()))?;
        let name = self
            .dialect
            .type_name(target)
            .ok_or_else(|| Local(format!("a cast to {to}")))?;
        // Floats become integers by dropping their fraction, as locally (PostgreSQL rounds).
        Ok(if is_float(from) && target.is_integer() {
            format!("CAST(trunc({x}) AS {name})")
        } else {
            format!("CAST({x} AS {name})")
        })
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        lhs: &Expr,
        l: &str,
        rhs: &Expr,
        r: &str,
    ) -> Pushdown<String> {
        let integers = is_integer(lhs) && is_integer(rhs);
        if boolean_with_number(lhs, rhs) {
            return Err(Local("booleans with numbers".into()));
        }
        let ordered = |d: Dialect| {
            if is_text(lhs) || is_text(rhs) {
                (d.bytewise(l), d.bytewise(r))
            } else if is_datetime(lhs) || is_datetime(rhs) {
                (d.instant(l), d.instant(r))
            } else {
                (l.to_owned(), r.to_owned())
            }
        };
        let compare = |symbol: &str| {
            let (l, r) = ordered(self.dialect);
            format!("({l} {symbol} {r})")
        };
        Ok(match op {
            BinaryOp::Add if is_text(lhs) => format!("({l} || {r})"),
            BinaryOp::Mul if is_text(lhs) || is_text(rhs) => {
                return Err(Local("repeated text".into()));
            }
            BinaryOp::Add => format!("({l} + {r})"),
            BinaryOp::Sub => format!("({l} - {r})"),
            BinaryOp::Mul => format!("({l} * {r})"),
            BinaryOp::Div => format!("({} / {r})", self.dialect.float(l)),
            // Python floors; SQL truncates towards zero. Exact on integers.
            BinaryOp::FloorDiv if integers => {
                format!("(({l} - ((({l} % {r}) + {r}) % {r})) / {r})")
            }
            BinaryOp::FloorDiv => format!("floor({} / {r})", self.dialect.float(l)),
            BinaryOp::Mod if is_text(lhs) => return Err(Local("interpolated text".into())),
            BinaryOp::Mod if integers => format!("((({l} % {r}) + {r}) % {r})"),
            BinaryOp::Mod => return Err(Local("the remainder of floats".into())),
            // Through floats: exact for a literal exponent (never negative), while a column
            // may hold negative ones, which NumPy refuses (as the local engine does).
            BinaryOp::Pow if integers && !matches!(rhs.op(), Op::Literal(_)) => {
                return Err(Local("integer powers of a column of exponents".into()));
            }
            BinaryOp::Pow => format!("power({}, {r})", self.dialect.float(l)),
            BinaryOp::Eq => compare("="),
            BinaryOp::Ne | BinaryOp::Xor => compare("<>"),
            BinaryOp::Lt => compare("<"),
            BinaryOp::Le => compare("<="),
            BinaryOp::Gt => compare(">"),
            BinaryOp::Ge => compare(">="),
            BinaryOp::And => format!("({l} AND {r})"),
            BinaryOp::Or => format!("({l} OR {r})"),
            BinaryOp::Atan2 => format!(
                "atan2({}, {})",
                self.dialect.float(l),
                self.dialect.float(r)
            ),
            // PostgreSQL's GREATEST skips NULLs, as the local engine does; SQLite's max() of
            // several values is NULL if one is.
            BinaryOp::Greatest | BinaryOp::Least
                if self.dialect == Dialect::Postgres
                    && base(lhs.dshape()).is_numeric()
                    && base(rhs.dshape()).is_numeric() =>
            {
                let name = if op == BinaryOp::Greatest {
                    "GREATEST"
                } else {
                    "LEAST"
                };
                format!("{name}({l}, {r})")
            }
            _ => {
                return Err(Local(format!(
                    "{}() in {}",
                    op.symbol(),
                    self.dialect.name()
                )));
            }
        })
    }

    fn unary(&mut self, op: UnaryOp, child: &Expr, x: &str) -> Pushdown<String> {
        let dialect = self.dialect;
        let unsupported = || {
            let name = dialect.name();
            Local(format!(
                "{name} has no {op:?} of {child} as computed locally"
            ))
        };
        Ok(match op {
            UnaryOp::Neg => format!("(-{x})"),
            UnaryOp::Not => format!("(NOT {x})"),
            UnaryOp::IsNull => format!("({x} IS NULL)"),
            UnaryOp::NotNull => format!("({x} IS NOT NULL)"),
            UnaryOp::Math(f) => dialect.math_fn(f, x).ok_or_else(unsupported)?,
            UnaryOp::Str(f) => dialect.str_fn(f, x).ok_or_else(unsupported)?,
            UnaryOp::DatePart(part) => dialect.date_part(part, x).ok_or_else(unsupported)?,
            UnaryOp::FromTimestamp => return Err(unsupported()),
        })
    }
}

/// The SQL of the result column `name` of `select`.
fn column(select: &Select, name: &str) -> Pushdown<String> {
    select
        .column(name)
        .map(str::to_owned)
        .ok_or_else(|| Local(format!("no column {name}")))
}
