//! Schedulers: run a graph and return the values of the keys asked for (`spec/dask.md` §1.3–1.5).
//!
//! Both schedulers compile the graph for the outputs (culling what they do not need), rank its
//! nodes with [`Graph::order`]'s priority, and free every intermediate value as soon as the last
//! task that needs it has run, unless it is an output.

mod threaded;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::callbacks::Callback;
use crate::graph::Inputs;
use crate::order::priorities;
use crate::plan::{Kind, Plan};
use crate::{Error, Graph, Key, Result};

/// Runs graphs: synchronously in the calling thread (for debugging: errors and panics happen in
/// order, in your thread) or on a pool of threads that steal work from one another.
///
/// ```
/// use blaze_tasks::{Graph, Scheduler};
///
/// let mut g = Graph::new();
/// g.insert_data("x", 10);
/// g.insert_task("y", ["x", "x"], |a| Ok(a[0] * a[1]));
/// assert_eq!(*Scheduler::synchronous().get(&g, &["y".into()]).unwrap()[0], 100);
/// ```
#[derive(Clone)]
pub struct Scheduler<'c> {
    workers: usize,
    callbacks: Vec<&'c dyn Callback>,
}

impl Scheduler<'static> {
    /// Runs every task in the calling thread, in priority order.
    pub fn synchronous() -> Self {
        Scheduler {
            workers: 1,
            callbacks: Vec::new(),
        }
    }

    /// Runs tasks on one thread per core (the calling thread is one of them).
    pub fn threaded() -> Self {
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        Scheduler {
            workers,
            callbacks: Vec::new(),
        }
    }
}

impl<'c> Scheduler<'c> {
    /// Runs tasks on `workers` threads; `1` is the synchronous scheduler.
    pub fn with_workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// Calls `callback`'s hooks as graphs run.
    pub fn with_callback<'d>(self, callback: &'d dyn Callback) -> Scheduler<'d>
    where
        'c: 'd,
    {
        let mut callbacks: Vec<&'d dyn Callback> = self.callbacks;
        callbacks.push(callback);
        Scheduler {
            workers: self.workers,
            callbacks,
        }
    }

    /// How many threads run tasks.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Computes `keys` from `graph` and returns their values in the same order. A key asked for
    /// twice gets the same value twice; nothing the keys do not need runs.
    pub fn get<V: Send + Sync>(&self, graph: &Graph<V>, keys: &[Key]) -> Result<Vec<Arc<V>>> {
        let plan = Plan::new(graph, keys)?;
        let rank = priorities(&plan);
        let run = Run::new(&plan, &self.callbacks);
        let tasks = plan
            .kinds
            .iter()
            .filter(|k| matches!(k, Kind::Task(_)))
            .count();
        for c in &self.callbacks {
            c.start(tasks);
        }
        let outcome = if self.workers <= 1 {
            run_synchronously(&run, &rank)
        } else {
            threaded::run(&run, &rank, self.workers)
        };
        for c in &self.callbacks {
            c.finish(outcome.is_err());
        }
        outcome?;
        plan.outputs.iter().map(|&o| run.value(o)).collect()
    }
}

/// Runs `keys` of `graph` with the threaded scheduler on every core.
pub fn get<V: Send + Sync>(graph: &Graph<V>, keys: &[Key]) -> Result<Vec<Arc<V>>> {
    Scheduler::threaded().get(graph, keys)
}

fn run_synchronously<V>(run: &Run<'_, '_, V>, rank: &[u32]) -> Result<()> {
    let mut order = vec![0u32; rank.len()];
    for (node, &r) in rank.iter().enumerate() {
        order[r as usize] = node as u32;
    }
    for node in order {
        run.execute(node, 0)?;
    }
    Ok(())
}

/// The values of one run: a slot per node, and for each node how many of its dependents have
/// not run yet, to free its value when the last one has.
pub(crate) struct Run<'p, 'g, V> {
    plan: &'p Plan<'g, V>,
    callbacks: &'p [&'p dyn Callback],
    slots: Vec<Mutex<Option<Arc<V>>>>,
    unfinished_dependents: Vec<AtomicU32>,
}

impl<'p, 'g, V> Run<'p, 'g, V> {
    fn new(plan: &'p Plan<'g, V>, callbacks: &'p [&'p dyn Callback]) -> Self {
        let n = plan.len();
        Run {
            plan,
            callbacks,
            slots: (0..n).map(|_| Mutex::new(None)).collect(),
            unfinished_dependents: (0..n)
                .map(|i| AtomicU32::new(plan.dependents.get(i).len() as u32))
                .collect(),
        }
    }

    pub(crate) fn plan(&self) -> &'p Plan<'g, V> {
        self.plan
    }

    fn slot(&self, node: u32) -> std::sync::MutexGuard<'_, Option<Arc<V>>> {
        self.slots[node as usize]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn value(&self, node: u32) -> Result<Arc<V>> {
        self.slot(node).clone().ok_or_else(|| {
            Error::Internal(format!(
                "the value of {} was freed before its last use",
                self.plan.keys[node as usize].quoted()
            ))
        })
    }

    /// Computes `node` (its dependencies have run), stores its value, and frees the values of
    /// dependencies no other task still needs.
    pub(crate) fn execute(&self, node: u32, worker: usize) -> Result<()> {
        let key = self.plan.keys[node as usize];
        let value = match &self.plan.kinds[node as usize] {
            Kind::Data(v) => Arc::clone(v),
            Kind::Task(func) => {
                let args = self
                    .plan
                    .args
                    .get(node as usize)
                    .iter()
                    .map(|&a| self.value(a))
                    .collect::<Result<Vec<_>>>()?;
                for c in self.callbacks {
                    c.pretask(key, worker);
                }
                let inputs = Inputs::new(&args);
                let value = match catch_unwind(AssertUnwindSafe(|| func(&inputs))) {
                    Ok(Ok(v)) => Arc::new(v),
                    Ok(Err(source)) => {
                        return Err(Error::TaskFailed {
                            key: key.clone(),
                            source,
                        });
                    }
                    Err(panic) => {
                        return Err(Error::TaskPanicked {
                            key: key.clone(),
                            message: panic_message(panic.as_ref()),
                        });
                    }
                };
                for c in self.callbacks {
                    c.posttask(key, worker);
                }
                value
            }
        };
        *self.slot(node) = Some(value);
        for &d in self.plan.deps.get(node as usize) {
            if self.unfinished_dependents[d as usize].fetch_sub(1, Ordering::AcqRel) == 1
                && !self.plan.is_output[d as usize]
            {
                let freed = self.slot(d).take();
                drop(freed);
            }
        }
        Ok(())
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}
