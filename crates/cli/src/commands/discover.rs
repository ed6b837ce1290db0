//! `blaze discover PATH`

use std::path::PathBuf;

use blaze_odo::discover_path;

use super::read_args::ReadArgs;
use crate::output::{Failure, Format, print_datashape};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The data file.
    path: PathBuf,
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
    let found = discover_path(&args.path, &options).map_err(Failure::from_odo)?;
    if !found.complete {
        eprintln!(
            "note: types inferred from the first {} rows of {}; later rows were not read (see --sample-rows, --byte-budget)",
            found.rows_read,
            args.path.display()
        );
    }
    print_datashape(&found.datashape, args.format, args.width);
    Ok(())
}
