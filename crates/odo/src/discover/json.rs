//! JSON and JSON-lines discovery: each row (array element or line) is discovered and unified
//! with the rows before it, one row in memory at a time.

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use blaze_datashape::discover::discover_json;
use blaze_datashape::{DataShape, Dim, Measure, unify};
use serde::de::{DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde_json::Value;

use super::{DiscoverOptions, Discovery};
use crate::error::{Error, Result};
use crate::format::Compression;
use crate::read;

/// Unifies row types, cloning only when a row differs from what was seen.
#[derive(Default)]
struct Rows {
    shape: Option<DataShape>,
    count: u64,
}

impl Rows {
    fn add(&mut self, row: DataShape) {
        self.count += 1;
        self.shape = Some(match self.shape.take() {
            None => row,
            Some(seen) if seen == row => seen,
            Some(seen) => unify(&seen, &row),
        });
    }

    /// `var * row`, where a field that was null in every row becomes `?string`, as an all-empty
    /// CSV column does: a column needs a type to be stored anywhere.
    fn table(self) -> DataShape {
        let row = match self.shape {
            None => Measure::Null.into(),
            Some(row) => match row.as_record() {
                Some(record) if !row.is_option() => {
                    let fields = record
                        .fields()
                        .iter()
                        .map(|(name, ty)| {
                            let ty = if ty.non_option().measure() == &Measure::Null {
                                DataShape::scalar(Measure::STRING).into_option()
                            } else {
                                ty.clone()
                            };
                            (name.clone(), ty)
                        })
                        .collect();
                    DataShape::record(fields).expect("names come from a record")
                }
                _ => row,
            },
        };
        row.with_leading_dim(Dim::Var)
            .expect("discovered shapes have no ellipsis")
    }
}

fn input(
    path: &Path,
    compression: Compression,
    options: &DiscoverOptions,
) -> Result<Box<dyn Read + Send>> {
    let raw = read::open(path, compression, None)?;
    Ok(match &options.encoding {
        Some(label) if read::encoding(label)? != encoding_rs::UTF_8 => {
            Box::new(read::Transcoder::new(raw, read::encoding(label)?))
        }
        _ => raw,
    })
}

pub(super) fn discover_lines(
    path: &Path,
    compression: Compression,
    options: &DiscoverOptions,
) -> Result<Discovery> {
    let mut reader = BufReader::with_capacity(1 << 16, input(path, compression, options)?);
    let mut rows = Rows::default();
    let mut line = Vec::new();
    let mut line_number = 0u64;
    let mut bytes = 0u64;
    let limit = options.sample_rows.unwrap_or(u64::MAX);
    let mut complete = true;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|source| Error::Io {
                path: path.to_owned(),
                source,
            })?;
        if n == 0 {
            break;
        }
        line_number += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if rows.count == limit || bytes >= options.byte_budget {
            complete = false;
            break;
        }
        bytes += n as u64;
        let value: Value = serde_json::from_slice(&line).map_err(|e| Error::Malformed {
            path: path.to_owned(),
            line: line_number,
            column: Some(e.column() as u64),
            message: json_message(&e),
        })?;
        rows.add(discover_json(&value));
    }
    Ok(Discovery {
        rows_read: rows.count,
        datashape: rows.table(),
        complete,
        csv: None,
    })
}

pub(super) fn discover_document(
    path: &Path,
    compression: Compression,
    options: &DiscoverOptions,
) -> Result<Discovery> {
    let reader = BufReader::with_capacity(1 << 16, input(path, compression, options)?);
    let mut de = serde_json::Deserializer::from_reader(reader);
    let limit = options.sample_rows.unwrap_or(u64::MAX);
    let malformed = |e: serde_json::Error| {
        if e.is_io() {
            return Error::Io {
                path: path.to_owned(),
                source: e.into(),
            };
        }
        Error::Malformed {
            path: path.to_owned(),
            line: e.line() as u64,
            column: Some(e.column() as u64),
            message: json_message(&e),
        }
    };
    let found = Document { limit }.deserialize(&mut de).map_err(malformed)?;
    if found.complete {
        de.end().map_err(malformed)?;
    }
    Ok(Discovery {
        datashape: found.shape,
        rows_read: found.rows,
        complete: found.complete,
        csv: None,
    })
}

/// serde_json's message without its own " at line L column C" suffix (we print the position).
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

struct Found {
    shape: DataShape,
    rows: u64,
    complete: bool,
}

/// A top-level array is a table: its elements are discovered one at a time. Any other value is
/// discovered whole.
struct Document {
    limit: u64,
}

impl<'de> DeserializeSeed<'de> for Document {
    type Value = Found;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Found, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Document {
    type Value = Found;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Found, A::Error> {
        let mut rows = Rows::default();
        let mut complete = true;
        while let Some(value) = seq.next_element::<Value>()? {
            rows.add(discover_json(&value));
            if rows.count == self.limit {
                complete = false;
                break;
            }
        }
        if !complete {
            // Drain the rest without typing it, so the array is still checked to be well formed.
            complete = seq.next_element::<serde::de::IgnoredAny>()?.is_none();
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        }
        Ok(Found {
            rows: rows.count,
            shape: rows.table(),
            complete,
        })
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Found, A::Error> {
        let value = Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        Ok(whole(&value))
    }

    fn visit_str<E>(self, v: &str) -> Result<Found, E> {
        Ok(whole(&Value::String(v.to_owned())))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Found, E> {
        Ok(whole(&Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Found, E> {
        Ok(whole(&Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Found, E> {
        Ok(whole(&Value::from(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Found, E> {
        Ok(whole(&Value::from(v)))
    }

    fn visit_unit<E>(self) -> Result<Found, E> {
        Ok(whole(&Value::Null))
    }
}

fn whole(value: &Value) -> Found {
    Found {
        shape: discover_json(value),
        rows: 1,
        complete: true,
    }
}

use serde::Deserialize;
