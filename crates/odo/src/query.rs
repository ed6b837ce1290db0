//! Queries run inside a SQL database, so that only their results travel: SQL text written for
//! the database's dialect by the caller, its values bound as parameters (never spliced into
//! the text), run read-only, and streamed back as Arrow batches of the types the caller expects.

use arrow::datatypes::SchemaRef;
use blaze_datashape::arrow::from_arrow_schema;

use crate::discover::DiscoverOptions;
use crate::error::{Error, Result};
use crate::format::{Compression, FileFormat};
use crate::mongo;
use crate::odo::{mongo_collection, open_staged};
use crate::resource::Resource;
use crate::source::BatchSource;
use crate::{postgres, sqlite};

/// The documents the aggregation `pipeline` (stages as MongoDB's extended JSON) gives in the
/// MongoDB collection `collection` names, as batches of `schema` (one field per output field,
/// read by name, converted as when collections are read).
pub fn aggregate(
    collection: &Resource,
    pipeline: &[serde_json::Value],
    schema: SchemaRef,
    batch_rows: usize,
) -> Result<BatchSource> {
    let Resource::Mongo {
        url,
        collection: name,
    } = collection
    else {
        return Err(Error::InvalidOption(format!(
            "{collection} is not a MongoDB collection"
        )));
    };
    let stages = pipeline
        .iter()
        .map(|stage| match mongodb::bson::to_document(stage) {
            Ok(document) => Ok(document),
            Err(e) => Err(Error::InvalidOption(format!(
                "a pipeline stage {stage}: {e}"
            ))),
        })
        .collect::<Result<Vec<_>>>()?;
    let export = mongo::export(&mongo_collection(collection, url, name)?, &stages)?;
    let dshape = from_arrow_schema(&schema).map_err(|source| Error::Datashape {
        path: collection.to_string().into(),
        source,
    })?;
    let files = vec![export.file.clone()];
    let rename = move |e| export.rename_error(e);
    open_staged(
        files,
        FileFormat::JsonLines,
        Compression::None,
        Some(&dshape),
        &DiscoverOptions::default(),
        batch_rows,
        rename,
    )
}

/// A value bound to a query parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum SqlValue {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// Text (dates and times too: the SQL casts the parameter).
    Text(String),
}

/// SQL and the values of its parameters, in the order of their numbers (`$1`, `?1`...).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SqlQuery {
    /// The statement: one `SELECT`.
    pub sql: String,
    /// The parameters' values.
    pub params: Vec<SqlValue>,
}

/// Runs `query` in the SQLite or PostgreSQL database `database` names (any table it names is
/// ignored) in a read-only transaction, streaming the rows as batches of `batch_rows` of
/// `schema` (one field per column the query selects, in order; values are converted to the
/// fields' types as when tables are read).
pub fn query(
    database: &Resource,
    query: &SqlQuery,
    schema: SchemaRef,
    batch_rows: usize,
) -> Result<BatchSource> {
    let dshape = from_arrow_schema(&schema).map_err(|source| Error::Datashape {
        path: database.to_string().into(),
        source,
    })?;
    match database {
        Resource::Sqlite { path, .. } => sqlite::query(path, query, &dshape, schema, batch_rows),
        Resource::Postgres { url, .. } => postgres::query(url, query, &dshape, schema, batch_rows),
        _ => Err(Error::InvalidOption(format!(
            "{database} is not a SQL database"
        ))),
    }
}
