//! Odo resources as DataFusion tables. Parquet files (one, a glob or a directory) are scanned by
//! DataFusion itself, which reads only the columns and row groups a query needs; every other
//! resource streams through odo's readers, typed by the datashape discovered when it was bound,
//! on a thread of its own. The part of an expression pushed into a SQL database is a table too:
//! its query's rows.

use std::fmt;
use std::sync::{Arc, Mutex};

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use async_trait::async_trait;
use blaze_array::Array;
use blaze_datashape::DataShape;
use blaze_odo::{BatchSource, DEFAULT_BATCH_ROWS, DiscoverOptions, FileFormat, Resource, SqlQuery};
use datafusion::catalog::streaming::StreamingTable;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::TableReference;
use datafusion::error::DataFusionError;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::TableType;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::stream::RecordBatchReceiverStreamBuilder;
use datafusion::physical_plan::streaming::PartitionStream;
use datafusion::prelude::{Expr as DfExpr, ParquetReadOptions, SessionContext};

use crate::compile::sql_text;
use crate::error::{Error, Result};
use crate::pushdown::PushedQuery;

/// Registers the table at `uri` (typed by `dshape`) under `name`.
pub(crate) async fn register(
    ctx: &SessionContext,
    name: &str,
    uri: &str,
    dshape: &DataShape,
    read: &DiscoverOptions,
) -> Result<()> {
    let table = TableReference::bare(name);
    if let Some(path) = local_parquet(uri)? {
        ctx.register_parquet(table, &path, ParquetReadOptions::default())
            .await?;
        return Ok(());
    }
    let schema: SchemaRef = Arc::new(
        blaze_datashape::arrow::to_arrow_schema(dshape)
            .map_err(|e| Error::Binding(format!("{uri}: {e}")))?,
    );
    ctx.register_table(
        table,
        Arc::new(OdoTable {
            uri: uri.to_owned(),
            dshape: dshape.clone(),
            read: read.clone(),
            schema,
        }),
    )?;
    Ok(())
}

/// Registers the 1-d `array` as a table of one column, both named `name`, for what the table
/// engine computes and the array engine does not (`v.sort()`, `v.distinct()`): its blocks are
/// computed as the scan reaches them.
pub(crate) fn register_vector(ctx: &SessionContext, name: &str, array: &Array) -> Result<()> {
    let source = blaze_odo::array_as_table(array, name)?;
    let field = source.schema.field(0).clone().with_name(name);
    let schema: SchemaRef = Arc::new(arrow::datatypes::Schema::new(vec![field]));
    let (array, label, batch_schema) = (array.clone(), name.to_owned(), schema.clone());
    let partition = OdoPartition {
        label: name.to_owned(),
        schema: schema.clone(),
        open: Arc::new(move || {
            let schema = batch_schema.clone();
            let source = blaze_odo::array_as_table(&array, &label)?;
            Ok(Box::new(source.batches.map(move |batch| {
                RecordBatch::try_new(schema.clone(), batch?.columns().to_vec())
                    .map_err(|e| blaze_odo::Error::InvalidOption(e.to_string()))
            })) as Batches)
        }),
    };
    let table = StreamingTable::try_new(schema, vec![Arc::new(partition)])?;
    let _ = ctx.deregister_table(TableReference::bare(name));
    ctx.register_table(TableReference::bare(name), Arc::new(table))?;
    Ok(())
}

/// A resource read through odo, as a table. Each scan reads only the columns it needs: the
/// cells of a CSV file's other columns are never parsed.
#[derive(Debug)]
struct OdoTable {
    uri: String,
    dshape: DataShape,
    read: DiscoverOptions,
    schema: SchemaRef,
}

#[async_trait]
impl TableProvider for OdoTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[DfExpr],
        limit: Option<usize>,
    ) -> datafusion::error::Result<Arc<dyn ExecutionPlan>> {
        let columns: Vec<usize> = match projection {
            Some(columns) => columns.clone(),
            None => (0..self.schema.fields().len()).collect(),
        };
        let schema = Arc::new(self.schema.project(&columns)?);
        let mut read = self.read.clone();
        // A scan of no columns (`count()`) still needs the rows: one column is read for them.
        read.columns = Some(match columns.as_slice() {
            [] if !self.schema.fields().is_empty() => vec![0],
            _ => columns,
        });
        let (uri, dshape, wanted) = (self.uri.clone(), self.dshape.clone(), schema.clone());
        let partition = OdoPartition {
            label: uri.clone(),
            schema: schema.clone(),
            open: Arc::new(move || {
                let source = blaze_odo::open(&uri, Some(&dshape), &read)?;
                by_name(source, &wanted)
            }),
        };
        StreamingTable::try_new(schema, vec![Arc::new(partition)])?
            .scan(state, None, &[], limit)
            .await
    }
}

/// The batches of `source` with the columns of `wanted` alone, taken by name (a CSV file was
/// read with those columns only; other sources have them all).
fn by_name(source: BatchSource, wanted: &SchemaRef) -> blaze_odo::Result<Batches> {
    let indices = wanted
        .fields()
        .iter()
        .map(|f| source.schema.index_of(f.name()))
        .collect::<Result<Vec<usize>, _>>()
        .map_err(|e| blaze_odo::Error::InvalidOption(e.to_string()))?;
    if indices.len() == source.schema.fields().len() && indices.iter().copied().eq(0..indices.len())
    {
        return Ok(source.batches);
    }
    Ok(Box::new(source.batches.map(move |batch| {
        batch?
            .project(&indices)
            .map_err(|e| blaze_odo::Error::InvalidOption(e.to_string()))
    })))
}

/// Record batches as odo's readers give them.
type Batches = Box<dyn Iterator<Item = blaze_odo::Result<RecordBatch>> + Send>;

/// The rows an expression pushed into a SQL database gives, as a table: its query runs in the
/// database each time the table is scanned, selecting only the columns the scan needs.
#[derive(Debug)]
pub(crate) struct QueryTable {
    database: Resource,
    query: PushedQuery,
    schema: SchemaRef,
    /// The text of the query as last scanned (all its columns until then), with its
    /// parameters: what `--explain` shows was sent.
    sent: Arc<Mutex<String>>,
}

impl QueryTable {
    /// The rows of `query`, run in `database`, as a table of `schema`.
    pub(crate) fn new(database: Resource, query: PushedQuery, schema: SchemaRef) -> Self {
        let sent = Arc::new(Mutex::new(sql_text(&query.sql(None))));
        QueryTable {
            database,
            query,
            schema,
            sent,
        }
    }

    /// The text of the query sent when the table is scanned, kept up to date.
    pub(crate) fn sent(&self) -> Arc<Mutex<String>> {
        Arc::clone(&self.sent)
    }

    /// A table that runs `query` each time it is scanned.
    fn streaming(&self, query: SqlQuery, schema: SchemaRef) -> Result<StreamingTable> {
        *self.sent.lock().unwrap_or_else(|e| e.into_inner()) = sql_text(&query);
        let database = self.database.clone();
        let batch_schema = schema.clone();
        let partition = OdoPartition {
            label: format!("{database}: {}", query.sql),
            schema: schema.clone(),
            open: Arc::new(move || {
                blaze_odo::query(&database, &query, batch_schema.clone(), DEFAULT_BATCH_ROWS)
                    .map(|source| source.batches)
            }),
        };
        Ok(StreamingTable::try_new(schema, vec![Arc::new(partition)])?)
    }
}

#[async_trait]
impl TableProvider for QueryTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[DfExpr],
        limit: Option<usize>,
    ) -> datafusion::error::Result<Arc<dyn ExecutionPlan>> {
        let external = |e: Error| DataFusionError::External(Box::new(e));
        match projection {
            Some(columns) if !columns.is_empty() && self.query.can_project() => {
                let schema = Arc::new(self.schema.project(columns)?);
                let table = self
                    .streaming(self.query.sql(Some(columns)), schema)
                    .map_err(external)?;
                table.scan(state, None, &[], limit).await
            }
            _ => {
                let table = self
                    .streaming(self.query.sql(None), self.schema.clone())
                    .map_err(external)?;
                table.scan(state, projection, &[], limit).await
            }
        }
    }
}

/// The documents a MongoDB aggregation `pipeline` gives in `collection`, as a table of
/// `schema`: the pipeline runs each time the table is scanned.
pub(crate) fn pipeline_table(
    collection: Resource,
    pipeline: Vec<serde_json::Value>,
    schema: SchemaRef,
) -> Arc<dyn TableProvider> {
    let batch_schema = schema.clone();
    let partition = OdoPartition {
        label: format!(
            "{collection}: {}",
            serde_json::Value::Array(pipeline.clone())
        ),
        schema: schema.clone(),
        open: Arc::new(move || {
            blaze_odo::aggregate(
                &collection,
                &pipeline,
                batch_schema.clone(),
                DEFAULT_BATCH_ROWS,
            )
            .map(|source| source.batches)
        }),
    };
    Arc::new(
        StreamingTable::try_new(schema, vec![Arc::new(partition)])
            .expect("the partition has the table's schema"),
    )
}

/// The result of the expression `tree` computed by the Blaze server `server`, as a table of
/// `schema`: the server computes it each time the table is scanned.
pub(crate) fn remote_table(
    server: Resource,
    tree: serde_json::Value,
    schema: SchemaRef,
) -> Arc<dyn TableProvider> {
    let batch_schema = schema.clone();
    let partition = OdoPartition {
        label: format!("{server}: {tree}"),
        schema: schema.clone(),
        open: Arc::new(move || {
            blaze_odo::compute_on_server(&server, &tree, batch_schema.clone())
                .map(|source| source.batches)
        }),
    };
    Arc::new(
        StreamingTable::try_new(schema, vec![Arc::new(partition)])
            .expect("the partition has the table's schema"),
    )
}

/// The path DataFusion should scan when `uri` names local Parquet files.
fn local_parquet(uri: &str) -> Result<Option<String>> {
    Ok(match Resource::parse(uri)? {
        Resource::File {
            path,
            format: FileFormat::Parquet,
            ..
        } => Some(path.display().to_string()),
        Resource::Files {
            format: FileFormat::Parquet,
            ..
        } => Some(
            uri.strip_prefix("parquet://")
                .or_else(|| uri.strip_prefix("file://"))
                .unwrap_or(uri)
                .to_owned(),
        ),
        _ => None,
    })
}

/// Data read through odo (a resource, or a query's rows), from the start, each time a query
/// scans it.
struct OdoPartition {
    label: String,
    schema: SchemaRef,
    open: Arc<dyn Fn() -> blaze_odo::Result<Batches> + Send + Sync>,
}

impl fmt::Debug for OdoPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OdoPartition({})", self.label)
    }
}

impl PartitionStream for OdoPartition {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let mut builder = RecordBatchReceiverStreamBuilder::new(self.schema.clone(), 2);
        let sender = builder.tx();
        let open = self.open.clone();
        builder.spawn_blocking(move || {
            let external = |e: blaze_odo::Error| DataFusionError::External(Box::new(e));
            let batches = open().map_err(external)?;
            for batch in batches {
                let batch = batch.map_err(external);
                let failed = batch.is_err();
                // A closed channel means the query stopped reading (a limit was reached).
                if sender.blocking_send(batch).is_err() || failed {
                    break;
                }
            }
            Ok(())
        });
        builder.build()
    }
}
