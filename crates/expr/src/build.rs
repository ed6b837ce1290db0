//! Building expressions: each constructor checks its operands, and computes the result's
//! datashape and name (`spec/blaze.md` §1.2), so that an invalid expression is never built.

use blaze_datashape::{DataShape, Dim, Measure, Record, closest_name};

use crate::error::{Error, Result};
use crate::expr::{
    BinaryOp, DatePart, Expr, Index, Op, Reduction, SampleSize, UnaryOp, Value, WindowFn,
};
use crate::types::{
    base, binary_element, comparable, element, is_boolean, is_string, record_of, reduction,
    reduction_name, unary_element, with_dims,
};

/// Named data of datashape `dshape`: the leaf of expressions.
pub fn symbol(name: &str, dshape: DataShape) -> Expr {
    Expr::new(
        Op::Symbol {
            name: name.to_owned(),
        },
        dshape,
        Some(name.to_owned()),
    )
}

/// A constant.
pub fn literal(value: Value) -> Expr {
    let measure = match &value {
        Value::Null => Measure::Null,
        Value::Bool(_) => Measure::Bool,
        Value::Int(_) => Measure::Int64,
        Value::Float(_) => Measure::Float64,
        Value::Str(_) => Measure::STRING,
    };
    Expr::new(Op::Literal(value), DataShape::scalar(measure), None)
}

impl Expr {
    /// Field `name` of this record-typed expression: `t.amount`.
    pub fn field(&self, name: &str) -> Result<Expr> {
        let record = self.record("take a field of")?;
        let Some(ty) = record.get(name) else {
            return Err(self.unknown_field(name, record));
        };
        // A value of a summary is that value, named: `summary(a=t.x.sum(), ...).a`.
        if let Op::Summary { values, .. } = self.op()
            && let Some((_, value)) = values.iter().find(|(n, _)| n == name)
            && self.dshape().dims().is_empty()
        {
            return Ok(if value.name() == Some(name) {
                value.clone()
            } else {
                value.label(name)
            });
        }
        let dshape = with_dims(self.dshape().dims(), ty.clone());
        Ok(Expr::new(
            Op::Field {
                child: self.clone(),
                field: name.to_owned(),
            },
            dshape,
            Some(name.to_owned()),
        ))
    }

    /// Some fields, in the order given: `t[['name', 'amount']]`.
    pub fn project(&self, names: &[String]) -> Result<Expr> {
        let record = self.record("take fields of")?;
        let mut fields = Vec::with_capacity(names.len());
        for name in names {
            let Some(ty) = record.get(name) else {
                return Err(self.unknown_field(name, record));
            };
            if fields.iter().any(|(n, _)| n == name) {
                return Err(Error::typing(format!("field '{name}' is named twice")));
            }
            fields.push((name.clone(), ty.clone()));
        }
        if fields.is_empty() {
            return Err(Error::typing("a projection needs at least one field"));
        }
        let dshape = self.with_record(fields)?;
        Ok(self.derived(
            Op::Projection {
                child: self.clone(),
                fields: names.to_vec(),
            },
            dshape,
        ))
    }

    /// The rows for which `predicate` holds: `t[t.amount > 100]`. When this expression is a
    /// column of the predicate's table (`t.name[t.amount > 100]`), the rows of the table are
    /// selected first (`t[t.amount > 100].name`).
    pub fn select(&self, predicate: &Expr) -> Result<Expr> {
        if self.dshape().dims().is_empty() {
            return Err(Error::typing(format!(
                "cannot select rows of a single value ({})",
                self.dshape()
            )));
        }
        if !is_boolean(predicate.dshape()) || predicate.dshape().dims().is_empty() {
            return Err(Error::typing(format!(
                "must select over a boolean predicate of the rows, not {} ({})",
                predicate,
                predicate.dshape()
            )));
        }
        if self.is_over_arrays() && predicate.is_over_arrays() {
            return self.mask(predicate);
        }
        let table = predicate.rows();
        if self.rows() != table && self != table {
            return Err(Error::typing(format!(
                "the predicate {predicate} is over the rows of {table}, which are not those of {self}"
            )));
        }
        let selected = {
            let dims = table.dshape().dims();
            let dshape = DataShape::new(
                std::iter::once(Dim::Var)
                    .chain(dims[1..].iter().cloned())
                    .collect(),
                table.dshape().measure().clone(),
            )
            .map_err(|e| Error::typing(e.to_string()))?;
            table.derived(
                Op::Selection {
                    child: table.clone(),
                    predicate: predicate.clone(),
                },
                dshape,
            )
        };
        self.substitute(table, &selected)
    }

    /// numpy's boolean mask of an n-d array: a mask of its shape keeps the elements where it
    /// is true (a 1-d result), a 1-d mask along its first axis keeps rows.
    fn mask(&self, mask: &Expr) -> Result<Expr> {
        let (dims, along) = (self.dshape().dims(), mask.dshape().dims());
        let kept: Vec<Dim> = if dims.len() > 1 && along == dims {
            vec![Dim::Var]
        } else if let [rows] = along
            && Some(rows) == dims.first()
        {
            std::iter::once(Dim::Var)
                .chain(dims[1..].iter().cloned())
                .collect()
        } else {
            return Err(Error::typing(format!(
                "the mask {mask} ({}) has neither the shape of {self} ({}) nor one value per \
                 row of it",
                mask.dshape(),
                self.dshape()
            )));
        };
        Ok(self.derived(
            Op::Selection {
                child: self.clone(),
                predicate: mask.clone(),
            },
            with_dims(&kept, element(self.dshape())),
        ))
    }

    /// Rows by position: `t[3]`, `t[2:7]`, `t[::2]`.
    pub fn slice(&self, index: Index) -> Result<Expr> {
        let Some(first) = self.dshape().dims().first() else {
            return Err(Error::typing(format!(
                "cannot index a single value ({})",
                self.dshape()
            )));
        };
        let rest = &self.dshape().dims()[1..];
        let dshape = match index {
            // Where the length is known, the position must be within it, as numpy checks.
            Index::At(i) if matches!(first, Dim::Fixed(n) if i >= *n as i64 || i < -(*n as i64)) => {
                return Err(Error::typing(format!(
                    "index {i} is out of bounds for axis 0 with size {first}"
                )));
            }
            Index::At(_) => with_dims(rest, element(self.dshape())),
            Index::Range { step: Some(0), .. } => {
                return Err(Error::typing("slice step cannot be zero"));
            }
            Index::Range { start, stop, step } => with_dims(
                &std::iter::once(sliced_dim(first, start, stop, step))
                    .chain(rest.iter().cloned())
                    .collect::<Vec<_>>(),
                element(self.dshape()),
            ),
        };
        Ok(self.derived(
            Op::Slice {
                child: self.clone(),
                index,
            },
            dshape,
        ))
    }

    /// Rows picked by their positions, in the order given (numpy's `x[[3, 0, 3]]`). Where the
    /// length is known, every position must be within it, as numpy checks.
    pub fn take(&self, positions: Vec<i64>) -> Result<Expr> {
        let Some(first) = self.dshape().dims().first() else {
            return Err(Error::typing(format!(
                "cannot index a single value ({})",
                self.dshape()
            )));
        };
        if let Dim::Fixed(n) = first
            && let Some(i) = positions
                .iter()
                .find(|&&i| i >= *n as i64 || i < -(*n as i64))
        {
            return Err(Error::typing(format!(
                "index {i} is out of bounds for axis 0 with size {n}"
            )));
        }
        let dims: Vec<Dim> = std::iter::once(Dim::Fixed(positions.len() as u64))
            .chain(self.dshape().dims()[1..].iter().cloned())
            .collect();
        Ok(self.derived(
            Op::Take {
                child: self.clone(),
                positions,
            },
            with_dims(&dims, element(self.dshape())),
        ))
    }

    /// The first `n` rows.
    pub fn head(&self, n: u64) -> Result<Expr> {
        let dshape = self.with_first_dim(Dim::Fixed(n), "head")?;
        Ok(self.derived(
            Op::Head {
                child: self.clone(),
                n,
            },
            dshape,
        ))
    }

    /// The last `n` rows.
    pub fn tail(&self, n: u64) -> Result<Expr> {
        let dshape = self.with_first_dim(Dim::Fixed(n), "tail")?;
        Ok(self.derived(
            Op::Tail {
                child: self.clone(),
                n,
            },
            dshape,
        ))
    }

    /// Rows ordered by `keys` (expressions over these rows); by the values themselves when
    /// `keys` is empty and this is a column.
    pub fn sort(&self, keys: Vec<Expr>, ascending: bool) -> Result<Expr> {
        if self.dshape().dims().is_empty() {
            return Err(Error::typing(format!(
                "cannot sort a single value ({})",
                self.dshape()
            )));
        }
        let keys = if keys.is_empty() {
            match record_of(self.dshape()) {
                Some(record) => record
                    .names()
                    .map(|n| self.field(n))
                    .collect::<Result<_>>()?,
                None => vec![self.clone()],
            }
        } else {
            keys
        };
        for key in &keys {
            if key.rows() != self.rows() || key.dshape().dims() != self.dshape().dims() {
                return Err(Error::typing(format!(
                    "cannot sort {self} by {key}: the key is not over the same rows"
                )));
            }
        }
        Ok(self.derived(
            Op::Sort {
                child: self.clone(),
                keys,
                ascending,
            },
            self.dshape().clone(),
        ))
    }

    /// Rows without repeats; judged on the columns `on` only when given.
    pub fn distinct(&self, on: Vec<String>) -> Result<Expr> {
        if !on.is_empty() {
            let record = self.record("take distinct rows on fields of")?;
            if let Some(name) = on.iter().find(|n| record.get(n).is_none()) {
                return Err(self.unknown_field(name, record));
            }
        }
        let dshape = self.with_first_dim(Dim::Var, "distinct")?;
        Ok(self.derived(
            Op::Distinct {
                child: self.clone(),
                on,
            },
            dshape,
        ))
    }

    /// The expression under another name: `(t.amount * 2).label('double')`.
    pub fn label(&self, label: &str) -> Expr {
        Expr::new(
            Op::Label {
                child: self.clone(),
                label: label.to_owned(),
            },
            self.dshape().clone(),
            Some(label.to_owned()),
        )
    }

    /// Fields renamed: `t.relabel(amount='balance')`.
    pub fn relabel(&self, labels: Vec<(String, String)>) -> Result<Expr> {
        let record = self.record("relabel fields of")?;
        let missing: Vec<&str> = labels
            .iter()
            .map(|(old, _)| old.as_str())
            .filter(|old| record.get(old).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(Error::typing(format!(
                "cannot relabel non-existent child fields: {}",
                quoted_list(missing.iter().copied())
            )));
        }
        let fields = record
            .fields()
            .iter()
            .map(|(name, ty)| {
                let new = labels
                    .iter()
                    .find(|(old, _)| old == name)
                    .map_or(name, |(_, new)| new);
                (new.clone(), ty.clone())
            })
            .collect();
        let dshape = self.with_record(fields)?;
        Ok(self.derived(
            Op::Relabel {
                child: self.clone(),
                labels,
            },
            dshape,
        ))
    }

    /// `lhs op rhs`, element-wise; a single value combines with every element of a column.
    pub fn binary(op: BinaryOp, lhs: &Expr, rhs: &Expr) -> Result<Expr> {
        let (lhs, rhs) = (coerce_literal(lhs, rhs)?, coerce_literal(rhs, lhs)?);
        let dims = common_dims(&lhs, &rhs)?;
        for side in [&lhs, &rhs] {
            if record_of(side.dshape()).is_some() {
                return Err(Error::typing(format!(
                    "cannot apply '{}' to the table {side}; use one of its columns",
                    op.symbol()
                )));
            }
        }
        let element = binary_element(op, &element(lhs.dshape()), &element(rhs.dshape()))?;
        if op == BinaryOp::Mod
            && let Op::Literal(Value::Str(format)) = lhs.op()
        {
            check_format(format, &rhs)?;
        }
        check_integer_operands(op, &lhs, &rhs)?;
        let name = match (lhs.name(), rhs.name()) {
            (Some(l), Some(r)) if l != r => None,
            (Some(n), _) | (_, Some(n)) => Some(n.to_owned()),
            (None, None) => None,
        };
        Ok(Expr::new(
            Op::Binary {
                op,
                lhs: lhs.clone(),
                rhs: rhs.clone(),
            },
            with_dims(&dims, element),
            name,
        ))
    }

    /// A function of each element: `-x`, `~x`, `abs(x)`, `x.str.upper()`, `x.year`.
    pub fn unary(&self, op: UnaryOp) -> Result<Expr> {
        if record_of(self.dshape()).is_some() {
            return Err(Error::typing(format!(
                "{} applies to a column, and {self} is a table",
                crate::print::unary_description(op)
            )));
        }
        let element = unary_element(op, &element(self.dshape()))?;
        let name = match op {
            UnaryOp::DatePart(part) => Some(match self.name() {
                Some(n) => format!("{n}_{}", date_part_name(part)),
                None => date_part_name(part).to_owned(),
            }),
            _ => self.name().map(str::to_owned),
        };
        Ok(Expr::new(
            Op::Unary {
                op,
                child: self.clone(),
            },
            with_dims(self.dshape().dims(), element),
            name,
        ))
    }

    /// A reduction of this collection to one value: `t.amount.sum()`, `t.count()`.
    pub fn reduce(&self, op: Reduction) -> Result<Expr> {
        let dshape = reduction(op, self.dshape())?;
        let name = match self.name() {
            Some(n) if n != "_" => format!("{n}_{}", reduction_name(op)),
            _ => reduction_name(op).to_owned(),
        };
        Ok(Expr::new(
            Op::Reduction {
                op,
                child: self.clone(),
            },
            dshape,
            Some(name),
        ))
    }

    /// Named reductions of this collection, as one record:
    /// `summary(total=t.amount.sum(), n=t.id.count())`. Names keep the order given.
    pub fn summary(&self, values: Vec<(String, Expr)>) -> Result<Expr> {
        if values.is_empty() {
            return Err(Error::typing(
                "a summary needs at least one named reduction",
            ));
        }
        let mut fields = Vec::with_capacity(values.len());
        for (name, value) in &values {
            if !value.dshape().dims().is_empty() {
                return Err(Error::typing(format!(
                    "{name}={value} is not a reduction: it has a value per row ({}); reduce it, as in {value}.sum()",
                    value.dshape()
                )));
            }
            for reduced in value.reduced_collections() {
                if reduced.rows() != self.rows() {
                    return Err(Error::typing(format!(
                        "{name}={value} reduces {reduced}, which is not over the rows of {self}"
                    )));
                }
            }
            fields.push((name.clone(), value.dshape().clone()));
        }
        let dshape = DataShape::record(fields).map_err(|e| Error::typing(e.to_string()))?;
        Ok(Expr::new(
            Op::Summary {
                child: self.clone(),
                values,
            },
            dshape,
            self.name().map(str::to_owned),
        ))
    }

    /// Whether each element is one of `values`.
    pub fn isin(&self, values: Vec<Value>) -> Result<Expr> {
        self.column("isin")?;
        for value in &values {
            let key = coerce_literal(&literal(value.clone()), self)?;
            if !comparable(base(self.dshape()), base(key.dshape())) {
                return Err(Error::typing(format!(
                    "isin cannot compare {self} ({}) with {key} ({})",
                    self.dshape(),
                    key.dshape()
                )));
            }
        }
        Ok(Expr::new(
            Op::IsIn {
                child: self.clone(),
                values,
            },
            with_dims(self.dshape().dims(), DataShape::scalar(Measure::Bool)),
            self.name().map(str::to_owned),
        ))
    }

    /// Whether each element is one of the values of the column `values` (of any rows).
    pub fn isin_column(&self, values: &Expr) -> Result<Expr> {
        self.column("isin")?;
        let is_column = values.dshape().dims().len() == 1 && values.fields().is_empty();
        if !is_column {
            return Err(Error::typing(format!(
                "isin takes a list or a column, and {values} is {}",
                values.dshape()
            )));
        }
        if !comparable(base(self.dshape()), base(values.dshape())) {
            return Err(Error::typing(format!(
                "isin cannot compare {} with {}",
                self.dshape(),
                values.dshape()
            )));
        }
        Ok(Expr::new(
            Op::IsInColumn {
                child: self.clone(),
                values: values.clone(),
            },
            with_dims(self.dshape().dims(), DataShape::scalar(Measure::Bool)),
            self.name().map(str::to_owned),
        ))
    }

    /// Whether each string matches the glob `pattern` (`*` any text, `?` one character).
    pub fn like(&self, pattern: &str) -> Result<Expr> {
        if !is_string(self.dshape()) {
            return Err(Error::typing(format!(
                "like needs strings, not {}",
                self.dshape()
            )));
        }
        let element = if crate::types::optional(self.dshape()) {
            DataShape::scalar(Measure::Bool).into_option()
        } else {
            DataShape::scalar(Measure::Bool)
        };
        Ok(Expr::new(
            Op::Like {
                child: self.clone(),
                pattern: pattern.to_owned(),
            },
            with_dims(self.dshape().dims(), element),
            self.name().map(str::to_owned),
        ))
    }

    /// Each value converted to `to` (a scalar type, such as `int64` or `?float64`).
    pub fn coerce(&self, to: DataShape) -> Result<Expr> {
        self.column("coerce")?;
        if !to.dims().is_empty() {
            return Err(Error::typing(format!(
                "coerce converts each value, so it takes a type without dimensions, not {to}"
            )));
        }
        // A missing value stays missing, whatever the type converted to.
        let element = if crate::types::optional(self.dshape()) {
            to.clone().into_option()
        } else {
            to.clone()
        };
        Ok(Expr::new(
            Op::Coerce {
                child: self.clone(),
                to,
            },
            with_dims(self.dshape().dims(), element),
            self.name().map(str::to_owned),
        ))
    }

    /// The same values claimed to be of type `to` (such as `?int32`), converted only where
    /// the representation differs.
    pub fn cast(&self, to: DataShape) -> Result<Expr> {
        self.column("cast")?;
        if !to.dims().is_empty() {
            return Err(Error::typing(format!(
                "cast retypes each value, so it takes a type without dimensions, not {to}"
            )));
        }
        Ok(Expr::new(
            Op::Cast {
                child: self.clone(),
                to: to.clone(),
            },
            with_dims(self.dshape().dims(), to),
            self.name().map(str::to_owned),
        ))
    }

    /// Rows drawn at random: `t.sample(n=5)`, `t.sample(frac=0.1)`.
    pub fn sample(&self, size: SampleSize) -> Result<Expr> {
        if let SampleSize::Fraction(f) = size
            && !(0.0..=1.0).contains(&f)
        {
            return Err(Error::typing(format!(
                "sample's frac is a fraction of the rows, between 0 and 1, not {f}"
            )));
        }
        let dshape = self.with_first_dim(Dim::Var, "sample")?;
        Ok(self.derived(
            Op::Sample {
                child: self.clone(),
                size,
            },
            dshape,
        ))
    }

    /// A window function of this column in row order, within the groups of equal `by`
    /// values (columns of the same rows): `t.amount.cumsum(by=[t.name])`.
    pub fn window(&self, func: WindowFn, by: Vec<Expr>) -> Result<Expr> {
        self.column(crate::types::window_name(func))?;
        if self.dshape().dims().len() != 1 {
            return Err(Error::typing(format!(
                "{}() works on a column of rows, and {self} is {}",
                crate::types::window_name(func),
                self.dshape()
            )));
        }
        for key in &by {
            if key.rows() != self.rows()
                || key.dshape().dims() != self.dshape().dims()
                || record_of(key.dshape()).is_some()
            {
                return Err(Error::typing(format!(
                    "cannot group {self} by {key}: by= takes columns of the same rows"
                )));
            }
        }
        let element = crate::types::window_element(func, &element(self.dshape()))?;
        Ok(Expr::new(
            Op::Window {
                func,
                child: self.clone(),
                by,
            },
            with_dims(self.dshape().dims(), element),
            self.name().map(str::to_owned),
        ))
    }

    /// A node computed from this one that keeps its name.
    fn derived(&self, op: Op, dshape: DataShape) -> Expr {
        Expr::new(op, dshape, self.name().map(str::to_owned))
    }

    /// The record of this expression's elements, or an error saying what could not be done.
    fn record(&self, doing: &str) -> Result<&Record> {
        record_of(self.dshape()).ok_or_else(|| {
            Error::typing(format!(
                "cannot {doing} {self}: it is not a record or table ({})",
                self.dshape()
            ))
        })
    }

    fn column(&self, doing: &str) -> Result<()> {
        if record_of(self.dshape()).is_some() {
            return Err(Error::typing(format!(
                "{doing} applies to a column, and {self} is a table"
            )));
        }
        Ok(())
    }

    pub(crate) fn unknown_field(&self, name: &str, record: &Record) -> Error {
        let suggestion = closest_name(name, record.names())
            .map(|n| format!("; did you mean '{n}'?"))
            .unwrap_or_default();
        Error::typing(format!(
            "'{name}' is not a field of {self}{suggestion} (fields: {})",
            record.names().collect::<Vec<_>>().join(", ")
        ))
    }

    /// This expression's dimensions with the record `fields` as elements.
    fn with_record(&self, fields: Vec<(String, DataShape)>) -> Result<DataShape> {
        let record = DataShape::record(fields).map_err(|e| Error::typing(e.to_string()))?;
        Ok(with_dims(self.dshape().dims(), record))
    }

    /// This expression's shape with its first dimension replaced.
    fn with_first_dim(&self, dim: Dim, doing: &str) -> Result<DataShape> {
        let dims = self.dshape().dims();
        if dims.is_empty() {
            return Err(Error::typing(format!(
                "{doing} needs a collection, and {self} is a single value ({})",
                self.dshape()
            )));
        }
        let dims: Vec<Dim> = std::iter::once(dim)
            .chain(dims[1..].iter().cloned())
            .collect();
        Ok(with_dims(&dims, element(self.dshape())))
    }

    /// The expression whose rows this one has, one element per row: `t` for `t.amount + 1`
    /// and for `t[['a', 'b']]`; the expression itself when it makes rows of its own (a
    /// symbol, a selection, a sort...).
    pub fn rows(&self) -> &Expr {
        match self.op() {
            // A column of rows, or a value of a one-row record (`t[2].balance`); not a table
            // of a database.
            Op::Field { child, .. }
                if !child.dshape().dims().is_empty() || self.dshape().dims().is_empty() =>
            {
                child.rows()
            }
            Op::Projection { child, .. }
            | Op::Label { child, .. }
            | Op::Relabel { child, .. }
            | Op::Unary { child, .. }
            | Op::IsIn { child, .. }
            | Op::IsInColumn { child, .. }
            | Op::Like { child, .. }
            | Op::Coerce { child, .. }
            | Op::Cast { child, .. }
            | Op::Func { child, .. }
            | Op::Window { child, .. } => child.rows(),
            // Columns computed by window functions must be computed before rows are selected,
            // so a merge of them makes rows of its own.
            Op::Merge { columns } if !columns.iter().any(Expr::has_window) => columns
                .iter()
                .find(|c| !c.dshape().dims().is_empty())
                .expect("a merge has a column")
                .rows(),
            Op::Binary { lhs, rhs, .. }
            | Op::Coalesce { lhs, rhs }
            | Op::StrCat { lhs, rhs, .. } => {
                // The side with rows; of two single values (`t.amount[4] + 1`), the one that
                // is not a constant.
                let lhs_has_rows = !lhs.dshape().dims().is_empty();
                let rhs_has_rows = !rhs.dshape().dims().is_empty();
                if lhs_has_rows || (!rhs_has_rows && matches!(rhs.op(), Op::Literal(_))) {
                    lhs.rows()
                } else {
                    rhs.rows()
                }
            }
            _ => self,
        }
    }

    /// Whether this element-wise expression needs all the rows at once: it computes a window
    /// function, or combines a reduction with each row (`t.a - t.a.mean()`). Rows must not be
    /// selected before such a value is computed.
    pub fn has_window(&self) -> bool {
        match self.op() {
            Op::Window { .. } | Op::Reduction { .. } => true,
            Op::Merge { columns } => columns.iter().any(Expr::has_window),
            _ if self.rows() == self => false,
            _ => self.children().into_iter().any(|child| {
                if child.dshape().dims().is_empty() && !self.dshape().dims().is_empty() {
                    // A single value beside the rows is a window only if it reduces them; one
                    // of other rows (`t.a - t[t.b > 0].a.mean()`, `t.a - t.a[0]`) is computed
                    // apart, before them.
                    child
                        .reduced_collections()
                        .iter()
                        .any(|reduced| reduced.rows() == self.rows())
                } else {
                    child.has_window()
                }
            }),
        }
    }

    /// The collections reduced inside this (scalar) expression: `t.amount` in
    /// `t.amount.sum() + 1`.
    fn reduced_collections(&self) -> Vec<&Expr> {
        match self.op() {
            Op::Reduction { child, .. } => vec![child],
            Op::Literal(_) => vec![],
            _ => self
                .children()
                .into_iter()
                .flat_map(Expr::reduced_collections)
                .collect(),
        }
    }

    /// This expression with every occurrence of `old` replaced by `new` (of the same type).
    fn substitute(&self, old: &Expr, new: &Expr) -> Result<Expr> {
        if self == old {
            return Ok(new.clone());
        }
        let sub = |e: &Expr| e.substitute(old, new);
        match self.op() {
            Op::Symbol { .. } | Op::Literal(_) => Ok(self.clone()),
            Op::Field { child, field } => sub(child)?.field(field),
            Op::Projection { child, fields } => sub(child)?.project(fields),
            Op::Label { child, label } => Ok(sub(child)?.label(label)),
            Op::Relabel { child, labels } => sub(child)?.relabel(labels.clone()),
            Op::Unary { op, child } => sub(child)?.unary(*op),
            Op::IsIn { child, values } => sub(child)?.isin(values.clone()),
            Op::IsInColumn { child, values } => sub(child)?.isin_column(&sub(values)?),
            Op::Like { child, pattern } => sub(child)?.like(pattern),
            Op::Coerce { child, to } => sub(child)?.coerce(to.clone()),
            Op::Binary { op, lhs, rhs } => Expr::binary(*op, &sub(lhs)?, &sub(rhs)?),
            Op::Cast { child, to } => sub(child)?.cast(to.clone()),
            Op::Func { child, func } => sub(child)?.func(func.clone()),
            Op::StrCat { lhs, rhs, sep } => sub(lhs)?.str_cat(&sub(rhs)?, sep),
            Op::Coalesce { lhs, rhs } => crate::combine::coalesce(&sub(lhs)?, &sub(rhs)?),
            Op::Merge { columns } => {
                crate::combine::merge(columns.iter().map(sub).collect::<Result<_>>()?)
            }
            Op::Window { .. } => Err(Error::typing(format!(
                "cannot select rows of {self}: its values depend on the rows around them; select from a table that has it as a column, as in transform(t, v={self})[...]"
            ))),
            _ => Err(Error::typing(format!(
                "cannot select rows of {self} by a predicate over {old}"
            ))),
        }
    }
}

/// Split-apply-combine: `values` (named reductions) for each group of equal `grouper` values:
/// `by(t.name, total=t.amount.sum())`. Columns: the grouper's, then the values', in the order
/// written.
pub fn by(grouper: &Expr, values: Vec<(String, Expr)>) -> Result<Expr> {
    if grouper.dshape().dims().len() != 1 {
        return Err(Error::typing(format!(
            "by groups the rows of a table, so its grouper must be a column or columns, not {} ({})",
            grouper,
            grouper.dshape()
        )));
    }
    let table = grouper.rows();
    let summary = table.summary(values)?;
    let mut fields: Vec<(String, DataShape)> = match record_of(grouper.dshape()) {
        Some(record) => record.fields().to_vec(),
        None => {
            let name = grouper.name().ok_or_else(|| {
                Error::typing(format!(
                    "the grouper {grouper} has no name; name it with .label('...')"
                ))
            })?;
            vec![(name.to_owned(), element(grouper.dshape()))]
        }
    };
    let Op::Summary { values, .. } = summary.op() else {
        unreachable!("summary builds a summary")
    };
    for (name, value) in values {
        if fields.iter().any(|(n, _)| n == name) {
            return Err(Error::typing(format!(
                "'{name}' names both a grouping column and a reduction"
            )));
        }
        fields.push((name.clone(), value.dshape().clone()));
    }
    let dshape = with_dims(
        &[Dim::Var],
        DataShape::record(fields).map_err(|e| Error::typing(e.to_string()))?,
    );
    Ok(Expr::new(
        Op::By {
            grouper: grouper.clone(),
            summary: summary.clone(),
        },
        dshape,
        table.name().map(str::to_owned),
    ))
}

/// The dimensions of an element-wise combination of `lhs` and `rhs`: those of the one that
/// has rows (a single value combines with every element), which must be the same rows; n-d
/// arrays broadcast as numpy's do instead.
pub(crate) fn common_dims(lhs: &Expr, rhs: &Expr) -> Result<Vec<Dim>> {
    Ok(match (lhs.dshape().dims(), rhs.dshape().dims()) {
        ([], dims) | (dims, []) => dims.to_vec(),
        (l, r) if lhs.is_over_arrays() && rhs.is_over_arrays() => broadcast(lhs, rhs, l, r)?,
        (l, r) => {
            if lhs.rows() != rhs.rows() || l.len() != r.len() {
                return Err(Error::typing(format!(
                    "cannot combine {lhs} and {rhs}: they are not over the same rows (join their tables first)"
                )));
            }
            l.to_vec()
        }
    })
}

/// numpy's broadcasting of the dimensions `l` of `lhs` and `r` of `rhs`, all of fixed length:
/// aligned from the last, each pair equal or one of them 1.
fn broadcast(lhs: &Expr, rhs: &Expr, l: &[Dim], r: &[Dim]) -> Result<Vec<Dim>> {
    let length = |d: &Dim| match d {
        Dim::Fixed(n) => *n,
        _ => unreachable!("arrays have dimensions of fixed length"),
    };
    let ndim = l.len().max(r.len());
    let at = |dims: &[Dim], i: usize| {
        (i + dims.len())
            .checked_sub(ndim)
            .map_or(1, |i| length(&dims[i]))
    };
    (0..ndim)
        .map(|i| match (at(l, i), at(r, i)) {
            (a, b) if a == b || b == 1 => Ok(Dim::Fixed(a)),
            (1, b) => Ok(Dim::Fixed(b)),
            _ => Err(Error::typing(format!(
                "cannot combine {lhs} ({}) and {rhs} ({}): their shapes do not broadcast \
                 (numpy's rule: aligned from the last axis, lengths equal or 1)",
                lhs.dshape(),
                rhs.dshape()
            ))),
        })
        .collect()
}

/// A literal format interpolated with `value` (`'%.2f' % t.x`): checked when written, so that
/// a bad format is an error at its place in the text, not when the rows are computed.
fn check_format(format: &str, value: &Expr) -> Result<()> {
    let format = crate::interp::Format::parse(format).map_err(Error::typing)?;
    if format.takes_number() && is_string(value.dshape()) {
        return Err(Error::typing(format!(
            "the format takes a number, and {value} is {}",
            value.dshape()
        )));
    }
    Ok(())
}

/// Integers combined with a literal that no integer result has, refused as Python refuses
/// them: `x // 0` and `x % 0` (which would otherwise fail only once a row is computed), and
/// `x ** -1` (NumPy's error: an integer power of an integer is an integer).
fn check_integer_operands(op: BinaryOp, lhs: &Expr, rhs: &Expr) -> Result<()> {
    let integers = base(lhs.dshape()).is_integer() && base(rhs.dshape()).is_integer();
    match (op, rhs.op()) {
        (BinaryOp::FloorDiv | BinaryOp::Mod, Op::Literal(Value::Int(0))) if integers => {
            Err(Error::typing(format!(
                "integer division or modulo by zero: {lhs} {} 0",
                op.symbol()
            )))
        }
        (BinaryOp::Pow, Op::Literal(Value::Int(n))) if integers && *n < 0 => {
            Err(Error::typing(format!(
                "integers to negative integer powers are not allowed: {lhs} ** {n} \
                 (write {lhs} ** {n}.0 for a float)"
            )))
        }
        _ => Ok(()),
    }
}

/// A string literal compared with dates or datetimes is read as one (`t.when >= '2012-01-02'`);
/// other operands are returned as they are.
fn coerce_literal(side: &Expr, other: &Expr) -> Result<Expr> {
    let (Op::Literal(Value::Str(text)), measure) = (side.op(), base(other.dshape())) else {
        return Ok(side.clone());
    };
    let target = match measure {
        Measure::Date | Measure::DateTime { .. } => measure.clone(),
        _ => return Ok(side.clone()),
    };
    let parsed = blaze_datashape::discover::parse_datetime(text.trim());
    if parsed.is_none() {
        return Err(Error::typing(format!(
            "'{text}' is not a valid {} to compare {other} with",
            DataShape::scalar(target)
        )));
    }
    Ok(Expr::new(
        side.op().clone(),
        DataShape::scalar(target),
        None,
    ))
}

/// The length of a dimension after slicing it `start:stop:step` (variable when it cannot be
/// known from a variable one).
pub(crate) fn sliced_dim(
    dim: &Dim,
    start: Option<i64>,
    stop: Option<i64>,
    step: Option<i64>,
) -> Dim {
    let length = match dim {
        Dim::Fixed(n) => Some(range_length(*n as i64, &start, &stop, &step)),
        _ => match (start.unwrap_or(0), stop, step.unwrap_or(1)) {
            (s, Some(e), st) if s >= 0 && e >= 0 && st > 0 => {
                Some(range_length(i64::MAX, &Some(s), &Some(e), &Some(st)))
            }
            _ => None,
        },
    };
    length.map_or(Dim::Var, Dim::Fixed)
}

/// Elements selected by `start:stop:step` out of `n`, as Python counts them.
fn range_length(n: i64, start: &Option<i64>, stop: &Option<i64>, step: &Option<i64>) -> u64 {
    let step = step.unwrap_or(1);
    let clamp = |i: i64, low: i64, high: i64| {
        let i = if i < 0 { i.saturating_add(n) } else { i };
        i.clamp(low, high)
    };
    let (start, stop) = if step > 0 {
        (
            start.map_or(0, |s| clamp(s, 0, n)),
            stop.map_or(n, |s| clamp(s, 0, n)),
        )
    } else {
        (
            start.map_or(n - 1, |s| clamp(s, -1, n - 1)),
            stop.map_or(-1, |s| clamp(s, -1, n - 1)),
        )
    };
    let span = if step > 0 { stop - start } else { start - stop };
    if span <= 0 {
        0
    } else {
        ((span - 1) / step.abs() + 1) as u64
    }
}

/// The name of a date part, as written: `year`, `minute`, `weekday`...
pub(crate) fn date_part_name(part: DatePart) -> &'static str {
    crate::resolve::DT_PARTS
        .iter()
        .find(|(_, p)| *p == part)
        .map(|(name, _)| *name)
        .expect("every date part has a name")
}

fn quoted_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_lengths_follow_python() {
        let len = |n, a, b, c| range_length(n, &a, &b, &c);
        assert_eq!(len(10, Some(2), Some(7), None), 5);
        assert_eq!(len(10, Some(2), Some(7), Some(2)), 3);
        assert_eq!(len(10, None, None, Some(-1)), 10);
        assert_eq!(len(10, Some(-3), None, None), 3);
        assert_eq!(len(10, Some(8), Some(2), None), 0);
        assert_eq!(len(10, None, None, Some(3)), 4);
    }
}
