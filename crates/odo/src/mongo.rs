//! MongoDB collections: `mongodb://host:port/db::collection` (or `mongodb://host:port/db` for
//! the whole database).
//!
//! A collection is read by streaming its documents, as JSON, into a local JSON-lines file that
//! is then read like any other (`_id` object ids become hex strings, dates ISO text); a
//! collection is written from a local JSON-lines file into a new collection of a temporary name,
//! which is renamed over the target when complete, so a failed load leaves the target as it was.
//! MongoDB has no atomic append outside replica-set transactions: `append` inserts into the
//! target directly, in batches.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use mongodb::bson::{self, Bson, Document};
use mongodb::{Client, Database};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::odo::LoadMode;

/// A database, or one of its collections, named by a URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Collection {
    /// The connection string, without the collection.
    pub(crate) url: String,
    /// The database.
    pub(crate) db: String,
    /// The collection.
    pub(crate) name: String,
}

/// Documents inserted per round trip.
const INSERT_BATCH: usize = 10_000;

fn mongo_error(uri: &str, e: impl std::fmt::Display) -> Error {
    Error::Database {
        resource: crate::postgres::redact(uri),
        message: e.to_string(),
    }
}

/// The database named in `url` (`mongodb://host:port/db`).
pub(crate) fn database_name(url: &str) -> Result<String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = rest.split_once('/').map(|(_, path)| path).unwrap_or("");
    let db = path.split('?').next().unwrap_or("");
    if db.is_empty() {
        return Err(Error::InvalidOption(format!(
            "'{url}': name the database, as in mongodb://host:port/db::collection"
        )));
    }
    Ok(db.to_owned())
}

fn runtime(uri: &str) -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| mongo_error(uri, e))
}

async fn database(url: &str, db: &str) -> Result<Database> {
    let client = Client::with_uri_str(url)
        .await
        .map_err(|e| mongo_error(url, e))?;
    Ok(client.database(db))
}

impl Collection {
    fn uri(&self) -> String {
        format!("{}::{}", crate::postgres::redact(&self.url), self.name)
    }
}

/// The names of the database's collections, sorted.
pub(crate) fn collection_names(url: &str, db: &str) -> Result<Vec<String>> {
    runtime(url)?.block_on(async {
        let mut names = database(url, db)
            .await?
            .list_collection_names()
            .await
            .map_err(|e| mongo_error(url, e))?;
        names.retain(|n| !n.starts_with("system.") && !n.starts_with(TEMP_PREFIX));
        names.sort();
        Ok(names)
    })
}

/// Whether the collection exists.
pub(crate) fn exists(collection: &Collection) -> Result<bool> {
    Ok(collection_names(&collection.url, &collection.db)?.contains(&collection.name))
}

/// A document as JSON: object ids as hex strings, dates as ISO text, numbers as numbers.
fn to_json(value: Bson) -> Value {
    match value {
        Bson::Double(x) => serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number),
        Bson::String(s) => Value::String(s),
        Bson::Array(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Bson::Document(doc) => document_to_json(doc),
        Bson::Boolean(b) => Value::Bool(b),
        Bson::Null | Bson::Undefined => Value::Null,
        Bson::Int32(n) => Value::from(n),
        Bson::Int64(n) => Value::from(n),
        Bson::ObjectId(id) => Value::String(id.to_hex()),
        Bson::DateTime(at) => at
            .try_to_rfc3339_string()
            .map_or(Value::Null, Value::String),
        Bson::Decimal128(d) => Value::String(d.to_string()),
        other => other.into_relaxed_extjson(),
    }
}

fn document_to_json(doc: Document) -> Value {
    Value::Object(doc.into_iter().map(|(k, v)| (k, to_json(v))).collect())
}

/// The collection's documents, streamed to a JSON-lines file in a temporary directory.
pub(crate) struct Export {
    /// Holds the file; removed with it when the export is dropped.
    _dir: tempfile::TempDir,
    /// The JSON-lines file.
    pub(crate) file: PathBuf,
    uri: String,
}

impl Export {
    /// `error` with the local file put back as the collection it came from (its lines are the
    /// collection's documents, in order).
    pub(crate) fn rename_error(&self, error: Error) -> Error {
        Error::Database {
            resource: self.uri.clone(),
            message: error
                .to_string()
                .replace(&format!("{}: ", self.file.display()), "")
                .replace("line ", "document "),
        }
    }
}

/// Streams every document of the collection into a local JSON-lines file; or, given a
/// `pipeline`, the documents its aggregation gives.
pub(crate) fn export(collection: &Collection, pipeline: &[Document]) -> Result<Export> {
    let uri = collection.uri();
    if !exists(collection)? {
        let names = collection_names(&collection.url, &collection.db)?;
        let suggestion =
            blaze_datashape::closest_name(&collection.name, names.iter().map(String::as_str))
                .map(|s| format!("; did you mean '{s}'?"))
                .unwrap_or_default();
        return Err(Error::InvalidOption(format!(
            "{}: no collection '{}'{suggestion}",
            crate::postgres::redact(&collection.url),
            collection.name
        )));
    }
    let dir = tempfile::Builder::new()
        .prefix(".blaze-mongo.")
        .tempdir()
        .map_err(|e| mongo_error(&uri, e))?;
    let file = dir.path().join(format!("{}.jsonl", collection.name));
    let mut out = BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(&file).map_err(|e| mongo_error(&uri, e))?,
    );
    runtime(&uri)?.block_on(async {
        let documents = database(&collection.url, &collection.db)
            .await?
            .collection::<Document>(&collection.name);
        let mut cursor = if pipeline.is_empty() {
            documents.find(Document::new()).await
        } else {
            documents.aggregate(pipeline.to_vec()).await
        }
        .map_err(|e| mongo_error(&uri, e))?;
        while let Some(doc) = cursor.next().await {
            let doc = doc.map_err(|e| mongo_error(&uri, e))?;
            serde_json::to_writer(&mut out, &document_to_json(doc))
                .map_err(|e| mongo_error(&uri, e))?;
            out.write_all(b"\n").map_err(|e| mongo_error(&uri, e))?;
        }
        out.flush().map_err(|e| mongo_error(&uri, e))
    })?;
    Ok(Export {
        _dir: dir,
        file,
        uri,
    })
}

/// Renames the collection `from` to `to`, dropping `to` in the same step (`dropTarget`).
///
/// MongoDB runs `renameCollection` against the admin database and refuses it elsewhere; the
/// nx-27017 emulator the tests use runs it only against the database itself, and ignores
/// `dropTarget` (it refuses when `to` exists): there the old target is dropped just before the
/// rename, after the new collection is complete.
async fn rename_over(db: &Database, from: &str, to: &str) -> mongodb::error::Result<()> {
    let command = bson::doc! {
        "renameCollection": format!("{}.{from}", db.name()),
        "to": format!("{}.{to}", db.name()),
        "dropTarget": true,
    };
    if db.run_command(command.clone()).await.is_ok() {
        return Ok(());
    }
    let names = db.list_collection_names().await?;
    if names.iter().any(|n| n == to) && names.iter().any(|n| n == from) {
        db.collection::<Document>(to).drop().await?;
        if db.run_command(command.clone()).await.is_ok() {
            return Ok(());
        }
    }
    db.client()
        .database("admin")
        .run_command(command)
        .await
        .map(drop)
}

/// Collections being written are named with this prefix until renamed into place.
const TEMP_PREFIX: &str = "tmp_blaze_";

/// Loads the JSON-lines file `input` (one document per line) into the collection, as `mode`
/// says; returns the documents inserted.
pub(crate) fn import(input: &Path, collection: &Collection, mode: LoadMode) -> Result<u64> {
    let uri = collection.uri();
    let lines =
        std::io::BufReader::new(std::fs::File::open(input).map_err(|e| mongo_error(&uri, e))?);
    runtime(&uri)?.block_on(async {
        let db = database(&collection.url, &collection.db).await?;
        let into = match mode {
            LoadMode::Append => collection.name.clone(),
            LoadMode::Create | LoadMode::Replace => {
                let nonce = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos());
                format!("{TEMP_PREFIX}{}_{nonce}", collection.name)
            }
        };
        let target = db.collection::<Document>(&into);
        let mut batch = Vec::with_capacity(INSERT_BATCH);
        let mut inserted = 0u64;
        let result = async {
            for line in lines.lines() {
                let line = line.map_err(|e| mongo_error(&uri, e))?;
                let value: Value = serde_json::from_str(&line).map_err(|e| mongo_error(&uri, e))?;
                match Bson::try_from(value).map_err(|e| mongo_error(&uri, e))? {
                    Bson::Document(doc) => batch.push(doc),
                    other => {
                        return Err(mongo_error(&uri, format!("not a document: {other}")));
                    }
                }
                if batch.len() == INSERT_BATCH {
                    inserted += batch.len() as u64;
                    target
                        .insert_many(std::mem::take(&mut batch))
                        .await
                        .map_err(|e| mongo_error(&uri, e))?;
                }
            }
            if !batch.is_empty() {
                inserted += batch.len() as u64;
                target
                    .insert_many(batch)
                    .await
                    .map_err(|e| mongo_error(&uri, e))?;
            } else if inserted == 0 && into != collection.name {
                db.create_collection(&into)
                    .await
                    .map_err(|e| mongo_error(&uri, e))?;
            }
            if into != collection.name {
                rename_over(&db, &into, &collection.name)
                    .await
                    .map_err(|e| mongo_error(&uri, e))?;
            }
            Ok(inserted)
        }
        .await;
        if result.is_err() && into != collection.name {
            let _ = target.drop().await;
        }
        result
    })
}
