//! Graphviz DOT export of a graph, to see its shape (`dot -Tsvg graph.dot > graph.svg`).

use std::fmt::Write;

use crate::graph::Computation;
use crate::{Graph, Key};

impl<V> Graph<V> {
    /// The graph in Graphviz's DOT language, dependencies drawn below what uses them: data as
    /// boxes, tasks as ellipses, aliases dashed. Each node is labelled with its key and, when
    /// the graph can run, its priority (`#0` runs first).
    pub fn to_dot(&self) -> String {
        let order = self.order().ok();
        let mut out = String::from("digraph {\n  rankdir=BT;\n  node [fontname=\"Helvetica\"];\n");
        for (key, computation) in self.iter() {
            let shape = match computation {
                Computation::Data(_) => "shape=box",
                Computation::Task(_) => "shape=ellipse",
                Computation::Alias(_) => "shape=ellipse, style=dashed",
            };
            let mut label = key.to_string();
            if let Some(rank) = order.as_ref().and_then(|o| o.get(key)) {
                let _ = write!(label, "\n#{rank}");
            }
            let _ = writeln!(
                out,
                "  {} [label={}, {shape}];",
                quote(key),
                quote_str(&label)
            );
        }
        for (key, computation) in self.iter() {
            let mut seen: Vec<&Key> = Vec::new();
            for d in computation.dependencies() {
                if !seen.contains(&d) {
                    seen.push(d);
                    let _ = writeln!(out, "  {} -> {};", quote(d), quote(key));
                }
            }
        }
        out.push_str("}\n");
        out
    }
}

fn quote(key: &Key) -> String {
    quote_str(&key.to_string())
}

fn quote_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
