//! Compiling a whole expression tree into one DataFusion plan (a `DataFrame`), so the engine
//! optimises and runs it as a unit: filters and projections reach the scans, reductions and
//! group-bys run in parallel, and nothing is computed node by node.
//!
//! Collections compile to frames ([`Compiler::frame`]); element-wise expressions compile to
//! column expressions over the frame of their rows ([`column`]); reductions become aggregates.
//! Result columns carry Blaze's names (`amount_sum`) and, at the end, the expression's types.

mod column;
mod computed_first;
mod int_pow;
mod text;

use std::sync::{Arc, Mutex};

use crate::result_order::is_row_by_row;
use arrow::array::{ArrayRef, AsArray, RecordBatch, UInt64Array};
use arrow::datatypes::{DataType, Field, Int64Type, Schema};
use blaze_datashape::Measure;
use blaze_expr::{
    BinaryOp, Expr, Index, JoinKind, Op, RankMethod, Reduction, SampleSize, Value, WindowFn,
};
use blaze_odo::{SqlQuery, SqlValue};
use datafusion::catalog::TableProvider;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{JoinType, ScalarValue, TableReference};
use datafusion::execution::memory_pool::MemoryLimit;
use datafusion::functions::core::expr_fn as core;
use datafusion::functions::math::expr_fn as math;
use datafusion::functions_aggregate::count::count_all;
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::functions_aggregate::percentile_cont::percentile_cont;
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{ExprFunctionExt, Extension, LogicalPlan, SortExpr};
use datafusion::prelude::{DataFrame, Expr as DfExpr, SessionContext, cast, ident, lit};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;

use self::column::column;
pub(crate) use self::column::{arrow_element, arrow_type, base, temporal};
use self::computed_first::{Values, computed_first};
use crate::engine::{InTurn, Order, TopPerGroup};
use crate::error::{Error, Result};
use crate::pushdown::{self, DatabaseTables, Language, Local};
use crate::source::{QueryTable, pipeline_table, remote_table};

tokio::task_local! {
    /// The distinct values of the columns `isin` compares with in the expression being
    /// compiled (`c.name` in `t.name.isin(c.name)`), computed before it, for [`column`] to
    /// test membership of. (DataFusion 55 plans `IN (subquery)` only in filters; `isin` is
    /// a column anywhere.)
    pub(crate) static VALUE_COLUMNS: Vec<(Expr, Values)>;
    /// The single values the expression being compiled combines with rows they are not
    /// computed over (`t.a[0]` in `t.a - t.a[0]`), computed before it, as constants
    /// ([`foreign_values`]).
    pub(crate) static SINGLE_VALUES: Vec<(Expr, DfExpr)>;
}

/// The columns of values of every `isin(column)` in `expr`.
fn value_columns(expr: &Expr) -> Vec<&Expr> {
    match expr.op() {
        Op::IsInColumn { child, values } => {
            let mut found = value_columns(child);
            found.push(values);
            found
        }
        _ => expr
            .children()
            .into_iter()
            .flat_map(value_columns)
            .collect(),
    }
}

/// The single values `expr` combines with rows they are not computed over: elements, and
/// reductions of other rows (`t.a[0]` and `c.b.sum()` in `t.a - t.a[0] + c.b.sum()`), inner
/// ones first. A reduction of the same rows (`t.a - t.a.mean()`) is not one: it is computed
/// with the rows, as a window.
fn foreign_values(expr: &Expr) -> Vec<&Expr> {
    let mut found: Vec<&Expr> = expr
        .children()
        .into_iter()
        .flat_map(foreign_values)
        .collect();
    let foreign = |rows: &Expr, part: &Expr| part_rows(part) != rows;
    match expr.op() {
        Op::Binary { lhs, rhs, .. } | Op::Coalesce { lhs, rhs } | Op::StrCat { lhs, rhs, .. }
            if !expr.dshape().dims().is_empty() =>
        {
            for side in [lhs, rhs] {
                let parts = scalar_parts(side);
                if side.dshape().dims().is_empty()
                    && parts.iter().any(|part| foreign(expr.rows(), part))
                {
                    found.push(side);
                }
            }
        }
        // A summary's value (also a group's) with one that is not of its rows (`t.a[0]` in
        // `by(t.b, s=t.a.sum() - t.a[0])`).
        Op::Summary { child, values } => {
            for (_, value) in values {
                let parts = scalar_parts(value);
                found.extend(parts.into_iter().filter(|p| foreign(child.rows(), p)));
            }
        }
        _ => {}
    }
    let mut distinct: Vec<&Expr> = Vec::with_capacity(found.len());
    for value in found {
        if !distinct.contains(&value) {
            distinct.push(value);
        }
    }
    distinct
}

/// A query and its parameters as `--explain` shows them.
pub(crate) fn sql_text(query: &SqlQuery) -> String {
    let mut text = query.sql.clone();
    if !query.params.is_empty() {
        let values: Vec<String> = query
            .params
            .iter()
            .map(|value| match value {
                SqlValue::Bool(b) => b.to_string(),
                SqlValue::Int(i) => i.to_string(),
                SqlValue::Float(x) => x.to_string(),
                SqlValue::Text(s) => format!("'{}'", s.replace('\'', "''")),
            })
            .collect();
        text.push_str(&format!("\n  parameters: {}", values.join(", ")));
    }
    text
}

/// The name of an expression's result column; `_` when Blaze gives it none.
pub(crate) fn output_name(expr: &Expr) -> &str {
    expr.name().unwrap_or("_")
}

/// Compiles expressions over the tables registered in a session.
pub(crate) struct Compiler<'a> {
    pub(crate) ctx: &'a SessionContext,
    /// The tables that are in SQL databases, where what can be computed is.
    pub(crate) tables: &'a DatabaseTables,
    /// The queries sent to databases so far, and why the first part that could not be
    /// was computed locally.
    pub(crate) pushdown: Mutex<Pushdown>,
    /// When the plan is only to be shown: the values it would compute first (each named
    /// as written, with its own plan), which are planned instead (see [`computed_first`]).
    planned_first: Option<Mutex<Vec<(String, DataFrame)>>>,
}

/// What a compilation sent to databases.
#[derive(Debug, Default)]
pub(crate) struct Pushdown {
    /// Each query (SQL and its parameters, or a pipeline), with its database. A SQL query's
    /// text is the one sent when its table is scanned, for only the columns needed.
    pub(crate) queries: Vec<(String, Arc<Mutex<String>>)>,
    /// Why the first expression over a database's tables that stayed local did.
    pub(crate) local: Option<(String, String)>,
}

impl<'a> Compiler<'a> {
    /// A compiler over the tables of `ctx`, of which `tables` are in databases.
    pub(crate) fn new(ctx: &'a SessionContext, tables: &'a DatabaseTables) -> Self {
        Compiler {
            ctx,
            tables,
            pushdown: Mutex::default(),
            planned_first: None,
        }
    }

    /// A compiler whose plans are only shown: it computes nothing, not even the values a
    /// plan would compute first ([`Compiler::planned_first`]).
    pub(crate) fn planning(ctx: &'a SessionContext, tables: &'a DatabaseTables) -> Self {
        Compiler {
            planned_first: Some(Mutex::default()),
            ..Compiler::new(ctx, tables)
        }
    }

    /// The values the plans so far would compute first, each named as written, with its plan
    /// (for a compiler that is [`Compiler::planning`]).
    pub(crate) fn planned_first(&self) -> Vec<(String, DataFrame)> {
        self.planned_first
            .as_ref()
            .map_or_else(Vec::new, |planned| {
                std::mem::take(&mut *planned.lock().unwrap_or_else(|e| e.into_inner()))
            })
    }

    /// Keeps `frame`, the plan of `expr`, to be shown beside the plan that uses it, if the
    /// plan is only shown; whether it was.
    fn plan_first(&self, expr: &Expr, frame: DataFrame) -> bool {
        let Some(planned) = &self.planned_first else {
            return false;
        };
        planned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((expr.to_string(), frame));
        true
    }

    /// What the compilations so far sent to databases.
    pub(crate) fn into_pushdown(self) -> Pushdown {
        self.pushdown
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// `expr` computed by the database its tables are in, if they are all in one and SQL
    /// expresses it whole.
    fn push(&self, expr: &Expr) -> Result<Option<DataFrame>> {
        let Some(table) = self.tables.database_of(expr) else {
            return Ok(None);
        };
        let mut pushdown = self.pushdown.lock().unwrap_or_else(|e| e.into_inner());
        // Databases may give missing values (a sum of no rows) where the types say none.
        let fields: Vec<Field> = arrow_element(expr)?
            .into_iter()
            .map(|f| f.with_nullable(true))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let database = table.database.clone();
        let compiled = match &table.language {
            Language::Sql { dialect, .. } => {
                pushdown::compile(expr, self.tables, *dialect).map(|query| {
                    let table = QueryTable::new(database.clone(), query, schema);
                    let sent = table.sent();
                    (Arc::new(table) as Arc<dyn TableProvider>, sent)
                })
            }
            Language::Mongo => pushdown::mongo::compile(expr, self.tables).map(|pipeline| {
                let text = serde_json::Value::Array(pipeline.clone()).to_string();
                let text = Arc::new(Mutex::new(text));
                (pipeline_table(database.clone(), pipeline, schema), text)
            }),
            // A Blaze server computes any expression: all of it goes.
            Language::Blaze { .. } => {
                let tree = pushdown::blaze_tree(expr, self.tables);
                let text = Arc::new(Mutex::new(tree.to_string()));
                Ok((remote_table(database.clone(), tree, schema), text))
            }
        };
        match compiled {
            Ok((provider, sent)) => {
                pushdown.queries.push((database.to_string(), sent));
                Ok(Some(self.ctx.read_table(provider)?))
            }
            Err(Local(reason)) => {
                pushdown
                    .local
                    .get_or_insert_with(|| (expr.to_string(), reason));
                Ok(None)
            }
        }
    }

    /// The result of `expr` as a frame, its columns named and typed as the expression says.
    pub(crate) async fn compile(&self, expr: &Expr) -> Result<DataFrame> {
        let frame = match self.push(expr)? {
            Some(pushed) => pushed,
            None => {
                let mut lists = Vec::new();
                for values in value_columns(expr) {
                    lists.push((values.clone(), self.distinct_values(values).await?));
                }
                let local = async {
                    let mut values = Vec::new();
                    for part in foreign_values(expr) {
                        let value = SINGLE_VALUES.scope(values.clone(), self.single_value(part));
                        values.push((part.clone(), value.await?));
                    }
                    SINGLE_VALUES.scope(values, self.local_frame(expr)).await
                };
                VALUE_COLUMNS.scope(lists, local).await?
            }
        };
        let frame = conform(frame, expr, Layout::AnyOfString)?;
        let row_by_row = is_row_by_row(expr);
        if !row_by_row && !depends_on_positions(expr) {
            return Ok(frame);
        }
        // Where positions matter (windows, head, slices), and where rows are only picked
        // and computed one by one (so that they come in the order read, as pandas and
        // DuckDB keep them), batches are not dealt out to be worked on in parallel, which
        // would interleave them. Files are read in partitions, consecutive runs of rows (no
        // partition takes another's files when it runs out), that only [`TopPerGroup`] and
        // the reading of rows picked one by one ([`crate::result_order`]) know to take in
        // turn: for anything else the rows are read as one partition, in order. (A CSV or
        // JSON file is parsed on every core either way.)
        let (mut state, plan) = frame.into_parts();
        let options = state.config_mut().options_mut();
        options.optimizer.enable_round_robin_repartition = false;
        options.execution.enable_file_stream_work_stealing = false;
        if row_by_row || !self.needs_rows_in_one_stream(expr) {
            return Ok(DataFrame::new(state, plan));
        }
        options.execution.target_partitions = 1;
        // A concatenation's partitions are its parts' (one each, now): read in turn, not
        // merged as they come, so that `concat(a, b)`'s rows are `a`'s then `b`'s.
        let plan = plan
            .transform_up(|plan| {
                Ok(match plan {
                    LogicalPlan::Union(_) => Transformed::yes(LogicalPlan::Extension(Extension {
                        node: Arc::new(InTurn::new(plan)),
                    })),
                    plan => Transformed::no(plan),
                })
            })?
            .data;
        Ok(DataFrame::new(state, plan))
    }

    /// Whether `expr` depends on the positions of rows other than through selections that
    /// [`TopPerGroup`] computes (see [`Compiler::first_per_group_form`]).
    fn needs_rows_in_one_stream(&self, expr: &Expr) -> bool {
        match expr.op() {
            Op::Selection { child, predicate }
                if self.first_per_group_form(predicate, child).is_some() =>
            {
                // The predicate reads only columns of `child`, and no windows.
                self.needs_rows_in_one_stream(child)
            }
            Op::Window { .. }
            | Op::Head { .. }
            | Op::Tail { .. }
            | Op::Slice { .. }
            | Op::Take { .. }
            | Op::Distinct { .. } => true,
            _ => expr
                .children()
                .into_iter()
                .any(|child| self.needs_rows_in_one_stream(child)),
        }
    }

    /// `predicate`, a selection's of `rows`, as "the first `n` of each group", where it has
    /// that form (`t.v.rank(method='first', by=t.g) <= n`, or `<`, either way round) and
    /// [`TopPerGroup`] can compute it: memory is not limited (it cannot spill) and the rows'
    /// order is the order they are read in (not a sort's, which the engine may leave out).
    fn first_per_group_form<'e>(
        &self,
        predicate: &'e Expr,
        rows: &Expr,
    ) -> Option<FirstPerGroup<'e>> {
        let limited = !matches!(
            self.ctx.runtime_env().memory_pool.memory_limit(),
            MemoryLimit::Infinite
        );
        let Op::Binary { op, lhs, rhs } = predicate.op() else {
            return None;
        };
        let (rank, n) = match (op, lhs.op(), rhs.op()) {
            (BinaryOp::Le, _, Op::Literal(Value::Int(n))) => (lhs, *n),
            (BinaryOp::Lt, _, Op::Literal(Value::Int(n))) => (lhs, n.saturating_sub(1)),
            (BinaryOp::Ge, Op::Literal(Value::Int(n)), _) => (rhs, *n),
            (BinaryOp::Gt, Op::Literal(Value::Int(n)), _) => (rhs, n.saturating_sub(1)),
            _ => return None,
        };
        let Op::Window {
            func:
                WindowFn::Rank {
                    ascending,
                    method: RankMethod::First,
                },
            child,
            by,
        } = rank.op()
        else {
            return None;
        };
        if limited || sorted(rows) || child.has_window() || by.iter().any(Expr::has_window) {
            return None;
        }
        Some(FirstPerGroup {
            value: child,
            by,
            ascending: *ascending,
            n: usize::try_from(n).unwrap_or(0),
        })
    }

    /// The rows of `frame` (the frame of `rows`) that satisfy `predicate`, computed by
    /// [`TopPerGroup`] where [`Compiler::first_per_group_form`] says it can.
    fn first_per_group(
        &self,
        predicate: &Expr,
        rows: &Expr,
        frame: &DataFrame,
    ) -> Result<Option<DataFrame>> {
        let Some(first) = self.first_per_group_form(predicate, rows) else {
            return Ok(None);
        };
        let keys = first
            .by
            .iter()
            .map(|key| column(key, rows))
            .collect::<Result<Vec<_>>>()?;
        let order = Order {
            ascending: first.ascending,
            nulls_first: !first.ascending,
        };
        let (state, plan) = frame.clone().into_parts();
        let node = TopPerGroup::new(plan, keys, column(first.value, rows)?, order, first.n);
        let plan = LogicalPlan::Extension(Extension {
            node: Arc::new(node),
        });
        Ok(Some(DataFrame::new(state, plan)))
    }

    /// The distinct values of the column `values`, computed now, as constants (where the
    /// plan is only shown, planned).
    async fn distinct_values(&self, values: &Expr) -> Result<Values> {
        let frame = conform(self.frame(values).await?, values, Layout::Exact)?.distinct()?;
        if self.plan_first(values, frame.clone()) {
            return Ok(Values::Planned(values.to_string()));
        }
        let mut constants = Vec::new();
        for batch in frame.collect().await? {
            for row in 0..batch.num_rows() {
                constants.push(lit(ScalarValue::try_from_array(batch.column(0), row)?));
            }
        }
        Ok(Values::Computed(constants))
    }

    /// The single value `expr`, computed now, as a constant (where the plan is only shown,
    /// one that stands for it).
    async fn single_value(&self, expr: &Expr) -> Result<DfExpr> {
        let frame = conform(self.frame(expr).await?, expr, Layout::Exact)?;
        let data_type = frame.schema().field(0).data_type().clone();
        if self.plan_first(expr, frame.clone()) {
            return Ok(computed_first(&expr.to_string(), data_type));
        }
        let batches = frame.collect().await?;
        let batch = batches
            .iter()
            .find(|b| b.num_rows() > 0)
            .ok_or_else(|| Error::past_the_rows(expr))?;
        Ok(lit(ScalarValue::try_from_array(batch.column(0), 0)?))
    }

    /// The rows (or the one row of a single value) of `expr`: computed by the database its
    /// tables are in where it can be, else locally.
    /// The frame of `rows` with each row numbered in the rows' order ([`numbered`]), also
    /// when they are columns taken from sorted rows (`t.sort('a')[['b', 'c']]`): those are
    /// numbered before the columns are taken, while the sort's keys are there.
    fn numbered<'e>(&'e self, rows: &'e Expr) -> BoxFuture<'e, Result<DataFrame>> {
        async move {
            match rows.op() {
                Op::Projection { child, fields } if child == rows.rows() => {
                    let numbered = self.numbered(child).await?;
                    let kept = fields.iter().map(ident).chain([ident(column::ROW)]);
                    Ok(numbered.select(kept.collect::<Vec<_>>())?)
                }
                _ => numbered(self.frame(rows).await?, rows),
            }
        }
        .boxed()
    }

    fn frame<'e>(&'e self, expr: &'e Expr) -> BoxFuture<'e, Result<DataFrame>> {
        async move {
            match self.push(expr)? {
                Some(pushed) => Ok(pushed),
                None => self.local_frame(expr).await,
            }
        }
        .boxed()
    }

    /// The rows of `expr` computed locally (its parts perhaps in databases).
    fn local_frame<'e>(&'e self, expr: &'e Expr) -> BoxFuture<'e, Result<DataFrame>> {
        async move {
            if expr.dshape().dims().is_empty() {
                let parts = scalar_parts(expr);
                if has_several_sources(&parts) {
                    return self.combined(expr, parts).await;
                }
                if !reductions(expr).is_empty() {
                    return self.scalar(expr).await;
                }
            }
            match expr.op() {
                Op::Symbol { name } => {
                    Ok(self.ctx.table(TableReference::bare(name.as_str())).await?)
                }
                Op::Field { child, field } if is_table_of_database(expr) => {
                    let Op::Symbol { name } = child.op() else {
                        return Err(Error::Unsupported(format!("the table {expr}")));
                    };
                    Ok(self
                        .ctx
                        .table(TableReference::bare(format!("{name}.{field}")))
                        .await?)
                }
                Op::Selection { child, predicate } => {
                    let frame = self.frame(child).await?;
                    if !predicate.has_window() {
                        return Ok(frame.filter(column(predicate, child)?)?);
                    }
                    if let Some(first) = self.first_per_group(predicate, child, &frame)? {
                        return Ok(first);
                    }
                    // Window functions are computed over all the rows, before the filter.
                    let names = all_columns(&frame);
                    let predicate = column(predicate, child)?.alias(PREDICATE);
                    let columns = names.iter().cloned().chain([predicate]);
                    let computed = in_row_order(frame, child, columns)?;
                    Ok(computed.filter(ident(PREDICATE))?.select(names)?)
                }
                Op::Join { .. } => self.join(expr).await,
                // A column reduced keeping its dimension: the one value, as one row.
                Op::AxisReduction {
                    op,
                    child,
                    keepdims: true,
                    ..
                } if child.dshape().dims().len() == 1 => self.scalar(&child.reduce(*op)?).await,
                Op::Transpose { .. }
                | Op::TensorDot { .. }
                | Op::AxisReduction { .. }
                | Op::Cumulative { .. }
                | Op::SliceAxes { .. } => Err(Error::Unsupported(format!(
                    "{expr}: an n-d array operation on a table; bind an array (a .npy file) to use it"
                ))),
                Op::Concat { lhs, rhs } => {
                    let (top, bottom) = (self.frame(lhs).await?, self.frame(rhs).await?);
                    let (top, bottom) = (
                        conform(top, expr, Layout::Exact)?,
                        conform(bottom, expr, Layout::Exact)?,
                    );
                    Ok(top.union(bottom)?)
                }
                Op::Sample { child, size } => {
                    let frame = self.frame(child).await?;
                    let n = match size {
                        SampleSize::Rows(n) => *n as usize,
                        // Rounded half to even, as pandas' `sample(frac=...)` rounds.
                        SampleSize::Fraction(f) => {
                            (self.length(child).await? as f64 * f).round_ties_even() as usize
                        }
                    };
                    // The random keys are a column, so that the sort always has one to
                    // carry (the engine cannot sort batches without columns).
                    let names = all_columns(&frame);
                    let keyed = frame.select(
                        names
                            .iter()
                            .cloned()
                            .chain([math::random().alias(RANDOM)])
                            .collect::<Vec<_>>(),
                    )?;
                    Ok(keyed
                        .sort(vec![ident(RANDOM).sort(true, false)])?
                        .limit(0, Some(n))?
                        .select(names)?)
                }
                Op::Head { child, n } => {
                    Ok(self.frame(child).await?.limit(0, Some(*n as usize))?)
                }
                Op::Tail { child, n } => {
                    let total = self.length(child).await? as usize;
                    Ok(self
                        .frame(child)
                        .await?
                        .limit(total.saturating_sub(*n as usize), None)?)
                }
                Op::Slice { child, index } => self.slice(child, *index).await,
                Op::Take { child, positions } => self.take(child, positions).await,
                // A constant (`2 + 3`, `x.ndim`): one row with no columns to compute it over.
                Op::Literal(value) => Ok(self.ctx.read_empty()?.select(vec![
                    column::literal(value, expr.dshape())?.alias(output_name(expr)),
                ])?),
                Op::Sort {
                    child,
                    keys,
                    ascending,
                } => {
                    let frame = self.frame(child).await?;
                    let mut keys = keys
                        .iter()
                        .map(|key| Ok(column(key, child)?.sort(*ascending, !*ascending)))
                        .collect::<Result<Vec<_>>>()?;
                    // A group-by's rows tied on the keys asked for (`count_values()`'s equal
                    // counts) come in its keys' order, not in whatever order groups finish.
                    if let Op::By { grouper, .. } = child.op() {
                        let names = match grouper.fields() {
                            fields if fields.is_empty() => vec![output_name(grouper)],
                            fields => fields,
                        };
                        keys.extend(names.into_iter().map(|name| ident(name).sort(true, false)));
                    }
                    sort_in_row_order(frame, keys)
                }
                // The distinct values of an n-d array's elements, sorted, as NumPy's `unique`
                // gives them (and Blaze over NumPy).
                Op::Distinct { child, on } if on.is_empty() && reads_arrays(child) => {
                    let frame = self.frame(child).await?;
                    let all = all_columns(&frame);
                    let order = all.iter().map(|c| c.clone().sort(true, false)).collect();
                    Ok(frame.aggregate(all, Vec::new())?.sort(order)?)
                }
                // The first row of each distinct value (of the columns `on`), in the rows'
                // order, as pandas' `drop_duplicates` keeps them: `t.sort('name').distinct()`
                // stays sorted.
                Op::Distinct { child, on } => {
                    let numbered = self.numbered(child).await?;
                    let all: Vec<DfExpr> = all_columns(&numbered)
                        .into_iter()
                        .filter(|c| c != &ident(column::ROW))
                        .collect();
                    let row = || ident(column::ROW);
                    let first = if on.is_empty() {
                        numbered.aggregate(all.clone(), vec![agg::min(row()).alias(column::ROW)])?
                    } else {
                        let order = on
                            .iter()
                            .map(|name| ident(name).sort(true, true))
                            .chain([row().sort(true, false)])
                            .collect();
                        let kept = all.iter().cloned().chain([row()]).collect();
                        numbered.distinct_on(on.iter().map(ident).collect(), kept, Some(order))?
                    };
                    Ok(first.sort(vec![row().sort(true, false)])?.select(all)?)
                }
                Op::By { grouper, summary } => self.by(grouper, summary).await,
                Op::Projection { child, fields } if child == expr.rows() => {
                    let frame = self.frame(child).await?;
                    Ok(frame.select(fields.iter().map(ident))?)
                }
                Op::Relabel { child, labels } if child == expr.rows() => {
                    let frame = self.frame(child).await?;
                    let columns: Vec<DfExpr> = frame
                        .schema()
                        .fields()
                        .iter()
                        .map(|f| {
                            let new = labels
                                .iter()
                                .find(|(old, _)| old == f.name())
                                .map_or(f.name(), |(_, new)| new);
                            ident(f.name()).alias(new)
                        })
                        .collect();
                    Ok(frame.select(columns)?)
                }
                _ if expr.rows() != expr || matches!(expr.op(), Op::Merge { .. }) => {
                    // Element-wise: columns computed over the rows they belong to.
                    let rows = element_rows(expr);
                    let frame = self.frame(rows).await?;
                    let fields = expr.fields();
                    let columns = if fields.is_empty() {
                        vec![column(expr, rows)?.alias(output_name(expr))]
                    } else {
                        fields
                            .into_iter()
                            .map(|name| Ok(column::field_of(expr, name, rows)?.alias(name)))
                            .collect::<Result<Vec<_>>>()?
                    };
                    if expr.has_window() {
                        in_row_order(frame, rows, columns)
                    } else {
                        Ok(frame.select(columns)?)
                    }
                }
                _ => Err(Error::Unsupported(format!("computing {expr}"))),
            }
        }
        .boxed()
    }

    /// A single value (a reduction, a summary, or arithmetic on reductions) as a one-row frame.
    async fn scalar(&self, expr: &Expr) -> Result<DataFrame> {
        let values = match expr.op() {
            Op::Summary { values, .. } => values.clone(),
            _ => vec![(output_name(expr).to_owned(), expr.clone())],
        };
        let rows = reduced_rows(&values).ok_or_else(|| {
            Error::Unsupported(format!("{expr}: values of more than one set of rows"))
        })?;
        let frame = self.frame(&rows).await?;
        aggregate(frame, &rows, Vec::new(), &values)
    }

    /// A single value computed from single values of different rows (`t.a.sum() / t.a[0]`,
    /// `t[t.a > 0].a.count() / t.a.count()`): each part computed on its own, as one row (the
    /// reductions of the same rows together, as one summary), where its data is; the rows put
    /// side by side and the value computed over them.
    async fn combined(&self, expr: &Expr, parts: Vec<&Expr>) -> Result<DataFrame> {
        let mut columns: Vec<(Expr, String)> = Vec::new();
        let mut reduced: Vec<(&Expr, Vec<(String, Expr)>)> = Vec::new();
        let mut frames = Vec::new();
        for part in parts {
            if columns.iter().any(|(e, _)| e == part) {
                continue;
            }
            let alias = format!("__blaze_part_{}", columns.len());
            columns.push((part.clone(), alias.clone()));
            if let Op::Reduction { child, .. } = part.op() {
                let value = (alias, part.clone());
                match reduced.iter_mut().find(|(rows, _)| *rows == child.rows()) {
                    Some((_, values)) => values.push(value),
                    None => reduced.push((child.rows(), vec![value])),
                }
                continue;
            }
            let frame = self.frame(part).await?;
            let [field] = frame.schema().fields().as_ref() else {
                return Err(Error::Unsupported(format!(
                    "{part}, a record, combined in {expr}"
                )));
            };
            let only = ident(field.name()).alias(alias);
            frames.push(frame.select(vec![only])?);
        }
        for (rows, values) in reduced {
            // As a summary, so that a database computes it where its rows are.
            frames.push(self.frame(&rows.summary(values)?).await?);
        }
        let mut frames = frames.into_iter();
        let first = frames.next().expect("a single value has a part");
        let side_by_side = frames.try_fold(first, |all, one| {
            all.join_on(one, JoinType::Inner, std::iter::empty())
        })?;
        let value = column::over_aggregates(expr, &columns)?.alias(output_name(expr));
        Ok(side_by_side.select(vec![value])?)
    }

    async fn by(&self, grouper: &Expr, summary: &Expr) -> Result<DataFrame> {
        let Op::Summary { values, .. } = summary.op() else {
            unreachable!("by holds a summary")
        };
        let rows = grouper.rows();
        let frame = self.frame(rows).await?;
        let groups = if grouper.fields().is_empty() {
            vec![column(grouper, rows)?.alias(output_name(grouper))]
        } else {
            grouper
                .fields()
                .into_iter()
                .map(|name| Ok(column(&grouper.field(name)?, rows)?.alias(name)))
                .collect::<Result<_>>()?
        };
        aggregate(frame, rows, groups, values)
    }

    /// A join: both sides computed with their columns renamed apart, matched on their keys,
    /// and the result's columns picked out in Blaze's order under Blaze's names.
    async fn join(&self, expr: &Expr) -> Result<DataFrame> {
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
        let targets = arrow_element(expr)?;
        let key_type = |i: usize| targets[i].data_type().clone();
        // Each side's columns as `__l0`, `__l1`... (keys cast to their common type), so that
        // equal names on both sides (a self-join) never clash.
        let side = |side: &Expr, keys: &[String], prefix: &'static str| {
            let fields: Vec<String> = side.fields().iter().map(|f| f.to_string()).collect();
            let renamed: Vec<DfExpr> = fields
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let column = match keys.iter().position(|k| k == name) {
                        Some(k) => cast(ident(name), key_type(k)),
                        None => ident(name),
                    };
                    column.alias(format!("{prefix}{i}"))
                })
                .collect();
            let key_names: Vec<String> = keys
                .iter()
                .map(|k| {
                    let i = fields.iter().position(|f| f == k).expect("typed join keys");
                    format!("{prefix}{i}")
                })
                .collect();
            (fields, renamed, key_names)
        };
        let (left_fields, left_columns, left_keys) = side(lhs, on_left, "__l");
        let (right_fields, right_columns, right_keys) = side(rhs, on_right, "__r");
        let left = self.compile(lhs).await?.select(left_columns)?;
        let right = self.compile(rhs).await?.select(right_columns)?;
        let kind = match how {
            JoinKind::Inner => JoinType::Inner,
            JoinKind::Left => JoinType::Left,
            JoinKind::Right => JoinType::Right,
            JoinKind::Outer => JoinType::Full,
        };
        let left_refs: Vec<&str> = left_keys.iter().map(String::as_str).collect();
        let right_refs: Vec<&str> = right_keys.iter().map(String::as_str).collect();
        let joined = left.join(right, kind, &left_refs, &right_refs, None)?;

        let mut sources: Vec<DfExpr> = left_keys
            .iter()
            .zip(&right_keys)
            .map(|(l, r)| match how {
                JoinKind::Inner | JoinKind::Left => ident(l),
                JoinKind::Right => ident(r),
                JoinKind::Outer => core::coalesce(vec![ident(l), ident(r)]),
            })
            .collect();
        let rest = |fields: &[String], keys: &[String], prefix: &str| -> Vec<DfExpr> {
            fields
                .iter()
                .enumerate()
                .filter(|(_, f)| !keys.contains(f))
                .map(|(i, _)| ident(format!("{prefix}{i}")))
                .collect()
        };
        sources.extend(rest(&left_fields, on_left, "__l"));
        sources.extend(rest(&right_fields, on_right, "__r"));
        let columns: Vec<DfExpr> = sources
            .into_iter()
            .zip(expr.fields())
            .map(|(source, name)| source.alias(name))
            .collect();
        Ok(joined.select(columns)?)
    }

    async fn slice(&self, child: &Expr, index: Index) -> Result<DataFrame> {
        let frame = self.frame(child).await?;
        let (start, stop, step) = match index {
            Index::At(i) => (Some(i), Some(if i == -1 { i64::MAX } else { i + 1 }), 1),
            Index::Range { start, stop, step } => (start, stop, step.unwrap_or(1)),
        };
        let needs_length = step < 0
            || start.is_some_and(|s| s < 0)
            || stop.is_some_and(|s| s < 0 && s != i64::MAX);
        let length = if needs_length {
            self.length(child).await?
        } else {
            i64::MAX
        };
        // Python's bounds: negative positions count from the end; then clamped to the rows
        // (to -1 ... length - 1 going backwards).
        let clamp = |i: i64, lowest: i64, highest: i64| {
            let i = if i < 0 && i != i64::MAX {
                i + length
            } else {
                i
            };
            i.clamp(lowest, highest)
        };
        if step > 0 {
            let start = start.map_or(0, |s| clamp(s, 0, length));
            let stop = stop.map_or(length, |s| clamp(s, 0, length));
            let fetch = (stop != i64::MAX).then(|| (stop - start).max(0) as usize);
            let window = frame.limit(start as usize, fetch)?;
            if step == 1 {
                return Ok(window);
            }
            // Every step-th row of the window, counted from its first.
            return rows_at(window, true, |at| (at % lit(step)).eq(lit(0i64)));
        }
        let start = start.map_or(length - 1, |s| clamp(s, -1, length - 1));
        let stop = stop.map_or(-1, |s| clamp(s, -1, length - 1));
        rows_at(frame, false, |at| {
            at.clone()
                .lt_eq(lit(start))
                .and(at.clone().gt(lit(stop)))
                .and(((lit(start) - at) % lit(-step)).eq(lit(0i64)))
        })
    }

    /// How many rows `rows` has, counted where they are (in a database, by `COUNT(*)` there,
    /// rather than by reading its rows).
    async fn length(&self, rows: &Expr) -> Result<i64> {
        let count = rows.reduce(Reduction::Nelements)?;
        let batches = self.frame(&count).await?.collect().await?;
        let counted = batches
            .iter()
            .find(|b| b.num_rows() > 0)
            .map(|b| arrow::compute::cast(b.column(0), &DataType::Int64))
            .transpose()
            .map_err(datafusion::error::DataFusionError::from)?;
        Ok(counted.map_or(0, |c| c.as_primitive::<Int64Type>().value(0)))
    }

    /// The rows of `child` at `positions`, in the order given: the numbered rows joined to
    /// the row numbers picked (each with its place in the list), sorted by place. Negative
    /// positions count from the end; a position out of range is an error, as in numpy and
    /// pandas (the rows are counted first, so that none is computed in vain: up to the last
    /// position picked, which tells whether it is there, or all of them for a negative one).
    async fn take(&self, child: &Expr, positions: &[i64]) -> Result<DataFrame> {
        let length = match positions.iter().max() {
            None => 0,
            Some(&last) if positions.iter().all(|&p| p >= 0) => {
                self.length(&child.head(last as u64 + 1)?).await?
            }
            Some(_) => self.length(child).await?,
        };
        if let Some(p) = positions.iter().find(|&&p| p >= length || p < -length) {
            return Err(Error::Engine(format!(
                "{child}[[...]]: index {p} is out of bounds for axis 0 with size {length}"
            )));
        }
        let numbered = self.numbered(child).await?;
        let names: Vec<DfExpr> = all_columns(&numbered)
            .into_iter()
            .filter(|c| c != &ident(column::ROW))
            .collect();
        // Row numbers count from 1.
        let (rows, places): (Vec<u64>, Vec<u64>) = positions
            .iter()
            .map(|&p| (if p < 0 { p + length } else { p }) as u64 + 1)
            .zip(0..)
            .unzip();
        // No row after the last one picked is read.
        let numbered = numbered.limit(0, Some(rows.iter().max().map_or(0, |&r| r as usize)))?;
        let picks = RecordBatch::try_from_iter([
            (PICKED, Arc::new(UInt64Array::from(rows)) as ArrayRef),
            (PLACE, Arc::new(UInt64Array::from(places)) as ArrayRef),
        ])
        .map_err(datafusion::error::DataFusionError::from)?;
        let numbered = numbered.select(
            names
                .iter()
                .cloned()
                .chain([cast(ident(column::ROW), DataType::UInt64).alias(column::ROW)])
                .collect::<Vec<_>>(),
        )?;
        Ok(numbered
            .join(
                self.ctx.read_batch(picks)?,
                JoinType::Inner,
                &[column::ROW],
                &[PICKED],
                None,
            )?
            .sort(vec![ident(PLACE).sort(true, false)])?
            .select(names)?)
    }
}

/// The columns of the positions `t[[...]]` picks: the row number, and its place in the list.
const PICKED: &str = "__blaze_picked";
const PLACE: &str = "__blaze_place";

/// The rows of `frame` whose positions (from 0) satisfy `kept`, in their order or the
/// reverse.
fn rows_at(
    frame: DataFrame,
    forwards: bool,
    kept: impl FnOnce(DfExpr) -> DfExpr,
) -> Result<DataFrame> {
    let names = all_columns(&frame);
    let numbered = frame.select(
        names
            .iter()
            .cloned()
            .chain([row_number().alias(column::ROW)])
            .collect::<Vec<_>>(),
    )?;
    let position = cast(ident(column::ROW), DataType::Int64) - lit(1i64);
    Ok(numbered
        .filter(kept(position))?
        .sort(vec![ident(column::ROW).sort(forwards, false)])?
        .select(names)?)
}

/// Whether `expr`'s values depend on the positions of rows: it holds a window function, a
/// head, a tail, a slice, or distinct values (the first of each, in order).
fn depends_on_positions(expr: &Expr) -> bool {
    matches!(
        expr.op(),
        Op::Window { .. }
            | Op::Head { .. }
            | Op::Tail { .. }
            | Op::Slice { .. }
            | Op::Take { .. }
            | Op::Distinct { .. }
    ) || expr.children().into_iter().any(depends_on_positions)
}

/// A selection's predicate "among the first `n` of its group (rows of equal `by`) ordered by
/// `value`", ties ranked in row order.
struct FirstPerGroup<'e> {
    value: &'e Expr,
    by: &'e [Expr],
    ascending: bool,
    n: usize,
}

/// Whether `expr`'s rows are in an order made by sorting (a sort or a sample) rather than the
/// order they are read in.
fn sorted(expr: &Expr) -> bool {
    matches!(expr.op(), Op::Sort { .. } | Op::Sample { .. })
        || expr.children().into_iter().any(sorted)
}

/// Whether `expr` reads n-d arrays (symbols whose elements are not records), which the table
/// engine computes as columns where the array engine does not (`v.distinct()` of a vector).
fn reads_arrays(expr: &Expr) -> bool {
    expr.leaves()
        .iter()
        .all(|leaf| !matches!(leaf.dshape().measure(), Measure::Record(_)))
}

/// Every column of `frame`, by name.
fn all_columns(frame: &DataFrame) -> Vec<DfExpr> {
    frame
        .schema()
        .fields()
        .iter()
        .map(|f| ident(f.name()))
        .collect()
}

/// The name of the random keys a sample is drawn by.
const RANDOM: &str = "__blaze_random";

/// The name under which a selection's predicate is computed when it needs window functions.
const PREDICATE: &str = "__blaze_predicate";

/// `columns` computed over `frame` (the frame of `rows`), where they may call window
/// functions: each row is numbered first ([`column::ROW`], which window functions order by),
/// in the sort's order when the rows are sorted, and the result keeps the rows' order.
fn in_row_order(
    frame: DataFrame,
    rows: &Expr,
    columns: impl IntoIterator<Item = DfExpr>,
) -> Result<DataFrame> {
    let numbered = numbered(frame, rows)?;
    let columns: Vec<DfExpr> = columns.into_iter().collect();
    let kept: Vec<DfExpr> = columns
        .iter()
        .map(|c| ident(c.schema_name().to_string()))
        .collect();
    let computed = numbered.select(
        columns
            .into_iter()
            .chain([ident(column::ROW)])
            .collect::<Vec<_>>(),
    )?;
    Ok(computed
        .sort(vec![ident(column::ROW).sort(true, false)])?
        .select(kept)?)
}

/// `frame` (the frame of `rows`) with each row numbered ([`column::ROW`]) in the rows'
/// order: the sort's order when they are sorted.
fn numbered(frame: DataFrame, rows: &Expr) -> Result<DataFrame> {
    let mut names = all_columns(&frame);
    // The engine may drop a sort that nothing after it needs, so the row numbers follow the
    // sort's keys rather than the order rows arrive in.
    let order = match rows.op() {
        Op::Sort {
            child,
            keys,
            ascending,
        } => keys
            .iter()
            .map(|key| Ok(column(key, child)?.sort(*ascending, !*ascending)))
            .collect::<Result<Vec<_>>>()?,
        _ => Vec::new(),
    };
    let numbers = if order.is_empty() {
        row_number()
    } else {
        row_number().order_by(order).build()?
    };
    names.push(numbers.alias(column::ROW));
    Ok(frame.select(names)?)
}

/// `frame` sorted by `keys`. Rows put back in their order by [`in_row_order`] are sorted
/// with their row numbers as the last key instead, so that equal keys keep the rows' order
/// with one sort rather than two (DataFusion 55 loses a limit on a sort over another sort).
fn sort_in_row_order(frame: DataFrame, mut keys: Vec<SortExpr>) -> Result<DataFrame> {
    let (state, plan) = frame.into_parts();
    if let LogicalPlan::Projection(projection) = &plan
        && let LogicalPlan::Sort(by_row) = projection.input.as_ref()
        && by_row.fetch.is_none()
        && by_row.expr.len() == 1
        && by_row.expr[0].expr == ident(column::ROW)
    {
        keys.push(by_row.expr[0].clone());
        let numbered = DataFrame::new(state, by_row.input.as_ref().clone());
        return Ok(numbered.sort(keys)?.select(projection.expr.clone())?);
    }
    Ok(DataFrame::new(state, plan).sort(keys)?)
}

/// The rows an element-wise expression's columns are computed over: those of a merge's
/// columns, even when the merge makes rows of its own (it holds window functions).
pub(crate) fn element_rows(expr: &Expr) -> &Expr {
    match expr.op() {
        Op::Merge { columns } => columns
            .iter()
            .find(|c| !c.dshape().dims().is_empty())
            .expect("a merge has a column")
            .rows(),
        _ => expr.rows(),
    }
}

/// Whether `expr` is a table of a database bound as a record of tables (`db.accounts`).
fn is_table_of_database(expr: &Expr) -> bool {
    matches!(expr.op(), Op::Field { child, .. }
        if child.dshape().dims().is_empty() && !expr.dshape().dims().is_empty())
}

/// The rows every reduction in `values` reduces, when they reduce one set of rows (else the
/// reductions are computed apart, see `Compiler::combined`).
pub(crate) fn reduced_rows(values: &[(String, Expr)]) -> Option<Expr> {
    let mut reduced = values.iter().flat_map(|(_, value)| reductions(value));
    let rows_of = |reduction: &Expr| match reduction.op() {
        Op::Reduction { child, .. } => child.rows().clone(),
        _ => unreachable!("reductions are reductions"),
    };
    let rows = rows_of(reduced.next()?);
    reduced.all(|other| rows_of(other) == rows).then_some(rows)
}

/// The single values a single value is computed from: its reductions, and the elements and
/// rows it takes by position (`t.a.sum()` and `t.a[0]` in `abs(t.a.sum() - t.a[0])`), seen
/// through the arithmetic and functions around them.
fn scalar_parts(expr: &Expr) -> Vec<&Expr> {
    match expr.op() {
        Op::Reduction { .. } => vec![expr],
        Op::Literal(_) => Vec::new(),
        Op::Label { child, .. }
        | Op::Unary { child, .. }
        | Op::Func { child, .. }
        | Op::Coerce { child, .. }
        | Op::Cast { child, .. } => scalar_parts(child),
        Op::Binary { lhs, rhs, .. } | Op::Coalesce { lhs, rhs } | Op::StrCat { lhs, rhs, .. } => {
            let mut parts = scalar_parts(lhs);
            parts.extend(scalar_parts(rhs));
            parts
        }
        _ => vec![expr],
    }
}

/// Whether `parts` (of one single value) come from more than one set of rows, so that no one
/// frame computes them: reductions of different rows, or elements of different rows, or
/// both reductions and elements.
fn has_several_sources(parts: &[&Expr]) -> bool {
    let mut sources = parts
        .iter()
        .map(|part| (matches!(part.op(), Op::Reduction { .. }), part_rows(part)));
    match sources.next() {
        Some(first) => sources.any(|other| other != first),
        None => false,
    }
}

/// The rows a part of a single value ([`scalar_parts`]) comes from: those a reduction reduces,
/// or an element's own (`t.a[0]`).
fn part_rows(part: &Expr) -> &Expr {
    match part.op() {
        Op::Reduction { child, .. } => child.rows(),
        _ => part.rows(),
    }
}

/// Every reduction inside `expr`, outermost first.
pub(crate) fn reductions(expr: &Expr) -> Vec<&Expr> {
    match expr.op() {
        Op::Reduction { .. } => vec![expr],
        _ => expr.children().into_iter().flat_map(reductions).collect(),
    }
}

/// `frame` grouped by `groups` (none: one row), with each named value computed: its
/// reductions as aggregates, then the arithmetic around them.
fn aggregate(
    frame: DataFrame,
    rows: &Expr,
    groups: Vec<DfExpr>,
    values: &[(String, Expr)],
) -> Result<DataFrame> {
    let mut aggregates: Vec<(Expr, String)> = Vec::new();
    for (_, value) in values {
        for reduced in reductions(value) {
            if !aggregates.iter().any(|(e, _)| e == reduced) {
                let alias = format!("__blaze_agg_{}", aggregates.len());
                aggregates.push((reduced.clone(), alias));
            }
        }
    }
    // Columns computed by window functions (`t.a.cumsum().max()`) are computed first, over
    // all the rows in their order; the aggregates then read them by name.
    let mut windowed: Vec<(Expr, String)> = Vec::new();
    for (reduced, _) in &aggregates {
        if let Op::Reduction { child, .. } = reduced.op()
            && child.has_window()
            && !windowed.iter().any(|(c, _)| c == child)
        {
            windowed.push((child.clone(), format!("__blaze_window_{}", windowed.len())));
        }
    }
    let frame = if windowed.is_empty() {
        frame
    } else {
        let mut columns = all_columns(&frame);
        for (child, alias) in &windowed {
            columns.push(column(child, rows)?.alias(alias));
        }
        in_row_order(frame, rows, columns)?
    };
    let group_names: Vec<String> = groups.iter().map(|g| g.schema_name().to_string()).collect();
    let aggregate_exprs = aggregates
        .iter()
        .map(|(reduced, alias)| Ok(reduction(reduced, rows, &windowed)?.alias(alias)))
        .collect::<Result<Vec<_>>>()?;
    let grouped = frame.aggregate(groups, aggregate_exprs)?;
    let mut selected: Vec<DfExpr> = group_names.iter().map(ident).collect();
    for (name, value) in values {
        selected.push(column::over_aggregates(value, &aggregates)?.alias(name));
    }
    Ok(grouped.select(selected)?)
}

/// The aggregate of one reduction over the frame of `rows`, where the `windowed` columns are
/// already computed under their names.
pub(crate) fn reduction(
    reduced: &Expr,
    rows: &Expr,
    windowed: &[(Expr, String)],
) -> Result<DfExpr> {
    let Op::Reduction { op, child } = reduced.op() else {
        unreachable!("a reduction")
    };
    let is_table = !child.fields().is_empty();
    if is_table {
        return match op {
            Reduction::Count | Reduction::Nelements => Ok(count_all()),
            // Distinct rows: each row as one struct value (a missing value is a value here).
            Reduction::Nunique => {
                let mut fields = Vec::new();
                for name in child.fields() {
                    fields.push(lit(name));
                    fields.push(column(&child.field(name)?, rows)?);
                }
                Ok(agg::count_distinct(
                    datafusion::functions::core::expr_fn::named_struct(fields),
                ))
            }
            _ => Err(Error::Unsupported(format!("{reduced} over a whole table"))),
        };
    }
    let x = match windowed.iter().find(|(c, _)| c == child) {
        Some((_, alias)) => ident(alias),
        None => column(child, rows)?,
    };
    // Booleans count as 0 and 1 in arithmetic (`t.a.isnull().sum()`), as in Python.
    let is_boolean = matches!(base(child.dshape()), Measure::Bool);
    let arithmetic = !matches!(
        op,
        Reduction::Min
            | Reduction::Max
            | Reduction::Any
            | Reduction::All
            | Reduction::Count
            | Reduction::Nunique
            | Reduction::Nelements
    );
    let x = if is_boolean && arithmetic {
        cast(x, DataType::Int64)
    } else {
        x
    };
    Ok(match op {
        Reduction::Sum => agg::sum(x),
        Reduction::Min => agg::min(x),
        Reduction::Max => agg::max(x),
        Reduction::Mean => agg::avg(x),
        Reduction::Var { unbiased: true } => agg::var_sample(x),
        Reduction::Var { unbiased: false } => agg::var_pop(x),
        Reduction::Std { unbiased: true } => agg::stddev(x),
        Reduction::Std { unbiased: false } => agg::stddev_pop(x),
        Reduction::Any => agg::bool_or(x),
        Reduction::All => agg::bool_and(x),
        Reduction::Count => agg::count(x),
        Reduction::Nunique => agg::count_distinct(x),
        Reduction::Nelements => count_all(),
        Reduction::Median => agg::median(x),
        Reduction::Quantile { q } => {
            percentile_cont(cast(x, DataType::Float64).sort(true, false), lit(*q))
        }
        Reduction::Prod | Reduction::ArgMin | Reduction::ArgMax => {
            return Err(Error::Unsupported(format!(
                "{reduced} of a table's column (prod, argmin and argmax are computed over n-d arrays)"
            )));
        }
    })
}

/// How closely [`conform`] makes a frame's Arrow types those of its datashape.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Exactly the datashape's Arrow types, as frames that are put together need.
    Exact,
    /// Those types, except that text may stay as `Utf8View`, as DataFusion reads Parquet's:
    /// casting a result of millions of rows to `Utf8` took as long as the group-by that made
    /// it, and every consumer of results reads either.
    AnyOfString,
}

/// `frame` with its columns cast to the types `expr`'s datashape gives them (but see
/// [`Layout`]).
fn conform(frame: DataFrame, expr: &Expr, layout: Layout) -> Result<DataFrame> {
    let targets = arrow_element(expr)?;
    let columns: Vec<DfExpr> = frame
        .schema()
        .fields()
        .iter()
        .zip(&targets)
        .map(|(field, target)| {
            let column = ident(field.name());
            let kept_view = layout == Layout::AnyOfString
                && *field.data_type() == DataType::Utf8View
                && *target.data_type() == DataType::Utf8;
            if field.data_type() == target.data_type() || kept_view {
                column
            } else {
                cast(column, target.data_type().clone()).alias(target.name())
            }
        })
        .collect();
    if frame.schema().fields().len() != targets.len() {
        return Err(Error::Engine(format!(
            "internal: {expr} computed {} columns, not {}",
            frame.schema().fields().len(),
            targets.len()
        )));
    }
    Ok(frame.select(columns)?)
}
