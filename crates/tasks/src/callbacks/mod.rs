//! Callbacks: code that watches a run without changing it (`spec/dask.md` §1.8).

mod profiler;
mod progress;

pub use profiler::{Profiler, TaskRecord};
pub use progress::ProgressBar;

use crate::Key;

/// Hooks a scheduler calls as a graph runs. Every method does nothing by default; implement the
/// ones you need. They are called from the worker threads, so they must be cheap and `Sync`.
/// Data keys are not tasks: only tasks are announced.
pub trait Callback: Sync {
    /// Before any task runs, with the number of tasks that will run (after culling).
    fn start(&self, tasks: usize) {
        let _ = tasks;
    }

    /// Just before `key`'s function is called on worker thread `worker` (`0` is the caller's).
    fn pretask(&self, key: &Key, worker: usize) {
        let _ = (key, worker);
    }

    /// Just after `key`'s function returned a value on worker thread `worker`.
    fn posttask(&self, key: &Key, worker: usize) {
        let _ = (key, worker);
    }

    /// After the run, whether it succeeded or not.
    fn finish(&self, failed: bool) {
        let _ = failed;
    }
}
