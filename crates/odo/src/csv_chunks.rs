//! Reading a CSV file on every core. One thread splits the file into chunks of rows: that part
//! must run in order, because only the quotes seen so far say where a row ends. A pool of
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
    fn new(path: Arc<Path>, width: usize, rows: usize) -> Self {
        Self {
            path,
            width,
            cells: Cells::Unchecked(Vec::new()),
            ends: Vec::with_capacity(rows * width),
            lines: Vec::with_capacity(rows),
        }
    }

    fn push(&mut self, record: &ByteRecord) {
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
        self.lines.push(record.position().map_or(0, |p| p.line()));
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
enum Piece {
    Rows(RowChunk),
    Failed(Error),
    /// No more rows; `complete` when the end of the file (not the limit) was reached.
    End {
        complete: bool,
    },
}

/// What the workers hand back, numbered in file order.
enum Outcome<T> {
    Done(Result<T>),
    End { complete: bool },
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
    let splitter_path = path.clone();
    std::thread::spawn(move || {
        split(
            &mut file,
            &splitter_path,
            chunk_rows,
            limit,
            &allowance,
            &piece_sender,
        )
    });
    let pieces = Arc::new(Mutex::new(pieces));
    let work = Arc::new(work);
    for _ in 0..workers {
        let (pieces, results, work) = (pieces.clone(), result_sender.clone(), work.clone());
        std::thread::spawn(move || run_worker(&pieces, &results, &*work));
    }
    Chunks {
        path,
        results,
        waiting: BTreeMap::new(),
        next: 0,
        tokens,
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
                    chunk.push(&record);
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
            Piece::Failed(error) => Outcome::Done(Err(error)),
            Piece::End { complete } => Outcome::End { complete },
        };
        if results.send((seq, outcome)).is_err() {
            return;
        }
    }
}
