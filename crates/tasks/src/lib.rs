//! Task graphs and their schedulers: the part of Dask that runs work, in Rust.
//!
//! A [`Graph`] maps [`Key`]s to data, tasks (a function of other keys' values) or aliases. A
//! [`Scheduler`] computes the keys asked for, synchronously or on a pool of work-stealing
//! threads; it runs only what they need, in a static, memory-friendly priority order (dask's
//! "small goals, big steps", [`Graph::order`]), and frees each intermediate value as soon as its
//! last user has run. [`Graph::cull`] and [`Graph::fuse_linear`] optimise a graph;
//! [`Callback`]s watch a run ([`ProgressBar`], [`Profiler`] with Chrome trace export);
//! [`Graph::to_dot`] draws it. [`Delayed`] builds graphs from typed Rust functions.
//!
//! This crate owns graphs, keys, dependencies, ordering, culling and fusion, the schedulers and
//! their callbacks; it does not know what a task computes.
//!
//! ```
//! use blaze_tasks::{Graph, Key, Scheduler};
//!
//! // A map over ten blocks and a sum of their results.
//! let mut g: Graph<i64> = Graph::new();
//! for i in 0..10 {
//!     g.insert_data(("x", i), i);
//!     g.insert_task(("y", i), [("x", i)], |a| Ok(a[0] * 2));
//! }
//! g.insert_task("total", (0..10).map(|i| ("y", i)), |a| Ok(a.iter().sum()));
//! let out = Scheduler::threaded().get(&g, &[Key::from("total")]).unwrap();
//! assert_eq!(*out[0], 90);
//! ```

mod callbacks;
mod delayed;
mod dot;
mod error;
mod fuse;
mod graph;
mod key;
mod order;
mod plan;
mod scheduler;

pub use callbacks::{Callback, Profiler, ProgressBar, TaskRecord};
pub use delayed::{AnyValue, Delayed, compute_all, reduce};
pub use error::{BoxError, Error, Result};
pub use graph::{Computation, Graph, Inputs, Task, TaskFn};
pub use key::Key;
pub use scheduler::{Scheduler, get};
