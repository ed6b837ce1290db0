//! A graph compiled for one run: only the keys the outputs need, aliases resolved, dependencies
//! as dense indices, checked for missing keys and cycles.

use std::sync::Arc;

use crate::graph::{Computation, Graph, TaskFn};
use crate::{Error, Key, Result};

/// Adjacency lists packed into one vector: `items[start[i]..start[i + 1]]` belongs to node `i`.
#[derive(Debug, Default)]
pub(crate) struct Csr {
    start: Vec<u32>,
    items: Vec<u32>,
}

impl Csr {
    pub(crate) fn get(&self, i: usize) -> &[u32] {
        &self.items[self.start[i] as usize..self.start[i + 1] as usize]
    }

    /// The reverse lists of `self` over `n` nodes: `j` lists `i` whenever `i` lists `j`.
    fn reversed(&self, n: usize) -> Csr {
        let mut counts = vec![0u32; n + 1];
        for &j in &self.items {
            counts[j as usize + 1] += 1;
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let mut fill = counts.clone();
        let mut items = vec![0u32; self.items.len()];
        for i in 0..n {
            for &j in self.get(i) {
                items[fill[j as usize] as usize] = i as u32;
                fill[j as usize] += 1;
            }
        }
        Csr {
            start: counts,
            items,
        }
    }
}

/// What a node of the plan computes.
pub(crate) enum Kind<'g, V> {
    Data(&'g Arc<V>),
    Task(&'g TaskFn<V>),
}

/// The compiled graph. Nodes are numbered `0..len()` in the order they were reached from the
/// outputs; `topological` lists them dependencies first.
pub(crate) struct Plan<'g, V> {
    pub(crate) keys: Vec<&'g Key>,
    pub(crate) kinds: Vec<Kind<'g, V>>,
    /// Each task's arguments in order, repeats included.
    pub(crate) args: Csr,
    /// Each node's distinct dependencies.
    pub(crate) deps: Csr,
    /// Each node's distinct dependents.
    pub(crate) dependents: Csr,
    /// The node of each requested key, in the order requested.
    pub(crate) outputs: Vec<u32>,
    pub(crate) is_output: Vec<bool>,
    /// Every node, each after all its dependencies.
    pub(crate) topological: Vec<u32>,
}

impl<'g, V> Plan<'g, V> {
    /// Compiles what computing `outputs` from `graph` needs.
    pub(crate) fn new(graph: &'g Graph<V>, outputs: &[Key]) -> Result<Self> {
        const UNSEEN: u32 = u32::MAX;
        let mut node_of = vec![UNSEEN; graph.len()];
        let mut positions: Vec<usize> = Vec::new();
        let mut reach = |pos: usize, positions: &mut Vec<usize>| -> u32 {
            if node_of[pos] == UNSEEN {
                node_of[pos] = positions.len() as u32;
                positions.push(pos);
            }
            node_of[pos]
        };
        let mut output_nodes = Vec::with_capacity(outputs.len());
        for key in outputs {
            let pos = graph
                .position(key)
                .ok_or_else(|| Error::UnknownKey { key: key.clone() })?;
            let pos = resolve(graph, pos)?;
            output_nodes.push(reach(pos, &mut positions));
        }
        let mut keys = Vec::new();
        let mut kinds = Vec::new();
        let mut args = Csr {
            start: vec![0],
            items: Vec::new(),
        };
        let mut next = 0;
        while next < positions.len() {
            let (key, computation) = graph.at(positions[next]);
            next += 1;
            keys.push(key);
            match computation {
                Computation::Data(v) => kinds.push(Kind::Data(v)),
                Computation::Task(t) => {
                    kinds.push(Kind::Task(&t.func));
                    for arg in &t.args {
                        let pos = graph
                            .position(arg)
                            .ok_or_else(|| Error::MissingDependency {
                                key: key.clone(),
                                dependency: arg.clone(),
                            })?;
                        let pos = resolve(graph, pos)?;
                        args.items.push(reach(pos, &mut positions));
                    }
                }
                Computation::Alias(_) => {
                    return Err(Error::Internal(format!(
                        "alias {} was not resolved",
                        key.quoted()
                    )));
                }
            }
            args.start.push(args.items.len() as u32);
        }
        let n = keys.len();
        let mut deps = Csr {
            start: vec![0],
            items: Vec::with_capacity(args.items.len()),
        };
        for i in 0..n {
            let first = deps.items.len();
            deps.items.extend_from_slice(args.get(i));
            deps.items[first..].sort_unstable();
            let mut unique = first;
            for j in first..deps.items.len() {
                if j == first || deps.items[j] != deps.items[unique - 1] {
                    deps.items[unique] = deps.items[j];
                    unique += 1;
                }
            }
            deps.items.truncate(unique);
            deps.start.push(deps.items.len() as u32);
        }
        let dependents = deps.reversed(n);
        let mut is_output = vec![false; n];
        for &o in &output_nodes {
            is_output[o as usize] = true;
        }
        let topological = topological_order(&keys, &deps, &dependents)?;
        Ok(Plan {
            keys,
            kinds,
            args,
            deps,
            dependents,
            outputs: output_nodes,
            is_output,
            topological,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
}

/// Follows aliases from `pos` to the data or task they name.
fn resolve<V>(graph: &Graph<V>, mut pos: usize) -> Result<usize> {
    let mut chain: Vec<usize> = Vec::new();
    loop {
        let (key, computation) = graph.at(pos);
        let Computation::Alias(target) = computation else {
            return Ok(pos);
        };
        if let Some(start) = chain.iter().position(|&p| p == pos) {
            let mut keys: Vec<Key> = chain[start..]
                .iter()
                .map(|&p| graph.at(p).0.clone())
                .collect();
            keys.push(key.clone());
            return Err(Error::Cycle { keys });
        }
        chain.push(pos);
        pos = graph
            .position(target)
            .ok_or_else(|| Error::MissingDependency {
                key: key.clone(),
                dependency: target.clone(),
            })?;
    }
}

/// Kahn's algorithm; a node left over lies on or behind a cycle, which the error names.
fn topological_order(keys: &[&Key], deps: &Csr, dependents: &Csr) -> Result<Vec<u32>> {
    let n = keys.len();
    let mut waiting: Vec<u32> = (0..n).map(|i| deps.get(i).len() as u32).collect();
    let mut order: Vec<u32> = (0..n as u32)
        .filter(|&i| waiting[i as usize] == 0)
        .collect();
    let mut next = 0;
    while next < order.len() {
        let i = order[next] as usize;
        next += 1;
        for &d in dependents.get(i) {
            waiting[d as usize] -= 1;
            if waiting[d as usize] == 0 {
                order.push(d);
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Every node still waiting has a dependency still waiting: walk those until one repeats.
    let mut path: Vec<usize> = Vec::new();
    let mut on_path = vec![usize::MAX; n];
    let mut i = (0..n).find(|&i| waiting[i] > 0).unwrap_or(0);
    while on_path[i] == usize::MAX {
        on_path[i] = path.len();
        path.push(i);
        match deps.get(i).iter().find(|&&d| waiting[d as usize] > 0) {
            Some(&d) => i = d as usize,
            None => {
                return Err(Error::Internal(
                    "a waiting node has no waiting dependency".into(),
                ));
            }
        }
    }
    let mut cycle: Vec<Key> = path[on_path[i]..]
        .iter()
        .map(|&p| keys[p].clone())
        .collect();
    cycle.push(keys[i].clone());
    Err(Error::Cycle { keys: cycle })
}
