//! Reading a table with `COPY (SELECT ...) TO STDOUT (FORMAT binary)`, decoded straight into
//! Arrow columns on a thread of its own.

use std::sync::Arc;

use arrow::datatypes::{Field, SchemaRef};
use arrow::record_batch::RecordBatch;
use blaze_datashape::DataShape;
use blaze_datashape::arrow::to_arrow_schema;
use bytes::{Buf, BytesMut};
use futures_util::StreamExt;
use tokio_postgres::Client;

use super::{CatalogColumn, Table, catalog, connect, pg_error, redact, runtime, shape_of};
use crate::error::{Error, Result};
use crate::source::builder::Column;
use crate::source::{BatchSource, produced_on_thread};

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
    let (table, thread_schema) = (table.clone(), schema.clone());
    let batches = produced_on_thread(move |emit| {
        rt.block_on(copy_out(
            &client,
            &table,
            &columns,
            &thread_schema,
            batch_rows,
            emit,
        ))
    });
    Ok(BatchSource {
        datashape,
        schema,
        batches,
    })
}

/// How to decode one column of binary COPY output (or of binary query results).
#[derive(Clone, Copy)]
pub(super) enum Wire {
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
    pub(super) fn of(type_name: &str) -> Wire {
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

/// Appends one value (`None`: NULL) of the binary format of `wire` to `column`.
pub(super) fn push(
    wire: Wire,
    value: Option<&[u8]>,
    column: &mut Column,
    field: &Field,
) -> Result<(), String> {
    match value {
        Some(bytes) => decode(wire, bytes, column),
        None if field.is_nullable() => {
            column.push_null();
            Ok(())
        }
        None => Err("NULL in a column that is not optional".to_owned()),
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
    let mut batches = Batches::new(&table.url, schema, wires, batch_rows, emit)?;
    let mut buffer = BytesMut::new();
    let mut header_done = false;
    let mut finished = false;
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
            let values = std::iter::from_fn(|| {
                let len = i32::from_be_bytes(buffer[at..at + 4].try_into().ok()?);
                at += 4;
                Some((len >= 0).then(|| {
                    let value = &buffer[at..at + len as usize];
                    at += len as usize;
                    value
                }))
            });
            let more = batches.push_row(values.take(fields as usize))?;
            buffer.advance(at);
            if !more {
                return Ok(());
            }
        }
    }
    batches.finish()
}

/// Rows decoded from PostgreSQL's binary format into Arrow columns, handed on in batches.
pub(super) struct Batches<'a> {
    url: &'a str,
    schema: &'a SchemaRef,
    wires: Vec<Wire>,
    builders: Vec<Column>,
    rows_in_batch: usize,
    batch_rows: usize,
    row_number: u64,
    emit: &'a dyn Fn(RecordBatch) -> bool,
}

impl<'a> Batches<'a> {
    /// Batches of `batch_rows` rows of `schema`, whose columns arrive as `wires` say, handed
    /// to `emit` (which returns false once the reader has stopped reading).
    pub(super) fn new(
        url: &'a str,
        schema: &'a SchemaRef,
        wires: Vec<Wire>,
        batch_rows: usize,
        emit: &'a dyn Fn(RecordBatch) -> bool,
    ) -> Result<Self> {
        let builders = schema
            .fields()
            .iter()
            .map(|f| Column::new(f, batch_rows))
            .collect::<Result<Vec<_>, String>>()
            .map_err(|m| Error::InvalidOption(format!("{}: {m}", redact(url))))?;
        Ok(Batches {
            url,
            schema,
            wires,
            builders,
            rows_in_batch: 0,
            batch_rows,
            row_number: 0,
            emit,
        })
    }

    fn malformed(&self, message: String) -> Error {
        Error::Database {
            resource: redact(self.url),
            message,
        }
    }

    /// Appends a row, its values in binary (`None`: NULL); false once the reader has stopped.
    pub(super) fn push_row<'v>(
        &mut self,
        values: impl Iterator<Item = Option<&'v [u8]>>,
    ) -> Result<bool> {
        self.row_number += 1;
        for (i, value) in values.enumerate() {
            let field = self.schema.field(i);
            if let Err(problem) = push(self.wires[i], value, &mut self.builders[i], field) {
                let message = format!(
                    "row {}, column '{}': {problem}",
                    self.row_number,
                    field.name()
                );
                return Err(self.malformed(message));
            }
        }
        self.rows_in_batch += 1;
        if self.rows_in_batch < self.batch_rows {
            return Ok(true);
        }
        self.rows_in_batch = 0;
        Ok((self.emit)(self.flush()?))
    }

    fn flush(&mut self) -> Result<RecordBatch> {
        let arrays = self.builders.iter_mut().map(Column::finish).collect();
        RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| self.malformed(e.to_string()))
    }

    /// Hands on the last rows.
    pub(super) fn finish(mut self) -> Result<()> {
        if self.rows_in_batch > 0 {
            (self.emit)(self.flush()?);
        }
        Ok(())
    }
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
}
