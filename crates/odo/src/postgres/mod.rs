//! PostgreSQL: `postgresql://user:password@host:port/db::table` (or `::schema.table`).
//!
//! Tables are read with `COPY (SELECT ...) TO STDOUT (FORMAT binary)` and decoded straight into
//! Arrow; batches are written with binary `COPY ... FROM STDIN` (encoded by pgpq); a CSV file is
//! loaded with `COPY ... FROM STDIN (FORMAT csv)`, the server parsing it, and a table is
//! exported to CSV with `COPY ... TO STDOUT (FORMAT csv)`. Every load runs in one
//! transaction, replace included, so a failure or a kill leaves the table as it was.

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use blaze_datashape::arrow::to_arrow_schema;
use blaze_datashape::{DataShape, Dim, Measure, Record, TimeUnit};
use bytes::{Buf, BytesMut};
use futures_util::{SinkExt, StreamExt};
use tokio_postgres::{Client, NoTls};

mod export;

pub(crate) use export::copy_to_csv;

use crate::error::{Error, Result};
use crate::odo::LoadMode;
use crate::source::BatchSource;
use crate::source::builder::Column;

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

/// Reads the table as batches of `batch_rows` rows, on a thread of its own, through binary COPY.
pub(crate) fn read(
    table: &Table,
    dshape: Option<&DataShape>,
    batch_rows: usize,
) -> Result<BatchSource> {
    let rt = runtime()?;
    let (client, columns) = rt.block_on(async {
        let client = connect(&table.url).await?;
        let columns = catalog(&client, table).await?;
        Ok::<_, Error>((client, columns))
    })?;
    let datashape = match dshape {
        Some(d) => d.clone(),
        None => shape_of(&table.url, &columns)?,
    };
    let schema: SchemaRef =
        Arc::new(
            to_arrow_schema(&datashape).map_err(|source| Error::Datashape {
                path: redact(&table.url).into(),
                source,
            })?,
        );
    if schema.fields().len() != columns.len() {
        return Err(Error::InvalidOption(format!(
            "{}: the datashape has {} columns but the table has {}",
            redact(&table.url),
            schema.fields().len(),
            columns.len()
        )));
    }
    let (sender, receiver) = std::sync::mpsc::sync_channel(2);
    let (table, thread_schema) = (table.clone(), schema.clone());
    std::thread::spawn(move || {
        let result = rt.block_on(copy_out(
            &client,
            &table,
            &columns,
            &thread_schema,
            batch_rows,
            &|batch| sender.send(Ok(batch)).is_ok(),
        ));
        if let Err(e) = result {
            let _ = sender.send(Err(e));
        }
    });
    Ok(BatchSource {
        datashape,
        schema,
        batches: Box::new(receiver.into_iter()),
    })
}

/// How to decode one column of binary COPY output.
#[derive(Clone, Copy)]
enum Wire {
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    Bool,
    Date,
    Timestamp,
    Time,
    Interval,
    Bytes,
}

impl Wire {
    fn of(type_name: &str) -> Wire {
        match type_name {
            "int2" => Wire::Int2,
            "int4" => Wire::Int4,
            "int8" => Wire::Int8,
            "float4" => Wire::Float4,
            "float8" => Wire::Float8,
            "numeric" => Wire::Numeric,
            "bool" => Wire::Bool,
            "date" => Wire::Date,
            "timestamp" | "timestamptz" => Wire::Timestamp,
            "time" => Wire::Time,
            "interval" => Wire::Interval,
            _ => Wire::Bytes,
        }
    }
}

/// Days from 1970-01-01 to PostgreSQL's epoch, 2000-01-01.
const PG_EPOCH_DAYS: i32 = 10_957;
const PG_EPOCH_MICROS: i64 = PG_EPOCH_DAYS as i64 * 86_400_000_000;

fn decode(wire: Wire, bytes: &[u8], column: &mut Column) -> Result<(), String> {
    let fixed = |n: usize| -> Result<&[u8], String> {
        (bytes.len() == n)
            .then_some(bytes)
            .ok_or_else(|| format!("expected {n} bytes, got {}", bytes.len()))
    };
    match wire {
        Wire::Int2 => column.push_i64(i64::from(i16::from_be_bytes(
            fixed(2)?.try_into().unwrap_or_default(),
        ))),
        Wire::Int4 => column.push_i64(i64::from(i32::from_be_bytes(
            fixed(4)?.try_into().unwrap_or_default(),
        ))),
        Wire::Int8 => column.push_i64(i64::from_be_bytes(fixed(8)?.try_into().unwrap_or_default())),
        Wire::Float4 => column.push_f64(f64::from(f32::from_be_bytes(
            fixed(4)?.try_into().unwrap_or_default(),
        ))),
        Wire::Float8 => {
            column.push_f64(f64::from_be_bytes(fixed(8)?.try_into().unwrap_or_default()))
        }
        Wire::Bool => column.push_bool(fixed(1)?[0] != 0),
        Wire::Date => column.push_days(
            i32::from_be_bytes(fixed(4)?.try_into().unwrap_or_default()) + PG_EPOCH_DAYS,
        ),
        Wire::Timestamp => column.push_micros(
            i64::from_be_bytes(fixed(8)?.try_into().unwrap_or_default()) + PG_EPOCH_MICROS,
        ),
        Wire::Time => {
            column.push_micros(i64::from_be_bytes(fixed(8)?.try_into().unwrap_or_default()))
        }
        Wire::Interval => {
            let b = fixed(16)?;
            let micros = i64::from_be_bytes(b[..8].try_into().unwrap_or_default());
            let days = i64::from(i32::from_be_bytes(b[8..12].try_into().unwrap_or_default()));
            let months = i32::from_be_bytes(b[12..].try_into().unwrap_or_default());
            if months != 0 {
                return Err("an interval in months has no fixed length".into());
            }
            column.push_micros(micros + days * 86_400_000_000)
        }
        Wire::Numeric => {
            let (unscaled, scale) = decode_numeric(bytes)?;
            column.push_decimal(unscaled, scale)
        }
        Wire::Bytes => column.push_bytes(bytes),
    }
}

/// PostgreSQL's binary numeric: base-10000 digits with a weight, a sign and a display scale.
fn decode_numeric(b: &[u8]) -> Result<(i128, u32), String> {
    let word = |i: usize| -> Result<u16, String> {
        b.get(i..i + 2)
            .map(|w| u16::from_be_bytes([w[0], w[1]]))
            .ok_or_else(|| "truncated numeric".to_owned())
    };
    let ndigits = i32::from(word(0)?);
    let weight = i32::from(word(2)? as i16);
    let sign = word(4)?;
    let dscale = word(6)?;
    if sign == 0xC000 {
        return Err("NaN does not fit a decimal".into());
    }
    let mut unscaled: i128 = 0;
    for i in 0..ndigits {
        let digit = i128::from(word(8 + 2 * i as usize)?);
        unscaled = unscaled
            .checked_mul(10_000)
            .and_then(|v| v.checked_add(digit))
            .ok_or("numeric too large")?;
    }
    // The digits read as an integer are worth 10000^(weight - (ndigits - 1)); scale to dscale.
    let exponent = 4 * (weight - (ndigits - 1)) + i32::from(dscale);
    let power = |e: i32| 10i128.checked_pow(e as u32).ok_or("numeric too large");
    let unscaled = if exponent >= 0 {
        unscaled
            .checked_mul(power(exponent)?)
            .ok_or("numeric too large")?
    } else {
        unscaled / power(-exponent)?
    };
    Ok((
        if sign == 0x4000 { -unscaled } else { unscaled },
        u32::from(dscale),
    ))
}

async fn copy_out(
    client: &Client,
    table: &Table,
    columns: &[CatalogColumn],
    schema: &SchemaRef,
    batch_rows: usize,
    emit: &dyn Fn(RecordBatch) -> bool,
) -> Result<()> {
    let select: Vec<String> = columns
        .iter()
        .map(CatalogColumn::select_expression)
        .collect();
    let wires: Vec<Wire> = columns
        .iter()
        .map(|c| {
            if c.select_expression().ends_with("::text") {
                Wire::Bytes
            } else {
                Wire::of(&c.type_name)
            }
        })
        .collect();
    let query = format!(
        "COPY (SELECT {} FROM {}) TO STDOUT (FORMAT binary)",
        select.join(", "),
        table.quoted()
    );
    let stream = client
        .copy_out(&query)
        .await
        .map_err(|e| pg_error(&table.url, e))?;
    futures_util::pin_mut!(stream);
    let mut builders = schema
        .fields()
        .iter()
        .map(|f| Column::new(f, batch_rows))
        .collect::<Result<Vec<_>, String>>()
        .map_err(|m| Error::InvalidOption(format!("{}: {m}", redact(&table.url))))?;
    let malformed = |message: String| Error::Database {
        resource: redact(&table.url),
        message,
    };
    let mut buffer = BytesMut::new();
    let mut header_done = false;
    let mut rows_in_batch = 0usize;
    let mut row_number = 0u64;
    let mut finished = false;
    let flush = |builders: &mut Vec<Column>| -> Result<RecordBatch> {
        let arrays = builders.iter_mut().map(Column::finish).collect();
        RecordBatch::try_new(schema.clone(), arrays).map_err(|e| malformed(e.to_string()))
    };
    while !finished {
        match stream.next().await {
            Some(chunk) => buffer.extend_from_slice(&chunk.map_err(|e| pg_error(&table.url, e))?),
            None => finished = true,
        }
        if !header_done {
            // Signature (11 bytes), flags (4), header extension length (4) and extension.
            if buffer.len() < 19 {
                continue;
            }
            let extension =
                u32::from_be_bytes([buffer[15], buffer[16], buffer[17], buffer[18]]) as usize;
            if buffer.len() < 19 + extension {
                continue;
            }
            buffer.advance(19 + extension);
            header_done = true;
        }
        // Decode every complete tuple in the buffer.
        while let Some(fields) = complete_tuple(&buffer) {
            if fields == -1 {
                buffer.advance(2);
                break;
            }
            let mut at = 2usize;
            row_number += 1;
            for (i, (builder, wire)) in builders.iter_mut().zip(&wires).enumerate() {
                let len = i32::from_be_bytes([
                    buffer[at],
                    buffer[at + 1],
                    buffer[at + 2],
                    buffer[at + 3],
                ]);
                at += 4;
                let result = if len < 0 {
                    if schema.field(i).is_nullable() {
                        builder.push_null();
                        Ok(())
                    } else {
                        Err("NULL in a column that is not optional".to_owned())
                    }
                } else {
                    let value = &buffer[at..at + len as usize];
                    at += len as usize;
                    decode(*wire, value, builder)
                };
                if let Err(problem) = result {
                    return Err(malformed(format!(
                        "row {row_number}, column '{}': {problem}",
                        schema.field(i).name()
                    )));
                }
            }
            buffer.advance(at);
            rows_in_batch += 1;
            if rows_in_batch == batch_rows {
                rows_in_batch = 0;
                if !emit(flush(&mut builders)?) {
                    return Ok(());
                }
            }
        }
    }
    if rows_in_batch > 0 {
        emit(flush(&mut builders)?);
    }
    Ok(())
}

/// The field count of the tuple at the start of `buffer` if all its bytes have arrived (`-1`
/// for the trailer).
fn complete_tuple(buffer: &[u8]) -> Option<i16> {
    let count = i16::from_be_bytes(buffer.get(..2)?.try_into().ok()?);
    if count == -1 {
        return Some(-1);
    }
    let mut at = 2usize;
    for _ in 0..count {
        let len = i32::from_be_bytes(buffer.get(at..at + 4)?.try_into().ok()?);
        at += 4;
        if len > 0 {
            at += len as usize;
        }
    }
    (buffer.len() >= at).then_some(count)
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
                "COPY {} ({}) FROM STDIN (FORMAT binary)",
                table.quoted(),
                names.join(", ")
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
                "COPY {} FROM STDIN (FORMAT csv, HEADER {header}, DELIMITER {delimiter}, NULL '')",
                table.quoted()
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
    fn numerics() {
        // 12345.678: ndigits 3, weight 1, digits [1, 2345, 6780], dscale 3
        let mut b = vec![0, 3, 0, 1, 0, 0, 0, 3];
        for d in [1u16, 2345, 6780] {
            b.extend_from_slice(&d.to_be_bytes());
        }
        assert_eq!(decode_numeric(&b), Ok((12_345_678, 3)));
        // -0.05: ndigits 1, weight -1, digits [500], dscale 2
        let b = [0, 1, 0xff, 0xff, 0x40, 0, 0, 2, 0x01, 0xf4];
        assert_eq!(decode_numeric(&b), Ok((-5, 2)));
        // 0: ndigits 0
        assert_eq!(decode_numeric(&[0, 0, 0, 0, 0, 0, 0, 0]), Ok((0, 0)));
        // 1000000 (weight 1, digits [100], dscale 0)
        assert_eq!(
            decode_numeric(&[0, 1, 0, 1, 0, 0, 0, 0, 0, 100]),
            Ok((1_000_000, 0))
        );
    }

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redact("postgresql://me:secret@db:5432/x"),
            "postgresql://me:***@db:5432/x"
        );
        assert_eq!(redact("postgresql://db/x"), "postgresql://db/x");
    }
}
