//! Opening CSV files: encoding, dialect sniffing and header detection, shared by discovery and
//! loading so that both read a file the same way.

use std::collections::VecDeque;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use blaze_datashape::discover::{TextClassifier, TextKind};
use csv::ByteRecord;

use crate::discover::DiscoverOptions;
use crate::error::{Error, Result};
use crate::format::Compression;
use crate::read::{self, ReadProgress};

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

/// A CSV file opened for reading: dialect settled, header consumed.
pub(crate) struct CsvFile {
    path: PathBuf,
    reader: csv::Reader<LineEnds<Box<dyn Read + Send>>>,
    /// Data rows read ahead while sniffing, served before the reader's.
    pending: VecDeque<ByteRecord>,
    /// Column names: the header's, or `column_1`, `column_2`... without one.
    pub(crate) names: Vec<String>,
    /// Whether the first row was a header.
    pub(crate) header: bool,
    /// The delimiter in use.
    pub(crate) delimiter: u8,
    /// The quote character in use.
    pub(crate) quote: u8,
    /// Where the data rows start in the file's text, when the file can be read again from the
    /// start to read its rows in blocks (see [`crate::csv_blocks`]): not for pipes.
    pub(crate) raw: Option<RawStart>,
    /// This file's bytes read count into this (and into the progress it was opened with).
    pub(crate) progress: Option<ReadProgress>,
}

/// Where a file's data rows start in its text, and how long they are, for reading it in blocks.
#[derive(Clone, Debug)]
pub(crate) struct RawStart {
    /// How the file's bytes are compressed.
    pub(crate) compression: Compression,
    /// The encoding the text is decoded from, when not UTF-8.
    pub(crate) encoding: Option<&'static encoding_rs::Encoding>,
    /// Bytes before the text starts (a UTF-8 byte order mark).
    pub(crate) skip: u64,
    /// Where the first data row starts, in bytes of text (after `skip`).
    pub(crate) offset: u64,
    /// The line the first data row starts on.
    pub(crate) line: u64,
    /// Bytes per row over the rows read while sniffing.
    pub(crate) row_bytes: u64,
}

impl CsvFile {
    /// Opens `path`; `name_delimiter` is the delimiter implied by the file name (`.tsv`).
    /// Bytes read count into `progress`.
    pub(crate) fn open(
        path: &Path,
        compression: Compression,
        name_delimiter: Option<u8>,
        options: &DiscoverOptions,
        classifier: &TextClassifier,
        progress: Option<&ReadProgress>,
    ) -> Result<Self> {
        // This file's bytes are counted on their own too, for where reading in blocks starts.
        let progress = progress.map(|p| p.child(0));
        let encoding = match &options.encoding {
            Some(label) => Some(read::encoding(label)?).filter(|&e| e != encoding_rs::UTF_8),
            None => None,
        };
        let mut input = text(path, compression, encoding, progress.as_ref())?;
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        input
            .by_ref()
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(|source| Error::Io {
                path: path.to_owned(),
                source,
            })?;
        let bom = head.starts_with(b"\xef\xbb\xbf");
        if bom {
            head.drain(..3);
        }
        // A file (not a pipe) can be read again from the start.
        let reopenable = std::fs::metadata(path).is_ok_and(|m| m.is_file());
        let quote = options.csv.quote.unwrap_or(b'"');
        let delimiter = options
            .csv
            .delimiter
            .or(name_delimiter)
            .unwrap_or_else(|| sniff_delimiter(&head, quote));
        let input: Box<dyn Read + Send> = Box::new(Cursor::new(head).chain(input));
        let reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .quote(quote)
            .has_headers(false)
            .flexible(true)
            .from_reader(LineEnds::new(input));
        let mut file = CsvFile {
            path: path.to_owned(),
            reader,
            pending: VecDeque::new(),
            names: Vec::new(),
            header: false,
            delimiter,
            quote,
            raw: None,
            progress,
        };
        let mut record = ByteRecord::new();
        // Where the first row ended, for where the data starts after a header.
        let mut after_first = None;
        while file.pending.len() < SNIFF_ROWS && file.read_raw(&mut record)? {
            file.pending.push_back(record.clone());
            after_first.get_or_insert_with(|| file.reader.position().clone());
        }
        let Some(first) = file.pending.front() else {
            return Err(Error::Malformed {
                path: path.to_owned(),
                line: 1,
                column: None,
                message: "the file is empty: no header and no rows".into(),
            });
        };
        file.header = match options.csv.header {
            Some(h) => h,
            None => file.looks_like_header(first, classifier)?,
        };
        file.names = if file.header {
            let header = file.pending.pop_front().expect("checked non-empty");
            file.column_names(&header)?
        } else {
            (1..=first.len()).map(|i| format!("column_{i}")).collect()
        };
        if reopenable {
            let start = match after_first {
                Some(after_header) if file.header => after_header,
                _ => csv::Position::new(),
            };
            let sampled = file.reader.position().byte() - start.byte();
            file.raw = Some(RawStart {
                compression,
                encoding,
                skip: if bom { 3 } else { 0 },
                offset: start.byte(),
                line: start.line(),
                row_bytes: sampled / file.pending.len().max(1) as u64,
            });
        }
        Ok(file)
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes of (decompressed, decoded) input consumed so far.
    pub(crate) fn bytes_read(&self) -> u64 {
        self.reader.position().byte()
    }

    /// Reads the next data row into `record`, checking its width; `false` at the end.
    pub(crate) fn next_row(&mut self, record: &mut ByteRecord) -> Result<bool> {
        if let Some(row) = self.pending.pop_front() {
            *record = row;
        } else if !self.read_raw(record)? {
            return Ok(false);
        }
        if record.len() != self.names.len() {
            let problem = width_problem(record.len(), self.names.len(), self.header);
            return Err(self.malformed(record, None, problem));
        }
        Ok(true)
    }

    /// Field `index` of `row` as text, or an error naming the line and column if it is not UTF-8.
    pub(crate) fn text<'a>(&self, row: &'a ByteRecord, index: usize) -> Result<&'a str> {
        let field = &row[index];
        std::str::from_utf8(field)
            .map_err(|e| self.malformed(row, Some(index), utf8_problem(field, index, &e)))
    }

    /// An error at `row` (and column `index`, 0-based).
    pub(crate) fn malformed(
        &self,
        row: &ByteRecord,
        index: Option<usize>,
        message: String,
    ) -> Error {
        Error::Malformed {
            path: self.path.clone(),
            line: row.position().map_or(0, |p| p.line()),
            column: index.map(|i| i as u64 + 1),
            message,
        }
    }

    /// Reads the next row as the parser splits it, numbered by the line its first
    /// character is on.
    fn read_raw(&mut self, record: &mut ByteRecord) -> Result<bool> {
        let read = self.read_parsed(record)?;
        if let Some(mut position) = record.position().cloned().filter(|_| read) {
            let ends = self.reader.get_mut();
            position.set_line(position.line() + ends.skipped_at(position.byte()));
            record.set_position(Some(position));
        }
        Ok(read)
    }

    fn read_parsed(&mut self, record: &mut ByteRecord) -> Result<bool> {
        self.reader.read_byte_record(record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            match e.into_kind() {
                csv::ErrorKind::Io(source) => Error::Io {
                    path: self.path.clone(),
                    source,
                },
                kind => Error::Malformed {
                    path: self.path.clone(),
                    line,
                    column: None,
                    message: format!("{kind:?}"),
                },
            }
        })
    }

    /// A first row is a header when every cell is a distinct, non-empty word-like text (not a
    /// number, date or other typed value). An all-text file therefore counts as having a
    /// header; `--no-header` says otherwise.
    fn looks_like_header(&self, row: &ByteRecord, classifier: &TextClassifier) -> Result<bool> {
        let mut seen: Vec<&str> = Vec::with_capacity(row.len());
        for i in 0..row.len() {
            let text = self.text(row, i)?.trim();
            if text.is_empty()
                || seen.contains(&text)
                || classifier.classify(text) != TextKind::String
            {
                return Ok(false);
            }
            seen.push(text);
        }
        Ok(true)
    }

    /// Header cells as field names: trimmed; empty ones named `column_N`; repeats get `_2`,
    /// `_3`...
    fn column_names(&self, header: &ByteRecord) -> Result<Vec<String>> {
        let mut names: Vec<String> = Vec::with_capacity(header.len());
        for i in 0..header.len() {
            let text = self.text(header, i)?.trim();
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
}

/// The text of the file at `path`: decompressed as `compression` says and decoded from
/// `encoding` (UTF-8 when `None`); its bytes on disk count into `progress`.
pub(crate) fn text(
    path: &Path,
    compression: Compression,
    encoding: Option<&'static encoding_rs::Encoding>,
    progress: Option<&ReadProgress>,
) -> Result<Box<dyn Read + Send>> {
    let input = read::open(path, compression, progress)?;
    Ok(match encoding {
        Some(encoding) => Box::new(read::Transcoder::new(input, encoding)),
        None => input,
    })
}

/// What is wrong with a row of `fields` fields in a file of `width` columns.
pub(crate) fn width_problem(fields: usize, width: usize, header: bool) -> String {
    let first = if header {
        "the header"
    } else {
        "the first row"
    };
    let plural = if fields == 1 { "" } else { "s" };
    format!("{fields} field{plural}, but {first} has {width}")
}

/// What is wrong with field `index` (0-based) that is not UTF-8, and what to do about it.
pub(crate) fn utf8_problem(field: &[u8], index: usize, error: &std::str::Utf8Error) -> String {
    let bad = field[error.valid_up_to()];
    format!(
        "invalid UTF-8 (byte 0x{bad:02X} in field {}); if the file is in another encoding, name it with --encoding (for example --encoding latin1)",
        index + 1
    )
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

/// The input of the csv parser, remembering where the line ends are in the bytes it has
/// read ahead. The parser gives a row the position where it started looking for it, before
/// the line ends it skips there (blank lines, the `\n` of a `\r\n`), so that its line is
/// that many early; these say how many.
struct LineEnds<R> {
    inner: R,
    /// Bytes passed on so far.
    offset: u64,
    /// The offsets of the line-end bytes (`\r` or `\n`) passed on and not yet looked past,
    /// in order, with whether each is a `\n`.
    ends: VecDeque<(u64, bool)>,
}

impl<R> LineEnds<R> {
    fn new(inner: R) -> Self {
        LineEnds {
            inner,
            offset: 0,
            ends: VecDeque::new(),
        }
    }

    /// The `\n`s in the run of line ends starting at byte `at`, where the parser started
    /// looking for a row (a row never starts before the one before it, so the ends before
    /// `at` are forgotten).
    fn skipped_at(&mut self, at: u64) -> u64 {
        while self.ends.front().is_some_and(|&(offset, _)| offset < at) {
            self.ends.pop_front();
        }
        self.ends
            .iter()
            .zip(at..)
            .take_while(|((offset, _), expected)| offset == expected)
            .filter(|((_, newline), _)| *newline)
            .count() as u64
    }
}

impl<R: Read> Read for LineEnds<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for i in memchr::memchr2_iter(b'\n', b'\r', &buf[..n]) {
            self.ends
                .push_back((self.offset + i as u64, buf[i] == b'\n'));
        }
        self.offset += n as u64;
        Ok(n)
    }
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

    #[test]
    fn line_ends_count_the_newlines_skipped_before_a_row() {
        let text = b"a\r\n\r\n\nb\nc\r\n";
        // Read in pieces, as the parser's buffer does.
        let mut ends = LineEnds::new(Cursor::new(text.to_vec()));
        let mut buf = [0u8; 3];
        while ends.read(&mut buf).unwrap() > 0 {}
        assert_eq!(ends.offset, text.len() as u64);
        // At 1 ("\r\n\r\n\n" before b): three newlines; then none at b itself.
        assert_eq!(ends.skipped_at(1), 3);
        assert_eq!(ends.skipped_at(6), 0);
        // At 7, b's "\n": one; the ends before are forgotten.
        assert_eq!(ends.skipped_at(7), 1);
        assert_eq!(ends.ends.len(), 3);
        assert_eq!(ends.skipped_at(9), 1);
        assert_eq!(ends.skipped_at(12), 0);
        assert!(ends.ends.is_empty());
    }
}
