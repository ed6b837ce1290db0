//! A profiler recording when and where each task ran, exportable as a Chrome trace.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::json;

use super::Callback;
use crate::Key;

/// One task's run: when it started and ended, relative to the start of the run, and on which
/// worker thread.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecord {
    /// The task.
    pub key: Key,
    /// When its function was called, from the start of the run.
    pub start: Duration,
    /// When its function returned.
    pub end: Duration,
    /// The worker thread (`0` is the caller's).
    pub worker: usize,
}

/// Records a [`TaskRecord`] for every task of a run, as dask's `Profiler` does. Open its
/// [`chrome_trace`](Profiler::chrome_trace) in `chrome://tracing` or Perfetto to see the run.
#[derive(Default)]
pub struct Profiler {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    origin: Option<Instant>,
    started: Vec<(Key, Duration)>,
    records: Vec<TaskRecord>,
}

impl Profiler {
    /// An empty profiler.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tasks of the last run, in the order they finished.
    pub fn records(&self) -> Vec<TaskRecord> {
        self.lock().records.clone()
    }

    /// The last run as a Chrome trace (the JSON object format): one complete event (`"ph": "X"`)
    /// per task, in microseconds, one thread per worker.
    pub fn chrome_trace(&self) -> serde_json::Value {
        let events: Vec<_> = self
            .lock()
            .records
            .iter()
            .map(|r| {
                json!({
                    "name": r.key.to_string(),
                    "cat": r.key.name(),
                    "ph": "X",
                    "ts": r.start.as_secs_f64() * 1e6,
                    "dur": (r.end - r.start).as_secs_f64() * 1e6,
                    "pid": 0,
                    "tid": r.worker,
                })
            })
            .collect();
        json!({ "traceEvents": events, "displayTimeUnit": "ms" })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Callback for Profiler {
    fn start(&self, tasks: usize) {
        let mut state = self.lock();
        state.origin = Some(Instant::now());
        state.started.clear();
        state.records = Vec::with_capacity(tasks);
    }

    fn pretask(&self, key: &Key, _worker: usize) {
        let mut state = self.lock();
        let now = state.origin.map(|o| o.elapsed()).unwrap_or_default();
        state.started.push((key.clone(), now));
    }

    fn posttask(&self, key: &Key, worker: usize) {
        let mut state = self.lock();
        let end = state.origin.map(|o| o.elapsed()).unwrap_or_default();
        let start = match state.started.iter().rposition(|(k, _)| k == key) {
            Some(i) => state.started.swap_remove(i).1,
            None => end,
        };
        state.records.push(TaskRecord {
            key: key.clone(),
            start,
            end,
            worker,
        });
    }
}
