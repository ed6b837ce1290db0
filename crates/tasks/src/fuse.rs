//! Graph optimisations: culling what outputs do not need, and fusing linear chains of tasks
//! into one task each (`spec/dask.md` §1.7).

use std::collections::HashSet;
use std::sync::Arc;

use crate::graph::{Computation, Inputs, Task, TaskFn};
use crate::plan::Plan;
use crate::{Error, Graph, Key, Result};

impl<V> Graph<V> {
    /// The part of the graph that computing `outputs` needs, aliases included; an output or a
    /// dependency missing from the graph is an error.
    pub fn cull(&self, outputs: &[Key]) -> Result<Graph<V>> {
        Plan::new(self, outputs)?;
        let mut keep = Graph::new();
        let mut stack: Vec<&Key> = outputs.iter().collect();
        let mut seen: HashSet<&Key> = stack.iter().copied().collect();
        while let Some(key) = stack.pop() {
            let Some(computation) = self.get(key) else {
                continue;
            };
            for d in computation.dependencies() {
                if seen.insert(d) {
                    stack.push(d);
                }
            }
            keep.insert(key.clone(), computation.clone());
        }
        // Keep the original insertion order, so that printing and DOT output stay stable.
        let mut ordered = Graph::new();
        for key in self.keys() {
            if let Some(c) = keep.get(key) {
                ordered.insert(key.clone(), c.clone());
            }
        }
        Ok(ordered)
    }

    /// Fuses every linear chain of tasks (each task the only one using the one before it) into
    /// one task, so that a chain costs one scheduling step and no intermediate values.
    ///
    /// As in dask, the fused task's key joins the chain's names, last task first (a chain
    /// `z → y → x → w` becomes `w-x-y-z`, with the block index of `w`), and the last task's key
    /// stays as an alias of it, so every key that was computable still is. Keys in `keep` are
    /// never fused away (they stay computable on their own). An error inside a fused task names
    /// the original task that failed.
    pub fn fuse_linear(&self, keep: &[Key]) -> Graph<V>
    where
        V: Send + Sync + 'static,
    {
        let keep: HashSet<&Key> = keep.iter().collect();
        let mut dependents = vec![0u32; self.len()];
        for (_, c) in self.iter() {
            let mut distinct: Vec<usize> = c
                .dependencies()
                .iter()
                .filter_map(|d| self.position(d))
                .collect();
            distinct.sort_unstable();
            distinct.dedup();
            for d in distinct {
                dependents[d] += 1;
            }
        }
        // The task a task can absorb: its only argument, a task used by nothing else.
        let absorbs = |pos: usize| -> Option<usize> {
            let Computation::Task(t) = self.at(pos).1 else {
                return None;
            };
            let [arg] = t.args.as_slice() else {
                return None;
            };
            let below = self.position(arg)?;
            let fusable = matches!(self.at(below).1, Computation::Task(_))
                && dependents[below] == 1
                && !keep.contains(arg)
                && below != pos;
            fusable.then_some(below)
        };
        let mut absorbed = vec![false; self.len()];
        for pos in 0..self.len() {
            if let Some(below) = absorbs(pos) {
                absorbed[below] = true;
            }
        }
        let mut fused = Graph::new();
        let mut in_chain = vec![false; self.len()];
        for pos in 0..self.len() {
            if absorbed[pos] {
                continue;
            }
            let (key, computation) = self.at(pos);
            in_chain[pos] = true;
            let mut chain = vec![pos];
            while let Some(below) = absorbs(chain[chain.len() - 1]) {
                if in_chain[below] {
                    break;
                }
                in_chain[below] = true;
                chain.push(below);
            }
            if chain.len() == 1 {
                fused.insert(key.clone(), computation.clone());
                continue;
            }
            let steps: Vec<(Key, TaskFn<V>)> = chain
                .iter()
                .rev()
                .filter_map(|&p| match self.at(p) {
                    (k, Computation::Task(t)) => Some((k.clone(), Arc::clone(&t.func))),
                    _ => None,
                })
                .collect();
            let args = self.at(chain[chain.len() - 1]).1.dependencies().to_vec();
            let names: Vec<&str> = chain.iter().map(|&p| self.at(p).0.name()).collect();
            let new_key = Key::new(names.join("-"), key.index());
            fused.insert(
                new_key.clone(),
                Computation::Task(Task::new(args, compose(steps))),
            );
            fused.insert_alias(key.clone(), new_key);
        }
        // Tasks on a cycle are all "absorbed" and reached from no chain: keep them as they are,
        // so that running the graph reports the cycle.
        for (pos, _) in in_chain.iter().enumerate().filter(|(_, done)| !**done) {
            let (key, computation) = self.at(pos);
            fused.insert(key.clone(), computation.clone());
        }
        fused
    }
}

/// One function running `steps` in order, each on the value of the one before.
fn compose<V: Send + Sync + 'static>(steps: Vec<(Key, TaskFn<V>)>) -> TaskFn<V> {
    Arc::new(move |inputs: &Inputs<'_, V>| {
        let mut value: Option<Arc<V>> = None;
        for (key, step) in &steps {
            let result = match &value {
                None => step(inputs),
                Some(v) => step(&Inputs::new(std::slice::from_ref(v))),
            };
            let v = result.map_err(|source| Error::TaskFailed {
                key: key.clone(),
                source,
            })?;
            value = Some(Arc::new(v));
        }
        let value = value.ok_or_else(|| Error::Internal("a fused task has no steps".into()))?;
        Arc::try_unwrap(value).map_err(|_| Error::Internal("a fused value is shared".into()).into())
    })
}
