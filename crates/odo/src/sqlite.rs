//! SQLite: `sqlite:///path/file.db::table`. Tables are read as Arrow batches typed by their
//! declared column types, and written in one transaction (create, replace or append), so a
//! failed or killed load leaves the database as it was.
//!
//! How datashape types are stored (SQLite has few storage classes): integers as INTEGER, floats
//! as REAL, strings as TEXT, booleans as 0/1 in a BOOLEAN column, dates, times and date-times as
//! ISO 8601 TEXT in DATE, TIME and TIMESTAMP columns, decimals as TEXT in DECIMAL(p, s) columns
//! (exact), bytes as BLOB. Reading maps declared types back the same way.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Int64Type, SchemaRef};
use arrow::record_batch::RecordBatch;
use blaze_datashape::arrow::to_arrow_schema;
use blaze_datashape::{DataShape, Dim, Measure, Record};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};
use crate::odo::LoadMode;
use crate::query::{SqlQuery, SqlValue};
use crate::source::builder::Column;
use crate::source::{BatchSource, produced_on_thread};

/// `"name"` with embedded quotes doubled: a safe SQL identifier.
pub(crate) fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn sql_error(path: &Path, e: rusqlite::Error) -> Error {
    Error::Format {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

fn open_existing(path: &Path) -> Result<Connection> {
    if !path.exists() {
        return Err(Error::Io {
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such database file"),
        });
    }
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| sql_error(path, e))
}

/// The measure of a declared SQLite column type, by the names SQL uses and SQLite's affinity
/// rules (`INT` anywhere is an integer, `CHAR`/`CLOB`/`TEXT` text, `REAL`/`FLOA`/`DOUB` floats).
fn measure_of(declared: &str) -> Measure {
    let d = declared.trim().to_ascii_uppercase();
    let args = |d: &str| -> Option<(u32, u32)> {
        let inner = d.split_once('(')?.1.strip_suffix(')')?;
        let mut parts = inner.split(',').map(|p| p.trim().parse::<u32>());
        let p = parts.next()?.ok()?;
        let s = parts.next().map_or(Some(0), Result::ok)?;
        Some((p, s))
    };
    if d.starts_with("BOOL") {
        Measure::Bool
    } else if d.starts_with("TIMESTAMP") || d.starts_with("DATETIME") {
        if d.contains("WITH TIME ZONE") || d.contains("TZ") {
            Measure::DateTime {
                tz: Some("UTC".into()),
            }
        } else {
            Measure::DATETIME
        }
    } else if d == "DATE" {
        Measure::Date
    } else if d == "TIME" {
        Measure::Time { tz: None }
    } else if d.contains("INT") {
        Measure::Int64
    } else if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") {
        Measure::STRING
    } else if d.contains("BLOB") || d.is_empty() {
        Measure::Bytes { fixlen: None }
    } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") {
        Measure::Float64
    } else if let (true, Some((precision, scale))) = (
        d.starts_with("DECIMAL") || d.starts_with("NUMERIC"),
        args(&d),
    ) {
        Measure::Decimal { precision, scale }
    } else {
        Measure::Float64
    }
}

/// The declared SQLite type for a datashape measure.
fn declared_type(measure: &Measure) -> Option<String> {
    Some(match measure {
        Measure::Bool => "BOOLEAN".into(),
        m if m.is_integer() => "INTEGER".into(),
        Measure::Float16 | Measure::Float32 | Measure::Float64 => "REAL".into(),
        Measure::String { .. } | Measure::Json | Measure::Categorical(_) => "TEXT".into(),
        Measure::Bytes { .. } => "BLOB".into(),
        Measure::Date => "DATE".into(),
        Measure::Time { .. } => "TIME".into(),
        Measure::DateTime { tz: None } => "TIMESTAMP".into(),
        Measure::DateTime { tz: Some(_) } => "TIMESTAMP WITH TIME ZONE".into(),
        Measure::Decimal { precision, scale } => format!("DECIMAL({precision}, {scale})"),
        _ => return None,
    })
}

/// The datashape of one table: `var * {...}`, `?T` where the column may hold NULL.
pub(crate) fn discover_table(path: &Path, table: &str) -> Result<DataShape> {
    let conn = open_existing(path)?;
    table_shape(&conn, path, table)
}

fn table_shape(conn: &Connection, path: &Path, table: &str) -> Result<DataShape> {
    let mut stmt = conn
        .prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1)")
        .map_err(|e| sql_error(path, e))?;
    let columns = stmt
        .query_map([table], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, bool>(2)?,
                row.get::<_, i64>(3)?,
            ))
        })
        .map_err(|e| sql_error(path, e))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|e| sql_error(path, e))?;
    if columns.is_empty() {
        let tables = table_names(conn, path)?;
        let suggestion = blaze_datashape::closest_name(table, tables.iter().map(String::as_str))
            .map(|s| format!("; did you mean '{s}'?"))
            .unwrap_or_default();
        return Err(Error::InvalidOption(format!(
            "{}: no table '{table}'{suggestion} (tables: {})",
            path.display(),
            tables.join(", ")
        )));
    }
    let fields = columns
        .into_iter()
        .map(|(name, declared, not_null, pk)| {
            let measure = measure_of(&declared);
            // An INTEGER PRIMARY KEY is the rowid: never NULL.
            let rowid = pk == 1 && declared.eq_ignore_ascii_case("INTEGER");
            let shape = DataShape::scalar(measure);
            (
                name,
                if not_null || rowid {
                    shape
                } else {
                    shape.into_option()
                },
            )
        })
        .collect();
    let record = Record::try_new(fields).map_err(|source| Error::Datashape {
        path: path.to_owned(),
        source,
    })?;
    Ok(DataShape::new(vec![Dim::Var], Measure::Record(record)).expect("one dimension"))
}

fn table_names(conn: &Connection, path: &Path) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .map_err(|e| sql_error(path, e))?;
    stmt.query_map([], |row| row.get::<_, String>(0))
        .map_err(|e| sql_error(path, e))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|e| sql_error(path, e))
}

/// The datashape of a whole database: a record of its tables, sorted by name.
pub(crate) fn discover_database(path: &Path) -> Result<DataShape> {
    let conn = open_existing(path)?;
    let fields = table_names(&conn, path)?
        .into_iter()
        .map(|table| Ok((table.clone(), table_shape(&conn, path, &table)?)))
        .collect::<Result<Vec<_>>>()?;
    DataShape::record(fields).map_err(|source| Error::Datashape {
        path: path.to_owned(),
        source,
    })
}

/// Reads `table` as batches of `batch_rows` rows, on a thread of its own.
pub(crate) fn read(
    path: &Path,
    table: &str,
    dshape: Option<&DataShape>,
    batch_rows: usize,
) -> Result<BatchSource> {
    let datashape = match dshape {
        Some(d) => d.clone(),
        None => discover_table(path, table)?,
    };
    let schema: SchemaRef =
        Arc::new(
            to_arrow_schema(&datashape).map_err(|source| Error::Datashape {
                path: path.to_owned(),
                source,
            })?,
        );
    let columns: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| quote_identifier(f.name()))
        .collect();
    let query = SqlQuery {
        sql: format!(
            "SELECT {} FROM {}",
            columns.join(", "),
            quote_identifier(table)
        ),
        params: Vec::new(),
    };
    let origin = format!("table '{table}'");
    Ok(stream(path, query, origin, datashape, schema, batch_rows))
}

/// Runs `query` (read-only: the database is opened so) as batches of `batch_rows` rows of
/// `schema`, on a thread of its own.
pub(crate) fn query(
    path: &Path,
    query: &SqlQuery,
    dshape: &DataShape,
    schema: SchemaRef,
    batch_rows: usize,
) -> Result<BatchSource> {
    open_existing(path)?;
    let origin = "the query".to_owned();
    Ok(stream(
        path,
        query.clone(),
        origin,
        dshape.clone(),
        schema,
        batch_rows,
    ))
}

/// The rows of `query` read on a thread of its own; `origin` names them in errors.
fn stream(
    path: &Path,
    query: SqlQuery,
    origin: String,
    datashape: DataShape,
    schema: SchemaRef,
    batch_rows: usize,
) -> BatchSource {
    let (path, thread_schema) = (path.to_owned(), schema.clone());
    let batches = produced_on_thread(move |emit| {
        read_batches(&path, &query, &origin, &thread_schema, batch_rows, emit)
    });
    BatchSource {
        datashape,
        schema,
        batches,
    }
}

/// A parameter's value as SQLite takes it.
fn sqlite_value(value: &SqlValue) -> rusqlite::types::Value {
    use rusqlite::types::Value;
    match value {
        SqlValue::Bool(b) => Value::Integer(i64::from(*b)),
        SqlValue::Int(i) => Value::Integer(*i),
        SqlValue::Float(x) => Value::Real(*x),
        SqlValue::Text(s) => Value::Text(s.clone()),
    }
}

/// Runs the query and hands each batch to `emit`, stopping when it returns false.
fn read_batches(
    path: &Path,
    query: &SqlQuery,
    origin: &str,
    schema: &SchemaRef,
    batch_rows: usize,
    emit: &dyn Fn(RecordBatch) -> bool,
) -> Result<()> {
    let conn = open_existing(path)?;
    let mut stmt = conn.prepare(&query.sql).map_err(|e| sql_error(path, e))?;
    if stmt.column_count() != schema.fields().len() {
        return Err(Error::Format {
            path: path.to_owned(),
            message: format!(
                "{origin} gives {} columns, not the {} expected",
                stmt.column_count(),
                schema.fields().len()
            ),
        });
    }
    let params = rusqlite::params_from_iter(query.params.iter().map(sqlite_value));
    let mut rows = stmt.query(params).map_err(|e| sql_error(path, e))?;
    let mut builders = schema
        .fields()
        .iter()
        .map(|f| Column::new(f, batch_rows))
        .collect::<Result<Vec<_>, String>>()
        .map_err(|message| Error::InvalidOption(format!("{}: {message}", path.display())))?;
    let mut count = 0usize;
    let mut row_number = 0u64;
    loop {
        let row = rows.next().map_err(|e| sql_error(path, e))?;
        if let Some(row) = row {
            row_number += 1;
            for (i, builder) in builders.iter_mut().enumerate() {
                let value = row.get_ref(i).map_err(|e| sql_error(path, e))?;
                let result = match value {
                    ValueRef::Null if schema.field(i).is_nullable() => {
                        builder.push_null();
                        Ok(())
                    }
                    ValueRef::Null => Err("NULL in a column that is not optional".to_owned()),
                    ValueRef::Integer(v) => builder.push_i64(v),
                    ValueRef::Real(v) => builder.push_f64(v),
                    ValueRef::Text(v) | ValueRef::Blob(v) => builder.push_bytes(v),
                };
                if let Err(problem) = result {
                    return Err(Error::Malformed {
                        path: path.to_owned(),
                        line: row_number,
                        column: Some(i as u64 + 1),
                        message: format!(
                            "row {row_number} of {origin}, column '{}': {value:?} does not fit {}{}",
                            schema.field(i).name(),
                            schema.field(i).data_type(),
                            if problem.is_empty() {
                                String::new()
                            } else {
                                format!(" ({problem})")
                            }
                        ),
                    });
                }
            }
            count += 1;
        }
        if (row.is_none() && count > 0) || count == batch_rows {
            let arrays: Vec<ArrayRef> = builders.iter_mut().map(Column::finish).collect();
            let batch =
                RecordBatch::try_new(schema.clone(), arrays).map_err(|e| Error::Format {
                    path: path.to_owned(),
                    message: e.to_string(),
                })?;
            count = 0;
            if !emit(batch) {
                return Ok(());
            }
        }
        if row.is_none() {
            return Ok(());
        }
    }
}

/// Whether `table` exists in the database at `path` (false if the file does not exist).
pub(crate) fn table_exists(path: &Path, table: &str) -> Result<bool> {
    if !path.exists() {
        return Ok(false);
    }
    let conn = open_existing(path)?;
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?1",
        [table],
        |row| row.get::<_, i64>(0),
    )
    .map(|n| n > 0)
    .map_err(|e| sql_error(path, e))
}

/// Writes `batches` into `table` in one transaction; returns the rows written.
pub(crate) fn write(
    path: &Path,
    table: &str,
    datashape: &DataShape,
    mode: LoadMode,
    batches: &mut dyn Iterator<Item = Result<RecordBatch>>,
    progress: &dyn Fn(u64),
) -> Result<u64> {
    let record = datashape.table_record().ok_or_else(|| {
        Error::InvalidOption(format!(
            "{}::{table}: a table needs a datashape like 'var * {{...}}', not {datashape}",
            path.display()
        ))
    })?;
    let mut conn = Connection::open(path).map_err(|e| sql_error(path, e))?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| sql_error(path, e))?;
    let quoted = quote_identifier(table);
    if mode == LoadMode::Replace {
        tx.execute_batch(&format!("DROP TABLE IF EXISTS {quoted}"))
            .map_err(|e| sql_error(path, e))?;
    }
    if mode != LoadMode::Append {
        create_table(&tx, path, table, record)?;
    }
    let placeholders = vec!["?"; record.len()].join(", ");
    let names: Vec<String> = record.names().map(quote_identifier).collect();
    let mut rows = 0u64;
    {
        let mut stmt = tx
            .prepare(&format!(
                "INSERT INTO {quoted} ({}) VALUES ({placeholders})",
                names.join(", ")
            ))
            .map_err(|e| sql_error(path, e))?;
        for batch in batches {
            let batch = batch?;
            let columns = batch
                .columns()
                .iter()
                .map(bindable)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| Error::Format {
                    path: path.to_owned(),
                    message: e.to_string(),
                })?;
            for row in 0..batch.num_rows() {
                for (i, column) in columns.iter().enumerate() {
                    column
                        .bind(&mut stmt, i + 1, row)
                        .map_err(|e| sql_error(path, e))?;
                }
                stmt.raw_execute().map_err(|e| sql_error(path, e))?;
            }
            rows += batch.num_rows() as u64;
            progress(rows);
        }
    }
    tx.commit().map_err(|e| sql_error(path, e))?;
    Ok(rows)
}

/// `CREATE TABLE` with a column per field of `record`, `NOT NULL` unless optional.
fn create_table(conn: &Connection, path: &Path, table: &str, record: &Record) -> Result<()> {
    let columns = record
        .fields()
        .iter()
        .map(|(name, ty)| {
            let declared = declared_type(ty.non_option().measure())
                .filter(|_| ty.non_option().dims().is_empty())
                .ok_or_else(|| {
                    Error::InvalidOption(format!(
                        "{}::{table}: column '{name}' of type {ty} has no SQLite column type; write JSON lines, Parquet or Arrow instead",
                        path.display()
                    ))
                })?;
            let not_null = if ty.is_option() { "" } else { " NOT NULL" };
            Ok(format!("{} {declared}{not_null}", quote_identifier(name)))
        })
        .collect::<Result<Vec<_>>>()?;
    conn.execute_batch(&format!(
        "CREATE TABLE {} ({})",
        quote_identifier(table),
        columns.join(", ")
    ))
    .map_err(|e| sql_error(path, e))
}

/// An Arrow column ready to bind row by row: native integers, floats, booleans and bytes as
/// they are; everything else (dates, times, decimals) as its canonical text.
enum Bindable {
    Int(ArrayRef),
    Float(ArrayRef),
    Bool(ArrayRef),
    Text(ArrayRef),
    Bytes(ArrayRef),
}

fn bindable(column: &ArrayRef) -> Result<Bindable, arrow::error::ArrowError> {
    use arrow::compute::cast;
    Ok(match column.data_type() {
        DataType::Boolean => Bindable::Bool(column.clone()),
        t if t.is_integer() => Bindable::Int(cast(column, &DataType::Int64)?),
        t if t.is_floating() => Bindable::Float(cast(column, &DataType::Float64)?),
        DataType::Binary | DataType::LargeBinary | DataType::FixedSizeBinary(_) => {
            Bindable::Bytes(cast(column, &DataType::Binary)?)
        }
        _ => Bindable::Text(cast(column, &DataType::Utf8)?),
    })
}

impl Bindable {
    fn bind(
        &self,
        stmt: &mut rusqlite::Statement<'_>,
        index: usize,
        row: usize,
    ) -> rusqlite::Result<()> {
        let array = match self {
            Bindable::Int(a)
            | Bindable::Float(a)
            | Bindable::Bool(a)
            | Bindable::Text(a)
            | Bindable::Bytes(a) => a,
        };
        if array.is_null(row) {
            return stmt.raw_bind_parameter(index, rusqlite::types::Null);
        }
        match self {
            Bindable::Int(a) => {
                stmt.raw_bind_parameter(index, a.as_primitive::<Int64Type>().value(row))
            }
            Bindable::Float(a) => stmt.raw_bind_parameter(
                index,
                a.as_primitive::<arrow::datatypes::Float64Type>().value(row),
            ),
            Bindable::Bool(a) => stmt.raw_bind_parameter(index, a.as_boolean().value(row)),
            Bindable::Text(a) => stmt.raw_bind_parameter(index, a.as_string::<i32>().value(row)),
            Bindable::Bytes(a) => stmt.raw_bind_parameter(index, a.as_binary::<i32>().value(row)),
        }
    }
}

/// Copies `from` into `to` inside one database with `INSERT ... SELECT`: no data leaves SQLite.
pub(crate) fn copy_within(path: &Path, from: &str, to: &str, mode: LoadMode) -> Result<u64> {
    let mut conn = Connection::open(path).map_err(|e| sql_error(path, e))?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| sql_error(path, e))?;
    let (from_q, to_q) = (quote_identifier(from), quote_identifier(to));
    if mode == LoadMode::Replace {
        tx.execute_batch(&format!("DROP TABLE IF EXISTS {to_q}"))
            .map_err(|e| sql_error(path, e))?;
    }
    if mode != LoadMode::Append {
        let shape = table_shape(&tx, path, from)?;
        let record = shape.table_record().expect("tables are var * {...}");
        create_table(&tx, path, to, record)?;
    }
    let rows = tx
        .execute(&format!("INSERT INTO {to_q} SELECT * FROM {from_q}"), [])
        .map_err(|e| sql_error(path, e))?;
    tx.commit().map_err(|e| sql_error(path, e))?;
    Ok(rows as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types() {
        let m = |d: &str| measure_of(d).to_string();
        assert_eq!(m("INTEGER"), "int64");
        assert_eq!(m("bigint"), "int64");
        assert_eq!(m("VARCHAR(20)"), "string");
        assert_eq!(m("DOUBLE PRECISION"), "float64");
        assert_eq!(m("DECIMAL(10, 2)"), "decimal[precision=10, scale=2]");
        assert_eq!(m("NUMERIC"), "float64");
        assert_eq!(m("BOOLEAN"), "bool");
        assert_eq!(m("DATE"), "date");
        assert_eq!(m("TIMESTAMP"), "datetime");
        assert_eq!(m("TIMESTAMP WITH TIME ZONE"), "datetime[tz='UTC']");
        assert_eq!(m(""), "bytes");
        assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
    }
}
