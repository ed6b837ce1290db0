//! numpy record arrays in `.npy` files (a structured dtype, as `np.save` writes a recarray or
//! `df.to_records()`) read as tables, one column per field, a batch of records at a time; and
//! tables with text written as them.
//!
//! Fields of booleans, integers, floats, fixed-width byte strings (`S`) and unicode strings
//! (`U`) are read; padding fields (unnamed `V`) are skipped. Other field types, sub-array
//! fields and Fortran order are errors that name the field. Written files have a field per
//! column: numbers and booleans of the column's type, text as unicode (`U`) as wide as its
//! longest value.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    Array as _, ArrayRef, AsArray, BooleanArray, Float32Array, Float64Array, Int8Array, Int16Array,
    Int32Array, Int64Array, RecordBatch, StringArray, UInt8Array, UInt16Array, UInt32Array,
    UInt64Array,
};
use arrow::datatypes::{
    DataType, Field, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, Schema,
    SchemaRef, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow::ipc::reader::FileReader;
use arrow::ipc::writer::FileWriter;
use blaze_datashape::DataShape;

use crate::array_table::table_datashape;
use crate::format::Compression;
use crate::source::BatchSource;
use crate::target::AtomicFile;
use crate::{Error, Result};

/// A field's type: its kind and its width in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Bool,
    Int,
    UInt,
    Float,
    /// Bytes, NUL-padded.
    Bytes,
    /// UCS-4 code points, NUL-padded.
    Unicode,
    /// Padding.
    Void,
}

#[derive(Clone, Debug, PartialEq)]
struct RecordField {
    name: String,
    kind: Kind,
    size: usize,
    offset: usize,
}

/// What a record `.npy` header says.
#[derive(Debug)]
struct Header {
    fields: Vec<RecordField>,
    itemsize: usize,
    rows: usize,
    offset: u64,
}

fn format_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Format {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// The header text of the `.npy` file at `path` and where its data starts.
fn header_text(path: &Path) -> Result<(String, u64)> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let mut start = [0u8; 12];
    file.read_exact(&mut start[..10])
        .map_err(|_| format_error(path, "not a .npy file (too short)"))?;
    if &start[..6] != b"\x93NUMPY" {
        return Err(format_error(path, "not a .npy file (no \\x93NUMPY magic)"));
    }
    let (len, skip) = if start[6] == 1 {
        (u16::from_le_bytes([start[8], start[9]]) as usize, 10)
    } else {
        file.read_exact(&mut start[10..]).map_err(io)?;
        (
            u32::from_le_bytes([start[8], start[9], start[10], start[11]]) as usize,
            12,
        )
    };
    let mut text = vec![0u8; len];
    file.read_exact(&mut text).map_err(io)?;
    Ok((
        String::from_utf8_lossy(&text).into_owned(),
        (skip + len) as u64,
    ))
}

/// Whether the `.npy` file at `path` holds records (a structured dtype).
pub(crate) fn is_record_npy(path: &Path) -> bool {
    header_text(path).is_ok_and(|(text, _)| descr_list(&text).is_some())
}

/// The text of the header's `descr` when it is a list (a structured dtype).
fn descr_list(text: &str) -> Option<&str> {
    let at = text.find("'descr'")? + "'descr'".len();
    let rest = text[at..].trim_start().strip_prefix(':')?.trim_start();
    rest.starts_with('[').then_some(rest)
}

fn parse_header(path: &Path) -> Result<Header> {
    let (text, offset) = header_text(path)?;
    let list = descr_list(&text)
        .ok_or_else(|| format_error(path, "not a record .npy file (its dtype has no fields)"))?;
    let mut fields = Vec::new();
    let mut offset_in_record = 0;
    let (descr, after) = descr_fields(list).map_err(|message| format_error(path, message))?;
    // The header's other keys, without the field names (a field may be called 'shape').
    let text = format!("{}{after}", &text[..text.len() - list.len()]);
    if text.contains("'fortran_order': True") {
        return Err(format_error(path, "records in Fortran order are not read"));
    }
    for (name, ty) in descr {
        let field = field_type(&name, &ty, offset_in_record)
            .ok_or_else(|| format_error(path, format!("field '{name}' has type '{ty}', which is not read (booleans, integers, floats and S/U strings are)")))?;
        offset_in_record += field.size;
        fields.push(field);
    }
    let shape = text
        .find("'shape'")
        .and_then(|at| {
            let t = text[at + 7..].trim_start().strip_prefix(':')?.trim_start();
            Some(t.strip_prefix('(')?.split(')').next()?.to_owned())
        })
        .ok_or_else(|| format_error(path, "the .npy header has no 'shape'"))?;
    let dims: Vec<usize> = shape
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| format_error(path, format!("bad shape ({shape})")))
        })
        .collect::<Result<_>>()?;
    let rows = match dims[..] {
        [n] => n,
        [] => 1,
        _ => {
            return Err(format_error(
                path,
                format!("records of shape ({shape}) are not a table; one dimension is"),
            ));
        }
    };
    Ok(Header {
        fields,
        itemsize: offset_in_record,
        rows,
        offset,
    })
}

/// A field's name and numpy type text, as a `descr` list gives them.
type NameAndType = (String, String);

/// The `(name, type)` pairs of a structured `descr`: `[('id', '<i8'), ("it's", '<U5')]`, names
/// and types Python string literals in either quote; and the text after the list. A field with
/// a shape or a nested type is an error naming it.
fn descr_fields(list: &str) -> std::result::Result<(Vec<NameAndType>, &str), String> {
    let unexpected = || format!("unexpected dtype text: {list}");
    let mut fields = Vec::new();
    let mut rest = list.strip_prefix('[').ok_or_else(unexpected)?;
    loop {
        rest = rest.trim_start_matches([',', ' ', '\n']);
        if let Some(after) = rest.strip_prefix(']') {
            return Ok((fields, after));
        }
        rest = rest.strip_prefix('(').ok_or_else(unexpected)?.trim_start();
        let (name, after) = python_literal(rest).ok_or_else(unexpected)?;
        rest = after
            .trim_start()
            .strip_prefix(',')
            .ok_or_else(unexpected)?
            .trim_start();
        let Some((ty, after)) = python_literal(rest) else {
            return Err(format!(
                "field '{name}' has a nested type, which is not read"
            ));
        };
        rest = after
            .trim_start()
            .strip_prefix(')')
            .ok_or_else(|| format!("field '{name}' has a shape, which is not read"))?;
        fields.push((name, ty));
    }
}

/// The Python string literal (`'…'` or `"…"`) at the start of `text`, decoded, and the text
/// after it.
fn python_literal(text: &str) -> Option<(String, &str)> {
    let quote = text.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
    let body = &text[1..];
    let mut escaped = false;
    for (at, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            c if c == quote => return Some((python_unescape(&body[..at]), &body[at + 1..])),
            _ => {}
        }
    }
    None
}

/// A field of numpy type `ty` (`<i8`, `|b1`, `<U5`, `|S3`, `|V4`) at `offset`.
fn field_type(name: &str, ty: &str, offset: usize) -> Option<RecordField> {
    let (order, code) = match ty.chars().next()? {
        c @ ('<' | '>' | '|' | '=') => (c, &ty[1..]),
        _ => ('=', ty),
    };
    if order == '>' {
        return None;
    }
    let kind_char = code.chars().next()?;
    let width: usize = code[1..].parse().ok()?;
    let (kind, size) = match kind_char {
        'b' if width == 1 => (Kind::Bool, 1),
        'i' if [1, 2, 4, 8].contains(&width) => (Kind::Int, width),
        'u' if [1, 2, 4, 8].contains(&width) => (Kind::UInt, width),
        'f' if [4, 8].contains(&width) => (Kind::Float, width),
        'S' => (Kind::Bytes, width),
        'U' => (Kind::Unicode, width * 4),
        'V' if name.is_empty() => (Kind::Void, width),
        _ => return None,
    };
    Some(RecordField {
        name: name.to_owned(),
        kind,
        size,
        offset,
    })
}

fn arrow_type(field: &RecordField) -> DataType {
    match (field.kind, field.size) {
        (Kind::Bool, _) => DataType::Boolean,
        (Kind::Int, 1) => DataType::Int8,
        (Kind::Int, 2) => DataType::Int16,
        (Kind::Int, 4) => DataType::Int32,
        (Kind::Int, _) => DataType::Int64,
        (Kind::UInt, 1) => DataType::UInt8,
        (Kind::UInt, 2) => DataType::UInt16,
        (Kind::UInt, 4) => DataType::UInt32,
        (Kind::UInt, _) => DataType::UInt64,
        (Kind::Float, 4) => DataType::Float32,
        (Kind::Float, _) => DataType::Float64,
        (Kind::Bytes | Kind::Unicode | Kind::Void, _) => DataType::Utf8,
    }
}

fn schema(header: &Header) -> SchemaRef {
    Arc::new(Schema::new(
        header
            .fields
            .iter()
            .filter(|f| f.kind != Kind::Void)
            .map(|f| Field::new(&f.name, arrow_type(f), false))
            .collect::<Vec<_>>(),
    ))
}

/// The datashape of the record `.npy` file at `path`: `N * {field: type, ...}`.
pub(crate) fn discover(path: &Path) -> Result<DataShape> {
    let header = parse_header(path)?;
    table_datashape(&schema(&header), header.rows, path)
}

/// The records of the `.npy` file at `path` as batches of at most `batch_rows`.
pub(crate) fn open(path: &Path, batch_rows: usize) -> Result<BatchSource> {
    let header = parse_header(path)?;
    let schema = schema(&header);
    let datashape = table_datashape(&schema, header.rows, path)?;
    let mut file = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(header.offset)).map_err(|source| {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    })?;
    let reader = Records {
        path: path.to_path_buf(),
        file,
        header,
        schema: Arc::clone(&schema),
        read: 0,
        batch_rows: batch_rows.max(1),
        bytes: Vec::new(),
    };
    Ok(BatchSource {
        datashape,
        schema,
        batches: Box::new(reader),
    })
}

/// Reads records a batch at a time.
struct Records {
    path: PathBuf,
    file: File,
    header: Header,
    schema: SchemaRef,
    read: usize,
    batch_rows: usize,
    bytes: Vec<u8>,
}

impl Iterator for Records {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        let rows = self.batch_rows.min(self.header.rows - self.read);
        if rows == 0 {
            return None;
        }
        self.bytes.resize(rows * self.header.itemsize, 0);
        if let Err(e) = self.file.read_exact(&mut self.bytes) {
            self.read = self.header.rows;
            return Some(Err(format_error(
                &self.path,
                format!("the file is shorter than its header says ({e})"),
            )));
        }
        self.read += rows;
        let columns: Vec<ArrayRef> = self
            .header
            .fields
            .iter()
            .filter(|f| f.kind != Kind::Void)
            .map(|f| column(&self.bytes, self.header.itemsize, f))
            .collect();
        Some(
            RecordBatch::try_new(Arc::clone(&self.schema), columns)
                .map_err(|e| format_error(&self.path, e.to_string())),
        )
    }
}

/// The values of field `f` in `bytes`, records of `itemsize` bytes each.
fn column(bytes: &[u8], itemsize: usize, f: &RecordField) -> ArrayRef {
    let cells = bytes
        .chunks_exact(itemsize)
        .map(|record| &record[f.offset..f.offset + f.size]);
    macro_rules! numbers {
        ($array:ty, $t:ty) => {
            Arc::new(<$array>::from_iter_values(
                cells.map(|c| <$t>::from_le_bytes(c.try_into().unwrap_or_default())),
            ))
        };
    }
    match (f.kind, f.size) {
        (Kind::Bool, _) => Arc::new(BooleanArray::from_iter(cells.map(|c| Some(c[0] != 0)))),
        (Kind::Int, 1) => numbers!(Int8Array, i8),
        (Kind::Int, 2) => numbers!(Int16Array, i16),
        (Kind::Int, 4) => numbers!(Int32Array, i32),
        (Kind::Int, _) => numbers!(Int64Array, i64),
        (Kind::UInt, 1) => numbers!(UInt8Array, u8),
        (Kind::UInt, 2) => numbers!(UInt16Array, u16),
        (Kind::UInt, 4) => numbers!(UInt32Array, u32),
        (Kind::UInt, _) => numbers!(UInt64Array, u64),
        (Kind::Float, 4) => numbers!(Float32Array, f32),
        (Kind::Float, _) => numbers!(Float64Array, f64),
        (Kind::Bytes | Kind::Void, _) => Arc::new(StringArray::from_iter_values(cells.map(|c| {
            let end = c.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            String::from_utf8_lossy(&c[..end]).into_owned()
        }))),
        (Kind::Unicode, _) => Arc::new(StringArray::from_iter_values(cells.map(|c| {
            c.chunks_exact(4)
                .map(|u| u32::from_le_bytes(u.try_into().unwrap_or_default()))
                .take_while(|&u| u != 0)
                .map(|u| char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect::<String>()
        }))),
    }
}

/// How many bytes of records are encoded at a time.
const ENCODE_BYTES: usize = 8 << 20;

/// Writes a table as a numpy record array at `path` (as `np.save(df.to_records(index=False))`
/// would); returns the rows written. The header states the row count and each text field's
/// width, so the rows are first staged in an Arrow IPC file beside `path`; the `.npy` file is
/// an [`AtomicFile`], so a failure leaves nothing behind.
pub(crate) fn write(
    schema: &Schema,
    batches: impl Iterator<Item = Result<RecordBatch>>,
    path: &Path,
    progress: &dyn Fn(u64),
) -> Result<u64> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut fields = schema
        .fields()
        .iter()
        .map(|f| record_field(f, path))
        .collect::<Result<Vec<_>>>()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let staged = tempfile::Builder::new()
        .prefix(".blaze-records.")
        .tempfile_in(parent)
        .map_err(io)?;
    let ipc_error = |e: arrow::error::ArrowError| format_error(path, e.to_string());
    let mut rows = 0;
    let mut stage =
        FileWriter::try_new(BufWriter::new(staged.as_file()), schema).map_err(ipc_error)?;
    for batch in batches {
        let batch = batch?;
        for (field, column) in fields.iter_mut().zip(batch.columns()) {
            check_complete(column, field, rows, path)?;
            if field.kind == Kind::Unicode {
                field.size = field.size.max(4 * longest_text(column).map_err(ipc_error)?);
            }
        }
        rows += batch.num_rows();
        stage.write(&batch).map_err(ipc_error)?;
        progress(rows as u64);
    }
    stage.finish().map_err(ipc_error)?;
    drop(stage);

    let mut itemsize = 0;
    for field in &mut fields {
        // numpy has no zero-width strings: `<U1` holds the empty ones.
        field.size = field.size.max(1);
        if field.kind == Kind::Unicode {
            field.size = field.size.next_multiple_of(4);
        }
        field.offset = itemsize;
        itemsize += field.size;
    }
    let (out, mut writer) = AtomicFile::create(path, Compression::None, true)?;
    writer
        .write_all(&record_header(&fields, rows))
        .map_err(io)?;
    let staged =
        FileReader::try_new(File::open(staged.path()).map_err(io)?, None).map_err(ipc_error)?;
    // Records are as wide as the longest text makes them: encode a bounded run of them at a time.
    let run = (ENCODE_BYTES / itemsize.max(1)).max(1);
    let mut bytes = Vec::new();
    for batch in staged {
        let batch = batch.map_err(ipc_error)?;
        for start in (0..batch.num_rows()).step_by(run) {
            let records = batch.slice(start, run.min(batch.num_rows() - start));
            bytes.clear();
            bytes.resize(records.num_rows() * itemsize, 0);
            for (field, column) in fields.iter().zip(records.columns()) {
                encode(column, field, itemsize, &mut bytes).map_err(ipc_error)?;
            }
            writer.write_all(&bytes).map_err(io)?;
        }
    }
    out.commit(writer)?;
    Ok(rows as u64)
}

/// The field column `field` becomes (a text field's width is found as the rows are read), or
/// an error naming a column of a type numpy records are not written with here.
fn record_field(field: &Field, path: &Path) -> Result<RecordField> {
    let (kind, size) = match field.data_type() {
        DataType::Boolean => (Kind::Bool, 1),
        DataType::Int8 => (Kind::Int, 1),
        DataType::Int16 => (Kind::Int, 2),
        DataType::Int32 => (Kind::Int, 4),
        DataType::Int64 => (Kind::Int, 8),
        DataType::UInt8 => (Kind::UInt, 1),
        DataType::UInt16 => (Kind::UInt, 2),
        DataType::UInt32 => (Kind::UInt, 4),
        DataType::UInt64 => (Kind::UInt, 8),
        DataType::Float32 => (Kind::Float, 4),
        DataType::Float64 => (Kind::Float, 8),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => (Kind::Unicode, 0),
        other => {
            let ty = blaze_datashape::arrow::from_arrow_type(other)
                .map_or_else(|_| other.to_string(), |d| d.to_string());
            return Err(Error::InvalidOption(format!(
                "{}: column '{}' is {ty}; a numpy record array is written with numbers, booleans and text (cast the column to a string, or write a table format such as .parquet)",
                path.display(),
                field.name()
            )));
        }
    };
    Ok(RecordField {
        name: field.name().clone(),
        kind,
        size,
        offset: 0,
    })
}

/// An error if `column` misses a value where `field` cannot hold one (only floats can, as
/// NaN): a value is never invented. `rows_before` places the row.
fn check_complete(
    column: &ArrayRef,
    field: &RecordField,
    rows_before: usize,
    path: &Path,
) -> Result<()> {
    if field.kind == Kind::Float || column.null_count() == 0 {
        return Ok(());
    }
    let row = (0..column.len()).find(|&i| column.is_null(i)).unwrap_or(0);
    Err(Error::InvalidOption(format!(
        "{}: column '{}' is missing a value in row {} of the table, which a numpy record array cannot hold (fill the missing values first, or write a table format such as .parquet)",
        path.display(),
        field.name,
        rows_before + row + 1
    )))
}

/// The number of characters in the longest text of `column`.
fn longest_text(column: &ArrayRef) -> arrow::error::Result<usize> {
    let text = arrow::compute::cast(column, &DataType::Utf8)?;
    Ok(text
        .as_string::<i32>()
        .iter()
        .flatten()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0))
}

/// A version 1.0 header (2.0 when there are too many fields for 1.0) for `fields` and `rows`,
/// padded to a multiple of 64 bytes.
fn record_header(fields: &[RecordField], rows: usize) -> Vec<u8> {
    let descr: Vec<String> = fields
        .iter()
        .map(|f| format!("({}, '{}')", python_str(&f.name), numpy_type(f)))
        .collect();
    let mut dict = format!(
        "{{'descr': [{}], 'fortran_order': False, 'shape': ({rows},), }}",
        descr.join(", ")
    );
    // Version 1.0 counts the header's bytes (with up to 63 of padding and a newline) in 16 bits.
    let (version, prefix) = if dict.len() + 64 <= usize::from(u16::MAX) {
        (1u8, 10)
    } else {
        (2, 12)
    };
    let unpadded = prefix + dict.len() + 1;
    dict.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    dict.push('\n');
    let mut out = b"\x93NUMPY".to_vec();
    out.extend_from_slice(&[version, 0]);
    if version == 1 {
        out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(dict.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    out
}

/// numpy's name for a field's type: `<i8`, `|b1`, `<U5`.
fn numpy_type(field: &RecordField) -> String {
    let size = field.size;
    match field.kind {
        Kind::Bool => "|b1".to_owned(),
        Kind::Int | Kind::UInt | Kind::Float => {
            let code = match field.kind {
                Kind::Int => 'i',
                Kind::UInt => 'u',
                _ => 'f',
            };
            let order = if size == 1 { '|' } else { '<' };
            format!("{order}{code}{size}")
        }
        Kind::Unicode => format!("<U{}", size / 4),
        Kind::Bytes => format!("|S{size}"),
        Kind::Void => format!("|V{size}"),
    }
}

/// `text` as a Python string literal (single-quoted, escaped, non-ASCII as `\u` escapes).
fn python_str(text: &str) -> String {
    let mut out = String::from("'");
    for c in text.chars() {
        match c {
            '\\' | '\'' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c if u32::from(c) <= 0xffff => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    out.push('\'');
    out
}

/// The body of a Python string literal with its escapes decoded (`\\`, `\'`, `\"`, `\xXX`,
/// `\uXXXX`, `\UXXXXXXXX`; any other backslash is kept).
fn python_unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let width = match chars.clone().next() {
            Some('x') => 2,
            Some('u') => 4,
            Some('U') => 8,
            Some(quoted @ ('\\' | '\'' | '"')) => {
                chars.next();
                out.push(quoted);
                continue;
            }
            _ => {
                out.push('\\');
                continue;
            }
        };
        let mut ahead = chars.clone();
        ahead.next();
        let hex: String = ahead.by_ref().take(width).collect();
        match u32::from_str_radix(&hex, 16)
            .ok()
            .filter(|_| hex.len() == width)
            .and_then(char::from_u32)
        {
            Some(decoded) => {
                out.push(decoded);
                chars = ahead;
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Writes `column`'s values into field `field` of `bytes`, records of `itemsize` bytes.
fn encode(
    column: &ArrayRef,
    field: &RecordField,
    itemsize: usize,
    bytes: &mut [u8],
) -> arrow::error::Result<()> {
    let cells = bytes
        .chunks_exact_mut(itemsize)
        .map(|record| &mut record[field.offset..field.offset + field.size]);
    macro_rules! numbers {
        ($type:ty, $missing:expr) => {
            for (cell, value) in cells.zip(column.as_primitive::<$type>().iter()) {
                cell.copy_from_slice(&value.unwrap_or($missing).to_le_bytes());
            }
        };
    }
    match column.data_type() {
        DataType::Boolean => {
            for (cell, value) in cells.zip(column.as_boolean().iter()) {
                cell[0] = u8::from(value.unwrap_or(false));
            }
        }
        DataType::Int8 => numbers!(Int8Type, 0),
        DataType::Int16 => numbers!(Int16Type, 0),
        DataType::Int32 => numbers!(Int32Type, 0),
        DataType::Int64 => numbers!(Int64Type, 0),
        DataType::UInt8 => numbers!(UInt8Type, 0),
        DataType::UInt16 => numbers!(UInt16Type, 0),
        DataType::UInt32 => numbers!(UInt32Type, 0),
        DataType::UInt64 => numbers!(UInt64Type, 0),
        DataType::Float32 => numbers!(Float32Type, f32::NAN),
        DataType::Float64 => numbers!(Float64Type, f64::NAN),
        _ => {
            let text = arrow::compute::cast(column, &DataType::Utf8)?;
            for (cell, value) in cells.zip(text.as_string::<i32>().iter()) {
                for (unit, c) in cell.chunks_exact_mut(4).zip(value.unwrap_or("").chars()) {
                    unit.copy_from_slice(&u32::from(c).to_le_bytes());
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_types_map_to_columns() {
        let f = |ty| field_type("a", ty, 0).map(|f| (f.kind, f.size));
        assert_eq!(f("<i8"), Some((Kind::Int, 8)));
        assert_eq!(f("|b1"), Some((Kind::Bool, 1)));
        assert_eq!(f("<U5"), Some((Kind::Unicode, 20)));
        assert_eq!(f("|S3"), Some((Kind::Bytes, 3)));
        assert_eq!(f(">f8"), None);
        assert_eq!(f("<M8[ns]"), None);
        assert_eq!(field_type("", "|V4", 0).map(|f| f.kind), Some(Kind::Void));
    }

    #[test]
    fn descr_lists_are_read_whatever_their_names_hold() {
        let (fields, after) = descr_fields(
            "[('id', '<i8'), (\"it's, (odd)\", '<U5'), ('a\\'b]', '|b1')], 'shape': (3,), }",
        )
        .unwrap();
        assert_eq!(after, ", 'shape': (3,), }");
        assert_eq!(
            fields,
            [
                ("id".to_owned(), "<i8".to_owned()),
                ("it's, (odd)".to_owned(), "<U5".to_owned()),
                ("a'b]".to_owned(), "|b1".to_owned()),
            ]
        );
        assert_eq!(
            descr_fields("[('xy', '<f8', (2,))]").unwrap_err(),
            "field 'xy' has a shape, which is not read"
        );
        assert_eq!(
            descr_fields("[('p', [('x', '<i4')])]").unwrap_err(),
            "field 'p' has a nested type, which is not read"
        );
        assert!(descr_fields("[('id', '<i8'").is_err());
    }

    #[test]
    fn field_names_are_python_string_literals_both_ways() {
        for name in ["id", "naïve", "it's", "a\\b", "𝄞 clef", "tab\there"] {
            let literal = python_str(name);
            assert!(literal.is_ascii(), "{literal}");
            assert_eq!(python_unescape(&literal[1..literal.len() - 1]), name);
        }
        assert_eq!(python_str("it's"), "'it\\'s'");
        assert_eq!(python_unescape("caf\\xe9 \\u00e9\\q"), "café é\\q");
    }
}
