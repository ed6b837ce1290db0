//! A terminal progress bar over the tasks of a run.

use std::time::Duration;

use indicatif::{ProgressDrawTarget, ProgressStyle};

use super::Callback;
use crate::Key;

/// Draws `[########      ] | 57% Completed | 1.2s` on standard error while a graph runs,
/// as dask's `ProgressBar` does; hidden when standard error is not a terminal.
pub struct ProgressBar {
    bar: indicatif::ProgressBar,
}

impl ProgressBar {
    /// A bar on standard error, drawn only when it is a terminal.
    pub fn new() -> Self {
        Self::with_target(ProgressDrawTarget::stderr())
    }

    /// A bar that is never drawn: it only counts (for tests and for callers that draw their own).
    pub fn hidden() -> Self {
        Self::with_target(ProgressDrawTarget::hidden())
    }

    fn with_target(target: ProgressDrawTarget) -> Self {
        let bar = indicatif::ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(
            ProgressStyle::with_template(
                "[{bar:40}] | {percent:>3}% Completed | {elapsed_precise}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("## "),
        );
        ProgressBar { bar }
    }

    /// How many tasks have finished in the current or last run.
    pub fn done(&self) -> u64 {
        self.bar.position()
    }

    /// How many tasks the current or last run has.
    pub fn total(&self) -> u64 {
        self.bar.length().unwrap_or(0)
    }
}

impl Default for ProgressBar {
    fn default() -> Self {
        Self::new()
    }
}

impl Callback for ProgressBar {
    fn start(&self, tasks: usize) {
        self.bar.reset();
        self.bar.set_length(tasks as u64);
        self.bar.enable_steady_tick(Duration::from_millis(100));
    }

    fn posttask(&self, _key: &Key, _worker: usize) {
        self.bar.inc(1);
    }

    fn finish(&self, _failed: bool) {
        self.bar.disable_steady_tick();
        self.bar.tick();
        self.bar.finish();
    }
}
