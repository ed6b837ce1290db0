//! Splitting a CSV file into blocks of whole rows without parsing it, so that parsing, not
//! only typing, runs on every core.
//!
//! The splitter reads the file's text again (decompressed and decoded, as the reader that
//! sniffed its dialect did) from its first data row. Only quotes can hide a line end, so it
//! looks at nothing but quotes and line ends, at memchr's speed, and follows the csv parser's rule for quotes exactly: a quote opens a
//! quoted field only where a field starts (at a row's start or after a delimiter); inside one,
//! a doubled quote is a quote and a single one closes it; anywhere else a quote is text. A
//! line end (`\n` or `\r`) outside quoted fields and not right after another ends a row (the
//! parser skips blank lines), so every block starts where the parser would start a row, holds
//! as many rows as asked, and parsing the blocks one by one gives the rows, with their line
//! numbers, that parsing the whole file would.

use std::io::Read;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender};

use csv::ByteRecord;
use memchr::{memchr, memchr_iter, memchr2_iter};

use crate::csv_chunks::{Piece, RowChunk};
use crate::csv_file::{CsvFile, RawStart, text, width_problem};
use crate::error::{Error, Result};
use crate::read::ReadProgress;

/// Bytes read at a time while looking for whether rows are left.
const READ_BYTES: u64 = 1 << 16;

/// What parsing a block needs to know about the file.
#[derive(Debug)]
struct Dialect {
    delimiter: u8,
    quote: u8,
    /// Columns: every row must have this many fields.
    width: usize,
    /// Whether the columns were named by a header (said when a row's width is wrong).
    header: bool,
}

/// A CSV file to read in blocks, from where its data rows start.
pub(crate) struct RawCsv {
    path: Arc<Path>,
    start: RawStart,
    dialect: Arc<Dialect>,
    /// The file's bytes read count into this: those the reader that sniffed the file read
    /// were counted then.
    progress: Option<ReadProgress>,
    /// Rows per block.
    rows: usize,
}

impl RawCsv {
    /// `file`, read again in blocks of `chunk_rows` rows; `None` when it cannot be (a pipe).
    pub(crate) fn new(file: &CsvFile, chunk_rows: usize) -> Option<Self> {
        let start = file.raw.clone()?;
        let progress = file.progress.as_ref().map(|p| p.child(p.read()));
        Some(RawCsv {
            path: Arc::from(file.path()),
            dialect: Arc::new(Dialect {
                delimiter: file.delimiter,
                quote: file.quote,
                width: file.names.len(),
                header: file.header,
            }),
            progress,
            start,
            rows: chunk_rows.max(1),
        })
    }
}

/// Rows of a file, not yet parsed: from a row's start to just past a row's end.
pub(crate) struct Block {
    bytes: Vec<u8>,
    /// The line the block starts on.
    line: u64,
    /// How many rows it holds at most (room is made for them).
    rows: usize,
    dialect: Arc<Dialect>,
}

impl Block {
    /// The block's rows, and the error that stopped them before the end, if one did. Each
    /// row's line is the one its first character is on.
    pub(crate) fn rows(self, path: &Arc<Path>) -> (RowChunk, Option<Error>) {
        if memchr(self.dialect.quote, &self.bytes).is_none() {
            self.plain_rows(path)
        } else {
            self.quoted_rows(path)
        }
    }

    /// The rows of a block without quotes, left in place: cells end at delimiters and rows at
    /// line ends, found 64 bytes at a time (see [`Stops`]) and never copied.
    fn plain_rows(self, path: &Arc<Path>) -> (RowChunk, Option<Error>) {
        let Dialect {
            delimiter, width, ..
        } = *self.dialect;
        let bytes = &self.bytes;
        let mut starts = Vec::with_capacity(self.rows);
        let mut ends = Vec::with_capacity(self.rows * width);
        let mut lines = Vec::with_capacity(self.rows);
        // Where the next cell starts; the line it is on; cells of the row so far.
        let (mut at, mut line, mut cells) = (0, self.line, 0);
        let mut error = None;
        // The end of the block ends the last row as a line end would.
        let stops = Stops::new(bytes, delimiter).chain([bytes.len()]);
        for i in stops {
            let byte = bytes.get(i).copied().unwrap_or(b'\n');
            if byte != delimiter && cells == 0 && i == at {
                // A blank line (or the `\n` of a `\r\n`): no row.
                line += u64::from(byte == b'\n');
                at = i + 1;
                continue;
            }
            if cells == 0 {
                starts.push(at);
                lines.push(line);
            }
            ends.push(i);
            cells += 1;
            at = i + 1;
            if byte == delimiter {
                continue;
            }
            if cells != width {
                error = Some(self.malformed(path, line, cells));
                ends.truncate(ends.len() - cells);
                starts.pop();
                lines.pop();
                break;
            }
            cells = 0;
            line += u64::from(byte == b'\n');
        }
        let chunk = RowChunk::in_place(path.clone(), width, self.bytes, starts, ends, lines);
        (chunk, error)
    }

    /// The rows of a block with quotes, as the csv parser reads them (copied, quotes taken
    /// off).
    fn quoted_rows(self, path: &Arc<Path>) -> (RowChunk, Option<Error>) {
        let dialect = &self.dialect;
        let mut chunk = RowChunk::new(path.clone(), dialect.width, self.rows);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(dialect.delimiter)
            .quote(dialect.quote)
            .has_headers(false)
            .flexible(true)
            .from_reader(self.bytes.as_slice());
        let mut record = ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => return (chunk, None),
                // Reading a slice fails in no other way, but the parser's errors are still said.
                Err(e) => {
                    let line = self.line - 1 + e.position().map_or(1, |p| p.line());
                    let error = Error::Malformed {
                        path: path.to_path_buf(),
                        line,
                        column: None,
                        message: format!("{:?}", e.kind()),
                    };
                    return (chunk, Some(error));
                }
            }
            let line = record.position().map_or(self.line, |p| self.line_at(p));
            if record.len() != dialect.width {
                return (chunk, Some(self.malformed(path, line, record.len())));
            }
            chunk.push(&record, line);
        }
    }

    /// The line a row starts on, from where the parser says it does: there, or past the line
    /// ends (of blank lines, or the `\n` of a `\r\n`) that it skips first.
    fn line_at(&self, position: &csv::Position) -> u64 {
        let at = position.byte() as usize;
        let skipped = self.bytes[at..]
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .filter(|&&b| b == b'\n')
            .count();
        self.line - 1 + position.line() + skipped as u64
    }

    /// The error of a row of `fields` fields starting on `line`.
    fn malformed(&self, path: &Path, line: u64, fields: usize) -> Error {
        let dialect = &self.dialect;
        Error::Malformed {
            path: path.to_path_buf(),
            line,
            column: None,
            message: width_problem(fields, dialect.width, dialect.header),
        }
    }
}

/// Where the delimiters and line ends are in a text without quotes, in order. Cells are short
/// (a few bytes), too short for memchr to pay: each 8 bytes are compared at once as one
/// integer (SWAR), and the matches read off its bits.
struct Stops<'a> {
    bytes: &'a [u8],
    /// The delimiter, `\n` and `\r`, each repeated in every byte of a word.
    targets: [u64; 3],
    /// Where the bytes of `mask` start.
    base: usize,
    /// The high bit of byte `i` is set where `bytes[base + i]` is a stop not yet given.
    mask: u64,
}

impl<'a> Stops<'a> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const LOW7: u64 = u64::from_ne_bytes([0x7f; 8]);

    fn new(bytes: &'a [u8], delimiter: u8) -> Self {
        let targets = [delimiter, b'\n', b'\r'].map(|b| u64::from(b) * Self::ONES);
        let mut stops = Stops {
            bytes,
            targets,
            base: 0,
            mask: 0,
        };
        stops.mask = stops.mask_at(0);
        stops
    }

    /// The stops among the (up to) 8 bytes from `base`, as high bits.
    fn mask_at(&self, base: usize) -> u64 {
        let rest = &self.bytes[base..];
        let word = match rest.first_chunk::<8>() {
            Some(word) => u64::from_le_bytes(*word),
            None => {
                // The last bytes; the rest of the word matches nothing.
                let mut word = [0; 8];
                word[..rest.len()].copy_from_slice(rest);
                let unused = u64::MAX.checked_shl(8 * rest.len() as u32).unwrap_or(0);
                return self.matches(u64::from_le_bytes(word)) & !unused;
            }
        };
        self.matches(word)
    }

    /// The high bit of each byte of `word` that is a stop.
    fn matches(&self, word: u64) -> u64 {
        // A byte of `x` is zero exactly where adding 0x7f to its low 7 bits leaves the high
        // bit clear and its own high bit is clear (no carry crosses into the next byte).
        let zero = |x: u64| !(((x & Self::LOW7).wrapping_add(Self::LOW7)) | x | Self::LOW7);
        self.targets
            .iter()
            .fold(0, |mask, &target| mask | zero(word ^ target))
    }
}

impl Iterator for Stops<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            self.base += 8;
            if self.base >= self.bytes.len() {
                return None;
            }
            self.mask = self.mask_at(self.base);
        }
        let at = self.base + self.mask.trailing_zeros() as usize / 8;
        self.mask &= self.mask - 1;
        Some(at)
    }
}

/// Sends `csv`'s rows as blocks until the end of the file, the `budget` (bytes of text: the
/// rows that start before it), an error, or a consumer that stopped.
pub(crate) fn split_blocks(
    csv: RawCsv,
    budget: Option<u64>,
    allowance: &Receiver<()>,
    pieces: &Sender<(u64, Piece)>,
) {
    let mut seq = 0;
    let mut send = |piece| {
        let sent = pieces.send((seq, piece)).is_ok();
        seq += 1;
        sent
    };
    let failed = |source| {
        Piece::Failed(Error::Io {
            path: csv.path.to_path_buf(),
            source,
        })
    };
    let mut input = match Input::open(&csv) {
        Ok(input) => input,
        Err(error) => {
            send(Piece::Failed(error));
            return;
        }
    };
    let quotes = Quotes {
        delimiter: csv.dialect.delimiter,
        quote: csv.dialect.quote,
    };
    // Bytes read and not yet sent, from a row's start; where they start in the text; the
    // line they start on.
    let mut buffer: Vec<u8> = Vec::new();
    let (mut at, mut line) = (csv.start.offset, csv.start.line);
    // Enough bytes for a block's rows, most of the time.
    let block_bytes = csv.start.row_bytes.max(1) as usize * csv.rows / 8 * 9 + 1024;
    loop {
        if allowance.recv().is_err() {
            return;
        }
        let mut want = block_bytes;
        // Where this block ends, with its rows; whether it is the last, and if so, whether the
        // file's rows all came.
        let (end, rows, last) = loop {
            if !input.eof && buffer.len() < want {
                if let Err(source) = input.fill(&mut buffer, want) {
                    send(failed(source));
                    return;
                }
                continue;
            }
            let eof = input.eof;
            // The rows that start before the budget, where it falls in the buffer: up to
            // the first row end at or past it.
            let cut = budget
                .map(|b| b.saturating_sub(at) as usize)
                .filter(|&t| t < buffer.len() || (t == buffer.len() && !eof));
            let found = match cut {
                Some(0) => Some((0, 0, Some(false))),
                Some(t) => quotes
                    .row_ends(&buffer, eof)
                    .enumerate()
                    .find(|&(n, end)| n + 1 == csv.rows || end >= t)
                    .map(|(n, end)| (end, n + 1, (end >= t).then_some(false))),
                None => quotes
                    .row_ends(&buffer, eof)
                    .nth(csv.rows - 1)
                    .map(|end| (end, csv.rows, None)),
            };
            match found {
                Some(found) => break found,
                // The last rows, the last without a line end.
                None if eof => break (buffer.len(), csv.rows, Some(true)),
                None => want = buffer.len().max(want) * 2,
            }
        };
        let rest = buffer.split_off(end);
        let block = std::mem::replace(&mut buffer, rest);
        let lines = memchr_iter(b'\n', &block).count() as u64;
        let block = Block {
            bytes: block,
            line,
            rows,
            dialect: csv.dialect.clone(),
        };
        if !block.bytes.is_empty() && !send(Piece::Block(block)) {
            return;
        }
        at += end as u64;
        line += lines;
        if let Some(complete) = last {
            // Stopped at the budget: the file's rows all came if only line ends are left.
            let complete = match complete {
                true => true,
                false => match input.only_line_ends_left(buffer) {
                    Ok(left) => left,
                    Err(source) => {
                        send(failed(source));
                        return;
                    }
                },
            };
            send(Piece::End { complete });
            return;
        }
    }
}

/// The text of a [`RawCsv`], read from its first data row.
struct Input {
    text: Box<dyn Read + Send>,
    eof: bool,
}

impl Input {
    fn open(csv: &RawCsv) -> Result<Self> {
        let start = &csv.start;
        let progress = csv.progress.as_ref();
        let text = text(&csv.path, start.compression, start.encoding, progress)?;
        let mut input = Input { text, eof: false };
        // Past the byte order mark and the header, read and counted before.
        let before = start.skip + start.offset;
        let skipped = std::io::copy(&mut (&mut input.text).take(before), &mut std::io::sink());
        match skipped {
            Ok(n) if n == before => Ok(input),
            Ok(_) => Err(Error::Malformed {
                path: csv.path.to_path_buf(),
                line: start.line,
                column: None,
                message: "the file is shorter than when it was opened".into(),
            }),
            Err(source) => Err(Error::Io {
                path: csv.path.to_path_buf(),
                source,
            }),
        }
    }

    /// Reads onto `buffer` until it holds `want` bytes or the text ends.
    fn fill(&mut self, buffer: &mut Vec<u8>, want: usize) -> std::io::Result<()> {
        let more = want.saturating_sub(buffer.len()) as u64;
        let read = (&mut self.text).take(more).read_to_end(buffer)? as u64;
        self.eof |= read < more;
        Ok(())
    }

    /// Whether `buffer` and the rest of the file hold nothing but line ends (no more rows).
    fn only_line_ends_left(&mut self, mut buffer: Vec<u8>) -> std::io::Result<bool> {
        loop {
            if buffer.iter().any(|&b| b != b'\n' && b != b'\r') {
                return Ok(false);
            }
            if self.eof {
                return Ok(true);
            }
            buffer.clear();
            self.fill(&mut buffer, READ_BYTES as usize)?;
        }
    }
}

/// The parser's rule for quotes, for finding where rows end.
#[derive(Clone, Copy, Debug)]
struct Quotes {
    delimiter: u8,
    quote: u8,
}

impl Quotes {
    /// Where the rows in `bytes` (which start at a row's start) end, in order: just past each
    /// line end outside quoted fields that does not follow another (`\r\n` is one; a blank
    /// line is no row). `eof` when `bytes` end the file. A last row without a line end is not
    /// among them.
    fn row_ends(self, bytes: &[u8], eof: bool) -> impl Iterator<Item = usize> + '_ {
        let line_end = |b: u8| b == b'\n' || b == b'\r';
        self.unquoted(bytes, eof)
            .flat_map(move |r| {
                memchr2_iter(b'\n', b'\r', &bytes[r.clone()]).map(move |i| r.start + i)
            })
            .filter(move |&i| i > 0 && !line_end(bytes[i - 1]))
            .map(|i| i + 1)
    }

    /// The stretches of `bytes` outside quoted fields, in order, up to where it cannot yet be
    /// told (a quote as the last byte may be the first of a doubled one, unless `eof`).
    fn unquoted(self, bytes: &[u8], eof: bool) -> Unquoted<'_> {
        Unquoted {
            bytes,
            next: Some(0),
            quotes: self,
            eof,
        }
    }
}

/// See [`Quotes::unquoted`].
struct Unquoted<'a> {
    bytes: &'a [u8],
    /// Where the next stretch starts; `None` once the stretches are all given.
    next: Option<usize>,
    quotes: Quotes,
    eof: bool,
}

impl Iterator for Unquoted<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let start = self.next?;
        let (bytes, quote) = (self.bytes, self.quotes.quote);
        let mut from = start;
        // The quote that opens the next quoted field: one where a field starts.
        let open = loop {
            let Some(i) = memchr(quote, &bytes[from..]) else {
                self.next = None;
                return Some(start..bytes.len());
            };
            let at = from + i;
            if at == 0
                || matches!(bytes[at - 1], b'\n' | b'\r')
                || bytes[at - 1] == self.quotes.delimiter
            {
                break at;
            }
            from = at + 1;
        };
        // Its closing quote: a single one (a doubled quote is a quote in the text).
        self.next = None;
        let mut from = open + 1;
        while let Some(i) = memchr(quote, &bytes[from..]) {
            let at = from + i;
            match bytes.get(at + 1) {
                Some(&next) if next == quote => from = at + 2,
                Some(_) => {
                    self.next = Some(at + 1);
                    break;
                }
                None if self.eof => {
                    self.next = Some(at + 1);
                    break;
                }
                None => break,
            }
        }
        Some(start..open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: Quotes = Quotes {
        delimiter: b',',
        quote: b'"',
    };

    fn stretches(bytes: &[u8], eof: bool) -> Vec<Range<usize>> {
        CSV.unquoted(bytes, eof).collect()
    }

    fn ends(bytes: &[u8], eof: bool) -> Vec<usize> {
        CSV.row_ends(bytes, eof).collect()
    }

    #[test]
    fn stops_are_delimiters_and_line_ends() {
        let mut text = b"a,bb\r\n,".to_vec();
        text.extend(std::iter::repeat_n(b'x', 120));
        text.extend(b",y\n");
        let stops: Vec<usize> = Stops::new(&text, b',').collect();
        assert_eq!(stops, [1, 4, 5, 6, 127, 129]);
        // Every byte value, at every place in a word: only the three stop.
        let all: Vec<u8> = (0..=255).chain(0..=255).collect();
        for start in 0..8 {
            let stops: Vec<u8> = Stops::new(&all[start..], b'\t')
                .map(|i| all[start + i])
                .collect();
            assert_eq!(
                stops,
                [b'\t', b'\n', b'\r', b'\t', b'\n', b'\r'],
                "from {start}"
            );
        }
        assert_eq!(Stops::new(b"", b',').count(), 0);
        assert_eq!(Stops::new(b"x,", b',').collect::<Vec<_>>(), [1]);
    }

    #[test]
    fn quotes_open_only_where_a_field_starts() {
        // `b"c` is text; `"x,\ny"` is quoted; `""` inside it is a quote.
        let bytes = b"a,b\"c\n\"x,\n\"\"y\",z\n";
        assert_eq!(stretches(bytes, false), vec![0..6, 14..bytes.len()]);
        assert_eq!(ends(bytes, false), vec![6, bytes.len()]);
    }

    #[test]
    fn a_line_end_inside_quotes_ends_no_row() {
        let bytes = b"1,\"two\nlines\"";
        assert!(ends(bytes, true).is_empty());
        // Not yet known whether the last quote closes the field or starts a doubled one.
        assert_eq!(stretches(bytes, false), vec![0..2]);
        assert_eq!(stretches(bytes, true), vec![0..2, 13..13]);
    }

    #[test]
    fn carriage_returns_end_rows_and_blank_lines_are_none() {
        assert_eq!(ends(b"a\rb\r\nc\n\n\r\nd\n", false), vec![2, 4, 7, 12]);
        assert!(ends(b"\n\na,b", true).is_empty());
        assert_eq!(ends(b"\"\"\n\"\n\"\n", true), vec![3, 7]);
    }
}
