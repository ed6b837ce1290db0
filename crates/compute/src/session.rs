//! A session: names bound to odo resources, and the engine that computes expressions over them
//! in parallel, within a memory limit, spilling sorts and group-bys to disk beyond it.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use blaze_datashape::DataShape;
use blaze_expr::{Expr, Namespace, symbol};
use blaze_odo::DiscoverOptions;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::execution::context::SQLOptions;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};
use futures_util::StreamExt;

use crate::compile::Compiler;
use crate::engine::{BlazePlanner, UsePartialAggregate};
use crate::error::{Error, Result};
use crate::pushdown::DatabaseTables;
use crate::result_order::{self, KeyOrdered, Order, head_of_concat, is_row_by_row};
use crate::source::register;

/// How a session computes.
#[derive(Clone, Debug, Default)]
pub struct SessionOptions {
    /// Memory the engine may use for sorts, group-bys and joins before spilling to disk
    /// (bytes); unlimited when `None`.
    pub memory_limit: Option<usize>,
    /// Where spilled data goes; the system's temporary directory when `None`.
    pub spill_dir: Option<PathBuf>,
    /// How text resources are read and how much is read to infer their types.
    pub read: DiscoverOptions,
    /// Compute every part of an expression locally, reading whole tables out of SQL
    /// databases, rather than computing what SQL expresses in them (to compare the two).
    pub no_pushdown: bool,
}

/// Bound data and the engine that computes expressions over it.
pub struct Session {
    runtime: Arc<tokio::runtime::Runtime>,
    ctx: SessionContext,
    namespace: Namespace,
    read: DiscoverOptions,
    /// The bound tables that are in SQL databases, where expressions over them are computed.
    tables: DatabaseTables,
    no_pushdown: bool,
    /// The names bound to n-d arrays, computed by blaze-array rather than the table engine; the
    /// arrays of a file or store of several are keyed by their path (`d.group.x`).
    arrays: HashMap<String, blaze_array::Array>,
}

/// The stack of a thread that parses, compiles or computes expressions, which recurse as
/// deep as they nest: the deepest the parser accepts (`t.head(5).head(5)...`, 498 times)
/// needs between 4 and 8 MiB unoptimised, more than the 2 MiB a thread gets by default. The
/// session's own threads have it; call [`Session`]'s methods from a thread that has it too
/// (as the CLI and the server do). Only the pages used are ever committed.
pub const EXPRESSION_STACK_BYTES: usize = 32 << 20;

impl Session {
    /// A session with nothing bound.
    pub fn new(options: SessionOptions) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_stack_size(EXPRESSION_STACK_BYTES)
            .build()
            .map_err(|e| Error::Engine(format!("cannot start the engine: {e}")))?;
        let mut env = RuntimeEnvBuilder::new();
        if let Some(limit) = options.memory_limit {
            env = env.with_memory_limit(limit, 1.0);
        }
        if let Some(dir) = &options.spill_dir {
            env = env.with_temp_file_path(dir);
        }
        // DataFusion's own settings may be tuned with its environment variables
        // (`DATAFUSION_EXECUTION_BATCH_SIZE=...`).
        let mut config = SessionConfig::from_env()
            .map_err(|e| Error::Engine(format!("a DATAFUSION_* setting: {e}")))?
            .with_information_schema(false);
        if let Some(limit) = options.memory_limit {
            // A sort that spills keeps this much back for merging its runs (10 MB by
            // default): a quarter of a small limit at most, so that small limits still work.
            let execution = &mut config.options_mut().execution;
            execution.sort_spill_reservation_bytes =
                execution.sort_spill_reservation_bytes.min(limit / 4);
        }
        let env = env.build_arc()?;
        let footers = env.cache_manager.get_file_metadata_cache();
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(env)
            .with_default_features()
            .with_query_planner(Arc::new(BlazePlanner))
            .with_physical_optimizer_rule(Arc::new(UsePartialAggregate::new(
                footers,
                options.memory_limit.is_some(),
            )))
            .build();
        let ctx = SessionContext::new_with_state(state);
        Ok(Self {
            runtime: Arc::new(runtime),
            ctx,
            namespace: Namespace::new(),
            read: options.read,
            tables: DatabaseTables::default(),
            no_pushdown: options.no_pushdown,
            arrays: HashMap::new(),
        })
    }

    /// Binds `name` to the resource at `uri` (any odo URI): a table, or a database as a
    /// record of its tables (`db.accounts`). Returns the symbol bound.
    pub fn bind(&mut self, name: &str, uri: &str) -> Result<&Expr> {
        self.bind_as(name, uri, None)
    }

    /// Binds `name` to the resource at `uri`, read as `dshape` where it is given (its types
    /// are then not discovered, and a value that does not fit stops the computation reading
    /// it), else as discovered.
    pub fn bind_as(&mut self, name: &str, uri: &str, dshape: Option<DataShape>) -> Result<&Expr> {
        let resource = blaze_odo::Resource::parse(uri)?;
        if matches!(
            resource,
            blaze_odo::Resource::Array { .. } | blaze_odo::Resource::RemoteZarr { .. }
        ) && !blaze_odo::holds_records(uri)?
        {
            let path = resource.location();
            self.arrays
                .retain(|key, _| !crate::array::is_member_of(key, name));
            // A 1-d array read as a table before (see `Session::array`) is read anew.
            let _ = self
                .ctx
                .deregister_table(datafusion::common::TableReference::bare(name));
            if let Some(members) = blaze_odo::array_members(uri)? {
                // A file or store of several arrays: a record of them (`d.group.x`).
                let dshape = blaze_odo::members_datashape(&members, &path)?;
                for (member, array) in members {
                    let key = format!("{name}.{}", member.replace('/', "."));
                    self.arrays.insert(key, array);
                }
                self.namespace.bind(name, symbol(name, dshape));
                return Ok(self.namespace.get(name).expect("just bound"));
            }
            let array = blaze_odo::open_array(uri)?;
            let dshape = blaze_datashape::parse(&array.datashape())
                .map_err(|e| Error::Binding(format!("{uri}: {e}")))?;
            self.arrays.insert(name.to_owned(), array);
            self.namespace.bind(name, symbol(name, dshape));
            return Ok(self.namespace.get(name).expect("just bound"));
        }
        self.arrays
            .retain(|key, _| key != name && !crate::array::is_member_of(key, name));
        let dshape = match dshape {
            Some(dshape) => dshape,
            None => blaze_odo::discover(uri, &self.read)?.datashape,
        };
        let tables: Vec<(String, String, DataShape)> = if dshape.dims().is_empty() {
            let record = dshape.as_record().ok_or_else(|| {
                Error::Binding(format!("{uri} is {dshape}, neither a table nor a database"))
            })?;
            record
                .fields()
                .iter()
                .map(|(table, shape)| {
                    (
                        format!("{name}.{table}"),
                        format!("{uri}::{table}"),
                        shape.clone(),
                    )
                })
                .collect()
        } else {
            vec![(name.to_owned(), uri.to_owned(), dshape.clone())]
        };
        self.bind_tables(name, dshape, &tables)
    }

    /// Binds `name` to a record of resources (`files`: field name, URI), each a table: the
    /// files of a directory served as one namespace (`logs.day1`).
    pub fn bind_record(&mut self, name: &str, files: &[(String, String)]) -> Result<&Expr> {
        let mut tables = Vec::new();
        for (field, uri) in files {
            let shape = blaze_odo::discover(uri, &self.read)?.datashape;
            tables.push((format!("{name}.{field}"), uri.clone(), shape));
        }
        let fields = files
            .iter()
            .zip(&tables)
            .map(|((field, _), (_, _, shape))| (field.clone(), shape.clone()))
            .collect();
        let dshape = DataShape::record(fields).map_err(|e| Error::Binding(e.to_string()))?;
        self.bind_tables(name, dshape, &tables)
    }

    /// Registers `tables` (engine name, URI, datashape) and binds `name` as a symbol of
    /// `dshape`.
    fn bind_tables(
        &mut self,
        name: &str,
        dshape: DataShape,
        tables: &[(String, String, DataShape)],
    ) -> Result<&Expr> {
        self.runtime.block_on(async {
            for (table, table_uri, shape) in tables {
                // Rebinding a name replaces its table.
                let _ = self
                    .ctx
                    .deregister_table(datafusion::common::TableReference::bare(table.as_str()));
                register(&self.ctx, table, table_uri, shape, &self.read).await?;
                if !self.no_pushdown {
                    self.tables.bind(table, table_uri)?;
                }
            }
            Ok::<_, Error>(())
        })?;
        self.namespace.bind(name, symbol(name, dshape));
        Ok(self.namespace.get(name).expect("just bound"))
    }

    /// Binds `name` to an expression over names already bound (`big = t[t.amount > 100]`),
    /// so that later expressions can use it; it is computed as part of them.
    pub fn assign(&mut self, name: &str, expr: Expr) {
        self.namespace.bind(name, expr);
    }

    /// The names bound so far.
    pub fn namespace(&self) -> &Namespace {
        &self.namespace
    }

    /// Parses `text` against the bound names.
    pub fn parse(&self, text: &str) -> Result<Expr> {
        Ok(blaze_expr::parse(text, &self.namespace)?)
    }

    /// `expr` as a lazy n-d array when it reads names bound to arrays (`x.sum(axis=0)` over
    /// `x=data.npy`), else `None`: it is then a table expression for [`Session::execute`].
    ///
    /// What the array engine does not compute over 1-d arrays (sorting, distinct values,
    /// windows, medians) the table engine does, each array read as a table of one column of
    /// its name: then this is `None` too.
    pub fn array(&self, expr: &Expr) -> Result<Option<blaze_array::Array>> {
        match crate::array::lower(expr, &self.arrays) {
            Err(Error::Unsupported(why)) => {
                let vectors: Option<Vec<(&str, &blaze_array::Array)>> =
                    crate::array::symbol_names(expr)
                        .into_iter()
                        .map(|name| {
                            self.arrays
                                .get(name)
                                .filter(|a| a.ndim() == 1)
                                .map(|a| (name, a))
                        })
                        .collect();
                let Some(vectors) = vectors else {
                    return Err(Error::Unsupported(why));
                };
                for (name, array) in vectors {
                    if !self.ctx.table_exist(name)? {
                        crate::source::register_vector(&self.ctx, name, array)?;
                    }
                }
                Ok(None)
            }
            other => other,
        }
    }

    /// Computes `expr`, streaming its result as record batches: rows picked one by one in the
    /// order read, a small group-by's or join's sorted by its keys (see
    /// [`SORTED_ROWS`](crate::SORTED_ROWS)), others as the engine gives them.
    pub fn execute(&self, expr: &Expr) -> Result<ResultStream> {
        if let Some(array) = self.array(expr)? {
            return Err(Error::Unsupported(format!(
                "{expr} is an n-d array ({}), not a table; compute it with Session::array",
                array.datashape()
            )));
        }
        let compiler = Compiler::new(&self.ctx, &self.tables);
        if let Some(ordered) = KeyOrdered::of(expr) {
            let keys = ordered.keys;
            let stream = self.stream(compiler.compile(ordered.expr), Order::Keys { keys })?;
            return Ok(stream.first(ordered.head));
        }
        if let Some((rows, n)) = head_of_concat(expr) {
            let stream = self.stream(compiler.compile(rows), Order::Read)?;
            return Ok(stream.first(Some(n)));
        }
        let order = if is_row_by_row(expr) {
            Order::Read
        } else {
            Order::Engine
        };
        let stream = self.stream(compiler.compile(expr), order)?;
        Ok(if expr.dshape().dims().is_empty() {
            stream.one_value_of(expr)
        } else {
            stream
        })
    }

    /// Runs SQL (DataFusion's dialect) over the bound tables, streaming its result; at most
    /// `limit` rows when given. A table of a bound database is named `"db.table"`.
    pub fn execute_sql(&self, sql: &str, limit: Option<usize>) -> Result<ResultStream> {
        // SQL's GROUP BY keeps SQL's meaning: no order without ORDER BY.
        let plan = async {
            let frame = self.sql_frame(sql).await?;
            Ok(match limit {
                Some(n) => frame.limit(0, Some(n))?,
                None => frame,
            })
        };
        self.stream(plan, Order::Engine)
    }

    /// The frame `plan` makes, started and streamed, its rows in `order`.
    fn stream(
        &self,
        plan: impl Future<Output = Result<DataFrame>>,
        order: Order,
    ) -> Result<ResultStream> {
        let (stream, ahead) = self
            .runtime
            .block_on(async { result_order::execute(plan.await?, order).await })?;
        Ok(ResultStream {
            schema: stream.schema(),
            ahead,
            left: usize::MAX,
            gave_rows: false,
            one_value_of: None,
            stream,
            runtime: self.runtime.clone(),
        })
    }

    /// The plan that runs `sql`.
    pub fn explain_sql(&self, sql: &str) -> Result<String> {
        self.runtime
            .block_on(async { explain(self.sql_frame(sql).await?).await })
    }

    /// `sql` planned, read-only: statements that change data or the catalogue are refused.
    async fn sql_frame(&self, sql: &str) -> Result<DataFrame> {
        let options = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        self.ctx.sql_with_options(sql, options).await.map_err(|e| {
            let message = Error::from(e).to_string();
            if message.contains("not supported") {
                Error::Sql(format!("blaze sql only reads; {message}"))
            } else {
                Error::Sql(message)
            }
        })
    }

    /// Computes `expr` and gathers its whole result.
    pub fn collect(&self, expr: &Expr) -> Result<Vec<RecordBatch>> {
        self.execute(expr)?.collect()
    }

    /// The plan that computes `expr`: the SQL sent to each database, and DataFusion's logical
    /// and physical plans of what runs locally.
    pub fn explain(&self, expr: &Expr) -> Result<String> {
        self.runtime.block_on(async {
            let compiler = Compiler::planning(&self.ctx, &self.tables);
            let frame = compiler.compile(expr).await?;
            // Planned first: the scans of tables in databases fix the columns their queries
            // ask for.
            let local = explain(frame).await?;
            let mut text = String::new();
            for (what, frame) in compiler.planned_first() {
                text.push_str(&format!(
                    "Computed first, then a constant of the plans below (computed_first): {what}\n"
                ));
                for line in explain(frame).await?.lines() {
                    text.push_str("  ");
                    text.push_str(line);
                    text.push('\n');
                }
            }
            let pushdown = compiler.into_pushdown();
            for (database, sent) in &pushdown.queries {
                let sent = sent.lock().unwrap_or_else(|e| e.into_inner());
                text.push_str(&format!("Sent to {database}:\n  {sent}\n"));
            }
            if let Some((part, reason)) = &pushdown.local {
                text.push_str(&format!("Computed locally: {part} ({reason})\n"));
            }
            text.push_str("Local plan (DataFusion):\n");
            for line in local.lines() {
                text.push_str("  ");
                text.push_str(line);
                text.push('\n');
            }
            Ok(text)
        })
    }
}

/// DataFusion's logical and physical plans of `frame`, as indented text.
async fn explain(frame: DataFrame) -> Result<String> {
    let batches = frame.explain(false, false)?.collect().await?;
    let mut text = String::new();
    for batch in &batches {
        let kinds = batch
            .column(0)
            .as_any()
            .downcast_ref::<arrow::array::StringArray>();
        let plans = batch
            .column(1)
            .as_any()
            .downcast_ref::<arrow::array::StringArray>();
        if let (Some(kinds), Some(plans)) = (kinds, plans) {
            for i in 0..batch.num_rows() {
                text.push_str(kinds.value(i));
                text.push_str(":\n");
                for line in plans.value(i).lines() {
                    text.push_str("  ");
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    Ok(text)
}

/// The result of an expression as a stream of record batches, read synchronously.
pub struct ResultStream {
    schema: SchemaRef,
    /// Batches already read from `stream`, given first.
    ahead: VecDeque<RecordBatch>,
    /// How many more rows may be given.
    left: usize,
    /// Whether any row was given.
    gave_rows: bool,
    /// The text of the expression, when its result is one value: a row must come (an
    /// element past the end, `t.amount[100]`, gives none).
    one_value_of: Option<String>,
    stream: SendableRecordBatchStream,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl ResultStream {
    /// The stream of the first `n` rows of this one, when `n` is given.
    fn first(mut self, n: Option<u64>) -> Self {
        if let Some(n) = n {
            self.left = usize::try_from(n).unwrap_or(usize::MAX);
        }
        self
    }

    /// This stream, giving an error if it ends without the one row of `expr`'s value.
    fn one_value_of(mut self, expr: &Expr) -> Self {
        self.one_value_of = Some(expr.to_string());
        self
    }

    /// The schema of every batch: columns named and typed as the expression says.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

impl Iterator for ResultStream {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let batch = match self.ahead.pop_front() {
            Some(batch) => batch,
            None => {
                let runtime = self.runtime.clone();
                match runtime.block_on(self.stream.next()) {
                    Some(Ok(batch)) => batch,
                    Some(Err(e)) => return Some(Err(e.into())),
                    None if !self.gave_rows => {
                        return self
                            .one_value_of
                            .take()
                            .map(|expr| Err(Error::past_the_rows(&expr)));
                    }
                    None => return None,
                }
            }
        };
        let batch = batch.slice(0, batch.num_rows().min(self.left));
        self.left -= batch.num_rows();
        self.gave_rows |= batch.num_rows() > 0;
        Some(Ok(batch))
    }
}
