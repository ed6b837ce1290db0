//! numpy record arrays in `.npy` files (a structured dtype, as `np.save` writes a recarray or
//! `df.to_records()`) read as tables: one column per field, a batch of records at a time.
//!
//! Fields of booleans, integers, floats, fixed-width byte strings (`S`) and unicode strings
//! (`U`) are read; padding fields (unnamed `V`) are skipped. Other field types, sub-array
//! fields and Fortran order are errors that name the field.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Float32Array, Float64Array, Int8Array, Int16Array, Int32Array,
    Int64Array, RecordBatch, StringArray, UInt8Array, UInt16Array, UInt32Array, UInt64Array,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use blaze_datashape::DataShape;

use crate::array_table::table_datashape;
use crate::source::BatchSource;
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
    if text.contains("'fortran_order': True") {
        return Err(format_error(path, "records in Fortran order are not read"));
    }
    let mut fields = Vec::new();
    let mut offset_in_record = 0;
    // `[('id', '<i8'), ('name', '<U5'), ...]`: each field a tuple of two quoted strings.
    let mut rest = &list[1..];
    loop {
        rest = rest.trim_start_matches([',', ' ', '\n']);
        if rest.starts_with(']') {
            break;
        }
        let tuple = rest
            .strip_prefix('(')
            .ok_or_else(|| format_error(path, format!("unexpected dtype text: {list}")))?;
        let end = tuple
            .find(')')
            .ok_or_else(|| format_error(path, format!("unexpected dtype text: {list}")))?;
        let parts: Vec<&str> = tuple[..end]
            .split(',')
            .map(|p| p.trim().trim_matches(['\'', '"']))
            .collect();
        let [name, ty] = parts[..] else {
            return Err(format_error(
                path,
                format!(
                    "field {} has a shape or a nested type, which is not read",
                    parts.first().unwrap_or(&"?")
                ),
            ));
        };
        let field = field_type(name, ty, offset_in_record)
            .ok_or_else(|| format_error(path, format!("field '{name}' has type '{ty}', which is not read (booleans, integers, floats and S/U strings are)")))?;
        offset_in_record += field.size;
        fields.push(field);
        rest = &tuple[end + 1..];
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
}
