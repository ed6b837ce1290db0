//! The threaded scheduler: one worker per thread, each with its own stack of ready tasks, idle
//! workers stealing from the others.
//!
//! A worker that finishes a task runs the best of the tasks that became ready next (dask's
//! depth-first, last-in-first-out policy: finish things before starting new ones) and keeps the
//! rest on its own stack, best on top. Tasks ready from the start wait in a shared queue in
//! priority order. An idle worker takes from that queue, then steals the oldest task of another
//! worker, then sleeps until someone has work.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering, fence};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use crossbeam_deque::{Injector, Steal, Stealer, Worker};

use super::Run;
use crate::{Error, Result};

struct Shared<'r, 'p, 'g, V> {
    run: &'r Run<'p, 'g, V>,
    rank: &'r [u32],
    unfinished_dependencies: Vec<AtomicU32>,
    injector: Injector<u32>,
    stealers: Vec<Stealer<u32>>,
    remaining: AtomicUsize,
    stop: AtomicBool,
    error: Mutex<Option<Error>>,
    sleep: Sleep,
}

/// Runs every node of `run`'s plan on `workers` threads, the calling thread being worker 0.
pub(super) fn run<V: Send + Sync>(
    run: &Run<'_, '_, V>,
    rank: &[u32],
    workers: usize,
) -> Result<()> {
    let plan = run.plan();
    let n = plan.len();
    let mut roots: Vec<u32> = (0..n as u32)
        .filter(|&i| plan.deps.get(i as usize).is_empty())
        .collect();
    roots.sort_unstable_by_key(|&i| rank[i as usize]);
    let injector = Injector::new();
    for r in roots {
        injector.push(r);
    }
    let locals: Vec<Worker<u32>> = (0..workers).map(|_| Worker::new_lifo()).collect();
    let shared = Shared {
        run,
        rank,
        unfinished_dependencies: (0..n)
            .map(|i| AtomicU32::new(plan.deps.get(i).len() as u32))
            .collect(),
        injector,
        stealers: locals.iter().map(Worker::stealer).collect(),
        remaining: AtomicUsize::new(n),
        stop: AtomicBool::new(n == 0),
        error: Mutex::new(None),
        sleep: Sleep::default(),
    };
    std::thread::scope(|scope| {
        let mut locals = locals.into_iter().enumerate();
        let first = locals.next();
        for (id, local) in locals {
            let shared = &shared;
            scope.spawn(move || shared.work(id, &local));
        }
        if let Some((id, local)) = first {
            shared.work(id, &local);
        }
    });
    match shared
        .error
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
    {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

impl<V: Send + Sync> Shared<'_, '_, '_, V> {
    fn work(&self, id: usize, local: &Worker<u32>) {
        let mut ready: Vec<u32> = Vec::new();
        let mut next: Option<u32> = None;
        while !self.stop.load(Ordering::Acquire) {
            let Some(node) = next
                .take()
                .or_else(|| local.pop())
                .or_else(|| self.find(id))
            else {
                next = self.sleep.idle(|| self.find(id), &self.stop);
                continue;
            };
            if let Err(e) = self.run.execute(node, id) {
                self.fail(e);
                return;
            }
            ready.clear();
            for &d in self.run.plan().dependents.get(node as usize) {
                if self.unfinished_dependencies[d as usize].fetch_sub(1, Ordering::AcqRel) == 1 {
                    ready.push(d);
                }
            }
            // Worst first: the best is run next, the second best ends on top of the stack.
            ready.sort_unstable_by_key(|&d| std::cmp::Reverse(self.rank[d as usize]));
            next = ready.pop();
            if !ready.is_empty() {
                for &d in &ready {
                    local.push(d);
                }
                self.sleep.wake_one();
            }
            if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
                self.stop.store(true, Ordering::Release);
                self.sleep.wake_all();
            }
        }
    }

    /// A task from the shared queue, else the oldest task of another worker.
    fn find(&self, id: usize) -> Option<u32> {
        loop {
            let mut retry = false;
            match self.injector.steal() {
                Steal::Success(n) => return Some(n),
                Steal::Retry => retry = true,
                Steal::Empty => {}
            }
            for (other, stealer) in self.stealers.iter().enumerate() {
                if other == id {
                    continue;
                }
                match stealer.steal() {
                    Steal::Success(n) => return Some(n),
                    Steal::Retry => retry = true,
                    Steal::Empty => {}
                }
            }
            if !retry {
                return None;
            }
        }
    }

    fn fail(&self, e: Error) {
        let mut error = self.error.lock().unwrap_or_else(PoisonError::into_inner);
        if error.is_none() {
            *error = Some(e);
        }
        self.stop.store(true, Ordering::Release);
        self.sleep.wake_all();
    }
}

/// Parks idle workers and wakes them when there is work, without losing a wake-up: a sleeper
/// announces itself before its last look for work, and a waker that pushed work bumps the epoch
/// the sleeper checks before it waits.
#[derive(Default)]
struct Sleep {
    epoch: Mutex<u64>,
    wakeup: Condvar,
    sleepers: AtomicUsize,
}

impl Sleep {
    /// Looks for work a few times, then sleeps until woken (or a short timeout, a safety net).
    /// Returns work found while getting ready to sleep.
    fn idle(&self, find: impl Fn() -> Option<u32>, stop: &AtomicBool) -> Option<u32> {
        for _ in 0..32 {
            if let Some(n) = find() {
                return Some(n);
            }
            if stop.load(Ordering::Acquire) {
                return None;
            }
            std::thread::yield_now();
        }
        let epoch = *self.epoch.lock().unwrap_or_else(PoisonError::into_inner);
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        let found = find();
        if found.is_none() && !stop.load(Ordering::Acquire) {
            let guard = self.epoch.lock().unwrap_or_else(PoisonError::into_inner);
            if *guard == epoch {
                let _ = self
                    .wakeup
                    .wait_timeout(guard, Duration::from_millis(10))
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
        found
    }

    fn wake_one(&self) {
        fence(Ordering::SeqCst);
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            *self.epoch.lock().unwrap_or_else(PoisonError::into_inner) += 1;
            self.wakeup.notify_one();
        }
    }

    fn wake_all(&self) {
        *self.epoch.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.wakeup.notify_all();
    }
}
