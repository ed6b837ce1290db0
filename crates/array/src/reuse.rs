//! The memory of blocks read from a file, reused for the next blocks once they are done with.
//!
//! A computation over a whole stored array (`x.sum(axis=0)` over a Zarr store) reads block
//! after block of the same size, and frees each as soon as it has been reduced. The allocator
//! hands such large blocks back to the kernel when they are freed and takes fresh memory from
//! it for the next, which costs a page fault per page touched: for an out-of-core sum of 4 GB
//! with 32 MiB blocks, a million faults and over a second of kernel time, a third of the run.
//! So a source keeps a reference to the last blocks it made, and the next block it reads goes
//! into the memory of one that no one else holds any more.

use std::sync::{Mutex, PoisonError};

use crate::{Block, Element};

/// At most how many blocks a source keeps: as many as a computation has in flight at once
/// (one per worker, those read ahead, and one waiting for its reducer), so that one of them
/// is usually free.
const KEPT: usize = 6;

/// The blocks a source made last, newest last.
#[derive(Default)]
pub(crate) struct Reuse {
    kept: Mutex<Vec<Block>>,
}

impl Reuse {
    /// A vector of `len` elements for a block to be read into: the memory of a block kept here
    /// and held by no one else, if one is of that length, else new zeroed memory. Its elements
    /// are stale: the caller overwrites them all.
    pub(crate) fn vec<T: Element>(&self, len: usize) -> Vec<T> {
        let free = {
            let mut kept = lock(&self.kept);
            let found = kept.iter().position(|block| {
                T::from_block(block).is_some_and(|a| a.len() == len && a.is_unique())
            });
            found.map(|i| kept.remove(i))
        };
        // The kept block was the only reference to its memory, so the array taken out of it
        // is too, and gives up its vector without a copy.
        let reused = free
            .and_then(|block| T::from_block(&block).cloned())
            .and_then(|a| a.try_into_owned_nocopy().ok())
            .map(|a| a.into_raw_vec_and_offset())
            .and_then(|(v, offset)| (offset.unwrap_or(0) == 0 && v.len() == len).then_some(v));
        reused.unwrap_or_else(|| vec![T::default(); len])
    }

    /// Keeps a reference to `block`, just made, dropping the oldest one kept beyond [`KEPT`].
    pub(crate) fn keep(&self, block: &Block) {
        let mut kept = lock(&self.kept);
        if kept.len() == KEPT {
            kept.remove(0);
        }
        kept.push(block.clone());
    }

    /// Drops every block kept, as the last block of a computation has been read: their memory
    /// is freed once their readers are done with them.
    pub(crate) fn clear(&self) {
        lock(&self.kept).clear();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use ndarray::{ArrayD, IxDyn};

    use super::*;

    fn block_of(values: Vec<f64>) -> Block {
        let n = values.len();
        Block::new(ArrayD::from_shape_vec(IxDyn(&[n]), values).unwrap())
    }

    #[test]
    fn a_block_is_reused_only_once_no_one_else_holds_it() {
        let reuse = Reuse::default();
        let first = block_of(vec![1.0, 2.0, 3.0]);
        reuse.keep(&first);
        let address = first.as_array::<f64>().unwrap().as_ptr();
        // Still held by its reader: new memory, zeroed.
        assert_eq!(reuse.vec::<f64>(3), vec![0.0; 3]);
        // Of another length or type: new memory too.
        drop(first);
        assert_eq!(reuse.vec::<f64>(4), vec![0.0; 4]);
        assert_eq!(reuse.vec::<i64>(3), vec![0; 3]);
        // Dropped by its reader: its own memory, with its stale values, once.
        let again = reuse.vec::<f64>(3);
        assert_eq!(again.as_ptr(), address);
        assert_eq!(again, vec![1.0, 2.0, 3.0]);
        assert_eq!(reuse.vec::<f64>(3), vec![0.0; 3]);
    }

    #[test]
    fn a_slice_still_held_keeps_its_block_from_being_reused() {
        let reuse = Reuse::default();
        let block = block_of(vec![1.0, 2.0, 3.0, 4.0]);
        reuse.keep(&block);
        let middle = std::slice::from_ref(&(1..3));
        let part = block.slice(middle);
        drop(block);
        assert_eq!(reuse.vec::<f64>(4), vec![0.0; 4]);
        assert_eq!(
            part.as_array::<f64>()
                .unwrap()
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            [2.0, 3.0]
        );
    }

    #[test]
    fn only_the_newest_blocks_are_kept_and_clear_lets_all_go() {
        let reuse = Reuse::default();
        for i in 0..KEPT + 2 {
            reuse.keep(&block_of(vec![i as f64]));
        }
        assert_eq!(lock(&reuse.kept).len(), KEPT);
        // The oldest kept is the third made.
        assert_eq!(reuse.vec::<f64>(1), vec![2.0]);
        reuse.clear();
        assert!(lock(&reuse.kept).is_empty());
    }
}
