//! The graph: keys mapped to data, tasks, or aliases of other keys (`spec/dask.md` §1.2).

use std::collections::HashMap;
use std::fmt;
use std::ops::Index;
use std::sync::Arc;

use crate::{BoxError, Key};

/// A task's function: it receives the values of the task's arguments, in order, and returns
/// its value or an error. Shared, so that fusing tasks composes functions without copying them.
pub type TaskFn<V> = Arc<dyn Fn(&Inputs<'_, V>) -> Result<V, BoxError> + Send + Sync>;

/// A task graph: each key names one [`Computation`]. Dependencies are keys, so the graph may be
/// built in any order; they are checked when it runs (missing keys and cycles are errors).
///
/// `V` is the type of every value in the graph; a graph of mixed types uses
/// [`AnyValue`](crate::AnyValue), as the [`Delayed`](crate::Delayed) builder does.
///
/// ```
/// use blaze_tasks::{Graph, Scheduler};
///
/// let mut g = Graph::new();
/// g.insert_data("x", 1);
/// g.insert_data("y", 2);
/// g.insert_task("z", ["x"], |a| Ok(a[0] + 1));
/// g.insert_task("w", ["z", "y"], |a| Ok(a[0] + a[1]));
/// let values = Scheduler::threaded().get(&g, &["w".into()]).unwrap();
/// assert_eq!(*values[0], 4);
/// ```
pub struct Graph<V> {
    keys: Vec<Key>,
    computations: Vec<Computation<V>>,
    index: HashMap<Key, usize>,
}

/// What a key stands for.
pub enum Computation<V> {
    /// A value known before the graph runs.
    Data(Arc<V>),
    /// A function of other keys' values.
    Task(Task<V>),
    /// Another key's value under this name (`{'b': 'a'}` in dask).
    Alias(Key),
}

/// A function and the keys whose values it takes, in order; a key may appear more than once.
pub struct Task<V> {
    pub(crate) args: Vec<Key>,
    pub(crate) func: TaskFn<V>,
}

impl<V> Task<V> {
    /// A task calling `func` with the values of `args`.
    pub fn new(args: Vec<Key>, func: TaskFn<V>) -> Self {
        Task { args, func }
    }

    /// The keys whose values the function receives, in order.
    pub fn args(&self) -> &[Key] {
        &self.args
    }

    /// The function.
    pub fn func(&self) -> &TaskFn<V> {
        &self.func
    }
}

impl<V> Clone for Task<V> {
    fn clone(&self) -> Self {
        Task {
            args: self.args.clone(),
            func: Arc::clone(&self.func),
        }
    }
}

impl<V> Clone for Computation<V> {
    fn clone(&self) -> Self {
        match self {
            Computation::Data(v) => Computation::Data(Arc::clone(v)),
            Computation::Task(t) => Computation::Task(t.clone()),
            Computation::Alias(k) => Computation::Alias(k.clone()),
        }
    }
}

impl<V> Computation<V> {
    /// The keys this computation needs: a task's arguments (repeats included), an alias's target.
    pub fn dependencies(&self) -> &[Key] {
        match self {
            Computation::Data(_) => &[],
            Computation::Task(t) => &t.args,
            Computation::Alias(k) => std::slice::from_ref(k),
        }
    }
}

/// The values of a task's arguments, in the order its keys were given.
pub struct Inputs<'a, V> {
    values: &'a [Arc<V>],
}

impl<'a, V> Inputs<'a, V> {
    /// Inputs over values in argument order.
    pub fn new(values: &'a [Arc<V>]) -> Self {
        Inputs { values }
    }

    /// How many arguments the task has.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the task has no arguments.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The values in argument order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'a V> + 'a {
        self.values.iter().map(|v| &**v)
    }

    /// The shared value of argument `i`, to keep it without copying it.
    pub fn shared(&self, i: usize) -> &'a Arc<V> {
        &self.values[i]
    }
}

impl<V> Index<usize> for Inputs<'_, V> {
    type Output = V;

    fn index(&self, i: usize) -> &V {
        &self.values[i]
    }
}

impl<V> Default for Graph<V> {
    fn default() -> Self {
        Graph {
            keys: Vec::new(),
            computations: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<V> Clone for Graph<V> {
    fn clone(&self) -> Self {
        Graph {
            keys: self.keys.clone(),
            computations: self.computations.clone(),
            index: self.index.clone(),
        }
    }
}

impl<V> fmt::Debug for Graph<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Graph")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl<V> Graph<V> {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets what `key` stands for, replacing what it stood for before.
    pub fn insert(&mut self, key: impl Into<Key>, computation: Computation<V>) {
        let key = key.into();
        match self.index.get(&key) {
            Some(&i) => self.computations[i] = computation,
            None => {
                self.index.insert(key.clone(), self.keys.len());
                self.keys.push(key);
                self.computations.push(computation);
            }
        }
    }

    /// Sets `key` to a value known in advance.
    pub fn insert_data(&mut self, key: impl Into<Key>, value: V) {
        self.insert(key, Computation::Data(Arc::new(value)));
    }

    /// Sets `key` to `func` applied to the values of `args`.
    pub fn insert_task<K, F>(
        &mut self,
        key: impl Into<Key>,
        args: impl IntoIterator<Item = K>,
        func: F,
    ) where
        K: Into<Key>,
        F: Fn(&Inputs<'_, V>) -> Result<V, BoxError> + Send + Sync + 'static,
    {
        let args = args.into_iter().map(Into::into).collect();
        self.insert(key, Computation::Task(Task::new(args, Arc::new(func))));
    }

    /// Combines the values of `keys` with `combine` in a tree with at most `fan_in` values per
    /// task (dask's `split_every`), so that no task waits for all of them and few are held at
    /// once; returns the root's key. Level `d` of the tree is keys `(name-d, j)`; a single key
    /// is its own root, and no keys at all give `name`, which is not in the graph.
    pub fn insert_tree_reduction<F>(
        &mut self,
        name: &str,
        keys: Vec<Key>,
        fan_in: usize,
        combine: F,
    ) -> Key
    where
        F: Fn(&Inputs<'_, V>) -> Result<V, BoxError> + Send + Sync + 'static,
    {
        let func: TaskFn<V> = Arc::new(combine);
        let fan_in = fan_in.max(2);
        let mut level = keys;
        let mut depth = 0;
        while level.len() > 1 {
            depth += 1;
            let level_name: Arc<str> = format!("{name}-{depth}").into();
            level = level
                .chunks(fan_in)
                .enumerate()
                .map(|(j, parts)| {
                    let key = Key::new(Arc::clone(&level_name), [j as i64]);
                    let task = Task::new(parts.to_vec(), Arc::clone(&func));
                    self.insert(key.clone(), Computation::Task(task));
                    key
                })
                .collect();
        }
        level.pop().unwrap_or_else(|| Key::from(name))
    }

    /// Makes `key` another name for `target`'s value.
    pub fn insert_alias(&mut self, key: impl Into<Key>, target: impl Into<Key>) {
        self.insert(key, Computation::Alias(target.into()));
    }

    /// How many keys the graph has.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the graph has no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether `key` is in the graph.
    pub fn contains(&self, key: &Key) -> bool {
        self.index.contains_key(key)
    }

    /// What `key` stands for, if it is in the graph.
    pub fn get(&self, key: &Key) -> Option<&Computation<V>> {
        self.index.get(key).map(|&i| &self.computations[i])
    }

    /// The keys in the order they were first inserted.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// Every key with what it stands for, in the order keys were first inserted.
    pub fn iter(
        &self,
    ) -> impl DoubleEndedIterator<Item = (&Key, &Computation<V>)> + ExactSizeIterator {
        self.keys.iter().zip(&self.computations)
    }

    /// The position of `key` among [`keys`](Self::keys).
    pub(crate) fn position(&self, key: &Key) -> Option<usize> {
        self.index.get(key).copied()
    }

    /// The computation at a position among [`keys`](Self::keys).
    pub(crate) fn at(&self, i: usize) -> (&Key, &Computation<V>) {
        (&self.keys[i], &self.computations[i])
    }

    /// The keys that do not depend on any other key: data, and tasks without arguments.
    pub fn roots(&self) -> impl Iterator<Item = &Key> {
        self.iter()
            .filter(|(_, c)| c.dependencies().is_empty())
            .map(|(k, _)| k)
    }

    /// The keys no other key depends on: what a computation of the whole graph produces.
    pub fn leaves(&self) -> Vec<Key> {
        let mut needed = vec![false; self.len()];
        for (_, c) in self.iter() {
            for d in c.dependencies() {
                if let Some(i) = self.position(d) {
                    needed[i] = true;
                }
            }
        }
        self.keys
            .iter()
            .zip(needed)
            .filter(|(_, n)| !n)
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Adds every key of `other`, replacing keys both have.
    pub fn extend(&mut self, other: Graph<V>) {
        for (k, c) in other.keys.into_iter().zip(other.computations) {
            self.insert(k, c);
        }
    }
}
