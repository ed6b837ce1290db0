//! `blaze discover PATH`

use blaze_odo::discover;

use super::read_args::ReadArgs;
use crate::output::{Failure, Format, print_datashape};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The data: a file path (CSV/TSV, JSON, JSON lines, Parquet, Arrow; .gz/.zst for text), a
    /// glob or directory of such files, an s3:// or http(s):// URL, a database URI such as
    /// sqlite:///file.db::table (or sqlite:///file.db for all its tables), or an n-d array in a
    /// .npy file, a Zarr store (data.zarr) or an HDF5 dataset (file.h5::/x)
    /// (`1000 * 1000 * float64`).
    source: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Lay records out over several lines when longer than this many characters (0: always).
    #[arg(long)]
    width: Option<usize>,
    #[command(flatten)]
    read: ReadArgs,
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let options = args.read.options(512 << 20);
    let found = discover(&args.source, &options).map_err(Failure::from_odo)?;
    if !found.complete {
        eprintln!(
            "note: types inferred from the first {} rows of {}; later rows were not read (see --sample-rows, --byte-budget)",
            found.rows_read, args.source
        );
    }
    print_datashape(&found.datashape, args.format, args.width);
    Ok(())
}
