//! Chunk files read ahead of the workers that decompress (or copy) them.
//!
//! A computation over a whole Zarr array reads its chunk files in order, and a worker that
//! reads a file itself waits for the disk while its core idles. So the files of the next blocks
//! are read by helper threads while the workers decompress the current ones. Uncompressed
//! chunks are read this way too when their array is too large for the page cache (below); a
//! smaller one's are read with buffered reads the kernel is asked to start early.
//!
//! The files of an array too large to stay in the page cache are read with direct I/O
//! (`O_DIRECT`) where their file system allows it: the disk writes the bytes straight into the
//! buffer, with no copy through the page cache, so reading costs the CPU almost nothing and the
//! cache does not fill with chunks that are read once (an out-of-core sum with buffered reads
//! spent more of its time in the kernel than decompressing, see bench/RESULTS.md; one of
//! uncompressed chunks under a 1 GiB memory cgroup read at 1.4 GB/s buffered, 2.7 direct). The
//! files of a smaller array are read through the cache, where the next computation finds them.
//! Buffers are reused from file to file, as touching fresh memory costs a page fault per page.

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Asks the kernel to start reading the files at `paths` into its page cache, and returns
/// without waiting: for files read with buffered reads, the disk then reads while the workers
/// compute. Only a hint: a file that cannot be opened or advised is skipped (reading it reports
/// the error).
pub(crate) fn into_page_cache(paths: &[PathBuf]) {
    for path in paths {
        if let Ok(file) = std::fs::File::open(path) {
            let _ = rustix::fs::fadvise(&file, 0, None, rustix::fs::Advice::WillNeed);
        }
    }
}

/// The alignment direct I/O asks of a buffer's address, a read's length and its file offset:
/// a page, a multiple of every disk's logical block size.
const ALIGN: usize = 4096;

/// The size of a huge page on x86-64 and most of arm64 Linux systems.
const HUGE_PAGE: usize = 2 << 20;

/// Memory for the bytes of one file.
///
/// A file of at least a huge page is read into anonymous memory asked to be made of huge pages.
/// A direct read's request to the disk holds a bounded number of physically contiguous runs of
/// memory (128 on this machine's disk), and 4 KiB pages are seldom next to each other: requests
/// of 512 KiB instead of the disk's largest, 1280 KiB. Into huge pages, an out-of-core sum read
/// its chunks at 1.7-1.8 GB/s instead of 1.1-1.2, with a quarter of the interrupts (`vmstat`).
/// Where the kernel gives no huge pages (they are off, or memory is too fragmented), the memory
/// is made of small pages, as from the allocator.
enum Memory {
    Heap(Vec<u8>),
    Mapped(memmap2::MmapMut),
}

impl Memory {
    /// Memory for `len` bytes, starting at the returned offset (aligned for direct I/O, and to
    /// a huge page when mapped): `spare` if it is of the right kind and large enough.
    fn for_len(len: usize, spare: Option<Memory>) -> std::io::Result<(Memory, usize)> {
        let memory = match spare {
            Some(Memory::Mapped(map)) if len >= HUGE_PAGE && map.len() >= len + HUGE_PAGE => {
                Memory::Mapped(map)
            }
            _ if len >= HUGE_PAGE => {
                let map = memmap2::MmapMut::map_anon(len + HUGE_PAGE)?;
                // Only advice: without huge pages the memory works the same, more slowly.
                let _ = map.advise(memmap2::Advice::HugePage);
                Memory::Mapped(map)
            }
            Some(Memory::Heap(mut buffer)) => {
                buffer.resize(buffer.len().max(len + ALIGN), 0);
                Memory::Heap(buffer)
            }
            _ => Memory::Heap(vec![0; len + ALIGN]),
        };
        let start = match &memory {
            Memory::Mapped(map) => map.as_ptr().align_offset(HUGE_PAGE),
            Memory::Heap(buffer) => buffer.as_ptr().align_offset(ALIGN),
        };
        Ok((memory, start))
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Memory::Heap(buffer) => buffer,
            Memory::Mapped(map) => map,
        }
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        match self {
            Memory::Heap(buffer) => buffer,
            Memory::Mapped(map) => map,
        }
    }
}

/// The bytes of one file, in memory aligned for direct I/O.
pub(crate) struct FileBytes {
    memory: Memory,
    start: usize,
    len: usize,
}

impl FileBytes {
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.memory.bytes()[self.start..self.start + self.len]
    }
}

/// Which file a path named when it was read ahead, and its size and time of change: a file
/// replaced or changed since (a store rewritten under a server) is read again.
#[derive(Clone, Copy, PartialEq, Eq)]
struct FileId {
    device: u64,
    inode: u64,
    len: u64,
    modified: (i64, i64),
}

impl FileId {
    fn of(path: &Path) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
        Some(FileId {
            device: meta.dev(),
            inode: meta.ino(),
            len: meta.len(),
            modified: (meta.mtime(), meta.mtime_nsec()),
        })
    }
}

/// A file being read by a helper thread: its bytes or the error, once read.
struct Pending {
    id: FileId,
    started: Instant,
    read: Mutex<Option<std::io::Result<FileBytes>>>,
    done: Condvar,
}

/// The files of one array read ahead, and spare buffers.
pub(crate) struct ReadAhead {
    /// Whether files are read with direct I/O, past the page cache.
    direct: bool,
    pending: Mutex<HashMap<PathBuf, Arc<Pending>>>,
    spare: Mutex<Vec<Memory>>,
}

/// At most how many files are read ahead and not yet taken.
const MAX_PENDING: usize = 8;

/// At most how many buffers are kept for reuse.
const MAX_SPARE: usize = 4;

/// How long a file read ahead and not taken is kept: the blocks a computation reads next are
/// taken within moments, so older ones were not wanted (a computation over part of the array
/// stopped short of them) and their buffers are freed when files are next read ahead.
const UNCLAIMED: Duration = Duration::from_secs(10);

impl ReadAhead {
    /// Reading files with direct I/O if `direct`, through the page cache if not.
    pub(crate) fn new(direct: bool) -> ReadAhead {
        ReadAhead {
            direct,
            pending: Mutex::default(),
            spare: Mutex::default(),
        }
    }

    /// Whether the files are read past the page cache (their array is too large to stay in
    /// it).
    pub(crate) fn past_cache(&self) -> bool {
        self.direct
    }

    /// Starts reading the files at `paths`, each on a helper thread, unless it is being read
    /// already or [`MAX_PENDING`] files are.
    pub(crate) fn start(self: &Arc<Self>, paths: Vec<PathBuf>) {
        let mut pending = lock(&self.pending);
        pending.retain(|_, slot| slot.started.elapsed() < UNCLAIMED);
        for path in paths {
            if pending.len() >= MAX_PENDING || pending.contains_key(&path) {
                continue;
            }
            // A chunk without a file is the fill value, never read from disk.
            let Some(id) = FileId::of(&path) else {
                continue;
            };
            let slot = Arc::new(Pending {
                id,
                started: Instant::now(),
                read: Mutex::new(None),
                done: Condvar::new(),
            });
            let (this, file, filled) = (Arc::clone(self), path.clone(), Arc::clone(&slot));
            let spawned = std::thread::Builder::new()
                .name("zarr-read-ahead".into())
                .spawn(move || {
                    let read = this.read_file(&file);
                    *lock(&filled.read) = Some(read);
                    filled.done.notify_all();
                });
            if spawned.is_ok() {
                pending.insert(path, slot);
            }
        }
    }

    /// The bytes of the file at `path`: those read ahead, waiting for them if need be, unless
    /// the file has changed since; or read now.
    pub(crate) fn read(&self, path: &Path) -> std::io::Result<FileBytes> {
        let slot = lock(&self.pending).remove(path);
        match slot {
            Some(slot) if FileId::of(path) == Some(slot.id) => {
                let mut read = lock(&slot.read);
                loop {
                    if let Some(result) = read.take() {
                        return result;
                    }
                    read = slot.done.wait(read).unwrap_or_else(PoisonError::into_inner);
                }
            }
            _ => self.read_file(path),
        }
    }

    /// Keeps the memory of `bytes`, which have been used, for a later file while files are
    /// being read ahead; frees it when none are, so that an array that is not being read holds
    /// no memory.
    pub(crate) fn recycle(&self, bytes: FileBytes) {
        let reading = !lock(&self.pending).is_empty();
        let mut spare = lock(&self.spare);
        if !reading {
            spare.clear();
            return;
        }
        if spare.len() < MAX_SPARE {
            spare.push(bytes.memory);
        }
    }

    fn read_file(&self, path: &Path) -> std::io::Result<FileBytes> {
        let spare = lock(&self.spare).pop();
        if self.direct {
            read_direct(path, spare)
        } else {
            read_buffered(path, spare)
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Reads the whole file at `path` into `spare` or new memory, with direct I/O if the file
/// system takes it and with buffered reads if not.
fn read_direct(path: &Path, spare: Option<Memory>) -> std::io::Result<FileBytes> {
    let direct = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::DIRECT.bits() as i32)
        .open(path);
    let file = match direct {
        Ok(file) => file,
        // EINVAL: a file system without direct I/O (tmpfs, some network ones).
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::INVAL.raw_os_error()) => {
            return read_buffered(path, spare);
        }
        Err(e) => return Err(e),
    };
    match read_whole(file, spare)? {
        Whole::Read(bytes) => Ok(bytes),
        // A file system that opens files for direct I/O and then refuses to read them.
        Whole::Refused(spare) => read_buffered(path, Some(spare)),
    }
}

fn read_buffered(path: &Path, spare: Option<Memory>) -> std::io::Result<FileBytes> {
    match read_whole(std::fs::File::open(path)?, spare)? {
        Whole::Read(bytes) => Ok(bytes),
        Whole::Refused(_) => Err(std::io::Error::from_raw_os_error(
            rustix::io::Errno::INVAL.raw_os_error(),
        )),
    }
}

/// What reading a file gave.
enum Whole {
    Read(FileBytes),
    /// A read said EINVAL (direct I/O refused): the memory, for another way of reading.
    Refused(Memory),
}

/// Reads `file` up to its length into memory for it (whole pages of it, as direct I/O reads
/// whole blocks).
fn read_whole(mut file: std::fs::File, spare: Option<Memory>) -> std::io::Result<Whole> {
    let len = usize::try_from(file.metadata()?.len()).map_err(std::io::Error::other)?;
    let whole_pages = len.div_ceil(ALIGN) * ALIGN;
    let (mut memory, start) = Memory::for_len(whole_pages, spare)?;
    let window = &mut memory.bytes_mut()[start..start + whole_pages];
    let mut at = 0;
    while at < len {
        match file.read(&mut window[at..]) {
            Ok(0) => break,
            // A short read ends at the end of the file, so every read starts aligned.
            Ok(n) => at += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::INVAL.raw_os_error()) => {
                return Ok(Whole::Refused(memory));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(Whole::Read(FileBytes {
        memory,
        start,
        len: at.min(len),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_read_ahead_or_now_have_their_bytes_whatever_their_length() {
        let dir = tempfile::tempdir().unwrap();
        let sizes = [
            0,
            1,
            ALIGN - 1,
            ALIGN,
            ALIGN + 1,
            3 * ALIGN + 17,
            1 << 20,
            HUGE_PAGE,
            2 * HUGE_PAGE + 17,
            3,
        ];
        let paths: Vec<PathBuf> = sizes
            .iter()
            .map(|&n| {
                let path = dir.path().join(format!("chunk-{n}"));
                let bytes: Vec<u8> = (0..n).map(|i| (i * 31 % 251) as u8).collect();
                std::fs::write(&path, bytes).unwrap();
                path
            })
            .collect();
        let ahead = Arc::new(ReadAhead::new(true));
        // Half are read ahead, half read when asked; buffers pass from file to file.
        ahead.start(paths.iter().step_by(2).cloned().collect());
        for (path, &n) in paths.iter().zip(&sizes) {
            let got = ahead.read(path).unwrap();
            let want: Vec<u8> = (0..n).map(|i| (i * 31 % 251) as u8).collect();
            assert_eq!(got.bytes(), &want[..], "{}", path.display());
            ahead.recycle(got);
        }
        assert!(lock(&ahead.pending).is_empty());
        assert!(
            lock(&ahead.spare).is_empty(),
            "no buffers kept once nothing is read ahead"
        );
    }

    #[test]
    fn a_file_replaced_after_it_was_read_ahead_is_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c/0/0");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"old bytes").unwrap();
        let ahead = Arc::new(ReadAhead::new(true));
        ahead.start(vec![path.clone()]);
        // Replaced as stores are written: a new file renamed over the old one.
        let new = dir.path().join("new");
        std::fs::write(&new, b"new bytes, longer").unwrap();
        std::fs::rename(&new, &path).unwrap();
        assert_eq!(ahead.read(&path).unwrap().bytes(), b"new bytes, longer");
    }

    #[test]
    fn a_missing_file_is_not_read_ahead_and_gives_its_error_when_read() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("c/9/0");
        let ahead = Arc::new(ReadAhead::new(true));
        ahead.start(vec![missing.clone()]);
        assert!(
            lock(&ahead.pending).is_empty(),
            "a missing chunk is not read ahead"
        );
        let e = ahead.read(&missing).err().unwrap();
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
    }
}
