//! PostgreSQL: `postgresql://user:password@host:port/db::table` (or `::schema.table`).
//!
//! Tables are read with `COPY (SELECT ...) TO STDOUT (FORMAT binary)` and decoded straight into
//! Arrow; batches are written with binary `COPY ... FROM STDIN` (encoded by pgpq); a CSV file is
//! loaded with `COPY ... FROM STDIN (FORMAT csv)`, the server parsing it, and a table is
//! exported to CSV with `COPY ... TO STDOUT (FORMAT csv)`. Every load runs in one
//! transaction, replace included, so a failure or a kill leaves the table as it was.

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use blaze_datashape::{DataShape, Dim, Measure, Record, TimeUnit};
use bytes::BytesMut;
use futures_util::SinkExt;
use tokio_postgres::{Client, NoTls};

mod export;
mod query;
mod read;

pub(crate) use export::copy_to_csv;
pub(crate) use query::query;
pub(crate) use read::read;

use crate::error::{Error, Result};
use crate::odo::LoadMode;

/// A table named by a URI: the connection string and the (optionally schema-qualified) name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Table {
    pub(crate) url: String,
    pub(crate) schema: Option<String>,
    pub(crate) name: String,
}

impl Table {
    /// `"schema"."name"`, quoted.
    pub(crate) fn quoted(&self) -> String {
        match &self.schema {
            Some(schema) => format!(
                "{}.{}",
                quote_identifier(schema),
                quote_identifier(&self.name)
            ),
            None => quote_identifier(&self.name),
        }
    }

    fn schema_name(&self) -> &str {
        self.schema.as_deref().unwrap_or("public")
    }
}

/// Splits `schema.table` (a bare name is in `public`).
pub(crate) fn split_table(url: &str, qualified: &str) -> Table {
    let (schema, name) = match qualified.split_once('.') {
        Some((schema, name)) => (Some(schema.to_owned()), name.to_owned()),
        None => (None, qualified.to_owned()),
    };
    Table {
        url: url.to_owned(),
        schema,
        name,
    }
}

fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The URL without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn pg_error(url: &str, e: tokio_postgres::Error) -> Error {
    let message = match e.as_db_error() {
        Some(db) => {
            let mut m = db.message().to_owned();
            if let Some(detail) = db.detail() {
                m.push_str(&format!(" ({detail})"));
            }
            if let Some(context) = db.where_() {
                m.push_str(&format!("; {context}"));
            }
            m
        }
        None => e.to_string(),
    };
    Error::Database {
        resource: redact(url),
        message,
    }
}

/// A value the server could not take (SQLSTATE class 22, data exception) makes the CSV path
/// decline, so that the path through Arrow can name the offending cell; other errors stand.
fn data_error_declines(url: &str, e: tokio_postgres::Error) -> Error {
    match e.code() {
        Some(code) if code.code().starts_with("22") => Error::Unsupported {
            conversion: crate::graph::Conversion::CsvToPostgres,
            reason: pg_error(url, e).to_string(),
        },
        _ => pg_error(url, e),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Database {
            resource: "tokio".into(),
            message: e.to_string(),
        })
}

async fn connect(url: &str) -> Result<Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(|e| pg_error(url, e))?;
    tokio::spawn(connection);
    Ok(client)
}

/// A column as the catalogue describes it.
struct CatalogColumn {
    name: String,
    type_name: String,
    precision: Option<i32>,
    scale: Option<i32>,
    length: Option<i32>,
    nullable: bool,
}

impl CatalogColumn {
    fn measure(&self) -> Measure {
        match self.type_name.as_str() {
            "int2" => Measure::Int16,
            "int4" => Measure::Int32,
            "int8" => Measure::Int64,
            "float4" => Measure::Float32,
            "float8" => Measure::Float64,
            "numeric" => match (self.precision, self.scale) {
                (Some(p), Some(s)) if p > 0 => Measure::Decimal {
                    precision: p as u32,
                    scale: s.max(0) as u32,
                },
                // An unconstrained numeric holds any value; float64 is the honest reading.
                _ => Measure::Float64,
            },
            "bool" => Measure::Bool,
            "varchar" | "bpchar" => Measure::String {
                fixlen: self.length.map(|n| n as u64),
                encoding: blaze_datashape::Encoding::Utf8,
            },
            "date" => Measure::Date,
            "timestamp" => Measure::DATETIME,
            "timestamptz" => Measure::DateTime {
                tz: Some("UTC".into()),
            },
            "time" => Measure::Time { tz: None },
            "interval" => Measure::TimeDelta {
                unit: TimeUnit::Microsecond,
            },
            "bytea" => Measure::Bytes { fixlen: None },
            "json" | "jsonb" => Measure::Json,
            _ => Measure::STRING,
        }
    }

    /// How the column is selected for binary COPY: types we decode are sent as they are, the
    /// rest (uuid, enums, arrays...) as text.
    fn select_expression(&self) -> String {
        let quoted = quote_identifier(&self.name);
        match self.type_name.as_str() {
            "int2" | "int4" | "int8" | "float4" | "float8" | "numeric" | "bool" | "date"
            | "timestamp" | "timestamptz" | "time" | "interval" | "bytea" => quoted,
            _ => format!("{quoted}::text"),
        }
    }
}

async fn catalog(client: &Client, table: &Table) -> Result<Vec<CatalogColumn>> {
    let rows = client
        .query(
            "SELECT a.attname, t.typname,
                    information_schema._pg_numeric_precision(a.atttypid, a.atttypmod),
                    information_schema._pg_numeric_scale(a.atttypid, a.atttypmod),
                    information_schema._pg_char_max_length(a.atttypid, a.atttypmod),
                    NOT a.attnotnull
             FROM pg_attribute a
             JOIN pg_class c ON c.oid = a.attrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_type t ON t.oid = a.atttypid
             WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum",
            &[&table.schema_name(), &table.name],
        )
        .await
        .map_err(|e| pg_error(&table.url, e))?;
    let columns: Vec<CatalogColumn> = rows
        .iter()
        .map(|row| CatalogColumn {
            name: row.get(0),
            type_name: row.get(1),
            precision: row.get(2),
            scale: row.get(3),
            length: row.get(4),
            nullable: row.get(5),
        })
        .collect();
    if columns.is_empty() {
        let names = table_names(client, &table.url).await?;
        let suggestion =
            blaze_datashape::closest_name(&table.name, names.iter().map(String::as_str))
                .map(|s| format!("; did you mean '{s}'?"))
                .unwrap_or_default();
        return Err(Error::InvalidOption(format!(
            "{}: no table '{}'{suggestion}",
            redact(&table.url),
            table.quoted()
        )));
    }
    Ok(columns)
}

fn shape_of(url: &str, columns: &[CatalogColumn]) -> Result<DataShape> {
    let fields = columns
        .iter()
        .map(|c| {
            let shape = DataShape::scalar(c.measure());
            (
                c.name.clone(),
                if c.nullable {
                    shape.into_option()
                } else {
                    shape
                },
            )
        })
        .collect();
    let record = Record::try_new(fields).map_err(|source| Error::Datashape {
        path: redact(url).into(),
        source,
    })?;
    Ok(DataShape::new(vec![Dim::Var], Measure::Record(record)).expect("one dimension"))
}

async fn table_names(client: &Client, url: &str) -> Result<Vec<String>> {
    let rows = client
        .query(
            "SELECT CASE WHEN table_schema = 'public' THEN table_name
                         ELSE table_schema || '.' || table_name END
             FROM information_schema.tables
             WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
             ORDER BY 1",
            &[],
        )
        .await
        .map_err(|e| pg_error(url, e))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The datashape of one table, from the catalogue: `?T` for nullable columns.
pub(crate) fn discover_table(table: &Table) -> Result<DataShape> {
    runtime()?.block_on(async {
        let client = connect(&table.url).await?;
        shape_of(&table.url, &catalog(&client, table).await?)
    })
}

/// The datashape of a whole database: a record of its tables (`schema.table` outside
/// `public`), sorted by name.
pub(crate) fn discover_database(url: &str) -> Result<DataShape> {
    runtime()?.block_on(async {
        let client = connect(url).await?;
        let mut fields = Vec::new();
        for name in table_names(&client, url).await? {
            let table = split_table(url, &name);
            fields.push((name, shape_of(url, &catalog(&client, &table).await?)?));
        }
        DataShape::record(fields).map_err(|source| Error::Datashape {
            path: redact(url).into(),
            source,
        })
    })
}

/// Whether the table exists.
pub(crate) fn table_exists(table: &Table) -> Result<bool> {
    runtime()?.block_on(async {
        let client = connect(&table.url).await?;
        let row = client
            .query_one(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = $1 AND c.relname = $2",
                &[&table.schema_name(), &table.name],
            )
            .await
            .map_err(|e| pg_error(&table.url, e))?;
        Ok(row.get::<_, i64>(0) > 0)
    })
}

/// The PostgreSQL type of a datashape measure, for `CREATE TABLE`.
fn declared_type(measure: &Measure) -> Option<String> {
    Some(match measure {
        Measure::Bool => "boolean".into(),
        Measure::Int8 | Measure::Int16 | Measure::UInt8 => "smallint".into(),
        Measure::Int32 | Measure::UInt16 => "integer".into(),
        Measure::Int64 | Measure::UInt32 => "bigint".into(),
        Measure::UInt64 => "numeric(20, 0)".into(),
        Measure::Float16 | Measure::Float32 => "real".into(),
        Measure::Float64 => "double precision".into(),
        Measure::Decimal { precision, scale } => format!("numeric({precision}, {scale})"),
        Measure::String {
            fixlen: Some(n), ..
        } => format!("varchar({n})"),
        Measure::String { .. } | Measure::Categorical(_) => "text".into(),
        Measure::Json => "jsonb".into(),
        Measure::Bytes { .. } => "bytea".into(),
        Measure::Date => "date".into(),
        Measure::Time { .. } => "time".into(),
        Measure::DateTime { tz: None } => "timestamp".into(),
        Measure::DateTime { tz: Some(_) } => "timestamptz".into(),
        Measure::TimeDelta { .. } => "interval".into(),
        _ => return None,
    })
}

fn create_table_sql(table: &Table, record: &Record) -> Result<String> {
    let columns = record
        .fields()
        .iter()
        .map(|(name, ty)| {
            let declared = declared_type(ty.non_option().measure())
                .filter(|_| ty.non_option().dims().is_empty())
                .ok_or_else(|| {
                    Error::InvalidOption(format!(
                        "{}::{}: column '{name}' of type {ty} has no PostgreSQL column type here; write JSON lines, Parquet or Arrow instead",
                        redact(&table.url),
                        table.name
                    ))
                })?;
            let not_null = if ty.is_option() { "" } else { " NOT NULL" };
            Ok(format!("{} {declared}{not_null}", quote_identifier(name)))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(format!(
        "CREATE TABLE {} ({})",
        table.quoted(),
        columns.join(", ")
    ))
}

/// Creates (or replaces) the table in `tx` as `mode` says.
async fn prepare_table(
    tx: &tokio_postgres::Transaction<'_>,
    table: &Table,
    datashape: &DataShape,
    mode: LoadMode,
) -> Result<()> {
    let record = datashape.table_record().ok_or_else(|| {
        Error::InvalidOption(format!(
            "{}: a table needs a datashape like 'var * {{...}}', not {datashape}",
            redact(&table.url)
        ))
    })?;
    if mode == LoadMode::Replace {
        tx.batch_execute(&format!("DROP TABLE IF EXISTS {}", table.quoted()))
            .await
            .map_err(|e| pg_error(&table.url, e))?;
    }
    if mode != LoadMode::Append {
        tx.batch_execute(&create_table_sql(table, record)?)
            .await
            .map_err(|e| pg_error(&table.url, e))?;
    }
    Ok(())
}

/// The COPY option that writes rows already frozen, when the table is new in this transaction
/// (created or replaced): no later pass over the table to mark them visible to everyone.
fn freeze(mode: LoadMode) -> &'static str {
    match mode {
        LoadMode::Create | LoadMode::Replace => ", FREEZE true",
        LoadMode::Append => "",
    }
}

/// Loads `batches` with binary COPY in one transaction; returns the rows written.
pub(crate) fn write(
    table: &Table,
    datashape: &DataShape,
    schema: &SchemaRef,
    mode: LoadMode,
    batches: &mut dyn Iterator<Item = Result<RecordBatch>>,
    progress: &dyn Fn(u64),
) -> Result<u64> {
    let mut encoder =
        pgpq::ArrowToPostgresBinaryEncoder::try_new(schema).map_err(|e| Error::Database {
            resource: redact(&table.url),
            message: format!("cannot encode for COPY: {e}"),
        })?;
    let encode_error = |e: pgpq::error::ErrorKind| Error::Database {
        resource: redact(&table.url),
        message: format!("cannot encode for COPY: {e}"),
    };
    runtime()?.block_on(async {
        let mut client = connect(&table.url).await?;
        let tx = client
            .transaction()
            .await
            .map_err(|e| pg_error(&table.url, e))?;
        prepare_table(&tx, table, datashape, mode).await?;
        let names: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| quote_identifier(f.name()))
            .collect();
        let sink = tx
            .copy_in(&format!(
                "COPY {} ({}) FROM STDIN (FORMAT binary{})",
                table.quoted(),
                names.join(", "),
                freeze(mode)
            ))
            .await
            .map_err(|e| pg_error(&table.url, e))?;
        futures_util::pin_mut!(sink);
        let mut buffer = BytesMut::new();
        encoder.write_header(&mut buffer).map_err(encode_error)?;
        let mut rows = 0u64;
        for batch in batches {
            let batch = batch?;
            encoder
                .write_batch(&batch, &mut buffer)
                .map_err(encode_error)?;
            sink.send(buffer.split().freeze())
                .await
                .map_err(|e| pg_error(&table.url, e))?;
            rows += batch.num_rows() as u64;
            progress(rows);
        }
        encoder.write_footer(&mut buffer).map_err(encode_error)?;
        sink.send(buffer.split().freeze())
            .await
            .map_err(|e| pg_error(&table.url, e))?;
        sink.as_mut()
            .finish()
            .await
            .map_err(|e| pg_error(&table.url, e))?;
        tx.commit().await.map_err(|e| pg_error(&table.url, e))?;
        Ok(rows)
    })
}

/// Loads CSV bytes with `COPY ... FROM STDIN (FORMAT csv)` in one transaction: the server
/// parses. Returns the rows loaded.
pub(crate) fn copy_csv(
    table: &Table,
    datashape: &DataShape,
    mode: LoadMode,
    input: &mut dyn std::io::Read,
    header: bool,
    delimiter: u8,
) -> Result<u64> {
    let delimiter = match delimiter {
        b'\'' => "''''".to_owned(),
        d => format!("'{}'", d as char),
    };
    runtime()?.block_on(async {
        let mut client = connect(&table.url).await?;
        let tx = client
            .transaction()
            .await
            .map_err(|e| pg_error(&table.url, e))?;
        prepare_table(&tx, table, datashape, mode).await?;
        let sink = tx
            .copy_in(&format!(
                "COPY {} FROM STDIN (FORMAT csv, HEADER {header}, DELIMITER {delimiter}, NULL ''{})",
                table.quoted(),
                freeze(mode)
            ))
            .await
            .map_err(|e| pg_error(&table.url, e))?;
        futures_util::pin_mut!(sink);
        let mut chunk = vec![0u8; 1 << 20];
        loop {
            let n = input.read(&mut chunk).map_err(|source| Error::Io {
                path: redact(&table.url).into(),
                source,
            })?;
            if n == 0 {
                break;
            }
            sink.send(bytes::Bytes::copy_from_slice(&chunk[..n]))
                .await
                .map_err(|e| data_error_declines(&table.url, e))?;
        }
        let rows = sink
            .as_mut()
            .finish()
            .await
            .map_err(|e| data_error_declines(&table.url, e))?;
        tx.commit().await.map_err(|e| pg_error(&table.url, e))?;
        Ok(rows)
    })
}

/// `INSERT INTO to SELECT * FROM from` in one transaction, creating or replacing `to` as
/// `mode` says.
pub(crate) fn copy_within(
    from: &Table,
    to: &Table,
    datashape: &DataShape,
    mode: LoadMode,
) -> Result<u64> {
    runtime()?.block_on(async {
        let mut client = connect(&to.url).await?;
        let tx = client
            .transaction()
            .await
            .map_err(|e| pg_error(&to.url, e))?;
        prepare_table(&tx, to, datashape, mode).await?;
        let rows = tx
            .execute(
                &format!(
                    "INSERT INTO {} SELECT * FROM {}",
                    to.quoted(),
                    from.quoted()
                ),
                &[],
            )
            .await
            .map_err(|e| pg_error(&to.url, e))?;
        tx.commit().await.map_err(|e| pg_error(&to.url, e))?;
        Ok(rows)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redact("postgresql://me:secret@db:5432/x"),
            "postgresql://me:***@db:5432/x"
        );
        assert_eq!(redact("postgresql://db/x"), "postgresql://db/x");
    }
}
