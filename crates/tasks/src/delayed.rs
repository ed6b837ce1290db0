//! A typed, lazy builder of graphs, like `dask.delayed`: compose ordinary Rust functions, then
//! compute the result with any scheduler.

use std::any::Any;
use std::collections::HashSet;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::graph::{Computation, Inputs, Task, TaskFn};
use crate::{BoxError, Error, Graph, Key, Result, Scheduler};

/// The values of a graph of mixed types, as [`Delayed`] builds them.
pub type AnyValue = Box<dyn Any + Send + Sync>;

/// A value of type `T` not computed yet: the key that will hold it and the graph behind it.
/// Combining delayed values builds a bigger graph; nothing runs until
/// [`compute`](Delayed::compute).
///
/// ```
/// use blaze_tasks::{Delayed, reduce};
///
/// let xs: Vec<Delayed<i64>> = (0..10).map(|i| Delayed::value(i).map("inc", |x| x + 1)).collect();
/// let total = reduce("sum", &xs, |v| v.iter().copied().sum::<i64>());
/// assert_eq!(total.compute().unwrap(), 55);
/// ```
pub struct Delayed<T> {
    node: Arc<Node>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Delayed<T> {
    fn clone(&self) -> Self {
        Delayed {
            node: Arc::clone(&self.node),
            _type: PhantomData,
        }
    }
}

struct Node {
    key: Key,
    computation: Computation<AnyValue>,
    deps: Vec<Arc<Node>>,
}

/// A fresh key `name-N`, unique in this process.
fn fresh_key(name: &str) -> Key {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    Key::from(format!("{name}-{}", NEXT.fetch_add(1, Ordering::Relaxed)))
}

fn downcast<'a, T: 'static>(inputs: &Inputs<'a, AnyValue>, i: usize) -> Result<&'a T, BoxError> {
    (**inputs.shared(i)).downcast_ref::<T>().ok_or_else(|| {
        Error::Internal(format!(
            "argument {i} is not a {} (this is a bug in blaze)",
            std::any::type_name::<T>()
        ))
        .into()
    })
}

impl<T: Send + Sync + 'static> Delayed<T> {
    /// A value known now, as a graph of one data key.
    pub fn value(value: T) -> Self {
        Self::from_node(
            fresh_key("value"),
            Computation::Data(Arc::new(Box::new(value))),
            Vec::new(),
        )
    }

    /// A task without arguments: `f` runs when the graph runs.
    pub fn from_fn(name: &str, f: impl Fn() -> T + Send + Sync + 'static) -> Self {
        let func: TaskFn<AnyValue> = Arc::new(move |_| Ok(Box::new(f()) as AnyValue));
        Self::task(name, func, Vec::new())
    }

    fn from_node(key: Key, computation: Computation<AnyValue>, deps: Vec<Arc<Node>>) -> Self {
        Delayed {
            node: Arc::new(Node {
                key,
                computation,
                deps,
            }),
            _type: PhantomData,
        }
    }

    fn task(name: &str, func: TaskFn<AnyValue>, deps: Vec<Arc<Node>>) -> Self {
        let args = deps.iter().map(|d| d.key.clone()).collect();
        Self::from_node(
            fresh_key(name),
            Computation::Task(Task::new(args, func)),
            deps,
        )
    }

    /// The key that will hold the value.
    pub fn key(&self) -> &Key {
        &self.node.key
    }

    /// `f` applied to this value, as a task named `name-N`.
    pub fn map<R: Send + Sync + 'static>(
        &self,
        name: &str,
        f: impl Fn(&T) -> R + Send + Sync + 'static,
    ) -> Delayed<R> {
        self.try_map(name, move |x| Ok::<R, BoxError>(f(x)))
    }

    /// `f` applied to this value; an error from `f` fails the computation and names this task.
    pub fn try_map<R: Send + Sync + 'static, E: Into<BoxError>>(
        &self,
        name: &str,
        f: impl Fn(&T) -> Result<R, E> + Send + Sync + 'static,
    ) -> Delayed<R> {
        let func: TaskFn<AnyValue> = Arc::new(move |inputs| {
            let x = downcast::<T>(inputs, 0)?;
            Ok(Box::new(f(x).map_err(Into::into)?) as AnyValue)
        });
        Delayed::task(name, func, vec![Arc::clone(&self.node)])
    }

    /// `f` applied to this value and `other`'s.
    pub fn zip_with<U: Send + Sync + 'static, R: Send + Sync + 'static>(
        &self,
        other: &Delayed<U>,
        name: &str,
        f: impl Fn(&T, &U) -> R + Send + Sync + 'static,
    ) -> Delayed<R> {
        let func: TaskFn<AnyValue> = Arc::new(move |inputs| {
            let (x, y) = (downcast::<T>(inputs, 0)?, downcast::<U>(inputs, 1)?);
            Ok(Box::new(f(x, y)) as AnyValue)
        });
        Delayed::task(
            name,
            func,
            vec![Arc::clone(&self.node), Arc::clone(&other.node)],
        )
    }

    /// The graph that computes this value: every key it needs, once each.
    pub fn graph(&self) -> Graph<AnyValue> {
        graph_of(std::slice::from_ref(&self.node))
    }

    /// Computes the value with the threaded scheduler.
    pub fn compute(&self) -> Result<T> {
        self.compute_with(&Scheduler::threaded())
    }

    /// Computes the value with `scheduler`.
    pub fn compute_with(&self, scheduler: &Scheduler<'_>) -> Result<T> {
        let mut values = compute_all(std::slice::from_ref(self), scheduler)?;
        values
            .pop()
            .ok_or_else(|| Error::Internal("no value computed".into()))
    }
}

/// `f` applied to all of `items`' values at once, as one task (a sum, a concatenation).
pub fn reduce<T, R>(
    name: &str,
    items: &[Delayed<T>],
    f: impl Fn(&[&T]) -> R + Send + Sync + 'static,
) -> Delayed<R>
where
    T: Send + Sync + 'static,
    R: Send + Sync + 'static,
{
    let func: TaskFn<AnyValue> = Arc::new(move |inputs| {
        let values = (0..inputs.len())
            .map(|i| downcast::<T>(inputs, i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Box::new(f(&values)) as AnyValue)
    });
    Delayed::task(
        name,
        func,
        items.iter().map(|d| Arc::clone(&d.node)).collect(),
    )
}

/// Computes several delayed values in one run, sharing the work they have in common.
pub fn compute_all<T: Send + Sync + 'static>(
    items: &[Delayed<T>],
    scheduler: &Scheduler<'_>,
) -> Result<Vec<T>> {
    let nodes: Vec<Arc<Node>> = items.iter().map(|d| Arc::clone(&d.node)).collect();
    let graph = graph_of(&nodes);
    let keys: Vec<Key> = items.iter().map(|d| d.key().clone()).collect();
    let values = scheduler.get(&graph, &keys)?;
    drop(graph);
    values
        .into_iter()
        .map(|v| {
            let boxed = Arc::try_unwrap(v).map_err(|_| {
                Error::Internal("a computed value is still shared (asked for twice?)".into())
            })?;
            boxed
                .downcast::<T>()
                .map(|b| *b)
                .map_err(|_| Error::Internal("a computed value has the wrong type".into()))
        })
        .collect()
}

fn graph_of(roots: &[Arc<Node>]) -> Graph<AnyValue> {
    let mut graph = Graph::new();
    let mut seen: HashSet<Key> = HashSet::new();
    let mut stack: Vec<&Arc<Node>> = roots.iter().collect();
    while let Some(node) = stack.pop() {
        if !seen.insert(node.key.clone()) {
            continue;
        }
        graph.insert(node.key.clone(), node.computation.clone());
        stack.extend(node.deps.iter());
    }
    graph
}
