//! The static priority that decides which ready task runs next (`spec/dask.md` §1.6).
//!
//! The aim is dask's: keep little in memory at any time by finishing sub-computations before
//! starting new ones. The order is a depth-first post-order from the graph's results:
//!
//! * **small goals first**: results are taken in increasing order of the work behind them
//!   (counted as in dask: a task plus the work of its dependencies, shared work counted once
//!   per path), ties by key;
//! * **big steps first**: a task's dependencies are visited most-work first, so that the small
//!   values are computed last and held the shortest time (`{a: 1, b: 2, c: inc(a), d: add(b, c)}`
//!   runs `a, c, b, d`).
//!
//! The result is a topological order, so a single thread running the ready task of lowest
//! priority runs exactly this order.

use std::collections::HashMap;

use crate::plan::{Csr, Plan};
use crate::{Graph, Key, Result};

/// Each plan node's rank, `0` first.
pub(crate) fn priorities<V>(plan: &Plan<'_, V>) -> Vec<u32> {
    let n = plan.len();
    let mut work = vec![0u64; n];
    for &i in &plan.topological {
        let i = i as usize;
        work[i] = plan
            .deps
            .get(i)
            .iter()
            .fold(1u64, |acc, &d| acc.saturating_add(work[d as usize]));
    }
    let by_most_work = |a: &u32, b: &u32| {
        let (a, b) = (*a as usize, *b as usize);
        work[b]
            .cmp(&work[a])
            .then_with(|| plan.keys[a].cmp(plan.keys[b]))
    };
    let mut goals: Vec<u32> = (0..n as u32)
        .filter(|&i| plan.dependents.get(i as usize).is_empty())
        .collect();
    goals.sort_unstable_by(|&a, &b| {
        let (a, b) = (a as usize, b as usize);
        work[a]
            .cmp(&work[b])
            .then_with(|| plan.keys[a].cmp(plan.keys[b]))
    });

    const UNSET: u32 = u32::MAX;
    let mut rank = vec![UNSET; n];
    let mut next = 0u32;
    let mut children: Vec<u32> = Vec::new();
    // Each frame: a node and its dependencies not yet ranked, most work last (popped first).
    let mut stack: Vec<(u32, usize)> = Vec::new();
    for goal in goals {
        if rank[goal as usize] != UNSET {
            continue;
        }
        push_frame(goal, &plan.deps, &mut children, &mut stack, &by_most_work);
        while let Some(&(node, base)) = stack.last() {
            let child = if children.len() > base {
                children.pop()
            } else {
                None
            };
            match child {
                Some(c) if rank[c as usize] == UNSET => {
                    push_frame(c, &plan.deps, &mut children, &mut stack, &by_most_work);
                }
                Some(_) => {}
                None => {
                    rank[node as usize] = next;
                    next += 1;
                    stack.pop();
                }
            }
        }
    }
    rank
}

fn push_frame(
    node: u32,
    deps: &Csr,
    children: &mut Vec<u32>,
    stack: &mut Vec<(u32, usize)>,
    by_most_work: &impl Fn(&u32, &u32) -> std::cmp::Ordering,
) {
    let base = children.len();
    children.extend_from_slice(deps.get(node as usize));
    // Most work last, so that it is popped first.
    children[base..].sort_unstable_by(|a, b| by_most_work(b, a));
    stack.push((node, base));
}

impl<V> Graph<V> {
    /// The static priority of every data and task key (`0` runs first), as dask's
    /// `dask.order.order` gives it: aliases take their target's priority.
    pub fn order(&self) -> Result<HashMap<Key, usize>> {
        let leaves = self.leaves();
        let plan = Plan::new(self, &leaves)?;
        let rank = priorities(&plan);
        let mut order: HashMap<Key, usize> = plan
            .keys
            .iter()
            .zip(&rank)
            .map(|(k, &r)| ((*k).clone(), r as usize))
            .collect();
        for key in self.keys() {
            if !order.contains_key(key) {
                let target = Plan::new(self, std::slice::from_ref(key))?;
                let resolved = target.keys[target.outputs[0] as usize];
                if let Some(&r) = order.get(resolved) {
                    order.insert(key.clone(), r);
                }
            }
        }
        Ok(order)
    }
}
