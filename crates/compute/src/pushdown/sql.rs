//! Collections as SQL: each node of the expression tree adds to the `SELECT` of its child, or
//! reads it as a subquery where SQL's clauses do not compose (see [`Select`]).

use blaze_expr::{Expr, Index, JoinKind, Op, Reduction};
use blaze_odo::SqlValue;

use super::dialect::Dialect;
use super::select::{OrderKey, Select};
use super::{DatabaseTables, Language, Local, Pushdown, PushedQuery, different_rows, quote};
use crate::compile::{arrow_element, element_rows, output_name, reduced_rows, reductions};

/// Compiles the expressions over the tables of one database to its SQL.
pub(super) struct SqlCompiler<'a> {
    pub(super) dialect: Dialect,
    tables: &'a DatabaseTables,
    /// Values bound to the parameters, in the order of their numbers.
    pub(super) params: Vec<SqlValue>,
    aliases: usize,
}

impl<'a> SqlCompiler<'a> {
    pub(super) fn new(dialect: Dialect, tables: &'a DatabaseTables) -> Self {
        SqlCompiler {
            dialect,
            tables,
            params: Vec::new(),
            aliases: 0,
        }
    }

    /// `expr` as one statement whose columns are the expression's result columns. PostgreSQL
    /// is told the type of each (its `sum` of integers is a `numeric`, for one); SQLite's
    /// values are read into the expected types.
    pub(super) fn query(mut self, expr: &Expr) -> Pushdown<PushedQuery> {
        let mut select = self.select(expr)?;
        let fields = arrow_element(expr).map_err(|e| Local(e.to_string()))?;
        if self.dialect == Dialect::Postgres {
            for ((sql, _), field) in select.columns.iter_mut().zip(&fields) {
                if let Some(name) = self.dialect.type_name(field.data_type()) {
                    *sql = format!("CAST({sql} AS {name})");
                }
            }
        }
        Ok(PushedQuery {
            select,
            params: self.params,
            dialect: self.dialect,
        })
    }

    /// The placeholder of a new parameter bound to `value`.
    pub(super) fn bind(&mut self, value: SqlValue) -> String {
        self.params.push(value);
        self.dialect.parameter(self.params.len())
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        quote(&format!("q{}", self.aliases))
    }

    /// `select` read as a subquery: its columns under their names, in its order where that
    /// can be told from its columns.
    fn wrap(&mut self, select: Select) -> Pushdown<Select> {
        let alias = self.alias();
        let outer = |sql: &str| {
            select
                .columns
                .iter()
                .find(|(column, _)| column == sql)
                .map(|(_, name)| format!("{alias}.{}", quote(name)))
        };
        let order_by = select
            .order_by
            .iter()
            .map(|key| {
                let sql = outer(&key.sql).ok_or_else(|| {
                    Local("rows sorted by values no column holds lose their order".into())
                })?;
                Ok(OrderKey { sql, ..key.clone() })
            })
            .collect::<Pushdown<Vec<_>>>()?;
        let mut wrapped = self.wrap_unordered(select, alias);
        wrapped.order_by = order_by;
        Ok(wrapped)
    }

    /// `select` read as a subquery named `alias`, its order forgotten (a group-by, a join or
    /// distinct rows come next, which have none).
    fn wrap_unordered(&mut self, select: Select, alias: String) -> Select {
        let columns = select
            .columns
            .iter()
            .map(|(_, name)| (format!("{alias}.{}", quote(name)), name.clone()))
            .collect();
        Select::new(
            format!("({}) AS {alias}", select.render(self.dialect)),
            columns,
        )
    }

    /// Every column of `source` (a table, or a subquery in parentheses), the fields of
    /// `expr`, under an alias of its own.
    fn every_column(&mut self, source: String, expr: &Expr) -> Select {
        let alias = self.alias();
        let columns = expr
            .fields()
            .into_iter()
            .map(|f| (format!("{alias}.{}", quote(f)), f.to_owned()))
            .collect();
        Select::new(format!("{source} AS {alias}"), columns)
    }

    /// The rows of `select` in no particular order (they are grouped, joined or made
    /// distinct next). Limited rows stay in a subquery that takes them in their order.
    fn unordered(&mut self, mut select: Select) -> Select {
        if select.limit.is_some() || select.offset > 0 {
            let alias = self.alias();
            return self.wrap_unordered(select, alias);
        }
        select.order_by.clear();
        select
    }

    /// The rows of `expr` as a select whose rows are not grouped, distinct or limited (to
    /// be filtered, grouped or joined), in no particular order.
    fn plain_rows(&mut self, expr: &Expr) -> Pushdown<Select> {
        let select = self.select(expr)?;
        let select = self.unordered(select);
        Ok(if select.is_plain() {
            select
        } else {
            let alias = self.alias();
            self.wrap_unordered(select, alias)
        })
    }

    /// The rows (or the one row of a single value) of `expr` as a select, its columns named
    /// as the expression's result columns.
    pub(super) fn select(&mut self, expr: &Expr) -> Pushdown<Select> {
        if expr.dshape().dims().is_empty() && !reductions(expr).is_empty() {
            return self.single_row(expr);
        }
        if let Some(table) = self.tables.table_of(expr) {
            let Language::Sql { quoted, .. } = &table.language else {
                return Err(Local(format!("{expr} is not in a SQL database")));
            };
            return Ok(self.every_column(quoted.clone(), expr));
        }
        match expr.op() {
            Op::Selection { child, predicate } => {
                if predicate.has_window() {
                    return Err(Local("window functions need every row in order".into()));
                }
                let select = self.select(child)?;
                let mut select = if select.is_plain() {
                    select
                } else {
                    self.wrap(select)?
                };
                let condition = self.element(predicate, child, &select)?;
                select.filter.push(condition);
                Ok(select)
            }
            Op::Head { child, n } => {
                let mut select = self.select(child)?;
                select.take(0, Some(*n));
                Ok(select)
            }
            Op::Slice { child, index } => {
                let (start, stop) = match *index {
                    Index::At(i) if i >= 0 => (i, Some(i + 1)),
                    Index::Range {
                        start,
                        stop,
                        step: None | Some(1),
                    } if start.unwrap_or(0) >= 0 && stop.is_none_or(|s| s >= 0) => {
                        (start.unwrap_or(0), stop)
                    }
                    _ => {
                        return Err(Local(
                            "slices from the end or with steps count the rows".into(),
                        ));
                    }
                };
                let mut select = self.select(child)?;
                let count = stop.map(|stop| stop.saturating_sub(start).max(0) as u64);
                select.take(start as u64, count);
                Ok(select)
            }
            Op::Tail { child, n } if matches!(child.op(), Op::Sort { .. }) => {
                // The last rows in the sort's order: the first in the reverse order, put
                // back in order.
                let mut select = self.select(child)?;
                if !select.is_plain() {
                    return Err(Local("the tail of limited rows".into()));
                }
                select.order_by.iter_mut().for_each(OrderKey::reverse);
                select.take(0, Some(*n));
                let mut last = self.wrap(select)?;
                last.order_by.iter_mut().for_each(OrderKey::reverse);
                Ok(last)
            }
            Op::Sort {
                child,
                keys,
                ascending,
            } => {
                let mut select = self.select(child)?;
                if select.limit.is_some() || select.offset > 0 || select.distinct {
                    let alias = self.alias();
                    select = self.wrap_unordered(select, alias);
                }
                let mut order = keys
                    .iter()
                    .map(|key| {
                        let sql = self.element(key, child, &select)?;
                        Ok(OrderKey::new(sql, key, *ascending))
                    })
                    .collect::<Pushdown<Vec<_>>>()?;
                // Rows already sorted keep that order among equal keys.
                order.append(&mut select.order_by);
                select.order_by = order;
                Ok(select)
            }
            Op::Distinct { child, on } if on.is_empty() => {
                let select = self.select(child)?;
                let mut select = self.unordered(select);
                select.distinct = true;
                Ok(select)
            }
            Op::By { grouper, summary } => {
                let Op::Summary { values, .. } = summary.op() else {
                    unreachable!("by holds a summary")
                };
                let rows = grouper.rows();
                let mut select = self.plain_rows(rows)?;
                let groups: Vec<(String, String)> = if grouper.fields().is_empty() {
                    let sql = self.element(grouper, rows, &select)?;
                    vec![(sql, output_name(grouper).to_owned())]
                } else {
                    grouper
                        .fields()
                        .into_iter()
                        .map(|name| {
                            let field = grouper.field(name).map_err(|e| Local(e.to_string()))?;
                            Ok((self.element(&field, rows, &select)?, name.to_owned()))
                        })
                        .collect::<Pushdown<_>>()?
                };
                let values = self.aggregates(values, rows, &select)?;
                select.group_by = groups.iter().map(|(sql, _)| sql.clone()).collect();
                select.columns = groups.into_iter().chain(values).collect();
                select.aggregated = true;
                Ok(select)
            }
            Op::Projection { child, fields } if child == expr.rows() => {
                let select = self.select(child)?;
                let mut select = if select.distinct {
                    self.wrap(select)?
                } else {
                    select
                };
                select.columns = fields
                    .iter()
                    .map(|f| {
                        let sql = select.column(f).expect("typed projections");
                        (sql.to_owned(), f.clone())
                    })
                    .collect();
                Ok(select)
            }
            Op::Relabel { child, labels } if child == expr.rows() => {
                let mut select = self.select(child)?;
                for (_, name) in &mut select.columns {
                    if let Some((_, new)) = labels.iter().find(|(old, _)| old == name) {
                        *name = new.clone();
                    }
                }
                Ok(select)
            }
            Op::Join { .. } => self.join(expr),
            Op::Concat { lhs, rhs } => {
                let (top, bottom) = (self.select(lhs)?, self.select(rhs)?);
                let part = |compiler: &mut Self, select: Select| {
                    let alias = compiler.alias();
                    let wrapped = compiler.wrap_unordered(select, alias);
                    wrapped.render(compiler.dialect)
                };
                let sql = format!("({} UNION ALL {})", part(self, top), part(self, bottom));
                Ok(self.every_column(sql, expr))
            }
            _ if expr.rows() != expr || matches!(expr.op(), Op::Merge { .. }) => {
                if expr.has_window() {
                    return Err(Local("window functions need every row in order".into()));
                }
                let rows = element_rows(expr);
                let select = self.select(rows)?;
                let mut select = if select.distinct {
                    self.wrap(select)?
                } else {
                    select
                };
                let fields = expr.fields();
                select.columns = if fields.is_empty() {
                    vec![(
                        self.element(expr, rows, &select)?,
                        output_name(expr).to_owned(),
                    )]
                } else {
                    fields
                        .into_iter()
                        .map(|name| Ok((self.field(expr, name, rows, &select)?, name.to_owned())))
                        .collect::<Pushdown<_>>()?
                };
                Ok(select)
            }
            _ => Err(Local(format!("no SQL for {expr}"))),
        }
    }

    /// One row of values that reduce rows (a reduction, a summary, arithmetic on them).
    fn single_row(&mut self, expr: &Expr) -> Pushdown<Select> {
        let values = match expr.op() {
            Op::Summary { values, .. } => values.clone(),
            // Distinct rows of a table: counted as the rows of `SELECT DISTINCT`.
            Op::Reduction {
                op: Reduction::Nunique,
                child,
            } if !child.fields().is_empty() => {
                let distinct = child
                    .distinct(Vec::new())
                    .and_then(|rows| rows.reduce(Reduction::Nelements))
                    .map_err(|e| Local(e.to_string()))?;
                vec![(output_name(expr).to_owned(), distinct)]
            }
            _ => vec![(output_name(expr).to_owned(), expr.clone())],
        };
        let rows = reduced_rows(&values).ok_or_else(different_rows)?;
        let mut select = self.plain_rows(&rows)?;
        select.columns = self.aggregates(&values, &rows, &select)?;
        select.aggregated = true;
        Ok(select)
    }

    /// A join of two subqueries, its columns in Blaze's order: the keys, the left side's
    /// other columns, the right side's.
    fn join(&mut self, expr: &Expr) -> Pushdown<Select> {
        let Op::Join {
            lhs,
            rhs,
            on_left,
            on_right,
            how,
            ..
        } = expr.op()
        else {
            unreachable!("a join")
        };
        let left = self.subquery(lhs)?;
        let right = self.subquery(rhs)?;
        let column =
            |select: &Select, name: &str| select.column(name).expect("typed join keys").to_owned();
        let on: Vec<String> = on_left
            .iter()
            .zip(on_right)
            .map(|(l, r)| format!("{} = {}", column(&left, l), column(&right, r)))
            .collect();
        let kind = match how {
            JoinKind::Inner => "INNER JOIN",
            JoinKind::Left => "LEFT JOIN",
            JoinKind::Right => "RIGHT JOIN",
            JoinKind::Outer => "FULL JOIN",
        };
        let mut sources: Vec<String> = on_left
            .iter()
            .zip(on_right)
            .map(|(l, r)| match how {
                JoinKind::Inner | JoinKind::Left => column(&left, l),
                JoinKind::Right => column(&right, r),
                JoinKind::Outer => format!("COALESCE({}, {})", column(&left, l), column(&right, r)),
            })
            .collect();
        let rest = |select: &Select, keys: &[String]| -> Vec<String> {
            select
                .columns
                .iter()
                .filter(|(_, name)| !keys.contains(name))
                .map(|(sql, _)| sql.clone())
                .collect()
        };
        sources.extend(rest(&left, on_left));
        sources.extend(rest(&right, on_right));
        let columns = sources
            .into_iter()
            .zip(expr.fields())
            .map(|(sql, name)| (sql, name.to_owned()))
            .collect();
        let from = format!(
            "{} {kind} {} ON {}",
            left.from,
            right.from,
            on.join(" AND ")
        );
        Ok(Select::new(from, columns))
    }

    /// The rows of `expr` as a subquery with an alias of its own, for a join.
    fn subquery(&mut self, expr: &Expr) -> Pushdown<Select> {
        let select = self.select(expr)?;
        let mut select = self.unordered(select);
        select.order_by.clear();
        let alias = self.alias();
        Ok(self.wrap_unordered(select, alias))
    }
}
