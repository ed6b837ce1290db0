//! CSV discovery: delimiter sniffing, header detection, and typing every column over the whole
//! file (up to the byte budget), streaming in bounded memory.

use std::io::{Cursor, Read};
use std::path::Path;

use blaze_datashape::discover::{TextClassifier, TextColumn, TextKind};
use blaze_datashape::{DataShape, Dim, Measure, Record};

use super::{DiscoverOptions, Discovery};
use crate::error::{Error, Result};
use crate::format::{Compression, FileFormat};
use crate::read;

/// CSV dialect options; `None` means "sniff it".
#[derive(Clone, Debug, Default)]
pub struct CsvOptions {
    /// Field delimiter; sniffed among `,` `\t` `;` `|` when `None`.
    pub delimiter: Option<u8>,
    /// Whether the first row is a header; detected when `None`.
    pub header: Option<bool>,
    /// Quote character (default `"`).
    pub quote: Option<u8>,
}

/// Bytes looked at to sniff the dialect.
const SNIFF_BYTES: usize = 1 << 16;
/// Rows looked at to sniff the dialect.
const SNIFF_ROWS: usize = 50;

pub(super) fn discover(
    path: &Path,
    compression: Compression,
    name_delimiter: Option<u8>,
    options: &DiscoverOptions,
) -> Result<Discovery> {
    let mut input = read::open(path, compression)?;
    if let Some(label) = &options.encoding {
        let encoding = read::encoding(label)?;
        if encoding != encoding_rs::UTF_8 {
            input = Box::new(read::Transcoder::new(input, encoding));
        }
    }
    let io_error = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    input
        .by_ref()
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(io_error)?;
    if head.starts_with(b"\xef\xbb\xbf") {
        head.drain(..3);
    }
    let quote = options.csv.quote.unwrap_or(b'"');
    let delimiter = options
        .csv
        .delimiter
        .or(name_delimiter)
        .unwrap_or_else(|| sniff_delimiter(&head, quote));
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .quote(quote)
        .has_headers(false)
        .flexible(true)
        .from_reader(Cursor::new(head).chain(input));

    let classifier = options.classifier();
    let mut record = ::csv::ByteRecord::new();
    let mut rows: Vec<::csv::ByteRecord> = Vec::new();
    // Read the first rows to decide on the header.
    while rows.len() < SNIFF_ROWS && read_record(path, &mut reader, &mut record)? {
        rows.push(record.clone());
    }
    if rows.is_empty() {
        return Err(Error::Malformed {
            path: path.to_owned(),
            line: 1,
            column: None,
            message: "the file is empty: no header and no rows".into(),
        });
    }
    let header = match options.csv.header {
        Some(h) => h,
        None => looks_like_header(path, &rows[0], &classifier)?,
    };
    let width = rows[0].len();
    let names = if header {
        column_names(path, &rows[0])?
    } else {
        (1..=width).map(|i| format!("column_{i}")).collect()
    };
    let mut columns = vec![TextColumn::default(); width];
    let mut rows_read = 0u64;
    let limit = options.sample_rows.unwrap_or(u64::MAX);
    let budget = options.byte_budget;
    let mut complete = true;
    let mut add = |row: &::csv::ByteRecord| -> Result<()> {
        check_width(path, row, width, header)?;
        for (i, (field, column)) in row.iter().zip(&mut columns).enumerate() {
            let text = utf8(path, row, i, field)?;
            column.add(classifier.classify(text));
        }
        Ok(())
    };
    for row in rows.iter().skip(usize::from(header)) {
        if rows_read == limit {
            complete = false;
            break;
        }
        add(row)?;
        rows_read += 1;
    }
    if complete {
        loop {
            if rows_read == limit || reader.position().byte() >= budget {
                complete = !read_record(path, &mut reader, &mut record)?;
                break;
            }
            if !read_record(path, &mut reader, &mut record)? {
                break;
            }
            add(&record)?;
            rows_read += 1;
        }
    }
    let fields = names
        .into_iter()
        .zip(&columns)
        .map(|(name, column)| (name, column.datashape()))
        .collect();
    let record = Record::try_new(fields).map_err(|source| Error::Datashape {
        path: path.to_owned(),
        source,
    })?;
    Ok(Discovery {
        datashape: DataShape::new(vec![Dim::Var], Measure::Record(record))
            .expect("one var dimension"),
        rows_read,
        complete,
        format: FileFormat::Csv {
            delimiter: Some(delimiter),
        },
    })
}

fn read_record<R: Read>(
    path: &Path,
    reader: &mut ::csv::Reader<R>,
    record: &mut ::csv::ByteRecord,
) -> Result<bool> {
    reader.read_byte_record(record).map_err(|e| {
        let line = e.position().map_or(0, |p| p.line());
        match e.into_kind() {
            ::csv::ErrorKind::Io(source) => Error::Io {
                path: path.to_owned(),
                source,
            },
            kind => Error::Malformed {
                path: path.to_owned(),
                line,
                column: None,
                message: format!("{kind:?}"),
            },
        }
    })
}

fn line_of(row: &::csv::ByteRecord) -> u64 {
    row.position().map_or(0, |p| p.line())
}

fn check_width(path: &Path, row: &::csv::ByteRecord, width: usize, header: bool) -> Result<()> {
    if row.len() == width {
        return Ok(());
    }
    let first = if header {
        "the header"
    } else {
        "the first row"
    };
    Err(Error::Malformed {
        path: path.to_owned(),
        line: line_of(row),
        column: None,
        message: format!(
            "{} field{}, but {first} has {width}",
            row.len(),
            if row.len() == 1 { "" } else { "s" }
        ),
    })
}

fn utf8<'a>(
    path: &Path,
    row: &::csv::ByteRecord,
    index: usize,
    field: &'a [u8],
) -> Result<&'a str> {
    std::str::from_utf8(field).map_err(|e| {
        let bad = field[e.valid_up_to()];
        Error::Malformed {
            path: path.to_owned(),
            line: line_of(row),
            column: Some(index as u64 + 1),
            message: format!(
                "invalid UTF-8 (byte 0x{bad:02X} in field {}); if the file is in another encoding, name it with --encoding (for example --encoding latin1)",
                index + 1
            ),
        }
    })
}

/// The delimiter among `,` `\t` `;` `|` that splits the first lines into the same number of
/// fields most consistently (quotes respected); `,` when nothing fits.
fn sniff_delimiter(head: &[u8], quote: u8) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b'\t', b';', b'|'];
    // Only whole lines: the last one may be cut off.
    let end = head
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(head.len(), |i| i + 1);
    let lines: Vec<&[u8]> = head[..end]
        .split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .take(SNIFF_ROWS)
        .collect();
    let mut best = (b',', 0usize, 0usize); // delimiter, consistent lines, fields per line
    for candidate in CANDIDATES {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| count_outside_quotes(l, candidate, quote))
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if first == 0 {
            continue;
        }
        let consistent = counts.iter().filter(|&&c| c == first).count();
        if (consistent, first) > (best.1, best.2) {
            best = (candidate, consistent, first);
        }
    }
    best.0
}

fn count_outside_quotes(line: &[u8], delimiter: u8, quote: u8) -> usize {
    let mut quoted = false;
    let mut count = 0;
    for &b in line {
        if b == quote {
            quoted = !quoted;
        } else if b == delimiter && !quoted {
            count += 1;
        }
    }
    count
}

/// A first row is a header when every cell is a distinct, non-empty word-like text (not a
/// number, date or other typed value). An all-text file therefore counts as having a header;
/// `--no-header` says otherwise.
fn looks_like_header(
    path: &Path,
    row: &::csv::ByteRecord,
    classifier: &TextClassifier,
) -> Result<bool> {
    let mut seen: Vec<&str> = Vec::with_capacity(row.len());
    for (i, field) in row.iter().enumerate() {
        let text = utf8(path, row, i, field)?.trim();
        if text.is_empty() || seen.contains(&text) || classifier.classify(text) != TextKind::String
        {
            return Ok(false);
        }
        seen.push(text);
    }
    Ok(true)
}

/// Header cells as field names: trimmed; empty ones named `column_N`; repeats get `_2`, `_3`...
fn column_names(path: &Path, header: &::csv::ByteRecord) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::with_capacity(header.len());
    for (i, field) in header.iter().enumerate() {
        let text = utf8(path, header, i, field)?.trim();
        let base = if text.is_empty() {
            format!("column_{}", i + 1)
        } else {
            text.to_owned()
        };
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        names.push(name);
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n", b'"'), b',');
        assert_eq!(sniff_delimiter(b"a\tb\n1\t2\n", b'"'), b'\t');
        assert_eq!(sniff_delimiter(b"a;b;c\n1,5;2,5;3\n", b'"'), b';');
        assert_eq!(sniff_delimiter(b"a|b\n\"x|y\"|2\n", b'"'), b'|');
        assert_eq!(sniff_delimiter(b"single\n1\n", b'"'), b',');
    }
}
