//! Opening files as byte streams: decompression, transcoding to UTF-8, and counting the bytes
//! read for progress bars.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use parquet::file::reader::{ChunkReader, Length};

use crate::error::{Error, Result};
use crate::format::Compression;

/// How many bytes of a source's files have been read, of how many: shared between the readers
/// and whoever shows progress. Sizes are on disk (compressed bytes for compressed files).
#[derive(Clone, Debug, Default)]
pub struct ReadProgress(Arc<Counts>);

#[derive(Debug, Default)]
struct Counts {
    read: AtomicU64,
    total: AtomicU64,
    /// Counts its reads too, but for the first `recounted`.
    parent: Option<ReadProgress>,
    recounted: u64,
}

impl ReadProgress {
    /// Bytes read so far.
    pub fn read(&self) -> u64 {
        self.0.read.load(Ordering::Relaxed)
    }

    /// Bytes to read in all, when the source is made of files.
    pub fn total(&self) -> Option<u64> {
        Some(self.0.total.load(Ordering::Relaxed)).filter(|&t| t > 0)
    }

    /// Counts the sizes of `files` into the total.
    pub(crate) fn add_files<P: AsRef<Path>>(&self, files: &[P]) {
        let size: u64 = files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        self.0.total.fetch_add(size, Ordering::Relaxed);
    }

    /// A count of its own (of one file's bytes, say) whose reads count into this one too, but
    /// for the first `recounted` bytes (read again, counted when first read).
    pub(crate) fn child(&self, recounted: u64) -> ReadProgress {
        ReadProgress(Arc::new(Counts {
            parent: Some(self.clone()),
            recounted,
            ..Counts::default()
        }))
    }

    fn add_read(&self, bytes: usize) {
        let before = self.0.read.fetch_add(bytes as u64, Ordering::Relaxed);
        if let Some(parent) = &self.0.parent {
            let new = |read: u64| read.saturating_sub(self.0.recounted);
            let counted = new(before + bytes as u64) - new(before);
            if counted > 0 {
                parent.add_read(counted as usize);
            }
        }
    }
}

/// A reader that counts the bytes read through it into a [`ReadProgress`].
pub(crate) struct Counted<R> {
    inner: R,
    progress: ReadProgress,
}

impl<R> Counted<R> {
    pub(crate) fn new(inner: R, progress: ReadProgress) -> Self {
        Self { inner, progress }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.add_read(n);
        Ok(n)
    }
}

impl<R: Seek> Seek for Counted<R> {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        self.inner.seek(position)
    }
}

impl<R: Length> Length for Counted<R> {
    fn len(&self) -> u64 {
        self.inner.len()
    }
}

/// Parquet reads whole column chunks at a time: each counts when read.
impl<R: ChunkReader> ChunkReader for Counted<R> {
    type T = Counted<R::T>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        Ok(Counted::new(
            self.inner.get_read(start)?,
            self.progress.clone(),
        ))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let bytes = self.inner.get_bytes(start, length)?;
        self.progress.add_read(bytes.len());
        Ok(bytes)
    }
}

/// Opens `path`, decompressing as `compression` says; bytes read count into `progress`.
pub(crate) fn open(
    path: &Path,
    compression: Compression,
    progress: Option<&ReadProgress>,
) -> Result<Box<dyn Read + Send>> {
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let file: Box<dyn Read + Send> = match progress {
        Some(progress) => Box::new(Counted::new(file, progress.clone())),
        None => Box::new(file),
    };
    let file = BufReader::with_capacity(1 << 16, file);
    Ok(match compression {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(file).map_err(
            |source| Error::Io {
                path: path.to_owned(),
                source,
            },
        )?),
    })
}

/// Resolves an encoding label such as `latin1`, `cp1252` or `utf-16le` (WHATWG labels).
pub(crate) fn encoding(label: &str) -> Result<&'static encoding_rs::Encoding> {
    encoding_rs::Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        Error::InvalidOption(format!(
            "unknown encoding '{label}' (try utf-8, latin1, windows-1252, utf-16le, shift_jis...)"
        ))
    })
}

/// A reader that decodes bytes of some encoding into UTF-8 as they stream through.
pub(crate) struct Transcoder<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Box<[u8]>,
    in_start: usize,
    in_end: usize,
    output: Box<[u8]>,
    out_start: usize,
    out_end: usize,
    input_done: bool,
    finished: bool,
}

impl<R: Read> Transcoder<R> {
    pub(crate) fn new(inner: R, encoding: &'static encoding_rs::Encoding) -> Self {
        Self {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            input: vec![0; 1 << 16].into_boxed_slice(),
            in_start: 0,
            in_end: 0,
            output: vec![0; 3 << 16].into_boxed_slice(),
            out_start: 0,
            out_end: 0,
            input_done: false,
            finished: false,
        }
    }
}

impl<R: Read> Read for Transcoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.out_start < self.out_end {
                let n = buf.len().min(self.out_end - self.out_start);
                buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.finished {
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.input_done {
                let n = self.inner.read(&mut self.input)?;
                self.in_start = 0;
                self.in_end = n;
                self.input_done = n == 0;
            }
            let (_, read, written, _) = self.decoder.decode_to_utf8(
                &self.input[self.in_start..self.in_end],
                &mut self.output,
                self.input_done,
            );
            self.in_start += read;
            self.out_start = 0;
            self.out_end = written;
            self.finished = self.input_done && self.in_start == self.in_end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcodes_latin1() {
        let latin1 = b"caf\xe9,na\xefve\n".repeat(50_000);
        let mut out = String::new();
        Transcoder::new(&latin1[..], encoding("latin1").unwrap())
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "café,naïve\n".repeat(50_000));
    }
}
