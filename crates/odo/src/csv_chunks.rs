//! Reading a CSV file on every core. One thread splits the file into chunks of rows: that part
//! must run in order, because only the quotes seen so far say where a row ends. A file's text
//! is read again from its first row and split into blocks of bytes by looking at quotes and
//! line ends alone, and the workers parse them (see [`crate::csv_blocks`]); a pipe, which
//! cannot be read again, or a sample of a number of rows, is parsed by the splitter. A pool of
//! workers turns each chunk into a result (typed Arrow columns when loading, column types when
//! discovering), and the results come back in file order, so errors and rejected rows are
//! reported exactly as a single-threaded reader would report them.
//!
//! Memory stays bounded: the splitter may run only a fixed number of chunks ahead of the
//! consumer, however slow the consumer (a database, a compressor) is.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};

use csv::ByteRecord;

use crate::csv_blocks::{Block, RawCsv, split_blocks};
use crate::csv_file::{CsvFile, utf8_problem};
use crate::error::{Error, Result};

/// Rows split out of a CSV file and not yet typed: the cells' bytes, copied back to back or
/// left in place in the file's text.
pub(crate) struct RowChunk {
    path: Arc<Path>,
    width: usize,
    cells: Cells,
    /// Where each row's first cell starts in `cells`.
    starts: Vec<usize>,
    /// Where each cell ends in `cells`, `width` cells per row.
    ends: Vec<usize>,
    /// Bytes between the end of a cell and the start of the next in a row: none where cells
    /// were copied back to back, the delimiter where they are in place.
    gap: usize,
    /// The line each row starts on.
    lines: Vec<u64>,
}

/// The cells' bytes: checked as UTF-8 once for the whole chunk (by a worker, not the
/// splitter), so that each cell is then a slice of text.
enum Cells {
    Unchecked(Vec<u8>),
    Text(String),
    /// Not all UTF-8: each cell is checked on its own, to say which is bad.
    Bytes(Vec<u8>),
}

impl RowChunk {
    /// An empty chunk that rows are copied into with [`RowChunk::push`].
    pub(crate) fn new(path: Arc<Path>, width: usize, rows: usize) -> Self {
        Self {
            path,
            width,
            cells: Cells::Unchecked(Vec::new()),
            starts: Vec::with_capacity(rows),
            ends: Vec::with_capacity(rows * width),
            gap: 0,
            lines: Vec::with_capacity(rows),
        }
    }

    /// The rows of `text`, left in place: row `i` starts at `starts[i]` on `lines[i]`, its
    /// cells end at `ends[i * width..]` and are separated by one delimiter.
    pub(crate) fn in_place(
        path: Arc<Path>,
        width: usize,
        text: Vec<u8>,
        starts: Vec<usize>,
        ends: Vec<usize>,
        lines: Vec<u64>,
    ) -> Self {
        debug_assert!(starts.len() == lines.len() && ends.len() == lines.len() * width);
        Self {
            path,
            width,
            cells: Cells::Unchecked(text),
            starts,
            ends,
            gap: 1,
            lines,
        }
    }

    /// Adds `record`, which starts on `line`.
    pub(crate) fn push(&mut self, record: &ByteRecord, line: u64) {
        let Cells::Unchecked(bytes) = &mut self.cells else {
            unreachable!("rows are added before the chunk is checked")
        };
        let base = bytes.len();
        self.starts.push(base);
        bytes.extend_from_slice(record.as_slice());
        let mut end = base;
        for field in record.iter() {
            end += field.len();
            self.ends.push(end);
        }
        self.lines.push(line);
    }

    /// The file the rows come from.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Rows in the chunk.
    pub(crate) fn len(&self) -> usize {
        self.lines.len()
    }

    /// Checks the whole chunk as UTF-8 at once, far faster than cell by cell.
    fn check_utf8(&mut self) {
        let cells = std::mem::replace(&mut self.cells, Cells::Bytes(Vec::new()));
        self.cells = match cells {
            Cells::Unchecked(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Cells::Text(text),
                Err(e) => Cells::Bytes(e.into_bytes()),
            },
            checked => checked,
        };
    }

    /// Where cell `column` of `row` is in `cells`.
    fn span(&self, row: usize, column: usize) -> std::ops::Range<usize> {
        let i = row * self.width + column;
        let start = match column {
            0 => self.starts[row],
            _ => self.ends[i - 1] + self.gap,
        };
        start..self.ends[i]
    }

    /// Cell `column` of `row`, as bytes.
    fn cell(&self, row: usize, column: usize) -> &[u8] {
        let span = self.span(row, column);
        match &self.cells {
            Cells::Text(text) => &text.as_bytes()[span],
            Cells::Unchecked(bytes) | Cells::Bytes(bytes) => &bytes[span],
        }
    }

    /// Cell `column` of `row` as text, or an error naming the line and column if it is not
    /// UTF-8.
    pub(crate) fn text(&self, row: usize, column: usize) -> Result<&str> {
        // In valid UTF-8, a cell that starts and ends on character boundaries is valid too.
        if let Cells::Text(text) = &self.cells
            && let Some(cell) = text.get(self.span(row, column))
        {
            return Ok(cell);
        }
        let cell = self.cell(row, column);
        std::str::from_utf8(cell)
            .map_err(|e| self.malformed(row, Some(column), utf8_problem(cell, column, &e)))
    }

    /// The cells of `row` as read (invalid UTF-8 replaced), for the reject file.
    pub(crate) fn cells(&self, row: usize) -> Vec<String> {
        (0..self.width)
            .map(|i| String::from_utf8_lossy(self.cell(row, i)).into_owned())
            .collect()
    }

    /// An error at `row` (and `column`, 0-based).
    pub(crate) fn malformed(&self, row: usize, column: Option<usize>, message: String) -> Error {
        Error::Malformed {
            path: self.path.to_path_buf(),
            line: self.lines[row],
            column: column.map(|i| i as u64 + 1),
            message,
        }
    }
}

/// Where splitting stops before the end of the file (discovery reads a sample).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limit {
    /// Rows.
    pub(crate) rows: u64,
    /// Bytes of (decompressed, decoded) input.
    pub(crate) bytes: u64,
}

/// What the splitter hands the workers, numbered in file order.
pub(crate) enum Piece {
    Rows(RowChunk),
    /// Rows to parse.
    Block(Block),
    Failed(Error),
    /// No more rows; `complete` when the end of the file (not the limit) was reached.
    End {
        complete: bool,
    },
}

/// What the workers hand back, numbered in file order.
enum Outcome<T> {
    Done(Result<T>),
    /// The result of the rows before an error, then the error.
    Stopped(T, Error),
    End {
        complete: bool,
    },
}

/// The results of a function over every chunk of a file, in file order; see [`map_chunks`].
pub(crate) struct Chunks<T> {
    path: Arc<Path>,
    results: Receiver<(u64, Outcome<T>)>,
    /// Results that came back before the ones in front of them.
    waiting: BTreeMap<u64, Outcome<T>>,
    next: u64,
    /// One token returned per result delivered lets the splitter read one more chunk.
    tokens: SyncSender<()>,
    /// An error to give after the result in front of it.
    failed: Option<Error>,
    complete: bool,
    done: bool,
}

impl<T> Chunks<T> {
    /// Whether splitting reached the end of the file rather than the limit; meaningful once
    /// the results are exhausted.
    pub(crate) fn complete(&self) -> bool {
        self.complete
    }
}

impl<T> Iterator for Chunks<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        if self.done {
            return None;
        }
        if let Some(error) = self.failed.take() {
            self.done = true;
            return Some(Err(error));
        }
        let outcome = loop {
            if let Some(outcome) = self.waiting.remove(&self.next) {
                break outcome;
            }
            match self.results.recv() {
                Ok((seq, outcome)) => {
                    self.waiting.insert(seq, outcome);
                }
                // Every thread has gone without saying the file ended: one of them panicked.
                Err(_) => {
                    self.done = true;
                    return Some(Err(Error::Io {
                        path: self.path.to_path_buf(),
                        source: std::io::Error::other("a CSV reading thread failed"),
                    }));
                }
            }
        };
        self.next += 1;
        match outcome {
            Outcome::Done(result) => {
                // The splitter may have stopped; then no token is needed.
                let _ = self.tokens.try_send(());
                self.done = result.is_err();
                Some(result)
            }
            Outcome::Stopped(result, error) => {
                self.failed = Some(error);
                Some(Ok(result))
            }
            Outcome::End { complete } => {
                self.complete = complete;
                self.done = true;
                None
            }
        }
    }
}

/// Splits `file` into chunks of `chunk_rows` rows (stopping at `limit`), runs `work` on each
/// chunk on a pool of threads, and returns the results in file order. An error (from the
/// splitter or from `work`) ends the results.
pub(crate) fn map_chunks<T, F>(
    mut file: CsvFile,
    chunk_rows: usize,
    limit: Option<Limit>,
    work: F,
) -> Chunks<T>
where
    T: Send + 'static,
    F: Fn(&RowChunk) -> Result<T> + Send + Sync + 'static,
{
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    // Chunks split but not yet delivered: enough to keep every worker busy.
    let ahead = 2 * workers;
    let (tokens, allowance) = sync_channel::<()>(ahead);
    for _ in 0..ahead {
        tokens
            .try_send(())
            .expect("the channel holds `ahead` tokens");
    }
    let path: Arc<Path> = Arc::from(file.path());
    let (piece_sender, pieces) = channel();
    let (result_sender, results) = channel();
    // Blocks need no row limit: a byte limit cuts them where a row ends.
    let blocks =
        RawCsv::new(&file, chunk_rows).filter(|_| limit.is_none_or(|l| l.rows == u64::MAX));
    let splitter_path = path.clone();
    std::thread::spawn(move || match blocks {
        Some(blocks) => split_blocks(blocks, limit.map(|l| l.bytes), &allowance, &piece_sender),
        None => split(
            &mut file,
            &splitter_path,
            chunk_rows,
            limit,
            &allowance,
            &piece_sender,
        ),
    });
    let pieces = Arc::new(Mutex::new(pieces));
    let work = Arc::new(work);
    for _ in 0..workers {
        let (pieces, results, work) = (pieces.clone(), result_sender.clone(), work.clone());
        let path = path.clone();
        std::thread::spawn(move || run_worker(&pieces, &results, &*work, &path));
    }
    Chunks {
        path,
        results,
        waiting: BTreeMap::new(),
        next: 0,
        tokens,
        failed: None,
        complete: false,
        done: false,
    }
}

/// Sends pieces until the end of the file, the limit, an error, or a consumer that stopped.
fn split(
    file: &mut CsvFile,
    path: &Arc<Path>,
    chunk_rows: usize,
    limit: Option<Limit>,
    allowance: &Receiver<()>,
    pieces: &Sender<(u64, Piece)>,
) {
    let mut record = ByteRecord::new();
    let mut rows = 0u64;
    let width = file.names.len();
    let mut seq = 0;
    let mut send = |piece| {
        let sent = pieces.send((seq, piece)).is_ok();
        seq += 1;
        sent
    };
    loop {
        if allowance.recv().is_err() {
            return;
        }
        let mut chunk = RowChunk::new(path.clone(), width, chunk_rows);
        let end = loop {
            if chunk.len() == chunk_rows {
                break None;
            }
            let at_limit = limit.is_some_and(|l| rows >= l.rows || file.bytes_read() >= l.bytes);
            match file.next_row(&mut record) {
                Ok(true) if at_limit => break Some(Piece::End { complete: false }),
                Ok(true) => {
                    chunk.push(&record, record.position().map_or(0, |p| p.line()));
                    rows += 1;
                }
                Ok(false) => break Some(Piece::End { complete: true }),
                Err(error) => break Some(Piece::Failed(error)),
            }
        };
        // The rows before an error or the end go first, so everything comes in file order.
        if chunk.len() > 0 && !send(Piece::Rows(chunk)) {
            return;
        }
        if let Some(end) = end {
            send(end);
            return;
        }
    }
}

fn run_worker<T>(
    pieces: &Mutex<Receiver<(u64, Piece)>>,
    results: &Sender<(u64, Outcome<T>)>,
    work: &(dyn Fn(&RowChunk) -> Result<T> + Sync),
    path: &Arc<Path>,
) {
    loop {
        let next = pieces
            .lock()
            .map_err(drop)
            .and_then(|p| p.recv().map_err(drop));
        let Ok((seq, piece)) = next else {
            return;
        };
        let outcome = match piece {
            Piece::Rows(mut chunk) => {
                chunk.check_utf8();
                Outcome::Done(work(&chunk))
            }
            Piece::Block(block) => {
                let (mut chunk, error) = block.rows(path);
                chunk.check_utf8();
                match (work(&chunk), error) {
                    (Ok(result), Some(error)) => Outcome::Stopped(result, error),
                    (result, _) => Outcome::Done(result),
                }
            }
            Piece::Failed(error) => Outcome::Done(Err(error)),
            Piece::End { complete } => Outcome::End { complete },
        };
        if results.send((seq, outcome)).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::DiscoverOptions;
    use crate::format::Compression;
    use memchr::{memchr, memchr_iter};

    /// A file of `text` in the temporary directory, removed when dropped.
    struct TempCsv(std::path::PathBuf);

    impl TempCsv {
        fn new(name: &str, text: &[u8]) -> Self {
            let path = std::env::temp_dir().join(format!("{}-{name}.csv", std::process::id()));
            std::fs::write(&path, text).unwrap();
            TempCsv(path)
        }
    }

    impl Drop for TempCsv {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    /// Each row's line and cells, or the error that stopped them; and whether the end of the
    /// file was reached.
    type Read = (Vec<(u64, Vec<String>)>, Option<String>, bool);

    /// The rows of `path`, split in blocks of `chunk_rows` rows (`blocks`) or by the parser,
    /// up to `bytes`.
    fn read(path: &Path, blocks: bool, bytes: Option<u64>, chunk_rows: usize) -> Read {
        read_as(path, Compression::None, None, blocks, bytes, chunk_rows)
    }

    /// [`read`] of a file compressed as `compression`, in `encoding`.
    fn read_as(
        path: &Path,
        compression: Compression,
        encoding: Option<&str>,
        blocks: bool,
        bytes: Option<u64>,
        chunk_rows: usize,
    ) -> Read {
        let options = DiscoverOptions {
            encoding: encoding.map(str::to_owned),
            ..DiscoverOptions::default()
        };
        let classifier = options.classifier();
        let file = CsvFile::open(path, compression, None, &options, &classifier, None);
        let file = file.unwrap();
        assert!(file.raw.is_some());
        // A row limit that is never reached keeps the parser splitting.
        let rows = if blocks { u64::MAX } else { u64::MAX - 1 };
        let limit = (bytes.is_some() || !blocks).then_some(Limit {
            rows,
            bytes: bytes.unwrap_or(u64::MAX),
        });
        let mut chunks = map_chunks(file, chunk_rows, limit, |chunk: &RowChunk| {
            Ok((0..chunk.len())
                .map(|row| (chunk.lines[row], chunk.cells(row)))
                .collect::<Vec<_>>())
        });
        let mut rows = Vec::new();
        let mut error = None;
        for chunk in chunks.by_ref() {
            match chunk {
                Ok(chunk) => rows.extend(chunk),
                Err(e) => error = Some(e.to_string()),
            }
        }
        (rows, error, chunks.complete())
    }

    /// A file's text and the line each of its rows starts on.
    #[derive(Default)]
    struct Text {
        text: Vec<u8>,
        lines: Vec<u64>,
    }

    impl Text {
        /// Adds `blank` (line ends), then a row.
        fn add(&mut self, blank: &str, row: &str) {
            self.text.extend_from_slice(blank.as_bytes());
            self.lines
                .push(1 + memchr_iter(b'\n', &self.text).count() as u64);
            self.text.extend_from_slice(row.as_bytes());
        }

        /// The rows the parser reads from the file, on the lines they start on.
        fn rows(&self, file: &Path) -> Vec<(u64, Vec<String>)> {
            let (parsed, error, _) = read(file, false, None, 1000);
            assert_eq!((parsed.len(), error), (self.lines.len(), None));
            let cells = parsed.into_iter().map(|(_, cells)| cells);
            self.lines.iter().copied().zip(cells).collect()
        }
    }

    /// Rows that quotes make hard to split, over several blocks: quoted line ends and
    /// delimiters, doubled quotes, quotes inside unquoted text, a quoted cell longer than a
    /// block, and unless `lf_only`, CRLF and CR line ends and blank lines.
    fn quoted(lf_only: bool) -> Text {
        let mut text = Text::default();
        text.text.extend_from_slice(b"id,name,note\n");
        for i in 0..6000 {
            let row = match i % 7 {
                2 | 4 | 5 if lf_only => format!("{i},\"\n\",\n"),
                0 => format!("{i},plain,text\n"),
                1 => format!("{i},\"two\nlines, one cell\",x\n"),
                2 => format!("{i},\"say \"\"hi\"\"\",5\" screen\r\n"),
                3 => format!("{i},a\"b,\"\"\n"),
                4 => format!("{i},\"\",\"\r\n\"\n"),
                5 => format!("{i},cr,ends\r"),
                _ => format!(
                    "{i},\"{}\",long\n",
                    "q\"\"\n".repeat(if i == 699 { 40_000 } else { 3 })
                ),
            };
            text.add(if i % 7 == 5 && !lf_only { "\n\r\n" } else { "" }, &row);
        }
        text
    }

    /// Rows without quotes: CRLF and CR line ends, blank lines, empty cells, and a last row
    /// without a line end.
    fn plain() -> Text {
        let mut text = Text::default();
        text.text.extend_from_slice(b"id,name,note\r\n");
        for i in 0..20_000 {
            match i % 5 {
                0 => text.add("", &format!("{i},plain,text\n")),
                1 => text.add("", &format!("{i},,\r\n")),
                2 => text.add("\n\r\n", &format!("{i},after,blank lines\r")),
                3 => text.add("", &format!("{i},cr,ends\r")),
                _ => text.add("\r\n\n", &format!("{i},x,y\n")),
            }
        }
        text.add("", "20000,no,line end");
        text
    }

    #[test]
    fn blocks_give_the_rows_the_parser_gives_on_their_lines() {
        for (name, text) in [("quoted", quoted(false)), ("plain", plain())] {
            let file = TempCsv::new(name, &text.text);
            let rows = text.rows(&file.0);
            for chunk_rows in [1, 1000] {
                let blocks = read(&file.0, true, None, chunk_rows);
                assert!(
                    blocks == (rows.clone(), None, true),
                    "{name}, {chunk_rows} rows"
                );
            }

            // After a byte order mark, and with no header (a row on line 1).
            let bom = [b"\xef\xbb\xbf", &text.text[..]].concat();
            let with_bom = TempCsv::new(&format!("{name}-bom"), &bom);
            assert!(read(&with_bom.0, true, None, 1000) == (rows.clone(), None, true));
            let header = memchr(b'\n', &text.text).unwrap() + 1;
            let headless = TempCsv::new(&format!("{name}-headless"), &text.text[header..]);
            let lines_up: Vec<_> = rows.iter().map(|(l, row)| (l - 1, row.clone())).collect();
            assert!(read(&headless.0, true, None, 1000) == (lines_up, None, true));
        }

        // Spot checks against the text itself.
        let file = TempCsv::new("spots-quoted", &quoted(false).text);
        let (rows, ..) = read(&file.0, true, None, 1000);
        let cells = |i: usize| rows[i].1.clone();
        assert_eq!(rows[1].0, 3);
        assert_eq!(cells(1), ["1", "two\nlines, one cell", "x"]);
        assert_eq!(cells(2), ["2", "say \"hi\"", "5\" screen"]);
        assert_eq!(cells(3), ["3", "a\"b", ""]);
        assert_eq!(cells(4), ["4", "", "\r\n"]);
        assert_eq!(cells(699)[1].len(), 3 * 40_000);
        let file = TempCsv::new("spots-plain", &plain().text);
        let (rows, ..) = read(&file.0, true, None, 1000);
        assert_eq!(rows[1], (3, vec!["1".into(), "".into(), "".into()]));
        assert_eq!(
            rows[2],
            (6, vec!["2".into(), "after".into(), "blank lines".into()])
        );
        assert_eq!(rows[20_000].1, ["20000", "no", "line end"]);
    }

    #[test]
    fn compressed_and_transcoded_files_are_read_in_blocks_too() {
        use std::io::Write;

        for (name, text) in [("quoted-gz", quoted(false)), ("plain-gz", plain())] {
            let file = TempCsv::new(name, &text.text);
            let rows = text.rows(&file.0);
            let mut gzip = flate2::write::GzEncoder::new(Vec::new(), Default::default());
            gzip.write_all(&text.text).unwrap();
            let gz = TempCsv::new(&format!("{name}-compressed"), &gzip.finish().unwrap());
            let blocks = read_as(&gz.0, Compression::Gzip, None, true, None, 1000);
            assert!(blocks == (rows, None, true), "{name}");
        }
        // Latin-1: é is one byte on disk, two in the text the blocks are cut from.
        let mut text = plain();
        text.add("\n", "20001,caf\u{e9},\u{e9}t\u{e9}\n");
        let file = TempCsv::new("utf8", &text.text);
        let rows = text.rows(&file.0);
        let latin1: Vec<u8> = String::from_utf8(text.text.clone())
            .unwrap()
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap())
            .collect();
        let file = TempCsv::new("latin1", &latin1);
        let blocks = read_as(&file.0, Compression::None, Some("latin1"), true, None, 1000);
        assert_eq!(blocks.0.last().unwrap().1, ["20001", "café", "été"]);
        assert!(blocks == (rows, None, true));
    }

    #[test]
    fn a_byte_budget_cuts_blocks_where_the_parser_stops() {
        // Where the parser stops after CRLF or before blank lines differs by a line end.
        let text = quoted(true).text;
        let file = TempCsv::new("budget", &text);
        for bytes in [70_000, 200_001, 250_000] {
            let blocks = read(&file.0, true, Some(bytes), 1);
            assert!(!blocks.2, "budget {bytes}");
            assert!(
                blocks == read(&file.0, false, Some(bytes), 1),
                "budget {bytes}"
            );
        }
        // Within the rows sniffed, where the parser counts past them all.
        let rows = |bytes| read(&file.0, true, Some(bytes), 1).0.len();
        assert_eq!(
            [rows(1), rows(13), rows(14), rows(26), rows(27)],
            [0, 0, 1, 1, 2]
        );
        // A budget inside the last row takes it, and so the whole file.
        for bytes in [text.len() as u64 - 1, text.len() as u64] {
            let all = read(&file.0, true, Some(bytes), 1);
            assert_eq!((all.0.len(), all.2), (6000, true));
            assert!(all == read(&file.0, false, Some(bytes), 1));
        }
    }

    #[test]
    fn rows_before_a_bad_row_come_before_its_error() {
        for (name, mut text) in [("quoted-bad", quoted(false)), ("plain-bad", plain())] {
            let rows = text.lines.len();
            text.add("\n", "1,2\n");
            text.add("", "3,4,5\n");
            let file = TempCsv::new(name, &text.text);
            let (read_rows, error, _) = read(&file.0, true, None, 1000);
            assert_eq!(read_rows.len(), rows, "{name}");
            let expected = format!("line {}: 2 fields, but the header has 3", text.lines[rows]);
            let error = error.unwrap();
            assert!(error.ends_with(&expected), "{name}: {error}");
        }
    }
}
