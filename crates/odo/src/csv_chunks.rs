//! Reading a CSV file on every core. One thread splits the file into chunks of rows: that part
//! must run in order, because only the quotes seen so far say where a row ends. A file read as
//! it is on disk is split into blocks of bytes by looking at quotes and line ends alone, and
//! the workers parse them (see [`crate::csv_blocks`]); a compressed or transcoded one is parsed
//! by the splitter. A pool of workers turns each chunk into a result (typed Arrow columns when
//! loading, column types when discovering), and the results come back in file order, so errors
//! and rejected rows are reported exactly as a single-threaded reader would report them.
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

/// Rows split out of a CSV file and not yet typed: the cells' bytes back to back.
pub(crate) struct RowChunk {
    path: Arc<Path>,
    width: usize,
    cells: Cells,
    /// Where each cell ends in `cells`, `width` cells per row.
    ends: Vec<usize>,
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
    pub(crate) fn new(path: Arc<Path>, width: usize, rows: usize) -> Self {
        Self {
            path,
            width,
            cells: Cells::Unchecked(Vec::new()),
            ends: Vec::with_capacity(rows * width),
            lines: Vec::with_capacity(rows),
        }
    }

    /// Adds `record`, which starts on `line`.
    pub(crate) fn push(&mut self, record: &ByteRecord, line: u64) {
        let Cells::Unchecked(bytes) = &mut self.cells else {
            unreachable!("rows are added before the chunk is checked")
        };
        let base = bytes.len();
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
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
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

    /// The rows of `path`, split in blocks (`blocks`) or by the parser, up to `bytes`.
    fn read(path: &Path, blocks: bool, bytes: Option<u64>) -> Read {
        let options = DiscoverOptions::default();
        let file = CsvFile::open(
            path,
            Compression::None,
            None,
            &options,
            &options.classifier(),
            None,
        )
        .unwrap();
        assert!(file.raw.is_some());
        // A row limit that is never reached keeps the parser splitting.
        let rows = if blocks { u64::MAX } else { u64::MAX - 1 };
        let limit = (bytes.is_some() || !blocks).then_some(Limit {
            rows,
            bytes: bytes.unwrap_or(u64::MAX),
        });
        let mut chunks = map_chunks(file, 1, limit, |chunk: &RowChunk| {
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

    /// Rows that quotes make hard to split, over several blocks: quoted line ends and
    /// delimiters, doubled quotes, quotes inside unquoted text, a quoted cell longer than a
    /// block, and unless `lf_only`, CRLF and CR line ends and blank lines.
    fn tricky(lf_only: bool) -> Vec<u8> {
        let mut text = b"id,name,note\n".to_vec();
        for i in 0..6000 {
            let row = match i % 7 {
                2 | 4 | 5 if lf_only => format!("{i},\"\n\",\n"),
                0 => format!("{i},plain,text\n"),
                1 => format!("{i},\"two\nlines, one cell\",x\n"),
                2 => format!("{i},\"say \"\"hi\"\"\",5\" screen\r\n"),
                3 => format!("{i},a\"b,\"\"\n"),
                4 => format!("{i},\"\",\"\r\n\"\n\n"),
                5 => format!("{i},cr,ends\r"),
                _ => format!(
                    "{i},\"{}\",long\n",
                    "q\"\"\n".repeat(if i == 699 { 40_000 } else { 3 })
                ),
            };
            text.extend_from_slice(row.as_bytes());
        }
        text
    }

    #[test]
    fn blocks_give_the_rows_and_lines_the_parser_gives() {
        let text = tricky(false);
        let file = TempCsv::new("blocks", &text);
        let (rows, error, complete) = read(&file.0, true, None);
        assert_eq!((rows.len(), &error, complete), (6000, &None, true));
        assert_eq!(read(&file.0, false, None), (rows.clone(), None, true));
        // Spot checks against the text itself.
        assert_eq!(
            rows[0],
            (2, vec!["0".into(), "plain".into(), "text".into()])
        );
        assert_eq!(
            rows[1],
            (
                3,
                vec!["1".into(), "two\nlines, one cell".into(), "x".into()]
            )
        );
        assert_eq!(rows[2].1, vec!["2", "say \"hi\"", "5\" screen"]);
        assert_eq!(rows[3].1, vec!["3", "a\"b", ""]);
        assert_eq!(rows[4], (7, vec!["4".into(), "".into(), "\r\n".into()]));
        assert_eq!(rows[699].1[1].len(), 3 * 40_000);

        // After a byte order mark, and with no header (a row on line 1).
        let with_bom = TempCsv::new("bom", &[b"\xef\xbb\xbf", &text[..]].concat());
        assert_eq!(read(&with_bom.0, true, None), (rows.clone(), None, true));
        let headless = TempCsv::new("headless", &text[b"id,name,note\n".len()..]);
        let lines_up: Vec<_> = rows
            .iter()
            .map(|(line, row)| (line - 1, row.clone()))
            .collect();
        assert_eq!(
            read(&headless.0, true, None),
            (lines_up.clone(), None, true)
        );
        assert_eq!(read(&headless.0, false, None), (lines_up, None, true));
    }

    #[test]
    fn a_byte_budget_cuts_blocks_where_the_parser_stops() {
        // Where the parser stops after CRLF or before blank lines differs by a line end.
        let text = tricky(true);
        let file = TempCsv::new("budget", &text);
        for bytes in [70_000, 200_001, 250_000] {
            let blocks = read(&file.0, true, Some(bytes));
            assert!(!blocks.2, "budget {bytes}");
            assert_eq!(blocks, read(&file.0, false, Some(bytes)), "budget {bytes}");
        }
        // Within the rows sniffed, where the parser counts past them all.
        let rows = |bytes| read(&file.0, true, Some(bytes)).0.len();
        assert_eq!(
            [rows(1), rows(13), rows(14), rows(26), rows(27)],
            [0, 0, 1, 1, 2]
        );
        // A budget inside the last row takes it, and so the whole file.
        for bytes in [text.len() as u64 - 1, text.len() as u64] {
            let all = read(&file.0, true, Some(bytes));
            assert_eq!((all.0.len(), all.2), (6000, true));
            assert_eq!(all, read(&file.0, false, Some(bytes)));
        }
    }

    #[test]
    fn rows_before_a_bad_row_come_before_its_error() {
        let mut text = tricky(false);
        let good = text.len();
        text.extend_from_slice(b"1,2\n3,4,5\n");
        let file = TempCsv::new("bad-row", &text);
        let (rows, error, _) = read(&file.0, true, None);
        assert_eq!(rows.len(), 6000);
        let line = 1 + text[..good].iter().filter(|&&b| b == b'\n').count();
        let expected = format!("line {line}: ");
        let error = error.unwrap();
        assert!(
            error.contains(&expected) && error.contains("2 fields, but the header has 3"),
            "{error}"
        );
        assert_eq!(read(&file.0, false, None), (rows, Some(error), false));
    }
}
