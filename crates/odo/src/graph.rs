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
    /// A SQLite table.
    Sqlite,
    /// A PostgreSQL table.
    Postgres,
    /// A MongoDB collection.
    Mongo,
    /// A dataset of a Blaze server (read-only).
    BlazeServer,
    /// A stream of Arrow record batches in memory: the hub.
    ArrowBatches,
    /// An n-d array stored in a file.
    Array(crate::array::ArrayFormat),
    /// The blocks of an n-d array, computed as a task graph: the arrays' hub.
    ArrayBlocks,
    /// A numpy record array in a `.npy` file (a structured dtype): a table.
    NpyRecords,
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
            Kind::Sqlite => "SQLite table",
            Kind::Postgres => "PostgreSQL table",
            Kind::Mongo => "MongoDB collection",
            Kind::BlazeServer => "Blaze server dataset",
            Kind::Array(format) => format.name(),
            Kind::ArrayBlocks => "n-d array blocks",
            Kind::ArrowBatches => "Arrow record batches",
            Kind::NpyRecords => ".npy record array",
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
    /// Read a SQLite table as record batches.
    ReadSqlite,
    /// Insert record batches into a SQLite table, in one transaction.
    WriteSqlite,
    /// `INSERT ... SELECT` from one table to another in the same database: no data leaves it.
    /// Only for two tables of one database; otherwise the next cheapest path is taken.
    CopyWithinDatabase,
    /// Read a PostgreSQL table with binary `COPY ... TO STDOUT`.
    ReadPostgres,
    /// Load record batches with binary `COPY ... FROM STDIN`, in one transaction.
    WritePostgres,
    /// Read a MongoDB collection's documents (through a local JSON-lines file).
    ReadMongo,
    /// Read a Blaze server's dataset as an Arrow IPC stream.
    ReadBlaze,
    /// Read an n-d array's blocks as they are needed.
    ReadArray,
    /// Write an n-d array block by block as each is computed (to a temporary file, renamed
    /// into place).
    WriteArray,
    /// Read a 1-d or 2-d array's rows as record batches (columns `f0`, `f1`, …), a block of
    /// rows at a time.
    ArrayToTable,
    /// Gather numeric columns into a 2-d array of their common type (1-d for one column), a
    /// batch at a time.
    TableToArray,
    /// Read a numpy record array's fields as columns, a batch of records at a time.
    ReadNpyRecords,
    /// Write a table with columns other than numbers into a `.npy` file as a numpy record
    /// array, through an Arrow IPC file beside it (the header needs the row count and the
    /// widths of the text fields).
    WriteNpyRecords,
    /// Insert record batches into a new MongoDB collection, renamed over the target when
    /// complete.
    WriteMongo,
    /// Stream a CSV file into `COPY ... FROM STDIN (FORMAT csv)`: the server parses. Declines
    /// files whose cells use null markers other than the empty cell, or another encoding.
    CsvToPostgres,
    /// Stream a PostgreSQL table into a CSV file with `COPY ... TO STDOUT (FORMAT csv)`: the
    /// server formats. Declines tables whose text would not read back the same (intervals,
    /// arrays, JSON), appends, and a given datashape.
    PostgresToCsv,
}

impl Conversion {
    fn describe(self) -> &'static str {
        match self {
            Conversion::ReadFile => "read",
            Conversion::WriteFile => "write to a temporary file, rename into place",
            Conversion::ReadSqlite => "SELECT",
            Conversion::WriteSqlite => "CREATE TABLE and INSERT in one transaction",
            Conversion::CopyWithinDatabase => "INSERT INTO ... SELECT inside the database",
            Conversion::ReadPostgres => "COPY ... TO STDOUT (FORMAT binary)",
            Conversion::WritePostgres => {
                "CREATE TABLE and COPY ... FROM STDIN (FORMAT binary), one transaction"
            }
            Conversion::ReadMongo => "find, documents as JSON lines in a local file",
            Conversion::ReadBlaze => "POST /compute, answered as an Arrow IPC stream",
            Conversion::ReadArray => "read blocks as they are needed",
            Conversion::WriteArray => {
                "write each block where it belongs as it is computed, rename into place"
            }
            Conversion::ArrayToTable => "rows of a 1-d or 2-d array, columns f0, f1, …",
            Conversion::TableToArray => {
                "numeric columns as rows × columns of their common type, a batch at a time"
            }
            Conversion::WriteNpyRecords => {
                "a field per column (text as unicode as wide as its longest value), staged beside the file, rename into place"
            }
            Conversion::ReadNpyRecords => "fields as columns, a batch of records at a time",
            Conversion::WriteMongo => {
                "insert_many into a temporary collection, renamed over the target"
            }
            Conversion::PostgresToCsv => {
                "COPY ... TO STDOUT (FORMAT csv) into a temporary file, renamed into place; the server formats"
            }
            Conversion::CsvToPostgres => {
                "CREATE TABLE and COPY ... FROM STDIN (FORMAT csv), one transaction; the server parses"
            }
        }
    }
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
            let how = step.conversion.describe();
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
        // SQLite answers row by row, so reading and inserting cost about as much as text.
        let sqlite = graph.add_node(Kind::Sqlite);
        graph.add_edge(sqlite, hub, (Conversion::ReadSqlite, 1.2));
        graph.add_edge(hub, sqlite, (Conversion::WriteSqlite, 1.5));
        graph.add_edge(sqlite, sqlite, (Conversion::CopyWithinDatabase, 0.3));
        // PostgreSQL moves data in bulk with COPY; a CSV file goes straight to the server.
        let postgres = graph.add_node(Kind::Postgres);
        graph.add_edge(postgres, hub, (Conversion::ReadPostgres, 0.5));
        graph.add_edge(hub, postgres, (Conversion::WritePostgres, 0.8));
        graph.add_edge(postgres, postgres, (Conversion::CopyWithinDatabase, 0.2));
        // MongoDB answers document by document, through JSON.
        let mongo = graph.add_node(Kind::Mongo);
        graph.add_edge(mongo, hub, (Conversion::ReadMongo, 3.0));
        graph.add_edge(hub, mongo, (Conversion::WriteMongo, 3.0));
        // A Blaze server streams Arrow: no parsing, but a network in between.
        let blaze = graph.add_node(Kind::BlazeServer);
        graph.add_edge(blaze, hub, (Conversion::ReadBlaze, 0.3));
        // N-d arrays move block by block among array formats; a table of numbers and an array
        // of one or two dimensions convert into each other, row by row.
        let blocks = graph.add_node(Kind::ArrayBlocks);
        graph.add_edge(blocks, hub, (Conversion::ArrayToTable, 0.3));
        graph.add_edge(hub, blocks, (Conversion::TableToArray, 0.3));
        for format in crate::array::ArrayFormat::ALL {
            let stored = graph.add_node(Kind::Array(format));
            graph.add_edge(stored, blocks, (Conversion::ReadArray, 0.1));
            graph.add_edge(blocks, stored, (Conversion::WriteArray, 0.2));
        }
        // A numpy record array is a table: a `.npy` target is this node when the table has
        // columns other than numbers (odo looks at the columns to decide).
        let records = graph.add_node(Kind::NpyRecords);
        graph.add_edge(records, hub, (Conversion::ReadNpyRecords, 0.2));
        graph.add_edge(hub, records, (Conversion::WriteNpyRecords, 0.5));
        let csv = graph
            .node_indices()
            .find(|&i| graph[i] == Kind::File(FileFormat::Csv { delimiter: None }))
            .expect("the CSV node was added above");
        graph.add_edge(csv, postgres, (Conversion::CsvToPostgres, 0.6));
        graph.add_edge(postgres, csv, (Conversion::PostgresToCsv, 0.4));
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
        self.plan_avoiding(from, to, &[])
    }

    /// The cheapest plan from `from` to `to` that uses none of the `avoid` conversions (the
    /// ones that said they cannot handle this case).
    pub fn plan_avoiding(&self, from: Kind, to: Kind, avoid: &[Conversion]) -> Result<Plan> {
        let no_path = || Error::InvalidOption(format!("no conversion from {from} to {to}"));
        let (start, goal) = (
            self.index(from).ok_or_else(no_path)?,
            self.index(to).ok_or_else(no_path)?,
        );
        let (_, nodes) = if start == goal {
            // A move within one kind: its own edge (a self-loop), or out to the hub and back.
            self.loop_path(start, avoid).ok_or_else(no_path)?
        } else {
            astar(
                &self.graph,
                start,
                |n| n == goal,
                |e| {
                    if avoid.contains(&e.weight().0) {
                        f64::INFINITY
                    } else {
                        e.weight().1
                    }
                },
                |_| 0.0,
            )
            .filter(|(cost, _)| cost.is_finite())
            .ok_or_else(no_path)?
        };
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

impl Graph {
    /// The cheapest way from `node` back to itself: a direct self-loop, or via the hub.
    fn loop_path(&self, node: NodeIndex, avoid: &[Conversion]) -> Option<(f64, Vec<NodeIndex>)> {
        let usable = |e: petgraph::graph::EdgeIndex| !avoid.contains(&self.graph[e].0);
        let direct = self
            .graph
            .find_edge(node, node)
            .filter(|&e| usable(e))
            .map(|e| (self.graph[e].1, vec![node, node]));
        // Out to a hub (Arrow batches for tables, blocks for arrays) and back.
        let via_hub = |hub: Kind| {
            let hub = self.index(hub)?;
            match (
                self.graph.find_edge(node, hub),
                self.graph.find_edge(hub, node),
            ) {
                (Some(out), Some(back)) if usable(out) && usable(back) => Some((
                    self.graph[out].1 + self.graph[back].1,
                    vec![node, hub, node],
                )),
                _ => None,
            }
        };
        [
            direct,
            via_hub(Kind::ArrowBatches),
            via_hub(Kind::ArrayBlocks),
        ]
        .into_iter()
        .flatten()
        .min_by(|a, b| a.0.total_cmp(&b.0))
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

    #[test]
    fn within_sqlite_the_direct_edge_wins_unless_avoided() {
        let graph = Graph::default();
        let plan = graph.plan(Kind::Sqlite, Kind::Sqlite).unwrap();
        assert_eq!(plan.steps.len(), 1);
        assert_eq!(plan.steps[0].conversion, Conversion::CopyWithinDatabase);
        let plan = graph
            .plan_avoiding(
                Kind::Sqlite,
                Kind::Sqlite,
                &[Conversion::CopyWithinDatabase],
            )
            .unwrap();
        let conversions: Vec<_> = plan.steps.iter().map(|s| s.conversion).collect();
        assert_eq!(
            conversions,
            vec![Conversion::ReadSqlite, Conversion::WriteSqlite]
        );
    }
}
