//! Shared helpers: small graphs, and values that count how many of them are alive.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use blaze_tasks::{Graph, Key, Scheduler};

/// Both schedulers, to run every case on each.
pub(crate) fn schedulers() -> [Scheduler<'static>; 2] {
    [
        Scheduler::synchronous(),
        Scheduler::threaded().with_workers(4),
    ]
}

/// The graph of `spec/dask.md` §1.3: `{x: 1, y: 2, z: add(x, y), w: sum([x, y, z])}`.
pub(crate) fn spec_graph() -> Graph<i64> {
    let mut g = Graph::new();
    g.insert_data("x", 1);
    g.insert_data("y", 2);
    g.insert_task("z", ["x", "y"], |a| Ok(a[0] + a[1]));
    g.insert_task("w", ["x", "y", "z"], |a| Ok(a.iter().sum()));
    g
}

pub(crate) fn keys(names: &[&str]) -> Vec<Key> {
    names.iter().map(|&n| Key::from(n)).collect()
}

/// Counts live values and the most alive at once.
#[derive(Debug, Default)]
pub(crate) struct Census {
    live: AtomicUsize,
    peak: AtomicUsize,
}

impl Census {
    pub(crate) fn live(&self) -> usize {
        self.live.load(Ordering::SeqCst)
    }

    pub(crate) fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

/// A value registered with a [`Census`] for as long as it lives.
#[derive(Debug)]
pub(crate) struct Counted {
    pub(crate) value: i64,
    census: Arc<Census>,
}

impl Counted {
    pub(crate) fn new(value: i64, census: &Arc<Census>) -> Self {
        let live = census.live.fetch_add(1, Ordering::SeqCst) + 1;
        census.peak.fetch_max(live, Ordering::SeqCst);
        Counted {
            value,
            census: Arc::clone(census),
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.census.live.fetch_sub(1, Ordering::SeqCst);
    }
}
