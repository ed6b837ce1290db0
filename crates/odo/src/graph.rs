//! The conversion graph: resource kinds are nodes, conversions are edges with costs, and a move
//! takes the cheapest path (as the original odo did). The hub is a stream of Arrow record
//! batches; direct edges between stores join as they are built.

use std::fmt;

use petgraph::algo::astar;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::error::{Error, Result};
use crate::format::FileFormat;

/// A kind of resource: a node of the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A file of some format.
    File(FileFormat),
    /// A stream of Arrow record batches in memory: the hub.
    ArrowBatches,
}

impl Kind {
    /// Graph nodes ignore per-file details such as a `.tsv`'s delimiter.
    fn node(self) -> Kind {
        match self {
            Kind::File(FileFormat::Csv { .. }) => Kind::File(FileFormat::Csv { delimiter: None }),
            other => other,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Kind::File(FileFormat::Csv { .. }) => "CSV",
            Kind::File(FileFormat::Json) => "JSON",
            Kind::File(FileFormat::JsonLines) => "JSON lines",
            Kind::File(FileFormat::Parquet) => "Parquet",
            Kind::File(FileFormat::ArrowIpc) => "Arrow IPC",
            Kind::ArrowBatches => "Arrow record batches",
        };
        f.write_str(name)
    }
}

/// What an edge does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conversion {
    /// Read a file as record batches.
    ReadFile,
    /// Write record batches to a file (atomically).
    WriteFile,
}

/// One step of a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Where the data is before the step.
    pub from: Kind,
    /// Where it is after.
    pub to: Kind,
    /// How it gets there.
    pub conversion: Conversion,
    /// The edge's cost: relative time per row, parsing text being about 1.
    pub cost: f64,
}

/// The cheapest path from a source kind to a target kind.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The steps, in order.
    pub steps: Vec<Step>,
}

impl Plan {
    /// The sum of the steps' costs.
    pub fn cost(&self) -> f64 {
        self.steps.iter().map(|s| s.cost).sum()
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            let how = match step.conversion {
                Conversion::ReadFile => "read",
                Conversion::WriteFile => "write to a temporary file, rename into place",
            };
            writeln!(
                f,
                "{}. {} → {}  ({how}; cost {:.2})",
                i + 1,
                step.from,
                step.to,
                step.cost
            )?;
        }
        write!(f, "total cost {:.2}", self.cost())
    }
}

/// Per-row costs of reading and writing each file format through Arrow: text formats parse and
/// print every value; Parquet and Arrow move columns in bulk.
const FILE_COSTS: [(FileFormat, f64, f64); 5] = [
    (FileFormat::Csv { delimiter: None }, 1.0, 0.8),
    (FileFormat::JsonLines, 1.4, 1.0),
    (FileFormat::Json, 1.5, 1.0),
    (FileFormat::Parquet, 0.3, 0.6),
    (FileFormat::ArrowIpc, 0.1, 0.2),
];

/// The graph of every conversion this build knows.
pub struct Graph {
    graph: DiGraph<Kind, (Conversion, f64)>,
}

impl Default for Graph {
    fn default() -> Self {
        let mut graph = DiGraph::new();
        let hub = graph.add_node(Kind::ArrowBatches);
        for (format, read, write) in FILE_COSTS {
            let node = graph.add_node(Kind::File(format));
            graph.add_edge(node, hub, (Conversion::ReadFile, read));
            graph.add_edge(hub, node, (Conversion::WriteFile, write));
        }
        Self { graph }
    }
}

impl Graph {
    fn index(&self, kind: Kind) -> Option<NodeIndex> {
        let node = kind.node();
        self.graph.node_indices().find(|&i| self.graph[i] == node)
    }

    /// The cheapest plan from `from` to `to`.
    pub fn plan(&self, from: Kind, to: Kind) -> Result<Plan> {
        let no_path = || Error::InvalidOption(format!("no conversion from {from} to {to}"));
        let (start, goal) = (
            self.index(from).ok_or_else(no_path)?,
            self.index(to).ok_or_else(no_path)?,
        );
        let (_, nodes) = astar(&self.graph, start, |n| n == goal, |e| e.weight().1, |_| 0.0)
            .ok_or_else(no_path)?;
        let steps = nodes
            .windows(2)
            .map(|pair| {
                let edge = self
                    .graph
                    .find_edge(pair[0], pair[1])
                    .expect("path edges exist");
                let (conversion, cost) = self.graph[edge];
                let kind = |i: NodeIndex, original: Kind| {
                    if self.graph[i] == original.node() {
                        original
                    } else {
                        self.graph[i]
                    }
                };
                Step {
                    from: kind(pair[0], from),
                    to: kind(pair[1], to),
                    conversion,
                    cost,
                }
            })
            .collect();
        Ok(Plan { steps })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_go_through_the_arrow_hub() {
        let plan = Graph::default()
            .plan(
                Kind::File(FileFormat::Csv {
                    delimiter: Some(b'\t'),
                }),
                Kind::File(FileFormat::Parquet),
            )
            .unwrap();
        assert_eq!(plan.steps.len(), 2);
        assert_eq!(plan.steps[0].conversion, Conversion::ReadFile);
        assert_eq!(plan.steps[1].to, Kind::File(FileFormat::Parquet));
        assert!((plan.cost() - 1.6).abs() < 1e-9);
        assert_eq!(
            plan.to_string(),
            "1. CSV → Arrow record batches  (read; cost 1.00)\n\
             2. Arrow record batches → Parquet  (write to a temporary file, rename into place; cost 0.60)\n\
             total cost 1.60"
        );
    }
}
