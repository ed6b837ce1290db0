//! Odo: resources and data movement. At this stage: recognising file formats and discovering
//! the datashape of CSV/TSV, JSON, JSON lines, Parquet and Arrow IPC files (optionally `.gz` or
//! `.zst` compressed for the text formats).
//!
//! ```no_run
//! use blaze_odo::{DiscoverOptions, discover_path};
//! let found = discover_path("examples/data/iris.csv".as_ref(), &DiscoverOptions::default()).unwrap();
//! println!("{}", found.datashape);
//! ```

mod csv_file;
mod discover;
mod error;
mod format;
mod read;

pub use discover::{CsvOptions, DiscoverOptions, Discovery, discover_path};
pub use error::{Error, Result};
pub use format::{Compression, FileFormat};
