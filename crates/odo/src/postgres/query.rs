//! Running a query's SQL in PostgreSQL: a read-only transaction, the values bound as typed
//! parameters, the rows fetched in binary and decoded straight into Arrow columns.

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use blaze_datashape::DataShape;
use futures_util::StreamExt;
use tokio_postgres::Client;
use tokio_postgres::types::{FromSql, ToSql, Type};

use super::read::{Batches, Wire};
use super::{connect, pg_error, redact, runtime};
use crate::error::{Error, Result};
use crate::query::{SqlQuery, SqlValue};
use crate::source::{BatchSource, produced_on_thread};

/// Runs `query` as batches of `batch_rows` rows of `schema`, on a thread of its own.
pub(crate) fn query(
    url: &str,
    query: &SqlQuery,
    dshape: &DataShape,
    schema: SchemaRef,
    batch_rows: usize,
) -> Result<BatchSource> {
    let rt = runtime()?;
    let client = rt.block_on(connect(url))?;
    let (url, query, thread_schema) = (url.to_owned(), query.clone(), schema.clone());
    let batches = produced_on_thread(move |emit| {
        rt.block_on(fetch(
            client,
            &url,
            &query,
            &thread_schema,
            batch_rows,
            emit,
        ))
    });
    Ok(BatchSource {
        datashape: dshape.clone(),
        schema,
        batches,
    })
}

/// A value's bytes in PostgreSQL's binary format, whatever its type.
struct Raw<'a>(&'a [u8]);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(
        _: &Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(raw))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A parameter's declared type and its value.
fn parameter(value: &SqlValue) -> (Type, Box<dyn ToSql + Sync + Send>) {
    match value {
        SqlValue::Bool(b) => (Type::BOOL, Box::new(*b)),
        SqlValue::Int(i) => (Type::INT8, Box::new(*i)),
        SqlValue::Float(x) => (Type::FLOAT8, Box::new(*x)),
        SqlValue::Text(s) => (Type::TEXT, Box::new(s.clone())),
    }
}

/// Runs the query and hands each batch to `emit`, stopping when it returns false.
async fn fetch(
    mut client: Client,
    url: &str,
    query: &SqlQuery,
    schema: &SchemaRef,
    batch_rows: usize,
    emit: &dyn Fn(RecordBatch) -> bool,
) -> Result<()> {
    let failed = |e| pg_error(url, e);
    let malformed = |message: String| Error::Database {
        resource: redact(url),
        message,
    };
    let transaction = client
        .build_transaction()
        .read_only(true)
        .start()
        .await
        .map_err(failed)?;
    let (types, values): (Vec<Type>, Vec<_>) = query.params.iter().map(parameter).unzip();
    let statement = transaction
        .prepare_typed(&query.sql, &types)
        .await
        .map_err(failed)?;
    if statement.columns().len() != schema.fields().len() {
        return Err(malformed(format!(
            "the query gives {} columns, not the {} expected",
            statement.columns().len(),
            schema.fields().len()
        )));
    }
    let wires: Vec<Wire> = statement
        .columns()
        .iter()
        .map(|c| Wire::of(c.type_().name()))
        .collect();
    let rows = transaction
        .query_raw(
            &statement,
            values.iter().map(|v| v.as_ref() as &(dyn ToSql + Sync)),
        )
        .await
        .map_err(failed)?;
    futures_util::pin_mut!(rows);
    let mut batches = Batches::new(url, schema, wires, batch_rows, emit)?;
    while let Some(row) = rows.next().await {
        let row = row.map_err(failed)?;
        // `Raw` takes any type's bytes and every index is in range: nothing fails here.
        let values = (0..row.len()).map(|i| {
            row.try_get::<_, Option<Raw>>(i)
                .ok()
                .flatten()
                .map(|raw| raw.0)
        });
        if !batches.push_row(values)? {
            return Ok(());
        }
    }
    batches.finish()
}
