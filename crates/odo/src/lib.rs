//! Odo: resources and data movement.
//!
//! * [`discover_path`]: the datashape of a CSV/TSV, JSON, JSON-lines, Parquet or Arrow IPC file
//!   (text formats optionally `.gz` or `.zst` compressed).
//! * [`odo`]: move the data of one resource into another along the cheapest path of the
//!   conversion [`Graph`], streaming Arrow record batches in bounded memory, writing targets
//!   atomically; [`explain`] shows the path without moving data.
//! * [`open`] reads any resource as Arrow record batches; [`odo_batches`] writes batches a
//!   library user holds ([`BatchSource::from_batches`]) into any target.
//! * [`query`] runs SQL with bound parameters inside a SQLite or PostgreSQL database, read-only,
//!   and streams its rows back as Arrow batches (Blaze's pushdown sends its SQL through it);
//!   [`aggregate`] runs a MongoDB aggregation pipeline the same way.
//! * Resources: files (one, a glob, or a directory of parts), S3 objects and HTTP files, SQLite
//!   and PostgreSQL tables, MongoDB collections, n-d arrays in `.npy` files, Zarr stores and
//!   HDF5 datasets ([`Resource`]; [`open_array`] opens an array lazily). A 1-d or 2-d array
//!   reads as a table and a table of numbers writes as an array ([`array_as_table`]).
//!
//! ```no_run
//! use blaze_odo::{DiscoverOptions, discover_path};
//! let found = discover_path("examples/data/iris.csv".as_ref(), &DiscoverOptions::default()).unwrap();
//! println!("{}", found.datashape);
//! ```

mod array;
mod array_table;
mod blaze_server;
mod csv_blocks;
mod csv_chunks;
mod csv_file;
mod discover;
mod error;
mod fileset;
mod format;
mod graph;
mod mongo;
mod npy_records;
mod odo;
mod parquet_encoder;
mod postgres;
mod query;
mod read;
mod rejects;
mod remote;
mod remote_zarr;
mod resource;
mod source;
mod sqlite;
mod target;

pub use array::{
    ArrayFormat, array_members, holds_records, members_datashape, open_array, write_array,
};
pub use array_table::array_as_table;
pub use blaze_server::compute as compute_on_server;
pub use discover::{CsvDialect, CsvOptions, DiscoverOptions, Discovery, discover_path};
pub use error::{Error, Result};
pub use fileset::DEFAULT_PART_ROWS;
pub use format::{Compression, FileFormat};
pub use graph::{Conversion, Graph, Kind, Plan, Step};
pub use odo::{
    IfExists, OdoOptions, Progress, ProgressFn, Summary, discover, explain, odo, odo_batches, open,
};
pub use query::{SqlQuery, SqlValue, aggregate, query};
pub use read::ReadProgress;
pub use rejects::Rejects;
pub use resource::{FileSet, Resource};
pub use source::{BatchSource, DEFAULT_BATCH_ROWS};
