//! `blaze datashape TEXT`

use crate::output::{Failure, Format, print_datashape, snippet};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The datashape, e.g. `var * {name: string, amount: ?float64}`.
    text: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Lay records out over several lines when longer than this many characters
    /// (0: always). By default the original's `str` layout (80).
    #[arg(long)]
    width: Option<usize>,
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    match blaze_datashape::parse(&args.text) {
        Ok(shape) => {
            print_datashape(&shape, args.format, args.width);
            Ok(())
        }
        Err(error) => {
            let mut message = error.to_string();
            if let blaze_datashape::Error::Parse { span, .. } = &error {
                message = format!("{message}\n{}", snippet(&args.text, *span));
            }
            Err(Failure::invalid(message))
        }
    }
}
